// The wiring of main.ts: every collector over one set of facts asks the engine once per
// collection for what they share (one /_ping, /info from one cache), over the recorded engine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../../src/base/log';
import { buildRunner, handleSignals } from '../../../src/cli/main';
import { testConfig } from '../../helpers/options';
import { RecordedEngine } from '../../helpers/recorded-engine';

describe('buildRunner', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-main-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('pings the engine once per collection and reads /info once, whichever collectors ask', async () => {
    const engine = new RecordedEngine();
    let infos = 0;
    const info = engine.info.bind(engine);
    engine.info = () => (infos++, info());
    // Every collector that reads the engine; the audit ones read files and auditctl only. No
    // event stream, so the container list runs every time (a quiet stream would replace it by the ping).
    const config = testConfig([
      '--no-collector.auditlog',
      '--no-collector.auditrules',
      '--no-collector.host', // reads /proc and /sys only
      '--collector.containers.watch-events=false',
      `--host.root-path=${dir}`,
      `--host.proc-path=${path.join(dir, 'proc')}`,
      `--daemon.config-path=${path.join(dir, 'daemon.json')}`,
      '--daemon.probe-address=',
    ]);
    const runner = buildRunner(config, engine, silentLogger);
    try {
      const signal = new AbortController().signal;
      const first = await runner.run(signal);
      // No dockerd under the empty proc folder, but /info answers: every collector succeeds.
      expect(first.statuses.filter((s) => !s.success).map((s) => `${s.name}: ${s.error}`)).toEqual([]);
      expect(first.statuses.map((s) => s.name)).toEqual(['engine', 'containers', 'daemon', 'images', 'imageos', 'resources', 'processes', 'events', 'logs', 'cis']);
      expect({ pings: engine.calls.ping, infos }).toEqual({ pings: 1, infos: 1 });
      await runner.run(signal);
      expect({ pings: engine.calls.ping, infos }).toEqual({ pings: 2, infos: 1 });
    } finally {
      await runner.close();
    }
  });
});

describe('handleSignals', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  function setup(stop: () => Promise<void>, reload?: () => Promise<unknown>) {
    const listeners = new Map<string, () => void>();
    const exits: number[] = [];
    const logs: string[] = [];
    const logger = { ...silentLogger, info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
    handleSignals({ stop, reload, logger, graceMs: 15_000, exit: (code) => void exits.push(code), on: (s, l) => void listeners.set(s, l) });
    return { send: (s: string) => listeners.get(s)!(), exits, logs };
  }

  it('stops gracefully on SIGTERM and exits 0', async () => {
    const { send, exits } = setup(() => Promise.resolve());
    send('SIGTERM');
    await jest.advanceTimersByTimeAsync(0);
    expect(exits).toEqual([0]);
  });

  it('exits anyway once the grace time is over, whatever the stop is waiting for', async () => {
    const { send, exits, logs } = setup(() => new Promise<void>(() => undefined)); // a stop that never ends
    send('SIGTERM');
    await jest.advanceTimersByTimeAsync(14_999);
    expect(exits).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([1]);
    expect(logs).toContain('shutdown did not finish in time: exiting anyway');
  });

  it('exits at once on a second SIGTERM or SIGINT', async () => {
    const { send, exits } = setup(() => new Promise<void>(() => undefined));
    send('SIGTERM');
    send('SIGINT');
    expect(exits).toEqual([130]);
    const again = setup(() => new Promise<void>(() => undefined));
    again.send('SIGINT');
    again.send('SIGTERM');
    expect(again.exits).toEqual([143]);
  });

  it('ignores SIGHUP without a web configuration, as SIGHUP would otherwise kill the process', async () => {
    const { send, exits, logs } = setup(() => Promise.resolve());
    send('SIGHUP');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(exits).toEqual([]);
    expect(logs).toEqual(['SIGHUP received: there is nothing to reload (no --web.config.file); ignored']);
  });

  it('reloads the web configuration on each SIGHUP, and survives a reload that fails', async () => {
    let reloads = 0;
    const { send, exits, logs } = setup(
      () => Promise.resolve(),
      async () => {
        reloads++;
        if (reloads === 2) throw new Error('disk on fire');
        return true;
      },
    );
    send('SIGHUP');
    send('SIGHUP');
    await jest.advanceTimersByTimeAsync(0);
    expect({ reloads, exits }).toEqual({ reloads: 2, exits: [] });
    expect(logs).toEqual(['SIGHUP received: reloading the web configuration', 'SIGHUP received: reloading the web configuration', 'reloading the web configuration failed']);
  });

  it('reloads nothing once stopping', async () => {
    let reloads = 0;
    const { send } = setup(() => new Promise<void>(() => undefined), async () => reloads++);
    send('SIGTERM');
    send('SIGHUP');
    await jest.advanceTimersByTimeAsync(0);
    expect(reloads).toBe(0);
  });
});
