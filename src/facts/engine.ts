// The engine itself, read once per collection: one /_ping, and /info from the one cache of
// it that every consumer shares (the engine collector, the daemon settings).
//
// /_ping is the liveness signal and costs well under a millisecond. /info is not cheap
// (dockerd runs `runc --version` and `docker-init --version` to answer it) and changes
// only when the daemon restarts or reloads, so its answer is reused until a ping fails, the
// negotiated API version changes, it is older than --collector.engine.info-max-age, or the
// daemon settings see dockerd restarted or daemon.json changed (refreshInfo). /info carries
// the version too, so /version is not read.
import type { DockerEngine } from '../readers/engine';
import type { EngineInfo } from '../readers/engine-types';
import type { CollectionRef } from './per-collection';

export interface EnginePing {
  /** What the engine's Api-Version header says. */
  readonly apiVersion: string;
  /** The version this exporter speaks with it. */
  readonly negotiatedVersion: string;
}

export class EngineFacts {
  private lastPing: { collection: number; value: Promise<EnginePing> } | undefined;
  private cachedInfo: { negotiatedVersion: string; fetchedAtMs: number; collection: number; value: Promise<EngineInfo> } | undefined;

  constructor(
    private readonly engine: DockerEngine,
    private readonly infoMaxAgeMs: number,
  ) {}

  /** The ping of this collection: sent by the first caller, shared by the others. Rejects when the engine does not answer. */
  ping(ref: CollectionRef): Promise<EnginePing> {
    if (this.lastPing?.collection === ref.collection) return this.lastPing.value;
    const value = this.engine.ping(ref.signal);
    this.lastPing = { collection: ref.collection, value };
    value.catch(() => {
      this.cachedInfo = undefined; // whatever answers next may be another daemon
    });
    return value;
  }

  /** /info, from the cache while it holds (see the file comment); pings first. */
  async info(ref: CollectionRef): Promise<EngineInfo> {
    const { negotiatedVersion } = await this.ping(ref);
    const now = ref.now();
    const c = this.cachedInfo;
    // Read at most once per collection, even with --collector.engine.info-max-age=0.
    if (c && c.negotiatedVersion === negotiatedVersion && (c.collection === ref.collection || now - c.fetchedAtMs < this.infoMaxAgeMs)) return c.value;
    const value = this.engine.info(ref.signal);
    const entry = { negotiatedVersion, fetchedAtMs: now, collection: ref.collection, value };
    this.cachedInfo = entry;
    value.catch(() => {
      if (this.cachedInfo === entry) this.cachedInfo = undefined; // a failed read is not cached
    });
    return value;
  }

  /** Forgets the cached /info: the daemon restarted or its configuration changed. */
  refreshInfo(): void {
    this.cachedInfo = undefined;
  }
}
