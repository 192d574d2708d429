// Collector "containers": the posture of every container, created, running or stopped.
import { CONTAINER_STATES, METRICS } from '../metrics/catalog';
import { sample } from '../metrics/sample';
import { mapLimit } from '../util/concurrency';
import type { ContainerInspect } from '../docker/types';
import type { Collector, CollectorDeps } from './collector';
import { containerPosture, type PostureSummary } from './container-posture';
import { InspectCache } from './inspect-cache';

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
  /** The cache, exposed so the event stream can invalidate entries. */
  readonly cache: InspectCache;
}

export function createContainersCollector({ engine, options }: Pick<CollectorDeps, 'engine' | 'options'>): ContainersCollector {
  const cache = new InspectCache({ maxAgeMs: options.inspectMaxAgeMs });
  return {
    name: 'containers',
    cache,
    async collect(ctx) {
      const list = await engine.listContainers(ctx.signal);
      cache.retain(new Set(list.map((c) => c.Id)));
      const now = ctx.now();
      let inspected = 0;
      const inspects = await mapLimit(list, options.inspectConcurrency, async (summary): Promise<ContainerInspect | undefined> => {
        const cached = cache.get(summary, now);
        if (cached) return cached;
        inspected++;
        const fresh = await engine.inspectContainer(summary.Id, ctx.signal);
        if (fresh) cache.set(summary, fresh, now);
        return fresh;
      });
      const summaries: PostureSummary[] = [];
      for (const inspect of inspects) {
        if (!inspect) continue; // removed since the list
        const { samples, summary } = containerPosture(inspect, options);
        samples.forEach(ctx.emit);
        summaries.push(summary);
      }
      for (const [family, predicate] of COUNT_FAMILIES) {
        for (const [state, count] of stateCounts(summaries, predicate)) ctx.emit(sample(family, { state }, count));
      }
      ctx.logger.debug('containers collected', { listed: list.length, inspected, cached: list.length - inspected });
    },
  };
}
