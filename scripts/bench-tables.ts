// The performance tables of docs/performance.md, generated from the benchmarks' own output:
// each benchmark ends with one JSON line, saved as bench/results/NAME.json
// (`npm run bench:memory | tail -1 > bench/results/memory.json`), and `npm run docs` writes the
// tables from those files (scripts/readme-tables.ts), so a figure in the docs is always one a
// run printed. Targets are the ones of issue 14; each cell says PASS or FAIL against its own.
import * as fs from 'node:fs';
import * as path from 'node:path';

const MiB = 1024 * 1024;
const mib = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / MiB).toFixed(1)} MiB` : 'n/a');
const ms = (x: number): string => (!Number.isFinite(x) ? 'n/a' : x < 10 ? `${x.toFixed(2)} ms` : x < 1000 ? `${x.toFixed(1)} ms` : `${(x / 1000).toFixed(2)} s`);
const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');

/** bench/results/NAME.json, or undefined when that benchmark's result is not saved. */
export function benchResult<T>(root: string, name: string): T | undefined {
  const file = path.join(root, 'bench', 'results', `${name}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;
}

/** One heap setting at one size, as bench/memory.ts measures and saves it. */
export interface MemoryVariant {
  variant: string;
  rssEndBytes: number;
  rssMaxBytes: number;
  heapUsedEndBytes: number;
  collections: number;
  skipped: number;
  cpuMsPerCollection: number;
  coreShareAt15s: number;
  plain: { p50: number; p99: number; bytes: number };
  gzip: { p50: number; p99: number; bytes: number };
  once: { wallMs: number; peakRssBytes: number; code: number | null };
}
export interface MemoryResult {
  bench: 'memory';
  minutes: number;
  sizes: Record<string, MemoryVariant[]>;
}

const RSS_TARGETS: Record<string, number> = { 300: 100 * MiB, 2000: 160 * MiB };

/** One row per size and heap setting, the settings of a size measured side by side. */
export function memoryTable(r: MemoryResult | undefined): string {
  if (!r) return '_No saved run: `npm run bench:memory | tail -1 > bench/results/memory.json`._';
  const rows: string[] = [];
  for (const [size, variants] of Object.entries(r.sizes)) {
    for (const v of variants) {
      const target = RSS_TARGETS[size];
      const p99 = Math.max(v.plain.p99, v.gzip.p99);
      rows.push(
        [
          size,
          `\`${v.variant}\``,
          `${mib(v.rssEndBytes)}${target ? ` (≤ ${target / MiB}: ${verdict(v.rssEndBytes <= target)})` : ''}`,
          mib(v.rssMaxBytes),
          mib(v.heapUsedEndBytes),
          `${ms(v.cpuMsPerCollection)} (${(v.coreShareAt15s * 100).toFixed(2)}%)`,
          `${ms(v.plain.p50)} / ${ms(v.plain.p99)}`,
          `${ms(v.gzip.p50)} / ${ms(v.gzip.p99)}${Number(size) >= 2000 ? ` (< 20: ${verdict(p99 < 20)})` : ''}`,
          `${ms(v.once.wallMs)}, ${mib(v.once.peakRssBytes)}`,
          `${v.collections}, ${v.skipped}`,
        ].join(' | '),
      );
    }
  }
  return [
    `\`npm run bench:memory\`, ${r.minutes} minutes per size, the heap settings (\`NODE_OPTIONS\`) of a size side by side:`,
    '',
    '| containers | NODE_OPTIONS | RSS at the end | RSS highest | heap used | CPU per collection (share of a core at 15 s) | /metrics plain p50 / p99 | gzip p50 / p99 | `--once` wall, peak RSS | collections, skipped |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

interface ContainersScenario {
  size: number;
  raw_sweep_c8_with_parse: { median_ms: number };
  cold_cycle: { median_ms: number };
  cold_cycle_containers_only: { median_ms: number };
  steady_cycle: { median_ms: number };
  steady_cycle_with_list: { median_ms: number; cpu_ms: number };
  render_ms: { median_ms: number };
  samples: number;
  ratios: { cold_over_raw: number; steady_over_raw: number };
  scrape: { p50_ms: number; p99_ms: number };
  memory: { rss_bytes: number; heap_used_bytes: number };
  load_average_start?: number[];
}
export interface ContainersResult {
  bench: 'containers';
  engine: string;
  node: string;
  cpus: number;
  scenarios: ContainersScenario[];
}

/** The containers collector's cold cycle over the raw sweep: the same engine calls, and the posture work. */
const coldContainers = (s: ContainersScenario): number => s.cold_cycle_containers_only.median_ms / s.raw_sweep_c8_with_parse.median_ms;

export function containersTable(r: ContainersResult | undefined): string {
  if (!r) return '_No saved run: `npm run bench:containers | tail -1 > bench/results/containers.json`._';
  const rows = r.scenarios.map((s) =>
    [
      s.size,
      ms(s.raw_sweep_c8_with_parse.median_ms),
      `${ms(s.cold_cycle_containers_only.median_ms)} (${coldContainers(s).toFixed(2)}×${s.size >= 300 ? `, ≤ 1.3×: ${verdict(coldContainers(s) <= 1.3)}` : ''})`,
      `${ms(s.cold_cycle.median_ms)} (${s.ratios.cold_over_raw.toFixed(2)}×)`,
      `${ms(s.steady_cycle.median_ms)} (${(s.ratios.steady_over_raw * 100).toFixed(1)}%)`,
      ms(s.steady_cycle_with_list.median_ms),
      ms(s.render_ms.median_ms),
      String(s.samples),
      `${ms(s.scrape.p50_ms)} / ${ms(s.scrape.p99_ms)}`,
      s.load_average_start ? s.load_average_start[0].toFixed(1) : 'n/a',
    ].join(' | '),
  );
  return [
    `\`npm run bench:containers\` on Engine ${r.engine}, Node ${r.node}, ${r.cpus} CPUs (medians; the bench process collects in-process):`,
    '',
    '| containers | raw sweep (8 in flight, parsed) | cold cycle, containers collector (× raw) | cold cycle, every collector (× raw) | steady cycle, stream quiet (% of raw) | steady cycle that lists | render | samples | /metrics p50 / p99 while collecting every second | load at start |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}
