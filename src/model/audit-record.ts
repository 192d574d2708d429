// One line of the Linux audit log, read the way auparse reads it:
//
//   [node=NAME ]type=TYPE msg=audit(SECONDS.MILLIS:SERIAL): field=value field=value ...[\x1dINTERPRETED=...]
//
// Lines arrive as latin1 strings (one char per byte), so offsets are byte offsets and no
// byte is lost; values are turned into UTF-8 text only when they are decoded.
import { SYSCALL_TABLES } from './syscall-table';

export interface AuditRecord {
  readonly type: string;
  /** The `node=` prefix auditd adds with name_format; "" without one. */
  readonly node: string;
  /** "SECONDS.MILLIS:SERIAL", which with the node identifies the event. */
  readonly id: string;
  /**
   * The raw fields, without the interpreted part that log_format=ENRICHED appends after
   * a 0x1d byte: counting reads the raw values, as aureport does.
   */
  readonly fields: string;
}

/** Record types counted by name; the rest count as "other". */
export const COMMON_RECORD_TYPES: ReadonlySet<string> = new Set([
  'SYSCALL', 'PATH', 'CWD', 'EXECVE', 'PROCTITLE', 'EOE', 'SOCKADDR', 'BPRM_FCAPS', 'MMAP', 'OPENAT2',
  'CONFIG_CHANGE', 'NETFILTER_CFG', 'AVC', 'SECCOMP', 'KERN_MODULE', 'ANOM_ABEND', 'ANOM_PROMISCUOUS',
  'USER_AUTH', 'USER_ACCT', 'USER_START', 'USER_END', 'USER_LOGIN', 'USER_CMD', 'USER_ERR',
  'CRED_ACQ', 'CRED_DISP', 'CRED_REFR', 'LOGIN', 'SERVICE_START', 'SERVICE_STOP',
  'DAEMON_START', 'DAEMON_END', 'DAEMON_ROTATE', 'DAEMON_ABORT', 'DAEMON_RESUME',
]);

const NODE_PREFIX = 'node=';
const TYPE_PREFIX = 'type=';
const MSG = ' msg=audit(';
const ID = /^\d+\.\d+:\d+$/;
const ENRICHED_SEPARATOR = '\x1d';

/**
 * Parses a line (without its newline); undefined when it is not an audit record. By hand
 * rather than with one regular expression: this runs for every line of the log.
 */
export function parseRecord(line: string): AuditRecord | undefined {
  let at = 0;
  let node = '';
  if (line.startsWith(NODE_PREFIX)) {
    const space = line.indexOf(' ');
    if (space === -1) return undefined;
    node = line.slice(NODE_PREFIX.length, space);
    at = space + 1;
  }
  if (!line.startsWith(TYPE_PREFIX, at)) return undefined;
  const msg = line.indexOf(MSG, at);
  // The type holds no space: the first space after it must start " msg=audit(".
  if (msg === -1 || msg === at + TYPE_PREFIX.length || line.indexOf(' ', at) !== msg) return undefined;
  const idStart = msg + MSG.length;
  const close = line.indexOf('):', idStart);
  if (close === -1 || close - idStart > 48) return undefined;
  const id = line.slice(idStart, close);
  if (!ID.test(id)) return undefined;
  let fieldsStart = close + 2;
  if (line.charCodeAt(fieldsStart) === 0x20) fieldsStart++;
  const end = line.indexOf(ENRICHED_SEPARATOR, fieldsStart);
  return { node, type: line.slice(at + TYPE_PREFIX.length, msg), id, fields: end === -1 ? line.slice(fieldsStart) : line.slice(fieldsStart, end) };
}

/** The time of a record id ("SECONDS.MILLIS:SERIAL"), in seconds. */
export const recordTime = (id: string): number => parseFloat(id);

/**
 * The encoded value of a field, as written: "quoted", hex, (null) or plain. A field name
 * counts only at the start of a token, so `exe=` does not match inside `fsexe=`; quoted
 * values cannot hold spaces (the kernel hex-encodes those), so the search cannot land
 * inside one.
 */
export function rawField(fields: string, name: string): string | undefined {
  const needle = name + '=';
  let at = fields.startsWith(needle) ? 0 : -1;
  if (at === -1) {
    const found = fields.indexOf(' ' + needle);
    if (found === -1) return undefined;
    at = found + 1;
  }
  const start = at + needle.length;
  let end = fields.indexOf(' ', start);
  if (end === -1) end = fields.length;
  return fields.slice(start, end);
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;
const NON_ASCII = /[\x80-\xff]/;

const utf8 = (latin1: string): string => (NON_ASCII.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1);

/**
 * Decodes a value of an "escaped" field (key, exe, comm, cwd, name, proctitle, EXECVE's
 * aN...) as auparse's au_unescape does: "quoted" is literal, (null) and (none) mean no
 * value, anything else is hex. Undefined for no value or malformed hex.
 */
export function decodeValue(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.startsWith('"')) return utf8(raw.endsWith('"') && raw.length > 1 ? raw.slice(1, -1) : raw.slice(1));
  if (raw.startsWith('(')) return undefined;
  if (!HEX.test(raw)) return undefined;
  return Buffer.from(raw, 'hex').toString('utf8');
}

/** The keys of a `key=` value: none for (null); a hex value holds several, joined by 0x01. */
export function decodeKeys(raw: string | undefined): string[] {
  const value = decodeValue(raw);
  if (value === undefined) return [];
  return value.split('\x01').filter((k) => k !== '');
}

/** Decodes the tables lazily: most hosts only ever see one arch. */
const decodedTables = new Map<string, Map<number, string>>();

const DECIMAL = /^\d+$/;

/**
 * The syscall name for a SYSCALL record's arch (hex AUDIT_ARCH_*) and number, from the
 * tables that ausyscall dumps. "other" for an arch or number the tables do not know, so
 * the label stays bounded. The kernel writes the number in decimal: an empty or other
 * value (`syscall=`, `syscall=0x3b`) is no number, not syscall 0 or 59. The arch is looked
 * up among the tables' own keys only, so `arch=constructor` is an unknown arch, not a crash.
 */
export function syscallName(arch: string | undefined, number: string | undefined): string {
  if (arch === undefined || number === undefined || !DECIMAL.test(number)) return 'other';
  const archKey = arch.toLowerCase();
  let table = decodedTables.get(archKey);
  if (!table) {
    if (!Object.hasOwn(SYSCALL_TABLES, archKey)) return 'other';
    const source = SYSCALL_TABLES[archKey];
    table = new Map();
    const parts = source.table.split(' ');
    for (let i = 0; i + 1 < parts.length; i += 2) table.set(Number(parts[i]), parts[i + 1]);
    decodedTables.set(archKey, table);
  }
  return table.get(Number(number)) ?? 'other';
}
