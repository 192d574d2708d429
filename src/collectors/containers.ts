// Collector "containers": the posture of every container, created, running or stopped,
// from the shared container inventory (src/sources/containers.ts). When the inventory says
// nothing changed since the last collection, the last samples are served again.
import { CONTAINER_STATES, METRICS } from '../metrics/catalog';
import { sample, type Sample } from '../metrics/sample';
import type { Collector, CollectorDeps } from './collector';
import { containerPosture, type PostureSummary } from './container-posture';

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

export function createContainersCollector({ sources, options }: Pick<CollectorDeps, 'sources' | 'options'>): Collector {
  let last: Sample[] | undefined;
  return {
    name: 'containers',
    async collect(ctx) {
      const facts = await sources.containers.get(ctx);
      if (facts.unchanged && last) {
        last.forEach(ctx.emit);
        ctx.logger.debug('containers unchanged since the last list; reused the samples');
        return;
      }
      last = undefined;
      const samples: Sample[] = [];
      const summaries: PostureSummary[] = [];
      for (const inspect of facts.inspects) {
        const posture = containerPosture(inspect, options);
        samples.push(...posture.samples);
        summaries.push(posture.summary);
      }
      for (const [family, predicate] of COUNT_FAMILIES) {
        for (const [state, count] of stateCounts(summaries, predicate)) samples.push(sample(family, { state }, count));
      }
      samples.forEach(ctx.emit);
      last = samples;
      ctx.logger.debug('containers collected', { listed: facts.listed, inspected: facts.inspected, cached: facts.listed - facts.inspected });
    },
  };
}
