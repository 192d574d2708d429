// EngineClient.containerArchive against a local unix-socket server that answers as the
// engine does (its 404 messages recorded from Engine 20.10), and one that sends too much.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, MAX_ARCHIVE_BYTES } from '../../../src/readers/engine';
import { describeError } from '../../../src/base/log';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-archive-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const TAR = fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'imageos', 'archive-symlink-etc-os-release.tar'));

describe('EngineClient.containerArchive', () => {
  let server: http.Server;
  let client: EngineClient;
  const asked: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      asked.push(req.url!);
      res.setHeader('Api-Version', '1.41');
      if (req.url === '/_ping') return void res.end('OK');
      const url = new URL(req.url!, 'http://x');
      const id = url.pathname.split('/')[3];
      const file = url.searchParams.get('path');
      res.setHeader('Content-Type', 'application/json');
      if (id === 'gone') return void ((res.statusCode = 404), res.end(JSON.stringify({ message: `No such container: ${id}` })));
      if (file === '/nope') return void ((res.statusCode = 404), res.end(JSON.stringify({ message: `Could not find the file ${file} in container ${id}` })));
      if (id === 'broken') return void ((res.statusCode = 500), res.end(JSON.stringify({ message: 'mount failed' })));
      if (id === 'huge') return void res.end(Buffer.alloc(MAX_ARCHIVE_BYTES + 1));
      res.setHeader('Content-Type', 'application/x-tar');
      res.end(TAR);
    });
    const socketPath = path.join(dir, 'engine.sock');
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 5000 });
  });
  afterAll(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns the tar bytes as sent, for the path asked, URL-encoded', async () => {
    const answer = await client.containerArchive('abc', '/etc/os-release');
    expect(answer.found && Buffer.compare(answer.tar, TAR)).toBe(0);
    expect(asked).toContain('/v1.41/containers/abc/archive?path=%2Fetc%2Fos-release');
  });

  it('tells a missing path from a missing container', async () => {
    expect(await client.containerArchive('abc', '/nope')).toEqual({ found: false, missing: 'path' });
    expect(await client.containerArchive('gone', '/etc/os-release')).toEqual({ found: false, missing: 'container' });
  });

  it('fails with what it attempted on an engine error, and on an answer over MAX_ARCHIVE_BYTES', async () => {
    await expect(client.containerArchive('broken', '/etc/os-release').catch(describeError)).resolves.toMatch(/^reading \/etc\/os-release from container broken failed: HTTP 500: mount failed/);
    await expect(client.containerArchive('huge', '/etc/os-release').catch(describeError)).resolves.toMatch(/over 65536 bytes; not read/);
  });
});
