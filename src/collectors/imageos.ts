// Collector "imageos": the operating system of each image, from its os-release as read from
// one of its containers (src/facts/image-os.ts), and whether that OS release is past its end
// of life in the end-of-life table (src/model/os-eol.ts). docs/imageos.md.
import { ImageOsReader, type ImageOsFacts } from '../facts/image-os';
import { METRICS } from '../metrics/catalog';
import { OS_RELEASE_STATUSES } from '../metrics/families/imageos';
import { boundedLabelValue } from '../metrics/render';
import { flag, sample, type Sample } from '../metrics/sample';
import { matchEol, pastEol } from '../model/os-eol';
import type { Collector, CollectorDeps, CollectorOptions } from './collector';

/** The samples of every image's OS, and of the table. Pure. */
export function imageOsSamples(images: readonly ImageOsFacts[], eol: CollectorOptions['imageos'], nowMs: number, failures: number): Sample[] {
  const samples: Sample[] = [];
  for (const image of images) {
    const id = image.shortId;
    for (const status of OS_RELEASE_STATUSES) samples.push(sample(METRICS.imageOsReleaseStatus, { id, status }, flag(image.status === status)));
    if (image.status !== 'read' || !image.os) continue;
    const os = image.os;
    // Outside data: the renderer bounds every label value too; bounded here as well so the
    // value served is the value a test or a dashboard sees in the sample.
    samples.push(sample(METRICS.imageOsInfo, { id, os_id: boundedLabelValue(os.id), version_id: boundedLabelValue(os.versionId), pretty_name: boundedLabelValue(os.prettyName) }, 1));
    const match = matchEol(eol.table, os);
    samples.push(sample(METRICS.imageOsEolUnknown, { id }, flag(match.kind === 'unknown')));
    if (match.kind !== 'known') continue;
    samples.push(sample(METRICS.imageOsEol, { id }, flag(pastEol(match.cycle, nowMs))), sample(METRICS.imageOsEolTimestamp, { id }, match.cycle.eolSeconds));
  }
  samples.push(sample(METRICS.imageOsReleaseReadFailures, {}, failures), sample(METRICS.imageOsEolTableUpdated, { source: eol.source }, eol.table.updatedSeconds));
  return samples;
}

export function createImageOsCollector({ engine, facts, options }: Pick<CollectorDeps, 'engine' | 'facts' | 'options'>): Collector {
  const reader = new ImageOsReader(engine, { concurrency: options.imageos.concurrency });
  /** Images whose failure was logged: one line per image, not one per collection. */
  const logged = new Set<string>();
  return {
    name: 'imageos',
    async collect(ctx) {
      const [images, containers] = await Promise.all([facts.images.get(ctx), facts.containers.get(ctx)]);
      const result = await reader.read(images, containers.inspects, ctx.signal);
      for (const image of result) {
        if (image.status !== 'failed') logged.delete(image.imageId);
        else if (!logged.has(image.imageId)) {
          logged.add(image.imageId);
          ctx.logger.warn('reading the os-release of an image failed; tried again next collection', { image: image.shortId, err: image.error });
        }
      }
      for (const id of logged) if (!result.some((r) => r.imageId === id)) logged.delete(id);
      imageOsSamples(result, options.imageos, ctx.now(), reader.failures).forEach(ctx.emit);
    },
  };
}
