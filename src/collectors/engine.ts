// Collector "engine": is the Docker Engine up, and what is it.
//
// /_ping runs on every collection: it is the liveness signal and costs well under a
// millisecond. /info is not cheap (dockerd runs `runc --version` and `docker-init
// --version` to answer it) and changes only when the daemon restarts, so its answer is
// reused until a ping fails, the negotiated API version changes, or it is older than
// --collector.engine.info-max-age. /info carries the version too, so /version is not read.
import { METRICS } from '../metrics/catalog';
import { sample, type Labels } from '../metrics/sample';
import type { Collector, CollectorDeps } from './collector';

export function createEngineCollector({ engine, options }: Pick<CollectorDeps, 'engine' | 'options'>): Collector {
  let cached: { labels: Labels; apiVersion: string; fetchedAtMs: number } | undefined;
  return {
    name: 'engine',
    async collect(ctx) {
      let negotiatedVersion: string;
      try {
        ({ negotiatedVersion } = await engine.ping(ctx.signal));
      } catch (err) {
        cached = undefined; // whatever comes back may be another daemon
        // The one sample that must survive an outage: alerts fire on it.
        ctx.emit(sample(METRICS.engineUp, {}, 0));
        throw err;
      }
      ctx.emit(sample(METRICS.engineUp, {}, 1));
      const now = ctx.now();
      if (!cached || cached.apiVersion !== negotiatedVersion || now - cached.fetchedAtMs >= options.engineInfoMaxAgeMs) {
        const info = await engine.info(ctx.signal);
        cached = {
          apiVersion: negotiatedVersion,
          fetchedAtMs: now,
          labels: {
            version: info.ServerVersion ?? '',
            api_version: negotiatedVersion,
            os: info.OSType ?? '',
            kernel_version: info.KernelVersion ?? '',
            storage_driver: info.Driver ?? '',
            logging_driver: info.LoggingDriver ?? '',
            cgroup_driver: info.CgroupDriver ?? '',
            cgroup_version: info.CgroupVersion ?? '',
          },
        };
      }
      ctx.emit({ family: METRICS.engineInfo, labels: cached.labels, value: 1 });
    },
  };
}
