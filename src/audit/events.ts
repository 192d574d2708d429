// Groups audit records into events, as auparse does: the records sharing one node and
// "SECONDS.MILLIS:SERIAL" are one event, whatever else interleaves with them. An event is
// complete on its EOE record, or 2 s (auditd's end_of_event_timeout) after its time: when a
// record at least that much newer arrives, or, once the file has been read to its end,
// when the wall clock has passed it (or it has not grown for 2 s, for clocks that differ).
import { decodeKeys, decodeValue, rawField, syscallName, type AuditRecord } from './record';

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
/** Completed ids remembered, so a record arriving after its event timed out is not a new event. */
const RECENT_IDS = 4096;

export class EventAssembler {
  private readonly open = new Map<string, OpenEvent>();
  private readonly recent = new Set<string>();

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
    if (this.recent.has(id)) return; // a straggler of an event already counted
    let event = this.open.get(id);
    if (!event) {
      event = { keys: [], syscall: '', success: '', exe: '', time: record.time, lastSeenMs: nowMs };
      this.open.set(id, event);
    }
    event.lastSeenMs = nowMs;
    const { fields } = record;
    if (record.type === 'SYSCALL') {
      event.syscall = syscallName(rawField(fields, 'arch'), rawField(fields, 'syscall'));
      event.success = rawField(fields, 'success') ?? '';
      event.exe = decodeValue(rawField(fields, 'exe')) ?? '';
    }
    // Keys sit on SYSCALL records and on a few others (CONFIG_CHANGE): aureport reads them all.
    if (fields.includes('key=')) {
      for (const key of decodeKeys(rawField(fields, 'key'))) if (!event.keys.includes(key)) event.keys.push(key);
    }
    if (record.type === 'EOE') this.finish(id, event);
    // Map order is arrival order, which is close to time order: stop at the first event
    // still inside the window.
    for (const [oldId, old] of this.open) {
      if (old.time > record.time - this.timeoutSeconds && this.open.size <= MAX_OPEN_EVENTS) break;
      this.finish(oldId, old);
    }
  }

  /** After reading to the end of the file: completes the events that cannot grow any more. */
  expire(nowMs: number): void {
    for (const [id, event] of this.open) {
      if (event.time <= nowMs / 1000 - this.timeoutSeconds || event.lastSeenMs <= nowMs - this.timeoutSeconds * 1000) this.finish(id, event);
    }
  }

  /** Completes every open event (--once, at the end of the input). */
  completeAll(): void {
    for (const [id, event] of this.open) this.finish(id, event);
  }

  private finish(id: string, event: OpenEvent): void {
    this.open.delete(id);
    this.recent.add(id);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
    this.complete({ keys: event.keys, syscall: event.syscall, success: event.success, exe: event.exe, time: event.time });
  }
}
