// Which Linux capabilities a container holds beyond what its engine grants by default. Pure.
//
// The Docker API states a container's capabilities as CapAdd and CapDrop relative to Docker's
// default set, and Podman's compatible API does the same although Podman's own default set is
// narrower (podman #16610): Podman computes CapAdd as "effective minus Docker's defaults" and
// CapDrop as "Docker's defaults minus effective". A default Podman container therefore shows
// AUDIT_WRITE, MKNOD and NET_RAW as dropped, and `podman run --cap-add NET_RAW` shows nothing
// added, since NET_RAW is in Docker's set. So the effective set is rebuilt from the two lists
// with Docker's rules on both engines, and judged against the engine's own default set: the
// one that tells what `--cap-add` actually gave.

/** Docker's default capability set (moby oci/caps/defaults.go), the reference of CapAdd and CapDrop. */
export const DOCKER_DEFAULT_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

/**
 * Podman's built-in default set (containers/common pkg/config/default.go, Podman 4.x), used
 * when Podman's own answer (/libpod/info host.security.capabilities, which follows
 * containers.conf default_capabilities) cannot be read.
 */
export const PODMAN_DEFAULT_CAPABILITIES: ReadonlySet<string> = new Set([
  'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID',
  'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

/** The word both engines take for every capability: `--cap-add ALL`. */
export const ALL_CAPABILITIES = 'ALL';

/** "cap_net_raw", "CAP_NET_RAW" and "NET_RAW" are one capability. */
export function normaliseCapability(cap: string): string {
  return cap.trim().toUpperCase().replace(/^CAP_/, '');
}

/** "CAP_CHOWN,CAP_KILL" (Podman's /libpod/info) or a list, as a set of normalised names; empty names dropped. */
export function capabilitySet(caps: string | readonly string[]): Set<string> {
  const list = typeof caps === 'string' ? caps.split(',') : caps;
  return new Set(list.map(normaliseCapability).filter((c) => c !== ''));
}

/**
 * The capabilities a container holds beyond its engine's default set, sorted, from the API's
 * CapAdd and CapDrop (both relative to Docker's defaults, see the file comment). An add of
 * ALL is reported as "ALL" alone: every capability is beyond any default, and one series says
 * so better than forty. An add the engine grants anyway (`--cap-add CHOWN`) changes nothing
 * and is not reported.
 */
export function capabilitiesBeyondDefault(
  capAdd: readonly string[] | null | undefined,
  capDrop: readonly string[] | null | undefined,
  engineDefaults: ReadonlySet<string>,
): string[] {
  const adds = capabilitySet(capAdd ?? []);
  if (adds.has(ALL_CAPABILITIES)) return [ALL_CAPABILITIES];
  const drops = capabilitySet(capDrop ?? []);
  // moby oci/caps TweakCapabilities: a drop of ALL leaves only the adds; otherwise the
  // defaults less the drops, plus the adds.
  const effective = new Set(drops.has(ALL_CAPABILITIES) ? [] : [...DOCKER_DEFAULT_CAPABILITIES].filter((c) => !drops.has(c)));
  for (const c of adds) effective.add(c);
  return [...effective].filter((c) => !engineDefaults.has(c)).sort();
}
