// Runs collections on a cron schedule and keeps the last completed snapshot. Scrapes
// read the snapshot and never wait on Docker; collections never overlap. Nothing a
// collection meets can stop the schedule: a collection that throws is logged and the next
// tick runs as usual, and /-/ready says so once the snapshot grows stale.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import cron from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import type { Logger } from '../base/log';
import type { CollectionResult, CollectorRunner, CollectorStatus } from '../collectors/runner';
import { METRICS } from '../metrics/catalog';
import { ExpositionRenderer } from '../metrics/render';
import { sample } from '../metrics/sample';

export interface Snapshot {
  /** The exposition of every collected family, UTF-8, in the pieces it is written in (ExpositionRenderer). */
  readonly chunks: readonly Buffer[];
  /** Their length together. */
  readonly bytes: number;
  readonly statuses: readonly CollectorStatus[];
  readonly completedAtMs: number;
  /** Whether every enabled collector succeeded. */
  readonly success: boolean;
}

/** A snapshot is stale, and the exporter not ready, once it is this many schedule intervals old. */
export const STALE_AFTER_INTERVALS = 3;

/**
 * The longest time between two runs of a cron expression, over its next 64 runs: 15 s for
 * "*\/15 * * * * *", 24 h for "0 0 3 * * *", 50 min for "0 0,50 * * * *".
 */
export function scheduleIntervalMs(expression: string, from = new Date()): number {
  const task = cron.createTask(expression, () => undefined);
  try {
    const runs = task.getNextRuns(64).map((d) => d.getTime());
    const first = task.getNextRun()?.getTime();
    let longest = 0;
    for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i] - runs[i - 1]);
    if (longest === 0 && first !== undefined) longest = first - from.getTime();
    return longest;
  } finally {
    void task.destroy();
  }
}

/** A snapshot's exposition as one string (--once, tests). */
export function snapshotText(snapshot: Snapshot): string {
  return Buffer.concat(snapshot.chunks).toString('utf8');
}

/** A snapshot of the given exposition text (tests, and what a snapshot's chunks join to). */
export function textSnapshot(text: string, rest: Omit<Snapshot, 'chunks' | 'bytes'>): Snapshot {
  const body = Buffer.from(text);
  return { ...rest, chunks: text === '' ? [] : [body], bytes: body.length };
}

/**
 * Renders a collection into a snapshot. `renderer` keeps what it rendered for the next
 * collection (families whose samples did not change are not rendered again): the scheduler
 * passes its own, one per exporter.
 */
export async function buildSnapshot(
  result: CollectionResult,
  skippedCollections: number,
  intervalMs: number,
  logger?: Logger,
  renderer: ExpositionRenderer = new ExpositionRenderer(),
): Promise<Snapshot> {
  const { chunks, bytes, duplicates } = await renderer.render([
    ...result.samples,
    sample(METRICS.collectionsSkipped, {}, skippedCollections),
    sample(METRICS.collectionInterval, {}, intervalMs / 1000),
    sample(METRICS.lastCollection, {}, result.finishedAtMs / 1000),
  ]);
  // The runner drops a collector's own duplicates; these would be two collectors emitting one family.
  for (const d of duplicates.slice(0, 5)) logger?.error('dropped a duplicate sample while rendering', { family: d.family.name, labels: JSON.stringify(d.labels) });
  return { chunks, bytes, statuses: result.statuses, completedAtMs: result.finishedAtMs, success: result.statuses.every((s) => s.success) };
}

const gzipAsync = promisify(gzip);
const gzipped = new WeakMap<Snapshot, Promise<Buffer>>();

/**
 * The snapshot's text as one gzip member, compressed once per snapshot (in the thread pool,
 * off the event loop) and shared by every scrape that accepts gzip. The scheduler starts it
 * as soon as a collection completes, so a scrape finds it ready.
 */
export function snapshotGzip(snapshot: Snapshot): Promise<Buffer> {
  let p = gzipped.get(snapshot);
  if (!p) {
    // One buffer for one gzip member; the copy lives only until zlib has read it.
    p = gzipAsync(Buffer.concat(snapshot.chunks, snapshot.bytes));
    p.catch(() => undefined); // a scrape that awaits it sees the failure; nobody else must
    gzipped.set(snapshot, p);
  }
  return p;
}

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

export class Scheduler {
  private current: Snapshot | undefined;
  private inFlight: Promise<Snapshot | undefined> | undefined;
  private skipped = 0;
  private task: ScheduledTask | undefined;
  private readonly shutdown = new AbortController();
  private readonly renderer = new ExpositionRenderer();

  constructor(
    private readonly runner: CollectorRunner,
    private readonly logger: Logger,
    /** The schedule's longest interval (scheduleIntervalMs): what "stale" is measured in. */
    readonly intervalMs: number = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last completed snapshot; undefined until the first collection finished. */
  get snapshot(): Snapshot | undefined {
    return this.current;
  }

  get skippedCollections(): number {
    return this.skipped;
  }

  /** Ready once a collection completed, and for as long as the last one is younger than STALE_AFTER_INTERVALS intervals. */
  readiness(): Readiness {
    if (!this.current) return { ready: false, reason: 'the first collection has not finished' };
    const ageMs = this.now() - this.current.completedAtMs;
    const limitMs = STALE_AFTER_INTERVALS * this.intervalMs;
    if (ageMs > limitMs) return { ready: false, reason: `the last completed collection is ${Math.round(ageMs / 1000)} s old, over ${STALE_AFTER_INTERVALS} schedule intervals (${Math.round(limitMs / 1000)} s)` };
    return { ready: true, reason: 'ready' };
  }

  /**
   * Starts a collection, or, if one is running, counts a skip and returns that one.
   * Never rejects: collector failures are part of the snapshot, and a collection that
   * throws anyway is logged and leaves the previous snapshot in place.
   */
  collect(): Promise<Snapshot | undefined> {
    if (this.inFlight) {
      this.skipped++;
      this.logger.warn('collection still running; skipping this one', { skipped_total: this.skipped });
      return this.inFlight;
    }
    const run = (async () => {
      try {
        const result = await this.runner.run(this.shutdown.signal);
        this.current = await buildSnapshot(result, this.skipped, this.intervalMs, this.logger, this.renderer);
        void snapshotGzip(this.current);
      } catch (err) {
        this.logger.error('collection failed; the previous snapshot is still served', { err });
      } finally {
        this.inFlight = undefined;
      }
      return this.current;
    })();
    this.inFlight = run;
    return run;
  }

  /** Collects now, then on every tick of the cron expression. */
  start(schedule: string): void {
    this.task = cron.schedule(schedule, () => this.collect(), { name: 'collection' });
    void this.collect();
  }

  /** Stops the schedule, aborts engine calls in flight, and waits for the collection to end. */
  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    this.shutdown.abort(new Error('the exporter is shutting down'));
    await this.inFlight;
    await this.runner.close();
  }
}
