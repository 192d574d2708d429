// The HTTP side: serves the last snapshot, the landing page and the health endpoints.
// createApp builds its own prom-client registry, so every test (and every app) has one.
import express, { type Express } from 'express';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { LIVE_FAMILIES } from '../metrics/catalog';
import type { Readiness, Snapshot } from './scheduler';
import { landingPage } from './landing';

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

  app.get(deps.telemetryPath, async (_req, res, next) => {
    try {
      const live = await registry.metrics();
      const snapshot = deps.snapshot()?.text ?? '';
      res.set('Content-Type', registry.contentType);
      res.set('Content-Length', String(Buffer.byteLength(live) + Buffer.byteLength(snapshot)));
      res.write(live);
      res.end(snapshot);
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
