// Pure evaluators of the CIS checks: facts in, a judgement out (judged, and the offending
// objects). No I/O. Container facts are judged with the same helpers as the containers
// collector (container-posture.ts), so both always agree on what "root", "host namespace"
// or "sensitive mount" mean.
import {
  HOST_NAMESPACE_FIELDS,
  bindMounts,
  containerName,
  cpuLimitCores,
  isHealthcheckConfigured,
  isSameOrAncestor,
  isSameOrUnder,
  normaliseCapability,
  normaliseHostPath,
  pidsLimit,
  publishedPorts,
  securityOpt,
  userIsRoot,
} from '../collectors/container-posture';
import { CIS_FILE_RULES, type DaemonFacts, type DaemonFile, type DaemonSettings } from '../sources/daemon';
import { BUILTIN_INSECURE, parseDockerdArgs } from '../sources/daemon-settings';
import type { ImageFacts } from '../sources/images';
import { NOT_JUDGED, type CisContainer, type CisMount, type CisFacts, type Judgement, type Offender } from './facts';

export type Evaluator = (facts: CisFacts) => Judgement;

const judged = (offenders: Offender[]): Judgement => ({ judged: true, offenders });

// ---------------------------------------------------------------- containers

/**
 * A check of every container (created, running or stopped: unlike docker-bench-security,
 * which only looks at running ones). `offends` says whether one container fails; `needs`
 * names other facts the judgement depends on.
 */
export function eachContainer(offends: (c: CisContainer, facts: CisFacts) => boolean, needs: { daemon?: boolean; execs?: boolean; applies?: (facts: CisFacts) => boolean } = {}): Evaluator {
  return (facts) => {
    if (!facts.containers) return NOT_JUDGED;
    if (needs.daemon && !facts.daemon) return NOT_JUDGED;
    if (needs.execs && !facts.execs) return NOT_JUDGED;
    if (needs.applies && !needs.applies(facts)) return NOT_JUDGED;
    return judged(facts.containers.filter((c) => offends(c, facts)).map((c) => ({ object: containerName(c), kind: 'container' })));
  };
}

type Namespace = (typeof HOST_NAMESPACE_FIELDS)[number][0];
export function sharesHostNamespace(c: CisContainer, namespace: Namespace): boolean {
  const field = HOST_NAMESPACE_FIELDS.find(([ns]) => ns === namespace)![1];
  return c.HostConfig?.[field] === 'host';
}

/** Docker's default capability set (moby oci/caps/defaults.go): adding one of these changes nothing. */
export const DOCKER_DEFAULT_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

export function addsCapabilities(c: CisContainer): boolean {
  return (c.HostConfig?.CapAdd ?? []).map(normaliseCapability).some((cap) => !DOCKER_DEFAULT_CAPABILITIES.has(cap));
}

/** A bind mount of a sensitive host path, read-only or not (reading /etc/shadow is enough to hurt). */
export function mountsSensitivePath(c: CisContainer, sensitivePaths: readonly string[]): boolean {
  const bases = sensitivePaths.map(normaliseHostPath);
  return bindMounts(c).some((m) => bases.some((base) => isSameOrUnder(normaliseHostPath(m.Source!), base)));
}

/** The socket itself, or a directory above it (/var/run, /run, /). */
export function mountsDockerSocket(c: CisContainer, socketPaths: readonly string[]): boolean {
  const sockets = socketPaths.map(normaliseHostPath);
  return bindMounts(c).some((m) => sockets.some((sock) => isSameOrAncestor(normaliseHostPath(m.Source!), sock)));
}

/** --privileged turns seccomp and AppArmor off whatever --security-opt says. */
export function seccompUnconfined(c: CisContainer): boolean {
  return c.HostConfig?.Privileged === true || securityOpt(c.HostConfig?.SecurityOpt, 'seccomp') === 'unconfined';
}

export function apparmorUnconfined(c: CisContainer): boolean {
  const profile = c.AppArmorProfile ?? '';
  return c.HostConfig?.Privileged === true || profile === '' || profile === 'unconfined' || securityOpt(c.HostConfig?.SecurityOpt, 'apparmor') === 'unconfined';
}

export function selinuxDisabled(c: CisContainer): boolean {
  const label = securityOpt(c.HostConfig?.SecurityOpt, 'label');
  return c.HostConfig?.Privileged === true || label === 'disable' || label === 'type:unconfined_t';
}

/** The effective no_new_privs: the container's own setting, else the daemon's default. */
export function noNewPrivileges(c: CisContainer, daemonDefault: boolean): boolean {
  const opt = securityOpt(c.HostConfig?.SecurityOpt, 'no-new-privileges');
  if (opt === undefined) return daemonDefault;
  return opt === '' || opt === 'true';
}

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

/** Published on every interface (IPv4 or IPv6 wildcard). */
export function publishesOnAllInterfaces(c: CisContainer): boolean {
  return publishedPorts(c).some((p) => WILDCARD_HOSTS.has(p.hostIp));
}

/** A host port below 1024 (0 or empty means "any free port": not privileged). */
export function publishesPrivilegedPort(c: CisContainer): boolean {
  return publishedPorts(c).some((p) => {
    const port = Number(p.hostPort);
    return Number.isInteger(port) && port > 0 && port < 1024;
  });
}

/** CIS 5.15: no restart policy, or on-failure with 1 to 5 retries. always, unless-stopped and an unbounded on-failure fail. */
export function restartPolicyUnbounded(c: CisContainer): boolean {
  const policy = c.HostConfig?.RestartPolicy;
  const name = policy?.Name ?? '';
  if (name === '' || name === 'no') return false;
  if (name === 'on-failure') {
    const retries = policy?.MaximumRetryCount ?? 0;
    return retries <= 0 || retries > 5;
  }
  return true;
}

export function hasCpuLimit(c: CisContainer): boolean {
  return cpuLimitCores(c.HostConfig) > 0 || (c.HostConfig?.CpuShares ?? 0) > 0;
}

const SHARED_PROPAGATION = new Set(['shared', 'rshared']);
export function sharedPropagation(c: CisContainer): boolean {
  return ((c.Mounts ?? []) as readonly CisMount[]).some((m) => SHARED_PROPAGATION.has(m.Propagation ?? ''));
}

/** On Linux NetworkMode "default" is the default bridge, docker0. */
export function onDefaultBridge(c: CisContainer): boolean {
  const mode = c.HostConfig?.NetworkMode ?? 'default';
  return mode === 'default' || mode === 'bridge';
}

/** CIS 6.2 uses docker-bench-security's threshold: more than 25 containers not running. */
export const CONTAINER_SPRAWL_LIMIT = 25;
export const containerSprawl: Evaluator = (facts) => {
  if (!facts.containers) return NOT_JUDGED;
  const idle = facts.containers.filter((c) => c.State?.Running !== true);
  return judged(idle.length > CONTAINER_SPRAWL_LIMIT ? idle.map((c) => ({ object: containerName(c), kind: 'container' })) : []);
};

// ---------------------------------------------------------------- execs

export const execFinding =
  (kind: 'privileged' | 'asRoot'): Evaluator =>
  (facts) => {
    if (!facts.containers || !facts.execs) return NOT_JUDGED;
    const execs = facts.execs;
    return judged(facts.containers.filter((c) => (execs.get(c.Id)?.[kind] ?? 0) > 0).map((c) => ({ object: containerName(c), kind: 'container' })));
  };

// ---------------------------------------------------------------- daemon

/** A check of one daemon setting: the daemon is the one object that can fail it. */
export function daemonSetting(offends: (s: DaemonSettings, d: DaemonFacts) => boolean | undefined): Evaluator {
  return (facts) => {
    if (!facts.daemon) return NOT_JUDGED;
    const verdict = offends(facts.daemon.settings, facts.daemon);
    if (verdict === undefined) return NOT_JUDGED;
    return judged(verdict ? [{ object: 'daemon', kind: 'daemon' }] : []);
  };
}

/** dockerd's raw values of one option, from its command line and daemon.json (for settings DaemonSettings does not carry). */
export function rawDaemonOption(d: DaemonFacts, flag: string, configKey: string): string[] {
  const out = [...(parseDockerdArgs(d.cmdline.args ?? []).get(flag) ?? [])];
  const value = d.config.values?.[configKey];
  if (Array.isArray(value)) out.push(...value.map(String));
  else if (typeof value === 'string') out.push(value);
  return out;
}

export const insecureRegistries: Evaluator = (facts) => {
  if (!facts.daemon) return NOT_JUDGED;
  return judged(facts.daemon.settings.insecureRegistries.filter((r) => r !== BUILTIN_INSECURE).map((r) => ({ object: r, kind: 'registry' })));
};

/** Every TCP listener without TLS verification, and every address where an unauthenticated API answered the probe. */
export const tcpWithoutTls: Evaluator = (facts) => {
  if (!facts.daemon) return NOT_JUDGED;
  const offenders = new Map<string, Offender>();
  for (const l of facts.daemon.settings.listeners) {
    if (l.scheme === 'tcp' && !l.tlsVerify) offenders.set(l.address, { object: l.address, kind: 'listener' });
  }
  for (const p of facts.daemon.probes) {
    // A probe of a listener already found (tcp://0.0.0.0:2375 is probed at 127.0.0.1:2375) is the same finding.
    const known = (p.listener !== undefined && offenders.has(p.listener)) || [...offenders.keys()].some((a) => a.endsWith(`//${p.address}`));
    if (p.exposed && !known) offenders.set(p.address, { object: p.address, kind: 'listener' });
  }
  return judged([...offenders.values()]);
};

const REMOTE_LOGGING_ABSENT = new Set(['json-file', 'local', 'none']);
export const localLogging = daemonSetting((s) => REMOTE_LOGGING_ABSENT.has(s.logDriver));

export const swarmActive = daemonSetting((_s, d) => {
  if (!d.info) return undefined;
  return (d.info as { Swarm?: { LocalNodeState?: string } }).Swarm?.LocalNodeState === 'active';
});

export const liveRestoreOff = daemonSetting((s, d) => {
  const swarm = (d.info as { Swarm?: { LocalNodeState?: string } } | undefined)?.Swarm?.LocalNodeState === 'active';
  return !s.liveRestore && !swarm; // live restore is incompatible with swarm mode
});

export const baseDeviceSizeChanged = daemonSetting((_s, d) => rawDaemonOption(d, 'storage-opt', 'storage-opts').some((o) => o.trim().startsWith('dm.basesize')));

// ---------------------------------------------------------------- files

/** Mode bits outside `allowed` (chmod-style octal): the check is "that mode or more restrictive". */
export const modeWithin = (mode: number, allowed: number): boolean => (mode & 0o7777 & ~allowed) === 0;

/**
 * A check of the daemon files of some roles (see DaemonFile.role). Judged when at least one
 * such file exists; each failing file is an offender, named by its host path.
 */
export function filesOf(roles: readonly string[], offends: (f: DaemonFile) => boolean): Evaluator {
  return (facts) => {
    if (!facts.daemon) return NOT_JUDGED;
    const files = facts.daemon.files.filter((f) => roles.includes(f.role));
    if (files.length === 0) return NOT_JUDGED;
    return judged(files.filter(offends).map((f) => ({ object: f.path, kind: 'file' })));
  };
}

/**
 * The owner and mode CIS asks for, as the daemon source judged them (DaemonFile.ownerOk and
 * modeOk: the one place that knows the docker group's gid); a file without those verdicts is
 * judged here as root:root and the loosest mode of its role in CIS_FILE_RULES, the one table of them.
 */
export const ownerAsCis = (roles: readonly string[]): Evaluator => filesOf(roles, (f) => !(f.ownerOk ?? (f.uid === 0 && f.gid === 0)));
export const modeAsCis = (roles: readonly string[]): Evaluator => filesOf(roles, (f) => !(f.modeOk ?? modeWithin(f.mode, f.maxMode ?? CIS_FILE_RULES[f.role]?.maxMode ?? 0)));

// ---------------------------------------------------------------- images

/** A name for the metric: the first tag, or the short id of an untagged image (as `docker images` shows it), so two dangling images never share a series. */
export function imageObject(image: ImageFacts): string {
  return image.dangling || image.name === '<none>' ? image.shortId : image.name;
}

export function eachImage(offends: (image: ImageFacts) => boolean | undefined): Evaluator {
  return (facts) => {
    if (!facts.images) return NOT_JUDGED;
    const verdicts = facts.images.map((i) => [i, offends(i)] as const).filter(([, v]) => v !== undefined);
    if (verdicts.length === 0 && facts.images.length > 0) return NOT_JUDGED; // nothing readable
    return judged(verdicts.filter(([, v]) => v).map(([i]) => ({ object: imageObject(i), kind: 'image' })));
  };
}

/** No HEALTHCHECK, or HEALTHCHECK NONE (the images source's reading, as the images collector's). */
export const imageWithoutHealthcheck = eachImage((i) => (i.healthcheckDefined === undefined ? undefined : !i.healthcheckDefined));

const UPDATE = /\b(apt-get|apt|yum|dnf|apk|zypper|microdnf)\s+(-\S+\s+)*(update|check-update|refresh)\b/;
const INSTALL = /\b(install|upgrade|add|dist-upgrade)\b/;
/** A layer that updates the package index without installing anything in the same command: its cache goes stale. */
export const imageUpdateAlone = eachImage((i) => {
  if (!i.history) return undefined;
  return i.history.some((h) => {
    const cmd = h.CreatedBy ?? '';
    return UPDATE.test(cmd) && !INSTALL.test(cmd.replace(UPDATE, ''));
  });
});

/** ADD in any layer but the oldest (the base image's root filesystem always arrives by ADD). */
export const imageUsesAdd = eachImage((i) => {
  if (!i.history) return undefined;
  return i.history.slice(0, -1).some((h) => /(^|#\(nop\)\s+|\s)ADD\s/.test(h.CreatedBy ?? ''));
});

/** CIS 6.1, with docker-bench-security's threshold: fewer than half of the images are used by a container. */
export const imageSprawl: Evaluator = (facts) => {
  if (!facts.images) return NOT_JUDGED;
  const unused = facts.images.filter((i) => !i.inUse);
  const used = facts.images.length - unused.length;
  return judged(used < facts.images.length / 2 ? unused.map((i) => ({ object: imageObject(i), kind: 'image' })) : []);
};

// ---------------------------------------------------------------- audit rules (1.1.x)

/** One 1.1.x check: judged when its path exists on this host (the source lists only those). */
export const auditRuleFor =
  (check: string): Evaluator =>
  (facts) => {
    if (!facts.auditRules || facts.auditRules.source === 'none') return NOT_JUDGED;
    const entries = facts.auditRules.coverage.filter((c) => c.check === check);
    if (entries.length === 0) return NOT_JUDGED;
    return judged(entries.filter((e) => !e.covered || !e.permissionsOk).map((e) => ({ object: e.path, kind: 'file' })));
  };

export { userIsRoot, pidsLimit, isHealthcheckConfigured, securityOpt };
