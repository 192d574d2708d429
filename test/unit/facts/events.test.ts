import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, type EngineEvent } from '../../../src/readers/engine';
import { createLogger, silentLogger } from '../../../src/base/log';
import { EngineEventStream, eventAction } from '../../../src/facts/events';
import { RecordedEngine } from '../../helpers/recorded-engine';

// Fake timers everywhere: the reconnect backoff and the call deadlines are setTimeouts, so
// the tests move the clock instead of sleeping. nextTick, queueMicrotask and setImmediate
// stay real: Node's streams and sockets need them to make progress.
beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
afterEach(() => jest.useRealTimers());

const tick = () => new Promise((r) => setImmediate(r));

/** Moves the fake clock 1 ms at a time until the predicate holds, at most timeoutMs (of fake time). */
async function until(what: string, predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  for (let waited = 0; !predicate(); waited++) {
    if (waited >= timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await jest.advanceTimersByTimeAsync(1);
  }
}

describe('eventAction', () => {
  it.each([
    ['exec_create: sh -c echo a:b', 'exec_create'],
    ['health_status: healthy', 'health_status'],
    ['  start ', 'start'],
    ['exec_die', 'exec_die'],
    ['', ''],
  ])('%j is %j', (action, expected) => {
    expect(eventAction({ Action: action })).toBe(expected);
  });
});

describe('EngineEventStream over a recorded engine', () => {
  const setup = () => {
    const engine = new RecordedEngine();
    const stream = new EngineEventStream(engine, silentLogger, { initialBackoffMs: 5, maxBackoffMs: 20 });
    return { engine, stream };
  };

  it('is one subscription to every event type, shared by all listeners, and starts only when asked', async () => {
    const { engine, stream } = setup();
    const seen: string[][] = [[], []];
    stream.subscribe({ onEvent: (e) => seen[0].push(e.Action!) });
    stream.subscribe({ onEvent: (e) => seen[1].push(e.Action!) });
    await tick();
    expect(engine.streamsOpened).toBe(0);
    stream.start();
    stream.start();
    await tick();
    expect(engine.streamsOpened).toBe(1);
    expect(engine.streamFilters).toBeUndefined();
    expect(stream.up).toBe(true);
    engine.stream!.onEvent({ Type: 'image', Action: 'pull' });
    engine.stream!.onEvent({ Type: 'container', Action: 'start' });
    expect(seen).toEqual([['pull', 'start'], ['pull', 'start']]);
    await stream.close();
    expect(stream.up).toBe(false);
  });

  it('reports down while broken, reconnects with backoff, counts the reconnect and tells listeners', async () => {
    const { engine, stream } = setup();
    const log: string[] = [];
    stream.subscribe({ onOpen: ({ reconnected }) => log.push(`open reconnected=${reconnected}`), onClose: () => log.push('close') });
    stream.start();
    await until('up', () => stream.up);
    expect(stream.reconnects).toBe(0);
    engine.streamFailure = new Error('connect ECONNREFUSED');
    engine.stream!.fail(new Error('socket hang up'));
    await tick();
    expect(stream.up).toBe(false);
    await jest.advanceTimersByTimeAsync(40); // several failed attempts meanwhile
    expect(stream.up).toBe(false);
    expect(stream.reconnects).toBe(0);
    engine.streamFailure = undefined;
    await until('up again', () => stream.up);
    expect(stream.reconnects).toBe(1);
    expect(log).toEqual(['open reconnected=false', 'close', 'open reconnected=true']);
    // A stream the engine ends cleanly is subscribed again too.
    engine.stream!.end();
    await until('up after an end', () => stream.up && engine.streamsOpened === 3);
    expect(stream.reconnects).toBe(2);
    await stream.close();
  });

  it('backs off from 1 s doubling to 30 s by default', async () => {
    const engine = new RecordedEngine();
    engine.streamFailure = new Error('connect ECONNREFUSED');
    const attempts: number[] = [];
    const subscribe = engine.streamEvents.bind(engine);
    engine.streamEvents = (h, s, f) => (attempts.push(Date.now()), subscribe(h, s, f));
    const stream = new EngineEventStream(engine, silentLogger);
    const t0 = Date.now();
    stream.start();
    for (let i = 0; i < 8; i++) await jest.advanceTimersByTimeAsync(31_000);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    expect(attempts[0]).toBe(t0);
    expect(gaps.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    await stream.close();
  });

  it('keeps the stream and the other listeners when a listener throws', async () => {
    const { engine, stream } = setup();
    const lines: string[] = [];
    const logged = new EngineEventStream(engine, createLogger('warn', 'logfmt', (l) => lines.push(l)));
    const seen: EngineEvent[] = [];
    logged.subscribe({ onEvent: () => {
      throw new Error('listener bug');
    } });
    logged.subscribe({ onEvent: (e) => seen.push(e) });
    logged.start();
    await tick();
    engine.stream!.onEvent({ Type: 'container', Action: 'start' });
    engine.stream!.onEvent({ Type: 'container', Action: 'stop' });
    expect(seen.length).toBe(2);
    expect(logged.up).toBe(true);
    expect(engine.streamsOpened).toBe(1);
    expect(lines.filter((l) => l.includes('listener bug')).length).toBe(2);
    await logged.close();
    await stream.close();
  });

  it('restart() drops the stream and subscribes again (a reconnect); close() is final', async () => {
    const { engine, stream } = setup();
    stream.start();
    await tick();
    await stream.restart();
    await tick();
    expect(engine.streamsOpened).toBe(2);
    expect(stream.reconnects).toBe(1);
    const closing = stream.close();
    const restarting = stream.restart(); // as after a failed ping racing with shutdown
    await Promise.all([closing, restarting]);
    await jest.advanceTimersByTimeAsync(20);
    expect(engine.streamsOpened).toBe(2);
    expect(stream.up).toBe(false);
    expect(stream.started).toBe(false);
  });
});

describe('EngineEventStream over the real client', () => {
  // A fake engine on a unix socket: /_ping answers, /events sends headers and then nothing.
  let dir: string;
  let server: http.Server;
  const eventResponses: http.ServerResponse[] = [];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-events-'));
    server = http.createServer((req, res) => {
      if (req.url === '/_ping') {
        res.writeHead(200, { 'Api-Version': '1.41' }).end('OK');
      } else if (req.url === '/v1.41/events') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
        eventResponses.push(res);
      } else {
        res.writeHead(404).end('{"message":"not here"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'docker.sock'), resolve));
  });
  afterAll(async () => {
    for (const res of eventResponses) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stays up on a quiet stream far longer than the call deadline, and delivers what comes late', async () => {
    const client = new EngineClient({ kind: 'unix', socketPath: path.join(dir, 'docker.sock') }, { timeoutMs: 150 });
    const stream = new EngineEventStream(client, silentLogger, { initialBackoffMs: 10 });
    const seen: EngineEvent[] = [];
    // Real I/O (the ping, the subscription, the late event) is waited for by its callback, never by the clock.
    const opened = new Promise<void>((resolve) => stream.subscribe({ onOpen: () => resolve() }));
    let delivered!: () => void;
    const arrived = new Promise<void>((resolve) => (delivered = resolve));
    stream.subscribe({ onEvent: (e) => (seen.push(e), delivered()) });
    stream.start();
    await opened;
    expect(stream.up).toBe(true);
    await jest.advanceTimersByTimeAsync(900); // six deadlines of silence
    expect(stream.up).toBe(true);
    expect(stream.reconnects).toBe(0);
    expect(eventResponses.length).toBe(1);
    eventResponses[0].write(JSON.stringify({ Type: 'container', Action: 'exec_create: sh', Actor: { ID: 'c1' } }) + '\n');
    await arrived;
    expect(seen.length).toBe(1);
    await stream.close();
    client.close();
  });
});
