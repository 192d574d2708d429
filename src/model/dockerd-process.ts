// Which dockerd serves the engine the exporter talks to, and where that dockerd keeps its
// files. Pure: a process table in (argv, uid and the few environment variables that decide
// dockerd's defaults, as read from /proc), a choice out. A rootful dockerd and a rootless one
// (dockerd-rootless.sh: rootlesskit, then dockerd as the user's uid, root only inside its user
// namespace) may run side by side, both started as plain "dockerd": their defaults tell them apart.
import * as path from 'node:path';
import { DAEMON_JSON, DOCKER_CONFIG_DIR, DOCKER_EXEC_ROOT, DOCKER_SOCKET, REGISTRY_CERTS_DIR } from '../base/paths';
import { dockerdServes, parseDockerdArgs, type DockerdDefaults } from './daemon-settings';

/** The environment variables of dockerd read here (never others: an environment may hold secrets). */
export const DOCKERD_ENV_KEYS = ['HOME', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME', 'ROOTLESSKIT_STATE_DIR'] as const;
export type DockerdEnvKey = (typeof DOCKERD_ENV_KEYS)[number];

export interface DockerdProcess {
  readonly pid: number;
  readonly argv: readonly string[];
  /** The real uid as the host sees it (<proc>/<pid>/status); undefined when unread. */
  readonly uid?: number;
  readonly gid?: number;
  /** Only DOCKERD_ENV_KEYS, from <proc>/<pid>/environ; undefined when unreadable. */
  readonly env?: Readonly<Partial<Record<DockerdEnvKey, string>>>;
}

/**
 * Whether this dockerd runs rootless: started with --rootless, under rootlesskit (which sets
 * ROOTLESSKIT_STATE_DIR for its child), or as a uid other than root. dockerd itself turns
 * rootless on when it finds ROOTLESSKIT_STATE_DIR (its --rootless default).
 */
export function dockerdIsRootless(p: DockerdProcess): boolean {
  const flag = parseDockerdArgs(p.argv).get('rootless')?.at(-1);
  if (flag !== undefined) return flag !== 'false';
  return Boolean(p.env?.ROOTLESSKIT_STATE_DIR) || (p.uid !== undefined && p.uid !== 0);
}

export interface DockerdPaths extends DockerdDefaults {
  readonly rootless: boolean;
  /** --config-file's default: /etc/docker/daemon.json, rootless $XDG_CONFIG_HOME/docker/daemon.json (~/.config/docker). */
  readonly configFile: string;
  /** The folder daemon.json is in, which CIS 3.5/3.6 ask about (/etc/docker). */
  readonly configDir: string;
  /** Per-registry certificates: /etc/docker/certs.d, rootless ~/.config/docker/certs.d. */
  readonly certsDir: string;
  /** Where dockerd's TLS files default to: ~/.docker of the user it runs as. */
  readonly tlsDir: string;
  /** The user's systemd units dockerd-rootless-setuptool.sh installs (~/.config/systemd/user); undefined when rootful. */
  readonly userUnitDir?: string;
  /** The owner of the daemon's files: root, or the user a rootless dockerd runs as. */
  readonly uid: number;
  readonly gid: number;
}

const ROOTFUL: DockerdPaths = {
  rootless: false,
  socket: DOCKER_SOCKET,
  execRoot: DOCKER_EXEC_ROOT,
  configFile: DAEMON_JSON,
  configDir: DOCKER_CONFIG_DIR,
  certsDir: REGISTRY_CERTS_DIR,
  tlsDir: '/root/.docker',
  uid: 0,
  gid: 0,
};

/**
 * dockerd's defaults, as dockerd computes them: rootless from its own environment
 * (XDG_RUNTIME_DIR for the socket and exec root, XDG_CONFIG_HOME or HOME/.config for
 * daemon.json and certs.d). Undefined for a rootless dockerd whose environment could not
 * be read: its paths are then unknown, not root's.
 */
export function dockerdPaths(p: DockerdProcess): DockerdPaths | undefined {
  if (!dockerdIsRootless(p)) return ROOTFUL;
  const runtimeDir = absolute(p.env?.XDG_RUNTIME_DIR);
  const home = absolute(p.env?.HOME);
  const configHome = absolute(p.env?.XDG_CONFIG_HOME) ?? (home && path.posix.join(home, '.config'));
  if (!runtimeDir || !configHome || !home) return undefined;
  const configDir = path.posix.join(configHome, 'docker');
  return {
    rootless: true,
    socket: path.posix.join(runtimeDir, 'docker.sock'),
    execRoot: path.posix.join(runtimeDir, 'docker'),
    configFile: path.posix.join(configDir, 'daemon.json'),
    configDir,
    certsDir: path.posix.join(configDir, 'certs.d'),
    tlsDir: path.posix.join(home, '.docker'),
    userUnitDir: path.posix.join(configHome, 'systemd', 'user'),
    uid: p.uid ?? -1,
    gid: p.gid ?? -1,
  };
}

/** Whether one of this dockerd's -H listeners (its default socket when it has none) is `endpoint`. */
export function dockerdServesEndpoint(p: DockerdProcess, endpoint: string): boolean {
  const defaults = dockerdPaths(p);
  if (!defaults) return false;
  return dockerdServes(p.argv, endpoint, defaults);
}

/**
 * The dockerd serving `endpoint`; else, when none does (the engine is reached through a
 * proxy, or from a container), the rootful one with the lowest pid, else the lowest pid.
 */
export function pickDockerd<T extends DockerdProcess>(processes: readonly T[], endpoint: string): T | undefined {
  return processes.find((p) => dockerdServesEndpoint(p, endpoint)) ?? processes.find((p) => !dockerdIsRootless(p)) ?? processes[0];
}

function absolute(p: string | undefined): string | undefined {
  return p !== undefined && path.posix.isAbsolute(p) ? p : undefined;
}
