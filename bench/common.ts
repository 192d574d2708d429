// What the benchmarks in bench/ share: command-line options, statistics, formatting, output,
// dockerd's CPU from /proc and the labelled containers a benchmark creates and removes.
import { execFile, execFileSync } from 'node:child_process';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { describeError } from '../src/base/log';
import { mapLimit } from '../src/base/concurrency';

// ---------------------------------------------------------------------------- options

export interface BenchCli {
  /** `--NAME=VALUE` or `--NAME VALUE`, else (when the bench reads the environment) BENCH_NAME, else the fallback. */
  option(name: string, fallback: string): string;
  intOption(name: string, fallback: number, min: number): number;
  numberOption(name: string, fallback: number, min: number): number;
  /** A comma-separated list of whole numbers, each passing `check` (`what` says which are allowed). */
  listOption(name: string, fallback: string, check: (n: number) => boolean, what: string): number[];
  /** Prints "NAME: message" to stderr and exits 2. */
  usageError(message: string): never;
  /** A progress line on stderr, "[NAME] line", so stdout keeps only the report. */
  note(line: string): void;
}

/**
 * The options of one benchmark, named `name` in its messages. Any `--flag` not in `flags` is a
 * usage error at once, before anything runs: a misspelt flag must not silently run the defaults.
 */
export function benchCli(spec: { name: string; flags: readonly string[]; env: boolean }): BenchCli {
  const argv = process.argv.slice(2);
  const usageError = (message: string): never => {
    process.stderr.write(`${spec.name}: ${message}\n`);
    process.exit(2);
  };
  for (const arg of argv) {
    const m = /^--([a-z-]+)/.exec(arg);
    if (m && !spec.flags.includes(m[1])) {
      usageError(`unknown flag ${arg} (known: ${spec.flags.map((f) => `--${f}`).join(', ')})`);
    }
  }
  const option = (name: string, fallback: string): string => {
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === `--${name}` && i + 1 < argv.length) return argv[i + 1];
      if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
    }
    const env = spec.env ? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] : undefined;
    return env !== undefined && env !== '' ? env : fallback;
  };
  const numeric = (name: string, fallback: number, min: number, whole: boolean): number => {
    const text = option(name, String(fallback));
    const n = Number(text);
    if (!(whole ? Number.isInteger(n) : Number.isFinite(n)) || n < min) {
      usageError(`--${name}=${text}: expected a ${whole ? 'whole ' : ''}number of at least ${min}`);
    }
    return n;
  };
  return {
    option,
    intOption: (name, fallback, min) => numeric(name, fallback, min, true),
    numberOption: (name, fallback, min) => numeric(name, fallback, min, false),
    listOption: (name, fallback, check, what) =>
      option(name, fallback)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => {
          const n = Number(s);
          if (!Number.isInteger(n) || !check(n)) usageError(`--${name}: "${s}" is not ${what}`);
          return n;
        }),
    usageError,
    note: (line) => void process.stderr.write(`[${spec.name}] ${line}\n`),
  };
}

// ---------------------------------------------------------------------------- statistics

export const now = (): number => performance.now();

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const minOf = (xs: readonly number[]): number => (xs.length ? Math.min(...xs) : NaN);

/** Nearest-rank quantile of a sorted array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** For the JSON line: `digits` decimals, null where there is no figure (NaN, Infinity). */
export const round = (x: number, digits: number): number | null => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

// ---------------------------------------------------------------------------- formatting and output

/** Milliseconds with the precision that means something at each scale (sub-millisecond calls). */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Milliseconds to the whole millisecond, for whole-process runs where fractions are noise. */
export function fmtWholeMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export const fmtMiB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const fmtKiB = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** A table cell: `text` padded to `width`, on the right when `right`. */
export const pad = (text: string, width: number, right = false): string => (right ? text.padStart(width) : text.padEnd(width));

/** A two-column table, the names padded to the longest. */
export const keyValueTable = (rows: readonly (readonly [string, string])[]): string => {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
};

/** A report line on stdout. */
export const out = (line = ''): void => void process.stdout.write(line + '\n');

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------- CPU from /proc

let clockTicksPerSecond: number | undefined;

function clockTicks(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/**
 * CPU time of a process from /proc/PID/stat: its own plus the children it waited for (such as
 * dockerd's `runc --version`), or with `childrenOnly` just those children. Clock-tick resolution
 * (usually 10 ms): only sums over repetitions mean much. NaN when it cannot be read.
 */
export function procCpuMs(pid: number | 'self', childrenOnly = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    const ticks = childrenOnly ? Number(f[13]) + Number(f[14]) : Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return (ticks * 1000) / clockTicks();
  } catch {
    return NaN;
  }
}

/** The pid of the local default dockerd (from /var/run/docker.pid), or undefined. */
export function localDockerdPid(): number | undefined {
  try {
    const pid = Number(fs.readFileSync('/var/run/docker.pid', 'utf8').trim());
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd' ? pid : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------- docker CLI and the bench's containers

export function dockerCli(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.slice(0, 4).join(' ')}… failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** The engine's version, after checking that there is one and that it has `image`. */
export function checkDocker(image: string): string {
  let version: string;
  try {
    version = execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).trim();
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(
      `\`docker info\` failed, so there is no Docker Engine to benchmark against.\n` +
        `  ${stderr || describeError(err)}\n` +
        `  Start one (scripts/provision.sh does, as root) and check that /var/run/docker.sock (or DOCKER_HOST) is reachable.`,
    );
  }
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    throw new Error(`the test image ${image} is missing: run scripts/provision.sh (it imports it from /bin/busybox; no registry is needed).`);
  }
  return version;
}

export interface BenchContainer {
  id: string;
  name: string;
}

/**
 * The containers a benchmark makes, found by their label (`key=value`), and their removal;
 * `note` reports on stderr.
 */
export function benchContainers(label: string, note: (line: string) => void) {
  const list = async (): Promise<BenchContainer[]> => {
    const text = await dockerCli(['ps', '-a', '--no-trunc', '--filter', `label=${label}`, '--format', '{{.ID}} {{.Names}}']);
    return text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((l) => {
        const [id, name] = l.split(' ');
        return { id, name };
      });
  };
  const remove = async (ids: readonly string[]): Promise<void> => {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 25) chunks.push(ids.slice(i, i + 25));
    await mapLimit(chunks, 4, (chunk) => dockerCli(['rm', '-f', '-v', ...chunk]));
  };
  const removeAll = async (): Promise<number> => {
    const found = await list();
    if (found.length) await remove(found.map((c) => c.id));
    return found.length;
  };
  /** Last-resort cleanup from a signal handler: synchronous, never throws. */
  const removeAllSync = (): void => {
    try {
      const ids = execFileSync('docker', ['ps', '-aq', '--no-trunc', '--filter', `label=${label}`], { encoding: 'utf8', timeout: 60_000 })
        .split('\n')
        .filter((l) => l.trim() !== '');
      for (let i = 0; i < ids.length; i += 50) {
        execFileSync('docker', ['rm', '-f', '-v', ...ids.slice(i, i + 50)], { stdio: 'ignore', timeout: 120_000 });
      }
      note(`removed ${ids.length} benchmark containers`);
    } catch (err) {
      note(`cleanup failed; remove them with: docker rm -f $(docker ps -aq --filter label=${label})\n  ${describeError(err)}`);
    }
  };
  /**
   * Runs `body` with no bench container left before (an earlier run's), after (also on failure),
   * nor on SIGINT/SIGTERM, where `onSignal` first stops what the bench runs (`doing` says so).
   */
  const around = async (body: () => Promise<void>, onSignal: { doing: string; stop(): void } = { doing: 'removing benchmark containers', stop: () => undefined }): Promise<void> => {
    const handler = (signal: NodeJS.Signals) => {
      process.stderr.write('\n');
      note(`${signal}: ${onSignal.doing}`);
      onSignal.stop();
      removeAllSync();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    try {
      const leftover = await removeAll();
      if (leftover) note(`removed ${leftover} benchmark containers left by an earlier run`);
      await body();
    } finally {
      note('removing benchmark containers');
      await removeAll().then(
        (n) => note(`removed ${n} benchmark containers`),
        (err) => {
          note(`cleanup failed: ${describeError(err)}; trying once more`);
          removeAllSync();
        },
      );
    }
  };
  /**
   * Makes PREFIX0..PREFIXn-1 exist, and no other bench container: removes the others, then
   * calls `create(i)` for each missing index, `concurrency` at a time, with a progress note
   * every `every` created. Returns how long it took, and what it created and removed.
   */
  const ensure = async (
    prefix: string,
    n: number,
    create: (i: number) => Promise<void>,
    { concurrency, every = 50, keep = [] }: { concurrency: number; every?: number; keep?: readonly string[] },
  ): Promise<{ seconds: number; created: number; removed: number; present: ReadonlySet<string> }> => {
    const started = performance.now();
    const existing = await list();
    const wanted = new Set([...Array.from({ length: n }, (_, i) => `${prefix}${i}`), ...keep]);
    const extra = existing.filter((c) => !wanted.has(c.name));
    if (extra.length) await remove(extra.map((c) => c.id));
    const present = new Set(existing.map((c) => c.name));
    const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !present.has(`${prefix}${i}`));
    let done = 0;
    await mapLimit(missing, concurrency, async (i) => {
      await create(i);
      if (++done % every === 0) note(`  ${done}/${missing.length} containers created`);
    });
    return { seconds: (performance.now() - started) / 1000, created: missing.length, removed: extra.length, present };
  };
  return { list, remove, around, ensure };
}

// ---------------------------------------------------------------------------- call counting

/** `inner` with the calls of its method `method` counted: what a benchmark reports as the engine requests a collection made. */
export function countingCalls<T extends object>(inner: T, method: keyof T & string): { target: T; count(): number; reset(): void } {
  let calls = 0;
  const target = new Proxy(inner, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === method) calls++;
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
  return { target, count: () => calls, reset: () => void (calls = 0) };
}

// ---------------------------------------------------------------------------- scraping /metrics

export type ScrapeKind = 'plain' | 'gzip';
export interface MetricsScrape {
  ms: number;
  /** Bytes read off the socket for this response, headers included. */
  wireBytes: number;
  /** As sent: gzipped for a gzip scrape. */
  body: Buffer;
}

/** Bytes a keep-alive socket had read at the end of its previous response. */
const readBefore = new WeakMap<Socket, number>();

/**
 * One GET /metrics from 127.0.0.1:`port`, plain or with `Accept-Encoding: gzip` as Prometheus
 * sends it, timed to the last byte; `agent` false opens a connection for it alone. Rejects
 * unless HTTP 200 with the encoding asked for.
 */
export function scrapeMetrics(agent: http.Agent | false, port: number, kind: ScrapeKind): Promise<MetricsScrape> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent, headers: kind === 'gzip' ? { 'Accept-Encoding': 'gzip' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      // Taken now: a keep-alive socket goes back to the agent (res.socket null) by 'end'.
      const socket = res.socket;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = now() - t0;
        const wireBytes = socket.bytesRead - (readBefore.get(socket) ?? 0);
        readBefore.set(socket, socket.bytesRead);
        if (res.statusCode !== 200) return reject(new Error(`GET /metrics (${kind}): HTTP ${res.statusCode}`));
        if ((res.headers['content-encoding'] === 'gzip') !== (kind === 'gzip')) return reject(new Error(`GET /metrics (${kind}): Content-Encoding ${res.headers['content-encoding']}`));
        resolve({ ms, wireBytes, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
