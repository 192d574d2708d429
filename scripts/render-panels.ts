// `npm run render:panels -- --prometheus http://127.0.0.1:9090 [--out docs/images] [--range 30m] [--dashboards UID,UID]`
//
// Draws the bundled dashboards from real Prometheus query results, without Grafana (which
// cannot be installed here): every panel's PromQL runs against Prometheus' HTTP API exactly
// as the dashboard JSON states it (query_range for time series, instant queries for the rest,
// with "All" for every variable), then headless Chromium lays the panels out on the
// dashboard's own grid and takes one PNG per dashboard, plus docs/images/main-panels.png.
// Time series are drawn with uPlot (inlined from node_modules); stats, bars and tables are
// plain HTML coloured by the panels' own thresholds and value mappings.
//
// Needs Debian's chromium (`apt-get install -y chromium`); not part of the tests or CI.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARDS, expandTemplateVariables } from '../dashboards/src';
import { DASHBOARDS_DIR } from '../dashboards/src/write';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The panels of main-panels.png: [dashboard uid, panel title]. */
const MAIN_PANELS: ReadonlyArray<readonly [string, string]> = [
  ['docker-audit-overview', 'Posture score'],
  ['docker-audit-overview', 'Privileged containers'],
  ['docker-audit-overview', 'Root containers'],
  ['docker-audit-overview', 'No memory limit'],
  ['docker-audit-overview', 'No CPU limit'],
  ['docker-audit-overview', 'Docker socket mounted'],
  ['docker-audit-overview', 'Restart hot spots'],
  ['docker-audit-overview', 'Audit event rate by key'],
  ['docker-audit-containers', 'Container posture'],
  ['docker-audit-audit-log', 'docker exec'],
  ['docker-audit-daemon-images', 'Image inventory'],
];

interface Args {
  prometheus: string;
  out: string;
  rangeSeconds: number;
  /** Regex for the `container` variable; every container by default. */
  container: string;
  /** The uids to draw (--dashboards); every bundled dashboard, and main-panels.png, by default. */
  dashboards: string[] | undefined;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
  };
  const prometheus = get('prometheus');
  if (!prometheus) throw new Error('usage: render-panels --prometheus http://HOST:PORT [--out DIR] [--range 30m] [--container REGEX] [--dashboards UID,UID]');
  const dashboards = get('dashboards')?.split(',').filter(Boolean);
  const unknown = (dashboards ?? []).filter((uid) => !DASHBOARDS.some((d) => d.build().uid === uid));
  if (unknown.length > 0) throw new Error(`--dashboards: no bundled dashboard with uid ${unknown.join(', ')}`);
  const range = get('range') ?? '30m';
  const m = /^(\d+)([smh])$/.exec(range);
  if (!m) throw new Error(`--range must look like 30m, 2h or 900s, not ${range}`);
  const rangeSeconds = Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
  return {
    prometheus: prometheus.replace(/\/$/, ''),
    out: get('out') ?? path.join(process.cwd(), 'docs', 'images'),
    rangeSeconds,
    container: get('container') ?? '.*',
    dashboards,
  };
}

interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

async function query(base: string, expr: string, range?: { start: number; end: number; step: number }): Promise<PromSeries[]> {
  const params = new URLSearchParams({ query: expr });
  let url = `${base}/api/v1/query`;
  if (range) {
    url = `${base}/api/v1/query_range`;
    params.set('start', String(range.start));
    params.set('end', String(range.end));
    params.set('step', String(range.step));
  } else {
    params.set('time', String(Date.now() / 1000));
  }
  const res = await fetch(`${url}?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error}`);
  return body.data?.result ?? [];
}

/** What the page needs to draw one panel: its JSON and the results of its queries by refId. */
interface PanelData {
  panel: Record<string, unknown>;
  results: Record<string, PromSeries[]>;
}

export interface RenderedDashboard {
  title: string;
  uid: string;
  panels: PanelData[];
}

async function fetchDashboard(d: dashboard.Dashboard, a: Args): Promise<RenderedDashboard> {
  const end = Math.floor(Date.now() / 1000);
  const start = end - a.rangeSeconds;
  const step = Math.max(5, Math.floor(a.rangeSeconds / 240));
  const vars = { range: `${a.rangeSeconds}s`, rateInterval: '1m', interval: `${step}s`, container: a.container };
  const panels: PanelData[] = [];
  for (const p of (d.panels ?? []) as unknown as Array<Record<string, unknown>>) {
    const results: Record<string, PromSeries[]> = {};
    for (const t of (p.targets as Array<{ refId: string; expr: string; instant?: boolean }> | undefined) ?? []) {
      const expr = expandTemplateVariables(t.expr, vars);
      results[t.refId] = await query(a.prometheus, expr, p.type === 'timeseries' ? { start, end, step } : undefined);
    }
    panels.push({ panel: p, results });
  }
  return { title: d.title ?? '', uid: d.uid ?? '', panels };
}

function page(): string {
  const uplotDir = path.dirname(require.resolve('uplot/package.json'));
  const js = fs.readFileSync(path.join(uplotDir, 'dist', 'uPlot.iife.min.js'), 'utf8');
  const css = fs.readFileSync(path.join(uplotDir, 'dist', 'uPlot.min.css'), 'utf8');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
  body { margin: 0; background: #111217; color: #ccccdc; font: 13px Inter, "Helvetica Neue", Arial, sans-serif; }
  #root { position: relative; margin: 12px; }
  h1 { font-size: 18px; font-weight: 500; margin: 12px; }
  .note { color: #8e8e99; font-size: 11px; margin: 0 12px; }
  .panel { position: absolute; box-sizing: border-box; background: #181b1f; border: 1px solid #2c3235; border-radius: 2px; overflow: hidden; }
  .panel .title { font-size: 13px; font-weight: 500; padding: 6px 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .panel .body { position: absolute; top: 28px; left: 0; right: 0; bottom: 0; overflow: hidden; }
  .row { position: absolute; font-size: 15px; font-weight: 500; padding: 4px 0; border-bottom: 1px solid #2c3235; }
  .stats { display: flex; height: 100%; gap: 4px; padding: 4px; box-sizing: border-box; }
  .stat { flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center; border-radius: 2px; color: #fff; }
  .stat .v { font-size: 30px; font-weight: 500; } .stat .n { font-size: 11px; opacity: .85; }
  .bars { padding: 4px 8px; } .bar { display: flex; align-items: center; gap: 6px; margin: 3px 0; font-size: 11px; }
  .bar .lbl { width: 38%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; } .bar .fill { height: 14px; border-radius: 1px; }
  table { border-collapse: collapse; width: 100%; font-size: 10.5px; }
  th { text-align: left; color: #6e9fff; font-weight: 500; padding: 3px 3px; border-bottom: 1px solid #2c3235; white-space: nowrap; }
  td { padding: 2px 3px; border-bottom: 1px solid #202226; white-space: nowrap; max-width: 150px; overflow: hidden; text-overflow: ellipsis; }
  .empty { color: #8e8e99; padding: 10px; }
  .legend { display: flex; flex-wrap: wrap; gap: 2px 12px; padding: 0 8px; font-size: 10px; max-height: 40px; overflow: hidden; }
  .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
  .legend b { font-weight: 400; } .legend em { font-style: normal; color: #8e8e99; }
  </style><script>${js}</script></head><body><div id="root"></div></body></html>`;
}

/**
 * Runs in the page: draws one dashboard (or a selection of panels) from RenderedDashboard data.
 * Self-contained, because Playwright sends its source text to the page.
 */
function drawInPage(arg: { d: RenderedDashboard; width: number; caption: string }): number {
  const uPlotCtor = (globalThis as any).uPlot;
  const doc = (globalThis as any).document;
  const { d, width, caption } = arg;
  const COLOR: Record<string, string> = { green: '#73BF69', red: '#F2495C', orange: '#FF9830', text: '#ccccdc', blue: '#5794F2', yellow: '#FADE2A' };
  const PALETTE = ['#73BF69', '#F2CC0C', '#8AB8FF', '#FF780A', '#F2495C', '#5794F2', '#B877D9', '#705DA0', '#37872D', '#FADE2A'];
  const color = (c: string | undefined): string => (c ? COLOR[c] ?? c : '#ccccdc');
  const unitOf = (fc: any): string => fc?.defaults?.unit ?? 'short';

  function fmt(v: number, unit: string): string {
    if (!Number.isFinite(v)) return String(v);
    const n = (x: number, d = 2) => String(Number(x.toFixed(d)));
    switch (unit) {
      case 'percentunit':
        return `${n(v * 100, 1)}%`;
      case 'bytes': {
        const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
        let i = 0;
        while (Math.abs(v) >= 1024 && i < u.length - 1) (v /= 1024), i++;
        return `${n(v, 1)} ${u[i]}`;
      }
      case 'Bps':
        return `${fmt(v, 'bytes')}/s`;
      case 's': {
        const a = Math.abs(v);
        if (a < 1) return `${n(v * 1000, 0)} ms`;
        if (a < 120) return `${n(v, 1)} s`;
        if (a < 7200) return `${n(v / 60, 1)} min`;
        if (a < 172800) return `${n(v / 3600, 1)} h`;
        return `${n(v / 86400, 0)} days`;
      }
      case 'ops':
        return `${n(v, 2)} ops/s`;
      case 'dateTimeFromNow':
        return `${fmt((Date.now() - v) / 1000, 's')} ago`;
      default:
        return Math.abs(v) >= 1e6 ? v.toExponential(2) : n(v, 2);
    }
  }

  function mapped(v: number | string, mappings: any[] | undefined): { text?: string; color?: string } | undefined {
    for (const m of mappings ?? []) {
      if (m.type === 'value' && m.options[String(v)]) return m.options[String(v)];
    }
    return undefined;
  }
  function thresholdColor(v: number, thresholds: any): string {
    let c = 'text';
    for (const s of thresholds?.steps ?? []) if (s.value === null || v >= s.value) c = s.color;
    return color(c);
  }
  function legend(fmtStr: string | undefined, metric: Record<string, string>): string {
    if (!fmtStr || fmtStr === '__auto') {
      const ls = Object.entries(metric).filter(([k]) => k !== '__name__' && k !== 'job');
      return ls.length ? ls.map(([k, v]) => `${k}="${v}"`).join(', ') : metric.__name__ ?? 'value';
    }
    return fmtStr.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m: string, l: string) => metric[l] ?? '');
  }
  const targetsOf = (p: any): any[] => p.targets ?? [];

  const root = doc.getElementById('root');
  root.style.width = `${width}px`;
  const colW = width / 24;
  const unitH = 30;
  let maxBottom = 0;
  const place = (el: any, g: any) => {
    el.style.left = `${g.x * colW}px`;
    el.style.top = `${g.y * unitH}px`;
    el.style.width = `${g.w * colW - 6}px`;
    el.style.height = `${g.h * unitH - 6}px`;
    maxBottom = Math.max(maxBottom, (g.y + g.h) * unitH);
    root.appendChild(el);
  };
  const h1 = doc.createElement('h1');
  h1.textContent = d.title;
  root.before(h1);
  const note = doc.createElement('p');
  note.className = 'note';
  note.textContent = caption;
  root.before(note);

  for (const { panel: p, results } of d.panels as any[]) {
    if (p.type === 'row') {
      const el = doc.createElement('div');
      el.className = 'row';
      el.textContent = p.title;
      place(el, { ...p.gridPos, h: 1 });
      continue;
    }
    const el = doc.createElement('div');
    el.className = 'panel';
    el.innerHTML = '<div class="title"></div><div class="body"></div>';
    el.querySelector('.title').textContent = p.title;
    const body = el.querySelector('.body');
    place(el, p.gridPos);
    const unit = unitOf(p.fieldConfig);
    const thresholds = p.fieldConfig?.defaults?.thresholds;
    const mappings = p.fieldConfig?.defaults?.mappings;
    const all = targetsOf(p).flatMap((t: any) => (results[t.refId] ?? []).map((s: any) => ({ t, s })));

    if (p.type === 'stat') {
      const box = doc.createElement('div');
      box.className = 'stats';
      const items = all.length ? all : [null];
      for (const it of items) {
        const st = doc.createElement('div');
        st.className = 'stat';
        if (!it) {
          st.innerHTML = `<div class="v"></div>`;
          st.querySelector('.v').textContent = p.fieldConfig?.defaults?.noValue ?? 'No data';
          st.style.background = '#2c3235';
        } else {
          const v = Number(it.s.value[1]);
          const m = mapped(v, mappings);
          st.innerHTML = `<div class="v"></div><div class="n"></div>`;
          st.querySelector('.v').textContent = m?.text ?? fmt(v, unit);
          if (all.length > 1) st.querySelector('.n').textContent = legend(it.t.legendFormat, it.s.metric);
          st.style.background = m?.color ? color(m.color) : thresholdColor(v, thresholds);
        }
        box.appendChild(st);
      }
      body.appendChild(box);
    } else if (p.type === 'bargauge') {
      const box = doc.createElement('div');
      box.className = 'bars';
      const rows = all.map((it: any) => ({ name: legend(it.t.legendFormat, it.s.metric), v: Number(it.s.value[1]) })).sort((a: any, b: any) => b.v - a.v);
      const max = Math.max(1, ...rows.map((r: any) => r.v));
      if (!rows.length) box.innerHTML = `<div class="empty">${p.fieldConfig?.defaults?.noValue ?? 'No data'}</div>`;
      for (const r of rows) {
        const bar = doc.createElement('div');
        bar.className = 'bar';
        bar.innerHTML = '<span class="lbl"></span><span class="fill"></span><span class="val"></span>';
        bar.querySelector('.lbl').textContent = r.name;
        const fill = bar.querySelector('.fill');
        fill.style.width = `${(r.v / max) * 45}%`;
        fill.style.background = thresholdColor(r.v, thresholds);
        bar.querySelector('.val').textContent = fmt(r.v, unit);
        box.appendChild(bar);
      }
      body.appendChild(box);
    } else if (p.type === 'table') {
      // Grafana's merge + organize: one row per label set, one column per query's value.
      const org = (p.transformations ?? []).find((t: any) => t.id === 'organize')?.options ?? {};
      const index: Record<string, number> = org.indexByName ?? {};
      const rename: Record<string, string> = org.renameByName ?? {};
      const columns = Object.keys(index).sort((a, b) => index[a] - index[b]);
      const labelCols = columns.filter((c) => !c.startsWith('Value'));
      const single = targetsOf(p).length === 1;
      // As Grafana's merge does, a result joins the row that agrees with it on every label both
      // have (a query with an extra label, such as the engine version, joins its host's row).
      const rows: Record<string, string>[] = [];
      for (const { t, s } of all) {
        const agrees = (r: Record<string, string>) => labelCols.every((c) => r[c] === undefined || s.metric[c] === undefined || r[c] === s.metric[c]);
        let row = rows.find(agrees);
        if (!row) rows.push((row = {}));
        for (const c of labelCols) if (s.metric[c] !== undefined) row[c] = s.metric[c];
        row[single ? 'Value' : `Value #${t.refId}`] = s.value[1];
      }
      const overrides: Record<string, any[]> = {};
      for (const o of p.fieldConfig?.overrides ?? []) if (o.matcher.id === 'byName') overrides[o.matcher.options] = o.properties;
      const prop = (col: string, id: string) => overrides[rename[col] ?? col]?.find((x: any) => x.id === id)?.value;
      const sortBy = p.options?.sortBy?.[0]?.displayName;
      let list = [...rows];
      if (sortBy) {
        const col = columns.find((c) => (rename[c] ?? c) === sortBy);
        if (col) list.sort((a, b) => Number(b[col] ?? -1) - Number(a[col] ?? -1) || String(a.name ?? '').localeCompare(String(b.name ?? '')));
      }
      const tableEl = doc.createElement('table');
      const head = doc.createElement('tr');
      for (const c of columns) {
        const th = doc.createElement('th');
        th.textContent = rename[c] ?? c;
        head.appendChild(th);
      }
      tableEl.appendChild(head);
      for (const r of list) {
        const tr = doc.createElement('tr');
        for (const c of columns) {
          const td = doc.createElement('td');
          const raw = r[c];
          const isValue = c.startsWith('Value');
          const m = raw === undefined ? undefined : mapped(isValue ? Number(raw) : raw, prop(c, 'mappings'));
          const u = prop(c, 'unit') ?? (isValue ? unit : undefined);
          td.textContent = raw === undefined ? '' : m?.text ?? (isValue ? fmt(Number(raw), u) : raw);
          const coloured = prop(c, 'custom.cellOptions')?.type === 'color-background';
          if (coloured && raw !== undefined) {
            const th = prop(c, 'thresholds');
            const bg = m?.color ? color(m.color) : th && isValue ? thresholdColor(Number(raw), th) : undefined;
            if (bg) {
              td.style.background = bg;
              td.style.color = '#fff';
            }
          }
          tr.appendChild(td);
        }
        tableEl.appendChild(tr);
      }
      if (!list.length) body.innerHTML = '<div class="empty">No data</div>';
      else body.appendChild(tableEl);
    } else if (p.type === 'timeseries') {
      const series = all.filter((it: any) => it.s.values?.length);
      if (!series.length) {
        body.innerHTML = '<div class="empty">No data</div>';
        continue;
      }
      const xs = [...new Set<number>(series.flatMap((it: any) => it.s.values.map((v: any) => v[0])))].sort((a, b) => a - b);
      const data = [xs, ...series.map((it: any) => {
        const byT = new Map(it.s.values.map((v: any) => [v[0], Number(v[1])]));
        return xs.map((x) => (byT.has(x) ? byT.get(x) : null));
      })];
      const rightUnit = (p.fieldConfig?.overrides ?? []).find((o: any) => o.matcher.id === 'byRegexp');
      const rightRe = rightUnit ? new RegExp(rightUnit.matcher.options) : null;
      const rightU = rightUnit?.properties.find((x: any) => x.id === 'unit')?.value;
      const stacked = p.fieldConfig?.defaults?.custom?.stacking?.mode === 'normal';
      const names = series.map((it: any) => legend(it.t.legendFormat, it.s.metric));
      if (stacked) {
        for (let i = 2; i < data.length; i++) data[i] = data[i].map((v: any, j: number) => (v ?? 0) + ((data[i - 1] as any)[j] ?? 0));
      }
      const axisColor = '#8e8e99';
      const grid = { stroke: '#2c3235', width: 1 };
      // A compact legend (name and last value) under the plot, then the plot in the space left.
      const lg = doc.createElement('div');
      lg.className = 'legend';
      names.forEach((name: string, i: number) => {
        const last = [...(data[i + 1] as Array<number | null>)].reverse().find((v) => v != null);
        const item = doc.createElement('span');
        item.innerHTML = '<i></i><b></b> <em></em>';
        item.querySelector('i').style.background = PALETTE[i % PALETTE.length];
        item.querySelector('b').textContent = name || '(empty)';
        item.querySelector('em').textContent = last == null ? '' : fmt(stacked && i > 0 ? last - ((data[i] as any)[(data[i] as any).length - 1] ?? 0) : last, rightRe && rightRe.test(name) ? rightU : unit);
        lg.appendChild(item);
      });
      const plotBox = doc.createElement('div');
      body.appendChild(plotBox);
      body.appendChild(lg);
      const opts = {
        width: body.clientWidth - 4,
        height: Math.max(70, body.clientHeight - lg.getBoundingClientRect().height - 6),
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, r: {} },
        axes: [
          { stroke: axisColor, grid, ticks: grid, font: '10px Arial', size: 24 },
          { stroke: axisColor, grid, ticks: grid, font: '10px Arial', size: 64, values: (_u: any, vs: number[]) => vs.map((v) => fmt(v, unit)) },
          ...(rightRe ? [{ scale: 'r', side: 1, stroke: axisColor, grid: { show: false }, font: '10px Arial', size: 60, values: (_u: any, vs: number[]) => vs.map((v) => fmt(v, rightU)) }] : []),
        ],
        series: [
          {},
          ...names.map((name: string, i: number) => ({
            label: name,
            scale: rightRe && rightRe.test(name) ? 'r' : 'y',
            stroke: PALETTE[i % PALETTE.length],
            fill: PALETTE[i % PALETTE.length] + (stacked ? '55' : '1a'),
            width: 1.5,
            points: { show: false },
          })),
        ],
      };
      new uPlotCtor(opts, data, plotBox);
    }
  }
  root.style.height = `${maxBottom}px`;
  return maxBottom + 90;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  fs.mkdirSync(a.out, { recursive: true });
  const rendered: RenderedDashboard[] = [];
  // Only some dashboards (the fleet one, from a multi-node Prometheus) leave the others' pictures as they are.
  const chosen = DASHBOARDS.filter((bd) => a.dashboards === undefined || a.dashboards.includes(bd.build().uid ?? ''));
  // The committed files, as users import them.
  for (const bd of chosen) {
    const json = JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, bd.file), 'utf8')) as dashboard.Dashboard;
    rendered.push(await fetchDashboard(json, a));
  }

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'render-panels-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1640, height: 1000 },
    deviceScaleFactor: 1,
  });
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const containers = a.container === '.*' ? '' : `, container=~"${a.container}"`;
  const caption = `Drawn by scripts/render-panels.ts from the dashboard JSON and live Prometheus results (last ${a.rangeSeconds / 60} min, ${when}${containers}); not a Grafana screenshot.`;
  try {
    const shoot = async (d: RenderedDashboard, file: string) => {
      const pg = await context.newPage();
      await pg.setContent(page());
      const height = await pg.evaluate(drawInPage, { d, width: 1600, caption });
      await pg.setViewportSize({ width: 1640, height: Math.ceil(height) });
      await pg.screenshot({ path: path.join(a.out, file), fullPage: true });
      await pg.close();
      console.log(`wrote ${path.relative(process.cwd(), path.join(a.out, file))}`);
    };
    for (const [i, d] of rendered.entries()) await shoot(d, chosen[i].file.replace(/\.json$/, '.png'));
    if (MAIN_PANELS.some(([uid]) => !rendered.some((d) => d.uid === uid))) return; // main-panels.png needs its dashboards

    // The main panels, re-laid out on one canvas in the order of MAIN_PANELS.
    const picked: PanelData[] = [];
    let x = 0;
    let y = 0;
    let rowH = 0;
    for (const [uid, title] of MAIN_PANELS) {
      const found = rendered.find((d) => d.uid === uid)?.panels.find((p) => p.panel.title === title && p.panel.type !== 'row');
      if (!found) throw new Error(`no panel "${title}" on ${uid}`);
      const g = found.panel.gridPos as { w: number; h: number };
      if (x + g.w > 24) (x = 0), (y += rowH), (rowH = 0);
      picked.push({ ...found, panel: { ...found.panel, gridPos: { ...g, x, y } } });
      x += g.w;
      rowH = Math.max(rowH, g.h);
    }
    await shoot({ title: 'docker-audit-exporter: main panels', uid: 'main', panels: picked }, 'main-panels.png');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
