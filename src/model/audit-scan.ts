// The fast path of audit log reading: one line, as bytes in a Buffer, to what counting needs
// (the record type, the event it belongs to, and for a SYSCALL record its syscall, success,
// exe and key; the key of any other record that may hold one), without making a string per
// line. It reads exactly what parseRecord, rawField, decodeValue, decodeKeys and syscallName
// (src/model/audit-record.ts, the reference) read: the header is checked byte by byte as
// parseRecord does, a field is the first token `name=` of the raw fields (before the 0x1d of
// log_format=ENRICHED), and every value is decoded by the reference functions, on a miss of a
// small cache of the last raw values seen. test/unit/fuzz/audit-scan.fuzz.test.ts holds the
// two to agreeing on any line.
//
// Events are named without a string too: "SECONDS.MILLIS:SERIAL" written the one way auditd
// writes it (no leading zeros, three digits of millis; its values exact in a double) is the
// pair (SECONDS*1000+MILLIS, SERIAL); any other id, or a node= prefix, keeps the reference's
// string ("NODE|ID", or the id).
import { COMMON_RECORD_TYPES, decodeKeys, decodeValue, syscallName } from './audit-record';

/** What the scanner found in one line; one object, reused for every line. */
export interface ScannedRecord {
  /** The type, as counted: one of COMMON_RECORD_TYPES, else "other". */
  typeLabel: string;
  /** TYPE_* bits. */
  kind: number;
  /** The serial of an id in auditd's own form (then `tms` is its time in ms); -1 otherwise, and `key` names the event. */
  serial: number;
  tms: number;
  /** The reference's event key ("NODE|ID", or the id) when serial is -1; "" otherwise. */
  key: string;
  /** The event time in seconds, as recordTime(id). */
  time: number;
  /** For a SYSCALL record: as EventAssembler reads them. */
  syscall: string;
  success: string;
  exe: string;
  /** The keys of the record's key= (none for keyless types). */
  keys: readonly string[];
}

export const TYPE_SYSCALL = 1;
/** A type whose records never carry a key: not searched for one. */
export const TYPE_KEYLESS = 2;
/** A type that completes its event (PROCTITLE, EOE). */
export const TYPE_ENDS = 4;

/** The bulk of a syscall event's records, which never carry a key. */
export const KEYLESS_TYPES: ReadonlySet<string> = new Set(['PATH', 'CWD', 'PROCTITLE', 'EXECVE', 'SOCKADDR', 'BPRM_FCAPS', 'MMAP', 'OPENAT2', 'EOE']);

export function typeKind(type: string): number {
  return (type === 'SYSCALL' ? TYPE_SYSCALL : 0) | (KEYLESS_TYPES.has(type) ? TYPE_KEYLESS : 0) | (type === 'PROCTITLE' || type === 'EOE' ? TYPE_ENDS : 0);
}

interface KnownType {
  readonly name: string;
  readonly bytes: Buffer;
  readonly kind: number;
}

const NO_KEYS: readonly string[] = [];
const SP = 0x20;
const typeHash = (h: number, c: number) => (Math.imul(h, 31) + c) | 0;
const KNOWN_TYPES = new Map<number, KnownType[]>();
for (const name of new Set([...COMMON_RECORD_TYPES, ...KEYLESS_TYPES])) {
  const bytes = Buffer.from(name, 'latin1');
  let h = 0;
  for (const c of bytes) h = typeHash(h, c);
  const list = KNOWN_TYPES.get(h) ?? [];
  list.push({ name, bytes, kind: typeKind(name) });
  KNOWN_TYPES.set(h, list);
}
const OTHER_KIND = typeKind('other');

const bytesOf = (text: string) => Buffer.from(text, 'latin1');
const NODE = bytesOf('node=');
const TYPE = bytesOf('type=');
const MSG = bytesOf(' msg=audit(');
const ARCH = bytesOf('arch=');
const SYSCALL = bytesOf('syscall=');
const SUCCESS = bytesOf('success=');
const EXE = bytesOf('exe=');
const KEY = bytesOf('key=');
const SP_EXE = bytesOf(' exe=');
const SP_KEY = bytesOf(' key=');
const SP_ARCH = bytesOf(' arch=');
const SP_SYSCALL = bytesOf(' syscall=');
const SP_SUCCESS = bytesOf(' success=');
const YES = bytesOf('yes');
const NO = bytesOf('no');
/** The longest id parseRecord accepts. */
const MAX_ID = 48;

function startsWith(buf: Buffer, at: number, end: number, word: Buffer): boolean {
  const n = word.length;
  if (end - at < n) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

function sameBytes(buf: Buffer, start: number, end: number, other: Buffer): boolean {
  return end - start === other.length && startsWith(buf, start, end, other);
}

/**
 * Where `needle` next occurs in a chunk, at or after a position. Remembered per chunk: the
 * lines of a chunk come in order, so each search goes on from the last one found, and a
 * chunk is searched through once per needle however many lines lack it (Buffer.indexOf
 * cannot stop at a line's end).
 */
class NextInChunk {
  private chunk = -1;
  private from = 0;
  private at = -1;
  constructor(private readonly needle: Buffer | number) {}

  find(buf: Buffer, from: number, chunk: number): number {
    if (chunk !== this.chunk || from < this.from || (this.at !== -1 && this.at < from)) {
      this.chunk = chunk;
      this.from = from;
      this.at = buf.indexOf(this.needle, from);
    }
    return this.at;
  }
}

/** The last few raw values seen and what the reference made of them (most values repeat). */
class DecodeCache<T> {
  private readonly raws: Buffer[] = [];
  private readonly values: T[] = [];
  private next = 0;
  constructor(
    private readonly size: number,
    private readonly decode: (raw: string) => T,
  ) {}

  get(buf: Buffer, start: number, end: number): T {
    for (let i = 0; i < this.raws.length; i++) if (sameBytes(buf, start, end, this.raws[i])) return this.values[i];
    const raw = buf.toString('latin1', start, end);
    const value = this.decode(raw);
    // Copied: the chunk it came from is read into again.
    const slot = this.raws.length < this.size ? this.raws.length : this.next++ % this.size;
    this.raws[slot] = Buffer.from(raw, 'latin1');
    this.values[slot] = value;
    return value;
  }
}

/** Syscall names for one arch value, by number (bounded: the numbers come from the log). */
const MAX_MEMO = 1024;

export class AuditLineScanner {
  private readonly record: ScannedRecord = { typeLabel: 'other', kind: 0, serial: -1, tms: 0, key: '', time: 0, syscall: '', success: '', exe: '', keys: NO_KEYS };
  private readonly separator = new NextInChunk(0x1d);
  private readonly spExe = new NextInChunk(SP_EXE);
  private readonly spKey = new NextInChunk(SP_KEY);
  private readonly spArch = new NextInChunk(SP_ARCH);
  private readonly spSyscall = new NextInChunk(SP_SYSCALL);
  private readonly spSuccess = new NextInChunk(SP_SUCCESS);
  private readonly exes = new DecodeCache<string>(16, (raw) => decodeValue(raw) ?? '');
  private readonly keys = new DecodeCache<readonly string[]>(8, (raw) => {
    const keys = decodeKeys(raw);
    return keys.length === 0 ? NO_KEYS : keys;
  });
  private readonly successes = new DecodeCache<string>(4, (raw) => raw);
  private archRaw: Buffer | undefined;
  private archText: string | undefined;
  private archMemo = new Map<number, string>();
  /** Where the value of the last field found ends. */
  private valueEnd = 0;

  /**
   * Reads line buf[start, end) (no newline); undefined when it is not an audit record (as
   * parseRecord). The result is overwritten by the next call.
   */
  scan(buf: Buffer, start: number, end: number, chunk: number): ScannedRecord | undefined {
    const r = this.record;
    let at = start;
    let nodeEnd = -1;
    if (startsWith(buf, start, end, NODE)) {
      let space = start + NODE.length;
      while (space < end && buf[space] !== SP) space++;
      if (space === end) return undefined;
      nodeEnd = space;
      at = space + 1;
    }
    if (!startsWith(buf, at, end, TYPE)) return undefined;
    // The type runs to the first space, which must start " msg=audit(".
    const typeStart = at + TYPE.length;
    let p = typeStart;
    let h = 0;
    for (let c; p < end && (c = buf[p]) !== SP; p++) h = typeHash(h, c);
    if (p === typeStart || !startsWith(buf, p, end, MSG)) return undefined;
    const typeEnd = p;
    // SECONDS.MILLIS:SERIAL, then "):"; at most MAX_ID bytes, as parseRecord.
    const idStart = p + MSG.length;
    const idLimit = Math.min(end, idStart + MAX_ID);
    let q = idStart;
    let seconds = 0;
    while (q < idLimit && isDigit(buf[q])) seconds = seconds * 10 + buf[q++] - 0x30;
    const secondsDigits = q - idStart;
    if (secondsDigits === 0 || q >= idLimit || buf[q] !== 0x2e) return undefined;
    const msStart = ++q;
    let ms = 0;
    while (q < idLimit && isDigit(buf[q])) ms = ms * 10 + buf[q++] - 0x30;
    const msDigits = q - msStart;
    if (msDigits === 0 || q >= idLimit || buf[q] !== 0x3a) return undefined;
    const serialStart = ++q;
    let serial = 0;
    while (q < idLimit && isDigit(buf[q])) serial = serial * 10 + buf[q++] - 0x30;
    const serialDigits = q - serialStart;
    if (serialDigits === 0 || q + 1 >= end || buf[q] !== 0x29 || buf[q + 1] !== 0x3a) return undefined;
    const close = q;
    const node = nodeEnd === -1 || nodeEnd === start + NODE.length ? '' : buf.toString('latin1', start + NODE.length, nodeEnd);
    const canonical =
      node === '' &&
      msDigits === 3 &&
      secondsDigits <= 12 &&
      serialDigits <= 15 &&
      (secondsDigits === 1 || buf[idStart] !== 0x30) &&
      (serialDigits === 1 || buf[serialStart] !== 0x30);
    if (canonical) {
      r.serial = serial;
      r.tms = seconds * 1000 + ms;
      r.key = '';
      // Exactly parseFloat(id): tms is exact, and one division rounds as parsing does.
      r.time = r.tms / 1000;
    } else {
      const id = buf.toString('latin1', idStart, close);
      r.serial = -1;
      r.tms = 0;
      r.key = node === '' ? id : `${node}|${id}`;
      r.time = parseFloat(id);
    }
    // The type, by its hash, then byte for byte.
    let known: KnownType | undefined;
    const candidates = KNOWN_TYPES.get(h);
    if (candidates) for (const t of candidates) if (sameBytes(buf, typeStart, typeEnd, t.bytes)) known = t;
    r.typeLabel = known && COMMON_RECORD_TYPES.has(known.name) ? known.name : 'other';
    const kind = known ? known.kind : OTHER_KIND;
    r.kind = kind;
    r.keys = NO_KEYS;
    if ((kind & (TYPE_SYSCALL | TYPE_KEYLESS)) === TYPE_KEYLESS) return r;
    let fieldsStart = close + 2;
    if (fieldsStart < end && buf[fieldsStart] === SP) fieldsStart++;
    const sep = this.separator.find(buf, fieldsStart, chunk);
    const fieldsEnd = sep === -1 || sep > end ? end : sep;
    if (kind & TYPE_SYSCALL) this.syscallFields(buf, fieldsStart, fieldsEnd, chunk);
    if (!(kind & TYPE_KEYLESS) && this.field(buf, fieldsStart, fieldsEnd, chunk, KEY, this.spKey)) {
      r.keys = this.keys.get(buf, this.valueStart, this.valueEnd);
    }
    return r;
  }

  private valueStart = 0;

  /**
   * Finds the field `name` as rawField does: at the start of the fields, else after the first
   * " name=" that ends inside them. Sets valueStart and valueEnd (its value runs to the next
   * space or the end of the fields).
   */
  private field(buf: Buffer, fieldsStart: number, fieldsEnd: number, chunk: number, name: Buffer, spaced: NextInChunk): boolean {
    let start: number;
    if (startsWith(buf, fieldsStart, fieldsEnd, name)) start = fieldsStart + name.length;
    else {
      const found = spaced.find(buf, fieldsStart, chunk);
      if (found === -1 || found + 1 + name.length > fieldsEnd) return false;
      start = found + 1 + name.length;
    }
    let stop = start;
    while (stop < fieldsEnd && buf[stop] !== SP) stop++;
    this.valueStart = start;
    this.valueEnd = stop;
    return true;
  }

  /**
   * arch=, syscall= and success= are the first three fields of every SYSCALL record the kernel
   * writes: read in turn when they are (each is then the first of its name), searched for otherwise.
   */
  private syscallFields(buf: Buffer, fieldsStart: number, fieldsEnd: number, chunk: number): void {
    const r = this.record;
    let archStart = -1;
    let archEnd = -1;
    let numberStart = -1;
    let numberEnd = -1;
    let successStart = -1;
    let successEnd = -1;
    if (startsWith(buf, fieldsStart, fieldsEnd, ARCH)) {
      archStart = fieldsStart + ARCH.length;
      archEnd = spaceOrEnd(buf, archStart, fieldsEnd);
      if (startsWith(buf, archEnd + 1, fieldsEnd, SYSCALL)) {
        numberStart = archEnd + 1 + SYSCALL.length;
        numberEnd = spaceOrEnd(buf, numberStart, fieldsEnd);
        if (startsWith(buf, numberEnd + 1, fieldsEnd, SUCCESS)) {
          successStart = numberEnd + 1 + SUCCESS.length;
          successEnd = spaceOrEnd(buf, successStart, fieldsEnd);
        }
      }
    }
    if (archStart === -1 && this.field(buf, fieldsStart, fieldsEnd, chunk, ARCH, this.spArch)) [archStart, archEnd] = [this.valueStart, this.valueEnd];
    if (numberStart === -1 && this.field(buf, fieldsStart, fieldsEnd, chunk, SYSCALL, this.spSyscall)) [numberStart, numberEnd] = [this.valueStart, this.valueEnd];
    if (successStart === -1 && this.field(buf, fieldsStart, fieldsEnd, chunk, SUCCESS, this.spSuccess)) [successStart, successEnd] = [this.valueStart, this.valueEnd];
    r.syscall = archStart === -1 || numberStart === -1 ? 'other' : this.syscallName(buf, archStart, archEnd, numberStart, numberEnd);
    r.success = successStart === -1 ? '' : sameBytes(buf, successStart, successEnd, YES) ? 'yes' : sameBytes(buf, successStart, successEnd, NO) ? 'no' : this.successes.get(buf, successStart, successEnd);
    r.exe = this.field(buf, fieldsStart, fieldsEnd, chunk, EXE, this.spExe) ? this.exes.get(buf, this.valueStart, this.valueEnd) : '';
  }

  private syscallName(buf: Buffer, archStart: number, archEnd: number, numberStart: number, numberEnd: number): string {
    if (this.archRaw === undefined || !sameBytes(buf, archStart, archEnd, this.archRaw)) {
      this.archText = buf.toString('latin1', archStart, archEnd);
      this.archRaw = Buffer.from(this.archText, 'latin1');
      this.archMemo = new Map();
    }
    // A number as syscallName reads one: decimal digits only, not too many to be exact.
    let n = 0;
    for (let i = numberStart; i < numberEnd; i++) {
      if (!isDigit(buf[i])) return 'other';
      n = n * 10 + buf[i] - 0x30;
    }
    if (numberEnd === numberStart) return 'other';
    if (n > Number.MAX_SAFE_INTEGER) return syscallName(this.archText, buf.toString('latin1', numberStart, numberEnd));
    let name = this.archMemo.get(n);
    if (name === undefined) {
      name = syscallName(this.archText, String(n));
      if (this.archMemo.size < MAX_MEMO) this.archMemo.set(n, name);
    }
    return name;
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

function spaceOrEnd(buf: Buffer, from: number, end: number): number {
  let p = from;
  while (p < end && buf[p] !== SP) p++;
  return p;
}

