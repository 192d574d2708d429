// Follows the audit log across collections: the file stays open, each poll reads only the
// bytes added since the last one, in bounded chunks (memory does not grow with the file),
// and hands complete lines on. A partial last line waits for its newline.
//
// - Rotation by rename (auditd's max_log_file_action=ROTATE, `kill -USR1 auditd`): the path
//   names another inode. The open file (now audit.log.1) is drained to its end, then the new
//   one is read from byte 0. Nothing is lost, nothing is read twice.
// - Truncation (copy-truncate): a size below the offset restarts at 0.
// - A missing or unreadable file: poll() throws with the reason; the next poll tries again,
//   and a file that appears later is read from byte 0.
// - Start: a state file ({inode, offset}, written atomically after each poll) says where to
//   resume; without one, --audit.start says end (only new lines) or beginning.
// - A poll reads at most a budget of bytes (--audit.max-bytes-per-collection) and stops early
//   when the collection is aborted: a first read of a huge log spreads over collections
//   instead of holding one up. The rest is read by the next polls, through the same fd even
//   if the file was rotated meanwhile, and shows as lag until then.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../base/log';

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
  /** One complete line, without its newline, as latin1 (one char per byte). */
  line(text: string): void;
  /** A line skipped: longer than maxLineBytes, or cut off by a rotation or truncation. */
  skipped(): void;
}

interface SavedState {
  readonly path: string;
  readonly inode: string;
  readonly offset: number;
}

interface OpenFile {
  readonly handle: fs.FileHandle;
  readonly ino: bigint;
  /** Bytes read so far. */
  offset: number;
  /**
   * The first bytes of the file. A copy-truncate followed by more writes than we had read
   * leaves the size above our offset; the first line (which names a unique serial) changing
   * gives it away.
   */
  head: Buffer;
}

/** What one poll may still read, and the collection's signal. */
interface ReadBudget {
  left: number;
  readonly signal?: AbortSignal;
}

export const DEFAULT_CHUNK_BYTES = 1 << 20;
const HEAD_BYTES = 128;
const DECODE_BYTES = 64 * 1024;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export class AuditLogTailer {
  bytesRead = 0;
  rotations = 0;
  truncations = 0;
  /** File size minus the offset of the last complete line, after the last poll. */
  lagBytes = 0;
  private file: OpenFile | undefined;
  /** Whether a file was ever opened: the start position applies only to the first. */
  private hadFile = false;
  /** Whether the file was missing when we first looked: then all of it is new when it appears. */
  private appearedLate = false;
  private carry = '';
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
    if (!this.file) await this.openCurrent(sink);
    // A few hops at most: each one is a rotation that happened since the last poll.
    for (let hop = 0; hop < 8; hop++) {
      const file = this.file!;
      // Stopped early: the rest of this file (rotated or not) is the next poll's.
      if (!(await this.readToEnd(file, sink, budget))) break;
      const current = await this.pathInode();
      if (current === file.ino) break;
      // The path is another file, or none: this one is final (auditd closes it before renaming).
      if (!(await this.readToEnd(file, sink, budget))) break;
      await this.closeFile(sink);
      if (current === undefined) throw new Error(`the audit log ${this.options.path} is gone (deleted or rotated away; waiting for it to appear)`);
      await this.openCurrent(sink);
    }
    const size = (await this.file!.handle.stat()).size;
    this.lagBytes = Math.max(0, size - this.committedOffset());
    await this.saveState();
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.handle.close();
  }

  /** The offset just after the last complete line handed on. */
  private committedOffset(): number {
    if (!this.file) return 0;
    return this.skipping ? this.file.offset : this.file.offset - this.carry.length;
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

  private async openCurrent(sink: LineSink): Promise<void> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.options.path, 'r');
    } catch (err) {
      if (!this.hadFile) this.appearedLate = true;
      throw new Error(`opening the audit log ${this.options.path} failed`, { cause: err });
    }
    const stat = await handle.stat({ bigint: true });
    const size = Number(stat.size);
    const file: OpenFile = { handle, ino: stat.ino, offset: 0, head: Buffer.alloc(0) };
    if (this.hadFile) {
      // A new file at the path (rotated, or deleted and created again): all of it is new.
      this.rotations++;
    } else {
      const state = await this.loadState();
      if (state?.inode === String(stat.ino)) {
        file.offset = size >= state.offset ? state.offset : 0;
      } else if (state) {
        // Rotated while we were not running: finish the old file where we left it.
        await this.drainRotated(state, sink);
      } else if (this.options.start === 'end' && !this.appearedLate) {
        file.offset = size;
        // Starting in the middle of a line would count its tail as garbage: skip to the next one.
        if (size > 0) {
          const last = Buffer.alloc(1);
          await handle.read(last, 0, 1, size - 1);
          this.skipping = last[0] !== 0x0a;
        }
      }
    }
    this.hadFile = true;
    this.file = file;
  }

  /** Finds the rotated file (audit.log.N) holding the saved inode and reads it from the saved offset. */
  private async drainRotated(state: SavedState, sink: LineSink): Promise<void> {
    const dir = path.dirname(this.options.path);
    const base = path.basename(this.options.path) + '.';
    let names: string[];
    try {
      names = (await fs.readdir(dir)).filter((n) => n.startsWith(base));
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      const stat = await fs.stat(full, { bigint: true }).catch(() => undefined);
      if (stat?.ino.toString() !== state.inode) continue;
      const handle = await fs.open(full, 'r');
      const old: OpenFile = { handle, ino: stat.ino, offset: Number(stat.size) >= state.offset ? state.offset : 0, head: Buffer.alloc(0) };
      this.file = old;
      // Drained whole, whatever the budget: the new file is opened next, and this one would be lost.
      await this.readToEnd(old, sink, { left: Infinity });
      await this.closeFile(sink);
      this.rotations++;
      this.options.logger.info('resumed the audit log in its rotated file', { path: full, offset: state.offset });
      return;
    }
    this.options.logger.warn('the audit log was rotated while the exporter was stopped and the old file is gone; reading the new one from its start', { path: this.options.path });
  }

  private async closeFile(sink: LineSink): Promise<void> {
    if (this.carry !== '') sink.skipped(); // a line the file ended inside
    this.carry = '';
    this.skipping = false;
    await this.close();
  }

  /**
   * Reads from the offset to the size the file has now, chunk by chunk, while the budget
   * lasts. Resolves to whether it reached that size.
   */
  private async readToEnd(file: OpenFile, sink: LineSink, budget: ReadBudget): Promise<boolean> {
    const size = (await file.handle.stat()).size;
    if (size < file.offset || !(await this.sameHead(file, size))) {
      this.options.logger.info('the audit log was truncated; reading it again from its start', { path: this.options.path, size, offset: file.offset });
      this.truncations++;
      if (this.carry !== '') sink.skipped();
      this.carry = '';
      this.skipping = false;
      file.offset = 0;
    }
    while (file.offset < size) {
      if (budget.left <= 0 || budget.signal?.aborted) return false;
      const { bytesRead } = await file.handle.read(this.buffer, 0, Math.min(this.buffer.length, size - file.offset, budget.left), file.offset);
      if (bytesRead === 0) break;
      file.offset += bytesRead;
      this.bytesRead += bytesRead;
      budget.left -= bytesRead;
      // Decoded in pieces small enough for V8's young generation: a 1 MiB string would go
      // to the large-object space, which only a full GC frees, and RSS would follow.
      for (let from = 0; from < bytesRead; from += DECODE_BYTES) this.splitLines(this.buffer.toString('latin1', from, Math.min(bytesRead, from + DECODE_BYTES)), sink);
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

  private splitLines(chunk: string, sink: LineSink): void {
    const max = this.options.maxLineBytes;
    let pos = 0;
    if (this.skipping) {
      const nl = chunk.indexOf('\n');
      if (nl === -1) return;
      this.skipping = false;
      pos = nl + 1;
    }
    let text = chunk;
    if (this.carry !== '') {
      text = this.carry + chunk.slice(pos);
      this.carry = '';
      pos = 0;
    }
    for (let nl = text.indexOf('\n', pos); nl !== -1; nl = text.indexOf('\n', pos)) {
      if (nl - pos > max) sink.skipped();
      else if (nl > pos) sink.line(text.slice(pos, nl));
      pos = nl + 1;
    }
    if (text.length - pos > max) {
      sink.skipped();
      this.skipping = true;
    } else {
      this.carry = text.slice(pos);
    }
  }

  private async loadState(): Promise<SavedState | undefined> {
    const file = this.options.stateFile;
    if (!file) return undefined;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if (!isMissing(err)) this.options.logger.warn('reading the audit state file failed; starting from --audit.start', { file, err });
      return undefined;
    }
    try {
      const state = JSON.parse(text) as SavedState;
      if (typeof state.inode === 'string' && Number.isSafeInteger(state.offset) && state.offset >= 0 && state.path === this.options.path) return state;
      this.options.logger.warn('the audit state file is for another log or malformed; starting from --audit.start', { file });
    } catch (err) {
      this.options.logger.warn('the audit state file is not JSON; starting from --audit.start', { file, err });
    }
    return undefined;
  }

  /** Writes {path, inode, offset} to a temporary file and renames it over the state file. */
  private async saveState(): Promise<void> {
    const file = this.options.stateFile;
    if (!file || !this.file) return;
    const text = JSON.stringify({ path: this.options.path, inode: this.file.ino.toString(), offset: this.committedOffset() } satisfies SavedState) + '\n';
    if (text === this.lastSaved) return;
    const temp = `${file}.tmp-${process.pid}`;
    try {
      await fs.writeFile(temp, text, { mode: 0o600 });
      await fs.rename(temp, file);
      this.lastSaved = text;
    } catch (err) {
      throw new Error(`writing the audit state file ${file} failed`, { cause: err });
    }
  }
}
