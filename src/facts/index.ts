// The facts several collectors read, each read at most once per collection (see
// per-collection.ts). The CLI creates one Facts for all collectors; a fact that no enabled
// collector asks for is never read.
import type { Logger } from '../base/log';
import type { DockerEngine } from '../readers/engine';
import { auditRulesEvery, type AuditRulesFacts } from './audit-rules';
import { ContainerInventory, type ContainerFacts } from './containers';
import { DaemonSettingsReader, readDaemonFacts, type DaemonFacts, type DaemonSettingsFacts } from './daemon';
import { EngineFacts } from './engine';
import { readEngineCapabilities, readEngineDefaults, type EngineDefaults } from './engine-defaults';
import { EngineEventStream } from './events';
import { ExecAudit } from './execs';
import { ImageInventory, type ImageFacts } from './images';
import type { FactsOptions } from './options';
import { PerCollection } from './per-collection';
import { readPodmanFacts, type PodmanFacts } from './podman';

export type { FactsOptions, AuditedPath } from './options';
export type { CollectionRef } from './per-collection';

export interface Facts {
  /** The collection's one ping, and the one /info cache. */
  readonly engine: EngineFacts;
  /** dockerd's effective settings: /info, daemon.json, its command line. */
  readonly daemonSettings: PerCollection<DaemonSettingsFacts>;
  /** The settings, plus the CIS section 3 files and the TCP probes. */
  readonly daemon: PerCollection<DaemonFacts>;
  /** Podman's defaults, containers.conf and API socket; read only when the engine is Podman. */
  readonly podman: PerCollection<PodmanFacts>;
  /** What the engine, dockerd or Podman, gives every container by default. */
  readonly engineDefaults: PerCollection<EngineDefaults>;
  readonly containers: PerCollection<ContainerFacts>;
  readonly images: PerCollection<ImageFacts[]>;
  readonly auditRules: PerCollection<AuditRulesFacts>;
  /** The container inventory behind `containers`: its cache and event watcher. */
  readonly containerInventory: ContainerInventory;
  /** The one subscription to the engine's event stream, started by the first consumer; undefined in --once mode. */
  readonly events?: EngineEventStream;
  /** Execs counted from that stream, per container (cis 5.23/5.24); undefined in --once mode. */
  readonly execs?: ExecAudit;
  /** Releases streams and connections. */
  close(): Promise<void>;
}

export function createFacts(engine: DockerEngine, logger: Logger, options: FactsOptions): Facts {
  const engineFacts = new EngineFacts(engine, options.engineInfoMaxAgeMs);
  const events = options.once ? undefined : new EngineEventStream(engine, logger);
  const settingsReader = new DaemonSettingsReader(engineFacts, engine.endpoint, options);
  const daemonSettings = new PerCollection((ref) => settingsReader.read(ref));
  const podman = new PerCollection((ref) => readPodmanFacts(engineFacts, engine.endpoint, { configPaths: options.podman.configPaths, rootPath: options.host.rootPath }, ref));
  const engineDefaults = new PerCollection((ref) => readEngineDefaults(engineFacts, { daemonSettings, podman }, ref));
  const containerInventory = new ContainerInventory(engine, engineFacts, options, options.watchEvents ? events : undefined, (ref) => readEngineCapabilities(engineFacts, { podman }, ref));
  const containers = new PerCollection<ContainerFacts>((ref) => containerInventory.read(ref));
  const execs = events && new ExecAudit(engine, events, logger, (ref) => containers.get(ref));
  const imageInventory = new ImageInventory(engine, options);
  return {
    engine: engineFacts,
    daemonSettings,
    podman,
    engineDefaults,
    daemon: new PerCollection(async (ref) => readDaemonFacts(await daemonSettings.get(ref), options, ref.signal)),
    containers,
    // Whether an image is in use comes from this collection's container facts.
    images: new PerCollection((ref) => imageInventory.read(ref.signal, () => containers.get(ref))),
    auditRules: new PerCollection(auditRulesEvery(options)),
    containerInventory,
    events,
    execs,
    close: async () => {
      await Promise.all([containerInventory.close(), execs?.close()]);
      await events?.close();
    },
  };
}
