// Collector options as the exporter builds them from flags, for unit tests: the defaults
// plus whatever flags a test passes, so tests never drift from the real option set.
import type { CollectorDeps } from '../../src/collectors/collector';
import { parseConfig, type Config } from '../../src/config';
import { collectorOptions } from '../../src/main';

export function testConfig(argv: readonly string[] = []): Config {
  const parsed = parseConfig(argv, {});
  if (parsed.kind !== 'config') throw new Error('expected a configuration');
  return parsed.config;
}

export function testOptions(argv: readonly string[] = [], overrides: Partial<CollectorDeps['options']> = {}): CollectorDeps['options'] {
  return { ...collectorOptions(testConfig(argv)), ...overrides };
}
