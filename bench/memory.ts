// Benchmark of the exporter's memory and steady cost on a real engine, as operators run it:
// the built exporter as its own process, default collectors and the default 15 s schedule,
// scraped every 15 s with gzip as Prometheus does, for --minutes (default 10) per size.
//
// For each size (default 300 and 2,000 containers, at most --max-running running `sleep
// 3600`, the rest created) the V8 heap settings of --variants run side by side, each its own
// exporter against the same containers at the same time, so their figures share the machine's
// noise. Each reports:
//   - RSS and heap used at the end of the run, and the highest RSS seen (sampled every 5 s);
//   - CPU per collection and as a share of one core at the 15 s schedule, over the second
//     half of the run (the first collections fill the caches);
//   - /metrics p50/p99, plain and gzip, in a burst after the run, one variant at a time;
//   - collections (the schedule's ticks since the start) and skipped ones;
// and for each variant `--once` at that size: wall time and peak RSS (VmHWM).
//
// Usage: npm run bench:memory [-- --sizes=300,2000 --minutes=10 --max-running=300
//        --variants='default;--max-old-space-size=96 --max-semi-space-size=1' --burst=300]
// Prints a table, then one JSON line. Targets print PASS/FAIL; the exit code ignores them.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { ExporterProcess, EXPORTER_MAIN } from '../test/helpers/exporter-process';
import { spawn } from 'node:child_process';
import type { MemoryVariant } from '../scripts/bench-tables';
import { benchCli, benchContainers, checkDocker, dockerCli, fmtMiB, fmtMs, keyValueTable, out, procCpuMs, quantile, round, scrapeMetrics, sleep } from './common';

const { option, intOption, listOption, note } = benchCli({ name: 'bench:memory', flags: ['sizes', 'minutes', 'max-running', 'variants', 'burst'], env: true });
const SIZES = listOption('sizes', '300,2000', (n) => n >= 1 && n <= 5000, 'a container count from 1 to 5000');
const MINUTES = Number(option('minutes', '10'));
const MAX_RUNNING = intOption('max-running', 300, 0);
const BURST = intOption('burst', 300, 10);
/** NODE_OPTIONS of each variant, ';'-separated; "default" is none. */
const VARIANTS = option('variants', 'default;--max-old-space-size=192;--max-old-space-size=96 --max-semi-space-size=1')
  .split(';')
  .map((v) => v.trim())
  .filter((v) => v !== '');
if (!(MINUTES > 0)) throw new Error(`--minutes=${MINUTES}: expected a positive number`);

const IMAGE = process.env.DOCKER_AUDIT_TEST_IMAGE || 'docker-audit-test/busybox:local';
const LABEL = 'docker-audit-bench=1';
const PREFIX = 'dae-bench-';
const SCRAPE_EVERY_MS = 15_000;
const TARGET_RSS: Record<number, number> = { 300: 100 * 1024 * 1024, 2000: 160 * 1024 * 1024 };
const TARGET_P99_MS = 20;

const { around, ensure } = benchContainers(LABEL, note);

const runsAt = (i: number): boolean => i % 2 === 0 && i / 2 < MAX_RUNNING;

function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

const valueOf = (text: string, name: string): number => {
  const m = new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};

/** One GET of /metrics on a connection of its own, with or without gzip; the body decoded, its size as sent, and the time to the last byte. */
async function scrape(port: number, gzip: boolean): Promise<{ ms: number; text: string; bytes: number }> {
  const r = await scrapeMetrics(false, port, gzip ? 'gzip' : 'plain');
  return { ms: r.ms, text: (gzip ? zlib.gunzipSync(r.body) : r.body).toString('utf8'), bytes: r.body.length };
}

type VariantResult = MemoryVariant;

/** `--once` at this size with the variant's NODE_OPTIONS: wall time and peak RSS (VmHWM, polled until it exits). */
async function onceRun(variant: string): Promise<VariantResult['once']> {
  const env = { ...process.env, NODE_OPTIONS: variant === 'default' ? '' : variant };
  const t0 = performance.now();
  const child = spawn(process.execPath, [EXPORTER_MAIN, '--once', '--no-collector.auditlog'], { env, stdio: ['ignore', 'ignore', 'ignore'] });
  let peakKiB = 0;
  const poll = setInterval(() => {
    const hwm = procStatusKiB(child.pid!, 'VmHWM');
    if (Number.isFinite(hwm)) peakKiB = Math.max(peakKiB, hwm);
  }, 10);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(poll);
  return { wallMs: performance.now() - t0, peakRssBytes: peakKiB * 1024, code };
}

async function burst(port: number): Promise<Pick<VariantResult, 'plain' | 'gzip'>> {
  const plain: number[] = [];
  const gz: number[] = [];
  let plainBytes = 0;
  let gzipBytes = 0;
  // Alternated, so both see the same collections.
  for (let i = 0; i < BURST; i++) {
    const p = await scrape(port, false);
    plain.push(p.ms);
    plainBytes = p.bytes;
    const g = await scrape(port, true);
    gz.push(g.ms);
    gzipBytes = g.bytes;
  }
  const stats = (xs: number[], bytes: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), bytes };
  };
  return { plain: stats(plain, plainBytes), gzip: stats(gz, gzipBytes) };
}

async function runSize(size: number): Promise<VariantResult[]> {
  const setup = await ensure(PREFIX, size, async (i) => {
    const common = ['--name', `${PREFIX}${i}`, '--label', LABEL, '--network', 'none', IMAGE, 'sleep', '3600'];
    await dockerCli(runsAt(i) ? ['run', '-d', ...common] : ['create', ...common]);
  }, { concurrency: 8, every: 250 });
  note(`${size} containers ready in ${setup.seconds.toFixed(1)} s (${setup.created} created)`);
  // The host's audit log grows with whatever else runs here; it is not what is measured.
  const exporters = VARIANTS.map((variant) => ({
    variant,
    process: new ExporterProcess(['--web.listen-address=127.0.0.1:0', '--no-collector.auditlog'], { env: { NODE_OPTIONS: variant === 'default' ? '' : variant } }),
    rssMaxKiB: 0,
    cpuMid: NaN,
    textMid: '',
    last: '',
  }));
  try {
    await Promise.all(exporters.map((e) => e.process.start()));
    const started = performance.now();
    const end = started + MINUTES * 60_000;
    let midTaken = false;
    while (performance.now() < end) {
      for (const e of exporters) {
        e.rssMaxKiB = Math.max(e.rssMaxKiB, procStatusKiB(e.process.pid!, 'VmRSS') || 0);
        e.last = (await scrape(e.process.port!, true)).text;
      }
      if (!midTaken && performance.now() - started >= (MINUTES * 60_000) / 2) {
        midTaken = true;
        for (const e of exporters) {
          e.cpuMid = procCpuMs(e.process.pid!);
          e.textMid = e.last;
        }
      }
      const elapsed = Math.round((performance.now() - started) / 60_000);
      if (elapsed > 0 && Math.abs((performance.now() - started) % 60_000) < SCRAPE_EVERY_MS) note(`  ${size}: ${elapsed} of ${MINUTES} min, RSS ${exporters.map((e) => fmtMiB((procStatusKiB(e.process.pid!, 'VmRSS') || 0) * 1024)).join(' / ')}`);
      await sleep(Math.min(SCRAPE_EVERY_MS, Math.max(0, end - performance.now())));
    }
    const results: VariantResult[] = [];
    for (const e of exporters) {
      const text = (await scrape(e.process.port!, true)).text;
      const cpu = procCpuMs(e.process.pid!) - e.cpuMid;
      const cpuMsPerCollection = cpu / collectionsBetween(e.textMid, text);
      results.push({
        variant: e.variant,
        rssEndBytes: procStatusKiB(e.process.pid!, 'VmRSS') * 1024,
        rssMaxBytes: Math.max(e.rssMaxKiB, procStatusKiB(e.process.pid!, 'VmRSS') || 0) * 1024,
        heapUsedEndBytes: valueOf(text, 'nodejs_heap_size_used_bytes'),
        collections: Math.round((valueOf(text, 'docker_audit_last_collection_timestamp_seconds') - valueOf(text, 'process_start_time_seconds')) / 15),
        skipped: valueOf(text, 'docker_audit_collections_skipped_total'),
        cpuMsPerCollection,
        coreShareAt15s: cpuMsPerCollection / 15_000,
        ...(await burst(e.process.port!)),
        once: { wallMs: NaN, peakRssBytes: NaN, code: null },
      });
    }
    await Promise.all(exporters.map((e) => e.process.stop()));
    for (const r of results) r.once = await onceRun(r.variant);
    return results;
  } finally {
    await Promise.all(exporters.map((e) => e.process.stop().catch(() => undefined)));
  }
}

/**
 * Collections between two scrapes: the schedule ticks every 15 s between their last completed
 * collections, less the ticks skipped because a collection was still running.
 */
function collectionsBetween(from: string, to: string): number {
  const ticks = Math.round((valueOf(to, 'docker_audit_last_collection_timestamp_seconds') - valueOf(from, 'docker_audit_last_collection_timestamp_seconds')) / 15);
  return ticks - (valueOf(to, 'docker_audit_collections_skipped_total') - valueOf(from, 'docker_audit_collections_skipped_total'));
}

async function main(): Promise<void> {
  checkDocker(IMAGE);
  const all: Record<number, VariantResult[]> = {};
  await around(async () => {
    for (const size of SIZES) all[size] = await runSize(size);
  });
  for (const size of SIZES) {
    out(`\n${size} containers (${Math.min(Math.ceil(size / 2), MAX_RUNNING)} running), ${MINUTES} min at the 15 s schedule, variants side by side:`);
    for (const r of all[size]) {
      const target = TARGET_RSS[size];
      out(`\n  NODE_OPTIONS: ${r.variant}`);
      out(
        keyValueTable([
          ['RSS at the end / highest', `${fmtMiB(r.rssEndBytes)} / ${fmtMiB(r.rssMaxBytes)}${target ? ` (target ≤ ${fmtMiB(target)}: ${r.rssEndBytes <= target ? 'PASS' : 'FAIL'})` : ''}`],
          ['heap used at the end', fmtMiB(r.heapUsedEndBytes)],
          ['CPU per collection, share of a core at 15 s', `${fmtMs(r.cpuMsPerCollection)}, ${(r.coreShareAt15s * 100).toFixed(2)}%`],
          ['collections, skipped', `${r.collections}, ${r.skipped}`],
          ['/metrics plain p50 / p99 (bytes)', `${fmtMs(r.plain.p50)} / ${fmtMs(r.plain.p99)} (${r.plain.bytes})`],
          ['/metrics gzip p50 / p99 (bytes)', `${fmtMs(r.gzip.p50)} / ${fmtMs(r.gzip.p99)} (${r.gzip.bytes})${size >= 2000 ? ` (target p99 < ${TARGET_P99_MS} ms: ${r.gzip.p99 < TARGET_P99_MS && r.plain.p99 < TARGET_P99_MS ? 'PASS' : 'FAIL'})` : ''}`],
          ['--once wall, peak RSS, exit code', `${fmtMs(r.once.wallMs)}, ${fmtMiB(r.once.peakRssBytes)}, ${r.once.code}`],
        ])
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      );
    }
  }
  out(JSON.stringify({ bench: 'memory', minutes: MINUTES, sizes: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.map((r) => ({ ...r, cpuMsPerCollection: round(r.cpuMsPerCollection, 1) }))])) }));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:memory failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
