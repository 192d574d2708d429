// The tar reader on the engine's own archives (test/fixtures/imageos, recorded from Engine
// 20.10) and on streams cut short, lying or endless.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_TAR_ENTRIES, TAR_BLOCK, TarError, parsePaxRecords, parseTar, tarOf } from '../../../src/model/tar';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'imageos');
const fixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/** Rewrites a header field and its checksum, as a hostile engine could. */
function withField(tar: Uint8Array, start: number, value: string): Uint8Array {
  const out = tar.slice();
  out.fill(0, start, start + value.length);
  out.set(Buffer.from(value, 'latin1'), start);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : out[i];
  out.set(Buffer.from(sum.toString(8).padStart(6, '0') + '\0 ', 'latin1'), 148);
  return out;
}

describe('parseTar', () => {
  it('reads the symbolic link the engine archives for /etc/os-release on Ubuntu', () => {
    const entries = parseTar(fixture('archive-symlink-etc-os-release.tar'));
    expect(entries.map(({ name, type, size, linkName }) => ({ name, type, size, linkName }))).toEqual([
      { name: 'os-release', type: 'symlink', size: 0, linkName: '../usr/lib/os-release' },
    ]);
  });

  it('reads the file the engine archives for /usr/lib/os-release', () => {
    const [entry, ...rest] = parseTar(fixture('archive-file-usr-lib-os-release.tar'));
    expect(rest).toEqual([]);
    expect([entry.name, entry.type, entry.size]).toEqual(['os-release', 'file', 24]);
    expect(text(entry.data)).toBe('NAME="Ubuntu"\nID=ubuntu\n');
  });

  it('reads what tarOf writes: several entries, the sizes on block boundaries and off them', () => {
    const data512 = 'x'.repeat(512);
    const entries = parseTar(tarOf([
      { name: 'a', data: 'hello' },
      { name: 'b', data: data512 },
      { name: 'etc', type: 'directory' },
      { name: 'l', type: 'symlink', linkName: '/x' },
      { name: 'h', type: 'hardlink', linkName: 'a' },
      { name: 'empty', data: '' },
    ]));
    expect(entries.map((e) => [e.name, e.type, e.size, e.linkName, text(e.data)])).toEqual([
      ['a', 'file', 5, '', 'hello'],
      ['b', 'file', 512, '', data512],
      ['etc', 'directory', 0, '', ''],
      ['l', 'symlink', 0, '/x', ''],
      ['h', 'hardlink', 0, 'a', ''],
      ['empty', 'file', 0, '', ''],
    ]);
  });

  it('reads an empty stream and a stream of zero blocks as no entries', () => {
    expect(parseTar(new Uint8Array(0))).toEqual([]);
    expect(parseTar(new Uint8Array(TAR_BLOCK * 2))).toEqual([]);
  });

  it('takes the name and link from PAX records and GNU long-name entries', () => {
    const long = `${'d/'.repeat(80)}os-release`;
    const record = (key: string, value: string): string => {
      const body = ` ${key}=${value}\n`;
      let len = body.length + 1;
      while (String(len).length + body.length !== len) len = String(len).length + body.length;
      return `${len}${body}`;
    };
    const pax = tarOf([{ name: 'PaxHeader', type: 'other', data: '' }]);
    // Build the 'x' entry by hand: tarOf writes type '6' for 'other', so the flag is rewritten.
    const paxData = record('path', long) + record('linkpath', '../' + long);
    const withX = tarOf([{ name: 'PaxHeader', data: paxData }, { name: 'short', type: 'symlink', linkName: 'short' }]);
    const flagged = withField(withX, 156, 'x');
    const [entry] = parseTar(flagged);
    expect([entry.name, entry.type, entry.linkName]).toEqual([long, 'symlink', '../' + long]);
    expect(pax.length).toBeGreaterThan(0);

    const gnu = withField(tarOf([{ name: '././@LongLink', data: long + '\0' }, { name: 'short', data: 'x' }]), 156, 'L');
    expect(parseTar(gnu).map((e) => e.name)).toEqual([long]);
  });

  it('joins the ustar prefix field and the name', () => {
    const tar = withField(tarOf([{ name: 'os-release', data: 'ID=x\n' }]), 345, 'usr/lib');
    expect(parseTar(tar)[0].name).toBe('usr/lib/os-release');
  });

  describe('refuses what is not a well-formed tar', () => {
    const good = tarOf([{ name: 'os-release', data: 'ID=debian\nVERSION_ID="12"\n' }]);
    const cases: [string, Uint8Array, RegExp][] = [
      ['a header cut short', good.subarray(0, 100), /ends inside a header at byte 0/],
      ['data cut short', good.subarray(0, TAR_BLOCK + 10), /declares 26 bytes of data, but the stream has 10 left/],
      ['a bad checksum', (() => { const t = good.slice(); t[0] ^= 1; return t; })(), /bad checksum/],
      ['a size that is not octal', withField(good, 124, '0000000009\0'), /size that is not octal/],
      ['a size in base-256', withField(good, 124, '\x80\0\0\0\0\0\0\0\0\0\0\x1b'), /base-256/],
      ['a size larger than the stream', withField(good, 124, '77777777777\0'), /declares 8589934591 bytes/],
      ['a checksum that is not a number', (() => { const t = good.slice(); t.set(Buffer.from('zzzzzz\0 '), 148); return t; })(), /checksum that is not octal/],
      ['random bytes', new Uint8Array(TAR_BLOCK).fill(0x41), /not octal|bad checksum/],
    ];
    it.each(cases)('%s', (_what, bytes, message) => {
      expect(() => parseTar(bytes)).toThrow(TarError);
      expect(() => parseTar(bytes)).toThrow(message);
    });

    it('more entries than MAX_TAR_ENTRIES', () => {
      const many = tarOf(Array.from({ length: MAX_TAR_ENTRIES + 1 }, (_, i) => ({ name: `f${i}`, data: '' })));
      expect(() => parseTar(many)).toThrow(/more than 64 entries/);
      expect(parseTar(tarOf(Array.from({ length: MAX_TAR_ENTRIES }, (_, i) => ({ name: `f${i}`, data: '' }))))).toHaveLength(MAX_TAR_ENTRIES);
    });

    it('a stream of PAX headers with no entry after them ends at the entry bound', () => {
      const one = withField(tarOf([{ name: 'x', data: '' }]).subarray(0, TAR_BLOCK), 156, 'x');
      const endless = new Uint8Array(TAR_BLOCK * (MAX_TAR_ENTRIES * 2 + 2));
      for (let i = 0; i < MAX_TAR_ENTRIES * 2 + 2; i++) endless.set(one, i * TAR_BLOCK);
      expect(() => parseTar(endless)).toThrow(/more than 64 entries/);
    });

    it('PAX records that lie about their length', () => {
      expect(() => parsePaxRecords(Buffer.from('99 path=x\n'), 0)).toThrow(/runs past its end/);
      expect(() => parsePaxRecords(Buffer.from('x path=x\n'), 0)).toThrow(/not a number/);
      expect(() => parsePaxRecords(Buffer.from('9 pathx\n1'), 0)).toThrow(TarError);
      expect(() => parsePaxRecords(Buffer.from('nospace'), 0)).toThrow(/without a length/);
      expect(parsePaxRecords(Buffer.from('11 path=ab\n12 size=100\n'), 0)).toEqual(new Map([['path', 'ab'], ['size', '100']]));
    });
  });
});
