// End to end with a real Prometheus (Debian's prometheus 2.42): it scrapes the exporter on
// loopback every second and evaluates the bundled alert rules, against the real engine and
// real scenario containers. Every PromQL expression of every dashboard panel must return
// data, and the privileged-container, socket-mount and restart alerts must fire, then
// resolve once the containers are gone.
//
// The rules are the shipped prometheus/alerts.yml with each `for:` set to 0s, so the test
// takes seconds instead of hours (test/helpers/prometheus.ts); promtool's unit tests
// (prometheus/alerts.test.yml) cover the `for:` durations themselves. A --privileged container cannot start on these
// machines, so the privileged scenario is a created one: it fires
// DockerAuditPrivilegedContainerPresent (privileged, joined on instance and id with a
// docker_audit_container_state other than running); the running variant joins the same
// series with state="running", which promtool covers, and podman-e2e-prometheus.test.ts fires
// on Podman, which can start one.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandTemplateVariables, panelQueries, variableQueries } from '../../dashboards/src';
import { TEST_IMAGE, docker, inspectField, removeContainers, waitUntil } from '../helpers/docker-cli';
import { ExporterProcess } from '../helpers/exporter-process';
import { panelsWithoutData, startPrometheus, type NoDataExemption, type Prometheus } from '../helpers/prometheus';

const ROOT = path.join(__dirname, '..', '..');
const P = `dae-e2e-${process.pid}-`;
/** A directory watched with key "docker": writes in it succeed, a mkdir of an existing name fails. */
const AUDIT_WATCH = path.join(os.tmpdir(), `dae-e2e-watch-${process.pid}`);
const TRIVY_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'trivy');
/** Trivy reports of this machine's test image (the fixtures name the images of the machine that recorded them). */
const TRIVY_REPORTS = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-e2e-trivy-'));
/** An image whose os-release is Ubuntu 18.04's, for the image OS panels. */
const OS_IMAGE = `dae-e2e-os-${process.pid}:local`;

/**
 * Panels that cannot have data on this machine, each with the fact that proves why: the CI
 * host has no AppArmor and no securityfs, and its host readings all succeed. On another host
 * the fact fails and the panel is checked like every other.
 */
const NO_DATA_HERE: readonly NoDataExemption[] = [
  { panel: /docker_audit_host_apparmor_docker_default_loaded/, because: 'AppArmor is not in this kernel', holds: () => !fs.existsSync('/sys/module/apparmor') },
  { panel: /docker_audit_host_kernel_lockdown/, because: 'securityfs is not mounted, so there is no lockdown file', holds: () => !fs.existsSync('/sys/kernel/security/lockdown') },
  {
    panel: /docker_audit_host_reading_status\{[^}]*status=~"unreadable\|malformed"[^}]*\}\) == 1$/,
    because: 'every host reading succeeds here (the panel lists failures only)',
    holds: () => fs.existsSync('/proc/sys/kernel/osrelease') && fs.existsSync('/sys/fs/cgroup'),
  },
  // The exporter here talks to dockerd (no DOCKER_HOST): the Podman panels get their data in test/integration/podman-e2e-prometheus.test.ts.
  { panel: /docker_audit_podman_/, because: 'the engine here is dockerd', holds: () => !process.env.DOCKER_HOST },
];

let work: string;
let prometheus: Prometheus | undefined;
const exporter = new ExporterProcess([
  ...['--web.listen-address', '127.0.0.1:0', '--collection.schedule', '* * * * * *'],
  ...['--trivy.reports-dir', TRIVY_REPORTS],
  // The firewall collector is off by default; the test runs as root, so it can read iptables.
  '--collector.firewall',
  // A daemon.json, whatever the machine has: the daemon-settings panels show its validity.
  ...['--daemon.config-path', path.join(ROOT, 'test', 'fixtures', 'daemon', 'daemon-hardened.json')],
]);

const prom = (): Prometheus => {
  if (!prometheus) throw new Error('Prometheus did not start (see beforeAll)');
  return prometheus;
};
const query = (expr: string) => prom().query(expr);
const alerts = () => prom().alerts();
const firingFor = (alert: string, container: string) => prom().firingFor(alert, container);

function auditctl(...args: string[]): void {
  execFileSync('auditctl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

beforeAll(async () => {
  removeContainers(P);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-e2e-'));
  // The vulnerable report, made the test image's: the Trivy panels join it to docker_audit_image_info by id.
  const report = JSON.parse(fs.readFileSync(path.join(TRIVY_FIXTURES, 'trivy-schema-v2-image-vulnerable.json'), 'utf8')) as { Metadata: Record<string, unknown> };
  const imageId = docker('image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE);
  fs.writeFileSync(path.join(TRIVY_REPORTS, 'test-image.json'), JSON.stringify({ ...report, ArtifactName: TEST_IMAGE, Metadata: { ...report.Metadata, ImageID: imageId, RepoTags: [TEST_IMAGE] } }));
  // Audit events with key "docker", so the audit panels have data.
  fs.mkdirSync(path.join(AUDIT_WATCH, 'exists'), { recursive: true });
  auditctl('-w', AUDIT_WATCH, '-p', 'wa', '-k', 'docker');
  await exporter.start();
  prometheus = await startPrometheus(exporter.port!, 30000 + (process.pid % 20000));
}, 120_000);

afterAll(async () => {
  removeContainers(P);
  try {
    docker('rmi', OS_IMAGE);
  } catch {
    // not built
  }
  for (const kind of ['volume', 'network']) {
    try {
      docker(kind, 'rm', `${P}unused`);
    } catch {
      // not created
    }
  }
  try {
    auditctl('-W', AUDIT_WATCH, '-p', 'wa', '-k', 'docker');
  } catch {
    // not added
  }
  fs.rmSync(AUDIT_WATCH, { recursive: true, force: true });
  await prometheus?.stop();
  await exporter.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(TRIVY_REPORTS, { recursive: true, force: true });
}, 60_000);

describe('a real Prometheus scraping the exporter', () => {
  it('sees the target up', async () => {
    await waitUntil('the exporter target is up', async () => (await query('up{job="docker-audit"} == 1')).length === 1, 30_000);
  }, 40_000);

  it('fires the privileged, socket-mount and restart alerts once their containers exist', async () => {
    docker('create', '--name', `${P}privileged`, '--label', 'docker-audit-test=e2e', '--privileged', TEST_IMAGE, 'sleep', '3600');
    docker('run', '-d', '--name', `${P}socket`, '--label', 'docker-audit-test=e2e', '-v', '/var/run/docker.sock:/var/run/docker.sock', TEST_IMAGE, 'sleep', '3600');
    docker('run', '-d', '--name', `${P}restarts`, '--label', 'docker-audit-test=e2e', '--restart', 'always', TEST_IMAGE, 'sh', '-c', 'exit 1');
    // Something for every other panel: capabilities, a published port, a healthcheck, a
    // waived check, an exec, an unused volume and network, audit events.
    docker(
      ...['run', '-d', '--name', `${P}misc`, '--label', 'docker-audit-test=e2e', '--label', 'docker-audit.waive=5.10'],
      ...['--cap-add', 'NET_ADMIN', '-p', '127.0.0.1::8080', '--health-cmd', 'true', '--health-interval', '1s', TEST_IMAGE, 'sleep', '3600'],
    );
    // The host-hygiene panels: a whole-OS process (busybox's crond, through a link of that
    // name), a port published on all interfaces with no DOCKER-USER rule, an image whose
    // os-release says Ubuntu 18.04 (past its end of life), and error lines in a json-file log.
    docker('run', '-d', '--name', `${P}fullos`, '--label', 'docker-audit-test=e2e', TEST_IMAGE, 'sh', '-c', 'ln -s /bin/busybox /tmp/crond && exec /tmp/crond -f -c /tmp');
    docker('run', '-d', '--name', `${P}published`, '--label', 'docker-audit-test=e2e', '-p', '0.0.0.0::8080', TEST_IMAGE, 'sh', '-c', 'echo "ERROR: e2e"; echo "warning: e2e" >&2; exec sleep 3600');
    fs.mkdirSync(path.join(work, 'os-image', 'etc'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'imageos', 'os-release', 'ubuntu-18.04'), path.join(work, 'os-image', 'etc', 'os-release'));
    fs.writeFileSync(path.join(work, 'os-image', 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY etc/os-release /etc/os-release\n`);
    docker('build', '-q', '-t', OS_IMAGE, path.join(work, 'os-image'));
    docker('create', '--name', `${P}eol`, '--label', 'docker-audit-test=e2e', OS_IMAGE, 'sleep', '3600');
    docker('volume', 'create', '--label', 'docker-audit-test=e2e', `${P}unused`);
    docker('network', 'create', '--label', 'docker-audit-test=e2e', `${P}unused`);
    docker('exec', `${P}socket`, 'true');
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(AUDIT_WATCH, `file-${i}`), `${i}\n`);
    for (let i = 0; i < 3; i++) expect(() => fs.mkdirSync(path.join(AUDIT_WATCH, 'exists'))).toThrow(/EEXIST/);

    await waitUntil('DockerAuditPrivilegedContainerPresent fires', () => firingFor('DockerAuditPrivilegedContainerPresent', `${P}privileged`), 60_000, 1000);
    await waitUntil('DockerAuditDockerSocketMounted fires', () => firingFor('DockerAuditDockerSocketMounted', `${P}socket`), 60_000, 1000);
    // Docker's restart backoff doubles from 100 ms: the 6th restart comes after about 6 s.
    await waitUntil('DockerAuditContainerRestarting fires', () => firingFor('DockerAuditContainerRestarting', `${P}restarts`), 90_000, 1000);
    // increase() extrapolates to the ends of its window: it passes 5 with the 5th restart already.
    expect(Number(inspectField(`${P}restarts`, '{{.RestartCount}}'))).toBeGreaterThanOrEqual(5);
  }, 200_000);

  it('gets data for every PromQL expression of every dashboard panel and variable', async () => {
    const queries = panelQueries();
    expect(queries.length).toBeGreaterThan(20);
    // The variables too: label_values(metric, label) is Grafana's, not PromQL, so the metric itself is asked for.
    const variablesWithoutData = async (): Promise<string[]> => {
      const empty: string[] = [];
      for (const v of variableQueries()) {
        const m = /^label_values\(([^,()]+(?:\{[^}]*\})?)\s*,/.exec(v);
        const expr = expandTemplateVariables(m ? m[1] : v);
        if ((await query(expr)).length === 0) empty.push(`variable: ${v}`);
      }
      return empty;
    };
    const empty = await panelsWithoutData(prom(), queries, NO_DATA_HERE, variablesWithoutData);
    expect(empty).toEqual([]);
  }, 120_000);

  it('resolves the alerts once the containers are removed', async () => {
    removeContainers(P);
    await waitUntil(
      'the three alerts resolve',
      async () => !(await alerts()).some((a) => a.labels.name?.startsWith(P)),
      60_000,
      1000,
    );
  }, 70_000);
});
