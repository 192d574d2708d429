// Runs collections on a cron schedule and keeps the last completed snapshot. Scrapes
// read the snapshot and never wait on Docker; collections never overlap.
import cron from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import type { CollectionResult, CollectorRunner, CollectorStatus } from './collectors/runner';
import type { Logger } from './log';
import { METRICS } from './metrics/catalog';
import { renderSamples } from './metrics/render';
import { sample } from './metrics/sample';

export interface Snapshot {
  /** The exposition text of every collected family. */
  readonly text: string;
  readonly statuses: readonly CollectorStatus[];
  readonly completedAtMs: number;
  /** Whether every enabled collector succeeded. */
  readonly success: boolean;
}

export function buildSnapshot(result: CollectionResult, skippedCollections: number): Snapshot {
  const text = renderSamples([
    ...result.samples,
    sample(METRICS.collectionsSkipped, {}, skippedCollections),
    sample(METRICS.lastCollection, {}, result.finishedAtMs / 1000),
  ]);
  return { text, statuses: result.statuses, completedAtMs: result.finishedAtMs, success: result.statuses.every((s) => s.success) };
}

export class Scheduler {
  private current: Snapshot | undefined;
  private inFlight: Promise<Snapshot> | undefined;
  private skipped = 0;
  private task: ScheduledTask | undefined;
  private readonly shutdown = new AbortController();

  constructor(
    private readonly runner: CollectorRunner,
    private readonly logger: Logger,
  ) {}

  /** The last completed snapshot; undefined until the first collection finished. */
  get snapshot(): Snapshot | undefined {
    return this.current;
  }

  get skippedCollections(): number {
    return this.skipped;
  }

  /**
   * Starts a collection, or, if one is running, counts a skip and returns that one.
   * Never rejects: collector failures are part of the snapshot.
   */
  collect(): Promise<Snapshot> {
    if (this.inFlight) {
      this.skipped++;
      this.logger.warn('collection still running; skipping this one', { skipped_total: this.skipped });
      return this.inFlight;
    }
    const run = (async () => {
      try {
        const result = await this.runner.run(this.shutdown.signal);
        const snap = buildSnapshot(result, this.skipped);
        this.current = snap;
        return snap;
      } finally {
        this.inFlight = undefined;
      }
    })();
    this.inFlight = run;
    return run;
  }

  /** Collects now, then on every tick of the cron expression. */
  start(schedule: string): void {
    this.task = cron.schedule(schedule, () => void this.collect(), { name: 'collection' });
    void this.collect();
  }

  /** Stops the schedule, aborts engine calls in flight, and waits for the collection to end. */
  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    this.shutdown.abort(new Error('the exporter is shutting down'));
    await this.inFlight?.catch(() => undefined);
    await this.runner.close();
  }
}
