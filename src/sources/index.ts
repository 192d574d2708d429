// The facts several collectors read, each read at most once per collection (see
// per-collection.ts). buildRunner creates one Sources for all collectors; a source that
// no enabled collector asks for is never read.
import type { CollectorDeps } from '../collectors/collector';
import type { DockerEngine } from '../docker/engine';
import type { Logger } from '../log';
import { readAuditRulesFacts, type AuditRulesFacts } from './audit-rules';
import { ContainerInventory, type ContainerFacts } from './containers';
import { DaemonFactsReader, type DaemonFacts } from './daemon';
import { EngineEventStream } from './events';
import { ExecAudit } from './execs';
import { ImageInventory, type ImageFacts } from './images';
import { PerCollection } from './per-collection';

export interface Sources {
  readonly daemon: PerCollection<DaemonFacts>;
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

export function createSources(engine: DockerEngine, logger: Logger, options: CollectorDeps['options']): Sources {
  const events = options.once ? undefined : new EngineEventStream(engine, logger);
  const containerInventory = new ContainerInventory(engine, logger, options, events);
  const containers = new PerCollection<ContainerFacts>(({ signal, now }) => containerInventory.read(signal, now()));
  const execs = events && new ExecAudit(engine, events, logger, (ref) => containers.get(ref));
  const imageInventory = new ImageInventory(engine, options);
  const daemonReader = new DaemonFactsReader(engine, options);
  return {
    daemon: new PerCollection(({ signal, now }) => daemonReader.read(signal, now())),
    containers,
    // Whether an image is in use comes from this collection's container facts.
    images: new PerCollection((ref) => imageInventory.read(ref.signal, () => containers.get(ref))),
    auditRules: new PerCollection(({ signal }) => readAuditRulesFacts(options, signal)),
    containerInventory,
    events,
    execs,
    close: async () => {
      await Promise.all([containerInventory.close(), execs?.close()]);
      await events?.close();
    },
  };
}
