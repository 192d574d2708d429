// The container posture: one pure function from a container's inspect JSON to everything
// the exporter judges about it. The containers collector turns it into samples and every
// CIS container check (src/cis/) reads it; no rule about a container is written anywhere
// else, so a metric and a check can never disagree about the same container. No I/O here:
// unit tests feed it JSON recorded from a real engine.
import * as path from 'node:path';
import type { ContainerInspect, MountPoint, PortBinding } from '../readers/engine-types';
import { capabilitiesBeyondDefault, DOCKER_DEFAULT_CAPABILITIES } from './capabilities';

/** The states Docker reports for a container, in the order of its state machine. */
export const CONTAINER_STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'] as const;

/** Namespace name in the metric, and the HostConfig field whose value "host" shares it. */
export const HOST_NAMESPACE_FIELDS = [
  ['network', 'NetworkMode'],
  ['pid', 'PidMode'],
  ['ipc', 'IpcMode'],
  ['uts', 'UTSMode'],
  ['userns', 'UsernsMode'],
  ['cgroup', 'CgroupnsMode'],
] as const;
export type HostNamespace = (typeof HOST_NAMESPACE_FIELDS)[number][0];

/** The container label that waives CIS checks: `docker-audit.waive=5.10,5.14`. */
export const WAIVE_LABEL = 'docker-audit.waive';

export interface PostureOptions {
  /** Host paths whose bind mounts are sensitive (--collector.containers.sensitive-paths). */
  readonly sensitivePaths: readonly string[];
  /** The Docker socket's paths: a mount of one of them, or of a folder above one, hands over the daemon. */
  readonly dockerSocketPaths: readonly string[];
  /** The capabilities the engine grants every container (Podman's set is narrower than Docker's); Docker's when not given. */
  readonly engineDefaultCapabilities?: ReadonlySet<string>;
}

export interface PublishedPort {
  readonly hostIp: string;
  /** "" for a port Docker picks when the container starts. */
  readonly hostPort: string;
  readonly containerPort: string;
  readonly protocol: string;
}

export interface SensitiveMount {
  readonly source: string;
  readonly destination: string;
  readonly readOnly: boolean;
}

export interface ContainerPosture {
  // Identity: fixed for the container's life (a rename aside).
  /** Full id (64 hex). */
  readonly id: string;
  /** 12 hex characters, as `docker ps` shows it. */
  readonly shortId: string;
  /** Without the leading "/". */
  readonly name: string;
  /** The image reference the container was created from (Config.Image). */
  readonly image: string;
  /** The short id of that image, as docker_audit_image_info's id. */
  readonly imageId: string;
  readonly composeProject: string;
  readonly composeService: string;
  /** The docker-audit.waive label, as written. */
  readonly waiver: string | undefined;

  // State: changes while the container lives.
  readonly state: string;
  readonly running: boolean;
  readonly restartCount: number;
  readonly healthStatus: string | undefined;
  readonly oomKilled: boolean;
  readonly exitCode: number;
  /** Unix seconds; undefined if it never started. */
  readonly startedAtSeconds: number | undefined;

  // Privileges.
  readonly privileged: boolean;
  readonly user: string;
  readonly runningAsRoot: boolean;
  /** Held beyond the engine's default set (CIS 5.4): normalised (NET_ADMIN), sorted, or ["ALL"] (capabilities.ts). */
  readonly capabilitiesAdded: readonly string[];
  readonly seccompUnconfined: boolean;
  readonly apparmorUnconfined: boolean;
  readonly selinuxDisabled: boolean;
  /** The container's own no-new-privileges option; undefined when it sets none and the daemon's default applies. */
  readonly noNewPrivilegesOption: boolean | undefined;
  readonly readOnlyRootfs: boolean;
  readonly hostNamespaces: readonly HostNamespace[];

  // Resources.
  readonly memoryLimitBytes: number;
  readonly cpuLimitCores: number;
  readonly cpuShares: number;
  readonly pidsLimit: number;
  readonly cgroupParent: string | undefined;

  // Mounts and devices.
  readonly sensitiveMounts: readonly SensitiveMount[];
  readonly dockerSocketMounted: boolean;
  readonly sharedPropagation: boolean;
  readonly devices: number;

  // Network.
  readonly publishedPorts: readonly PublishedPort[];
  readonly publishesOnAllInterfaces: boolean;
  readonly publishesPrivilegedPort: boolean;
  readonly onDefaultBridge: boolean;

  // Lifecycle.
  readonly restartPolicyUnbounded: boolean;
  readonly healthcheckConfigured: boolean;

  // Logging.
  /** HostConfig.LogConfig.Type: json-file, local, none, journald, ...; "" when the inspect has none. */
  readonly logDriver: string;
  /** Whether the driver's files on this host are bounded: json-file with max-size, or local (which rotates by default). */
  readonly logRotationConfigured: boolean;
  /** The json-file log's host path as the engine reports it (LogPath); "" for other drivers. Not yet checked: see model/container-log.ts. */
  readonly logPath: string;
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

/** A user that is root: empty (the image's default, root unless set), 0, root, 0:* or root:*. */
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

/** A healthcheck other than NONE, of the container or inherited from its image (Docker merges both into Config). */
export function healthcheckConfigured(test: readonly string[] | null | undefined): boolean {
  return !!test && test.length > 0 && test[0] !== 'NONE';
}

/** "sha256:93629305c687..." -> "93629305c687". */
export function shortImageId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function containerName(inspect: Pick<ContainerInspect, 'Name'>): string {
  return (inspect.Name ?? '').replace(/^\//, '');
}

/**
 * Ports published on the host, as configured when the container was created: its
 * PortBindings, and with -P every exposed port not bound already. They do not change while
 * the container lives, whether it runs or not (the ports a running container bound are
 * those, with the ones Docker picked filled in; `docker port` shows them).
 */
export function publishedPorts(inspect: ContainerInspect): PublishedPort[] {
  const ports: PublishedPort[] = [];
  const seen = new Set<string>();
  const add = (key: string, b: PortBinding) => {
    const [containerPort, protocol = 'tcp'] = key.split('/');
    const port = { hostIp: b.HostIp || '0.0.0.0', hostPort: b.HostPort ?? '', containerPort, protocol };
    const id = JSON.stringify([port.hostIp, port.hostPort, containerPort, protocol]);
    if (seen.has(id)) return;
    seen.add(id);
    ports.push(port);
  };
  const bindings = inspect.HostConfig?.PortBindings ?? {};
  for (const [key, list] of Object.entries(bindings)) for (const b of list ?? []) add(key, b);
  if (inspect.HostConfig?.PublishAllPorts) {
    for (const key of Object.keys(inspect.Config?.ExposedPorts ?? {})) {
      if (!(bindings[key] ?? []).length) add(key, { HostIp: '', HostPort: '' });
    }
  }
  return ports;
}

function bindMounts(inspect: ContainerInspect): (MountPoint & { Source: string })[] {
  return (inspect.Mounts ?? []).filter((m): m is MountPoint & { Source: string } => m.Type === 'bind' && typeof m.Source === 'string');
}

/** Host IPs that mean every interface of the host. */
export const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['', '0.0.0.0', '::', '[::]']);
const SHARED_PROPAGATION = new Set(['shared', 'rshared']);

/**
 * CIS 5.15: no restart policy, or on-failure with 1 to 5 retries, is bounded; always,
 * unless-stopped and on-failure without a count (or over 5) restart without bound.
 */
function restartPolicyUnbounded(policy: { Name?: string; MaximumRetryCount?: number } | undefined): boolean {
  const name = policy?.Name ?? '';
  if (name === '' || name === 'no') return false;
  if (name === 'on-failure') {
    const retries = policy?.MaximumRetryCount ?? 0;
    return retries <= 0 || retries > 5;
  }
  return true;
}

/**
 * Whether a container's log files on this host are bounded. json-file keeps one file that
 * grows without end unless max-size is set (max-file alone does nothing: it needs
 * max-size); local rotates by default (20 MB x 5, moby daemon/logger/local) and cannot be
 * made unbounded. The daemon's log-opts (daemon.json "log-opts", dockerd --log-opt) are
 * merged into LogConfig.Config when the container is created with the daemon's default
 * driver, so the container's own Config is the whole truth; a container created before
 * daemon.json gained max-size keeps its unbounded log until it is created again.
 * Every other driver (none, journald, syslog, fluentd...) is 0 here: this exporter cannot
 * see its rotation, if it has one (docker_audit_container_log_driver tells them apart).
 */
export function logRotationConfigured(config: { Type?: string; Config?: Record<string, string> | null } | undefined): boolean {
  if (config?.Type === 'local') return true;
  const maxSize = config?.Config?.['max-size'];
  return config?.Type === 'json-file' && typeof maxSize === 'string' && maxSize.trim() !== '';
}

/** The container's posture from its inspect. Pure. */
export function containerPosture(inspect: ContainerInspect, options: PostureOptions): ContainerPosture {
  const hc = inspect.HostConfig ?? {};
  const labels = inspect.Config?.Labels ?? {};
  const privileged = hc.Privileged === true;
  const user = inspect.Config?.User ?? '';

  const capabilitiesAdded = capabilitiesBeyondDefault(hc.CapAdd, hc.CapDrop, options.engineDefaultCapabilities ?? DOCKER_DEFAULT_CAPABILITIES);

  const sensitive = options.sensitivePaths.map(normaliseHostPath);
  const sockets = options.dockerSocketPaths.map(normaliseHostPath);
  const sensitiveMounts: SensitiveMount[] = [];
  const seenMounts = new Set<string>();
  let dockerSocketMounted = false;
  for (const m of bindMounts(inspect)) {
    const source = normaliseHostPath(m.Source);
    if (sensitive.some((base) => isSameOrUnder(source, base))) {
      const mount = { source, destination: m.Destination ?? '', readOnly: m.RW === false };
      const id = JSON.stringify([mount.source, mount.destination, mount.readOnly]);
      if (!seenMounts.has(id)) sensitiveMounts.push(mount);
      seenMounts.add(id);
    }
    if (sockets.some((sock) => isSameOrAncestor(source, sock))) dockerSocketMounted = true;
  }

  // --privileged turns off seccomp, AppArmor and SELinux confinement whatever SecurityOpt says.
  const seccomp = securityOpt(hc.SecurityOpt, 'seccomp');
  const apparmor = securityOpt(hc.SecurityOpt, 'apparmor');
  const label = securityOpt(hc.SecurityOpt, 'label');
  const nnp = securityOpt(hc.SecurityOpt, 'no-new-privileges');

  const ports = publishedPorts(inspect);
  const networkMode = hc.NetworkMode ?? 'default';
  const memory = hc.Memory && hc.Memory > 0 ? hc.Memory : 0;
  const healthcheck = healthcheckConfigured(inspect.Config?.Healthcheck?.Test);

  return {
    id: inspect.Id,
    shortId: inspect.Id.slice(0, 12),
    name: containerName(inspect),
    image: inspect.Config?.Image ?? '',
    imageId: shortImageId(inspect.Image ?? ''),
    composeProject: labels['com.docker.compose.project'] ?? '',
    composeService: labels['com.docker.compose.service'] ?? '',
    waiver: labels[WAIVE_LABEL],

    state: inspect.State?.Status ?? 'unknown',
    running: inspect.State?.Running === true,
    restartCount: inspect.RestartCount ?? 0,
    healthStatus: healthcheck ? inspect.State?.Health?.Status || undefined : undefined,
    oomKilled: inspect.State?.OOMKilled === true,
    exitCode: inspect.State?.ExitCode ?? 0,
    startedAtSeconds: parseDockerTime(inspect.State?.StartedAt),

    privileged,
    user,
    runningAsRoot: userIsRoot(user),
    capabilitiesAdded,
    seccompUnconfined: privileged || seccomp === 'unconfined',
    // An empty AppArmorProfile is not "unconfined": dockerd fills in docker-default when it
    // starts the container on a host with AppArmor, and there is no profile to apply elsewhere.
    apparmorUnconfined: privileged || apparmor === 'unconfined' || inspect.AppArmorProfile === 'unconfined',
    selinuxDisabled: privileged || label === 'disable' || label === 'type:unconfined_t',
    noNewPrivilegesOption: nnp === undefined ? undefined : nnp === '' || nnp === 'true',
    readOnlyRootfs: hc.ReadonlyRootfs === true,
    hostNamespaces: HOST_NAMESPACE_FIELDS.filter(([, field]) => hc[field] === 'host').map(([ns]) => ns),

    memoryLimitBytes: memory,
    cpuLimitCores: cpuLimitCores(hc),
    cpuShares: hc.CpuShares && hc.CpuShares > 0 ? hc.CpuShares : 0,
    pidsLimit: pidsLimit(hc),
    cgroupParent: hc.CgroupParent || undefined,

    sensitiveMounts,
    dockerSocketMounted,
    sharedPropagation: (inspect.Mounts ?? []).some((m) => SHARED_PROPAGATION.has(m.Propagation ?? '')),
    devices: (hc.Devices ?? []).length,

    publishedPorts: ports,
    publishesOnAllInterfaces: ports.some((p) => WILDCARD_HOSTS.has(p.hostIp)),
    // 0 or empty means "any free port", which Docker picks from the ephemeral range.
    publishesPrivilegedPort: ports.some((p) => {
      const port = Number(p.hostPort);
      return p.hostPort !== '' && Number.isInteger(port) && port > 0 && port < 1024;
    }),
    // On Linux, NetworkMode "default" is the default bridge, docker0.
    onDefaultBridge: networkMode === 'default' || networkMode === 'bridge',

    restartPolicyUnbounded: restartPolicyUnbounded(hc.RestartPolicy),
    healthcheckConfigured: healthcheck,

    logDriver: hc.LogConfig?.Type ?? '',
    logRotationConfigured: logRotationConfigured(hc.LogConfig),
    logPath: hc.LogConfig?.Type === 'json-file' ? inspect.LogPath ?? '' : '',
  };
}

/** The no_new_privs a container gets: its own option, else the daemon's default (--no-new-privileges). */
export function effectiveNoNewPrivileges(posture: Pick<ContainerPosture, 'noNewPrivilegesOption'>, daemonDefault: boolean): boolean {
  return posture.noNewPrivilegesOption ?? daemonDefault;
}

/** What --collector.containers.detail may be: every container's series, or the posture series only of containers with a finding. */
export const CONTAINER_DETAILS = ['all', 'findings'] as const;
export type ContainerDetail = (typeof CONTAINER_DETAILS)[number];

/**
 * The findings a container's own series can show, each named after what is wrong, with the
 * CIS check that judges the same posture field. The CIS container checks that no
 * per-container series shows (5.3 SELinux, 5.15 restart policy, 5.18 devices, 5.20 shared
 * propagation, 5.25 cgroup parent, 5.30 default bridge) are not findings here: their
 * failing containers stay named on docker_audit_cis_check_failure.
 */
export const CONTAINER_FINDINGS = [
  'privileged', // CIS 5.5
  'running_as_root', // CIS 4.1: no user created for the container
  'no_memory_limit', // CIS 5.11
  'no_cpu_limit', // CIS 5.12 (CPU priority) also accepts --cpu-shares; here, as docker_audit_containers_without_cpu_limit, only a limit
  'no_pids_limit', // CIS 5.29
  'host_namespace', // CIS 5.10, 5.16, 5.17, 5.21, 5.31: network, pid, ipc, uts, userns (not cgroup)
  'capability_added', // CIS 5.4: a capability beyond Docker's default set
  'sensitive_mount', // CIS 5.6
  'docker_socket_mounted', // CIS 5.32
  'seccomp_unconfined', // CIS 5.22
  'apparmor_unconfined', // CIS 5.2
  'new_privileges_allowed', // CIS 5.26: no effective no-new-privileges
  'writable_rootfs', // CIS 5.13
  'published_on_all_interfaces', // CIS 5.14
  'published_privileged_port', // CIS 5.8
  'no_healthcheck', // CIS 5.27
] as const;
export type ContainerFinding = (typeof CONTAINER_FINDINGS)[number];

/**
 * The container's findings, in CONTAINER_FINDINGS order; none means the container is clean
 * and, with --collector.containers.detail=findings, only its state and info series are
 * served. Pure. `daemonNoNewPrivileges` is the daemon's default, as effectiveNoNewPrivileges.
 *
 * Two series a clean container may still have in full detail are not findings: a
 * host_namespace{namespace="cgroup"} (Docker 20.10's default on cgroup v1 hosts, no CIS
 * check) and a capability_added of one of Docker's default capabilities (adding it changes
 * nothing: --cap-drop ALL --cap-add NET_BIND_SERVICE is hardening). A published port bound
 * to one address at 1024 or above is not one either.
 */
export function containerFindings(p: ContainerPosture, daemonNoNewPrivileges: boolean): ContainerFinding[] {
  const found: Record<ContainerFinding, boolean> = {
    privileged: p.privileged,
    running_as_root: p.runningAsRoot,
    no_memory_limit: p.memoryLimitBytes === 0,
    no_cpu_limit: p.cpuLimitCores === 0,
    no_pids_limit: p.pidsLimit === 0,
    host_namespace: p.hostNamespaces.some((ns) => ns !== 'cgroup'),
    capability_added: p.capabilitiesAdded.length > 0,
    sensitive_mount: p.sensitiveMounts.length > 0,
    docker_socket_mounted: p.dockerSocketMounted,
    seccomp_unconfined: p.seccompUnconfined,
    apparmor_unconfined: p.apparmorUnconfined,
    new_privileges_allowed: !effectiveNoNewPrivileges(p, daemonNoNewPrivileges),
    writable_rootfs: !p.readOnlyRootfs,
    published_on_all_interfaces: p.publishesOnAllInterfaces,
    published_privileged_port: p.publishesPrivilegedPort,
    no_healthcheck: !p.healthcheckConfigured,
  };
  return CONTAINER_FINDINGS.filter((f) => found[f]);
}

/** Whether the container has at least one finding (containerFindings). Pure. */
export function hasContainerFinding(p: ContainerPosture, daemonNoNewPrivileges: boolean): boolean {
  return containerFindings(p, daemonNoNewPrivileges).length > 0;
}
