// The json-file tailer on temporary folders laid out as dockerd lays out a container's log:
// <id>-json.log and its rotated .N (and .N.gz), rotated the way dockerd rotates (rename down
// the chain, delete past max-file, create a new file).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonLogTailer, rotatedIndex, type ReadBudget } from '../../../src/readers/json-log-tailer';

let dir: string;
let logPath: string;
const entry = (text: string, stream = 'stdout') => JSON.stringify({ log: `${text}\n`, stream, time: '2026-12-02T16:15:06.334894435Z' }) + '\n';
const entries = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(`line ${from + i}`)).join('');

class Sink {
  readonly lines: string[] = [];
  skipped = 0;
  line(text: string) {
    this.lines.push((JSON.parse(text) as { log: string }).log.trim());
  }
  skip() {
    this.skipped++;
  }
  readonly asSink = { line: (t: string) => this.line(t), skipped: () => this.skip() };
}

const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);
const all = (): ReadBudget => ({ left: Infinity });

/** As dockerd: .{N-1} -> .N down to the path -> .1, the one past maxFile deleted, a new empty path. */
function rotate(maxFile: number): void {
  const at = (n: number) => (n === 0 ? logPath : `${logPath}.${n}`);
  if (fs.existsSync(at(maxFile - 1))) fs.rmSync(at(maxFile - 1));
  for (let n = maxFile - 2; n >= 0; n--) if (fs.existsSync(at(n))) fs.renameSync(at(n), at(n + 1));
  fs.writeFileSync(logPath, '');
}

function tailer(maxLineBytes = 65536, chunk = 1 << 16): JsonLogTailer {
  return new JsonLogTailer({ path: logPath, maxLineBytes, buffer: Buffer.alloc(chunk) });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'json-log-tailer-'));
  logPath = path.join(dir, 'c-json.log');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('rotatedIndex', () => {
  it('reads .N and .N.gz, nothing else', () => {
    expect(rotatedIndex('c-json.log', 'c-json.log.3')).toEqual({ index: 3, compressed: false });
    expect(rotatedIndex('c-json.log', 'c-json.log.12.gz')).toEqual({ index: 12, compressed: true });
    for (const n of ['c-json.log', 'c-json.log.0', 'c-json.log.x', 'c-json.log.1.tmp', 'd-json.log.1']) expect(rotatedIndex('c-json.log', n)).toBeUndefined();
  });
});

describe('JsonLogTailer', () => {
  it('reads only what is new, and a partial last line only once it is whole', async () => {
    fs.writeFileSync(logPath, entries(1, 3) + '{"log":"line 4\\n","str');
    const t = tailer();
    const sink = new Sink();
    await t.poll(sink.asSink, all());
    expect(sink.lines).toEqual(numbers(1, 3));
    expect(t.lagBytes).toBe('{"log":"line 4\\n","str'.length);
    fs.appendFileSync(logPath, 'eam":"stdout"}\n' + entries(5, 5));
    await t.poll(sink.asSink, all());
    await t.poll(sink.asSink, all());
    expect(sink.lines).toEqual(numbers(1, 5));
    expect(t.lagBytes).toBe(0);
    expect(t.bytesRead).toBe(fs.statSync(logPath).size);
    expect(t.sizeBytes).toBe(fs.statSync(logPath).size);
  });

  it('starts at the beginning of the retained log: the oldest rotated file first; .gz files are skipped and counted', async () => {
    fs.writeFileSync(`${logPath}.3.gz`, 'not read');
    fs.writeFileSync(`${logPath}.2`, entries(1, 2));
    fs.writeFileSync(`${logPath}.1`, entries(3, 4));
    fs.writeFileSync(logPath, entries(5, 6));
    const t = tailer();
    const sink = new Sink();
    await t.poll(sink.asSink, all());
    expect(sink.lines).toEqual(numbers(1, 6));
    expect(t.skippedCompressed).toBe(1);
    expect(t.sizeBytes).toBe(8 + 3 * entries(1, 2).length);
  });

  it('follows rotations between polls: no line lost or read twice', async () => {
    const t = tailer();
    const sink = new Sink();
    fs.writeFileSync(logPath, entries(1, 10));
    await t.poll(sink.asSink, all());
    fs.appendFileSync(logPath, entries(11, 12)); // written before the rotation, not yet read
    rotate(3);
    fs.appendFileSync(logPath, entries(13, 20));
    await t.poll(sink.asSink, all());
    expect(sink.lines).toEqual(numbers(1, 20));
    // Two rotations in one interval, still within max-file.
    rotate(3);
    fs.appendFileSync(logPath, entries(21, 22));
    rotate(3);
    fs.appendFileSync(logPath, entries(23, 24));
    await t.poll(sink.asSink, all());
    expect(sink.lines).toEqual(numbers(1, 24));
    expect(t.rotations).toBe(3);
    expect(t.skippedDeleted).toBe(0);
  });

  it('counts a file rotated past max-file before it was read as deleted, and reads the files after it', async () => {
    const t = tailer();
    const sink = new Sink();
    fs.writeFileSync(logPath, entries(1, 2));
    await t.poll(sink.asSink, all());
    fs.appendFileSync(logPath, entries(3, 4));
    for (const [from, to] of [[5, 6], [7, 8], [9, 10]]) {
      rotate(2);
      fs.appendFileSync(logPath, entries(from, to));
    }
    await t.poll(sink.asSink, all());
    // 3..6 went with the deleted files; .1 (7, 8) and the current file are read.
    expect(sink.lines).toEqual([...numbers(1, 2), ...numbers(7, 10)]);
    expect(t.skippedDeleted).toBe(1);
  });

  it('counts a file compressed before it was read to its end as compressed', async () => {
    const t = tailer();
    const sink = new Sink();
    fs.writeFileSync(logPath, entries(1, 2));
    await t.poll(sink.asSink, all());
    fs.appendFileSync(logPath, entries(3, 4));
    rotate(3);
    fs.renameSync(`${logPath}.1`, `${logPath}.1.gz`); // compress=true, standing in for gzip
    fs.appendFileSync(logPath, entries(5, 6));
    await t.poll(sink.asSink, all());
    expect(sink.lines).toEqual([...numbers(1, 2), ...numbers(5, 6)]);
    expect(t.skippedCompressed).toBe(1);
  });

  it('reads within the budget, across a rotation, and shows the rest as lag', async () => {
    fs.writeFileSync(logPath, entries(1, 40));
    const t = tailer(65536, 256);
    const sink = new Sink();
    const size = fs.statSync(logPath).size;
    await t.poll(sink.asSink, { left: 1000 });
    expect(t.bytesRead).toBe(1000);
    expect(t.lagBytes).toBeGreaterThan(size - 1000);
    rotate(5);
    fs.appendFileSync(logPath, entries(41, 50));
    for (let i = 0; i < 20 && t.bytesRead < size + entries(41, 50).length; i++) await t.poll(sink.asSink, { left: 1000 });
    expect(sink.lines).toEqual(numbers(1, 50));
    expect(t.lagBytes).toBe(0);
  });

  it('stops when the collection is aborted', async () => {
    fs.writeFileSync(logPath, entries(1, 10));
    const controller = new AbortController();
    controller.abort();
    const sink = new Sink();
    const t = tailer();
    await t.poll(sink.asSink, { left: Infinity, signal: controller.signal });
    expect(sink.lines).toEqual([]);
    expect(t.lagBytes).toBe(fs.statSync(logPath).size);
  });

  it('skips an over-long line (split over chunks) and keeps the good lines around it', async () => {
    fs.writeFileSync(logPath, entry('a') + entry('x'.repeat(5000)) + entry('b') + '{broken\n' + entry('c'));
    const t = tailer(1024, 100);
    const lines: string[] = [];
    let skipped = 0;
    await t.poll({ line: (l) => void lines.push(l), skipped: () => void skipped++ }, all());
    expect(lines.map((l) => l.slice(0, 16))).toEqual([entry('a'), entry('b'), '{broken', entry('c')].map((l) => l.slice(0, 16)));
    expect(skipped).toBe(1);
  });

  it('counts a line a rotated file ends inside as skipped', async () => {
    fs.writeFileSync(logPath, entries(1, 1) + '{"log":"cut');
    const t = tailer();
    const sink = new Sink();
    await t.poll(sink.asSink, all());
    rotate(3);
    fs.appendFileSync(logPath, entries(2, 2));
    await t.poll(sink.asSink, all());
    expect(sink.lines).toEqual(numbers(1, 2));
    expect(sink.skipped).toBe(1);
  });

  it('starts again at 0 when the file is emptied in place (truncate -s 0)', async () => {
    fs.writeFileSync(logPath, entries(1, 5));
    const t = tailer();
    const sink = new Sink();
    await t.poll(sink.asSink, all());
    fs.truncateSync(logPath, 0);
    fs.appendFileSync(logPath, entries(6, 7));
    await t.poll(sink.asSink, all());
    expect(sink.lines).toEqual(numbers(1, 7));
    expect(t.truncations).toBe(1);
  });

  it('takes a file whose first bytes changed under the same inode for a new file, and does not read the rotated files again', async () => {
    fs.writeFileSync(`${logPath}.1`, entries(1, 2));
    fs.writeFileSync(logPath, entries(3, 4));
    const t = tailer();
    const sink = new Sink();
    await t.poll(sink.asSink, all());
    // Emptied and written again past the old offset before the next poll (same inode).
    fs.truncateSync(logPath, 0);
    fs.appendFileSync(logPath, entries(100, 120));
    await t.poll(sink.asSink, all());
    expect(sink.lines).toEqual([...numbers(1, 4), ...numbers(100, 120)]);
  });

  it('never follows a symbolic link at the log path', async () => {
    const target = path.join(dir, 'secret');
    fs.writeFileSync(target, entries(1, 3));
    fs.symlinkSync(target, logPath);
    const sink = new Sink();
    await tailer().poll(sink.asSink, all());
    expect(sink.lines).toEqual([]);
  });

  it('treats a missing folder or file as an empty log', async () => {
    const t = new JsonLogTailer({ path: path.join(dir, 'gone', 'c-json.log'), maxLineBytes: 1024, buffer: Buffer.alloc(64) });
    const sink = new Sink();
    await t.poll(sink.asSink, all());
    expect([sink.lines, t.sizeBytes, t.lagBytes]).toEqual([[], 0, 0]);
  });
});
