// The list of Engine API paths (src/readers/engine-paths.ts) against the two things it
// describes: the client that sends the requests (every DockerEngine call, sent to a local
// unix-socket server that records what it received), and the docker-socket-proxy rules file
// that decides them (deploy/socket-proxy/haproxy.cfg, its regular expressions applied
// here). test/integration/socket-proxy.test.ts does both for real: the exporter, through
// haproxy, to the real engine.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, type DockerEngine } from '../../../src/readers/engine';
import { ENGINE_PATHS, ENGINE_PATH_LIST, pathsOf, proxySections, sentToDockerd, type EngineCall } from '../../../src/readers/engine-paths';
import { COLLECTOR_NAMES } from '../../../src/collectors';

const ROOT = path.join(__dirname, '..', '..', '..');
const PROXY_CONFIG = fs.readFileSync(path.join(ROOT, 'deploy', 'socket-proxy', 'haproxy.cfg'), 'utf8');

// Compile-time: one entry per DockerEngine call, and none for a call it does not have.
type Calls = Exclude<keyof DockerEngine, 'endpoint'>;
const exhaustive: [Exclude<Calls, EngineCall>, Exclude<EngineCall, Calls>] extends [never, never] ? true : false = true;

const ID = 'f'.repeat(64);
const IMAGE_ID = `sha256:${ID}`;
/** Calls one DockerEngine method with made-up arguments. */
const CALLS: Record<EngineCall, (e: DockerEngine) => Promise<unknown>> = {
  ping: (e) => e.ping(),
  info: (e) => e.info(),
  version: (e) => e.version(),
  podmanInfo: (e) => e.podmanInfo(),
  listContainers: (e) => e.listContainers(),
  inspectContainer: (e) => e.inspectContainer(ID),
  containerTop: (e) => e.containerTop(ID),
  listImages: (e) => e.listImages(),
  inspectImage: (e) => e.inspectImage(IMAGE_ID),
  imageHistory: (e) => e.imageHistory(IMAGE_ID),
  containerArchive: (e) => e.containerArchive(ID, '/etc/os-release'),
  listVolumes: (e) => e.listVolumes(),
  listNetworks: (e) => e.listNetworks(),
  systemDf: (e) => e.systemDf(),
  inspectExec: (e) => e.inspectExec(ID),
  streamEvents: (e) => e.streamEvents({ onOpen: () => undefined, onEvent: () => undefined }, new AbortController().signal),
};

/** What the client should send for an entry, with the made-up id above and API version 1.41. */
const request = (call: EngineCall): string => {
  const p = ENGINE_PATHS[call];
  const id = encodeURIComponent(p.path.startsWith('/images/') ? IMAGE_ID : ID);
  return `${p.method} ${p.versioned ? '/v1.41' : ''}${p.path.replace('{id}', id).replace('{path}', encodeURIComponent('/etc/os-release'))}`;
};

/** docker-socket-proxy's `allow` rules, in order: a path regex (HAProxy's -i: case-insensitive) and the variable that enables it. */
function allowRules(cfg: string): { re: RegExp; variable: string }[] {
  return [...cfg.matchAll(/^\s*http-request allow if \{ path,url_dec -m reg -i (\S+) \} \{ env\(([A-Z_]+)\) -m bool \}$/gm)].map((m) => ({ re: new RegExp(m[1], 'i'), variable: m[2] }));
}

describe('the Engine API paths the exporter requests', () => {
  it('has one entry per DockerEngine call', () => {
    expect(exhaustive).toBe(true);
    expect(Object.keys(CALLS).sort()).toEqual(Object.keys(ENGINE_PATHS).sort());
  });

  it('is what the client sends for each call: GET, the path, the version prefix on all but /_ping', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-paths-'));
    const received: string[] = [];
    const server = http.createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      res.setHeader('Api-Version', '1.41');
      // Any JSON does: the client parses it and leaves its meaning to the facts.
      res.end(req.url === '/_ping' ? 'OK' : req.url?.includes('/events') ? '' : '{}');
    });
    const socketPath = path.join(dir, 'engine.sock');
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const sent: Record<string, string> = {};
      for (const [call, run] of Object.entries(CALLS) as [EngineCall, (e: DockerEngine) => Promise<unknown>][]) {
        // A client per call, so each one's version negotiation (its /_ping) is seen apart.
        const client = new EngineClient({ kind: 'unix', socketPath }, { timeoutMs: 5000 });
        try {
          received.length = 0;
          await run(client);
          sent[call] = received.filter((r) => call === 'ping' || r !== 'GET /_ping').join(', ');
        } finally {
          client.close();
        }
      }
      expect(sent).toEqual(Object.fromEntries(Object.keys(CALLS).map((call) => [call, request(call as EngineCall)])));
    } finally {
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names, for each path, the docker-socket-proxy section whose rule lets it through', () => {
    const rules = allowRules(PROXY_CONFIG);
    expect(rules.length).toBe(26); // v0.2.0: 3 container-action rules (ALLOW_*) and 23 sections
    expect(PROXY_CONFIG).toMatch(/^\s*http-request deny unless METH_GET \|\| \{ env\(POST\) -m bool \}$/m);
    expect(PROXY_CONFIG).toMatch(/^\s*http-request deny$/m);
    for (const p of ENGINE_PATH_LIST.filter(sentToDockerd)) {
      const sent = `${p.versioned ? '/v1.41' : ''}${p.path.replace('{id}', ID).split('?')[0]}`;
      // HAProxy applies the first rule that matches.
      expect([p.path, rules.find((r) => r.re.test(sent))?.variable]).toEqual([p.path, p.section]);
    }
  });

  it('sends the event stream to the backend without a server timeout, as docker-socket-proxy does', () => {
    const re = new RegExp(/^\s*use_backend docker-events if \{ path,url_dec -m reg -i (\S+) \}$/m.exec(PROXY_CONFIG)![1], 'i');
    expect(ENGINE_PATH_LIST.filter((p) => re.test(`/v1.41${p.path}`)).map((p) => p.path)).toEqual(['/events']);
    expect(PROXY_CONFIG).toMatch(/^backend docker-events\n\s+server dockersocket \$SOCKET_PATH\n\s+timeout server 0$/m);
  });

  it('says which collectors need each path, by their names, and which mode sends it', () => {
    for (const p of ENGINE_PATH_LIST) {
      expect(p.collectors.length).toBeGreaterThan(0);
      for (const c of p.collectors) expect(COLLECTOR_NAMES).toContain(c);
      expect(p.collectors).toEqual(COLLECTOR_NAMES.filter((c) => p.collectors.includes(c))); // the table's order
    }
    expect(pathsOf('server').length).toBe(ENGINE_PATH_LIST.length);
    expect(ENGINE_PATH_LIST.filter((p) => !pathsOf('once').includes(p)).map((p) => p.path)).toEqual(['/events', '/exec/{id}/json']);
    expect(proxySections()).toEqual(['PING', 'INFO', 'VERSION', 'CONTAINERS', 'IMAGES', 'VOLUMES', 'NETWORKS', 'SYSTEM', 'EVENTS', 'EXEC']);
  });
});
