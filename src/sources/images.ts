// Every image with its inspect and history, and whether a container uses it. Shared by the
// images and cis collectors. (Filled in by the images work; the types are the contract.)
import type { CollectorDeps } from '../collectors/collector';
import type { DockerEngine } from '../docker/engine';
import type { ImageHistoryEntry, ImageInspect, ImageSummary } from '../docker/types';

export interface ImageFacts {
  readonly summary: ImageSummary;
  /** Undefined when the image vanished between list and inspect. */
  readonly inspect: ImageInspect | undefined;
  /** The layers' creating commands, newest first; undefined when not read. */
  readonly history: readonly ImageHistoryEntry[] | undefined;
  /** The image's first tag, or "<none>" for a dangling image. */
  readonly name: string;
  readonly dangling: boolean;
  /** Whether any container (running or not) was created from it. */
  readonly inUse: boolean;
}

export async function readImageFacts(engine: DockerEngine, options: CollectorDeps['options'], signal: AbortSignal): Promise<ImageFacts[]> {
  void engine;
  void options;
  void signal;
  throw new Error('readImageFacts: not implemented yet');
}
