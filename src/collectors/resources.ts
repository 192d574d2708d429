// Collector "resources": volumes and user networks and whether containers use them, and what
// `docker system df` says pruning would reclaim.
//
// /system/df sizes every layer and volume, which can take seconds to minutes on a big
// host, so it runs on its own schedule (--collector.resources.df-interval) and in the
// background: a collection that finds a read due starts it and serves the last answer
// without waiting, so a slow df never delays a snapshot. Only when there is no answer to
// serve and the process will not live to see the next collection (--once) does the
// collection wait for it. A failed background read is logged, fails the next collection
// once (with the error on the landing page) and is retried at the next due time; the last
// good answer stays served meanwhile, and docker_audit_system_df_last_success_timestamp_seconds
// tells how old it is.
import type { ContainerInspect, NetworkSummary, SystemDf, Volume } from '../readers/engine-types';
import { METRICS } from '../metrics/catalog';
import { DISK_USAGE_TYPES, type DiskUsageType } from '../metrics/families/images';
import { flag, sample, type Sample } from '../metrics/sample';
import type { Collector, CollectorDeps } from './collector';

/** Networks every daemon creates; never reported. */
export const BUILTIN_NETWORKS: readonly string[] = ['bridge', 'host', 'none'];

/** Container states `docker system df` counts as active (their writable layers are not reclaimable). */
const ACTIVE_STATES = ['running', 'paused', 'restarting'];

/**
 * The RECLAIMABLE column of `docker system df`, computed as docker/cli 20.10 does
 * (cli/command/formatter/disk_usage.go and cli/command/system/df.go):
 * - images: LayersSize minus, for each image a container uses, its size not shared with other images;
 * - containers: the writable layers (SizeRw) of containers that are not running, paused or restarting;
 * - volumes: the size of volumes no container references (RefCount 0); -1 sizes (not computed) are skipped;
 * - build_cache: the size of records that are not shared, minus those in use.
 * Pure.
 */
export function reclaimableBytes(df: SystemDf): Record<DiskUsageType, number> {
  let usedByImages = 0;
  for (const i of df.Images ?? []) {
    // VirtualSize was removed in API 1.44, where it equals Size.
    const size = i.VirtualSize ?? i.Size ?? -1;
    const shared = i.SharedSize ?? -1;
    if ((i.Containers ?? 0) !== 0 && size !== -1 && shared !== -1) usedByImages += size - shared;
  }
  let containers = 0;
  for (const c of df.Containers ?? []) {
    if (!ACTIVE_STATES.some((s) => (c.State ?? '').includes(s))) containers += c.SizeRw ?? 0;
  }
  let volumes = 0;
  for (const v of df.Volumes ?? []) {
    const size = v.UsageData?.Size ?? -1;
    if (size !== -1 && (v.UsageData?.RefCount ?? 0) === 0) volumes += size;
  }
  let buildCache = 0;
  for (const b of df.BuildCache ?? []) {
    if (!b.Shared && !b.InUse) buildCache += b.Size ?? 0;
  }
  return { images: (df.LayersSize ?? 0) - usedByImages, containers, volumes, build_cache: buildCache };
}

/** Volume names that some container mounts. */
export function volumesInUse(containers: readonly ContainerInspect[]): Set<string> {
  const names = new Set<string>();
  for (const c of containers) for (const m of c.Mounts ?? []) if (m.Type === 'volume' && m.Name) names.add(m.Name);
  return names;
}

/**
 * Network ids and names that some container is attached to. A container that never
 * started has no endpoint yet (empty NetworkID), so its networks are matched by name.
 */
export function networksInUse(containers: readonly ContainerInspect[]): Set<string> {
  const keys = new Set<string>();
  for (const c of containers) {
    for (const [name, endpoint] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
      keys.add(name);
      if (endpoint?.NetworkID) keys.add(endpoint.NetworkID);
    }
  }
  return keys;
}

/** Per-volume and per-network series and their counts (both in_use values present, 0 included). Pure. */
export function resourceSamples(volumes: readonly Volume[], networks: readonly NetworkSummary[], containers: readonly ContainerInspect[]): Sample[] {
  const samples: Sample[] = [];
  const usedVolumes = volumesInUse(containers);
  const volumeCounts = { false: 0, true: 0 };
  for (const v of volumes) {
    const inUse = usedVolumes.has(v.Name);
    volumeCounts[`${inUse}`]++;
    samples.push(sample(METRICS.volumeInUse, { volume: v.Name, driver: v.Driver ?? '' }, flag(inUse)));
  }
  const usedNetworks = networksInUse(containers);
  const networkCounts = { false: 0, true: 0 };
  for (const n of networks) {
    if (BUILTIN_NETWORKS.includes(n.Name)) continue;
    const inUse = usedNetworks.has(n.Id) || usedNetworks.has(n.Name);
    networkCounts[`${inUse}`]++;
    samples.push(sample(METRICS.networkInUse, { network: n.Name, id: n.Id.slice(0, 12), driver: n.Driver ?? '' }, flag(inUse)));
  }
  for (const inUse of ['false', 'true'] as const) {
    samples.push(sample(METRICS.volumes, { in_use: inUse }, volumeCounts[inUse]));
    samples.push(sample(METRICS.networks, { in_use: inUse }, networkCounts[inUse]));
  }
  return samples;
}

export function createResourcesCollector({ engine, facts, options, logger }: Pick<CollectorDeps, 'engine' | 'facts' | 'options' | 'logger'>): Collector {
  let last: { reclaimable: Record<DiskUsageType, number>; atMs: number } | undefined;
  let nextDueMs = 0;
  let inFlight: Promise<void> | undefined;
  let backgroundError: Error | undefined;

  const readDf = (signal: AbortSignal, now: () => number): Promise<void> => {
    nextDueMs = now() + options.resourcesDfIntervalMs;
    const started = now();
    const read = engine
      .systemDf(signal)
      .then((df) => {
        last = { reclaimable: reclaimableBytes(df), atMs: now() };
        backgroundError = undefined;
        logger.debug('read disk usage', { durationMs: now() - started });
      })
      .finally(() => {
        inFlight = undefined;
      });
    inFlight = read;
    return read;
  };

  return {
    name: 'resources',
    async collect(ctx) {
      const [volumes, networks, containers] = await Promise.all([engine.listVolumes(ctx.signal), engine.listNetworks(ctx.signal), facts.containers.get(ctx)]);
      resourceSamples(volumes.Volumes ?? [], networks, containers.inspects).forEach(ctx.emit);

      let failure: unknown;
      if (!inFlight && ctx.now() >= nextDueMs) {
        const read = readDf(ctx.signal, ctx.now);
        if (!last && options.once) {
          await read.catch((err: unknown) => (failure = err));
        } else {
          read.catch((err: unknown) => {
            logger.warn('reading disk usage in the background failed; serving the last answer', { err });
            backgroundError = err instanceof Error ? err : new Error(String(err));
          });
        }
      }
      if (last) for (const type of DISK_USAGE_TYPES) ctx.emit(sample(METRICS.reclaimableBytes, { type }, last.reclaimable[type]));
      ctx.emit(sample(METRICS.systemDfLastSuccess, {}, last ? last.atMs / 1000 : 0));
      if (failure) throw failure;
      if (backgroundError) {
        const err = backgroundError;
        backgroundError = undefined; // reported once; the timestamp keeps telling
        throw new Error('the last background read of disk usage failed', { cause: err });
      }
    },
    async close() {
      // The read carries the shutdown signal and its own deadline: this ends promptly.
      await inFlight?.catch(() => undefined);
    },
  };
}
