// The audit log's grammar as fast-check arbitraries, for the audit fuzz suites: records as
// auditd writes them (RAW and ENRICHED), field values as the kernel encodes them, and the
// decoding each must get.
import * as fc from 'fast-check';
import { SYSCALL_TABLES } from '../../../src/model/syscall-table';
import { latin1Char, latin1String, mutated, PROTOTYPE_NAMES } from './fuzz';

/** The tables, decoded here independently of the code under test. */
export const SYSCALLS: ReadonlyMap<string, ReadonlyMap<number, string>> = new Map(
  Object.entries(SYSCALL_TABLES).map(([arch, { table }]) => {
    const parts = table.split(' ');
    const m = new Map<number, string>();
    for (let i = 0; i + 1 < parts.length; i += 2) m.set(Number(parts[i]), parts[i + 1]);
    return [arch, m];
  }),
);
export const ALL_SYSCALL_NAMES: ReadonlySet<string> = new Set([...SYSCALLS.values()].flatMap((m) => [...m.values()]));

/** What syscallName must say: a name only for a known arch (any case) and a decimal number in its table. */
export function expectedSyscall(arch: string | undefined, number: string | undefined): string {
  if (arch === undefined || number === undefined || !/^\d+$/.test(number)) return 'other';
  const table = SYSCALLS.get(arch.toLowerCase());
  return table?.get(Number(number)) ?? 'other';
}

const toHex = (text: string, lower: boolean) => {
  const hex = Buffer.from(text, 'utf8').toString('hex');
  return lower ? hex : hex.toUpperCase();
};
const latin1OfUtf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** A raw value and what decodeValue must make of it. */
export interface Encoded {
  readonly raw: string;
  readonly decoded: string | undefined;
}

/** Text the kernel would quote: no space, no quote, no 0x1d; UTF-8 beyond ASCII for what auparse also reads. */
const quotable = fc.string({ unit: fc.oneof(fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)).filter((c) => c !== '"'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c.charCodeAt(0) > 0x7f)), maxLength: 16 });
const anyText = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom(' ', '"', '\x00', '\x01', '\x1d', '\n')), minLength: 1, maxLength: 16 });

/** An "escaped" field value (exe, comm, cwd, name, proctitle): quoted, hex (either case), (null) or (none). */
export const encodedValue: fc.Arbitrary<Encoded> = fc.oneof(
  quotable.map((t) => ({ raw: `"${latin1OfUtf8(t)}"`, decoded: t })),
  fc.tuple(anyText, fc.boolean()).map(([t, lower]) => ({ raw: toHex(t, lower), decoded: t })),
  fc.constantFrom({ raw: '(null)', decoded: undefined }, { raw: '(none)', decoded: undefined }),
);

const keyText = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\x01'), fc.constantFrom(' ', '"', '\x1d')), minLength: 1, maxLength: 10 });

/** A key= value and the keys it holds: (null), one quoted key, or several hex-encoded and joined by 0x01. */
export const keyValue: fc.Arbitrary<{ raw: string; keys: string[] }> = fc.oneof(
  fc.constant({ raw: '(null)', keys: [] as string[] }),
  quotable.filter((t) => t !== '').map((t) => ({ raw: `"${latin1OfUtf8(t)}"`, keys: [t] })),
  fc.tuple(fc.uniqueArray(keyText, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([keys, lower]) => ({ raw: toHex(keys.join('\x01'), lower), keys })),
);

const ARCHES = Object.keys(SYSCALL_TABLES);
export const archValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ARCHES) },
  fc.constantFrom(...ARCHES).map((a) => a.toUpperCase()),
  fc.constantFrom(...PROTOTYPE_NAMES, '', 'x86_64'),
  fc.stringMatching(/^[0-9a-f]{1,8}$/),
);
export const syscallValue = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 460 }).map(String) },
  fc.constantFrom('', '-1', '0x3b', '1e1', '59.0', '+59', 'NaN', 'Infinity', '4294967295', '99999999999999999999', ...PROTOTYPE_NAMES),
);
export const successValue = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('yes', 'no') }, fc.stringMatching(/^[^ \x1d]{0,6}$/));

/** A field token's name: the ones the parsers read, lookalikes, and others. */
export const fieldName = fc.oneof(
  fc.constantFrom('arch', 'syscall', 'success', 'exit', 'exe', 'comm', 'key', 'a0', 'items', 'pid', 'auid', 'uid', 'tty', 'ses', 'op', 'res', 'name', 'cwd', 'proctitle', 'list'),
  fc.constantFrom('fsexe', 'monkey', 'xkey', 'key_', 'successful', 'sys'),
  fc.stringMatching(/^[a-z0-9_]{1,8}$/),
);
/** A value without a space or 0x1d: any token a field may carry. */
export const plainValue = fc.string({ unit: fc.oneof(latin1Char, fc.constantFrom('=', '"', '(', ')', ':')).filter((c) => c !== ' ' && c !== '\x1d'), maxLength: 12 });

export interface Field {
  readonly name: string;
  readonly raw: string;
}

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ name: fc.constant('arch'), raw: archValue }),
  fc.record({ name: fc.constant('syscall'), raw: syscallValue }),
  fc.record({ name: fc.constant('success'), raw: successValue }),
  fc.record({ name: fc.constantFrom('exe', 'comm', 'cwd', 'name', 'proctitle'), raw: encodedValue.map((e) => e.raw) }),
  fc.record({ name: fc.constant('key'), raw: keyValue.map((k) => k.raw) }),
  fc.record({ name: fieldName, raw: plainValue }),
);
export const fields = fc.array(field, { maxLength: 12 });
export const renderFields = (fs: readonly Field[]) => fs.map((f) => `${f.name}=${f.raw}`).join(' ');

export const COMMON_TYPES = ['SYSCALL', 'PATH', 'CWD', 'EXECVE', 'PROCTITLE', 'EOE', 'SOCKADDR', 'CONFIG_CHANGE', 'USER_CMD', 'AVC', 'DAEMON_START'];
/** A record type: common ones, other upper-case words, and any bytes but a space. */
export const recordType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...COMMON_TYPES) },
  fc.stringMatching(/^[A-Z_0-9]{1,16}$/),
  fc.string({ unit: latin1Char.filter((c) => c !== ' '), minLength: 1, maxLength: 10 }),
);
/** "SECONDS.MILLIS:SERIAL" as auditd writes it, and other digit runs the parser accepts (at most 48 chars). */
export const recordId = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999 }), fc.nat()).map(([s, ms, n]) => `${s}.${String(ms).padStart(3, '0')}:${n}`) },
  fc.stringMatching(/^\d{1,20}\.\d{1,10}:\d{1,16}$/),
);
const nodeName = fc.oneof(fc.stringMatching(/^[a-z0-9.-]{0,12}$/), fc.string({ unit: latin1Char.filter((c) => c !== ' '), maxLength: 8 }));

export interface GeneratedRecord {
  readonly node: string | undefined;
  readonly type: string;
  readonly id: string;
  readonly fields: readonly Field[];
  /** The interpreted part of log_format=ENRICHED, after 0x1d; undefined for RAW. */
  readonly enriched: string | undefined;
}

export const generatedRecord: fc.Arbitrary<GeneratedRecord> = fc.record({
  node: fc.option(nodeName, { nil: undefined, freq: 3 }),
  type: recordType,
  id: recordId,
  fields,
  enriched: fc.option(latin1String(30), { nil: undefined }),
});

export const renderRecord = (r: GeneratedRecord): string =>
  `${r.node === undefined ? '' : `node=${r.node} `}type=${r.type} msg=audit(${r.id}): ${renderFields(r.fields)}${r.enriched === undefined ? '' : `\x1d${r.enriched}`}`;

/** Lines as the log holds them, and then cut short, with bytes inserted (0x1d, NUL, spaces ...), ranges lost or repeated. */
export const auditLine = fc.oneof({ weight: 2, arbitrary: generatedRecord.map(renderRecord) }, mutated(generatedRecord.map(renderRecord)));

