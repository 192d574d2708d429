// The bundled dashboards, and the queries their panels run. `npm run dashboards` writes each
// one to dashboards/<file>; test/unit/dashboards checks the files, the metric names and the schema.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { auditLogDashboard } from './auditlog';
import { containersDashboard } from './containers';
import { daemonImagesDashboard } from './daemon-images';
import { fleetDashboard } from './fleet';
import { hostHygieneDashboard } from './host-hygiene';
import { overviewDashboard } from './overview';

export interface BundledDashboard {
  /** File name under dashboards/. */
  file: string;
  build(): dashboard.Dashboard;
}

/**
 * Panel ids are numbered in layout order, so they stay stable as long as the layout does
 * (Grafana keys panel links and view state by them).
 */
function numbered(d: dashboard.Dashboard): dashboard.Dashboard {
  let id = 1;
  for (const p of d.panels ?? []) {
    p.id = id++;
    for (const nested of 'panels' in p ? p.panels : []) nested.id = id++;
  }
  return d;
}

export const DASHBOARDS: readonly BundledDashboard[] = [
  { file: 'overview.json', build: () => numbered(overviewDashboard().build()) },
  { file: 'containers.json', build: () => numbered(containersDashboard().build()) },
  { file: 'daemon-images-resources.json', build: () => numbered(daemonImagesDashboard().build()) },
  { file: 'audit-log.json', build: () => numbered(auditLogDashboard().build()) },
  { file: 'fleet.json', build: () => numbered(fleetDashboard().build()) },
  { file: 'host-hygiene.json', build: () => numbered(hostHygieneDashboard().build()) },
];

/** The exact bytes of a dashboard file. */
export const serialize = (d: dashboard.Dashboard): string => `${JSON.stringify(d, null, 2)}\n`;

export interface PanelQuery {
  dashboard: string;
  dashboardUid: string;
  panel: string;
  panelId: number;
  refId: string;
  /** The PromQL as Grafana sends it, with `$instance`, `$container`, `$__range` ... still in it. */
  expr: string;
}

/** Every PromQL expression of every panel of the given dashboards (all bundled ones by default). */
export function panelQueries(dashboards: readonly dashboard.Dashboard[] = DASHBOARDS.map((d) => d.build())): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const d of dashboards) {
    const panels = (d.panels ?? []).flatMap((p) => ('panels' in p ? [p, ...p.panels] : [p]));
    for (const p of panels) {
      if (!('targets' in p) || !p.targets) continue;
      for (const t of p.targets) {
        const expr = (t as { expr?: unknown }).expr;
        if (typeof expr !== 'string') continue;
        out.push({
          dashboard: d.title ?? '',
          dashboardUid: d.uid ?? '',
          panel: p.title ?? '',
          panelId: p.id ?? 0,
          refId: String((t as { refId?: unknown }).refId ?? ''),
          expr,
        });
      }
    }
  }
  return out;
}

/** The PromQL of the dashboards' template variables (label_values(...) queries). */
export function variableQueries(dashboards: readonly dashboard.Dashboard[] = DASHBOARDS.map((d) => d.build())): string[] {
  return dashboards.flatMap((d) =>
    (d.templating.list ?? []).filter((v) => v.type === 'query').map((v) => String(typeof v.query === 'string' ? v.query : v.definition)),
  );
}

export interface TemplateValues {
  /** Regex for `$instance`; default every instance. */
  instance?: string;
  /** Regex for `$container`; default every container. */
  container?: string;
  /** Duration for `$__range` (the dashboard's time range); default 5m. */
  range?: string;
  /** Duration for `$__rate_interval`; default 1m (four 15 s scrapes). */
  rateInterval?: string;
  /** Duration for `$__interval`; default 30s. */
  interval?: string;
}

/**
 * Replaces Grafana's variables in a panel's PromQL so Prometheus' HTTP API can run it as
 * Grafana would: `$instance` with "All" selected becomes the variable's allValue `.*`.
 */
export function expandTemplateVariables(expr: string, v: TemplateValues = {}): string {
  const values: Record<string, string> = {
    instance: v.instance ?? '.*',
    container: v.container ?? '.*',
    __range: v.range ?? '5m',
    __rate_interval: v.rateInterval ?? '1m',
    __interval: v.interval ?? '30s',
  };
  // `$1` is a label_replace capture group, not a variable: a Grafana variable's name cannot
  // start with a digit, and Grafana leaves such text alone.
  return expr.replace(/\$\{(\w+)\}|\$([A-Za-z_]\w*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    if (!(name in values)) throw new Error(`unknown Grafana variable ${whole} in: ${expr}`);
    return values[name];
  });
}
