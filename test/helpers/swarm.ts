// A real multi-node Docker Swarm on this one machine, for the fleet tests: N throw-away
// dockerd "nodes" (3 by default), each a separate Docker Engine with
//   - its own network namespace, joined by a veth pair to a bridge that lives in a hub
//     namespace of its own (so the host's iptables FORWARD policy and br_netfilter never see
//     node-to-node traffic), with an address in a private test /24 (10.213.X.0/24, the
//     first X no route of the host uses); the host gets one more veth into the hub, with
//     the .1 address, so tests reach each node's host-mode ports from the host namespace;
//   - its own mount namespace, with a fresh tmpfs on /run: the node's dockerd also listens on
//     /var/run/docker.sock *inside* it, so a stack that bind-mounts /var/run/docker.sock
//     gets its own node's engine, as on a real host, and the host's /run/docker.sock is
//     neither visible nor touched; a fresh sysfs, so /sys/class/net is the node's; every
//     mount the node makes (overlay2, netns) stays in that namespace and dies with it;
//   - its own UTS namespace, hostname `swarm-node-<i>`: the swarm node's Hostname, so each
//     node has a distinct name, as Prometheus' __meta_dockerswarm_node_hostname shows;
//   - its own data root, exec root (so its own managed containerd), pid file and socket, all
//     under one temporary directory; DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1, so a task does
//     not spend ~20 s trying to pull from an unreachable registry before using the loaded image.
// Node 1 runs `docker swarm init`, the others join it as workers over their namespace
// addresses, and the images asked for are `docker save`d from the host engine once and
// `docker load`ed on every node (no registry is reachable).
//
// What this sandbox's kernel cannot do (CONFIG_IP_VS is off): the routing mesh (ingress
// published ports) and VIP service addresses. Host-mode published ports, overlay networks
// with endpoint_mode dnsrr or direct task addresses, configs and bind mounts work.
// See .wip/issue-12.md for the measurements.
//
// Usage (every method is safe in any state, so afterAll can always clean up):
//
//   const swarm = new Swarm({ images: [TEST_IMAGE] });
//   beforeAll(() => swarm.start(), 120_000);
//   afterAll(() => swarm.cleanup(), 120_000);
//   swarm.manager.docker('stack', 'deploy', '--resolve-image', 'never', '-c', file, 'fleet');
//   await swarm.nodes[2].crash(); await swarm.nodes[2].restart();
//
// Never touches the host's engine except to `docker save` the images, never runs a swarm
// command against it, and never removes what it did not create. A run killed outright
// leaves no dockerd (the kernel kills it with the test process, see dyingWithParent); its
// namespaces, veth, directory and any orphaned container shims are swept by the next start().
//
// Needs root, dockerd, ip (iproute2), nsenter, unshare and setpriv (util-linux).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { dyingWithParent, pingSocket, type DaemonExit } from './second-daemon';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Names of everything a swarm makes start with this and the test process's pid. */
const PREFIX = 'dsw';
/** The private range the node addresses come from: 10.213.X.0/24. */
const NET_BASE = '10.213';
/** Where the swarm's directory goes: sockets must fit in sun_path (108 bytes), so a long TMPDIR is not used. */
const TMP = os.tmpdir().length <= 40 ? os.tmpdir() : '/tmp';

export interface SwarmOptions {
  /** How many nodes (dockerds). Default 3. Node 1 is the manager, the others workers. */
  nodes?: number;
  /** Images copied from the host engine onto every node. Default none. */
  images?: readonly string[];
  /** Flags added to every dockerd's command line. */
  extraArgs?: readonly string[];
  /** Extra flags for `docker swarm init`, e.g. ['--dispatcher-heartbeat', '2s']. */
  initArgs?: readonly string[];
  /** How long a node's start waits for GET /_ping. Default 60 s. */
  startTimeoutMs?: number;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function tryIp(...args: string[]): boolean {
  try {
    ip(...args);
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPpid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every process whose command line contains one of the marks, and all their descendants. */
function processesMarked(marks: readonly string[]): number[] {
  const parents = new Map<number, number>();
  const own = new Set<number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const ppid = readPpid(pid);
    if (ppid === undefined) continue;
    parents.set(pid, ppid);
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') + '\0';
      if (marks.some((m) => cmdline.includes(m))) own.add(pid);
    } catch {
      // gone meanwhile
    }
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!own.has(pid) && own.has(ppid)) {
        own.add(pid);
        grew = true;
      }
    }
  }
  return [...own];
}

/** SIGKILLs the processes marked, again and again until none is left (or 5 s passed). */
async function killMarked(marks: readonly string[]): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = processesMarked(marks).filter(isAlive);
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

/** Unmounts everything the host's mount namespace has mounted under dir (nothing, normally: the nodes mount in their own). */
function unmountUnder(dir: string): void {
  const prefix = dir + '/';
  for (let round = 0; round < 5; round++) {
    const mounts = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((p): p is string => p !== undefined)
      .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
      .filter((p) => p.startsWith(prefix))
      .sort((a, b) => b.length - a.length);
    if (mounts.length === 0) return;
    for (const m of mounts) {
      try {
        execFileSync('umount', [m], { stdio: 'ignore' });
      } catch {
        try {
          execFileSync('umount', ['-l', m], { stdio: 'ignore' });
        } catch {
          // gone with its parent
        }
      }
    }
  }
}

/** The X of a free 10.213.X.0/24: one no address or route of the host namespace is in. */
function freeSubnet(): number {
  const used = ip('-4', 'route', 'show', 'table', 'all') + '\n' + ip('-4', '-o', 'addr', 'show');
  for (let x = 0; x < 256; x++) {
    if (!used.includes(`${NET_BASE}.${x}.`)) return x;
  }
  throw new Error(`no free ${NET_BASE}.X.0/24 on this host`);
}

/**
 * Removes what earlier, killed runs left: their namespaces, host veth, directory, and any
 * container shims still running from it (dockerd and its containerd die with the test
 * process; the shims, reparented to init, do not). A run is dead when its pid is.
 */
async function sweepDeadRuns(): Promise<void> {
  const dead = new Set<number>();
  let netns: string[] = [];
  try {
    netns = ip('netns', 'list')
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter((n): n is string => !!n);
  } catch {
    // no netns support: nothing to sweep
  }
  for (const n of netns) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(n);
    if (m && !isAlive(Number(m[1]))) dead.add(Number(m[1]));
  }
  const base = TMP;
  const dirs = fs.readdirSync(base).filter((d) => new RegExp(`^${PREFIX}-(\\d+)-`).test(d));
  for (const d of dirs) {
    const pid = Number(new RegExp(`^${PREFIX}-(\\d+)-`).exec(d)![1]);
    if (!isAlive(pid)) dead.add(pid);
  }
  for (const pid of dead) {
    const runDirs = dirs.filter((d) => d.startsWith(`${PREFIX}-${pid}-`)).map((d) => path.join(base, d));
    await killMarked(runDirs.map((d) => d + '/'));
    tryIp('link', 'del', `${PREFIX}${pid}h`);
    for (const n of netns.filter((n) => n.startsWith(`${PREFIX}${pid}-`))) tryIp('netns', 'del', n);
    for (const d of runDirs) {
      unmountUnder(d);
      fs.rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    }
  }
}

export class SwarmNode {
  private child: ChildProcess | undefined;
  private exited: Promise<DaemonExit> | undefined;
  private lastExit: DaemonExit | undefined;
  private starts = 0;

  constructor(
    /** 1-based. */
    readonly index: number,
    /** The node's directory (data root, exec root, socket, log). */
    readonly dir: string,
    /** The node's network namespace (`ip netns` name). */
    readonly netns: string,
    /** The node's address on the test network, which it advertises to the swarm. */
    readonly address: string,
    private readonly options: SwarmOptions,
  ) {}

  /** The hostname dockerd reports, and so the swarm node's name. */
  get hostname(): string {
    return `swarm-node-${this.index}`;
  }
  get dataRoot(): string {
    return path.join(this.dir, 'd');
  }
  get execRoot(): string {
    return path.join(this.dir, 'e');
  }
  get pidFile(): string {
    return path.join(this.dir, 'p');
  }
  /** The node's API socket, reachable from the host (the node also serves /var/run/docker.sock inside its own mount namespace). */
  get socketPath(): string {
    return path.join(this.dir, 's');
  }
  get host(): string {
    return `unix://${this.socketPath}`;
  }
  get logPath(): string {
    return path.join(this.dir, 'dockerd.log');
  }
  private get configFile(): string {
    return path.join(this.dir, 'daemon.json');
  }
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }
  get running(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }

  logTail(lines = 30): string {
    try {
      return fs.readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no dockerd log)';
    }
  }

  /** The docker CLI against this node; throws with stderr on failure. */
  docker(...args: string[]): string {
    try {
      return execFileSync('docker', ['-H', this.host, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }).trim();
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`docker -H ${this.host} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
    }
  }

  /** The docker CLI against this node, without blocking the event loop. */
  async dockerAsync(...args: string[]): Promise<string> {
    try {
      const { stdout } = await execFileAsync('docker', ['-H', this.host, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
      return stdout.trim();
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`docker -H ${this.host} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
    }
  }

  /** Starts dockerd (again, after a crash or stop: same data root, so the node keeps its swarm identity). */
  async start(): Promise<void> {
    if (this.running) throw new Error(`node ${this.index} is running`);
    fs.mkdirSync(path.join(this.dir, 'cg'), { recursive: true });
    if (!fs.existsSync(this.configFile)) fs.writeFileSync(this.configFile, '{}\n');
    // What a killed dockerd leaves (see SecondDaemon.launch).
    fs.rmSync(this.pidFile, { force: true });
    fs.rmSync(path.join(this.execRoot, 'containerd', 'containerd.pid'), { force: true });
    const args = [
      '--config-file', this.configFile,
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--pidfile', this.pidFile,
      '-H', this.host,
      '-H', 'unix:///var/run/docker.sock', // inside the node's own /run tmpfs
      // iptables rules and docker0 live in the node's network namespace only.
      '--iptables=true',
      `--bip=172.30.${this.index}.1/24`,
      ...(this.options.extraArgs ?? []),
    ];
    // Run in the node's mount namespace, before dockerd: a private /run (the node's
    // /var/run/docker.sock, containerd's shim sockets), a sysfs of the node's network
    // namespace (with the cgroup mounts moved back under it), the node's hostname.
    const setup = [
      'set -e',
      'mount -t tmpfs -o mode=755 tmpfs /run',
      `mount --rbind /sys/fs/cgroup '${path.join(this.dir, 'cg')}'`,
      'mount -t sysfs sysfs /sys',
      `mount --move '${path.join(this.dir, 'cg')}' /sys/fs/cgroup`,
      `hostname '${this.hostname}'`,
      'exec "$0" "$@"',
    ].join('\n');
    this.starts++;
    const log = fs.openSync(this.logPath, 'a');
    fs.writeSync(log, `\n===== start #${this.starts} (${new Date().toISOString()}): dockerd ${args.join(' ')}\n`);
    let child: ChildProcess;
    try {
      // setpriv, nsenter (no pid namespace: no fork), unshare (no --fork) and sh's exec all
      // exec what follows, so the child's pid is dockerd's and PDEATHSIG reaches it.
      const [command, argv] = dyingWithParent('nsenter', [
        `--net=/run/netns/${this.netns}`,
        '--',
        'unshare', '--mount', '--uts', '--propagation', 'private', '--',
        'sh', '-c', setup, 'dockerd', ...args,
      ]);
      child = spawn(command, argv, {
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' },
      });
    } finally {
      fs.closeSync(log);
    }
    this.child = child;
    this.lastExit = undefined;
    this.exited = new Promise<DaemonExit>((resolve) => {
      const finish = (exit: DaemonExit) => {
        if (this.child === child) this.lastExit = exit;
        resolve(exit);
      };
      child.once('error', (err) => {
        fs.appendFileSync(this.logPath, `spawning dockerd failed: ${err.message}\n`);
        if (child.pid === undefined) finish({ code: null, signal: null });
      });
      child.once('exit', (code, signal) => finish({ code, signal }));
    });
    child.unref();

    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no attempt yet';
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`node ${this.index}: dockerd exited during start-up (${JSON.stringify(this.lastExit)}); log tail:\n${this.logTail()}`);
      }
      try {
        if ((await pingSocket(this.socketPath, 2000)).status === 200) return;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await sleep(100);
    }
    const tail = this.logTail();
    await this.powerOff();
    throw new Error(`node ${this.index}: dockerd did not answer /_ping within ${timeoutMs} ms (last: ${lastError}); log tail:\n${tail}`);
  }

  /** Same data root, same socket: dockerd again after crash(), powerOff() or stop(). */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    await this.start();
  }

  private async waitForExit(timeoutMs: number): Promise<DaemonExit | undefined> {
    if (!this.exited) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([this.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  private signal(sig: NodeJS.Signals): void {
    if (!this.running || this.child?.pid === undefined) return;
    try {
      process.kill(this.child.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /**
   * dockerd SIGKILLed, as a crash: its containerd and docker-proxy processes die with it
   * (PDEATHSIG), but the task containers go on running in their shims, and their host-mode
   * ports still answer through the iptables DNAT rules left in the node's namespace.
   */
  async crash(): Promise<void> {
    this.signal('SIGKILL');
    await this.waitForExit(10_000);
  }

  /** The whole node gone, as a power loss: dockerd SIGKILLed and then every process of the node (shims, containers). */
  async powerOff(): Promise<void> {
    await this.crash();
    await killMarked([this.dir + '/', this.dir + '\0']);
  }

  /** SIGTERM (SIGKILL after graceMs), then the leftovers. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.running) {
      this.signal('SIGTERM');
      if ((await this.waitForExit(graceMs)) === undefined) this.signal('SIGKILL');
      await this.waitForExit(10_000);
    }
    await killMarked([this.dir + '/', this.dir + '\0']);
  }
}

export class Swarm {
  readonly nodes: SwarmNode[] = [];
  /** The temporary directory of the whole swarm. */
  private dir: string | undefined;
  private subnet: number | undefined;
  private readonly netnsCreated: string[] = [];
  private hostLinkCreated = false;
  private cleanedUp = false;
  private started = false;
  /** Seconds each phase of start() took, for the notes. */
  readonly timings: Record<string, number> = {};

  constructor(private readonly options: SwarmOptions = {}) {}

  /** Node 1, the manager: `docker stack deploy`, `service ps` and discovery go to it. */
  get manager(): SwarmNode {
    if (!this.nodes[0]) throw new Error('the swarm was never started');
    return this.nodes[0];
  }
  /** The host's own address on the test network (reaches every node). */
  get hostAddress(): string {
    return `${NET_BASE}.${this.subnet}.1`;
  }
  private get hostLink(): string {
    return `${PREFIX}${process.pid}h`;
  }
  private get hubNetns(): string {
    return `${PREFIX}${process.pid}-hub`;
  }
  get workDir(): string {
    if (!this.dir) throw new Error('the swarm was never started');
    return this.dir;
  }

  /** Namespaces, nodes, swarm init and join, images: the whole swarm, ready for a deploy. On failure, cleans up and throws. */
  async start(): Promise<void> {
    if (this.cleanedUp || this.started) throw new Error('a Swarm starts once; create a new one');
    this.started = true;
    try {
      await this.startUnguarded();
    } catch (err) {
      await this.cleanup().catch(() => undefined);
      throw err;
    }
  }

  private async time<T>(phase: string, what: () => Promise<T> | T): Promise<T> {
    const t0 = Date.now();
    const result = await what();
    this.timings[phase] = (Date.now() - t0) / 1000;
    return result;
  }

  private async startUnguarded(): Promise<void> {
    await sweepDeadRuns();
    const count = this.options.nodes ?? 3;
    this.dir = fs.mkdtempSync(path.join(TMP, `${PREFIX}-${process.pid}-`));
    fs.chmodSync(this.dir, 0o711);
    this.subnet = freeSubnet();
    const net = `${NET_BASE}.${this.subnet}`;

    await this.time('network', () => {
      // The hub: a bridge in a namespace of its own, its iptables empty.
      ip('netns', 'add', this.hubNetns);
      this.netnsCreated.push(this.hubNetns);
      ip('-n', this.hubNetns, 'link', 'set', 'dev', 'lo', 'up');
      ip('-n', this.hubNetns, 'link', 'add', 'name', 'br0', 'type', 'bridge');
      ip('-n', this.hubNetns, 'link', 'set', 'dev', 'br0', 'up');
      // The host's leg. (Never call a link "h": ip reads "h" as "help".)
      ip('link', 'add', 'name', this.hostLink, 'type', 'veth', 'peer', 'name', 'hostleg', 'netns', this.hubNetns);
      this.hostLinkCreated = true;
      ip('-n', this.hubNetns, 'link', 'set', 'dev', 'hostleg', 'master', 'br0', 'up');
      ip('addr', 'add', `${net}.1/24`, 'dev', this.hostLink);
      ip('link', 'set', 'dev', this.hostLink, 'up');
      for (let i = 1; i <= count; i++) {
        const ns = `${PREFIX}${process.pid}-n${i}`;
        ip('netns', 'add', ns);
        this.netnsCreated.push(ns);
        ip('-n', ns, 'link', 'set', 'dev', 'lo', 'up');
        ip('-n', this.hubNetns, 'link', 'add', 'name', `n${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
        ip('-n', this.hubNetns, 'link', 'set', 'dev', `n${i}`, 'master', 'br0', 'up');
        ip('-n', ns, 'addr', 'add', `${net}.${10 + i}/24`, 'dev', 'eth0');
        ip('-n', ns, 'link', 'set', 'dev', 'eth0', 'up');
        // No default route: a lookup of a registry fails at once instead of timing out.
        const nodeDir = path.join(this.dir!, `n${i}`);
        fs.mkdirSync(nodeDir);
        this.nodes.push(new SwarmNode(i, nodeDir, ns, `${net}.${10 + i}`, this.options));
      }
    });

    await this.time('dockerd', () => Promise.all(this.nodes.map((n) => n.start())));

    const initArgs = this.options.initArgs ?? [];
    await this.time('init', () =>
      this.manager.dockerAsync('swarm', 'init', '--advertise-addr', this.manager.address, '--listen-addr', `${this.manager.address}:2377`, ...initArgs),
    );
    const token = this.manager.docker('swarm', 'join-token', '-q', 'worker');
    await this.time('join', () =>
      Promise.all(
        this.nodes
          .slice(1)
          .map((n) => n.dockerAsync('swarm', 'join', '--advertise-addr', n.address, '--listen-addr', `${n.address}:2377`, '--token', token, `${this.manager.address}:2377`)),
      ),
    );
    await this.time('ready', () => this.waitForNodes('ready', count, 60_000));

    const images = this.options.images ?? [];
    if (images.length > 0) {
      await this.time('images', async () => {
        const tar = path.join(this.dir!, 'images.tar');
        await execFileAsync('docker', ['save', '-o', tar, ...images], { timeout: 300_000 });
        await Promise.all(this.nodes.map((n) => n.dockerAsync('load', '-q', '-i', tar)));
        fs.rmSync(tar, { force: true });
      });
    }
  }

  /** `docker node ls` on the manager: hostname → status (ready, down, unknown). */
  nodeStates(): Map<string, string> {
    const out = this.manager.docker('node', 'ls', '--format', '{{.Hostname}} {{.Status}}');
    return new Map(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]).map(([h, s]) => [h, s.toLowerCase()]));
  }

  /** Waits until `count` nodes are in `state` (as the manager sees them). */
  async waitForNodes(state: string, count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const states = this.nodeStates();
      last = JSON.stringify([...states]);
      if ([...states.values()].filter((s) => s === state).length === count) return;
      await sleep(250);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} nodes ${state}; last: ${last}`);
  }

  /** The running tasks of a service, per node hostname: `docker service ps` on the manager. */
  runningTasks(service: string): { node: string; state: string; error: string }[] {
    const out = this.manager.docker('service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.Node}}\t{{.CurrentState}}\t{{.Error}}');
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [node, state, error] = l.split('\t');
        return { node: node ?? '', state: state ?? '', error: error ?? '' };
      });
  }

  /** Waits until the service has a Running task on each of the given nodes (default: all). */
  async waitForTasks(service: string, timeoutMs: number, nodes: readonly SwarmNode[] = this.nodes): Promise<void> {
    const want = nodes.map((n) => n.hostname).sort();
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const tasks = this.runningTasks(service);
        last = JSON.stringify(tasks);
        const running = new Set(tasks.filter((t) => t.state.startsWith('Running')).map((t) => t.node));
        if (want.every((h) => running.has(h))) return;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(250);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${service} to run on ${want.join(', ')}; last: ${last}`);
  }

  /**
   * Everything away, in any state: each node leaves the swarm (workers first), every dockerd
   * and its processes are stopped, anything mounted under the directory is unmounted, the
   * namespaces and the host's veth are deleted, the directory is removed.
   */
  async cleanup(): Promise<void> {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    const leave = async (n: SwarmNode) => {
      if (n.running) await n.dockerAsync('swarm', 'leave', '--force').catch(() => undefined);
    };
    await Promise.all(this.nodes.slice(1).map(leave));
    if (this.nodes[0]) await leave(this.nodes[0]);
    await Promise.all(this.nodes.map((n) => n.stop().catch(() => undefined)));
    if (this.dir) await killMarked([this.dir + '/']);
    if (this.hostLinkCreated) tryIp('link', 'del', this.hostLink);
    for (const ns of this.netnsCreated.reverse()) tryIp('netns', 'del', ns);
    if (this.dir) {
      unmountUnder(this.dir);
      fs.rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
    }
  }
}

/** Creates and starts a swarm (cleaned up again if the start fails). */
export async function startSwarm(options: SwarmOptions = {}): Promise<Swarm> {
  const swarm = new Swarm(options);
  await swarm.start();
  return swarm;
}
