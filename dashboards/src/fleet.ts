// Fleet: one row per Docker host (exporter instance), the worst hosts, and fleet-wide trends.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { LIVE_FAMILIES, METRICS } from '../../src/metrics/catalog';
import { CONTAINERS_WITH_FINDINGS } from './overview';
import {
  AGE_SECONDS,
  barsPanel,
  bundledDashboard,
  COLORS,
  colouredColumn,
  flagMapping,
  RATIO_HIGHER_IS_BETTER,
  steps,
  tablePanel,
  timeseriesPanel,
} from './panels';
import { onInstances, PROMETHEUS_UP, sel } from './promql';

const byInstance = (expr: string): string => `sum by (instance) (${expr})`;
const CONTAINERS_PER_INSTANCE = byInstance(sel(METRICS.containers));
/** Posture score per host, as the overview's: 1 - containers with a critical finding / containers (a host without findings scores 1). */
export const FLEET_POSTURE = `1 - (${CONTAINERS_WITH_FINDINGS} or ${CONTAINERS_PER_INSTANCE} * 0) / ${CONTAINERS_PER_INSTANCE}`;

/** Exporter up per host: the lowest `up` of its targets (exporter job, and the swarm nodes job where there is one). */
export const FLEET_UP = `min by (instance) (${onInstances(PROMETHEUS_UP)})`;
export const FLEET_ENGINE_VERSION = `max by (instance, version) (${sel(METRICS.engineInfo)})`;
export const FLEET_EXPORTER_VERSION = `max by (instance, version) (${sel(LIVE_FAMILIES.buildInfo)})`;
export const FLEET_PRIVILEGED = byInstance(sel(METRICS.containersPrivileged));
export const FLEET_ROOT = byInstance(sel(METRICS.containersRunningAsRoot));
export const FLEET_NO_MEMORY_LIMIT = byInstance(sel(METRICS.containersWithoutMemoryLimit));
export const FLEET_CIS_RATIO = `max by (instance) (${sel(METRICS.cisScoreRatio)})`;
export const FLEET_CIS_FAILURES = byInstance(`${sel(METRICS.cisCheckPassed)} == bool 0`);
/**
 * Audit events per second per host, 0 for a host whose exporter has counted none yet (the
 * event series appear with the first event): a quiet host is a row with 0, not a gap.
 */
export const FLEET_EVENT_RATE = `${byInstance(`rate(${sel(METRICS.auditLogEvents)}[$__rate_interval])`)} or ${byInstance(sel(METRICS.engineUp))} * 0`;
export const FLEET_COLLECTION_AGE = `max by (instance) (time() - ${sel(METRICS.lastCollection)})`;

export function fleetDashboard(): dashboard.DashboardBuilder {
  return bundledDashboard({
    title: 'Docker audit / Fleet',
    uid: 'docker-audit-fleet',
    description: 'Every Docker host of the fleet side by side, from docker-audit-exporter: one exporter per host, one Prometheus for all',
    extraTags: ['fleet'],
  })
    .withRow(new dashboard.RowBuilder('Hosts'))
    .withPanel(
      tablePanel(
        'Hosts',
        [
          { expr: FLEET_ENGINE_VERSION },
          { expr: FLEET_UP },
          { expr: FLEET_POSTURE },
          { expr: FLEET_PRIVILEGED },
          { expr: FLEET_ROOT },
          { expr: FLEET_NO_MEMORY_LIMIT },
          { expr: FLEET_CIS_RATIO },
          { expr: FLEET_EVENT_RATE },
          { expr: FLEET_COLLECTION_AGE },
        ],
        {
          description:
            'One row per host (instance): Docker Engine version, whether Prometheus scrapes its exporter, posture score (share of containers neither privileged, nor root, nor without a memory limit, nor holding the Docker socket), privileged, root and no-memory-limit container counts (any state), CIS pass ratio, audit events per second, and seconds since the last completed collection.',
          labels: ['instance', 'version'],
          values: ['engine', 'exporter up', 'posture score', 'privileged', 'root', 'no memory limit', 'CIS pass ratio', 'audit events/s', 'collection age'],
          sortBy: 'posture score',
          height: 10,
        },
      )
        .overrideByName('engine', [{ id: 'custom.hidden', value: true }])
        .overrideByName('version', [{ id: 'displayName', value: 'engine version' }])
        .overrideByName('exporter up', colouredColumn(flagMapping({ 0: ['down', COLORS.bad], 1: ['up', COLORS.good] })))
        .overrideByName('posture score', colouredColumn([], [{ id: 'unit', value: 'percentunit' }, { id: 'thresholds', value: RATIO_HIGHER_IS_BETTER().build() }]))
        .overrideByName('CIS pass ratio', colouredColumn([], [{ id: 'unit', value: 'percentunit' }, { id: 'thresholds', value: RATIO_HIGHER_IS_BETTER().build() }]))
        .overrideByName('audit events/s', [{ id: 'unit', value: 'ops' }])
        .overrideByName('collection age', colouredColumn([], [{ id: 'unit', value: 's' }, { id: 'thresholds', value: AGE_SECONDS().build() }])),
    )
    .withPanel(
      tablePanel('Exporter versions', [{ expr: FLEET_EXPORTER_VERSION }], {
        description: 'The docker-audit-exporter version each host runs (docker_audit_build_info); more than one version for long fires DockerAuditExporterVersionSkew.',
        labels: ['instance', 'version'],
        values: ['running'],
        width: 24,
        height: 6,
      }).overrideByName('running', [{ id: 'custom.hidden', value: true }]),
    )

    .withRow(new dashboard.RowBuilder('Worst hosts'))
    .withPanel(
      barsPanel('Top 10 hosts by failing CIS checks', [{ expr: `topk(10, ${FLEET_CIS_FAILURES})`, legend: '{{instance}}', table: true }], {
        description: 'The 10 hosts with the most failing CIS Docker Benchmark checks (docker_audit_cis_check_passed == 0).',
        thresholds: steps([null, COLORS.good], [1, COLORS.warn], [10, COLORS.bad]),
      }),
    )
    .withPanel(
      barsPanel('Top 10 hosts by privileged containers', [{ expr: `topk(10, ${FLEET_PRIVILEGED})`, legend: '{{instance}}', table: true }], {
        description: 'The 10 hosts with the most privileged containers, in any state.',
        thresholds: steps([null, COLORS.good], [1, COLORS.bad]),
      }),
    )

    .withRow(new dashboard.RowBuilder('Fleet trends'))
    .withPanel(
      timeseriesPanel(
        'Containers with findings, fleet-wide',
        [
          { expr: `sum(${sel(METRICS.containersPrivileged)})`, legend: 'privileged' },
          { expr: `sum(${sel(METRICS.containersRunningAsRoot)})`, legend: 'root' },
          { expr: `sum(${sel(METRICS.containersWithoutMemoryLimit)})`, legend: 'no memory limit' },
        ],
        { description: 'Privileged, root and no-memory-limit containers over every selected host.' },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Exporters up and down',
        [
          { expr: `sum(${FLEET_UP})`, legend: 'exporters up' },
          { expr: `sum(1 - ${FLEET_UP})`, legend: 'exporters down' }, // 0, not no data, when all are up
        ],
        { description: 'Hosts whose exporter Prometheus scrapes (up) and does not (down).' },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'CIS pass ratio, fleet',
        [
          { expr: `avg(${FLEET_CIS_RATIO})`, legend: 'mean' },
          { expr: `min(${FLEET_CIS_RATIO})`, legend: 'worst host' },
        ],
        { description: 'Mean and lowest CIS pass ratio over the selected hosts.', unit: 'percentunit', thresholds: RATIO_HIGHER_IS_BETTER() },
      ),
    )
    .withPanel(
      timeseriesPanel('Audit event rate, fleet', [{ expr: `sum(${FLEET_EVENT_RATE})`, legend: 'all hosts' }], {
        description: 'Audit events per second, summed over the selected hosts.',
        unit: 'ops',
      }),
    );
}
