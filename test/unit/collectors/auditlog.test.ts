import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CollectContext } from '../../../src/collectors/collector';
import { createAuditlogCollector } from '../../../src/collectors/auditlog';
import { CollectorRunner } from '../../../src/collectors/runner';
import { buildSnapshot, snapshotText } from '../../../src/server/scheduler';
import { silentLogger, type Logger } from '../../../src/base/log';
import type { Sample } from '../../../src/metrics/sample';
import type { AuditRulesFacts } from '../../../src/facts/audit-rules';
import { PerCollection } from '../../../src/facts/per-collection';
import { testOptions } from '../../helpers/options';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'audit');

/** Per-key totals of `aureport -k --summary -if FILE`, recorded next to each fixture. */
function aureportKeys(fixture: string): Record<string, number> {
  const text = fs.readFileSync(path.join(FIXTURES, fixture.replace(/\.log$/, '.aureport.txt')), 'utf8');
  const totals: Record<string, number> = {};
  for (const m of text.matchAll(/^(\d+)\s+(\S+)$/gm)) totals[m[2]] = Number(m[1]);
  return totals;
}

function rulesSource(read: () => Promise<AuditRulesFacts>) {
  return { auditRules: new PerCollection<AuditRulesFacts>(() => read()) };
}

async function collectOnce(argv: string[], keys?: () => Promise<AuditRulesFacts>, logger: Logger = silentLogger) {
  const collector = createAuditlogCollector({
    options: testOptions(['--once', '--audit.start=beginning', ...argv]),
    logger,
    facts: rulesSource(keys ?? (() => Promise.reject(new Error('readAuditRulesFacts: not implemented yet')))),
  });
  const samples: Sample[] = [];
  const ctx: CollectContext = { signal: new AbortController().signal, emit: (s) => void samples.push(s), logger, now: Date.now, collection: 1 };
  let error: unknown;
  await collector.collect(ctx).catch((err: unknown) => (error = err));
  await collector.close?.();
  return { samples, error };
}

const byKey = (samples: Sample[]) => {
  const totals: Record<string, number> = {};
  for (const s of samples) if (s.family.name === 'docker_audit_log_events_total') totals[s.labels.key] = (totals[s.labels.key] ?? 0) + s.value;
  return totals;
};
const single = (samples: Sample[], name: string) => samples.find((s) => s.family.name === name)?.value;

const FIXTURE_FILES = [
  'recorded-enriched.log',
  'raw-from-recorded.log',
  'node-prefix-from-recorded.log',
  'interleaved-from-recorded.log',
  'truncated-last-line-from-recorded.log',
  'garbage-from-recorded.log',
];

describe('auditlog collector on recorded logs', () => {
  it.each(FIXTURE_FILES)('%s: per-key event counts equal aureport -k --summary', async (fixture) => {
    const expected = aureportKeys(fixture);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const keys = Object.keys(expected).join(',');
    const { samples, error } = await collectOnce([`--audit.log-path=${path.join(FIXTURES, fixture)}`, `--audit.keys=${keys}`]);
    expect(error).toBeUndefined();
    const { '': noKey, other, ...named } = byKey(samples);
    void noKey;
    expect(other).toBeUndefined();
    expect(named).toEqual(expected);
    expect(single(samples, 'docker_audit_log_bytes_read_total')).toBe(fs.statSync(path.join(FIXTURES, fixture)).size);
    expect(single(samples, 'docker_audit_log_lost_files_total')).toBe(0);
  });

  it('counts garbage, the overlong line and a truncated last line apart from events', async () => {
    const garbage = await collectOnce([`--audit.log-path=${path.join(FIXTURES, 'garbage-from-recorded.log')}`]);
    expect(single(garbage.samples, 'docker_audit_log_parse_errors_total')).toBe(3); // random bytes, bad header, 70,000-byte line
    const clean = await collectOnce([`--audit.log-path=${path.join(FIXTURES, 'recorded-enriched.log')}`]);
    expect(single(clean.samples, 'docker_audit_log_parse_errors_total')).toBe(0);
    // The cut last line waits for its newline: not an error, not a record.
    const truncated = await collectOnce([`--audit.log-path=${path.join(FIXTURES, 'truncated-last-line-from-recorded.log')}`]);
    expect(single(truncated.samples, 'docker_audit_log_parse_errors_total')).toBe(0);
    expect(single(truncated.samples, 'docker_audit_log_lag_bytes')).toBe(40);
  });

  it('counts keys outside the set as "other", events without a key as "", and names syscalls and success', async () => {
    const { samples } = await collectOnce([`--audit.log-path=${path.join(FIXTURES, 'recorded-enriched.log')}`, '--audit.keys=dae_al_fx_w,dae_al_fx_x']);
    const totals = byKey(samples);
    const expected = aureportKeys('recorded-enriched.log');
    expect(totals.dae_al_fx_w).toBe(expected.dae_al_fx_w);
    expect(totals.dae_al_fx_x).toBe(expected.dae_al_fx_x);
    expect(totals.other).toBe(Object.values(expected).reduce((a, b) => a + b, 0) - expected.dae_al_fx_w - expected.dae_al_fx_x);
    expect(totals['']).toBeGreaterThan(0); // the watch without a key, and unrelated events
    const failed = samples.filter((s) => s.family.name === 'docker_audit_log_events_total' && s.labels.key === 'dae_al_fx_w' && s.labels.success === 'no');
    expect(failed.map((s) => [s.labels.syscall, s.value])).toEqual([['mkdir', 1]]);
    const exe = samples.filter((s) => s.family.name === 'docker_audit_log_events_by_exe_total' && s.labels.key === 'dae_al_fx_x');
    // The rule's CONFIG_CHANGE event (auditctl) and the watched exec (the copied echo).
    expect(exe.map((s) => s.labels.exe).sort()).toEqual([expect.stringMatching(/\/bin\/echo$/), '/usr/sbin/auditctl']);
  });

  it('counts every record by type, and reports the newest event time', async () => {
    const file = path.join(FIXTURES, 'recorded-enriched.log');
    const lines = fs.readFileSync(file, 'latin1').split('\n').filter((l) => l !== '');
    const { samples } = await collectOnce([`--audit.log-path=${file}`]);
    const records = samples.filter((s) => s.family.name === 'docker_audit_log_records_total');
    expect(records.reduce((n, s) => n + s.value, 0)).toBe(lines.length);
    expect(records.find((s) => s.labels.type === 'SYSCALL')?.value).toBe(lines.filter((l) => l.startsWith('type=SYSCALL ')).length);
    const newest = Math.max(...lines.map((l) => Number(/msg=audit\((\d+\.\d+):/.exec(l)![1])));
    expect(single(samples, 'docker_audit_log_last_event_timestamp_seconds')).toBeCloseTo(newest, 3);
  });

  it('counts "docker" plus the keys of the loaded rules by default', async () => {
    const log = `--audit.log-path=${path.join(FIXTURES, 'recorded-enriched.log')}`;
    const withRules = await collectOnce([log], async () => ({ source: 'auditctl', coverage: [], keys: ['dae_al_fx_x'] }));
    expect(Object.keys(byKey(withRules.samples)).sort()).toEqual(['', 'dae_al_fx_x', 'other']);
    const debug: string[] = [];
    const logger: Logger = { ...silentLogger, debug: (msg) => void debug.push(msg) };
    const withoutRules = await collectOnce([log], undefined, logger);
    expect(Object.keys(byKey(withoutRules.samples)).sort()).toEqual(['', 'other']);
    expect(debug).toEqual([expect.stringContaining('audit rules could not be read')]);
  });

  it('fails with the reason when the log is missing, and still emits its counters', async () => {
    const { samples, error } = await collectOnce(['--audit.log-path=/nonexistent/dae-al/audit.log']);
    expect(String((error as Error).message)).toMatch(/opening the audit log \/nonexistent\/dae-al\/audit\.log failed/);
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
    expect(single(samples, 'docker_audit_log_bytes_read_total')).toBe(0);
  });
});

describe('auditlog collector on a record holding a NUL byte (a regression: 0.1 froze its snapshot on it)', () => {
  it('counts both events (the NUL one as success="other"), and the next snapshot renders, with nothing dropped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-auditlog-nul-'));
    try {
      const file = path.join(dir, 'audit.log');
      const syscall = (serial: number, success: string) =>
        `type=SYSCALL msg=audit(1795457711.974:${serial}): arch=c000003e syscall=257 success=${success} exit=3 a0=0 a1=0 a2=0 a3=0 items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="cat" exe="/usr/bin/cat" key="k"\n` +
        `type=PROCTITLE msg=audit(1795457711.974:${serial}): proctitle=636174\n`;
      fs.writeFileSync(file, syscall(1, 'x\u0000y') + syscall(2, 'x'));
      const collector = createAuditlogCollector({
        options: testOptions(['--once', '--audit.start=beginning', `--audit.log-path=${file}`, '--audit.keys=k']),
        logger: silentLogger,
        facts: rulesSource(() => Promise.reject(new Error('no rules'))),
      });
      const result = await new CollectorRunner([collector], silentLogger).run(new AbortController().signal);
      await collector.close?.();
      const text = snapshotText(await buildSnapshot(result, 0, 15_000));
      const events = text.split('\n').filter((l) => l.startsWith('docker_audit_log_events_total{'));
      expect(events).toEqual(['docker_audit_log_events_total{key="k",syscall="openat",success="other"} 2']);
      expect(text).toContain('docker_audit_samples_dropped_total{collector="auditlog"} 0\n');
      expect(text).toContain('docker_audit_collector_success{collector="auditlog"} 1\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('auditlog collector across several rotations between two collections', () => {
  it('counts the events of every rotated file still there, every rotation, and the files lost', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-auditlog-rot-'));
    try {
      const file = path.join(dir, 'audit.log');
      let serial = 0;
      const events = (n: number) =>
        Array.from({ length: n }, () => {
          serial++;
          return (
            `type=SYSCALL msg=audit(1795457711.974:${serial}): arch=c000003e syscall=257 success=yes exit=3 a0=0 a1=0 a2=0 a3=0 items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="cat" exe="/usr/bin/cat" key="k"\n` +
            `type=PROCTITLE msg=audit(1795457711.974:${serial}): proctitle=636174\n`
          );
        }).join('');
      /** As auditd with num_logs=5 rotates: .3 to .4 (deleting the oldest), ..., audit.log to .1, a new audit.log. */
      const rotate = (content: string, writtenLater: boolean) => {
        for (let i = 4; i > 1; i--) if (fs.existsSync(`${file}.${i - 1}`)) fs.renameSync(`${file}.${i - 1}`, `${file}.${i}`);
        fs.renameSync(file, `${file}.1`);
        fs.writeFileSync(file, content);
        // Written after the rename that deleted a file: a later modification time (a minute ahead, not waited for).
        if (writtenLater) fs.utimesSync(file, Date.now() / 1000 + 60, Date.now() / 1000 + 60);
      };
      fs.writeFileSync(file, events(3));
      const collector = createAuditlogCollector({
        options: testOptions(['--audit.start=beginning', `--audit.log-path=${file}`, '--audit.keys=k']),
        logger: silentLogger,
        facts: rulesSource(() => Promise.reject(new Error('no rules'))),
      });
      let collection = 0;
      const collect = async () => {
        const samples: Sample[] = [];
        await collector.collect({ signal: new AbortController().signal, emit: (s) => void samples.push(s), logger: silentLogger, now: Date.now, collection: ++collection });
        return samples;
      };
      expect(byKey(await collect()).k).toBe(3);
      fs.appendFileSync(file, events(1)); // after the first collection, before the rotations
      // Seven rotations of two events each: the 5th deletes the first file (held open: still read), the 6th and 7th the next two, unread.
      for (let r = 1; r <= 7; r++) rotate(events(2), r >= 5);
      const samples = await collect();
      expect(byKey(samples).k).toBe(3 + 1 + 5 * 2);
      expect(single(samples, 'docker_audit_log_rotations_total')).toBe(7);
      expect(single(samples, 'docker_audit_log_lost_files_total')).toBe(2);
      expect(single(samples, 'docker_audit_log_lag_bytes')).toBe(0);
      await collector.close?.();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
