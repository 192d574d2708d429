// The synthetic host the benchmarks collect over without a Docker Engine: the 11 containers
// recorded from Engine 20.10 (test/fixtures/engine-20.10) cloned N times with their own ids
// and names, behind the recorded engine (images, volumes, networks, /info, /system/df), and
// one real collection over it (every collector that reads the engine; the audit ones are off,
// they read host files), rendered as the scheduler renders it.
//
// By default every clone keeps its recording's posture (bench:scrape). With `findingsFraction`
// only that share of the clones does (spread evenly over the N); the others are hardened so
// that they have no finding (src/model/posture.ts, containerFindings) and fail no CIS
// container check: a non-root user, memory, CPU and PIDs limits, a read-only root filesystem,
// no-new-privileges, a healthcheck, default seccomp and AppArmor, no capability, host
// namespace, device or bind mount, ports (if any) on 127.0.0.1 above 1023, a user-defined
// network and a bounded restart policy. Their state is the recording's.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../src/base/log';
import { buildRunner } from '../src/cli/main';
import { EngineHttpError, type DockerEngine } from '../src/readers/engine';
import type { ContainerInspect, ContainerSummary, ContainerTop, EngineInfo, EngineVersion, ImageHistoryEntry, ImageInspect, ImageSummary, NetworkSummary, SystemDf, VolumeList } from '../src/readers/engine-types';
import { buildSnapshot, type Snapshot } from '../src/server/scheduler';
import { RECORDED_CONTAINERS, RECORDED_IMAGES } from '../test/helpers/fixtures';
import { testConfig } from '../test/helpers/options';

// From the source tree, wherever this runs from (dist/bench has no copy of the JSON fixtures).
const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'engine-20.10');
const fixture = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as T;

export interface SyntheticHostOptions {
  /** Share of the clones that keep their recording's findings, from 0 to 1; undefined: every clone does. */
  readonly findingsFraction?: number;
}

/** Whether clone `i` of `n` keeps its findings: round(n * fraction) of them, spread evenly. */
export function keepsFindings(i: number, fraction: number): boolean {
  return Math.floor((i + 1) * fraction) > Math.floor(i * fraction);
}

/** A recorded inspect made clean (see the header). Returns a copy. */
export function hardenInspect(recorded: ContainerInspect): ContainerInspect {
  const c = structuredClone(recorded);
  const hc = (c.HostConfig ??= {});
  const config = (c.Config ??= {});
  config.User = '1000:1000';
  config.Healthcheck = { Test: ['CMD-SHELL', 'true'] };
  Object.assign(hc, {
    Privileged: false,
    Memory: 64 * 1024 * 1024,
    NanoCpus: 500_000_000,
    CpuQuota: 0,
    PidsLimit: 100,
    ReadonlyRootfs: true,
    SecurityOpt: ['no-new-privileges'],
    CapAdd: null,
    Devices: [],
    CgroupParent: '',
    NetworkMode: 'fixture-rec-img-used',
    PidMode: '',
    IpcMode: 'private',
    UTSMode: '',
    UsernsMode: '',
    PublishAllPorts: false,
    RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    PortBindings: Object.fromEntries(Object.entries(hc.PortBindings ?? {}).map(([port, list]) => [port, (list ?? []).map((_, j) => ({ HostIp: '127.0.0.1', HostPort: String(20_000 + j + Number(port.split('/')[0])) }))])),
  });
  if (c.AppArmorProfile === 'unconfined') c.AppArmorProfile = '';
  c.Mounts = (c.Mounts ?? []).filter((m) => m.Type !== 'bind').map((m) => ({ ...m, Propagation: '' }));
  return c;
}

/** The engine recorded from 20.10, with `n` containers cloned from the recorded ones. */
export function syntheticEngine(n: number, options: SyntheticHostOptions = {}): DockerEngine {
  const recordedList = fixture<ContainerSummary[]>('recorded-containers-list.json');
  const templates = RECORDED_CONTAINERS.map((name) => {
    const inspect = fixture<ContainerInspect>(`recorded-${name}.inspect.json`);
    return { inspect, hardened: hardenInspect(inspect), summary: recordedList.find((s) => s.Id === inspect.Id)! };
  });
  const list: ContainerSummary[] = [];
  const inspects = new Map<string, ContainerInspect>();
  for (let i = 0; i < n; i++) {
    const t = templates[i % templates.length];
    const keep = options.findingsFraction === undefined || keepsFindings(i, options.findingsFraction);
    const id = createHash('sha256').update(`bench-${i}`).digest('hex');
    const name = `bench-${(t.inspect.Name ?? 'c').replace(/^\//, '')}-${i}`;
    list.push({ ...t.summary, Id: id, Names: [`/${name}`] });
    inspects.set(id, { ...(keep ? t.inspect : t.hardened), Id: id, Name: `/${name}` });
  }
  const images = RECORDED_IMAGES.map((name) => ({ inspect: fixture<ImageInspect>(`recorded-image-inspect-${name}.json`), history: fixture<ImageHistoryEntry[]>(`recorded-image-history-${name}.json`) }));
  return {
    endpoint: 'synthetic://engine-20.10',
    ping: async () => ({ apiVersion: '1.41', negotiatedVersion: '1.41' }),
    info: async () => fixture<EngineInfo>('recorded-info.json'),
    version: async () => fixture<EngineVersion>('recorded-version.json'),
    podmanInfo: async () => {
      throw new EngineHttpError(404, 'page not found'); // dockerd's answer
    },
    listContainers: async () => list,
    inspectContainer: async (id) => inspects.get(id),
    // Every running container answers as the recorded `sleep` container (3 processes); the others as stopped (409).
    containerTop: async (id) => (inspects.get(id)?.State?.Status === 'running' ? fixture<ContainerTop>('recorded-top-sleeps.json') : undefined),
    listImages: async () => fixture<ImageSummary[]>('recorded-images.json'),
    inspectImage: async (id) => images.find((i) => i.inspect.Id === id)?.inspect,
    imageHistory: async (id) => images.find((i) => i.inspect.Id === id)?.history,
    listVolumes: async () => fixture<VolumeList>('recorded-volumes.json'),
    listNetworks: async () => fixture<NetworkSummary[]>('recorded-networks.json'),
    systemDf: async () => fixture<SystemDf>('recorded-system-df.json'),
    inspectExec: async () => undefined,
    // The recorded host's files are not recorded: every image reads as having no os-release.
    containerArchive: async (id) => ({ found: false, missing: inspects.has(id) ? 'path' : 'container' }),
    // A quiet stream that ends when the collection is over.
    streamEvents: async (handlers, signal) => {
      handlers.onOpen();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  };
}

/** One real collection over the synthetic host, rendered as the scheduler renders it; `args` are more exporter flags. */
export async function syntheticSnapshot(n: number, options: SyntheticHostOptions = {}, args: readonly string[] = []): Promise<Snapshot> {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-bench-host-'));
  const config = testConfig([
    '--no-collector.auditlog',
    '--no-collector.auditrules',
    // The host collector reads the kernel's files, which the empty host tree below has none of.
    '--no-collector.host',
    '--collector.containers.watch-events=false',
    `--host.root-path=${empty}`,
    `--host.proc-path=${path.join(empty, 'proc')}`,
    `--daemon.config-path=${path.join(empty, 'daemon.json')}`,
    '--daemon.probe-address=',
    ...args,
  ]);
  const runner = buildRunner(config, syntheticEngine(n, options), silentLogger);
  try {
    const result = await runner.run(new AbortController().signal);
    const failed = result.statuses.filter((s) => !s.success);
    if (failed.length) throw new Error(`the synthetic collection failed: ${failed.map((s) => `${s.name}: ${s.error}`).join('; ')}`);
    return buildSnapshot(result, 0, 15_000);
  } finally {
    await runner.close();
    fs.rmSync(empty, { recursive: true, force: true });
  }
}
