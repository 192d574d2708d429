// Property-based fuzzing of the tar reader (src/model/tar.ts): well-formed archives read back
// exactly; the same archives cut anywhere, with bytes flipped or overwritten, and any bytes
// at all, either read or throw a TarError, never anything else, and never an entry whose
// data reaches past the stream or past its declared size.
import * as fc from 'fast-check';
import { MAX_TAR_ENTRIES, TarError, parseTar, tarOf, type TarEntryType } from '../../../src/model/tar';
import { runs } from './fuzz';

const name = fc.stringMatching(/^[a-z0-9._-]{1,40}$/);
const entry = fc.record({
  name,
  type: fc.constantFrom<TarEntryType>('file', 'file', 'file', 'symlink', 'directory', 'hardlink'),
  linkName: fc.stringMatching(/^[a-z0-9./_-]{0,60}$/),
  data: fc.uint8Array({ maxLength: 1500 }),
});
const archive = fc.array(entry, { maxLength: 5 });

/** Reads, or throws a TarError; anything else fails the property. Checks every entry it gives. */
function readOrRefuse(bytes: Uint8Array): void {
  let entries;
  try {
    entries = parseTar(bytes);
  } catch (err) {
    if (!(err instanceof TarError)) throw err;
    return;
  }
  expect(entries.length).toBeLessThanOrEqual(MAX_TAR_ENTRIES);
  for (const e of entries) {
    expect(e.data.length).toBe(e.type === 'file' ? e.size : 0);
    expect(e.data.buffer === bytes.buffer || e.data.length === 0).toBe(true);
    if (e.data.length > 0) expect(e.data.byteOffset + e.data.length).toBeLessThanOrEqual(bytes.byteOffset + bytes.length);
  }
}

describe('parseTar under fuzzing', () => {
  it('reads back every well-formed archive exactly', () => {
    fc.assert(
      fc.property(archive, (entries) => {
        const read = parseTar(tarOf(entries));
        expect(read.map((e) => ({ name: e.name, type: e.type, linkName: e.linkName, data: Buffer.from(e.data).toString('hex') }))).toEqual(
          entries.map((e) => ({
            name: e.name,
            type: e.type,
            linkName: e.type === 'symlink' || e.type === 'hardlink' ? e.linkName : '',
            data: e.type === 'file' ? Buffer.from(e.data).toString('hex') : '',
          })),
        );
      }),
      runs(300),
    );
  });

  it('reads or refuses an archive cut anywhere', () => {
    fc.assert(
      fc.property(archive, fc.nat(), (entries, cut) => {
        const bytes = tarOf(entries);
        readOrRefuse(bytes.subarray(0, cut % (bytes.length + 1)));
      }),
      runs(300),
    );
  });

  it('reads or refuses an archive with bytes overwritten (headers included)', () => {
    fc.assert(
      fc.property(archive, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }), (entries, edits) => {
        const bytes = tarOf(entries).slice();
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        readOrRefuse(bytes);
      }),
      runs(400),
    );
  });

  it('reads or refuses any bytes at all', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => readOrRefuse(bytes)),
      runs(300),
    );
  });
});
