// Reading a file that may be anything: every file the exporter reads is named by a flag or
// found on the host, so it may be a FIFO, a device or a socket someone put there. A plain
// readFile of a FIFO blocks until a writer comes, forever; a read of a character device
// may never end. So a file is opened non-blocking, checked to be a regular file before a
// byte is read, read up to a size bound, and the whole read has a deadline.
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
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

async function readOpen(file: string, maxBytes: number): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO for reading does not wait for a writer. O_NOCTTY: a terminal
  // does not become ours.
  const handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new NotAFileError(file, kindOf(stat));
    // procfs files say size 0 and have content: read until the end, whatever the size says.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes - total + 1));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw Object.assign(new Error(`${file} is over ${maxBytes} bytes; not read`), { code: 'EFBIG' });
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/** The bytes of a regular file; rejects for anything else, for a file over the bound, and at the deadline. */
export function readRegularFile(file: string, options: ReadOptions = {}): Promise<Buffer> {
  return withTimeout(readOpen(file, options.maxBytes ?? 64 * 1024 * 1024), options.timeoutMs ?? FILE_READ_TIMEOUT_MS, `reading ${file}`);
}

/** The text of a regular file (UTF-8). */
export async function readTextFile(file: string, options: ReadOptions = {}): Promise<string> {
  return (await readRegularFile(file, options)).toString('utf8');
}
