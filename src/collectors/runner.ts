// Runs the enabled collectors and turns each one's outcome into data, so one failing
// collector never hides the others or breaks /metrics. Times every run and sets
// docker_audit_collector_success, as node_exporter's collector wrapper does.
import { describeError, type Logger } from '../base/log';
import { METRICS } from '../metrics/catalog';
import { seriesKey } from '../metrics/render';
import { sample, type Sample } from '../metrics/sample';
import type { Collector } from './collector';

export interface CollectorStatus {
  readonly name: string;
  readonly success: boolean;
  readonly durationSeconds: number;
  /** Unix seconds of the last successful run; 0 if it never succeeded. */
  readonly lastSuccessTimestampSeconds: number;
  /** The failure, with its causes, when success is false. */
  readonly error?: string;
}

export interface CollectionResult {
  readonly samples: readonly Sample[];
  readonly statuses: readonly CollectorStatus[];
  readonly finishedAtMs: number;
}

/** Most duplicate samples logged one by one per collector and collection; the rest are counted only. */
const MAX_DUPLICATES_LOGGED = 5;

export class CollectorRunner {
  private readonly lastSuccess = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  private collection = 0;

  constructor(
    readonly collectors: readonly Collector[],
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** Shared facts (streams, caches), closed with the collectors. */
    private readonly facts?: { close(): Promise<void> },
  ) {
    for (const c of collectors) this.dropped.set(c.name, 0);
  }

  /** Runs every collector concurrently; resolves when all have finished, never rejects. */
  async run(signal: AbortSignal): Promise<CollectionResult> {
    const collection = ++this.collection;
    const outcomes = await Promise.all(this.collectors.map((c) => this.runOne(c, signal, collection)));
    const samples: Sample[] = [];
    const statuses: CollectorStatus[] = [];
    for (const { status, samples: own } of outcomes) {
      statuses.push(status);
      // One by one: a spread of 100k+ samples into push() overflows the call stack.
      for (const s of own) samples.push(s);
      samples.push(
        sample(METRICS.collectorSuccess, { collector: status.name }, status.success ? 1 : 0),
        sample(METRICS.collectorDuration, { collector: status.name }, status.durationSeconds),
        sample(METRICS.collectorLastSuccess, { collector: status.name }, status.lastSuccessTimestampSeconds),
        sample(METRICS.samplesDropped, { collector: status.name }, this.dropped.get(status.name) ?? 0),
      );
    }
    return { samples, statuses, finishedAtMs: this.now() };
  }

  /** Lets every collector release what it holds open. */
  async close(): Promise<void> {
    await Promise.all(this.collectors.map((c) => c.close?.().catch((err: unknown) => this.logger.warn('closing collector failed', { collector: c.name, err }))));
    await this.facts?.close().catch((err: unknown) => this.logger.warn('closing the facts failed', { err }));
  }

  private async runOne(collector: Collector, signal: AbortSignal, collection: number): Promise<{ status: CollectorStatus; samples: Sample[] }> {
    const samples: Sample[] = [];
    // The series emitted so far, per family: a second sample of one is dropped here, where
    // it is known which collector sent it, rather than costing the render of the snapshot.
    const seen = new Map<string, Set<string>>();
    let duplicates = 0;
    const emit = (s: Sample) => {
      let keys = seen.get(s.family.name);
      if (!keys) seen.set(s.family.name, (keys = new Set()));
      const key = seriesKey(s);
      if (!keys.has(key)) {
        keys.add(key);
        samples.push(s);
        return;
      }
      duplicates++;
      if (duplicates <= MAX_DUPLICATES_LOGGED) this.logger.error('dropped a duplicate sample', { collector: collector.name, family: s.family.name, labels: key });
    };
    const started = process.hrtime.bigint();
    let error: string | undefined;
    try {
      await collector.collect({ signal, emit, logger: this.logger, now: this.now, collection });
    } catch (err) {
      error = describeError(err);
      this.logger.error('collector failed', { collector: collector.name, err: error });
    }
    if (duplicates > 0) {
      this.dropped.set(collector.name, (this.dropped.get(collector.name) ?? 0) + duplicates);
      const dup = `emitted ${duplicates} duplicate sample${duplicates === 1 ? '' : 's'} (dropped; counted in docker_audit_samples_dropped_total)`;
      error = error === undefined ? dup : `${error}; ${dup}`;
    }
    const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (error === undefined) this.lastSuccess.set(collector.name, this.now() / 1000);
    return {
      samples,
      status: {
        name: collector.name,
        success: error === undefined,
        durationSeconds,
        lastSuccessTimestampSeconds: this.lastSuccess.get(collector.name) ?? 0,
        error,
      },
    };
  }
}
