import request from 'supertest';
import type { CollectorStatus } from '../../../src/collectors/runner';
import { textSnapshot, type Snapshot } from '../../../src/server/scheduler';
import { createApp, type AppDeps } from '../../../src/server/app';

/** Ready whenever there is a snapshot, as the scheduler is while it is fresh. */
const app = (deps: Omit<AppDeps, 'readiness'> & Partial<Pick<AppDeps, 'readiness'>>) =>
  createApp({ readiness: () => (deps.snapshot() ? { ready: true, reason: 'ready' } : { ready: false, reason: 'the first collection has not finished' }), ...deps });

const statuses: CollectorStatus[] = [
  { name: 'engine', success: true, durationSeconds: 0.012, lastSuccessTimestampSeconds: 1795450980 },
  { name: 'containers', success: false, durationSeconds: 1.5, lastSuccessTimestampSeconds: 0, error: 'listing containers failed: <boom>' },
];
const snapshot: Snapshot = textSnapshot('# HELP docker_audit_engine_up up (cached from the last completed collection)\n# TYPE docker_audit_engine_up gauge\ndocker_audit_engine_up 1\n', {
  statuses,
  completedAtMs: 1795450980000,
  success: false,
});

describe('createApp', () => {
  it('serves build info and process metrics before the first collection, and is not ready', async () => {
    const server = app({ snapshot: () => undefined, version: '1.2.3', telemetryPath: '/metrics', collectors: ['engine'] });
    const res = await request(server).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain(`docker_audit_build_info{version="1.2.3",node_version="${process.version}"} 1`);
    expect(res.text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(res.text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect(res.text).not.toContain('docker_audit_engine_up');
    await request(server).get('/-/ready').expect(503);
    await request(server).get('/-/healthy').expect(200, 'OK\n');
  });

  it('serves the snapshot and becomes ready once a collection completed', async () => {
    let current: Snapshot | undefined;
    const server = app({ snapshot: () => current, version: '1.2.3', telemetryPath: '/custom', collectors: ['engine', 'containers'], processMetrics: false });
    await request(server).get('/-/ready').expect(503);
    current = snapshot;
    await request(server).get('/-/ready').expect(200);
    const res = await request(server).get('/custom').expect(200);
    expect(res.text).toContain('docker_audit_engine_up 1\n');
    expect(res.text).not.toContain('process_');
    await request(server).get('/metrics').expect(404);
  });

  it('answers 503 with the reason once the snapshot is stale', async () => {
    const server = app({ snapshot: () => snapshot, readiness: () => ({ ready: false, reason: 'the last completed collection is 50 s old' }), version: '1', telemetryPath: '/metrics', collectors: [], processMetrics: false });
    await request(server).get('/-/ready').expect(503, 'Not ready: the last completed collection is 50 s old\n');
    await request(server).get('/metrics').expect(200); // the last snapshot is still served
  });

  it('answers 405 with Allow to any method but GET and HEAD on its paths, 404 elsewhere', async () => {
    const server = app({ snapshot: () => snapshot, version: '1', telemetryPath: '/metrics', collectors: [], processMetrics: false });
    for (const p of ['/metrics', '/-/ready', '/-/healthy', '/']) {
      const res = await request(server).post(p).expect(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      await request(server).delete(p).expect(405);
      await request(server).head(p).expect((r) => expect([200, 503]).toContain(r.status));
    }
    await request(server).post('/elsewhere').expect(404);
  });

  it('gives each app its own registry', async () => {
    const a = app({ snapshot: () => undefined, version: 'a', telemetryPath: '/metrics', collectors: [], processMetrics: false });
    const b = app({ snapshot: () => undefined, version: 'b', telemetryPath: '/metrics', collectors: [], processMetrics: false });
    expect((await request(a).get('/metrics')).text).toContain('version="a"');
    expect((await request(b).get('/metrics')).text).not.toContain('version="a"');
  });

  it('shows each collector with its status, duration and escaped error on the landing page', async () => {
    const server = app({ snapshot: () => snapshot, version: '1.2.3', telemetryPath: '/metrics', collectors: ['engine', 'containers'] });
    const res = await request(server).get('/').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Version 1.2.3');
    expect(res.text).toContain('<tr class="ok"><td>engine</td><td>ok</td><td>12.0 ms</td><td>2026-11-23T16:23:00.000Z</td>');
    expect(res.text).toContain('<tr class="failed"><td>containers</td><td>failed</td><td>1500.0 ms</td><td>never</td><td>listing containers failed: &lt;boom&gt;</td>');
    expect(res.text).toContain('<a href="/metrics">');
    const pending = app({ snapshot: () => undefined, version: '1', telemetryPath: '/metrics', collectors: ['engine'] });
    expect((await request(pending).get('/')).text).toContain('<td>engine</td><td>pending</td>');
  });
});
