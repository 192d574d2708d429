// A hostile Docker Engine for fault tests: an HTTP server on a unix socket that answers the
// Engine API calls the exporter makes with JSON recorded from the real Engine 20.10
// (test/fixtures/engine-20.10/), and misbehaves where a test tells it to: list a container
// twice (edit `list`), answer slowly, never, with garbage, with a huge list, with a changing
// Api-Version, or stream an endless event line. It stands in for what a real engine cannot be
// made to do; every ordinary behaviour is tested against the real engine.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ContainerInspect, ContainerSummary } from '../../src/readers/engine-types';
import { ENGINE_FIXTURES, recordedInspect, recordedList, type RecordedContainer } from './fixtures';

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, file), 'utf8'));

export class HostileEngine {
  readonly socket: string;
  /** What GET /containers/json answers; tests edit it (a container twice, a new one). */
  list: ContainerSummary[] = recordedList();
  inspects = new Map<string, ContainerInspect>();
  /** What GET /events does: stays quiet, or sends one line that never ends (64 KiB chunks, no newline, as fast as the client reads). */
  events: 'quiet' | 'endless-line' = 'quiet';
  /**
   * How the API calls other than /_ping and /events misbehave: answer normally; answer after
   * `slowMs`; never answer; answer 200 with a body that is not JSON; list `hugeCount`
   * containers more (each inspectable); or answer /_ping with an Api-Version that changes
   * on every ping.
   */
  behaviour: 'normal' | 'slow' | 'hang' | 'garbage' | 'huge-list' | 'flapping-api-version' = 'normal';
  slowMs = 300;
  hugeCount = 3000;
  private pings = 0;
  /** Event subscriptions accepted. */
  eventStreams = 0;
  /** Requests seen, by path without the version prefix. */
  readonly requests: string[] = [];
  private readonly server: http.Server;
  private readonly dir: string;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-hostile-'));
    this.socket = path.join(this.dir, 'docker.sock');
    for (const s of this.list) {
      const name = (s.Names?.[0] ?? '').replace(/^\/fixture-rec-/, '') as RecordedContainer;
      try {
        this.inspects.set(s.Id, recordedInspect(name));
      } catch {
        // a listed container without a recorded inspect answers 404, as a removed one does
      }
    }
    this.server = http.createServer((req, res) => this.answer(req, res));
  }

  get host(): string {
    return `unix://${this.socket}`;
  }

  /** Adds a recorded container under a new id and name, as `docker create` would. */
  addContainer(from: RecordedContainer, id: string, name: string): void {
    const inspect = { ...recordedInspect(from), Id: id, Name: `/${name}` };
    this.inspects.set(id, inspect);
    this.list.push({ Id: id, Names: [`/${name}`], Image: inspect.Config?.Image, State: inspect.State?.Status, Status: 'Created' });
  }

  private hugeList(): ContainerSummary[] {
    return Array.from({ length: this.hugeCount }, (_, i) => ({ Id: this.hugeId(i), Names: [`/huge-${i}`], Image: 'docker-audit-test/busybox:local', State: 'created', Status: 'Created' }));
  }
  private hugeId(i: number): string {
    return `h0${String(i).padStart(10, '0')}`.padEnd(64, '0');
  }
  private hugeInspect(id: string): ContainerInspect {
    const i = Number(id.slice(2, 12));
    return { ...recordedInspect('hardened'), Id: id, Name: `/huge-${i}`, State: { ...recordedInspect('hardened').State, Status: 'created', Running: false } };
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socket, () => resolve());
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://docker');
    const p = url.pathname.replace(/^\/v\d+\.\d+/, '');
    this.requests.push(p);
    if (p === '/_ping') {
      const version = this.behaviour === 'flapping-api-version' ? ['1.41', '1.40', '1.43'][this.pings++ % 3] : '1.41';
      res.writeHead(200, { 'Api-Version': version, 'Content-Type': 'text/plain' });
      return void res.end('OK');
    }
    if (p !== '/events') {
      if (this.behaviour === 'hang') return; // never answered; closed by stop()
      if (this.behaviour === 'garbage') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
        return void res.end('{"Id": "abc", <html>502 Bad Gateway');
      }
      if (this.behaviour === 'slow') return void setTimeout(() => this.respond(p, res), this.slowMs);
    }
    this.respond(p, res);
  }

  /** The normal answer to a versionless path. */
  private respond(p: string, res: http.ServerResponse): void {
    const json = (status: number, body: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
      res.end(JSON.stringify(body));
    };
    if (p === '/info') return json(200, readJson('recorded-info.json'));
    if (p === '/version') return json(200, readJson('recorded-version.json'));
    if (p === '/containers/json') return json(200, this.behaviour === 'huge-list' ? [...this.list, ...this.hugeList()] : this.list);
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(p);
    if (inspect) {
      const id = decodeURIComponent(inspect[1]);
      const found = this.inspects.get(id) ?? (id.startsWith('h0') ? this.hugeInspect(id) : undefined);
      return found ? json(200, found) : json(404, { message: 'No such container' });
    }
    if (p === '/events') {
      this.eventStreams++;
      // Headers now; then nothing (quiet), or an endless line. It ends when the client goes.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
      res.flushHeaders();
      if (this.events === 'endless-line') {
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        res.write('{"Type":"container","Action":"');
        pump();
      }
      return;
    }
    if (p === '/images/json') return json(200, []);
    if (p === '/volumes') return json(200, { Volumes: [], Warnings: null });
    if (p === '/networks') return json(200, []);
    if (p === '/system/df') return json(200, { LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] });
    json(404, { message: `page not found: ${p}` });
  }
}
