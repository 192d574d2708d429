// Collector "logs": each container's log driver and rotation, and its json-file log, read
// incrementally: size on disk, lines by stream and level. docs/logs.md.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type MetricFamily } from '../family';
import { CONTAINER_LABELS } from './containers';

export const LOGS_METRICS = {
  containerLogDriver: family('logs', 'gauge', 'docker_audit_container_log_driver', 'Present with value 1 for the container\'s log driver (HostConfig.LogConfig.Type: json-file, local, journald, none, ...).', [...CONTAINER_LABELS, 'driver']),
  containerLogRotationConfigured: family('logs', 'gauge', 'docker_audit_container_log_rotation_configured', 'Whether the container\'s log files on this host are bounded: json-file with max-size (the daemon\'s log-opts are merged in when the container is created), or local (which rotates by default). 0 for every other driver: join with docker_audit_container_log_driver.', [...CONTAINER_LABELS]),
  containerLogSize: family('logs', 'gauge', 'docker_audit_container_log_size_bytes', 'Size on disk of a json-file container log: <id>-json.log plus its rotated <id>-json.log.N and .N.gz files.', [...CONTAINER_LABELS]),
  containerLogLines: family('logs', 'counter', 'docker_audit_container_log_lines_total', 'Lines of a json-file container log, by stream (stdout, stderr) and level: error or warning when the line holds one of --collector.logs.error-patterns or --collector.logs.warning-patterns (case-insensitive substring; error wins), else other. A line Docker split into 16 KiB parts counts once, when its last part is read. Counted from the beginning of the retained log when the exporter first sees the container.', [...CONTAINER_LABELS, 'stream', 'level']),
  containerLogsReadable: family('logs', 'gauge', 'docker_audit_container_logs_readable', 'Whether this process may read the json-file container logs: 0 when reading one was refused (permission denied: the logs are root\'s, 0640 in a 0710 folder; docs/logs.md, "Privileges"), else 1. The driver and rotation series need no such right.', []),
  containerLogsBytesRead: family('logs', 'counter', 'docker_audit_container_logs_bytes_read_total', 'Bytes read from json-file container logs, every container together.', []),
  containerLogsLag: family('logs', 'gauge', 'docker_audit_container_logs_lag_bytes', 'Bytes of json-file container logs not yet read (beyond --collector.logs.max-bytes-per-collection), every container together.', []),
  containerLogsParseErrors: family('logs', 'counter', 'docker_audit_container_logs_parse_errors_total', 'json-file log lines not counted: not a JSON log entry of stdout or stderr, longer than --collector.logs.max-line-bytes, or cut off at the end of a rotated file; every container together.', []),
  containerLogsSkippedFiles: family('logs', 'counter', 'docker_audit_container_logs_skipped_files_total', 'json-file log files not read, by reason: compressed (.gz from compress=true, unreadable incrementally) or deleted (rotated past max-file before it was read to its end); their lines are missing from docker_audit_container_log_lines_total.', ['reason']),
} as const satisfies Record<string, MetricFamily>;
