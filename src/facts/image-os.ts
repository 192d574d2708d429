// The operating system of every image, from the os-release file in it, read without running
// anything: GET /containers/{id}/archive?path=/etc/os-release on a container that already
// exists of that image (created, stopped and running ones all answer), and the tar stream
// parsed here. An image without a container is not read: creating a container to look would
// change the host this exporter audits. Read by the imageos collector (docs/imageos.md).
//
// An image id is the digest of its content, so what its os-release says never changes: each
// image is read once and the answer kept for as long as the image is listed (removed
// images are dropped, so the cache never holds more than the images that exist). A failed
// read is not kept: it is tried again next collection.
import { mapLimit } from '../base/concurrency';
import { MAX_OS_RELEASE_LINK_HOPS, OS_RELEASE_PATHS, parseOsRelease, resolveLinkTarget, type OsRelease, type OsReleaseStatus } from '../model/os-release';
import { parseTar } from '../model/tar';
import type { DockerEngine } from '../readers/engine';
import type { ContainerInspect } from '../readers/engine-types';
import type { ImageFacts } from './images';

export interface ImageOsFacts {
  /** The full image id, sha256:<64 hex>. */
  readonly imageId: string;
  /** As ImageFacts.shortId: the per-image series' id. */
  readonly shortId: string;
  readonly status: OsReleaseStatus;
  /** Set when status is read. */
  readonly os?: OsRelease;
  /** The path the os-release was read from, after links ("/usr/lib/os-release" on Debian); set when read. */
  readonly path?: string;
  /** Why the read failed; set when status is failed. */
  readonly error?: unknown;
}

/** What reading one container gave: a final answer, or "that container is gone, try another". */
type ContainerRead = { kind: 'read'; os: OsRelease; path: string } | { kind: 'not_found' } | { kind: 'container_gone' };

/** Containers of one image tried when each turns out removed since the list. */
const CONTAINERS_TRIED = 3;

/**
 * Reads the os-release of one container: /etc/os-release, following a symbolic link (resolved
 * from its folder, at most MAX_OS_RELEASE_LINK_HOPS of them, as the engine archives the
 * link itself), else /usr/lib/os-release. Throws when the engine fails or the archive is not
 * a tar this exporter reads.
 */
export async function readContainerOsRelease(engine: DockerEngine, containerId: string, signal?: AbortSignal): Promise<ContainerRead> {
  // Paths asked for already: a link to /usr/lib/os-release that is missing is not asked twice, and a loop ends.
  const seen = new Set<string>();
  for (const start of OS_RELEASE_PATHS) {
    let current: string = start;
    for (let hop = 0; hop <= MAX_OS_RELEASE_LINK_HOPS && !seen.has(current); hop++) {
      seen.add(current);
      const archive = await engine.containerArchive(containerId, current, signal);
      if (!archive.found) {
        if (archive.missing === 'container') return { kind: 'container_gone' };
        break; // this path is not there: the next start path
      }
      let entries;
      try {
        entries = parseTar(archive.tar);
      } catch (cause) {
        throw new Error(`the archive of ${current} from container ${containerId.slice(0, 12)} is not a readable tar`, { cause });
      }
      // The engine archives the one path asked for: its first entry is that path.
      const entry = entries[0];
      if (!entry) throw new Error(`the archive of ${current} from container ${containerId.slice(0, 12)} holds no entry`);
      if (entry.type === 'file') return { kind: 'read', os: parseOsRelease(new TextDecoder('utf-8').decode(entry.data)), path: current };
      if (entry.type !== 'symlink') break; // a folder or a device where a file should be: not an os-release
      current = resolveLinkTarget(current, entry.linkName);
    }
  }
  return { kind: 'not_found' };
}

/** The containers of each image, by full image id, in list order. */
export function containersByImage(containers: readonly ContainerInspect[]): Map<string, ContainerInspect[]> {
  const byImage = new Map<string, ContainerInspect[]>();
  for (const c of containers) {
    if (!c.Image || !c.Id) continue;
    const list = byImage.get(c.Image) ?? [];
    list.push(c);
    byImage.set(c.Image, list);
  }
  return byImage;
}

type Cached = { status: 'read'; os: OsRelease; path: string } | { status: 'not_found' };

export class ImageOsReader {
  private readonly cache = new Map<string, Cached>();
  /** Failed reads since start (docker_audit_image_os_release_read_failures_total). */
  failures = 0;
  /** Archive reads sent by the last read() (the rest came from the cache). */
  lastImagesRead = 0;

  constructor(
    private readonly engine: DockerEngine,
    private readonly options: { readonly concurrency: number },
  ) {}

  /** How many images' answers are kept: never more than the images listed by the last read. */
  get cached(): number {
    return this.cache.size;
  }

  /** The OS of each image that still exists (those removed since the list are left out). */
  async read(images: readonly ImageFacts[], containers: readonly ContainerInspect[], signal?: AbortSignal): Promise<ImageOsFacts[]> {
    const present = images.filter((i) => i.inspect);
    const listed = new Set(images.map((i) => i.id));
    for (const id of this.cache.keys()) if (!listed.has(id)) this.cache.delete(id);
    const byImage = containersByImage(containers);
    let sent = 0;
    const facts = await mapLimit(present, this.options.concurrency, async (image): Promise<ImageOsFacts> => {
      const base = { imageId: image.id, shortId: image.shortId };
      const cached = this.cache.get(image.id);
      if (cached) return { ...base, ...cached };
      const candidates = (byImage.get(image.id) ?? []).slice(0, CONTAINERS_TRIED);
      if (candidates.length === 0) return { ...base, status: 'no_container' };
      sent++;
      try {
        for (const c of candidates) {
          const result = await readContainerOsRelease(this.engine, c.Id!, signal);
          if (result.kind === 'container_gone') continue;
          const entry: Cached = result.kind === 'read' ? { status: 'read', os: result.os, path: result.path } : { status: 'not_found' };
          this.cache.set(image.id, entry);
          return { ...base, ...entry };
        }
        // Every container tried was removed since the list: as if there were none.
        return { ...base, status: 'no_container' };
      } catch (error) {
        this.failures++;
        return { ...base, status: 'failed', error };
      }
    });
    this.lastImagesRead = sent;
    return facts;
  }
}
