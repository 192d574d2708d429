// The collector table: every collector the exporter has, in one place. Importing this
// file builds nothing; main() creates the enabled ones from their flags.
import { createAuditRulesCollector } from './auditrules';
import { createAuditlogCollector } from './auditlog';
import type { CollectorDefinition } from './collector';
import { createCisCollector } from './cis';
import { createContainersCollector } from './containers';
import { createDaemonCollector } from './daemon';
import { createEngineCollector } from './engine';
import { createEventsCollector } from './events';
import { createImageOsCollector } from './imageos';
import { createFirewallCollector } from './firewall';
import { createHostCollector } from './host';
import { createImagesCollector } from './images';
import { createProcessesCollector } from './processes';
import { createLogsCollector } from './logs';
import { createResourcesCollector } from './resources';

export const COLLECTORS: readonly CollectorDefinition[] = [
  {
    name: 'engine',
    description: 'Docker Engine reachability and version (docker_audit_engine_*)',
    enabledByDefault: true,
    create: createEngineCollector,
  },
  {
    name: 'containers',
    description: 'posture of every container, running or not (docker_audit_container_*, docker_audit_containers_*)',
    enabledByDefault: true,
    create: createContainersCollector,
  },
  {
    name: 'daemon',
    description: 'the daemon\'s effective settings, listeners, an active probe for an unauthenticated TCP API, and the owner and mode of its files (docker_audit_daemon_*)',
    enabledByDefault: true,
    create: createDaemonCollector,
  },
  {
    name: 'images',
    description: 'every image\'s age, size, user, healthcheck, provenance and use, and Trivy vulnerability counts (docker_audit_image_*, docker_audit_images, docker_audit_trivy_*)',
    enabledByDefault: true,
    create: createImagesCollector,
  },
  {
    name: 'imageos',
    description: 'each image\'s operating system from its os-release, read from an existing container of it (never one created to look), and whether that OS release is past its end of life (docker_audit_image_os_*)',
    enabledByDefault: true,
    create: createImageOsCollector,
  },
  {
    name: 'resources',
    description: 'volumes and user networks and whether containers use them, and the space pruning would reclaim (docker_audit_volume*, docker_audit_network*, docker_audit_reclaimable_bytes)',
    enabledByDefault: true,
    create: createResourcesCollector,
  },
  {
    name: 'processes',
    description: 'the processes of each running container, as `docker top`: how many, and whether any is an init system, supervisor, sshd, cron or syslog daemon (a whole OS); one engine call per container per --collector.processes.interval (docker_audit_container_processes, docker_audit_container_full_os_process)',
    enabledByDefault: true,
    create: createProcessesCollector,
  },
  {
    name: 'events',
    description: 'the engine event stream: events by type and action, docker exec runs, privileged and as root (docker_audit_engine_events_*, docker_audit_container_exec_total, docker_audit_exec_*); reports nothing in --once mode',
    enabledByDefault: true,
    create: createEventsCollector,
  },
  {
    name: 'auditrules',
    description: 'audit rules watching the CIS 1.1.x Docker paths, from auditctl -l or the rules files, and the kernel audit status (docker_audit_rule_*, docker_audit_rules_source, docker_audit_kernel_audit_*)',
    enabledByDefault: true,
    create: createAuditRulesCollector,
  },
  {
    name: 'auditlog',
    description: 'the Linux audit log, followed incrementally: events by key, syscall and success, records by type, events by executable (docker_audit_log_*)',
    enabledByDefault: true,
    create: createAuditlogCollector,
  },
  {
    name: 'logs',
    description: 'every container\'s log driver and log rotation, and its json-file log read incrementally from the host\'s files: size on disk, lines by stream and level (error, warning, other) (docker_audit_container_log_*, docker_audit_container_logs_*)',
    enabledByDefault: true,
    create: createLogsCollector,
  },
  {
    name: 'host',
    description: 'host-level protections: AppArmor, SELinux, seccomp, the cgroup version, the kernel release, user namespaces and kernel lockdown, from --host.proc-path and --host.sys-path (docker_audit_host_*)',
    enabledByDefault: true,
    create: createHostCollector,
  },
  {
    name: 'cis',
    description: 'CIS Docker Benchmark v1.6 checks (docker_audit_cis_*)',
    enabledByDefault: true,
    create: (deps) => createCisCollector(deps),
  },
  {
    name: 'firewall',
    description: 'the host\'s iptables filter rules around Docker: the DOCKER-USER rules, the FORWARD policy, the backend, and the ports running containers publish on all interfaces with no DOCKER-USER rule in front (docker_audit_firewall_*, docker_audit_container_published_port_unfiltered); off by default, as it needs CAP_NET_ADMIN in the host\'s network namespace',
    enabledByDefault: false,
    create: createFirewallCollector,
  },
];

export const COLLECTOR_NAMES: readonly string[] = COLLECTORS.map((c) => c.name);

/** The collectors a run without --[no-]collector.* flags has. */
export const DEFAULT_COLLECTOR_NAMES: readonly string[] = COLLECTORS.filter((c) => c.enabledByDefault).map((c) => c.name);
