// Every container's inspect and posture, created, running or stopped: the facts the
// containers, resources and cis collectors read.
//
// A read lists the containers and inspects those whose cached inspect is no longer known
// to be current (see inspect-cache.ts). When the engine's event stream is followed
// (server mode), a read whose stream stayed up and quiet since the last list does not even
// list: it pings the engine (the collection's one ping, shared with the engine collector),
// so a dead or hung engine still fails, and returns the last result marked `unchanged`. A
// full list still runs at least every LIST_MAX_AGE_MS.
import { mapLimit } from '../base/concurrency';
import { containerPosture, type ContainerPosture, type PostureOptions } from '../model/posture';
import { retainedInspect } from '../model/retained-inspect';
import type { DockerEngine } from '../readers/engine';
import type { ContainerInspect } from '../readers/engine-types';
import { ContainerWatcher } from './container-watch';
import type { EngineFacts } from './engine';
import type { EngineDefaults } from './engine-defaults';
import type { EngineEventStream } from './events';
import { InspectCache } from './inspect-cache';
import type { FactsOptions } from './options';
import type { CollectionRef } from './per-collection';

/** Longest the result of one list is reused while the event stream shows no change. */
export const LIST_MAX_AGE_MS = 60_000;

export interface ContainerFacts {
  /** Every container that still existed when inspected, in list order: the fields the rules read (model/retained-inspect.ts). */
  readonly inspects: readonly ContainerInspect[];
  /** The posture of each, in the same order: the one reading of each container that every consumer uses. */
  readonly postures: readonly ContainerPosture[];
  /** True when this is the previous read's result, known to be still true: consumers may reuse what they derived from it. */
  readonly unchanged: boolean;
  /** Containers listed, and inspects actually sent (the rest came from the cache). */
  readonly listed: number;
  readonly inspected: number;
  /** Containers the engine listed more than once (kept once): a broken or hostile engine. */
  readonly duplicates: number;
}

export class ContainerInventory {
  readonly cache: InspectCache;
  readonly watcher: ContainerWatcher | undefined;
  private last: { token: number; listedAtMs: number; facts: ContainerFacts } | undefined;
  /** Postures by inspect object: an inspect reused from the cache is not judged again (while the engine's defaults stay the same). */
  private postures = new WeakMap<ContainerInspect, ContainerPosture>();
  private postureOptions: PostureOptions;

  constructor(
    private readonly engine: DockerEngine,
    private readonly engineFacts: EngineFacts,
    private readonly options: Pick<FactsOptions, 'inspectMaxAgeMs' | 'inspectConcurrency' | 'sensitivePaths' | 'dockerSocketPaths'>,
    /** The shared event stream, when the engine's events are followed (server mode). */
    events?: EngineEventStream,
    /** The engine's default capability set, which the postures are judged against; Docker's when not given. */
    private readonly engineCapabilities?: (ref: CollectionRef) => Promise<Pick<EngineDefaults, 'capabilities'>>,
  ) {
    this.cache = new InspectCache({ maxAgeMs: options.inspectMaxAgeMs });
    this.watcher = events ? new ContainerWatcher(events) : undefined;
    this.postureOptions = { sensitivePaths: options.sensitivePaths, dockerSocketPaths: options.dockerSocketPaths };
  }

  async read(ref: CollectionRef): Promise<ContainerFacts> {
    const { watcher, cache, engine } = this;
    const now = ref.now();
    watcher?.start();
    const token = watcher?.token();
    const last = this.last;
    if (token !== undefined && last?.token === token && now - last.listedAtMs < LIST_MAX_AGE_MS) {
      try {
        await this.engineFacts.ping(ref);
      } catch (err) {
        this.last = undefined;
        void watcher!.restart(); // do not trust a stream across an outage
        throw err;
      }
      return { ...last.facts, unchanged: true, inspected: 0 };
    }
    this.last = undefined;
    for (const id of watcher?.drainChanged() ?? []) cache.invalidate(id);

    const listed = await engine.listContainers(ref.signal);
    // A container listed twice is one container: an engine that repeats one must not make
    // its series appear twice (which would cost the whole snapshot its render).
    const seen = new Set<string>();
    const list = listed.filter((c) => !seen.has(c.Id) && seen.add(c.Id));
    cache.retain(seen);
    let inspected = 0;
    const inspects = await mapLimit(list, this.options.inspectConcurrency, async (summary): Promise<ContainerInspect | undefined> => {
      const cached = cache.get(summary, now);
      if (cached) return cached;
      inspected++;
      const answer = await engine.inspectContainer(summary.Id, ref.signal);
      // Only what the rules read is kept: the cache holds it for the container's whole life.
      const fresh = answer && retainedInspect(answer);
      if (fresh) cache.set(summary, fresh, now);
      return fresh;
    });
    const existing = inspects.filter((i): i is ContainerInspect => i !== undefined); // undefined: removed since the list
    if (this.engineCapabilities) this.judgeAgainst((await this.engineCapabilities(ref)).capabilities);
    const facts: ContainerFacts = {
      inspects: existing,
      postures: existing.map((i) => this.postureOf(i)),
      unchanged: false,
      listed: list.length,
      inspected,
      duplicates: listed.length - list.length,
    };
    // The token was taken before the list: an event that arrived during it forces a new list.
    if (token !== undefined) this.last = { token, listedAtMs: now, facts };
    return facts;
  }

  /** A new default capability set (Podman's containers.conf changed, another engine answers) judges every container again. */
  private judgeAgainst(capabilities: ReadonlySet<string>): void {
    const current = this.postureOptions.engineDefaultCapabilities;
    if (current && current.size === capabilities.size && [...capabilities].every((c) => current.has(c))) return;
    this.postureOptions = { ...this.postureOptions, engineDefaultCapabilities: capabilities };
    this.postures = new WeakMap();
  }

  private postureOf(inspect: ContainerInspect): ContainerPosture {
    let posture = this.postures.get(inspect);
    if (!posture) this.postures.set(inspect, (posture = containerPosture(inspect, this.postureOptions)));
    return posture;
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }
}
