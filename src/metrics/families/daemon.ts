// Collector "daemon": the daemon's effective settings, listeners, TCP probe and file modes.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { type MetricFamily } from '../family';

export const DAEMON_METRICS = {
} as const satisfies Record<string, MetricFamily>;
