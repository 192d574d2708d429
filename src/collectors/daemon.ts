// Collector "daemon": for dockerd, the daemon's effective settings (from /info, daemon.json and dockerd's
// command line, see src/facts/daemon.ts), its listeners, the active plain-HTTP probe of
// every TCP listener, and the owner and mode of the CIS section 3 files, judged with the
// owner rules of the CIS catalog (the checks 3.x judge with the same rules).
//
// A source that cannot be read is reported (docker_audit_daemon_source_available 0) and
// everything else is still emitted. The collector fails only when neither /info nor
// dockerd's command line could be read: the settings would then be daemon.json and
// defaults, which says little about the running daemon.
//
// Podman has no daemon, so none of that: for a Podman engine it reports Podman's engine-wide
// defaults instead (src/facts/podman.ts): the capabilities every container gets, seccomp,
// AppArmor, SELinux, the default user namespace, the log driver and its size limit, and the
// API socket's owner and mode.
import { logWhenNew } from '../base/log';
import { fileOwnerRule } from '../cis/checks';
import { rootlessUser } from '../cis/evaluators';
import type { DaemonFacts } from '../facts/daemon';
import type { PodmanFacts } from '../facts/podman';
import { engineKindOrDocker } from '../facts/engine';
import { METRICS } from '../metrics/catalog';
import { flag, sample } from '../metrics/sample';
import { fileOwnerOk } from '../model/daemon-files';
import type { DaemonSettings } from '../model/daemon-settings';
import { podmanSocketOwnerOk } from '../model/podman-config';
import type { Collector, CollectorDeps, CollectContext } from './collector';

/** The settings behind the 0/1 gauges, in exposition order. */
const BOOLEAN_GAUGES = [
  ['usernsRemap', METRICS.daemonUsernsRemap, (s: DaemonSettings) => s.usernsRemap !== undefined],
  ['liveRestore', METRICS.daemonLiveRestore, (s: DaemonSettings) => s.liveRestore],
  ['icc', METRICS.daemonIcc, (s: DaemonSettings) => s.icc],
  ['userlandProxy', METRICS.daemonUserlandProxy, (s: DaemonSettings) => s.userlandProxy],
  ['noNewPrivileges', METRICS.daemonNoNewPrivileges, (s: DaemonSettings) => s.noNewPrivileges],
  ['experimental', METRICS.daemonExperimental, (s: DaemonSettings) => s.experimental],
  ['seccomp', METRICS.daemonSeccomp, (s: DaemonSettings) => s.seccomp],
  ['apparmor', METRICS.daemonApparmor, (s: DaemonSettings) => s.apparmor],
  ['selinux', METRICS.daemonSelinux, (s: DaemonSettings) => s.selinux],
  ['rootless', METRICS.daemonRootless, (s: DaemonSettings) => s.rootless],
] as const;

/** Settings only the kernel decides (dockerd turns them on where it can): a default is a guess. */
const KERNEL_DEPENDENT = new Set(['seccomp', 'apparmor']);

/** json-file rotates only with max-size; local always rotates (20 MB x 5 files by default). */
export function logRotationConfigured(s: Pick<DaemonSettings, 'logDriver' | 'logOpts'>): boolean {
  if (s.logDriver === 'local') return true;
  return s.logDriver === 'json-file' && !!s.logOpts['max-size'] && s.logOpts['max-size'] !== '-1';
}

/** Turns the facts into samples (pure). */
export function daemonSamples(facts: DaemonFacts, emit: CollectContext['emit']): void {
  const { settings } = facts;
  emit(sample(METRICS.daemonSourceAvailable, { source: 'info' }, flag(facts.info !== undefined)));
  emit(sample(METRICS.daemonSourceAvailable, { source: 'config' }, flag(facts.config.state === 'ok')));
  emit(sample(METRICS.daemonSourceAvailable, { source: 'cmdline' }, flag(facts.cmdline.state === 'ok')));
  if (facts.config.state === 'ok' || facts.config.state === 'invalid') {
    emit(sample(METRICS.daemonConfigValid, {}, flag(facts.config.state === 'ok')));
  }
  if (facts.config.state === 'ok') emit(sample(METRICS.daemonConfigUnknownKeys, {}, facts.config.unknownKeys?.length ?? 0));

  for (const [key, family, value] of BOOLEAN_GAUGES) {
    const source = settings.sources[key] ?? 'default';
    if (KERNEL_DEPENDENT.has(key) && source === 'default' && !facts.info) continue;
    emit(sample(family, {}, flag(value(settings))));
    emit(sample(METRICS.daemonSettingSource, { setting: key, source }, 1));
  }
  emit(sample(METRICS.daemonLogRotation, {}, flag(logRotationConfigured(settings))));
  emit(sample(METRICS.daemonAuthorizationPlugins, {}, settings.authorizationPlugins.length));
  emit(sample(METRICS.daemonInsecureRegistries, {}, settings.insecureRegistries.length));
  for (const key of ['logDriver', 'logOpts', 'authorizationPlugins', 'insecureRegistries', 'listeners'] as const) {
    emit(sample(METRICS.daemonSettingSource, { setting: key, source: settings.sources[key] ?? 'default' }, 1));
  }

  for (const l of settings.listeners) emit(sample(METRICS.daemonListener, { address: l.address, tls: String(l.scheme === 'tcp' && l.tlsVerify) }, 1));
  for (const p of facts.probes) emit(sample(METRICS.daemonInsecureTcpExposed, { address: p.address }, flag(p.exposed)));
  const paths = new Set<string>();
  for (const f of facts.files) {
    if (paths.has(f.path)) continue; // one file in two roles (a cert that is also the CA) is one series
    paths.add(f.path);
    emit(sample(METRICS.daemonFileMode, { path: f.path }, f.mode));
    const owner = fileOwnerRule(f.role);
    if (owner) emit(sample(METRICS.daemonFileOwnerOk, { path: f.path }, flag(fileOwnerOk(f, owner, facts.dockerGid, rootlessUser(facts)))));
  }
}

/** Podman's engine-wide defaults, in place of dockerd's posture (pure). */
export function podmanSamples(facts: PodmanFacts, emit: CollectContext['emit']): void {
  const { posture } = facts;
  emit(sample(METRICS.podmanInfoAvailable, {}, flag(facts.info !== undefined)));
  for (const f of facts.files) emit(sample(METRICS.podmanConfigFileValid, { path: f.path }, flag(f.state === 'ok')));
  for (const capability of posture.defaultCapabilities) emit(sample(METRICS.podmanDefaultCapability, { capability }, 1));
  const optional = [
    [METRICS.podmanSeccomp, posture.seccompEnabled],
    [METRICS.podmanApparmor, posture.apparmorEnabled],
    [METRICS.podmanSelinux, posture.selinuxEnabled],
  ] as const;
  for (const [family, value] of optional) if (value !== undefined) emit(sample(family, {}, flag(value)));
  emit(sample(METRICS.podmanUserns, {}, flag(posture.usernsEnabled)));
  emit(sample(METRICS.podmanLogSizeMax, {}, posture.logSizeMaxBytes));
  emit(sample(METRICS.podmanLogRotation, {}, flag(posture.logRotationConfigured)));
  emit(sample(METRICS.podmanEngineInfo, { log_driver: posture.logDriver, runtime: posture.runtime, cgroup_manager: posture.cgroupManager }, 1));
  if (facts.socket) {
    emit(sample(METRICS.podmanSocketMode, { path: facts.socket.path }, facts.socket.mode));
    emit(sample(METRICS.podmanSocketOwnerOk, { path: facts.socket.path }, flag(podmanSocketOwnerOk(facts.socket, facts.rootless))));
  }
}

/** What could not be read of Podman's defaults, each said once. */
function podmanProblems(facts: PodmanFacts, logger: CollectContext['logger']): Map<string, () => void> {
  const problems = new Map<string, () => void>();
  if (facts.infoError) problems.set(`podman info ${facts.infoError}`, () => logger.warn("reading Podman's /libpod/info failed; its defaults come from containers.conf and Podman's built-in ones", { err: facts.infoError }));
  for (const f of facts.files) {
    if (f.state !== 'ok') problems.set(`podman conf ${f.path} ${f.error}`, () => logger.error('a containers.conf is not valid; its settings are not taken (Podman refuses to run with it)', { path: f.path, err: f.error }));
  }
  if (facts.socketError) problems.set(`podman socket ${facts.socketError}`, () => logger.warn("Podman's API socket could not be read; its owner and mode are not reported", { err: facts.socketError }));
  return problems;
}

export function createDaemonCollector({ facts: all }: Pick<CollectorDeps, 'facts'>): Collector {
  const logNew = logWhenNew();
  return {
    name: 'daemon',
    async collect(ctx) {
      // Podman has no daemon: dockerd's flags, daemon.json and files on this host would describe
      // another engine than the one answering, so none of them is reported.
      const kind = await engineKindOrDocker(all.engine, ctx);
      if (kind === 'podman') {
        const podman = await all.podman.get(ctx);
        podmanSamples(podman, ctx.emit);
        logNew(new Map([[`engine ${kind}`, () => ctx.logger.info("the engine is Podman: its own defaults are reported, not dockerd's daemon posture", { engine: kind })], ...podmanProblems(podman, ctx.logger)]));
        return;
      }
      const facts = await all.daemon.get(ctx);
      daemonSamples(facts, ctx.emit);

      const { config } = facts;
      const problems = new Map<string, () => void>();
      if (config.state === 'invalid') {
        problems.set(`config invalid ${config.error}`, () => ctx.logger.error('daemon.json is not valid JSON; the other settings are still reported', { path: config.path, line: config.line, column: config.column, err: config.error }));
      } else if (config.state === 'unreadable') {
        problems.set(`config unreadable ${config.error}`, () => ctx.logger.warn('reading daemon.json failed; the other settings are still reported', { path: config.path, err: config.error }));
      } else if (config.unknownKeys?.length) {
        const keys = config.unknownKeys.join(',');
        problems.set(`config unknown ${keys}`, () => ctx.logger.warn('daemon.json has keys dockerd does not know (dockerd refuses to start with them)', { path: config.path, keys }));
      }
      if (facts.infoError) problems.set(`info ${facts.infoError}`, () => ctx.logger.warn('the daemon settings /info reports are unknown; using flags, daemon.json and defaults', { err: facts.infoError }));
      logNew(problems);

      if (!facts.info && facts.cmdline.state !== 'ok') {
        throw new Error(`reading the daemon's settings failed: ${facts.infoError ?? '/info unavailable'}; dockerd's command line: ${facts.cmdline.error ?? facts.cmdline.state}`);
      }
    },
  };
}
