// Follows one container's json-file log across collections, as the audit log tailer
// (audit-tailer.ts) follows the audit log: each poll reads only the bytes added since the
// last one, in bounded chunks, within a byte budget shared by every container of the
// collection, and hands complete lines on. A partial last line waits for its newline.
//
// What is kept between polls is the inode of the file being read and the offset in it;
// no file stays open (300 containers would hold 300 descriptors, and a held descriptor
// keeps a removed container's log on disk).
//
// - Rotation (max-size): dockerd renames <id>-json.log.{N-1} to .N, down to <id>-json.log
//   to .1, deleting the one past max-file, and creates a new <id>-json.log; it writes
//   nothing more to a file it renamed. When the path names another inode than the one being
//   read, the folder is listed and that inode is looked for among the .N: it is read from
//   the offset to its end, then every newer rotated file (.{k-1} ... .1) from 0, then the
//   new <id>-json.log from 0. No line is read twice (the offset only moves forward, and a
//   file is left for the next newer one only once read to its end) and none is lost while
//   the file being read still exists.
// - Lost files: the file being read is gone from the folder (rotated past max-file, or
//   compressed: with compress=true dockerd gzips .1 to .1.gz shortly after the rotation).
//   It is counted as skipped (reason "compressed" when the folder holds .gz files, else
//   "deleted"), and reading goes on with the oldest file still there. A .gz file is never
//   read: gzip cannot be read from an offset, and a collection must not inflate logs.
// - Truncation (a size below the offset: someone emptied the file): restarts at 0.
// - First poll: starts at the beginning of what the log holds, the oldest uncompressed
//   rotated file first, so the counts are exact for the retained log; the .gz files already
//   there are counted as skipped ("compressed").
// - A line longer than maxLineBytes is skipped (counted by the sink), as is a line a
//   rotated file ends inside of (dockerd writes whole lines, so only a broken file has one).
import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export interface JsonLogSink {
  /** One complete line, without its newline, decoded as UTF-8. */
  line(text: string): void;
  /** A line that could not be read whole: too long, or cut off. */
  skipped(): void;
}

/** What one collection may still read, shared by every container's tailer; and the collection's signal. */
export interface ReadBudget {
  left: number;
  readonly signal?: AbortSignal;
}

export interface JsonLogTailerOptions {
  /** The <id>-json.log as this process opens it (under --host.root-path). */
  readonly path: string;
  readonly maxLineBytes: number;
  /** The read buffer; one is shared by every tailer (containers are read one after the other). */
  readonly buffer: Buffer;
}

interface Entry {
  readonly name: string;
  /** 0 for the path itself, N for .N and .N.gz. */
  readonly index: number;
  readonly compressed: boolean;
  readonly ino: bigint;
  readonly size: number;
  readonly mtimeNs: bigint;
}

interface Scan {
  readonly current: Entry | undefined;
  /** The uncompressed rotated files, oldest (highest N) first. */
  readonly rotated: readonly Entry[];
  readonly compressed: number;
  /** Every file of the log on disk: the path, the .N and the .N.gz. */
  readonly sizeBytes: number;
}

/** The name of a rotated file, `<base>.N` or `<base>.N.gz` (compress=true). */
export function rotatedIndex(base: string, name: string): { index: number; compressed: boolean } | undefined {
  if (!name.startsWith(base + '.')) return undefined;
  const m = /^([1-9]\d{0,5})(\.gz)?$/.exec(name.slice(base.length + 1));
  return m ? { index: Number(m[1]), compressed: m[2] !== undefined } : undefined;
}

/** First bytes remembered of the file being read: they tell a new file that got a deleted file's inode from it. */
const HEAD_BYTES = 256;

/** Finished files remembered: more than dockerd keeps (max-file) on any sane host. */
const MAX_FINISHED = 32;

/** The first HEAD_BYTES of a file; undefined when it cannot be read. */
async function readHead(file: string): Promise<Buffer | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, READ_FLAGS);
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    return head.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** Rounds of "find the file, read it" in one poll: each is one file read to its end or one race with a rotation. */
const MAX_ROUNDS = 16;
const READ_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY | fsConstants.O_NOFOLLOW;
const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export class JsonLogTailer {
  bytesRead = 0;
  /** Bytes not yet consumed after the last poll: the file being read past the last complete line, and the files after it. */
  lagBytes = 0;
  /** Size on disk of the log: <id>-json.log, its .N and .N.gz. */
  sizeBytes = 0;
  /** Rotated files moved past, read to their end. */
  rotations = 0;
  truncations = 0;
  /** Files never read: compressed (.gz) ones, and files deleted before they were read to their end. */
  skippedCompressed = 0;
  skippedDeleted = 0;
  private ino: bigint | undefined;
  private offset = 0;
  private head = Buffer.alloc(0);
  /** The modification time when last read to its end. */
  private mtimeNs = -1n;
  /** The rotated files read to their end, newest last: not read again when the place in the log is lost. */
  private finished: { ino: bigint; size: number; head: Buffer }[] = [];
  private carry: Buffer | undefined;
  /** Discarding up to the next newline (the rest of a line too long). */
  private skipping = false;
  private readonly dir: string;
  private readonly base: string;

  constructor(private readonly options: JsonLogTailerOptions) {
    this.dir = path.dirname(options.path);
    this.base = path.basename(options.path);
  }

  /** Reads what is new, within the budget; throws when the log's folder or file cannot be read (ENOENT is an empty log). */
  async poll(sink: JsonLogSink, budget: ReadBudget): Promise<void> {
    let scan = await this.scan();
    this.sizeBytes = scan.sizeBytes;
    if (!scan.current && scan.rotated.length === 0) {
      this.lagBytes = 0;
      return;
    }
    if (this.ino === undefined) {
      // The beginning of the retained log: the oldest uncompressed file.
      this.skippedCompressed += scan.compressed;
      this.moveTo(scan.rotated[0] ?? scan.current!);
    }
    // The steady state, nothing written since the last poll: the listing says so, no file is opened.
    const reading = this.find(scan);
    if (reading?.index === 0 && reading.size === this.offset && reading.mtimeNs === this.mtimeNs) {
      this.lagBytes = this.lag(scan);
      return;
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const at = this.find(scan);
      const outcome = at ? await this.read(at, sink, budget) : 'gone';
      if (outcome === 'moved') {
        scan = await this.scan(); // renamed between the listing and the open
        continue;
      }
      if (outcome === 'gone') {
        // Gone before it was read to its end (rotated past max-file, or gzipped), or its
        // inode is now another file's (dockerd's new file often gets the deleted one's).
        // Every file still there is newer: on with the oldest.
        if (scan.compressed > 0) this.skippedCompressed++;
        else this.skippedDeleted++;
        this.cutOff(sink);
        const next = (await this.oldestUnread(scan)) ?? scan.current;
        if (!next) break;
        this.moveTo(next);
        continue;
      }
      if (outcome === 'budget' || at!.index === 0) break;
      // A rotated file read to its end is final: on to the next newer one.
      this.cutOff(sink);
      this.rotations++;
      this.remember(at!);
      const next = [...scan.rotated].reverse().find((e) => e.index < at!.index) ?? scan.current;
      if (!next) break;
      this.moveTo(next);
    }
    this.lagBytes = this.lag(scan);
  }

  /** Remembers a rotated file read to its end: inode, size and first bytes. */
  private remember(entry: Entry): void {
    this.finished.push({ ino: entry.ino, size: entry.size, head: this.head });
    if (this.finished.length > MAX_FINISHED) this.finished.shift();
  }

  /**
   * The oldest rotated file not read already, after the file being read was lost: when it
   * was deleted, every file left is newer; when the current file was emptied and written
   * again past the offset (its first bytes changed), the rotated files are older, and read.
   */
  private async oldestUnread(scan: Scan): Promise<Entry | undefined> {
    for (const e of scan.rotated) {
      const candidates = this.finished.filter((f) => f.ino === e.ino && f.size === e.size);
      if (candidates.length === 0) return e;
      const head = await readHead(path.join(this.dir, e.name));
      if (!candidates.some((f) => head !== undefined && f.head.equals(head.subarray(0, f.head.length)))) return e;
    }
    return undefined;
  }

  private moveTo(entry: Entry): void {
    this.ino = entry.ino;
    this.offset = 0;
    this.head = Buffer.alloc(0);
    this.mtimeNs = -1n;
  }

  private find(scan: Scan): Entry | undefined {
    if (scan.current?.ino === this.ino) return scan.current;
    return scan.rotated.find((e) => e.ino === this.ino);
  }

  /** A line the file ended inside: it cannot be finished (its rest is not in the next file). */
  private cutOff(sink: JsonLogSink): void {
    if (this.carry) sink.skipped();
    this.carry = undefined;
    this.skipping = false;
  }

  private committedOffset(): number {
    return this.skipping ? this.offset : this.offset - (this.carry?.length ?? 0);
  }

  private lag(scan: Scan): number {
    const at = this.find(scan);
    if (!at) return 0;
    let lag = Math.max(0, at.size - this.committedOffset());
    if (at.index > 0) {
      for (const e of scan.rotated) if (e.index < at.index) lag += e.size;
      lag += scan.current?.size ?? 0;
    }
    return lag;
  }

  /** Lists the log's files: the path, its .N and .N.gz (regular files only, never followed through a link). */
  private async scan(): Promise<Scan> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if (isMissing(err)) return { current: undefined, rotated: [], compressed: 0, sizeBytes: 0 };
      throw new Error(`listing the container log folder ${this.dir} failed`, { cause: err });
    }
    let current: Entry | undefined;
    const rotated: Entry[] = [];
    let compressed = 0;
    let sizeBytes = 0;
    for (const name of names) {
      const rot = name === this.base ? { index: 0, compressed: false } : rotatedIndex(this.base, name);
      if (!rot) continue;
      const status = await fs.lstat(path.join(this.dir, name), { bigint: true }).catch(() => undefined);
      if (!status?.isFile()) continue;
      const entry: Entry = { name, index: rot.index, compressed: rot.compressed, ino: status.ino, size: Number(status.size), mtimeNs: status.mtimeNs };
      sizeBytes += entry.size;
      if (entry.compressed) compressed++;
      else if (entry.index === 0) current = entry;
      else rotated.push(entry);
    }
    rotated.sort((a, b) => b.index - a.index);
    return { current, rotated, compressed, sizeBytes };
  }

  /**
   * Reads a file from the offset to its size now, chunk by chunk, while the budget lasts.
   * "moved" when the name no longer holds the inode the listing saw.
   */
  private async read(entry: Entry, sink: JsonLogSink, budget: ReadBudget): Promise<'end' | 'budget' | 'moved' | 'gone'> {
    const file = path.join(this.dir, entry.name);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, READ_FLAGS);
    } catch (err) {
      if (isMissing(err)) return 'moved';
      throw new Error(`opening the container log ${file} failed`, { cause: err });
    }
    try {
      const status = await handle.stat({ bigint: true });
      if (!status.isFile() || status.ino !== entry.ino) return 'moved';
      const size = Number(status.size);
      // Nothing new since the last read (the steady state): no further read.
      if (size === this.offset && status.mtimeNs === this.mtimeNs) return 'end';
      if (size < this.offset) {
        // Emptied in place (`truncate -s 0`, the usual way to free a log's space by hand).
        this.truncations++;
        this.cutOff(sink);
        this.offset = 0;
        this.head = Buffer.alloc(0);
      } else if (this.offset > 0 && !(await this.sameHead(handle, size))) {
        // Another file under the same inode: its first bytes changed (the file being read was
        // deleted, and dockerd's next new file got its inode, which ext4 and tmpfs do at once).
        return 'gone';
      }
      if (this.head.length < HEAD_BYTES) await this.sameHead(handle, size);
      const buffer = this.options.buffer;
      while (this.offset < size) {
        if (budget.left <= 0 || budget.signal?.aborted) return 'budget';
        const want = Math.min(buffer.length, size - this.offset, budget.left);
        const { bytesRead } = await handle.read(buffer, 0, want, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.bytesRead += bytesRead;
        budget.left -= bytesRead;
        this.splitLines(buffer.subarray(0, bytesRead), sink);
      }
      this.mtimeNs = status.mtimeNs;
      return 'end';
    } catch (err) {
      throw new Error(`reading the container log ${file} failed`, { cause: err });
    } finally {
      await handle.close();
    }
  }

  /** Whether the file still starts as it did; remembers its first bytes as they appear. */
  private async sameHead(handle: fs.FileHandle, size: number): Promise<boolean> {
    const want = Math.min(size, HEAD_BYTES);
    if (want === 0) return true;
    const now = Buffer.alloc(want);
    const { bytesRead } = await handle.read(now, 0, want, 0);
    const n = Math.min(bytesRead, this.head.length);
    const same = now.subarray(0, n).equals(this.head.subarray(0, n));
    if (bytesRead > this.head.length) this.head = now.subarray(0, bytesRead);
    return same;
  }

  private splitLines(chunk: Buffer, sink: JsonLogSink): void {
    const max = this.options.maxLineBytes;
    let pos = 0;
    if (this.skipping) {
      const nl = chunk.indexOf(0x0a);
      if (nl === -1) return;
      this.skipping = false;
      pos = nl + 1;
    }
    for (let nl = chunk.indexOf(0x0a, pos); nl !== -1; nl = chunk.indexOf(0x0a, pos)) {
      const carried = this.carry?.length ?? 0;
      if (carried + nl - pos > max) sink.skipped();
      else if (this.carry) sink.line(Buffer.concat([this.carry, chunk.subarray(pos, nl)]).toString('utf8'));
      else if (nl > pos) sink.line(chunk.toString('utf8', pos, nl));
      this.carry = undefined;
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      const carried = this.carry?.length ?? 0;
      if (carried + chunk.length - pos > max) {
        sink.skipped();
        this.carry = undefined;
        this.skipping = true;
      } else {
        // Copied: the chunk is the shared buffer, overwritten by the next read.
        this.carry = Buffer.concat([this.carry ?? Buffer.alloc(0), chunk.subarray(pos)]);
      }
    }
  }
}
