import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLogTailer, type TailerOptions } from '../../../src/readers/audit-tailer';
import { silentLogger } from '../../../src/base/log';

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
