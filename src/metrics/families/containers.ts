// Collector "containers": one series per container and property, kube-state-metrics style.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
//
// A label of a per-container series never changes for the container's life: every one
// carries name, id and image (the reference it was created from) and its own dimension
// labels, and nothing that changes while the container lives. What changes lives on one
// series of its own: the state on docker_audit_container_state, the metadata on
// docker_audit_container_info. Join them on id:
//   docker_audit_container_privileged == 1 and on(id) docker_audit_container_state{state="running"} == 1
import { family, type MetricFamily } from '../family';

/** Labels every per-container series carries. */
export const CONTAINER_LABELS = ['name', 'id', 'image'] as const;
export type ContainerLabel = (typeof CONTAINER_LABELS)[number];

const containerFamily = <const L extends string>(type: 'gauge' | 'counter', name: string, help: string, extra: readonly L[] = []) =>
  family('containers', type, name, help, [...CONTAINER_LABELS, ...extra]);
const containerGauge = <const L extends string>(name: string, help: string, extra: readonly L[] = []) => containerFamily('gauge', name, help, extra);

export const CONTAINERS_METRICS = {
  containerInfo: containerGauge('docker_audit_container_info', 'Container metadata; always 1. image_id is the short id of the image the container was created from.', ['image_id', 'compose_project', 'compose_service']),
  containerState: family('containers', 'gauge', 'docker_audit_container_state', 'Present with value 1 for the state the container is in: created, running, paused, restarting, removing, exited or dead.', ['name', 'id', 'state']),
  containerPrivileged: containerGauge('docker_audit_container_privileged', 'Whether the container runs (or would run) with --privileged.'),
  containerRunningAsRoot: containerGauge('docker_audit_container_running_as_root', 'Whether the container\'s user is root (User empty, 0, root, 0:* or root:*).'),
  containerRestarts: containerFamily('counter', 'docker_audit_container_restarts_total', 'Times Docker restarted the container under its restart policy (its RestartCount); Docker sets it back to 0 when the container is started by hand, which rate() and increase() take for a counter reset.'),
  containerMemoryLimit: containerGauge('docker_audit_container_memory_limit_bytes', 'Memory limit in bytes; 0 means unlimited.'),
  containerCpuLimit: containerGauge('docker_audit_container_cpu_limit_cores', 'CPU limit in cores, from NanoCpus or CpuQuota/CpuPeriod; 0 means unlimited.'),
  containerPidsLimit: containerGauge('docker_audit_container_pids_limit', 'PIDs limit; 0 means unlimited.'),
  containerHostNamespace: containerGauge('docker_audit_container_host_namespace', 'Present with value 1 for each namespace the container shares with the host.', ['namespace']),
  containerSensitiveMount: containerGauge('docker_audit_container_sensitive_mount', 'Present with value 1 for each bind mount of a sensitive host path (--collector.containers.sensitive-paths).', ['source', 'destination', 'read_only']),
  containerDockerSocketMounted: containerGauge('docker_audit_container_docker_socket_mounted', 'Whether the Docker socket (or a folder holding it) is bind-mounted into the container.'),
  containerCapabilityAdded: containerGauge('docker_audit_container_capability_added', 'Present with value 1 for each capability the container has beyond its engine\'s default set (--cap-add; "ALL" for --cap-add ALL): Docker\'s set on dockerd, Podman\'s narrower one on Podman (docker_audit_podman_default_capability). An add the engine grants anyway changes nothing and has no series.', ['capability']),
  containerSeccompUnconfined: containerGauge('docker_audit_container_seccomp_unconfined', 'Whether the container runs without a seccomp profile (seccomp=unconfined, or --privileged).'),
  containerApparmorUnconfined: containerGauge('docker_audit_container_apparmor_unconfined', 'Whether the container is kept out of AppArmor confinement (apparmor=unconfined, or --privileged).'),
  containerNoNewPrivileges: containerGauge('docker_audit_container_no_new_privileges', 'Whether the container runs with no-new-privileges: its own --security-opt no-new-privileges, else the daemon\'s default (docker_audit_daemon_no_new_privileges_default; off when the daemon\'s settings cannot be read).'),
  containerReadOnlyRootfs: containerGauge('docker_audit_container_read_only_rootfs', 'Whether the container\'s root filesystem is read-only.'),
  containerPublishedPort: containerGauge('docker_audit_container_published_port', 'Present with value 1 for each port the container publishes on the host, as configured at create time (host_port "" for a port Docker picks at start: -P, or -p without a host port).', ['host_ip', 'host_port', 'container_port', 'protocol']),
  containerHealthcheckConfigured: containerGauge('docker_audit_container_healthcheck_configured', 'Whether a healthcheck is configured, by the container or its image.'),
  containerHealthStatus: containerGauge('docker_audit_container_health_status', 'Present with value 1 for the current health status (starting, healthy, unhealthy), when a healthcheck is configured.', ['status']),
  containerOomKilled: containerGauge('docker_audit_container_oom_killed', 'Whether the container\'s last run ended with the kernel\'s OOM killer.'),
  containerExitCode: containerGauge('docker_audit_container_exit_code', 'Exit code of the container\'s last run.'),
  containerStarted: containerGauge('docker_audit_container_started_timestamp_seconds', 'Unix time at which the container last started; absent if it never started.'),

  // Counts per state: the numbers a dashboard shows first. Every state is present, 0 included.
  containers: family('containers', 'gauge', 'docker_audit_containers', 'Number of containers.', ['state']),
  containersPrivileged: family('containers', 'gauge', 'docker_audit_containers_privileged', 'Number of privileged containers.', ['state']),
  containersRunningAsRoot: family('containers', 'gauge', 'docker_audit_containers_running_as_root', 'Number of containers whose user is root.', ['state']),
  containersWithoutMemoryLimit: family('containers', 'gauge', 'docker_audit_containers_without_memory_limit', 'Number of containers without a memory limit.', ['state']),
  containersWithoutCpuLimit: family('containers', 'gauge', 'docker_audit_containers_without_cpu_limit', 'Number of containers without a CPU limit.', ['state']),
} as const satisfies Record<string, MetricFamily>;
