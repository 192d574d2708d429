import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DASHBOARDS, expandTemplateVariables, panelQueries, serialize, variableQueries } from '../../../dashboards/src';
import { eq, metricNames, sel } from '../../../dashboards/src/promql';
import { DASHBOARDS_DIR } from '../../../dashboards/src/write';
import { ALL_FAMILIES, LIVE_FAMILIES, METRICS } from '../../../src/metrics/catalog';

// What users import: the JSON text, not the SDK's objects (which carry non-serialised helpers).
const built = DASHBOARDS.map((d) => ({ file: d.file, json: JSON.parse(serialize(d.build())) as ReturnType<typeof d.build> }));
const queries = panelQueries(built.map((b) => b.json));

/** Series Prometheus adds to every scrape target by itself. */
const PROMETHEUS_SYNTHETIC = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'];

async function servedNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const defaults = await registry.getMetricsAsJSON();
  const names = new Set<string>([...ALL_FAMILIES, ...Object.values(LIVE_FAMILIES)].map((f) => f.name));
  for (const m of defaults) {
    names.add(m.name);
    // Histograms and summaries are queried through their series suffixes.
    if (String(m.type) === 'histogram' || String(m.type) === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

describe('bundled dashboards', () => {
  it('are committed exactly as the generator writes them (regenerate with `npm run dashboards`)', () => {
    for (const { file, json } of built) {
      const committed = fs.readFileSync(path.join(DASHBOARDS_DIR, file), 'utf8');
      expect({ file, text: committed }).toEqual({ file, text: serialize(json) });
    }
    const jsonFiles = fs.readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(jsonFiles).toEqual(built.map((b) => b.file).sort());
  });

  it('have stable, unique uids and titles, and unique panel ids', () => {
    expect(built.map((b) => b.json.uid)).toEqual([
      'docker-audit-overview',
      'docker-audit-containers',
      'docker-audit-daemon-images',
      'docker-audit-audit-log',
      'docker-audit-fleet',
      'docker-audit-host-hygiene',
    ]);
    expect(new Set(built.map((b) => b.json.title)).size).toBe(built.length);
    for (const { json } of built) {
      const ids = (json.panels ?? []).map((p) => p.id);
      expect(ids.every((id) => Number.isInteger(id) && (id ?? 0) > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('lay panels out inside the 24-column grid without overlaps', () => {
    for (const { file, json } of built) {
      const boxes = (json.panels ?? []).map((p) => ({ title: `${file}: ${p.title}`, ...p.gridPos! }));
      for (const b of boxes) expect({ title: b.title, fits: b.x >= 0 && b.w > 0 && b.x + b.w <= 24 && b.h > 0 }).toEqual({ title: b.title, fits: true });
      for (const [i, a] of boxes.entries()) {
        for (const b of boxes.slice(i + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect({ a: a.title, b: b.title, overlap }).toEqual({ a: a.title, b: b.title, overlap: false });
        }
      }
    }
  });

  it('have the datasource, multi-select instance and container variables', () => {
    for (const { json } of built) {
      const vars = json.templating.list ?? [];
      expect(vars.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
      expect(vars.find((v) => v.name === 'instance')).toMatchObject({ type: 'query', multi: true, includeAll: true, allValue: '.*' });
    }
    const containers = built.find((b) => b.json.uid === 'docker-audit-containers')!.json;
    expect(containers.templating.list?.find((v) => v.name === 'container')).toMatchObject({ multi: true, includeAll: true });
  });

  it('give every panel a title, a description, and the datasource variable', () => {
    for (const { json } of built) {
      for (const p of json.panels ?? []) {
        if (p.type === 'row') continue;
        expect({ title: p.title, hasDescription: Boolean('description' in p && p.description) }).toEqual({ title: expect.any(String), hasDescription: true });
        if ('datasource' in p) expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    }
  });

  it('scope every query to the selected instances', () => {
    const unscoped = queries.filter((q) => !q.expr.includes('instance=~"$instance"'));
    expect(unscoped).toEqual([]);
  });

  it('name only metrics the exporter serves (catalog, build_info, prom-client defaults) or Prometheus adds', async () => {
    const served = await servedNames();
    PROMETHEUS_SYNTHETIC.forEach((n) => served.add(n));
    const unknown = [
      ...queries.flatMap((q) => metricNames(q.expr).map((name) => `${q.dashboard} / ${q.panel}: ${name}`)),
      ...variableQueries(built.map((b) => b.json)).flatMap((q) => metricNames(q).map((name) => `variable: ${name}`)),
    ].filter((s) => !served.has(s.slice(s.lastIndexOf(' ') + 1)));
    expect(unknown).toEqual([]);
  });

  it('show every metric family the exporter serves on some panel', () => {
    const onPanels = new Set(queries.flatMap((q) => metricNames(q.expr)));
    const missing = [...ALL_FAMILIES, ...Object.values(LIVE_FAMILIES)].map((f) => f.name).filter((n) => !onPanels.has(n));
    expect(missing).toEqual([]);
  });

  it('use only the Grafana variables they define', () => {
    for (const q of queries) expect(() => expandTemplateVariables(q.expr)).not.toThrow();
  });
});

/**
 * The JSON schema export renders CUE's `_` (any value) as "an object". Two such fields hold
 * other values in Grafana's own dashboards: a field override's matcher options (`"options": "name"`
 * for byName) and each override property's value (arrays of links, strings of units). The SDK's
 * TypeScript types, generated from the same CUE, type both as `any`; so does this check.
 */
function anyMeansAny(schema: { definitions: Record<string, { properties: Record<string, unknown> }> }): void {
  for (const [def, prop] of [['MatcherConfig', 'options'], ['DynamicConfigValue', 'value']] as const) {
    expect(schema.definitions[def].properties[prop]).toMatchObject({ type: 'object', additionalProperties: {} });
    schema.definitions[def].properties[prop] = {};
  }
}

describe("Grafana's published JSON schemas (vendored from grafana-foundation-sdk v0.0.18)", () => {
  const schemaDir = path.join(__dirname, 'schema');
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  for (const f of fs.readdirSync(schemaDir).filter((n) => n.endsWith('.jsonschema.json'))) {
    const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8'));
    if (f === 'dashboard.jsonschema.json') anyMeansAny(schema);
    ajv.addSchema(schema, f.replace('.jsonschema.json', ''));
  }
  const validator = (ref: string): ValidateFunction => {
    const v = ajv.getSchema(ref);
    if (!v) throw new Error(`no schema ${ref}`);
    return v;
  };
  const errors = (v: ValidateFunction, data: unknown): unknown[] => (v(data) ? [] : (v.errors ?? []));

  it.each(built.map((b) => [b.file, b.json] as const))('%s is a valid dashboard', (_file, json) => {
    expect(errors(validator('dashboard'), json)).toEqual([]);
  });

  it.each(built.map((b) => [b.file, b.json] as const))('%s has valid panel options, field config and Prometheus queries', (_file, json) => {
    const problems: unknown[] = [];
    for (const p of json.panels ?? []) {
      if (p.type === 'row') continue;
      const panel = p as { type: string; title?: string; options?: unknown; fieldConfig?: { defaults?: { custom?: unknown } }; targets?: unknown[] };
      expect(['stat', 'timeseries', 'table', 'bargauge', 'text']).toContain(panel.type);
      problems.push(...errors(validator(`${panel.type}#/definitions/Options`), panel.options ?? {}).map((e) => ({ panel: panel.title, e })));
      const custom = panel.fieldConfig?.defaults?.custom;
      if (custom !== undefined && ajv.getSchema(`${panel.type}#/definitions/FieldConfig`)) {
        problems.push(...errors(validator(`${panel.type}#/definitions/FieldConfig`), custom).map((e) => ({ panel: panel.title, e })));
      }
      for (const t of panel.targets ?? []) problems.push(...errors(validator('prometheus'), t).map((e) => ({ panel: panel.title, e })));
    }
    expect(problems).toEqual([]);
  });

  it('rejects a dashboard the schema forbids, so the validation can fail', () => {
    const broken = { ...built[0].json, graphTooltip: 7, panels: [{ title: 'no type' }] };
    expect(errors(validator('dashboard'), broken).length).toBeGreaterThan(0);
  });
});

describe('sel', () => {
  it('builds an instance-scoped selector whose label matchers are typed against the family', () => {
    expect(sel(METRICS.images, { dangling: eq('true') })).toBe('docker_audit_images{instance=~"$instance", dangling="true"}');
    // @ts-expect-error docker_audit_images has no label "state": the dashboards would not compile.
    expect(sel(METRICS.images, { state: eq('running') })).toContain('state="running"');
  });
});

describe('metricNames', () => {
  it('finds the selected metrics, not functions, labels, keywords, strings or durations', () => {
    expect(
      metricNames(
        'sum by (instance, name) (rate(a_total{instance=~"$instance", x="b_c"}[$__rate_interval])) / on (instance) group_left (version) b_info ' +
          'or label_replace(c_gauge offset 5m, "dst", "$1", "src", "(.*)") > bool 1e3 unless topk(3, d)',
      ).sort(),
    ).toEqual(['a_total', 'b_info', 'c_gauge', 'd']);
    expect(metricNames('label_values(docker_audit_build_info{instance=~"$instance"}, instance)')).toEqual(['docker_audit_build_info']);
  });
});

describe('panelQueries / expandTemplateVariables', () => {
  it('lists every Prometheus target of every panel, with its dashboard and panel', () => {
    const targets = built.flatMap((b) => (b.json.panels ?? []).flatMap((p) => ('targets' in p && p.targets ? p.targets : [])));
    expect(queries).toHaveLength(targets.length);
    expect(queries[0]).toMatchObject({ dashboardUid: 'docker-audit-overview', refId: 'A', expr: expect.stringContaining('docker_audit_') });
  });

  it('replaces the variables as Grafana does with "All" selected, and refuses unknown ones', () => {
    expect(expandTemplateVariables('increase(x{instance=~"$instance", name=~"${container}"}[$__range])', { range: '1h' })).toBe(
      'increase(x{instance=~".*", name=~".*"}[1h])',
    );
    expect(() => expandTemplateVariables('x{y="$nope"}')).toThrow(/\$nope/);
  });
});
