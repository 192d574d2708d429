// Collector "cis": CIS Docker Benchmark checks.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
import { family, type MetricFamily } from '../family';

export const CIS_METRICS = {
  cisCheckInfo: family('cis', 'gauge', 'docker_audit_cis_check_info', 'A CIS Docker Benchmark v1.6 check of the catalog; always 1. level is the CIS profile (1 or 2), benchmark how the benchmark labels it (Automated or Manual); checks this exporter cannot judge have no docker_audit_cis_check_passed.', ['check', 'title', 'section', 'level', 'benchmark']),
  cisCheckPassed: family('cis', 'gauge', 'docker_audit_cis_check_passed', 'Whether the CIS Docker Benchmark v1.6 check passed (1) or failed (0); absent when it cannot be judged on this host. Titles are on docker_audit_cis_check_info.', ['check']),
  cisCheckFailures: family('cis', 'gauge', 'docker_audit_cis_check_failures', 'Number of objects (containers, images, files, listeners, the daemon) failing the check; 0 when it passes.', ['check']),
  cisCheckFailure: family('cis', 'gauge', 'docker_audit_cis_check_failure', 'Present with value 1 for each object failing the check: a container name, image name, file path, listener address, registry or "daemon".', ['check', 'object']),
  cisCheckWaived: family('cis', 'gauge', 'docker_audit_cis_check_waived', 'Number of containers that skip this container check through their docker-audit.waive label.', ['check']),
  cisScoreRatio: family('cis', 'gauge', 'docker_audit_cis_score_ratio', 'Passed checks over judged checks; absent when no check could be judged.', []),
  cisSourceUp: family('cis', 'gauge', 'docker_audit_cis_source_up', 'Whether the facts the checks read from this source (containers, daemon, images, audit_rules; execs in server mode) could be read (1) or not (0); the checks needing a failed source are absent.', ['source']),
  cisChecksNotApplicable: family('cis', 'gauge', 'docker_audit_cis_checks_not_applicable', 'Number of judged checks of the catalog that do not apply to this engine, by reason: daemonless_engine is sections 2 and 3 (dockerd\'s configuration and files) on a Podman engine; rootless_engine the system service\'s socket unit and environment files (3.3, 3.4, 3.19-3.22), which a rootless dockerd does not use. They have no docker_audit_cis_check_passed and count neither way in the score.', ['reason']),
} as const satisfies Record<string, MetricFamily>;
