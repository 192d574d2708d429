// Pure code behind the daemon facts: dockerd's command line parsed as dockerd (pflag) parses
// it, daemon.json parsed with the position of a syntax error, -H addresses normalised as
// dockerd normalises them, and the effective settings decided from the three sources.
import * as path from 'node:path';
import { DOCKER_EXEC_ROOT, DOCKER_SOCKET } from '../base/paths';
import type { EngineInfo } from '../readers/engine-types';
import { isRootless } from './engine-kind';

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

// ---------------------------------------------------------------- command line

/** dockerd's one-letter flags and the long flag each stands for. */
const SHORT_FLAGS: Readonly<Record<string, string>> = { H: 'host', D: 'debug', l: 'log-level', s: 'storage-driver', b: 'bridge', G: 'group', g: 'graph', p: 'pidfile' };

/**
 * dockerd's boolean flags. pflag never takes the next argument as a boolean's value
 * (`--icc false` leaves "false" as a stray argument), so only `--icc=false` turns one off.
 */
const BOOLEAN_FLAGS = new Set([
  'debug', 'icc', 'iptables', 'ip6tables', 'ip-forward', 'ip-masq', 'ipv6', 'live-restore', 'userland-proxy', 'no-new-privileges',
  'experimental', 'selinux-enabled', 'rootless', 'tls', 'tlsverify', 'raw-logs', 'init', 'validate', 'version', 'help',
  'disable-legacy-registry', 'allow-direct-routing', 'ip-forward-no-drop', 'cri-containerd',
]);

/** Flag values by long name, in command-line order (repeated flags such as -H keep every value). */
export type DockerdArgs = ReadonlyMap<string, readonly string[]>;

/** Parses dockerd's argv (argv[0] included) the way pflag does: --f=v, --f v, -H v, -Hv, -H=v, booleans, `--`. */
export function parseDockerdArgs(argv: readonly string[]): DockerdArgs {
  const flags = new Map<string, string[]>();
  const add = (name: string, value: string) => {
    const list = flags.get(name) ?? [];
    list.push(value);
    flags.set(name, list);
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const long = SHORT_FLAGS[arg[1]];
      if (!long) continue; // not a flag dockerd has
      name = long;
      const rest = arg.slice(2);
      inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest;
      if (BOOLEAN_FLAGS.has(name) && inline !== undefined && !arg.slice(2).startsWith('=')) inline = undefined; // -D combined with other shorthands
    } else {
      continue; // a positional argument (dockerd refuses them)
    }
    if (inline !== undefined) add(name, inline);
    else if (BOOLEAN_FLAGS.has(name)) add(name, 'true');
    else if (i + 1 < argv.length) add(name, argv[++i]);
  }
  return flags;
}

/** Go's strconv.ParseBool, which pflag uses. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

const lastFlag = (args: DockerdArgs, name: string): string | undefined => args.get(name)?.at(-1);
const boolFlag = (args: DockerdArgs, name: string): boolean | undefined => {
  const v = lastFlag(args, name);
  return v === undefined ? undefined : parseGoBool(v);
};

// ---------------------------------------------------------------- daemon.json

/** The top-level keys dockerd (20.10 to 28) accepts in daemon.json; it refuses to start on any other. */
export const KNOWN_CONFIG_KEYS: ReadonlySet<string> = new Set([
  'allow-direct-routing', 'allow-nondistributable-artifacts', 'api-cors-header', 'authorization-plugins', 'bip', 'bip6', 'bridge',
  'bridge-accept-fwmark', 'builder', 'cdi-spec-dirs', 'cgroup-parent', 'cluster-advertise', 'cluster-store', 'cluster-store-opts',
  'containerd', 'containerd-namespace', 'containerd-plugin-namespace', 'cpu-rt-period', 'cpu-rt-runtime', 'data-root', 'debug',
  'default-address-pools', 'default-cgroupns-mode', 'default-gateway', 'default-gateway-v6', 'default-ipc-mode', 'default-network-opts',
  'default-runtime', 'default-shm-size', 'default-ulimits', 'disable-legacy-registry', 'dns', 'dns-opts', 'dns-search', 'exec-opts',
  'exec-root', 'experimental', 'features', 'firewall-backend', 'fixed-cidr', 'fixed-cidr-v6', 'graph', 'group', 'host-gateway-ip',
  'host-gateway-ips', 'hosts', 'http-proxy', 'https-proxy', 'icc', 'init', 'init-path', 'insecure-registries', 'ip', 'ip-forward',
  'ip-forward-no-drop', 'ip-masq', 'ip6tables', 'iptables', 'ipv6', 'labels', 'live-restore', 'log-driver', 'log-format', 'log-level',
  'log-opts', 'max-concurrent-downloads', 'max-concurrent-uploads', 'max-download-attempts', 'metrics-addr', 'min-api-version', 'mtu',
  'network-control-plane-mtu', 'no-new-privileges', 'no-proxy', 'node-generic-resources', 'oom-score-adjust', 'pidfile', 'proxies',
  'raw-logs', 'registry-mirrors', 'rootless', 'runtimes', 'seccomp-profile', 'selinux-enabled', 'shutdown-timeout', 'storage-driver',
  'storage-opts', 'swarm-default-advertise-addr', 'tls', 'tlscacert', 'tlscert', 'tlskey', 'tlsverify', 'userland-proxy',
  'userland-proxy-path', 'userns-remap',
]);

export type ParsedConfig =
  | { readonly ok: true; readonly values: Readonly<Record<string, unknown>>; readonly unknownKeys: readonly string[] }
  | { readonly ok: false; readonly error: string; readonly line: number; readonly column: number };

/** Parses daemon.json as dockerd does (a UTF-8 BOM and surrounding space ignored, an empty file is an empty configuration). */
export function parseDaemonJson(text: string): ParsedConfig {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return { ok: true, values: {}, unknownKeys: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    // V8's messages carry a position only for some errors; find it ourselves.
    const offset = jsonErrorOffset(body);
    return { ok: false, error: (err as Error).message, ...lineColumn(body, offset) };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const first = body.length - body.trimStart().length;
    return { ok: false, error: `the top level is ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}, not an object`, ...lineColumn(body, first) };
  }
  const values = parsed as Record<string, unknown>;
  return { ok: true, values, unknownKeys: Object.keys(values).filter((k) => !KNOWN_CONFIG_KEYS.has(k)).sort() };
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.min(offset, text.length));
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastNewline };
}

/**
 * The offset of the first syntax error in a text JSON.parse rejected: a small scanner of
 * the JSON grammar (RFC 8259) that stops where it cannot go on, at the offset V8 names
 * where V8's message names one (after "-" or "1." or "1e", where the missing digit goes).
 * Iterative, with its own stack of open arrays and objects: JSON.parse takes any depth,
 * so a recursive scanner would overflow the call stack on `[[[[...` and throw.
 */
export function jsonErrorOffset(text: string): number {
  const n = text.length;
  let i = 0;
  const isDigit = (at: number) => at < n && text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x39;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  /** Each scanner below consumes what it can; false leaves i at the first offending char. */
  const literal = (word: string): boolean => {
    for (const ch of word) {
      if (text[i] !== ch) return false;
      i++;
    }
    return true;
  };
  const string = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    for (;;) {
      if (i >= n) return false;
      const ch = text[i];
      if (ch === '"') {
        i++;
        return true;
      }
      if (ch < ' ') return false;
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) return false;
            i++;
          }
          continue;
        }
        if (i >= n || !'"\\/bfnrt'.includes(text[i])) return false;
      }
      i++;
    }
  };
  const number = (): boolean => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (isDigit(i)) while (isDigit(i)) i++;
    else return false;
    if (text[i] === '.') {
      i++;
      if (!isDigit(i)) return false;
      while (isDigit(i)) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(i)) return false;
      while (isDigit(i)) i++;
    }
    return true;
  };
  /** An object member's name and colon, up to its value. */
  const memberName = (): boolean => {
    ws();
    if (!string()) return false;
    ws();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };
  /** The arrays ("]") and objects ("}") open around the current value, innermost last. */
  const open: string[] = [];
  for (;;) {
    // A value.
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      i++;
      ws();
      if (text[i] === (ch === '{' ? '}' : ']')) i++;
      else {
        open.push(ch === '{' ? '}' : ']');
        if (ch === '{' && !memberName()) return i;
        continue;
      }
    } else if (!(ch === '"' ? string() : ch === 't' ? literal('true') : ch === 'f' ? literal('false') : ch === 'n' ? literal('null') : number())) return i;
    // After a value: the next element or member, or the end of containers, or of the text.
    for (;;) {
      ws();
      const close = open.at(-1);
      if (close === undefined) return i;
      if (text[i] === ',') {
        i++;
        if (close === '}' && !memberName()) return i;
        break;
      }
      if (text[i] !== close) return i;
      i++;
      open.pop();
    }
  }
}

// ---------------------------------------------------------------- listeners

/**
 * Normalises one -H / "hosts" entry as dockerd does (opts.ParseHost): no scheme means tcp,
 * tcp:// without a host means localhost, without a port 2375, an empty entry the default
 * socket (or tcp://localhost:2376 when TLS is on). Undefined for what dockerd rejects.
 */
export function normaliseHost(entry: string, tls: boolean, defaultSocket: string = DOCKER_SOCKET): string | undefined {
  const host = entry.trim();
  if (host === '') return tls ? 'tcp://localhost:2376' : `unix://${defaultSocket}`;
  const sep = host.indexOf('://');
  const [scheme, rest] = sep < 0 ? ['tcp', host] : [host.slice(0, sep), host.slice(sep + 3)];
  if (scheme === 'unix') return rest.includes('://') ? undefined : `unix://${rest || defaultSocket}`;
  if (scheme === 'fd') return host;
  if (scheme !== 'tcp') return undefined;
  if (rest === '') return 'tcp://localhost:2375';
  const m = /^(\[[0-9a-fA-F:.]*\]|[^:/[\]]*)(?::(\d*))?(\/.*)?$/.exec(rest);
  if (!m) return undefined;
  const hostPart = m[1] === '' ? 'localhost' : m[1];
  return `tcp://${hostPart}:${m[2] || '2375'}${m[3] ?? ''}`;
}

/** host and port of a normalised tcp:// listener. */
export function tcpHostPort(address: string): { host: string; port: number } | undefined {
  const m = /^tcp:\/\/(\[[^\]]*\]|[^:/]+):(\d+)/.exec(address);
  return m ? { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) } : undefined;
}

// ---------------------------------------------------------------- /info

/** SecurityOptions ("name=seccomp,profile=default", or the old bare "seccomp") by name. */
export function securityOptions(info: EngineInfo): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const entry of info.SecurityOptions ?? []) {
    const fields: Record<string, string> = {};
    for (const part of entry.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) fields.name ??= part;
      else fields[part.slice(0, eq)] = part.slice(eq + 1);
    }
    if (fields.name) out.set(fields.name, fields);
  }
  return out;
}

/** The registry every daemon trusts over plain HTTP; docker-bench-security wrongly counts it. */
export const BUILTIN_INSECURE = '127.0.0.0/8';

/** Insecure registries from /info: the CIDRs (minus the built-in) and the registries marked not Secure. */
export function infoInsecureRegistries(info: EngineInfo): string[] | undefined {
  const reg = info.RegistryConfig;
  if (!reg) return undefined;
  const names = [...(reg.InsecureRegistryCIDRs ?? [])];
  for (const [name, index] of Object.entries(reg.IndexConfigs ?? {})) if (index?.Secure === false) names.push(index.Name ?? name);
  return [...new Set(names)].filter((n) => n !== BUILTIN_INSECURE).sort();
}

// ---------------------------------------------------------------- effective settings

interface Candidate<T> {
  readonly source: SettingSource;
  readonly value: T | undefined;
}

/**
 * A daemon.json list of names (hosts, registries, plugins). An array or object in it names
 * nothing and is left out: String() of a deeply nested one would overflow the call stack.
 */
const stringList = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x) => typeof x !== 'object' || x === null).map(String) : undefined);
const configBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const configString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const configRecord = <T>(v: unknown): Record<string, T> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, T>) : undefined);
const nonEmpty = (list: readonly string[] | undefined): readonly string[] | undefined => (list && list.length > 0 ? list : undefined);

/** key=value pairs (--log-opt, --storage-opt) as a record. */
function keyValues(list: readonly string[] | undefined): Record<string, string> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** --default-ulimit nofile=1024:2048, in daemon.json's shape ({ nofile: { Name, Soft, Hard } }). */
function ulimits(list: readonly string[] | undefined): Record<string, unknown> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const m = /^([^=]+)=(-?\d+)(?::(-?\d+))?$/.exec(item.trim());
    if (m) out[m[1]] = { Name: m[1], Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) };
  }
  return out;
}

/** What dockerd takes when neither a flag nor daemon.json says: root's paths, or a rootless dockerd's (model/dockerd-process.ts). */
export interface DockerdDefaults {
  /** The socket of an empty -H (and of no -H at all): /var/run/docker.sock, rootless $XDG_RUNTIME_DIR/docker.sock. */
  readonly socket: string;
  /** --exec-root's default: /var/run/docker, rootless $XDG_RUNTIME_DIR/docker. */
  readonly execRoot: string;
  /** Where the TLS files default to: ~/.docker of the user dockerd runs as (/root/.docker). */
  readonly tlsDir?: string;
}

export interface SettingInputs {
  readonly args: DockerdArgs | undefined;
  readonly config: Readonly<Record<string, unknown>> | undefined;
  readonly info: EngineInfo | undefined;
  /** Root's defaults when undefined. */
  readonly defaults?: DockerdDefaults;
}

/**
 * The effective settings. What /info reports is what the running daemon uses (including
 * what a SIGHUP reload changed since the flags and file were read), so it wins where it
 * has the setting; otherwise a flag beats daemon.json, which beats dockerd's default.
 */
export function resolveSettings({ args = new Map(), config = {}, info, defaults = { socket: DOCKER_SOCKET, execRoot: DOCKER_EXEC_ROOT } }: SettingInputs): DaemonSettings {
  const sources: Record<string, SettingSource> = {};
  const pick = <T>(key: string, fallback: T, ...candidates: Candidate<T>[]): T => {
    for (const c of candidates) {
      if (c.value !== undefined) {
        sources[key] = c.source;
        return c.value;
      }
    }
    sources[key] = 'default';
    return fallback;
  };
  const flag = <T>(value: T | undefined): Candidate<T> => ({ source: 'flag', value });
  const conf = <T>(value: T | undefined): Candidate<T> => ({ source: 'config', value });
  const fromInfo = <T>(value: T | undefined): Candidate<T> => ({ source: 'info', value: info ? value : undefined });
  const sec = info ? securityOptions(info) : new Map<string, Record<string, string>>();
  const has = (name: string): boolean | undefined => (info?.SecurityOptions ? sec.has(name) : undefined);

  const bool = (key: string, flagName: string, configKey: string, fallback: boolean, infoValue?: boolean) =>
    pick(key, fallback, fromInfo(infoValue), flag(boolFlag(args, flagName)), conf(configBool(config[configKey])));
  const str = (key: string, flagName: string, configKey: string, infoValue?: string) =>
    pick<string | undefined>(key, undefined, fromInfo(infoValue), flag(lastFlag(args, flagName)), conf(configString(config[configKey])));

  const tlsVerify = bool('tlsVerify', 'tlsverify', 'tlsverify', false);
  // --tlsverify implies --tls.
  const tls = tlsVerify || bool('tls', 'tls', 'tls', false);
  if (tlsVerify && sources.tls === 'default') sources.tls = sources.tlsVerify;

  const usernsValue = str('usernsRemap', 'userns-remap', 'userns-remap');
  const usernsOn = has('userns');
  let usernsRemap = usernsValue || undefined;
  if (usernsOn !== undefined) {
    // The name of the remapped user is only on the command line or in daemon.json.
    usernsRemap = usernsOn ? (usernsValue || 'unknown') : undefined;
    sources.usernsRemap = 'info';
  }

  const seccompProfile = str('seccompProfile', 'seccomp-profile', 'seccomp-profile', sec.get('seccomp')?.profile);
  const seccomp = pick('seccomp', true, fromInfo(has('seccomp') === undefined ? undefined : has('seccomp') && seccompProfile !== 'unconfined'), flag(seccompProfile === undefined ? undefined : seccompProfile !== 'unconfined'));
  if (sources.seccomp === 'flag') sources.seccomp = sources.seccompProfile;

  const debug = bool('debug', 'debug', 'debug', false);
  const logLevel = debug ? 'debug' : (str('logLevel', 'log-level', 'log-level') ?? 'info');
  if (debug) sources.logLevel = sources.debug;

  const configHosts = stringList(config.hosts);
  const hostEntries = pick<readonly string[]>('listeners', [''], flag(nonEmpty(args.get('host'))), conf(configHosts));
  const listeners: DaemonListener[] = [];
  for (const entry of hostEntries) {
    const address = normaliseHost(entry, tls, defaults.socket);
    if (address === undefined || listeners.some((l) => l.address === address)) continue;
    const scheme = address.slice(0, address.indexOf('://'));
    // TLS applies to TCP listeners only.
    listeners.push({ address, scheme, tls: scheme === 'tcp' && tls, tlsVerify: scheme === 'tcp' && tlsVerify });
  }
  listeners.sort((a, b) => a.address.localeCompare(b.address));

  // dockerd's default for the TLS files is ~/.docker of the user it runs as (root).
  const tlsFile = (key: 'tlsCaCert' | 'tlsCert' | 'tlsKey', name: string, file: string) =>
    pick<string | undefined>(key, tls ? path.posix.join(defaults.tlsDir ?? '/root/.docker', file) : undefined, flag(lastFlag(args, name)), conf(configString(config[name])));

  const insecureFlag = nonEmpty(args.get('insecure-registry'));
  const insecure = pick<readonly string[]>('insecureRegistries', [], fromInfo(info && infoInsecureRegistries(info)), flag(insecureFlag), conf(stringList(config['insecure-registries'])));

  return {
    usernsRemap,
    liveRestore: bool('liveRestore', 'live-restore', 'live-restore', false, info?.LiveRestoreEnabled),
    icc: bool('icc', 'icc', 'icc', true),
    userlandProxy: bool('userlandProxy', 'userland-proxy', 'userland-proxy', true),
    // Engines from 23.0 list no-new-privileges in SecurityOptions; older ones do not say.
    noNewPrivileges: bool('noNewPrivileges', 'no-new-privileges', 'no-new-privileges', false, has('no-new-privileges') || undefined),
    experimental: bool('experimental', 'experimental', 'experimental', false, info?.ExperimentalBuild),
    seccomp,
    seccompProfile,
    apparmor: pick('apparmor', false, fromInfo(has('apparmor'))),
    selinux: bool('selinux', 'selinux-enabled', 'selinux-enabled', false, has('selinux')),
    // One reading of name=rootless for the engine kind and this setting (engine-kind.ts).
    rootless: bool('rootless', 'rootless', 'rootless', false, info?.SecurityOptions ? isRootless(info) : undefined),
    iptables: bool('iptables', 'iptables', 'iptables', true),
    logLevel,
    logDriver: pick('logDriver', 'json-file', fromInfo(info?.LoggingDriver || undefined), flag(lastFlag(args, 'log-driver')), conf(configString(config['log-driver']))),
    logOpts: pick<Readonly<Record<string, string>>>('logOpts', {}, flag(keyValues(args.get('log-opt'))), conf(configRecord<string>(config['log-opts']))),
    storageDriver: pick('storageDriver', '', fromInfo(info?.Driver || undefined), flag(lastFlag(args, 'storage-driver')), conf(configString(config['storage-driver']))),
    authorizationPlugins: pick<readonly string[]>('authorizationPlugins', [], fromInfo(info?.Plugins ? (info.Plugins.Authorization ?? []) : undefined), flag(nonEmpty(args.get('authorization-plugin'))), conf(stringList(config['authorization-plugins']))),
    insecureRegistries: insecure.filter((r) => r !== BUILTIN_INSECURE),
    cgroupParent: str('cgroupParent', 'cgroup-parent', 'cgroup-parent') || undefined,
    defaultUlimits: pick<Readonly<Record<string, unknown>>>('defaultUlimits', {}, flag(ulimits(args.get('default-ulimit'))), conf(configRecord<unknown>(config['default-ulimits']))),
    listeners,
    tls,
    tlsVerify,
    tlsCaCert: tlsFile('tlsCaCert', 'tlscacert', 'ca.pem'),
    tlsCert: tlsFile('tlsCert', 'tlscert', 'cert.pem'),
    tlsKey: tlsFile('tlsKey', 'tlskey', 'key.pem'),
    containerd: str('containerd', 'containerd', 'containerd') || undefined,
    execRoot: str('execRoot', 'exec-root', 'exec-root') || defaults.execRoot,
    sources,
  };
}

// ---------------------------------------------------------------- which listener is which

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
    return listener.startsWith('fd://') && want === canonicalSocket(DOCKER_SOCKET); // systemd's docker.socket
  }
  const tcp = /^(?:https?|tcp):\/\/(\[[^\]]*\]|[^:/]+):(\d+)/.exec(endpoint);
  const l = tcpHostPort(listener);
  if (!tcp || !l || Number(tcp[2]) !== l.port) return false;
  const loopback = (h: string) => ['localhost', '127.0.0.1', '::1'].includes(h);
  const host = tcp[1].replace(/^\[|\]$/g, '');
  return l.host === host || ['0.0.0.0', '::', ''].includes(l.host) || (loopback(l.host) && loopback(host));
}

/** The host:port a TCP listener is reached at from this host: a wildcard or localhost bind is probed on 127.0.0.1. */
export function probeTarget(listener: string): string | undefined {
  const hp = tcpHostPort(listener);
  if (!hp) return undefined;
  const host = ['0.0.0.0', '::', '', 'localhost'].includes(hp.host) ? '127.0.0.1' : hp.host;
  return `${host.includes(':') ? `[${host}]` : host}:${hp.port}`;
}


/** Whether one of a dockerd's -H listeners (the default socket when it has none) is `endpoint`. */
export function dockerdServes(argv: readonly string[], endpoint: string, defaults?: DockerdDefaults): boolean {
  return resolveSettings({ args: parseDockerdArgs(argv), config: undefined, info: undefined, defaults }).listeners.some((l) => listenerServes(l.address, endpoint));
}
