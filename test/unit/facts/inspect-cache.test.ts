import { InspectCache, maxSecondsForHumanDuration, statusFacts } from '../../../src/facts/inspect-cache';
import type { ContainerInspect, ContainerSummary } from '../../../src/readers/engine-types';
import { recordedInspect, recordedList } from '../../helpers/fixtures';

const T0 = Date.parse('2026-11-23T12:00:00Z');
const summary = (status: string, state = 'running', id = 'c1'): ContainerSummary => ({ Id: id, Names: ['/web'], State: state, Status: status });
const inspectStarted = (startedAt: string, finishedAt = '0001-01-01T00:00:00Z'): ContainerInspect => ({
  Id: 'c1',
  State: { Status: 'running', StartedAt: startedAt, FinishedAt: finishedAt },
});

describe('maxSecondsForHumanDuration (docker/go-units HumanDuration)', () => {
  it.each([
    ['Less than a second', 1],
    ['1 second', 2],
    ['45 seconds', 46],
    ['About a minute', 120],
    ['5 minutes', 360],
    ['About an hour', 5400],
    ['3 hours', 12600],
    ['2 days', 3 * 86400],
    ['3 weeks', 4 * 7 * 86400],
    ['4 months', 5 * 30 * 86400],
    ['2 years', 3 * 365 * 86400],
  ])('%s is at most %d s', (text, max) => {
    expect(maxSecondsForHumanDuration(text)).toBe(max);
  });
  it('returns undefined for text it does not know', () => {
    expect(maxSecondsForHumanDuration('a while')).toBeUndefined();
  });
});

describe('statusFacts on list entries recorded from Engine 20.10', () => {
  it('reads health, exit code and the time the Status speaks of', () => {
    const byName = new Map(recordedList().map((c) => [c.Names![0].replace('/fixture-rec-', ''), c]));
    expect(statusFacts(byName.get('hardened')!)).toEqual({
      key: 'running||healthy|/fixture-rec-hardened',
      since: { field: 'StartedAt', maxAgeSeconds: 9 },
    });
    expect(statusFacts(byName.get('unhealthy')!).key).toBe('running||unhealthy|/fixture-rec-unhealthy');
    expect(statusFacts(byName.get('oom')!)).toEqual({ key: 'exited|137||/fixture-rec-oom', since: { field: 'FinishedAt', maxAgeSeconds: 8 } });
    expect(statusFacts(byName.get('restartloop')!).since).toEqual({ field: 'FinishedAt', maxAgeSeconds: 1 });
    expect(statusFacts(byName.get('privileged')!)).toEqual({ key: 'created|||/fixture-rec-privileged', since: undefined });
  });
  it('keys do not change as "Up" time passes, only when something real changes', () => {
    expect(statusFacts(summary('Up 5 minutes')).key).toBe(statusFacts(summary('Up 2 hours')).key);
    expect(statusFacts(summary('Up 5 minutes (Paused)', 'paused')).since?.field).toBe('StartedAt');
    expect(statusFacts(summary('Up 5 minutes (healthy)')).key).not.toBe(statusFacts(summary('Up 5 minutes (unhealthy)')).key);
  });
});

describe('InspectCache', () => {
  const make = (maxAgeMs = 300_000) => new InspectCache({ maxAgeMs, random: () => 0.5 });

  it('reuses an inspect while the list shows no change', () => {
    const cache = make();
    const inspect = inspectStarted('2026-11-23T11:00:00Z');
    cache.set(summary('Up About an hour'), inspect, T0);
    expect(cache.get(summary('Up About an hour'), T0 + 15_000)).toBe(inspect);
    expect(cache.get(summary('Up About an hour'), T0 + 4 * 60_000)).toBe(inspect);
  });

  it('drops the entry when the state, health or exit code changes', () => {
    const cache = make();
    const inspect = inspectStarted('2026-11-23T11:00:00Z');
    cache.set(summary('Up About an hour'), inspect, T0);
    expect(cache.get(summary('Up About an hour (unhealthy)'), T0 + 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set(summary('Exited (0) 2 seconds ago', 'exited'), inspect, T0);
    expect(cache.get(summary('Exited (1) 2 seconds ago', 'exited'), T0)).toBeUndefined();
  });

  it('notices a restart between two collections although the state is running both times', () => {
    const cache = make();
    // Cached when it had been up for an hour; fifteen seconds later the list says it has been up 3 seconds.
    cache.set(summary('Up About an hour'), inspectStarted('2026-11-23T11:00:00Z'), T0);
    expect(cache.get(summary('Up 3 seconds'), T0 + 15_000)).toBeUndefined();
  });

  it('does not mistake the coarse Status text for a restart', () => {
    const cache = make();
    const inspect = inspectStarted('2026-11-23T11:59:50Z'); // 10 s before T0
    cache.set(summary('Up 10 seconds'), inspect, T0);
    expect(cache.get(summary('Up 25 seconds'), T0 + 15_000)).toBe(inspect);
    expect(cache.get(summary('About a minute'.replace(/^/, 'Up ')), T0 + 55_000)).toBe(inspect);
  });

  it('notices a container that exited again with the same code', () => {
    const cache = make();
    const exited: ContainerInspect = { Id: 'c1', State: { Status: 'exited', FinishedAt: '2026-11-23T11:00:00Z' } };
    cache.set(summary('Exited (0) About an hour ago', 'exited'), exited, T0);
    expect(cache.get(summary('Exited (0) About an hour ago', 'exited'), T0 + 15_000)).toBe(exited);
    expect(cache.get(summary('Exited (0) 4 seconds ago', 'exited'), T0 + 30_000)).toBeUndefined();
  });

  it('expires entries after the jittered maximum age', () => {
    const inspect = inspectStarted('2026-11-23T11:00:00Z');
    const early = new InspectCache({ maxAgeMs: 100_000, random: () => 0 }); // 75% of the age
    early.set(summary('Up About an hour'), inspect, T0);
    expect(early.get(summary('Up About an hour'), T0 + 74_000)).toBe(inspect);
    expect(early.get(summary('Up About an hour'), T0 + 76_000)).toBeUndefined();
    const late = new InspectCache({ maxAgeMs: 100_000, random: () => 0.999 }); // ~125%
    late.set(summary('Up About an hour'), inspect, T0);
    expect(late.get(summary('Up About an hour'), T0 + 120_000)).toBe(inspect);
  });

  it('caches nothing when the maximum age is 0', () => {
    const cache = make(0);
    cache.set(summary('Up 1 hour'), recordedInspect('caps'), T0);
    expect(cache.get(summary('Up 1 hour'), T0)).toBeUndefined();
  });

  it('forgets removed containers and invalidated ones', () => {
    const cache = make();
    cache.set(summary('Up 1 hour', 'running', 'a'), inspectStarted('2026-11-23T11:00:00Z'), T0);
    cache.set(summary('Up 1 hour', 'running', 'b'), inspectStarted('2026-11-23T11:00:00Z'), T0);
    cache.set(summary('Up 1 hour', 'running', 'c'), inspectStarted('2026-11-23T11:00:00Z'), T0);
    cache.retain(new Set(['a', 'b']));
    expect(cache.size).toBe(2);
    cache.invalidate('a');
    expect(cache.get(summary('Up 1 hour', 'running', 'a'), T0)).toBeUndefined();
    expect(cache.get(summary('Up 1 hour', 'running', 'b'), T0)).toBeDefined();
  });
});
