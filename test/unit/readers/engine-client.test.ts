// EngineClient against local unix-socket servers that misbehave on purpose: one that
// accepts connections and never answers, one that answers with errors. The real engine's
// faults are covered by test/integration/engine-faults.test.ts.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { EngineClient, EventLineTooLongError } from '../../../src/readers/engine';
import { describeError } from '../../../src/base/log';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-client-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function listen(server: net.Server, name: string): Promise<string> {
  const socketPath = path.join(dir, name);
  return new Promise((resolve) => server.listen(socketPath, () => resolve(socketPath)));
}

describe('EngineClient deadlines', () => {
  // Fake timers for the deadlines (setTimeouts); the sockets stay real, so nextTick,
  // queueMicrotask and setImmediate are not faked. Real I/O is waited for by its own
  // event (the server accepting a connection), never by the clock.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());
  /** Runs the garbage collector now (V8's gc, reached without --expose-gc on the command line). */
  const collectGarbage = (() => {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  })();

  it('ends every call at its deadline, even calls queued behind busy connections', async () => {
    const held: net.Socket[] = [];
    let bothConnected!: () => void;
    const connected = new Promise<void>((resolve) => (bothConnected = resolve));
    const server = net.createServer((s) => {
      held.push(s); // accepts, never answers
      if (held.length === 2) bothConnected();
    });
    const socketPath = await listen(server, 'hung.sock');
    const client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 300, maxSockets: 2 });
    try {
      // Five calls over two connections: three wait in the agent's queue the whole time.
      const settled: PromiseSettledResult<unknown>[] = [];
      void Promise.allSettled(Array.from({ length: 5 }, () => client.ping())).then((r) => settled.push(...r));
      await connected; // both connections are open and busy
      await jest.advanceTimersByTimeAsync(299);
      expect(settled).toEqual([]);
      expect(held.length).toBe(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
      for (const r of settled) expect(describeError((r as PromiseRejectedResult).reason)).toMatch(/^pinging the engine at unix:\/\/.*hung\.sock failed: no answer from .* within 300 ms/);
      // And again, many times over, with a full garbage collection while a deadline is
      // pending (what once collected a deadline nobody else referenced, engine.ts withDeadline).
      for (let i = 0; i < 20; i++) {
        let outcome: string | undefined;
        void client.ping().then(() => (outcome = 'answered'), (e: Error) => (outcome = e.message));
        if (i === 10) collectGarbage();
        await jest.advanceTimersByTimeAsync(300);
        expect(outcome).toMatch(/within 300 ms/);
      }
    } finally {
      client.close();
      held.forEach((s) => s.destroy());
      server.close();
    }
  });

  it('aborts at once when the caller aborts (shutdown)', async () => {
    let accepted!: () => void;
    const connected = new Promise<void>((resolve) => (accepted = resolve));
    const server = net.createServer(() => accepted()); // accepts, never answers
    const socketPath = await listen(server, 'hung2.sock');
    const client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 60_000 });
    const controller = new AbortController();
    try {
      let outcome: string | undefined;
      void client.listContainers(controller.signal).then(() => (outcome = 'answered'), (e: unknown) => (outcome = describeError(e)));
      await connected; // the call is in flight at the engine
      await jest.advanceTimersByTimeAsync(50);
      expect(outcome).toBeUndefined();
      controller.abort(new Error('the exporter is shutting down'));
      await jest.advanceTimersByTimeAsync(0); // at once: the clock does not move, it is far from the 60 s deadline
      expect(outcome).toBe('listing containers failed: the exporter is shutting down');
    } finally {
      client.close();
      server.close();
    }
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

  it('reads a container\'s top; a 409 (stopped) or 404 (removed) top is "gone", any other status an error', async () => {
    // The statuses and bodies as Engine 20.10 sent them (scripts/record-top-fixtures.sh).
    const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'engine-20.10');
    const errors = JSON.parse(fs.readFileSync(path.join(fixtures, 'recorded-top-errors.json'), 'utf8')) as Record<'stopped' | 'missing', { status: number; body: unknown }>;
    const sleeps = fs.readFileSync(path.join(fixtures, 'recorded-top-sleeps.json'), 'utf8');
    const server = http.createServer((req, res) => {
      if (req.url === '/_ping') res.writeHead(200, { 'Api-Version': '1.41' }).end('OK');
      else if (req.url === '/v1.41/containers/up/top') res.writeHead(200, { 'Content-Type': 'application/json' }).end(sleeps);
      else if (req.url === '/v1.41/containers/stopped/top') res.writeHead(errors.stopped.status).end(JSON.stringify(errors.stopped.body));
      else if (req.url === '/v1.41/containers/gone/top') res.writeHead(errors.missing.status).end(JSON.stringify(errors.missing.body));
      else if (req.url === '/v1.41/containers/conflict/json') res.writeHead(409).end('{"message":"conflict"}');
      else res.writeHead(500).end('{"message":"ps: exit status 1"}');
    });
    const socketPath = await listen(server, 'top.sock');
    const client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 2000 });
    try {
      expect(errors.stopped.status).toBe(409);
      expect(errors.missing.status).toBe(404);
      expect((await client.containerTop('up'))?.Processes?.length).toBe(3);
      expect(await client.containerTop('stopped')).toBeUndefined();
      expect(await client.containerTop('gone')).toBeUndefined();
      const err = await client.containerTop('broken0000000000').catch((e: unknown) => e);
      expect(describeError(err)).toBe('listing the processes of container broken000000 failed: HTTP 500: ps: exit status 1');
      // A 409 is "gone" for a top only: an inspect has no such answer, and stays an error.
      expect(describeError(await client.inspectContainer('conflict').catch((e: unknown) => e))).toBe('inspecting container conflict failed: HTTP 409: conflict');
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

describe('EngineClient event stream', () => {
  /** A server whose /events sends `write(res)`'s chunks. */
  async function streaming(name: string, write: (res: http.ServerResponse) => void) {
    const server = http.createServer((req, res) => {
      if (req.url === '/_ping') return void res.writeHead(200, { 'Api-Version': '1.41' }).end('OK');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      write(res);
    });
    const socketPath = await listen(server, name);
    return { client: new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 2000 }), server };
  }

  it('parses lines split anywhere, a multi-byte character included, and several lines in one chunk', async () => {
    const lines = ['{"Type":"container","Action":"start","Actor":{"ID":"a","Attributes":{"name":"café ☕"}}}', '{"Type":"image","Action":"tag"}', '{"Type":"network","Action":"connect"}'];
    const bytes = Buffer.from(lines.join('\n') + '\n', 'utf8');
    const { client, server } = await streaming('split.sock', (res) => {
      // One byte at a time for the first line (splitting the é and the ☕), then the rest at once.
      const first = bytes.indexOf(0x0a) + 1;
      for (let i = 0; i < first; i++) res.write(bytes.subarray(i, i + 1));
      res.end(bytes.subarray(first));
    });
    const seen: unknown[] = [];
    try {
      await client.streamEvents({ onOpen() {}, onEvent: (e) => void seen.push(e) }, new AbortController().signal);
      expect(seen).toEqual(lines.map((l) => JSON.parse(l)));
    } finally {
      client.close();
      server.close();
    }
  });

  it('drops a line over 1 MiB without reading on, and ends the stream with an error that says so', async () => {
    let written = 0;
    const { client, server } = await streaming('endless.sock', (res) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (!res.destroyed && written < 64 * 1024 * 1024) res.once('drain', pump);
      };
      pump();
    });
    try {
      const err = await client.streamEvents({ onOpen() {}, onEvent() {} }, new AbortController().signal).catch((e: unknown) => e);
      expect(describeError(err)).toMatch(/^following engine events failed: an engine event line was over 1048576 bytes \(\d+ read without a newline\)/);
      expect((err as Error).cause).toBeInstanceOf(EventLineTooLongError);
      // It stopped reading soon after the bound, far from the 64 MiB the server would send.
      expect(written).toBeLessThan(16 * 1024 * 1024);
    } finally {
      client.close();
      server.close();
    }
  });
});

describe('EngineClient answer size', () => {
  it('stops reading an answer over its bound, and says so', async () => {
    let written = 0;
    const server = http.createServer((req, res) => {
      if (req.url === '/_ping') return void res.writeHead(200, { 'Api-Version': '1.41' }).end('OK');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      res.write('[');
      const pump = () => {
        while (!res.destroyed && written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (!res.destroyed && written < 64 * 1024 * 1024) res.once('drain', pump);
      };
      pump();
    });
    const socketPath = await listen(server, 'huge.sock');
    const client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 5000, maxResponseBytes: 1024 * 1024 });
    try {
      const err = await client.listContainers().catch((e: unknown) => e);
      expect(describeError(err)).toBe('listing containers failed: the answer to GET /v1.41/containers/json?all=1 is over 1048576 bytes; not read (EFBIG)');
      expect(written).toBeLessThan(16 * 1024 * 1024);
    } finally {
      client.close();
      server.close();
    }
  });
});
