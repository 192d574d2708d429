// A reader of the tar streams GET /containers/{id}/archive answers with: POSIX ustar headers
// in 512-byte blocks, the size in octal, plus the PAX ('x') and GNU ('L', 'K') records that
// carry names too long for a header. Pure: bytes in, entries out. The engine (Go's
// archive/tar) writes well-formed streams; this reader is written for the ones that are not
// (cut short, lying about sizes, endless), because the bytes come from whoever controls the
// engine: every size is checked against the bytes there are, every count is bounded, and a
// stream that breaks a rule throws a TarError rather than giving a half-read entry.

/** The kinds of entry a container archive holds; anything else (devices, FIFOs) is 'other'. */
export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'other';

export interface TarEntry {
  /** The path as the archive names it ("os-release" for a single file: the engine names it by its base name). */
  readonly name: string;
  readonly type: TarEntryType;
  /** Bytes of data the entry declares (0 but for files). */
  readonly size: number;
  /** The target of a symbolic or hard link; "" otherwise. */
  readonly linkName: string;
  /** The file's bytes: a view into the stream, not a copy. Empty for any other type. */
  readonly data: Uint8Array;
}

/** The stream is not a tar this reader accepts; the message says where and why. */
export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

export const TAR_BLOCK = 512;
/** Most entries read from one stream: an archive of one file has one (two with a PAX record). */
export const MAX_TAR_ENTRIES = 64;
/** Longest PAX record area or GNU long name read. */
const MAX_META_BYTES = 16 * 1024;

const decoder = new TextDecoder('utf-8');

/** A NUL-terminated (or field-long) string field. */
function field(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const nul = bytes.indexOf(0);
  return decoder.decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

/**
 * A numeric field: octal ASCII digits, padded with spaces or NULs either side. The GNU
 * base-256 form (high bit set) is refused: it is only needed for sizes over 8 GiB, which
 * no file asked for here can have.
 */
function octal(block: Uint8Array, start: number, length: number, what: string, at: number): number {
  if ((block[start] & 0x80) !== 0) throw new TarError(`the header at byte ${at} gives its ${what} in base-256, which is not read`);
  const text = field(block, start, length).replace(/^[ ]+|[ ]+$/g, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`the header at byte ${at} has a ${what} that is not octal: ${JSON.stringify(text.slice(0, 20))}`);
  const n = parseInt(text, 8);
  if (!Number.isSafeInteger(n)) throw new TarError(`the header at byte ${at} has a ${what} too large to read`);
  return n;
}

/** The header checksum: the byte sum with the checksum field itself counted as spaces. */
function checksumOf(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum;
}

const isZeroBlock = (block: Uint8Array): boolean => block.every((b) => b === 0);

function typeOf(flag: number): TarEntryType {
  switch (String.fromCharCode(flag)) {
    case '0':
    case '\0':
    case '7': // contiguous file: a regular file everywhere that matters
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

/** PAX extended header records: "LEN key=value\n", LEN counting the whole record. */
export function parsePaxRecords(data: Uint8Array, at: number): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0 || space - pos > 10) throw new TarError(`the PAX header at byte ${at} has a record without a length`);
    const lengthText = decoder.decode(data.subarray(pos, space));
    if (!/^[1-9][0-9]*$/.test(lengthText)) throw new TarError(`the PAX header at byte ${at} has a record length that is not a number`);
    const length = Number(lengthText);
    const end = pos + length;
    if (end > data.length || length <= space - pos + 1 || data[end - 1] !== 0x0a) throw new TarError(`the PAX header at byte ${at} has a record that runs past its end`);
    const record = decoder.decode(data.subarray(space + 1, end - 1));
    const eq = record.indexOf('=');
    if (eq <= 0) throw new TarError(`the PAX header at byte ${at} has a record without key=value`);
    records.set(record.slice(0, eq), record.slice(eq + 1));
    pos = end;
  }
  return records;
}

/**
 * Every entry of a tar stream, in order, up to the end-of-archive block (or the end of the
 * bytes on a block boundary: Docker's streams end with two zero blocks, but a stream cut
 * between entries still holds whole entries). Throws a TarError for a header cut short, a bad
 * checksum, a size past the bytes there are, or more than MAX_TAR_ENTRIES entries.
 */
export function parseTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  // What a PAX or GNU record said about the entry that follows it.
  let pending: { name?: string; linkName?: string; size?: number } = {};
  let headers = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < TAR_BLOCK) throw new TarError(`the stream ends inside a header at byte ${offset} (${bytes.length - offset} of ${TAR_BLOCK} bytes)`);
    const block = bytes.subarray(offset, offset + TAR_BLOCK);
    if (isZeroBlock(block)) break;
    if (++headers > MAX_TAR_ENTRIES * 2) throw new TarError(`the stream has more than ${MAX_TAR_ENTRIES} entries`);
    const stored = octal(block, 148, 8, 'checksum', offset);
    if (stored !== checksumOf(block)) throw new TarError(`the header at byte ${offset} has a bad checksum`);
    const flag = block[156];
    const declared = octal(block, 124, 12, 'size', offset);
    const size = pending.size ?? declared;
    const dataStart = offset + TAR_BLOCK;
    if (size > bytes.length - dataStart) throw new TarError(`the entry at byte ${offset} declares ${size} bytes of data, but the stream has ${bytes.length - dataStart} left`);
    const data = bytes.subarray(dataStart, dataStart + size);
    const next = dataStart + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
    const kind = String.fromCharCode(flag);
    if (kind === 'x' || kind === 'g' || kind === 'L' || kind === 'K') {
      if (size > MAX_META_BYTES) throw new TarError(`the ${kind} record at byte ${offset} is over ${MAX_META_BYTES} bytes`);
      if (kind === 'x') {
        const records = parsePaxRecords(data, offset);
        const paxSize = records.get('size');
        if (paxSize !== undefined && !/^[0-9]{1,15}$/.test(paxSize)) throw new TarError(`the PAX header at byte ${offset} has a size that is not a number`);
        pending = {
          ...pending,
          ...(records.has('path') ? { name: records.get('path') } : {}),
          ...(records.has('linkpath') ? { linkName: records.get('linkpath') } : {}),
          ...(paxSize !== undefined ? { size: Number(paxSize) } : {}),
        };
      } else if (kind === 'L') pending = { ...pending, name: field(data, 0, data.length) };
      else if (kind === 'K') pending = { ...pending, linkName: field(data, 0, data.length) };
      // 'g' (global PAX) applies to every entry; none of its keys matter here.
      offset = next;
      continue;
    }
    const magic = field(block, 257, 6);
    const prefix = magic.startsWith('ustar') && block[263] === 0x30 ? field(block, 345, 155) : ''; // POSIX ustar "00" only; GNU's "ustar  " has no prefix field
    const headerName = prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100);
    const type = typeOf(flag);
    entries.push({
      name: pending.name ?? headerName,
      type,
      size,
      linkName: type === 'symlink' || type === 'hardlink' ? (pending.linkName ?? field(block, 157, 100)) : '',
      data: type === 'file' ? data : new Uint8Array(0),
    });
    if (entries.length > MAX_TAR_ENTRIES) throw new TarError(`the stream has more than ${MAX_TAR_ENTRIES} entries`);
    pending = {};
    offset = next;
  }
  return entries;
}

/** A well-formed one-entry tar, as Go's archive/tar writes it: for tests, fuzzing and the bench's fake engine. */
export function tarOf(entries: readonly { name: string; type?: TarEntryType; linkName?: string; data?: Uint8Array | string }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const e of entries) {
    const data = typeof e.data === 'string' ? enc.encode(e.data) : (e.data ?? new Uint8Array(0));
    const header = new Uint8Array(TAR_BLOCK);
    const put = (start: number, text: string) => header.set(enc.encode(text), start);
    const flag = { file: '0', hardlink: '1', symlink: '2', directory: '5', other: '6' }[e.type ?? 'file'];
    const size = flag === '0' ? data.length : 0;
    put(0, e.name.slice(0, 100));
    put(100, '0000644\0');
    put(108, '0000000\0');
    put(116, '0000000\0');
    put(124, size.toString(8).padStart(11, '0') + '\0');
    put(136, '00000000000\0');
    put(156, flag);
    put(157, (e.linkName ?? '').slice(0, 100));
    put(257, 'ustar\0');
    put(263, '00');
    put(148, checksumOf(header).toString(8).padStart(6, '0') + '\0 ');
    blocks.push(header);
    if (size > 0) {
      const padded = new Uint8Array(Math.ceil(size / TAR_BLOCK) * TAR_BLOCK);
      padded.set(data);
      blocks.push(padded);
    }
  }
  blocks.push(new Uint8Array(TAR_BLOCK * 2));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
