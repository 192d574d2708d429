// The auditlog collector's counters: monotonic for the life of the process, with bounded
// label sets (configured keys plus "" and "other"; common record types plus "other"; at
// most maxExeSeries executables per key plus "other").
import { AUDITLOG_METRICS as M } from '../metrics/families/auditlog';
import { sample, type Sample } from '../metrics/sample';
import type { AuditEvent } from '../model/audit-events';
import { COMMON_RECORD_TYPES } from '../model/audit-record';

/** Record types counted by name; the rest count as "other" (defined with the record format). */
export { COMMON_RECORD_TYPES };

/**
 * The success label: the kernel writes only yes and no, and an event without a SYSCALL record
 * has none (""); anything else in the log (a corrupt or forged line) is "other", so the label
 * stays within four values. In 0.1 every distinct value made a series: 5,000 made 5,000.
 */
export function successLabel(value: string): 'yes' | 'no' | '' | 'other' {
  return value === 'yes' || value === 'no' || value === '' ? value : 'other';
}

/**
 * A copy of a label value that does not point into the chunk of the log it was cut from
 * (V8 keeps the whole parent string alive behind a slice); taken when a series is created.
 */
const own = (value: string): string => (value.length < 13 ? value : Buffer.from(value, 'utf8').toString('utf8'));

export class AuditCounters {
  /** By JSON.stringify([key, syscall, success]): a key no label value can forge, whatever bytes it holds. */
  private readonly events = new Map<string, { key: string; syscall: string; success: string; n: number }>();
  /** The same entries, by key, then syscall, then success: found without making a string. */
  private readonly eventIndex = new Map<string, Map<string, Map<string, { key: string; syscall: string; success: string; n: number }>>>();
  private readonly records = new Map<string, number>();
  private readonly byExe = new Map<string, Map<string, number>>();
  parseErrors = 0;
  bytesRead = 0;
  rotations = 0;
  lostFiles = 0;
  lastEventSeconds = 0;
  lagBytes = 0;

  /** @param keys the keys counted by name; read on every event, so it may be replaced. */
  constructor(
    public keys: ReadonlySet<string>,
    private readonly maxExeSeries: number,
  ) {}

  countRecord(type: string): void {
    const label = COMMON_RECORD_TYPES.has(type) ? type : 'other';
    const n = this.records.get(label);
    this.records.set(n === undefined ? own(label) : label, (n ?? 0) + 1);
  }

  countEvent(event: AuditEvent): void {
    if (event.time > this.lastEventSeconds) this.lastEventSeconds = event.time;
    if (event.keys.length === 0) this.countFor('', event);
    else for (const k of event.keys) this.countFor(this.keys.has(k) ? k : 'other', event);
  }

  private countFor(key: string, event: AuditEvent): void {
    const success = successLabel(event.success);
    // Looked up by key, syscall and success in turn: no string or array made per event.
    let bySyscall = this.eventIndex.get(key);
    if (!bySyscall) this.eventIndex.set(own(key), (bySyscall = new Map()));
    let bySuccess = bySyscall.get(event.syscall);
    if (!bySuccess) bySyscall.set(own(event.syscall), (bySuccess = new Map()));
    let entry = bySuccess.get(success);
    if (entry) entry.n++;
    else {
      entry = { key: own(key), syscall: own(event.syscall), success, n: 1 };
      bySuccess.set(success, entry);
      this.events.set(JSON.stringify([key, event.syscall, success]), entry);
    }
    let exes = this.byExe.get(key);
    if (!exes) this.byExe.set(own(key), (exes = new Map()));
    // First come, first kept: a series, once it exists, keeps counting.
    const seen = exes.get(event.exe);
    if (seen !== undefined) exes.set(event.exe, seen + 1);
    else if (exes.size - (exes.has('other') ? 1 : 0) < this.maxExeSeries) exes.set(own(event.exe), 1);
    else exes.set('other', (exes.get('other') ?? 0) + 1);
  }

  /** Per-key event totals (a key counted under "other" is not listed by its own name). */
  eventsByKey(): Map<string, number> {
    const totals = new Map<string, number>();
    for (const { key, n } of this.events.values()) totals.set(key, (totals.get(key) ?? 0) + n);
    return totals;
  }

  samples(): Sample[] {
    const out: Sample[] = [];
    for (const { key, syscall, success, n } of this.events.values()) out.push(sample(M.auditLogEvents, { key, syscall, success }, n));
    for (const [type, n] of this.records) out.push(sample(M.auditLogRecords, { type }, n));
    for (const [key, exes] of this.byExe) for (const [exe, n] of exes) out.push(sample(M.auditLogEventsByExe, { key, exe }, n));
    out.push(
      sample(M.auditLogParseErrors, {}, this.parseErrors),
      sample(M.auditLogBytesRead, {}, this.bytesRead),
      sample(M.auditLogRotations, {}, this.rotations),
      sample(M.auditLogLostFiles, {}, this.lostFiles),
      sample(M.auditLogLastEvent, {}, this.lastEventSeconds),
      sample(M.auditLogLag, {}, this.lagBytes),
    );
    return out;
  }
}
