// The built exporter (dist/src/cli/main.js) as a child process, for tests that need the real
// thing: signals, exit codes, stderr. Build first (npm run build).
//
//   const exporter = new ExporterProcess(['--docker.host', daemon.host, '--web.listen-address', '127.0.0.1:0']);
//   afterAll(() => exporter.stop());   // safe even if start() failed or was never called
//   await exporter.start();            // resolves once it logged its listen address
//   await exporter.waitFor((m) => m.includes('docker_audit_engine_up 1'), 30_000);
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { dyingWithParent } from './second-daemon';

// This file runs as test/helpers/*.ts under jest, and as dist/test/helpers/*.js in the
// benchmarks (npm run bench:soak, bench:memory): the checkout's root is one level further up there.
const ROOT = path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? path.resolve(__dirname, '..', '..', '..') : path.resolve(__dirname, '..', '..');
export const EXPORTER_MAIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface ExporterExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ExporterOptions {
  env?: NodeJS.ProcessEnv;
  /** Run in the network namespace of this process (a second daemon's), through nsenter. */
  networkNamespaceOfPid?: number;
  /** How long start() waits for the "listening" log line. Default 30 s. */
  listenTimeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The lines of an exposition, for exact-line assertions. */
export function metricLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * The value of one series, named as it is written (`name{a="1"}`), or by its first labels
 * when the name ends in a comma (`name{a="1",`: the other labels may be anything); undefined if absent.
 */
export function seriesValue(text: string, series: string): number | undefined {
  const prefix = series.endsWith(',');
  for (const line of metricLines(text)) {
    if (prefix ? !line.startsWith(series) : !line.startsWith(series + ' ')) continue;
    const rest = prefix ? line.slice(line.indexOf('} ', series.length) + 2) : line.slice(series.length + 1);
    return Number(rest.trim().split(' ')[0]);
  }
  return undefined;
}

/** Parses the port from the exporter's "listening" log line (logfmt or JSON). */
export function parseListenPort(stderr: string): number | undefined {
  for (const line of stderr.split('\n')) {
    let address: string | undefined;
    if (line.startsWith('{')) {
      try {
        const rec = JSON.parse(line) as { msg?: string; address?: string };
        if (rec.msg === 'listening') address = rec.address;
      } catch {
        // not JSON after all
      }
    } else if (/(^|\s)msg=listening(\s|$)/.test(line)) {
      address = /(?:^|\s)address=("?)([^\s"]+)\1/.exec(line)?.[2];
    }
    const port = address && /:(\d+)$/.exec(address)?.[1];
    if (port) return Number(port);
  }
  return undefined;
}

export function httpGet(url: string, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    // agent: false, so no keep-alive connection outlives the request.
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

function assertBuilt(): void {
  if (!fs.existsSync(EXPORTER_MAIN)) throw new Error(`${EXPORTER_MAIN} does not exist: run npm run build first`);
}

export class ExporterProcess {
  stdout = '';
  stderr = '';
  port: number | undefined;
  private child: ChildProcess | undefined;
  private exited: Promise<ExporterExit> | undefined;
  private lastExit: ExporterExit | undefined;

  constructor(
    readonly args: readonly string[],
    private readonly options: ExporterOptions = {},
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }
  /** Whether the process was started and has not exited. */
  get running(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }
  /** How it ended, once it has. */
  get exit(): ExporterExit | undefined {
    return this.lastExit;
  }
  get baseUrl(): string {
    if (this.port === undefined) throw new Error('the exporter has no known port (not started, or never logged "listening")');
    return `http://127.0.0.1:${this.port}`;
  }

  /** Spawns the exporter without waiting for anything. */
  spawn(): void {
    if (this.child) throw new Error('already started');
    assertBuilt();
    // Killed by the kernel if the test process dies first (see dyingWithParent).
    const netns = this.options.networkNamespaceOfPid;
    const [command, argv] =
      netns === undefined
        ? dyingWithParent(process.execPath, [EXPORTER_MAIN, ...this.args])
        : dyingWithParent('nsenter', [`--net=/proc/${netns}/ns/net`, '--', process.execPath, EXPORTER_MAIN, ...this.args]);
    const child = spawn(command, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.options.env },
    });
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (this.stdout += t));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => {
      this.stderr += t;
      this.port ??= parseListenPort(this.stderr);
    });
    this.exited = new Promise<ExporterExit>((resolve) => {
      const finish = (exit: ExporterExit) => {
        this.lastExit ??= exit;
        resolve(this.lastExit);
      };
      child.once('error', (err) => {
        this.stderr += `\n[test helper] spawning the exporter failed: ${err.message}\n`;
        if (child.pid === undefined) finish({ code: null, signal: null });
      });
      // 'close': the process exited and its stdout/stderr are fully read.
      child.once('close', (code, signal) => finish({ code, signal }));
    });
  }

  /** Spawns the exporter and waits until it logged the address it listens on. */
  async start(): Promise<void> {
    this.spawn();
    const timeoutMs = this.options.listenTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    while (this.port === undefined) {
      if (!this.running) {
        throw new Error(`the exporter exited before listening (${JSON.stringify(this.lastExit)}); stderr:\n${this.stderr}`);
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`the exporter did not log its listen address within ${timeoutMs} ms; stderr:\n${this.stderr}`);
      }
      await sleep(25);
    }
  }

  /** GET a path of the exporter. */
  get(urlPath: string, timeoutMs = 5000): Promise<HttpAnswer> {
    return httpGet(this.baseUrl + urlPath, timeoutMs);
  }

  /** The /metrics text; throws unless the answer is HTTP 200. */
  async metrics(urlPath = '/metrics'): Promise<string> {
    const res = await this.get(urlPath);
    if (res.status !== 200) throw new Error(`GET ${urlPath}: HTTP ${res.status}: ${res.body.slice(0, 500)}`);
    return res.body;
  }

  /**
   * Polls /metrics until predicate(text) holds and returns that text. Every scrape must
   * answer 200 (anything else fails at once), and the exporter must not exit meanwhile.
   */
  async waitFor(predicate: (metrics: string) => boolean, timeoutMs: number, what = 'the expected metrics', intervalMs = 200): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      if (!this.running) throw new Error(`the exporter exited (${JSON.stringify(this.lastExit)}) while waiting for ${what}; stderr tail:\n${this.stderrTail()}`);
      last = await this.metrics();
      if (predicate(last)) return last;
      if (Date.now() > deadline) break;
      await sleep(intervalMs);
    }
    const shown = metricLines(last)
      .filter((l) => l.startsWith('docker_audit_') && !l.startsWith('docker_audit_container_'))
      .join('\n');
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last metrics:\n${shown}\nstderr tail:\n${this.stderrTail()}`);
  }

  stderrTail(lines = 20): string {
    return this.stderr.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Resolves when the process has exited, or to undefined after timeoutMs. */
  async waitForExit(timeoutMs: number): Promise<ExporterExit | undefined> {
    if (!this.exited) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([this.exited, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child!.kill(signal);
  }

  /**
   * SIGTERM, then waits for the exit (SIGKILL after timeoutMs). Returns how it ended and how
   * long that took from the SIGTERM; undefined if it was never started. Safe in any state.
   */
  async stop(timeoutMs = 10_000): Promise<(ExporterExit & { durationMs: number; killed: boolean }) | undefined> {
    if (!this.child) return undefined;
    const started = Date.now();
    let killed = false;
    if (this.running) {
      this.kill('SIGTERM');
      if ((await this.waitForExit(timeoutMs)) === undefined) {
        killed = true;
        this.kill('SIGKILL');
        await this.waitForExit(10_000);
      }
    }
    const exit = this.lastExit ?? { code: null, signal: null };
    return { ...exit, durationMs: Date.now() - started, killed };
  }
}

/** Runs the exporter to its end (e.g. with --once); SIGKILLs it after timeoutMs. */
export async function runExporter(
  args: readonly string[],
  timeoutMs = 30_000,
  options: ExporterOptions = {},
): Promise<ExporterExit & { stdout: string; stderr: string; durationMs: number; timedOut: boolean }> {
  const exporter = new ExporterProcess(args, options);
  const started = Date.now();
  exporter.spawn();
  let exit = await exporter.waitForExit(timeoutMs);
  const timedOut = exit === undefined;
  if (timedOut) {
    exporter.kill('SIGKILL');
    exit = (await exporter.waitForExit(10_000)) ?? { code: null, signal: null };
  }
  return { ...exit!, stdout: exporter.stdout, stderr: exporter.stderr, durationMs: Date.now() - started, timedOut };
}
