// What the engine gives every container unless the container says otherwise, whichever the
// engine is: the capability set, the no-new-privileges default, and whether AppArmor and
// SELinux confine containers. dockerd's come from its settings (daemon.ts), Podman's from
// its own defaults (podman.ts); the container posture and the CIS container checks judge
// against these, so a Podman container is never judged by the dockerd beside it.
import { DOCKER_DEFAULT_CAPABILITIES, PODMAN_DEFAULT_CAPABILITIES } from '../model/capabilities';
import type { EngineKind } from '../model/engine-kind';
import type { PodmanPosture } from '../model/podman-config';
import type { DaemonSettingsFacts } from './daemon';
import { engineKindOrDocker, type EngineFacts } from './engine';
import type { CollectionRef, PerCollection } from './per-collection';
import type { PodmanFacts } from './podman';

export interface EngineDefaults {
  readonly kind: EngineKind;
  readonly capabilities: ReadonlySet<string>;
  /** Containers get no-new-privileges unless they turn it off (dockerd --no-new-privileges; Podman 4 has no such default); undefined: dockerd's settings could not be read. */
  readonly noNewPrivileges: boolean | undefined;
  /** Undefined: not known (the source could not be read). */
  readonly apparmor: boolean | undefined;
  readonly selinux: boolean | undefined;
}

type Sources = { readonly daemonSettings: Pick<PerCollection<DaemonSettingsFacts>, 'get'>; readonly podman: Pick<PerCollection<PodmanFacts>, 'get'> };

/** Podman's defaults, or undefined when they cannot be read. */
const podmanPostureOf = (sources: Pick<Sources, 'podman'>, ref: CollectionRef): Promise<PodmanPosture | undefined> =>
  sources.podman.get(ref).then(
    (facts) => facts.posture,
    () => undefined,
  );

/** Podman's default capabilities, its built-in list when its defaults cannot be read. */
const podmanCapabilities = (posture: PodmanPosture | undefined): ReadonlySet<string> => (posture ? new Set(posture.defaultCapabilities) : PODMAN_DEFAULT_CAPABILITIES);

/**
 * The capabilities the engine gives every container: dockerd's are fixed (moby has no setting
 * for them), Podman's come from its own defaults. Never rejects: Podman's built-in list when
 * its defaults cannot be read. Reads nothing of dockerd, so the container facts do not wait
 * for dockerd's command line.
 */
export async function readEngineCapabilities(engine: EngineFacts, sources: Pick<Sources, 'podman'>, ref: CollectionRef): Promise<{ kind: EngineKind; capabilities: ReadonlySet<string> }> {
  const kind = await engineKindOrDocker(engine, ref);
  if (kind !== 'podman') return { kind, capabilities: DOCKER_DEFAULT_CAPABILITIES };
  return { kind, capabilities: podmanCapabilities(await podmanPostureOf(sources, ref)) };
}

/**
 * Never rejects: a source that cannot be read gives the engine's built-in capabilities and
 * leaves the rest unknown, so the checks that need them stay unjudged while the rest are
 * still judged.
 */
export async function readEngineDefaults(
  engine: EngineFacts,
  sources: Sources,
  ref: CollectionRef,
): Promise<EngineDefaults> {
  const kind = await engineKindOrDocker(engine, ref);
  if (kind === 'podman') {
    const posture = await podmanPostureOf(sources, ref);
    return { kind, capabilities: podmanCapabilities(posture), noNewPrivileges: false, apparmor: posture?.apparmorEnabled, selinux: posture?.selinuxEnabled };
  }
  const settings = await sources.daemonSettings.get(ref).then(
    (facts) => facts.settings,
    () => undefined,
  );
  return { kind, capabilities: DOCKER_DEFAULT_CAPABILITIES, noNewPrivileges: settings?.noNewPrivileges, apparmor: settings?.apparmor, selinux: settings?.selinux };
}
