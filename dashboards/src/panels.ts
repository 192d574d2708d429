// Small, opinionated wrappers around the Grafana Foundation SDK's typed builders, so every
// dashboard uses the same datasource variable, query shape, colours and sizes.
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { LIVE_FAMILIES, METRICS } from '../../src/metrics/catalog';
import { sel } from './promql';

/** Every panel and variable queries the datasource picked in the `datasource` variable. */
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export const COLORS = { good: 'green', warn: 'orange', bad: 'red', neutral: 'blue' } as const;

export interface Query {
  expr: string;
  /** Legend template, e.g. `{{instance}} {{name}}`. */
  legend?: string;
  /** An instant query in table format (tables and stats of current state). */
  table?: boolean;
}

function targets(queries: readonly Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((q, i) => {
    const b = new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + i))
      .expr(q.expr)
      .legendFormat(q.legend ?? '__auto');
    return q.table ? b.instant().format(prometheus.PromQueryFormat.Table) : b.range();
  });
}

export const steps = (...s: Array<[number | null, string]>): dashboard.ThresholdsConfigBuilder =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(s.map(([value, color]) => ({ value, color })));

/** Thresholds for a count where any non-zero value is a finding. */
export const ZERO_IS_GOOD = (): dashboard.ThresholdsConfigBuilder => steps([null, COLORS.good], [1, COLORS.bad]);
/** Thresholds for a count where any non-zero value deserves a look, not an alarm. */
export const ZERO_IS_TIDY = (): dashboard.ThresholdsConfigBuilder => steps([null, COLORS.good], [1, COLORS.warn]);
/** Thresholds for a ratio where higher is better. */
export const RATIO_HIGHER_IS_BETTER = (): dashboard.ThresholdsConfigBuilder =>
  steps([null, COLORS.bad], [0.5, COLORS.warn], [0.8, COLORS.good]);
/** Thresholds for an age in seconds: stale after two minutes, alarming after ten. */
export const AGE_SECONDS = (): dashboard.ThresholdsConfigBuilder => steps([null, COLORS.good], [120, COLORS.warn], [600, COLORS.bad]);
export const NEUTRAL = (): dashboard.ThresholdsConfigBuilder => steps([null, COLORS.neutral]);

interface PanelOptions {
  description: string;
  unit?: string;
  width?: number;
  height?: number;
  thresholds?: dashboard.ThresholdsConfigBuilder;
  mappings?: dashboard.ValueMapping[];
}

/** A single big number, coloured by its thresholds (findings red, none green). */
export function statPanel(title: string, queries: readonly Query[], o: PanelOptions & { noValue?: string }): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(targets(queries))
    .unit(o.unit ?? 'short')
    .thresholds(o.thresholds ?? ZERO_IS_GOOD())
    .mappings(o.mappings ?? [])
    .noValue(o.noValue ?? '0')
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.Auto)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .span(o.width ?? 4)
    .height(o.height ?? 4);
}

/** Values over time, one line per series, with a table legend showing the last and max value. */
export function timeseriesPanel(title: string, queries: readonly Query[], o: PanelOptions & { stacked?: boolean }): timeseries.PanelBuilder {
  const b = new timeseries.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(targets(queries))
    .unit(o.unit ?? 'short')
    .thresholds(o.thresholds ?? NEUTRAL())
    .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.PaletteClassic))
    .fillOpacity(10)
    .lineWidth(1)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Right)
        .showLegend(true)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .span(o.width ?? 12)
    .height(o.height ?? 8);
  if (o.stacked) b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  return b;
}

/** Horizontal bars, largest first: "hot spots". */
export function barsPanel(title: string, queries: readonly Query[], o: PanelOptions): bargauge.PanelBuilder {
  return new bargauge.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(targets(queries))
    .unit(o.unit ?? 'short')
    .thresholds(o.thresholds ?? steps([null, COLORS.good], [1, COLORS.warn], [5, COLORS.bad]))
    .min(0)
    .noValue('none')
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .span(o.width ?? 12)
    .height(o.height ?? 8);
}

/**
 * A table of instant queries in table format. Several queries are merged into one row per
 * label set (Grafana's `merge` transformation), and `columns` names and orders the value
 * columns (`Value #A`, `Value #B`, ...) and the label columns to keep; the rest is hidden.
 */
export function tablePanel(
  title: string,
  queries: readonly Query[],
  o: PanelOptions & { labels: readonly string[]; values: readonly string[]; sortBy?: string },
): table.PanelBuilder {
  const valueField = (i: number) => (queries.length === 1 ? 'Value' : `Value #${String.fromCharCode(65 + i)}`);
  const renameByName: Record<string, string> = {};
  const indexByName: Record<string, number> = {};
  o.labels.forEach((l, i) => (indexByName[l] = i));
  o.values.forEach((title, i) => {
    renameByName[valueField(i)] = title;
    indexByName[valueField(i)] = o.labels.length + i;
  });
  const b = new table.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(targets(queries.map((q) => ({ ...q, table: true }))))
    .unit(o.unit ?? 'short')
    .thresholds(o.thresholds ?? NEUTRAL())
    .filterable(true)
    .cellHeight(common.TableCellHeight.Sm)
    .span(o.width ?? 24)
    .height(o.height ?? 8);
  if (queries.length > 1) b.withTransformation({ id: 'merge', options: {} });
  b.withTransformation({
    id: 'organize',
    options: {
      // Only the labels asked for survive: job, Time and the rest are noise in a table.
      // (An older Grafana without includeByName ignores it; excludeByName still hides the usual noise.)
      excludeByName: { Time: true, job: true, __name__: true },
      includeByName: Object.fromEntries(Object.keys(indexByName).map((k) => [k, true])),
      indexByName,
      renameByName,
    },
  });
  if (o.sortBy) b.sortBy([new common.TableSortByFieldStateBuilder().displayName(o.sortBy).desc(true)]);
  return b;
}

/** A value mapping that turns 0/1 flags into words with a colour. */
export function flagMapping(meaning: { 0: [string, string]; 1: [string, string] }): dashboard.ValueMapping[] {
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: {
        '0': { text: meaning[0][0], color: meaning[0][1], index: 0 },
        '1': { text: meaning[1][0], color: meaning[1][1], index: 1 },
      },
    },
  ];
}

/** Overrides that colour a table column's cells by their value mapping or thresholds. */
export function colouredColumn(
  mappings: dashboard.ValueMapping[],
  extra: dashboard.DynamicConfigValue[] = [],
): dashboard.DynamicConfigValue[] {
  return [
    { id: 'mappings', value: mappings },
    { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground, mode: common.TableCellBackgroundDisplayMode.Basic } },
    ...extra,
  ];
}

/** The dashboard variables every dashboard has: datasource, instance (multi, All) and optionally container. */
export function standardVariables(withContainer: boolean): Array<cog.Builder<dashboard.VariableModel>> {
  const vars: Array<cog.Builder<dashboard.VariableModel>> = [
    new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    new dashboard.QueryVariableBuilder('instance')
      .label('Instance')
      .description('Exporter instances (Docker hosts) to show')
      .datasource(DATASOURCE)
      // build_info is served by every running exporter, whatever its collectors do.
      .query(`label_values(${LIVE_FAMILIES.buildInfo.name}, instance)`)
      .definition(`label_values(${LIVE_FAMILIES.buildInfo.name}, instance)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.*')
      .current({ selected: true, text: ['All'], value: ['$__all'] }),
  ];
  if (withContainer) {
    const q = `label_values(${sel(METRICS.containerInfo)}, name)`;
    vars.push(
      new dashboard.QueryVariableBuilder('container')
        .label('Container')
        .description('Container names (without the leading /)')
        .datasource(DATASOURCE)
        .query(q)
        .definition(q)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*')
        .current({ selected: true, text: ['All'], value: ['$__all'] }),
    );
  }
  return vars;
}

/** Links between the four dashboards, keeping the time range and variables. */
export function dashboardLinks(): dashboard.DashboardLinkBuilder[] {
  return [
    new dashboard.DashboardLinkBuilder('Docker audit')
      .type(dashboard.DashboardLinkType.Dashboards)
      .tags(['docker-audit'])
      .asDropdown(true)
      .includeVars(true)
      .keepTime(true)
      .icon('external link')
      .tooltip('')
      .targetBlank(false),
  ];
}

/**
 * A dashboard with the settings every bundled dashboard shares: tags, a 6 h range refreshed
 * every minute, a shared crosshair, links to the others, and the datasource and instance
 * variables (plus container on the Containers dashboard).
 */
export function bundledDashboard(o: { title: string; uid: string; description: string; extraTags?: string[]; withContainer?: boolean }): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(o.title)
    .uid(o.uid)
    .description(o.description)
    .tags(['docker-audit', 'docker', 'security', ...(o.extraTags ?? [])])
    .editable()
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .links(dashboardLinks())
    .variables(standardVariables(o.withContainer ?? false));
}
