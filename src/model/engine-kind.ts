// Which engine answers the Docker API, and whether it runs rootless: the facts that decide
// which posture applies. Podman's compatible API looks like dockerd's from the outside, but
// it has no daemon flags, no daemon.json and none of dockerd's files, so reporting dockerd's
// posture for it would describe an engine that is not there.
import type { EngineInfo, EngineVersion } from '../readers/engine-types';

export const ENGINE_KINDS = ['docker', 'podman'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

export interface EngineIdentity {
  readonly kind: EngineKind;
  /** The engine runs as an unprivileged user (rootless Docker, rootless Podman). */
  readonly rootless: boolean;
}

/** Podman names its main component "Podman Engine" (libpod's compat /version); dockerd names it "Engine". */
export const PODMAN_COMPONENT = 'Podman Engine';

export function engineKind(version: EngineVersion): EngineKind {
  return (version.Components ?? []).some((c) => c?.Name === PODMAN_COMPONENT) ? 'podman' : 'docker';
}

/** dockerd and Podman both list "name=rootless" in /info's SecurityOptions when they run rootless. */
export function isRootless(info: EngineInfo): boolean {
  return (info.SecurityOptions ?? []).some((opt) =>
    String(opt)
      .split(',')
      .some((field) => field.trim() === 'name=rootless'),
  );
}

export function engineIdentity(version: EngineVersion, info: EngineInfo): EngineIdentity {
  return { kind: engineKind(version), rootless: isRootless(info) };
}
