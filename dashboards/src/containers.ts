// Containers: one table row per container with every posture flag coloured, the details
// behind each flag, and restarts over time.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { METRICS, type MetricFamily } from '../../src/metrics/catalog';
import type { CONTAINER_STATES } from '../../src/model/posture';
import {
  bundledDashboard,
  COLORS,
  colouredColumn,
  flagMapping,
  tablePanel,
  steps,
  timeseriesPanel,
  type Query,
  ZERO_IS_GOOD,
  ZERO_IS_TIDY,
} from './panels';
import { CONTAINER, CONTAINER_KEY, eq, sel, withState } from './promql';

export const CONTAINERS_UID = 'docker-audit-containers';

type Column = { title: string; query: Query; overrides: dashboard.DynamicConfigValue[] };

const YES_IS_BAD = flagMapping({ 0: ['no', COLORS.good], 1: ['yes', COLORS.bad] });
const YES_IS_GOOD = flagMapping({ 0: ['no', COLORS.bad], 1: ['yes', COLORS.good] });
const UNLIMITED_IS_BAD = [
  { type: dashboard.MappingType.ValueToText, options: { '0': { text: 'unlimited', color: COLORS.bad, index: 0 } } },
] satisfies dashboard.ValueMapping[];

/**
 * Every posture query carries the container's state, joined from docker_audit_container_state:
 * the table merges its queries into one row per identical label set, so all of them need the
 * same labels, state included.
 */
const one = (f: MetricFamily): Query => ({ expr: withState(`max by (${CONTAINER_KEY}) (${sel(f, CONTAINER)})`) });

/** Series of a per-item family (mount, capability, ...) counted per container, 0 where there is none. */
const countPerContainer = (selector: string): Query => ({
  expr: withState(`count by (${CONTAINER_KEY}) (${selector}) or max by (${CONTAINER_KEY}) (${sel(METRICS.containerInfo, CONTAINER)}) * 0`),
});

/** How each state reads in the table: every state Docker reports, so a new one fails to compile until it has a colour. */
const STATE_COLOURS: Record<(typeof CONTAINER_STATES)[number], string> = {
  created: COLORS.neutral,
  running: COLORS.good,
  paused: COLORS.warn,
  restarting: COLORS.warn,
  removing: COLORS.warn,
  exited: COLORS.neutral,
  dead: COLORS.bad,
};
const STATE_MAPPING: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: Object.fromEntries(Object.entries(STATE_COLOURS).map(([state, color], index) => [state, { text: state, color, index }])),
  },
];

const flag = (title: string, f: MetricFamily, mapping: dashboard.ValueMapping[]): Column => ({
  title,
  query: one(f),
  overrides: colouredColumn(mapping),
});

const countColumn = (title: string, selector: string): Column => ({
  title,
  query: countPerContainer(selector),
  overrides: colouredColumn([], [{ id: 'thresholds', value: ZERO_IS_GOOD().build() }]),
});

const limit = (title: string, f: MetricFamily, unit: string): Column => ({
  title,
  query: one(f),
  overrides: colouredColumn(UNLIMITED_IS_BAD, [
    { id: 'unit', value: unit },
    { id: 'thresholds', value: steps([null, COLORS.good]).build() },
  ]),
});

/** The posture table's columns, in order. Every per-container flag of the containers collector is one. */
export const POSTURE_COLUMNS: readonly Column[] = [
  flag('privileged', METRICS.containerPrivileged, YES_IS_BAD),
  flag('root', METRICS.containerRunningAsRoot, YES_IS_BAD),
  flag('docker.sock', METRICS.containerDockerSocketMounted, YES_IS_BAD),
  // cgroup v1 hosts share the cgroup namespace with every container: a host fact, not a finding here.
  countColumn('host ns', sel(METRICS.containerHostNamespace, { ...CONTAINER, namespace: '!="cgroup"' })),
  countColumn('sensitive mounts', sel(METRICS.containerSensitiveMount, CONTAINER)),
  countColumn('writable sensitive', sel(METRICS.containerSensitiveMount, { ...CONTAINER, read_only: eq('false') })),
  countColumn('caps added', sel(METRICS.containerCapabilityAdded, CONTAINER)),
  flag('seccomp off', METRICS.containerSeccompUnconfined, YES_IS_BAD),
  flag('apparmor off', METRICS.containerApparmorUnconfined, YES_IS_BAD),
  flag('no-new-privs', METRICS.containerNoNewPrivileges, YES_IS_GOOD),
  flag('read-only /', METRICS.containerReadOnlyRootfs, YES_IS_GOOD),
  limit('memory', METRICS.containerMemoryLimit, 'bytes'),
  limit('CPU', METRICS.containerCpuLimit, 'short'),
  limit('PIDs', METRICS.containerPidsLimit, 'short'),
  countColumn('ports', sel(METRICS.containerPublishedPort, CONTAINER)),
  flag('healthcheck', METRICS.containerHealthcheckConfigured, YES_IS_GOOD),
  flag('OOM killed', METRICS.containerOomKilled, YES_IS_BAD),
  {
    title: 'exit code',
    query: one(METRICS.containerExitCode),
    overrides: colouredColumn([], [{ id: 'thresholds', value: ZERO_IS_TIDY().build() }]),
  },
  {
    // A counter: the restarts within the time range. Its value is Docker's RestartCount, which a
    // manual start sets back to 0; increase() takes that for a counter reset.
    title: 'restarts',
    query: { expr: withState(`round(max by (${CONTAINER_KEY}) (increase(${sel(METRICS.containerRestarts, CONTAINER)}[$__range])))`) },
    overrides: colouredColumn([], [{ id: 'thresholds', value: steps([null, COLORS.good], [1, COLORS.warn], [5, COLORS.bad]).build() }]),
  },
  {
    title: 'started',
    query: { expr: withState(`max by (${CONTAINER_KEY}) (${sel(METRICS.containerStarted, CONTAINER)}) * 1000`) },
    overrides: [{ id: 'unit', value: 'dateTimeFromNow' }],
  },
];

/** Drill-down from a container's name: this dashboard for that one container, on its host. */
const drillDown: dashboard.DynamicConfigValue = {
  id: 'links',
  value: [
    {
      title: 'Only this container',
      url: `/d/${CONTAINERS_UID}/?var-container=\${__value.raw}&var-instance=\${__data.fields.instance}&\${datasource:queryparam}&\${__url_time_range}`,
    },
    {
      title: 'Its image, daemon and host',
      url: `/d/docker-audit-daemon-images/?var-instance=\${__data.fields.instance}&\${datasource:queryparam}&\${__url_time_range}`,
    },
  ],
};

export function containersDashboard(): dashboard.DashboardBuilder {
  const posture = tablePanel(
    'Container posture',
    POSTURE_COLUMNS.map((c) => c.query),
    {
      description:
        'One row per container (any state), with its current state. Red is a finding. Click a name to see only that container. Counts are the number of host namespaces (cgroup aside: see Host namespaces), sensitive bind mounts, added capabilities and published ports; restarts are those within the time range.',
      labels: ['instance', 'name', 'image', 'state', 'id'],
      values: POSTURE_COLUMNS.map((c) => c.title),
      height: 14,
      sortBy: 'privileged',
    },
  )
    .overrideByName('name', [drillDown])
    .overrideByName('state', colouredColumn(STATE_MAPPING));
  for (const c of POSTURE_COLUMNS) posture.overrideByName(c.title, c.overrides);

  return bundledDashboard({ title: 'Docker audit / Containers', uid: CONTAINERS_UID, description: 'Every container of the selected hosts, with each posture finding', withContainer: true })
    .withPanel(posture)
    .withPanel(
      timeseriesPanel(
        'Restarts',
        // Docker sets the counter back to 0 on a manual start: increase() counts from there.
        [{ expr: `sum by (instance, name) (increase(${sel(METRICS.containerRestarts, CONTAINER)}[$__rate_interval]))`, legend: '{{name}} ({{instance}})' }],
        { description: 'Restarts Docker made under each container\'s restart policy, per interval.' },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Containers by health',
        [{ expr: `count by (status) (${sel(METRICS.containerHealthStatus, CONTAINER)})`, legend: '{{status}}' }],
        { description: 'Containers with a healthcheck, by their current health status.', stacked: true },
      ),
    )
    .withRow(new dashboard.RowBuilder('Findings in detail'))
    .withPanel(
      tablePanel('Sensitive bind mounts', [{ expr: sel(METRICS.containerSensitiveMount, CONTAINER) }], {
        description: 'Bind mounts of sensitive host paths. A writable one (read_only=false) is the worse case.',
        labels: ['instance', 'name', 'source', 'destination', 'read_only'],
        values: [],
        width: 12,
      }).overrideByName('read_only', colouredColumn([{ type: dashboard.MappingType.ValueToText, options: { false: { text: 'false', color: COLORS.bad, index: 0 }, true: { text: 'true', color: COLORS.warn, index: 1 } } }])),
    )
    .withPanel(
      tablePanel('Host namespaces', [{ expr: sel(METRICS.containerHostNamespace, CONTAINER) }], {
        description: 'Namespaces each container shares with the host (on cgroup v1 Docker 20.10 shares the cgroup namespace by default).',
        labels: ['instance', 'name', 'namespace'],
        values: [],
        width: 12,
      }),
    )
    .withPanel(
      tablePanel('Added capabilities', [{ expr: sel(METRICS.containerCapabilityAdded, CONTAINER) }], {
        description: 'Capabilities added with --cap-add.',
        labels: ['instance', 'name', 'capability'],
        values: [],
        width: 12,
      }),
    )
    .withPanel(
      tablePanel('Published ports', [{ expr: sel(METRICS.containerPublishedPort, CONTAINER) }], {
        description: 'Ports published on the host; host_ip 0.0.0.0 is every interface.',
        labels: ['instance', 'name', 'host_ip', 'host_port', 'container_port', 'protocol'],
        values: [],
        width: 12,
      }).overrideByName('host_ip', colouredColumn([{ type: dashboard.MappingType.ValueToText, options: { '0.0.0.0': { text: '0.0.0.0', color: COLORS.warn, index: 0 } } }])),
    )
    .withPanel(
      tablePanel('Metadata', [{ expr: withState(sel(METRICS.containerInfo, CONTAINER)) }], {
        description: 'Current state, image ID and compose project/service of each container.',
        labels: ['instance', 'name', 'id', 'state', 'image', 'image_id', 'compose_project', 'compose_service'],
        values: [],
      }).overrideByName('state', colouredColumn(STATE_MAPPING)),
    );
}
