// Command-line flags and environment variables: one table, parsed and validated at
// start-up. Every problem is reported at once; main() prints them and exits 2.
import * as fs from 'node:fs';
import * as path from 'node:path';
import cron from 'node-cron';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../base/log';
import { parseDurationAs, type DurationGrammar } from '../base/duration';
import * as P from '../base/paths';
import { CIS_CHECK_BY_ID } from '../cis/checks';
import { COLLECTORS } from '../collectors';
import type { EolTableSource } from '../metrics/families/imageos';
import { MAX_EOL_FILE_BYTES, parseEolTable, validateEolTable, type EolTable } from '../model/os-eol';
import { BUNDLED_EOL_TABLE } from '../model/os-eol-table';
import { discoverDockerHost } from '../model/docker-host';
import { DEFAULT_ERROR_PATTERNS, DEFAULT_WARNING_PATTERNS } from '../model/container-log';
import { CONTAINER_DETAILS, normaliseHostPath, type ContainerDetail } from '../model/posture';
import { DEFAULT_FULL_OS_PROCESS_NAMES, fullOsNameProblem } from '../model/processes';
import { defaultCertPath } from '../readers/engine';
import type { ListenAddress } from '../server/web-listen';

export interface Config {
  /** Every --web.listen-address, in the order given; at least one. */
  listen: ListenAddress[];
  /** The exporter-toolkit web configuration (TLS, basic auth, headers), absolute; undefined: plain HTTP. */
  webConfigFile: string | undefined;
  telemetryPath: string;
  schedule: string;
  docker: { host: string; tlsVerify: boolean; certPath: string; timeoutMs: number };
  sensitivePaths: string[];
  dockerSocketPaths: string[];
  inspectMaxAgeMs: number;
  inspectConcurrency: number;
  engineInfoMaxAgeMs: number;
  watchEvents: boolean;
  /** --collector.containers.detail: every container's series (all), or beyond state and info only for containers with a finding (findings). */
  containersDetail: ContainerDetail;
  firewall: { iptablesSavePath: string };
  /** Where the host's files are: "/" and "/proc" normally, "/host" and "/host/proc" in a container. */
  host: { rootPath: string; procPath: string; sysPath: string };
  daemon: { configPath: string; probeAddresses: string[] };
  podman: { configPaths: string[] };
  trivyReportsDir: string | undefined;
  /** The end-of-life table of the imageos collector: --images.eol-file's, else the bundled one. */
  imagesEol: { table: EolTable; source: EolTableSource };
  resourcesDfIntervalMs: number;
  /** The processes collector: how often each running container's processes are read, how many at once, and the whole-OS names. */
  processes: { intervalMs: number; concurrency: number; maxPerCollection: number; fullOsNames: string[] };
  audit: {
    logPath: string;
    start: 'end' | 'beginning';
    stateFile: string | undefined;
    /** Keys counted by name; undefined means "docker" plus every key of the loaded rules. */
    keys: string[] | undefined;
    maxExeSeries: number;
    maxLineBytes: number;
    /** Most audit log bytes one collection reads (0: no limit); --once always reads to the end. */
    maxBytesPerCollection: number;
    rulesPaths: string[];
    auditctlPath: string;
    /** How often the live rules and the kernel status are read (auditctl -l, -s); between reads the last answer is served. */
    rulesIntervalMs: number;
  };
  logs: {
    errorPatterns: string[];
    warningPatterns: string[];
    maxBytesPerCollection: number;
    maxLineBytes: number;
  };
  collectors: Record<string, boolean>;
  once: boolean;
  /** --output: what --once prints (docs/output.md). */
  output: OutputFormat;
  /** --fail-on: CIS check ids whose failure makes --once exit 3; undefined when not given. */
  failOn: string[] | undefined;
  /** --fail-on-level: 1 gates on every level-1 check, 2 on every check (levels 1 and 2); undefined when not given. */
  failOnLevel: 1 | 2 | undefined;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export const OUTPUT_FORMATS = ['prometheus', 'json', 'junit'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface FlagSpec {
  readonly name: string;
  readonly kind: 'string' | 'boolean';
  readonly env?: string;
  /** The default as a user would type it, for --help and the README. */
  readonly defaultText: string;
  readonly help: string;
  /** May be given more than once; every value counts (and none is split at commas). */
  readonly repeatable?: boolean;
}

const SENSITIVE_DEFAULT = P.SENSITIVE_PATHS.join(',');
const AUDIT_RULES_DEFAULT = P.AUDIT_RULES_PATHS.join(',');
const LOG_ERROR_DEFAULT = DEFAULT_ERROR_PATTERNS.join(',');
const LOG_WARNING_DEFAULT = DEFAULT_WARNING_PATTERNS.join(',');

export const FLAGS: readonly FlagSpec[] = [
  { name: 'web.listen-address', kind: 'string', repeatable: true, defaultText: ':9795', help: 'Address to serve /metrics and the landing page on ([host]:port). Repeat the flag to listen on several.' },
  { name: 'web.config.file', kind: 'string', defaultText: '', help: 'Web configuration file in the exporter-toolkit format (as node_exporter\'s): TLS, client certificates, basic auth, headers; read again when it changes and on SIGHUP (docs/web-config.md). Empty: plain HTTP, no auth.' },
  { name: 'web.telemetry-path', kind: 'string', defaultText: '/metrics', help: 'Path under which to expose metrics.' },
  { name: 'collection.schedule', kind: 'string', defaultText: '*/15 * * * * *', help: 'node-cron expression (with seconds) for collections. A collection still running when the next is due makes that one skip.' },
  { name: 'docker.host', kind: 'string', env: 'DOCKER_HOST', defaultText: `${P.DEFAULT_DOCKER_HOST}; not as root, unix://$XDG_RUNTIME_DIR/docker.sock when that socket exists (rootless Docker)`, help: 'Docker Engine address: unix:///path, tcp://host:port, http:// or https://.' },
  { name: 'docker.tls-verify', kind: 'boolean', env: 'DOCKER_TLS_VERIFY', defaultText: 'false', help: 'Use TLS and verify the engine\'s certificate (as the docker CLI: any non-empty DOCKER_TLS_VERIFY turns it on).' },
  { name: 'docker.cert-path', kind: 'string', env: 'DOCKER_CERT_PATH', defaultText: '~/.docker', help: 'Folder holding ca.pem, cert.pem and key.pem for --docker.tls-verify.' },
  { name: 'docker.timeout', kind: 'string', defaultText: '10s', help: 'Deadline of each Engine API call; a call still running then is aborted. At most 10m.' },
  { name: 'collector.containers.sensitive-paths', kind: 'string', defaultText: SENSITIVE_DEFAULT, help: 'Comma-separated host paths whose bind mounts are reported as sensitive (subpaths count; "/" matches only itself).' },
  { name: 'collector.containers.inspect-max-age', kind: 'string', defaultText: '5m', help: 'Longest a container inspect is reused while the container list shows no change (jittered ±25%); 0 inspects every container on every collection. At most 24h.' },
  { name: 'collector.containers.inspect-concurrency', kind: 'string', defaultText: '8', help: 'Container inspects in flight at once.' },
  { name: 'collector.containers.watch-events', kind: 'boolean', defaultText: 'true', help: 'Follow the engine\'s container events between collections; a collection then skips the container list when nothing changed (a list still runs at least every minute). Off in --once mode.' },
  { name: 'collector.containers.detail', kind: 'string', defaultText: 'all', help: `Which containers get every per-container series: all, or findings (only those with at least one finding, such as root, privileged or a missing limit: docs/containers.md); the others keep docker_audit_container_state and docker_audit_container_info, and the docker_audit_containers* counts are the same either way. One of ${CONTAINER_DETAILS.join(', ')}.` },
  { name: 'collector.engine.info-max-age', kind: 'string', defaultText: '5m', help: 'Longest the answer of /info is reused (one cache, shared by the engine and daemon collectors); it is read again at once when a ping fails, the API version changes, or dockerd restarted or daemon.json changed. 0 reads it on every collection. At most 24h.' },
  { name: 'host.root-path', kind: 'string', defaultText: P.HOST_ROOT, help: 'Where the host\'s root filesystem is mounted: daemon files (docker.service, sockets, /etc/docker, binaries) are read under it. Set /host when the exporter runs in a container with / mounted there.' },
  { name: 'host.proc-path', kind: 'string', defaultText: P.HOST_PROC, help: 'The host\'s procfs, to find dockerd and read its command line, and the kernel release, seccomp and user namespace settings. Set /host/proc in a container.' },
  { name: 'host.sys-path', kind: 'string', defaultText: P.HOST_SYS, help: 'The host\'s sysfs, where the host collector reads AppArmor, SELinux, cgroup and kernel lockdown state. Set /host/sys in a container.' },
  { name: 'daemon.config-path', kind: 'string', defaultText: P.DAEMON_JSON, help: 'The daemon configuration file (read as it is, not under --host.root-path).' },
  { name: 'daemon.probe-address', kind: 'string', defaultText: '127.0.0.1:2375', help: 'Comma-separated host:port addresses probed with a plain-HTTP GET /_ping, on top of every TCP listener dockerd has; "" probes only the listeners.' },
  { name: 'podman.config-paths', kind: 'string', defaultText: P.PODMAN_CONFIG_PATHS.join(','), help: 'Comma-separated containers.conf files and folders of *.conf, in the order Podman reads them (a later key wins), read when the engine is Podman (read as they are, not under --host.root-path).' },
  { name: 'trivy.reports-dir', kind: 'string', defaultText: '', help: 'Folder of JSON reports written by `trivy image -f json`; their counts become docker_audit_image_vulnerabilities. Empty: off.' },
  { name: 'images.eol-file', kind: 'string', defaultText: '', help: 'YAML end-of-life table that replaces the bundled one for docker_audit_image_os_eol (format and example: docs/imageos.md); read and checked at start-up, every problem listed with its line. Empty: the bundled table.' },
  { name: 'collector.resources.df-interval', kind: 'string', defaultText: '10m', help: 'How often /system/df (slow on big hosts) is read for docker_audit_reclaimable_bytes; between reads the last answer is served. From 1s to 24h.' },
  { name: 'collector.processes.interval', kind: 'string', defaultText: '5m', help: 'How often each running container\'s processes are read (GET /containers/{id}/top, one call per container), each container at its own time within the interval; a new or restarted container is read at once, and between reads the last answer is served. --once reads every running container. From 1s to 24h.' },
  { name: 'collector.processes.concurrency', kind: 'string', defaultText: '4', help: 'Container process reads (GET /containers/{id}/top: the engine runs ps for each) in flight at once.' },
  { name: 'collector.processes.max-per-collection', kind: 'string', defaultText: '50', help: 'Most containers whose processes are read in one collection: new and restarted ones first, then the longest overdue; the others wait for the next collections (so a start on a host of hundreds of containers is spread out). 0: no limit. --once reads every running container.' },
  { name: 'collector.processes.full-os-names', kind: 'string', defaultText: DEFAULT_FULL_OS_PROCESS_NAMES.join(','), help: 'Comma-separated process names that mark a container running a whole OS (docker_audit_container_full_os_process): matched exactly against the basename of the first word of each process\'s command line. "" reports none.' },
  { name: 'collector.firewall.iptables-save-path', kind: 'string', defaultText: 'iptables-save', help: 'The iptables-save binary the firewall collector runs (-t filter, and --version for the backend): a name looked up in PATH or an absolute path, such as iptables-legacy-save when dockerd writes to the legacy tables.' },
  { name: 'audit.log-path', kind: 'string', defaultText: P.AUDIT_LOG, help: 'The Linux audit log that the auditlog collector follows.' },
  { name: 'audit.start', kind: 'string', defaultText: 'end', help: 'Where to start in the audit log when no state file says otherwise: end (only new events) or beginning.' },
  { name: 'audit.state-file', kind: 'string', defaultText: '', help: 'File in which the audit log position (inode and offset) is kept across restarts, so a restart neither recounts nor skips. Empty: not kept.' },
  { name: 'audit.keys', kind: 'string', defaultText: '', help: 'Comma-separated audit keys counted by name; other keys count as "other". Empty: "docker" plus every key in the loaded audit rules.' },
  { name: 'audit.max-exe-series', kind: 'string', defaultText: '20', help: 'Most exe label values per key in docker_audit_log_events_by_exe_total; the rest count as exe="other".' },
  { name: 'audit.max-bytes-per-collection', kind: 'string', defaultText: '67108864', help: 'Most audit log bytes one collection reads (64 MiB, under a second); the rest waits for the next collections and shows as docker_audit_log_lag_bytes. 0: no limit. --once always reads to the end.' },
  { name: 'audit.max-line-bytes', kind: 'string', defaultText: '65536', help: 'Audit log lines longer than this are skipped and counted as parse errors.' },
  { name: 'audit.rules-paths', kind: 'string', defaultText: AUDIT_RULES_DEFAULT, help: 'Comma-separated audit rules files or folders (*.rules), read when `auditctl -l` cannot be run.' },
  { name: 'collector.auditrules.interval', kind: 'string', defaultText: '1m', help: 'How often the live audit rules and the kernel\'s audit status are read (`auditctl -l` and `-s`, each a process started, which holds the exporter for milliseconds) and the watched paths resolved; between reads the last answer is served. --once reads them. From 1s to 24h.' },
  { name: 'audit.auditctl-path', kind: 'string', defaultText: 'auditctl', help: 'The auditctl binary for the live rules (-l) and kernel status (-s); "" never runs it.' },
  { name: 'collector.logs.error-patterns', kind: 'string', defaultText: LOG_ERROR_DEFAULT, help: 'Comma-separated words that make a container log line count as level="error" in docker_audit_container_log_lines_total (case-insensitive substring match; error wins over warning). Empty: none.' },
  { name: 'collector.logs.warning-patterns', kind: 'string', defaultText: LOG_WARNING_DEFAULT, help: 'Comma-separated words that make a container log line not matching an error pattern count as level="warning" (case-insensitive substring match). Empty: none.' },
  { name: 'collector.logs.max-bytes-per-collection', kind: 'string', defaultText: '8388608', help: 'Most json-file container log bytes one collection reads, every container together (8 MiB); the rest waits for the next collections and shows as docker_audit_container_logs_lag_bytes. 0: no limit. --once always reads to the end.' },
  { name: 'collector.logs.max-line-bytes', kind: 'string', defaultText: '262144', help: 'json-file log lines longer than this are skipped and counted in docker_audit_container_logs_parse_errors_total (Docker writes at most 16 KiB of output per line, which JSON escaping can grow to about 100 KiB).' },
  ...COLLECTORS.map(
    (c): FlagSpec => ({
      name: `collector.${c.name}`,
      kind: 'boolean',
      defaultText: String(c.enabledByDefault),
      help: `Enable the ${c.name} collector: ${c.description}. --no-collector.${c.name} disables it.`,
    }),
  ),
  { name: 'once', kind: 'boolean', defaultText: 'false', help: 'Collect once, print the exposition (or --output) to stdout and exit: 0 if every collector succeeded, 1 if any failed, 3 if a --fail-on check failed (docs/output.md).' },
  { name: 'output', kind: 'string', defaultText: 'prometheus', help: `What --once prints: prometheus (the exposition), json (every CIS finding and the collectors' statuses) or junit (JUnit XML for CI test reports); docs/output.md. One of ${OUTPUT_FORMATS.join(', ')}; only with --once.` },
  { name: 'fail-on', kind: 'string', defaultText: '', help: 'Comma-separated CIS check ids (as in docs/cis.md): --once exits 3 when one fails on any object that does not waive it. Only with --once.' },
  { name: 'fail-on-level', kind: 'string', defaultText: '', help: 'CIS profile level to gate on: 1 (every level-1 check) or 2 (every check, levels 1 and 2); --once exits 3 when one fails. Only with --once.' },
  { name: 'log.level', kind: 'string', defaultText: 'info', help: `Log level: ${LOG_LEVELS.join(', ')}.` },
  { name: 'log.format', kind: 'string', defaultText: 'logfmt', help: `Log format: ${LOG_FORMATS.join(', ')}.` },
];

/** The longest --docker.timeout: an engine call that takes longer is not coming back. */
export const MAX_TIMEOUT_MS = 10 * 60_000;
/** The longest cache age or refresh interval: a day. */
export const MAX_INTERVAL_MS = 24 * 3_600_000;

/** 600000 -> "10m", 86400000 -> "24h", 1 -> "1ms". */
function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The bundled end-of-life table, checked once: a mistake in it fails every test, never a start. */
let bundledEolTable: EolTable | undefined;
export function bundledEol(): EolTable {
  if (!bundledEolTable) {
    const { table, problems } = validateEolTable(BUNDLED_EOL_TABLE);
    if (!table) throw new Error(`the bundled end-of-life table is invalid: ${problems.join('; ')}`);
    bundledEolTable = table;
  }
  return bundledEolTable;
}

/** Reads --images.eol-file: its table, or every problem in it (each with its line), prefixed with the flag. */
export function loadEolFile(file: string): { table?: EolTable; problems: string[] } {
  const flagText = `--images.eol-file=${file}`;
  if (!path.isAbsolute(file)) return { problems: [`${flagText}: expected an absolute path (or "" for the bundled table)`] };
  let text: string;
  try {
    // Checked first: reading a FIFO put there would block start-up for good.
    const stat = fs.statSync(file);
    if (!stat.isFile()) return { problems: [`${flagText}: not a regular file`] };
    if (stat.size > MAX_EOL_FILE_BYTES) return { problems: [`${flagText}: over ${MAX_EOL_FILE_BYTES} bytes`] };
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { problems: [`${flagText}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`] };
  }
  const { table, problems } = parseEolTable(text);
  return { table, problems: problems.map((p) => `${flagText}: ${p}`) };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** The flags' durations: decimal numbers with ms, s, m or h. */
const FLAG_DURATION: DurationGrammar = { unitsMs: { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }, number: '\\d+(?:\\.\\d+)?' };

/** Parses "500ms", "10s", "5m", "1h" (and combinations such as "1m30s") into milliseconds. */
export const parseDuration = (text: string): number | undefined => parseDurationAs(text, FLAG_DURATION);

/** Parses "host:port", ":port", "[v6]:port". */
export function parseListenAddress(text: string): { host: string | undefined; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

type RawValues = Map<string, string | boolean | string[]>;

function readArgs(argv: readonly string[], problems: string[]): { values: RawValues; help: boolean; version: boolean } {
  const byName = new Map(FLAGS.map((f) => [f.name, f]));
  const values: RawValues = new Map();
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '--version') {
      version = true;
      continue;
    }
    const m = /^--(no-)?([a-z0-9][a-z0-9._-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      problems.push(`unexpected argument "${arg}" (flags look like --name=value)`);
      continue;
    }
    const [, negated, name, inline] = m;
    const spec = byName.get(name);
    if (!spec) {
      const collector = /^collector\.([^.]+)$/.exec(name);
      problems.push(
        collector
          ? `unknown collector "${collector[1]}" in --${negated ?? ''}${name} (known: ${COLLECTORS.map((c) => c.name).join(', ')})`
          : `unknown flag --${negated ?? ''}${name} (see --help)`,
      );
      continue;
    }
    if (spec.kind === 'boolean') {
      if (negated) {
        if (inline !== undefined) problems.push(`--no-${name} takes no value`);
        values.set(name, false);
      } else if (inline === undefined) {
        values.set(name, true);
      } else if (TRUE.has(inline.toLowerCase()) || FALSE.has(inline.toLowerCase())) {
        values.set(name, TRUE.has(inline.toLowerCase()));
      } else {
        problems.push(`--${name}=${inline}: expected true or false`);
      }
      continue;
    }
    if (negated) {
      problems.push(`--no-${name}: only on/off flags can be negated`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) {
        problems.push(`--${name} needs a value`);
        continue;
      }
      value = argv[++i];
    }
    if (spec.repeatable) {
      const before = values.get(name);
      values.set(name, [...(Array.isArray(before) ? before : []), value]);
    } else values.set(name, value);
  }
  return { values, help, version };
}

/** What the configuration reads of the exporter's own process and filesystem besides argv and env (tests give their own). */
export interface ConfigSystem {
  readonly uid: number;
  readonly isSocket: (socketPath: string) => boolean;
}

const PROCESS_SYSTEM: ConfigSystem = {
  uid: process.getuid?.() ?? 0,
  isSocket: (socketPath) => {
    try {
      return fs.statSync(socketPath).isSocket();
    } catch {
      return false;
    }
  },
};

export type ParseResult = { kind: 'help' } | { kind: 'version' } | { kind: 'config'; config: Config };

/**
 * Builds the configuration from arguments and environment. Throws a ConfigError that
 * lists every problem.
 */
/** A path and its other name when it is under /run or /var/run (one is a link to the other). */
function runAliases(p: string): string[] {
  if (p.startsWith('/var/run/')) return [p, p.slice('/var'.length)];
  if (p.startsWith('/run/')) return [p, `/var${p}`];
  return [p];
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, system: ConfigSystem = PROCESS_SYSTEM): ParseResult {
  const problems: string[] = [];
  const { values, help, version } = readArgs(argv, problems);
  if (help) return { kind: 'help' };
  if (version) return { kind: 'version' };

  const str = (name: string, fallback: string): string => {
    const spec = FLAGS.find((f) => f.name === name)!;
    const v = values.get(name);
    if (typeof v === 'string') return v;
    if (spec.env && env[spec.env] !== undefined && env[spec.env] !== '') return env[spec.env]!;
    return fallback;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const spec = FLAGS.find((f) => f.name === name)!;
    const v = values.get(name);
    if (typeof v === 'boolean') return v;
    if (spec.env && env[spec.env]) return true; // docker CLI semantics: any non-empty value
    return fallback;
  };
  /** A duration from `min` to `max` ms: past Node's timer limit a timeout would fire at once, so every duration has a ceiling. */
  const duration = (name: string, fallback: string, min: number, max: number): number => {
    const text = str(name, fallback);
    const ms = parseDuration(text);
    if (ms === undefined) problems.push(`--${name}="${text}": expected a duration such as 500ms, 10s, 5m or 1h`);
    else if (ms < min) problems.push(`--${name}="${text}": must be at least ${formatDuration(min)}`);
    else if (ms > max) problems.push(`--${name}="${text}": must be at most ${formatDuration(max)}`);
    return ms ?? 0;
  };
  const integer = (name: string, fallback: string, min: number, max: number): number => {
    const text = str(name, fallback);
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) problems.push(`--${name}="${text}": expected a whole number from ${min} to ${max}`);
    return n;
  };

  const list = (name: string, fallback: string): string[] =>
    str(name, fallback)
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
  const absolutePath = (name: string, fallback: string): string => {
    const p = str(name, fallback);
    if (!p.startsWith('/')) problems.push(`--${name}="${p}": expected an absolute path`);
    return p;
  };
  /** An absolute path, or "" for "off". */
  const optionalPath = (name: string): string | undefined => {
    const p = str(name, '');
    if (p !== '' && !p.startsWith('/')) problems.push(`--${name}="${p}": expected an absolute path (or "" for none)`);
    return p || undefined;
  };
  const podmanConfigPaths = list('podman.config-paths', P.PODMAN_CONFIG_PATHS.join(','));
  for (const p of podmanConfigPaths) if (!p.startsWith('/')) problems.push(`--podman.config-paths: "${p}" is not an absolute path`);
  const probeAddresses = list('daemon.probe-address', '127.0.0.1:2375');
  for (const a of probeAddresses) {
    const parsed = parseListenAddress(a);
    if (!parsed || parsed.host === undefined || parsed.port === 0) problems.push(`--daemon.probe-address: "${a}" is not host:port`);
  }
  const auditStart = str('audit.start', 'end') as 'end' | 'beginning';
  if (auditStart !== 'end' && auditStart !== 'beginning') problems.push(`--audit.start="${auditStart}": expected end or beginning`);
  const auditKeys = list('audit.keys', '');
  const rulesPaths = list('audit.rules-paths', AUDIT_RULES_DEFAULT);
  for (const p of rulesPaths) if (!p.startsWith('/')) problems.push(`--audit.rules-paths: "${p}" is not an absolute path`);
  // A bare name is looked up in PATH, as a shell would; anything with a slash must be absolute.
  const auditctlPath = str('audit.auditctl-path', 'auditctl');
  if (auditctlPath.includes('/') && !auditctlPath.startsWith('/')) problems.push(`--audit.auditctl-path="${auditctlPath}": expected a command name or an absolute path`);

  const iptablesSavePath = str('collector.firewall.iptables-save-path', 'iptables-save');
  if (iptablesSavePath === '' || (iptablesSavePath.includes('/') && !iptablesSavePath.startsWith('/'))) {
    problems.push(`--collector.firewall.iptables-save-path="${iptablesSavePath}": expected a command name or an absolute path`);
  }

  const listenValues = values.get('web.listen-address');
  const listen: ListenAddress[] = [];
  for (const text of Array.isArray(listenValues) ? listenValues : [':9795']) {
    const parsed = parseListenAddress(text);
    if (!parsed) problems.push(`--web.listen-address="${text}": expected [host]:port with a port from 0 to 65535 (repeat the flag for several addresses)`);
    else if (parsed.port !== 0 && listen.some((l) => l.port === parsed.port && l.host === parsed.host)) problems.push(`--web.listen-address="${text}": given twice`);
    else listen.push(parsed);
  }
  // Absolute, as every path flag here (exporter-toolkit would take one relative to the working
  // directory); the files the configuration names may be relative to its folder, as there.
  const webConfigText = str('web.config.file', '');
  if (webConfigText !== '' && !path.isAbsolute(webConfigText)) problems.push(`--web.config.file="${webConfigText}": expected an absolute path (or "" for none)`);
  const webConfigFile = webConfigText === '' ? undefined : path.normalize(webConfigText);

  const telemetryPath = str('web.telemetry-path', '/metrics');
  if (!/^\/[A-Za-z0-9._~\/-]*$/.test(telemetryPath) || telemetryPath === '/' || telemetryPath.startsWith('/-/')) {
    problems.push(`--web.telemetry-path="${telemetryPath}": expected a path such as /metrics (not / and not under /-/)`);
  }

  const schedule = str('collection.schedule', '*/15 * * * * *');
  const cronCheck = cron.validateDetailed(schedule);
  if (!cronCheck.valid) {
    problems.push(`--collection.schedule="${schedule}": not a valid cron expression (${cronCheck.errors.map((e) => e.message).join('; ') || 'unparsable'})`);
  }

  const sensitivePaths = list('collector.containers.sensitive-paths', SENSITIVE_DEFAULT);
  for (const p of sensitivePaths) {
    if (!p.startsWith('/')) problems.push(`--collector.containers.sensitive-paths: "${p}" is not an absolute path`);
  }

  const fullOsNames = [...new Set(list('collector.processes.full-os-names', DEFAULT_FULL_OS_PROCESS_NAMES.join(',')))];
  for (const name of fullOsNames) {
    const problem = fullOsNameProblem(name);
    if (problem) problems.push(`--collector.processes.full-os-names: "${name}": ${problem}`);
  }

  const containersDetail = str('collector.containers.detail', 'all') as ContainerDetail;
  if (!CONTAINER_DETAILS.includes(containersDetail)) problems.push(`--collector.containers.detail="${containersDetail}": expected one of ${CONTAINER_DETAILS.join(', ')}`);

  const logLevel = str('log.level', 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`--log.level="${logLevel}": expected one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = str('log.format', 'logfmt') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) problems.push(`--log.format="${logFormat}": expected one of ${LOG_FORMATS.join(', ')}`);

  const eolFile = str('images.eol-file', '');
  let imagesEol: Config['imagesEol'] = { table: bundledEol(), source: 'bundled' };
  if (eolFile !== '') {
    const loaded = loadEolFile(eolFile);
    problems.push(...loaded.problems);
    if (loaded.table) imagesEol = { table: loaded.table, source: 'file' };
  }

  // As the docker CLI: the flag, DOCKER_HOST, then (not as root) the user's rootless socket, then the system one.
  const hostFlag = values.get('docker.host');
  const dockerHost = discoverDockerHost({ flag: typeof hostFlag === 'string' ? hostFlag : undefined, env, uid: system.uid, isSocket: system.isSocket }).host;
  const collectors = Object.fromEntries(COLLECTORS.map((c) => [c.name, bool(`collector.${c.name}`, c.enabledByDefault)]));
  if (!Object.values(collectors).some(Boolean)) problems.push('every collector is disabled: enable at least one');

  // What --once prints and what it gates on: meaningless for a server, so refused there.
  const once = bool('once', false);
  for (const name of ['output', 'fail-on', 'fail-on-level']) if (values.has(name) && !once) problems.push(`--${name} needs --once (a server serves /metrics and has no exit code to gate on)`);
  const output = str('output', 'prometheus') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(output)) problems.push(`--output="${output}": expected one of ${OUTPUT_FORMATS.join(', ')}`);
  let failOn: string[] | undefined;
  if (values.has('fail-on')) {
    failOn = list('fail-on', '');
    if (failOn.length === 0) problems.push('--fail-on="": expected comma-separated CIS check ids such as 5.5,5.10');
    for (const id of failOn) {
      const check = CIS_CHECK_BY_ID.get(id);
      if (!check) problems.push(`--fail-on: "${id}" is not a CIS check of the catalog (docs/cis.md lists them, e.g. 5.5)`);
      else if (!check.evaluate) problems.push(`--fail-on: CIS ${id} is not automated here (it needs a human), so it can never fail: leave it out`);
    }
  }
  let failOnLevel: 1 | 2 | undefined;
  if (values.has('fail-on-level')) {
    const text = str('fail-on-level', '');
    if (text === '1' || text === '2') failOnLevel = Number(text) as 1 | 2;
    else problems.push(`--fail-on-level="${text}": expected 1 (level-1 checks) or 2 (level 1 and 2)`);
  }
  if ((failOn !== undefined || failOnLevel !== undefined) && !collectors.cis) problems.push('--fail-on and --fail-on-level need the cis collector, which --no-collector.cis disables');

  const config: Config = {
    listen,
    webConfigFile,
    telemetryPath,
    schedule,
    docker: {
      host: dockerHost,
      tlsVerify: bool('docker.tls-verify', false),
      certPath: str('docker.cert-path', defaultCertPath()),
      timeoutMs: duration('docker.timeout', '10s', 1, MAX_TIMEOUT_MS),
    },
    sensitivePaths: sensitivePaths.map(normaliseHostPath),
    dockerSocketPaths: [
      ...P.DOCKER_SOCKET_PATHS,
      // The socket we were told to use is the Docker socket too, wherever it lives (Podman's
      // /run/podman/podman.sock, say), by both of its names when it is under /run: /var/run is
      // a link to /run, and an engine reports a bind mount's source as it was spelled.
      ...(dockerHost.startsWith('unix://') ? runAliases(normaliseHostPath(dockerHost.slice('unix://'.length))) : []),
    ].filter((p, i, all) => all.indexOf(p) === i),
    inspectMaxAgeMs: duration('collector.containers.inspect-max-age', '5m', 0, MAX_INTERVAL_MS),
    inspectConcurrency: integer('collector.containers.inspect-concurrency', '8', 1, 256),
    engineInfoMaxAgeMs: duration('collector.engine.info-max-age', '5m', 0, MAX_INTERVAL_MS),
    watchEvents: bool('collector.containers.watch-events', true),
    containersDetail,
    firewall: { iptablesSavePath },
    host: { rootPath: absolutePath('host.root-path', P.HOST_ROOT), procPath: absolutePath('host.proc-path', P.HOST_PROC), sysPath: absolutePath('host.sys-path', P.HOST_SYS) },
    daemon: { configPath: absolutePath('daemon.config-path', P.DAEMON_JSON), probeAddresses },
    podman: { configPaths: podmanConfigPaths },
    trivyReportsDir: optionalPath('trivy.reports-dir'),
    imagesEol,
    resourcesDfIntervalMs: duration('collector.resources.df-interval', '10m', 1000, MAX_INTERVAL_MS),
    processes: {
      intervalMs: duration('collector.processes.interval', '5m', 1000, MAX_INTERVAL_MS),
      concurrency: integer('collector.processes.concurrency', '4', 1, 64),
      maxPerCollection: integer('collector.processes.max-per-collection', '50', 0, 100_000),
      fullOsNames,
    },
    audit: {
      logPath: absolutePath('audit.log-path', P.AUDIT_LOG),
      start: auditStart,
      stateFile: optionalPath('audit.state-file'),
      keys: auditKeys.length > 0 ? auditKeys : undefined,
      maxExeSeries: integer('audit.max-exe-series', '20', 1, 1000),
      maxLineBytes: integer('audit.max-line-bytes', '65536', 256, 16 * 1024 * 1024),
      maxBytesPerCollection: integer('audit.max-bytes-per-collection', '67108864', 0, Number.MAX_SAFE_INTEGER),
      rulesPaths: rulesPaths,
      auditctlPath,
      rulesIntervalMs: duration('collector.auditrules.interval', '1m', 1000, MAX_INTERVAL_MS),
    },
    logs: {
      errorPatterns: list('collector.logs.error-patterns', LOG_ERROR_DEFAULT),
      warningPatterns: list('collector.logs.warning-patterns', LOG_WARNING_DEFAULT),
      maxBytesPerCollection: integer('collector.logs.max-bytes-per-collection', '8388608', 0, Number.MAX_SAFE_INTEGER),
      maxLineBytes: integer('collector.logs.max-line-bytes', '262144', 1024, 16 * 1024 * 1024),
    },
    collectors,
    once,
    output,
    failOn,
    failOnLevel,
    logLevel,
    logFormat,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return { kind: 'config', config };
}

export function helpText(version: string): string {
  const lines = [`docker-audit-exporter ${version}: a Prometheus exporter for the security posture of a Docker host.`, '', 'Flags:'];
  for (const f of FLAGS) {
    const head = f.kind === 'boolean' ? `--[no-]${f.name}` : `--${f.name}=VALUE${f.repeatable ? ' (repeatable)' : ''}`;
    lines.push(`  ${head}`, `      ${f.help}`, `      default: ${f.defaultText}${f.env ? `; environment: ${f.env}` : ''}`);
  }
  lines.push('  --help', '      Show this help and exit.', '  --version', '      Print the version and exit.');
  return lines.join('\n') + '\n';
}
