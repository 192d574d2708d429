// What a collector is, what it is given, and the table entry that registers it
// (src/collectors/index.ts). As node_exporter's collector/: one file per collector, one
// table, each turned on and off by its --[no-]collector.NAME flag.
import type { Logger } from '../base/log';
import type { Facts } from '../facts';
import type { Sample } from '../metrics/sample';
import type { ContainerDetail } from '../model/posture';
import type { DockerEngine } from '../readers/engine';

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
   * Numbers the collection this run belongs to. Facts shared by several collectors
   * (src/facts/) are read once per collection: they key their cached read by it.
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

/** The flags the collectors themselves read (the facts have their own, src/facts/options.ts). */
export interface CollectorOptions {
  /** True in --once mode: read to the end of what there is, then stop (no streams). */
  readonly once: boolean;
  readonly trivyReportsDir: string | undefined;
  readonly resourcesDfIntervalMs: number;
  /** --collector.containers.detail: "findings" serves a container's series beyond state and info only when it has a finding. */
  readonly containersDetail: ContainerDetail;
  /** Where the host collector reads the host's procfs and sysfs ("/proc" and "/sys", or "/host/proc" and "/host/sys" in a container). */
  readonly host: { readonly procPath: string; readonly sysPath: string };
  readonly audit: {
    readonly logPath: string;
    readonly start: 'end' | 'beginning';
    readonly stateFile: string | undefined;
    /** Keys counted by name; undefined means "docker" plus every key of the loaded rules. */
    readonly keys: readonly string[] | undefined;
    readonly maxExeSeries: number;
    readonly maxLineBytes: number;
    /** Most audit log bytes one collection reads (0: no limit); --once always reads to the end. */
    readonly maxBytesPerCollection: number;
  };
}

/** What a collector may be built from. Each collector takes only what it needs. */
export interface CollectorDeps {
  readonly engine: DockerEngine;
  /** Facts shared by several collectors, read once per collection. */
  readonly facts: Facts;
  readonly logger: Logger;
  readonly options: CollectorOptions;
}

/** An entry of the collector table: how to build it, and whether it is on by default. */
export interface CollectorDefinition {
  readonly name: string;
  readonly description: string;
  readonly enabledByDefault: boolean;
  create(deps: CollectorDeps): Collector;
}
