import { apparmorEnabled, cgroupLayout, kernelRelease, lockdownMode, profileLoaded, seccompAvailable, selinuxMode, userNamespaces } from '../../../src/model/host';
import type { CgroupProbe, FileReading } from '../../../src/readers/host-kernel';

const text = (t: string, p = '/f'): FileReading => ({ state: 'text', path: p, text: t });
const missing: FileReading = { state: 'missing', path: '/f' };
const eacces: FileReading = { state: 'error', path: '/sys/kernel/security/apparmor/profiles', error: "EACCES: permission denied, open '/sys/kernel/security/apparmor/profiles'" };

describe('host model', () => {
  it('AppArmor: Y, N, missing is off, anything else malformed, an error unreadable', () => {
    expect(apparmorEnabled(text('Y\n'))).toEqual({ status: 'ok', value: true });
    expect(apparmorEnabled(text('N\n'))).toEqual({ status: 'ok', value: false });
    expect(apparmorEnabled(missing)).toMatchObject({ status: 'absent', value: false });
    expect(apparmorEnabled(text('y'))).toMatchObject({ status: 'malformed' });
    expect(apparmorEnabled(eacces)).toEqual({ status: 'unreadable', detail: expect.stringContaining('EACCES') });
  });

  it('SELinux: 1 enforcing, 0 permissive, no selinuxfs disabled', () => {
    expect(selinuxMode(text('1'))).toEqual({ status: 'ok', value: 'enforcing' });
    expect(selinuxMode(text('0'))).toEqual({ status: 'ok', value: 'permissive' });
    expect(selinuxMode(missing)).toMatchObject({ status: 'absent', value: 'disabled' });
    expect(selinuxMode(text('enforcing'))).toMatchObject({ status: 'malformed' });
  });

  it('seccomp: actions_avail decides; without it the status line; errno and allow are required', () => {
    const status = (line: string) => text(`Name:\tx\n${line}\n`, '/proc/self/status');
    expect(seccompAvailable(text('kill_process errno allow\n'), status('Seccomp:\t0'))).toEqual({ status: 'ok', value: true });
    expect(seccompAvailable(text('kill trap\n'), status('Seccomp:\t0'))).toEqual({ status: 'ok', value: false });
    expect(seccompAvailable(missing, status('Seccomp:\t2'))).toEqual({ status: 'ok', value: true });
    expect(seccompAvailable(missing, status('NoNewPrivs:\t0'))).toEqual({ status: 'ok', value: false });
    expect(seccompAvailable(missing, status('Seccomp:\tx'))).toMatchObject({ status: 'malformed' });
    expect(seccompAvailable(eacces, status('Seccomp:\t0'))).toMatchObject({ status: 'unreadable' });
  });

  it('cgroups: v2 root, hybrid, legacy, nothing, and an unreadable probe', () => {
    const probe = (p: Partial<CgroupProbe>): CgroupProbe => ({ mountPoint: '/sys/fs/cgroup', rootControllers: 'missing', unifiedControllers: 'missing', v1Hierarchies: [], ...p });
    expect(cgroupLayout(probe({ rootControllers: 'file' }))).toEqual({ status: 'ok', value: { version: 2, layout: 'unified' } });
    expect(cgroupLayout(probe({ unifiedControllers: 'file', v1Hierarchies: ['memory'] }))).toEqual({ status: 'ok', value: { version: 1, layout: 'hybrid' } });
    expect(cgroupLayout(probe({ v1Hierarchies: ['memory'] }))).toEqual({ status: 'ok', value: { version: 1, layout: 'legacy' } });
    expect(cgroupLayout(probe({}))).toMatchObject({ status: 'absent' });
    // cgroup2 at unified/ with no v1 hierarchy beside it is no layout any init makes.
    expect(cgroupLayout(probe({ unifiedControllers: 'file' }))).toMatchObject({ status: 'malformed' });
    expect(cgroupLayout(probe({ rootControllers: { error: 'EACCES: permission denied' } }))).toMatchObject({ status: 'unreadable', detail: expect.stringContaining('EACCES') });
    expect(cgroupLayout(probe({ listError: 'EACCES: permission denied' }))).toMatchObject({ status: 'unreadable' });
  });

  it('kernel release: one printable line; empty or multi-line is malformed, missing means no procfs', () => {
    expect(kernelRelease(text('6.1.0-13-amd64\n'))).toEqual({ status: 'ok', value: '6.1.0-13-amd64' });
    expect(kernelRelease(text('\n'))).toMatchObject({ status: 'malformed' });
    expect(kernelRelease(text('a\nb\n'))).toMatchObject({ status: 'malformed' });
    expect(kernelRelease(text('x'.repeat(65)))).toMatchObject({ status: 'malformed' });
    expect(kernelRelease(missing)).toMatchObject({ status: 'unreadable' });
  });

  it('docker-default: by exact name; EACCES (non-root) is unreadable; not read when AppArmor is off', () => {
    const on = { status: 'ok', value: true } as const;
    expect(profileLoaded(text('docker-default (enforce)\nfoo (complain)\n'), on)).toEqual({ status: 'ok', value: true });
    expect(profileLoaded(text('docker-default-x (enforce)\n'), on)).toEqual({ status: 'ok', value: false });
    expect(profileLoaded(text(''), on)).toEqual({ status: 'ok', value: false });
    expect(profileLoaded(text('garbage\n'), on)).toMatchObject({ status: 'malformed' });
    expect(profileLoaded(eacces, on)).toMatchObject({ status: 'unreadable', detail: expect.stringContaining('EACCES') });
    expect(profileLoaded(undefined, { status: 'ok', value: false })).toMatchObject({ status: 'absent', detail: 'AppArmor is disabled' });
  });

  it('user namespaces and lockdown', () => {
    expect(userNamespaces(text('0\n'))).toEqual({ status: 'ok', value: 0 });
    expect(userNamespaces(text('15000\n'))).toEqual({ status: 'ok', value: 15000 });
    expect(userNamespaces(text('-1\n'))).toMatchObject({ status: 'malformed' });
    expect(userNamespaces(missing)).toMatchObject({ status: 'absent' });
    expect(lockdownMode(text('none [integrity] confidentiality\n'))).toEqual({ status: 'ok', value: 'integrity' });
    expect(lockdownMode(text('[none] integrity confidentiality\n'))).toEqual({ status: 'ok', value: 'none' });
    expect(lockdownMode(text('none integrity confidentiality\n'))).toMatchObject({ status: 'malformed' });
    expect(lockdownMode(text('[none] [integrity]\n'))).toMatchObject({ status: 'malformed' });
    expect(lockdownMode(missing)).toMatchObject({ status: 'absent' });
  });
});
