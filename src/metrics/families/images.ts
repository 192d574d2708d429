// Collectors "images" and "resources": images, volumes, networks, disk usage, Trivy counts.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { type MetricFamily } from '../family';

export const IMAGES_METRICS = {
} as const satisfies Record<string, MetricFamily>;
