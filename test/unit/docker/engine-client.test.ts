// EngineClient against local unix-socket servers that misbehave on purpose: one that
// accepts connections and never answers, one that answers with errors. The real engine's
// faults are covered by test/integration/engine-faults.test.ts.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../../../src/docker/engine';
import { describeError } from '../../../src/log';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-client-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function listen(server: net.Server, name: string): Promise<string> {
  const socketPath = path.join(dir, name);
  return new Promise((resolve) => server.listen(socketPath, () => resolve(socketPath)));
}

describe('EngineClient deadlines', () => {
  it('ends every call at its deadline, even calls queued behind busy connections', async () => {
    const held: net.Socket[] = [];
    const server = net.createServer((s) => void held.push(s)); // accepts, never answers
    const socketPath = await listen(server, 'hung.sock');
    const client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 300, maxSockets: 2 });
    try {
      const started = Date.now();
      // Five calls over two connections: three wait in the agent's queue the whole time.
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.ping()));
      const elapsed = Date.now() - started;
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
      for (const r of results) expect(describeError((r as PromiseRejectedResult).reason)).toMatch(/^pinging the engine at unix:\/\/.*hung\.sock failed: no answer from .* within 300 ms/);
      expect(elapsed).toBeLessThan(3000);
      // And again, many times over, so garbage collection runs between deadlines.
      for (let i = 0; i < 20; i++) await expect(client.ping()).rejects.toThrow(/within 300 ms/);
    } finally {
      client.close();
      held.forEach((s) => s.destroy());
      server.close();
    }
  }, 30_000);

  it('aborts at once when the caller aborts (shutdown)', async () => {
    const server = net.createServer(() => {});
    const socketPath = await listen(server, 'hung2.sock');
    const client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const call = client.listContainers(controller.signal);
    setTimeout(() => controller.abort(new Error('the exporter is shutting down')), 50);
    await expect(call.catch((e: unknown) => describeError(e))).resolves.toBe('listing containers failed: the exporter is shutting down');
    client.close();
    server.close();
  });
});

describe('EngineClient answers', () => {
  it('negotiates the API version from /_ping, then uses it as the path prefix; a 404 inspect is a removed container', async () => {
    const paths: string[] = [];
    const server = http.createServer((req, res) => {
      paths.push(req.url!);
      if (req.url === '/_ping') res.writeHead(200, { 'Api-Version': '1.40' }).end('OK');
      else if (req.url === '/v1.40/containers/json?all=1') res.writeHead(200, { 'Content-Type': 'application/json' }).end('[{"Id":"abc"}]');
      else if (req.url === '/v1.40/containers/gone/json') res.writeHead(404).end('{"message":"No such container: gone"}');
      else res.writeHead(500).end('{"message":"boom"}');
    });
    const socketPath = await listen(server, 'http.sock');
    const client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 2000 });
    try {
      expect(await client.listContainers()).toEqual([{ Id: 'abc' }]);
      expect(await client.inspectContainer('gone')).toBeUndefined();
      await expect(client.info()).rejects.toThrow('reading engine info failed');
      const err = await client.info().catch((e: unknown) => e);
      expect(describeError(err)).toBe('reading engine info failed: HTTP 500: boom');
      expect(paths.slice(0, 3)).toEqual(['/_ping', '/v1.40/containers/json?all=1', '/v1.40/containers/gone/json']);
    } finally {
      client.close();
      server.close();
    }
  });

  it('says so when the engine is not there', async () => {
    const client = new EngineClient({ kind: 'unix', socketPath: path.join(dir, 'nobody.sock') }, { timeoutMs: 2000 });
    const err = await client.ping().catch((e: unknown) => e);
    expect(describeError(err)).toMatch(/^pinging the engine at unix:\/\/.*nobody\.sock failed: connect ENOENT/);
  });
});
