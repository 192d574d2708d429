// Collector "images": every image's age, size, default user, healthcheck, provenance and
// use, from the shared image facts (src/sources/images.ts), and the vulnerability counts
// of the Trivy reports in --trivy.reports-dir.
import { METRICS } from '../metrics/catalog';
import { TRIVY_SEVERITIES } from '../metrics/families/images';
import { flag, sample, type Sample } from '../metrics/sample';
import type { ImageFacts } from '../sources/images';
import { TrivyReportsDir, type TrivyReports } from '../trivy/reports-dir';
import type { Collector, CollectorDeps } from './collector';

/** The samples of the images that still exist (an image removed since the list has no inspect). Pure. */
export function imageSamples(images: readonly ImageFacts[]): Sample[] {
  const samples: Sample[] = [];
  const counts = new Map([['false', 0], ['true', 0]]);
  for (const image of images) {
    if (!image.inspect) continue;
    counts.set(String(image.dangling), counts.get(String(image.dangling))! + 1);
    const labels = { image: image.name, id: image.shortId };
    samples.push(
      sample(METRICS.imageCreated, labels, image.summary.Created ?? 0),
      sample(METRICS.imageSize, labels, image.summary.Size ?? 0),
      sample(METRICS.imageRunsAsRoot, labels, flag(image.runsAsRoot)),
      sample(METRICS.imageHealthcheckDefined, labels, flag(image.healthcheckDefined)),
      sample(METRICS.imageRepoDigestPresent, labels, flag(image.repoDigests.length > 0)),
      sample(METRICS.imageInUse, labels, flag(image.inUse)),
    );
  }
  for (const [dangling, count] of counts) samples.push(sample(METRICS.images, { dangling }, count));
  return samples;
}

/** The samples of the Trivy reports: every severity for every image, 0 included. Pure. */
export function trivySamples({ reports, ok, unreadable }: TrivyReports): Sample[] {
  const samples: Sample[] = [];
  for (const report of reports) {
    for (const severity of TRIVY_SEVERITIES) samples.push(sample(METRICS.imageVulnerabilities, { image: report.artifact, severity }, report.counts[severity]));
    samples.push(sample(METRICS.trivyReportCreated, { image: report.artifact }, report.createdAtSeconds ?? report.mtimeSeconds));
  }
  samples.push(sample(METRICS.trivyReports, { status: 'ok' }, ok), sample(METRICS.trivyReports, { status: 'unreadable' }, unreadable));
  return samples;
}

export function createImagesCollector({ sources, options, logger }: Pick<CollectorDeps, 'sources' | 'options' | 'logger'>): Collector {
  const trivy = options.trivyReportsDir ? new TrivyReportsDir(options.trivyReportsDir, logger) : undefined;
  return {
    name: 'images',
    async collect(ctx) {
      // Both are read even when one fails: the reports do not depend on the engine.
      const [images, reports] = await Promise.allSettled([sources.images.get(ctx), trivy?.read()]);
      if (images.status === 'fulfilled') imageSamples(images.value).forEach(ctx.emit);
      if (reports.status === 'fulfilled' && reports.value) trivySamples(reports.value).forEach(ctx.emit);
      if (images.status === 'rejected') throw images.reason;
      if (reports.status === 'rejected') throw reports.reason;
    },
  };
}
