import type { DockerEngine } from '../docker/engine';
import type { Logger } from '../log';
import type { Sample } from '../metrics/sample';
import type { Config } from '../config';
import type { Sources } from '../sources';

/** What a collector gets for one run. */
export interface CollectContext {
  /** Aborted when the exporter shuts down. Engine calls also carry their own deadline. */
  readonly signal: AbortSignal;
  /** Adds a sample. Samples emitted before a failure are kept, as node_exporter does. */
  emit(sample: Sample): void;
  readonly logger: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  now(): number;
  /**
   * Numbers the collection this run belongs to. Sources shared by several collectors
   * (src/sources/) read once per collection: they key their cached read by it.
   */
  readonly collection: number;
}

/** One collector: a name and an async collect step. Throwing marks the run failed. */
export interface Collector {
  readonly name: string;
  collect(ctx: CollectContext): Promise<void>;
  /** Releases what the collector holds open between collections (streams, connections). */
  close?(): Promise<void>;
}

/** What a collector may be built from. Each collector takes only what it needs. */
export interface CollectorDeps {
  readonly engine: DockerEngine;
  /** Facts shared by several collectors, read once per collection. */
  readonly sources: Sources;
  readonly logger: Logger;
  readonly options: {
    readonly sensitivePaths: readonly string[];
    readonly dockerSocketPaths: readonly string[];
    readonly inspectMaxAgeMs: number;
    readonly inspectConcurrency: number;
    readonly engineInfoMaxAgeMs: number;
    /** Follow the engine's event stream between collections (server mode, not --once). */
    readonly watchEvents: boolean;
    /** True in --once mode: read to the end of what there is, then stop (no streams). */
    readonly once: boolean;
    readonly host: Config['host'];
    readonly daemon: Config['daemon'];
    readonly trivyReportsDir: string | undefined;
    readonly resourcesDfIntervalMs: number;
    readonly audit: Config['audit'];
  };
}

/** An entry of the collector table: how to build it, and whether it is on by default. */
export interface CollectorDefinition {
  readonly name: string;
  readonly description: string;
  readonly enabledByDefault: boolean;
  create(deps: CollectorDeps): Collector;
}
