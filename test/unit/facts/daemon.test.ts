import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileModeRule, fileOwnerRule } from '../../../src/cis/checks';
import { DaemonSettingsReader, probeListeners, readDaemonFacts, readDaemonFiles } from '../../../src/facts/daemon';
import { pickDockerd } from '../../../src/model/dockerd-process';
import { EngineFacts } from '../../../src/facts/engine';
import type { CollectionRef } from '../../../src/facts/per-collection';
import { fileModeOk, fileOwnerOk } from '../../../src/model/daemon-files';
import { listenerServes, parseDockerdArgs, probeTarget, resolveSettings, type DaemonSettings } from '../../../src/model/daemon-settings';
import { probe } from '../../../src/readers/http-probe';
import { findProcesses } from '../../../src/readers/procfs';
import { testOptions } from '../../helpers/options';
import { RecordedEngine } from '../../helpers/recorded-engine';

const signal = new AbortController().signal;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-daemon-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes a file under `root`, making its folders; mode and owner as given. */
function put(root: string, file: string, content: string, mode = 0o644, uid = 0, gid = 0): string {
  const full = path.join(root, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content);
  fs.chmodSync(full, mode);
  fs.chownSync(full, uid, gid);
  return full;
}

/** A fake procfs: one folder per pid with a NUL-separated cmdline and a stat line. */
function fakeProc(processes: Record<number, string[] | undefined>, startTime = '4242'): string {
  const proc = fs.mkdtempSync(path.join(tmp, 'proc-'));
  fs.mkdirSync(path.join(proc, 'self'));
  for (const [pid, argv] of Object.entries(processes)) {
    fs.mkdirSync(path.join(proc, pid));
    if (argv) fs.writeFileSync(path.join(proc, pid, 'cmdline'), argv.map((a) => a + '\0').join(''));
    // comm may hold spaces and parentheses: the start time is the 20th field after the last ')'.
    fs.writeFileSync(path.join(proc, pid, 'stat'), `${pid} (a (b) c) S 1 ${Array.from({ length: 17 }, () => '0').join(' ')} ${startTime} 0 0\n`);
  }
  return proc;
}

describe('finding dockerd in procfs', () => {
  const proc = fakeProc({
    50: [], // a kernel thread: empty cmdline
    100: ['bash', '-c', 'dockerd is a word here'],
    200: ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'],
    300: ['dockerd', '--config-file', '/tmp/dae-x/daemon.json', '-H', 'unix:///tmp/dae-x/s', '--live-restore'],
    310: ['dockerd', '-H', 'tcp://0.0.0.0:2376', '--tlsverify'],
    400: undefined, // exited between readdir and read
  });

  it('lists the processes whose argv[0] is dockerd, whatever their folder, skipping what it cannot read', async () => {
    expect((await findProcesses(proc, 'dockerd')).map((p) => p.pid)).toEqual([200, 300, 310]);
    const second = (await findProcesses(proc, 'dockerd')).find((p) => p.pid === 300);
    expect(second?.argv).toEqual(['dockerd', '--config-file', '/tmp/dae-x/daemon.json', '-H', 'unix:///tmp/dae-x/s', '--live-restore']);
  });

  it('picks the dockerd serving the engine the exporter talks to, else the lowest pid', async () => {
    const all = await findProcesses(proc, 'dockerd');
    expect(pickDockerd(all, 'unix:///tmp/dae-x/s')?.pid).toBe(300);
    expect(pickDockerd(all, 'unix:///var/run/docker.sock')?.pid).toBe(200); // fd:// is systemd's docker.socket
    expect(pickDockerd(all, 'https://127.0.0.1:2376')?.pid).toBe(310);
    expect(pickDockerd(all, 'unix:///elsewhere.sock')?.pid).toBe(200);
    expect(pickDockerd([], 'unix:///var/run/docker.sock')).toBeUndefined();
  });

  it('matches listeners to endpoints as the sockets and addresses are reached', () => {
    expect(listenerServes('unix:///var/run/docker.sock', 'unix:///run/docker.sock')).toBe(true);
    expect(listenerServes('unix:///var/run/docker.sock', 'unix:///tmp/s')).toBe(false);
    expect(listenerServes('tcp://0.0.0.0:2375', 'http://10.1.2.3:2375')).toBe(true);
    expect(listenerServes('tcp://localhost:2375', 'http://127.0.0.1:2375')).toBe(true);
    expect(listenerServes('tcp://10.0.0.1:2375', 'http://127.0.0.1:2375')).toBe(false);
    expect(listenerServes('tcp://127.0.0.1:2375', 'http://127.0.0.1:2376')).toBe(false);
  });
});

describe('readDaemonFiles', () => {
  const root = fs.mkdtempSync(path.join(tmp, 'root-'));
  put(root, 'etc/group', 'root:x:0:\ndocker:x:999:alice\n');
  put(root, 'lib/systemd/system/docker.service', '[Service]\n', 0o644);
  put(root, 'etc/systemd/system/docker.service', '[Service]\n', 0o664); // an override: systemd takes this one
  put(root, 'usr/lib/systemd/system/docker.socket', '[Socket]\n', 0o644, 0, 1000);
  put(root, 'etc/docker/daemon.json', '{}', 0o600, 1000, 0);
  fs.chmodSync(path.join(root, 'etc/docker'), 0o755);
  put(root, 'var/run/docker.sock', '', 0o660, 0, 999);
  put(root, 'tmp/other.sock', '', 0o666, 0, 1234);
  put(root, 'etc/docker/tls/key.pem', 'k', 0o440);
  put(root, 'etc/docker/certs.d/registry.local:5000/ca.crt', 'c', 0o444);
  put(root, 'etc/default/docker', '', 0o644);

  const settings = (args: string[]): DaemonSettings => resolveSettings({ args: parseDockerdArgs(['dockerd', ...args]), config: {}, info: undefined });
  // Judged with the rules of the CIS catalog, as the daemon collector and the checks 3.x judge them.
  const byPath = async (args: string[]) => {
    const { files, dockerGid } = await readDaemonFiles(root, settings(args), { path: '/etc/docker/daemon.json', local: path.join(root, 'etc/docker/daemon.json') });
    return Object.fromEntries(
      files.map((f) => [
        f.path,
        { role: f.role, mode: f.mode.toString(8), owner: `${f.uid}:${f.gid}`, ownerOk: fileOwnerOk(f, fileOwnerRule(f.role)!, dockerGid), modeOk: fileModeOk(f, fileModeRule(f.role)!) },
      ]),
    );
  };

  it('stats the CIS section 3 files that exist under the root path, with the owner and mode CIS asks for', async () => {
    expect(await byPath(['-H', 'fd://', '-H', 'unix:///tmp/other.sock', '--tlsverify', '--tlskey=/etc/docker/tls/key.pem', '--tlscert=/etc/docker/tls/missing.pem'])).toEqual({
      '/etc/systemd/system/docker.service': { role: 'docker.service', mode: '664', owner: '0:0', ownerOk: true, modeOk: false },
      '/usr/lib/systemd/system/docker.socket': { role: 'docker.socket', mode: '644', owner: '0:1000', ownerOk: false, modeOk: true },
      '/etc/docker': { role: '/etc/docker', mode: '755', owner: '0:0', ownerOk: true, modeOk: true },
      '/etc/docker/daemon.json': { role: 'daemon.json', mode: '600', owner: '1000:0', ownerOk: false, modeOk: true },
      // root:docker, as CIS asks for the socket; another group is not.
      '/var/run/docker.sock': { role: 'docker.sock', mode: '660', owner: '0:999', ownerOk: true, modeOk: true },
      '/tmp/other.sock': { role: 'docker.sock', mode: '666', owner: '0:1234', ownerOk: false, modeOk: false },
      '/etc/default/docker': { role: '/etc/default/docker', mode: '644', owner: '0:0', ownerOk: true, modeOk: true },
      '/etc/docker/tls/key.pem': { role: 'tlskey', mode: '440', owner: '0:0', ownerOk: true, modeOk: false },
      '/etc/docker/certs.d/registry.local:5000/ca.crt': { role: 'registry-certs', mode: '444', owner: '0:0', ownerOk: true, modeOk: true },
    });
  });

  it('takes the default socket when dockerd has no -H, and the containerd socket dockerd was given', async () => {
    put(root, 'run/ctd/containerd.sock', '', 0o660);
    const files = await byPath(['--containerd', '/run/ctd/containerd.sock']);
    expect(Object.keys(files).filter((p) => p.endsWith('.sock'))).toEqual(['/var/run/docker.sock', '/run/ctd/containerd.sock']);
    expect(files['/run/ctd/containerd.sock']).toMatchObject({ role: 'containerd.sock', ownerOk: true, modeOk: true });
  });
});

describe('readDaemonFiles under a host root mounted elsewhere', () => {
  const root = fs.mkdtempSync(path.join(tmp, 'hostroot-'));
  put(root, 'usr/lib/systemd/system/docker.socket', '[Socket]\n', 0o644);
  put(root, 'usr/lib/systemd/system/docker.service', '[Service]\n', 0o644);
  // `systemctl mask docker.service`: a link to /dev/null in /etc, in force over /usr/lib.
  fs.mkdirSync(path.join(root, 'etc/systemd/system'), { recursive: true });
  fs.symlinkSync('/dev/null', path.join(root, 'etc/systemd/system/docker.service'));
  // An absolute link is the host's: it must resolve under the root path, not in the exporter's own filesystem.
  put(root, 'srv/dae-review-tls/key.pem', 'k', 0o400);
  fs.mkdirSync(path.join(root, 'etc/docker'), { recursive: true });
  fs.symlinkSync('/srv/dae-review-tls/key.pem', path.join(root, 'etc/docker/key.pem'));

  const settings = resolveSettings({ args: parseDockerdArgs(['dockerd', '--tlsverify', '--tlskey=/etc/docker/key.pem']), config: {}, info: undefined });
  const read = async () =>
    Object.fromEntries((await readDaemonFiles(root, settings, { path: '/etc/docker/daemon.json', local: path.join(root, 'etc/docker/daemon.json') })).files.map((f) => [f.path, f.mode.toString(8)]));

  it('leaves out a masked unit (linked to /dev/null), as systemd and the auditrules collector do', async () => {
    const files = await read();
    expect(files['/etc/systemd/system/docker.service']).toBeUndefined();
    expect(files['/usr/lib/systemd/system/docker.service']).toBeUndefined();
    expect(files['/usr/lib/systemd/system/docker.socket']).toBe('644');
  });

  it('follows absolute symlinks inside the host root', async () => {
    expect((await read())['/etc/docker/key.pem']).toBe('400');
  });
});

describe('the plain-HTTP probe', () => {
  const servers: http.Server[] = [];
  const serve = async (handler: http.RequestListener): Promise<string> => {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  it('finds an unauthenticated Docker API, and not a TLS listener answering 400, a web page or a closed port', async () => {
    const docker = await serve((req, res) => {
      res.writeHead(req.url === '/_ping' ? 200 : 404, { 'Api-Version': '1.41', 'Content-Type': 'text/plain' });
      res.end(req.url === '/_ping' ? 'OK' : '');
    });
    // What Go's TLS server sends to a plain-HTTP client.
    const tls = await serve((_req, res) => {
      res.writeHead(400);
      res.end('Client sent an HTTP request to an HTTPS server.\n');
    });
    const web = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>hello</html>');
    });
    const closed = await serve(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve));

    expect(await probe(docker, signal)).toEqual({ address: docker, status: 200, exposed: true });
    expect(await probe(tls, signal)).toEqual({ address: tls, status: 400, exposed: false });
    expect(await probe(web, signal)).toEqual({ address: web, status: 200, exposed: false });
    expect(await probe(closed, signal)).toEqual({ address: closed, exposed: false, error: 'ECONNREFUSED' });
  });

  it('reports a port no socket can have as not exposed instead of failing every probe (a bad port in daemon.json hosts)', async () => {
    expect(await probe('127.0.0.1:99999', signal)).toMatchObject({ address: '127.0.0.1:99999', exposed: false });
    const listeners = resolveSettings({ args: undefined, config: { hosts: ['tcp://0.0.0.0:99999'] }, info: undefined }).listeners;
    expect((await probeListeners(listeners, [], signal)).map((p) => [p.address, p.exposed])).toEqual([['127.0.0.1:99999', false]]);
  });

  it('gives up after its timeout on an address that never answers', async () => {
    let received!: () => void;
    const requested = new Promise<void>((resolve) => (received = resolve));
    const hung = await serve(() => received()); // accepts, reads the request, never answers
    // Fake timers for the probe's deadline (a setTimeout); the sockets stay real, so
    // nextTick, queueMicrotask and setImmediate are not faked.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      let result: unknown;
      void probe(hung, signal, 200).then((r) => (result = r));
      await requested; // the request reached the server: real I/O, not the clock
      await jest.advanceTimersByTimeAsync(199);
      expect(result).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(result).toEqual({ address: hung, exposed: false, error: 'no answer within 200 ms' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('probes each TCP listener on the address it is reached at, and the extra addresses, once each', async () => {
    const docker = await serve((_req, res) => res.end('OK'));
    const port = docker.split(':')[1];
    expect(probeTarget('tcp://0.0.0.0:2375')).toBe('127.0.0.1:2375');
    expect(probeTarget('tcp://[::]:2375')).toBe('127.0.0.1:2375');
    expect(probeTarget('tcp://[::1]:2375')).toBe('[::1]:2375');
    const listeners = resolveSettings({ args: parseDockerdArgs(['dockerd', '-H', `tcp://0.0.0.0:${port}`, '-H', 'unix:///var/run/docker.sock']), config: {}, info: undefined }).listeners;
    const probes = await probeListeners(listeners, [docker, '127.0.0.1:1'], signal);
    expect(probes.map((p) => [p.address, p.exposed, p.listener])).toEqual([
      [docker, true, `tcp://0.0.0.0:${port}`],
      ['127.0.0.1:1', false, undefined],
    ]);
  });
});

/** The recorded engine at the default socket, counting /info calls. */
class CountingEngine extends RecordedEngine {
  infoCalls = 0;
  constructor() {
    super();
    Object.defineProperty(this, 'endpoint', { value: 'unix:///var/run/docker.sock' });
  }
  override async info() {
    this.infoCalls++;
    return super.info();
  }
}

/** The settings reader as createFacts builds it, and a collection counter for its refs. */
function settingsReader(engine: CountingEngine, argv: string[]) {
  const options = testOptions(argv);
  const reader = new DaemonSettingsReader(new EngineFacts(engine, options.engineInfoMaxAgeMs), engine.endpoint, options);
  let collection = 0;
  const ref = (nowMs: number): CollectionRef => ({ collection: ++collection, signal, now: () => nowMs });
  return { reader, options, read: (nowMs = 0) => reader.read(ref(nowMs)) };
}

describe('DaemonSettingsReader', () => {
  const root = fs.mkdtempSync(path.join(tmp, 'reader-'));
  const config = put(root, 'daemon.json', '{"icc": false}');
  const proc = fakeProc({ 1: ['/sbin/init'], 700: ['dockerd', '--live-restore'] });
  const argv = ['--host.root-path', root, '--host.proc-path', proc, '--daemon.config-path', config, '--daemon.probe-address=', '--collector.engine.info-max-age=1m'];

  it("reads every source once, with dockerd's pid, and reuses the shared /info until daemon.json changes or it is too old", async () => {
    const engine = new CountingEngine();
    const { read } = settingsReader(engine, argv);
    const first = await read(1_000_000);
    expect({ cmdline: first.cmdline, config: first.config.state, origin: first.config.origin, info: first.info !== undefined, icc: first.settings.icc }).toEqual({
      cmdline: { state: 'ok', pid: 700, args: ['dockerd', '--live-restore'], paths: expect.objectContaining({ rootless: false, configFile: '/etc/docker/daemon.json', socket: '/var/run/docker.sock' }) },
      config: 'ok',
      origin: 'exporter-flag',
      info: true,
      icc: false,
    });
    await read(1_030_000);
    expect(engine.infoCalls).toBe(1);
    fs.writeFileSync(config, '{"icc": true}'); // an edit, perhaps followed by a reload (SIGHUP)
    expect((await read(1_031_000)).settings.icc).toBe(true);
    expect(engine.infoCalls).toBe(2);
    await read(1_091_000); // a minute later
    expect(engine.infoCalls).toBe(3);
  });

  it('reports a source it cannot read, and never throws', async () => {
    const engine = new CountingEngine();
    engine.failure = new Error('connect ECONNREFUSED /var/run/docker.sock');
    const { read } = settingsReader(engine, ['--host.root-path', root, '--host.proc-path', path.join(root, 'no-proc'), '--daemon.config-path', path.join(root, 'none.json'), '--daemon.probe-address=']);
    const facts = await read();
    expect({ info: facts.info, infoError: facts.infoError, config: facts.config.state, cmdline: facts.cmdline.state }).toEqual({
      info: undefined,
      infoError: 'reading /info failed: connect ECONNREFUSED /var/run/docker.sock',
      config: 'missing',
      cmdline: 'unreadable',
    });
    expect(facts.cmdline.error).toMatch(/^listing the processes under .*no-proc failed: .*ENOENT/);
    expect(facts.settings.sources.liveRestore).toBe('default');
  });

  it('reads the daemon.json dockerd was started with (--config-file), under the root path, unless --daemon.config-path is set', async () => {
    put(root, 'srv/docker/daemon.json', '{"userland-proxy": false}');
    const proc2 = fakeProc({ 800: ['dockerd', '--config-file=/srv/docker/daemon.json'] });
    const { read, options } = settingsReader(new CountingEngine(), ['--host.root-path', root, '--host.proc-path', proc2, '--daemon.probe-address=']);
    const settings = await read();
    expect({ path: settings.config.path, origin: settings.config.origin, proxy: settings.settings.userlandProxy, source: settings.settings.sources.userlandProxy }).toEqual({ path: '/srv/docker/daemon.json', origin: 'dockerd-flag', proxy: false, source: 'config' });
    const facts = await readDaemonFacts(settings, options, signal);
    expect(facts.files.find((f) => f.role === 'daemon.json')?.path).toBe('/srv/docker/daemon.json');
  });

  it('keeps the dockerd it found while it lives, and looks again when its pid is reused', async () => {
    const proc3 = fakeProc({ 900: ['dockerd'] });
    const { read } = settingsReader(new CountingEngine(), ['--host.root-path', root, '--host.proc-path', proc3, '--daemon.probe-address=']);
    expect((await read()).cmdline.pid).toBe(900);
    // Another daemon appears with a lower pid: the one serving our socket is kept.
    fs.mkdirSync(path.join(proc3, '5'));
    fs.writeFileSync(path.join(proc3, '5', 'cmdline'), 'dockerd\0-H\0unix:///tmp/other\0');
    expect((await read()).cmdline.pid).toBe(900);
    // dockerd restarted under the same pid with other flags.
    fs.writeFileSync(path.join(proc3, '900', 'cmdline'), 'dockerd\0--icc=false\0');
    expect((await read()).cmdline.args).toEqual(['dockerd', '--icc=false']);
  });
});
