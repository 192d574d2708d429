// End to end on Podman: a real Prometheus (Debian's prometheus 2.42) scrapes, on loopback,
// the exporter pointed at the real `podman system service` (DOCKER_HOST=unix:///run/podman/
// podman.sock, as docs/podman.md says to run it) and evaluates the shipped
// prometheus/alerts.yml with every `for:` at 0s (test/helpers/prometheus.ts).
//
// Podman can start a --privileged container on these machines, which dockerd cannot
// (e2e-prometheus.test.ts covers only the created variant there): so here the running one
// fires DockerAuditPrivilegedContainerRunning, and a created one beside it fires only
// DockerAuditPrivilegedContainerPresent, which tells the two joins on the state series apart.
// Both resolve once the containers are removed.
import { panelQueries } from '../../dashboards/src';
import { waitUntil } from '../helpers/docker-cli';
import { ExporterProcess } from '../helpers/exporter-process';
import { freePort } from '../helpers/free-port';
import { PODMAN_HOST, PODMAN_IMAGE, podman, removePodmanContainers } from '../helpers/podman-cli';
import { panelsWithoutData, startPrometheus, type Prometheus } from '../helpers/prometheus';

const P = `dae-pe2e-${process.pid}-`;
const RUNNING = `${P}running`;
const CREATED = `${P}created`;
const RUNNING_ALERT = 'DockerAuditPrivilegedContainerRunning';
const PRESENT_ALERT = 'DockerAuditPrivilegedContainerPresent';

// Only what the alerts and the Podman panels read, so the test depends on nothing else of the host.
const exporter = new ExporterProcess(
  [
    ...['--web.listen-address', '127.0.0.1:0', '--collection.schedule', '* * * * * *'],
    ...['images', 'imageos', 'resources', 'processes', 'events', 'auditrules', 'auditlog', 'logs', 'host', 'cis', 'firewall'].map((c) => `--no-collector.${c}`),
  ],
  { env: { DOCKER_HOST: PODMAN_HOST } },
);
let prometheus: Prometheus | undefined;
const prom = (): Prometheus => {
  if (!prometheus) throw new Error('Prometheus did not start (see beforeAll)');
  return prometheus;
};
/**
 * The privileged-container alerts about this file's containers, as "ALERT name state",
 * sorted. Others fire for them too (a running container without a memory limit, say) and
 * are not this test's subject.
 */
const ourAlerts = async (): Promise<string[]> =>
  (await prom().alerts())
    .filter((a) => a.labels.name?.startsWith(P) && (a.name === RUNNING_ALERT || a.name === PRESENT_ALERT))
    .map((a) => `${a.name} ${a.labels.name} ${a.state}`)
    .sort();

beforeAll(async () => {
  removePodmanContainers(P);
  await exporter.start();
  prometheus = await startPrometheus(exporter.port!, await freePort());
}, 90_000);

afterAll(async () => {
  removePodmanContainers(P);
  await prometheus?.stop();
  await exporter.stop();
}, 60_000);

describe('a real Prometheus scraping the exporter on Podman', () => {
  it('scrapes the target, and engine_info says podman', async () => {
    await waitUntil('the exporter target is up', async () => (await prom().query('up{job="docker-audit"} == 1')).length === 1, 30_000, 500);
    const version = podman('version', '--format', '{{.Server.Version}}');
    await waitUntil(
      'docker_audit_engine_info{engine="podman"} is scraped',
      async () => (await prom().query(`docker_audit_engine_info{job="docker-audit",engine="podman",version="${version}"} == 1`)).length === 1,
      30_000,
      500,
    );
    // And not as dockerd: the query above would also pass for a wrong kind only if both were served.
    expect(await prom().query('docker_audit_engine_info{engine="docker"}')).toEqual([]);
  }, 70_000);

  it('gets data for every PromQL expression of the dashboard panels of Podman (exempted in e2e-prometheus.test.ts, which runs on dockerd)', async () => {
    const queries = panelQueries().filter((q) => /docker_audit_podman_/.test(q.expr));
    expect(queries.length).toBeGreaterThanOrEqual(10);
    const missing = await panelsWithoutData(prom(), queries);
    expect(missing).toEqual([]);
  }, 70_000);

  it('fires Running for the running privileged container and only Present for the created one', async () => {
    podman('run', '-d', '--name', RUNNING, '--privileged', '--network', 'none', PODMAN_IMAGE, 'sleep', '3600');
    podman('create', '--name', CREATED, '--privileged', '--network', 'none', PODMAN_IMAGE, 'sleep', '3600');
    await waitUntil('both privileged alerts fire', async () => (await prom().firingFor(RUNNING_ALERT, RUNNING)) && (await prom().firingFor(PRESENT_ALERT, CREATED)), 60_000, 1000);
    // The exact set: Running for the running one (never Present), Present for the created one (never Running).
    expect(await ourAlerts()).toEqual([`${PRESENT_ALERT} ${CREATED} firing`, `${RUNNING_ALERT} ${RUNNING} firing`]);
    const running = (await prom().alerts()).find((a) => a.name === RUNNING_ALERT && a.labels.name === RUNNING)!;
    expect(running.labels).toMatchObject({
      severity: 'critical',
      instance: `127.0.0.1:${exporter.port}`,
      job: 'docker-audit',
      image: PODMAN_IMAGE,
      id: podman('inspect', '--format', '{{.Id}}', RUNNING).slice(0, 12),
    });
    const present = (await prom().alerts()).find((a) => a.name === PRESENT_ALERT && a.labels.name === CREATED)!;
    expect(present.labels).toMatchObject({ instance: `127.0.0.1:${exporter.port}`, state: 'created' });
  }, 80_000);

  it('resolves both alerts once the containers are removed', async () => {
    removePodmanContainers(P);
    await waitUntil('the alerts about the removed containers resolve', async () => !(await prom().alerts()).some((a) => a.labels.name?.startsWith(P)), 60_000, 1000);
    expect(await prom().query(`docker_audit_container_privileged{name=~"${P}.*"}`)).toEqual([]);
  }, 70_000);
});
