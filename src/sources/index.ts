// The facts several collectors read, each read at most once per collection (see
// per-collection.ts). buildRunner creates one Sources for all collectors; a source that
// no enabled collector asks for is never read.
import type { CollectorDeps } from '../collectors/collector';
import type { DockerEngine } from '../docker/engine';
import type { Logger } from '../log';
import { readAuditRulesFacts, type AuditRulesFacts } from './audit-rules';
import { ContainerInventory, type ContainerFacts } from './containers';
import { readDaemonFacts, type DaemonFacts } from './daemon';
import { readImageFacts, type ImageFacts } from './images';
import { PerCollection } from './per-collection';

export interface Sources {
  readonly daemon: PerCollection<DaemonFacts>;
  readonly containers: PerCollection<ContainerFacts>;
  readonly images: PerCollection<ImageFacts[]>;
  readonly auditRules: PerCollection<AuditRulesFacts>;
  /** The container inventory behind `containers`: its cache and event watcher. */
  readonly containerInventory: ContainerInventory;
  /** Releases streams and connections. */
  close(): Promise<void>;
}

export function createSources(engine: DockerEngine, logger: Logger, options: CollectorDeps['options']): Sources {
  const containerInventory = new ContainerInventory(engine, logger, options);
  return {
    daemon: new PerCollection(({ signal }) => readDaemonFacts(engine, options, signal)),
    containers: new PerCollection(({ signal, now }) => containerInventory.read(signal, now())),
    images: new PerCollection(({ signal }) => readImageFacts(engine, options, signal)),
    auditRules: new PerCollection(({ signal }) => readAuditRulesFacts(options, signal)),
    containerInventory,
    close: () => containerInventory.close(),
  };
}
