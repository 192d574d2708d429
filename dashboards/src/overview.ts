// Overview: the posture of the selected hosts at a glance, and whether the exporter itself is healthy.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { LIVE_FAMILIES, METRICS } from '../../src/metrics/catalog';
import {
  bundledDashboard,
  AGE_SECONDS,
  barsPanel,
  COLORS,
  colouredColumn,
  flagMapping,
  NEUTRAL,
  RATIO_HIGHER_IS_BETTER,
  statPanel,
  steps,
  tablePanel,
  timeseriesPanel,
  ZERO_IS_GOOD,
} from './panels';
import { CONTAINER_KEY, onInstances, PROCESS_METRICS, PROMETHEUS_UP, sel, withCheckTitle } from './promql';

/** A container has a critical finding when it is privileged, root, unlimited in memory, or holds the Docker socket. */
export const CONTAINERS_WITH_FINDINGS =
  `count by (instance) (max by (${CONTAINER_KEY}) (` +
  `${sel(METRICS.containerPrivileged)} == 1 or ${sel(METRICS.containerRunningAsRoot)} == 1` +
  ` or ${sel(METRICS.containerMemoryLimit)} == 0 or ${sel(METRICS.containerDockerSocketMounted)} == 1))`;

const CONTAINERS_PER_INSTANCE = `sum by (instance) (${sel(METRICS.containers)})`;

/**
 * Posture score: the share of containers without a critical finding, over all selected hosts.
 * A host with no finding has no series in CONTAINERS_WITH_FINDINGS, hence the `or ... * 0`.
 */
export const POSTURE_SCORE =
  `1 - sum(${CONTAINERS_WITH_FINDINGS} or ${CONTAINERS_PER_INSTANCE} * 0) / sum(${CONTAINERS_PER_INSTANCE})`;

export function overviewDashboard(): dashboard.DashboardBuilder {
  return bundledDashboard({ title: 'Docker audit / Overview', uid: 'docker-audit-overview', description: 'Security posture of the Docker hosts, from docker-audit-exporter' })

    .withRow(new dashboard.RowBuilder('Posture'))
    .withPanel(
      statPanel('Posture score', [{ expr: POSTURE_SCORE }], {
        description:
          'Share of containers (any state) that are neither privileged, nor root, nor without a memory limit, nor holding the Docker socket. 100% is best.',
        unit: 'percentunit',
        thresholds: RATIO_HIGHER_IS_BETTER(),
        noValue: 'no containers',
      }),
    )
    .withPanel(
      statPanel('Privileged containers', [{ expr: `sum(${sel(METRICS.containersPrivileged)})` }], {
        description: 'Containers that run, or would run when started, with --privileged.',
      }),
    )
    .withPanel(
      statPanel('Root containers', [{ expr: `sum(${sel(METRICS.containersRunningAsRoot)})` }], {
        description: 'Containers whose user is root (no USER in the image and no --user).',
      }),
    )
    .withPanel(
      statPanel('No memory limit', [{ expr: `sum(${sel(METRICS.containersWithoutMemoryLimit)})` }], {
        description: 'Containers without a memory limit: one of them can exhaust the host.',
      }),
    )
    .withPanel(
      statPanel('No CPU limit', [{ expr: `sum(${sel(METRICS.containersWithoutCpuLimit)})` }], {
        description: 'Containers without a CPU limit.',
      }),
    )
    .withPanel(
      statPanel('Docker socket mounted', [{ expr: `sum(${sel(METRICS.containerDockerSocketMounted)})` }], {
        description: 'Containers with the Docker socket (or a directory holding it) bind-mounted: root on the host for whoever controls them.',
      }),
    )
    .withPanel(
      timeseriesPanel('Containers by state', [{ expr: `sum by (state) (${sel(METRICS.containers)})`, legend: '{{state}}' }], {
        description: 'Containers on the selected hosts, per state.',
        stacked: true,
        width: 12,
      }),
    )
    .withPanel(
      barsPanel(
        'Restart hot spots',
        [
          {
            // Docker resets the count on a manual restart; increase() treats that drop as a reset.
            expr: `topk(10, round(max by (instance, name) (increase(${sel(METRICS.containerRestarts)}[$__range]))) > 0)`,
            legend: '{{name}} ({{instance}})',
          },
        ],
        { description: 'The containers Docker restarted most under their restart policy over the dashboard time range.', width: 12 },
      ),
    )

    .withPanel(
      timeseriesPanel(
        'Audit event rate by key',
        [{ expr: `sum by (key) (rate(${sel(METRICS.auditLogEvents)}[$__rate_interval]))`, legend: '{{key}}' }],
        { description: 'Linux audit events per second, by audit rule key (key="docker" is the CIS rules\' key). See the Audit log dashboard.', unit: 'ops', width: 12 },
      ),
    )
    .withPanel(
      statPanel('CIS pass ratio', [{ expr: `avg(${sel(METRICS.cisScoreRatio)})` }], {
        description: 'CIS Docker Benchmark v1.6 checks passed over checks judged, averaged over the selected hosts.',
        unit: 'percentunit',
        thresholds: RATIO_HIGHER_IS_BETTER(),
        noValue: 'not judged',
        width: 4,
        height: 8,
      }),
    )
    .withPanel(
      timeseriesPanel('CIS pass ratio over time', [{ expr: `${sel(METRICS.cisScoreRatio)}`, legend: '{{instance}}' }], {
        description: 'CIS Docker Benchmark pass ratio per host.',
        unit: 'percentunit',
        width: 8,
      }),
    )

    .withRow(new dashboard.RowBuilder('CIS Docker Benchmark'))
    .withPanel(
      tablePanel(
        'Failing checks',
        // Titles and sections are on docker_audit_cis_check_info alone; both queries join them,
        // so that the table merges them into one row per check.
        [
          { expr: withCheckTitle(`max by (instance, check) (${sel(METRICS.cisCheckPassed)} == 0)`) },
          {
            expr: withCheckTitle(`max by (instance, check) (${sel(METRICS.cisCheckFailures)}) and on (instance, check) ${sel(METRICS.cisCheckPassed)} == 0`),
          },
        ],
        {
          description: 'CIS checks that fail on each host, with the number of offending objects. Checks that cannot be judged on a host are absent.',
          labels: ['instance', 'check', 'section', 'title'],
          values: ['result', 'failures'],
          width: 12,
          height: 10,
          sortBy: 'failures',
        },
      ).overrideByName('result', colouredColumn(flagMapping({ 0: ['FAIL', COLORS.bad], 1: ['pass', COLORS.good] }))),
    )
    .withPanel(
      tablePanel('Offending objects', [{ expr: sel(METRICS.cisCheckFailure) }], {
        description: 'Each container, image, file, listener or registry that fails a check.',
        labels: ['instance', 'check', 'object'],
        values: [],
        width: 12,
        height: 10,
      }),
    )
    .withPanel(
      tablePanel('Waived checks', [{ expr: `${sel(METRICS.cisCheckWaived)} > 0` }], {
        description: 'Containers skipping a check through their docker-audit.waive label: waivers are counted, never hidden.',
        labels: ['instance', 'check'],
        values: ['containers'],
        width: 12,
        height: 6,
      }),
    )
    .withPanel(
      tablePanel('Check sources', [{ expr: sel(METRICS.cisSourceUp) }], {
        description: 'Whether the facts each group of checks needs could be read; checks of a source that is down are absent, not passed.',
        labels: ['instance', 'source'],
        values: ['up'],
        width: 12,
        height: 6,
      }).overrideByName('up', colouredColumn(flagMapping({ 0: ['down', COLORS.bad], 1: ['up', COLORS.good] }))),
    )
    .withPanel(
      tablePanel('Checks not applicable', [{ expr: sel(METRICS.cisChecksNotApplicable) }], {
        description: 'Checks that do not apply to the engine, by reason: daemonless_engine counts sections 2 and 3 (dockerd\'s configuration and files) on a Podman engine. They are absent from the verdicts and the pass ratio.',
        labels: ['instance', 'reason'],
        values: ['checks'],
        width: 12,
        height: 6,
      }),
    )

    .withRow(new dashboard.RowBuilder('Exporter health'))
    .withPanel(
      statPanel('Exporters up', [{ expr: `sum(${onInstances(PROMETHEUS_UP)} and on (instance) ${sel(LIVE_FAMILIES.buildInfo)})` }], {
        description: 'Exporter targets Prometheus scraped successfully (its `up` series, for the instances that serve docker_audit_build_info).',
        thresholds: NEUTRAL(),
        width: 3,
      }),
    )
    .withPanel(
      statPanel('Engines down', [{ expr: `sum(1 - ${sel(METRICS.engineUp)})` }], {
        description: 'Hosts whose Docker Engine did not answer /_ping in the last collection.',
        width: 3,
      }),
    )
    .withPanel(
      statPanel('Failing collectors', [{ expr: `sum(1 - ${sel(METRICS.collectorSuccess)})` }], {
        description: 'Collectors whose last run failed, on all selected hosts. The landing page of the exporter says why.',
        width: 3,
      }),
    )
    .withPanel(
      statPanel(
        'Last collection age',
        // In collection intervals, because the schedule is each exporter's own: /-/ready answers
        // 503 once the last completed collection is 3 intervals old.
        [{ expr: `max((time() - ${sel(METRICS.lastCollection)}) / ${sel(METRICS.collectionInterval)})` }],
        {
          description:
            'Age of the oldest last completed collection over the selected hosts, in collection intervals (the longest gap of --collection.schedule). Up to about 1 on a healthy exporter; at 3 the exporter reports not ready.',
          unit: 'suffix: intervals',
          thresholds: steps([null, COLORS.good], [2, COLORS.warn], [3, COLORS.bad]),
          noValue: 'no collection',
          width: 3,
        },
      ).decimals(1),
    )
    .withPanel(
      statPanel('Collection interval', [{ expr: `max(${sel(METRICS.collectionInterval)})` }], {
        description: 'The longest time between two scheduled collections (--collection.schedule), longest over the selected hosts: how stale the numbers on these dashboards may be.',
        unit: 's',
        thresholds: NEUTRAL(),
        width: 3,
      }),
    )
    .withPanel(
      statPanel('Skipped collections', [{ expr: `round(sum(increase(${sel(METRICS.collectionsSkipped)}[$__range])))` }], {
        description: 'Collections skipped over the time range because the previous one was still running.',
        thresholds: ZERO_IS_GOOD(),
        width: 3,
      }),
    )
    .withPanel(
      statPanel('Samples dropped', [{ expr: `round(sum(increase(${sel(METRICS.samplesDropped)}[$__range])))` }], {
        description:
          'Duplicate samples (same family and labels) collectors emitted over the time range: kept once and logged with their family and labels. The collector counts as failed in that collection.',
        thresholds: ZERO_IS_GOOD(),
        width: 3,
      }),
    )
    .withPanel(
      statPanel(
        'Collector last success',
        [{ expr: `max(time() - (${sel(METRICS.collectorLastSuccess)} > 0))` }],
        {
          description: 'Longest time since a collector last succeeded, over every collector and host.',
          unit: 's',
          thresholds: AGE_SECONDS(),
          width: 3,
        },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Collector duration',
        [{ expr: `max by (instance, collector) (${sel(METRICS.collectorDuration)})`, legend: '{{collector}} ({{instance}})' }],
        { description: 'How long each collector took in each collection.', unit: 's', width: 8 },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Exporter memory and CPU',
        [
          { expr: onInstances(PROCESS_METRICS.residentMemory), legend: 'RSS {{instance}}' },
          { expr: `rate(${onInstances(PROCESS_METRICS.cpuSeconds)}[$__rate_interval])`, legend: 'CPU cores {{instance}}' },
        ],
        { description: 'Resident memory (bytes) and CPU (cores) of the exporter process.', unit: 'bytes', width: 8 },
      ).overrideByRegexp('^CPU', [{ id: 'unit', value: 'short' }, { id: 'custom.axisPlacement', value: 'right' }]),
    )
    .withPanel(
      tablePanel('Exporter versions', [{ expr: `max by (instance, version, node_version) (${sel(LIVE_FAMILIES.buildInfo)})` }], {
        description: 'Exporter build of every host.',
        labels: ['instance', 'version', 'node_version'],
        values: [],
        width: 8,
      }),
    )
    .withPanel(
      timeseriesPanel(
        'Event loop lag (p99)',
        [{ expr: `max by (instance) (${onInstances(PROCESS_METRICS.eventLoopLag)})`, legend: '{{instance}}' }],
        { description: "The exporter's Node.js event loop lag: a scrape waits at most about this long.", unit: 's', width: 24, height: 6 },
      ),
    );
}
