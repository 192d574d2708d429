// The one list of every metric family the exporter serves from its collections.
// Collectors emit samples of these families; the README's metric table, the golden
// exposition file and (later) dashboards and alerts are checked against this list.

import { families, family, type MetricFamily } from './family';
import { AUDITLOG_METRICS } from './families/auditlog';
import { AUDITRULES_METRICS } from './families/auditrules';
import { CIS_METRICS } from './families/cis';
import { DAEMON_METRICS } from './families/daemon';
import { EVENTS_METRICS } from './families/events';
import { IMAGES_METRICS } from './families/images';

export { CACHED_HELP_SUFFIX, family, type MetricFamily, type MetricType } from './family';

/** Labels every per-container series carries. */
export const CONTAINER_LABELS = ['name', 'id', 'image', 'state'] as const;
export type ContainerLabel = (typeof CONTAINER_LABELS)[number];

/** The states Docker reports for a container, in the order of its state machine. */
export const CONTAINER_STATES = ['created', 'running', 'paused', 'restarting', 'exited', 'dead'] as const;

const C = CONTAINER_LABELS;
const containerGauge = <const L extends string>(name: string, help: string, extra: readonly L[] = []) =>
  family('containers', 'gauge', name, help, [...C, ...extra]);

export const METRICS = {
  // Exporter self-monitoring, one series per collector.
  collectorSuccess: family('exporter', 'gauge', 'docker_audit_collector_success', 'Whether the collector succeeded in the last collection (1) or failed (0).', ['collector']),
  collectorDuration: family('exporter', 'gauge', 'docker_audit_collector_duration_seconds', 'How long the collector took in the last collection, in seconds.', ['collector']),
  collectorLastSuccess: family('exporter', 'gauge', 'docker_audit_collector_last_success_timestamp_seconds', 'Unix time of the collector\'s last successful run; 0 if it never succeeded.', ['collector']),
  collectionsSkipped: family('exporter', 'counter', 'docker_audit_collections_skipped_total', 'Scheduled collections skipped because the previous one was still running.', []),
  lastCollection: family('exporter', 'gauge', 'docker_audit_last_collection_timestamp_seconds', 'Unix time at which the last completed collection finished.', []),

  // Engine.
  engineUp: family('engine', 'gauge', 'docker_audit_engine_up', 'Whether the Docker Engine answered /_ping in the last collection (1) or not (0).', []),
  engineInfo: family('engine', 'gauge', 'docker_audit_engine_info', 'Docker Engine version and configuration; always 1.', ['version', 'api_version', 'os', 'kernel_version', 'storage_driver', 'logging_driver', 'cgroup_driver', 'cgroup_version']),

  // Containers: one series per container and property.
  containerInfo: containerGauge('docker_audit_container_info', 'Container metadata; always 1.', ['image_id', 'compose_project', 'compose_service']),
  containerPrivileged: containerGauge('docker_audit_container_privileged', 'Whether the container runs (or would run) with --privileged.'),
  containerRunningAsRoot: containerGauge('docker_audit_container_running_as_root', 'Whether the container\'s user is root (User empty, 0, root, 0:* or root:*).'),
  containerRestartCount: containerGauge('docker_audit_container_restart_count', 'Times Docker restarted the container under its restart policy; a gauge because Docker resets it.'),
  containerMemoryLimit: containerGauge('docker_audit_container_memory_limit_bytes', 'Memory limit in bytes; 0 means unlimited.'),
  containerCpuLimit: containerGauge('docker_audit_container_cpu_limit_cores', 'CPU limit in cores, from NanoCpus or CpuQuota/CpuPeriod; 0 means unlimited.'),
  containerPidsLimit: containerGauge('docker_audit_container_pids_limit', 'PIDs limit; 0 means unlimited.'),
  containerHostNamespace: containerGauge('docker_audit_container_host_namespace', 'Present with value 1 for each namespace the container shares with the host.', ['namespace']),
  containerSensitiveMount: containerGauge('docker_audit_container_sensitive_mount', 'Present with value 1 for each bind mount of a sensitive host path.', ['source', 'destination', 'read_only']),
  containerDockerSocketMounted: containerGauge('docker_audit_container_docker_socket_mounted', 'Whether the Docker socket (or a directory holding it) is bind-mounted into the container.'),
  containerCapabilityAdded: containerGauge('docker_audit_container_capability_added', 'Present with value 1 for each capability added with --cap-add.', ['capability']),
  containerSeccompUnconfined: containerGauge('docker_audit_container_seccomp_unconfined', 'Whether the container runs without a seccomp profile (seccomp=unconfined or privileged).'),
  containerApparmorUnconfined: containerGauge('docker_audit_container_apparmor_unconfined', 'Whether the container runs without an AppArmor profile (apparmor=unconfined or privileged).'),
  containerNoNewPrivileges: containerGauge('docker_audit_container_no_new_privileges', 'Whether the container sets no-new-privileges.'),
  containerReadOnlyRootfs: containerGauge('docker_audit_container_read_only_rootfs', 'Whether the container\'s root filesystem is read-only.'),
  containerPublishedPort: containerGauge('docker_audit_container_published_port', 'Present with value 1 for each port published on the host.', ['host_ip', 'host_port', 'container_port', 'protocol']),
  containerHealthcheckConfigured: containerGauge('docker_audit_container_healthcheck_configured', 'Whether a healthcheck is configured, by the container or its image.'),
  containerHealthStatus: containerGauge('docker_audit_container_health_status', 'Present with value 1 for the current health status, when a healthcheck is configured.', ['status']),
  containerOomKilled: containerGauge('docker_audit_container_oom_killed', 'Whether the container\'s last run ended with the kernel\'s OOM killer.'),
  containerExitCode: containerGauge('docker_audit_container_exit_code', 'Exit code of the container\'s last run.'),
  containerStarted: containerGauge('docker_audit_container_started_timestamp_seconds', 'Unix time at which the container last started; absent if it never started.'),

  // Container counts per state: the numbers a dashboard shows first.
  containers: family('containers', 'gauge', 'docker_audit_containers', 'Number of containers.', ['state']),
  containersPrivileged: family('containers', 'gauge', 'docker_audit_containers_privileged', 'Number of privileged containers.', ['state']),
  containersRunningAsRoot: family('containers', 'gauge', 'docker_audit_containers_running_as_root', 'Number of containers whose user is root.', ['state']),
  containersWithoutMemoryLimit: family('containers', 'gauge', 'docker_audit_containers_without_memory_limit', 'Number of containers without a memory limit.', ['state']),
  containersWithoutCpuLimit: family('containers', 'gauge', 'docker_audit_containers_without_cpu_limit', 'Number of containers without a CPU limit.', ['state']),

  // The other areas, each in its own file under families/.
  ...DAEMON_METRICS,
  ...IMAGES_METRICS,
  ...EVENTS_METRICS,
  ...CIS_METRICS,
  ...AUDITLOG_METRICS,
  ...AUDITRULES_METRICS,
} as const;

/** Every family served from collections, in the order the exposition lists them. */
export const ALL_FAMILIES: readonly MetricFamily[] = families;

/**
 * Families served live by the HTTP server rather than from the snapshot. prom-client's
 * default process metrics (process_*, nodejs_*) are served next to these.
 */
export const LIVE_FAMILIES = {
  buildInfo: {
    name: 'docker_audit_build_info',
    type: 'gauge',
    help: 'Build information of this exporter; always 1, constant for the life of the process.',
    labels: ['version', 'node_version'],
    collector: 'exporter',
  },
} as const satisfies Record<string, MetricFamily>;
