// Every container's inspect, created, running or stopped: the facts the containers and cis
// collectors read.
//
// A read lists the containers and inspects those whose cached inspect is no longer known
// to be current (see inspect-cache.ts). When the engine's event stream is followed
// (server mode), a read whose stream stayed up and quiet since the last list does not even
// list: it pings the engine, so a dead or hung engine still fails, and returns the last
// result marked `unchanged`. A full list still runs at least every LIST_MAX_AGE_MS.
import type { CollectorDeps } from '../collectors/collector';
import { ContainerWatcher } from '../collectors/container-watch';
import { InspectCache } from '../collectors/inspect-cache';
import type { DockerEngine } from '../docker/engine';
import type { ContainerInspect } from '../docker/types';
import type { Logger } from '../log';
import { mapLimit } from '../util/concurrency';
import { EngineEventStream } from './events';

/** Longest the result of one list is reused while the event stream shows no change. */
export const LIST_MAX_AGE_MS = 60_000;

export interface ContainerFacts {
  /** Every container that still existed when inspected. */
  readonly inspects: readonly ContainerInspect[];
  /** True when this is the previous read's result, known to be still true: consumers may reuse what they derived from it. */
  readonly unchanged: boolean;
  /** Containers listed, and inspects actually sent (the rest came from the cache). */
  readonly listed: number;
  readonly inspected: number;
}

export class ContainerInventory {
  readonly cache: InspectCache;
  readonly watcher: ContainerWatcher | undefined;
  private last: { token: number; listedAtMs: number; facts: ContainerFacts } | undefined;
  private ownStream: EngineEventStream | undefined;

  constructor(
    private readonly engine: DockerEngine,
    logger: Logger,
    private readonly options: Pick<CollectorDeps['options'], 'inspectMaxAgeMs' | 'inspectConcurrency' | 'watchEvents'>,
    /** The shared event stream (createSources passes it); without one, the inventory follows a stream of its own. */
    events?: EngineEventStream,
  ) {
    this.cache = new InspectCache({ maxAgeMs: options.inspectMaxAgeMs });
    if (options.watchEvents && !events) events = this.ownStream = new EngineEventStream(engine, logger);
    this.watcher = options.watchEvents && events ? new ContainerWatcher(events) : undefined;
  }

  async read(signal: AbortSignal, now: number): Promise<ContainerFacts> {
    const { watcher, cache, engine } = this;
    watcher?.start();
    const token = watcher?.token();
    const last = this.last;
    if (token !== undefined && last?.token === token && now - last.listedAtMs < LIST_MAX_AGE_MS) {
      try {
        await engine.ping(signal);
      } catch (err) {
        this.last = undefined;
        void watcher!.restart(); // do not trust a stream across an outage
        throw err;
      }
      return { ...last.facts, unchanged: true, inspected: 0 };
    }
    this.last = undefined;
    for (const id of watcher?.drainChanged() ?? []) cache.invalidate(id);

    const list = await engine.listContainers(signal);
    cache.retain(new Set(list.map((c) => c.Id)));
    let inspected = 0;
    const inspects = await mapLimit(list, this.options.inspectConcurrency, async (summary): Promise<ContainerInspect | undefined> => {
      const cached = cache.get(summary, now);
      if (cached) return cached;
      inspected++;
      const fresh = await engine.inspectContainer(summary.Id, signal);
      if (fresh) cache.set(summary, fresh, now);
      return fresh;
    });
    const facts: ContainerFacts = {
      inspects: inspects.filter((i): i is ContainerInspect => i !== undefined), // undefined: removed since the list
      unchanged: false,
      listed: list.length,
      inspected,
    };
    // The token was taken before the list: an event that arrived during it forces a new list.
    if (token !== undefined) this.last = { token, listedAtMs: now, facts };
    return facts;
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    await this.ownStream?.close();
  }
}
