// Collector "processes": what `docker top` shows of each running container.
// Families are added to the catalog (src/metrics/catalog.ts) through this object.
//
// Per-container series carry name, id and image, as every per-container series
// (families/containers.ts); full_os_process adds the process name, one of the bounded list
// --collector.processes.full-os-names, so a container has at most that many of them.
import { family, type MetricFamily } from '../family';
import { CONTAINER_LABELS } from './containers';

export const PROCESSES_METRICS = {
  containerProcesses: family('processes', 'gauge', 'docker_audit_container_processes', 'Processes running in the container, as `docker top` lists them (GET /containers/{id}/top); running containers only, each read once per --collector.processes.interval and at once when it starts.', [...CONTAINER_LABELS]),
  containerFullOsProcess: family('processes', 'gauge', 'docker_audit_container_full_os_process', 'Present with value 1 for each process name of --collector.processes.full-os-names (init systems, supervisors, sshd, cron, syslog: a whole OS rather than one service) running in the container; the name is the basename of the first word of the command line.', [...CONTAINER_LABELS, 'process']),
  containerProcessesReadErrors: family('processes', 'counter', 'docker_audit_container_processes_read_errors_total', 'Reads of a container\'s processes (GET /containers/{id}/top) that failed while the engine itself answered; a container stopped or removed meanwhile is not counted. The log names each container when it starts failing.', []),
} as const satisfies Record<string, MetricFamily>;
