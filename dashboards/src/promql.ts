// PromQL building blocks. Every metric name in a dashboard comes from a MetricFamily of the
// catalog (src/metrics/catalog.ts), and every label matcher is typed against that family's
// labels: renaming a family or one of its labels breaks the compilation of the dashboards.
import { METRICS, type MetricFamily } from '../../src/metrics/catalog';

/** A label matcher's right-hand side, operator included: `=~"$instance"`. */
export type Matcher = `${'=' | '!=' | '=~' | '!~'}"${string}"`;

export const re = (value: string): Matcher => `=~"${value}"`;
export const eq = (value: string): Matcher => `="${value}"`;

/** Every panel is scoped to the instances picked in the `instance` variable. */
const INSTANCE_MATCHER = 'instance=~"$instance"';

/**
 * A series selector for `f`, restricted to the selected instances: `sel(METRICS.x, { name: re('$container') })`
 * gives `docker_audit_x{instance=~"$instance", name=~"$container"}`.
 */
export function sel<L extends string>(f: MetricFamily<L>, matchers: Partial<Record<L, Matcher>> = {}): string {
  const extra = Object.entries(matchers).map(([label, m]) => `${label}${m as string}`);
  return `${f.name}{${[INSTANCE_MATCHER, ...extra].join(', ')}}`;
}

/** The container variable's matcher, for per-container families. */
export const CONTAINER = { name: re('$container') } as const;

/**
 * The labels that identify one container of one host: every per-container query keeps exactly
 * these. The state is not one of them: it changes while the container lives, so it is only on
 * docker_audit_container_state (join it with `withState`).
 */
export const CONTAINER_KEY = 'instance, name, id, image';

// Joins onto the series that carry what changes (state) or what is shared (image names, CIS
// titles). Each right-hand side has one series per match group, always 1, so `*` keeps the
// left-hand value and only adds the labels. Ids are unique per host only, hence every join is
// on instance as well.

/** Adds its current `state` to each series of a per-container expression (one per CONTAINER_KEY). */
export const withState = (expr: string): string => `(${expr}) * on (instance, id) group_left (state) ${sel(METRICS.containerState)}`;

/** Adds the image name (its first tag, "<none>" when dangling) to each series of a per-image (`id`) expression. */
export const withImageName = (expr: string): string => `(${expr}) * on (instance, id) group_left (image) ${sel(METRICS.imageInfo)}`;

/** Adds the check's title and section to each series of a per-check expression. */
export const withCheckTitle = (expr: string): string =>
  `(${expr}) * on (instance, check) group_left (title, section) ${sel(METRICS.cisCheckInfo)}`;

/**
 * Series that prom-client serves next to the catalog (its default process metrics) and
 * the one Prometheus itself adds to every target. Tests check these names against
 * prom-client's registry and Prometheus' documented synthetic series.
 */
export const PROCESS_METRICS = {
  residentMemory: 'process_resident_memory_bytes',
  cpuSeconds: 'process_cpu_seconds_total',
  eventLoopLag: 'nodejs_eventloop_lag_p99_seconds',
} as const;
export const PROMETHEUS_UP = 'up';

/** A Grafana-variable-free matcher for process and `up` series, which carry only target labels. */
export const onInstances = (name: string): string => `${name}{${INSTANCE_MATCHER}}`;

const NOT_METRICS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression (or a Grafana `label_values(selector, label)` query)
 * selects: identifiers outside strings, label matchers, ranges and grouping lists that are
 * neither a function call nor a keyword. Enough for the expressions of these dashboards,
 * which never use the `{__name__=...}` form.
 */
export function metricNames(expr: string): string[] {
  const labelValues = /^\s*label_values\(\s*(.*),\s*\w+\s*\)\s*$/s.exec(expr);
  if (labelValues) return metricNames(labelValues[1]);
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = stripped[m.index - 1] ?? ' ';
    if (/[0-9.$]/.test(before)) continue; // 1e3, 5m, $var
    const after = stripped.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(') || NOT_METRICS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}
