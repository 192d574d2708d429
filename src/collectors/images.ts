// Collector "images": every image's age, size, default user, healthcheck, provenance and
// use, from the shared image facts (src/facts/images.ts), and the vulnerability counts
// of the Trivy reports in --trivy.reports-dir. Per-image series carry only the image's
// short id; its tags, which change on every retag, are on docker_audit_image_info.
import { METRICS } from '../metrics/catalog';
import { flag, sample, type Sample } from '../metrics/sample';
import type { ImageFacts } from '../facts/images';
import { TrivyReportsDir, type TrivyReport, type TrivyReports } from '../facts/trivy-reports';
import { shortImageId } from '../model/posture';
import { TRIVY_SEVERITIES } from '../model/trivy-report';
import type { Collector, CollectorDeps } from './collector';

/** The samples of the images that still exist (an image removed since the list has no inspect). Pure. */
export function imageSamples(images: readonly ImageFacts[]): Sample[] {
  const samples: Sample[] = [];
  const counts = new Map([['false', 0], ['true', 0]]);
  for (const image of images) {
    if (!image.inspect) continue;
    counts.set(String(image.dangling), counts.get(String(image.dangling))! + 1);
    const id = { id: image.shortId };
    samples.push(
      sample(METRICS.imageInfo, { id: image.shortId, image: image.name, tags: [...image.tags].sort().join(',') }, 1),
      sample(METRICS.imageCreated, id, image.summary.Created ?? 0),
      sample(METRICS.imageSize, id, image.summary.Size ?? 0),
      sample(METRICS.imageRunsAsRoot, id, flag(image.runsAsRoot)),
      sample(METRICS.imageHealthcheckDefined, id, flag(image.healthcheckDefined)),
      sample(METRICS.imageRepoDigestPresent, id, flag(image.repoDigests.length > 0)),
      sample(METRICS.imageInUse, id, flag(image.inUse)),
    );
  }
  for (const [dangling, count] of counts) samples.push(sample(METRICS.images, { dangling }, count));
  return samples;
}

/**
 * The image a report is about: its Metadata.ImageID, else the image on this host tagged
 * with its ArtifactName. Undefined when neither says (a report of an image not here).
 */
export function reportImageId(report: Pick<TrivyReport, 'imageId' | 'artifact'>, images: readonly ImageFacts[] | undefined): string | undefined {
  if (report.imageId) return shortImageId(report.imageId);
  return images?.find((i) => i.tags.includes(report.artifact))?.shortId;
}

/**
 * The samples of the Trivy reports: every severity for every image, 0 included; of two
 * reports of one image, the newest. Pure.
 */
export function trivySamples({ reports, ok, unreadable }: TrivyReports, images: readonly ImageFacts[] | undefined): { samples: Sample[]; unmatched: TrivyReport[] } {
  const newest = new Map<string, TrivyReport>();
  const unmatched: TrivyReport[] = [];
  for (const report of reports) {
    const id = reportImageId(report, images);
    if (id === undefined) {
      unmatched.push(report);
      continue;
    }
    const other = newest.get(id);
    if (!other || report.mtimeSeconds > other.mtimeSeconds) newest.set(id, report);
  }
  const samples: Sample[] = [];
  for (const [id, report] of newest) {
    for (const severity of TRIVY_SEVERITIES) samples.push(sample(METRICS.imageVulnerabilities, { id, severity }, report.counts[severity]));
    samples.push(sample(METRICS.trivyReportCreated, { id }, report.createdAtSeconds ?? report.mtimeSeconds));
  }
  samples.push(
    sample(METRICS.trivyReports, { status: 'ok' }, ok - unmatched.length),
    sample(METRICS.trivyReports, { status: 'unreadable' }, unreadable),
    sample(METRICS.trivyReports, { status: 'unmatched' }, unmatched.length),
  );
  return { samples, unmatched };
}

export function createImagesCollector({ facts, options, logger }: Pick<CollectorDeps, 'facts' | 'options' | 'logger'>): Collector {
  const trivy = options.trivyReportsDir ? new TrivyReportsDir(options.trivyReportsDir, logger) : undefined;
  const logUnmatched = new Set<string>();
  return {
    name: 'images',
    async collect(ctx) {
      // Both are read even when one fails: the reports do not depend on the engine.
      const [images, reports] = await Promise.allSettled([facts.images.get(ctx), trivy?.read()]);
      const known = images.status === 'fulfilled' ? images.value : undefined;
      if (known) imageSamples(known).forEach(ctx.emit);
      if (reports.status === 'fulfilled' && reports.value) {
        const { samples, unmatched } = trivySamples(reports.value, known);
        samples.forEach(ctx.emit);
        for (const r of unmatched) {
          if (logUnmatched.has(r.file)) continue;
          logUnmatched.add(r.file);
          ctx.logger.warn('a Trivy report names no image id and no image here has its artifact name; not counted', { file: r.file, artifact: r.artifact });
        }
      }
      if (images.status === 'rejected') throw images.reason;
      if (reports.status === 'rejected') throw reports.reason;
    },
  };
}
