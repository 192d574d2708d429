import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeKeys, decodeValue, parseRecord, rawField, recordTime, syscallName } from '../../../src/model/audit-record';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'audit');
const lines = (name: string) => fs.readFileSync(path.join(FIXTURES, name)).toString('latin1').split('\n').filter((l) => l !== '');

describe('parseRecord', () => {
  it('reads the header of a recorded ENRICHED record and leaves out the interpreted part', () => {
    const line = lines('recorded-enriched.log').find((l) => l.startsWith('type=SYSCALL') && l.includes('syscall=59'))!;
    const record = parseRecord(line)!;
    expect(record.type).toBe('SYSCALL');
    expect(record.node).toBe('');
    expect(record.id).toMatch(/^\d+\.\d{3}:\d+$/);
    expect(recordTime(record.id)).toBeCloseTo(Number(record.id.split(':')[0]), 3);
    expect(line).toContain('\x1d');
    expect(record.fields).not.toContain('\x1d');
    expect(record.fields).not.toContain('SYSCALL=execve'); // interpreted, after 0x1d
    expect(rawField(record.fields, 'syscall')).toBe('59');
  });

  it('reads the node= prefix', () => {
    const record = parseRecord(lines('node-prefix-from-recorded.log')[0])!;
    expect(record.node).toBe('fixturehost');
    expect(record.type).toBe('CONFIG_CHANGE');
  });

  it('reads RAW records (no 0x1d) whole', () => {
    const raw = lines('raw-from-recorded.log').map((l) => parseRecord(l)!);
    const enriched = lines('recorded-enriched.log').map((l) => parseRecord(l)!);
    expect(raw.map((r) => [r.id, r.type, r.fields])).toEqual(enriched.map((r) => [r.id, r.type, r.fields]));
  });

  it('refuses garbage', () => {
    expect(parseRecord('type=SYSCALL msg=audit(garbage): no header')).toBeUndefined();
    expect(parseRecord('\x00\x01\xff binary')).toBeUndefined();
    expect(parseRecord('')).toBeUndefined();
    expect(parseRecord('type= msg=audit(1.2:3): x')).toBeUndefined();
    expect(parseRecord('type=A B msg=audit(1.2:3): x')).toBeUndefined();
    expect(parseRecord('node=n type=A msg=audit(1.2:3)x')).toBeUndefined();
    expect(parseRecord('type=A msg=audit(1.2:3):')).toEqual({ node: '', type: 'A', id: '1.2:3', fields: '' });
  });
});

describe('fields and values', () => {
  it('finds a field only at the start of a token', () => {
    expect(rawField('fsuid=0 uid=5 exe="/bin/x"', 'uid')).toBe('5');
    expect(rawField('uid=7 fsuid=0', 'uid')).toBe('7');
    expect(rawField('a=1', 'b')).toBeUndefined();
  });

  it('decodes quoted, hex and (null) values as auparse does', () => {
    expect(decodeValue('"/usr/bin/dockerd"')).toBe('/usr/bin/dockerd');
    expect(decodeValue('68656C6C6F20776F726C64')).toBe('hello world');
    expect(decodeValue('(null)')).toBeUndefined();
    expect(decodeValue('(none)')).toBeUndefined();
    expect(decodeValue('"caf\xc3\xa9"')).toBe('café'); // latin1 bytes of UTF-8
  });

  it('decodes the recorded EXECVE argument the kernel hex-encoded (it holds a space)', () => {
    const execve = lines('recorded-enriched.log').map((l) => parseRecord(l)!).find((r) => r.type === 'EXECVE')!;
    expect(rawField(execve.fields, 'a1')).toMatch(/^[0-9A-F]+$/);
    expect(decodeValue(rawField(execve.fields, 'a1'))).toBe('hello world');
    expect(decodeValue(rawField(execve.fields, 'a0'))).toMatch(/\/bin\/echo$/);
  });

  it('splits the recorded hex key of a rule with two keys', () => {
    const change = lines('recorded-enriched.log')
      .map((l) => parseRecord(l)!)
      .find((r) => r.type === 'CONFIG_CHANGE' && !rawField(r.fields, 'key')!.startsWith('"'))!;
    expect(decodeKeys(rawField(change.fields, 'key'))).toEqual(['dae_al_fx_a', 'dae_al_fx_b']);
    expect(decodeKeys('"docker"')).toEqual(['docker']);
    expect(decodeKeys('(null)')).toEqual([]);
    expect(decodeKeys(undefined)).toEqual([]);
  });
});

describe('syscallName', () => {
  it('translates by arch, from the ausyscall tables', () => {
    expect(syscallName('c000003e', '59')).toBe('execve');
    expect(syscallName('c000003e', '257')).toBe('openat');
    expect(syscallName('40000003', '11')).toBe('execve');
    expect(syscallName('c00000b7', '221')).toBe('execve');
    expect(syscallName('C000003E', '2')).toBe('open');
  });

  it('says "other" for an unknown arch or number, so the label stays bounded', () => {
    expect(syscallName('deadbeef', '59')).toBe('other');
    expect(syscallName('c000003e', '99999')).toBe('other');
    expect(syscallName(undefined, '1')).toBe('other');
  });
});
