// Benchmark of the containers collection against a real Docker Engine.
//
// For each scenario size (default 20, 300 and 2000 containers: every even index up to
// --max-running (300) running `sleep 3600`, the rest created-not-started, labelled docker-audit-bench=1, named dae-bench-N) it measures,
// interleaved over several repetitions:
//   - the raw sweep: GET /containers/json?all=1 plus one GET /containers/{id}/json per
//     container with rawGet, at the collector's inspect concurrency (the baseline), with
//     JSON.parse of each inspect added, and sequentially;
//   - the same sweep through EngineClient (what the collector really calls);
//   - a cold collection cycle (fresh runner, engine and cache), and the steady cycle that
//     follows it (same runner, nothing changed, cache warm);
//   - the same two with only the containers collector enabled: the cycle that makes the raw
//     sweep's calls (and the /_ping, /version and /info its engine defaults need), the cold
//     target's like-for-like measure; the full cycle also reads images, logs, /system/df,
//     auditctl and the other collectors' sources, which the raw sweep does not;
//   - the snapshot render that follows each cycle, and single idle calls to each endpoint;
// with this process's CPU and, for a local engine, dockerd's CPU from /proc; then /metrics
// latency while the real server collects every second, and memory.
//
// Usage: npm run bench [-- --sizes=20,300,2000 --max-running=300 --reps=7 --scrape-seconds=15 --scrape-requests=2000
//        --scrape-clients=1 --setup-concurrency=8 --container-network=none]; each flag also reads BENCH_<NAME> (BENCH_SIZES…).
// Prints a table, then one JSON line. Targets print PASS/FAIL; the exit code ignores them.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { CollectorRunner, CollectorStatus } from '../src/collectors/runner';
import { parseConfig, type Config } from '../src/cli/config';
import { EngineClient, rawGet, resolveConnection, type DockerEngine, type EngineConnection, type EngineEvent } from '../src/readers/engine';
import type { ContainerInspect, ContainerSummary, EngineInfo, EngineVersion, LibpodInfo } from '../src/readers/engine-types';
import { describeError, silentLogger } from '../src/base/log';
import { buildRunner, serve } from '../src/cli/main';
import { COLLECTOR_NAMES } from '../src/collectors/index';
import { buildSnapshot } from '../src/server/scheduler';
import { createLiveRegistry } from '../src/server/app';
import { mapLimit } from '../src/base/concurrency';
import { packageVersion } from '../src/base/version';
import { benchCli, benchContainers, checkDocker, dockerCli, fmtKiB, fmtMiB, fmtMs, localDockerdPid, median, minOf, now, out, pad, procCpuMs, quantile, round, sleep } from './common';

// ---------------------------------------------------------------------------- options

const { option, intOption, listOption, note } = benchCli({
  name: 'bench',
  flags: ['sizes', 'max-running', 'reps', 'scrape-seconds', 'scrape-requests', 'scrape-clients', 'setup-concurrency', 'container-network'],
  env: true,
});

const SIZES = listOption('sizes', '20,300,2000', (n) => n >= 1 && n <= 5000, 'a container count from 1 to 5000');
// The issue's scale scenario: at most 300 running, the rest created (2000 running would measure the host, not the exporter).
const MAX_RUNNING = intOption('max-running', 300, 0);
const REPS = intOption('reps', 7, 1);
const SCRAPE_SECONDS = intOption('scrape-seconds', 15, 1);
const SCRAPE_REQUESTS = intOption('scrape-requests', 2000, 1);
const SCRAPE_CLIENTS = intOption('scrape-clients', 1, 1);
const SETUP_CONCURRENCY = intOption('setup-concurrency', 8, 1);
// "none" by default: no veth or docker0 needed (setup is faster and works where the default
// bridge is broken); --container-network=bridge gives inspects with a network attachment.
const CONTAINER_NETWORK = option('container-network', 'none');
const SCRAPE_MAX_SECONDS = Math.max(60, SCRAPE_SECONDS * 3);

const IMAGE = process.env.DOCKER_AUDIT_TEST_IMAGE || 'docker-audit-test/busybox:local';
const LABEL = 'docker-audit-bench=1';
const NAME_PREFIX = 'dae-bench-';

const TARGET_COLD_RATIO = 1.3;
const TARGET_STEADY_RATIO = 0.25;
const TARGET_SCRAPE_P99_MS = 20;
const TARGET_SCRAPE_MIN_CONTAINERS = 300;

// ---------------------------------------------------------------------------- small helpers

/** A gc() even without --expose-gc, so heap figures are not just "whatever was not collected yet". */
const gc: () => void = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return () => undefined;
  }
})();

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

// ---------------------------------------------------------------------------- daemon CPU

/** The local default dockerd, whose CPU is measured; undefined when the engine is another one. */
let dockerdPid: number | undefined;

function findDockerd(conn: EngineConnection): void {
  if (conn.kind !== 'unix' || !['/var/run/docker.sock', '/run/docker.sock'].includes(conn.socketPath)) return;
  dockerdPid = localDockerdPid();
}

const daemonCpuMs = (): number => (dockerdPid === undefined ? NaN : procCpuMs(dockerdPid));

// ---------------------------------------------------------------------------- docker CLI

const { around: withBenchContainers, ensure: ensureBenchContainers } = benchContainers(LABEL, note);

/** Whether bench container i runs: even indexes, up to MAX_RUNNING of them. */
function runsAt(i: number): boolean {
  return i % 2 === 0 && i / 2 < MAX_RUNNING;
}

/** How many of n bench containers run. */
function runningOf(n: number): number {
  return Math.min(Math.ceil(n / 2), MAX_RUNNING);
}

/** Makes dae-bench-0..n-1 exist (runsAt(i): running `sleep 3600`; others: created, never started), and no others. */
async function ensureContainers(n: number): Promise<{ seconds: number; created: number; removed: number }> {
  return ensureBenchContainers(NAME_PREFIX, n, async (i) => {
    const common = ['--name', `${NAME_PREFIX}${i}`, '--label', LABEL, '--network', CONTAINER_NETWORK, IMAGE, 'sleep', '3600'];
    await dockerCli(runsAt(i) ? ['run', '-d', ...common] : ['create', ...common]);
  }, { concurrency: SETUP_CONCURRENCY });
}

// ---------------------------------------------------------------------------- engine wrapper

type Method = 'ping' | 'info' | 'version' | 'listContainers' | 'inspectContainer';
const METHODS: readonly Method[] = ['ping', 'info', 'version', 'listContainers', 'inspectContainer'];

/** Passes every call through, counting and timing them, so a cycle's calls can be shown. */
class CountingEngine implements DockerEngine {
  counts: Record<Method, number> = { ping: 0, info: 0, version: 0, listContainers: 0, inspectContainer: 0 };
  times: Record<Method, number[]> = { ping: [], info: [], version: [], listContainers: [], inspectContainer: [] };
  onPing: (() => void) | undefined;

  constructor(private readonly inner: DockerEngine) {}

  get endpoint(): string {
    return this.inner.endpoint;
  }

  reset(): void {
    for (const m of METHODS) {
      this.counts[m] = 0;
      this.times[m] = [];
    }
  }

  private async track<T>(method: Method, call: () => Promise<T>): Promise<T> {
    this.counts[method]++;
    const t0 = now();
    try {
      return await call();
    } finally {
      this.times[method].push(now() - t0);
    }
  }

  ping(signal?: AbortSignal): Promise<{ apiVersion: string; negotiatedVersion: string }> {
    this.onPing?.();
    return this.track('ping', () => this.inner.ping(signal));
  }
  info(signal?: AbortSignal): Promise<EngineInfo> {
    return this.track('info', () => this.inner.info(signal));
  }
  version(signal?: AbortSignal): Promise<EngineVersion> {
    return this.track('version', () => this.inner.version(signal));
  }
  podmanInfo(signal?: AbortSignal): Promise<LibpodInfo> {
    return this.inner.podmanInfo(signal);
  }
  listContainers(signal?: AbortSignal): Promise<ContainerSummary[]> {
    return this.track('listContainers', () => this.inner.listContainers(signal));
  }
  inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerInspect | undefined> {
    return this.track('inspectContainer', () => this.inner.inspectContainer(id, signal));
  }
  // Calls the containers collector never makes: passed through, not counted.
  containerTop = (id: string, signal?: AbortSignal) => this.inner.containerTop(id, signal);
  listImages = (signal?: AbortSignal) => this.inner.listImages(signal);
  inspectImage = (id: string, signal?: AbortSignal) => this.inner.inspectImage(id, signal);
  imageHistory = (id: string, signal?: AbortSignal) => this.inner.imageHistory(id, signal);
  listVolumes = (signal?: AbortSignal) => this.inner.listVolumes(signal);
  listNetworks = (signal?: AbortSignal) => this.inner.listNetworks(signal);
  systemDf = (signal?: AbortSignal) => this.inner.systemDf(signal);
  inspectExec = (id: string, signal?: AbortSignal) => this.inner.inspectExec(id, signal);
  containerArchive = (id: string, filePath: string, signal?: AbortSignal) => this.inner.containerArchive(id, filePath, signal);
  streamEvents = (handlers: { onOpen(): void; onEvent(event: EngineEvent): void }, signal: AbortSignal, filters?: Record<string, string[]>) =>
    this.inner.streamEvents(handlers, signal, filters);
}

// ---------------------------------------------------------------------------- measurements

function configFrom(args: string[]): Config {
  const parsed = parseConfig(args, process.env);
  if (parsed.kind !== 'config') throw new Error(`parseConfig(${args.join(' ')}) gave ${parsed.kind}, not a configuration`);
  return parsed.config;
}

interface Timed {
  ms: number;
  cpuMs: number;
  /** dockerd CPU over the same interval (NaN when unknown). */
  daemonMs: number;
}

interface SweepResult extends Timed {
  containers: number;
  bytes: number;
}

async function rawSweep(conn: EngineConnection, api: string, concurrency: number, parse = false): Promise<SweepResult> {
  const cpu0 = process.cpuUsage();
  const d0 = daemonCpuMs();
  const t0 = now();
  const list = await rawGet(conn, `/v${api}/containers/json?all=1`);
  if (list.status !== 200) throw new Error(`raw list: HTTP ${list.status} ${list.body.slice(0, 200)}`);
  const items = JSON.parse(list.body) as ContainerSummary[];
  let bytes = 0;
  await mapLimit(items, concurrency, async (c) => {
    const res = await rawGet(conn, `/v${api}/containers/${c.Id}/json`);
    if (res.status !== 200 && res.status !== 404) throw new Error(`raw inspect ${c.Id.slice(0, 12)}: HTTP ${res.status}`);
    bytes += res.body.length; // bodies are ASCII JSON: characters = bytes
    if (parse) JSON.parse(res.body);
  });
  return { ms: now() - t0, cpuMs: cpuMsSince(cpu0), daemonMs: daemonCpuMs() - d0, containers: items.length, bytes };
}

async function clientSweep(engine: DockerEngine, concurrency: number): Promise<SweepResult> {
  const cpu0 = process.cpuUsage();
  const d0 = daemonCpuMs();
  const t0 = now();
  const list = await engine.listContainers();
  await mapLimit(list, concurrency, (c) => engine.inspectContainer(c.Id));
  return { ms: now() - t0, cpuMs: cpuMsSince(cpu0), daemonMs: daemonCpuMs() - d0, containers: list.length, bytes: 0 };
}

interface CycleResult extends Timed {
  statuses: readonly CollectorStatus[];
  counts: Record<Method, number>;
  callMs: Record<Method, number>;
  samples: number;
  renderMs: number;
  textBytes: number;
}

function statusMs(statuses: readonly CollectorStatus[], name: string): number {
  const s = statuses.find((x) => x.name === name);
  return s ? s.durationSeconds * 1000 : NaN;
}

async function cycle(runner: CollectorRunner, engine: CountingEngine): Promise<CycleResult> {
  engine.reset();
  const signal = new AbortController().signal;
  const cpu0 = process.cpuUsage();
  const d0 = daemonCpuMs();
  const t0 = now();
  const result = await runner.run(signal);
  const ms = now() - t0;
  const cpuMs = cpuMsSince(cpu0);
  const daemonMs = daemonCpuMs() - d0;
  const failed = result.statuses.filter((s) => !s.success);
  if (failed.length) throw new Error(`collection failed: ${failed.map((s) => `${s.name}: ${s.error}`).join('; ')}`);
  // What the scheduler does next on the event loop, outside runner.run: render the snapshot.
  const r0 = now();
  const snap = await buildSnapshot(result, 0, 15_000);
  const renderMs = now() - r0;
  const callMs = Object.fromEntries(METHODS.map((m) => [m, median(engine.times[m])])) as Record<Method, number>;
  return { ms, cpuMs, daemonMs, statuses: result.statuses, counts: { ...engine.counts }, callMs, samples: result.samples.length, renderMs, textBytes: snap.bytes };
}

function freshEngine(conn: EngineConnection, config: Config): CountingEngine {
  return new CountingEngine(new EngineClient(conn, { timeoutMs: config.docker.timeoutMs }));
}

interface RepData {
  raw8: SweepResult[];
  raw8Parse: SweepResult[];
  raw1: SweepResult[];
  client8: SweepResult[];
  cold: CycleResult[];
  steady: CycleResult[];
  steadyList: CycleResult[];
  coldContainersOnly: CycleResult[];
  steadyContainersOnly: CycleResult[];
}

interface SingleCalls {
  ping: number[];
  version: number[];
  info: number[];
  list: number[];
  inspect: number[];
}

async function singleCalls(conn: EngineConnection, api: string, anyId: string | undefined, into: SingleCalls): Promise<void> {
  const time = async (path: string, bucket: number[]) => {
    const t0 = now();
    const res = await rawGet(conn, path);
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}`);
    bucket.push(now() - t0);
  };
  await time('/_ping', into.ping);
  await time(`/v${api}/version`, into.version);
  await time(`/v${api}/info`, into.info);
  await time(`/v${api}/containers/json?all=1`, into.list);
  if (anyId) await time(`/v${api}/containers/${anyId}/json`, into.inspect);
}

// ---------------------------------------------------------------------------- scrape phase

interface ScrapeResult {
  requests: number;
  clients: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  responseBytes: number;
  collectionsStarted: number;
  snapshotsCompleted: number;
  skippedCollections: number;
  lastCollectionFirst: number;
  lastCollectionLast: number;
  inspectsDuringPhase: number;
  duringCollection: { requests: number; p50: number; p99: number; max: number };
  outsideCollection: { requests: number; p50: number; p99: number; max: number };
  collectionWindowMs: { median: number; max: number };
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  heapUsedBeforeBytes: number;
  liveRegistryMs: number;
  etagSha1Ms: number;
  serverCpuMsPerRequest: number;
}

function getOnce(agent: http.Agent, port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function lastCollectionOf(body: Buffer): number {
  const m = /^docker_audit_last_collection_timestamp_seconds (\S+)$/m.exec(body.toString('utf8'));
  return m ? Number(m[1]) : NaN;
}

function latencyStats(xs: number[]): { requests: number; p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { requests: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s.length ? s[s.length - 1] : NaN };
}

async function scrapePhase(conn: EngineConnection): Promise<ScrapeResult> {
  // Without the processes collector: its tops (bench/processes.ts) are not part of the container sweep measured here.
  const config = configFrom(['--collection.schedule', '* * * * * *', '--web.listen-address', '127.0.0.1:0', '--no-collector.processes']);
  const engine = new CountingEngine(new EngineClient(conn, { timeoutMs: config.docker.timeoutMs }));
  gc();
  const heapUsedBefore = process.memoryUsage().heapUsed;
  const collectionStarts: number[] = [];
  engine.onPing = () => collectionStarts.push(now());
  const running = await serve(config, engine, silentLogger, packageVersion());
  const agent = new http.Agent({ keepAlive: true, maxSockets: SCRAPE_CLIENTS });
  let poller: NodeJS.Timeout | undefined;
  try {
    const port = (running.server.address() as AddressInfo).port;
    const waitStart = now();
    while (!running.scheduler.snapshot) {
      if (now() - waitStart > 120_000) throw new Error('the first collection did not finish within 120 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    // Watch snapshots complete, to know when collections ended (the start is the engine collector's ping).
    const snapshotEnds: number[] = [];
    let seen: unknown = running.scheduler.snapshot;
    poller = setInterval(() => {
      const s = running.scheduler.snapshot;
      if (s !== seen) {
        seen = s;
        snapshotEnds.push(now());
      }
    }, 1);
    // A few warm-up requests, not counted.
    for (let i = 0; i < 20; i++) await getOnce(agent, port, config.telemetryPath);

    const inspectsBefore = engine.counts.inspectContainer;
    const startsBefore = collectionStarts.length;
    const skippedBefore = running.scheduler.skippedCollections;
    const lat: { start: number; end: number }[] = [];
    let firstBody: Buffer | undefined;
    let lastBody: Buffer | undefined;
    let responseBytes = 0;
    const eld = monitorEventLoopDelay({ resolution: 1 });
    eld.enable();
    const cpu0 = process.cpuUsage();
    const phaseStart = now();
    const deadlineMin = phaseStart + SCRAPE_SECONDS * 1000;
    const deadlineMax = phaseStart + SCRAPE_MAX_SECONDS * 1000;
    let issued = 0;
    const client = async (): Promise<void> => {
      for (;;) {
        const t = now();
        if (t > deadlineMax || (t >= deadlineMin && issued >= SCRAPE_REQUESTS)) return;
        issued++;
        const res = await getOnce(agent, port, config.telemetryPath);
        const end = now();
        if (res.status !== 200) throw new Error(`GET ${config.telemetryPath}: HTTP ${res.status}`);
        lat.push({ start: t, end });
        firstBody ??= res.body;
        lastBody = res.body;
        responseBytes = res.body.length;
      }
    };
    await Promise.all(Array.from({ length: SCRAPE_CLIENTS }, client));
    const phaseEnd = now();
    const cpuMs = cpuMsSince(cpu0);
    eld.disable();
    clearInterval(poller);
    poller = undefined;

    // Collection windows: from a ping (collection start) to the next snapshot change.
    const starts = collectionStarts.slice(startsBefore);
    const windows: { s: number; e: number }[] = [];
    for (const e of snapshotEnds) {
      const s = [...collectionStarts].reverse().find((x) => x < e);
      if (s !== undefined) windows.push({ s, e });
    }
    // A collection still running at the end of the phase is a window too.
    const lastStart = collectionStarts[collectionStarts.length - 1];
    if (lastStart !== undefined && !windows.some((w) => w.s === lastStart)) windows.push({ s: lastStart, e: Infinity });
    const during: number[] = [];
    const outside: number[] = [];
    for (const { start, end } of lat) {
      (windows.some((w) => start < w.e && end > w.s) ? during : outside).push(end - start);
    }
    const all = lat.map((l) => l.end - l.start).sort((a, b) => a - b);
    const windowLengths = windows.filter((w) => Number.isFinite(w.e) && w.s >= phaseStart).map((w) => w.e - w.s);

    // Where a scrape's server time goes, measured in-process on the same body.
    const live = createLiveRegistry(packageVersion(), true);
    const liveTimes: number[] = [];
    const etagTimes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = now();
      await live.metrics();
      liveTimes.push(now() - t0);
      const t1 = now();
      createHash('sha1').update(lastBody!).digest('base64'); // what express' default weak ETag does per response
      etagTimes.push(now() - t1);
    }

    const result: ScrapeResult = {
      requests: all.length,
      clients: SCRAPE_CLIENTS,
      seconds: (phaseEnd - phaseStart) / 1000,
      p50: quantile(all, 0.5),
      p90: quantile(all, 0.9),
      p99: quantile(all, 0.99),
      max: all[all.length - 1],
      mean: all.reduce((a, b) => a + b, 0) / all.length,
      responseBytes,
      collectionsStarted: starts.filter((s) => s >= phaseStart && s <= phaseEnd).length,
      snapshotsCompleted: snapshotEnds.filter((e) => e >= phaseStart && e <= phaseEnd).length,
      skippedCollections: running.scheduler.skippedCollections - skippedBefore,
      lastCollectionFirst: lastCollectionOf(firstBody!),
      lastCollectionLast: lastCollectionOf(lastBody!),
      inspectsDuringPhase: engine.counts.inspectContainer - inspectsBefore,
      duringCollection: latencyStats(during),
      outsideCollection: latencyStats(outside),
      collectionWindowMs: { median: median(windowLengths), max: windowLengths.length ? Math.max(...windowLengths) : NaN },
      eventLoopDelayMs: { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
      rssBytes: 0,
      heapUsedBytes: 0,
      externalBytes: 0,
      heapUsedBeforeBytes: heapUsedBefore,
      liveRegistryMs: median(liveTimes),
      etagSha1Ms: median(etagTimes),
      serverCpuMsPerRequest: cpuMs / all.length,
    };
    return result;
  } finally {
    if (poller) clearInterval(poller);
    engine.onPing = undefined;
    await running.stop();
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------- one scenario

interface ScenarioReport {
  size: number;
  setupSeconds: number;
  containersOnHost: number;
  rawInspectBytes: number;
  reps: RepData;
  single: SingleCalls;
  scrape: ScrapeResult;
  loadStart: number[];
  loadEnd: number[];
}

async function runScenario(size: number, conn: EngineConnection, api: string): Promise<ScenarioReport> {
  note(`scenario ${size}: setting up containers`);
  const setup = await ensureContainers(size);
  note(`scenario ${size}: ${setup.created} created, ${setup.removed} removed in ${setup.seconds.toFixed(1)} s; settling ${Math.min(15, 2 + Math.ceil(size / 30))} s`);
  // Creating containers leaves containerd and dockerd busy for a while; let that pass.
  const settleSeconds = Math.min(15, 2 + Math.ceil(size / 30));
  await new Promise((r) => setTimeout(r, settleSeconds * 1000));
  const loadStart = os.loadavg();

  // The processes collector's one top per running container is measured by bench/processes.ts, not here.
  const full = configFrom(['--no-collector.processes']);
  // Only the containers collector: the same engine calls as the raw sweep (plus the ping and
  // the /version and /info its defaults need), and the posture work on top.
  const containersOnly = configFrom(COLLECTOR_NAMES.filter((n) => n !== 'containers').map((n) => `--no-collector.${n}`));
  if (full.inspectConcurrency !== 8) note(`note: inspect concurrency is ${full.inspectConcurrency}, not 8`);
  const conc = full.inspectConcurrency;

  const reps: RepData = { raw8: [], raw8Parse: [], raw1: [], client8: [], cold: [], steady: [], steadyList: [], coldContainersOnly: [], steadyContainersOnly: [] };
  const single: SingleCalls = { ping: [], version: [], info: [], list: [], inspect: [] };
  let containersOnHost = 0;
  let rawInspectBytes = 0;
  let anyId: string | undefined;

  type Unit = { name: string; run: (record: boolean) => Promise<void> };
  const units: Unit[] = [
    {
      name: 'raw8',
      run: async (record) => {
        const r = await rawSweep(conn, api, conc);
        containersOnHost = r.containers;
        rawInspectBytes = r.bytes;
        if (record) reps.raw8.push(r);
      },
    },
    {
      name: 'raw8Parse',
      run: async (record) => {
        const r = await rawSweep(conn, api, conc, true);
        if (record) reps.raw8Parse.push(r);
      },
    },
    {
      name: 'raw1',
      run: async (record) => {
        const r = await rawSweep(conn, api, 1);
        if (record) reps.raw1.push(r);
      },
    },
    {
      name: 'client8',
      run: async (record) => {
        const engine = new EngineClient(conn, { timeoutMs: full.docker.timeoutMs });
        await engine.ping(); // negotiation outside the timing, as the raw sweep has no negotiation
        const r = await clientSweep(engine, conc);
        if (record) reps.client8.push(r);
      },
    },
    {
      name: 'cold+steady',
      run: async (record) => {
        const engine = freshEngine(conn, full);
        const runner = buildRunner(full, engine, silentLogger);
        const cold = await cycle(runner, engine);
        await sleep(100); // the event stream, subscribed during the cold cycle, opens
        // Nothing changed: the first steady cycle lists (cache warm, no inspects) and
        // remembers the stream's token; the next one finds the stream quiet and only pings.
        const steadyList = await cycle(runner, engine);
        const steady = await cycle(runner, engine);
        await runner.close();
        if (steady.counts.listContainers !== 0) throw new Error('the steady cycle listed containers although the event stream was quiet');
        if (record) {
          reps.cold.push(cold);
          reps.steadyList.push(steadyList);
          reps.steady.push(steady);
        }
      },
    },
    {
      name: 'coldContainersOnly',
      run: async (record) => {
        const engine = freshEngine(conn, containersOnly);
        const runner = buildRunner(containersOnly, engine, silentLogger);
        const cold = await cycle(runner, engine);
        await sleep(100);
        await cycle(runner, engine);
        const steady = await cycle(runner, engine);
        await runner.close();
        if (record) {
          reps.coldContainersOnly.push(cold);
          reps.steadyContainersOnly.push(steady);
        }
      },
    },
  ];

  note(`scenario ${size}: warm-up round`);
  for (const u of units) await u.run(false);
  anyId = (JSON.parse((await rawGet(conn, `/v${api}/containers/json?all=1&limit=1`)).body) as ContainerSummary[])[0]?.Id;
  for (let rep = 0; rep < REPS; rep++) {
    note(`scenario ${size}: repetition ${rep + 1}/${REPS}`);
    // Rotate the order, so no measurement always follows the same one.
    for (let k = 0; k < units.length; k++) await units[(k + rep) % units.length].run(true);
    await singleCalls(conn, api, anyId, single);
  }

  note(`scenario ${size}: /metrics while collecting every second (≥${SCRAPE_SECONDS} s, ≥${SCRAPE_REQUESTS} requests)`);
  const scrape = await scrapePhase(conn);
  gc();
  const mem = process.memoryUsage();
  scrape.rssBytes = mem.rss;
  scrape.heapUsedBytes = mem.heapUsed;
  scrape.externalBytes = mem.external;
  return { size, setupSeconds: setup.seconds, containersOnHost, rawInspectBytes, reps, single, scrape, loadStart, loadEnd: os.loadavg() };
}

// ---------------------------------------------------------------------------- report

function printScenario(r: ScenarioReport): Record<string, unknown> {
  const { reps, single, scrape } = r;
  const med = (xs: Timed[]) => median(xs.map((x) => x.ms));
  const cpu = (xs: Timed[]) => median(xs.map((x) => x.cpuMs));
  const daemon = (xs: Timed[]) => xs.reduce((a, x) => a + x.daemonMs, 0) / xs.length;
  const collector = (xs: CycleResult[], name: string) => xs.map((x) => statusMs(x.statuses, name));
  const calls = (c: CycleResult) =>
    `list ${c.counts.listContainers}, inspect ${c.counts.inspectContainer}, ping ${c.counts.ping}, info ${c.counts.info}`;
  const running = runningOf(r.size);

  out();
  out(`== ${r.size} bench containers (${running} running, ${r.size - running} created) — ${r.containersOnHost} containers listed on the host; setup ${r.setupSeconds.toFixed(1)} s ==`);
  if (r.containersOnHost !== r.size) {
    out(`   WARNING: ${r.containersOnHost - r.size} containers on the host are not the benchmark's: something else uses this engine, figures include them and may be noisy`);
  }
  out(`   load average at start/end of scenario: ${r.loadStart.map((x) => x.toFixed(2)).join(' ')} / ${r.loadEnd.map((x) => x.toFixed(2)).join(' ')}`);
  out(`   ${REPS} interleaved repetitions after one warm-up round; inspect concurrency ${configFrom([]).inspectConcurrency}; inspect JSON ${fmtKiB(r.rawInspectBytes / Math.max(1, r.containersOnHost))} per container`);
  const W = 58;
  out(`${pad('measurement (wall time)', W)}${pad('median', 11, true)}${pad('min', 11, true)}${pad('node CPU', 11, true)}${pad('dockerd CPU', 13, true)}`);
  const row = (name: string, xs: number[], timed?: Timed[]) =>
    out(
      `${pad(name, W)}${pad(fmtMs(median(xs)), 11, true)}${pad(fmtMs(minOf(xs)), 11, true)}` +
        (timed ? `${pad(fmtMs(cpu(timed)), 11, true)}${pad(fmtMs(daemon(timed)), 13, true)}` : ''),
    );
  row('raw sweep, rawGet, concurrency 8 (baseline)', reps.raw8.map((x) => x.ms), reps.raw8);
  row('raw sweep + JSON.parse of each inspect, concurrency 8', reps.raw8Parse.map((x) => x.ms), reps.raw8Parse);
  row('raw sweep, rawGet, concurrency 1', reps.raw1.map((x) => x.ms), reps.raw1);
  row('engine-client sweep (EngineClient), concurrency 8', reps.client8.map((x) => x.ms), reps.client8);
  /** A cycle's wall time, then where it went: each collector, and each kind of engine call it made. */
  const cycleRows = (name: string, cycles: CycleResult[]) => {
    row(name, cycles.map((x) => x.ms), cycles);
    row('  containers collector (status duration)', collector(cycles, 'containers'));
    row('  engine collector (status duration)', collector(cycles, 'engine'));
    row('  engine.info() inside the cycle', cycles.map((x) => x.callMs.info));
    row('  engine.listContainers() inside the cycle', cycles.map((x) => x.callMs.listContainers));
    row('  engine.inspectContainer() inside the cycle, median', cycles.map((x) => x.callMs.inspectContainer));
  };
  cycleRows('cold cycle: runner.run, fresh runner/engine/cache', reps.cold);
  row('cold cycle, containers collector only', reps.coldContainersOnly.map((x) => x.ms), reps.coldContainersOnly);
  row('steady cycle, list + warm cache (no inspects)', reps.steadyList.map((x) => x.ms), reps.steadyList);
  cycleRows('steady cycle, event stream quiet (ping, no list)', reps.steady);
  row('steady cycle, containers collector only', reps.steadyContainersOnly.map((x) => x.ms), reps.steadyContainersOnly);
  row('snapshot render after a cycle (buildSnapshot)', reps.steady.map((x) => x.renderMs));
  row('single raw GET /_ping (idle, sequential)', single.ping);
  row('single raw GET /version', single.version);
  row('single raw GET /info', single.info);
  row('single raw GET /containers/json?all=1', single.list);
  row('single raw GET /containers/{id}/json', single.inspect);
  out(`(node CPU: median per run, this process; dockerd CPU: mean per run from /proc, clock-tick resolution, children included)`);
  out(`calls per cycle: cold: ${calls(reps.cold[0])}; steady with list: ${calls(reps.steadyList[0])}; steady, stream quiet: ${calls(reps.steady[0])}`);
  out(`samples per cycle: ${reps.steady[0].samples}; snapshot text ${fmtKiB(reps.steady[0].textBytes)}`);

  // The issue's baseline: the list plus every inspect, 8 in flight, each body parsed (the
  // exporter must parse them too).
  const rawMed = med(reps.raw8Parse);
  const coldMed = med(reps.cold);
  const steadyMed = med(reps.steady);
  const coldRatio = coldMed / rawMed;
  const steadyRatio = steadyMed / rawMed;
  const clientRatio = med(reps.client8) / rawMed;
  const coldContainersRatio = med(reps.coldContainersOnly) / rawMed;

  out();
  out(`/metrics while collecting every second: ${scrape.requests} sequential keep-alive GETs from ${scrape.clients} client(s) in ${scrape.seconds.toFixed(1)} s`);
  out(`  latency p50 ${fmtMs(scrape.p50)}, p90 ${fmtMs(scrape.p90)}, p99 ${fmtMs(scrape.p99)}, max ${fmtMs(scrape.max)}, mean ${fmtMs(scrape.mean)}; response ${fmtKiB(scrape.responseBytes)}`);
  out(
    `  overlapping a collection: ${scrape.duringCollection.requests} requests, p50 ${fmtMs(scrape.duringCollection.p50)}, p99 ${fmtMs(scrape.duringCollection.p99)}, max ${fmtMs(scrape.duringCollection.max)}` +
      `; outside: ${scrape.outsideCollection.requests}, p50 ${fmtMs(scrape.outsideCollection.p50)}, p99 ${fmtMs(scrape.outsideCollection.p99)}, max ${fmtMs(scrape.outsideCollection.max)}`,
  );
  const moved = scrape.lastCollectionLast - scrape.lastCollectionFirst;
  out(
    `  collections: ${scrape.collectionsStarted} started, ${scrape.snapshotsCompleted} snapshots completed, ${scrape.skippedCollections} skipped; ` +
      `docker_audit_last_collection_timestamp_seconds moved ${Number.isFinite(moved) ? moved.toFixed(1) : 'n/a'} s; ${scrape.inspectsDuringPhase} inspects during the phase`,
  );
  out(`  collection window (ping to snapshot) median ${fmtMs(scrape.collectionWindowMs.median)}, max ${fmtMs(scrape.collectionWindowMs.max)}; event-loop delay p50 ${fmtMs(scrape.eventLoopDelayMs.p50)}, p99 ${fmtMs(scrape.eventLoopDelayMs.p99)}, max ${fmtMs(scrape.eventLoopDelayMs.max)}`);
  out(`  per-scrape server work: live registry (process metrics) ${fmtMs(scrape.liveRegistryMs)}, ETag sha1 over the body ${fmtMs(scrape.etagSha1Ms)}; whole-process CPU ${fmtMs(scrape.serverCpuMsPerRequest)} per request (client included)`);
  out(`memory after the scrape phase (after gc): rss ${fmtMiB(scrape.rssBytes)}, heapUsed ${fmtMiB(scrape.heapUsedBytes)}, external ${fmtMiB(scrape.externalBytes)} (heapUsed before the phase ${fmtMiB(scrape.heapUsedBeforeBytes)})`);

  const targets: { name: string; value: string; pass: boolean | undefined }[] = [
    {
      name: `cold cycle, containers collector, ≤ ${TARGET_COLD_RATIO}× raw sweep (8 in flight, parsed)`,
      value: `cold/raw = ${coldContainersRatio.toFixed(2)}× (${fmtMs(med(reps.coldContainersOnly))} / ${fmtMs(rawMed)})`,
      pass: coldContainersRatio <= TARGET_COLD_RATIO,
    },
    { name: `cold cycle, every collector (info: more calls than the sweep)`, value: `cold/raw = ${coldRatio.toFixed(2)}× (${fmtMs(coldMed)} / ${fmtMs(rawMed)})`, pass: undefined },
    { name: `steady cycle < ${TARGET_STEADY_RATIO * 100}% of raw sweep`, value: `steady/raw = ${(steadyRatio * 100).toFixed(1)}% (${fmtMs(steadyMed)} / ${fmtMs(rawMed)})`, pass: steadyRatio < TARGET_STEADY_RATIO },
    {
      name: `scrape p99 < ${TARGET_SCRAPE_P99_MS} ms at ${TARGET_SCRAPE_MIN_CONTAINERS} containers`,
      value: `p99 = ${fmtMs(scrape.p99)}`,
      pass: r.size >= TARGET_SCRAPE_MIN_CONTAINERS ? scrape.p99 < TARGET_SCRAPE_P99_MS : undefined,
    },
  ];
  out('targets:');
  for (const t of targets) out(`  ${pad(t.name, 42)}${pad(t.value, 44)}${t.pass === undefined ? 'n/a (info only below ' + TARGET_SCRAPE_MIN_CONTAINERS + ')' : t.pass ? 'PASS' : 'FAIL'}`);
  out(`  (for context: engine-client sweep / raw sweep = ${clientRatio.toFixed(2)}×; ` +
      `steady with list / raw = ${((med(reps.steadyList) / rawMed) * 100).toFixed(1)}%; steady containers-only / raw = ${((med(reps.steadyContainersOnly) / rawMed) * 100).toFixed(1)}%; single idle list / raw = ${((median(single.list) / rawMed) * 100).toFixed(1)}%)`);

  const msStats = (xs: number[]) => ({ median_ms: round(median(xs), 3), min_ms: round(minOf(xs), 3) });
  return {
    size: r.size,
    containers_on_host: r.containersOnHost,
    load_average_start: r.loadStart.map((x) => round(x, 2)),
    load_average_end: r.loadEnd.map((x) => round(x, 2)),
    setup_seconds: round(r.setupSeconds, 1),
    reps: REPS,
    raw_sweep_c8: { ...msStats(reps.raw8.map((x) => x.ms)), cpu_ms: round(cpu(reps.raw8), 3), dockerd_cpu_ms: round(daemon(reps.raw8), 1) },
    raw_sweep_c8_with_parse: { ...msStats(reps.raw8Parse.map((x) => x.ms)), cpu_ms: round(cpu(reps.raw8Parse), 3), dockerd_cpu_ms: round(daemon(reps.raw8Parse), 1) },
    raw_sweep_c1: { ...msStats(reps.raw1.map((x) => x.ms)), cpu_ms: round(cpu(reps.raw1), 3), dockerd_cpu_ms: round(daemon(reps.raw1), 1) },
    client_sweep_c8: { ...msStats(reps.client8.map((x) => x.ms)), cpu_ms: round(cpu(reps.client8), 3), dockerd_cpu_ms: round(daemon(reps.client8), 1) },
    cold_cycle: {
      ...msStats(reps.cold.map((x) => x.ms)),
      cpu_ms: round(cpu(reps.cold), 3), dockerd_cpu_ms: round(daemon(reps.cold), 1),
      containers_collector: msStats(collector(reps.cold, 'containers')),
      engine_collector: msStats(collector(reps.cold, 'engine')),
      info_call: msStats(reps.cold.map((x) => x.callMs.info)),
      calls: reps.cold[0].counts,
    },
    cold_cycle_containers_only: { ...msStats(reps.coldContainersOnly.map((x) => x.ms)), cpu_ms: round(cpu(reps.coldContainersOnly), 3), dockerd_cpu_ms: round(daemon(reps.coldContainersOnly), 1) },
    steady_cycle_containers_only: { ...msStats(reps.steadyContainersOnly.map((x) => x.ms)), cpu_ms: round(cpu(reps.steadyContainersOnly), 3), dockerd_cpu_ms: round(daemon(reps.steadyContainersOnly), 1) },
    steady_cycle_with_list: { ...msStats(reps.steadyList.map((x) => x.ms)), cpu_ms: round(cpu(reps.steadyList), 3), dockerd_cpu_ms: round(daemon(reps.steadyList), 1), calls: reps.steadyList[0].counts },
    steady_cycle: {
      ...msStats(reps.steady.map((x) => x.ms)),
      cpu_ms: round(cpu(reps.steady), 3), dockerd_cpu_ms: round(daemon(reps.steady), 1),
      containers_collector: msStats(collector(reps.steady, 'containers')),
      engine_collector: msStats(collector(reps.steady, 'engine')),
      info_call: msStats(reps.steady.map((x) => x.callMs.info)),
      list_call: msStats(reps.steady.map((x) => x.callMs.listContainers)),
      calls: reps.steady[0].counts,
    },
    render_ms: msStats(reps.steady.map((x) => x.renderMs)),
    snapshot_bytes: reps.steady[0].textBytes,
    samples: reps.steady[0].samples,
    single_calls_ms: Object.fromEntries(Object.entries(single).map(([k, v]) => [k, round(median(v as number[]), 3)])),
    ratios: { cold_over_raw: round(coldRatio, 3), cold_containers_only_over_raw: round(coldContainersRatio, 3), steady_over_raw: round(steadyRatio, 3), client_over_raw: round(clientRatio, 3) },
    scrape: {
      requests: scrape.requests,
      clients: scrape.clients,
      seconds: round(scrape.seconds, 1),
      p50_ms: round(scrape.p50, 3),
      p90_ms: round(scrape.p90, 3),
      p99_ms: round(scrape.p99, 3),
      max_ms: round(scrape.max, 3),
      response_bytes: scrape.responseBytes,
      collections_started: scrape.collectionsStarted,
      snapshots_completed: scrape.snapshotsCompleted,
      skipped_collections: scrape.skippedCollections,
      last_collection_moved_seconds: round(moved, 1),
      during_collection: { requests: scrape.duringCollection.requests, p99_ms: round(scrape.duringCollection.p99, 3), max_ms: round(scrape.duringCollection.max, 3) },
      outside_collection: { requests: scrape.outsideCollection.requests, p99_ms: round(scrape.outsideCollection.p99, 3), max_ms: round(scrape.outsideCollection.max, 3) },
      event_loop_delay_max_ms: round(scrape.eventLoopDelayMs.max, 3),
      live_registry_ms: round(scrape.liveRegistryMs, 3),
      etag_sha1_ms: round(scrape.etagSha1Ms, 3),
    },
    memory: { rss_bytes: scrape.rssBytes, heap_used_bytes: scrape.heapUsedBytes, external_bytes: scrape.externalBytes, heap_used_before_scrape_bytes: scrape.heapUsedBeforeBytes },
    targets: Object.fromEntries(targets.map((t, i) => [['cold_containers_le_1_3x_raw', 'cold_all_collectors_info', 'steady_lt_25pct_raw', 'scrape_p99_lt_20ms_at_300'][i], t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : 'FAIL'])),
  };
}

// ---------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const serverVersion = checkDocker(IMAGE);
  const baseConfig = configFrom([]);
  const conn = resolveConnection(baseConfig.docker);
  const probe = new EngineClient(conn, { timeoutMs: baseConfig.docker.timeoutMs });
  const { apiVersion, negotiatedVersion } = await probe.ping();
  findDockerd(conn);

  const reports: Record<string, unknown>[] = [];
  await withBenchContainers(async () => {
    out(`docker-audit-exporter container benchmark (${packageVersion()})`);
    out(
      `engine ${serverVersion} at ${probe.endpoint}, API ${apiVersion} (paths /v${negotiatedVersion}/…); node ${process.version}; ` +
        `${os.cpus().length} CPUs, ${fmtMiB(os.totalmem())} RAM; sizes ${SIZES.join(',')}; reps ${REPS}; bench containers on network "${CONTAINER_NETWORK}"`,
    );
    for (const size of SIZES) {
      const report = await runScenario(size, conn, negotiatedVersion);
      reports.push(printScenario(report));
    }
  });
  out();
  out(
    JSON.stringify({
      bench: 'containers',
      engine: serverVersion,
      api_version: negotiatedVersion,
      node: process.version,
      cpus: os.cpus().length,
      scenarios: reports,
    }),
  );
}

main().catch((err) => {
  process.stderr.write(`bench: ${describeError(err)}\n`);
  process.exitCode = 1;
});
