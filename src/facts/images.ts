// Every image with its inspect and history, and whether a container uses it. Shared by the
// images and cis collectors.
//
// An image id is the digest of its configuration, so an image's inspect and history never
// change; only its tags and digests do, and the list shows those. Inspects and histories
// are therefore cached by id for as long as the image is listed: a steady collection costs
// one GET /images/json, and the container facts this collection already read.
import { mapLimit } from '../base/concurrency';
import { healthcheckConfigured, shortImageId, userIsRoot } from '../model/posture';
import type { DockerEngine } from '../readers/engine';
import type { ContainerInspect, ImageHistoryEntry, ImageInspect, ImageSummary } from '../readers/engine-types';
import type { ContainerFacts } from './containers';
import type { FactsOptions } from './options';

export interface ImageFacts {
  readonly summary: ImageSummary;
  /** Undefined when the image vanished between list and inspect. Its RepoTags and RepoDigests are the list's, current. */
  readonly inspect: ImageInspect | undefined;
  /** The layers' creating commands, newest first; undefined when not read. */
  readonly history: readonly ImageHistoryEntry[] | undefined;
  /** The image's first tag, or "<none>" for a dangling image. */
  readonly name: string;
  readonly dangling: boolean;
  /** Whether any container (running or not) was created from it. */
  readonly inUse: boolean;
  /** The full id, sha256:<64 hex>. */
  readonly id: string;
  /** The 12 hex characters after sha256:, as `docker images` shows (and docker_audit_container_info's image_id). */
  readonly shortId: string;
  /** Its tags, without Docker's "<none>:<none>" placeholder. */
  readonly tags: readonly string[];
  /** Its registry digests (repo@sha256:...), without the "<none>@<none>" placeholder. */
  readonly repoDigests: readonly string[];
  /** Whether the image's default user is root; undefined when the image vanished. */
  readonly runsAsRoot: boolean | undefined;
  /** Whether the image defines a HEALTHCHECK other than NONE; undefined when the image vanished. */
  readonly healthcheckDefined: boolean | undefined;
}

/** Tags and digests without the placeholders the list shows for a dangling image. */
export function realTags(tags: readonly string[] | null | undefined): string[] {
  return (tags ?? []).filter((t) => t !== '<none>:<none>');
}
export function realDigests(digests: readonly string[] | null | undefined): string[] {
  return (digests ?? []).filter((d) => d !== '<none>@<none>');
}

/** The image's default user is root: USER empty, 0, root, 0:* or root:*. The container rule, applied to the image's Config. */
export function imageRunsAsRoot(inspect: ImageInspect): boolean {
  return userIsRoot(inspect.Config?.User);
}

export function imageHealthcheckDefined(inspect: ImageInspect): boolean {
  return healthcheckConfigured(inspect.Config?.Healthcheck?.Test);
}

/** The ids of the images containers were created from (ContainerInspect.Image is the image id). */
export function imageIdsInUse(containers: readonly ContainerInspect[]): Set<string> {
  return new Set(containers.map((c) => c.Image).filter((id): id is string => !!id));
}

/** The facts of one image, from its list entry, its (cached) inspect and history, and the ids in use. Pure. */
export function imageFacts(
  summary: ImageSummary,
  details: { inspect: ImageInspect | undefined; history: readonly ImageHistoryEntry[] | undefined },
  inUse: ReadonlySet<string>,
): ImageFacts {
  const tags = realTags(summary.RepoTags);
  const repoDigests = realDigests(summary.RepoDigests);
  // The inspect was cached when the image was first seen; the list's tags are today's.
  const inspect = details.inspect && { ...details.inspect, RepoTags: tags, RepoDigests: repoDigests };
  return {
    summary,
    inspect,
    history: details.history,
    // As the daemon's dangling=true filter: no tag, whether or not it has digests.
    name: tags[0] ?? '<none>',
    dangling: tags.length === 0,
    inUse: inUse.has(summary.Id),
    id: summary.Id,
    shortId: shortImageId(summary.Id),
    tags,
    repoDigests,
    runsAsRoot: inspect && imageRunsAsRoot(inspect),
    healthcheckDefined: inspect && imageHealthcheckDefined(inspect),
  };
}

interface Details {
  inspect: ImageInspect;
  history: ImageHistoryEntry[] | undefined;
}

/** Lists the images each collection; inspects and reads the history of new ones only. */
export class ImageInventory {
  private readonly cache = new Map<string, Details>();
  /** Inspects and history reads sent by the last read (the rest came from the cache). */
  lastFetched = 0;

  constructor(
    private readonly engine: DockerEngine,
    private readonly options: Pick<FactsOptions, 'inspectConcurrency'>,
  ) {}

  async read(signal: AbortSignal, containers: () => Promise<ContainerFacts>): Promise<ImageFacts[]> {
    const [list, facts] = await Promise.all([this.engine.listImages(signal), containers()]);
    const listed = new Set(list.map((i) => i.Id));
    for (const id of this.cache.keys()) if (!listed.has(id)) this.cache.delete(id);
    let fetched = 0;
    const details = await mapLimit(list, this.options.inspectConcurrency, async (summary) => {
      const cached = this.cache.get(summary.Id);
      if (cached) return cached;
      fetched++;
      const inspect = await this.engine.inspectImage(summary.Id, signal);
      if (!inspect) return { inspect: undefined, history: undefined }; // removed since the list
      const history = await this.engine.imageHistory(summary.Id, signal);
      const entry: Details = { inspect, history };
      if (history) this.cache.set(summary.Id, entry);
      return entry;
    });
    this.lastFetched = fetched;
    const inUse = imageIdsInUse(facts.inspects);
    return list.map((summary, i) => imageFacts(summary, details[i], inUse));
  }
}
