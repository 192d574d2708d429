// Podman's engine-wide defaults, in place of dockerd's posture, read from the real
// `podman system service` that scripts/provision-podman.sh starts (/run/podman/podman.sock):
// /libpod/info, the host's containers.conf, the socket's owner and mode. And capabilities
// judged against Podman's own default set (podman #16610): `--cap-add NET_RAW` adds nothing
// on dockerd, whose default set has NET_RAW, but does on Podman, whose set does not.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runExporter, seriesValue } from '../helpers/exporter-process';

const SOCKET = process.env.DOCKER_AUDIT_PODMAN_SOCKET || '/run/podman/podman.sock';
const TEST_IMAGE = process.env.DOCKER_AUDIT_TEST_IMAGE || 'docker-audit-test/busybox:local';
const P = 'dae-podman-posture';

const run = (cli: string, ...args: string[]): string => execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
const cleanUp = () => {
  for (const cli of ['podman', 'docker']) {
    const ids = run(cli, 'ps', '-aq', '--filter', `name=^${P}-`);
    if (ids) run(cli, 'rm', '-f', ...ids.split('\n'));
  }
};
const ONLY = (...collectors: string[]) =>
  ['engine', 'containers', 'daemon', 'images', 'imageos', 'resources', 'processes', 'events', 'auditrules', 'auditlog', 'logs', 'host', 'cis', 'firewall'].filter((c) => !collectors.includes(c)).map((c) => `--no-collector.${c}`);
const onPodman = (args: string[]) => runExporter(['--once', ...args], 60_000, { env: { DOCKER_HOST: `unix://${SOCKET}` } });
const onDocker = (args: string[]) => runExporter(['--once', ...args], 60_000, { env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } });

describe("Podman's defaults and capabilities, on the real Podman service", () => {
  let dir = '';
  beforeAll(() => {
    cleanUp();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-podman-conf-'));
    for (const [cli, image] of [['podman', `localhost/${TEST_IMAGE}`], ['docker', TEST_IMAGE]]) {
      run(cli, 'create', '--name', `${P}-netraw`, '--network', 'none', '--cap-add', 'NET_RAW', image, 'sleep', '3600');
      run(cli, 'create', '--name', `${P}-plain`, '--network', 'none', image, 'sleep', '3600');
    }
  }, 120_000);
  afterAll(() => {
    cleanUp();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("reports Podman's defaults as the service and the host's containers.conf give them, and no dockerd posture", async () => {
    const r = await onPodman(ONLY('daemon'));
    expect({ code: r.code, success: seriesValue(r.stdout, 'docker_audit_collector_success{collector="daemon"}') }).toEqual({ code: 0, success: 1 });
    expect(r.stdout).not.toMatch(/^docker_audit_daemon_/m);
    expect(seriesValue(r.stdout, 'docker_audit_podman_libpod_info_available')).toBe(1);
    // What the service itself says (podman info), so the test follows the installed Podman.
    const info = JSON.parse(run('podman', 'info', '--format', 'json')) as { host: { logDriver: string; security: { capabilities: string; seccompEnabled: boolean } } };
    const caps = info.host.security.capabilities.split(',').map((c) => c.trim().replace(/^CAP_/, '')).sort();
    const reported = [...r.stdout.matchAll(/^docker_audit_podman_default_capability\{capability="([A-Z_]+)"\} 1$/gm)].map((m) => m[1]).sort();
    expect(reported).toEqual(caps);
    expect(reported).not.toContain('NET_RAW');
    expect(seriesValue(r.stdout, 'docker_audit_podman_seccomp_enabled')).toBe(info.host.security.seccompEnabled ? 1 : 0);
    expect(r.stdout).toMatch(new RegExp(`^docker_audit_podman_engine_info\\{log_driver="${info.host.logDriver}",runtime="runc",cgroup_manager="cgroupfs"\\} 1$`, 'm'));
    // The provisioned containers.conf sets neither userns nor log_size_max: Podman's defaults.
    expect(seriesValue(r.stdout, 'docker_audit_podman_userns_enabled')).toBe(0);
    expect(seriesValue(r.stdout, 'docker_audit_podman_log_size_max_bytes')).toBe(-1);
    expect(seriesValue(r.stdout, 'docker_audit_podman_log_rotation_configured')).toBe(0);
    expect(seriesValue(r.stdout, 'docker_audit_podman_config_file_valid{path="/etc/containers/containers.conf"}')).toBe(1);
    const stat = fs.statSync(SOCKET);
    expect(seriesValue(r.stdout, `docker_audit_podman_socket_mode{path="${SOCKET}"}`)).toBe(stat.mode & 0o7777);
    expect(seriesValue(r.stdout, `docker_audit_podman_socket_owner_ok{path="${SOCKET}"}`)).toBe(stat.uid === 0 && stat.gid === 0 ? 1 : 0);
    // And dockerd, on the same host, gets its own posture and none of Podman's.
    const docker = await onDocker(ONLY('daemon'));
    expect(docker.stdout).toMatch(/^docker_audit_daemon_source_available\{source="info"\} 1$/m);
    expect(docker.stdout).not.toMatch(/^docker_audit_podman_/m);
  }, 120_000);

  it('reads a containers.conf drop-in folder, and reports one that is not valid without taking its settings', async () => {
    fs.mkdirSync(path.join(dir, 'containers.conf.d'));
    fs.writeFileSync(path.join(dir, 'containers.conf.d', '10-hardening.conf'), '[containers]\nuserns = "auto"\nlog_size_max = 10485760\n');
    fs.writeFileSync(path.join(dir, 'containers.conf.d', '20-broken.conf'), '[containers]\nuserns = \n');
    const r = await onPodman([...ONLY('daemon'), `--podman.config-paths=/usr/share/containers/containers.conf,/etc/containers/containers.conf,${path.join(dir, 'containers.conf.d')}`]);
    expect(r.code).toBe(0);
    expect(seriesValue(r.stdout, 'docker_audit_podman_userns_enabled')).toBe(1);
    expect(seriesValue(r.stdout, 'docker_audit_podman_log_size_max_bytes')).toBe(10485760);
    expect(seriesValue(r.stdout, `docker_audit_podman_config_file_valid{path="${path.join(dir, 'containers.conf.d', '10-hardening.conf')}"}`)).toBe(1);
    expect(seriesValue(r.stdout, `docker_audit_podman_config_file_valid{path="${path.join(dir, 'containers.conf.d', '20-broken.conf')}"}`)).toBe(0);
    expect(r.stderr).toContain('a containers.conf is not valid');
  }, 120_000);

  it('judges --cap-add NET_RAW against each engine\'s own default set: an added capability on Podman, nothing on dockerd', async () => {
    const podman = await onPodman(ONLY('containers', 'cis'));
    const docker = await onDocker(ONLY('containers', 'cis'));
    const added = (text: string, name: string) => [...text.matchAll(new RegExp(`^docker_audit_container_capability_added\\{name="${name}",[^}]*capability="([A-Z_]+)"\\} 1$`, 'gm'))].map((m) => m[1]);
    expect(added(podman.stdout, `${P}-netraw`)).toEqual(['NET_RAW']);
    expect(added(docker.stdout, `${P}-netraw`)).toEqual([]);
    // A default Podman container shows AUDIT_WRITE, MKNOD and NET_RAW in CapDrop: none of that is a finding either way.
    expect(added(podman.stdout, `${P}-plain`)).toEqual([]);
    expect(seriesValue(podman.stdout, `docker_audit_cis_check_failure{check="5.4",object="${P}-netraw"}`)).toBe(1);
    expect(seriesValue(podman.stdout, `docker_audit_cis_check_failure{check="5.4",object="${P}-plain"}`)).toBeUndefined();
    expect(seriesValue(docker.stdout, `docker_audit_cis_check_failure{check="5.4",object="${P}-netraw"}`)).toBeUndefined();
    // 5.26 is judged on Podman (it has no no-new-privileges default): both containers fail it.
    expect(seriesValue(podman.stdout, `docker_audit_cis_check_failure{check="5.26",object="${P}-plain"}`)).toBe(1);
  }, 120_000);

  it('says not_applicable in --output=json for the dockerd checks on Podman, and no such finding on dockerd', async () => {
    type Report = { cis: { summary: Record<string, number>; findings: { check: string; result: string }[] } };
    const podman = JSON.parse((await onPodman([...ONLY('cis'), '--output=json'])).stdout) as Report;
    const docker = JSON.parse((await onDocker([...ONLY('cis'), '--output=json'])).stdout) as Report;
    expect(podman.cis.findings.find((f) => f.check === '2.2')?.result).toBe('not_applicable');
    expect(podman.cis.summary.not_applicable).toBeGreaterThan(10);
    expect(podman.cis.findings.some((f) => /^[23]\./.test(f.check) && (f.result === 'pass' || f.result === 'fail'))).toBe(false);
    expect(docker.cis.summary.not_applicable).toBe(0);
    expect(docker.cis.findings.find((f) => f.check === '2.2')?.result).toMatch(/^(pass|fail)$/);
  }, 120_000);
});
