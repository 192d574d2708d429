// Audit log: what the Linux audit subsystem saw (by rule key, syscall and executable), whether
// the exporter reads the log in time, whether the CIS audit rules are there at all, and the
// Docker Engine's own event stream.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { METRICS } from '../../src/metrics/catalog';
import {
  bundledDashboard,
  AGE_SECONDS,
  barsPanel,
  COLORS,
  colouredColumn,
  flagMapping,
  NEUTRAL,
  statPanel,
  steps,
  tablePanel,
  timeseriesPanel,
  ZERO_IS_GOOD,
} from './panels';
import { eq, sel } from './promql';

export const AUDIT_LOG_UID = 'docker-audit-audit-log';

const rate = (selector: string): string => `rate(${selector}[$__rate_interval])`;

export function auditLogDashboard(): dashboard.DashboardBuilder {
  return bundledDashboard({ title: 'Docker audit / Audit log', uid: AUDIT_LOG_UID, description: "Linux audit events on the Docker daemon's files and binaries, audit log ingestion, audit rule coverage, and engine events", extraTags: ['auditd'] })

    .withRow(new dashboard.RowBuilder('Audit events'))
    .withPanel(
      timeseriesPanel('Events by key', [{ expr: `sum by (key) (${rate(sel(METRICS.auditLogEvents))})`, legend: '{{key}}' }], {
        description:
          'Audit events per second by rule key. An event with several keys counts once per key; key="" has no key, key="other" is a key outside --audit.keys.',
        unit: 'ops',
      }),
    )
    .withPanel(
      timeseriesPanel(
        'Events by syscall',
        [{ expr: `sum by (syscall) (${rate(sel(METRICS.auditLogEvents, { key: '!=""' }))})`, legend: '{{syscall}}' }],
        { description: 'Audit events per second with a key, by syscall name.', unit: 'ops' },
      ),
    )
    .withPanel(
      barsPanel(
        'Top executables',
        [{ expr: `topk(10, round(sum by (key, exe) (increase(${sel(METRICS.auditLogEventsByExe)}[$__range]))))`, legend: '{{exe}} ({{key}})' }],
        {
          description: 'Executables behind the most audit events over the time range, per key (the overflow past --audit.max-exe-series is exe="other").',
          thresholds: NEUTRAL(),
        },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Failed syscalls',
        [{ expr: `sum by (key, syscall) (${rate(sel(METRICS.auditLogEvents, { success: eq('no') }))})`, legend: '{{key}} {{syscall}}' }],
        { description: 'Audit events whose syscall failed (success="no"): denied access to watched paths shows here.', unit: 'ops' },
      ),
    )

    .withRow(new dashboard.RowBuilder('Ingestion'))
    .withPanel(
      statPanel('Lag', [{ expr: `max(${sel(METRICS.auditLogLag)})` }], {
        description: 'Bytes of the audit log not read yet (file size minus offset), worst host.',
        unit: 'bytes',
        thresholds: steps([null, COLORS.good], [1 << 20, COLORS.warn], [16 << 20, COLORS.bad]),
      }),
    )
    .withPanel(
      statPanel('Last event', [{ expr: `max(time() - (${sel(METRICS.auditLogLastEvent)} > 0))` }], {
        description: 'Time since the newest audit event counted, worst host. Long on a quiet host; alarming when events are expected.',
        unit: 's',
        thresholds: AGE_SECONDS(),
        noValue: 'none yet',
      }),
    )
    .withPanel(
      statPanel('Parse errors', [{ expr: `round(sum(increase(${sel(METRICS.auditLogParseErrors)}[$__range])))` }], {
        description: 'Lines skipped over the time range: too long, cut by a rotation or truncation, or not audit records.',
        thresholds: ZERO_IS_GOOD(),
      }),
    )
    .withPanel(
      statPanel('Rotations', [
        { expr: `round(sum(increase(${sel(METRICS.auditLogRotations)}[$__range])))`, legend: 'rotations' },
        { expr: `round(sum(increase(${sel(METRICS.auditLogLostFiles)}[$__range])))`, legend: 'files lost' },
      ], {
        description: 'Times the audit log was rotated (or replaced) over the time range, and the rotated files deleted before they could be read (their events are not counted).',
        thresholds: NEUTRAL(),
      }),
    )
    .withPanel(
      statPanel('Read rate', [{ expr: `sum(${rate(sel(METRICS.auditLogBytesRead))})` }], {
        description: 'Bytes per second read from the audit log, over the selected hosts.',
        unit: 'Bps',
        thresholds: NEUTRAL(),
      }),
    )
    .withPanel(
      statPanel('Kernel audit', [{ expr: `min(${sel(METRICS.auditKernelEnabled)})` }], {
        description: 'Kernel audit status from auditctl -s (the least enabled host): disabled, enabled, or enabled and locked.',
        mappings: [
          {
            type: dashboard.MappingType.ValueToText,
            options: {
              '0': { text: 'disabled', color: COLORS.bad, index: 0 },
              '1': { text: 'enabled', color: COLORS.good, index: 1 },
              '2': { text: 'locked', color: COLORS.good, index: 2 },
            },
          },
        ],
        noValue: 'unknown',
      }),
    )
    .withPanel(
      timeseriesPanel(
        'Lag and parse errors',
        [
          { expr: `max by (instance) (${sel(METRICS.auditLogLag)})`, legend: 'lag {{instance}}' },
          { expr: `sum by (instance) (${rate(sel(METRICS.auditLogParseErrors))})`, legend: 'parse errors/s {{instance}}' },
        ],
        { description: 'Unread bytes of the audit log, and skipped lines per second.', unit: 'bytes' },
      ).overrideByRegexp('^parse', [{ id: 'unit', value: 'ops' }, { id: 'custom.axisPlacement', value: 'right' }]),
    )
    .withPanel(
      timeseriesPanel(
        'Records by type',
        [{ expr: `sum by (type) (${rate(sel(METRICS.auditLogRecords))})`, legend: '{{type}}' }],
        { description: 'Audit records per second by record type (SYSCALL, PATH, EXECVE, ...; "other" outside the common types).', unit: 'ops', stacked: true },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Kernel backlog and lost records',
        [
          { expr: `max by (instance) (${sel(METRICS.auditKernelBacklog)})`, legend: 'backlog {{instance}}' },
          { expr: `max by (instance) (${sel(METRICS.auditKernelBacklogLimit)})`, legend: 'backlog limit {{instance}}' },
          // The kernel's lost counter is reset by auditctl --reset-lost; increase() reads that as a reset.
          { expr: `sum by (instance) (increase(${sel(METRICS.auditKernelLost)}[$__rate_interval]))`, legend: 'lost {{instance}}' },
        ],
        { description: 'Records queued in the kernel for auditd against the queue limit, and records the kernel dropped: lost records are lost audit events.', width: 24, height: 6 },
      ),
    )

    .withRow(new dashboard.RowBuilder('Rule coverage (CIS 1.1.x)'))
    .withPanel(
      statPanel('Watched paths missing a rule', [{ expr: `sum(1 - ${sel(METRICS.auditRulePresent)})` }], {
        description: 'CIS 1.1.x paths that exist on the host and no audit rule watches.',
        width: 6,
        height: 10,
      }),
    )
    .withPanel(
      tablePanel('Rules source', [{ expr: `${sel(METRICS.auditRulesSource)} == 1` }], {
        description: 'Where the rules were read: the live kernel rules (auditctl -l), the rules files, or none.',
        labels: ['instance', 'source'],
        values: [],
        width: 6,
        height: 10,
      }).overrideByName('source', colouredColumn([{ type: dashboard.MappingType.ValueToText, options: { none: { text: 'none', color: COLORS.bad, index: 0 } } }])),
    )
    .withPanel(
      tablePanel(
        'Audit rule coverage',
        [{ expr: `max by (instance, check, path) (${sel(METRICS.auditRulePresent)})` }, { expr: `max by (instance, check, path) (${sel(METRICS.auditRulePermissionsOk)})` }],
        {
          description: 'For each CIS 1.1.x path on the host: whether a rule watches it, and whether that rule audits writes and attribute changes (-p wa).',
          labels: ['instance', 'check', 'path'],
          values: ['watched', 'writes and attributes'],
          height: 10,
          width: 12,
          sortBy: 'watched',
        },
      )
        .overrideByName('watched', colouredColumn(flagMapping({ 0: ['missing', COLORS.bad], 1: ['yes', COLORS.good] })))
        .overrideByName('writes and attributes', colouredColumn(flagMapping({ 0: ['no', COLORS.warn], 1: ['yes', COLORS.good] }))),
    )

    .withRow(new dashboard.RowBuilder('Engine events'))
    .withPanel(
      timeseriesPanel(
        'Engine events',
        [{ expr: `sum by (type, action) (${rate(sel(METRICS.engineEvents))})`, legend: '{{type}} {{action}}' }],
        { description: 'Docker Engine events per second by object type and action (from its /events stream).', unit: 'ops' },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'docker exec',
        [
          { expr: `topk(5, sum by (instance, name) (${rate(sel(METRICS.containerExec))}))`, legend: '{{name}} ({{instance}})' },
          { expr: `sum(${rate(sel(METRICS.execPrivileged))})`, legend: 'privileged (CIS 5.23)' },
          { expr: `sum(${rate(sel(METRICS.execAsRoot))})`, legend: 'as root (CIS 5.24)' },
          { expr: `sum(${rate(sel(METRICS.execInspectFailures))})`, legend: 'not inspectable' },
        ],
        { description: 'docker exec runs per second: the five busiest containers, and the runs that were privileged or as root in any container.', unit: 'ops' },
      ),
    )
    .withPanel(
      statPanel('Event stream', [{ expr: `min(${sel(METRICS.engineEventsStreamUp)})` }], {
        description: "Whether every selected exporter's subscription to the engine event stream is up.",
        mappings: flagMapping({ 0: ['reconnecting', COLORS.bad], 1: ['up', COLORS.good] }),
        noValue: 'unknown',
        width: 6,
      }),
    )
    .withPanel(
      statPanel('Stream reconnects', [
        { expr: `round(sum(increase(${sel(METRICS.engineEventsReconnects)}[$__range])))`, legend: 'reconnects' },
        { expr: `round(sum(increase(${sel(METRICS.engineEventsDroppedLines)}[$__range])))`, legend: 'lines over 1 MiB dropped' },
      ], {
        description: 'Times the event stream was subscribed again over the time range, and the event lines over 1 MiB that were dropped (each ends the stream).',
        thresholds: steps([null, COLORS.good], [1, COLORS.warn]),
        width: 6,
      }),
    )
    .withPanel(
      statPanel('Privileged execs', [{ expr: `round(sum(increase(${sel(METRICS.execPrivileged)}[$__range])))` }], {
        description: 'docker exec --privileged runs over the time range (CIS 5.23).',
        width: 6,
      }),
    )
    .withPanel(
      statPanel('Execs as root', [{ expr: `round(sum(increase(${sel(METRICS.execAsRoot)}[$__range])))` }], {
        description: 'docker exec runs as root over the time range (CIS 5.24).',
        thresholds: steps([null, COLORS.good], [1, COLORS.warn]),
        width: 6,
      }),
    );
}
