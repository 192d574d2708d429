// The daemon's effective settings, from /info, daemon.json and dockerd's command line, and
// on top of them the CIS section 3 files and the active TCP probe. Settings are cheap and
// the containers collector needs one of them (the no-new-privileges default); files and
// probes only the daemon and cis collectors read. The parsing and the precedence rules are
// pure code in src/model/daemon-settings.ts; this file reads.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { mapLimit } from '../base/concurrency';
import { describeError } from '../base/log';
import { DAEMON_JSON, DOCKER_CONFIG_DIR, DOCKER_DEFAULTS_FILE, DOCKER_SOCKET, DOCKER_SYSCONFIG_FILE, CONTAINERD_SOCKET, DOCKER_EXEC_ROOT, REGISTRY_CERTS_DIR } from '../base/paths';
import { groupGid, type DaemonFile, type DaemonFileRole } from '../model/daemon-files';
import { parseDaemonJson, parseDockerdArgs, probeTarget, resolveSettings, type DaemonListener, type DaemonSettings, type DockerdArgs } from '../model/daemon-settings';
import { DOCKERD_ENV_KEYS, dockerdPaths, dockerdServesEndpoint, pickDockerd, type DockerdPaths, type DockerdProcess } from '../model/dockerd-process';
import type { EngineInfo } from '../readers/engine-types';
import { readTextFile } from '../readers/files';
import { findHostPath, resolveHostPath } from '../readers/host-paths';
import { probe, type ProbeResult } from '../readers/http-probe';
import { findProcesses, readArgv, readEnvironKeys, readOwner, readStartTime } from '../readers/procfs';
import type { EngineFacts } from './engine';
import type { FactsOptions } from './options';
import type { CollectionRef } from './per-collection';

export type SourceState = 'ok' | 'missing' | 'unreadable' | 'invalid';

export interface DaemonConfigFacts {
  readonly path: string;
  readonly state: SourceState;
  readonly error?: string;
  readonly values?: Readonly<Record<string, unknown>>;
  /** Where a syntax error is (1-based), when state is invalid. */
  readonly line?: number;
  readonly column?: number;
  /** Top-level keys dockerd does not know (it refuses to start with them). */
  readonly unknownKeys?: readonly string[];
  /** Whose choice the path is: --daemon.config-path, dockerd's --config-file, or the default. */
  readonly origin?: 'exporter-flag' | 'dockerd-flag' | 'default';
}

export interface DaemonSettingsFacts {
  /** Undefined when /info could not be read. */
  readonly info: EngineInfo | undefined;
  /** Why /info could not be read. */
  readonly infoError?: string;
  readonly config: DaemonConfigFacts;
  readonly cmdline: {
    readonly state: SourceState;
    readonly pid?: number;
    readonly args?: readonly string[];
    readonly error?: string;
    /** The dockerd's uid as the host sees it (a rootless dockerd's is its user's). */
    readonly uid?: number;
    /** Where that dockerd keeps its files by default: root's, or a rootless dockerd's (undefined: unknown). */
    readonly paths?: DockerdPaths;
  };
  readonly settings: DaemonSettings;
}

export interface DaemonProbe extends ProbeResult {
  /** The dockerd listener this probe tests (tcp://0.0.0.0:2375); undefined for a --daemon.probe-address entry. */
  readonly listener?: string;
}

export interface DaemonFacts extends DaemonSettingsFacts {
  /** The CIS section 3 files that exist, each in its role. */
  readonly files: readonly DaemonFile[];
  /** The gid of the host's docker group (its /etc/group), when there is one. */
  readonly dockerGid: number | undefined;
  /** The plain-HTTP probes: exposed is true when an unauthenticated Docker API answered. */
  readonly probes: readonly DaemonProbe[];
}

const PROBE_CONCURRENCY = 8;

// ---------------------------------------------------------------- settings

async function readConfig(configPath: string, local: string): Promise<Omit<DaemonConfigFacts, 'path' | 'origin'> & { text?: string }> {
  let text: string;
  try {
    text = await readTextFile(local, { maxBytes: 4 * 1024 * 1024 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing', error: `${configPath} does not exist` };
    return { state: 'unreadable', error: `reading ${configPath} failed: ${describeError(err)}` };
  }
  const parsed = parseDaemonJson(text);
  if (!parsed.ok) return { state: 'invalid', error: `${configPath}: line ${parsed.line}, column ${parsed.column}: ${parsed.error}`, line: parsed.line, column: parsed.column, text };
  return { state: 'ok', values: { ...parsed.values }, unknownKeys: [...parsed.unknownKeys], text };
}

/**
 * Reads the daemon settings, once per call. Keeps which dockerd serves our engine between
 * calls (see readCmdline), and tells the shared /info cache to read again when that dockerd
 * or daemon.json changed: a reload follows an edit, and a restart may change anything.
 */
export class DaemonSettingsReader {
  /** The dockerd last found serving our engine. */
  private lastDockerd: (DockerdProcess & { startTime: string }) | undefined;
  /** What /info was last read for: dockerd's identity and daemon.json's text. */
  private lastInputs: string | undefined;

  constructor(
    private readonly engine: EngineFacts,
    /** Where the exporter reaches the engine (DockerEngine.endpoint), to pick the dockerd serving it. */
    private readonly endpoint: string,
    private readonly options: Pick<FactsOptions, 'host' | 'daemon'>,
  ) {}

  async read(ref: CollectionRef): Promise<DaemonSettingsFacts> {
    const { host, daemon } = this.options;
    const { cmdline, identity } = await this.readCmdline();
    const args: DockerdArgs | undefined = cmdline.args ? parseDockerdArgs(cmdline.args) : undefined;

    // An explicit --daemon.config-path wins; else the file dockerd was told to use; else the default.
    // A rootless dockerd's default is its user's ~/.config/docker/daemon.json, a host path like dockerd's own --config-file.
    const dockerdConfigFile = args?.get('config-file')?.at(-1);
    const origin = daemon.configPath !== DAEMON_JSON ? 'exporter-flag' : dockerdConfigFile ? 'dockerd-flag' : 'default';
    const rootlessDefault = origin === 'default' && cmdline.paths?.rootless === true;
    const configPath = origin === 'dockerd-flag' ? dockerdConfigFile! : rootlessDefault ? cmdline.paths!.configFile : daemon.configPath;
    const configLocal = configIsHostPath({ origin, path: configPath }) ? path.join(host.rootPath, configPath) : configPath;
    const { text: configText, ...config } = await readConfig(configPath, configLocal);

    const inputs = JSON.stringify([identity ?? null, configText ?? null]);
    if (this.lastInputs !== undefined && inputs !== this.lastInputs) this.engine.refreshInfo();
    this.lastInputs = inputs;
    let info: EngineInfo | undefined;
    let infoError: string | undefined;
    try {
      info = await this.engine.info(ref);
    } catch (err) {
      infoError = describeError(new Error('reading /info failed', { cause: err }));
    }
    const settings = resolveSettings({ args, config: config.values, info, defaults: cmdline.paths });
    return { info, infoError, config: { path: configPath, origin, ...config }, cmdline, settings };
  }

  /**
   * dockerd's command line. Scanning every process costs tens of milliseconds on a busy
   * host, so a dockerd found serving our engine is checked again by itself (same argv,
   * same start time) and the scan runs only when it changed or none served our engine.
   */
  private async readCmdline(): Promise<{ cmdline: DaemonSettingsFacts['cmdline']; identity?: string }> {
    const procPath = this.options.host.procPath;
    const last = this.lastDockerd;
    if (last) {
      const [argv, startTime] = await Promise.all([readArgv(procPath, last.pid), readStartTime(procPath, last.pid)]);
      if (argv && startTime === last.startTime && argv.join('\0') === last.argv.join('\0')) {
        return { cmdline: cmdlineOf(last), identity: `${last.pid}/${startTime}` };
      }
      this.lastDockerd = undefined;
    }
    try {
      // Each dockerd's owner and the few variables its defaults follow, to tell a rootless one from root's.
      const processes = await Promise.all(
        (await findProcesses(procPath, 'dockerd')).map(async (p): Promise<DockerdProcess> => {
          const [owner, env] = await Promise.all([readOwner(procPath, p.pid), readEnvironKeys(procPath, p.pid, DOCKERD_ENV_KEYS)]);
          return { ...p, ...owner, ...(env ? { env } : {}) };
        }),
      );
      const picked = pickDockerd(processes, this.endpoint);
      if (!picked) return { cmdline: { state: 'missing', error: `no dockerd process under ${procPath}` } };
      const serving = dockerdServesEndpoint(picked, this.endpoint);
      const startTime = await readStartTime(procPath, picked.pid);
      if (serving && startTime !== undefined) this.lastDockerd = { ...picked, startTime };
      return { cmdline: cmdlineOf(picked), identity: `${picked.pid}/${startTime}` };
    } catch (err) {
      return { cmdline: { state: 'unreadable', error: `listing the processes under ${procPath} failed: ${describeError(err)}` } };
    }
  }
}

function cmdlineOf(p: DockerdProcess): DaemonSettingsFacts['cmdline'] {
  const paths = dockerdPaths(p);
  return { state: 'ok', pid: p.pid, args: p.argv, ...(p.uid !== undefined ? { uid: p.uid } : {}), ...(paths ? { paths } : {}) };
}

/** Whether daemon.json's path is a host path (read under --host.root-path): dockerd's choice, or a rootless default; --daemon.config-path is the exporter's own. */
function configIsHostPath(config: Pick<DaemonConfigFacts, 'origin' | 'path'>): boolean {
  return config.origin === 'dockerd-flag' || (config.origin === 'default' && config.path !== DAEMON_JSON);
}

// ---------------------------------------------------------------- files

interface FileSpec {
  readonly role: DaemonFileRole;
  /** The host path, as the metric shows it. */
  readonly path: string;
  /** Where to stat it from this process (under --host.root-path, except an explicit --daemon.config-path). */
  readonly local: string;
}

async function fileSpecs(rootPath: string, settings: DaemonSettings, config: { path: string; local: string }, paths?: DockerdPaths): Promise<FileSpec[]> {
  const host = (role: DaemonFileRole, hostPath: string): FileSpec => ({ role, path: hostPath, local: path.join(rootPath, hostPath) });
  const rootless = paths?.rootless === true;
  const specs: FileSpec[] = [];
  if (rootless) {
    // A rootless dockerd runs from the user's systemd unit (dockerd-rootless-setuptool.sh), if any; it has no
    // docker.socket, and the system's units, /etc/default/docker and /etc/sysconfig/docker are not its own.
    specs.push(host('docker.service', path.posix.join(paths.userUnitDir!, 'docker.service')));
  } else {
    // The unit files in force, found in systemd's order; none when masked.
    for (const unit of ['docker.service', 'docker.socket'] as const) {
      const found = await findHostPath(rootPath, { how: 'systemd-unit', name: unit });
      if (found) specs.push({ role: unit, path: found.foundAt, local: path.join(rootPath, found.foundAt) });
    }
  }
  specs.push(host('/etc/docker', paths?.configDir ?? DOCKER_CONFIG_DIR), { role: 'daemon.json', path: config.path, local: config.local });
  // The sockets dockerd listens on; with fd:// (systemd socket activation) that is docker.socket's, /var/run/docker.sock.
  const sockets = new Set<string>();
  for (const l of settings.listeners) {
    if (l.scheme === 'unix') sockets.add(l.address.slice('unix://'.length));
    else if (l.scheme === 'fd') sockets.add(DOCKER_SOCKET);
  }
  for (const s of sockets) specs.push(host('docker.sock', s));
  // A containerd dockerd was pointed at, else the system one and the one dockerd starts itself (rootless: only its own).
  const own = path.posix.join(settings.execRoot ?? DOCKER_EXEC_ROOT, 'containerd', 'containerd.sock');
  const containerd = settings.containerd ? [settings.containerd] : rootless ? [own] : [CONTAINERD_SOCKET, own];
  for (const s of containerd) specs.push(host('containerd.sock', s));
  if (!rootless) specs.push(host('/etc/default/docker', DOCKER_DEFAULTS_FILE), host('/etc/sysconfig/docker', DOCKER_SYSCONFIG_FILE));
  for (const [role, file] of [['tlscacert', settings.tlsCaCert], ['tlscert', settings.tlsCert], ['tlskey', settings.tlsKey]] as const) {
    if (file) specs.push(host(role, file));
  }
  // certs.d/<registry>/<file>: each registry's CA and client certificates.
  const certsDir = paths?.certsDir ?? REGISTRY_CERTS_DIR;
  const registries = await fs.readdir(path.join(rootPath, certsDir)).catch(() => [] as string[]);
  for (const registry of registries.sort()) {
    const files = await fs.readdir(path.join(rootPath, certsDir, registry)).catch(() => [] as string[]);
    for (const f of files.sort()) specs.push(host('registry-certs', path.posix.join(certsDir, registry, f)));
  }
  return specs;
}

/** Stats every daemon file that exists (following symlinks, as ls -L and dockerd do), and finds the docker group. */
export async function readDaemonFiles(rootPath: string, settings: DaemonSettings, config: { path: string; local: string }, paths?: DockerdPaths): Promise<{ files: DaemonFile[]; dockerGid: number | undefined }> {
  const [specs, etcGroup] = await Promise.all([fileSpecs(rootPath, settings, config, paths), readTextFile(path.join(rootPath, 'etc', 'group')).catch(() => '')]);
  const unique = specs.filter((spec, i) => specs.findIndex((o) => o.role === spec.role && o.path === spec.path) === i);
  // A host file's absolute symlinks (/var/run -> /run) point into the host root, not into the exporter's own filesystem.
  const underRoot = (spec: FileSpec) => rootPath !== '/' && spec.local === path.join(rootPath, spec.path);
  const statOf = async (spec: FileSpec) => fs.stat(underRoot(spec) ? path.join(rootPath, await resolveHostPath(rootPath, spec.path)) : spec.local);
  const stats = await Promise.all(unique.map((spec) => statOf(spec).catch(() => undefined)));
  const files: DaemonFile[] = [];
  unique.forEach((spec, i) => {
    const stat = stats[i];
    if (!stat) return; // only the files that exist
    if (spec.role === 'registry-certs' && !stat.isFile()) return;
    files.push({ path: spec.path, role: spec.role, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, isDirectory: stat.isDirectory() });
  });
  return { files, dockerGid: groupGid(etcGroup, 'docker') };
}

// ---------------------------------------------------------------- the probe

/** Probes every TCP listener and every extra address, each once, at most PROBE_CONCURRENCY at a time. */
export async function probeListeners(listeners: readonly DaemonListener[], extra: readonly string[], signal: AbortSignal): Promise<DaemonProbe[]> {
  const targets = new Map<string, string | undefined>();
  for (const l of listeners) {
    const target = l.scheme === 'tcp' ? probeTarget(l.address) : undefined;
    if (target && !targets.has(target)) targets.set(target, l.address);
  }
  for (const a of extra) if (!targets.has(a)) targets.set(a, undefined);
  return mapLimit([...targets], PROBE_CONCURRENCY, async ([address, listener]) => ({ ...(await probe(address, signal)), ...(listener ? { listener } : {}) }));
}

// ---------------------------------------------------------------- all of it

/** The settings' facts, plus the files and the probes. Never throws for a missing source: it is reported in the facts. */
export async function readDaemonFacts(settings: DaemonSettingsFacts, options: Pick<FactsOptions, 'host' | 'daemon'>, signal: AbortSignal): Promise<DaemonFacts> {
  const { host, daemon } = options;
  const configLocal = configIsHostPath(settings.config) ? path.join(host.rootPath, settings.config.path) : settings.config.path;
  const [{ files, dockerGid }, probes] = await Promise.all([
    readDaemonFiles(host.rootPath, settings.settings, { path: settings.config.path, local: configLocal }, settings.cmdline.paths),
    probeListeners(settings.settings.listeners, daemon.probeAddresses, signal),
  ]);
  return { ...settings, files, dockerGid, probes };
}
