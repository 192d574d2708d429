// Follows the audit log across collections: the file stays open, each poll reads only the
// bytes added since the last one, in bounded chunks (memory does not grow with the file),
// and hands complete lines on. A partial last line waits for its newline.
//
// - Rotation by rename (auditd's max_log_file_action=ROTATE, `kill -USR1 auditd`): auditd
//   renames audit.log.{N-1} to audit.log.N, down to audit.log to audit.log.1, and opens a new
//   audit.log; the rename onto audit.log.{num_logs-1} deletes the oldest. When the path names
//   another inode than the newest file held, the tailer lists the folder, finds that file
//   among the audit.log.N (by inode: it holds it open), and holds every file that came after
//   it (audit.log.{k-1} ... audit.log.1, then the new audit.log). It reads them in that order,
//   each to its end (auditd closes a file before renaming it), through the descriptors it
//   holds: a file found once is read even if further rotations delete it meanwhile.
// - Files are recognised by inode and their first bytes (FileId), never by name: names shift
//   on every rotation. Files not held are "known": read already, or older than where reading
//   started. A file under another inode starting as a known file does (a whole first line, or
//   HEAD_BYTES) is a copy of it (copy-truncate's audit.log.1) and is not read again.
// - Lost files: a rotated file that is missing between the newest held and the path (a gap in
//   the .N names), or deleted by rotation before it could be found. When the newest held file
//   was itself deleted along with every file older than it, rotation pushed it past the
//   oldest one auditd keeps; each rotated file written after that deletion (its modification
//   time later than the deleted file's change time) stands for one more rotation, and that
//   rotation deleted one unread file (when every file kept was written after it, that many at
//   least: more may have gone before them). Lost files are counted and logged at warn.
// - Truncation (copy-truncate): a size below the offset, or a first line that changed,
//   restarts at 0.
// - A missing or unreadable file: poll() throws with the reason; the next poll tries again,
//   and a file that appears later is read from byte 0. The file deleted stays held until then
//   (what is still written to it through another descriptor is read).
// - Start: a state file ({inode, offset, head, known}, written atomically after each poll)
//   says where to resume (a file found by inode and head, at the path or among the .N, then
//   every file after it); without one, --audit.start says end (only new lines) or beginning.
// - A poll reads at most a budget of bytes (--audit.max-bytes-per-collection) and stops early
//   when the collection is aborted: a first read of a huge log spreads over collections
//   instead of holding one up. The rest is read by the next polls, through the descriptors
//   held even if the files were rotated meanwhile, and shows as lag until then. Rotations are
//   still looked for on every poll, so a backlog does not let rotated files be deleted unseen.
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { LogFields, Logger } from '../base/log';
import { NotAFileError, readTextFile } from './files';

export interface TailerOptions {
  readonly path: string;
  readonly start: 'end' | 'beginning';
  readonly stateFile: string | undefined;
  /** Longer lines are skipped (and reported to the sink). */
  readonly maxLineBytes: number;
  readonly chunkBytes?: number;
  /** Most bytes one poll reads; 0 or undefined reads to the end. */
  readonly maxBytesPerPoll?: number;
  readonly logger: Logger;
}

export interface LineSink {
  /** One complete line, without its newline, as latin1 (one char per byte). Not called when the sink has `bytes`. */
  line?(text: string): void;
  /**
   * One complete line, without its newline: bytes [start, end) of `buf`, valid during the
   * call only (the buffer is read into again). `chunk` names what `buf` holds: the same
   * number means the same bytes, so a sink may remember positions found in it. Lines are
   * handed over as bytes so that a consumer can count without making a string per line.
   */
  bytes?(buf: Buffer, start: number, end: number, chunk: number): void;
  /** A line skipped: longer than maxLineBytes, or cut off by a rotation or truncation. */
  skipped(): void;
}

/** A file recognised by its inode and its first bytes. */
interface FileId {
  readonly ino: string;
  /** How many first bytes the hash covers (at most HEAD_BYTES). */
  readonly len: number;
  readonly hash: string;
  /** Whether those bytes tell the file apart (a whole first line, or HEAD_BYTES of it): then another inode starting the same way is a copy. */
  readonly distinct: boolean;
}

interface SavedFileId {
  readonly inode: string;
  /** `${len}:${sha256 hex}` of the first bytes. */
  readonly head: string;
  readonly distinct: boolean;
}

interface SavedState {
  readonly path: string;
  readonly inode: string;
  readonly offset: number;
  /** The first bytes of that file (`${len}:${sha256 hex}`); absent in older state files. */
  readonly head?: string;
  /** The files not to read again; absent in older state files. */
  readonly known?: readonly SavedFileId[];
}

interface OpenFile {
  readonly handle: fs.FileHandle;
  readonly ino: bigint;
  /** Bytes read so far. */
  offset: number;
  /**
   * The first bytes of the file. A copy-truncate followed by more writes than we had read
   * leaves the size above our offset; the first line (which names a unique serial) changing
   * gives it away. Also the file's identity, with the inode.
   */
  head: Buffer;
  /** Where it was last seen, for log lines. */
  name: string;
}

/** A file found when listing the folder, held open until it is either read or let go. */
interface Seen {
  readonly handle: fs.FileHandle;
  readonly ino: bigint;
  /** N of audit.log.N; 0 for the path itself. */
  readonly index: number;
  readonly name: string;
  readonly head: Buffer;
  readonly size: number;
  readonly mtimeNs: bigint;
}

interface Scan {
  /** The audit.log.N, oldest (highest N) first. */
  readonly rotated: Seen[];
  readonly current: Seen | undefined;
  /** Whether the folder could be listed (else `rotated` is empty for want of knowing). */
  readonly listed: boolean;
}

/** What one poll may still read, and the collection's signal. */
interface ReadBudget {
  left: number;
  readonly signal?: AbortSignal;
}

export const DEFAULT_CHUNK_BYTES = 1 << 20;
const HEAD_BYTES = 128;
/** Rounds of "follow the path, read" in one poll: each is a rotation that happened while reading. */
const MAX_ROUNDS = 4;
/** Listings of the folder until one is consistent (none taken in the middle of a rotation). */
const SCAN_ATTEMPTS = 4;
/** Files held open at most; beyond, the oldest not being read is let go (and counted lost). */
const MAX_HELD_FILES = 100;
const MAX_KNOWN = 256;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function idOf(ino: bigint, head: Buffer): FileId {
  return { ino: ino.toString(), len: head.length, hash: sha256(head), distinct: head.length === HEAD_BYTES || head.includes(0x0a) };
}

/** Whether a file (inode, first bytes) is the file `id`, or a copy of it. */
function matches(ino: bigint, head: Buffer, id: FileId): boolean {
  if (head.length < id.len || sha256(head.subarray(0, id.len)) !== id.hash) return false;
  return ino.toString() === id.ino || id.distinct;
}

const saveId = (id: FileId): SavedFileId => ({ inode: id.ino, head: `${id.len}:${id.hash}`, distinct: id.distinct });

function loadId(saved: unknown): FileId | undefined {
  const s = saved as Partial<SavedFileId> | null;
  const head = typeof s?.head === 'string' ? /^(\d+):([0-9a-f]{64})$/.exec(s.head) : null;
  if (typeof s?.inode !== 'string' || !/^\d+$/.test(s.inode) || !head || Number(head[1]) > HEAD_BYTES) return undefined;
  return { ino: s.inode, len: Number(head[1]), hash: head[2], distinct: s.distinct === true };
}

export class AuditLogTailer {
  bytesRead = 0;
  /** Files moved past: read to their end, or lost. */
  rotations = 0;
  truncations = 0;
  /** Rotated files deleted (or otherwise gone) before they could be read. */
  lostFiles = 0;
  /** Bytes not yet consumed, after the last poll: the file being read past the last complete line, and the files held after it. */
  lagBytes = 0;
  /** The files held, oldest first: the first is being read; the last was at the path when last looked. */
  private chain: OpenFile[] = [];
  /** Files not to read again (present at the last listing and not held). */
  private known: FileId[] = [];
  /** Whether the folder was looked at when the file was missing at the start (what was there then is old). */
  private looked = false;
  /** Whether the file was missing when we first looked: then all of it is new when it appears. */
  private appearedLate = false;
  private listWarned = false;
  /** The start of a line not complete yet: carry[0, carryLength). Grown as needed, up to maxLineBytes. */
  private carry: Buffer = Buffer.alloc(0);
  private carryLength = 0;
  /** Names the bytes of the read buffer and of the carry, for LineSink.bytes. */
  private chunk = 0;
  /** Discarding up to the next newline (the rest of a line too long, or of a line we started inside). */
  private skipping = false;
  private lastSaved = '';
  private readonly buffer: Buffer;

  constructor(private readonly options: TailerOptions) {
    this.buffer = Buffer.allocUnsafe(options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  }

  /**
   * Reads what is new, up to the poll's byte budget and until `signal` aborts; throws when
   * the file is missing or unreadable (after reading what it could).
   */
  async poll(sink: LineSink, signal?: AbortSignal): Promise<void> {
    const max = this.options.maxBytesPerPoll;
    const budget = { left: max && max > 0 ? max : Infinity, signal };
    if (this.chain.length === 0) await this.start();
    let missing = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // Looked for before reading, whatever the budget: a rotated file is held from then on.
      const moved = (await this.pathInode()) !== this.chain[this.chain.length - 1].ino;
      if (moved) missing = !(await this.advance());
      // Stopped early: the rest is the next poll's.
      if (!(await this.readChain(sink, budget))) break;
      if (!moved || missing) break;
    }
    this.lagBytes = await this.unreadBytes();
    await this.saveState();
    if (missing) throw new Error(`the audit log ${this.options.path} is gone (deleted or rotated away; waiting for it to appear)`);
  }

  /** Lets go of every file; a later poll starts over, as a new tailer would. */
  async close(): Promise<void> {
    const files = this.chain;
    this.chain = [];
    this.known = [];
    this.looked = this.appearedLate = false;
    this.carryLength = 0;
    this.skipping = false;
    await Promise.all(files.map((f) => f.handle.close()));
  }

  /** The offset just after the last complete line handed on. */
  private committedOffset(): number {
    const file = this.chain[0];
    if (!file) return 0;
    return this.skipping ? file.offset : file.offset - this.carryLength;
  }

  private async unreadBytes(): Promise<number> {
    let lag = 0;
    for (const [i, file] of this.chain.entries()) {
      const size = (await file.handle.stat()).size;
      lag += i === 0 ? Math.max(0, size - this.committedOffset()) : size;
    }
    return lag;
  }

  /** The inode at the path now; undefined when it is missing (looked at again briefly: a rotation renames, then creates). */
  private async pathInode(): Promise<bigint | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await fs.stat(this.options.path, { bigint: true })).ino;
      } catch (err) {
        if (!isMissing(err)) throw new Error(`reading the status of the audit log ${this.options.path} failed`, { cause: err });
        if (attempt >= 3) return undefined;
        await sleep(50);
      }
    }
  }

  /** The first poll (or the first after close), nothing held: where to start, from the state file or --audit.start. */
  private async start(): Promise<void> {
    try {
      // Non-blocking, and checked: a FIFO at the path would block a plain open for good.
      const probe = await fs.open(this.options.path, READ_NONBLOCK);
      try {
        const stat = await probe.stat();
        if (!stat.isFile()) throw new NotAFileError(this.options.path, stat.isFIFO() ? 'a FIFO' : stat.isDirectory() ? 'a directory' : 'not a regular file');
      } finally {
        await probe.close();
      }
    } catch (err) {
      if (!this.looked) {
        // What the folder holds now is old: only files rotated after the log appears are new.
        this.appearedLate = true;
        const scan = await this.scan();
        await this.settle(scan, []);
        this.looked = true;
      }
      throw new Error(`opening the audit log ${this.options.path} failed`, { cause: err });
    }
    const scan = await this.scan();
    const current = scan.current;
    if (!current) {
      await this.settle(scan, []);
      throw new Error(`opening the audit log ${this.options.path} failed`, { cause: Object.assign(new Error('ENOENT: no such file (it went away while being opened)'), { code: 'ENOENT' }) });
    }
    const state = await this.loadState();
    let held: Seen[] = [current];
    let offset = 0;
    if (state) {
      const saved: FileId | undefined = state.head ? loadId({ inode: state.inode, head: state.head, distinct: false }) : undefined;
      const isSaved = (e: Seen) => e.ino.toString() === state.inode && (!saved || matches(e.ino, e.head, saved));
      const found = isSaved(current) ? current : scan.rotated.find(isSaved);
      if (found) {
        offset = found.size >= state.offset ? state.offset : 0;
        if (found !== current) {
          // Rotated while we were not running: finish the old file where we left it, then every file after it.
          held = [found, ...this.after(scan, found.index, found.name), current];
          this.options.logger.info('resumed the audit log in its rotated file', { path: found.name, offset: state.offset, files_after: held.length - 1 });
        }
      } else {
        const known = state.known?.map(loadId).filter((id): id is FileId => id !== undefined);
        if (known) {
          this.known = known;
          held = [...scan.rotated.filter((e) => !this.isKnown(e)), current];
        }
        this.lose(1, 'the audit log file the state file points to is gone (rotated away and deleted while the exporter was stopped); what was written to it after the exporter stopped is lost', {
          inode: state.inode,
          offset: state.offset,
          reading: known ? `the ${held.length - 1} rotated file(s) not read before, then the current one, from their start` : 'the current file from its start',
        });
      }
    } else if (this.appearedLate) {
      held = [...scan.rotated.filter((e) => !this.isKnown(e)), current];
    } else if (this.options.start === 'end') {
      offset = current.size;
      // Starting in the middle of a line would count its tail as garbage: skip to the next one.
      if (current.size > 0) {
        const last = Buffer.alloc(1);
        await current.handle.read(last, 0, 1, current.size - 1);
        this.skipping = last[0] !== 0x0a;
      }
    }
    await this.settle(scan, held);
    this.chain[0].offset = offset;
  }

  /**
   * The newest file held is no longer at the path: holds every file written since, oldest
   * first, and counts the ones gone. Resolves to whether the path names a file.
   */
  private async advance(): Promise<boolean> {
    const newest = this.chain[this.chain.length - 1];
    const scan = await this.scan();
    if (scan.current?.ino === newest.ino) {
      // Back at the path (it was missing for a moment): nothing rotated.
      await this.settle(scan, []);
      return true;
    }
    const next: Seen[] = [];
    const here = scan.rotated.find((e) => e.ino === newest.ino);
    if (here) {
      // Renamed to audit.log.k: audit.log.{k-1} ... audit.log.1 came after it.
      next.push(...this.after(scan, here.index, describeFile(newest)));
      newest.name = here.name;
    } else {
      // Not among the .N: deleted (or renamed out of auditd's scheme). What is neither known nor held came after it.
      const newer = scan.rotated.filter((e) => !this.isKnown(e) && !this.isHeld(e));
      next.push(...newer);
      const status = await newest.handle.stat({ bigint: true });
      if (status.nlink === 0n && scan.listed && newer.length === scan.rotated.length && newer.length > 0) {
        // Deleted along with every file before it: rotation pushed it past the oldest file
        // auditd keeps. Each rotated file written after that deletion means one more
        // rotation, and each such rotation deleted one file after it, unread. When every file
        // kept was written after it, more rotations may have come before them: at least that many.
        const later = newer.filter((e) => e.mtimeNs > status.ctimeNs).length;
        const gaps = newer[0].index - newer.length;
        const atLeast = later === newer.length;
        const fields = { after: describeFile(newest), before: describeSeen(newer[0]), deleted_at: nsToIso(status.ctimeNs), exact: !atLeast };
        if (later + gaps > 0) {
          this.lose(later + gaps, `${atLeast ? 'at least ' : ''}${later + gaps} audit log file(s) were rotated away and deleted before they could be read (more rotations since the last collection than auditd keeps files: raise num_logs, or collect more often); their events are not counted`, fields);
        } else {
          this.options.logger.info('the audit log file being read was rotated past the oldest file auditd keeps; every file after it is still there, but the margin is gone (raise num_logs, or collect more often)', fields);
        }
      }
    }
    if (scan.current && !this.isHeld(scan.current)) next.push(scan.current);
    await this.settle(scan, next);
    return scan.current !== undefined;
  }

  /** The rotated files newer than audit.log.{index}, oldest first; a missing one is lost. */
  private after(scan: Scan, index: number, afterWhat: string): Seen[] {
    const out: Seen[] = [];
    for (let i = index - 1; i >= 1; i--) {
      const seen = scan.rotated.find((e) => e.index === i);
      if (!seen) this.lose(1, 'a rotated audit log file is missing (deleted before it could be read); its events are not counted', { file: `${this.options.path}.${i}`, after: afterWhat });
      else if (!this.isKnown(seen) && !this.isHeld(seen)) out.push(seen);
    }
    return out;
  }

  /** Holds `next` after the files held; lets go of the rest of the listing, which is known from now on. */
  private async settle(scan: Scan, next: readonly Seen[]): Promise<void> {
    const listing = scan.current ? [...scan.rotated, scan.current] : scan.rotated;
    const keep = new Set(next);
    if (scan.listed) this.known = listing.filter((e) => !keep.has(e) && !this.isHeld(e)).map((e) => idOf(e.ino, e.head));
    for (const e of listing) if (!keep.has(e)) await e.handle.close();
    for (const e of next) this.chain.push({ handle: e.handle, ino: e.ino, offset: 0, head: e.head, name: e.name });
    while (this.chain.length > MAX_HELD_FILES) {
      const [dropped] = this.chain.splice(1, 1);
      await dropped.handle.close();
      this.lose(1, `more than ${MAX_HELD_FILES} audit log files wait to be read; letting go of the oldest not being read`, { file: describeFile(dropped) });
    }
  }

  /** Known until the next listing, which keeps what is still there; bounded when no listing comes (copy-truncate). */
  private remember(id: FileId): void {
    this.known.push(id);
    if (this.known.length > MAX_KNOWN) this.known.shift();
  }

  private isHeld(e: Seen): boolean {
    return this.chain.some((f) => f.ino === e.ino);
  }

  private isKnown(e: Seen): boolean {
    return this.known.some((id) => matches(e.ino, e.head, id));
  }

  private lose(files: number, msg: string, fields: LogFields): void {
    this.lostFiles += files;
    this.rotations += files; // moved past too
    this.options.logger.warn(msg, { path: this.options.path, lost_files: files, ...fields });
  }

  /**
   * Lists the path and its audit.log.N, each opened, with its inode and first bytes. Listed
   * again, shortly after, when a rotation happened meanwhile (the path changed, an inode
   * shows twice, an N is missing), a few times at most.
   */
  private async scan(): Promise<Scan> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.statInode();
      const { indexes, listed } = await this.rotatedIndexes();
      const rotated: Seen[] = [];
      for (const index of indexes) {
        const seen = await this.look(`${this.options.path}.${index}`, index);
        if (seen) rotated.push(seen);
      }
      const current = await this.look(this.options.path, 0);
      const after = await this.statInode();
      const inodes = new Set(rotated.map((e) => e.ino));
      const contiguous = rotated.every((e, i) => e.index === rotated.length - i);
      const consistent = before === after && current?.ino === after && inodes.size === rotated.length && contiguous;
      if (consistent || attempt >= SCAN_ATTEMPTS) {
        // Each inode once, at its highest N; the path's own inode is the path's.
        const unique: Seen[] = [];
        for (const e of rotated) {
          if (unique.some((u) => u.ino === e.ino) || e.ino === current?.ino) await e.handle.close();
          else unique.push(e);
        }
        return { rotated: unique, current, listed };
      }
      await Promise.all([...rotated, ...(current ? [current] : [])].map((e) => e.handle.close()));
      await sleep(50);
    }
  }

  /** The N of every audit.log.N in the folder, highest first. */
  private async rotatedIndexes(): Promise<{ indexes: number[]; listed: boolean }> {
    const dir = path.dirname(this.options.path);
    const prefix = path.basename(this.options.path) + '.';
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (err) {
      if (!isMissing(err) && !this.listWarned) {
        this.listWarned = true;
        this.options.logger.warn('listing the audit log folder failed; rotated files (audit.log.N) cannot be followed, only the current one', { dir, err });
      }
      return { indexes: [], listed: false };
    }
    const indexes = names
      .filter((n) => n.startsWith(prefix) && /^[1-9]\d{0,5}$/.test(n.slice(prefix.length)))
      .map((n) => Number(n.slice(prefix.length)))
      .sort((a, b) => b - a);
    return { indexes, listed: true };
  }

  private async statInode(): Promise<bigint | undefined> {
    return (await fs.stat(this.options.path, { bigint: true }).catch(() => undefined))?.ino;
  }

  /** Opens a file and reads its first bytes; undefined when it is not there (or not a readable file). */
  private async look(name: string, index: number): Promise<Seen | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(name, READ_NONBLOCK);
    } catch {
      return undefined;
    }
    try {
      const status = await handle.stat({ bigint: true });
      if (!status.isFile()) throw new Error('not a file');
      const size = Number(status.size);
      const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
      const { bytesRead } = head.length > 0 ? await handle.read(head, 0, head.length, 0) : { bytesRead: 0 };
      return { handle, ino: status.ino, index, name, head: head.subarray(0, bytesRead), size, mtimeNs: status.mtimeNs };
    } catch {
      await handle.close().catch(() => undefined);
      return undefined;
    }
  }

  /**
   * Reads the files held, oldest first, each but the newest to its end and let go (auditd
   * closes a file before renaming it, so a file with a newer one after it is final).
   * Resolves to whether it read everything there was.
   */
  private async readChain(sink: LineSink, budget: ReadBudget): Promise<boolean> {
    for (;;) {
      if (!(await this.readToEnd(this.chain[0], sink, budget))) return false;
      if (this.chain.length === 1) return true;
      await this.finish(sink);
    }
  }

  /** Lets go of the file read to its end: it is known from now on, and one rotation further. */
  private async finish(sink: LineSink): Promise<void> {
    const file = this.chain.shift()!;
    if (this.carryLength > 0) sink.skipped(); // a line the file ended inside
    this.carryLength = 0;
    this.skipping = false;
    this.remember(idOf(file.ino, file.head));
    this.rotations++;
    await file.handle.close();
  }

  /**
   * Reads from the offset to the size the file has now, chunk by chunk, while the budget
   * lasts. Resolves to whether it reached that size.
   */
  private async readToEnd(file: OpenFile, sink: LineSink, budget: ReadBudget): Promise<boolean> {
    const size = (await file.handle.stat()).size;
    const head = file.head;
    if (size < file.offset || !(await this.sameHead(file, size))) {
      this.options.logger.info('the audit log was truncated; reading it again from its start', { path: this.options.path, size, offset: file.offset });
      this.truncations++;
      // What it held before is known: a copy of it (copy-truncate's audit.log.1) is not read again.
      if (head.length > 0) this.remember(idOf(file.ino, head));
      if (this.carryLength > 0) sink.skipped();
      this.carryLength = 0;
      this.skipping = false;
      file.offset = 0;
      // Learnt again from the new content: when the size gave the truncation away, the old
      // head is still here and would call the next poll's read a truncation too.
      file.head = Buffer.alloc(0);
    }
    while (file.offset < size) {
      if (budget.left <= 0 || budget.signal?.aborted) return false;
      const { bytesRead } = await file.handle.read(this.buffer, 0, Math.min(this.buffer.length, size - file.offset, budget.left), file.offset);
      if (bytesRead === 0) break;
      file.offset += bytesRead;
      this.bytesRead += bytesRead;
      budget.left -= bytesRead;
      // Split as bytes: no string is made for the chunk or its lines (unless the sink wants text).
      this.splitLines(this.buffer, bytesRead, sink);
    }
    return true;
  }

  /** Whether the file still starts as it did; remembers its first bytes as they appear. */
  private async sameHead(file: OpenFile, size: number): Promise<boolean> {
    const length = Math.min(size, HEAD_BYTES);
    if (length === 0) return true;
    const now = Buffer.alloc(length);
    await file.handle.read(now, 0, length, 0);
    const same = now.subarray(0, file.head.length).equals(file.head);
    file.head = now;
    return same;
  }

  /** Hands on the complete lines of buf[0, length); keeps the start of an incomplete last one. */
  private splitLines(buf: Buffer, length: number, sink: LineSink): void {
    const max = this.options.maxLineBytes;
    const chunk = ++this.chunk;
    let pos = 0;
    if (this.skipping) {
      const nl = buf.indexOf(0x0a, 0);
      if (nl === -1 || nl >= length) return;
      this.skipping = false;
      pos = nl + 1;
    } else if (this.carryLength > 0) {
      const nl = buf.indexOf(0x0a, 0);
      const upTo = nl === -1 || nl >= length ? length : nl;
      const total = this.carryLength + upTo;
      if (total > max) {
        // Longer than allowed, newline or not: skipped; without its newline, skip up to it.
        sink.skipped();
        this.carryLength = 0;
        if (upTo === length) {
          this.skipping = true;
          return;
        }
      } else {
        this.carryBytes(buf, 0, upTo);
        if (upTo === length) return;
        const line = this.carryLength;
        this.carryLength = 0;
        // The carry holds other bytes from now on: a chunk number of its own.
        if (line > 0) this.emit(sink, this.carry, 0, line, ++this.chunk);
      }
      pos = upTo + 1;
    }
    for (let nl = buf.indexOf(0x0a, pos); nl !== -1 && nl < length; nl = buf.indexOf(0x0a, pos)) {
      if (nl - pos > max) sink.skipped();
      else if (nl > pos) this.emit(sink, buf, pos, nl, chunk);
      pos = nl + 1;
    }
    if (length - pos > max) {
      sink.skipped();
      this.skipping = true;
    } else {
      this.carryBytes(buf, pos, length);
    }
  }

  private emit(sink: LineSink, buf: Buffer, start: number, end: number, chunk: number): void {
    if (sink.bytes) sink.bytes(buf, start, end, chunk);
    else sink.line?.(buf.toString('latin1', start, end));
  }

  /** Appends buf[start, end) to the carry (at most maxLineBytes in all: the caller checks). */
  private carryBytes(buf: Buffer, start: number, end: number): void {
    const need = this.carryLength + end - start;
    if (need === this.carryLength) return;
    if (need > this.carry.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(need, 2 * this.carry.length, 4096), this.options.maxLineBytes + 1));
      this.carry.copy(grown, 0, 0, this.carryLength);
      this.carry = grown;
    }
    buf.copy(this.carry, this.carryLength, start, end);
    this.carryLength = need;
  }

  private async loadState(): Promise<SavedState | undefined> {
    const file = this.options.stateFile;
    if (!file) return undefined;
    let text: string;
    try {
      text = await readTextFile(file, { maxBytes: 16 * 1024 * 1024 });
    } catch (err) {
      if (!isMissing(err)) this.options.logger.warn('reading the audit state file failed; starting from --audit.start', { file, err });
      return undefined;
    }
    try {
      const state = JSON.parse(text) as SavedState;
      if (typeof state.inode === 'string' && Number.isSafeInteger(state.offset) && state.offset >= 0 && state.path === this.options.path) {
        // Older state files have neither head nor known; a malformed one counts as absent.
        const head = typeof state.head === 'string' && loadId({ inode: state.inode, head: state.head }) ? state.head : undefined;
        const known = Array.isArray(state.known) ? state.known : undefined;
        return { path: state.path, inode: state.inode, offset: state.offset, head, known };
      }
      this.options.logger.warn('the audit state file is for another log or malformed; starting from --audit.start', { file });
    } catch (err) {
      this.options.logger.warn('the audit state file is not JSON; starting from --audit.start', { file, err });
    }
    return undefined;
  }

  /** Writes {path, inode, offset, head, known} to a temporary file and renames it over the state file. */
  private async saveState(): Promise<void> {
    const file = this.options.stateFile;
    const reading = this.chain[0];
    if (!file || !reading) return;
    const head = idOf(reading.ino, reading.head);
    const state: SavedState = { path: this.options.path, inode: reading.ino.toString(), offset: this.committedOffset(), head: `${head.len}:${head.hash}`, known: this.known.map(saveId) };
    const text = JSON.stringify(state) + '\n';
    if (text === this.lastSaved) return;
    const temp = `${file}.tmp-${process.pid}`;
    try {
      // Only ever over a regular file: renaming over a device node (or /dev/null) replaces it.
      await assertStateFileWritable(file);
      await fs.writeFile(temp, text, { mode: 0o600 });
      await fs.rename(temp, file);
      this.lastSaved = text;
    } catch (err) {
      throw new Error(`writing the audit state file ${file} failed`, { cause: err });
    }
  }
}

const describeFile = (f: OpenFile) => `${f.name} when last seen (inode ${f.ino})`;
const describeSeen = (e: Seen) => `${e.name} (inode ${e.ino})`;
const nsToIso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

/** Opened read-only and non-blocking: a FIFO or a device at a path never blocks the open. */
const READ_NONBLOCK = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;

/**
 * Throws unless the state file is a regular file or does not exist yet (its folder must):
 * the state is written by renaming a temporary file over it, which would replace a device,
 * a FIFO or a link target's entry. Checked at start-up (the CLI) and before every write.
 */
export async function assertStateFileWritable(file: string): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(file);
  } catch (err) {
    if (!isMissing(err)) throw err;
    const folder = await fs.stat(path.dirname(file)).catch(() => undefined);
    if (!folder?.isDirectory()) throw new Error(`the audit state file ${file} cannot be created: ${path.dirname(file)} is not a folder`);
    return;
  }
  if (!stat.isFile()) throw new Error(`the audit state file ${file} exists and is not a regular file (${stat.isSymbolicLink() ? 'a symbolic link' : stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() ? 'a character device' : stat.isBlockDevice() ? 'a block device' : stat.isDirectory() ? 'a folder' : 'something else'}); it is never written over`);
}
