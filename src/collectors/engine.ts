// Collector "engine": is the Docker Engine up, and what is it: dockerd or Podman, rootless or
// not, which version. The ping, /info and /version are the collection's shared ones
// (src/facts/engine.ts): one ping per collection, and /info and /version from one cache.
import { METRICS } from '../metrics/catalog';
import { sample } from '../metrics/sample';
import type { Collector, CollectorDeps } from './collector';

export function createEngineCollector({ facts }: Pick<CollectorDeps, 'facts'>): Collector {
  return {
    name: 'engine',
    async collect(ctx) {
      let negotiatedVersion: string;
      try {
        ({ negotiatedVersion } = await facts.engine.ping(ctx));
      } catch (err) {
        // The one sample that must survive an outage: alerts fire on it.
        ctx.emit(sample(METRICS.engineUp, {}, 0));
        throw err;
      }
      ctx.emit(sample(METRICS.engineUp, {}, 1));
      const [info, identity] = await Promise.all([facts.engine.info(ctx), facts.engine.identity(ctx)]);
      ctx.emit(
        sample(
          METRICS.engineInfo,
          {
            engine: identity.kind,
            rootless: String(identity.rootless),
            version: info.ServerVersion ?? '',
            api_version: negotiatedVersion,
            os: info.OSType ?? '',
            kernel_version: info.KernelVersion ?? '',
            storage_driver: info.Driver ?? '',
            logging_driver: info.LoggingDriver ?? '',
            cgroup_driver: info.CgroupDriver ?? '',
            cgroup_version: info.CgroupVersion ?? '',
          },
          1,
        ),
      );
    },
  };
}
