import type { Collector } from '../../../src/collectors/collector';
import { CollectorRunner } from '../../../src/collectors/runner';
import { silentLogger } from '../../../src/base/log';
import { METRICS } from '../../../src/metrics/catalog';
import { sample } from '../../../src/metrics/sample';
import { Scheduler, scheduleIntervalMs, snapshotText } from '../../../src/server/scheduler';
import type { Logger } from '../../../src/base/log';

function gatedCollector() {
  let release: () => void = () => {};
  let runs = 0;
  const collector: Collector = {
    name: 'gated',
    async collect(ctx) {
      runs++;
      ctx.emit(sample(METRICS.containers, { state: 'running' }, runs));
      await new Promise<void>((r) => (release = r));
    },
  };
  return { collector, release: () => release(), runs: () => runs };
}

describe('Scheduler', () => {
  it('has no snapshot until the first collection completes', async () => {
    const gated = gatedCollector();
    const scheduler = new Scheduler(new CollectorRunner([gated.collector], silentLogger), silentLogger);
    const first = scheduler.collect();
    await new Promise((r) => setImmediate(r));
    expect(scheduler.snapshot).toBeUndefined();
    gated.release();
    const snap = await first;
    expect(scheduler.snapshot).toBe(snap);
    expect(snap && snapshotText(snap)).toContain('docker_audit_containers{state="running"} 1');
    expect(snap?.success).toBe(true);
  });

  it('never overlaps collections: a tick during a run is skipped and counted', async () => {
    const gated = gatedCollector();
    const scheduler = new Scheduler(new CollectorRunner([gated.collector], silentLogger), silentLogger);
    const first = scheduler.collect();
    const second = scheduler.collect();
    expect(second).toBe(first);
    await new Promise((r) => setImmediate(r));
    gated.release();
    await first;
    expect(gated.runs()).toBe(1);
    expect(scheduler.skippedCollections).toBe(1);
    const next = scheduler.collect();
    await new Promise((r) => setImmediate(r));
    gated.release();
    const snap = await next;
    expect(gated.runs()).toBe(2);
    expect(snap && snapshotText(snap)).toContain('docker_audit_collections_skipped_total 1');
  });

  it('keeps serving the previous snapshot while a new collection runs', async () => {
    const gated = gatedCollector();
    const scheduler = new Scheduler(new CollectorRunner([gated.collector], silentLogger), silentLogger);
    const first = scheduler.collect();
    await new Promise((r) => setImmediate(r));
    gated.release();
    const snap1 = await first;
    const second = scheduler.collect();
    await new Promise((r) => setImmediate(r));
    expect(scheduler.snapshot).toBe(snap1);
    gated.release();
    await second;
    expect(scheduler.snapshot && snapshotText(scheduler.snapshot)).toContain('docker_audit_containers{state="running"} 2');
  });

  describe('on fake timers', () => {
    beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-12-02T10:00:00.200Z') }));
    afterEach(() => jest.useRealTimers());

    it('runs on its cron schedule and stops cleanly', async () => {
      let runs = 0;
      const counting: Collector = { name: 'counting', collect: async () => void runs++ };
      const scheduler = new Scheduler(new CollectorRunner([counting], silentLogger), silentLogger, 1000);
      scheduler.start('* * * * * *');
      await jest.advanceTimersByTimeAsync(2300);
      await scheduler.stop();
      const after = runs;
      expect(after).toBe(3); // one at start, then at :01 and :02
      await jest.advanceTimersByTimeAsync(5000);
      expect(runs).toBe(after);
    });

    it('goes on collecting after a collection that throws, and logs it', async () => {
      const errors: string[] = [];
      const logger: Logger = { ...silentLogger, error: (msg, fields) => errors.push(`${msg} ${String(fields?.err)}`) };
      let calls = 0;
      const runner = new CollectorRunner([], logger);
      const run = runner.run.bind(runner);
      // A collection can only throw past the runner through a bug: simulate one on every other run.
      runner.run = (signal) => (++calls % 2 === 1 ? Promise.reject(new Error('something nobody expected')) : run(signal));
      const scheduler = new Scheduler(runner, logger, 1000);
      scheduler.start('* * * * * *');
      await jest.advanceTimersByTimeAsync(3300);
      await scheduler.stop();
      expect(calls).toBe(4);
      expect(errors).toEqual([
        'collection failed; the previous snapshot is still served Error: something nobody expected',
        'collection failed; the previous snapshot is still served Error: something nobody expected',
      ]);
      expect(scheduler.snapshot).toBeDefined();
    });

    it('is ready while the last completed collection is younger than 3 schedule intervals', async () => {
      const gated = gatedCollector();
      const scheduler = new Scheduler(new CollectorRunner([gated.collector], silentLogger), silentLogger, 15_000);
      expect(scheduler.readiness()).toEqual({ ready: false, reason: 'the first collection has not finished' });
      const first = scheduler.collect();
      await jest.advanceTimersByTimeAsync(0);
      gated.release();
      // Rendering the snapshot may yield to the event loop (base/time-slice.ts): a fake timer here.
      await jest.advanceTimersByTimeAsync(0);
      await first;
      expect(scheduler.readiness().ready).toBe(true);
      // The next collection hangs: scrapes still get the last snapshot, and readiness goes once it is 45 s old.
      void scheduler.collect();
      await jest.advanceTimersByTimeAsync(45_000);
      expect(scheduler.readiness().ready).toBe(true);
      await jest.advanceTimersByTimeAsync(1000);
      expect(scheduler.readiness()).toEqual({ ready: false, reason: 'the last completed collection is 46 s old, over 3 schedule intervals (45 s)' });
      gated.release();
      await jest.advanceTimersByTimeAsync(0);
      expect(scheduler.readiness().ready).toBe(true);
    });
  });

  it('measures the schedule by its longest interval', () => {
    expect(scheduleIntervalMs('*/15 * * * * *')).toBe(15_000);
    expect(scheduleIntervalMs('* * * * * *')).toBe(1000);
    expect(scheduleIntervalMs('0 0,50 * * * *')).toBe(50 * 60_000);
    expect(scheduleIntervalMs('0 0 3 * * *')).toBe(24 * 3_600_000);
  });

  it('serves the interval and the time of the collection in the snapshot', async () => {
    const scheduler = new Scheduler(new CollectorRunner([], silentLogger, () => 1_795_000_000_000), silentLogger, 15_000);
    const snap = await scheduler.collect();
    expect(snap && snapshotText(snap)).toContain('docker_audit_collection_interval_seconds 15\n');
    expect(snap && snapshotText(snap)).toContain('docker_audit_last_collection_timestamp_seconds 1795000000\n');
  });

  it('aborts the collection in flight on stop', async () => {
    let aborted = false;
    const waiting: Collector = {
      name: 'waiting',
      collect: (ctx) =>
        new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(ctx.signal.reason);
          }),
        ),
    };
    const scheduler = new Scheduler(new CollectorRunner([waiting], silentLogger), silentLogger);
    const run = scheduler.collect();
    await scheduler.stop();
    expect(aborted).toBe(true);
    expect((await run)?.success).toBe(false);
  });
});
