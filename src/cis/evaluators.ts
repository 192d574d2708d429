// Pure evaluators of the CIS checks: facts in, a judgement out (judged, and the offending
// objects). No I/O, and no rule of their own about a container: every container check reads
// one field of the container's posture (src/model/posture.ts), the same field the
// containers collector turns into a metric, so a check and its metric always agree.
import type { DaemonFacts } from '../facts/daemon';
import type { ImageFacts } from '../facts/images';
import { fileModeOk, fileOwnerOk, type DaemonFile, type DaemonFileRole, type FileOwner } from '../model/daemon-files';
import { BUILTIN_INSECURE, parseDockerdArgs, type DaemonSettings } from '../model/daemon-settings';
import type { ContainerPosture } from '../model/posture';
import { NOT_JUDGED, type CisFacts, type Judgement, type Offender } from './facts';

export type Evaluator = (facts: CisFacts) => Judgement;

const judged = (offenders: Offender[], objects?: Offender[]): Judgement => ({ judged: true, offenders, objects: objects ?? offenders });
const containerObject = (c: ContainerPosture): Offender => ({ object: c.name, kind: 'container' });

// ---------------------------------------------------------------- containers

/**
 * A check of every container (created, running or stopped: unlike docker-bench-security,
 * which only looks at running ones). `offends` says whether one container fails; `needs`
 * names other facts the judgement depends on.
 */
export function eachContainer(offends: (c: ContainerPosture, facts: CisFacts) => boolean, needs: { engineDefaults?: boolean; applies?: (facts: CisFacts) => boolean } = {}): Evaluator {
  return (facts) => {
    if (!facts.containers) return NOT_JUDGED;
    if (needs.engineDefaults && !facts.engineDefaults) return NOT_JUDGED;
    if (needs.applies && !needs.applies(facts)) return NOT_JUDGED;
    return judged(facts.containers.filter((c) => offends(c, facts)).map(containerObject), facts.containers.map(containerObject));
  };
}

/** CIS 6.2 uses docker-bench-security's threshold: more than 25 containers not running. */
export const CONTAINER_SPRAWL_LIMIT = 25;
export const containerSprawl: Evaluator = (facts) => {
  if (!facts.containers) return NOT_JUDGED;
  const idle = facts.containers.filter((c) => !c.running);
  return judged(idle.length > CONTAINER_SPRAWL_LIMIT ? idle.map(containerObject) : [], facts.containers.map(containerObject));
};

// ---------------------------------------------------------------- execs

export const execFinding =
  (kind: 'privileged' | 'asRoot'): Evaluator =>
  (facts) => {
    if (!facts.containers || !facts.execs) return NOT_JUDGED;
    const execs = facts.execs;
    return judged(facts.containers.filter((c) => (execs.get(c.id)?.[kind] ?? 0) > 0).map(containerObject), facts.containers.map(containerObject));
  };

// ---------------------------------------------------------------- daemon

/** A check of one daemon setting: the daemon is the one object that can fail it. */
export function daemonSetting(offends: (s: DaemonSettings, d: DaemonFacts) => boolean | undefined): Evaluator {
  return (facts) => {
    if (!facts.daemon) return NOT_JUDGED;
    const verdict = offends(facts.daemon.settings, facts.daemon);
    if (verdict === undefined) return NOT_JUDGED;
    const daemon: Offender = { object: 'daemon', kind: 'daemon' };
    return judged(verdict ? [daemon] : [], [daemon]);
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
  const tcp = new Map<string, Offender>();
  for (const l of facts.daemon.settings.listeners) {
    if (l.scheme !== 'tcp') continue;
    tcp.set(l.address, { object: l.address, kind: 'listener' });
    if (!l.tlsVerify) offenders.set(l.address, { object: l.address, kind: 'listener' });
  }
  for (const p of facts.daemon.probes) {
    // A probe of a listener already found (tcp://0.0.0.0:2375 is probed at 127.0.0.1:2375) is the same finding.
    const known = (p.listener !== undefined && offenders.has(p.listener)) || [...offenders.keys()].some((a) => a.endsWith(`//${p.address}`));
    if (p.exposed && !known) offenders.set(p.address, { object: p.address, kind: 'listener' });
  }
  // The objects: every TCP listener (those with verified TLS pass) and every exposed address.
  return judged([...offenders.values()], [...new Map([...tcp, ...offenders]).values()]);
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

/** CIS 2.1: the daemon runs as root unless it is rootless (/info, --rootless) or its process runs as another uid. */
export const daemonRunsAsRoot = daemonSetting((s, d) => {
  if (s.rootless || d.cmdline.paths?.rootless === true) return false;
  if (d.cmdline.uid !== undefined) return d.cmdline.uid === 0;
  return d.info ? true : undefined; // /info says rootful; without it nor the process, unknown
});

export const baseDeviceSizeChanged = daemonSetting((_s, d) => rawDaemonOption(d, 'storage-opt', 'storage-opts').some((o) => o.trim().startsWith('dm.basesize')));

// ---------------------------------------------------------------- files

/**
 * A check of the daemon files of one role (see DaemonFileRole). Judged when at least one
 * such file exists; each failing file is an offender, named by its host path.
 */
export function filesOf(role: DaemonFileRole, offends: (f: DaemonFile, d: DaemonFacts) => boolean): Evaluator {
  return (facts) => {
    if (!facts.daemon) return NOT_JUDGED;
    const daemon = facts.daemon;
    const files = daemon.files.filter((f) => f.role === role);
    if (files.length === 0) return NOT_JUDGED;
    const fileObject = (f: DaemonFile): Offender => ({ object: f.path, kind: 'file' });
    return judged(files.filter((f) => offends(f, daemon)).map(fileObject), files.map(fileObject));
  };
}

/** Owned as the check asks (the docker group's gid comes from the host's /etc/group). */
export const ownedAs = (role: DaemonFileRole, owner: FileOwner): Evaluator => filesOf(role, (f, d) => !fileOwnerOk(f, owner, d.dockerGid, rootlessUser(d)));

/** The user whose files a rootless daemon's are; undefined for root's daemon. */
export const rootlessUser = (d: DaemonFacts): { uid: number; gid: number } | undefined => (d.cmdline.paths?.rootless ? d.cmdline.paths : undefined);
/** No permission bit beyond the loosest mode the check allows. */
export const modeAtMost = (role: DaemonFileRole, maxMode: number): Evaluator => filesOf(role, (f) => !fileModeOk(f, maxMode));

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
    const objectOf = (i: ImageFacts): Offender => ({ object: imageObject(i), kind: 'image' });
    return judged(verdicts.filter(([, v]) => v).map(([i]) => objectOf(i)), verdicts.map(([i]) => objectOf(i)));
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
  const objectOf = (i: ImageFacts): Offender => ({ object: imageObject(i), kind: 'image' });
  return judged(used < facts.images.length / 2 ? unused.map(objectOf) : [], facts.images.map(objectOf));
};

// ---------------------------------------------------------------- audit rules (1.1.x)

/** One 1.1.x check: judged when its path exists on this host (the source lists only those). */
export const auditRuleFor =
  (check: string): Evaluator =>
  (facts) => {
    if (!facts.auditRules || facts.auditRules.source === 'none') return NOT_JUDGED;
    const entries = facts.auditRules.coverage.filter((c) => c.check === check);
    if (entries.length === 0) return NOT_JUDGED;
    const objectOf = (e: (typeof entries)[number]): Offender => ({ object: e.path, kind: 'file' });
    return judged(entries.filter((e) => !e.covered || !e.permissionsOk).map(objectOf), entries.map(objectOf));
  };

