// The only file that talks to the Docker Engine. Everything else sees the narrow
// DockerEngine interface, so collectors stay testable and the client stays replaceable.
// Why this is our own client and not dockerode: README.md, section Dependencies.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { onAbort } from '../base/abort';
import type { ContainerInspect, ContainerSummary, ContainerTop, EngineInfo, EngineVersion, ExecInspect, ImageHistoryEntry, ImageInspect, ImageSummary, LibpodInfo, NetworkSummary, SystemDf, VolumeList } from './engine-types';

/** The newest Engine API version this exporter was written against. */
export const CLIENT_MAX_API_VERSION = '1.44';
/** The oldest it accepts: the fields it reads have been there since 1.25. */
export const CLIENT_MIN_API_VERSION = '1.25';

export interface DockerEngine {
  /** GET /_ping, unversioned; negotiates the API version from the Api-Version header. */
  ping(signal?: AbortSignal): Promise<{ apiVersion: string; negotiatedVersion: string }>;
  info(signal?: AbortSignal): Promise<EngineInfo>;
  /** GET /libpod/info: Podman only. */
  podmanInfo(signal?: AbortSignal): Promise<LibpodInfo>;
  /** GET /version: which engine answers (dockerd or Podman) and its components. */
  version(signal?: AbortSignal): Promise<EngineVersion>;
  listContainers(signal?: AbortSignal): Promise<ContainerSummary[]>;
  /** Resolves to undefined when the container no longer exists (removed since it was listed). */
  inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerInspect | undefined>;
  /**
   * GET /containers/{id}/top: the container's processes, as `docker top`. Resolves to
   * undefined when the container no longer exists (404) or is not running (409): both are
   * the normal race of a container stopped or removed since it was listed.
   */
  containerTop(id: string, signal?: AbortSignal): Promise<ContainerTop | undefined>;
  /** GET /images/json: the top-level images (tagged and dangling), as `docker images`. */
  listImages(signal?: AbortSignal): Promise<ImageSummary[]>;
  /** Undefined when the image no longer exists. */
  inspectImage(id: string, signal?: AbortSignal): Promise<ImageInspect | undefined>;
  /** GET /images/{id}/history: the layers' creating commands. Undefined when the image is gone. */
  imageHistory(id: string, signal?: AbortSignal): Promise<ImageHistoryEntry[] | undefined>;
  listVolumes(signal?: AbortSignal): Promise<VolumeList>;
  listNetworks(signal?: AbortSignal): Promise<NetworkSummary[]>;
  /** GET /system/df: slow on big hosts (it sizes every layer and volume). */
  systemDf(signal?: AbortSignal): Promise<SystemDf>;
  /** Undefined when the exec no longer exists (Docker forgets finished execs after a while). */
  inspectExec(id: string, signal?: AbortSignal): Promise<ExecInspect | undefined>;
  /**
   * GET /containers/{id}/archive?path=PATH: the file at PATH in the container's filesystem, as
   * the tar stream the engine sends (raw bytes, at most MAX_ARCHIVE_BYTES). Read only: nothing
   * runs in the container, and it works for created, stopped and running ones alike. A path
   * that is a symbolic link comes back as the link itself, not its target. Missing: the 404
   * said the container is gone ("container") or the path is not in it ("path").
   */
  containerArchive(id: string, path: string, signal?: AbortSignal): Promise<ContainerArchive>;
  /**
   * Follows GET /events (every type, or those of `filters`) until the stream ends
   * (resolves), breaks (rejects) or `signal` aborts (resolves). `onOpen` runs once the
   * engine accepted the subscription; only connecting is bounded by the call deadline, a
   * quiet stream is not.
   */
  streamEvents(handlers: { onOpen(): void; onEvent(event: EngineEvent): void }, signal: AbortSignal, filters?: Record<string, string[]>): Promise<void>;
  /** A short description of where the engine is, for logs. */
  readonly endpoint: string;
}

/**
 * Largest answer read. A list of 2,000 containers is about 2 MB and an inspect 4 KB; an
 * engine that sends more than this is broken or hostile, and would take the memory of the host.
 */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/**
 * Largest archive read by containerArchive: the exporter asks only for small text files (an
 * os-release is under 1 KiB), so anything much bigger is not what it asked for.
 */
export const MAX_ARCHIVE_BYTES = 64 * 1024;

/** What GET /containers/{id}/archive answered. */
export type ContainerArchive = { readonly found: true; readonly tar: Buffer } | { readonly found: false; readonly missing: 'container' | 'path' };

/** Longest line of GET /events read; a longer one (an engine gone wrong, or hostile) is dropped and the stream reconnected. */
export const MAX_EVENT_LINE_BYTES = 1024 * 1024;

/** The event stream sent a line over MAX_EVENT_LINE_BYTES: it was dropped, and the stream ended. */
export class EventLineTooLongError extends Error {
  constructor(readonly bytes: number) {
    super(`an engine event line was over ${MAX_EVENT_LINE_BYTES} bytes (${bytes} read without a newline); dropped, and the stream is subscribed again`);
    this.name = 'EventLineTooLongError';
  }
}

/** One line of GET /events. */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  id?: string;
  time?: number;
  timeNano?: number;
}

export type EngineConnection =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; protocol: 'http' | 'https'; host: string; port: number; ca?: Buffer; cert?: Buffer; key?: Buffer };

export interface ConnectionSettings {
  /** unix:///path, tcp://host:port, http://… or https://…; as DOCKER_HOST. */
  host: string;
  /** As DOCKER_TLS_VERIFY: use TLS and verify the daemon's certificate. */
  tlsVerify: boolean;
  /** As DOCKER_CERT_PATH: holds ca.pem, cert.pem and key.pem. */
  certPath: string;
}

export const defaultCertPath = (): string => path.join(os.homedir(), '.docker');

/**
 * Turns docker-CLI style settings into a connection, reading the TLS files now so a
 * missing certificate is a start-up error rather than a failure on every collection.
 * Throws a list of every problem found.
 */
export function resolveConnection(settings: ConnectionSettings): EngineConnection {
  const { host, tlsVerify, certPath } = settings;
  const match = /^([a-z]+):\/\/(.*)$/.exec(host);
  if (!match) throw new Error(`docker host "${host}" must look like unix:///path or tcp://host:port`);
  const [, scheme, rest] = match;
  if (scheme === 'unix') {
    if (!rest.startsWith('/')) throw new Error(`docker host "${host}": the socket path must be absolute`);
    return { kind: 'unix', socketPath: rest };
  }
  if (scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https') {
    throw new Error(`docker host "${host}": scheme ${scheme}:// is not supported (use unix://, tcp://, http:// or https://)`);
  }
  const useTls = scheme === 'https' || (scheme === 'tcp' && tlsVerify);
  const hostPort = /^(\[[0-9a-fA-F:]+\]|[^:/\[\]]+)(?::(\d+))?\/?$/.exec(rest);
  if (!hostPort) throw new Error(`docker host "${host}": expected host:port after ${scheme}://`);
  const port = hostPort[2] === undefined ? (useTls ? 2376 : 2375) : Number(hostPort[2]);
  if (!(port > 0 && port < 65536)) throw new Error(`docker host "${host}": port ${hostPort[2]} is out of range`);
  const conn: EngineConnection = { kind: 'tcp', protocol: useTls ? 'https' : 'http', host: hostPort[1].replace(/^\[|\]$/g, ''), port };
  if (useTls && tlsVerify) {
    const read = (file: string): Buffer => {
      const full = path.join(certPath, file);
      try {
        // Checked first: reading a FIFO put there would block start-up for good.
        if (!fs.statSync(full).isFile()) throw new Error(`${full} is not a regular file`);
        return fs.readFileSync(full);
      } catch (cause) {
        throw new Error(`reading TLS file ${full} failed (DOCKER_TLS_VERIFY is set)`, { cause });
      }
    };
    conn.ca = read('ca.pem');
    conn.cert = read('cert.pem');
    conn.key = read('key.pem');
  }
  return conn;
}

function parseApiVersion(v: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Compares "1.41"-style versions. */
export function compareApiVersions(a: string, b: string): number {
  const pa = parseApiVersion(a);
  const pb = parseApiVersion(b);
  if (!pa || !pb) throw new Error(`cannot compare API versions "${a}" and "${b}"`);
  return pa[0] - pb[0] || pa[1] - pb[1];
}

/**
 * The version the docker CLI would pick: the server's, capped at ours. An engine older
 * than the oldest we read is refused, rather than misread.
 */
export function negotiateApiVersion(serverVersion: string | undefined): string {
  if (!serverVersion || !parseApiVersion(serverVersion)) {
    // Engines before API 1.25 send no Api-Version header.
    throw new Error(`the engine sent no usable Api-Version header (got ${JSON.stringify(serverVersion ?? null)})`);
  }
  if (compareApiVersions(serverVersion, CLIENT_MIN_API_VERSION) < 0) {
    throw new Error(`the engine's API ${serverVersion} is older than the oldest this exporter reads (${CLIENT_MIN_API_VERSION})`);
  }
  return compareApiVersions(serverVersion, CLIENT_MAX_API_VERSION) < 0 ? serverVersion : CLIENT_MAX_API_VERSION;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface RawBytesResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Starts a GET over the engine connection (not yet ended). */
function getRequest(conn: EngineConnection, requestPath: string, agent: http.Agent | false | undefined): http.ClientRequest {
  const common = { method: 'GET', path: requestPath, agent };
  // A unix socket has no host name; Docker's own clients send "docker". Over TCP the Host
  // header stays the real host: Node checks the server certificate against it.
  if (conn.kind === 'unix') return http.request({ ...common, socketPath: conn.socketPath, headers: { Host: 'docker' } });
  const tls = { ca: conn.ca, cert: conn.cert, key: conn.key };
  return (conn.protocol === 'https' ? https : http).request({ ...common, host: conn.host, port: conn.port, ...tls });
}

/**
 * One plain HTTP GET over the engine connection. The benchmark's raw sweep uses it with
 * Node's default agent; the engine client passes its own keep-alive agent.
 */
export async function rawGet(conn: EngineConnection, requestPath: string, signal?: AbortSignal, agent?: http.Agent, maxBytes = MAX_RESPONSE_BYTES): Promise<RawResponse> {
  const res = await rawGetBytes(conn, requestPath, signal, agent, maxBytes);
  return { status: res.status, headers: res.headers, body: res.body.toString('utf8') };
}

/** rawGet, with the body as the bytes received (an archive is binary). */
export function rawGetBytes(conn: EngineConnection, requestPath: string, signal?: AbortSignal, agent?: http.Agent, maxBytes = MAX_RESPONSE_BYTES): Promise<RawBytesResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const req = getRequest(conn, requestPath, agent);
    // Settle at the deadline whatever the request is doing. Node's own `signal` option
    // does not: a request still queued in the agent for a socket (as all are when the
    // engine hangs with every kept-alive connection busy) errors only once it gets one.
    const onAbort = () => {
      reject(abortError(signal!));
      req.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = <T>(fn: (v: T) => void) => (v: T) => {
      signal?.removeEventListener('abort', onAbort);
      fn(v);
    };
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes <= maxBytes) return void chunks.push(c);
        chunks.length = 0;
        req.destroy();
        settle(reject)(Object.assign(new Error(`the answer to GET ${requestPath} is over ${maxBytes} bytes; not read`), { code: 'EFBIG' }));
      });
      res.on('end', settle(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })));
      res.on('error', settle(reject));
    });
    req.on('error', settle(reject));
    req.end();
  });
}

/** Waits for a promise shared with other callers, but gives up when this caller's signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason as unknown;
  return reason instanceof Error ? reason : new Error('the request was aborted', { cause: reason });
}

export function describeConnection(conn: EngineConnection): string {
  return conn.kind === 'unix' ? `unix://${conn.socketPath}` : `${conn.protocol}://${conn.host}:${conn.port}`;
}

/** Errors meaning the engine could not be reached at all (as opposed to a bad answer). */
function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ETIMEDOUT', 'EACCES'].includes(code);
}

/** A non-2xx answer from the engine, with the engine's own message. */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    body: string,
  ) {
    let message = body.trim().slice(0, 300);
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the text
    }
    super(`HTTP ${statusCode}: ${message}`);
    this.name = 'EngineHttpError';
  }
}

export interface EngineOptions {
  /** Per-call deadline in milliseconds: every call is aborted when it passes. */
  timeoutMs: number;
  /** Connections kept open to the engine; should be at least the inspect concurrency. */
  maxSockets?: number;
  /** Largest answer read (MAX_RESPONSE_BYTES by default). */
  maxResponseBytes?: number;
}

/** The reason a call's signal carries when its deadline passed. */
class DeadlineExceeded extends Error {
  constructor(timeoutMs: number) {
    super(`deadline of ${timeoutMs} ms exceeded`);
    this.name = 'TimeoutError';
  }
}

/**
 * Runs fn with a signal that aborts at the deadline or when the caller's signal aborts.
 * A plain timer rather than AbortSignal.any(AbortSignal.timeout()): Node 20's any() holds
 * its sources weakly, so a timeout signal nobody else references can be garbage-collected
 * before it fires, and the call then never ends (seen here against a SIGSTOPped dockerd).
 */
async function withDeadline<T>(
  timeoutMs: number,
  parents: readonly (AbortSignal | undefined)[],
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<{ value?: T; error?: unknown; timedOut: boolean }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(timeoutMs)), timeoutMs);
  // The parents are long-lived and shared (the shutdown signal, the client's closing
  // signal): one listener each for every call in flight (src/base/abort.ts), not one per call.
  const unsubscribe = parents.filter((p): p is AbortSignal => p !== undefined).map((parent) => onAbort(parent, () => controller.abort(parent.reason)));
  try {
    return { value: await fn(controller.signal), timedOut: false };
  } catch (error) {
    return { error, timedOut: controller.signal.reason instanceof DeadlineExceeded };
  } finally {
    clearTimeout(timer);
    for (const stop of unsubscribe) stop();
  }
}

/**
 * The Engine API client: plain GETs of JSON over one keep-alive agent, and nothing else,
 * because this exporter only ever reads. Why not dockerode (bench/dockerode.ts, README
 * "Dependencies"): it adds 23 MiB of RSS and 66 packages (two with native builds), and
 * given a keep-alive agent, as this client has, docker-modem util.inspect()s that agent on
 * every call for a debug line: 33x the CPU of this client per sweep.
 */
export class EngineClient implements DockerEngine {
  private readonly agent: http.Agent;
  /** Aborted by close(), so no call outlives the client. */
  private readonly closing = new AbortController();
  private apiPrefix: Promise<string> | undefined;
  /** The settled value of apiPrefix, while it holds. */
  private negotiatedPrefix: string | undefined;
  readonly endpoint: string;

  constructor(
    private readonly conn: EngineConnection,
    private readonly options: EngineOptions,
  ) {
    this.endpoint = describeConnection(conn);
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
    this.agent = conn.kind === 'tcp' && conn.protocol === 'https' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** Runs one engine call under its deadline, with an error that says what was attempted. */
  private async call<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const { value, error, timedOut } = await withDeadline(this.options.timeoutMs, [signal, this.closing.signal], fn);
    if (error === undefined) return value as T;
    if (isConnectionError(error)) this.forgetVersion(); // the engine may come back as another version
    if (timedOut) throw new Error(`${what} failed: no answer from ${this.endpoint} within ${this.options.timeoutMs} ms`, { cause: error });
    throw new Error(`${what} failed`, { cause: error });
  }

  async ping(signal?: AbortSignal): Promise<{ apiVersion: string; negotiatedVersion: string }> {
    const what = `pinging the engine at ${this.endpoint}`;
    const res = await this.call(what, (s) => rawGet(this.conn, '/_ping', s, this.agent, this.options.maxResponseBytes), signal);
    if (res.status !== 200) {
      this.forgetVersion();
      throw new Error(`${what} failed`, { cause: new EngineHttpError(res.status, res.body) });
    }
    const header = res.headers['api-version'];
    const apiVersion = Array.isArray(header) ? header[0] : header;
    const negotiatedVersion = negotiateApiVersion(apiVersion);
    this.negotiatedPrefix = `/v${negotiatedVersion}`;
    this.apiPrefix = Promise.resolve(this.negotiatedPrefix);
    return { apiVersion: apiVersion!, negotiatedVersion };
  }

  /**
   * Negotiates once, shared by concurrent callers; again after the engine went away. The
   * shared ping runs under its own deadline, not under any one caller's signal, and each
   * caller can still give up on its own (shutdown must not wait for another's ping).
   */
  private versionPrefix(signal?: AbortSignal): Promise<string> | string {
    if (this.negotiatedPrefix !== undefined) return this.negotiatedPrefix; // the hot path: no promise, no listener
    if (!this.apiPrefix) {
      const attempt = this.ping().then((r) => `/v${r.negotiatedVersion}`);
      this.apiPrefix = attempt;
      attempt.catch(() => {
        if (this.apiPrefix === attempt) this.forgetVersion();
      });
    }
    return untilAborted(this.apiPrefix, signal);
  }

  private forgetVersion(): void {
    this.apiPrefix = undefined;
    this.negotiatedPrefix = undefined;
  }

  /** GETs a versioned path and parses its JSON; undefined for a 404 when `missingOk` (and for the other `missing` statuses given). */
  private async getJson<T>(what: string, apiPath: string, signal: AbortSignal | undefined, missingOk = false, missing: readonly number[] = [404]): Promise<T | undefined> {
    return this.call(
      what,
      async (s) => {
        const prefix = await this.versionPrefix(s);
        const res = await rawGet(this.conn, prefix + apiPath, s, this.agent, this.options.maxResponseBytes);
        if (missingOk && missing.includes(res.status)) return undefined;
        if (res.status !== 200) throw new EngineHttpError(res.status, res.body);
        return JSON.parse(res.body) as T;
      },
      signal,
    );
  }

  async info(signal?: AbortSignal): Promise<EngineInfo> {
    return (await this.getJson<EngineInfo>('reading engine info', '/info', signal))!;
  }

  async version(signal?: AbortSignal): Promise<EngineVersion> {
    return (await this.getJson<EngineVersion>('reading the engine version', '/version', signal))!;
  }

  /** Podman's own /libpod/info: only Podman serves it (under the same version prefix as its compatible API). */
  async podmanInfo(signal?: AbortSignal): Promise<LibpodInfo> {
    return (await this.getJson<LibpodInfo>("reading Podman's /libpod/info", '/libpod/info', signal))!;
  }

  async listContainers(signal?: AbortSignal): Promise<ContainerSummary[]> {
    return (await this.getJson<ContainerSummary[]>('listing containers', '/containers/json?all=1', signal))!;
  }

  async inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerInspect | undefined> {
    // A 404 means it was removed between the list and the inspect: a normal race on a busy host.
    return this.getJson<ContainerInspect>(`inspecting container ${id.slice(0, 12)}`, `/containers/${encodeURIComponent(id)}/json`, signal, true);
  }

  async containerTop(id: string, signal?: AbortSignal): Promise<ContainerTop | undefined> {
    // 404: removed since the list; 409: "is not running", stopped since the list. No
    // ps_args: the engine's default (-ef) is what `docker top` shows, and its CMD column
    // is the full command line the process names are read from.
    return this.getJson<ContainerTop>(`listing the processes of container ${id.slice(0, 12)}`, `/containers/${encodeURIComponent(id)}/top`, signal, true, [404, 409]);
  }

  async listImages(signal?: AbortSignal): Promise<ImageSummary[]> {
    return (await this.getJson<ImageSummary[]>('listing images', '/images/json', signal))!;
  }

  async inspectImage(id: string, signal?: AbortSignal): Promise<ImageInspect | undefined> {
    return this.getJson<ImageInspect>(`inspecting image ${id.slice(0, 19)}`, `/images/${encodeURIComponent(id)}/json`, signal, true);
  }

  async imageHistory(id: string, signal?: AbortSignal): Promise<ImageHistoryEntry[] | undefined> {
    return this.getJson<ImageHistoryEntry[]>(`reading the history of image ${id.slice(0, 19)}`, `/images/${encodeURIComponent(id)}/history`, signal, true);
  }

  async listVolumes(signal?: AbortSignal): Promise<VolumeList> {
    return (await this.getJson<VolumeList>('listing volumes', '/volumes', signal))!;
  }

  async listNetworks(signal?: AbortSignal): Promise<NetworkSummary[]> {
    return (await this.getJson<NetworkSummary[]>('listing networks', '/networks', signal))!;
  }

  async systemDf(signal?: AbortSignal): Promise<SystemDf> {
    return (await this.getJson<SystemDf>('reading disk usage (/system/df)', '/system/df', signal))!;
  }

  async inspectExec(id: string, signal?: AbortSignal): Promise<ExecInspect | undefined> {
    return this.getJson<ExecInspect>(`inspecting exec ${id.slice(0, 12)}`, `/exec/${encodeURIComponent(id)}/json`, signal, true);
  }

  async containerArchive(id: string, filePath: string, signal?: AbortSignal): Promise<ContainerArchive> {
    return this.call(
      `reading ${filePath} from container ${id.slice(0, 12)}`,
      async (s) => {
        const prefix = await this.versionPrefix(s);
        const apiPath = `${prefix}/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(filePath)}`;
        const res = await rawGetBytes(this.conn, apiPath, s, this.agent, Math.min(MAX_ARCHIVE_BYTES, this.options.maxResponseBytes ?? MAX_ARCHIVE_BYTES));
        if (res.status === 404) {
          // The engine says which: "No such container: <id>", or "Could not find the file <path> in container <id>".
          const gone = /no such container/i.test(new EngineHttpError(404, res.body.toString('utf8')).message);
          return { found: false, missing: gone ? 'container' : 'path' } as const;
        }
        if (res.status !== 200) throw new EngineHttpError(res.status, res.body.toString('utf8'));
        return { found: true, tar: res.body } as const;
      },
      signal,
    );
  }

  async streamEvents(handlers: { onOpen(): void; onEvent(event: EngineEvent): void }, signal: AbortSignal, filters?: Record<string, string[]>): Promise<void> {
    const prefix = await this.versionPrefix(signal);
    const query = filters ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
    await new Promise<void>((resolve, reject) => {
      // A connection of its own: a long-lived stream must not hold one of the agent's.
      const req = getRequest(this.conn, `${prefix}/events${query}`, false);
      const connectTimer = setTimeout(() => {
        req.destroy();
        reject(new Error(`subscribing to engine events failed: no answer from ${this.endpoint} within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      const onAbort = () => {
        clearTimeout(connectTimer);
        req.destroy();
        resolve();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (err?: Error) => {
        clearTimeout(connectTimer);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(new Error('following engine events failed', { cause: err }));
        else resolve();
      };
      req.on('error', done);
      req.on('response', (res) => {
        clearTimeout(connectTimer);
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(new EngineHttpError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
          return;
        }
        handlers.onOpen();
        // Bytes after the last newline, kept as chunks: each chunk is scanned once, so the
        // cost of a chunk is proportional to its size, however long the line it belongs to.
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        const line = (text: string): boolean => {
          const trimmed = text.trim();
          if (trimmed === '') return true;
          try {
            handlers.onEvent(JSON.parse(trimmed) as EngineEvent);
            return true;
          } catch (err) {
            res.destroy();
            done(new Error(`unreadable event line ${JSON.stringify(trimmed.slice(0, 200))}`, { cause: err }));
            return false;
          }
        };
        res.on('data', (chunk: Buffer) => {
          let start = 0;
          for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
            const bytes = pendingBytes + nl - start;
            const text = pending.length === 0 ? chunk.toString('utf8', start, nl) : Buffer.concat([...pending, chunk.subarray(start, nl)]).toString('utf8');
            pending = [];
            pendingBytes = 0;
            start = nl + 1;
            if (bytes > MAX_EVENT_LINE_BYTES) return tooLong(bytes);
            if (!line(text)) return;
          }
          if (start < chunk.length) {
            pending.push(chunk.subarray(start));
            pendingBytes += chunk.length - start;
            // No newline within the bound: the line will be dropped anyway, so stop reading it now.
            if (pendingBytes > MAX_EVENT_LINE_BYTES) tooLong(pendingBytes);
          }
        });
        const tooLong = (bytes: number) => {
          pending = [];
          res.destroy();
          done(new EventLineTooLongError(bytes));
        };
        res.on('end', () => done());
        res.on('error', done);
        res.on('close', () => done());
      });
      req.end();
    });
  }

  /** Ends the calls in flight and closes the kept-alive connections. */
  close(): void {
    this.closing.abort(new Error('the engine client was closed'));
    this.agent.destroy();
  }
}
