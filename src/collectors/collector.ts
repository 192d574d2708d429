// What a collector is, what it is given, and the table entry that registers it
// (src/collectors/index.ts). As node_exporter's collector/: one file per collector, one
// table, each turned on and off by its --[no-]collector.NAME flag.
import type { Logger } from '../base/log';
import type { Evaluation } from '../cis/evaluate';
import type { Facts } from '../facts';
import type { Sample } from '../metrics/sample';
import type { EolTableSource } from '../metrics/families/imageos';
import type { EolTable } from '../model/os-eol';
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
  /** The imageos collector: the end-of-life table in force, and how many images are read at once. */
  readonly imageos: {
    readonly table: EolTable;
    /** bundled: the table built in (src/model/os-eol-table.ts); file: --images.eol-file. */
    readonly source: EolTableSource;
    readonly concurrency: number;
  };
  /** The processes collector's flags (--collector.processes.*). */
  readonly processes: {
    /** How often each running container is read again (each at its own time); ignored in --once mode. */
    readonly intervalMs: number;
    /** Reads in flight at once. */
    readonly concurrency: number;
    /** Most containers read in one collection (0: no limit); the others stay due. Ignored in --once mode. */
    readonly maxPerCollection: number;
    /** Process names that mark a whole OS. */
    readonly fullOsNames: readonly string[];
  };
  readonly firewall: {
    /** --collector.firewall.iptables-save-path: the iptables-save binary (a name looked up in PATH, or an absolute path). */
    readonly iptablesSavePath: string;
  };
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
  readonly logs: {
    /** Where the host's root is mounted: the engine's LogPath is read under it. */
    readonly hostRootPath: string;
    readonly errorPatterns: readonly string[];
    readonly warningPatterns: readonly string[];
    /** Most json-file log bytes one collection reads, every container together (0: no limit); --once always reads to the end. */
    readonly maxBytesPerCollection: number;
    readonly maxLineBytes: number;
  };
}

/** What a collector may be built from. Each collector takes only what it needs. */
export interface CollectorDeps {
  readonly engine: DockerEngine;
  /** Facts shared by several collectors, read once per collection. */
  readonly facts: Facts;
  readonly logger: Logger;
  readonly options: CollectorOptions;
  /** Who wants the structured results behind the samples (--once --output=json|junit); none in server mode. */
  readonly observers?: CollectorObservers;
}

/** Structured results some collectors hand over besides their samples, once per run. */
export interface CollectorObservers {
  /** The cis collector's evaluation of this run, handed over before the collector returns or throws. */
  cisEvaluation?(evaluation: Evaluation): void;
}

/** An entry of the collector table: how to build it, and whether it is on by default. */
export interface CollectorDefinition {
  readonly name: string;
  readonly description: string;
  readonly enabledByDefault: boolean;
  create(deps: CollectorDeps): Collector;
}
