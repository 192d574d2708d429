// Benchmark of the logs collector at 300 containers (--containers), on SYNTHETIC json-file
// logs: a temporary host root (--dir, default under /tmp) holding
// var/lib/docker/containers/<id>/<id>-json.log for each synthetic container, --size-kb each
// (default 1024), made of lines shaped as Docker 20.10 writes them (one in ten an error, one
// in ten a warning, stdout and stderr mixed). The postures come from a recorded inspect with
// the id replaced. Measured in this process:
//  1. the first collection, reading every log from its start: MB/s and lines/s;
//  2. steady collections, nothing written since: median and max time of --steady (default 20);
//  3. --append-kb (default 16) more per container, then one collection: the incremental cost;
//  4. every log rotated once (renamed to .1, a new file) with --append-kb more on each side,
//     then one collection; the counts are checked exact against what was written.
//
// Usage: npm run bench:logs [-- --containers=300 --size-kb=1024 --append-kb=16 --steady=20 --dir=/tmp/x]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../src/base/log';
import type { CollectContext } from '../src/collectors/collector';
import { createLogsCollector, type LogsDeps } from '../src/collectors/logs';
import type { Sample } from '../src/metrics/sample';
import { containerPosture } from '../src/model/posture';
import type { ContainerInspect } from '../src/readers/engine-types';
import { testOptions } from '../test/helpers/options';
import { benchCli, fmtMs, keyValueTable, median, now, out } from './common';

const { option, intOption, note } = benchCli({ name: 'bench:logs', flags: ['containers', 'size-kb', 'append-kb', 'steady', 'dir'], env: false });
const containers = intOption('containers', 300, 1);
const sizeKb = intOption('size-kb', 1024, 1);
const appendKb = intOption('append-kb', 16, 1);
const steadyRuns = intOption('steady', 20, 1);
const root = option('dir', '') || fs.mkdtempSync(path.join(os.tmpdir(), 'bench-logs-'));
const MB = 1024 * 1024;

/** Lines of about Docker's shape; `written` counts what each level got, to check the collector. */
const written = { error: 0, warning: 0, other: 0, lines: 0 };
let seq = 0;
function chunk(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const n = seq++;
    const kind = n % 10 === 0 ? 'error' : n % 10 === 5 ? 'warning' : 'other';
    const text = kind === 'error' ? `level=error msg="connection refused" attempt=${n}` : kind === 'warning' ? `WARN slow request path=/api/v1/items/${n} took=1532ms` : `GET /api/v1/items/${n} 200 12ms user-agent="curl/8.5.0"`;
    const line = JSON.stringify({ log: `${text}\n`, stream: n % 3 === 0 ? 'stderr' : 'stdout', time: '2026-12-02T16:15:06.334894435Z' }) + '\n';
    parts.push(line);
    size += line.length;
    written[kind]++;
    written.lines++;
  }
  return parts.join('');
}

// From the source tree, whether this runs under ts (bench/) or built (dist/bench/).
const FIXTURE = ['..', '../..'].map((up) => path.join(__dirname, up, 'test/fixtures/engine-20.10/recorded-hardened.inspect.json')).find((f) => fs.existsSync(f))!;
const template = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as ContainerInspect;
const ids = Array.from({ length: containers }, (_, i) => (i.toString(16).padStart(8, '0') + '0'.repeat(56)).slice(0, 64));
const files = ids.map((id) => path.join(root, 'var/lib/docker/containers', id, `${id}-json.log`));
note(`writing ${containers} synthetic logs of ${sizeKb} KiB under ${root}`);
for (const file of files) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, chunk(sizeKb * 1024));
}
const postures = ids.map((id, i) => containerPosture({ ...template, Id: id, Name: `/bench-${i}`, LogPath: `/var/lib/docker/containers/${id}/${id}-json.log` }, { sensitivePaths: [], dockerSocketPaths: [] }));
const facts = {
  containers: { get: async () => ({ postures, inspects: [], unchanged: false, listed: containers, inspected: 0, duplicates: 0 }) },
  engine: { info: async () => ({ DockerRootDir: '/var/lib/docker' }) },
} as unknown as LogsDeps['facts'];
// No byte budget: the first collection reads everything, so its figures are the read speed.
const collector = createLogsCollector({ facts, options: testOptions([`--host.root-path=${root}`, '--collector.logs.max-bytes-per-collection=0']), logger: silentLogger });

let n = 0;
async function collect(): Promise<{ ms: number; samples: Sample[] }> {
  const samples: Sample[] = [];
  const ctx: CollectContext = { signal: new AbortController().signal, emit: (s) => void samples.push(s), logger: silentLogger, now: Date.now, collection: ++n };
  const t0 = now();
  await collector.collect(ctx);
  return { ms: now() - t0, samples };
}
const total = (samples: Sample[], family: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.family.name === family && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
function check(samples: Sample[], when: string): void {
  const got = { error: total(samples, 'docker_audit_container_log_lines_total', { level: 'error' }), warning: total(samples, 'docker_audit_container_log_lines_total', { level: 'warning' }), other: total(samples, 'docker_audit_container_log_lines_total', { level: 'other' }) };
  const want = { error: written.error, warning: written.warning, other: written.other };
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`counts ${when}: got ${JSON.stringify(got)}, wrote ${JSON.stringify(want)}`);
}

async function main(): Promise<void> {
  try {
    const bytes = files.reduce((a, f) => a + fs.statSync(f).size, 0);
    const first = await collect();
    check(first.samples, 'after the first read');
    const steady: number[] = [];
    for (let i = 0; i < steadyRuns; i++) steady.push((await collect()).ms);

    const linesBefore = written.lines;
    for (const f of files) fs.appendFileSync(f, chunk(appendKb * 1024));
    const incremental = await collect();
    check(incremental.samples, 'after appending');
    const appendedLines = written.lines - linesBefore;

    for (const f of files) {
      fs.appendFileSync(f, chunk(appendKb * 1024));
      fs.renameSync(f, `${f}.1`);
      fs.writeFileSync(f, chunk(appendKb * 1024));
    }
    const rotated = await collect();
    check(rotated.samples, 'after the rotation');
    const readTotal = total(rotated.samples, 'docker_audit_container_logs_bytes_read_total');
    const onDisk = total(rotated.samples, 'docker_audit_container_log_size_bytes');
    if (readTotal !== onDisk) throw new Error(`read ${readTotal} bytes, ${onDisk} on disk`);

    out(`bench:logs: ${containers} containers, SYNTHETIC json-file logs of ${sizeKb} KiB each (${(bytes / MB).toFixed(1)} MiB, ${linesBefore.toLocaleString('en')} lines), node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);
    out(
      keyValueTable([
        ['first collection (whole logs)', `${fmtMs(first.ms)}: ${(bytes / MB / (first.ms / 1000)).toFixed(0)} MB/s, ${Math.round(linesBefore / (first.ms / 1000)).toLocaleString('en')} lines/s`],
        [`steady collection, nothing new (${steadyRuns} runs)`, `median ${fmtMs(median(steady))}, max ${fmtMs(Math.max(...steady))} (${((median(steady) * 1000) / containers).toFixed(0)} µs a container)`],
        [`+${appendKb} KiB a container`, `${fmtMs(incremental.ms)} (${appendedLines.toLocaleString('en')} lines)`],
        [`a rotation of every log, +${2 * appendKb} KiB each`, `${fmtMs(rotated.ms)}; counts exact, bytes read = bytes on disk`],
        ['series served', String(rotated.samples.length)],
        ['RSS after', `${(process.memoryUsage().rss / MB).toFixed(0)} MiB`],
      ]),
    );
  } finally {
    if (!option('dir', '')) fs.rmSync(root, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench:logs failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
