// Reading a file that may be anything: every file the exporter reads is named by a flag or
// found on the host, so it may be a FIFO, a device or a socket someone put there. A plain
// readFile of a FIFO blocks until a writer comes, forever; a read of a character device
// may never end. So a file is opened non-blocking, checked to be a regular file before a
// byte is read, read up to a size bound, and the whole read has a deadline.
import * as fs from 'node:fs';
// The deadline bounds real I/O, so it runs on the real clock: node:timers' own functions,
// which a test's fake clock (installed on the globals) leaves alone.
import { clearTimeout, setTimeout } from 'node:timers';

/** Deadline of one file read: a local file takes microseconds, a hung network mount forever. */
export const FILE_READ_TIMEOUT_MS = 5000;

/** What was at the path was not a regular file (a FIFO, a device, a socket, a folder). */
export class NotAFileError extends Error {
  readonly code = 'ENOTFILE';
  constructor(
    readonly path: string,
    readonly kind: string,
  ) {
    super(`${path} is ${kind}, not a regular file; not read`);
    this.name = 'NotAFileError';
  }
}

export interface ReadOptions {
  /** Most bytes read; a longer file is an error. Default 64 MiB. */
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
}

function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Rejects after `ms` unless `work` settled first; the work itself goes on, unwaited. */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Every byte of an open, regular file: reads until end of file, the bound checked after each read. */
function readToEnd(fd: number, file: string, size: number, maxBytes: number, done: (error: Error | null, bytes?: Buffer) => void): void {
  // A regular file's size sizes the buffer, so one read takes it all and the next, into the
  // spare byte, finds the end. procfs files say size 0 and have content: they start at 4 KiB
  // and double. (A fixed 64 KiB buffer per read cost a procfs scan 128 KiB per process.)
  let buffer = Buffer.allocUnsafe(Math.min(maxBytes, size > 0 ? size : 4096) + 1);
  let total = 0;
  const readMore = (): void => {
    if (total === buffer.length) {
      const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
      buffer.copy(grown, 0, 0, total);
      buffer = grown;
    }
    fs.read(fd, buffer, total, buffer.length - total, null, (readError, bytesRead) => {
      if (readError) return done(readError);
      if (bytesRead === 0) return done(null, buffer.subarray(0, total));
      total += bytesRead;
      if (total > maxBytes) return done(Object.assign(new Error(`${file} is over ${maxBytes} bytes; not read`), { code: 'EFBIG' }));
      readMore();
    });
  };
  readMore();
}

// Callbacks, not fs/promises' FileHandle: a procfs scan reads one small file per process,
// and the FileHandle's promise per operation doubled its CPU (docs/performance.md).
function readOpen(file: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // O_NONBLOCK: opening a FIFO for reading does not wait for a writer. O_NOCTTY: a terminal
    // does not become ours.
    fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY, (openError, fd) => {
      if (openError) return reject(openError);
      const finish = (error: Error | null, bytes?: Buffer): void =>
        fs.close(fd, (closeError) => (error ? reject(error) : closeError ? reject(closeError) : resolve(bytes!)));
      fs.fstat(fd, (statError, stat) => {
        if (statError) return finish(statError);
        if (!stat.isFile()) return finish(new NotAFileError(file, kindOf(stat)));
        readToEnd(fd, file, stat.size, maxBytes, finish);
      });
    });
  });
}

/** The bytes of a regular file; rejects for anything else, for a file over the bound, and at the deadline. */
export function readRegularFile(file: string, options: ReadOptions = {}): Promise<Buffer> {
  return withTimeout(readOpen(file, options.maxBytes ?? 64 * 1024 * 1024), options.timeoutMs ?? FILE_READ_TIMEOUT_MS, `reading ${file}`);
}

/** The text of a regular file (UTF-8). */
export async function readTextFile(file: string, options: ReadOptions = {}): Promise<string> {
  return (await readRegularFile(file, options)).toString('utf8');
}
