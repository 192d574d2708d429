// Collector "events": the engine event stream and exec counters.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type MetricFamily } from '../family';

export const EVENTS_METRICS = {
  engineEventsStreamUp: family('events', 'gauge', 'docker_audit_engine_events_stream_up', 'Whether the exporter\'s subscription to the engine\'s event stream is up (1) or broken and reconnecting (0).', []),
  engineEventsReconnects: family('events', 'counter', 'docker_audit_engine_events_reconnects_total', 'Times the engine event stream was subscribed again after it had been up.', []),
  engineEventsDroppedLines: family('events', 'counter', 'docker_audit_engine_events_dropped_lines_total', 'Engine event lines dropped for being over 1 MiB without a newline (an engine gone wrong); each ended the stream, which was subscribed again.', []),
  engineEvents: family('events', 'counter', 'docker_audit_engine_events_total', 'Engine events seen, by object type and action without its arguments (unknown types and undocumented actions count as "other").', ['type', 'action']),
  containerExec: family('events', 'counter', 'docker_audit_container_exec_total', 'docker exec runs into the container (healthcheck probes excluded); the series goes when the container is destroyed.', ['name', 'id', 'image']),
  execPrivileged: family('events', 'counter', 'docker_audit_exec_privileged_total', 'docker exec runs with --privileged, in any container (CIS 5.23).', []),
  execAsRoot: family('events', 'counter', 'docker_audit_exec_as_root_total', 'docker exec runs as root (their --user, or the container\'s user when they set none), in any container (CIS 5.24).', []),
  execInspectFailures: family('events', 'counter', 'docker_audit_exec_inspect_failures_total', 'docker exec runs whose privileges could not be read (exec or container already gone, inspect failed): counted in neither _privileged_total nor _as_root_total.', []),
} as const satisfies Record<string, MetricFamily>;
