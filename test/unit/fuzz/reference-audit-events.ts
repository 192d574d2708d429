// The event assembler as it was before the byte fast path (src/model/audit-events.ts at 0.2,
// keyed by id strings): the oracle that test/unit/fuzz/audit-scan.fuzz.test.ts holds the new one to.
// Groups audit records into events, as auparse does: the records sharing one node and
// "SECONDS.MILLIS:SERIAL" are one event, whatever else interleaves with them. An event is
// complete on its PROCTITLE or EOE record (the last ones the kernel sends), or 2 s (auditd's end_of_event_timeout) after its time: when an
// event at least that much newer starts, or, once the file has been read to its end,
// when the wall clock has passed it (or it has not grown for 2 s, for clocks that differ).
// A record that arrives after its event was completed starts a new event, as in ausearch:
// the key sits on one record of an event (SYSCALL, or CONFIG_CHANGE), so per-key counts
// stay exact; only key="" may count the other part.
import { decodeKeys, decodeValue, rawField, recordTime, syscallName, type AuditRecord } from '../../../src/model/audit-record';

/** What one complete event counts as. */
export interface AuditEvent {
  /** Every key of the event (0, 1 or several). */
  readonly keys: readonly string[];
  /** The syscall name, "" for an event without a SYSCALL record. */
  readonly syscall: string;
  /** "yes" or "no" from the SYSCALL record, "" without one. */
  readonly success: string;
  /** The executable of the SYSCALL record, "" without one. */
  readonly exe: string;
  /** The event time, in seconds. */
  readonly time: number;
}

interface OpenEvent {
  keys: string[];
  syscall: string;
  success: string;
  exe: string;
  time: number;
  lastSeenMs: number;
}

export const EVENT_TIMEOUT_SECONDS = 2;
/** Open events beyond this many are completed oldest first, so garbage cannot grow memory. */
const MAX_OPEN_EVENTS = 10_000;
const NO_KEYS: string[] = [];
/** The bulk of a syscall event's records, which never carry a key: not searched for one. */
const KEYLESS_TYPES: ReadonlySet<string> = new Set(['PATH', 'CWD', 'PROCTITLE', 'EXECVE', 'SOCKADDR', 'BPRM_FCAPS', 'MMAP', 'OPENAT2', 'EOE']);

export class EventAssembler {
  private readonly open = new Map<string, OpenEvent>();
  /** Open ids in arrival order (close to time order), for the timeout; completed ones are skipped. */
  private arrival: string[] = [];
  private arrivalHead = 0;

  constructor(
    private readonly complete: (event: AuditEvent) => void,
    private readonly timeoutSeconds = EVENT_TIMEOUT_SECONDS,
  ) {}

  get openEvents(): number {
    return this.open.size;
  }

  /** Adds one record; completes the events it ends. */
  add(record: AuditRecord, nowMs: number): void {
    const id = record.node === '' ? record.id : `${record.node}|${record.id}`;
    let event = this.open.get(id);
    if (!event) {
      event = { keys: NO_KEYS, syscall: '', success: '', exe: '', time: recordTime(record.id), lastSeenMs: nowMs };
      this.open.set(id, event);
      this.arrival.push(id);
      // A new event: the ones that started more than the timeout before it are complete.
      this.expireBefore(event.time - this.timeoutSeconds);
    }
    event.lastSeenMs = nowMs;
    const { fields } = record;
    if (record.type === 'SYSCALL') {
      event.syscall = syscallName(rawField(fields, 'arch'), rawField(fields, 'syscall'));
      event.success = rawField(fields, 'success') ?? '';
      event.exe = decodeValue(rawField(fields, 'exe')) ?? '';
    }
    // Keys sit on SYSCALL records and on a few others (CONFIG_CHANGE): aureport reads them all.
    if (!KEYLESS_TYPES.has(record.type) && fields.includes('key=')) {
      for (const key of decodeKeys(rawField(fields, 'key'))) {
        if (event.keys === NO_KEYS) event.keys = [];
        if (!event.keys.includes(key)) event.keys.push(key);
      }
    }
    // The kernel ends a syscall event with PROCTITLE (then EOE, which auditd does not log):
    // ausearch's lol completes events on these too.
    if (record.type === 'PROCTITLE' || record.type === 'EOE') this.finish(id, event);
  }

  /** After reading to the end of the file: completes the events that cannot grow any more. */
  expire(nowMs: number): void {
    for (const [id, event] of this.open) {
      if (event.time <= nowMs / 1000 - this.timeoutSeconds || event.lastSeenMs <= nowMs - this.timeoutSeconds * 1000) this.finish(id, event);
    }
    this.compactArrival();
  }

  /** Completes every open event (--once, at the end of the input). */
  completeAll(): void {
    for (const [id, event] of this.open) this.finish(id, event);
    this.compactArrival();
  }

  private expireBefore(cutoff: number): void {
    const arrival = this.arrival;
    while (this.arrivalHead < arrival.length) {
      const id = arrival[this.arrivalHead];
      const event = this.open.get(id);
      if (event) {
        if (event.time >= cutoff && this.open.size <= MAX_OPEN_EVENTS) break;
        this.finish(id, event);
      }
      this.arrivalHead++;
    }
    if (this.arrivalHead > 4096 && this.arrivalHead * 2 > arrival.length) this.compactArrival();
  }

  private compactArrival(): void {
    this.arrival = this.arrival.slice(this.arrivalHead).filter((id) => this.open.has(id));
    this.arrivalHead = 0;
  }

  private finish(id: string, event: OpenEvent): void {
    this.open.delete(id);
    this.complete({ keys: event.keys, syscall: event.syscall, success: event.success, exe: event.exe, time: event.time });
  }
}
