// Reading files that may be anything: in 0.1 a FIFO at daemon.json, a rules file or a Trivy
// report blocked the collection forever (readFile waits for a writer), and every later tick
// was skipped. Each kind of file here is made for real (mkfifo, /dev/zero, a socket).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotAFileError, readRegularFile, readTextFile } from '../../../src/readers/files';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-files-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fifo(name: string): string {
  const p = path.join(dir, name);
  const made = spawnSync('mkfifo', [p]);
  expect(made.status).toBe(0);
  return p;
}

describe('readRegularFile', () => {
  it('reads a regular file, and a procfs file whose size says 0', async () => {
    fs.writeFileSync(path.join(dir, 'a.json'), '{"icc": false}');
    expect(await readTextFile(path.join(dir, 'a.json'))).toBe('{"icc": false}');
    expect(fs.statSync('/proc/self/cmdline').size).toBe(0);
    const text = await readTextFile('/proc/self/cmdline');
    expect(text.length).toBeGreaterThan(0);
    expect(text).toBe(fs.readFileSync('/proc/self/cmdline', 'utf8'));
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const p = fifo('daemon.json');
    const err = await readRegularFile(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotAFileError);
    expect((err as Error).message).toBe(`${p} is a FIFO, not a regular file; not read`);
  });

  it('refuses a character device, a directory and a socket', async () => {
    await expect(readRegularFile('/dev/zero')).rejects.toThrow('/dev/zero is a character device, not a regular file; not read');
    await expect(readRegularFile(dir)).rejects.toThrow(/is a directory|EISDIR/);
    const sock = path.join(dir, 's.sock');
    const server = net.createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      // A unix socket cannot be opened as a file at all (ENXIO): refused either way, never read.
      await expect(readRegularFile(sock)).rejects.toThrow(/ENXIO|a socket/);
    } finally {
      server.close();
    }
  });

  it('refuses a file over its size bound without reading it all', async () => {
    fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(300_000, 'x'));
    await expect(readRegularFile(path.join(dir, 'big'), { maxBytes: 100_000 })).rejects.toThrow(`${path.join(dir, 'big')} is over 100000 bytes; not read`);
    expect((await readRegularFile(path.join(dir, 'big'), { maxBytes: 300_000 })).length).toBe(300_000);
  });

  it('says so for a file that is not there', async () => {
    await expect(readRegularFile(path.join(dir, 'none'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
