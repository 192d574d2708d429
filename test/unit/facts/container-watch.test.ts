import * as fs from 'node:fs';
import * as path from 'node:path';
import { changedContainerId, ContainerWatcher } from '../../../src/facts/container-watch';
import type { EngineEvent } from '../../../src/readers/engine';
import { silentLogger } from '../../../src/base/log';
import { EngineEventStream } from '../../../src/facts/events';
import { ENGINE_FIXTURES } from '../../helpers/fixtures';
import { RecordedEngine } from '../../helpers/recorded-engine';

const RECORDED = JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, 'recorded-exec-events.json'), 'utf8')) as EngineEvent[];

// Fake timers: the stream's reconnect backoff is a setTimeout, so the tests move the clock
// instead of sleeping (nextTick, queueMicrotask and setImmediate stay real).
beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
afterEach(() => jest.useRealTimers());

describe('changedContainerId', () => {
  it.each([
    [{ Type: 'container', Action: 'update', Actor: { ID: 'c1' } }, 'c1'],
    [{ Type: 'container', Action: 'health_status: unhealthy', Actor: { ID: 'c1' } }, 'c1'],
    [{ Type: 'container', Action: 'destroy', id: 'c2' }, 'c2'],
    [{ Type: 'container', Action: 'exec_create: sh -c id', Actor: { ID: 'c1' } }, undefined],
    [{ Type: 'container', Action: 'exec_die', Actor: { ID: 'c1' } }, undefined],
    [{ Type: 'container', Action: 'archive-path', Actor: { ID: 'c1' } }, undefined],
    [{ Type: 'network', Action: 'connect', Actor: { ID: 'n1', Attributes: { container: 'c3', name: 'bridge' } } }, 'c3'],
    [{ Type: 'network', Action: 'create', Actor: { ID: 'n1', Attributes: { name: 'n' } } }, undefined],
    [{ Type: 'image', Action: 'pull', Actor: { ID: 'busybox' } }, undefined],
    [{ Type: 'volume', Action: 'mount', Actor: { ID: 'v1', Attributes: { container: 'c1' } } }, undefined],
  ])('%j changes %j', (event, id) => {
    expect(changedContainerId(event)).toBe(id);
  });

  it('picks exactly the lifecycle events of the recorded session', () => {
    const changing = RECORDED.filter((e) => changedContainerId(e) !== undefined).map((e) => e.Action);
    expect(changing).toEqual(['create', 'start', 'create', 'start', 'health_status: healthy', 'kill', 'kill', 'die', 'die', 'destroy', 'destroy']);
  });
});

describe('ContainerWatcher on the shared stream', () => {
  const setup = () => {
    const engine = new RecordedEngine();
    const stream = new EngineEventStream(engine, silentLogger, { initialBackoffMs: 5 });
    const watcher = new ContainerWatcher(stream);
    return { engine, stream, watcher };
  };

  it('gives a token only while the stream is up, and a new one on every change, break and reopen', async () => {
    const { engine, stream, watcher } = setup();
    expect(watcher.token()).toBeUndefined();
    watcher.start();
    await jest.advanceTimersByTimeAsync(0); // the subscription opens without any wait
    const t1 = watcher.token();
    expect(t1).toBeDefined();
    engine.stream!.onEvent({ Type: 'container', Action: 'exec_start: id', Actor: { ID: 'c1' } });
    engine.stream!.onEvent({ Type: 'image', Action: 'pull', Actor: { ID: 'busybox' } });
    expect(watcher.token()).toBe(t1);
    engine.stream!.onEvent({ Type: 'container', Action: 'die', Actor: { ID: 'c1' } });
    engine.stream!.onEvent({ Type: 'network', Action: 'disconnect', Actor: { ID: 'n', Attributes: { container: 'c2' } } });
    const t2 = watcher.token();
    expect(t2).not.toBe(t1);
    expect(watcher.drainChanged().sort()).toEqual(['c1', 'c2']);
    expect(watcher.drainChanged()).toEqual([]);
    // A reopen means events may have been missed: the token changes, so the inventory lists again.
    engine.stream!.fail(new Error('socket hang up'));
    await jest.advanceTimersByTimeAsync(0);
    expect(watcher.token()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(4);
    expect(watcher.token()).toBeUndefined(); // still backing off
    await jest.advanceTimersByTimeAsync(1); // the first retry, after initialBackoffMs
    const t3 = watcher.token();
    expect(t3).toBeDefined();
    expect(t3).not.toBe(t2);
    await watcher.close();
    await stream.close();
  });

  it('stops listening on close, and leaves the shared stream to its owner', async () => {
    const { engine, stream, watcher } = setup();
    const other: EngineEvent[] = [];
    stream.subscribe({ onEvent: (e) => other.push(e) });
    watcher.start();
    await jest.advanceTimersByTimeAsync(0);
    await watcher.close();
    engine.stream!.onEvent({ Type: 'container', Action: 'die', Actor: { ID: 'c1' } });
    expect(watcher.drainChanged()).toEqual([]);
    expect(watcher.token()).toBeUndefined();
    expect(stream.up).toBe(true);
    expect(other.length).toBe(1);
    await stream.close();
  });
});
