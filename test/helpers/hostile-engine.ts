// A hostile Docker Engine for fault tests: an HTTP server on a unix socket that answers the
// Engine API calls the exporter makes with JSON recorded from the real Engine 20.10
// (test/fixtures/engine-20.10/), and misbehaves where a test tells it to (list a container
// twice, ...). It stands in for an engine that a real one cannot be made to be; every
// ordinary behaviour is tested against the real engine.
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
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
      res.end(JSON.stringify(body));
    };
    if (p === '/_ping') {
      res.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'text/plain' });
      return void res.end('OK');
    }
    if (p === '/info') return json(200, readJson('recorded-info.json'));
    if (p === '/containers/json') return json(200, this.list);
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(p);
    if (inspect) {
      const found = this.inspects.get(decodeURIComponent(inspect[1]));
      return found ? json(200, found) : json(404, { message: 'No such container' });
    }
    if (p === '/events') {
      // A quiet stream: headers now, events never; it ends when the client goes.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
      return void res.flushHeaders();
    }
    if (p === '/images/json') return json(200, []);
    if (p === '/volumes') return json(200, { Volumes: [], Warnings: null });
    if (p === '/networks') return json(200, []);
    if (p === '/system/df') return json(200, { LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] });
    json(404, { message: `page not found: ${p}` });
  }
}
