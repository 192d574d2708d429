import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLogTailer, type TailerOptions } from '../../../src/readers/audit-tailer';
import { silentLogger, type LogFields, type Logger } from '../../../src/base/log';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-al-tailer-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

class Collected {
  lines: string[] = [];
  skipped = 0;
  line = (t: string) => void this.lines.push(t);
  skip = () => void this.skipped++;
  get sink() {
    return { line: this.line, skipped: this.skip };
  }
}

function tailer(overrides: Partial<TailerOptions> = {}) {
  const log = path.join(dir, 'audit.log');
  return { log, t: new AuditLogTailer({ path: log, start: 'beginning', stateFile: undefined, maxLineBytes: 100, logger: silentLogger, ...overrides }) };
}

/**
 * Settles `promise` under fake timers: fires each timer as it comes due, and lets real
 * file I/O run while none is pending. Gives up after a minute of fake time.
 */
async function whileTheClockRuns<T>(promise: Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + 60_000;
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  while (!settled) {
    if (Date.now() > giveUpAt) throw new Error('still pending after a minute of fake time');
    if (jest.getTimerCount() > 0) await jest.advanceTimersToNextTimerAsync();
    else await new Promise((r) => setImmediate(r)); // a file operation is in flight
  }
  return promise;
}

describe('AuditLogTailer', () => {
  it('reads only new bytes, and a partial last line waits for its newline', async () => {
    const { log, t } = tailer({ chunkBytes: 4 }); // tiny chunks: lines cross chunk borders
    const c = new Collected();
    fs.writeFileSync(log, 'one\ntwo\nthr');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['one', 'two']);
    expect(t.lagBytes).toBe(3);
    fs.appendFileSync(log, 'ee\n');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['one', 'two', 'three']);
    expect(t.bytesRead).toBe(fs.statSync(log).size);
    expect(t.lagBytes).toBe(0);
    await t.close();
  });

  it('reads at most its byte budget per poll, and the rest at the next polls, losing and repeating nothing', async () => {
    const { log, t } = tailer({ maxBytesPerPoll: 20, chunkBytes: 8 });
    const lines = Array.from({ length: 12 }, (_, i) => `line-${String(i).padStart(2, '0')}`); // 8 bytes each with the newline
    fs.writeFileSync(log, lines.join('\n') + '\n');
    const c = new Collected();
    await t.poll(c.sink);
    expect(t.bytesRead).toBe(20);
    expect(c.lines).toEqual(lines.slice(0, 2));
    expect(t.lagBytes).toBe(96 - 16); // lag counts from the last complete line
    const polls = [];
    for (let i = 0; i < 10 && t.lagBytes > 0; i++) polls.push(await t.poll(c.sink));
    expect(polls.length).toBe(4); // 96 bytes at 20 a poll: 5 polls in all
    expect(c.lines).toEqual(lines);
    expect(c.skipped).toBe(0);
    await t.close();
  });

  it('finishes a rotated file through its open descriptor when the budget ran out before the rotation was seen', async () => {
    const { log, t } = tailer({ maxBytesPerPoll: 16 });
    fs.writeFileSync(log, 'a-line1\na-line2\na-line3\na-line4\n');
    const c = new Collected();
    await t.poll(c.sink);
    expect(c.lines).toEqual(['a-line1', 'a-line2']);
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, 'b-line1\n');
    for (let i = 0; i < 5; i++) await t.poll(c.sink);
    expect(c.lines).toEqual(['a-line1', 'a-line2', 'a-line3', 'a-line4', 'b-line1']);
    expect(t.rotations).toBe(1);
    await t.close();
  });

  it('stops reading when the collection is aborted, and goes on at the next poll', async () => {
    const { log, t } = tailer();
    fs.writeFileSync(log, 'one\ntwo\n');
    const c = new Collected();
    const aborted = new AbortController();
    aborted.abort();
    await t.poll(c.sink, aborted.signal);
    expect(c.lines).toEqual([]);
    expect(t.lagBytes).toBe(8);
    await t.poll(c.sink);
    expect(c.lines).toEqual(['one', 'two']);
    await t.close();
  });

  it('--audit.start=end skips what is there, including a line it would start inside', async () => {
    const { log, t } = tailer({ start: 'end' });
    fs.writeFileSync(log, 'old\nhalf-writ');
    const c = new Collected();
    await t.poll(c.sink);
    fs.appendFileSync(log, 'ten\nnew\n');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['new']);
    expect(c.skipped).toBe(0);
    await t.close();
  });

  it('skips and reports lines over the cap', async () => {
    const { log, t } = tailer({ maxLineBytes: 10, chunkBytes: 8 });
    fs.writeFileSync(log, `short\n${'x'.repeat(30)}\nafter\n${'y'.repeat(25)}`);
    const c = new Collected();
    await t.poll(c.sink);
    fs.appendFileSync(log, 'yyy\nlast\n');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['short', 'after', 'last']);
    expect(c.skipped).toBe(2);
    await t.close();
  });

  it('drains the old file after a rotation by rename, then reads the new one from byte 0', async () => {
    const { log, t } = tailer();
    const c = new Collected();
    fs.writeFileSync(log, 'a1\n');
    await t.poll(c.sink);
    fs.appendFileSync(log, 'a2\n'); // written after our last read, before the rename
    fs.renameSync(log, log + '.1');
    fs.writeFileSync(log, 'b1\n');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['a1', 'a2', 'b1']);
    expect(t.rotations).toBe(1);
    await t.close();
  });

  it('restarts at 0 after a copy-truncate', async () => {
    const { log, t } = tailer();
    const c = new Collected();
    fs.writeFileSync(log, 'first line\nsecond line\n');
    await t.poll(c.sink);
    fs.truncateSync(log, 0);
    fs.appendFileSync(log, 'x1\n');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['first line', 'second line', 'x1']);
    expect(t.truncations).toBe(1);
    // The next poll reads on from there (a regression: the head from before the truncation made it one more).
    fs.appendFileSync(log, 'x2\n');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['first line', 'second line', 'x1', 'x2']);
    expect(t.truncations).toBe(1);
    await t.close();
  });

  it('throws with the reason while the file is missing, and reads a file that appears later from byte 0', async () => {
    const { log, t } = tailer({ start: 'end' });
    const c = new Collected();
    await expect(t.poll(c.sink)).rejects.toThrow(/opening the audit log .*audit\.log failed/);
    fs.writeFileSync(log, 'late1\n');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['late1']);
    fs.appendFileSync(log, 'late2\n');
    fs.unlinkSync(log);
    // The tailer looks at a missing path again a few times, 50 ms apart (a rotation renames,
    // then creates): fake timers move that clock, while the file reads stay real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      await expect(whileTheClockRuns(t.poll(c.sink))).rejects.toThrow(/is gone/);
    } finally {
      jest.useRealTimers();
    }
    expect(c.lines).toEqual(['late1', 'late2']); // drained before it let go
    fs.writeFileSync(log, 'again\n');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['late1', 'late2', 'again']);
    await t.close();
  });

  it('resumes from the state file: same inode, and a rotated file found by its inode', async () => {
    const stateFile = path.join(dir, 'state.json');
    const first = tailer({ stateFile });
    fs.writeFileSync(first.log, 'l1\nl2\npart');
    const c1 = new Collected();
    await first.t.poll(c1.sink);
    await first.t.close();
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))).toMatchObject({ offset: 6 });

    fs.appendFileSync(first.log, 'ial\nl4\n');
    const second = tailer({ stateFile, start: 'end' });
    const c2 = new Collected();
    await second.t.poll(c2.sink);
    await second.t.close();
    expect(c2.lines).toEqual(['partial', 'l4']);

    fs.appendFileSync(first.log, 'l5\n');
    fs.renameSync(first.log, first.log + '.1');
    fs.writeFileSync(first.log, 'n1\n');
    const third = tailer({ stateFile, start: 'end' });
    const c3 = new Collected();
    await third.t.poll(c3.sink);
    await third.t.close();
    expect(c3.lines).toEqual(['l5', 'n1']);
  });

  it('without a state file, a restart starts where --audit.start says', async () => {
    const first = tailer();
    fs.writeFileSync(first.log, 'a\n');
    await first.t.poll(new Collected().sink);
    await first.t.close();
    fs.appendFileSync(first.log, 'b\n');
    const fromEnd = tailer({ start: 'end' });
    const c = new Collected();
    await fromEnd.t.poll(c.sink);
    fs.appendFileSync(first.log, 'c\n');
    await fromEnd.t.poll(c.sink);
    await fromEnd.t.close();
    expect(c.lines).toEqual(['c']); // b, written while nothing ran, is skipped
    const fromBeginning = tailer({ start: 'beginning' });
    const all = new Collected();
    await fromBeginning.t.poll(all.sink);
    await fromBeginning.t.close();
    expect(all.lines).toEqual(['a', 'b', 'c']); // and here a is counted again
  });
});

describe('AuditLogTailer and copy-truncate', () => {
  it('notices a truncation followed by more bytes than it had read, by the first line changing', async () => {
    const { log, t } = tailer();
    const c = new Collected();
    fs.writeFileSync(log, 'type=A msg=audit(1.000:1): x\n');
    await t.poll(c.sink);
    fs.truncateSync(log, 0);
    fs.appendFileSync(log, 'type=B msg=audit(2.000:2): a longer line than before\nnext\n');
    await t.poll(c.sink);
    expect(c.lines).toEqual(['type=A msg=audit(1.000:1): x', 'type=B msg=audit(2.000:2): a longer line than before', 'next']);
    expect(t.truncations).toBe(1);
    await t.close();
  });
});

/** Rotates the way auditd does with `numLogs`: audit.log.{numLogs-2} to .{numLogs-1} (the rename deletes the oldest), ..., audit.log to .1, then a new audit.log holding `lines`. */
function rotate(log: string, numLogs: number, lines: readonly string[], options: { writtenLater?: boolean } = {}): void {
  for (let i = numLogs - 1; i > 1; i--) if (fs.existsSync(`${log}.${i - 1}`)) fs.renameSync(`${log}.${i - 1}`, `${log}.${i}`);
  fs.renameSync(log, `${log}.1`);
  fs.writeFileSync(log, lines.map((l) => l + '\n').join(''));
  // A file written after an earlier rename deleted a file: its modification time is later
  // (here without waiting for the clock to move: a minute ahead).
  if (options.writtenLater) fs.utimesSync(log, Date.now() / 1000 + 60, Date.now() / 1000 + 60);
}
/** The lines of rotated file number `n`, unique across files. */
const gen = (n: number, count = 3) => Array.from({ length: count }, (_, i) => `g${n}-line${i}`);

/** A logger that keeps its warn lines. */
function warnings(): { logger: Logger; warned: { msg: string; fields: LogFields }[] } {
  const warned: { msg: string; fields: LogFields }[] = [];
  return { logger: { ...silentLogger, warn: (msg, fields = {}) => void warned.push({ msg, fields }) }, warned };
}

describe('AuditLogTailer across several rotations between two polls', () => {
  // A rotation seen in the middle, or a gap in the .N names, makes the tailer list the folder
  // again 50 ms later: fake timers move that clock, while the file reads stay real.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());
  const poll = (t: AuditLogTailer, c: Collected) => whileTheClockRuns(t.poll(c.sink));

  /** A tailer that has read generation 0 (at the path), then `rotations` rotations with num_logs = `numLogs`, then a poll. */
  async function rotatedBetweenPolls(rotations: number, numLogs: number, overrides: Partial<TailerOptions> = {}) {
    const { log, t } = tailer(overrides);
    const c = new Collected();
    fs.writeFileSync(log, gen(0).map((l) => l + '\n').join(''));
    await poll(t, c);
    fs.appendFileSync(log, 'g0-late\n'); // written after our read, before the rotation
    for (let r = 1; r <= rotations; r++) rotate(log, numLogs, gen(r));
    await poll(t, c);
    return { log, t, c };
  }

  it('0 rotations: reads what was appended, and moves past nothing', async () => {
    const { log, t, c } = await rotatedBetweenPolls(0, 5);
    expect(c.lines).toEqual([...gen(0), 'g0-late']);
    fs.appendFileSync(log, 'g0-later\n');
    await poll(t, c);
    expect(c.lines).toEqual([...gen(0), 'g0-late', 'g0-later']);
    expect([t.rotations, t.lostFiles, t.lagBytes]).toEqual([0, 0, 0]);
    await t.close();
  });

  it('1 rotation: the old file drained, then the new one', async () => {
    const { t, c } = await rotatedBetweenPolls(1, 5);
    expect(c.lines).toEqual([...gen(0), 'g0-late', ...gen(1)]);
    expect([t.rotations, t.lostFiles, c.skipped]).toEqual([1, 0, 0]);
    await t.close();
  });

  it('5 rotations: the old file (now audit.log.5), then audit.log.4 ... audit.log.1, then audit.log, each once', async () => {
    const { log, t, c } = await rotatedBetweenPolls(5, 8);
    expect(c.lines).toEqual([...gen(0), 'g0-late', ...gen(1), ...gen(2), ...gen(3), ...gen(4), ...gen(5)]);
    expect([t.rotations, t.lostFiles, c.skipped, t.lagBytes]).toEqual([5, 0, 0, 0]);
    // And it follows the new file, through further single rotations.
    fs.appendFileSync(log, 'g5-more\n');
    rotate(log, 8, gen(6));
    await poll(t, c);
    expect(c.lines.slice(-4)).toEqual(['g5-more', ...gen(6)]);
    expect([t.rotations, t.lostFiles]).toEqual([6, 0]);
    await t.close();
  });

  it('num_logs - 1 rotations: the old file is the oldest one kept, and nothing is lost', async () => {
    const { log, t, c } = await rotatedBetweenPolls(4, 5);
    expect(fs.existsSync(`${log}.4`)).toBe(true);
    expect(c.lines).toEqual([...gen(0), 'g0-late', ...gen(1), ...gen(2), ...gen(3), ...gen(4)]);
    expect([t.rotations, t.lostFiles]).toEqual([4, 0]);
    await t.close();
  });

  it('num_logs rotations: the old file is deleted, but read through its descriptor; nothing is lost and nothing is counted lost', async () => {
    const { log, t, c } = await rotatedBetweenPolls(5, 5);
    expect(fs.existsSync(`${log}.5`)).toBe(false); // auditd keeps audit.log.1 ... .4
    expect(c.lines).toEqual([...gen(0), 'g0-late', ...gen(1), ...gen(2), ...gen(3), ...gen(4), ...gen(5)]);
    expect([t.rotations, t.lostFiles]).toEqual([5, 0]);
    await t.close();
  });

  it('num_logs + 2 rotations: the two files after the old one were deleted unread; counted, and logged at warn naming what is known', async () => {
    const { logger, warned } = warnings();
    const { log, t } = tailer({ logger });
    const c = new Collected();
    fs.writeFileSync(log, gen(0).map((l) => l + '\n').join(''));
    await poll(t, c);
    const inode = fs.statSync(log).ino;
    fs.appendFileSync(log, 'g0-late\n');
    // The 5th rotation deletes generation 0 (renamed onto audit.log.4); each one after it deletes one more.
    for (let r = 1; r <= 7; r++) rotate(log, 5, gen(r), { writtenLater: r >= 5 });
    await poll(t, c);
    // Generations 1 and 2 are gone; 3 ... 6 are audit.log.4 ... .1, 7 is audit.log.
    expect(c.lines).toEqual([...gen(0), 'g0-late', ...gen(3), ...gen(4), ...gen(5), ...gen(6), ...gen(7)]);
    expect(t.lostFiles).toBe(2);
    expect(t.rotations).toBe(7); // every file moved past: read or lost
    expect(warned).toEqual([
      {
        msg: expect.stringMatching(/^2 audit log file\(s\) were rotated away and deleted before they could be read/),
        fields: expect.objectContaining({ path: log, lost_files: 2, exact: true, after: `${log} when last seen (inode ${inode})`, before: expect.stringContaining(`${log}.4 (inode `) }),
      },
    ]);
    // Nothing more is lost after it caught up.
    rotate(log, 5, gen(8));
    await poll(t, c);
    expect(c.lines.slice(-3)).toEqual(gen(8));
    expect([t.rotations, t.lostFiles]).toEqual([8, 2]);
    await t.close();
  });

  it('2 num_logs + 1 rotations: every file kept was written after the old one was deleted; at least that many lost, and said so', async () => {
    const { logger, warned } = warnings();
    const { log, t } = tailer({ logger });
    const c = new Collected();
    fs.writeFileSync(log, gen(0).map((l) => l + '\n').join(''));
    await poll(t, c);
    for (let r = 1; r <= 9; r++) rotate(log, 4, gen(r), { writtenLater: r >= 4 });
    await poll(t, c);
    // Generations 1 ... 5 are gone; 6, 7, 8 are audit.log.3 ... .1, 9 is audit.log. Five lost, three of them seen to be.
    expect(c.lines).toEqual([...gen(0), ...gen(6), ...gen(7), ...gen(8), ...gen(9)]);
    expect([t.lostFiles, t.rotations]).toEqual([3, 7]);
    expect(warned).toEqual([{ msg: expect.stringMatching(/^at least 3 audit log file\(s\) were rotated away/), fields: expect.objectContaining({ lost_files: 3, exact: false }) }]);
    await t.close();
  });

  it('a rotated file removed before it could be read (a gap in the .N names) is lost, counted, and named', async () => {
    const { logger, warned } = warnings();
    const { log, t } = tailer({ logger });
    const c = new Collected();
    fs.writeFileSync(log, gen(0).map((l) => l + '\n').join(''));
    await poll(t, c);
    for (let r = 1; r <= 3; r++) rotate(log, 8, gen(r));
    fs.unlinkSync(`${log}.2`); // generation 1, between ours (audit.log.3) and audit.log.1
    await poll(t, c);
    expect(c.lines).toEqual([...gen(0), ...gen(2), ...gen(3)]);
    expect([t.lostFiles, t.rotations]).toEqual([1, 3]);
    expect(warned).toEqual([{ msg: expect.stringContaining('missing'), fields: expect.objectContaining({ file: `${log}.2`, lost_files: 1 }) }]);
    await t.close();
  });

  it('a rotation in the middle of a byte-budget backlog: the files are held as they are found, and read in order over the next polls', async () => {
    const { log, t } = tailer({ maxBytesPerPoll: 20, chunkBytes: 8 });
    const c = new Collected();
    const first = Array.from({ length: 12 }, (_, i) => `line-${String(i).padStart(2, '0')}`); // 8 bytes each with the newline
    fs.writeFileSync(log, first.join('\n') + '\n');
    await poll(t, c);
    expect(c.lines).toEqual(first.slice(0, 2));
    for (let r = 1; r <= 2; r++) rotate(log, 4, gen(r));
    await poll(t, c);
    expect(c.lines).toEqual(first.slice(0, 5)); // still in the first file: 40 bytes read
    // The lag counts the rest of the file being read and the files waiting behind it.
    expect(t.lagBytes).toBe(96 - 40 + fs.statSync(`${log}.1`).size + fs.statSync(log).size);
    // Four more rotations with num_logs = 4: on disk, the first file and generations 1 and 2 are
    // deleted; the tailer holds them, and generation 2 (the newest it holds) was the path then.
    for (let r = 3; r <= 6; r++) rotate(log, 4, gen(r));
    expect(fs.existsSync(`${log}.4`)).toBe(false);
    let polls = 2;
    while (t.lagBytes > 0 && polls < 50) {
      await poll(t, c);
      polls++;
    }
    const all = [...first, ...[1, 2, 3, 4, 5, 6].flatMap((g) => gen(g))];
    expect(c.lines).toEqual(all);
    expect(t.bytesRead).toBe(all.join('\n').length + 1);
    expect(polls).toBe(Math.ceil(t.bytesRead / 20)); // every poll used its whole budget but the last
    expect([t.rotations, t.lostFiles, c.skipped]).toEqual([6, 0, 0]);
    await t.close();
  });

  it('restarts from the state file across rotations: the saved file, found by inode and head among the .N, then every file after it', async () => {
    const stateFile = path.join(dir, 'state.json');
    const first = tailer({ stateFile, maxBytesPerPoll: 12 });
    const c1 = new Collected();
    fs.writeFileSync(first.log, gen(0).map((l) => l + '\n').join(''));
    await poll(first.t, c1);
    await first.t.close();
    expect(c1.lines).toEqual(gen(0).slice(0, 1));
    const saved = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    // 9 bytes a line: one whole line read of the 12 bytes; the head is the file's 27 bytes.
    expect(saved).toEqual({ path: first.log, inode: String(fs.statSync(first.log).ino), offset: 9, head: expect.stringMatching(/^27:[0-9a-f]{64}$/), known: [] });

    fs.appendFileSync(first.log, 'g0-late\n');
    for (let r = 1; r <= 3; r++) rotate(first.log, 8, gen(r));
    const second = tailer({ stateFile, start: 'end' });
    const c2 = new Collected();
    await poll(second.t, c2);
    expect(c2.lines).toEqual([...gen(0).slice(1), 'g0-late', ...gen(1), ...gen(2), ...gen(3)]);
    expect([second.t.rotations, second.t.lostFiles]).toEqual([3, 0]);
    await second.t.close();
    // The files read are known from then on: a third start reads only what is new.
    fs.appendFileSync(second.log, 'g3-more\n');
    const third = tailer({ stateFile, start: 'beginning' });
    const c3 = new Collected();
    await poll(third.t, c3);
    expect(c3.lines).toEqual(['g3-more']);
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).known).toHaveLength(3); // generations 0, 1 and 2
    await third.t.close();
  });

  it('reads a state file written before head and known existed (inode and offset only)', async () => {
    const stateFile = path.join(dir, 'state.json');
    const { log, t } = tailer({ stateFile });
    fs.writeFileSync(log, 'old1\nold2\n');
    fs.writeFileSync(stateFile, JSON.stringify({ path: log, inode: String(fs.statSync(log).ino), offset: 5 }) + '\n');
    rotate(log, 5, ['new1']);
    const c = new Collected();
    await poll(t, c);
    expect(c.lines).toEqual(['old2', 'new1']);
    expect(t.rotations).toBe(1);
    await t.close();
  });

  it('at a restart, a saved file that is gone is lost (counted); the rotated files not known before are read, then the current one', async () => {
    const stateFile = path.join(dir, 'state.json');
    const { logger, warned } = warnings();
    const first = tailer({ stateFile });
    fs.writeFileSync(`${first.log}.1`, 'older\n'); // there before: known, never read
    fs.writeFileSync(first.log, gen(0).map((l) => l + '\n').join(''));
    await poll(first.t, new Collected());
    await first.t.close();
    fs.appendFileSync(first.log, 'g0-late\n'); // never read: lost with its file
    for (let r = 1; r <= 3; r++) rotate(first.log, 3, gen(r)); // the 2nd deletes "older", the 3rd generation 0
    const second = tailer({ stateFile, logger });
    const c = new Collected();
    await poll(second.t, c);
    expect(c.lines).toEqual([...gen(1), ...gen(2), ...gen(3)]);
    expect([second.t.lostFiles, second.t.rotations]).toEqual([1, 3]);
    expect(warned).toEqual([{ msg: expect.stringContaining('the state file points to is gone'), fields: expect.objectContaining({ inode: expect.any(String), lost_files: 1 }) }]);
    await second.t.close();
  });

  it('at a restart, a saved inode whose first bytes differ is another file (the inode was reused): not resumed', async () => {
    const stateFile = path.join(dir, 'state.json');
    const { log, t } = tailer({ stateFile });
    fs.writeFileSync(log, 'another file\nat the same inode\n');
    const otherHead = createHash('sha256').update('a different start').digest('hex');
    fs.writeFileSync(stateFile, JSON.stringify({ path: log, inode: String(fs.statSync(log).ino), offset: 13, head: `17:${otherHead}`, known: [] }) + '\n');
    const c = new Collected();
    await poll(t, c);
    expect(c.lines).toEqual(['another file', 'at the same inode']); // from its start
    expect(t.lostFiles).toBe(1);
    await t.close();
  });

  it('after a copy-truncate, the copy (audit.log.1, another inode) is recognised by its first bytes and not read again', async () => {
    const { log, t } = tailer({ maxLineBytes: 1000 });
    const c = new Collected();
    const long = `type=A msg=audit(1.000:1): ${'x'.repeat(200)}`; // a first line longer than the head compared
    fs.writeFileSync(log, `${long}\ntype=A msg=audit(1.000:2): second\n`);
    await poll(t, c);
    fs.copyFileSync(log, `${log}.1`);
    fs.truncateSync(log, 0);
    fs.appendFileSync(log, 'type=B msg=audit(2.000:3): after the truncation\n');
    await poll(t, c);
    fs.unlinkSync(log);
    await expect(poll(t, c)).rejects.toThrow(/is gone/);
    fs.writeFileSync(log, 'type=C msg=audit(3.000:4): a new file\n');
    await poll(t, c);
    expect(c.lines).toEqual([long, 'type=A msg=audit(1.000:2): second', 'type=B msg=audit(2.000:3): after the truncation', 'type=C msg=audit(3.000:4): a new file']);
    expect([t.truncations, t.rotations, t.lostFiles]).toEqual([1, 1, 0]);
    await t.close();
  });
});
