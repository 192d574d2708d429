import * as path from 'node:path';
import { silentLogger } from '../../../src/base/log';
import { createHostCollector } from '../../../src/collectors/host';
import { CollectorRunner } from '../../../src/collectors/runner';
import type { Sample } from '../../../src/metrics/sample';
import { series } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';

const HOST_FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'host');

async function collect(fixture: string): Promise<{ samples: Sample[]; error?: string; values: Record<string, string[]> }> {
  const root = path.join(HOST_FIXTURES, fixture);
  // Through the flags, as main() builds the options: the paths reach the collector the real way.
  const options = testOptions(['--host.proc-path', path.join(root, 'proc'), '--host.sys-path', path.join(root, 'sys')]);
  const runner = new CollectorRunner([createHostCollector({ options })], silentLogger, Date.now);
  const result = await runner.run(new AbortController().signal);
  await runner.close();
  const samples = result.samples.filter((s) => s.family.collector === 'host');
  const names = [...new Set(samples.map((s) => s.family.name))];
  const values = Object.fromEntries(names.map((n) => [n.replace(/^docker_audit_host_/, ''), series(samples, n, [])]));
  return { samples, error: result.statuses[0].error, values };
}

/** The reading statuses that are 1, as "reading=status". */
const statuses = (values: Record<string, string[]>) =>
  values.reading_status.filter((l) => l.endsWith('=> 1')).map((l) => l.replace(/^reading=(\w+),status=(\w+) => 1$/, '$1=$2'));

describe('host collector over fixture trees', () => {
  it('this Debian host: no LSM, hybrid cgroups reported as version 1, seccomp from actions_avail', async () => {
    const { values, error } = await collect('debian-hybrid-no-lsm');
    expect(error).toBeUndefined();
    expect(values.lsm_enabled).toEqual(['lsm=apparmor => 0', 'lsm=selinux => 0']);
    expect(values.selinux_mode).toEqual(['mode=disabled => 1', 'mode=enforcing => 0', 'mode=permissive => 0']);
    expect(values.cgroup_version).toEqual([' => 1']);
    expect(values.cgroup_layout).toEqual(['layout=hybrid => 1', 'layout=legacy => 0', 'layout=unified => 0']);
    expect(values.seccomp_available).toEqual([' => 1']);
    expect(values.kernel_info).toEqual(['release=6.18.44-fc-v1045 => 1']);
    expect(values.user_namespaces_max).toEqual([' => 96362']);
    // securityfs not mounted: lockdown unknown, not "none"; AppArmor off: no profile list.
    expect(values.kernel_lockdown).toBeUndefined();
    expect(values.apparmor_docker_default_loaded).toBeUndefined();
    expect(statuses(values)).toEqual(['apparmor=absent', 'apparmor_profiles=absent', 'cgroup=ok', 'kernel_release=ok', 'lockdown=absent', 'seccomp=ok', 'selinux=absent', 'user_namespaces=ok']);
    // One-hot: every reading has all four statuses, exactly one of them 1.
    expect(values.reading_status).toHaveLength(8 * 4);
  });

  it('Ubuntu with AppArmor on and docker-default loaded, cgroup v2, lockdown none', async () => {
    const { values, error } = await collect('ubuntu-apparmor-v2');
    expect(error).toBeUndefined();
    expect(values.lsm_enabled).toEqual(['lsm=apparmor => 1', 'lsm=selinux => 0']);
    expect(values.apparmor_docker_default_loaded).toEqual([' => 1']);
    expect(values.cgroup_version).toEqual([' => 2']);
    expect(values.cgroup_layout).toEqual(['layout=hybrid => 0', 'layout=legacy => 0', 'layout=unified => 1']);
    expect(values.kernel_lockdown).toEqual(['mode=confidentiality => 0', 'mode=integrity => 0', 'mode=none => 1']);
    expect(values.kernel_info).toEqual(['release=5.15.0-91-generic => 1']);
  });

  it('AppArmor on without docker-default: a profile whose name only begins so does not count', async () => {
    const { values, error } = await collect('apparmor-no-docker-default');
    expect(error).toBeUndefined();
    expect(values.apparmor_docker_default_loaded).toEqual([' => 0']);
  });

  it('an unreadable profile list leaves its series out and the collector succeeding', async () => {
    const { values, error } = await collect('apparmor-profiles-unreadable');
    expect(error).toBeUndefined();
    expect(values.lsm_enabled).toEqual(['lsm=apparmor => 1', 'lsm=selinux => 0']);
    expect(values.apparmor_docker_default_loaded).toBeUndefined();
    expect(statuses(values)).toContain('apparmor_profiles=unreadable');
  });

  it.each([
    ['fedora-selinux-enforcing', 'enforcing'],
    ['fedora-selinux-permissive', 'permissive'],
  ])('%s: SELinux on, mode %s', async (fixture, mode) => {
    const { values, error } = await collect(fixture);
    expect(error).toBeUndefined();
    expect(values.lsm_enabled).toEqual(['lsm=apparmor => 0', 'lsm=selinux => 1']);
    expect(values.selinux_mode.filter((l) => l.endsWith('=> 1'))).toEqual([`mode=${mode} => 1`]);
    expect(values.cgroup_version).toEqual([' => 2']);
  });

  it('CentOS 7: cgroup v1 legacy, seccomp from the status line (no actions_avail), no user namespaces', async () => {
    const { values, error } = await collect('centos7-selinux-legacy');
    expect(error).toBeUndefined();
    expect(values.cgroup_version).toEqual([' => 1']);
    expect(values.cgroup_layout).toEqual(['layout=hybrid => 0', 'layout=legacy => 1', 'layout=unified => 0']);
    expect(values.seccomp_available).toEqual([' => 1']);
    expect(values.user_namespaces_max).toEqual([' => 0']);
    expect(values.selinux_mode.filter((l) => l.endsWith('=> 1'))).toEqual(['mode=enforcing => 1']);
  });

  it('malformed values: no series for them, statuses malformed, the collector fails naming each file', async () => {
    const { values, error } = await collect('malformed');
    expect(values.lsm_enabled).toBeUndefined();
    expect(values.selinux_mode).toBeUndefined();
    expect(values.seccomp_available).toBeUndefined();
    expect(values.cgroup_version).toBeUndefined();
    expect(values.kernel_info).toBeUndefined();
    expect(values.user_namespaces_max).toBeUndefined();
    expect(values.kernel_lockdown).toBeUndefined();
    expect(statuses(values)).toEqual(['apparmor=malformed', 'apparmor_profiles=absent', 'cgroup=malformed', 'kernel_release=malformed', 'lockdown=malformed', 'seccomp=malformed', 'selinux=malformed', 'user_namespaces=malformed']);
    expect(error).toContain('apparmor malformed: ');
    expect(error).toContain('/sys/module/apparmor/parameters/enabled: expected "Y" or "N", found "maybe\\n"');
    expect(error).toContain('/sys/fs/selinux/enforce: expected "0" or "1", found "2"');
    expect(error).toContain('kernel_release malformed');
    // The extras never fail the collector.
    expect(error).not.toContain('user_namespaces');
  });

  it('unreadable files: never reported as off, the collector fails naming each file', async () => {
    const { values, error } = await collect('unreadable');
    expect(values.lsm_enabled).toBeUndefined();
    expect(values.seccomp_available).toBeUndefined();
    expect(values.kernel_info).toBeUndefined();
    expect(values.cgroup_version).toEqual([' => 2']);
    expect(statuses(values)).toEqual(['apparmor=unreadable', 'apparmor_profiles=absent', 'cgroup=ok', 'kernel_release=unreadable', 'lockdown=unreadable', 'seccomp=unreadable', 'selinux=unreadable', 'user_namespaces=unreadable']);
    expect(error).toMatch(/apparmor unreadable: .*\/sys\/module\/apparmor\/parameters\/enabled is a directory, not a regular file/);
    expect(error).toMatch(/selinux unreadable: .*\/sys\/fs\/selinux\/enforce is a directory/);
  });

  it('proc and sys paths that are no procfs and sysfs fail the collector rather than reporting no seccomp and no LSM', async () => {
    const options = testOptions(['--host.proc-path', path.join(HOST_FIXTURES, 'nowhere'), '--host.sys-path', path.join(HOST_FIXTURES, 'nowhere')]);
    const runner = new CollectorRunner([createHostCollector({ options })], silentLogger, Date.now);
    const result = await runner.run(new AbortController().signal);
    const samples = result.samples.filter((s) => s.family.collector === 'host');
    expect(result.statuses[0].error).toMatch(/seccomp unreadable: neither .* nor .* exists/);
    expect(result.statuses[0].error).toMatch(/kernel_release unreadable: .* does not exist: is it a procfs\?/);
    expect(series(samples, 'docker_audit_host_seccomp_available', [])).toEqual([]);
    // Nor are the LSMs "off" under a sys path that is no sysfs (no module folder): unknown.
    expect(series(samples, 'docker_audit_host_lsm_enabled', [])).toEqual([]);
    expect(result.statuses[0].error).toMatch(/apparmor unreadable: .* is --host.sys-path a sysfs\?/);
  });
});
