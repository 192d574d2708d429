// Benchmark of the auditlog collector against aureport and ausearch, on a big log built
// from real records that auditd wrote on this host.
//
//  1. Records: a watch with key "docker" and one with key "dae_al_bench_other" on a /tmp
//     folder, a few hundred watched actions (create, write, chmod, rename, unlink, exec),
//     then those events (ausearch --raw) and the rest of the current audit.log (other
//     engineers' keys, key=(null) events), grouped by serial. The rules are removed again.
//  2. A log of --size-mb (default 200) MB and one of a quarter of that in --dir (default a
//     temporary folder under /tmp), the events replayed with fresh serials and timestamps.
//  3. Measured in the same run, side by side, --rounds times (default 2) in turn, each in a
//     fresh child process so that time and peak RSS are its own: the collector's ingestion
//     (its own code path: tailer, scanner, event assembly, counters; --audit.start=beginning)
//     in --once mode, and in server mode (collections back to back, each reading at most the
//     default --audit.max-bytes-per-collection, until the lag is 0); `aureport -k --summary
//     -if FILE`; a bare newline count over the file in 1 MiB chunks (the ceiling of any line
//     reader in Node); `ausearch -k docker -if FILE --raw` once. Per-key counts of both modes
//     compared with aureport's. With --baseline=DIR (a copy of dist/ built from an earlier
//     commit, with node_modules reachable from it), that build's collector is measured too,
//     in the same rounds, for before/after figures taken in the same conditions.
//  4. CPU and RSS of a fresh process following a log that another process grows at --rate events/s (default
//     2000) for --follow-seconds (default 20), collecting every --collect-ms (default 1000). With
//     --rotate-ms, the writer also rotates the log that often the way auditd does (audit.log.N
//     renamed to .N+1, audit.log to .1, the oldest of --num-logs, default 5, deleted), and the
//     rotations and lost files the collector counted are compared with the real ones.
//
// Usage (as root): npm run bench:audit [-- --size-mb=260 --rounds=2 --baseline=DIR --dir=/tmp/x --rate=2000 --follow-seconds=20 --collect-ms=1000 --rotate-ms=0 --num-logs=5]
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CollectContext } from '../src/collectors/collector';
import { createAuditlogCollector } from '../src/collectors/auditlog';
import { silentLogger } from '../src/base/log';
import type { Sample } from '../src/metrics/sample';
import type { AuditRulesFacts } from '../src/facts/audit-rules';
import { PerCollection } from '../src/facts/per-collection';
import { testOptions } from '../test/helpers/options';
import { benchCli, keyValueTable, sleep } from './common';

const { option, numberOption, intOption } = benchCli({ name: 'bench:audit', flags: ['size-mb', 'dir', 'rate', 'follow-seconds', 'collect-ms', 'rotate-ms', 'num-logs', 'rounds', 'baseline'], env: false });
const MB = 1024 * 1024;

// ---------------------------------------------------------------- the collector, alone

function collectorFor(file: string, keys: string[], once: boolean, create: typeof createAuditlogCollector = createAuditlogCollector) {
  return create({
    options: testOptions([`--audit.log-path=${file}`, '--audit.start=beginning', `--audit.keys=${keys.join(',')}`, ...(once ? ['--once'] : [])]),
    logger: silentLogger,
    facts: { auditRules: new PerCollection<AuditRulesFacts>(() => Promise.reject(new Error('unused'))) },
  });
}

let collection = 0;
async function collect(collector: ReturnType<typeof collectorFor>): Promise<Sample[]> {
  const samples: Sample[] = [];
  const ctx: CollectContext = { signal: new AbortController().signal, emit: (s) => void samples.push(s), logger: silentLogger, now: Date.now, collection: ++collection };
  await collector.collect(ctx);
  return samples;
}

function perKey(samples: Sample[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const s of samples) if (s.family.name === 'docker_audit_log_events_total') totals[s.labels.key] = (totals[s.labels.key] ?? 0) + s.value;
  return totals;
}

/** Child mode: ingest one file with the collector (of this build, or of `dist`) and print the figures as JSON. */
async function ingestChild(mode: 'once' | 'server', file: string, keys: string[], dist: string | undefined): Promise<void> {
  const create = dist ? (require(path.resolve(dist, 'src/collectors/auditlog.js')) as { createAuditlogCollector: typeof createAuditlogCollector }).createAuditlogCollector : createAuditlogCollector;
  const collector = collectorFor(file, keys, mode === 'once', create);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let samples = await collect(collector);
  let collections = 1;
  // Server mode: collections back to back, as a server catching up with a backlog would run them.
  const lag = () => samples.find((s) => s.family.name === 'docker_audit_log_lag_bytes')?.value ?? 0;
  while (mode === 'server' && lag() > 0 && collections < 10_000) {
    samples = await collect(collector);
    collections++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await collector.close?.();
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssBytes: peakRss(), perKey: perKey(samples), collections }) + '\n');
}

/** Child mode: the ceiling: count the newlines of the file, read in 1 MiB chunks. */
function newlineChild(file: string): void {
  const started = process.hrtime.bigint();
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(MB);
  let lines = 0;
  for (let offset = 0; ; ) {
    const n = fs.readSync(fd, buf, 0, buf.length, offset);
    if (n === 0) break;
    offset += n;
    for (let nl = buf.indexOf(0x0a); nl !== -1 && nl < n; nl = buf.indexOf(0x0a, nl + 1)) lines++;
  }
  fs.closeSync(fd);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage();
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssBytes: peakRss(), lines }) + '\n');
}

/**
 * This process's peak RSS since its exec (VmHWM). Not getrusage's maxRSS: Linux carries
 * that over from the parent across fork and exec, so a child would report the bench's own.
 */
function peakRss(): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Number(kb) * 1024;
}

// ---------------------------------------------------------------- real records

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'latin1', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if ((err as { status?: number }).status === 1 && cmd === 'ausearch') return '';
    throw err;
  }
}

function groupEvents(raw: string): string[][] {
  const byId = new Map<string, string[]>();
  for (const line of raw.split('\n')) {
    const id = /^(?:node=\S* )?type=\S+ msg=audit\(([\d.:]+)\)/.exec(line)?.[1];
    if (id) byId.set(id, [...(byId.get(id) ?? []), line]);
  }
  return [...byId.values()];
}

async function recordRealEvents(work: string): Promise<string[][]> {
  const watched = path.join(work, 'watched');
  const other = path.join(work, 'other');
  fs.mkdirSync(watched);
  fs.mkdirSync(other);
  const rules = [
    ['-w', watched, '-p', 'wa', '-k', 'docker'],
    ['-w', other, '-p', 'wa', '-k', 'dae_al_bench_other'],
  ];
  const before = fs.statSync('/var/log/audit/audit.log').size;
  try {
    for (const rule of rules) execFileSync('auditctl', rule);
    for (let i = 0; i < 150; i++) {
      const f = path.join(watched, `f${i}`);
      fs.writeFileSync(f, 'x');
      if (i % 3 === 0) fs.chmodSync(f, 0o600);
      if (i % 5 === 0) fs.renameSync(f, f + '.moved');
      if (i % 7 === 0) fs.writeFileSync(path.join(other, `o${i}`), 'y');
    }
    execFileSync('sh', ['-c', `cd ${watched} && rm -f f1 f2 f3 && ls >/dev/null`]);
    await sleep(3000);
  } finally {
    for (const rule of rules) execFileSync('auditctl', ['-W', ...rule.slice(1)], { stdio: 'ignore' });
  }
  const mine = sh('ausearch', ['--input-logs', '-k', 'docker', '--raw']) + sh('ausearch', ['--input-logs', '-k', 'dae_al_bench_other', '--raw']);
  // What else auditd logged here: key=(null) events, other engineers' keys, CONFIG_CHANGE.
  const fd = fs.openSync('/var/log/audit/audit.log', 'r');
  const rest = Buffer.alloc(Math.min(before, 4 * MB));
  fs.readSync(fd, rest, 0, rest.length, before - rest.length);
  fs.closeSync(fd);
  const restText = rest.toString('latin1');
  return [...groupEvents(mine), ...groupEvents(restText.slice(restText.indexOf('\n') + 1))];
}

/** Writes events, cycling through the templates with fresh serials and times, up to `bytes`. */
function buildLog(file: string, templates: string[][], bytes: number): { events: number } {
  // Each line split around its msg=audit(...) header, so replaying is string concatenation.
  const split = templates.map((lines) => lines.map((l) => {
    const m = /msg=audit\([\d.:]+\)/.exec(l)!;
    return [l.slice(0, m.index + 'msg=audit('.length), l.slice(m.index + m[0].length - 1) + '\n'];
  }));
  const fd = fs.openSync(file, 'w');
  let written = 0;
  let events = 0;
  let ms = Date.now() - 86_400_000;
  let batch: string[] = [];
  let batchBytes = 0;
  while (written + batchBytes < bytes) {
    const event = split[events % split.length];
    const id = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}:${1_000_000 + events}`;
    for (const [head, tail] of event) {
      const line = head + id + tail;
      batch.push(line);
      batchBytes += line.length;
    }
    events++;
    ms += 1;
    if (batchBytes > 8 * MB) {
      written += fs.writeSync(fd, Buffer.from(batch.join(''), 'latin1'));
      batch = [];
      batchBytes = 0;
    }
  }
  written += fs.writeSync(fd, Buffer.from(batch.join(''), 'latin1'));
  fs.closeSync(fd);
  return { events };
}

// ---------------------------------------------------------------- the tools

function timed<T>(fn: () => T): { seconds: number; value: T } {
  const started = process.hrtime.bigint();
  const value = fn();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
}

/** `aureport -k --summary -if FILE`: its per-key counts, wall time, and CPU (the shell's `times` for its children). */
function aureport(file: string): { seconds: number; cpuSeconds: number; perKey: Record<string, number> } {
  const report = `${file}.aureport.txt`;
  const { seconds, value } = timed(() => sh('bash', ['-c', 'aureport --input-logs -k --summary -if "$1" > "$2"; times', 'bash', file, report]));
  const [user, sys] = [...(value.trim().split('\n').pop() ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  const totals: Record<string, number> = {};
  for (const m of fs.readFileSync(report, 'latin1').matchAll(/^(\d+)\s+(\S+)$/gm)) totals[m[2]] = Number(m[1]);
  fs.rmSync(report, { force: true });
  return { seconds, cpuSeconds: (user ?? 0) + (sys ?? 0), perKey: totals };
}

function ausearchDockerEvents(file: string): number {
  const raw = sh('ausearch', ['--input-logs', '-k', 'docker', '-if', file, '--raw']);
  const ids = new Set<string>();
  for (const m of raw.matchAll(/msg=audit\(([\d.:]+)\)/g)) ids.add(m[1]);
  return ids.size;
}

interface Ingestion {
  seconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
  perKey: Record<string, number>;
  collections: number;
}

function child<T>(args: string[]): T {
  const out = execFileSync(process.execPath, [__filename, ...args], { encoding: 'utf8', maxBuffer: 16 * MB });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

function ingest(mode: 'once' | 'server', file: string, keys: string[], dist?: string): Ingestion {
  return child<Ingestion>(['ingest', mode, file, keys.join(','), ...(dist ? [dist] : [])]);
}

// ---------------------------------------------------------------- following a growing log

interface FollowPlan {
  readonly rate: number;
  readonly seconds: number;
  readonly collectMs: number;
  /** 0: never rotated. */
  readonly rotateMs: number;
  readonly numLogs: number;
}
interface FollowResult {
  cpuPercent: number;
  events: number;
  counted: number;
  maxRssBytes: number;
  rotations: number;
  rotationsCounted: number;
  lostFilesCounted: number;
}

/** Runs followChild in a fresh process, so its CPU and RSS are the collector's alone. */
function follow(file: string, templates: string[][], plan: FollowPlan, keys: string[]): FollowResult {
  const templatesFile = file + '.templates.json';
  fs.writeFileSync(templatesFile, JSON.stringify(templates));
  const out = execFileSync(process.execPath, [__filename, 'follow', file, templatesFile, JSON.stringify(plan), keys.join(',')], { encoding: 'utf8', maxBuffer: 16 * MB, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function followChild(file: string, templatesFile: string, plan: FollowPlan, keys: string[]): Promise<void> {
  const { rate, seconds, collectMs, rotateMs, numLogs } = plan;
  fs.writeFileSync(file, '');
  // The writer: another process, so its CPU is not ours. Appends every 50 ms; rotates every
  // rotateMs as auditd does: closes the file, renames .N-1 to .N down to the file to .1 (the
  // rename onto .{numLogs-1} deletes the oldest), opens a new one.
  const writerCode = `
    const fs = require('fs');
    const file = ${JSON.stringify(file)};
    const t = JSON.parse(fs.readFileSync(${JSON.stringify(templatesFile)}, 'latin1'));
    let fd = fs.openSync(file, 'a');
    const perTick = ${rate} / 20; let n = 0; let rotations = 0; const end = Date.now() + ${seconds * 1000};
    const tick = () => {
      let out = '';
      const ms = Date.now();
      for (let i = 0; i < perTick; i++, n++) {
        const id = Math.floor(ms / 1000) + '.' + String(ms % 1000).padStart(3, '0') + ':' + (5000000 + n);
        for (const l of t[n % t.length]) out += l.replace(/msg=audit\\([\\d.:]+\\)/, 'msg=audit(' + id + ')') + '\\n';
      }
      fs.writeSync(fd, Buffer.from(out, 'latin1'));
      if (Date.now() < end) setTimeout(tick, 50); else { clearInterval(rotator); fs.closeSync(fd); process.stdout.write(JSON.stringify({ events: n, rotations })); }
    };
    const rotate = () => {
      fs.closeSync(fd);
      for (let i = ${numLogs} - 1; i > 1; i--) { try { fs.renameSync(file + '.' + (i - 1), file + '.' + i); } catch {} }
      fs.renameSync(file, file + '.1');
      fd = fs.openSync(file, 'a');
      rotations++;
    };
    const rotator = ${rotateMs} > 0 ? setInterval(rotate, ${rotateMs}) : undefined;
    tick();`;
  const writer = spawn(process.execPath, ['-e', writerCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let written = '';
  writer.stdout.on('data', (d: Buffer) => (written += d.toString()));
  const exited = new Promise<void>((r) => writer.once('exit', () => r()));
  const collector = collectorFor(file, keys, false);
  const cpu = process.cpuUsage();
  const started = Date.now();
  const rss: number[] = [];
  while (Date.now() - started < seconds * 1000) {
    await collect(collector);
    rss.push(process.memoryUsage().rss);
    await sleep(collectMs);
  }
  const used = process.cpuUsage(cpu);
  const wallSeconds = (Date.now() - started) / 1000;
  await exited;
  await sleep(2200);
  const final = await collect(collector);
  await collector.close?.();
  const counted = Object.values(perKey(final)).reduce((a, b) => a + b, 0);
  const { events, rotations } = JSON.parse(written) as { events: number; rotations: number };
  const single = (name: string) => final.find((s) => s.family.name === name)?.value ?? 0;
  const result: FollowResult = {
    cpuPercent: (100 * (used.user + used.system)) / 1e6 / wallSeconds,
    events,
    counted,
    maxRssBytes: Math.max(...rss),
    rotations,
    rotationsCounted: single('docker_audit_log_rotations_total'),
    lostFilesCounted: single('docker_audit_log_lost_files_total'),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (process.argv[2] === 'ingest') return ingestChild(process.argv[3] as 'once' | 'server', process.argv[4], process.argv[5].split(','), process.argv[6]);
  if (process.argv[2] === 'newlines') return newlineChild(process.argv[3]);
  if (process.argv[2] === 'follow') return followChild(process.argv[3], process.argv[4], JSON.parse(process.argv[5]) as FollowPlan, process.argv[6].split(','));
  const sizeMb = numberOption('size-mb', 260, 0.1);
  const rounds = intOption('rounds', 2, 1);
  const baseline = option('baseline', '') || undefined;
  const rate = numberOption('rate', 2000, 1);
  const followSeconds = numberOption('follow-seconds', 20, 1);
  const plan: FollowPlan = { rate, seconds: followSeconds, collectMs: intOption('collect-ms', 1000, 10), rotateMs: intOption('rotate-ms', 0, 0), numLogs: intOption('num-logs', 5, 2) };
  const dir = option('dir', '') || fs.mkdtempSync(path.join(os.tmpdir(), 'dae-al-bench-'));
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-al-bench-watch-'));
  try {
    process.stderr.write('recording real events...\n');
    const templates = await recordRealEvents(work);
    const dockerTemplates = templates.filter((t) => t.some((l) => l.includes('key="docker"'))).length;
    process.stderr.write(`${templates.length} real events (${dockerTemplates} with key docker); building logs...\n`);
    const big = path.join(dir, 'audit-big.log');
    const small = path.join(dir, 'audit-small.log');
    const bigLog = buildLog(big, templates, sizeMb * MB);
    buildLog(small, templates, (sizeMb / 4) * MB);
    const bigBytes = fs.statSync(big).size;
    const smallBytes = fs.statSync(small).size;

    process.stderr.write('ausearch...\n');
    const aus = timed(() => ausearchDockerEvents(big));
    // Side by side, in turn, so that the machine's load weighs on all of them alike.
    interface Round { aureport: ReturnType<typeof aureport>; newlines: { seconds: number; cpuSeconds: number; maxRssBytes: number }; once: Ingestion; server: Ingestion; baseOnce?: Ingestion; baseServer?: Ingestion }
    const results: Round[] = [];
    let keys: string[] = [];
    for (let r = 1; r <= rounds; r++) {
      process.stderr.write(`round ${r} of ${rounds}: aureport, newline scan, exporter --once, exporter server${baseline ? ', baseline --once, baseline server' : ''}...\n`);
      const aur = aureport(big);
      keys = Object.keys(aur.perKey);
      const newlines = child<Round['newlines']>(['newlines', big]);
      const once = ingest('once', big, keys);
      const server = ingest('server', big, keys);
      const baseOnce = baseline ? ingest('once', big, keys, baseline) : undefined;
      const baseServer = baseline ? ingest('server', big, keys, baseline) : undefined;
      results.push({ aureport: aur, newlines, once, server, baseOnce, baseServer });
    }
    const exSmall = ingest('once', small, keys);
    process.stderr.write('following...\n');
    const fol = follow(path.join(dir, 'audit-follow.log'), templates, plan, keys);

    const aurKeys = results[0].aureport.perKey;
    const named = (x: Ingestion) => Object.fromEntries(Object.entries(x.perKey).filter(([k]) => k !== ''));
    const identical = (x: Ingestion) => JSON.stringify(Object.entries(named(x)).sort()) === JSON.stringify(Object.entries(aurKeys).sort());
    const mbps = (s: number) => (bigBytes / MB / s).toFixed(1);
    const mib = (b: number) => `${(b / MB).toFixed(0)} MiB`;
    const rows: [string, string][] = [['log', `${(bigBytes / MB).toFixed(0)} MB, ${bigLog.events} events (${templates.length} real events replayed), ${keys.length} keys`]];
    const ratio = (tool: number, ours: number) => (tool / ours).toFixed(2);
    results.forEach((res, i) => {
      const { aureport: aur, newlines: nl } = res;
      const r = `round ${i + 1}: `;
      rows.push([`${r}aureport -k --summary -if FILE`, `${aur.seconds.toFixed(2)} s: ${mbps(aur.seconds)} MB/s (CPU ${aur.cpuSeconds.toFixed(2)} s)`]);
      rows.push([`${r}bare newline scan (ceiling)`, `${nl.seconds.toFixed(2)} s: ${mbps(nl.seconds)} MB/s (CPU ${nl.cpuSeconds.toFixed(2)} s), peak RSS ${mib(nl.maxRssBytes)}`]);
      const line = (name: string, x: Ingestion | undefined) => {
        if (!x) return;
        rows.push([
          `${r}${name}`,
          `${x.seconds.toFixed(2)} s: ${mbps(x.seconds)} MB/s, ${Math.round(bigLog.events / x.seconds)} events/s (CPU ${x.cpuSeconds.toFixed(2)} s${x.collections > 1 ? `, ${x.collections} collections` : ''}), peak RSS ${mib(x.maxRssBytes)} ${x.maxRssBytes < 120 * MB ? 'PASS' : 'FAIL'} (< 120 MiB); ` +
            `${ratio(aur.seconds, x.seconds)}x aureport ${aur.seconds / x.seconds >= 2 ? 'PASS' : 'FAIL'} (>= 2x; CPU ${ratio(aur.cpuSeconds, x.cpuSeconds)}x), ${ratio(nl.seconds, x.seconds)} of the newline scan's speed; per-key counts = aureport ${identical(x) ? 'PASS' : 'FAIL'}`,
        ]);
      };
      line('exporter --once', res.once);
      line('exporter server', res.server);
      line('baseline --once', res.baseOnce);
      line('baseline server', res.baseServer);
      if (res.baseOnce && res.baseServer) rows.push([`${r}this build / baseline`, `--once ${ratio(res.baseOnce.seconds, res.once.seconds)}x faster (CPU ${ratio(res.baseOnce.cpuSeconds, res.once.cpuSeconds)}x), server ${ratio(res.baseServer.seconds, res.server.seconds)}x (CPU ${ratio(res.baseServer.cpuSeconds, res.server.cpuSeconds)}x)`]);
    });
    const last = results[results.length - 1];
    rows.push(
      ['ausearch -k docker -if FILE --raw', `${aus.seconds.toFixed(2)} s: ${mbps(aus.seconds)} MB/s (${aus.value} events; docker: exporter ${named(last.once).docker ?? 0}, aureport ${aurKeys.docker ?? 0})`],
      [`peak RSS --once, ${(smallBytes / MB).toFixed(0)} MB vs ${(bigBytes / MB).toFixed(0)} MB`, `${mib(exSmall.maxRssBytes)} vs ${mib(last.once.maxRssBytes)} ${last.once.maxRssBytes < exSmall.maxRssBytes * 1.25 ? 'PASS (under 25% more for 4x the log)' : 'FAIL'}`],
      [`following ${rate} events/s, collecting every ${plan.collectMs / 1000} s`, `${fol.cpuPercent.toFixed(1)}% of one core over ${followSeconds} s; ${fol.counted} of ${fol.events} events counted; max RSS ${mib(fol.maxRssBytes)}`],
    );
    if (plan.rotateMs > 0) {
      rows.push([
        `rotated every ${plan.rotateMs} ms, num_logs ${plan.numLogs}`,
        `${fol.rotationsCounted} of ${fol.rotations} rotations counted, ${fol.lostFilesCounted} files counted lost ${fol.rotationsCounted === fol.rotations ? 'PASS' : 'FAIL'}`,
      ]);
    }
    process.stdout.write(keyValueTable(rows) + '\n');
    for (const x of [last.once, last.server]) if (!identical(x)) process.stdout.write(`exporter: ${JSON.stringify(named(x))}\naureport: ${JSON.stringify(aurKeys)}\n`);
    process.stdout.write(JSON.stringify({ bigBytes, events: bigLog.events, rounds: results, exporterSmall: exSmall, ausearchSeconds: aus.seconds, follow: fol }) + '\n');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    if (!option('dir', '')) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
