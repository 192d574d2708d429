// Collector "events": the engine event stream and exec counters.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { type MetricFamily } from '../family';

export const EVENTS_METRICS = {
} as const satisfies Record<string, MetricFamily>;
