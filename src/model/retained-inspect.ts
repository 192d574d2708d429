// What of a container's inspect the exporter keeps between collections. Pure.
//
// The inspect cache holds one inspect per container for as long as the container lives, so
// at 2,000 containers what it keeps is most of the heap. An inspect carries much that no
// rule reads: the environment (often secrets, which a security tool should not keep in its
// memory either), the command and entrypoint, the last five healthcheck outputs (up to 4 KiB
// each), the storage driver's paths. This drops those, and keeps every field of the
// declared ContainerInspect type (src/readers/engine-types.ts), which is all the exporter
// reads; the unit test checks that the posture of a retained inspect equals the full one's,
// for every recorded container.
import type { ContainerInspect } from '../readers/engine-types';

type Config = NonNullable<ContainerInspect['Config']>;
type NetworkSettings = NonNullable<ContainerInspect['NetworkSettings']>;
type Health = NonNullable<NonNullable<ContainerInspect['State']>['Health']>;

// Every declared field, listed: a field added to the type fails to compile here until it is
// kept below, so a rule reading a new field never finds it dropped.
const KEPT: { readonly [K in keyof ContainerInspect]-?: true } = { Id: true, Name: true, Image: true, Created: true, RestartCount: true, AppArmorProfile: true, LogPath: true, State: true, Config: true, HostConfig: true, Mounts: true, NetworkSettings: true };
const KEPT_CONFIG: { readonly [K in keyof Config]-?: true } = { User: true, Image: true, Labels: true, Healthcheck: true, ExposedPorts: true };
const KEPT_NETWORK: { readonly [K in keyof NetworkSettings]-?: true } = { Ports: true, Networks: true };
const KEPT_HEALTH: { readonly [K in keyof Health]-?: true } = { Status: true, FailingStreak: true };

/** The keys of `from` that `kept` lists, as a new object; absent keys stay absent. */
function pick<T extends object>(from: T, kept: { readonly [K in keyof T]-?: true }): T {
  const to: Partial<T> = {};
  for (const key of Object.keys(kept) as (keyof T)[]) if (key in from) to[key] = from[key];
  return to as T;
}

/** The inspect without what no consumer reads. The argument is not changed. */
export function retainedInspect(inspect: ContainerInspect): ContainerInspect {
  const kept = pick(inspect, KEPT);
  if (kept.State?.Health) kept.State = { ...kept.State, Health: pick(kept.State.Health, KEPT_HEALTH) };
  if (kept.Config) kept.Config = pick(kept.Config, KEPT_CONFIG);
  if (kept.NetworkSettings) kept.NetworkSettings = pick(kept.NetworkSettings, KEPT_NETWORK);
  return kept;
}
