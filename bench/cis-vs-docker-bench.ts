// The cis collector side by side with docker-bench-security, on the same engine, in one run.
//
// For each scenario size (default 20 and 200 running containers, named dae-bench-cis-N and
// labelled docker-audit-test=cis-bench, cycling through eight postures (POSTURES below) so that
// most container checks have a known set of offenders), plus one privileged container that is
// created but never started (docker-bench-security looks only at running containers), it
// measures, alternating in one run:
//   (a) the exporter as a whole process: `node dist/src/cli/main.js --once` with every collector
//       but cis disabled (the list is read from the COLLECTORS table at run time);
//   (b) docker-bench-security.sh (from bench/.vendor, put there by scripts/fetch-docker-bench.sh)
//       on the sections the cis catalog covers;
// wall time, the CPU of the tool and its children, and dockerd's CPU. Then it compares the two
// verdicts check by check: docker-bench's JSON log against the exporter's
// docker_audit_cis_check_passed / docker_audit_cis_check_failure series, with the catalog's
// `differs` note where a check documents a difference.
//
// Usage: npm run bench:cis [-- --sizes=20,200 --reps=7 --docker-bench-reps=3
//        --docker-bench-budget=900 --docker-bench-sections=1,2,3,4,5,6 --setup-concurrency=8
//        --out-dir=.bench/cis]; each flag also reads BENCH_<NAME> (BENCH_SIZES…). The sections
//        default to those the cis catalog has checks in.
// Prints a table per size, the comparison, then one JSON line. Targets print PASS/FAIL; the
// exit code ignores them. Every container it creates is removed at the end, on failure and
// on SIGINT/SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COLLECTORS } from '../src/collectors/index';
import { describeError } from '../src/base/log';
import { packageVersion } from '../src/base/version';
import { parseExposition, type ParsedSeries } from '../test/helpers/exposition';
import { benchCli, benchContainers, checkDocker, dockerCli, fmtWholeMs, localDockerdPid, median, minOf, now, out, pad, procCpuMs, round } from './common';

// ---------------------------------------------------------------------------- options

const { option, intOption, listOption, usageError, note } = benchCli({
  name: 'bench:cis',
  flags: ['sizes', 'reps', 'docker-bench-reps', 'docker-bench-budget', 'docker-bench-sections', 'setup-concurrency', 'out-dir'],
  env: true,
});

const SIZES = listOption('sizes', '20,200', (n) => n >= 1 && n <= 2000, 'a container count from 1 to 2000');
const REPS = intOption('reps', 7, 1);
const DB_REPS = intOption('docker-bench-reps', 3, 1);
/** Seconds per size after which no further docker-bench run starts (it takes minutes with many containers). */
const DB_BUDGET_SECONDS = intOption('docker-bench-budget', 900, 1);
const DB_SECTIONS_OPTION = option('docker-bench-sections', '');
const SETUP_CONCURRENCY = intOption('setup-concurrency', 8, 1);
const OUT_DIR = path.resolve(option('out-dir', '.bench/cis'));

const ROOT = path.resolve(__dirname, '..', '..');
const EXPORTER_MAIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const DOCKER_BENCH_DIR = path.join(ROOT, 'bench', '.vendor', 'docker-bench-security');
const DOCKER_BENCH_SCRIPT = path.join(DOCKER_BENCH_DIR, 'docker-bench-security.sh');

const IMAGE = process.env.DOCKER_AUDIT_TEST_IMAGE || 'docker-audit-test/busybox:local';
const LABEL = 'docker-audit-test=cis-bench';
const NAME_PREFIX = 'dae-bench-cis-';
const CREATED_ONLY_NAME = `${NAME_PREFIX}created-privileged`;

const TARGET_RATIO_AT_20 = 20;

/** docker-bench's function for each CIS section it implements. */
const DB_SECTION_FUNCTIONS: Record<number, string> = {
  1: 'host_configuration',
  2: 'docker_daemon_configuration',
  3: 'docker_daemon_files',
  4: 'container_images',
  5: 'container_runtime',
  6: 'docker_security_operations',
};

// ---------------------------------------------------------------------------- small helpers

const fmtRatio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)}×` : 'n/a');

/** Sorts "5.10" after "5.9" and "1.1.2" after "1.1.1". */
function compareCheckIds(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return Number.isNaN(d) ? a.localeCompare(b) : d;
  }
  return 0;
}

// ---------------------------------------------------------------------------- CPU from /proc

let dockerdPid: number | undefined;

function findDockerd(): void {
  const host = process.env.DOCKER_HOST;
  if (host && !['unix:///var/run/docker.sock', 'unix:///run/docker.sock'].includes(host)) return;
  dockerdPid = localDockerdPid();
}

const dockerdCpuMs = (): number => (dockerdPid === undefined ? NaN : procCpuMs(dockerdPid));

/**
 * How many dockerd processes run on this host. docker-bench-security reads the daemon's flags
 * from `pgrep -f -n dockerd` (the newest process whose command line contains "dockerd"), so a
 * test's second daemon running meanwhile changes its section-2 verdicts.
 */
function countDockerdProcesses(): number {
  let n = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'dockerd') n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

// ---------------------------------------------------------------------------- docker CLI and cleanup

const { around: withBenchContainers, ensure: ensureBenchContainers } = benchContainers(LABEL, note);

// ---------------------------------------------------------------------------- scenario containers

/**
 * The postures the containers cycle through, so that most container checks have offenders
 * (and a known set of them) on both sides. Every container runs `sleep`.
 */
const POSTURES: readonly { name: string; args: readonly string[] }[] = [
  {
    name: 'hardened',
    args: ['--user', '1000:1000', '--read-only', '--security-opt', 'no-new-privileges', '--memory', '32m', '--cpus', '0.1', '--cpu-shares', '512',
      '--pids-limit', '64', '--health-cmd', 'true', '--health-interval', '60s', '--cap-drop', 'ALL', '--restart', 'on-failure:3', '--network', 'none'],
  },
  { name: 'host-network', args: ['--network', 'host', '--memory', '32m', '--pids-limit', '64'] },
  { name: 'cap-add-socket', args: ['--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_TIME', '-v', '/var/run/docker.sock:/var/run/docker.sock:ro', '--network', 'none'] },
  { name: 'no-limits', args: ['--network', 'none'] },
  { name: 'etc-ro-run-mount', args: ['-v', '/etc:/host-etc:ro', '-v', '/run:/host-run:ro', '--network', 'none', '--memory', '32m'] },
  { name: 'host-pid-unconfined', args: ['--pid', 'host', '--security-opt', 'seccomp=unconfined', '--network', 'none'] },
  { name: 'published-port', args: ['--network', 'bridge', '-p', '8080', '--restart', 'always'] },
  { name: 'host-ipc-uts-root', args: ['--ipc', 'host', '--uts', 'host', '--user', 'root', '--cgroup-parent', '/dae-bench-cis', '--network', 'none'] },
];

function postureOf(i: number): (typeof POSTURES)[number] {
  return POSTURES[i % POSTURES.length];
}

/** Makes dae-bench-cis-0..n-1 (running) and the created-only privileged one exist, and no others. */
async function ensureContainers(n: number): Promise<{ seconds: number; created: number; removed: number }> {
  const started = now();
  const made = await ensureBenchContainers(
    NAME_PREFIX,
    n,
    async (i) => void (await dockerCli(['run', '-d', '--name', `${NAME_PREFIX}${i}`, '--label', LABEL, ...postureOf(i).args, IMAGE, 'sleep', '86400'])),
    { concurrency: SETUP_CONCURRENCY, keep: [CREATED_ONLY_NAME] },
  );
  const createdOnly = !made.present.has(CREATED_ONLY_NAME);
  if (createdOnly) await dockerCli(['create', '--name', CREATED_ONLY_NAME, '--label', LABEL, '--privileged', '--network', 'none', IMAGE, 'sleep', '86400']);
  return { seconds: (now() - started) / 1000, created: made.created + (createdOnly ? 1 : 0), removed: made.removed };
}

interface HostContainer {
  id: string;
  name: string;
  running: boolean;
}

async function hostContainers(): Promise<HostContainer[]> {
  const text = await dockerCli(['ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Names}}\t{{.State}}']);
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [id, name, state] = l.split('\t');
      return { id, name, running: state === 'running' };
    });
}

/** Every image's full id and the names a tool may print for it (repo:tag, short id, full id). */
async function imageAliases(): Promise<Map<string, string>> {
  const text = await dockerCli(['image', 'ls', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Repository}}:{{.Tag}}']);
  const aliases = new Map<string, string>();
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const [id, ref] = line.split('\t');
    const bare = id.replace(/^sha256:/, '');
    for (const alias of [id, bare, bare.slice(0, 12), ref, ref.replace(/:latest$/, '')]) {
      if (alias && !alias.startsWith('<none>')) aliases.set(alias, id);
    }
  }
  return aliases;
}

// ---------------------------------------------------------------------------- the cis catalog, read at run time

interface CatalogCheck {
  id: string;
  title?: string;
  /** What its offenders are: container, image, file, daemon, listener, registry, host. */
  scope?: string;
  /** False when the catalog has no evaluator for it (a manual check). */
  automated: boolean;
  differs?: string;
}

interface Catalog {
  module: string;
  checks: Map<string, CatalogCheck>;
}

function differsText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === false || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(differsText).filter(Boolean).join('; ');
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    return differsText(v.text ?? v.note ?? v.description ?? v.summary) ?? JSON.stringify(value);
  }
  return String(value);
}

/**
 * Finds the catalog of checks among the compiled modules of src/cis (catalog.js first): the
 * first exported array, or id-keyed object, whose entries have a string `id` like "5.10".
 */
function loadCatalog(): Catalog | undefined {
  const dir = path.join(ROOT, 'dist', 'src', 'cis');
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
  } catch {
    return undefined;
  }
  files.sort((a, b) => (a === 'catalog.js' ? -1 : b === 'catalog.js' ? 1 : a.localeCompare(b)));
  for (const file of files) {
    let mod: Record<string, unknown>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(path.join(dir, file)) as Record<string, unknown>;
    } catch {
      continue;
    }
    for (const value of Object.values(mod)) {
      const entries = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value as object) : [];
      const checks = entries.filter((e): e is Record<string, unknown> => !!e && typeof e === 'object' && typeof (e as { id?: unknown }).id === 'string' && /^\d+(\.\d+)+$/.test((e as { id: string }).id));
      if (checks.length >= 5 && checks.length === entries.length) {
        return {
          module: `src/cis/${file.replace(/\.js$/, '.ts')}`,
          checks: new Map(checks.map((c) => [
            c.id as string,
            {
              id: c.id as string,
              title: typeof c.title === 'string' ? c.title : undefined,
              scope: typeof c.scope === 'string' ? c.scope : undefined,
              automated: c.evaluate !== null,
              differs: differsText(c.differs),
            },
          ])),
        };
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------- running the two tools

interface RunResult {
  ms: number;
  cpuMs: number;
  dockerdMs: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

const activeChildren = new Set<ChildProcess>();

/** Runs a command to its end, timing it; CPU is this process's children's (waited-for) CPU, which includes theirs. */
function timedRun(command: string, args: readonly string[], options: { cwd?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const cpu0 = procCpuMs('self', true);
    const dockerd0 = dockerdCpuMs();
    const t0 = now();
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    activeChildren.add(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      activeChildren.delete(child);
      reject(new Error(`running ${command} failed`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      const ms = now() - t0;
      clearTimeout(timer);
      activeChildren.delete(child);
      if (signal) {
        reject(new Error(`${path.basename(args[0] ?? command)} was killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${options.timeoutMs / 1000} s?)` : ''}`));
        return;
      }
      resolve({
        ms,
        cpuMs: procCpuMs('self', true) - cpu0,
        dockerdMs: dockerdCpuMs() - dockerd0,
        exitCode: code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

function exporterArgs(): string[] {
  return [EXPORTER_MAIN, '--once', ...COLLECTORS.map((c) => (c.name === 'cis' ? '--collector.cis' : `--no-collector.${c.name}`))];
}

interface ExporterRun extends RunResult {
  series: ParsedSeries[];
  cisSeconds: number;
}

async function runExporter(): Promise<ExporterRun> {
  const r = await timedRun(process.execPath, exporterArgs(), { timeoutMs: 120_000 });
  if (r.exitCode !== 0 && r.exitCode !== 1) {
    throw new Error(`the exporter exited ${r.exitCode}; stderr:\n${r.stderr.slice(-2000)}`);
  }
  const series = parseExposition(r.stdout);
  const duration = series.find((s) => s.name === 'docker_audit_collector_duration_seconds' && s.labels.collector === 'cis');
  return { ...r, series, cisSeconds: duration?.value ?? NaN };
}

interface DockerBenchRun extends RunResult {
  logFile: string;
  /** The most dockerd processes seen just before or just after the run. */
  dockerdProcesses: number;
  results: Map<string, DockerBenchResult>;
}

interface DockerBenchResult {
  id: string;
  desc: string;
  result: string;
  items: string[];
}

function dockerBenchArgs(sections: readonly number[], logFile: string): string[] {
  return [DOCKER_BENCH_SCRIPT, '-b', '-l', logFile, '-c', sections.map((s) => DB_SECTION_FUNCTIONS[s]).join(',')];
}

async function runDockerBench(sections: readonly number[], logFile: string): Promise<DockerBenchRun> {
  fs.rmSync(logFile, { force: true });
  fs.rmSync(`${logFile}.json`, { force: true });
  // It sources ./functions and ./tests, so it runs from its own folder.
  const before = countDockerdProcesses();
  const r = await timedRun('bash', dockerBenchArgs(sections, logFile), { cwd: DOCKER_BENCH_DIR, timeoutMs: 3_600_000 });
  const dockerdProcesses = Math.max(before, countDockerdProcesses());
  if (r.exitCode !== 0) throw new Error(`docker-bench-security exited ${r.exitCode}; output tail:\n${(r.stdout + r.stderr).slice(-2000)}`);
  return { ...r, logFile, dockerdProcesses, results: parseDockerBenchLog(logFile) };
}

/**
 * docker-bench's FILE.json, or its text log when the JSON is broken (it prints values without
 * escaping, so a quote in a name breaks it). Items are what it lists as offending.
 */
function parseDockerBenchLog(logFile: string): Map<string, DockerBenchResult> {
  const results = new Map<string, DockerBenchResult>();
  try {
    const doc = JSON.parse(fs.readFileSync(`${logFile}.json`, 'utf8')) as { tests: { results: { id: string; desc: string; result: string; items?: string[] }[] }[] };
    for (const section of doc.tests) {
      for (const r of section.results) results.set(r.id, { id: r.id, desc: r.desc, result: r.result, items: r.items ?? [] });
    }
    return results;
  } catch (err) {
    note(`reading ${logFile}.json failed (${describeError(err)}); reading the text log instead`);
  }
  let current: DockerBenchResult | undefined;
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    const m = /^\[(PASS|WARN|INFO|NOTE)\] (\d+(?:\.\d+)+) - (.*)$/.exec(line);
    if (m) {
      current = { id: m[2], desc: m[3], result: m[1], items: [] };
      results.set(current.id, current);
      continue;
    }
    // One offender per detail line, named last: "* Running as root: NAME", "* Port in use: 80 in NAME",
    // "* CapAdd=[...] to NAME", "* No Healthcheck found: [IMAGE]".
    const item =
      /^\[(?:WARN|INFO)\]\s+\* .*?(\[[^\]]+\])\s*$/.exec(line) ??
      /^\[(?:WARN|INFO)\]\s+\* .*:\s*(\S+)\s*$/.exec(line) ??
      /^\[(?:WARN|INFO)\]\s+\* .* (?:in|to) (\S+)\s*$/.exec(line);
    if (item && current) current.items.push(item[1]);
    else if (!/^\[\w+\]\s+\*/.test(line)) current = undefined;
  }
  return results;
}

function dockerBenchVersion(): string {
  let scriptVersion = '?';
  try {
    scriptVersion = /^version='([^']+)'/m.exec(fs.readFileSync(DOCKER_BENCH_SCRIPT, 'utf8'))?.[1] ?? '?';
  } catch {
    // reported as "?"
  }
  let source = '';
  try {
    source = fs.readFileSync(path.join(DOCKER_BENCH_DIR, '.source-commit'), 'utf8').trim().split(' ')[1] ?? '';
  } catch {
    // extracted by hand: no commit recorded
  }
  return source ? `${scriptVersion} (git ${source})` : scriptVersion;
}

// ---------------------------------------------------------------------------- agreement

type Verdict = 'pass' | 'fail';

interface Comparison {
  id: string;
  title: string;
  dockerBench: string;
  exporter: string;
  outcome: 'agree' | 'differ-explained' | 'differ-unexplained' | 'exporter-only' | 'docker-bench-only' | 'neither';
  detail: string;
}

/** docker-bench's item for a container: "name", "name:/etc", "name:80", "name:0.0.0.0" or "<64 hex>:name". */
function itemContainer(item: string): string {
  const withId = /^[0-9a-f]{64}:(.+)$/.exec(item);
  if (withId) return withId[1];
  return item.split(':')[0].replace(/^\//, '');
}

const difference = <T>(a: ReadonlySet<T>, b: ReadonlySet<T>): T[] => [...a].filter((x) => !b.has(x));

function shortList(xs: readonly string[], max = 4): string {
  const sorted = [...xs].sort(compareNames);
  return sorted.length <= max ? sorted.join(', ') : `${sorted.slice(0, max).join(', ')} and ${sorted.length - max} more`;
}

/** dae-bench-cis-2 before dae-bench-cis-10. */
function compareNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

interface HostView {
  /** By name, as listed right after the compared runs. */
  containers: ReadonlyMap<string, HostContainer>;
  /** Image alias (repo:tag, short id, full id) to full id. */
  images: ReadonlyMap<string, string>;
  /** dockerd processes seen around the compared docker-bench run. */
  dockerdProcesses: number;
}

/** What docker-bench's items name: containers (by name), images (by full id), or something else. */
function itemKind(items: readonly string[], view: HostView): 'container' | 'image' | 'other' | undefined {
  if (items.length === 0) return undefined;
  if (items.some((i) => view.images.has(i.replace(/^\[|\]$/g, '')))) return 'image';
  if (items.some((i) => itemContainer(i).startsWith(NAME_PREFIX) || view.containers.has(itemContainer(i)))) return 'container';
  return 'other';
}

/**
 * Compares one check. Container checks are compared on the benchmark's own containers only:
 * other engineers' test containers come and go between the two runs, so a difference on them
 * says nothing. A difference made only of containers that are not running is the documented
 * general one (docker-bench lists running containers only); any other difference needs the
 * catalog's `differs` note to count as explained.
 */
function compareCheck(id: string, d: DockerBenchResult | undefined, passed: { value: number; title: string } | undefined, eObjects: readonly string[], check: CatalogCheck | undefined, view: HostView): Comparison {
  const comparison = compareVerdicts(id, d, passed, eObjects, check, view);
  if (comparison.outcome === 'differ-unexplained' && id.startsWith('2.') && view.dockerdProcesses > 1) {
    comparison.detail += ` (${view.dockerdProcesses} dockerd processes ran during docker-bench's run: it reads the flags of the newest, pgrep -f -n dockerd; the exporter those of the one serving its engine)`;
  }
  return comparison;
}

function compareVerdicts(id: string, d: DockerBenchResult | undefined, passed: { value: number; title: string } | undefined, eObjects: readonly string[], check: CatalogCheck | undefined, view: HostView): Comparison {
  const title = passed?.title || check?.title || d?.desc.replace(/ \((Automated|Manual|Scored|Not Scored)\)( \(Deprecated\))?$/, '') || '';
  const dVerdict: Verdict | undefined = d?.result === 'PASS' ? 'pass' : d?.result === 'WARN' ? 'fail' : undefined;
  const eVerdict: Verdict | undefined = passed === undefined ? undefined : passed.value === 1 ? 'pass' : 'fail';
  const dText = d ? d.result + (d.items.length ? ` (${d.items.length})` : '') : '—';
  const eText = eVerdict === undefined ? 'absent' : eVerdict === 'pass' ? 'PASS' : `FAIL${eObjects.length ? ` (${eObjects.length})` : ''}`;
  const result = (outcome: Comparison['outcome'], detail: string): Comparison => ({ id, title, dockerBench: dText, exporter: eText, outcome, detail });
  const documented = check?.differs ? `documented: ${check.differs}` : '';

  if (dVerdict === undefined && eVerdict === undefined) return result('neither', d ? `docker-bench only reports ${d.result}` : '');
  if (dVerdict === undefined) return result('exporter-only', d ? `docker-bench prints ${d.result}, a note, not a verdict` : 'docker-bench-security has no such check');
  if (eVerdict === undefined) {
    return result('docker-bench-only', documented || (check && !check.automated ? 'not automated in the catalog' : 'not judged by the exporter on this host'));
  }

  const dKind = itemKind(d!.items, view);
  const scope = check?.scope ?? (eObjects.some((o) => view.containers.has(o) || o.startsWith(NAME_PREFIX)) ? 'container' : undefined);
  if (dKind && scope && dKind !== 'other' && dKind !== scope) {
    const detail = `docker-bench lists ${dKind}s, the exporter ${scope}s`;
    return documented ? result('differ-explained', `${detail} — ${documented}`) : result('differ-unexplained', detail);
  }

  if (scope === 'container') {
    const ours = (names: Iterable<string>) => new Set([...names].filter((n) => n.startsWith(NAME_PREFIX)));
    const dSet = ours(d!.items.map(itemContainer));
    const eSet = ours(eObjects);
    const eOnly = difference(eSet, dSet);
    const dOnly = difference(dSet, eSet);
    const foreign = dVerdict !== eVerdict && eOnly.length === 0 && dOnly.length === 0 ? ` (the whole-host verdicts differ on other containers, not compared)` : '';
    if (eOnly.length === 0 && dOnly.length === 0) return result('agree', `${dSet.size} bench containers fail on both sides${foreign}`);
    const problems = [eOnly.length ? `exporter only: ${shortList(eOnly)}` : '', dOnly.length ? `docker-bench only: ${shortList(dOnly)}` : ''].filter(Boolean).join('; ');
    if (dOnly.length === 0 && eOnly.every((n) => view.containers.get(n)?.running === false)) {
      return result('differ-explained', `${problems} — not running: docker-bench-security ignores non-running containers`);
    }
    return documented ? result('differ-explained', `${problems} — ${documented}`) : result('differ-unexplained', problems);
  }

  const problems: string[] = [];
  if (dVerdict !== eVerdict) problems.push(`docker-bench ${dVerdict}, exporter ${eVerdict}`);
  if (dKind === 'image' && scope === 'image') {
    const toId = (xs: readonly string[]) => new Set(xs.map((x) => view.images.get(x.replace(/^\[|\]$/g, '')) ?? x));
    const dSet = toId(d!.items);
    const eSet = toId(eObjects);
    const name = (idOrName: string) => [...view.images].find(([alias, full]) => full === idOrName && alias.includes(':') && !alias.startsWith('sha256:'))?.[0] ?? idOrName.replace(/^sha256:/, '').slice(0, 12);
    const eOnly = difference(eSet, dSet).map(name);
    const dOnly = difference(dSet, eSet).map(name);
    if (eOnly.length) problems.push(`exporter only: ${shortList(eOnly)}`);
    if (dOnly.length) problems.push(`docker-bench only: ${shortList(dOnly)}`);
  }
  if (problems.length === 0) return result('agree', '');
  return documented ? result('differ-explained', `${problems.join('; ')} — ${documented}`) : result('differ-unexplained', problems.join('; '));
}

function compare(db: ReadonlyMap<string, DockerBenchResult> | undefined, exporter: readonly ParsedSeries[], sections: readonly number[], catalog: Catalog | undefined, view: HostView): Comparison[] {
  const passed = new Map<string, { value: number; title: string }>();
  const failures = new Map<string, string[]>();
  for (const s of exporter) {
    if (s.name === 'docker_audit_cis_check_passed') passed.set(s.labels.check, { value: s.value, title: s.labels.title ?? '' });
    if (s.name === 'docker_audit_cis_check_failure') failures.set(s.labels.check, [...(failures.get(s.labels.check) ?? []), s.labels.object]);
  }
  const inSections = (id: string) => sections.includes(Number(id.split('.')[0]));
  const ids = new Set<string>([...(db?.keys() ?? []), ...passed.keys(), ...(catalog?.checks.keys() ?? [])].filter(inSections));
  return [...ids].sort(compareCheckIds).map((id) => compareCheck(id, db?.get(id), passed.get(id), failures.get(id) ?? [], catalog?.checks.get(id), view));
}

// ---------------------------------------------------------------------------- scenario

interface Scenario {
  size: number;
  setupSeconds: number;
  containersOnHost: number;
  runningOnHost: number;
  exporter: ExporterRun[];
  dockerBench: DockerBenchRun[];
  dockerBenchSkipped?: string;
  comparison?: Comparison[];
  loadStart: number[];
  loadEnd: number[];
}

async function runScenario(size: number, sections: readonly number[], dockerBenchMissing: string | undefined, catalog: Catalog | undefined): Promise<Scenario> {
  note(`scenario ${size}: setting up containers`);
  const setup = await ensureContainers(size);
  note(`scenario ${size}: ${setup.created} created, ${setup.removed} removed in ${setup.seconds.toFixed(1)} s`);
  const loadStart = os.loadavg();
  const dir = path.join(OUT_DIR, String(size));
  fs.mkdirSync(dir, { recursive: true });

  // One warm-up exporter run (page cache, dockerd's own caches), not counted.
  await runExporter();

  const exporter: ExporterRun[] = [];
  const dockerBench: DockerBenchRun[] = [];
  let dockerBenchSkipped = dockerBenchMissing;
  const budgetStart = now();
  // Alternate: a share of the exporter runs, then one docker-bench run, so both see the same
  // host load over the scenario; the last docker-bench run is compared with the exporter run
  // just before it.
  const perDockerBench = dockerBenchSkipped ? REPS : Math.max(1, Math.floor(REPS / DB_REPS));
  let pairExporter: ExporterRun | undefined;
  while (exporter.length < REPS || (!dockerBenchSkipped && dockerBench.length < DB_REPS)) {
    for (let k = 0; k < perDockerBench && exporter.length < REPS; k++) {
      const run = await runExporter();
      exporter.push(run);
      note(`scenario ${size}: exporter run ${exporter.length}/${REPS}: ${fmtWholeMs(run.ms)} (cis collector ${fmtWholeMs(run.cisSeconds * 1000)})`);
    }
    if (!dockerBenchSkipped && dockerBench.length < DB_REPS) {
      const spent = (now() - budgetStart) / 1000;
      const last = dockerBench.at(-1)?.ms ?? 0;
      if (dockerBench.length > 0 && spent + last / 1000 > DB_BUDGET_SECONDS) {
        dockerBenchSkipped = `stopped after ${dockerBench.length} of ${DB_REPS} runs: another would pass the --docker-bench-budget of ${DB_BUDGET_SECONDS} s`;
        note(`scenario ${size}: docker-bench ${dockerBenchSkipped}`);
        continue;
      }
      pairExporter = exporter.at(-1) ?? (await runExporter());
      note(`scenario ${size}: docker-bench run ${dockerBench.length + 1}/${DB_REPS} (sections ${sections.join(',')})…`);
      const run = await runDockerBench(sections, path.join(dir, 'docker-bench.log'));
      dockerBench.push(run);
      note(`scenario ${size}: docker-bench run ${dockerBench.length}/${DB_REPS}: ${fmtWholeMs(run.ms)}`);
    }
  }
  if (dockerBench.length && dockerBenchSkipped === dockerBenchMissing) dockerBenchSkipped = undefined;

  const last = pairExporter ?? exporter.at(-1)!;
  fs.writeFileSync(path.join(dir, 'exporter.prom'), last.stdout);
  const containers = await hostContainers();
  const view: HostView = { containers: new Map(containers.map((c) => [c.name, c])), images: await imageAliases(), dockerdProcesses: dockerBench.at(-1)?.dockerdProcesses ?? 1 };
  const comparison = dockerBench.length && catalogOrCis(last) ? compare(dockerBench.at(-1)?.results, last.series, sections, catalog, view) : undefined;
  return {
    size,
    setupSeconds: setup.seconds,
    containersOnHost: containers.length,
    runningOnHost: containers.filter((c) => c.running).length,
    exporter,
    dockerBench,
    dockerBenchSkipped,
    comparison,
    loadStart,
    loadEnd: os.loadavg(),
  };
}

const cisFailed = (series: readonly ParsedSeries[]): boolean =>
  series.some((x) => x.name === 'docker_audit_collector_success' && x.labels.collector === 'cis' && x.value === 0);

/** Whether the exporter run carries any cis series to compare. */
const catalogOrCis = (run: ExporterRun): boolean => run.series.some((s) => s.name.startsWith('docker_audit_cis_'));

// ---------------------------------------------------------------------------- report

function printScenario(s: Scenario, cisRegistered: boolean): Record<string, unknown> {
  const eMs = s.exporter.map((r) => r.ms);
  const dMs = s.dockerBench.map((r) => r.ms);
  const ratio = median(dMs) / median(eMs);
  const benchRunning = s.size;
  out();
  out(`== ${benchRunning} running bench containers + 1 created privileged — ${s.containersOnHost} containers on the host (${s.runningOnHost} running); setup ${s.setupSeconds.toFixed(1)} s ==`);
  if (s.containersOnHost !== s.size + 1) out(`   note: ${s.containersOnHost - s.size - 1} containers on the host are not the benchmark's; both tools see them too`);
  out(`   load average at start/end: ${s.loadStart.map((x) => x.toFixed(2)).join(' ')} / ${s.loadEnd.map((x) => x.toFixed(2)).join(' ')}`);
  const W = 52;
  out(`${pad('measurement (wall time)', W)}${pad('runs', 6, true)}${pad('median', 11, true)}${pad('min', 11, true)}${pad('CPU', 11, true)}${pad('dockerd CPU', 13, true)}`);
  const row = (name: string, runs: RunResult[], xs = runs.map((r) => r.ms)) =>
    out(
      `${pad(name, W)}${pad(String(xs.length), 6, true)}${pad(fmtWholeMs(median(xs)), 11, true)}${pad(fmtWholeMs(minOf(xs)), 11, true)}` +
        `${pad(runs.length ? fmtWholeMs(median(runs.map((r) => r.cpuMs))) : '', 11, true)}${pad(runs.length ? fmtWholeMs(median(runs.map((r) => r.dockerdMs))) : '', 13, true)}`,
    );
  row(`exporter --once, ${cisRegistered ? 'cis collector only' : 'no collector (cis not registered yet)'}`, s.exporter);
  const failed = s.exporter.filter((r) => cisFailed(r.series));
  if (cisRegistered && failed.length) {
    const down = [...new Set(failed.flatMap((r) => r.series.filter((x) => x.name === 'docker_audit_cis_source_up' && x.value === 0).map((x) => x.labels.source)))];
    out(`   WARNING: the cis collector failed in ${failed.length} of ${s.exporter.length} runs${down.length ? ` (sources down: ${down.join(', ')})` : ''}; its checks on those sources are absent`);
  }
  if (cisRegistered) row('  of which the cis collector (collector duration)', [], s.exporter.map((r) => r.cisSeconds * 1000));
  if (s.dockerBench.length) row('docker-bench-security.sh', s.dockerBench);
  if (s.dockerBenchSkipped) out(`docker-bench-security: ${s.dockerBenchSkipped}`);
  out(`(CPU: median per run of the tool and every process it waited for, docker CLI included; dockerd CPU from /proc, clock-tick resolution)`);
  if (s.dockerBench.length) out(`docker-bench / exporter = ${fmtRatio(ratio)} (medians)`);

  const counts: Record<string, number> = {};
  if (s.comparison) {
    out();
    out(`agreement (exporter run just before the last docker-bench run; containers compared on the benchmark's own):`);
    out(`${pad('check', 8)}${pad('docker-bench', 14)}${pad('exporter', 12)}${pad('outcome', 20)}detail`);
    for (const c of s.comparison) {
      counts[c.outcome] = (counts[c.outcome] ?? 0) + 1;
      if (c.outcome !== 'neither') out(`${pad(c.id, 8)}${pad(c.dockerBench, 14)}${pad(c.exporter, 12)}${pad(c.outcome, 20)}${c.detail}`);
    }
    const neither = s.comparison.filter((c) => c.outcome === 'neither');
    if (neither.length) out(`judged by neither (docker-bench INFO/NOTE or not run, exporter absent): ${neither.map((c) => c.id).join(' ')}`);
    const both = (counts.agree ?? 0) + (counts['differ-explained'] ?? 0) + (counts['differ-unexplained'] ?? 0);
    out(
      `summary: ${both} checks judged by both: ${counts.agree ?? 0} agree, ${counts['differ-explained'] ?? 0} differ with a documented reason, ` +
        `${counts['differ-unexplained'] ?? 0} differ unexplained; ${counts['exporter-only'] ?? 0} judged by the exporter only, ` +
        `${counts['docker-bench-only'] ?? 0} by docker-bench only, ${counts.neither ?? 0} by neither`,
    );
    const unexplained = s.comparison.filter((c) => c.outcome === 'differ-unexplained');
    if (unexplained.length) out(`UNEXPLAINED: ${unexplained.map((c) => c.id).join(', ')} (a bug, or a missing \`differs\` note in the catalog)`);
  } else {
    out(
      !cisRegistered
        ? 'agreement: cis collector not registered yet (src/collectors/index.ts); nothing to compare'
        : !s.dockerBench.length
          ? 'agreement: docker-bench-security did not run; nothing to compare'
          : 'agreement: the exporter printed no docker_audit_cis_* series',
    );
  }
  return {
    size: s.size,
    containers_on_host: s.containersOnHost,
    running_on_host: s.runningOnHost,
    setup_seconds: round(s.setupSeconds, 1),
    exporter: { runs: eMs.length, median_ms: round(median(eMs), 1), min_ms: round(minOf(eMs), 1), cpu_ms: round(median(s.exporter.map((r) => r.cpuMs)), 1), cis_collector_median_ms: round(median(s.exporter.map((r) => r.cisSeconds * 1000)), 1) },
    docker_bench: s.dockerBench.length
      ? { runs: dMs.length, median_ms: round(median(dMs), 1), min_ms: round(minOf(dMs), 1), cpu_ms: round(median(s.dockerBench.map((r) => r.cpuMs)), 1), dockerd_cpu_ms: round(median(s.dockerBench.map((r) => r.dockerdMs)), 1) }
      : { skipped: s.dockerBenchSkipped },
    ratio: round(ratio, 1),
    agreement: s.comparison ? counts : null,
    unexplained: s.comparison?.filter((c) => c.outcome === 'differ-unexplained').map((c) => ({ check: c.id, detail: c.detail })) ?? null,
  };
}

// ---------------------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!fs.existsSync(EXPORTER_MAIN)) throw new Error(`${EXPORTER_MAIN} is missing: run npm run build first (npm run bench:cis does)`);
  const serverVersion = checkDocker(IMAGE);
  findDockerd();

  const cisRegistered = COLLECTORS.some((c) => c.name === 'cis');
  const catalog = cisRegistered ? loadCatalog() : undefined;
  let sections = [1, 2, 3, 4, 5, 6];
  if (DB_SECTIONS_OPTION) {
    sections = DB_SECTIONS_OPTION.split(',').map((s) => Number(s.trim()));
    if (sections.some((s) => !DB_SECTION_FUNCTIONS[s])) usageError(`--docker-bench-sections=${DB_SECTIONS_OPTION}: sections are 1 to 6`);
  } else if (catalog) {
    sections = [...new Set([...catalog.checks.keys()].map((id) => Number(id.split('.')[0])))].filter((s) => DB_SECTION_FUNCTIONS[s]).sort((a, b) => a - b);
  }
  let dockerBenchMissing: string | undefined;
  if (!fs.existsSync(DOCKER_BENCH_SCRIPT)) {
    dockerBenchMissing = `skipped: ${path.relative(ROOT, DOCKER_BENCH_SCRIPT)} is missing (run scripts/fetch-docker-bench.sh; it needs a local mirror or network to GitHub)`;
  }

  const reports: Record<string, unknown>[] = [];
  const stopRuns = { doing: 'stopping runs and removing benchmark containers', stop: () => activeChildren.forEach((child) => child.kill('SIGKILL')) };
  await withBenchContainers(async () => {
    out(`docker-audit-exporter cis collector vs docker-bench-security (${packageVersion()})`);
    out(`engine ${serverVersion}; node ${process.version}; ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; sizes ${SIZES.join(',')}`);
    out(`exporter: node ${path.relative(ROOT, EXPORTER_MAIN)} ${exporterArgs().slice(1).join(' ')}; ${REPS} runs per size after one warm-up`);
    if (!cisRegistered) out(`exporter: cis collector not registered yet in src/collectors/index.ts: timing a --once run with no collector, no comparison`);
    out(catalog ? `catalog: ${catalog.module}, ${catalog.checks.size} checks, ${[...catalog.checks.values()].filter((c) => c.differs).length} with a \`differs\` note` : 'catalog: not found (no comparison notes)');
    out(
      dockerBenchMissing
        ? `docker-bench-security: ${dockerBenchMissing}`
        : `docker-bench-security ${dockerBenchVersion()}: bash ${path.relative(ROOT, DOCKER_BENCH_SCRIPT)} ${dockerBenchArgs(sections, 'LOG').slice(1).join(' ')}; up to ${DB_REPS} runs per size (budget ${DB_BUDGET_SECONDS} s)`,
    );
    out(`logs and expositions: ${path.relative(process.cwd(), OUT_DIR) || '.'}/<size>/`);
    for (const size of SIZES) {
      const scenario = await runScenario(size, sections, dockerBenchMissing, catalog);
      reports.push(printScenario(scenario, cisRegistered));
    }
  }, stopRuns);

  out();
  const ratios = reports.map((r) => ({ size: r.size as number, ratio: r.ratio as number | null }));
  const at20 = ratios.find((r) => r.size === 20)?.ratio;
  const measured = ratios.filter((r) => r.ratio !== null);
  out('ratio docker-bench / exporter by size: ' + (measured.length ? measured.map((r) => `${r.size}: ${fmtRatio(r.ratio!)}`).join(', ') : 'n/a (docker-bench not run)'));
  if (at20 !== undefined && at20 !== null) out(`  target ≥ ${TARGET_RATIO_AT_20}× at 20 containers: ${at20 >= TARGET_RATIO_AT_20 ? 'PASS' : 'FAIL'}`);
  if (measured.length >= 2) {
    const growing = measured.every((r, i) => i === 0 || r.ratio! >= measured[i - 1].ratio!);
    const first = measured[0];
    const lastRatio = measured[measured.length - 1];
    out(
      `  target: ratio grows with more containers: ${growing ? 'PASS' : 'FAIL'} ` +
        `(${first.size} → ${lastRatio.size} containers: ratio × ${(lastRatio.ratio! / first.ratio!).toFixed(2)})`,
    );
  }
  if (reports.length >= 2) {
    // What one more container costs each tool, between the smallest and the largest size.
    const a = reports[0];
    const b = reports[reports.length - 1];
    const perContainer = (key: 'exporter' | 'docker_bench') => {
      const ma = (a[key] as { median_ms?: number | null }).median_ms;
      const mb = (b[key] as { median_ms?: number | null }).median_ms;
      return ma != null && mb != null ? (mb - ma) / ((b.size as number) - (a.size as number)) : NaN;
    };
    out(`  cost of one more container (${a.size} → ${b.size}): exporter ${perContainer('exporter').toFixed(2)} ms, docker-bench ${perContainer('docker_bench').toFixed(0)} ms`);
  }
  out(JSON.stringify({ bench: 'cis-vs-docker-bench', engine: serverVersion, node: process.version, cpus: os.cpus().length, cis_registered: cisRegistered, docker_bench: dockerBenchMissing ? null : dockerBenchVersion(), sections, scenarios: reports }));
}

main().catch((err) => {
  process.stderr.write(`bench:cis: ${describeError(err)}\n`);
  process.exitCode = 1;
});
