// Hand-built facts for the CIS evaluator tests: a daemon as dockerd 20.10 runs by default,
// and the containers recorded from the real engine.
import { DEFAULT_DOCKER_SOCKET_PATHS, DEFAULT_SENSITIVE_PATHS } from '../../../src/collectors/container-posture';
import type { CisContainer, CisFacts } from '../../../src/cis/facts';
import { daemonFile, type DaemonFacts, type DaemonFile, type DaemonSettings } from '../../../src/sources/daemon';
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
    probes: [{ address: '127.0.0.1:2375', exposed: false }],
    ...extra,
  };
}

/** The docker group's gid in these tests. */
export const DOCKER_GID = 105;

/** A daemon file as the daemon source stats and judges it (its ownerOk and modeOk). */
export const file = (role: string, path: string, mode: number, uid = 0, gid = 0): DaemonFile =>
  daemonFile({ role, path }, { mode, uid, gid, isDirectory: role === '/etc/docker' }, DOCKER_GID);

/** The same file without the source's verdicts, as an older daemon source would give it. */
export const bareFile = (role: string, path: string, mode: number, uid = 0, gid = 0): DaemonFile => ({ role, path, mode, uid, gid, isDirectory: role === '/etc/docker' });

export function recorded(name: RecordedContainer, patch?: (c: CisContainer) => void): CisContainer {
  const c = recordedInspect(name) as CisContainer;
  patch?.(c);
  return c;
}

export const ALL_RECORDED = (): CisContainer[] => RECORDED_CONTAINERS.map((n) => recorded(n));

export function facts(extra: Partial<CisFacts> = {}): CisFacts {
  return { sensitivePaths: DEFAULT_SENSITIVE_PATHS, dockerSocketPaths: DEFAULT_DOCKER_SOCKET_PATHS, ...extra };
}
