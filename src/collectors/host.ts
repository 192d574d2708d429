// Collector "host": the protections the host kernel gives containers (AppArmor, SELinux,
// seccomp, cgroups, user namespaces, lockdown), read from --host.proc-path and
// --host.sys-path on every collection (a dozen small files: well under a millisecond).
// A reading that cannot be trusted gives no value rather than a wrong 0: its
// docker_audit_host_reading_status says why, and a failed reading the contract names
// (REQUIRED_READINGS) fails the collector after the rest is emitted.
import { METRICS } from '../metrics/catalog';
import { flag, sample, type Sample } from '../metrics/sample';
import {
  CGROUP_LAYOUTS,
  HOST_READINGS,
  hostPosture,
  LOCKDOWN_MODES,
  READING_STATUSES,
  readingsByName,
  REQUIRED_READINGS,
  SELINUX_MODES,
  type HostPosture,
  type Read,
} from '../model/host';
import { readHostKernelFiles } from '../readers/host-kernel';
import type { Collector, CollectorDeps } from './collector';

const valueOf = <T>(read: Read<T>): T | undefined => read.value;

/** The samples of a posture. Pure. */
export function hostSamples(posture: HostPosture): Sample[] {
  const samples: Sample[] = [];
  const apparmor = valueOf(posture.apparmor);
  const selinux = valueOf(posture.selinux);
  if (apparmor !== undefined) samples.push(sample(METRICS.hostLsmEnabled, { lsm: 'apparmor' }, flag(apparmor)));
  if (selinux !== undefined) {
    samples.push(sample(METRICS.hostLsmEnabled, { lsm: 'selinux' }, flag(selinux !== 'disabled')));
    for (const mode of SELINUX_MODES) samples.push(sample(METRICS.hostSelinuxMode, { mode }, flag(selinux === mode)));
  }
  const seccomp = valueOf(posture.seccomp);
  if (seccomp !== undefined) samples.push(sample(METRICS.hostSeccompAvailable, {}, flag(seccomp)));
  const cgroup = valueOf(posture.cgroup);
  if (cgroup !== undefined) {
    samples.push(sample(METRICS.hostCgroupVersion, {}, cgroup.version));
    for (const layout of CGROUP_LAYOUTS) samples.push(sample(METRICS.hostCgroupLayout, { layout }, flag(cgroup.layout === layout)));
  }
  if (posture.kernelRelease.status === 'ok') samples.push(sample(METRICS.hostKernelInfo, { release: posture.kernelRelease.value }, 1));
  if (posture.apparmorProfiles.status === 'ok') samples.push(sample(METRICS.hostApparmorDockerDefaultLoaded, {}, flag(posture.apparmorProfiles.value)));
  if (posture.userNamespaces.status === 'ok') samples.push(sample(METRICS.hostUserNamespacesMax, {}, posture.userNamespaces.value));
  const lockdown = posture.lockdown;
  if (lockdown.status === 'ok') for (const mode of LOCKDOWN_MODES) samples.push(sample(METRICS.hostKernelLockdown, { mode }, flag(lockdown.value === mode)));
  const readings = readingsByName(posture);
  for (const reading of HOST_READINGS) {
    for (const status of READING_STATUSES) samples.push(sample(METRICS.hostReadingStatus, { reading, status }, flag(readings[reading].status === status)));
  }
  return samples;
}

/** The readings that went wrong, as "name: detail", required ones first. */
export function failedReadings(posture: HostPosture): { required: string[]; optional: string[] } {
  const readings = readingsByName(posture);
  const failed = HOST_READINGS.filter((r) => readings[r].status === 'unreadable' || readings[r].status === 'malformed');
  const describe = (r: (typeof HOST_READINGS)[number]) => {
    const read = readings[r];
    return `${r} ${read.status}: ${read.status === 'ok' ? '' : read.detail}`;
  };
  return { required: failed.filter((r) => REQUIRED_READINGS.includes(r)).map(describe), optional: failed.filter((r) => !REQUIRED_READINGS.includes(r)).map(describe) };
}

export function createHostCollector({ options }: Pick<CollectorDeps, 'options'>): Collector {
  const { procPath, sysPath } = options.host;
  // An optional reading that fails (AppArmor's profile list as non-root) is logged when it
  // starts failing, not on every collection.
  let lastOptional = '';
  return {
    name: 'host',
    async collect(ctx) {
      const posture = hostPosture(await readHostKernelFiles(procPath, sysPath));
      for (const s of hostSamples(posture)) ctx.emit(s);
      const { required, optional } = failedReadings(posture);
      const optionalKey = optional.join('\n');
      if (optionalKey !== lastOptional && optional.length > 0) ctx.logger.info('some optional host readings are not available; their series are left out', { readings: optionalKey });
      lastOptional = optionalKey;
      if (required.length > 0) throw new Error(`reading the host's kernel settings under ${procPath} and ${sysPath} failed: ${required.join('; ')}`);
    },
  };
}
