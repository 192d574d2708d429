// A DockerEngine that answers from JSON recorded from Engine 20.10, for unit tests of the
// collectors and the golden file. Integration tests use the real engine instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DockerEngine, EngineEvent } from '../../src/docker/engine';
import type { ContainerInspect, ContainerSummary, EngineInfo, ExecInspect, ImageHistoryEntry, ImageInspect, ImageSummary, NetworkSummary, SystemDf, VolumeList } from '../../src/docker/types';
import { ENGINE_FIXTURES, RECORDED_CONTAINERS, recordedInspect, recordedList } from './fixtures';

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
  async info() {
    this.check();
    return readJson<EngineInfo>('recorded-info.json');
  }
  async listContainers() {
    this.calls.list++;
    this.check();
    return this.list;
  }
  /** The open event stream's handlers, if one is open. */
  stream: { onEvent(event: EngineEvent): void; end(): void } | undefined;
  streamsOpened = 0;
  async streamContainerEvents(handlers: { onOpen(): void; onEvent(event: EngineEvent): void }, signal: AbortSignal) {
    this.check();
    this.streamsOpened++;
    await new Promise<void>((resolve) => {
      const end = () => {
        if (this.stream === stream) this.stream = undefined;
        resolve();
      };
      const stream = { onEvent: handlers.onEvent, end };
      this.stream = stream;
      signal.addEventListener('abort', end, { once: true });
      handlers.onOpen();
    });
  }
  async inspectContainer(id: string) {
    this.calls.inspect++;
    this.check();
    return this.inspects.get(id);
  }

  // Images, volumes, networks, disk usage and execs: the images/resources/events work
  // replaces these with answers recorded from Engine 20.10.
  async listImages(): Promise<ImageSummary[]> {
    this.check();
    return [];
  }
  async inspectImage(): Promise<ImageInspect | undefined> {
    this.check();
    return undefined;
  }
  async imageHistory(): Promise<ImageHistoryEntry[] | undefined> {
    this.check();
    return undefined;
  }
  async listVolumes(): Promise<VolumeList> {
    this.check();
    return { Volumes: [] };
  }
  async listNetworks(): Promise<NetworkSummary[]> {
    this.check();
    return [];
  }
  async systemDf(): Promise<SystemDf> {
    this.check();
    return {};
  }
  async inspectExec(): Promise<ExecInspect | undefined> {
    this.check();
    return undefined;
  }
  streamEvents(handlers: { onOpen(): void; onEvent(event: EngineEvent): void }, signal: AbortSignal): Promise<void> {
    return this.streamContainerEvents(handlers, signal);
  }
}
