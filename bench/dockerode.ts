// The exporter's own Engine API client (src/readers/engine.ts, EngineClient) side by side with
// dockerode, the usual Node.js Docker client, in one run: the measured reason the client is our own.
//
//  1. What dockerode brings along: the packages it installs (walked from its node_modules, put
//     outside this repository by scripts/fetch-dockerode.sh: dockerode is never a dependency of
//     this project), their size on disk, and which run install scripts (native builds), with
//     their results from the npm install log.
//  2. What requiring it costs: RSS (and heap, time, files and native addons loaded) added by
//     `require('dockerode')` in a fresh Node process, against requiring our client
//     (dist/src/readers/engine.js), Node's http/https/fs/os/path alone, and nothing; --rss-procs
//     fresh processes each, interleaved; medians.
//  3. What a sweep costs: GET /containers/json?all=1, then GET /containers/{id}/json for every
//     container, --concurrency (default 8) in flight, for each size (default 300 and 2,000
//     containers, named dae-bench-dockerode-N and labelled docker-audit-bench=dockerode; created,
//     the first --running of them started), through
//       - raw: rawGet (a plain http.request over the socket) + JSON.parse of each body, the baseline;
//       - ours: EngineClient listContainers() + inspectContainer(id);
//       - dockerode: docker.listContainers({ all: true }) + docker.getContainer(id).inspect(), as
//         its README constructs it (`new Docker({ socketPath })`, plus the same /v1.xx paths and a
//         30 s timeout), so over Node's global agent (keep-alive since Node 19);
//       - dockerode given its own keep-alive agent (the `agent` option, 12 sockets as ours), what
//         one would do to bound its connections: docker-modem then pays for
//         `util.inspect(options, { showHidden: true, depth: null })`, the argument of a debug()
//         call that is evaluated whether DEBUG is set or not, on every request, agent and its
//         sockets included (--agent-variant=0 leaves this one out);
//     each with a fresh client (raw and ours a fresh keep-alive agent of 12 sockets), one call
//     made before the timing (ours negotiates the API version with it), a gc before each;
//     interleaved over --reps repetitions
//     after a warm-up round, the order rotating; this process's CPU (process.cpuUsage, user +
//     system) and wall time per sweep, and dockerd's CPU from /proc. Ratios are taken per
//     repetition (dockerode and ours measured next to each other), then their median.
//
// Usage: npm run bench:dockerode [-- --sizes=300,2000 --reps=7 --rss-procs=9 --concurrency=8
//        --running=10 --setup-concurrency=8 --agent-variant=1 --dockerode-dir=/tmp/dae-dockerode]; each flag also
//        reads BENCH_<NAME> (BENCH_SIZES…); the folder defaults to $DOCKERODE_DIR, else /tmp/dae-dockerode.
// Prints tables, then one JSON line. Every container it creates is removed at the end, on
// failure and on SIGINT/SIGTERM (and an earlier run's leftovers at the start).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { EngineClient, rawGet, resolveConnection, type EngineConnection } from '../src/readers/engine';
import { describeError } from '../src/base/log';
import { mapLimit } from '../src/base/concurrency';
import { benchCli, benchContainers, checkDocker, dockerCli, fmtKiB, fmtMiB, fmtMs, fmtWholeMs, keyValueTable, localDockerdPid, median, minOf, now, out, pad, procCpuMs, round, sleep } from './common';

// ---------------------------------------------------------------------------- options

const { option, intOption, listOption, usageError, note } = benchCli({
  name: 'bench:dockerode',
  flags: ['sizes', 'reps', 'rss-procs', 'concurrency', 'running', 'setup-concurrency', 'agent-variant', 'dockerode-dir'],
  env: true,
});

const SIZES = listOption('sizes', '300,2000', (n) => n >= 1 && n <= 5000, 'a container count from 1 to 5000');
const REPS = intOption('reps', 7, 1);
const RSS_PROCS = intOption('rss-procs', 9, 1);
const CONCURRENCY = intOption('concurrency', 8, 1);
const RUNNING = intOption('running', 10, 0);
const SETUP_CONCURRENCY = intOption('setup-concurrency', 8, 1);
const AGENT_VARIANT = intOption('agent-variant', 1, 0) !== 0;
const DOCKERODE_DIR = path.resolve(option('dockerode-dir', process.env.DOCKERODE_DIR || '/tmp/dae-dockerode'));

const IMAGE = process.env.DOCKER_AUDIT_TEST_IMAGE || 'docker-audit-test/busybox:local';
const LABEL = 'docker-audit-bench=dockerode';
const NAME_PREFIX = 'dae-bench-dockerode-';
const HOST = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
/** What the exporter's client is given here, as the brief of this comparison says. */
const TIMEOUT_MS = 30_000;
const MAX_SOCKETS = 12;

/** Our client as built next to this file (dist/bench/dockerode.js → dist/src/readers/engine.js). */
const OUR_CLIENT_JS = path.resolve(__dirname, '..', 'src', 'readers', 'engine.js');
const DOCKERODE_MAIN = path.join(DOCKERODE_DIR, 'node_modules', 'dockerode');

// ---------------------------------------------------------------------------- small helpers

/** A gc() even without --expose-gc, so a sweep is not charged for the garbage of the one before. */
const gc: () => void = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return () => undefined;
  }
})();

const fmtRatio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

/** Wraps a comma-separated list at `width` columns, each line indented by `indent`. */
function wrapList(items: readonly string[], width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line === '' ? item : `${line}, ${item}`;
    if (line !== '' && indent.length + next.length + 1 > width) {
      lines.push(`${line},`);
      line = item;
    } else {
      line = next;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

// ---------------------------------------------------------------------------- dockerode, loosely typed

interface DockerodeContainer {
  inspect(): Promise<unknown>;
}
interface Dockerode {
  ping(): Promise<unknown>;
  listContainers(options: { all: boolean }): Promise<{ Id: string }[]>;
  getContainer(id: string): DockerodeContainer;
}
type DockerodeConstructor = new (options: { socketPath: string; version?: string; timeout?: number; agent?: http.Agent }) => Dockerode;

function dockerodeVersion(): string | undefined {
  try {
    return String(readJson(path.join(DOCKERODE_MAIN, 'package.json')).version);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------- 1. packages

interface PackageInfo {
  name: string;
  version: string;
  /** Relative to DOCKERODE_DIR. */
  dir: string;
  /** Its own files, without nested node_modules. */
  bytes: number;
  diskBytes: number;
  files: number;
  installScripts: Record<string, string>;
  /** Native addons (.node files) built or shipped in it. */
  addons: string[];
  dependencies: string[];
  optionalDependencies: string[];
}

interface TreeSize {
  bytes: number;
  diskBytes: number;
  files: number;
}

/** Apparent size, blocks on disk and files under `dir`, skipping `skip` (a folder name) below it. */
function treeSize(dir: string, skip?: string): TreeSize {
  const total: TreeSize = { bytes: 0, diskBytes: 0, files: 0 };
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    total.diskBytes += st.blocks * 512;
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) if (!(skip && e === skip)) visit(path.join(p, e));
    } else {
      total.bytes += st.size;
      total.files++;
    }
  };
  visit(dir);
  return total;
}

function findAddons(dir: string): string[] {
  const found: string[] = [];
  const visit = (p: string) => {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const full = path.join(p, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'obj.target') visit(full);
      } else if (e.name.endsWith('.node')) {
        found.push(path.relative(dir, full));
      }
    }
  };
  visit(dir);
  return found;
}

/** Every package under `nodeModules`, nested ones too. */
function walkPackages(nodeModules: string, into: PackageInfo[] = []): PackageInfo[] {
  if (!fs.existsSync(nodeModules)) return into;
  const dirs: string[] = [];
  for (const e of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    if (e.name.startsWith('@')) {
      for (const s of fs.readdirSync(path.join(nodeModules, e.name), { withFileTypes: true })) if (s.isDirectory()) dirs.push(path.join(nodeModules, e.name, s.name));
    } else {
      dirs.push(path.join(nodeModules, e.name));
    }
  }
  for (const dir of dirs) {
    const manifest = path.join(dir, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const pkg = readJson(manifest);
    const scripts = (pkg.scripts ?? {}) as Record<string, string>;
    const installScripts: Record<string, string> = {};
    for (const s of ['preinstall', 'install', 'postinstall']) if (scripts[s]) installScripts[s] = scripts[s];
    // npm's default: a binding.gyp at the top and no (pre)install script means `node-gyp rebuild`.
    if (!installScripts.install && !installScripts.preinstall && pkg.gypfile !== false && fs.existsSync(path.join(dir, 'binding.gyp'))) {
      installScripts.install = 'node-gyp rebuild (implicit: binding.gyp)';
    }
    const size = treeSize(dir, 'node_modules');
    into.push({
      name: String(pkg.name),
      version: String(pkg.version),
      dir: path.relative(DOCKERODE_DIR, dir),
      ...size,
      installScripts,
      addons: findAddons(dir),
      dependencies: Object.keys((pkg.dependencies ?? {}) as object),
      optionalDependencies: Object.keys((pkg.optionalDependencies ?? {}) as object),
    });
    walkPackages(path.join(dir, 'node_modules'), into);
  }
  return into;
}

interface ScriptRun {
  pkg: string;
  event: string;
  code: number;
}

interface PackagesReport {
  packages: PackageInfo[];
  transitive: PackageInfo[];
  direct: string[];
  total: TreeSize;
  installSeconds: number;
  scriptRuns: ScriptRun[];
  /** From the npm log: package tarballs taken from npm's cache, and requests to the registry. */
  tarballsFromCache: number;
  registryRequests: number;
  compiledBytes: number;
}

function packagesReport(): PackagesReport {
  const packages = walkPackages(path.join(DOCKERODE_DIR, 'node_modules')).sort((a, b) => a.name.localeCompare(b.name) || a.dir.localeCompare(b.dir));
  const self = packages.find((p) => p.dir === path.join('node_modules', 'dockerode'));
  const total = treeSize(path.join(DOCKERODE_DIR, 'node_modules'));
  let installSeconds = NaN;
  try {
    installSeconds = Number(fs.readFileSync(path.join(DOCKERODE_DIR, '.installed'), 'utf8').trim().split(' ')[2]);
  } catch {
    // installed by hand: no record
  }
  const scriptRuns: ScriptRun[] = [];
  let tarballsFromCache = 0;
  let registryRequests = 0;
  try {
    for (const line of fs.readFileSync(path.join(DOCKERODE_DIR, 'npm-install.log'), 'utf8').split('\n')) {
      const m = /^npm info run (\S+) (\S+) \{ code: (-?\d+)/.exec(line);
      if (m) scriptRuns.push({ pkg: m[1], event: m[2], code: Number(m[3]) });
      if (/^npm http cache .*\(cache hit\)/.test(line)) tarballsFromCache++;
      if (/^npm http fetch /.test(line)) registryRequests++;
    }
  } catch {
    // no log
  }
  // What node-gyp built: the build/ folders of the packages with an addon.
  let compiledBytes = 0;
  for (const p of packages) {
    for (const a of p.addons) {
      const buildDir = a.split(path.sep).slice(0, a.split(path.sep).indexOf('build') + 1).join(path.sep);
      if (buildDir) compiledBytes += treeSize(path.join(DOCKERODE_DIR, p.dir, buildDir)).diskBytes;
    }
  }
  return { packages, transitive: packages.filter((p) => p !== self), direct: self ? [...self.dependencies, ...self.optionalDependencies] : [], total, installSeconds, scriptRuns, tarballsFromCache, registryRequests, compiledBytes };
}

/** Who depends on `name` in the tree. */
const dependents = (r: PackagesReport, name: string): string[] =>
  [...new Set(r.packages.filter((p) => p.dependencies.includes(name) || p.optionalDependencies.includes(name)).map((p) => (p.optionalDependencies.includes(name) ? `${p.name} (optional)` : p.name)))];

// ---------------------------------------------------------------------------- 2. require in a fresh process

/** Run by `node --expose-gc -e`: requires argv[1..] and prints what that added, as JSON. */
const CHILD = `
const collect = globalThis.gc;
collect(); collect();
const m0 = process.memoryUsage();
const c0 = new Set(Object.keys(require.cache));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (const m of process.argv.slice(1)) require(m);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const rssNoGc = process.memoryUsage().rss;
collect(); collect();
const m1 = process.memoryUsage();
const files = Object.keys(require.cache).filter((f) => !c0.has(f));
const pkgs = new Set();
for (const f of files) { const m = /.*node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f); if (m) pkgs.add(m[1]); }
process.stdout.write(JSON.stringify({ rssBefore: m0.rss, rss: m1.rss - m0.rss, rssNoGc: rssNoGc - m0.rss, heapUsed: m1.heapUsed - m0.heapUsed,
  external: m1.external - m0.external, ms, cpuMs: (cpu.user + cpu.system) / 1000, files: files.length,
  addons: files.filter((f) => f.endsWith('.node')).map((f) => f.split('/').pop()), packages: pkgs.size }));
`;

interface RequireSample {
  rssBefore: number;
  rss: number;
  rssNoGc: number;
  heapUsed: number;
  external: number;
  ms: number;
  cpuMs: number;
  files: number;
  addons: string[];
  packages: number;
}

interface RequireTarget {
  key: string;
  label: string;
  modules: string[];
  samples: RequireSample[];
}

function requireOnce(modules: readonly string[]): RequireSample {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', CHILD, ...modules], { encoding: 'utf8', timeout: 60_000, cwd: os.tmpdir() });
  if (r.status !== 0) throw new Error(`node -e require(${modules.join(', ')}) failed (status ${r.status}): ${(r.stderr || r.error?.message || '').trim().slice(0, 500)}`);
  return JSON.parse(r.stdout) as RequireSample;
}

function requireCosts(version: string): RequireTarget[] {
  const targets: RequireTarget[] = [
    { key: 'nothing', label: 'nothing (the noise floor)', modules: [], samples: [] },
    { key: 'node_builtins', label: "Node's http, https, fs, os, path", modules: ['node:http', 'node:https', 'node:fs', 'node:os', 'node:path'], samples: [] },
    { key: 'ours', label: 'our client (dist/src/readers/engine.js)', modules: [OUR_CLIENT_JS], samples: [] },
    { key: 'dockerode', label: `dockerode ${version}`, modules: [DOCKERODE_MAIN], samples: [] },
  ];
  for (const t of targets) requireOnce(t.modules); // warm the page cache, so the first timed process reads no disk
  for (let i = 0; i < RSS_PROCS; i++) {
    // Rotate the order, as the sweeps do.
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(k + i) % targets.length];
      t.samples.push(requireOnce(t.modules));
    }
  }
  return targets;
}

// ---------------------------------------------------------------------------- 3. sweeps

const dockerdPid = ['unix:///var/run/docker.sock', 'unix:///run/docker.sock'].includes(HOST) ? localDockerdPid() : undefined;
const dockerdCpuMs = (): number => (dockerdPid === undefined ? NaN : procCpuMs(dockerdPid));

const { around: withBenchContainers, ensure: ensureBenchContainers } = benchContainers(LABEL, note);

/** `docker create`/`run` commands in flight, and whether a signal asked to stop starting more. */
let creating = 0;
let stopping = false;

/**
 * On SIGINT/SIGTERM, before the helper removes the bench's containers (synchronously): start no
 * more, and give those being created a few seconds to exist, so that the removal sees them.
 */
function stopCreating(): void {
  stopping = true;
  if (creating > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
}

/** Makes dae-bench-dockerode-0..n-1 exist (the first RUNNING running `sleep 3600`, the rest created), and no others. */
async function ensureContainers(n: number): Promise<{ seconds: number; created: number; removed: number }> {
  return ensureBenchContainers(
    NAME_PREFIX,
    n,
    async (i) => {
      if (stopping) return;
      const args = ['--name', `${NAME_PREFIX}${i}`, '--label', LABEL, '--network', 'none', IMAGE, 'sleep', '3600'];
      creating++;
      try {
        await dockerCli(i < RUNNING ? ['run', '-d', ...args] : ['create', ...args]);
      } finally {
        creating--;
      }
    },
    { concurrency: SETUP_CONCURRENCY, every: 100 },
  );
}

interface Sweep {
  ms: number;
  cpuMs: number;
  dockerdMs: number;
  containers: number;
  inspected: number;
  bytes: number;
}

type ClientKey = 'raw' | 'ours' | 'dockerode' | 'dockerodeAgent';
const CLIENTS: readonly ClientKey[] = AGENT_VARIANT ? ['raw', 'ours', 'dockerode', 'dockerodeAgent'] : ['raw', 'ours', 'dockerode'];

/** Times `body` (which returns the containers listed, inspected, and bytes when known). */
async function timed(body: () => Promise<{ containers: number; inspected: number; bytes: number }>): Promise<Sweep> {
  gc();
  const cpu0 = process.cpuUsage();
  const d0 = dockerdCpuMs();
  const t0 = now();
  const r = await body();
  const ms = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, dockerdMs: dockerdCpuMs() - d0, ...r };
}

const freshAgent = (): http.Agent => new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });

async function rawSweep(conn: EngineConnection, api: string): Promise<Sweep> {
  const agent = freshAgent();
  try {
    const ping = await rawGet(conn, '/_ping', undefined, agent);
    if (ping.status !== 200) throw new Error(`raw /_ping: HTTP ${ping.status}`);
    return await timed(async () => {
      const list = await rawGet(conn, `/v${api}/containers/json?all=1`, undefined, agent);
      if (list.status !== 200) throw new Error(`raw list: HTTP ${list.status} ${list.body.slice(0, 200)}`);
      const items = JSON.parse(list.body) as { Id: string }[];
      let inspected = 0;
      let bytes = 0;
      await mapLimit(items, CONCURRENCY, async (c) => {
        const res = await rawGet(conn, `/v${api}/containers/${c.Id}/json`, undefined, agent);
        if (res.status === 404) return; // removed since the list (not one of ours)
        if (res.status !== 200) throw new Error(`raw inspect ${c.Id.slice(0, 12)}: HTTP ${res.status}`);
        JSON.parse(res.body);
        bytes += res.body.length; // ASCII JSON: characters = bytes
        inspected++;
      });
      return { containers: items.length, inspected, bytes };
    });
  } finally {
    agent.destroy();
  }
}

async function oursSweep(conn: EngineConnection): Promise<Sweep> {
  const engine = new EngineClient(conn, { timeoutMs: TIMEOUT_MS, maxSockets: MAX_SOCKETS });
  try {
    await engine.ping(); // negotiation outside the timing
    return await timed(async () => {
      const list = await engine.listContainers();
      let inspected = 0;
      await mapLimit(list, CONCURRENCY, async (c) => {
        if (await engine.inspectContainer(c.Id)) inspected++;
      });
      return { containers: list.length, inspected, bytes: NaN };
    });
  } finally {
    engine.close();
  }
}

async function dockerodeSweep(Docker: DockerodeConstructor, socketPath: string, api: string, ownAgent: boolean): Promise<Sweep> {
  const agent = ownAgent ? freshAgent() : undefined;
  const docker = new Docker({ socketPath, version: `v${api}`, timeout: TIMEOUT_MS, ...(agent ? { agent } : {}) });
  try {
    await docker.ping(); // the first connection outside the timing, as for the others
    return await timed(async () => {
      const list = await docker.listContainers({ all: true });
      let inspected = 0;
      await mapLimit(list, CONCURRENCY, async (c) => {
        try {
          if (await docker.getContainer(c.Id).inspect()) inspected++;
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode !== 404) throw err; // 404: removed since the list
        }
      });
      return { containers: list.length, inspected, bytes: NaN };
    });
  } finally {
    agent?.destroy();
  }
}

interface Scenario {
  size: number;
  setupSeconds: number;
  created: number;
  containersOnHost: number;
  inspectBytes: number;
  loadStart: number[];
  loadEnd: number[];
  sweeps: Record<ClientKey, Sweep[]>;
}

async function runScenario(size: number, conn: EngineConnection & { kind: 'unix' }, api: string, Docker: DockerodeConstructor): Promise<Scenario> {
  note(`${size} containers: setting up`);
  const setup = await ensureContainers(size);
  // Creating containers leaves containerd and dockerd busy for a while; let that pass.
  const settleSeconds = Math.min(15, 2 + Math.ceil(setup.created / 30));
  note(`${size} containers: ${setup.created} created, ${setup.removed} removed in ${setup.seconds.toFixed(1)} s; settling ${settleSeconds} s`);
  await sleep(settleSeconds * 1000);
  const loadStart = os.loadavg();
  const run: Record<ClientKey, () => Promise<Sweep>> = {
    raw: () => rawSweep(conn, api),
    ours: () => oursSweep(conn),
    dockerode: () => dockerodeSweep(Docker, conn.socketPath, api, false),
    dockerodeAgent: () => dockerodeSweep(Docker, conn.socketPath, api, true),
  };
  const sweeps: Record<ClientKey, Sweep[]> = { raw: [], ours: [], dockerode: [], dockerodeAgent: [] };
  note(`${size} containers: warm-up round`);
  for (const c of CLIENTS) await run[c]();
  let containersOnHost = 0;
  let inspectBytes = 0;
  for (let rep = 0; rep < REPS; rep++) {
    note(`${size} containers: repetition ${rep + 1}/${REPS}`);
    for (let k = 0; k < CLIENTS.length; k++) {
      const c = CLIENTS[(k + rep) % CLIENTS.length];
      const s = await run[c]();
      if (s.inspected !== s.containers) note(`  ${c}: ${s.containers} listed but ${s.inspected} inspected: ${s.containers - s.inspected} removed meanwhile (not the bench's)`);
      if (c === 'raw') {
        containersOnHost = s.containers;
        inspectBytes = s.bytes;
      }
      sweeps[c].push(s);
    }
  }
  return { size, setupSeconds: setup.seconds, created: setup.created, containersOnHost, inspectBytes, loadStart, loadEnd: os.loadavg(), sweeps };
}

// ---------------------------------------------------------------------------- report

/** Per repetition a/b (measured next to each other), then the median. */
function pairedRatio(a: Sweep[], b: Sweep[], field: 'ms' | 'cpuMs'): number {
  return median(a.map((x, i) => x[field] / b[i][field]));
}

function summarize(s: Sweep[]) {
  const ms = s.map((x) => x.ms);
  const cpu = s.map((x) => x.cpuMs);
  const containers = s[0]?.containers ?? NaN;
  return {
    ms: median(ms),
    msMin: minOf(ms),
    cpuMs: median(cpu),
    cpuMsMin: minOf(cpu),
    cpuUsPerContainer: (median(cpu) * 1000) / (containers + 1), // + 1: the list
    dockerdMs: s.reduce((a, x) => a + x.dockerdMs, 0) / s.length,
  };
}

function printScenario(r: Scenario, version: string): Record<string, unknown> {
  const running = Math.min(RUNNING, r.size);
  out();
  out(`== ${r.size} bench containers (${running} running, ${r.size - running} created) — ${r.containersOnHost} listed on the host; setup ${r.setupSeconds.toFixed(1)} s for ${r.created} new ==`);
  if (r.containersOnHost !== r.size) out(`   WARNING: ${r.containersOnHost - r.size} containers on the host are not the benchmark's: every client inspects them too`);
  out(`   load average at start/end: ${r.loadStart.map((x) => x.toFixed(2)).join(' ')} / ${r.loadEnd.map((x) => x.toFixed(2)).join(' ')}`);
  out(`   per sweep: 1 list + ${r.containersOnHost} inspects, ${CONCURRENCY} in flight; ${REPS} interleaved repetitions after a warm-up round; inspect JSON ${fmtKiB(r.inspectBytes / Math.max(1, r.containersOnHost))} per container`);
  const names: Record<ClientKey, string> = {
    raw: 'raw: http.request + JSON.parse (baseline)',
    ours: 'ours: EngineClient list + inspectContainer',
    dockerode: `dockerode ${version}: listContainers + inspect`,
    dockerodeAgent: `dockerode ${version} with an agent option`,
  };
  const W = 50;
  out(`${pad('sweep', W)}${pad('wall med', 10, true)}${pad('wall min', 10, true)}${pad('CPU med', 10, true)}${pad('CPU min', 10, true)}${pad('CPU/call', 10, true)}${pad('dockerd', 10, true)}`);
  const sum = Object.fromEntries(CLIENTS.map((c) => [c, summarize(r.sweeps[c])])) as Record<ClientKey, ReturnType<typeof summarize>>;
  for (const c of CLIENTS) {
    const s = sum[c];
    out(`${pad(names[c], W)}${pad(fmtMs(s.ms), 10, true)}${pad(fmtMs(s.msMin), 10, true)}${pad(fmtMs(s.cpuMs), 10, true)}${pad(fmtMs(s.cpuMsMin), 10, true)}${pad(`${s.cpuUsPerContainer.toFixed(0)} µs`, 10, true)}${pad(fmtWholeMs(s.dockerdMs), 10, true)}`);
  }
  const ratios = {
    dockerode_over_ours: { cpu: pairedRatio(r.sweeps.dockerode, r.sweeps.ours, 'cpuMs'), wall: pairedRatio(r.sweeps.dockerode, r.sweeps.ours, 'ms') },
    ours_over_raw: { cpu: pairedRatio(r.sweeps.ours, r.sweeps.raw, 'cpuMs'), wall: pairedRatio(r.sweeps.ours, r.sweeps.raw, 'ms') },
    dockerode_over_raw: { cpu: pairedRatio(r.sweeps.dockerode, r.sweeps.raw, 'cpuMs'), wall: pairedRatio(r.sweeps.dockerode, r.sweeps.raw, 'ms') },
  };
  const ofMedians = { cpu: sum.dockerode.cpuMs / sum.ours.cpuMs, wall: sum.dockerode.ms / sum.ours.ms };
  out(`${pad('dockerode / ours (median of per-repetition ratios)', W)}${pad(fmtRatio(ratios.dockerode_over_ours.wall), 10, true)}${pad('', 10)}${pad(fmtRatio(ratios.dockerode_over_ours.cpu), 10, true)}`);
  out(`${pad('dockerode / ours (ratio of the medians)', W)}${pad(fmtRatio(ofMedians.wall), 10, true)}${pad('', 10)}${pad(fmtRatio(ofMedians.cpu), 10, true)}`);
  if (AGENT_VARIANT) {
    const a = { cpu: pairedRatio(r.sweeps.dockerodeAgent, r.sweeps.ours, 'cpuMs'), wall: pairedRatio(r.sweeps.dockerodeAgent, r.sweeps.ours, 'ms') };
    out(`${pad('dockerode with an agent option / ours (per rep.)', W)}${pad(fmtRatio(a.wall), 10, true)}${pad('', 10)}${pad(fmtRatio(a.cpu), 10, true)}`);
  }
  out(`${pad('ours / raw, dockerode / raw (per repetition)', W)}${pad(`${fmtRatio(ratios.ours_over_raw.wall)}`, 10, true)}${pad(fmtRatio(ratios.dockerode_over_raw.wall), 10, true)}${pad(fmtRatio(ratios.ours_over_raw.cpu), 10, true)}${pad(fmtRatio(ratios.dockerode_over_raw.cpu), 10, true)}`);
  out(`   (CPU: this process, user + system, median per sweep; CPU/call: per HTTP call; dockerd: its CPU from /proc, mean per sweep, clock ticks)`);
  if (AGENT_VARIANT) out(`   (with an agent option, docker-modem util.inspect()s the agent and its sockets for a debug() argument on every request, DEBUG set or not)`);
  out(`   per repetition, CPU ms ours/dockerode: ${r.sweeps.ours.map((x, i) => `${x.cpuMs.toFixed(0)}/${r.sweeps.dockerode[i].cpuMs.toFixed(0)}`).join(' ')}`);

  const stats = (c: ClientKey) => {
    const s = sum[c];
    return {
      wall_ms_median: round(s.ms, 2), wall_ms_min: round(s.msMin, 2), cpu_ms_median: round(s.cpuMs, 2), cpu_ms_min: round(s.cpuMsMin, 2),
      cpu_us_per_call: round(s.cpuUsPerContainer, 1), dockerd_cpu_ms_mean: round(s.dockerdMs, 1),
      cpu_ms: r.sweeps[c].map((x) => round(x.cpuMs, 2)), wall_ms: r.sweeps[c].map((x) => round(x.ms, 2)),
    };
  };
  const rr = (x: { cpu: number; wall: number }) => ({ cpu: round(x.cpu, 3), wall: round(x.wall, 3) });
  return {
    size: r.size,
    running,
    containers_on_host: r.containersOnHost,
    setup_seconds: round(r.setupSeconds, 1),
    inspect_bytes_per_container: round(r.inspectBytes / Math.max(1, r.containersOnHost), 0),
    load_average_start: r.loadStart.map((x) => round(x, 2)),
    load_average_end: r.loadEnd.map((x) => round(x, 2)),
    raw: stats('raw'),
    ours: stats('ours'),
    dockerode: stats('dockerode'),
    dockerode_agent_option: AGENT_VARIANT ? stats('dockerodeAgent') : null,
    ratios: {
      dockerode_over_ours: rr(ratios.dockerode_over_ours),
      dockerode_over_ours_of_medians: rr(ofMedians),
      ours_over_raw: rr(ratios.ours_over_raw),
      dockerode_over_raw: rr(ratios.dockerode_over_raw),
      dockerode_agent_option_over_ours: AGENT_VARIANT
        ? rr({ cpu: pairedRatio(r.sweeps.dockerodeAgent, r.sweeps.ours, 'cpuMs'), wall: pairedRatio(r.sweeps.dockerodeAgent, r.sweeps.ours, 'ms') })
        : null,
    },
  };
}

function printPackages(r: PackagesReport, version: string): Record<string, unknown> {
  out();
  out(`== what dockerode ${version} installs (${DOCKERODE_DIR}, by scripts/fetch-dockerode.sh) ==`);
  const unique = new Set(r.transitive.map((p) => `${p.name}@${p.version}`));
  const withScripts = r.packages.filter((p) => Object.keys(p.installScripts).length > 0);
  const addons = r.packages.flatMap((p) => p.addons.map((a) => `${p.name}/${a}`));
  out(
    keyValueTable([
      ['packages', `${r.packages.length} in node_modules: dockerode and ${r.transitive.length} transitive (${unique.size} distinct name@version), from ${r.direct.length} direct dependencies (${r.direct.join(', ')})`],
      ['size on disk', `${fmtMiB(r.total.diskBytes)} in blocks (du), ${fmtMiB(r.total.bytes)} apparent, ${r.total.files} files; of which ${fmtMiB(r.compiledBytes)} native build output`],
      ['npm install', Number.isFinite(r.installSeconds) ? `${r.installSeconds.toFixed(1)} s, native builds included (${r.registryRequests} registry requests; ${r.tarballsFromCache} tarballs from npm's cache)` : 'n/a (no .installed record)'],
      ['install scripts', `${withScripts.length} packages: ${withScripts.map((p) => `${p.name}@${p.version}`).join(', ') || 'none'}`],
      ['native addons built', addons.length ? addons.join(', ') : 'none'],
      ['our client', "0 packages: node:http, node:https, node:fs, node:os, node:path only"],
    ]),
  );
  for (const p of withScripts) {
    const runs = r.scriptRuns.filter((s) => s.pkg === `${p.name}@${p.version}`);
    out(`  ${p.name}@${p.version} (needed by ${dependents(r, p.name).join(', ') || '?'}):`);
    for (const [event, cmd] of Object.entries(p.installScripts)) {
      const run = runs.find((s) => s.event === event);
      out(`    ${event}: ${cmd}  → ${run ? `ran, exit code ${run.code}` : 'no run in the npm log'}`);
    }
    if (p.addons.length) out(`    built: ${p.addons.join(', ')}`);
  }
  out(`  largest: ${[...r.packages].sort((a, b) => b.diskBytes - a.diskBytes).slice(0, 8).map((p) => `${p.name} ${fmtMiB(p.diskBytes)}`).join(', ')}`);
  out(`  all ${r.transitive.length} transitive packages:`);
  out(wrapList(r.transitive.map((p) => `${p.name}@${p.version}`), 110, '    '));
  return {
    packages: r.packages.length,
    transitive_packages: r.transitive.length,
    distinct_transitive: unique.size,
    direct_dependencies: r.direct,
    disk_bytes: r.total.diskBytes,
    apparent_bytes: r.total.bytes,
    files: r.total.files,
    native_build_disk_bytes: r.compiledBytes,
    install_seconds: round(r.installSeconds, 1),
    install_registry_requests: r.registryRequests,
    install_tarballs_from_cache: r.tarballsFromCache,
    install_scripts: withScripts.map((p) => ({
      package: `${p.name}@${p.version}`,
      scripts: p.installScripts,
      ran: r.scriptRuns.filter((s) => s.pkg === `${p.name}@${p.version}`).map((s) => ({ event: s.event, code: s.code })),
      addons: p.addons,
      needed_by: dependents(r, p.name),
    })),
    list: r.transitive.map((p) => `${p.name}@${p.version}`),
  };
}

function printRequire(targets: RequireTarget[]): Record<string, unknown> {
  out();
  out(`== RSS added by require() in a fresh node process (${RSS_PROCS} processes each, interleaved; medians; after gc) ==`);
  const W = 42;
  out(`${pad('required', W)}${pad('RSS', 10, true)}${pad('no gc', 10, true)}${pad('heapUsed', 10, true)}${pad('time', 10, true)}${pad('CPU', 10, true)}${pad('files', 7, true)}${pad('pkgs', 6, true)}  native addons`);
  const med = (t: RequireTarget, f: (s: RequireSample) => number) => median(t.samples.map(f));
  for (const t of targets) {
    const addons = [...new Set(t.samples.flatMap((s) => s.addons))];
    out(
      `${pad(t.label, W)}${pad(fmtMiB(med(t, (s) => s.rss)), 10, true)}${pad(fmtMiB(med(t, (s) => s.rssNoGc)), 10, true)}${pad(fmtMiB(med(t, (s) => s.heapUsed)), 10, true)}` +
        `${pad(fmtMs(med(t, (s) => s.ms)), 10, true)}${pad(fmtMs(med(t, (s) => s.cpuMs)), 10, true)}${pad(String(med(t, (s) => s.files)), 7, true)}${pad(String(med(t, (s) => s.packages)), 6, true)}  ${addons.join(', ') || '-'}`,
    );
  }
  const byKey = Object.fromEntries(targets.map((t) => [t.key, t]));
  const dRss = med(byKey.dockerode, (s) => s.rss);
  const oRss = med(byKey.ours, (s) => s.rss);
  out(`   RSS before requiring: median ${fmtMiB(median(targets.flatMap((t) => t.samples.map((s) => s.rssBefore))))}; dockerode adds ${fmtMiB(dRss - oRss)} more than ours (${fmtRatio(dRss / oRss)})`);
  out(`   (RSS: after − before the require, both after gc; "no gc": right after the require; time and CPU of the require itself)`);
  return Object.fromEntries(
    targets.map((t) => [
      t.key,
      {
        modules: t.key === 'ours' ? ['dist/src/readers/engine.js'] : t.key === 'dockerode' ? ['dockerode'] : t.modules,
        rss_bytes_median: med(t, (s) => s.rss),
        rss_no_gc_bytes_median: med(t, (s) => s.rssNoGc),
        heap_used_bytes_median: med(t, (s) => s.heapUsed),
        require_ms_median: round(med(t, (s) => s.ms), 2),
        require_cpu_ms_median: round(med(t, (s) => s.cpuMs), 2),
        files_loaded: med(t, (s) => s.files),
        packages_loaded: med(t, (s) => s.packages),
        native_addons_loaded: [...new Set(t.samples.flatMap((s) => s.addons))],
        rss_bytes: t.samples.map((s) => s.rss),
      },
    ]),
  );
}

function printSummary(version: string, req: RequireTarget[], scenarios: Record<string, unknown>[], pkgs: PackagesReport): void {
  type T = { cpu_ms_median: number; wall_ms_median: number };
  type R = { cpu: number; wall: number };
  type S = { size: number; ours: T; dockerode: T; raw: T; dockerode_agent_option: T | null; ratios: { dockerode_over_ours: R; dockerode_agent_option_over_ours: R | null } };
  const ss = scenarios as unknown as S[];
  const rss = (key: string) => median(req.find((t) => t.key === key)!.samples.map((s) => s.rss));
  out();
  out(`== summary: dockerode ${version} against our client, one run ==`);
  const rows: [string, string][] = [
    ['RSS added by require()', `ours ${fmtMiB(rss('ours'))}, dockerode ${fmtMiB(rss('dockerode'))} (Node's http/https alone ${fmtMiB(rss('node_builtins'))}, nothing ${fmtMiB(rss('nothing'))})`],
  ];
  for (const s of ss) {
    rows.push([
      `sweep of ${s.size} containers`,
      `CPU ours ${fmtMs(s.ours.cpu_ms_median)}, dockerode ${fmtMs(s.dockerode.cpu_ms_median)} (${fmtRatio(s.ratios.dockerode_over_ours.cpu)}); ` +
        `wall ours ${fmtMs(s.ours.wall_ms_median)}, dockerode ${fmtMs(s.dockerode.wall_ms_median)} (${fmtRatio(s.ratios.dockerode_over_ours.wall)}); raw ${fmtMs(s.raw.cpu_ms_median)} CPU, ${fmtMs(s.raw.wall_ms_median)} wall`,
    ]);
    if (s.dockerode_agent_option && s.ratios.dockerode_agent_option_over_ours) {
      rows.push([
        '  dockerode, agent option',
        `CPU ${fmtMs(s.dockerode_agent_option.cpu_ms_median)} (${fmtRatio(s.ratios.dockerode_agent_option_over_ours.cpu)} ours), wall ${fmtMs(s.dockerode_agent_option.wall_ms_median)} (${fmtRatio(s.ratios.dockerode_agent_option_over_ours.wall)})`,
      ]);
    }
  }
  const scripts = pkgs.packages.filter((p) => Object.keys(p.installScripts).length > 0);
  rows.push(['packages', `dockerode pulls in ${pkgs.transitive.length} (${fmtMiB(pkgs.total.diskBytes)} on disk), ${scripts.length} with install scripts (${scripts.map((p) => p.name).join(', ')}); ours: none`]);
  out(keyValueTable(rows));
}

// ---------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const version =
    dockerodeVersion() ?? usageError(`dockerode is not installed in ${DOCKERODE_DIR}: run scripts/fetch-dockerode.sh (DOCKERODE_DIR=${DOCKERODE_DIR}) first; it needs the npm registry`);
  if (!fs.existsSync(OUR_CLIENT_JS)) throw new Error(`${OUR_CLIENT_JS} is missing: build first (npx tsc -p tsconfig.json)`);
  const conn = resolveConnection({ host: HOST, tlsVerify: false, certPath: '' });
  if (conn.kind !== 'unix') usageError(`DOCKER_HOST=${HOST}: this bench talks to a local unix socket only`);
  const unixConn = conn as EngineConnection & { kind: 'unix' };
  const serverVersion = checkDocker(IMAGE);
  const probe = new EngineClient(conn, { timeoutMs: TIMEOUT_MS, maxSockets: MAX_SOCKETS });
  const { apiVersion, negotiatedVersion } = await probe.ping();
  probe.close();

  out(`docker-audit-exporter: its Engine API client against dockerode ${version}`);
  out(
    `engine ${serverVersion} at ${HOST}, API ${apiVersion} (paths /v${negotiatedVersion}/… for both clients); node ${process.version}; ${os.cpus().length} CPUs, ` +
      `${fmtMiB(os.totalmem())} RAM; sizes ${SIZES.join(',')}; reps ${REPS}; ${RSS_PROCS} fresh processes per require; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );

  const pkgs = packagesReport();
  const pkgJson = printPackages(pkgs, version);

  note(`require() in fresh processes: ${RSS_PROCS} × 4`);
  const req = requireCosts(version);
  const reqJson = printRequire(req);

  const Docker = require(DOCKERODE_MAIN) as DockerodeConstructor;
  const scenarios: Record<string, unknown>[] = [];
  await withBenchContainers(
    async () => {
      for (const size of SIZES) scenarios.push(printScenario(await runScenario(size, unixConn, negotiatedVersion, Docker), version));
    },
    { doing: 'letting the containers being created finish, then removing the benchmark containers', stop: stopCreating },
  );
  printSummary(version, req, scenarios, pkgs);
  out();
  out(
    JSON.stringify({
      bench: 'dockerode',
      dockerode: version,
      engine: serverVersion,
      api_version: negotiatedVersion,
      node: process.version,
      cpus: os.cpus().length,
      reps: REPS,
      concurrency: CONCURRENCY,
      rss_procs: RSS_PROCS,
      packages: pkgJson,
      require: reqJson,
      scenarios,
    }),
  );
}

main().catch((err) => {
  process.stderr.write(`bench:dockerode: ${describeError(err)}\n`);
  process.exitCode = 1;
});
