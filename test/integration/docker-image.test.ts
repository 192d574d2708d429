// The Dockerfile, built on the real engine from a locally imported Node base image (no
// registry is reachable here), and run the way the README and docker-compose.yml run it:
// socket read-only, read-only rootfs, non-root, limits, no-new-privileges. The running
// exporter then audits its own container, and its own /metrics must show that it passes
// the container checks it preaches.
import { execFileSync } from 'node:child_process';
import { docker, inspectField, removeContainers, waitUntil } from '../helpers/docker-cli';
import { httpGet } from '../helpers/exporter-process';
import { composeConfig, exporterLimits } from '../helpers/compose';
import { exporterImage } from '../helpers/exporter-image';
import { parseExposition, seriesLines, type ParsedSeries } from '../helpers/exposition';
import { hardenedAs, ownHardening, ownLines } from '../helpers/own-container';

const NAME = `dae-image-${process.pid}`;
// docker-compose.yml's limits (docs/deployment.md, "Memory", says where they come from).
let LIMITS: ReturnType<typeof exporterLimits>;
let IMAGE = '';

let series: ParsedSeries[] = [];

async function scrape(): Promise<ParsedSeries[]> {
  const port = docker('port', NAME, '9795/tcp').split('\n')[0].split(':').pop();
  const res = await httpGet(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(res.body);
}

beforeAll(async () => {
  removeContainers(NAME);
  LIMITS = exporterLimits(composeConfig());
  IMAGE = exporterImage(); // shared with compose.test.ts, built once per run
  const socketGid = execFileSync('stat', ['-c', '%g', '/var/run/docker.sock'], { encoding: 'utf8' }).trim();
  docker(
    ...['run', '-d', '--name', NAME, '--label', 'docker-audit-test=image'],
    ...['--read-only', '--group-add', socketGid, '--memory', String(LIMITS.memoryBytes), '--pids-limit', String(LIMITS.pids), '--cpus', String(LIMITS.cpus)],
    ...['--security-opt', 'no-new-privileges', '--cap-drop', 'ALL', '--restart', 'on-failure:3'],
    // The image's HEALTHCHECK runs every 30 s; the test checks it at 1 s, same command.
    ...['--health-interval', '1s', '-v', '/var/run/docker.sock:/var/run/docker.sock:ro', '-p', '127.0.0.1::9795'],
    ...[IMAGE, '--collection.schedule', '* * * * * *'],
  );
  await waitUntil('the exporter container is healthy', () => inspectField(NAME, '{{.State.Health.Status}}') === 'healthy', 60_000);
  await waitUntil(
    'the exporter reports its own container as healthy',
    async () => {
      series = await scrape();
      return ownLines(series, 'docker_audit_container_health_status', NAME, { status: 'healthy' }).length === 1;
    },
    30_000,
  );
}, 900_000);

afterAll(() => {
  removeContainers(NAME);
}, 60_000);

describe('the Docker image', () => {
  it('defines a healthcheck on /-/healthy, a non-root user and the exporter as its entrypoint', () => {
    const config = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config}}', IMAGE)) as {
      User: string;
      Healthcheck: { Test: string[] };
      Entrypoint: string[];
    };
    expect(config.User).toBe('1000:1000');
    expect(config.Healthcheck.Test.join(' ')).toContain('/-/healthy');
    expect(config.Entrypoint).toEqual(['node', 'dist/src/cli/main.js']);
  });

  it('holds production dependencies only', () => {
    const modules = docker('run', '--rm', '--entrypoint', 'ls', IMAGE, '/app/node_modules').split('\n');
    expect(modules).toEqual(expect.arrayContaining(['express', 'prom-client', 'node-cron']));
    for (const dev of ['jest', 'typescript', 'ts-jest', 'supertest']) expect(modules).not.toContain(dev);
  });

  it('passes its own container checks, as its own /metrics shows', () => {
    expect(ownHardening(series, NAME)).toEqual(hardenedAs(LIMITS));
    // The socket is the one sensitive mount it needs, and it is read-only.
    expect(ownLines(series, 'docker_audit_container_sensitive_mount', NAME)).toEqual(['source=/var/run/docker.sock,destination=/var/run/docker.sock,read_only=true => 1']);
  });

  it('reads the engine through the read-only socket mount, as a non-root user', () => {
    expect(seriesLines(series, 'docker_audit_engine_up')).toEqual(['docker_audit_engine_up{} 1']);
    expect(seriesLines(series, 'docker_audit_collector_success', { collector: 'containers' })).toEqual(['docker_audit_collector_success{collector=containers} 1']);
    expect(docker('exec', NAME, 'node', '-e', 'process.stdout.write(String(process.getuid()))')).toBe('1000');
  });
});
