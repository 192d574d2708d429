// The docker-socket-proxy variant, tried for real: the rules file the variant mounts into
// tecnativa/docker-socket-proxy (deploy/socket-proxy/haproxy.cfg), run by this host's
// haproxy in front of the real engine with the environment the variant's proxy container
// gets (the image's defaults, then deploy/docker-compose.socket-proxy.yml's settings), and
// the exporter reaching it over tcp:// as the variant's exporter does. Every collector
// succeeds through it; the proxy's own log lists every request the exporter made, which is
// exactly src/readers/engine-paths.ts (the allow-list docs/socket-proxy.md prints); writes
// and the sections the exporter does not read are refused, the engine's own event stream
// shows they changed nothing, and nothing reaches the engine but GET and HEAD. What a GET
// in the granted sections still reads (and, through a websocket attach, writes) is shown
// too, because docs/socket-proxy.md says so.
//
// The tests run in order and share one proxy and one target container.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_COLLECTOR_NAMES } from '../../src/collectors';
import { negotiateApiVersion } from '../../src/readers/engine';
import { ENGINE_PATH_LIST, pathsOf, proxySections, sentToDockerd, type EnginePath } from '../../src/readers/engine-paths';
import { TEST_IMAGE, docker, waitUntil } from '../helpers/docker-cli';
import { ExporterProcess, runExporter, seriesValue } from '../helpers/exporter-process';
import { dyingWithParent } from '../helpers/second-daemon';
import { PROXY_CONFIG, SocketProxy, composeProxyEnvironment, forwarded, grantedSections, variantProxyEnvironment, type ProxiedRequest } from '../helpers/socket-proxy';

const P = `dae-sproxy-${process.pid}`;
const TARGET = `${P}-target`;
/** Set on the target: what a GET of its inspect shows to anyone who can reach the proxy. */
const SECRET = `DAE_PROXY_SECRET=shown-by-a-get-${process.pid}`;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Each listed path as the proxy logs it: the version prefix where the client puts one, any id for {id}, any file path for {path}. */
const MATCHERS = ENGINE_PATH_LIST.map((p) => ({ entry: p, re: new RegExp(`^${p.versioned ? '/v[\\d.]+' : ''}${escape(p.path).replace(escape('{id}'), '[^/?]+').replace(escape('{path}'), '[^&]+')}$`) }));

/** The listed path a logged request is, or undefined for one the list does not have. */
const entryOf = (r: ProxiedRequest): EnginePath | undefined => MATCHERS.find((m) => m.re.test(r.path))?.entry;
/** The listed paths of some requests (each once, sorted); a request the list lacks shows as "UNLISTED <path>". */
const templates = (rs: ProxiedRequest[]): string[] => [...new Set(rs.map((r) => entryOf(r)?.path ?? `UNLISTED ${r.method} ${r.path}`))].sort();
const sorted = (ps: readonly EnginePath[]): string[] => ps.map((p) => p.path).sort();
const show = (rs: ProxiedRequest[]): string => rs.map((r) => `${r.status} ${r.method} ${r.path} -> ${r.backend}/${r.server} ${r.termination}`).join('\n');

/** The version prefix the exporter puts on every path but /_ping: the engine's API version, capped at the exporter's. */
const negotiatedPrefix = (): string => `/v${negotiateApiVersion(docker('version', '--format', '{{.Server.APIVersion}}'))}`;

/**
 * The exporter's requests went through, as GETs: 200, or 404 for an inspect (an object
 * removed between its list and its inspect, as other work on this engine does), never a 403.
 */
function expectAllServed(rs: ProxiedRequest[]): void {
  const bad = rs.filter((r) => r.method !== 'GET' || !forwarded(r) || !(r.status === 200 || (r.status === 404 && entryOf(r)?.path.includes('{id}'))));
  expect(show(bad)).toBe('');
}

/** The exporter's collector_success series, by collector. */
function successes(metrics: string): Record<string, number | undefined> {
  return Object.fromEntries(DEFAULT_COLLECTOR_NAMES.map((c) => [c, seriesValue(metrics, `docker_audit_collector_success{collector="${c}"}`)]));
}
const allOne = Object.fromEntries(DEFAULT_COLLECTOR_NAMES.map((c) => [c, 1]));

/**
 * The engine's own events (`docker events`, followed live) while `action` runs, as JSON
 * lines. The stream is known to be up, and known to have delivered everything up to the end
 * of `action`, by marker volumes created and removed before and after it until their events
 * are seen; the markers' own events are left out.
 */
async function engineEventsDuring(action: () => Promise<void>): Promise<string[]> {
  const [command, args] = dyingWithParent('docker', ['events', '--format', '{{json .}}']);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (out += t));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const lines = () => out.split('\n').filter(Boolean);
  const mark = async (name: string): Promise<number> => {
    let index = -1;
    await waitUntil(`docker events reports the marker volume ${name}`, () => {
      index = lines().findIndex((l) => l.includes(`"${name}"`));
      if (index >= 0) return true;
      docker('volume', 'create', name);
      docker('volume', 'rm', name);
      return false;
    }, 15_000, 100);
    return index;
  };
  try {
    const start = await mark(`${P}-mark-start`);
    await action();
    const end = await mark(`${P}-mark-end`);
    return lines().slice(start, end).filter((l) => !l.includes(`${P}-mark-`));
  } finally {
    child.kill('SIGTERM');
    await closed;
  }
}

describe('the docker-socket-proxy variant, run by the host\'s haproxy in front of the real engine', () => {
  /** The variant's proxy environment (the image's defaults, then the compose file's), read once. */
  let env: Record<string, string> = {};
  let proxy = new SocketProxy(env);
  let targetId = '';
  /** The requests the exporter made (all runs), kept for the allow-list check. */
  const exporterRequests: ProxiedRequest[] = [];
  const started = Date.now();

  const cleanUp = () => {
    const ids = docker('ps', '-aq', '--filter', `name=^${P}-`).split('\n').filter(Boolean);
    if (ids.length > 0) docker('rm', '-f', ...ids);
    for (const kind of ['volume', 'network']) {
      const names = docker(kind, 'ls', '-q', '--filter', `name=${P}-`).split('\n').filter(Boolean);
      if (names.length > 0) docker(kind, 'rm', ...names);
    }
  };

  beforeAll(async () => {
    cleanUp();
    targetId = docker('run', '-d', '--name', TARGET, '--env', SECRET, '--network', 'none', TEST_IMAGE, 'sleep', '3600');
    env = variantProxyEnvironment();
    proxy = new SocketProxy(env);
    await proxy.start();
  }, 30_000);

  afterAll(async () => {
    await proxy.stop();
    cleanUp();
    process.stderr.write(`socket-proxy tests: ${Date.now() - started} ms, ${proxy.requests().length} requests through the proxy\n`);
  }, 30_000);

  it('is configured as the variant is: the compose file grants exactly the sections of the exporter\'s paths', () => {
    expect(composeProxyEnvironment()).toEqual({
      ...Object.fromEntries(proxySections().map((s) => [s, '1'])),
      POST: '0',
    });
    expect(grantedSections(env)).toEqual([...proxySections()].sort());
    expect(env.POST).toBe('0');
    // The file also parses as the image's entrypoint renders it (its sed fills in the bind line).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${P}-`));
    try {
      for (const bind of [':2375', '[::]:2375 v4v6']) {
        const rendered = path.join(dir, 'haproxy.cfg');
        fs.writeFileSync(rendered, fs.readFileSync(PROXY_CONFIG, 'utf8').replaceAll('${BIND_CONFIG}', bind));
        execFileSync('haproxy', ['-c', '-q', '-f', rendered], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--once with every collector: each one succeeds, with only GETs of the allow-list', async () => {
    const since = Date.now();
    const run = await runExporter(['--once', '--docker.host', proxy.host], 30_000);
    if (run.code !== 0) throw new Error(`--once through the proxy exited ${JSON.stringify([run.code, run.signal])}; stderr:\n${run.stderr}`);
    expect(successes(run.stdout)).toEqual(allOne);
    expect(seriesValue(run.stdout, 'docker_audit_engine_up')).toBe(1);

    const made = proxy.requestsSince(since);
    expectAllServed(made);
    // The proxy fronts dockerd: Podman's own paths never reach it.
    expect(templates(made)).toEqual(sorted(pathsOf('once').filter(sentToDockerd)));
    // One version prefix, the negotiated one, on every path but /_ping, which has none.
    const v = negotiatedPrefix();
    const prefixes = new Set(made.map((r) => (entryOf(r)!.versioned ? r.path.slice(0, v.length) : r.path)));
    expect([...prefixes].sort()).toEqual([v, '/_ping'].sort());
    expect(made.some((r) => r.path === `${v}/containers/${targetId}/json`)).toBe(true);
    exporterRequests.push(...made);
  }, 30_000);

  it('in server mode: the event stream and the inspect of a docker exec go through it too', async () => {
    const since = Date.now();
    const exporter = new ExporterProcess(['--docker.host', proxy.host, '--web.listen-address', '127.0.0.1:0', '--collection.schedule', '* * * * * *']);
    try {
      await exporter.start();
      // A completed collection with the stream up: the exec audit is reading from then on.
      await exporter.waitFor((m) => seriesValue(m, 'docker_audit_engine_events_stream_up') === 1 && JSON.stringify(successes(m)) === JSON.stringify(allOne), 20_000, 'every collector succeeding through the proxy, and the event stream up');
      const execSince = Math.floor(Date.now() / 1000) - 1;
      docker('exec', TARGET, 'id'); // runs as root: the container has no USER
      const metrics = await exporter.waitFor((m) => seriesValue(m, `docker_audit_container_exec_total{name="${TARGET}",`) === 1, 15_000, `the exec into ${TARGET} counted`);
      expect(successes(metrics)).toEqual(allOne);
      // Judged as root from the exec's inspect and its container's, both read through the proxy (CIS 5.24).
      await exporter.waitFor((m) => seriesValue(m, `docker_audit_cis_check_failure{check="5.24",object="${TARGET}"}`) === 1, 5000, `CIS 5.24 failing for ${TARGET}`);
      // The exec's privileges were read through the proxy: its inspect is in the log, answered.
      const execId = docker('events', '--since', String(execSince), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${TARGET}`, '--filter', 'event=exec_create', '--format', '{{index .Actor.Attributes "execID"}}');
      expect(execId).toMatch(/^[0-9a-f]{64}$/);
      await waitUntil('the exec inspect is logged by the proxy', () => proxy.requests().some((r) => r.path.endsWith(`/exec/${execId}/json`)), 5000, 50);
      expect(proxy.requests().filter((r) => r.path.endsWith(`/exec/${execId}/json`)).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200']);
    } finally {
      await exporter.stop();
    }
    // The streams it opened: one, and one more each time it subscribed again (a busy or slow
    // engine can break one), each logged at info.
    const streams = 1 + (exporter.stderr.match(/msg="engine event stream up again"/g) ?? []).length;
    // HAProxy logs a stream when it ends, which it notices on writing the next engine event
    // to the closed connection: make events until it has logged them all.
    const logged = () => proxy.requestsSince(since).filter((r) => entryOf(r)?.path === '/events');
    await waitUntil(`the proxy logs the end of the exporter's ${streams} event stream(s)`, () => {
      if (logged().length >= streams) return true;
      docker('exec', TARGET, 'true');
      return false;
    }, 15_000, 100);
    expect(logged().map((r) => [r.method, r.path.replace(/^\/v[\d.]+/, ''), r.status, r.backend])).toEqual(Array(streams).fill(['GET', '/events', 200, 'docker-events']));
    const made = proxy.requestsSince(since);
    expectAllServed(made);
    for (const t of templates(made)) expect(sorted(ENGINE_PATH_LIST)).toContain(t);
    exporterRequests.push(...made);
  }, 60_000);

  it('the exporter\'s requests, over every run, are exactly the allow-list', () => {
    expect(templates(exporterRequests)).toEqual(sorted(ENGINE_PATH_LIST.filter(sentToDockerd)));
    expect([...new Set(exporterRequests.map((r) => r.method))]).toEqual(['GET']);
  });

  it('refuses writes (POST, PUT, DELETE) and GETs outside the granted sections, with 403, and the engine sees no change', async () => {
    const since = Date.now();
    const v = negotiatedPrefix();
    const refused: [string, string, unknown?][] = [
      ['POST', `${v}/containers/create?name=${P}-created`, { Image: TEST_IMAGE, Cmd: ['true'] }],
      ['POST', `/containers/create?name=${P}-created-unversioned`, { Image: TEST_IMAGE, Cmd: ['true'] }],
      ['POST', `${v}/containers/${TARGET}/exec`, { Cmd: ['true'] }],
      ['POST', `${v}/containers/${TARGET}/kill`],
      ['POST', `${v}/containers/${TARGET}/stop`],
      ['POST', `${v}/containers/${TARGET}/update`, { Memory: 64 * 1024 * 1024 }],
      ['DELETE', `${v}/containers/${TARGET}?force=1`],
      ['PUT', `${v}/containers/${TARGET}/archive?path=/tmp`],
      ['POST', `${v}/volumes/create`, { Name: `${P}-volume` }],
      ['POST', `${v}/networks/create`, { Name: `${P}-network` }],
      ['POST', `${v}/images/create?fromImage=${TEST_IMAGE}`],
      ['DELETE', `${v}/images/${TEST_IMAGE}`],
      ['POST', `${v}/build`],
      ...['swarm', 'secrets', 'configs', 'services', 'tasks', 'nodes', 'plugins', 'auth', 'session', 'grpc', 'commit', 'build', 'distribution/busybox/json'].map((s): [string, string] => ['GET', `${v}/${s}`]),
      ['GET', `${v}/%73warm`], // url-decoded before matching
    ];
    const answers: string[] = [];
    const events = await engineEventsDuring(async () => {
      for (const [method, p, body] of refused) answers.push(`${method} ${p} ${(await proxy.request(method, p, body)).status}`);
    });
    expect(answers).toEqual(refused.map(([method, p]) => `${method} ${p} 403`));
    // The engine's own record: nothing happened to the target or to anything of these names.
    expect(events.filter((l) => l.includes(targetId) || l.includes(P))).toEqual([]);

    // A dot segment passes the section rule, but the engine only redirects it, back to the proxy.
    const dotted = await proxy.request('GET', `${v}/containers/../swarm`);
    expect([dotted.status, dotted.headers.location]).toEqual([301, `${v}/swarm`]);
    // HEAD is allowed wherever GET is (HAProxy's METH_GET), as in docker-socket-proxy.
    expect((await proxy.request('HEAD', '/_ping')).status).toBe(200);

    await waitUntil('the proxy logged every request', () => proxy.requestsSince(since).length >= refused.length + 2, 5000, 25).catch((err: Error) => {
      throw new Error(`${err.message}; it logged:\n${show(proxy.requestsSince(since))}\nand wrote:\n${proxy.output.slice(-3000)}`);
    });
    const made = proxy.requestsSince(since);
    expect(made.filter((r) => !forwarded(r)).map((r) => `${r.method} ${r.path} ${r.status}`).sort()).toEqual([...answers].sort());
    expect(made.filter(forwarded).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`GET ${v}/containers/../swarm 301`, 'HEAD /_ping 200']);

    // Nothing was made or changed.
    expect(docker('ps', '-a', '--filter', `name=^${P}-`, '--format', '{{.Names}} {{.State}}')).toBe(`${TARGET} running`);
    expect(docker('inspect', '--format', '{{.HostConfig.Memory}}', TARGET)).toBe('0');
    expect(docker('volume', 'ls', '-q', '--filter', `name=${P}-`)).toBe('');
    expect(docker('network', 'ls', '-q', '--filter', `name=${P}-`)).toBe('');
  }, 60_000);

  it('still lets through what a GET in the granted sections reads, and a websocket attach writes (docs/socket-proxy.md)', async () => {
    const v = negotiatedPrefix();
    // The environment of every container: CONTAINERS=1 grants the inspect.
    const inspect = await proxy.request('GET', `${v}/containers/${TARGET}/json`);
    expect([inspect.status, (JSON.parse(inspect.body) as { Config: { Env: string[] } }).Config.Env]).toEqual([200, expect.arrayContaining([SECRET])]);
    // Any file of any container: GET /containers/{id}/archive is a tar of it.
    const file = await proxy.request('GET', `${v}/containers/${TARGET}/archive?path=/etc/passwd`);
    expect([file.status, file.body.includes('root:x:0:0:')]).toEqual([200, true]);
    // The stdin of a container started with -i: `docker attach` over a websocket is a GET.
    const stdin = `${P}-stdin`;
    docker('run', '-d', '-i', '--name', stdin, '--network', 'none', TEST_IMAGE, 'sh', '-c', 'read line; echo "$line" > /tmp/written; exec sleep 3600');
    const text = `written-through-a-get-${process.pid}`;
    expect(await proxy.websocketSend(`${v}/containers/${stdin}/attach/ws?stream=1&stdin=1`, `${text}\n`)).toBe(101);
    let written = '';
    await waitUntil(`the container ${stdin} read its stdin`, () => {
      try {
        written = docker('exec', stdin, 'cat', '/tmp/written');
      } catch {
        return false; // not written yet
      }
      return true;
    }, 10_000, 100).catch(() => undefined); // the expect below says what was read
    expect(written).toBe(text);
    await waitUntil('the proxy logged the websocket attach', () => proxy.requests().some((r) => r.path.includes(`/containers/${stdin}/attach/ws`)), 5000, 50);
    expect(proxy.requests().filter((r) => r.path.includes(`/containers/${stdin}/attach/ws`)).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 101']);
  }, 30_000);

  it('forwarded nothing but GET and HEAD to the engine, in the whole file', () => {
    const methods = [...new Set(proxy.requests().filter(forwarded).map((r) => r.method))].sort();
    expect(methods).toEqual(['GET', 'HEAD']);
  });
});
