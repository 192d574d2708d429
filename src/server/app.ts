// The HTTP side: serves the last snapshot, the landing page and the health endpoints.
// createApp builds its own prom-client registry, so every test (and every app) has one.
//
// /metrics is gzip-compressed when the scraper accepts gzip (Prometheus always does): the
// snapshot was compressed once, when its collection finished (snapshotGzip), and only the
// small live part (build info, process metrics) is compressed per scrape, as a gzip member
// of its own in front of the snapshot's. Concatenated members are one valid gzip stream
// (RFC 1952, section 2.2), which Go's gzip reader, and so Prometheus, reads whole.
import { gzipSync } from 'node:zlib';
import express, { type Express } from 'express';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { LIVE_FAMILIES } from '../metrics/catalog';
import { snapshotGzip, type Readiness, type Snapshot } from './scheduler';
import { landingPage } from './landing';
import type { BasicAuthenticator } from './basic-auth';
import type { WebConfigSource } from './web-config';
import { webSecurity } from './web-security';

export interface AppDeps {
  /** The last completed snapshot, or undefined before the first collection finished. */
  snapshot(): Snapshot | undefined;
  /** Whether the exporter is ready: a snapshot exists and is fresh (Scheduler.readiness). */
  readiness(): Readiness;
  version: string;
  telemetryPath: string;
  /** Collectors that are enabled, shown on the landing page before their first run. */
  collectors: readonly string[];
  /** Whether to add prom-client's process_* and nodejs_* metrics (off in some tests for speed). */
  processMetrics?: boolean;
  /** The web configuration (--web.config.file): headers, rate limit and basic auth on every path. */
  web?: WebConfigSource;
  /** The basic auth checker and its cache (one is made when absent). */
  authenticator?: BasicAuthenticator;
}

/** The families served live (not from the snapshot): build info, and process metrics. */
export function createLiveRegistry(version: string, processMetrics: boolean): Registry {
  const registry = new Registry();
  const { buildInfo } = LIVE_FAMILIES;
  new Gauge({ name: buildInfo.name, help: buildInfo.help, labelNames: [...buildInfo.labels], registers: [registry] }).set(
    { version, node_version: process.version },
    1,
  );
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

export function createApp(deps: AppDeps): Express {
  const registry = createLiveRegistry(deps.version, deps.processMetrics ?? true);
  const app = express();
  app.disable('x-powered-by');
  // Prometheus never sends If-None-Match; hashing a large body on every scrape is waste.
  app.set('etag', false);
  if (deps.web) app.use(webSecurity(deps.web, { authenticator: deps.authenticator }));

  app.get(deps.telemetryPath, async (req, res, next) => {
    try {
      const live = await registry.metrics();
      const snapshot = deps.snapshot();
      res.set('Content-Type', registry.contentType);
      res.vary('Accept-Encoding');
      if (req.acceptsEncodings('gzip') === 'gzip') {
        const liveGzip = gzipSync(live);
        const snapshotPart = snapshot && snapshot.bytes > 0 ? await snapshotGzip(snapshot) : undefined;
        res.set('Content-Encoding', 'gzip');
        res.set('Content-Length', String(liveGzip.length + (snapshotPart?.length ?? 0)));
        res.write(liveGzip);
        res.end(snapshotPart);
        return;
      }
      // The snapshot is already UTF-8: written as it is, with no copy and no encoding per scrape.
      res.set('Content-Length', String(Buffer.byteLength(live) + (snapshot?.bytes ?? 0)));
      // Corked: the hundred-odd chunks (one or more per family) go out in one writev.
      res.cork();
      res.write(live);
      for (const chunk of snapshot?.chunks ?? []) res.write(chunk);
      res.end();
    } catch (err) {
      next(err);
    }
  });

  app.get('/-/healthy', (_req, res) => {
    res.type('text/plain').send('OK\n');
  });

  app.get('/-/ready', (_req, res) => {
    const { ready, reason } = deps.readiness();
    res
      .status(ready ? 200 : 503)
      .type('text/plain')
      .send(ready ? 'Ready\n' : `Not ready: ${reason}\n`);
  });

  app.get('/', (_req, res) => {
    res.type('html').send(landingPage({ version: deps.version, telemetryPath: deps.telemetryPath, collectors: deps.collectors, snapshot: deps.snapshot() }));
  });

  // Every path here only answers GET (and HEAD, which express derives from it): another
  // method on one of them is 405 with the methods it takes, not a 404 that says it is not there.
  for (const p of [deps.telemetryPath, '/-/healthy', '/-/ready', '/']) {
    app.all(p, (_req, res) => {
      res.set('Allow', 'GET, HEAD').status(405).type('text/plain').send('Method Not Allowed: only GET and HEAD\n');
    });
  }

  return app;
}
