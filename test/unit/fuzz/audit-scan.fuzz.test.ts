// Property-based tests of the byte fast path of audit log reading (src/model/audit-scan.ts,
// EventAssembler.addScanned, the tailer's byte lines): on any line, and on any log cut into
// any chunks, it must read and count exactly what the reference does (parseRecord, rawField,
// decodeValue, decodeKeys, syscallName on latin1 text, and the string-keyed event assembler
// kept in reference-audit-events.ts).
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditCounters, COMMON_RECORD_TYPES } from '../../../src/collectors/audit-counters';
import { silentLogger } from '../../../src/base/log';
import { EventAssembler } from '../../../src/model/audit-events';
import { decodeKeys, decodeValue, parseRecord, rawField, recordTime, syscallName } from '../../../src/model/audit-record';
import { AuditLineScanner, KEYLESS_TYPES, TYPE_ENDS, TYPE_KEYLESS, TYPE_SYSCALL } from '../../../src/model/audit-scan';
import { AuditLogTailer } from '../../../src/readers/audit-tailer';
import type { Sample } from '../../../src/metrics/sample';
import { archValue, auditLine, encodedValue, fields, generatedRecord, keyValue, recordId, renderFields, renderRecord, successValue, syscallValue } from './audit-grammar';
import { latin1String, mutated, runs } from './fuzz';
import { EventAssembler as ReferenceAssembler } from './reference-audit-events';

/** A SYSCALL record as the kernel orders it: arch, syscall, success first (the scanner's shortcut), then any fields, exe and key. */
const kernelSyscall = fc
  .record({
    node: fc.option(fc.constantFrom('', 'host-a'), { nil: undefined, freq: 4 }),
    id: recordId,
    arch: archValue,
    number: syscallValue,
    success: successValue,
    rest: fields,
    exe: encodedValue,
    key: keyValue,
    enriched: fc.option(latin1String(20), { nil: undefined }),
  })
  .map((r) => `${r.node === undefined ? '' : `node=${r.node} `}type=SYSCALL msg=audit(${r.id}): arch=${r.arch} syscall=${r.number} success=${r.success} ${renderFields(r.rest)} exe=${r.exe.raw} key=${r.key.raw}${r.enriched === undefined ? '' : `\x1d${r.enriched}`}`);

/** Any line: from the grammar, kernel-ordered SYSCALL records, each mutated (cut short, bytes inserted, 0x1d among them), and any bytes. */
const anyLine = fc.oneof({ weight: 3, arbitrary: auditLine }, { weight: 2, arbitrary: kernelSyscall }, mutated(kernelSyscall, 4), latin1String(80)).map(asLogged);

/** As the log holds it: bytes (one char per byte, as the tailer hands text on), no newline. */
function asLogged(line: string): string {
  return Buffer.from(line, 'latin1').toString('latin1').replace(/\n/g, ' ');
}

/** What the reference reads of a line, in the scanner's terms. */
function referenceScan(line: string) {
  const r = parseRecord(line);
  if (!r) return undefined;
  const syscall = r.type === 'SYSCALL';
  return {
    typeLabel: COMMON_RECORD_TYPES.has(r.type) ? r.type : 'other',
    kind: (syscall ? TYPE_SYSCALL : 0) | (KEYLESS_TYPES.has(r.type) ? TYPE_KEYLESS : 0) | (r.type === 'PROCTITLE' || r.type === 'EOE' ? TYPE_ENDS : 0),
    event: r.node === '' ? r.id : `${r.node}|${r.id}`,
    time: recordTime(r.id),
    ...(syscall ? { syscall: syscallName(rawField(r.fields, 'arch'), rawField(r.fields, 'syscall')), success: rawField(r.fields, 'success') ?? '', exe: decodeValue(rawField(r.fields, 'exe')) ?? '' } : {}),
    keys: KEYLESS_TYPES.has(r.type) ? [] : decodeKeys(rawField(r.fields, 'key')),
  };
}

describe('AuditLineScanner (fuzz): the fast path reads what the reference reads', () => {
  it('on any line, alone or amid other bytes (0x1d, " key=", " exe=" after its end), in any chunk', () => {
    const around = fc.constantFrom('', '\n', '\x1d', ' key="x" exe="/y"\x1d', '\nnode=a type=SYSCALL msg=audit(1.000:1): key="z"', ' key=(null)');
    fc.assert(
      fc.property(fc.array(fc.tuple(around, anyLine, around), { minLength: 1, maxLength: 6 }), (lines) => {
        // Several lines in one buffer, as one chunk: the scanner remembers positions within it.
        const scanner = new AuditLineScanner();
        const parts = lines.map(([before, line, after]) => ({ before: Buffer.from(before, 'latin1'), line: Buffer.from(line, 'latin1'), after: Buffer.from(after, 'latin1'), text: line }));
        const buf = Buffer.concat(parts.flatMap((p) => [p.before, p.line, p.after]));
        let at = 0;
        for (const p of parts) {
          const start = at + p.before.length;
          const end = start + p.line.length;
          at = end + p.after.length;
          const got = scanner.scan(buf, start, end, 1);
          const want = referenceScan(p.text);
          if (!want) {
            expect(got).toBeUndefined();
            continue;
          }
          expect(got).toBeDefined();
          const g = got!;
          const event = g.serial === -1 ? g.key : `${Math.floor(g.tms / 1000)}.${String(g.tms % 1000).padStart(3, '0')}:${g.serial}`;
          expect({
            typeLabel: g.typeLabel,
            kind: g.kind,
            event,
            time: g.time,
            ...(g.kind & TYPE_SYSCALL ? { syscall: g.syscall, success: g.success, exe: g.exe } : {}),
            keys: [...g.keys],
          }).toEqual(want);
        }
      }),
      runs(600),
    );
  });
});

// ---------------------------------------------------------------- the whole path, on a file

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-al-scan-fuzz-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const canonical = (samples: Sample[]) =>
  samples
    .map((s) => `${s.family.name}${JSON.stringify(s.labels)} ${s.value}`)
    .sort()
    .join('\n');

/** Reads `file` through a tailer the way the collector does now (bytes, scanner, addScanned) and the way it did (text lines, parseRecord, the reference assembler). */
async function bothWays(file: string, chunkBytes: number, maxLineBytes: number, polls: number) {
  const ways = ['bytes', 'text'] as const;
  const out: Record<string, { samples: string; lines: string[] }> = {};
  for (const way of ways) {
    const counters = new AuditCounters(new Set(['docker', 'k1', 'k2']), 5);
    const scanner = new AuditLineScanner();
    const assembler = new EventAssembler((e) => counters.countEvent(e));
    const reference = new ReferenceAssembler((e) => counters.countEvent(e));
    const lines: string[] = [];
    const tailer = new AuditLogTailer({ path: file, start: 'beginning', stateFile: undefined, maxLineBytes, chunkBytes, maxBytesPerPoll: Math.ceil(fs.statSync(file).size / polls), logger: silentLogger });
    const sink =
      way === 'bytes'
        ? {
            bytes(buf: Buffer, start: number, end: number, chunk: number) {
              lines.push(buf.toString('latin1', start, end));
              const r = scanner.scan(buf, start, end, chunk);
              if (!r) return void counters.parseErrors++;
              counters.countRecord(r.typeLabel);
              assembler.addScanned(r, 0);
            },
            skipped: () => void counters.parseErrors++,
          }
        : {
            line(text: string) {
              lines.push(text);
              const r = parseRecord(text);
              if (!r) return void counters.parseErrors++;
              counters.countRecord(r.type);
              reference.add(r, 0);
            },
            skipped: () => void counters.parseErrors++,
          };
    for (let i = 0; i <= polls; i++) await tailer.poll(sink);
    await tailer.close();
    if (way === 'bytes') assembler.completeAll();
    else reference.completeAll();
    out[way] = { samples: canonical(counters.samples().filter((s) => s.family.name !== 'docker_audit_log_bytes_read_total')), lines };
  }
  return out;
}

describe('the byte path on a log (fuzz): same lines and same counts as the text path and the reference assembler', () => {
  // Events of a few ids, their records interleaved, some lines cut or mutated, 0x1d and
  // overlong lines among them; read in chunks of any size, over several polls.
  const ids = fc.uniqueArray(fc.tuple(fc.integer({ min: 1_700_000_000, max: 1_700_000_005 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 6 });
  const log = ids.chain((idList) => {
    const idText = idList.map(([s, ms, n]) => `${s}.${String(ms).padStart(3, '0')}:${n}`);
    const withId = (line: string, i: number) => line.replace(/msg=audit\([^)]*\)/, `msg=audit(${idText[i % idText.length]})`);
    const line = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.oneof(kernelSyscall, generatedRecord.map(renderRecord)), fc.nat()).map(([l, i]) => withId(l, i)) },
      fc.tuple(fc.constantFrom('PATH', 'CWD', 'PROCTITLE', 'CONFIG_CHANGE', 'NETFILTER_CFG'), fc.nat(), keyValue).map(([t, i, k]) => `type=${t} msg=audit(${idText[i % idText.length]}): item=0 key=${k.raw}\x1dX="y"`),
      mutated(kernelSyscall, 3),
      latin1String(40),
      fc.constant(''),
      fc.constant('x'.repeat(300)),
    );
    return fc.array(line.map(asLogged), { minLength: 1, maxLength: 30 });
  });

  it('whatever the chunk size, the line length limit and the polls', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(log, fc.integer({ min: 1, max: 700 }), fc.integer({ min: 16, max: 400 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), async (lines, chunkBytes, maxLineBytes, polls, cutLast) => {
        const file = path.join(dir, `log-${n++}`);
        const text = lines.join('\n') + (cutLast ? '' : '\n');
        fs.writeFileSync(file, Buffer.from(text, 'latin1'));
        const { bytes, text: viaText } = await bothWays(file, chunkBytes, maxLineBytes, polls);
        expect(bytes.lines).toEqual(viaText.lines);
        expect(bytes.samples).toEqual(viaText.samples);
        // The lines handed on are the file's complete lines, not empty, within the limit.
        const complete = cutLast ? lines.slice(0, -1) : lines;
        expect(bytes.lines).toEqual(complete.filter((l) => l !== '' && Buffer.byteLength(l, 'latin1') <= maxLineBytes));
      }),
      runs(80),
    );
  }, 120_000);
});
