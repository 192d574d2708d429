// The events collector against a real Docker Engine: a second dockerd that only this file
// uses, so the host-wide exec counters move by exactly what the test does (other test
// files exec into containers of the main engine concurrently). The exporter reaches the
// daemon through a small unix-socket proxy that can refuse GET /events, so "the stream is
// down while the engine is up" can be held for as long as the test needs.
//
// The tests run in order and share one daemon, one proxy and one exporter.
import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_IMAGE } from '../helpers/docker-cli';
import { ExporterProcess, seriesValue } from '../helpers/exporter-process';
import { SecondDaemon } from '../helpers/second-daemon';

const PREFIX = 'dae-events-';
const TARGET = `${PREFIX}target`;
const TIMEOUT_S = 2;

const STREAM_UP = 'docker_audit_engine_events_stream_up';
const RECONNECTS = 'docker_audit_engine_events_reconnects_total';
/** The container's exec counter, whatever its id and image (they follow the name). */
const EXECS = (name: string) => `docker_audit_container_exec_total{name="${name}",`;
const PRIVILEGED = 'docker_audit_exec_privileged_total';
const AS_ROOT = 'docker_audit_exec_as_root_total';
const FAILURES = 'docker_audit_exec_inspect_failures_total';
const EVENTS = (action: string) => `docker_audit_engine_events_total{type="container",action="${action}"}`;
const SUCCESS = (collector: string) => `docker_audit_collector_success{collector="${collector}"}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Forwards every connection to the daemon's socket, except GET /events while `blockEvents` is set (503). */
class EventsProxy {
  blockEvents = false;
  eventsRequests = 0;
  readonly socketPath: string;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(dir: string, upstreamPath: string) {
    this.socketPath = path.join(dir, 'proxy.sock');
    this.server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      client.once('data', (first: Buffer) => {
        client.pause();
        // Event streams use a connection of their own, so a connection's first request tells.
        if (/^GET \/v[\d.]+\/events[ ?]/.test(first.toString('latin1', 0, 100))) {
          this.eventsRequests++;
          if (this.blockEvents) {
            const body = '{"message":"events refused by the test proxy"}';
            client.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
            return;
          }
        }
        const upstream = net.connect(upstreamPath);
        this.sockets.add(upstream);
        upstream.on('close', () => (this.sockets.delete(upstream), client.destroy()));
        upstream.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
        upstream.write(first);
        client.pipe(upstream).pipe(client);
      });
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('events collector against a second dockerd', () => {
  const daemon = new SecondDaemon();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
  let proxy: EventsProxy | undefined;
  let exporter: ExporterProcess | undefined;

  const docker = (...args: string[]): string => execFileSync('docker', ['-H', daemon.host, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const shared = (): ExporterProcess => {
    if (!exporter?.running) throw new Error('the shared exporter is not running (an earlier step failed to start it, or it exited)');
    return exporter;
  };
  const value = (text: string, series: string): number => seriesValue(text, series) ?? 0;

  beforeAll(async () => {
    await daemon.start();
    execSync(`docker save ${TEST_IMAGE} | docker -H ${daemon.host} load`, { stdio: 'ignore' });
    docker('run', '-d', '--name', TARGET, '--label', 'docker-audit-test=events', '--network', 'none', TEST_IMAGE, 'sleep', '3600');
    proxy = new EventsProxy(dir, daemon.socketPath);
    await proxy.listen();
    // Only the collectors this file is about (the others read the host, not this daemon).
    const { COLLECTOR_NAMES } = require('../../dist/src/collectors') as { COLLECTOR_NAMES: string[] };
    const off = COLLECTOR_NAMES.filter((c) => !['engine', 'containers', 'events'].includes(c)).map((c) => `--no-collector.${c}`);
    exporter = new ExporterProcess([
      '--docker.host', `unix://${proxy.socketPath}`,
      '--web.listen-address', '127.0.0.1:0',
      '--collection.schedule', '* * * * * *',
      '--docker.timeout', `${TIMEOUT_S}s`,
      ...off,
    ]);
    await exporter.start();
  }, 90_000);

  afterAll(async () => {
    await exporter?.stop().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    await daemon.cleanup(); // removes the daemon's containers and images with it
    fs.rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('keeps a quiet stream up for longer than --docker.timeout', async () => {
    const first = await shared().waitFor((m) => value(m, STREAM_UP) === 1, 15_000, 'stream_up 1');
    expect(value(first, RECONNECTS)).toBe(0);
    await sleep(2 * TIMEOUT_S * 1000 + 500);
    const later = await shared().metrics();
    expect(value(later, STREAM_UP)).toBe(1);
    expect(value(later, RECONNECTS)).toBe(0);
    expect(proxy!.eventsRequests).toBe(1);
  }, 30_000);

  it('moves the exec counters by exactly the execs run, privileged and as root', async () => {
    const before = await shared().metrics();
    // The container has no USER, so an exec without -u runs as root.
    const execs: [string[], { privileged: boolean; root: boolean }][] = [
      [[], { privileged: false, root: true }],
      [[], { privileged: false, root: true }],
      [['-u', '0'], { privileged: false, root: true }],
      [['-u', '0'], { privileged: false, root: true }],
      [['-u', 'nobody'], { privileged: false, root: false }],
      [['-u', 'nobody'], { privileged: false, root: false }],
      // --privileged execs cannot start on this host (the exec is created, then fails with
      // "unable to apply caps"), but the exec inspect still says privileged: counted.
      [['--privileged'], { privileged: true, root: true }],
      [['--privileged', '-u', 'nobody'], { privileged: true, root: false }],
    ];
    for (const [flags] of execs) {
      try {
        docker('exec', ...flags, TARGET, 'id');
      } catch (err) {
        if (!flags.includes('--privileged')) throw err;
      }
    }
    const want = {
      execs: execs.length,
      privileged: execs.filter(([, e]) => e.privileged).length,
      root: execs.filter(([, e]) => e.root).length,
    };
    const moved = (m: string) => ({
      execs: value(m, EXECS(TARGET)) - value(before, EXECS(TARGET)),
      privileged: value(m, PRIVILEGED) - value(before, PRIVILEGED),
      root: value(m, AS_ROOT) - value(before, AS_ROOT),
    });
    await shared().waitFor((m) => JSON.stringify(moved(m)) === JSON.stringify(want), 15_000, `the counters to move by ${JSON.stringify(want)}`);
    await sleep(1500); // and not by more a moment later
    const after = await shared().metrics();
    expect(moved(after)).toEqual({ execs: 8, privileged: 2, root: 5 });
    expect(value(after, FAILURES) - value(before, FAILURES)).toBe(0);
    expect(value(after, EVENTS('exec_create')) - value(before, EVENTS('exec_create'))).toBe(8);
  }, 45_000);

  it('leaves healthcheck probes out, and drops a destroyed container\'s series', async () => {
    const health = `${PREFIX}health`;
    const before = await shared().metrics();
    docker('run', '-d', '--name', health, '--label', 'docker-audit-test=events', '--network', 'none', '--health-cmd', 'true', '--health-interval', '1s', TEST_IMAGE, 'sleep', '3600');
    docker('exec', health, 'id');
    const probed = await shared().waitFor(
      (m) => value(m, EVENTS('exec_create')) - value(before, EVENTS('exec_create')) >= 3 && value(m, EXECS(health)) === 1,
      15_000,
      'two healthcheck probes and one docker exec',
    );
    expect(value(probed, AS_ROOT) - value(before, AS_ROOT)).toBe(1);
    docker('rm', '-f', health);
    const gone = await shared().waitFor((m) => seriesValue(m, EXECS(health)) === undefined, 10_000, `the series of ${health} to go`);
    expect(value(gone, EXECS(TARGET))).toBe(value(before, EXECS(TARGET)));
  }, 30_000);

  it('reports the stream down while dockerd is killed, reconnects by itself, and resyncs what happened meanwhile', async () => {
    const before = await shared().metrics();
    const execsBefore = value(before, EXECS(TARGET));
    proxy!.blockEvents = true; // keeps the stream down after the restart, until the test is ready
    await daemon.crash(); // SIGKILL
    await shared().waitFor((m) => value(m, STREAM_UP) === 0, 10_000, 'stream_up 0');
    // dockerd's containerd dies with it, but where pid 1 does not reap orphans it stays a zombie,
    // which the restarted dockerd takes for a live containerd (from its pid file) and waits for
    // in vain. The container's shim outlives it; SecondDaemon.stop() kills what is left over.
    await daemon.stop();
    fs.rmSync(path.join(daemon.execRoot, 'containerd', 'containerd.pid'), { force: true });
    await daemon.restart();
    const created = `${PREFIX}resync`;
    docker('create', '--name', created, '--label', 'docker-audit-test=events', '--network', 'none', TEST_IMAGE, 'true');
    await sleep(1200); // a collection or more while the engine is back and the stream still down
    expect(value(await shared().metrics(), STREAM_UP)).toBe(0);
    proxy!.blockEvents = false;
    const recovered = await shared().waitFor(
      (m) => value(m, STREAM_UP) === 1 && value(m, RECONNECTS) === value(before, RECONNECTS) + 1,
      40_000, // the retry backoff has grown to 8 s or 16 s by now
      'stream_up 1 after one reconnect',
    );
    // Another collection after the reconnect, with the stream up and quiet: it must still show the new container.
    await sleep(1200);
    const after = await shared().metrics();
    expect(after).toMatch(new RegExp(`docker_audit_container_info\\{name="${created}",[^}]*\\} 1`));
    expect(value(after, SUCCESS('events'))).toBe(1);
    expect(value(after, SUCCESS('containers'))).toBe(1);
    expect(value(after, STREAM_UP)).toBe(1);
    expect(value(recovered, RECONNECTS)).toBe(value(before, RECONNECTS) + 1);
    // The killed daemon's container still exists (stopped): its exec count is kept.
    expect(value(after, EXECS(TARGET))).toBe(execsBefore);
  }, 90_000);
});
