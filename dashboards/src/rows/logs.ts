// Row "Container logs" of the Containers dashboard (or a Logs dashboard of its own; the
// integrator's call): each container's log driver and rotation, log sizes, error and warning
// line rates, and the reader's own health. Uses the $instance and $container variables.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { METRICS } from '../../../src/metrics/catalog';
import { COLORS, colouredColumn, flagMapping, statPanel, steps, tablePanel, timeseriesPanel, ZERO_IS_GOOD, ZERO_IS_TIDY } from '../panels';
import { CONTAINER, CONTAINER_KEY, eq, sel, withState } from '../promql';

/** The panels of the row, in order. */
export function logsPanels(): Array<cog.Builder<dashboard.Panel>> {
  const rotation = tablePanel(
    'Log driver and rotation',
    [
      { expr: withState(`max by (${CONTAINER_KEY}, driver) (${sel(METRICS.containerLogDriver, CONTAINER)})`) },
      { expr: `max by (${CONTAINER_KEY}) (${sel(METRICS.containerLogRotationConfigured, CONTAINER)})` },
      { expr: `max by (${CONTAINER_KEY}) (${sel(METRICS.containerLogSize, CONTAINER)})` },
    ],
    {
      description:
        'Every container\'s log driver, whether its log files on this host are bounded (json-file with max-size, or local), and the size of its json-file log on disk (the current file and the rotated ones). An unbounded json-file log grows until the disk is full: set "log-opts": {"max-size": "10m", "max-file": "3"} in daemon.json and create the container again.',
      labels: ['instance', 'name', 'image', 'state', 'driver'],
      values: ['driver', 'rotated', 'size'],
      height: 10,
      sortBy: 'size',
    },
  );
  rotation.overrideByName('driver', [{ id: 'custom.hidden', value: true }]);
  rotation.overrideByName('rotated', colouredColumn(flagMapping({ 0: ['no', COLORS.bad], 1: ['yes', COLORS.good] })));
  rotation.overrideByName('size', [{ id: 'unit', value: 'bytes' }]);

  const unrotated = `${sel(METRICS.containerLogRotationConfigured)} == 0 and on (instance, id) ${sel(METRICS.containerLogDriver, { driver: eq('json-file') })} == 1`;
  return [
    statPanel('Unbounded json-file logs', [{ expr: `count(${unrotated}) or vector(0)` }], {
      description: 'Containers, running or not, whose json-file log has no max-size (docker_audit_container_log_rotation_configured 0 with the json-file driver).',
      thresholds: ZERO_IS_TIDY(),
      width: 6,
    }),
    statPanel('Container logs on disk', [{ expr: `sum(${sel(METRICS.containerLogSize)})` }], {
      description: 'Size of every json-file container log together, rotated files included.',
      unit: 'bytes',
      thresholds: steps([null, COLORS.neutral]),
      width: 6,
    }),
    statPanel('Logs unreadable', [{ expr: `count(${sel(METRICS.containerLogsReadable)} == 0) or vector(0)` }], {
      description: 'Exporters that were refused reading the json-file logs (they are root\'s: docs/logs.md, "Privileges"). Their driver and rotation series are still right; sizes and line counts are missing.',
      thresholds: ZERO_IS_GOOD(),
      width: 6,
    }),
    statPanel('Log files skipped', [{ expr: `sum(increase(${sel(METRICS.containerLogsSkippedFiles)}[$__range]))` }], {
      description: 'json-file log files not read in the time range: compressed (.gz, compress=true) or deleted by rotation before the exporter read them to their end. Their lines are missing from the counts.',
      thresholds: ZERO_IS_TIDY(),
      width: 6,
    }),
    rotation,
    timeseriesPanel('Error lines per second', [{ expr: `sum by (instance, name) (rate(${sel(METRICS.containerLogLines, { ...CONTAINER, level: eq('error') })}[$__rate_interval]))`, legend: '{{name}} ({{instance}})' }], {
      description: 'Log lines matching --collector.logs.error-patterns (error, fatal, panic, exception, denied, segfault by default), stdout and stderr together.',
      width: 12,
    }),
    timeseriesPanel('Warning lines per second', [{ expr: `sum by (instance, name) (rate(${sel(METRICS.containerLogLines, { ...CONTAINER, level: eq('warning') })}[$__rate_interval]))`, legend: '{{name}} ({{instance}})' }], {
      description: 'Log lines matching --collector.logs.warning-patterns (warn by default) and no error pattern.',
      width: 12,
    }),
    timeseriesPanel('Log lines per second by stream and level', [{ expr: `sum by (instance, stream, level) (rate(${sel(METRICS.containerLogLines, CONTAINER)}[$__rate_interval]))`, legend: '{{stream}} {{level}} ({{instance}})' }], {
      description: 'Every counted line, by stream and level.',
      stacked: true,
      width: 12,
    }),
    timeseriesPanel('Log sizes', [{ expr: `max by (${CONTAINER_KEY}) (${sel(METRICS.containerLogSize, CONTAINER)})`, legend: '{{name}} ({{instance}})' }], {
      description: 'Size on disk of each json-file log: one that only grows has no rotation.',
      unit: 'bytes',
      width: 12,
    }),
    timeseriesPanel(
      'Log reader',
      [
        { expr: `sum by (instance) (rate(${sel(METRICS.containerLogsBytesRead)}[$__rate_interval]))`, legend: 'read/s {{instance}}' },
        { expr: `sum by (instance) (${sel(METRICS.containerLogsLag)})`, legend: 'lag {{instance}}' },
        { expr: `sum by (instance) (rate(${sel(METRICS.containerLogsParseErrors)}[$__rate_interval]))`, legend: 'parse errors/s {{instance}}' },
      ],
      {
        description: 'Bytes of json-file logs read per second, the bytes still to read (beyond --collector.logs.max-bytes-per-collection), and lines that were not log entries.',
        unit: 'bytes',
        width: 24,
      },
    ),
  ];
}
