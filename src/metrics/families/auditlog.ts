// Collector "auditlog": Linux audit log ingestion.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { type MetricFamily } from '../family';

export const AUDITLOG_METRICS = {
} as const satisfies Record<string, MetricFamily>;
