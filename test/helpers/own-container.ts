// What the exporter's /metrics says of one container (its own, in the image and compose
// tests): a family's series without the container's identifying labels, and the hardening the
// exporter checks other containers for, as one value to compare. docker-image.test.ts (docker
// run) and compose.test.ts (docker-compose up) both hold the image to the same checks.
import { seriesLines, type ParsedSeries } from './exposition';

/** The container's series of one family, as "labels => value" without name, id, image and state. */
export function ownLines(series: readonly ParsedSeries[], family: string, name: string, extra: Record<string, string> = {}): string[] {
  return seriesLines(series, family, { name, ...extra }, ['id', 'image', 'state', 'name']).map((line) => {
    const m = /^[^{]*\{(.*)\} (\S+)$/.exec(line)!;
    return `${m[1]}${m[1] ? ' ' : ''}=> ${m[2]}`;
  });
}

const HARDENING_FAMILIES = [
  'running_as_root',
  'privileged',
  'read_only_rootfs',
  'no_new_privileges',
  'healthcheck_configured',
  'memory_limit_bytes',
  'pids_limit',
  'cpu_limit_cores',
  'capability_added',
] as const;

/** The container's hardening series, by family (docker_audit_container_<family>). */
export function ownHardening(series: readonly ParsedSeries[], name: string): Record<string, string[]> {
  return Object.fromEntries(HARDENING_FAMILIES.map((f) => [f, ownLines(series, `docker_audit_container_${f}`, name)]));
}

/** What ownHardening shows for a container run as the exporter's is: not root, not privileged, read-only, no new privileges, a healthcheck, these limits, no capability added. */
export function hardenedAs(limits: { memoryBytes: number; pids: number; cpus: number }): Record<string, string[]> {
  return {
    running_as_root: ['=> 0'],
    privileged: ['=> 0'],
    read_only_rootfs: ['=> 1'],
    no_new_privileges: ['=> 1'],
    healthcheck_configured: ['=> 1'],
    memory_limit_bytes: [`=> ${limits.memoryBytes}`],
    pids_limit: [`=> ${limits.pids}`],
    cpu_limit_cores: [`=> ${limits.cpus}`],
    capability_added: [],
  };
}
