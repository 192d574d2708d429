// Collector "auditlog": Linux audit log ingestion.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type MetricFamily } from '../family';

export const AUDITLOG_METRICS = {
  auditLogEvents: family('auditlog', 'counter', 'docker_audit_log_events_total', 'Audit events (records sharing one serial) read from the audit log, by key (one count per key of the event; "" without a key, "other" for keys not in --audit.keys), syscall name ("other" outside the tables of known syscalls) and success (yes, no, "" without a SYSCALL record, "other" for anything else).', ['key', 'syscall', 'success']),
  auditLogRecords: family('auditlog', 'counter', 'docker_audit_log_records_total', 'Audit log records read, by record type ("other" outside the common types).', ['type']),
  auditLogEventsByExe: family('auditlog', 'counter', 'docker_audit_log_events_by_exe_total', 'Audit events by key and executable; at most --audit.max-exe-series executables per key, the rest under exe="other".', ['key', 'exe']),
  auditLogParseErrors: family('auditlog', 'counter', 'docker_audit_log_parse_errors_total', 'Audit log lines skipped: longer than --audit.max-line-bytes, cut off by a rotation or truncation, or not an audit record.', []),
  auditLogBytesRead: family('auditlog', 'counter', 'docker_audit_log_bytes_read_total', 'Bytes read from the audit log.', []),
  auditLogRotations: family('auditlog', 'counter', 'docker_audit_log_rotations_total', 'Times the audit log path was found to be a new file (rotation by rename, or a deleted file replaced).', []),
  auditLogLostFiles: family('auditlog', 'counter', 'docker_audit_log_lost_files_total', 'Rotated audit log files deleted before they could be read (more rotations between two collections than auditd keeps files, or a rotated file removed); their events are missing from the other counters.', []),
  auditLogLastEvent: family('auditlog', 'gauge', 'docker_audit_log_last_event_timestamp_seconds', 'Unix time of the newest audit event counted (the record time); 0 before the first.', []),
  auditLogLag: family('auditlog', 'gauge', 'docker_audit_log_lag_bytes', 'Bytes of the audit log not yet consumed: file size minus the offset of the last complete line read.', []),
} as const satisfies Record<string, MetricFamily>;
