// The exporter against Podman's Docker-compatible API: the real `podman system service` that
// scripts/provision-podman.sh starts on /run/podman/podman.sock. It tells the engine kind
// apart (docker_audit_engine_info{engine="podman"}) and reads Podman's containers, a running
// privileged one included (which dockerd cannot start on these machines). dockerd's daemon
// posture is not reported for it, although this host's dockerd runs beside it. Its image list is
// read as dockerd's is, but for the digest Podman gives every image.
import { execFileSync } from 'node:child_process';
import { runExporter, seriesValue } from '../helpers/exporter-process';

const SOCKET = process.env.DOCKER_AUDIT_PODMAN_SOCKET || '/run/podman/podman.sock';
const IMAGE = `localhost/${process.env.DOCKER_AUDIT_TEST_IMAGE || 'docker-audit-test/busybox:local'}`;
const P = 'dae-podman-test';

const podman = (...args: string[]): string => execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
const cleanUp = () => {
  const ids = podman('ps', '-aq', '--filter', `name=^${P}-`);
  if (ids) podman('rm', '-f', '-t', '0', ...ids.split('\n'));
};
const OTHER_COLLECTORS = ['daemon', 'images', 'imageos', 'resources', 'processes', 'events', 'auditrules', 'auditlog', 'logs', 'host', 'cis', 'firewall'];
const once = (...collectors: string[]) =>
  runExporter(['--once', ...OTHER_COLLECTORS.filter((c) => !collectors.includes(c)).map((c) => `--no-collector.${c}`)], 60_000, { env: { DOCKER_HOST: `unix://${SOCKET}` } });

describe('a Podman engine', () => {
  let privilegedId = '';
  let plainId = '';

  beforeAll(() => {
    cleanUp();
    privilegedId = podman('run', '-d', '--name', `${P}-privileged`, '--privileged', '--network', 'none', IMAGE, 'sleep', '3600').slice(0, 12);
    plainId = podman('create', '--name', `${P}-plain`, '--user', '1000:1000', '--network', 'none', IMAGE, 'sleep', '3600').slice(0, 12);
  }, 120_000);

  afterAll(() => cleanUp(), 60_000);

  it('is reported as engine="podman" with its own version, and its containers are read', async () => {
    const run = await once();
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const version = podman('version', '--format', '{{.Server.Version}}');
    expect(run.stdout).toMatch(new RegExp(`^docker_audit_engine_info\\{engine="podman",rootless="false",version="${version.replace(/\./g, '\\.')}",`, 'm'));
    expect(seriesValue(run.stdout, 'docker_audit_collector_success{collector="containers"}')).toBe(1);
    // The running privileged container, and the created one that is neither privileged nor root.
    expect(seriesValue(run.stdout, `docker_audit_container_state{name="${P}-privileged",id="${privilegedId}",state="running"}`)).toBe(1);
    expect(seriesValue(run.stdout, `docker_audit_container_privileged{name="${P}-privileged",id="${privilegedId}",`)).toBe(1);
    expect(seriesValue(run.stdout, `docker_audit_container_state{name="${P}-plain",id="${plainId}",state="created"}`)).toBe(1);
    expect(seriesValue(run.stdout, `docker_audit_container_privileged{name="${P}-plain",id="${plainId}",`)).toBe(0);
  }, 90_000);

  it('gets no dockerd posture: the daemon collector succeeds and reports nothing of the dockerd beside it', async () => {
    const run = await once('daemon');
    expect(run.code).toBe(0);
    expect(seriesValue(run.stdout, 'docker_audit_collector_success{collector="daemon"}')).toBe(1);
    expect(run.stdout).not.toMatch(/^docker_audit_daemon_/m);
    expect(run.stderr).toContain("the engine is Podman: its own defaults are reported, not dockerd's daemon posture");
    // The same run against dockerd does report its posture: the check above can fail.
    const docker = await runExporter(['--once', ...OTHER_COLLECTORS.filter((c) => c !== 'daemon').map((c) => `--no-collector.${c}`)], 60_000, { env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    expect(docker.stdout).toMatch(/^docker_audit_daemon_source_available\{source="info"\} 1$/m);
  }, 90_000);

  it('has CIS sections 2 and 3 not applicable: absent from _passed and counted, while its container checks are judged', async () => {
    const run = await once('cis');
    expect(seriesValue(run.stdout, 'docker_audit_cis_checks_not_applicable{reason="daemonless_engine"}')).toBeGreaterThan(10);
    expect(run.stdout).not.toMatch(/^docker_audit_cis_check_passed\{check="[23]\./m);
    // 5.5: no privileged container. The running privileged one fails it.
    expect(seriesValue(run.stdout, 'docker_audit_cis_check_passed{check="5.5"}')).toBe(0);
    expect(seriesValue(run.stdout, `docker_audit_cis_check_failure{check="5.5",object="${P}-privileged"}`)).toBe(1);
  }, 90_000);
  it("reads Podman's image list: the test image under its localhost/ name, with its size, creation time and digest", async () => {
    const run = await once('images');
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(seriesValue(run.stdout, 'docker_audit_collector_success{collector="images"}')).toBe(1);
    const [id, created, size] = podman('image', 'inspect', '--format', '{{.Id}} {{.Created.Unix}} {{.Size}}', IMAGE).split(' ');
    const short = id.slice(0, 12);
    // Podman names an image loaded without a registry localhost/NAME, and lists its tags so.
    expect(seriesValue(run.stdout, `docker_audit_image_info{id="${short}",image="${IMAGE}",tags="${IMAGE}"}`)).toBe(1);
    expect(seriesValue(run.stdout, `docker_audit_image_size_bytes{id="${short}"}`)).toBe(Number(size));
    expect(seriesValue(run.stdout, `docker_audit_image_created_timestamp_seconds{id="${short}"}`)).toBe(Number(created));
    expect(seriesValue(run.stdout, `docker_audit_image_runs_as_root{id="${short}"}`)).toBe(1);
    expect(seriesValue(run.stdout, `docker_audit_image_healthcheck_defined{id="${short}"}`)).toBe(0);
    expect(seriesValue(run.stdout, `docker_audit_image_in_use{id="${short}"}`)).toBe(1);
    expect(seriesValue(run.stdout, 'docker_audit_images{dangling="false"}')).toBeGreaterThanOrEqual(1);
    // Podman gives a locally loaded image a digest under its localhost/ name, so it counts as
    // having a registry digest; dockerd has none for the same image (docs/podman.md).
    expect(JSON.parse(podman('image', 'inspect', '--format', '{{json .RepoDigests}}', IMAGE))).toEqual([expect.stringMatching(/^localhost\/[^@]+@sha256:[0-9a-f]{64}$/)]);
    expect(seriesValue(run.stdout, `docker_audit_image_repo_digest_present{id="${short}"}`)).toBe(1);
    const docker = await runExporter(['--once', ...OTHER_COLLECTORS.filter((c) => c !== 'images').map((c) => `--no-collector.${c}`)], 60_000, { env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    expect(seriesValue(docker.stdout, `docker_audit_image_repo_digest_present{id="${short}"}`)).toBe(0);
  }, 90_000);
});
