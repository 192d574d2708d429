// The host collector on THIS host, through the built exporter (--once, the host collector
// alone) with the real /proc and /sys, compared with what the host says by other means:
// uname -r, stat -f on /sys/fs/cgroup, the files read by cat, and dockerd's own /info. Run
// twice: as root, and as nobody (setpriv), to show that no privilege beyond reading /proc
// and /sys is needed. Creates no Docker objects.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COLLECTOR_NAMES } from '../../src/collectors';
import { parseExposition, type ParsedSeries } from '../helpers/exposition';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const ONLY_HOST = COLLECTOR_NAMES.filter((n) => n !== 'host').map((n) => `--no-collector.${n}`);
const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
const readIfThere = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined);

function runOnce(asNobody: boolean): { status: number | null; stderr: string; series: ParsedSeries[] } {
  const argv = [MAIN, '--once', ...ONLY_HOST, '--host.proc-path', '/proc', '--host.sys-path', '/sys'];
  const [cmd, args] = asNobody ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv]] : [process.execPath, argv];
  const run = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stderr: run.stderr, series: parseExposition(run.stdout) };
}

const value = (all: ParsedSeries[], name: string, labels: Record<string, string> = {}) =>
  all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

describe.each([
  ['root', false],
  ['nobody (uid 65534, no groups)', true],
])('host collector on this host, as %s', (_who, asNobody) => {
  let run: ReturnType<typeof runOnce>;
  beforeAll(() => {
    expect(fs.existsSync(MAIN)).toBe(true); // npm run build first
    run = runOnce(asNobody);
  });

  it('succeeds, exit 0', () => {
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(value(run.series, 'docker_audit_collector_success', { collector: 'host' })).toEqual([1]);
  });

  it('kernel release as uname -r says', () => {
    const release = sh('uname', '-r');
    expect(run.series.filter((s) => s.name === 'docker_audit_host_kernel_info').map((s) => [s.labels.release, s.value])).toEqual([[release, 1]]);
  });

  it('cgroup version and layout as stat -f says, and as dockerd says', () => {
    const rootType = sh('stat', '-fc', '%T', '/sys/fs/cgroup');
    const unifiedType = fs.existsSync('/sys/fs/cgroup/unified') ? sh('stat', '-fc', '%T', '/sys/fs/cgroup/unified') : undefined;
    const layout = rootType === 'cgroup2fs' ? 'unified' : unifiedType === 'cgroup2fs' ? 'hybrid' : 'legacy';
    expect(value(run.series, 'docker_audit_host_cgroup_layout', { layout })).toEqual([1]);
    expect(value(run.series, 'docker_audit_host_cgroup_version')).toEqual([layout === 'unified' ? 2 : 1]);
    // dockerd's own view (docker info's CgroupVersion) agrees, hybrid included.
    expect(value(run.series, 'docker_audit_host_cgroup_version')).toEqual([Number(sh('docker', 'info', '--format', '{{.CgroupVersion}}'))]);
  });

  it('AppArmor and SELinux as their files say (cat), both lsm series present', () => {
    const apparmor = readIfThere('/sys/module/apparmor/parameters/enabled');
    const enforce = readIfThere('/sys/fs/selinux/enforce');
    expect(value(run.series, 'docker_audit_host_lsm_enabled', { lsm: 'apparmor' })).toEqual([apparmor === 'Y' ? 1 : 0]);
    expect(value(run.series, 'docker_audit_host_lsm_enabled', { lsm: 'selinux' })).toEqual([enforce === undefined ? 0 : 1]);
    const mode = enforce === undefined ? 'disabled' : enforce === '1' ? 'enforcing' : 'permissive';
    expect(value(run.series, 'docker_audit_host_selinux_mode', { mode })).toEqual([1]);
    // dockerd lists the LSMs it uses in SecurityOptions; it uses one only where the kernel has it on.
    const options = sh('docker', 'info', '--format', '{{json .SecurityOptions}}');
    if (options.includes('name=apparmor')) expect(apparmor).toBe('Y');
    if (options.includes('name=selinux')) expect(enforce).toBeDefined();
  });

  it('seccomp as the kernel and dockerd say', () => {
    const actions = readIfThere('/proc/sys/kernel/seccomp/actions_avail')?.split(/\s+/) ?? [];
    const expected = actions.includes('errno') && actions.includes('allow') ? 1 : 0;
    expect(value(run.series, 'docker_audit_host_seccomp_available')).toEqual([expected]);
    // dockerd reports name=seccomp only when the kernel has seccomp filter mode.
    if (sh('docker', 'info', '--format', '{{json .SecurityOptions}}').includes('name=seccomp')) expect(expected).toBe(1);
  });

  it('user namespaces and lockdown as their files say', () => {
    expect(value(run.series, 'docker_audit_host_user_namespaces_max')).toEqual([Number(sh('cat', '/proc/sys/user/max_user_namespaces'))]);
    const lockdown = spawnSync('cat', ['/sys/kernel/security/lockdown'], { encoding: 'utf8' });
    if (lockdown.status === 0) {
      expect(value(run.series, 'docker_audit_host_kernel_lockdown', { mode: /\[(\w+)\]/.exec(lockdown.stdout)![1] })).toEqual([1]);
    } else {
      expect(value(run.series, 'docker_audit_host_kernel_lockdown')).toEqual([]);
      expect(value(run.series, 'docker_audit_host_reading_status', { reading: 'lockdown', status: 'absent' })).toEqual([1]);
    }
  });

  it('AppArmor\'s profile list: read as root, "unreadable" (not "not loaded") as nobody', () => {
    const enabled = readIfThere('/sys/module/apparmor/parameters/enabled') === 'Y';
    const status = run.series.find((s) => s.name === 'docker_audit_host_reading_status' && s.labels.reading === 'apparmor_profiles' && s.value === 1)?.labels.status;
    if (!enabled) expect(status).toBe('absent');
    else if (asNobody) {
      expect(status).toBe('unreadable');
      expect(value(run.series, 'docker_audit_host_apparmor_docker_default_loaded')).toEqual([]);
    } else {
      expect(status).toBe('ok');
      const loaded = fs.readFileSync('/sys/kernel/security/apparmor/profiles', 'utf8').split('\n').some((l) => l.startsWith('docker-default ('));
      expect(value(run.series, 'docker_audit_host_apparmor_docker_default_loaded')).toEqual([loaded ? 1 : 0]);
    }
  });
});
