// The family type. Each area's families live in src/metrics/families/; catalog.ts gathers
// them into METRICS, whose order is the exposition's.
import type { EngineKind } from '../model/engine-kind';

export type MetricType = 'gauge' | 'counter';

export interface MetricFamily<L extends string = string> {
  readonly name: string;
  readonly type: MetricType;
  /** What the value means. The renderer appends CACHED_HELP_SUFFIX. */
  readonly help: string;
  readonly labels: readonly L[];
  /** The collector that emits it; 'exporter' for families about the exporter itself. */
  readonly collector: string;
  /**
   * The engine kinds it is served for (docker_audit_engine_info{engine}); every kind when
   * absent. dockerd's daemon posture, say, is not read from a Podman engine, which has none.
   */
  readonly engines?: readonly EngineKind[];
}

export interface FamilyOptions {
  readonly engines?: readonly EngineKind[];
}

/** Every HELP text says so, because scrapes read a snapshot instead of asking Docker. */
export const CACHED_HELP_SUFFIX = ' (cached from the last completed collection)';

export function family<const L extends string>(
  collector: string,
  type: MetricType,
  name: string,
  help: string,
  labels: readonly L[],
  options: FamilyOptions = {},
): MetricFamily<L> {
  return { name, type, help, labels, collector, ...(options.engines ? { engines: options.engines } : {}) };
}

