// Benchmark of the processes collector against the real Docker Engine.
//
// Creates N running containers (default 300: `sleep 3600`, labelled, named PREFIX0..N-1,
// on network "none"), then measures, in one run:
//   - the raw cost: one GET /containers/{id}/top per bench container with rawGet, at the
//     collector's concurrency bound (--collector.processes.concurrency, default 4), and
//     sequentially: wall, this process's CPU, and dockerd's CPU (which runs ps for each top;
//     its children are counted);
//   - the collector's first (cold) collection: a fresh collector asks the first
//     --collector.processes.max-per-collection (default 50) of the running containers, and
//     the collections (15 s apart) it takes until every one has been asked; and the same
//     first collection without that bound (every running container in one collection);
//   - a steady collection at the same time, every answer cached (nothing due): what the cache costs;
//   - the collections of a default 15 s schedule over the interval (default 5m), on a clock
//     the bench moves (the engine's answers do not depend on it, so two intervals take seconds,
//     not ten minutes): the first interval after the cold collection, then a steady interval
//     in which every container is asked exactly once, at its own time: calls, wall and CPU
//     per collection, on average and at most.
// The container facts (list and inspects) are read before each measured collection, for
// the same collection number, so the figures are the collector's own: its tops and samples.
// Containers are removed at the start (an earlier run's) and at the end, also on Ctrl-C.
//
// Usage: npm run bench:processes [-- --containers=300 --reps=3 --setup-concurrency=8 --name-prefix=dae-bench-proc-];
//        each flag also reads BENCH_<NAME> (BENCH_CONTAINERS…). Prints a table, then one JSON line.
import * as os from 'node:os';
import { mapLimit } from '../src/base/concurrency';
import { describeError, silentLogger } from '../src/base/log';
import { packageVersion } from '../src/base/version';
import { factsOptions, collectorOptions } from '../src/cli/main';
import { parseConfig, type Config } from '../src/cli/config';
import type { CollectContext } from '../src/collectors/collector';
import { createProcessesCollector } from '../src/collectors/processes';
import { createFacts } from '../src/facts';
import { topReadsPerCollection } from '../src/model/processes';
import { EngineClient, rawGet, resolveConnection, type DockerEngine, type EngineConnection } from '../src/readers/engine';
import { benchCli, benchContainers, checkDocker, countingCalls, dockerCli, fmtMs, localDockerdPid, median, out, pad, procCpuMs, round } from './common';

const { option, intOption, note } = benchCli({ name: 'bench:processes', flags: ['containers', 'reps', 'setup-concurrency', 'name-prefix'], env: true });
const N = intOption('containers', 300, 1);
const REPS = intOption('reps', 3, 1);
const SETUP_CONCURRENCY = intOption('setup-concurrency', 8, 1);
const NAME_PREFIX = option('name-prefix', 'dae-bench-proc-');
const IMAGE = process.env.DOCKER_AUDIT_TEST_IMAGE || 'docker-audit-test/busybox:local';
// Its own label (with the prefix): the containers bench removes every docker-audit-bench=1 container.
const LABEL = `docker-audit-bench-processes=${NAME_PREFIX}`;
/** The default --collection.schedule runs a collection every 15 s. */
const COLLECTION_MS = 15_000;

interface Timed {
  ms: number;
  cpuMs: number;
  /** dockerd's CPU over the same time, its ps children included (NaN when unknown). */
  daemonMs: number;
}

let dockerdPid: number | undefined;
const daemonCpuMs = (): number => (dockerdPid === undefined ? NaN : procCpuMs(dockerdPid));

async function timed<T>(fn: () => Promise<T>): Promise<Timed & { value: T }> {
  const cpu0 = process.cpuUsage();
  const d0 = daemonCpuMs();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  return { ms, cpuMs: (c.user + c.system) / 1000, daemonMs: daemonCpuMs() - d0, value };
}

function configFrom(args: string[]): Config {
  const parsed = parseConfig(args, process.env);
  if (parsed.kind !== 'config') throw new Error(`parseConfig(${args.join(' ')}) gave ${parsed.kind}`);
  return parsed.config;
}

async function rawTops(conn: EngineConnection, api: string, ids: readonly string[], concurrency: number): Promise<Timed> {
  return timed(async () => {
    await mapLimit(ids, concurrency, async (id) => {
      const res = await rawGet(conn, `/v${api}/containers/${id}/top`);
      if (res.status !== 200) throw new Error(`raw top ${id.slice(0, 12)}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      JSON.parse(res.body);
    });
  });
}

interface Collection extends Timed {
  tops: number;
  samples: number;
}

/** A collector and its facts on a clock the bench sets: collect(at) reads the facts first, then times the collector alone. */
function collectorRun(conn: EngineConnection, config: Config) {
  const client = new EngineClient(conn, { timeoutMs: config.docker.timeoutMs, maxSockets: config.processes.concurrency + 4 });
  const { target: engine, count: tops, reset } = countingCalls<DockerEngine>(client, 'containerTop');
  // No event stream: the facts list every collection (their cost is not measured here).
  const facts = createFacts(engine, silentLogger, { ...factsOptions(config), watchEvents: false });
  const collector = createProcessesCollector({ engine, facts, options: collectorOptions(config) });
  const signal = new AbortController().signal;
  let collection = 0;
  return {
    async collect(atMs: number): Promise<Collection> {
      const ref = { collection: ++collection, signal, now: () => atMs };
      await facts.containers.get(ref);
      let samples = 0;
      const ctx: CollectContext = { ...ref, emit: () => void samples++, logger: silentLogger };
      reset();
      const t = await timed(() => collector.collect(ctx));
      return { ms: t.ms, cpuMs: t.cpuMs, daemonMs: t.daemonMs, tops: tops(), samples };
    },
    async close() {
      await facts.close();
      client.close();
    },
  };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

async function main(): Promise<void> {
  const serverVersion = checkDocker(IMAGE);
  const config = configFrom([]);
  const conn = resolveConnection(config.docker);
  const probe = new EngineClient(conn, { timeoutMs: config.docker.timeoutMs });
  const { negotiatedVersion } = await probe.ping();
  probe.close();
  if (conn.kind === 'unix' && ['/var/run/docker.sock', '/run/docker.sock'].includes(conn.socketPath)) dockerdPid = localDockerdPid();
  const concurrency = config.processes.concurrency;
  const intervalMs = config.processes.intervalMs;
  const { around, ensure, list } = benchContainers(LABEL, note);

  await around(async () => {
    note(`creating ${N} running containers (${NAME_PREFIX}0..${N - 1}, sleep 3600); this takes a minute or two`);
    const setup = await ensure(NAME_PREFIX, N, (i) => dockerCli(['run', '-d', '--name', `${NAME_PREFIX}${i}`, '--label', LABEL, '--network', 'none', IMAGE, 'sleep', '3600']).then(() => undefined), {
      concurrency: SETUP_CONCURRENCY,
    });
    note(`created ${setup.created} in ${setup.seconds.toFixed(1)} s; settling 10 s`);
    await new Promise((r) => setTimeout(r, 10_000));
    const ids = (await list()).map((c) => c.id);
    const runningOnHost = (await dockerCli(['ps', '-q'])).split('\n').filter((l) => l.trim() !== '').length;

    // Raw cost, interleaved with the collector's cold collection, REPS times.
    const raw: Timed[] = [];
    const raw1: Timed[] = [];
    const cold: Collection[] = [];
    const coldUnbounded: Collection[] = [];
    const cached: Collection[] = [];
    const warmUp: { collections: number; ms: number }[] = [];
    const unbounded = configFrom(['--collector.processes.max-per-collection=0']);
    const t0 = Date.UTC(2026, 0, 1, 0, 0, 3); // any time: the offsets are from the ids
    for (let rep = 0; rep < REPS; rep++) {
      note(`repetition ${rep + 1}/${REPS}`);
      raw.push(await rawTops(conn, negotiatedVersion, ids, concurrency));
      raw1.push(await rawTops(conn, negotiatedVersion, ids, 1));
      const c = collectorRun(conn, config);
      try {
        const first = await c.collect(t0);
        cold.push(first);
        // Until every running container was asked once: the cold start, spread.
        let asked = first.tops;
        let ms = first.ms;
        let k = 0;
        while (asked < runningOnHost && k < 100) {
          const next = await c.collect(t0 + ++k * COLLECTION_MS);
          asked += next.tops;
          ms += next.ms;
        }
        warmUp.push({ collections: k + 1, ms });
        cached.push(await c.collect(t0 + k * COLLECTION_MS));
      } finally {
        await c.close();
      }
      const u = collectorRun(conn, unbounded);
      try {
        coldUnbounded.push(await u.collect(t0));
      } finally {
        await u.close();
      }
    }

    // The spread: a cold collection, then two intervals of collections every 15 s.
    note('the spread: two intervals of collections on a moved clock');
    const steps = Math.round(intervalMs / COLLECTION_MS);
    const spread = collectorRun(conn, config);
    const firstInterval: Collection[] = [];
    const steadyInterval: Collection[] = [];
    try {
      await spread.collect(t0);
      for (let k = 1; k <= 2 * steps; k++) (k <= steps ? firstInterval : steadyInterval).push(await spread.collect(t0 + k * COLLECTION_MS));
    } finally {
      await spread.close();
    }

    out(`docker-audit-exporter processes benchmark (${packageVersion()})`);
    out(`engine ${serverVersion}, API ${negotiatedVersion}; node ${process.version}; ${os.cpus().length} CPUs; ${N} bench containers running (${runningOnHost} running on the host); setup ${setup.seconds.toFixed(1)} s`);
    out(`concurrency ${concurrency} (--collector.processes.concurrency), interval ${intervalMs / 1000} s (--collector.processes.interval), collections every ${COLLECTION_MS / 1000} s; ${REPS} repetitions, medians`);
    if (runningOnHost !== N) out(`   NOTE: ${runningOnHost - N} running containers are not the benchmark's: the collector asks them too (figures include them)`);
    const W = 62;
    out(`${pad('measurement', W)}${pad('wall', 11, true)}${pad('node CPU', 11, true)}${pad('dockerd CPU', 13, true)}${pad('tops', 7, true)}`);
    const med = (xs: Timed[], f: (t: Timed) => number) => median(xs.map(f));
    const row = (name: string, xs: Timed[], tops: number | string) =>
      out(`${pad(name, W)}${pad(fmtMs(med(xs, (x) => x.ms)), 11, true)}${pad(fmtMs(med(xs, (x) => x.cpuMs)), 11, true)}${pad(fmtMs(mean(xs.map((x) => x.daemonMs))), 13, true)}${pad(String(tops), 7, true)}`);
    row(`raw: ${N} tops (rawGet + JSON.parse), concurrency ${concurrency}`, raw, N);
    row(`raw: ${N} tops, concurrency 1`, raw1, N);
    row(`collector, first (cold) collection, at most ${config.processes.maxPerCollection}`, cold, cold[0].tops);
    row('collector, first (cold) collection, no bound (max-per-collection=0)', coldUnbounded, coldUnbounded[0].tops);
    row('collector, steady collection after the cold start (cached)', cached, cached[0].tops);
    const avg = (xs: Collection[], f: (c: Collection) => number) => mean(xs.map(f));
    const spreadRow = (name: string, xs: Collection[]) =>
      out(
        `${pad(name, W)}${pad(fmtMs(avg(xs, (x) => x.ms)), 11, true)}${pad(fmtMs(avg(xs, (x) => x.cpuMs)), 11, true)}${pad(fmtMs(avg(xs, (x) => x.daemonMs)), 13, true)}${pad(avg(xs, (x) => x.tops).toFixed(1), 7, true)}`,
      );
    spreadRow(`spread, first interval after cold (${steps} collections), mean`, firstInterval);
    spreadRow(`spread, steady interval (${steps} collections), mean`, steadyInterval);
    const maxOf = (xs: Collection[], f: (c: Collection) => number) => Math.max(...xs.map(f));
    out(
      `steady interval: ${steadyInterval.reduce((a, x) => a + x.tops, 0)} tops in ${steps} collections (expected ${runningOnHost}, ${topReadsPerCollection(runningOnHost, COLLECTION_MS, intervalMs).toFixed(1)} a collection); ` +
        `at most ${maxOf(steadyInterval, (x) => x.tops)} tops and ${fmtMs(maxOf(steadyInterval, (x) => x.ms))} in one collection; first interval ${firstInterval.reduce((a, x) => a + x.tops, 0)} tops`,
    );
    out(`cold start, bounded: every running container asked after ${median(warmUp.map((w) => w.collections))} collections (${fmtMs(median(warmUp.map((w) => w.ms)))} of collector time in all)`);
    out(`per top: raw ${fmtMs(med(raw, (x) => x.ms) / N)} wall at concurrency ${concurrency}, ${fmtMs(med(raw1, (x) => x.ms) / N)} sequential; dockerd CPU ${fmtMs(mean(raw.map((x) => x.daemonMs)) / N)} per top`);
    out(`(node CPU: this process; dockerd CPU from /proc, clock-tick resolution, the ps it runs included)`);
    out();
    const t = (xs: Timed[]) => ({ wall_ms: round(med(xs, (x) => x.ms), 1), cpu_ms: round(med(xs, (x) => x.cpuMs), 1), dockerd_cpu_ms: round(mean(xs.map((x) => x.daemonMs)), 1) });
    const s = (xs: Collection[]) => ({ wall_ms: round(avg(xs, (x) => x.ms), 2), cpu_ms: round(avg(xs, (x) => x.cpuMs), 2), dockerd_cpu_ms: round(avg(xs, (x) => x.daemonMs), 1), tops: round(avg(xs, (x) => x.tops), 2), max_tops: maxOf(xs, (x) => x.tops) });
    out(
      JSON.stringify({
        bench: 'processes',
        engine: serverVersion,
        api_version: negotiatedVersion,
        node: process.version,
        cpus: os.cpus().length,
        containers: N,
        running_on_host: runningOnHost,
        concurrency,
        interval_ms: intervalMs,
        collection_ms: COLLECTION_MS,
        setup_seconds: round(setup.seconds, 1),
        raw_tops: t(raw),
        raw_tops_sequential: t(raw1),
        max_per_collection: config.processes.maxPerCollection,
        cold_collection: { ...t(cold), tops: cold[0].tops, samples: cold[0].samples },
        cold_collection_unbounded: { ...t(coldUnbounded), tops: coldUnbounded[0].tops },
        cold_start_collections: median(warmUp.map((w) => w.collections)),
        cold_start_collector_ms: round(median(warmUp.map((w) => w.ms)), 1),
        cached_collection: { ...t(cached), tops: cached[0].tops },
        spread_first_interval: s(firstInterval),
        spread_steady_interval: s(steadyInterval),
      }),
    );
  });
}

main().catch((err) => {
  process.stderr.write(`bench:processes: ${describeError(err)}\n`);
  process.exitCode = 1;
});
