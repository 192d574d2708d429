// The docker-socket-proxy variant's proxy, run on this host: Debian's haproxy with the rules
// file the variant mounts into tecnativa/docker-socket-proxy (deploy/socket-proxy/haproxy.cfg),
// in front of the real engine's socket, with the environment the variant's container gets
// (the image's defaults, then the compose file's settings). Every request it handled is
// read back from its log (HAProxy's httplog lines on stdout), so a test can list what a
// client asked for and what the proxy did with it.
//
//   const proxy = new SocketProxy(variantProxyEnvironment());
//   afterAll(() => proxy.stop());          // safe in any state
//   await proxy.start();                   // resolves once it answers HTTP
//   exporter args: ['--docker.host', proxy.host]
//
// Needs haproxy on PATH (scripts/provision.sh installs it) and access to the socket.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { freePort } from './free-port';
import { dyingWithParent } from './second-daemon';

const ROOT = path.join(__dirname, '..', '..');
export const PROXY_CONFIG = path.join(ROOT, 'deploy', 'socket-proxy', 'haproxy.cfg');
export const VARIANT_COMPOSE = path.join(ROOT, 'deploy', 'docker-compose.socket-proxy.yml');
const PROXY_SERVICE = 'docker-socket-proxy';
const ENGINE_SOCKET = '/var/run/docker.sock';

/**
 * The ENV of the tecnativa/docker-socket-proxy:0.2.0 image (its Dockerfile at tag v0.2.0,
 * commit e37525d1577226e518a93adbdcedc2b2fd377c58): what the proxy container runs with
 * before the compose file's `environment:` is applied. EVENTS, PING and VERSION are granted.
 */
export const IMAGE_DEFAULTS: Readonly<Record<string, string>> = {
  ALLOW_RESTARTS: '0',
  ALLOW_STOP: '0',
  ALLOW_START: '0',
  AUTH: '0',
  BUILD: '0',
  COMMIT: '0',
  CONFIGS: '0',
  CONTAINERS: '0',
  DISABLE_IPV6: '0',
  DISTRIBUTION: '0',
  EVENTS: '1',
  EXEC: '0',
  GRPC: '0',
  IMAGES: '0',
  INFO: '0',
  LOG_LEVEL: 'info',
  NETWORKS: '0',
  NODES: '0',
  PING: '1',
  PLUGINS: '0',
  POST: '0',
  SECRETS: '0',
  SERVICES: '0',
  SESSION: '0',
  SOCKET_PATH: ENGINE_SOCKET,
  SWARM: '0',
  SYSTEM: '0',
  TASKS: '0',
  VERSION: '1',
  VOLUMES: '0',
};

/** The section variables of the rules file (each one `{ env(NAME) -m bool }`), in its order. */
export const SECTION_VARIABLES = Object.keys(IMAGE_DEFAULTS).filter((k) => !['DISABLE_IPV6', 'LOG_LEVEL', 'SOCKET_PATH', 'POST'].includes(k));

/** The proxy service's `environment:` in the variant's compose file, as docker-compose resolves it. */
export function composeProxyEnvironment(): Record<string, string> {
  const config = execFileSync('docker-compose', ['-f', VARIANT_COMPOSE, 'config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // Parsed as YAML, not matched as text: docker-compose releases differ in how they quote and
  // indent their output (1.29 quotes the values, 2.x does not).
  const service = (parseYaml(config) as { services?: Record<string, { environment?: unknown }> }).services?.[PROXY_SERVICE];
  if (service === undefined) throw new Error(`no service ${PROXY_SERVICE} in:\n${config}`);
  const environment = service.environment ?? {};
  const entries: [string, unknown][] = Array.isArray(environment)
    ? environment.map((item: string) => { const at = String(item).indexOf('='); return [String(item).slice(0, at), String(item).slice(at + 1)]; })
    : Object.entries(environment as Record<string, unknown>);
  return Object.fromEntries(entries.map(([k, v]) => [k, String(v)]));
}

/** The environment the variant's proxy container runs with: the image's defaults, then the compose file's. */
export function variantProxyEnvironment(): Record<string, string> {
  return { ...IMAGE_DEFAULTS, ...composeProxyEnvironment() };
}

/** The sections a proxy environment grants, by variable name (HAProxy's `-m bool`: a non-zero integer). */
export function grantedSections(env: Readonly<Record<string, string>>): string[] {
  return SECTION_VARIABLES.filter((k) => /^\s*-?\d+/.test(env[k] ?? '') && parseInt(env[k], 10) !== 0).sort();
}

/** One request as HAProxy logged it (httplog). `server` is "<NOSRV>" when the proxy answered itself (a deny). */
export interface ProxiedRequest {
  backend: string;
  server: string;
  status: number;
  /** HAProxy's termination state, e.g. "----", "PR--" (denied by a rule), "CD--" (client closed during the data). */
  termination: string;
  method: string;
  /** The path and query as the client sent them. */
  path: string;
  /** When the proxy accepted the connection (ms since the epoch): a stream is logged when it ends, this says when it began. */
  acceptedAt: number;
}

/** Whether the engine saw the request (the proxy forwarded it to the socket). */
export const forwarded = (r: ProxiedRequest): boolean => r.server !== '<NOSRV>';

const LOG_LINE = /^\S+ \[([^\]]+)\] \S+ ([^\s/]+)\/(\S+) \S+ (-?\d+) \d+ \S+ \S+ (\S{4}) \S+ \S+ "(\S+) (\S+) [^"]*"$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** HAProxy's accept date, `02/Dec/2026:08:01:11.775`, in UTC (the proxy runs with TZ=UTC). */
function acceptDate(text: string): number {
  const m = /^(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d)\.(\d{3})$/.exec(text);
  if (!m || !MONTHS.includes(m[2])) return NaN;
  return Date.UTC(Number(m[3]), MONTHS.indexOf(m[2]), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
}

export function parseLogLine(line: string): ProxiedRequest | undefined {
  const m = LOG_LINE.exec(line);
  if (!m) return undefined;
  return { acceptedAt: acceptDate(m[1]), backend: m[2], server: m[3], status: Number(m[4]), termination: m[5], method: m[6], path: m[7] };
}

export interface ProxyAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SocketProxy {
  output = '';
  port: number | undefined;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private done = false;

  /** `env`: the proxy container's environment (variantProxyEnvironment()); BIND_CONFIG is set here. */
  constructor(private readonly env: Readonly<Record<string, string>>) {}

  /** The proxy as a DOCKER_HOST / --docker.host value, as the variant's exporter has it (tcp://). */
  get host(): string {
    if (this.port === undefined) throw new Error('the proxy was not started');
    return `tcp://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && !this.done;
  }

  /** Every request logged so far, in the order they ended. */
  requests(): ProxiedRequest[] {
    return this.output.split('\n').flatMap((l) => parseLogLine(l) ?? []);
  }

  /** The requests logged so far whose connection was accepted at or after `sinceMs` (Date.now()). */
  requestsSince(sinceMs: number): ProxiedRequest[] {
    return this.requests().filter((r) => r.acceptedAt >= sinceMs);
  }

  /** Starts haproxy in the foreground on a free loopback port; resolves once it answers HTTP. */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.child) throw new Error('already started');
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      this.spawn();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (!this.running) break; // exited: maybe the port was taken meanwhile
        // Up once it logged a request: an answer alone could come from another process on that port.
        if (this.requests().length > 0) return;
        await this.request('GET', '/_ping').catch(() => undefined);
        if (Date.now() > deadline) {
          await this.stop();
          throw new Error(`haproxy did not answer within ${timeoutMs} ms; its output:\n${this.output}`);
        }
        await sleep(25);
      }
      if (attempt === 3 || !/cannot bind socket/i.test(this.output)) throw new Error(`haproxy exited; its output:\n${this.output}`);
      this.child = undefined;
      this.done = false;
    }
  }

  private spawn(): void {
    // Nothing of this process's environment: a POST=1 or EXEC=1 there must not loosen the rules.
    // TZ=UTC: the log's accept dates are then UTC (requestsSince).
    const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...this.env, TZ: 'UTC', BIND_CONFIG: `127.0.0.1:${this.port}` };
    const [command, args] = dyingWithParent('haproxy', ['-db', '-f', PROXY_CONFIG]);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (this.output += t));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (this.output += t));
    this.exited = new Promise<void>((resolve) => {
      const finish = () => {
        this.done = true;
        resolve();
      };
      child.once('error', (err) => {
        this.output += `\n[test helper] spawning haproxy failed: ${err.message}\n`;
        if (child.pid === undefined) finish();
      });
      child.once('close', finish);
    });
  }

  /** One request through the proxy, on a connection of its own. The path is sent as given (no dot-segment removal). */
  request(method: string, urlPath: string, body?: unknown, timeoutMs = 5000): Promise<ProxyAnswer> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: http.OutgoingHttpHeaders = payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) };
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path: urlPath, headers, agent: false, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A websocket upgrade through the proxy (a GET, as `docker attach` over websocket sends it),
   * then one masked text frame of `text`, sent when the upgrade was accepted. Resolves to the
   * status of the answer; the connection is closed after the frame.
   */
  websocketSend(urlPath: string, text: string, timeoutMs = 5000): Promise<number> {
    if (Buffer.byteLength(text) > 125) return Promise.reject(new Error('websocketSend: one short frame (125 bytes at most)'));
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: this.port! });
      let head = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`websocket GET ${urlPath}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.on('error', (err) => (clearTimeout(timer), reject(new Error(`websocket GET ${urlPath} failed`, { cause: err }))));
      socket.on('connect', () => {
        socket.write(
          `GET ${urlPath} HTTP/1.1\r\nHost: docker\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://docker\r\n\r\n`,
        );
      });
      socket.on('data', (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.removeAllListeners('data');
        clearTimeout(timer);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        if (status === 101) {
          const payload = Buffer.from(text, 'utf8');
          const mask = crypto.randomBytes(4);
          socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4])]));
        }
        socket.end(() => resolve(status));
      });
    });
  }

  /** SIGTERM, then SIGKILL after timeoutMs. Safe in any state. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      this.child!.kill('SIGKILL');
      await this.exited;
    }
  }
}
