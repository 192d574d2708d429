import type { Collector } from '../../src/collectors/collector';
import { CollectorRunner } from '../../src/collectors/runner';
import { silentLogger } from '../../src/log';
import { METRICS } from '../../src/metrics/catalog';
import { sample } from '../../src/metrics/sample';
import { Scheduler } from '../../src/scheduler';

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
    expect(snap.text).toContain('docker_audit_containers{state="running"} 1');
    expect(snap.success).toBe(true);
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
    expect(snap.text).toContain('docker_audit_collections_skipped_total 1');
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
    expect(scheduler.snapshot?.text).toContain('docker_audit_containers{state="running"} 2');
  });

  it('runs on its cron schedule and stops cleanly', async () => {
    let runs = 0;
    const counting: Collector = { name: 'counting', collect: async () => void runs++ };
    const scheduler = new Scheduler(new CollectorRunner([counting], silentLogger), silentLogger);
    scheduler.start('* * * * * *');
    await new Promise((r) => setTimeout(r, 2300));
    await scheduler.stop();
    const after = runs;
    expect(after).toBeGreaterThanOrEqual(2); // one at start, then every second
    await new Promise((r) => setTimeout(r, 1200));
    expect(runs).toBe(after);
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
    expect((await run).success).toBe(false);
  });
});
