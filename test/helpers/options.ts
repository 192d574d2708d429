// Facts and collector options as the exporter builds them from flags, for unit tests: the
// defaults plus whatever flags a test passes, so tests never drift from the real option set.
import { parseConfig, type Config } from '../../src/cli/config';
import { collectorOptions, factsOptions } from '../../src/cli/main';
import type { CollectorOptions } from '../../src/collectors/collector';
import type { FactsOptions } from '../../src/facts';

export function testConfig(argv: readonly string[] = []): Config {
  const parsed = parseConfig(argv, {});
  if (parsed.kind !== 'config') throw new Error('expected a configuration');
  return parsed.config;
}

/** Both option sets in one object: what the facts read and what the collectors read. */
export type TestOptions = FactsOptions & CollectorOptions;

export function testOptions(argv: readonly string[] = [], overrides: Partial<FactsOptions> & Partial<CollectorOptions> = {}): TestOptions {
  const config = testConfig(argv);
  const facts = factsOptions(config);
  const collectors = collectorOptions(config);
  return { ...facts, ...collectors, audit: { ...facts.audit, ...collectors.audit }, ...overrides } as TestOptions;
}
