// Property-based fuzzing of the audit record parser (src/model/audit-record.ts): lines of
// the Linux audit log, RAW and ENRICHED, generated from the grammar and then mutated.
import * as fc from 'fast-check';
import { decodeKeys, decodeValue, parseRecord, rawField, recordTime, syscallName, type AuditRecord } from '../../../src/model/audit-record';
import { ALL_SYSCALL_NAMES, archValue, encodedValue, expectedSyscall, fieldName, fields, generatedRecord, keyValue, plainValue, renderFields, renderRecord, syscallValue } from './audit-grammar';
import { anyChar, latin1String, mutated, PROTOTYPE_NAMES, runs } from './fuzz';

// ------------------------------------------------------------------ the invariant of any parse

const ID = /^\d+\.\d+:\d+$/;

/** What parseRecord returns is read from the line: header, optional space, fields, then nothing or 0x1d. */
function expectSound(line: string, r: AuditRecord): void {
  expect(r.type).not.toBe('');
  expect(r.type).not.toContain(' ');
  expect(r.node).not.toContain(' ');
  expect(r.id).toMatch(ID);
  expect(r.id.length).toBeLessThanOrEqual(48);
  expect(r.fields).not.toContain('\x1d');
  const header = `${line.startsWith('node=') ? `node=${r.node} ` : ''}type=${r.type} msg=audit(${r.id}):`;
  expect(line.startsWith(header)).toBe(true);
  const rest = line.slice(header.length);
  const body = rest.startsWith(' ') ? rest.slice(1) : rest;
  expect(body.startsWith(r.fields)).toBe(true);
  expect(body.length === r.fields.length || body[r.fields.length] === '\x1d').toBe(true);
  expect(Number.isFinite(recordTime(r.id))).toBe(true);
}

describe('parseRecord (fuzz)', () => {
  it('never throws on any bytes or any text, and what it returns is read from the line', () => {
    fc.assert(
      fc.property(fc.oneof(latin1String(120), fc.string({ unit: anyChar, maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 })), (line) => {
        const r = parseRecord(line);
        if (r) expectSound(line, r);
      }),
      runs(500),
    );
  });

  it('reads back the node, type, id and raw fields of every line made from the grammar, RAW or ENRICHED', () => {
    fc.assert(
      fc.property(generatedRecord, (g) => {
        expect(parseRecord(renderRecord(g))).toEqual({ node: g.node ?? '', type: g.type, id: g.id, fields: renderFields(g.fields) });
      }),
      runs(400),
    );
  });

  it('never throws on mutated lines (cut short, 0x1d, NUL and spaces inserted, ranges lost or repeated), and stays sound', () => {
    fc.assert(
      fc.property(mutated(generatedRecord.map(renderRecord), 6), (line) => {
        const r = parseRecord(line);
        if (r) expectSound(line, r);
      }),
      runs(500),
    );
  });

  it('a line cut short is refused, or read with the same header and a prefix of the fields', () => {
    fc.assert(
      fc.property(generatedRecord, fc.nat(), (g, cut) => {
        const line = renderRecord(g);
        const r = parseRecord(line.slice(0, cut % (line.length + 1)));
        if (!r) return;
        expect([r.node, r.type, r.id]).toEqual([g.node ?? '', g.type, g.id]);
        expect(renderFields(g.fields).startsWith(r.fields)).toBe(true);
      }),
      runs(400),
    );
  });
});

describe('fields and values (fuzz)', () => {
  it('rawField finds the first token of a name, never a name inside another token, and never throws', () => {
    fc.assert(
      fc.property(fields, fc.oneof(fieldName, fc.constantFrom(...PROTOTYPE_NAMES)), (fs, name) => {
        const text = renderFields(fs);
        expect(rawField(text, name)).toBe(fs.find((f) => f.name === name)?.raw);
      }),
      runs(400),
    );
  });

  it('decodeValue decodes quoted and hex values (either case) to the text, (null) and (none) to nothing', () => {
    fc.assert(
      fc.property(encodedValue, ({ raw, decoded }) => {
        expect(decodeValue(raw)).toBe(decoded);
      }),
      runs(400),
    );
  });

  it('decodeValue and decodeKeys never throw; keys are never empty and never hold 0x01', () => {
    fc.assert(
      fc.property(fc.oneof(plainValue, latin1String(20), fc.stringMatching(/^[0-9A-Fa-f]{0,12}$/)), (raw) => {
        const value = decodeValue(raw);
        expect(value === undefined || typeof value === 'string').toBe(true);
        for (const k of decodeKeys(raw)) {
          expect(k).not.toBe('');
          expect(k).not.toContain('\x01');
        }
      }),
      runs(400),
    );
  });

  it('decodeKeys gives back every key of a (null), quoted or hex key= value', () => {
    fc.assert(
      fc.property(keyValue, ({ raw, keys }) => {
        expect(decodeKeys(raw)).toEqual(keys);
      }),
      runs(300),
    );
  });

  it('syscallName is "other" or a name of the arch\'s table, the one for that decimal number, whatever the arch and number say', () => {
    fc.assert(
      fc.property(fc.option(archValue, { nil: undefined }), fc.option(fc.oneof(syscallValue, plainValue), { nil: undefined }), (arch, number) => {
        const name = syscallName(arch, number);
        expect(name === 'other' || ALL_SYSCALL_NAMES.has(name)).toBe(true);
        expect(name).toBe(expectedSyscall(arch, number));
      }),
      runs(500),
    );
  });
});
