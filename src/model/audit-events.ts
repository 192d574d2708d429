// Groups audit records into events, as auparse does: the records sharing one node and
// "SECONDS.MILLIS:SERIAL" are one event, whatever else interleaves with them. An event is
// complete on its PROCTITLE or EOE record (the last ones the kernel sends), or 2 s (auditd's end_of_event_timeout) after its time: when an
// event at least that much newer starts, or, once the file has been read to its end,
// when the wall clock has passed it (or it has not grown for 2 s, for clocks that differ).
// A record that arrives after its event was completed starts a new event, as in ausearch:
// the key sits on one record of an event (SYSCALL, or CONFIG_CHANGE), so per-key counts
// stay exact; only key="" may count the other part.
import { decodeKeys, decodeValue, rawField, recordTime, syscallName, type AuditRecord } from './audit-record';
import { TYPE_ENDS, TYPE_KEYLESS, TYPE_SYSCALL, typeKind, type ScannedRecord } from './audit-scan';

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
  /** Its key in the map of open events: the serial, or the reference's string. */
  readonly mapKey: number | string;
  /** Its id, as Input: serial and time in ms for an id in auditd's own form (serial -1 otherwise), else the reference's key. */
  readonly serial: number;
  readonly tms: number;
  readonly key: string;
  done: boolean;
}

export const EVENT_TIMEOUT_SECONDS = 2;
/** Open events beyond this many are completed oldest first, so garbage cannot grow memory. */
const MAX_OPEN_EVENTS = 10_000;
const NO_KEYS: string[] = [];
/** An id in auditd's own form, as the scanner reads it (audit-scan.ts). */
const CANONICAL_ID = /^(0|[1-9]\d{0,11})\.(\d{3}):(0|[1-9]\d{0,14})$/;
const canonicalId = (tms: number, serial: number) => `${Math.floor(tms / 1000)}.${String(tms % 1000).padStart(3, '0')}:${serial}`;

/** A record as the assembler reads it: what add() takes from an AuditRecord, or the scanner's fast path. */
type Input = Pick<ScannedRecord, 'kind' | 'serial' | 'tms' | 'key' | 'time'>;
/** An event's id: serial and time in ms, or (serial -1) the reference's key. */
type EventId = Pick<ScannedRecord, 'serial' | 'tms' | 'key'>;

export class EventAssembler {
  /**
   * Open events. An id in auditd's own form (nearly all) is keyed by its serial, so that no
   * string is made per record; when that serial is taken by an open event of another time,
   * by the id string, as every other id is ("NODE|ID" with a node).
   */
  private readonly open = new Map<number | string, OpenEvent>();
  /** How many of the open events with an id in auditd's form are keyed by their string. */
  private canonicalByString = 0;
  /**
   * Ids of open events in arrival order (close to time order), for the timeout: each entry
   * stands for its id (an event's own object), and is looked up again, so a completed id
   * that came back is found there as before, and completed ones are skipped.
   */
  private arrival: EventId[] = [];
  private arrivalHead = 0;
  /** The event the last record went to: the records of an event come together. */
  private last: OpenEvent | undefined;
  private readonly input = { kind: 0, serial: -1, tms: 0, key: '', time: 0 };

  constructor(
    private readonly complete: (event: AuditEvent) => void,
    private readonly timeoutSeconds = EVENT_TIMEOUT_SECONDS,
  ) {}

  get openEvents(): number {
    return this.open.size;
  }

  /** Adds one parsed record (the reference path: src/model/audit-record.ts); completes the events it ends. */
  add(record: AuditRecord, nowMs: number): void {
    const input = this.input;
    input.kind = typeKind(record.type);
    const m = record.node === '' ? CANONICAL_ID.exec(record.id) : null;
    if (m) {
      input.serial = Number(m[3]);
      input.tms = Number(m[1]) * 1000 + Number(m[2]);
      input.key = '';
      input.time = input.tms / 1000;
    } else {
      input.serial = -1;
      input.tms = 0;
      input.key = record.node === '' ? record.id : `${record.node}|${record.id}`;
      input.time = recordTime(record.id);
    }
    const event = this.eventOf(input, nowMs);
    const { fields } = record;
    if (input.kind & TYPE_SYSCALL) {
      event.syscall = syscallName(rawField(fields, 'arch'), rawField(fields, 'syscall'));
      event.success = rawField(fields, 'success') ?? '';
      event.exe = decodeValue(rawField(fields, 'exe')) ?? '';
    }
    // Keys sit on SYSCALL records and on a few others (CONFIG_CHANGE): aureport reads them all.
    if (!(input.kind & TYPE_KEYLESS) && fields.includes('key=')) this.addKeys(event, decodeKeys(rawField(fields, 'key')));
    this.ended(input, event);
  }

  /** Adds one record read by AuditLineScanner (the fast path, same result as add() of its parse). */
  addScanned(record: ScannedRecord, nowMs: number): void {
    const event = this.eventOf(record, nowMs);
    if (record.kind & TYPE_SYSCALL) {
      event.syscall = record.syscall;
      event.success = record.success;
      event.exe = record.exe;
    }
    if (record.keys.length > 0) this.addKeys(event, record.keys);
    this.ended(record, event);
  }

  /** After reading to the end of the file: completes the events that cannot grow any more. */
  expire(nowMs: number): void {
    for (const event of this.open.values()) {
      if (event.time <= nowMs / 1000 - this.timeoutSeconds || event.lastSeenMs <= nowMs - this.timeoutSeconds * 1000) this.finish(event);
    }
    this.compactArrival();
  }

  /** Completes every open event (--once, at the end of the input). */
  completeAll(): void {
    for (const event of this.open.values()) this.finish(event);
    this.compactArrival();
  }

  /** The open event of the record's id, or a new one. */
  private eventOf(r: Input, nowMs: number): OpenEvent {
    let event = this.last;
    if (event === undefined || event.done || !(r.serial === -1 ? event.mapKey === r.key : event.serial === r.serial && event.tms === r.tms)) {
      event = this.find(r);
      if (!event) {
        const serialTaken = r.serial !== -1 && this.open.has(r.serial);
        const mapKey = r.serial === -1 ? r.key : serialTaken ? canonicalId(r.tms, r.serial) : r.serial;
        event = { keys: NO_KEYS, syscall: '', success: '', exe: '', time: r.time, lastSeenMs: nowMs, mapKey, serial: r.serial, tms: r.serial === -1 ? 0 : r.tms, key: r.serial === -1 ? r.key : '', done: false };
        if (serialTaken) this.canonicalByString++;
        this.open.set(mapKey, event);
        this.arrival.push(event);
        // A new event: the ones that started more than the timeout before it are complete.
        this.expireBefore(event.time - this.timeoutSeconds);
      }
      this.last = event;
    }
    event.lastSeenMs = nowMs;
    return event;
  }

  private find(r: EventId): OpenEvent | undefined {
    if (r.serial === -1) return this.open.get(r.key);
    const bySerial = this.open.get(r.serial);
    if (bySerial !== undefined && bySerial.tms === r.tms) return bySerial;
    return this.canonicalByString > 0 ? this.open.get(canonicalId(r.tms, r.serial)) : undefined;
  }

  private addKeys(event: OpenEvent, keys: readonly string[]): void {
    for (const key of keys) {
      if (event.keys === NO_KEYS) event.keys = [];
      if (!event.keys.includes(key)) event.keys.push(key);
    }
  }

  /** The kernel ends a syscall event with PROCTITLE (then EOE, which auditd does not log): ausearch's lol completes events on these too. */
  private ended(r: Input, event: OpenEvent): void {
    if (r.kind & TYPE_ENDS && !event.done) this.finish(event);
  }

  private expireBefore(cutoff: number): void {
    const arrival = this.arrival;
    while (this.arrivalHead < arrival.length) {
      const event = this.find(arrival[this.arrivalHead]);
      if (event) {
        if (event.time >= cutoff && this.open.size <= MAX_OPEN_EVENTS) break;
        this.finish(event);
      }
      this.arrivalHead++;
    }
    if (this.arrivalHead > 4096 && this.arrivalHead * 2 > arrival.length) this.compactArrival();
  }

  private compactArrival(): void {
    this.arrival = this.arrival.slice(this.arrivalHead).filter((id) => this.find(id) !== undefined);
    this.arrivalHead = 0;
  }

  private finish(event: OpenEvent): void {
    event.done = true;
    this.open.delete(event.mapKey);
    if (typeof event.mapKey === 'string' && event.serial !== -1) this.canonicalByString--;
    this.complete({ keys: event.keys, syscall: event.syscall, success: event.success, exe: event.exe, time: event.time });
  }
}
