// Collector "cis": CIS Docker Benchmark checks.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { type MetricFamily } from '../family';

export const CIS_METRICS = {
} as const satisfies Record<string, MetricFamily>;
