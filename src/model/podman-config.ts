// Podman's posture in place of dockerd's: Podman has no daemon, no flags and no daemon.json,
// but it has engine-wide defaults every container gets, from containers.conf (TOML, read by
// each podman process) and as Podman reports them itself in /libpod/info. Pure: the facts
// (src/facts/podman.ts) read the files and the API, this turns them into a posture.
//
// Where both say, /libpod/info wins: it is what the running service applies (capabilities,
// seccomp, AppArmor, SELinux, log driver). Two settings only containers.conf holds: the user
// namespace containers get (userns) and the log size limit (log_size_max).
import type { parse as ParseToml } from 'smol-toml' with { 'resolution-mode': 'import' };
import type { LibpodInfo } from '../readers/engine-types';
import { capabilitySet, PODMAN_DEFAULT_CAPABILITIES } from './capabilities';

// smol-toml ships a CommonJS build but only the types of its ES module build: the types are
// taken from that one, the code from the CommonJS build this CommonJS project requires.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse: parseToml } = require('smol-toml') as { parse: typeof ParseToml };

/** The settings of the [containers] table the exporter reads, as one containers.conf file sets them. */
export interface ContainersConfSettings {
  readonly defaultCapabilities?: readonly string[];
  readonly seccompProfile?: string;
  readonly userns?: string;
  readonly logDriver?: string;
  readonly logSizeMax?: number;
}

export type ContainersConfParse = { readonly ok: true; readonly settings: ContainersConfSettings } | { readonly ok: false; readonly error: string };

/** containers.conf keys, their TOML type, and the field each fills. */
const KEYS = [
  ['default_capabilities', 'string[]', 'defaultCapabilities'],
  ['seccomp_profile', 'string', 'seccompProfile'],
  ['userns', 'string', 'userns'],
  ['log_driver', 'string', 'logDriver'],
  ['log_size_max', 'integer', 'logSizeMax'],
] as const;

const typeOk = (value: unknown, type: (typeof KEYS)[number][1]): boolean =>
  type === 'string' ? typeof value === 'string'
    : type === 'integer' ? (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint'
      : Array.isArray(value) && value.every((v) => typeof v === 'string');

/**
 * One containers.conf file. A file that is not TOML, or gives one of the keys read here a
 * value of the wrong type, is invalid: Podman refuses to run with it, so none of its
 * settings is taken (the error names the line or the key).
 */
export function parseContainersConf(text: string): ContainersConfParse {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    return { ok: false, error: (err as Error).message.split('\n')[0] };
  }
  const table = doc.containers;
  if (table === undefined) return { ok: true, settings: {} };
  if (typeof table !== 'object' || table === null || Array.isArray(table)) return { ok: false, error: '[containers] is not a table' };
  const settings: Record<string, unknown> = {};
  for (const [key, type, field] of KEYS) {
    const value = (table as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (!typeOk(value, type)) return { ok: false, error: `containers.${key}: expected ${type === 'string[]' ? 'an array of strings' : `a${type === 'integer' ? 'n' : ''} ${type}`}` };
    settings[field] = typeof value === 'bigint' ? Number(value) : value;
  }
  return { ok: true, settings: settings as ContainersConfSettings };
}

/** The files in the order Podman reads them: a later file's key replaces an earlier one's (containers/common config.go). */
export function mergeContainersConf(files: readonly ContainersConfSettings[]): ContainersConfSettings {
  return Object.assign({}, ...files) as ContainersConfSettings;
}

/** Podman's log drivers that write a file per container, which log_size_max bounds. */
const FILE_LOG_DRIVERS = new Set(['k8s-file', 'json-file']);

export interface PodmanPosture {
  /** Sorted, normalised (CHOWN): what every container gets. */
  readonly defaultCapabilities: readonly string[];
  /** Where they come from: /libpod/info, containers.conf, or Podman's built-in list. */
  readonly capabilitiesSource: 'info' | 'config' | 'default';
  /** Off when seccomp is unavailable or the default profile is "unconfined"; undefined when neither source says. */
  readonly seccompEnabled: boolean | undefined;
  readonly apparmorEnabled: boolean | undefined;
  readonly selinuxEnabled: boolean | undefined;
  /** Containers get their own user namespace by default (containers.conf userns other than "" or "host"). */
  readonly usernsEnabled: boolean;
  readonly logDriver: string;
  /** Bytes; -1 for no limit (Podman's own default and notation). */
  readonly logSizeMaxBytes: number;
  /** The default log driver keeps bounded files: k8s-file or json-file with log_size_max above 0. */
  readonly logRotationConfigured: boolean;
  readonly runtime: string;
  readonly cgroupManager: string;
}

/** Podman 4.x's defaults for what neither /libpod/info nor containers.conf says (containers/common default.go). */
const PODMAN_DEFAULT_LOG_DRIVER = 'k8s-file';

export function podmanPosture(info: LibpodInfo | undefined, conf: ContainersConfSettings): PodmanPosture {
  const security = info?.host?.security ?? undefined;
  const infoCaps = security?.capabilities !== undefined ? capabilitySet(security.capabilities) : undefined;
  const confCaps = conf.defaultCapabilities !== undefined ? capabilitySet(conf.defaultCapabilities) : undefined;
  const [caps, capabilitiesSource] = infoCaps ? [infoCaps, 'info' as const] : confCaps ? [confCaps, 'config' as const] : [PODMAN_DEFAULT_CAPABILITIES, 'default' as const];

  const profile = security?.seccompProfilePath ?? conf.seccompProfile;
  const seccompEnabled =
    profile === 'unconfined' || conf.seccompProfile === 'unconfined' ? false
      : security?.seccompEnabled !== undefined ? security.seccompEnabled
        : conf.seccompProfile !== undefined ? true
          : undefined;

  const logDriver = info?.host?.logDriver || conf.logDriver || PODMAN_DEFAULT_LOG_DRIVER;
  const logSizeMaxBytes = conf.logSizeMax !== undefined && conf.logSizeMax > 0 ? conf.logSizeMax : -1;
  const userns = (conf.userns ?? '').trim();
  return {
    defaultCapabilities: [...caps].sort(),
    capabilitiesSource,
    seccompEnabled,
    apparmorEnabled: security?.apparmorEnabled,
    selinuxEnabled: security?.selinuxEnabled,
    usernsEnabled: userns !== '' && userns !== 'host',
    logDriver,
    logSizeMaxBytes,
    logRotationConfigured: FILE_LOG_DRIVERS.has(logDriver) && logSizeMaxBytes > 0,
    runtime: info?.host?.ociRuntime?.name ?? '',
    cgroupManager: info?.host?.cgroupManager ?? '',
  };
}

/**
 * Whether Podman's API socket is owned as it should be: by root:root for a rootful Podman (the
 * podman.socket unit's default; there is no "podman" group), and by the user for a rootless
 * one, never by root. Anyone who can write to the socket runs containers as Podman's user.
 */
export function podmanSocketOwnerOk(stat: { readonly uid: number; readonly gid: number }, rootless: boolean): boolean {
  return rootless ? stat.uid !== 0 : stat.uid === 0 && stat.gid === 0;
}
