// A DockerEngine that answers from JSON recorded from Engine 20.10, for unit tests of the
// collectors and the golden file. Integration tests use the real engine instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineHttpError, type ContainerArchive, type DockerEngine, type EngineEvent } from '../../src/readers/engine';
import type { ContainerInspect, ContainerSummary, ContainerTop, EngineInfo, EngineVersion, ExecInspect, ImageHistoryEntry, ImageInspect, ImageSummary, LibpodInfo, NetworkSummary, SystemDf, VolumeList } from '../../src/readers/engine-types';
import { ENGINE_FIXTURES, PODMAN_FIXTURES, RECORDED_CONTAINERS, RECORDED_IMAGES, recordedImageHistory, recordedImageInspect, recordedInspect, recordedList } from './fixtures';

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, file), 'utf8')) as T;

export class RecordedEngine implements DockerEngine {
  readonly endpoint = 'recorded://engine-20.10';
  list: ContainerSummary[] = recordedList();
  inspects = new Map<string, ContainerInspect>(RECORDED_CONTAINERS.map((n) => [recordedInspect(n).Id, recordedInspect(n)]));
  /** When set, every call rejects with it: an engine that is down. */
  failure: Error | undefined;
  calls = { ping: 0, list: 0, inspect: 0 };

  private check(): void {
    if (this.failure) throw this.failure;
  }
  async ping() {
    this.calls.ping++;
    this.check();
    return { apiVersion: '1.41', negotiatedVersion: '1.41' };
  }
  /** The /info and /version answers: dockerd 20.10's recorded ones; the Podman unit tests set test/fixtures/podman-4.3's. */
  infoAnswer: EngineInfo = readJson<EngineInfo>('recorded-info.json');
  versionAnswer: EngineVersion = readJson<EngineVersion>('recorded-version.json');
  async info() {
    this.check();
    return structuredClone(this.infoAnswer);
  }
  async version() {
    this.check();
    return structuredClone(this.versionAnswer);
  }
  /** Podman's /libpod/info; undefined answers 404, as dockerd does. */
  podmanInfoAnswer: LibpodInfo | undefined;
  async podmanInfo() {
    this.check();
    if (!this.podmanInfoAnswer) throw new EngineHttpError(404, '{"message":"page not found"}');
    return structuredClone(this.podmanInfoAnswer);
  }
  async listContainers() {
    this.calls.list++;
    this.check();
    return this.list;
  }
  /** The open event stream: push events into it, end it, or break it with an error. */
  stream: { onEvent(event: EngineEvent): void; end(): void; fail(err: Error): void } | undefined;
  streamsOpened = 0;
  /** The filters of the last subscription (undefined: every type). */
  streamFilters: Record<string, string[]> | undefined;
  /** When set, subscribing fails with it (the engine refuses /events) while other calls still answer. */
  streamFailure: Error | undefined;
  async streamEvents(handlers: { onOpen(): void; onEvent(event: EngineEvent): void }, signal: AbortSignal, filters?: Record<string, string[]>) {
    this.check();
    if (this.streamFailure) throw this.streamFailure;
    this.streamsOpened++;
    this.streamFilters = filters;
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        if (this.stream === stream) this.stream = undefined;
        if (err) reject(err);
        else resolve();
      };
      const stream = { onEvent: handlers.onEvent, end: () => settle(), fail: (err: Error) => settle(err) };
      this.stream = stream;
      signal.addEventListener('abort', () => settle(), { once: true });
      handlers.onOpen();
    });
  }
  async inspectContainer(id: string) {
    this.calls.inspect++;
    this.check();
    return this.inspects.get(id);
  }

  /**
   * Top answers by container id (recorded ones: test/fixtures/engine-20.10/recorded-top-*.json);
   * an id without one answers as a container stopped or removed meanwhile (404/409). None by
   * default: the recorded inspects have no recorded top.
   */
  tops = new Map<string, ContainerTop>();
  /** Ids whose top fails with this error, as the engine answering 500 for that one container would. */
  topFailures = new Map<string, Error>();
  /** The ids asked, in order. */
  topCalls: string[] = [];
  async containerTop(id: string): Promise<ContainerTop | undefined> {
    this.topCalls.push(id);
    this.check();
    const failure = this.topFailures.get(id);
    if (failure) throw failure;
    return this.tops.get(id);
  }

  // Images, volumes, networks and disk usage, recorded from Engine 20.10 by
  // scripts/record-image-fixtures.sh; tests may replace any of them.
  images: ImageSummary[] = readJson<ImageSummary[]>('recorded-images.json');
  imageInspects = new Map<string, ImageInspect>(RECORDED_IMAGES.map((n) => [recordedImageInspect(n).Id, recordedImageInspect(n)]));
  imageHistories = new Map<string, ImageHistoryEntry[]>(RECORDED_IMAGES.map((n) => [recordedImageInspect(n).Id, recordedImageHistory(n)]));
  volumes: VolumeList = readJson<VolumeList>('recorded-volumes.json');
  networks: NetworkSummary[] = readJson<NetworkSummary[]>('recorded-networks.json');
  df: SystemDf = readJson<SystemDf>('recorded-system-df.json');
  imageCalls = { list: 0, inspect: 0, history: 0, volumes: 0, networks: 0, df: 0 };

  async listImages(): Promise<ImageSummary[]> {
    this.imageCalls.list++;
    this.check();
    return this.images;
  }
  async inspectImage(id: string): Promise<ImageInspect | undefined> {
    this.imageCalls.inspect++;
    this.check();
    return this.imageInspects.get(id);
  }
  async imageHistory(id: string): Promise<ImageHistoryEntry[] | undefined> {
    this.imageCalls.history++;
    this.check();
    return this.imageHistories.get(id);
  }
  async listVolumes(): Promise<VolumeList> {
    this.imageCalls.volumes++;
    this.check();
    return this.volumes;
  }
  async listNetworks(): Promise<NetworkSummary[]> {
    this.imageCalls.networks++;
    this.check();
    return this.networks;
  }
  async systemDf(): Promise<SystemDf> {
    this.imageCalls.df++;
    this.check();
    return this.df;
  }
  /**
   * Tar streams by "containerId:path" (test/helpers/tar.ts builds them); a path of a listed
   * container not here is missing, and so is every path of a container not inspected.
   */
  archives = new Map<string, Buffer>();
  /** The "containerId:path" of every archive asked for, in order. */
  archiveCalls: string[] = [];
  async containerArchive(id: string, filePath: string): Promise<ContainerArchive> {
    this.archiveCalls.push(`${id}:${filePath}`);
    this.check();
    const tar = this.archives.get(`${id}:${filePath}`);
    if (tar) return { found: true, tar };
    return { found: false, missing: this.inspects.has(id) ? 'path' : 'container' };
  }
  /** Exec inspects by exec id (recorded ones: test/fixtures/engine-20.10/recorded-exec-*.json); absent ids answer "gone". */
  execInspects = new Map<string, ExecInspect>();
  execInspectCalls = 0;
  async inspectExec(id: string): Promise<ExecInspect | undefined> {
    this.execInspectCalls++;
    this.check();
    return this.execInspects.get(id);
  }
}

/** The recorded containers of test/fixtures/podman-4.3 (scripts/record-podman-fixtures.sh). */
export const PODMAN_RECORDED_CONTAINERS = ['default', 'cap-add', 'cap-drop-all'] as const;

const readPodmanJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(PODMAN_FIXTURES, file), 'utf8')) as T;

/**
 * The recorded engine answering as the real Podman 4.3.1 did: its /info, /version and
 * /libpod/info, and its three recorded containers (created, with the capabilities Podman's
 * compatible inspect states, podman #16610). No images: the image code is the same on both
 * engines, and its tests use dockerd's recordings.
 */
export function recordedPodmanEngine(): RecordedEngine {
  const engine = new RecordedEngine();
  engine.infoAnswer = readPodmanJson<EngineInfo>('recorded-info.json');
  engine.versionAnswer = readPodmanJson<EngineVersion>('recorded-version.json');
  engine.podmanInfoAnswer = readPodmanJson<LibpodInfo>('recorded-libpod-info.json');
  engine.list = readPodmanJson<ContainerSummary[]>('recorded-containers-list.json');
  engine.inspects = new Map(PODMAN_RECORDED_CONTAINERS.map((name) => readPodmanJson<ContainerInspect>(`recorded-${name}.inspect.json`)).map((i) => [i.Id, i]));
  engine.images = [];
  engine.imageInspects = new Map();
  engine.imageHistories = new Map();
  return engine;
}

/** The containers.conf fixtures (test/fixtures/podman-4.3/containers-conf), as --podman.config-paths takes them. */
export const PODMAN_CONFIG_PATHS_FLAG = `--podman.config-paths=${['usr-share-containers.conf', 'etc-containers.conf', 'containers.conf.d'].map((f) => path.join(PODMAN_FIXTURES, 'containers-conf', f)).join(',')}`;
