// Collector "auditrules": audit-rule coverage of the CIS 1.1.x paths and kernel audit status.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { type MetricFamily } from '../family';

export const AUDITRULES_METRICS = {
} as const satisfies Record<string, MetricFamily>;
