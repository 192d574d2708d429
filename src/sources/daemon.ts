// The daemon's effective settings, from /info, daemon.json and dockerd's command line, plus
// the CIS section 3 files and the active TCP probe. Shared by the daemon and cis collectors.
// The parsing and the precedence rules are pure code in daemon-settings.ts; this file reads.
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import type { EngineInfo } from '../docker/types';
import type { DockerEngine } from '../docker/engine';
import type { CollectorDeps } from '../collectors/collector';
import { resolveCisPath, resolveHostPath } from '../audit/rules-cis';
import { describeError } from '../log';
import { mapLimit } from '../util/concurrency';
import { DEFAULT_SOCKET, parseDaemonJson, parseDockerdArgs, resolveSettings, tcpHostPort, type DockerdArgs } from './daemon-settings';

/** Where one setting came from: /info where it reports the setting, else dockerd's flags, then daemon.json, then dockerd's default. */
export type SettingSource = 'flag' | 'config' | 'info' | 'default';

export interface DaemonListener {
  /** As written: unix:///var/run/docker.sock, tcp://0.0.0.0:2376, fd://. */
  readonly address: string;
  readonly scheme: string;
  /** TLS on, with client certificates verified (--tlsverify). */
  readonly tlsVerify: boolean;
  /** TLS on at all (--tls or --tlsverify). */
  readonly tls: boolean;
}

export interface DaemonFile {
  /** The host path (without --host.root-path), e.g. /lib/systemd/system/docker.service. */
  readonly path: string;
  /** What the file is, as CIS names it: docker.service, docker.socket, /etc/docker, daemon.json, docker.sock, containerd.sock, /etc/default/docker, /etc/sysconfig/docker, tlscacert, tlscert, tlskey, registry-certs. */
  readonly role: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly isDirectory: boolean;
  /** The owner CIS asks for: "root:root", or "root:docker" for docker.sock. */
  readonly expectedOwner?: string;
  /** The loosest permission bits CIS allows (0o644 for docker.service, 0o400 for tlskey, ...). */
  readonly maxMode?: number;
  /** Owned as CIS asks (docker.sock: root:docker, or the stricter root:root). */
  readonly ownerOk?: boolean;
  /** No permission bit beyond maxMode. */
  readonly modeOk?: boolean;
}

export interface DaemonSettings {
  readonly usernsRemap: string | undefined;
  readonly liveRestore: boolean;
  readonly icc: boolean;
  readonly userlandProxy: boolean;
  readonly noNewPrivileges: boolean;
  readonly experimental: boolean;
  readonly seccomp: boolean;
  readonly seccompProfile: string | undefined;
  readonly apparmor: boolean;
  readonly selinux: boolean;
  readonly rootless: boolean;
  readonly iptables: boolean;
  readonly logLevel: string;
  readonly logDriver: string;
  readonly logOpts: Readonly<Record<string, string>>;
  readonly storageDriver: string;
  readonly authorizationPlugins: readonly string[];
  /** Insecure registries, without the built-in 127.0.0.0/8. */
  readonly insecureRegistries: readonly string[];
  readonly cgroupParent: string | undefined;
  readonly defaultUlimits: Readonly<Record<string, unknown>>;
  readonly listeners: readonly DaemonListener[];
  readonly tlsCaCert: string | undefined;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** Which source decided each setting, by DaemonSettings key. */
  readonly sources: Readonly<Record<string, SettingSource>>;
  /** --tls (or --tlsverify, which implies it). */
  readonly tls?: boolean;
  /** --tlsverify. */
  readonly tlsVerify?: boolean;
  /** --containerd: the socket of a containerd dockerd did not start itself. */
  readonly containerd?: string;
  /** --exec-root (default /var/run/docker), where dockerd's own containerd puts its socket. */
  readonly execRoot?: string;
}

export type SourceState = 'ok' | 'missing' | 'unreadable' | 'invalid';

export interface DaemonProbe {
  /** host:port probed. */
  readonly address: string;
  /** An unauthenticated Docker API answered GET /_ping over plain HTTP. */
  readonly exposed: boolean;
  /** The dockerd listener this probe tests (tcp://0.0.0.0:2375); undefined for a --daemon.probe-address entry. */
  readonly listener?: string;
  /** The HTTP status, when something answered. */
  readonly status?: number;
  /** Why nothing answered (connection refused, timeout). */
  readonly error?: string;
}

export interface DaemonFacts {
  /** Undefined when /info could not be read. */
  readonly info: EngineInfo | undefined;
  /** Why /info could not be read. */
  readonly infoError?: string;
  readonly config: {
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
  };
  readonly cmdline: { readonly state: SourceState; readonly pid?: number; readonly args?: readonly string[]; readonly error?: string };
  readonly settings: DaemonSettings;
  readonly files: readonly DaemonFile[];
  /** The plain-HTTP probes: exposed is true when an unauthenticated Docker API answered. */
  readonly probes: readonly DaemonProbe[];
}

export const DEFAULT_CONFIG_PATH = '/etc/docker/daemon.json';
const PROBE_TIMEOUT_MS = 1000;
const PROBE_CONCURRENCY = 8;

// ---------------------------------------------------------------- dockerd's command line

/** A unix socket path with /var/run spelled /run, as it is on every systemd host. */
const canonicalSocket = (p: string) => path.posix.normalize(p).replace(/^\/var\/run\//, '/run/');

/**
 * Whether a dockerd listener is the engine the exporter talks to ("unix:///path",
 * "http://host:port", "https://host:port", as DockerEngine.endpoint says).
 */
export function listenerServes(listener: string, endpoint: string): boolean {
  const unix = /^unix:\/\/(.+)$/.exec(endpoint);
  if (unix) {
    const want = canonicalSocket(unix[1]);
    if (listener.startsWith('unix://')) return canonicalSocket(listener.slice(7)) === want;
    return listener.startsWith('fd://') && want === canonicalSocket(DEFAULT_SOCKET); // systemd's docker.socket
  }
  const tcp = /^(?:https?|tcp):\/\/(\[[^\]]*\]|[^:/]+):(\d+)/.exec(endpoint);
  const l = tcpHostPort(listener);
  if (!tcp || !l || Number(tcp[2]) !== l.port) return false;
  const loopback = (h: string) => ['localhost', '127.0.0.1', '::1'].includes(h);
  const host = tcp[1].replace(/^\[|\]$/g, '');
  return l.host === host || ['0.0.0.0', '::', ''].includes(l.host) || (loopback(l.host) && loopback(host));
}

export interface DockerdProcess {
  readonly pid: number;
  readonly argv: readonly string[];
}

/** A process's argv from <proc>/<pid>/cmdline (NUL-separated); undefined when it is gone or unreadable. */
async function readArgv(procPath: string, pid: number): Promise<string[] | undefined> {
  try {
    const argv = (await fs.readFile(path.join(procPath, String(pid), 'cmdline'), 'utf8')).split('\0');
    if (argv.at(-1) === '') argv.pop();
    return argv;
  } catch {
    return undefined; // exited meanwhile, or a process we may not read
  }
}

/** A process's start time (field 22 of <proc>/<pid>/stat), so a reused pid is not taken for the same process. */
async function readStartTime(procPath: string, pid: number): Promise<string | undefined> {
  const stat = await fs.readFile(path.join(procPath, String(pid), 'stat'), 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

const isDockerd = (argv: readonly string[] | undefined): argv is string[] => argv !== undefined && argv.length > 0 && path.posix.basename(argv[0]) === 'dockerd';

/**
 * Every dockerd under procPath (argv[0]'s basename is "dockerd"), by pid. Processes that
 * vanish or cannot be read meanwhile are skipped; an unreadable procPath throws.
 */
export async function findDockerdProcesses(procPath: string): Promise<DockerdProcess[]> {
  const entries = await fs.readdir(procPath);
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  const found = await mapLimit(pids, 16, async (pid): Promise<DockerdProcess | undefined> => {
    const argv = await readArgv(procPath, pid);
    return isDockerd(argv) ? { pid, argv } : undefined;
  });
  return found.filter((p): p is DockerdProcess => p !== undefined);
}

/** The dockerd serving `endpoint` (several may run, e.g. a test's second daemon), else the one with the lowest pid. */
export function pickDockerd(processes: readonly DockerdProcess[], endpoint: string): DockerdProcess | undefined {
  return processes.find((p) => servesEndpoint(p, endpoint)) ?? processes[0];
}

/** Whether one of the process's -H listeners (the default socket when it has none) is `endpoint`. */
function servesEndpoint(p: DockerdProcess, endpoint: string): boolean {
  return resolveSettings({ args: parseDockerdArgs(p.argv), config: undefined, info: undefined }).listeners.some((l) => listenerServes(l.address, endpoint));
}

// ---------------------------------------------------------------- files

interface FileSpec {
  readonly role: string;
  /** The host path, as the metric shows it. */
  readonly path: string;
  /** Where to stat it from this process (under --host.root-path, except an explicit --daemon.config-path). */
  readonly local: string;
}

/** The unit file in force, found as the auditrules collector finds it (SYSTEMD_UNIT_DIRS); none when masked. */
async function findUnit(rootPath: string, unit: string): Promise<FileSpec | undefined> {
  const found = await resolveCisPath(rootPath, { check: unit, name: unit, kind: 'file', resolve: { how: 'systemd-unit', name: unit } });
  return found && { role: unit, path: found.foundAt, local: path.join(rootPath, found.foundAt) };
}

/** CIS section 3: the owner and loosest mode each role may have (checks 3.1-3.24 judge by it). */
export const CIS_FILE_RULES: Readonly<Record<string, { owner: string; maxMode: number }>> = {
  'docker.service': { owner: 'root:root', maxMode: 0o644 },
  'docker.socket': { owner: 'root:root', maxMode: 0o644 },
  '/etc/docker': { owner: 'root:root', maxMode: 0o755 },
  'registry-certs': { owner: 'root:root', maxMode: 0o444 },
  tlscacert: { owner: 'root:root', maxMode: 0o444 },
  tlscert: { owner: 'root:root', maxMode: 0o444 },
  tlskey: { owner: 'root:root', maxMode: 0o400 },
  'docker.sock': { owner: 'root:docker', maxMode: 0o660 },
  'daemon.json': { owner: 'root:root', maxMode: 0o644 },
  '/etc/default/docker': { owner: 'root:root', maxMode: 0o644 },
  '/etc/sysconfig/docker': { owner: 'root:root', maxMode: 0o644 },
  'containerd.sock': { owner: 'root:root', maxMode: 0o660 },
};

/** The gid of the group named docker in <root>/etc/group, when there is one. */
async function dockerGid(rootPath: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(rootPath, 'etc', 'group'), 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.startsWith('docker:'));
  const gid = line?.split(':')[2];
  return gid !== undefined && /^\d+$/.test(gid) ? Number(gid) : undefined;
}

/** Judges one stat against its role's CIS rule. */
export function daemonFile(spec: Pick<FileSpec, 'role' | 'path'>, stat: { mode: number; uid: number; gid: number; isDirectory: boolean }, dockerGroupGid: number | undefined): DaemonFile {
  const rule = CIS_FILE_RULES[spec.role];
  const mode = stat.mode & 0o7777;
  const groupOk = stat.gid === 0 || (rule?.owner === 'root:docker' && stat.gid === dockerGroupGid);
  return {
    path: spec.path,
    role: spec.role,
    mode,
    uid: stat.uid,
    gid: stat.gid,
    isDirectory: stat.isDirectory,
    expectedOwner: rule?.owner,
    maxMode: rule?.maxMode,
    ownerOk: stat.uid === 0 && groupOk,
    modeOk: rule ? (mode & ~rule.maxMode) === 0 : undefined,
  };
}

async function fileSpecs(rootPath: string, settings: DaemonSettings, config: { path: string; local: string }): Promise<FileSpec[]> {
  const host = (role: string, hostPath: string): FileSpec => ({ role, path: hostPath, local: path.join(rootPath, hostPath) });
  const specs: FileSpec[] = [];
  for (const unit of ['docker.service', 'docker.socket']) {
    const found = await findUnit(rootPath, unit);
    if (found) specs.push(found);
  }
  specs.push(host('/etc/docker', '/etc/docker'), { role: 'daemon.json', path: config.path, local: config.local });
  // The sockets dockerd listens on; with fd:// (systemd socket activation) that is docker.socket's, /var/run/docker.sock.
  const sockets = new Set<string>();
  for (const l of settings.listeners) {
    if (l.scheme === 'unix') sockets.add(l.address.slice('unix://'.length));
    else if (l.scheme === 'fd') sockets.add(DEFAULT_SOCKET);
  }
  for (const s of sockets) specs.push(host('docker.sock', s));
  // A containerd dockerd was pointed at, else the system one and the one dockerd starts itself.
  const containerd = settings.containerd ? [settings.containerd] : ['/run/containerd/containerd.sock', path.posix.join(settings.execRoot ?? '/var/run/docker', 'containerd', 'containerd.sock')];
  for (const s of containerd) specs.push(host('containerd.sock', s));
  specs.push(host('/etc/default/docker', '/etc/default/docker'), host('/etc/sysconfig/docker', '/etc/sysconfig/docker'));
  for (const [role, file] of [['tlscacert', settings.tlsCaCert], ['tlscert', settings.tlsCert], ['tlskey', settings.tlsKey]] as const) {
    if (file) specs.push(host(role, file));
  }
  // /etc/docker/certs.d/<registry>/<file>: each registry's CA and client certificates.
  const certsD = '/etc/docker/certs.d';
  const registries = await fs.readdir(path.join(rootPath, certsD)).catch(() => [] as string[]);
  for (const registry of registries.sort()) {
    const files = await fs.readdir(path.join(rootPath, certsD, registry)).catch(() => [] as string[]);
    for (const f of files.sort()) specs.push(host('registry-certs', path.posix.join(certsD, registry, f)));
  }
  return specs;
}

/** Stats every daemon file that exists (following symlinks, as ls -L and dockerd do). */
export async function readDaemonFiles(rootPath: string, settings: DaemonSettings, config: { path: string; local: string }): Promise<DaemonFile[]> {
  const [specs, gid] = await Promise.all([fileSpecs(rootPath, settings, config), dockerGid(rootPath)]);
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
    files.push(daemonFile(spec, { mode: stat.mode, uid: stat.uid, gid: stat.gid, isDirectory: stat.isDirectory() }, gid));
  });
  return files;
}

// ---------------------------------------------------------------- the probe

/** The host:port a TCP listener is reached at from this host: a wildcard or localhost bind is probed on 127.0.0.1. */
export function probeTarget(listener: string): string | undefined {
  const hp = tcpHostPort(listener);
  if (!hp) return undefined;
  const host = ['0.0.0.0', '::', '', 'localhost'].includes(hp.host) ? '127.0.0.1' : hp.host;
  return `${host.includes(':') ? `[${host}]` : host}:${hp.port}`;
}

/**
 * One plain-HTTP GET /_ping. Exposed when it answers as the Docker API does (200 with "OK"
 * or an Api-Version header): then anyone who can reach the address owns the host. A TLS
 * listener answers plain HTTP with 400, and is not exposed.
 */
export function probe(address: string, signal: AbortSignal, timeoutMs = PROBE_TIMEOUT_MS): Promise<Omit<DaemonProbe, 'listener'>> {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!m) return Promise.resolve({ address, exposed: false, error: 'not host:port' });
  // http.request throws on such a port, which would fail every other probe with it.
  if (Number(m[2]) < 1 || Number(m[2]) > 65535) return Promise.resolve({ address, exposed: false, error: 'no such port' });
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: Omit<DaemonProbe, 'listener' | 'address'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve({ address, ...result });
    };
    const req = http.request({ host: m[1], port: Number(m[2]), path: '/_ping', method: 'GET', agent: false, headers: { Host: address } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 64) body += chunk;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        finish({ status, exposed: status === 200 && (body.trim() === 'OK' || res.headers['api-version'] !== undefined) });
      });
      res.on('error', (err) => finish({ status: res.statusCode, exposed: false, error: err.message }));
    });
    const timer = setTimeout(() => finish({ exposed: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    const onAbort = () => finish({ exposed: false, error: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ exposed: false, error: err.code ?? err.message }));
    req.end();
  });
}

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

// ---------------------------------------------------------------- daemon.json

async function readConfig(configPath: string, local: string): Promise<{ state: SourceState; error?: string; values?: Record<string, unknown>; line?: number; column?: number; unknownKeys?: string[]; text?: string }> {
  let text: string;
  try {
    text = await fs.readFile(local, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing', error: `${configPath} does not exist` };
    return { state: 'unreadable', error: `reading ${configPath} failed: ${describeError(err)}` };
  }
  const parsed = parseDaemonJson(text);
  if (!parsed.ok) return { state: 'invalid', error: `${configPath}: line ${parsed.line}, column ${parsed.column}: ${parsed.error}`, line: parsed.line, column: parsed.column, text };
  return { state: 'ok', values: { ...parsed.values }, unknownKeys: [...parsed.unknownKeys], text };
}

// ---------------------------------------------------------------- the reader

/**
 * Reads the daemon facts, once per call. Keeps two things between calls. The /info
 * answer, which costs dockerd a `runc --version` and changes only on a restart or a
 * reload: it is reused, as the engine collector reuses its own, while a ping answers with
 * the same API version, dockerd (pid and start time) and daemon.json are unchanged (a
 * reload follows an edit), and it is younger than --collector.engine.info-max-age. And
 * which dockerd serves our engine (see readCmdline).
 */
export class DaemonFactsReader {
  private cachedInfo: { info: EngineInfo; apiVersion: string; dockerd: string | undefined; configText: string | undefined; fetchedAtMs: number } | undefined;
  /** The dockerd last found serving our engine. */
  private lastDockerd: { pid: number; argv: readonly string[]; startTime: string } | undefined;

  constructor(
    private readonly engine: DockerEngine,
    private readonly options: CollectorDeps['options'],
  ) {}

  async read(signal: AbortSignal, nowMs: number): Promise<DaemonFacts> {
    const { host, daemon } = this.options;
    const { cmdline, identity } = await this.readCmdline();
    const args: DockerdArgs | undefined = cmdline.args ? parseDockerdArgs(cmdline.args) : undefined;

    // An explicit --daemon.config-path wins; else the file dockerd was told to use; else the default.
    const dockerdConfigFile = args?.get('config-file')?.at(-1);
    const origin = daemon.configPath !== DEFAULT_CONFIG_PATH ? 'exporter-flag' : dockerdConfigFile ? 'dockerd-flag' : 'default';
    const configPath = origin === 'dockerd-flag' ? dockerdConfigFile! : daemon.configPath;
    const configLocal = origin === 'dockerd-flag' ? path.join(host.rootPath, configPath) : configPath;
    const { text: configText, ...config } = await readConfig(configPath, configLocal);

    const info = await this.readInfo(signal, nowMs, identity, configText);
    const settings = resolveSettings({ args, config: config.values, info: info.info });
    const [files, probes] = await Promise.all([
      readDaemonFiles(host.rootPath, settings, { path: configPath, local: configLocal }),
      probeListeners(settings.listeners, daemon.probeAddresses, signal),
    ]);
    return { info: info.info, infoError: info.error, config: { path: configPath, origin, ...config }, cmdline, settings, files, probes };
  }

  /**
   * dockerd's command line. Scanning every process costs tens of milliseconds on a busy
   * host, so a dockerd found serving our engine is checked again by itself (same argv,
   * same start time) and the scan runs only when it changed or none served our engine.
   */
  private async readCmdline(): Promise<{ cmdline: DaemonFacts['cmdline']; identity?: string }> {
    const procPath = this.options.host.procPath;
    const last = this.lastDockerd;
    if (last) {
      const [argv, startTime] = await Promise.all([readArgv(procPath, last.pid), readStartTime(procPath, last.pid)]);
      if (argv && startTime === last.startTime && argv.join('\0') === last.argv.join('\0')) {
        return { cmdline: { state: 'ok', pid: last.pid, args: last.argv }, identity: `${last.pid}/${startTime}` };
      }
      this.lastDockerd = undefined;
    }
    try {
      const processes = await findDockerdProcesses(procPath);
      const serving = processes.find((p) => servesEndpoint(p, this.engine.endpoint));
      const picked = serving ?? processes[0];
      if (!picked) return { cmdline: { state: 'missing', error: `no dockerd process under ${procPath}` } };
      const startTime = await readStartTime(procPath, picked.pid);
      if (serving && startTime !== undefined) this.lastDockerd = { pid: picked.pid, argv: picked.argv, startTime };
      return { cmdline: { state: 'ok', pid: picked.pid, args: picked.argv }, identity: `${picked.pid}/${startTime}` };
    } catch (err) {
      return { cmdline: { state: 'unreadable', error: `listing the processes under ${procPath} failed: ${describeError(err)}` } };
    }
  }

  private async readInfo(signal: AbortSignal, nowMs: number, dockerd: string | undefined, configText: string | undefined): Promise<{ info?: EngineInfo; error?: string }> {
    try {
      const { negotiatedVersion } = await this.engine.ping(signal);
      const c = this.cachedInfo;
      const fresh = c && c.apiVersion === negotiatedVersion && c.dockerd === dockerd && c.configText === configText && nowMs - c.fetchedAtMs < this.options.engineInfoMaxAgeMs;
      if (!fresh) this.cachedInfo = { info: await this.engine.info(signal), apiVersion: negotiatedVersion, dockerd, configText, fetchedAtMs: nowMs };
      return { info: this.cachedInfo!.info };
    } catch (err) {
      this.cachedInfo = undefined;
      return { error: describeError(new Error('reading /info failed', { cause: err })) };
    }
  }
}

/** Reads every daemon fact once, with nothing kept between calls. Never throws for a missing source: it is reported in the facts. */
export async function readDaemonFacts(engine: DockerEngine, options: CollectorDeps['options'], signal: AbortSignal): Promise<DaemonFacts> {
  return new DaemonFactsReader(engine, options).read(signal, Date.now());
}
