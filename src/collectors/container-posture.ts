// Pure functions from a container's inspect JSON to its posture samples. No I/O here:
// unit tests feed them JSON recorded from a real engine.
import * as path from 'node:path';
import { METRICS, type ContainerLabel, type MetricFamily } from '../metrics/catalog';
import { flag, sample, type Sample } from '../metrics/sample';
import type { ContainerInspect, MountPoint, PortBinding } from '../docker/types';

/**
 * Host paths whose bind mount into a container weakens the host (CIS Docker Benchmark 5.5,
 * and the socket and data directories that hand over the daemon itself). Subpaths count
 * too, except for "/", which matches only a mount of the root itself.
 */
export const DEFAULT_SENSITIVE_PATHS: readonly string[] = [
  '/',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/proc',
  '/sys',
  '/usr',
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/lib/docker',
  '/run/containerd',
];

/** Where the Docker socket lives on Linux hosts (/var/run is usually a link to /run). */
export const DEFAULT_DOCKER_SOCKET_PATHS: readonly string[] = ['/var/run/docker.sock', '/run/docker.sock'];

/** Namespace name in the metric, and the HostConfig field whose value "host" shares it. */
export const HOST_NAMESPACE_FIELDS = [
  ['network', 'NetworkMode'],
  ['pid', 'PidMode'],
  ['ipc', 'IpcMode'],
  ['uts', 'UTSMode'],
  ['userns', 'UsernsMode'],
  ['cgroup', 'CgroupnsMode'],
] as const;

export interface PostureOptions {
  sensitivePaths: readonly string[];
  dockerSocketPaths: readonly string[];
}

/** What the per-state counts need from one container. */
export interface PostureSummary {
  state: string;
  privileged: boolean;
  runningAsRoot: boolean;
  hasMemoryLimit: boolean;
  hasCpuLimit: boolean;
}

/** Normalises a POSIX host path: no trailing slash, no "." or ".." segments. Other paths are returned as they are. */
export function normaliseHostPath(p: string): string {
  if (!p.startsWith('/')) return p; // Windows-style ("C:\\x") or empty: never a sensitive Linux path
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Whether `p` is `base` or below it; "/" contains only itself. */
export function isSameOrUnder(p: string, base: string): boolean {
  if (base === '/') return p === '/';
  return p === base || p.startsWith(base + '/');
}

/** Whether `dir` is `p` or one of its ancestors (mounting /var/run exposes /var/run/docker.sock). */
export function isSameOrAncestor(dir: string, p: string): boolean {
  return dir === p || dir === '/' || p.startsWith(dir + '/');
}

export function userIsRoot(user: string | undefined): boolean {
  const name = (user ?? '').trim().split(':')[0];
  return name === '' || name === '0' || name === 'root';
}

export function cpuLimitCores(hc: ContainerInspect['HostConfig']): number {
  if (hc?.NanoCpus && hc.NanoCpus > 0) return hc.NanoCpus / 1e9;
  if (hc?.CpuQuota && hc.CpuQuota > 0) return hc.CpuQuota / (hc.CpuPeriod && hc.CpuPeriod > 0 ? hc.CpuPeriod : 100_000);
  return 0;
}

export function pidsLimit(hc: ContainerInspect['HostConfig']): number {
  const limit = hc?.PidsLimit;
  return limit && limit > 0 ? limit : 0; // Docker's null, 0 and -1 all mean unlimited
}

/** "cap_net_admin" and "CAP_NET_ADMIN" are the same capability to Docker: report "NET_ADMIN". */
export function normaliseCapability(cap: string): string {
  return cap.trim().toUpperCase().replace(/^CAP_/, '');
}

/** Docker accepts both "seccomp=unconfined" and the older "seccomp:unconfined". */
export function securityOpt(opts: readonly string[] | null | undefined, key: string): string | undefined {
  for (const opt of opts ?? []) {
    const m = /^([^=:]+)[=:](.*)$/.exec(opt);
    if (m && m[1] === key) return m[2];
    if (opt === key) return '';
  }
  return undefined;
}

/** Parses an Engine API time; undefined for Docker's zero time (never happened). */
export function parseDockerTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  // Docker sends nanoseconds; Date.parse wants at most milliseconds.
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms) || ms <= 0) return undefined;
  return ms / 1000;
}

export function isHealthcheckConfigured(inspect: ContainerInspect): boolean {
  const test = inspect.Config?.Healthcheck?.Test;
  return !!test && test.length > 0 && test[0] !== 'NONE';
}

interface PublishedPort {
  hostIp: string;
  hostPort: string;
  containerPort: string;
  protocol: string;
}

/**
 * Ports published on the host. A running container's NetworkSettings show the ports
 * actually bound (including those -P picked); a stopped one only has its configured
 * PortBindings, which is what it will bind when it starts.
 */
export function publishedPorts(inspect: ContainerInspect): PublishedPort[] {
  const live = inspect.NetworkSettings?.Ports ?? {};
  const hasLive = Object.values(live).some((b) => b && b.length > 0);
  const source: Record<string, PortBinding[] | null> = (hasLive ? live : inspect.HostConfig?.PortBindings) ?? {};
  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(source)) {
    const [containerPort, protocol = 'tcp'] = key.split('/');
    for (const b of bindings ?? []) {
      ports.push({ hostIp: b.HostIp || '0.0.0.0', hostPort: b.HostPort ?? '', containerPort, protocol });
    }
  }
  return ports;
}

export function bindMounts(inspect: ContainerInspect): MountPoint[] {
  return (inspect.Mounts ?? []).filter((m) => m.Type === 'bind' && typeof m.Source === 'string');
}

export function containerName(inspect: ContainerInspect): string {
  return (inspect.Name ?? '').replace(/^\//, '');
}

/** Turns one container's inspect JSON into its samples and the facts the counts need. */
export function containerPosture(inspect: ContainerInspect, options: PostureOptions): { samples: Sample[]; summary: PostureSummary } {
  const hc = inspect.HostConfig ?? {};
  const state = inspect.State?.Status ?? 'unknown';
  const base: Record<ContainerLabel, string> = {
    name: containerName(inspect),
    id: inspect.Id.slice(0, 12),
    image: inspect.Config?.Image ?? '',
    state,
  };
  const labels = inspect.Config?.Labels ?? {};
  const out: Sample[] = [];
  const add = <L extends string>(family: MetricFamily<L>, extra: Record<Exclude<L, ContainerLabel>, string> | null, value: number) =>
    out.push(sample(family, { ...base, ...(extra ?? {}) } as Record<L, string>, value));

  add(
    METRICS.containerInfo,
    {
      image_id: inspect.Image ?? '',
      compose_project: labels['com.docker.compose.project'] ?? '',
      compose_service: labels['com.docker.compose.service'] ?? '',
    },
    1,
  );

  const privileged = hc.Privileged === true;
  const runningAsRoot = userIsRoot(inspect.Config?.User);
  const memory = hc.Memory && hc.Memory > 0 ? hc.Memory : 0;
  const cpu = cpuLimitCores(hc);
  add(METRICS.containerPrivileged, null, flag(privileged));
  add(METRICS.containerRunningAsRoot, null, flag(runningAsRoot));
  add(METRICS.containerRestartCount, null, inspect.RestartCount ?? 0);
  add(METRICS.containerMemoryLimit, null, memory);
  add(METRICS.containerCpuLimit, null, cpu);
  add(METRICS.containerPidsLimit, null, pidsLimit(hc));

  for (const [namespace, field] of HOST_NAMESPACE_FIELDS) {
    if (hc[field] === 'host') add(METRICS.containerHostNamespace, { namespace }, 1);
  }

  const sensitive = options.sensitivePaths.map(normaliseHostPath);
  const sockets = options.dockerSocketPaths.map(normaliseHostPath);
  let socketMounted = false;
  for (const m of bindMounts(inspect)) {
    const source = normaliseHostPath(m.Source!);
    if (sensitive.some((base) => isSameOrUnder(source, base))) {
      add(METRICS.containerSensitiveMount, { source, destination: m.Destination ?? '', read_only: String(m.RW === false) }, 1);
    }
    if (sockets.some((sock) => isSameOrAncestor(source, sock))) socketMounted = true;
  }
  add(METRICS.containerDockerSocketMounted, null, flag(socketMounted));

  for (const cap of new Set((hc.CapAdd ?? []).map(normaliseCapability))) {
    add(METRICS.containerCapabilityAdded, { capability: cap }, 1);
  }

  // --privileged turns off seccomp and AppArmor confinement whatever SecurityOpt says.
  const seccomp = securityOpt(hc.SecurityOpt, 'seccomp');
  const apparmor = securityOpt(hc.SecurityOpt, 'apparmor');
  add(METRICS.containerSeccompUnconfined, null, flag(privileged || seccomp === 'unconfined'));
  add(METRICS.containerApparmorUnconfined, null, flag(privileged || apparmor === 'unconfined' || inspect.AppArmorProfile === 'unconfined'));
  const nnp = securityOpt(hc.SecurityOpt, 'no-new-privileges');
  add(METRICS.containerNoNewPrivileges, null, flag(nnp === '' || nnp === 'true'));
  add(METRICS.containerReadOnlyRootfs, null, flag(hc.ReadonlyRootfs === true));

  const seenPorts = new Set<string>();
  for (const p of publishedPorts(inspect)) {
    const key = [p.hostIp, p.hostPort, p.containerPort, p.protocol].join('\u0000');
    if (seenPorts.has(key)) continue;
    seenPorts.add(key);
    add(METRICS.containerPublishedPort, { host_ip: p.hostIp, host_port: p.hostPort, container_port: p.containerPort, protocol: p.protocol }, 1);
  }

  const healthcheck = isHealthcheckConfigured(inspect);
  add(METRICS.containerHealthcheckConfigured, null, flag(healthcheck));
  const health = inspect.State?.Health?.Status;
  if (healthcheck && health) add(METRICS.containerHealthStatus, { status: health }, 1);

  add(METRICS.containerOomKilled, null, flag(inspect.State?.OOMKilled));
  add(METRICS.containerExitCode, null, inspect.State?.ExitCode ?? 0);
  const started = parseDockerTime(inspect.State?.StartedAt);
  if (started !== undefined) add(METRICS.containerStarted, null, started);

  return {
    samples: out,
    summary: { state, privileged, runningAsRoot, hasMemoryLimit: memory > 0, hasCpuLimit: cpu > 0 },
  };
}
