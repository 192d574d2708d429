// A second, throw-away Docker Engine for tests that must break the engine: kill it, hang
// it (SIGSTOP), restart it, or run it with unusual flags. It never touches the main
// daemon: it has its own data root, exec root (so its own managed containerd), pid file
// and socket, all under one fresh temporary directory that cleanup() removes, and it runs
// in a network namespace of its own (dockerd --bridge=none deletes the host's docker0).
// If the test process dies, the kernel kills it (see dyingWithParent).
//
// Usage (every method is safe to call in any state, so afterAll can always clean up):
//
//   const daemon = new SecondDaemon({ extraArgs: ['--live-restore'] });
//   beforeAll(() => daemon.start(), 90_000);
//   afterAll(() => daemon.cleanup(), 90_000);
//
// Needs root and dockerd on PATH (scripts/provision.sh installs it).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SecondDaemonOptions {
  /** Flags added after the fixed ones, e.g. ['--live-restore'] or ['--userns-remap=default']. */
  extraArgs?: readonly string[];
  /** How long start() and restart() wait for GET /_ping to answer. Default 60 s. */
  startTimeoutMs?: number;
  /** The dockerd binary. Default: dockerd from PATH. */
  dockerd?: string;
  /** Extra environment for dockerd, on top of this process's. */
  env?: NodeJS.ProcessEnv;
}

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Unix socket paths must fit in sun_path (108 bytes with the NUL). */
const MAX_SOCKET_PATH = 100;

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));

/**
 * The command line, wrapped so the kernel SIGKILLs the command if this test process dies
 * first (prctl PR_SET_PDEATHSIG, set by util-linux setpriv, which then execs the command
 * under the same pid). Jest does not run process 'exit' handlers registered by tests, so
 * this is what keeps a crashed or killed test run from leaving processes behind.
 */
export function dyingWithParent(command: string, args: readonly string[]): [string, string[]] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', command, ...args]] : [command, [...args]];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One GET /_ping over a unix socket: the HTTP status, or the error. */
export function pingSocket(socketPath: string, timeoutMs = 2000): Promise<{ status: number; apiVersion?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: '/_ping', method: 'GET', headers: { Host: 'docker' }, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, apiVersion: res.headers['api-version'] as string | undefined }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${socketPath} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SecondDaemon {
  /** The temporary directory holding everything; set by start(). */
  private dir: string | undefined;
  private child: ChildProcess | undefined;
  private exited: Promise<DaemonExit> | undefined;
  private lastExit: DaemonExit | undefined;
  private paused = false;
  private starts = 0;
  private cleanedUp = false;

  constructor(private readonly options: SecondDaemonOptions = {}) {}

  private get root(): string {
    if (!this.dir) throw new Error('the second daemon was never started');
    return this.dir;
  }

  get dataRoot(): string {
    return path.join(this.root, 'd');
  }
  get execRoot(): string {
    return path.join(this.root, 'e');
  }
  get pidFile(): string {
    return path.join(this.root, 'p');
  }
  get socketPath(): string {
    return path.join(this.root, 's');
  }
  /** The socket as a DOCKER_HOST / --docker.host value. */
  get host(): string {
    return `unix://${this.socketPath}`;
  }
  get logPath(): string {
    return path.join(this.root, 'dockerd.log');
  }
  get configFile(): string {
    return path.join(this.root, 'daemon.json');
  }
  /** The pid of the running dockerd; undefined when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }
  /** Whether the dockerd process this helper started last is still there (stopped counts). */
  get running(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }
  /** How the last dockerd process ended, once it has. */
  get exit(): DaemonExit | undefined {
    return this.lastExit;
  }

  /** The last lines of dockerd's log, for error messages. */
  logTail(lines = 30): string {
    try {
      return fs.readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no dockerd log)';
    }
  }

  /** Starts dockerd in a fresh temporary directory and waits until it answers /_ping. */
  async start(): Promise<void> {
    if (this.cleanedUp) throw new Error('this SecondDaemon was cleaned up; create a new one');
    if (this.dir) throw new Error('already started; use restart()');
    // os.tmpdir() may be long (TMPDIR); the socket path must stay short.
    const base = path.join(os.tmpdir(), 'dae-XXXXXX/s').length <= MAX_SOCKET_PATH ? os.tmpdir() : '/tmp';
    this.dir = fs.mkdtempSync(path.join(base, 'dae-'));
    // o+x (not r): with --userns-remap, dockerd refuses a data root the remapped root cannot traverse to.
    fs.chmodSync(this.dir, 0o711);
    // Our own (empty) config file, so an /etc/docker/daemon.json cannot clash with our flags.
    fs.writeFileSync(this.configFile, '{}\n');
    await this.launch();
  }

  /** Starts dockerd again on the same data root and socket, after it stopped or was killed. */
  async restart(): Promise<void> {
    if (!this.dir || this.cleanedUp) throw new Error('restart() needs a started, not cleaned-up daemon');
    if (this.running) await this.stop();
    await this.launch();
  }

  private async launch(): Promise<void> {
    // A killed dockerd leaves its pid file (dockerd refuses to start if that pid is alive,
    // which after pid reuse it may be) and its socket (dockerd removes that itself).
    fs.rmSync(this.pidFile, { force: true });
    // Likewise its containerd's pid file: where pid 1 does not reap orphans (as in these
    // sandboxes), the killed containerd stays a zombie, dockerd takes the pid as alive and
    // waits for a containerd that never answers ("timeout waiting for containerd").
    fs.rmSync(path.join(this.execRoot, 'containerd', 'containerd.pid'), { force: true });
    const args = [
      '--config-file', this.configFile,
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--pidfile', this.pidFile,
      '-H', this.host,
      '--bridge=none',
      '--iptables=false',
      ...(this.options.extraArgs ?? []),
    ];
    this.starts++;
    const log = fs.openSync(this.logPath, 'a');
    fs.writeSync(log, `\n===== start #${this.starts} (${new Date().toISOString()}): dockerd ${args.join(' ')}\n`);
    let child: ChildProcess;
    try {
      // In a network namespace of its own: dockerd with --bridge=none deletes the host's
      // docker0 bridge at start-up, which would break the main daemon's containers.
      // Its loopback is brought up so tests can give it a TCP listener on 127.0.0.1 (and
      // reach it with nsenter). setpriv, unshare and sh's exec all exec what follows, so
      // the child's pid is dockerd's.
      const [command, argv] = dyingWithParent('unshare', [
        '--net',
        '--',
        'sh',
        '-c',
        'ip link set lo up && exec "$0" "$@"',
        this.options.dockerd ?? 'dockerd',
        ...args,
      ]);
      child = spawn(command, argv, {
        detached: true, // its own session and process group
        stdio: ['ignore', log, log],
        env: { ...process.env, ...this.options.env },
      });
    } finally {
      fs.closeSync(log);
    }
    this.child = child;
    this.lastExit = undefined;
    this.paused = false;
    this.exited = new Promise<DaemonExit>((resolve) => {
      let spawnError: Error | undefined;
      child.once('error', (err) => {
        spawnError = err;
        // 'exit' does not follow when the spawn itself failed.
        if (child.pid === undefined) finish({ code: null, signal: null });
      });
      const finish = (exit: DaemonExit) => {
        if (this.child === child) this.lastExit = exit;
        if (spawnError) fs.appendFileSync(this.logPath, `spawning dockerd failed: ${spawnError.message}\n`);
        resolve(exit);
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
    });
    // Do not keep the test process alive for dockerd's sake.
    child.unref();

    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no attempt yet';
    while (Date.now() < deadline) {
      if (!this.running) {
        const exit = this.lastExit!;
        throw new Error(`dockerd exited during start-up (code ${exit.code}, signal ${exit.signal}); log tail:\n${this.logTail()}`);
      }
      try {
        const { status } = await pingSocket(this.socketPath, 2000);
        if (status === 200) return;
        lastError = `HTTP ${status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await sleep(100);
    }
    const tail = this.logTail();
    await this.stop().catch(() => undefined);
    throw new Error(`dockerd did not answer GET /_ping on ${this.socketPath} within ${timeoutMs} ms (last: ${lastError}); log tail:\n${tail}`);
  }

  /** Sends a signal to dockerd (only dockerd: its containerd is its own session). No-op when it is not running. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.running || this.child?.pid === undefined) return;
    try {
      process.kill(this.child.pid, signal);
    } catch (err) {
      // Exited, and not yet reaped by the 'exit' handler.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
    if (signal === 'SIGSTOP') this.paused = true;
    if (signal === 'SIGCONT') this.paused = false;
  }

  /** Kills dockerd with SIGKILL, as a crash would, and waits until it is gone. */
  async crash(): Promise<DaemonExit | undefined> {
    this.kill('SIGKILL');
    return this.waitForExit(10_000);
  }

  /** Freezes dockerd (SIGSTOP): its socket still accepts connections, nothing answers. */
  pause(): void {
    this.kill('SIGSTOP');
  }

  /** Thaws a paused dockerd (SIGCONT). */
  resume(): void {
    this.kill('SIGCONT');
  }

  /** Resolves when dockerd has exited, or to undefined after timeoutMs. */
  async waitForExit(timeoutMs: number): Promise<DaemonExit | undefined> {
    if (!this.exited) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops dockerd: SIGTERM (and SIGCONT, in case it is paused), then SIGKILL if it has not
   * exited within graceMs. Also kills what a killed dockerd may leave behind. Safe in any state.
   */
  async stop(graceMs = 20_000): Promise<DaemonExit | undefined> {
    if (this.running) {
      this.kill('SIGTERM');
      if (this.paused) this.kill('SIGCONT'); // a stopped process acts on SIGTERM only once continued
      if ((await this.waitForExit(graceMs)) === undefined) {
        this.kill('SIGKILL');
        await this.waitForExit(10_000);
      }
    }
    this.paused = false;
    await this.killLeftovers();
    return this.lastExit;
  }

  /** Stops dockerd, kills its leftovers, unmounts what it mounted and removes the temporary directory. */
  async cleanup(): Promise<void> {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    await this.stop();
    if (this.dir) {
      this.unmountAll();
      fs.rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
    }
  }

  /**
   * Processes that belong to this daemon but outlive a killed dockerd: its containerd, shims
   * and their containers. Found by our exec or data root on their command line (nothing of
   * the main daemon has those), plus all their descendants.
   */
  private leftoverPids(): number[] {
    if (!this.dir) return [];
    const marks = [this.execRoot + '/', this.dataRoot + '/', this.execRoot + '\0', this.dataRoot + '\0'];
    const parents = new Map<number, number>();
    const own: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid === process.pid) continue;
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') + '\0';
        if (marks.some((m) => cmdline.includes(m))) own.push(pid);
      } catch {
        // gone meanwhile
      }
    }
    const result = new Set(own);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, ppid] of parents) {
        if (!result.has(pid) && result.has(ppid)) {
          result.add(pid);
          grew = true;
        }
      }
    }
    return [...result];
  }

  private async killLeftovers(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const pids = this.leftoverPids().filter(isAlive);
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await sleep(100);
    }
  }

  /** Unmounts everything mounted under our directory (dockerd bind-mounts its data root onto itself). */
  private unmountAll(): void {
    if (!this.dir) return;
    const prefix = this.dir + '/';
    for (let round = 0; round < 5; round++) {
      const mounts = fs
        .readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((line) => line.split(' ')[4])
        .filter((p): p is string => p !== undefined)
        .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
        .filter((p) => p.startsWith(prefix))
        .sort((a, b) => b.length - a.length); // deepest first
      if (mounts.length === 0) return;
      for (const m of mounts) {
        try {
          execFileSync('umount', [m], { stdio: 'ignore' });
        } catch {
          try {
            execFileSync('umount', ['-l', m], { stdio: 'ignore' });
          } catch {
            // already unmounted with its parent
          }
        }
      }
    }
  }
}

/** Creates and starts a second daemon; if the start fails, it is cleaned up before the error is thrown. */
export async function startSecondDaemon(options: SecondDaemonOptions = {}): Promise<SecondDaemon> {
  const daemon = new SecondDaemon(options);
  try {
    await daemon.start();
  } catch (err) {
    await daemon.cleanup().catch(() => undefined);
    throw err;
  }
  return daemon;
}
