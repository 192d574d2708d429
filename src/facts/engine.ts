// The engine itself, read once per collection: one /_ping, and /info from the one cache of
// it that every consumer shares (the engine collector, the daemon settings).
//
// /_ping is the liveness signal and costs well under a millisecond. /info is not cheap
// (dockerd runs `runc --version` and `docker-init --version` to answer it) and changes
// only when the daemon restarts or reloads, so its answer is reused until a ping fails, the
// negotiated API version changes, it is older than --collector.engine.info-max-age, or the
// daemon settings see dockerd restarted or daemon.json changed (refreshInfo). /version is
// read with it and cached the same way: only it tells dockerd from Podman (its components),
// and together they give the engine's identity (src/model/engine-kind.ts). Podman's own
// /libpod/info (its default capabilities and log driver) is cached the same way too.
import type { DockerEngine } from '../readers/engine';
import type { EngineInfo, EngineVersion, LibpodInfo } from '../readers/engine-types';
import { engineIdentity, type EngineIdentity, type EngineKind } from '../model/engine-kind';
import type { CollectionRef } from './per-collection';

export interface EnginePing {
  /** What the engine's Api-Version header says. */
  readonly apiVersion: string;
  /** The version this exporter speaks with it. */
  readonly negotiatedVersion: string;
}

interface CachedRead<T> {
  readonly negotiatedVersion: string;
  readonly fetchedAtMs: number;
  readonly collection: number;
  readonly value: Promise<T>;
}

/** The reads cached until the daemon changes, by what they read. */
interface Cached {
  info?: CachedRead<EngineInfo>;
  version?: CachedRead<EngineVersion>;
  podmanInfo?: CachedRead<LibpodInfo>;
}

export class EngineFacts {
  private lastPing: { collection: number; value: Promise<EnginePing> } | undefined;
  private cached: Cached = {};

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
      this.refreshInfo(); // whatever answers next may be another daemon
    });
    return value;
  }

  /** /info, from the cache while it holds (see the file comment); pings first. */
  info(ref: CollectionRef): Promise<EngineInfo> {
    return this.read('info', ref, () => this.engine.info(ref.signal));
  }

  /** /version, cached as /info is; pings first. */
  version(ref: CollectionRef): Promise<EngineVersion> {
    return this.read('version', ref, () => this.engine.version(ref.signal));
  }

  /** Podman's own /libpod/info, cached as /info is; only a Podman engine answers it. */
  podmanInfo(ref: CollectionRef): Promise<LibpodInfo> {
    return this.read('podmanInfo', ref, () => this.engine.podmanInfo(ref.signal));
  }

  /** Which engine this is (dockerd or Podman) and whether it runs rootless. */
  async identity(ref: CollectionRef): Promise<EngineIdentity> {
    const [version, info] = await Promise.all([this.version(ref), this.info(ref)]);
    return engineIdentity(version, info);
  }

  /** Forgets the cached /info and /version: the daemon restarted or its configuration changed. */
  refreshInfo(): void {
    this.cached = {};
  }

  private async read<K extends keyof Cached>(key: K, ref: CollectionRef, fetch: () => NonNullable<Cached[K]>['value']): Promise<Awaited<NonNullable<Cached[K]>['value']>> {
    const { negotiatedVersion } = await this.ping(ref);
    const now = ref.now();
    const c = this.cached[key];
    // Read at most once per collection, even with --collector.engine.info-max-age=0.
    if (c && c.negotiatedVersion === negotiatedVersion && (c.collection === ref.collection || now - c.fetchedAtMs < this.infoMaxAgeMs)) return c.value as never;
    const entry = { negotiatedVersion, fetchedAtMs: now, collection: ref.collection, value: fetch() } as NonNullable<Cached[K]>;
    this.cached[key] = entry;
    entry.value.catch(() => {
      if (this.cached[key] === entry) delete this.cached[key]; // a failed read is not cached
    });
    return entry.value as never;
  }
}

/**
 * The engine's kind for the collectors that judge dockerd (daemon, cis): an engine whose kind
 * cannot be read (one that is down) is taken as dockerd, so an outage does not hide dockerd's
 * command line and daemon.json, which are read from the host.
 */
export function engineKindOrDocker(engine: Pick<EngineFacts, 'identity'>, ref: CollectionRef): Promise<EngineKind> {
  return engineIdentityOrDocker(engine, ref).then((identity) => identity.kind);
}

/** The same, with whether it runs rootless (an engine whose kind cannot be read: a rootful dockerd). */
export function engineIdentityOrDocker(engine: Pick<EngineFacts, 'identity'>, ref: CollectionRef): Promise<EngineIdentity> {
  return engine.identity(ref).catch(() => ({ kind: 'docker' as const, rootless: false }));
}
