// The one list of every metric family the exporter serves from its collections, area by
// area (src/metrics/families/). Collectors emit samples of these families; the README's
// metric table, the golden exposition file, the dashboards and the alerts are checked
// against this list.
import type { MetricFamily } from './family';
import { AUDITLOG_METRICS } from './families/auditlog';
import { AUDITRULES_METRICS } from './families/auditrules';
import { CIS_METRICS } from './families/cis';
import { CONTAINERS_METRICS } from './families/containers';
import { DAEMON_METRICS } from './families/daemon';
import { EVENTS_METRICS } from './families/events';
import { EXPORTER_METRICS } from './families/exporter';
import { FIREWALL_METRICS } from './families/firewall';
import { HOST_METRICS } from './families/host';
import { IMAGES_METRICS } from './families/images';
import { IMAGEOS_METRICS } from './families/imageos';
import { PROCESSES_METRICS } from './families/processes';
import { LOGS_METRICS } from './families/logs';

export { CACHED_HELP_SUFFIX, family, type MetricFamily, type MetricType } from './family';
export { CONTAINER_LABELS, type ContainerLabel } from './families/containers';

export const METRICS = {
  ...EXPORTER_METRICS,
  ...CONTAINERS_METRICS,
  ...DAEMON_METRICS,
  ...IMAGES_METRICS,
  ...IMAGEOS_METRICS,
  ...PROCESSES_METRICS,
  ...EVENTS_METRICS,
  ...CIS_METRICS,
  ...AUDITLOG_METRICS,
  ...AUDITRULES_METRICS,
  ...FIREWALL_METRICS,
  ...LOGS_METRICS,
  ...HOST_METRICS,
} as const;

/** Every family served from collections, in the order the exposition lists them: the order of METRICS. */
export const ALL_FAMILIES: readonly MetricFamily[] = Object.values(METRICS);

/**
 * Families served live by the HTTP server rather than from the snapshot. prom-client's
 * default process metrics (process_*, nodejs_*) are served next to these.
 */
export const LIVE_FAMILIES = {
  buildInfo: {
    name: 'docker_audit_build_info',
    type: 'gauge',
    help: 'Build information of this exporter; always 1, constant for the life of the process.',
    labels: ['version', 'node_version'],
    collector: 'exporter',
  },
} as const satisfies Record<string, MetricFamily>;
