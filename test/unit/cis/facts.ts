// Hand-built facts for the CIS evaluator tests: a daemon as dockerd 20.10 runs by default,
// and the postures of the containers recorded from the real engine.
import { DOCKER_SOCKET_PATHS, SENSITIVE_PATHS } from '../../../src/base/paths';
import type { CisFacts } from '../../../src/cis/facts';
import type { DaemonFacts } from '../../../src/facts/daemon';
import type { EngineDefaults } from '../../../src/facts/engine-defaults';
import { DOCKER_DEFAULT_CAPABILITIES } from '../../../src/model/capabilities';
import type { DaemonFile, DaemonFileRole } from '../../../src/model/daemon-files';
import type { DaemonSettings } from '../../../src/model/daemon-settings';
import { containerPosture, type ContainerPosture, type PostureOptions } from '../../../src/model/posture';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import { RECORDED_CONTAINERS, recordedInspect, type RecordedContainer } from '../../helpers/fixtures';

export const DEFAULT_SETTINGS: DaemonSettings = {
  usernsRemap: undefined,
  liveRestore: false,
  icc: true,
  userlandProxy: true,
  noNewPrivileges: false,
  experimental: false,
  seccomp: true,
  seccompProfile: undefined,
  apparmor: false,
  selinux: false,
  rootless: false,
  iptables: true,
  logLevel: 'info',
  logDriver: 'json-file',
  logOpts: {},
  storageDriver: 'overlay2',
  authorizationPlugins: [],
  insecureRegistries: [],
  cgroupParent: undefined,
  defaultUlimits: {},
  listeners: [{ address: 'unix:///var/run/docker.sock', scheme: 'unix', tls: false, tlsVerify: false }],
  tlsCaCert: undefined,
  tlsCert: undefined,
  tlsKey: undefined,
  sources: {},
};

export function daemonFacts(settings: Partial<DaemonSettings> = {}, extra: Partial<DaemonFacts> = {}): DaemonFacts {
  return {
    info: { ServerVersion: '20.10.24' },
    config: { path: '/etc/docker/daemon.json', state: 'missing' },
    cmdline: { state: 'ok', pid: 1234, args: ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'] },
    settings: { ...DEFAULT_SETTINGS, ...settings },
    files: [],
    dockerGid: DOCKER_GID,
    probes: [{ address: '127.0.0.1:2375', exposed: false }],
    ...extra,
  };
}

/** The docker group's gid in these tests. */
export const DOCKER_GID = 105;

/** A daemon file as the daemon facts stat it. */
export const file = (role: DaemonFileRole, path: string, mode: number, uid = 0, gid = 0): DaemonFile => ({ role, path, mode, uid, gid, isDirectory: role === '/etc/docker' });

export const POSTURE_OPTIONS: PostureOptions = { sensitivePaths: SENSITIVE_PATHS, dockerSocketPaths: DOCKER_SOCKET_PATHS };

/** The posture of a recorded container, its inspect patched first. */
export function recorded(name: RecordedContainer, patch?: (c: ContainerInspect) => void, options: PostureOptions = POSTURE_OPTIONS): ContainerPosture {
  const c = recordedInspect(name);
  patch?.(c);
  return containerPosture(c, options);
}

export const ALL_RECORDED = (patch?: (c: ContainerInspect) => void): ContainerPosture[] => RECORDED_CONTAINERS.map((n) => recorded(n, patch));

/** dockerd's engine defaults from its daemon facts, as src/facts/engine-defaults.ts derives them from the same settings. */
export function dockerdDefaults(daemon: DaemonFacts): EngineDefaults {
  const { settings } = daemon;
  return { kind: 'docker', capabilities: DOCKER_DEFAULT_CAPABILITIES, noNewPrivileges: settings.noNewPrivileges, apparmor: settings.apparmor, selinux: settings.selinux };
}

/** The facts of a test; given dockerd's daemon facts and no engine defaults, the engine is that dockerd. */
export function facts(extra: Partial<CisFacts> = {}): CisFacts {
  return { ...(extra.daemon && !extra.engineDefaults ? { engineDefaults: dockerdDefaults(extra.daemon) } : {}), ...extra };
}
