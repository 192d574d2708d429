// Collector "engine": is the Docker Engine up, and what is it.
import { METRICS } from '../metrics/catalog';
import { sample } from '../metrics/sample';
import type { Collector, CollectorDeps } from './collector';

export function createEngineCollector({ engine }: Pick<CollectorDeps, 'engine'>): Collector {
  return {
    name: 'engine',
    async collect(ctx) {
      let negotiatedVersion: string;
      try {
        ({ negotiatedVersion } = await engine.ping(ctx.signal));
      } catch (err) {
        // The one sample that must survive an outage: alerts fire on it.
        ctx.emit(sample(METRICS.engineUp, {}, 0));
        throw err;
      }
      ctx.emit(sample(METRICS.engineUp, {}, 1));
      const [version, info] = await Promise.all([engine.version(ctx.signal), engine.info(ctx.signal)]);
      ctx.emit(
        sample(
          METRICS.engineInfo,
          {
            version: version.Version ?? info.ServerVersion ?? '',
            api_version: negotiatedVersion,
            os: info.OSType ?? version.Os ?? '',
            kernel_version: info.KernelVersion ?? version.KernelVersion ?? '',
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
