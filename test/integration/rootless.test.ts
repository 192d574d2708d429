// The exporter against the real rootless dockerd of scripts/provision-rootless.sh (the user
// dae-rootless, dockerd-rootless.sh under rootlesskit, socket /run/user/<uid>/docker.sock),
// beside the rootful one: once as root told DOCKER_HOST, once as that user finding the socket
// through XDG_RUNTIME_DIR as the docker CLI does. No mock: both are real daemons.
import { execFileSync, spawnSync } from 'node:child_process';
import { EXPORTER_MAIN, runExporter, seriesValue } from '../helpers/exporter-process';
import { TEST_IMAGE } from '../helpers/docker-cli';

const USER = 'dae-rootless';
const HOME = '/var/lib/dae-rootless';
const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
const runtimeDir = `/run/user/${uid}`;
const socket = `${runtimeDir}/docker.sock`;
const CONTAINER = 'dae-rootless-seen';
const userEnv = { HOME, USER, XDG_RUNTIME_DIR: runtimeDir, PATH: '/usr/local/bin:/usr/bin:/bin' };

/** A command as the rootless user, with only the environment a login would give it. */
function asUser(command: string, args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', 'env', '-i', ...Object.entries({ ...userEnv, ...env }).map(([k, v]) => `${k}=${v}`), command, ...args], {
    cwd: HOME,
    encoding: 'utf8',
    timeout: 60_000,
  });
}
const rootlessDocker = (...args: string[]) => {
  const r = asUser('docker', args, { DOCKER_HOST: `unix://${socket}` });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} on the rootless engine failed: ${r.stderr}`);
  return r.stdout.trim();
};
const ONCE = ['--once', '--no-collector.auditlog', '--no-collector.auditrules', '--no-collector.logs', '--no-collector.processes', '--no-collector.imageos', '--no-collector.resources', '--web.listen-address=127.0.0.1:0'];

beforeAll(() => {
  spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', 'env', `DOCKER_HOST=unix://${socket}`, 'docker', 'rm', '-f', CONTAINER], { cwd: HOME });
  rootlessDocker('create', '--name', CONTAINER, TEST_IMAGE, 'sleep', '60');
});
afterAll(() => {
  rootlessDocker('rm', '-f', CONTAINER);
});

describe('a rootless dockerd', () => {
  it('is what the provisioning started: rootless by /info, its socket the user\'s', () => {
    expect(rootlessDocker('info', '--format', '{{json .SecurityOptions}}')).toContain('name=rootless');
  });

  it('as root with DOCKER_HOST: rootless, its own flags and daemon.json, its files, CIS 2.1 passing, its containers', async () => {
    const r = await runExporter(ONCE, 60_000, { env: { DOCKER_HOST: `unix://${socket}` } });
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(seriesValue(text, 'docker_audit_daemon_rootless')).toBe(1);
    expect(seriesValue(text, 'docker_audit_engine_info{engine="docker",rootless="true",')).toBe(1);
    expect(seriesValue(text, 'docker_audit_cis_check_passed{check="2.1"}')).toBe(1);
    // The rootless daemon.json (provision-rootless.sh writes log-opts into it) decided the log options.
    expect(seriesValue(text, 'docker_audit_daemon_setting_source{setting="logOpts",source="config"}')).toBe(1);
    expect(seriesValue(text, `docker_audit_daemon_listener{address="unix://${socket}",tls="false"}`)).toBe(1);
    expect(seriesValue(text, `docker_audit_daemon_file_owner_ok{path="${HOME}/.config/docker/daemon.json"}`)).toBe(1);
    expect(seriesValue(text, `docker_audit_daemon_file_owner_ok{path="${socket}"}`)).toBe(1);
    expect(seriesValue(text, `docker_audit_daemon_file_mode{path="${runtimeDir}/docker/containerd/containerd.sock"}`)).toBeDefined();
    expect(text).not.toMatch(/docker_audit_daemon_file_mode\{path="\/etc\/docker/);
    expect(text).not.toMatch(/docker_audit_daemon_file_mode\{path="\/(var\/)?run\/docker\.sock"/);
    expect(text).toMatch(new RegExp(`docker_audit_container_state\\{[^}]*name="${CONTAINER}"`));
    // The system service's socket unit and environment files are not a rootless dockerd's: not applicable, and not judged.
    expect(seriesValue(text, 'docker_audit_cis_checks_not_applicable{reason="rootless_engine"}')).toBe(6);
    expect(text).not.toMatch(/^docker_audit_cis_check_passed\{check="3\.(3|4|19|20|21|22)"\}/m);
  });

  it('as its user, found through XDG_RUNTIME_DIR without DOCKER_HOST', () => {
    const r = asUser(process.execPath, [EXPORTER_MAIN, ...ONCE]);
    expect(r.status).toBe(0);
    expect(seriesValue(r.stdout, 'docker_audit_daemon_rootless')).toBe(1);
    expect(seriesValue(r.stdout, 'docker_audit_engine_info{engine="docker",rootless="true",')).toBe(1);
    expect(seriesValue(r.stdout, 'docker_audit_cis_check_passed{check="2.1"}')).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`docker_audit_container_state\\{[^}]*name="${CONTAINER}"`));
  });
});

describe('the rootful dockerd beside it', () => {
  it('fails CIS 2.1 and keeps its own files', async () => {
    const r = await runExporter(ONCE, 60_000, { env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    expect(r.code).toBe(0);
    expect(seriesValue(r.stdout, 'docker_audit_daemon_rootless')).toBe(0);
    expect(seriesValue(r.stdout, 'docker_audit_engine_info{engine="docker",rootless="false",')).toBe(1);
    expect(seriesValue(r.stdout, 'docker_audit_cis_check_passed{check="2.1"}')).toBe(0);
    expect(r.stdout).not.toContain(CONTAINER);
    // Its docker.socket unit (Debian's docker.io ships one) is judged: the rootless exclusion above can fail.
    expect(seriesValue(r.stdout, 'docker_audit_cis_checks_not_applicable{reason="rootless_engine"}')).toBe(0);
    expect(seriesValue(r.stdout, 'docker_audit_cis_check_passed{check="3.3"}')).toBeDefined();
  });
});
