// Collector "engine": is the Docker Engine up, and what is it.
//
// /_ping runs on every collection: it is the liveness signal and costs well under a
// millisecond. /version and /info are not cheap (dockerd runs `runc --version` and
// `docker-init --version` to answer them) and change only when the daemon restarts, so
// their answer is reused until a ping fails, the negotiated API version changes, or it
// is older than --collector.engine.info-max-age.
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
        const [version, info] = await Promise.all([engine.version(ctx.signal), engine.info(ctx.signal)]);
        cached = {
          apiVersion: negotiatedVersion,
          fetchedAtMs: now,
          labels: {
            version: version.Version ?? info.ServerVersion ?? '',
            api_version: negotiatedVersion,
            os: info.OSType ?? version.Os ?? '',
            kernel_version: info.KernelVersion ?? version.KernelVersion ?? '',
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
