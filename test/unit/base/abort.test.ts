import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { onAbort } from '../../../src/base/abort';
import { EngineClient } from '../../../src/readers/engine';

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('onAbort', () => {
  it('puts one listener on the signal however many subscribe, and none once all are gone', () => {
    const controller = new AbortController();
    const stops = Array.from({ length: 50 }, () => onAbort(controller.signal, () => {}));
    expect(listeners(controller.signal)).toBe(1);
    for (const stop of stops.slice(1)) stop();
    expect(listeners(controller.signal)).toBe(1);
    stops[0]();
    stops[0](); // twice is harmless
    expect(listeners(controller.signal)).toBe(0);
    // A new subscriber after that gets a listener again.
    const calls: string[] = [];
    const stop = onAbort(controller.signal, () => calls.push('late'));
    expect(listeners(controller.signal)).toBe(1);
    controller.abort();
    expect(calls).toEqual(['late']);
    stop();
  });

  it('calls every subscriber still there at the abort, once; the same function twice counts twice', () => {
    const controller = new AbortController();
    const calls: number[] = [];
    const fn = () => calls.push(1);
    onAbort(controller.signal, fn);
    onAbort(controller.signal, fn);
    const gone = onAbort(controller.signal, () => calls.push(99));
    gone();
    controller.abort();
    controller.abort();
    expect(calls).toEqual([1, 1]);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('calls at once for a signal already aborted', () => {
    const calls: string[] = [];
    onAbort(AbortSignal.abort(), () => calls.push('now'));
    expect(calls).toEqual(['now']);
  });
});

describe('EngineClient calls in flight', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-abort-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('put one listener on the shared caller signal, not one per call, and leave none behind', async () => {
    // A server that holds every request until 20 are in, so all 20 are in flight at once.
    const held: http.ServerResponse[] = [];
    let allIn!: () => void;
    const arrived = new Promise<void>((resolve) => (allIn = resolve));
    const server = http.createServer((req, res) => {
      if (req.url === '/_ping') return void res.writeHead(200, { 'Api-Version': '1.41' }).end('OK');
      held.push(res);
      if (held.length === 20) allIn();
    });
    const socketPath = path.join(dir, 'engine.sock');
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 30_000, maxSockets: 32 });
    const shutdown = new AbortController();
    try {
      await client.ping(shutdown.signal);
      const calls = Array.from({ length: 20 }, (_, i) => client.inspectContainer(`c${i}`, shutdown.signal));
      await arrived;
      // Before src/base/abort.ts: 20 here, and Node's MaxListenersExceededWarning at the 11th.
      expect(listeners(shutdown.signal)).toBe(1);
      for (const res of held) res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"Id":"x"}');
      await Promise.all(calls);
      expect(listeners(shutdown.signal)).toBe(0);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
