// Runs the enabled collectors and turns each one's outcome into data, so one failing
// collector never hides the others or breaks /metrics.
import { describeError, type Logger } from '../log';
import { METRICS } from '../metrics/catalog';
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

export class CollectorRunner {
  private readonly lastSuccess = new Map<string, number>();
  private collection = 0;

  constructor(
    readonly collectors: readonly Collector[],
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** Shared sources (streams, caches), closed with the collectors. */
    private readonly sources?: { close(): Promise<void> },
  ) {}

  /** Runs every collector concurrently; resolves when all have finished, never rejects. */
  async run(signal: AbortSignal): Promise<CollectionResult> {
    const collection = ++this.collection;
    const outcomes = await Promise.all(this.collectors.map((c) => this.runOne(c, signal, collection)));
    const samples: Sample[] = [];
    const statuses: CollectorStatus[] = [];
    for (const { status, samples: own } of outcomes) {
      statuses.push(status);
      samples.push(...own);
      samples.push(
        sample(METRICS.collectorSuccess, { collector: status.name }, status.success ? 1 : 0),
        sample(METRICS.collectorDuration, { collector: status.name }, status.durationSeconds),
        sample(METRICS.collectorLastSuccess, { collector: status.name }, status.lastSuccessTimestampSeconds),
      );
    }
    return { samples, statuses, finishedAtMs: this.now() };
  }

  /** Lets every collector release what it holds open. */
  async close(): Promise<void> {
    await Promise.all(this.collectors.map((c) => c.close?.().catch((err: unknown) => this.logger.warn('closing collector failed', { collector: c.name, err }))));
    await this.sources?.close().catch((err: unknown) => this.logger.warn('closing sources failed', { err }));
  }

  private async runOne(collector: Collector, signal: AbortSignal, collection: number): Promise<{ status: CollectorStatus; samples: Sample[] }> {
    const samples: Sample[] = [];
    const started = process.hrtime.bigint();
    let error: string | undefined;
    try {
      await collector.collect({ signal, emit: (s) => void samples.push(s), logger: this.logger, now: this.now, collection });
    } catch (err) {
      error = describeError(err);
      this.logger.error('collector failed', { collector: collector.name, err: error });
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
