import { Counter, Gauge, Registry } from 'prom-client';
import { ALL_FAMILIES, CACHED_HELP_SUFFIX, type MetricFamily } from './catalog';
import type { Sample } from './sample';

const catalogOrder = new Map(ALL_FAMILIES.map((f, i) => [f.name, i]));

function labelKey(labels: Readonly<Record<string, string>>, names: readonly string[]): string {
  return names.map((n) => labels[n] ?? '').join('\u0000');
}

/**
 * Renders samples as Prometheus text exposition, once per collection, so a scrape only
 * copies a string. prom-client does the formatting and escaping; this function only
 * gives it a fresh registry and a deterministic order (families in catalog order,
 * series sorted by label values), which keeps the golden file stable.
 */
export async function renderSamples(samples: readonly Sample[]): Promise<string> {
  const byFamily = new Map<MetricFamily, Sample[]>();
  for (const s of samples) {
    const list = byFamily.get(s.family);
    if (list) list.push(s);
    else byFamily.set(s.family, [s]);
  }
  const ordered = [...byFamily.keys()].sort(
    (a, b) => (catalogOrder.get(a.name) ?? Infinity) - (catalogOrder.get(b.name) ?? Infinity) || a.name.localeCompare(b.name),
  );
  const registry = new Registry();
  for (const family of ordered) {
    const config = {
      name: family.name,
      help: family.help + CACHED_HELP_SUFFIX,
      labelNames: family.labels as string[],
      registers: [registry],
    };
    const keyed = byFamily.get(family)!.map((s) => ({ s, key: labelKey(s.labels, family.labels) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (family.type === 'counter') {
      const counter = new Counter(config);
      for (const { s } of keyed) counter.inc(s.labels, s.value);
    } else {
      const gauge = new Gauge(config);
      for (const { s } of keyed) gauge.set(s.labels, s.value);
    }
  }
  return registry.metrics();
}
