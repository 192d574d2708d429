// Collector "processes": what `docker top` shows of each running container (the CIS-style
// audit "if it looks like a full OS, someone's missed the point"): how many processes run
// in it, and which of them are an init system, a supervisor, sshd, cron or syslog.
//
// It costs one GET /containers/{id}/top per container (the engine runs ps on the host for
// each), so it is not asked on every collection. Each running container is asked once per
// --collector.processes.interval, at its own time within it (model/processes.ts:
// topDueAtMs, an offset from a hash of its id), so 300 containers at a 5-minute interval
// and a 15-second schedule cost about 15 calls a collection, not 300 every 5 minutes; a new
// or restarted container (State.StartedAt changed) is asked at once. Between asks the last
// answer is served. At most --collector.processes.max-per-collection are asked in one
// collection (new and restarted first, then the longest overdue; the rest stay due), so
// the cold start over 300 containers (300 tops: 36 s of dockerd running ps, measured) is
// spread over several collections instead of holding up one snapshot. The facts say which containers run (facts/containers.ts): a container
// that stops or goes loses its series in the same collection.
//
// A container that stops or goes between the list and its top (404, 409) is skipped. Any
// other failure of one container is counted (docker_audit_container_processes_read_errors_total),
// logged once when that container starts failing, and that container has no series until
// an ask succeeds (it is asked again at its next own time). The collector fails only when
// the engine itself fails: the container facts cannot be read, or a top gets no answer and
// a /_ping then gets none either; the asks still waiting are then not sent.
// In --once mode every running container is asked, and nothing is kept.
import { mapLimit } from '../base/concurrency';
import { describeError } from '../base/log';
import type { ContainerFacts } from '../facts/containers';
import { PROCESSES_METRICS as M } from '../metrics/families/processes';
import { sample, type Sample } from '../metrics/sample';
import type { ContainerPosture } from '../model/posture';
import { pickTopReads, topDueAtMs, topSummary, type TopCacheEntry, type TopSummary } from '../model/processes';
import { EngineHttpError } from '../readers/engine';
import type { Collector, CollectorDeps } from './collector';

/** A running container, as the facts know it. */
export interface RunningContainer {
  readonly id: string;
  /** State.StartedAt, as the engine writes it (nanoseconds included): another value is another run. */
  readonly startedAt: string;
  readonly posture: ContainerPosture;
}

/** The containers whose state is running (paused and restarting ones are not), in list order. Pure. */
export function runningContainers(facts: Pick<ContainerFacts, 'inspects' | 'postures'>): RunningContainer[] {
  const running: RunningContainer[] = [];
  facts.inspects.forEach((inspect, i) => {
    const posture = facts.postures[i];
    if (posture.state === 'running') running.push({ id: inspect.Id, startedAt: inspect.State?.StartedAt ?? '', posture });
  });
  return running;
}

/** One container's series: its process count, and one series per whole-OS process name found. Pure. */
export function processSamples(posture: Pick<ContainerPosture, 'name' | 'shortId' | 'image'>, summary: TopSummary): Sample[] {
  const base = { name: posture.name, id: posture.shortId, image: posture.image };
  return [sample(M.containerProcesses, base, summary.processes), ...summary.fullOsProcesses.map((process) => sample(M.containerFullOsProcess, { ...base, process }, 1))];
}

/**
 * Whether a failed call got an answer from the engine (an HTTP error status, or a body that
 * is not JSON): a failure of that one container. Anything else (no answer, a deadline) may
 * be the engine itself, which a ping then tells.
 */
export function engineAnswered(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof EngineHttpError || e instanceof SyntaxError) return true;
  }
  return false;
}

export function createProcessesCollector({ engine, facts, options }: Pick<CollectorDeps, 'engine' | 'facts' | 'options'>): Collector {
  const { intervalMs, concurrency, maxPerCollection } = options.processes;
  const fullOsNames = new Set(options.processes.fullOsNames);
  /** By full id: the running containers asked so far (server mode). */
  const kept = new Map<string, TopCacheEntry>();
  /** Containers whose failure was logged: said again only after they succeeded or went. */
  const logged = new Set<string>();
  let readErrors = 0;

  return {
    name: 'processes',
    async collect(ctx) {
      const running = runningContainers(await facts.containers.get(ctx));
      const now = ctx.now();
      // --once: every running container is asked, and nothing is kept for a next collection.
      const cache = options.once ? new Map<string, TopCacheEntry>() : kept;
      const ids = new Set(running.map((c) => c.id));
      for (const id of cache.keys()) if (!ids.has(id)) cache.delete(id); // stopped or gone: its series go
      for (const id of logged) if (!ids.has(id)) logged.delete(id);
      // --once asks every running container; otherwise at most maxPerCollection, the rest stay due.
      const allDue = pickTopReads(running.map((c) => ({ ...c, entry: cache.get(c.id) })), now, 0);
      const due = options.once || maxPerCollection === 0 ? allDue : allDue.slice(0, maxPerCollection);

      // Aborted when the engine is found down: the asks still waiting are not sent.
      const stop = new AbortController();
      const onShutdown = () => stop.abort(ctx.signal.reason);
      if (ctx.signal.aborted) onShutdown();
      ctx.signal.addEventListener('abort', onShutdown, { once: true });
      let engineFailure: unknown;
      // One ping at a time, shared by the asks that failed meanwhile; a later failure pings again.
      let alive: Promise<boolean> | undefined;
      const engineAlive = (): Promise<boolean> =>
        (alive ??= engine
          .ping(stop.signal)
          .then(
            () => true,
            () => false,
          )
          .finally(() => (alive = undefined)));
      let gone = 0;
      let failed = 0;
      try {
        await mapLimit(due, concurrency, async (c) => {
          if (engineFailure !== undefined || stop.signal.aborted) return;
          try {
            const top = await engine.containerTop(c.id, stop.signal);
            if (!top) {
              // Stopped or removed since the list: no series, and asked again if it runs again.
              cache.delete(c.id);
              gone++;
              return;
            }
            cache.set(c.id, { startedAt: c.startedAt, dueAtMs: topDueAtMs(c.id, now, intervalMs), summary: topSummary(top, fullOsNames) });
            logged.delete(c.id);
          } catch (err) {
            if (stop.signal.aborted || (!engineAnswered(err) && !(await engineAlive()))) {
              engineFailure ??= err;
              stop.abort(err);
              return;
            }
            failed++;
            readErrors++;
            cache.set(c.id, { startedAt: c.startedAt, dueAtMs: topDueAtMs(c.id, now, intervalMs), summary: undefined });
            if (!logged.has(c.id)) {
              logged.add(c.id);
              ctx.logger.warn('reading the processes of a container failed; it has no process series until a read succeeds', { container: c.posture.name, id: c.posture.shortId, err: describeError(err) });
            }
          }
        });
      } finally {
        ctx.signal.removeEventListener('abort', onShutdown);
      }

      for (const c of running) {
        const summary = cache.get(c.id)?.summary;
        if (summary) for (const s of processSamples(c.posture, summary)) ctx.emit(s);
      }
      ctx.emit(sample(M.containerProcessesReadErrors, {}, readErrors));
      ctx.logger.debug('container processes collected', { running: running.length, asked: due.length, deferred: allDue.length - due.length, cached: running.length - allDue.length, gone, failed });
      if (engineFailure !== undefined) throw new Error('reading container processes failed: the engine did not answer', { cause: engineFailure });
    },
  };
}
