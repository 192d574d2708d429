// The collector table: every collector the exporter has, in one place. Importing this
// file builds nothing; main() creates the enabled ones from their flags.
import type { CollectorDefinition } from './collector';
import { createContainersCollector } from './containers';
import { createEngineCollector } from './engine';

export const COLLECTORS: readonly CollectorDefinition[] = [
  {
    name: 'engine',
    description: 'Docker Engine reachability and version (docker_audit_engine_*)',
    enabledByDefault: true,
    create: createEngineCollector,
  },
  {
    name: 'containers',
    description: 'posture of every container, running or not (docker_audit_container_*, docker_audit_containers_*)',
    enabledByDefault: true,
    create: createContainersCollector,
  },
];

export const COLLECTOR_NAMES: readonly string[] = COLLECTORS.map((c) => c.name);
