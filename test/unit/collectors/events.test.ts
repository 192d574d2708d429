// The events collector over a RecordedEngine stream, replaying the session recorded from
// Engine 20.10 by scripts/record-exec-fixtures.sh (see test/unit/sources/execs.test.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEventsCollector, DOCUMENTED_ACTIONS, EVENT_TYPES, eventLabels } from '../../../src/collectors/events';
import { CollectorRunner } from '../../../src/collectors/runner';
import type { EngineEvent } from '../../../src/readers/engine';
import type { ContainerInspect, ExecInspect } from '../../../src/readers/engine-types';
import { silentLogger } from '../../../src/base/log';
import { createFacts, type Facts } from '../../../src/facts';
import { ENGINE_FIXTURES, series, valueOf } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';
import { RecordedEngine } from '../../helpers/recorded-engine';

const load = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, name), 'utf8')) as T;
const EVENTS = load<EngineEvent[]>('recorded-exec-events.json');
const EXEC_INSPECTS = load<Record<string, ExecInspect>>('recorded-exec-inspects.json');
const CONTAINERS = load<ContainerInspect[]>('recorded-exec-containers.json');
const REMOVAL = EVENTS.findIndex((e) => e.Action === 'kill');
const signal = new AbortController().signal;
// Fake timers: the stream's reconnect backoff (1 s first) is a setTimeout, so the tests
// move the clock instead of sleeping (nextTick, queueMicrotask and setImmediate stay real).
beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
afterEach(() => jest.useRealTimers());

describe('eventLabels', () => {
  it.each([
    [{ Type: 'container', Action: 'exec_create: sh -c echo secret=hunter2' }, 'container', 'exec_create'],
    [{ Type: 'container', Action: 'exec_start: id ' }, 'container', 'exec_start'],
    [{ Type: 'container', Action: 'health_status: healthy' }, 'container', 'health_status'],
    [{ Type: 'container', Action: 'health_status: unhealthy' }, 'container', 'health_status'],
    [{ Type: 'container', Action: 'extract-to-dir' }, 'container', 'extract-to-dir'],
    [{ Type: 'container', Action: 'pull' }, 'container', 'other'], // an image action on a container
    [{ Type: 'container', Action: 'made_up_action: x' }, 'container', 'other'],
    [{ Type: 'image', Action: 'pull' }, 'image', 'pull'],
    [{ Type: 'network', Action: 'connect' }, 'network', 'connect'],
    [{ Type: 'builder', Action: 'prune' }, 'builder', 'prune'],
    [{ Type: 'daemon', Action: 'reload' }, 'daemon', 'reload'],
    [{ Type: 'spaceship', Action: 'create' }, 'other', 'other'],
    [{ Action: 'start' }, 'other', 'other'],
  ])('%j is type=%s action=%s', (event, type, action) => {
    expect(eventLabels(event)).toEqual({ type, action });
  });

  it('bounds the label sets: every possible pair comes from the documented lists', () => {
    const pairs = new Set(EVENT_TYPES.flatMap((t) => [...DOCUMENTED_ACTIONS[t], 'other'].map((a) => `${t}/${a}`)));
    expect(pairs.size).toBeLessThan(100);
    for (const e of EVENTS) expect(pairs).toContain(`${eventLabels(e).type}/${eventLabels(e).action}`);
  });
});

describe('events collector', () => {
  const setup = (flags: string[] = []) => {
    const engine = new RecordedEngine();
    for (const c of CONTAINERS) engine.inspects.set(c.Id, c);
    engine.execInspects = new Map(Object.entries(EXEC_INSPECTS));
    const options = testOptions(flags, flags.includes('--once') ? {} : { watchEvents: false });
    const sources = createFacts(engine, silentLogger, options);
    const collector = createEventsCollector({ facts: sources });
    const runner = new CollectorRunner([collector], silentLogger);
    const close = async () => (await collector.close!(), await sources.close());
    return { engine, sources, runner, close };
  };
  const replay = async (engine: RecordedEngine, sources: Facts, events: readonly EngineEvent[]) => {
    for (const e of events) engine.stream!.onEvent(e);
    await sources.execs!.settled();
  };

  it('counts events by type and normalised action, and docker exec runs per container, privileged and as root', async () => {
    const { engine, sources, runner, close } = setup();
    const first = await runner.run(signal); // starts the stream
    expect(first.statuses[0].success).toBe(true);
    expect(valueOf(first.samples, 'docker_audit_engine_events_stream_up')).toBe(1);
    expect(series(first.samples, 'docker_audit_engine_events_total', [])).toEqual([]);
    expect(valueOf(first.samples, 'docker_audit_exec_privileged_total')).toBe(0);

    await replay(engine, sources, EVENTS.slice(0, REMOVAL));
    const { samples } = await runner.run(signal);
    // 6 docker exec runs and 3 healthcheck probes; the privileged exec could not start, so it never died.
    expect(series(samples, 'docker_audit_engine_events_total', [])).toEqual([
      'type=container,action=create => 2',
      'type=container,action=exec_create => 9',
      'type=container,action=exec_die => 8',
      'type=container,action=exec_start => 9',
      'type=container,action=health_status => 1',
      'type=container,action=start => 2',
    ]);
    expect(series(samples, 'docker_audit_container_exec_total', [])).toEqual([
      'name=fixture-rec-exec-root,id=2c74f5896a6b,image=docker-audit-test/busybox:local => 4',
      'name=fixture-rec-exec-user,id=d04ec36b8a57,image=docker-audit-test/busybox:local => 2',
    ]);
    expect(valueOf(samples, 'docker_audit_exec_privileged_total')).toBe(1);
    expect(valueOf(samples, 'docker_audit_exec_as_root_total')).toBe(4);
    expect(valueOf(samples, 'docker_audit_exec_inspect_failures_total')).toBe(0);
    expect(valueOf(samples, 'docker_audit_engine_events_reconnects_total')).toBe(0);
    // No argument ever becomes a label value.
    for (const s of samples) for (const v of Object.values(s.labels)) expect(v).not.toMatch(/\s|^id$|true/);

    // docker rm -f: the per-container series go, the host-wide counters stay.
    await replay(engine, sources, EVENTS.slice(REMOVAL));
    const after = await runner.run(signal);
    expect(series(after.samples, 'docker_audit_container_exec_total', [])).toEqual([]);
    expect(series(after.samples, 'docker_audit_engine_events_total', [], )).toContain('type=container,action=destroy => 2');
    expect(valueOf(after.samples, 'docker_audit_exec_privileged_total')).toBe(1);
    expect(valueOf(after.samples, 'docker_audit_exec_as_root_total')).toBe(4);
    await close();
  });

  it('shares one stream with the container inventory', async () => {
    const engine = new RecordedEngine();
    const sources = createFacts(engine, silentLogger, testOptions([], { watchEvents: true }));
    const collector = createEventsCollector({ facts: sources });
    await sources.containers.get({ collection: 1, signal, now: () => Date.now() });
    await new CollectorRunner([collector], silentLogger).run(signal);
    expect(engine.streamsOpened).toBe(1);
    expect(engine.streamFilters).toBeUndefined(); // every type, for both consumers
    await collector.close!();
    await sources.close();
  });

  it('reports stream_up 0 while the stream is broken, without failing, then the reconnect, by itself', async () => {
    const { engine, runner, close } = setup();
    await runner.run(signal);
    engine.streamFailure = new Error('connect ECONNREFUSED');
    engine.stream!.fail(new Error('socket hang up'));
    await jest.advanceTimersByTimeAsync(5);
    const down = await runner.run(signal);
    expect(down.statuses[0].success).toBe(true);
    expect(valueOf(down.samples, 'docker_audit_engine_events_stream_up')).toBe(0);
    engine.streamFailure = undefined;
    await jest.advanceTimersByTimeAsync(995); // first retry 1 s after the break
    const up = await runner.run(signal);
    expect(valueOf(up.samples, 'docker_audit_engine_events_stream_up')).toBe(1);
    expect(valueOf(up.samples, 'docker_audit_engine_events_reconnects_total')).toBe(1);
    await close();
  });

  it('reports nothing, and succeeds, in --once mode, where no stream is followed', async () => {
    const { engine, runner, close } = setup(['--once']);
    const { samples, statuses } = await runner.run(signal);
    expect(statuses[0]).toMatchObject({ name: 'events', success: true });
    expect(samples.filter((s) => s.family.collector === 'events')).toEqual([]);
    expect(engine.streamsOpened).toBe(0);
    await close();
  });
});
