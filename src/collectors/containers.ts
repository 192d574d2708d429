// Collector "containers": the posture of every container, created, running or stopped.
//
// A cycle lists the containers and inspects those whose cached inspect is no longer known
// to be current (see inspect-cache.ts). When the engine's event stream is followed
// (server mode), a cycle whose stream stayed up and quiet since the last list does not
// even list: it pings the engine, so a dead or hung engine still fails the collector,
// and reuses the last result. A full list still runs at least every LIST_MAX_AGE_MS.
import { CONTAINER_STATES, METRICS } from '../metrics/catalog';
import { sample, type Sample } from '../metrics/sample';
import { mapLimit } from '../util/concurrency';
import type { ContainerInspect } from '../docker/types';
import type { Collector, CollectorDeps } from './collector';
import { containerPosture, type PostureSummary } from './container-posture';
import { ContainerWatcher } from './container-watch';
import { InspectCache } from './inspect-cache';

/** Longest the result of one list is reused while the event stream shows no change. */
export const LIST_MAX_AGE_MS = 60_000;

/** Per-state counts, with every known state present (0 included) so series do not flap. */
export function stateCounts(summaries: readonly PostureSummary[], predicate: (s: PostureSummary) => boolean): Map<string, number> {
  const counts = new Map<string, number>(CONTAINER_STATES.map((s) => [s, 0]));
  for (const s of summaries) if (predicate(s)) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  return counts;
}

const COUNT_FAMILIES = [
  [METRICS.containers, () => true],
  [METRICS.containersPrivileged, (s: PostureSummary) => s.privileged],
  [METRICS.containersRunningAsRoot, (s: PostureSummary) => s.runningAsRoot],
  [METRICS.containersWithoutMemoryLimit, (s: PostureSummary) => !s.hasMemoryLimit],
  [METRICS.containersWithoutCpuLimit, (s: PostureSummary) => !s.hasCpuLimit],
] as const;

export interface ContainersCollector extends Collector {
  /** The inspect cache, exposed so tests and the event stream can look at it. */
  readonly cache: InspectCache;
}

export function createContainersCollector({ engine, options, logger }: Pick<CollectorDeps, 'engine' | 'options' | 'logger'>): ContainersCollector {
  const cache = new InspectCache({ maxAgeMs: options.inspectMaxAgeMs });
  const watcher = options.watchEvents ? new ContainerWatcher(engine, logger) : undefined;
  let last: { token: number; listedAtMs: number; samples: Sample[] } | undefined;

  return {
    name: 'containers',
    cache,
    async collect(ctx) {
      watcher?.start();
      const token = watcher?.token();
      const now = ctx.now();
      if (token !== undefined && last?.token === token && now - last.listedAtMs < LIST_MAX_AGE_MS) {
        try {
          await engine.ping(ctx.signal);
        } catch (err) {
          last = undefined;
          void watcher!.restart(); // do not trust a stream across an outage
          throw err;
        }
        last.samples.forEach(ctx.emit);
        ctx.logger.debug('containers unchanged since the last list; reused it');
        return;
      }
      last = undefined;
      for (const id of watcher?.drainChanged() ?? []) cache.invalidate(id);

      const list = await engine.listContainers(ctx.signal);
      cache.retain(new Set(list.map((c) => c.Id)));
      let inspected = 0;
      const inspects = await mapLimit(list, options.inspectConcurrency, async (summary): Promise<ContainerInspect | undefined> => {
        const cached = cache.get(summary, now);
        if (cached) return cached;
        inspected++;
        const fresh = await engine.inspectContainer(summary.Id, ctx.signal);
        if (fresh) cache.set(summary, fresh, now);
        return fresh;
      });
      const samples: Sample[] = [];
      const summaries: PostureSummary[] = [];
      for (const inspect of inspects) {
        if (!inspect) continue; // removed since the list
        const posture = containerPosture(inspect, options);
        samples.push(...posture.samples);
        summaries.push(posture.summary);
      }
      for (const [family, predicate] of COUNT_FAMILIES) {
        for (const [state, count] of stateCounts(summaries, predicate)) samples.push(sample(family, { state }, count));
      }
      samples.forEach(ctx.emit);
      // The token was taken before the list: an event that arrived during it forces a new list.
      if (token !== undefined) last = { token, listedAtMs: now, samples };
      ctx.logger.debug('containers collected', { listed: list.length, inspected, cached: list.length - inspected });
    },
    async close() {
      await watcher?.close();
    },
  };
}
