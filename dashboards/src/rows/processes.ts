// Row "Processes" of the Containers dashboard (dashboards/src/containers.ts, withContainer: true):
// what `docker top` shows of each running container (collector "processes", docs/processes.md).
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { METRICS } from '../../../src/metrics/catalog';
import { COLORS, colouredColumn, statPanel, steps, tablePanel, ZERO_IS_TIDY } from '../panels';
import { CONTAINER, CONTAINER_KEY, sel } from '../promql';

/** The whole-OS process series of the selected containers. */
const fullOs = `${sel(METRICS.containerFullOsProcess, CONTAINER)} == 1`;

export function processesPanels(): Array<cog.Builder<dashboard.Panel>> {
  const processes = sel(METRICS.containerProcesses, CONTAINER);
  const table = tablePanel(
    'Processes per running container',
    [
      { expr: `max by (${CONTAINER_KEY}) (${processes})` },
      // 0 for the containers that run none, so every row has the column.
      { expr: `count by (${CONTAINER_KEY}) (${fullOs}) or (max by (${CONTAINER_KEY}) (${processes}) * 0)` },
    ],
    {
      description:
        'Every running container with the number of processes `docker top` lists in it, and how many of them are whole-OS processes (init systems, supervisors, sshd, cron, syslog: --collector.processes.full-os-names). Each container is read once per --collector.processes.interval (5m by default) and at once when it starts, so a count may be up to that old. One service per container is the point: many processes, or any whole-OS one, deserve a look.',
      labels: ['instance', 'name', 'image', 'id'],
      values: ['processes', 'whole-OS processes'],
      height: 10,
      sortBy: 'whole-OS processes',
    },
  )
    .overrideByName('processes', colouredColumn([], [{ id: 'thresholds', value: steps([null, COLORS.good], [10, COLORS.warn], [50, COLORS.bad]).build() }]))
    .overrideByName('whole-OS processes', colouredColumn([], [{ id: 'thresholds', value: ZERO_IS_TIDY().build() }]));

  return [
    statPanel('Containers running a whole OS', [{ expr: `count(count by (instance, id) (${fullOs}))` }], {
      description: 'Running containers with at least one whole-OS process (an init system, supervisor, sshd, cron or syslog daemon). The alert DockerAuditContainerFullOs fires for each after 30 minutes.',
      thresholds: ZERO_IS_TIDY(),
      width: 6,
    }),
    statPanel('Process read errors', [{ expr: `sum(increase(${sel(METRICS.containerProcessesReadErrors)}[$__range]))` }], {
      description: 'Reads of a container\'s processes (GET /containers/{id}/top) that failed over the time range while the engine itself answered; the exporter\'s log names each container. A container stopped or removed meanwhile is not counted.',
      thresholds: ZERO_IS_TIDY(),
      width: 6,
    }),
    tablePanel('Whole-OS processes', [{ expr: fullOs }], {
      description: 'One row per whole-OS process name found in a running container: the basename of the first word of the command line, as `docker top` shows it.',
      labels: ['instance', 'name', 'image', 'process'],
      values: [],
      width: 12,
      height: 4,
    }),
    table,
  ];
}
