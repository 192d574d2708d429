// The auditlog collector against the real auditd (scripts/provision.sh starts it; it writes
// log_format=ENRICHED to /var/log/audit/audit.log): watches with this run's own keys, a
// known number of watched actions, and the exporter's per-key counts compared with
// aureport and ausearch on the same logs. Other engineers' tests write events at the same
// time, so only this run's keys are compared. Then a log file the test controls, written
// from those real records: copy-truncate, deletion, a file that appears later, restarts.
// Last, several kill -USR1 rotations between two collections, with auditd.conf's num_logs
// raised for the test (so auditd deletes nothing) and put back after.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Collector } from '../../src/collectors/collector';
import { createAuditlogCollector } from '../../src/collectors/auditlog';
import { COLLECTOR_NAMES } from '../../src/collectors/index';
import { silentLogger } from '../../src/base/log';
import type { Sample } from '../../src/metrics/sample';
import type { AuditRulesFacts } from '../../src/facts/audit-rules';
import { PerCollection } from '../../src/facts/per-collection';
import { waitUntil } from '../helpers/docker-cli';
import { EXPORTER_MAIN, seriesValue } from '../helpers/exporter-process';
import { testOptions } from '../helpers/options';

jest.setTimeout(120_000);

const AUDIT_LOG = '/var/log/audit/audit.log';
const run = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const KEY1 = `dae_al_1_${run}`;
const KEY2 = `dae_al_2_${run}`;
const KEY3 = `dae_al_3_${run}`;
const KEY4 = `dae_al_4_${run}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-audit-'));
const dirs = { [KEY1]: path.join(work, 'w1'), [KEY2]: path.join(work, 'w2'), [KEY3]: path.join(work, 'w3'), [KEY4]: path.join(work, 'w4') };
const rules: string[][] = [];

function addWatch(key: string): void {
  fs.mkdirSync(dirs[key], { recursive: true });
  const rule = ['-w', dirs[key], '-p', 'wa', '-k', key];
  execFileSync('auditctl', rule);
  rules.push(rule);
}
function removeWatches(): void {
  for (const rule of rules.splice(0)) {
    try {
      execFileSync('auditctl', ['-W', ...rule.slice(1)], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/** `ausearch -k KEY --raw` over every audit.log*, or over one file. */
function ausearchRaw(key: string, file?: string): string {
  try {
    return execFileSync('ausearch', ['--input-logs', '-k', key, '--raw', ...(file ? ['-if', file] : [])], { encoding: 'latin1', maxBuffer: 256 << 20 });
  } catch (err) {
    if ((err as { status?: number }).status === 1) return ''; // <no matches>
    throw err;
  }
}
/** Events in ausearch --raw output: records grouped by node and serial. */
function eventIds(raw: string): string[] {
  const ids = new Set<string>();
  for (const m of raw.matchAll(/^(?:node=(\S*) )?type=\S+ msg=audit\(([\d.:]+)\)/gm)) ids.add(`${m[1] ?? ''}|${m[2]}`);
  return [...ids];
}
/** Per-key totals of `aureport -k --summary`, over every audit.log* or one file. */
function aureportKeys(file?: string): Record<string, number> {
  const text = execFileSync('aureport', ['--input-logs', '-k', '--summary', ...(file ? ['-if', file] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const totals: Record<string, number> = {};
  for (const m of text.matchAll(/^(\d+)\s+(\S+)$/gm)) totals[m[2]] = Number(m[1]);
  return totals;
}

class InProcess {
  collection = 0;
  readonly collector: Collector;
  constructor(argv: string[]) {
    this.collector = createAuditlogCollector({
      options: testOptions(argv),
      logger: silentLogger,
      facts: { auditRules: new PerCollection<AuditRulesFacts>(() => Promise.reject(new Error('not used: --audit.keys is given'))) },
    });
  }
  async collect(): Promise<{ samples: Sample[]; error?: Error }> {
    const samples: Sample[] = [];
    let error: Error | undefined;
    await this.collector
      .collect({ signal: new AbortController().signal, emit: (s) => void samples.push(s), logger: silentLogger, now: Date.now, collection: ++this.collection })
      .catch((err: Error) => (error = err));
    return { samples, error };
  }
}
const keyTotal = (samples: Sample[], key: string) =>
  samples.filter((s) => s.family.name === 'docker_audit_log_events_total' && s.labels.key === key).reduce((n, s) => n + s.value, 0);
const value = (samples: Sample[], name: string) => samples.find((s) => s.family.name === name)?.value;

/** Events whose records name the key, by grep over every audit.log* (much faster than ausearch, for polling). */
function grepEvents(key: string): number {
  let out = '';
  try {
    out = execFileSync('sh', ['-c', `grep -ah 'key="${key}"' ${AUDIT_LOG}*`], { encoding: 'latin1', maxBuffer: 64 << 20 });
  } catch {
    // grep exits 1 without a match
  }
  return eventIds(out).length;
}

async function waitForFlushed(key: string, atLeast: number): Promise<void> {
  let last = -1;
  // Until auditd wrote at least that many events and the number stopped moving.
  await waitUntil(`auditd logged ${atLeast} events with key ${key}`, () => {
    const n = grepEvents(key);
    const settled = n >= atLeast && n === last;
    last = n;
    return settled;
  }, 30_000, 500);
  await new Promise((r) => setTimeout(r, 2100)); // the events' 2 s completion window
}

afterAll(() => {
  removeWatches();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('auditlog on the real auditd', () => {
  const follower = new InProcess([`--audit.log-path=${AUDIT_LOG}`, '--audit.start=end', `--audit.keys=${KEY1},${KEY2},${KEY3}`]);
  afterAll(() => follower.collector.close?.());

  it('counts each key as aureport -k --summary and ausearch -k K --raw do', async () => {
    expect((await follower.collect()).error).toBeUndefined(); // positioned at the end
    addWatch(KEY1);
    addWatch(KEY2);
    for (let i = 0; i < 7; i++) fs.writeFileSync(path.join(dirs[KEY1], `f${i}`), 'x');
    for (let i = 0; i < 3; i++) fs.mkdirSync(path.join(dirs[KEY2], `d${i}`));
    fs.chmodSync(path.join(dirs[KEY2], 'd0'), 0o700);
    fs.rmSync(path.join(dirs[KEY1], 'f0'));
    await waitForFlushed(KEY1, 8);
    await waitForFlushed(KEY2, 4);

    const { samples, error } = await follower.collect();
    expect(error).toBeUndefined();
    const aureport = aureportKeys();
    for (const key of [KEY1, KEY2]) {
      const ausearchEvents = eventIds(ausearchRaw(key)).length;
      expect({ key, exporter: keyTotal(samples, key) }).toEqual({ key, exporter: aureport[key] });
      expect(ausearchEvents).toBe(aureport[key]);
    }
    expect(keyTotal(samples, KEY1)).toBeGreaterThanOrEqual(8); // the rule, 7 writes, an unlink
    expect(value(samples, 'docker_audit_log_bytes_read_total')).toBeGreaterThan(0);
    expect(value(samples, 'docker_audit_log_parse_errors_total')).toBe(0);
  });

  it('loses nothing and counts nothing twice across kill -USR1 rotations while events arrive', async () => {
    const rotationsBefore = value((await follower.collect()).samples, 'docker_audit_log_rotations_total')!;
    addWatch(KEY3);
    // 150 watched writes over about 3 s, from another process, while auditd rotates and we collect.
    const writer = spawn('bash', ['-c', `for i in $(seq 150); do echo $i > ${dirs[KEY3]}/f$i; sleep 0.02; done`], { stdio: 'ignore' });
    const done = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
    await new Promise((r) => setTimeout(r, 700));
    const auditd = execFileSync('pidof', ['auditd'], { encoding: 'utf8' }).trim();
    execFileSync('kill', ['-USR1', auditd]);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 400));
      expect((await follower.collect()).error).toBeUndefined();
    }
    await done;
    await waitForFlushed(KEY3, 151);
    const { samples, error } = await follower.collect();
    expect(error).toBeUndefined();
    expect(value(samples, 'docker_audit_log_rotations_total')!).toBeGreaterThan(rotationsBefore);
    // The sum over audit.log*: aureport and ausearch read every rotated file.
    const aureport = aureportKeys();
    expect(keyTotal(samples, KEY3)).toBe(aureport[KEY3]);
    expect(eventIds(ausearchRaw(KEY3)).length).toBe(aureport[KEY3]);
    expect(keyTotal(samples, KEY3)).toBeGreaterThanOrEqual(151);
    for (const key of [KEY1, KEY2]) expect(keyTotal(samples, key)).toBe(aureport[key]);
    removeWatches();
  });
});

describe('auditlog on a log file the test controls, written from real records', () => {
  const log = path.join(work, 'ctl', 'audit.log');
  const stateFile = path.join(work, 'ctl', 'state.json');
  /** The real records of the first test, as events (records grouped by serial), in log order. */
  let events: string[][];
  const keysArg = `--audit.keys=${KEY1},${KEY2},${KEY3}`;
  /** Per-key totals aureport gives for these events. */
  const aureportOf = (parts: string[][]): Record<string, number> => {
    const file = path.join(work, `part-${Math.random().toString(36).slice(2)}.log`);
    fs.writeFileSync(file, parts.flat().join('\n') + '\n', 'latin1');
    return aureportKeys(file);
  };
  const sumKeys = (totals: Record<string, number>) => [KEY1, KEY2, KEY3].reduce((n, k) => n + (totals[k] ?? 0), 0);
  const counted = (samples: Sample[]) => [KEY1, KEY2, KEY3].reduce((n, k) => n + keyTotal(samples, k), 0);
  const write = (parts: string[][], flag: 'a' | 'w' = 'a') => fs.writeFileSync(log, parts.flat().join('\n') + '\n', { flag, encoding: 'latin1' });

  beforeAll(() => {
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const raw = ausearchRaw(KEY1) + ausearchRaw(KEY2) + ausearchRaw(KEY3);
    const byId = new Map<string, string[]>();
    for (const line of raw.split('\n')) {
      const id = /msg=audit\(([\d.:]+)\)/.exec(line)?.[1];
      if (id) byId.set(id, [...(byId.get(id) ?? []), line]);
    }
    events = [...byId.values()];
  });

  it('handles a file that appears later, copy-truncate, deletion, and restarts with and without a state file', async () => {
    expect(events.length).toBeGreaterThan(20);
    const [a, b, c, d, e, f] = [0, 1, 2, 3, 4, 5].map((i) => events.slice(Math.floor((i * events.length) / 6), Math.floor(((i + 1) * events.length) / 6)));
    const first = new InProcess([`--audit.log-path=${log}`, '--audit.start=end', `--audit.state-file=${stateFile}`, keysArg]);

    // Missing: success 0 with the reason; then it appears and is read from byte 0.
    const missing = await first.collect();
    expect(missing.error?.message).toMatch(/opening the audit log .* failed/);
    write(a, 'w');
    let expected = sumKeys(aureportOf(a));
    expect(counted((await first.collect()).samples)).toBe(expected);

    // Copy-truncate: the copy keeps what was read; the truncated file is read from 0.
    fs.copyFileSync(log, log + '.1');
    fs.truncateSync(log, 0);
    write(b);
    expected += sumKeys(aureportOf(b));
    expect(counted((await first.collect()).samples)).toBe(expected);

    // Deleted: what was appended before is still read, then success 0 until it comes back.
    write(c);
    fs.unlinkSync(log);
    const gone = await first.collect();
    expect(gone.error?.message).toMatch(/is gone/);
    expected += sumKeys(aureportOf(c));
    expect(counted(gone.samples)).toBe(expected);
    write(d, 'w');
    expected += sumKeys(aureportOf(d));
    const back = await first.collect();
    expect(back.error).toBeUndefined();
    expect(counted(back.samples)).toBe(expected);
    expect(value(back.samples, 'docker_audit_log_rotations_total')).toBe(1);
    await first.collector.close?.();

    // Restart with the state file: only what was written since.
    write(e);
    const restarted = new InProcess([`--audit.log-path=${log}`, '--audit.start=end', `--audit.state-file=${stateFile}`, keysArg]);
    expect(counted((await restarted.collect()).samples)).toBe(sumKeys(aureportOf(e)));
    await restarted.collector.close?.();

    // Restart without it: --audit.start=end skips what was written meanwhile, beginning recounts the file.
    write(f);
    const fromEnd = new InProcess([`--audit.log-path=${log}`, '--audit.start=end', keysArg]);
    expect(counted((await fromEnd.collect()).samples)).toBe(0);
    await fromEnd.collector.close?.();
    const fromBeginning = new InProcess([`--audit.log-path=${log}`, '--audit.start=beginning', keysArg]);
    expect(counted((await fromBeginning.collect()).samples)).toBe(sumKeys(aureportOf([...d, ...e, ...f])));
    await fromBeginning.collector.close?.();
  });
});

describe('the built exporter, --once', () => {
  it('reads the log to its end, completes the open events, prints them and exits 0', () => {
    // A recorded log whose last event is still open at the end (its PROCTITLE is cut off).
    const fixture = path.join(__dirname, '..', 'fixtures', 'audit', 'recorded-enriched.log');
    const lines = fs.readFileSync(fixture, 'latin1').split('\n').filter((l) => l !== '');
    const file = path.join(work, 'once.log');
    fs.writeFileSync(file, lines.filter((l, i) => !(i === lines.length - 1 && l.startsWith('type=PROCTITLE'))).join('\n') + '\n', 'latin1');
    const expected = aureportKeys(file);
    const others = COLLECTOR_NAMES.filter((n) => n !== 'auditlog').map((n) => `--no-collector.${n}`);
    const out = execFileSync(process.execPath, [EXPORTER_MAIN, '--once', ...others, `--audit.log-path=${file}`, '--audit.start=beginning', `--audit.keys=${Object.keys(expected).join(',')}`], { encoding: 'utf8' });
    expect(seriesValue(out, 'docker_audit_collector_success{collector="auditlog"}')).toBe(1);
    const totals: Record<string, number> = {};
    for (const m of out.matchAll(/^docker_audit_log_events_total\{key="([^"]*)",syscall="[^"]*",success="[^"]*"\} (\d+)$/gm)) totals[m[1]] = (totals[m[1]] ?? 0) + Number(m[2]);
    delete totals[''];
    expect(totals).toEqual(expected);
    expect(seriesValue(out, 'docker_audit_log_bytes_read_total')).toBe(fs.statSync(file).size);
  });
});

// ---------------------------------------------------------------- several rotations between two collections

const AUDITD_CONF = '/etc/audit/auditd.conf';
const NUM_LOGS = /^num_logs\s*=\s*(\d+)\s*$/m;
/**
 * Held while a run has auditd.conf changed: the original text, the run's process and boot, and
 * how many rotated files there were. A run that died with it changed is undone by the next.
 */
const CONF_LOCK = '/var/tmp/docker-audit-exporter-test.auditd-conf.lock';
interface ConfLock {
  readonly pid: number;
  readonly boot: string;
  readonly conf: string;
  readonly rotated: number;
}
const bootId = () => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const auditdPid = () => Number(execFileSync('pidof', ['auditd'], { encoding: 'utf8' }).trim().split(' ')[0]);
/** The file's inode, or undefined while there is none (auditd renames the log, then creates the next one). */
const inodeOf = (file: string): number | undefined => {
  try {
    return fs.statSync(file).ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};
/** The audit.log.N there are: 1 ... N. */
const rotatedFiles = () => {
  let n = 0;
  while (fs.existsSync(`${AUDIT_LOG}.${n + 1}`)) n++;
  return n;
};
function numLogsOf(conf: string): number {
  const m = NUM_LOGS.exec(conf);
  if (!m) throw new Error(`${AUDITD_CONF} has no num_logs line`);
  return Number(m[1]);
}
/** Lines holding the key in one file (its SYSCALL or CONFIG_CHANGE records: one an event). */
function keyLinesIn(file: string, key: string): number {
  try {
    return Number(execFileSync('grep', ['-ac', `key="${key}"`, file], { encoding: 'utf8' }).trim());
  } catch {
    return 0; // grep exits 1 without a match
  }
}
/** Reconfigurations auditd logged at this process's request (DAEMON_CONFIG op=reconfigure ... pid=PID), over every audit.log*. */
function reconfigurations(): number {
  try {
    return Number(execFileSync('sh', ['-c', `cat ${AUDIT_LOG}* | grep -ac 'type=DAEMON_CONFIG .*op=reconfigure .* pid=${process.pid} '`], { encoding: 'utf8' }).trim());
  } catch {
    return 0;
  }
}
/** Writes auditd.conf and has auditd read it again (SIGHUP), until auditd logged that it did. */
async function reconfigureAuditd(conf: string): Promise<void> {
  const before = reconfigurations();
  fs.writeFileSync(AUDITD_CONF, conf);
  process.kill(auditdPid(), 'SIGHUP');
  await waitUntil('auditd read auditd.conf again', () => reconfigurations() > before, 15_000, 50);
}
/**
 * auditd.conf as it was, read again by auditd; and the rotated files beyond what there were
 * and what num_logs keeps removed, as auditd itself does when it starts (check_excess_logs):
 * the machine as if num_logs had never changed.
 */
async function restoreAuditd(lock: ConfLock): Promise<void> {
  if (fs.readFileSync(AUDITD_CONF, 'utf8') !== lock.conf) await reconfigureAuditd(lock.conf);
  for (let n = Math.max(lock.rotated, numLogsOf(lock.conf) - 1) + 1; fs.existsSync(`${AUDIT_LOG}.${n}`); n++) fs.rmSync(`${AUDIT_LOG}.${n}`);
}
/** Takes the lock, once no other run holds it (and after undoing what a run that died left behind). */
async function lockAuditdConf(): Promise<ConfLock> {
  let lock: ConfLock | undefined;
  await waitUntil('no other test run has auditd.conf changed', async () => {
    let held: ConfLock | undefined;
    try {
      held = JSON.parse(fs.readFileSync(CONF_LOCK, 'utf8')) as ConfLock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (held && held.boot === bootId() && fs.existsSync(`/proc/${held.pid}`)) return false;
    if (held) {
      await restoreAuditd(held);
      fs.rmSync(CONF_LOCK, { force: true });
    }
    const mine: ConfLock = { pid: process.pid, boot: bootId(), conf: fs.readFileSync(AUDITD_CONF, 'utf8'), rotated: rotatedFiles() };
    // Written whole, then linked into place: the link fails if another run was quicker.
    const temp = `${CONF_LOCK}.${process.pid}`;
    fs.writeFileSync(temp, JSON.stringify(mine));
    try {
      fs.linkSync(temp, CONF_LOCK);
      lock = mine;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(temp, { force: true });
    }
    return lock !== undefined;
  }, 60_000, 200);
  return lock!;
}

describe('auditlog across several rotations of the real auditd between two collections', () => {
  const ROTATIONS = 6;
  let lock: ConfLock | undefined;
  let writer: ChildProcess | undefined;
  afterAll(async () => {
    if (writer && writer.exitCode === null && writer.signalCode === null) writer.kill();
    removeWatches();
    if (lock) {
      await restoreAuditd(lock);
      fs.rmSync(CONF_LOCK, { force: true });
    }
  });

  it(`reads every file of ${ROTATIONS} kill -USR1 rotations under load: counts equal aureport's over all the files, each rotation counted, none lost`, async () => {
    lock = await lockAuditdConf();
    // Room for the rotated files there are, this test's and a rotation by anyone else: auditd deletes nothing meanwhile.
    const numLogs = Math.max(numLogsOf(lock.conf), lock.rotated + 1) + ROTATIONS + 2;
    await reconfigureAuditd(lock.conf.replace(NUM_LOGS, `num_logs = ${numLogs}`));
    const follower = new InProcess([`--audit.log-path=${AUDIT_LOG}`, '--audit.start=end', `--audit.keys=${KEY4}`]);
    try {
      const before = await follower.collect();
      expect(before.error).toBeUndefined();
      const first = inodeOf(AUDIT_LOG);
      addWatch(KEY4);
      // Watched writes from another process, as fast as a shell loop goes, until told to stop.
      const stop = path.join(work, 'stop-writer');
      const loop = spawn('bash', ['-c', `i=0; while [ ! -e ${stop} ]; do i=$((i+1)); echo $i > ${dirs[KEY4]}/f$((i % 20)); done`], { stdio: 'ignore' });
      writer = loop;
      const exited = new Promise<void>((resolve) => loop.once('exit', () => resolve()));
      for (let r = 1; r <= ROTATIONS; r++) {
        // Every file gets some of the events; the rotation comes while more arrive.
        await waitUntil(`events with key ${KEY4} in audit.log before rotation ${r}`, () => keyLinesIn(AUDIT_LOG, KEY4) >= 100, 30_000, 20);
        const was = inodeOf(AUDIT_LOG);
        process.kill(auditdPid(), 'SIGUSR1');
        await waitUntil(`auditd rotated the log (${r})`, () => ![undefined, was].includes(inodeOf(AUDIT_LOG)), 15_000, 10);
      }
      await waitUntil(`events with key ${KEY4} in the last audit.log`, () => keyLinesIn(AUDIT_LOG, KEY4) >= 100, 30_000, 20);
      fs.writeFileSync(stop, '');
      await exited;
      removeWatches();
      // Written out once the count over every file stops moving.
      let last = -1;
      await waitUntil(`auditd wrote every event with key ${KEY4}`, () => {
        const n = Array.from({ length: rotatedFiles() + 1 }, (_, i) => keyLinesIn(i === 0 ? AUDIT_LOG : `${AUDIT_LOG}.${i}`, KEY4)).reduce((a, b) => a + b, 0);
        const settled = n === last;
        last = n;
        return settled;
      }, 30_000, 300);

      const after = await follower.collect();
      expect(after.error).toBeUndefined();
      // Every rotation since the first collection: the file at the path then is audit.log.K now.
      const rotations = Array.from({ length: rotatedFiles() }, (_, i) => i + 1).find((n) => inodeOf(`${AUDIT_LOG}.${n}`) === first);
      expect(rotations).toBeGreaterThanOrEqual(ROTATIONS);
      expect(value(after.samples, 'docker_audit_log_rotations_total')! - value(before.samples, 'docker_audit_log_rotations_total')!).toBe(rotations);
      expect(value(after.samples, 'docker_audit_log_lost_files_total')).toBe(0);
      expect(value(after.samples, 'docker_audit_log_parse_errors_total')).toBe(0);

      // aureport file by file (the events are in every one of them) and over all of them; ausearch agrees.
      const files = [AUDIT_LOG, ...Array.from({ length: rotations! }, (_, i) => `${AUDIT_LOG}.${i + 1}`)];
      const perFile = files.map((f) => aureportKeys(f)[KEY4] ?? 0);
      expect(perFile.every((n) => n > 0)).toBe(true);
      const expected = aureportKeys()[KEY4];
      expect(perFile.reduce((a, b) => a + b, 0)).toBe(expected);
      expect(eventIds(ausearchRaw(KEY4)).length).toBe(expected);
      // An event is counted once it is complete: 2 s after its last record, by the wall clock.
      let counted = keyTotal(after.samples, KEY4);
      await waitUntil(`the exporter counted the ${expected} events aureport did`, async () => (counted = keyTotal((await follower.collect()).samples, KEY4)) >= expected, 15_000, 250).catch(() => undefined);
      expect({ exporter: counted }).toEqual({ exporter: expected });
      expect(keyTotal((await follower.collect()).samples, KEY4)).toBe(expected); // and no more later
    } finally {
      await follower.collector.close?.();
    }
  });
});
