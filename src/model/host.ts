// What the host kernel's security files mean (docs/host.md). Pure: the readings of
// src/readers/host-kernel.ts in, a HostPosture out. Every reading ends in one of four
// states, so a file that could not be read is never taken for a feature that is off.
import type { CgroupProbe, FileReading, HostKernelFiles, PathKind } from '../readers/host-kernel';

/** How a reading ended: read and understood, not there (the kernel's way of saying "off" or "not built"), or not knowable. */
export const READING_STATUSES = ['ok', 'absent', 'unreadable', 'malformed'] as const;
export type ReadingStatus = (typeof READING_STATUSES)[number];

/** The readings of the host collector, the label values of docker_audit_host_reading_status. */
export const HOST_READINGS = ['apparmor', 'selinux', 'seccomp', 'cgroup', 'kernel_release', 'apparmor_profiles', 'user_namespaces', 'lockdown'] as const;
export type HostReading = (typeof HOST_READINGS)[number];

/** The readings whose failure fails the collector: the ones the contract names. The others are extras. */
export const REQUIRED_READINGS: readonly HostReading[] = ['apparmor', 'selinux', 'seccomp', 'cgroup', 'kernel_release'];

export const SELINUX_MODES = ['enforcing', 'permissive', 'disabled'] as const;
export type SelinuxMode = (typeof SELINUX_MODES)[number];

/** The layouts of /sys/fs/cgroup, as containerd's cgroups.Mode() names them. */
export const CGROUP_LAYOUTS = ['legacy', 'hybrid', 'unified'] as const;
export type CgroupLayout = (typeof CGROUP_LAYOUTS)[number];

/** The kernel lockdown modes (security/lockdown/lockdown.c). */
export const LOCKDOWN_MODES = ['none', 'integrity', 'confidentiality'] as const;
export type LockdownMode = (typeof LOCKDOWN_MODES)[number];

/** The profile dockerd loads and puts on every container that names no other. */
export const DOCKER_DEFAULT_APPARMOR_PROFILE = 'docker-default';

/** A value, or why there is none. `detail` says what was read and what was wrong. */
export type Read<T> = { readonly status: 'ok'; readonly value: T } | { readonly status: Exclude<ReadingStatus, 'ok'>; readonly detail: string; readonly value?: T };

export interface HostPosture {
  readonly apparmor: Read<boolean>;
  readonly selinux: Read<SelinuxMode>;
  readonly seccomp: Read<boolean>;
  readonly cgroup: Read<{ readonly version: 1 | 2; readonly layout: CgroupLayout }>;
  readonly kernelRelease: Read<string>;
  /** Whether docker-default is loaded; only read when AppArmor is enabled. */
  readonly apparmorProfiles: Read<boolean>;
  readonly userNamespaces: Read<number>;
  readonly lockdown: Read<LockdownMode>;
}

const ok = <T>(value: T): Read<T> => ({ status: 'ok', value });
const malformed = (reading: FileReading & { state: 'text' }, expected: string): Read<never> => ({
  status: 'malformed',
  detail: `${reading.path}: expected ${expected}, found ${JSON.stringify(reading.text.slice(0, 80))}`,
});
const unreadable = (reading: FileReading & { state: 'error' }): Read<never> => ({ status: 'unreadable', detail: `${reading.path}: ${reading.error}` });

/**
 * The common shape: a file's text parsed, its absence meaning `whenMissing` (status
 * "absent", with that value when the kernel means "off" by it), its failure unreadable.
 */
function interpret<T>(reading: FileReading, parse: (text: string) => T | undefined, expected: string, whenMissing?: T): Read<T> {
  switch (reading.state) {
    case 'missing':
      return { status: 'absent', detail: `${reading.path} does not exist`, ...(whenMissing === undefined ? {} : { value: whenMissing }) };
    case 'error':
      return unreadable(reading);
    case 'text': {
      const value = parse(reading.text);
      return value === undefined ? malformed(reading, expected) : ok(value);
    }
  }
}

/**
 * AppArmor: the module parameter is "Y" or "N". No file means the kernel has no AppArmor
 * (not built in, or another major LSM was chosen at boot): off.
 */
export function apparmorEnabled(reading: FileReading): Read<boolean> {
  return interpret(reading, (t) => ({ Y: true, N: false })[t.trim()], '"Y" or "N"', false);
}

/**
 * SELinux: selinuxfs holds "enforce" ("1" enforcing, "0" permissive) whenever SELinux is
 * on; with SELinux disabled there is no selinuxfs, so no file (libselinux's
 * is_selinux_enabled() decides the same way).
 */
export function selinuxMode(reading: FileReading): Read<SelinuxMode> {
  return interpret(reading, (t): SelinuxMode | undefined => ({ '1': 'enforcing' as const, '0': 'permissive' as const })[t.trim()], '"0" or "1"', 'disabled');
}

/** The "Seccomp:" line of a process status: 0, 1 or 2 (disabled, strict, filter) on a kernel with CONFIG_SECCOMP. */
function statusHasSeccomp(text: string): boolean | undefined {
  const line = text.split('\n').find((l) => l.startsWith('Seccomp:'));
  if (line === undefined) return false;
  return /^Seccomp:\s+[0-2]\s*$/.test(line) ? true : undefined;
}

/**
 * Seccomp as Docker needs it: filter mode (CONFIG_SECCOMP_FILTER), whose actions the kernel
 * lists in /proc/sys/kernel/seccomp/actions_avail (kernel 4.14 and later). The list must
 * name errno and allow, the two actions Docker's default profile uses. Kernels before 4.14
 * have no such file: there the "Seccomp:" line of <proc>/self/status (CONFIG_SECCOMP) is the
 * best the host says, and counts as available.
 */
export function seccompAvailable(actions: FileReading, selfStatus: FileReading): Read<boolean> {
  if (actions.state === 'text') {
    const names = actions.text.trim().split(/\s+/);
    if (!names.every((n) => /^[a-z_]+$/.test(n)) || names.length === 0 || names[0] === '') return malformed(actions, 'a list of seccomp action names');
    return ok(names.includes('errno') && names.includes('allow'));
  }
  if (actions.state === 'error') return unreadable(actions);
  const fallback = interpret(selfStatus, statusHasSeccomp, 'a "Seccomp:\\t<0|1|2>" line');
  if (fallback.status === 'absent') return { status: 'unreadable', detail: `neither ${actions.path} nor ${selfStatus.path} exists: is ${selfStatus.path.replace(/\/self\/status$/, '')} a procfs?` };
  return fallback;
}

function cgroupError(kind: PathKind, file: string): string | undefined {
  return typeof kind === 'object' ? `${file}: ${kind.error}` : undefined;
}

/**
 * The cgroup layout. cgroup2 at the root is v2 ("unified"); v1 hierarchies with cgroup2 at
 * unified/ is systemd's "hybrid" layout, reported as version 1, because controllers sit
 * on the v1 hierarchies and that is what runc and dockerd use there (docker info says
 * "Cgroup Version: 1"); v1 hierarchies alone are v1 ("legacy"). Nothing mounted there is
 * "absent".
 */
export function cgroupLayout(probe: CgroupProbe): HostPosture['cgroup'] {
  const error = cgroupError(probe.rootControllers, `${probe.mountPoint}/cgroup.controllers`) ?? cgroupError(probe.unifiedControllers, `${probe.mountPoint}/unified/cgroup.controllers`) ?? (probe.listError && `${probe.mountPoint}: ${probe.listError}`);
  if (error) return { status: 'unreadable', detail: error };
  if (probe.rootControllers === 'file') return ok({ version: 2, layout: 'unified' });
  if (probe.v1Hierarchies.length > 0) return ok({ version: 1, layout: probe.unifiedControllers === 'file' ? 'hybrid' : 'legacy' });
  if (probe.rootControllers !== 'missing' || probe.unifiedControllers !== 'missing') return { status: 'malformed', detail: `${probe.mountPoint}: neither a cgroup2 root nor v1 hierarchies (cgroup.controllers is ${String(probe.rootControllers)})` };
  return { status: 'absent', detail: `no cgroup hierarchy under ${probe.mountPoint}` };
}

/** The kernel release (uname -r): one line of printable characters. */
export function kernelRelease(reading: FileReading): Read<string> {
  const read = interpret(reading, (t) => {
    const release = t.replace(/\n$/, '');
    return /^[\x21-\x7e]{1,64}$/.test(release) ? release : undefined;
  }, 'one line of at most 64 printable characters');
  // The file is in every procfs since Linux 1.x: its absence says the path is not a procfs.
  return read.status === 'absent' ? { status: 'unreadable', detail: `${read.detail}: is it a procfs?` } : read;
}

/** Whether a profile of this name is in AppArmor's list ("name (mode)" per line). */
export function profileLoaded(reading: FileReading | undefined, apparmor: Read<boolean>, name = DOCKER_DEFAULT_APPARMOR_PROFILE): Read<boolean> {
  if (reading === undefined) return { status: 'absent', detail: apparmor.status === 'ok' && !apparmor.value ? 'AppArmor is disabled' : 'AppArmor is not enabled, or its state is unknown' };
  return interpret(reading, (t) => {
    const lines = t.split('\n').filter((l) => l !== '');
    if (!lines.every((l) => / \([a-z_]+\)$/.test(l))) return undefined;
    return lines.some((l) => l.slice(0, l.lastIndexOf(' (')) === name);
  }, 'lines of "<profile> (<mode>)"');
}

/** max_user_namespaces: a count; 0 means no user namespace may be created. */
export function userNamespaces(reading: FileReading): Read<number> {
  return interpret(reading, (t) => (/^\d{1,10}$/.test(t.trim()) ? Number(t.trim()) : undefined), 'a non-negative integer');
}

/**
 * The lockdown mode: the bracketed word of "[none] integrity confidentiality". No file
 * means the lockdown LSM is not built in, or securityfs is not mounted: "absent", not "none".
 */
export function lockdownMode(reading: FileReading): Read<LockdownMode> {
  return interpret(reading, (t) => {
    const words = t.trim().split(/\s+/);
    const chosen = words.filter((w) => /^\[.*\]$/.test(w)).map((w) => w.slice(1, -1));
    if (chosen.length !== 1 || !words.every((w) => LOCKDOWN_MODES.includes(w.replace(/^\[|\]$/g, '') as LockdownMode))) return undefined;
    return chosen[0] as LockdownMode;
  }, '"none integrity confidentiality" with one in brackets');
}

/**
 * A missing LSM file means "off" only in a real sysfs: under a /sys that is not mounted (a
 * container's non-recursive bind of the host's /) every file is missing, and that is not
 * knowledge. Every sysfs has /sys/module.
 */
function inSysfs<T>(read: Read<T>, sysModules: PathKind): Read<T> {
  if (read.status !== 'absent' || sysModules === 'directory') return read;
  return { status: 'unreadable', detail: `${read.detail}, and neither does the module folder beside it: is --host.sys-path a sysfs?` };
}

export function hostPosture(files: HostKernelFiles): HostPosture {
  const apparmor = inSysfs(apparmorEnabled(files.apparmorEnabled), files.sysModules);
  return {
    apparmor,
    selinux: inSysfs(selinuxMode(files.selinuxEnforce), files.sysModules),
    seccomp: seccompAvailable(files.seccompActions, files.selfStatus),
    cgroup: cgroupLayout(files.cgroups),
    kernelRelease: kernelRelease(files.osRelease),
    apparmorProfiles: profileLoaded(files.apparmorProfiles, apparmor),
    userNamespaces: userNamespaces(files.maxUserNamespaces),
    lockdown: lockdownMode(files.lockdown),
  };
}

/** The posture's readings by the names of HOST_READINGS. */
export function readingsByName(posture: HostPosture): Record<HostReading, Read<unknown>> {
  return {
    apparmor: posture.apparmor,
    selinux: posture.selinux,
    seccomp: posture.seccomp,
    cgroup: posture.cgroup,
    kernel_release: posture.kernelRelease,
    apparmor_profiles: posture.apparmorProfiles,
    user_namespaces: posture.userNamespaces,
    lockdown: posture.lockdown,
  };
}
