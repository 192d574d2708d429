import { createHash } from 'node:crypto';
import { ALL_FAMILIES, CACHED_HELP_SUFFIX, type MetricFamily } from './catalog';
import { nextSlice, sliceDue, sortSliced, yieldIfDue } from '../base/time-slice';
import type { Sample } from './sample';

const catalogOrder = new Map(ALL_FAMILIES.map((f, i) => [f.name, i]));

const NEEDS_ESCAPE = /[\\"\n\ud800-\udfff]/;
/**
 * Half of a surrogate pair without its other half: a JS string can hold one, UTF-8 cannot,
 * and the server's UTF-8 encoder writes U+FFFD for it. Replaced before the value becomes the
 * series key, so the key is what is served: two values that differ only there are one series
 * (the second a duplicate), never two lines that Prometheus reads as the same series.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Most values need no escaping; testing first skips the replaces and their callback.
const escapeLabelValue = (v: string): string =>
  NEEDS_ESCAPE.test(v) ? v.replace(LONE_SURROGATE, '\ufffd').replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n')) : v;
const escapeHelp = (v: string): string => v.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));

/**
 * Longest label value served, in characters. Values come from outside data (a compose label,
 * a mount path, an image's tags) and a 10 KB one would be served whole on every scrape, in
 * every series of its object. A longer value keeps its first 1,000 characters and ends in
 * "…" and 8 hex characters of a hash of the whole value, so two long values stay two series.
 */
export const MAX_LABEL_VALUE_LENGTH = 1024;
const KEPT_OF_LONG_VALUE = 1000;

export function boundedLabelValue(v: string): string {
  if (v.length <= MAX_LABEL_VALUE_LENGTH) return v;
  return `${v.slice(0, KEPT_OF_LONG_VALUE)}…${createHash('sha256').update(v).digest('hex').slice(0, 8)}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface RenderedSeries {
  /**
   * The series' label set as the exposition writes it (`name="a",id="b"`): escaped, so two
   * different label sets never give the same text, whatever bytes their values hold. It
   * sorts the series and spots duplicates.
   */
  readonly key: string;
  readonly line: string;
}

/**
 * A sample's line, remembered for as long as the sample object lives: collectors that
 * reuse their samples when nothing changed (containers, with a quiet event stream) then
 * cost no string building on the next render.
 */
const renderedCache = new WeakMap<Sample, RenderedSeries>();

function renderedSeries(s: Sample): RenderedSeries {
  const cached = renderedCache.get(s);
  if (cached) return cached;
  const names = s.family.labels;
  const pairs: string[] = [];
  for (const name of names) pairs.push(`${name}="${escapeLabelValue(boundedLabelValue(s.labels[name] ?? ''))}"`);
  // One flat string per line, and the key a slice of it: built with `+`, each would be a rope
  // of a dozen cons strings, all kept with the sample (11 MiB of them at 2,000 containers).
  const parts = names.length > 0 ? [s.family.name, '{', pairs.join(','), '} ', formatValue(s.value)] : [s.family.name, ' ', formatValue(s.value)];
  const line = parts.join('');
  const key = names.length > 0 ? line.slice(s.family.name.length + 1, line.length - parts[4].length - 2) : '';
  const rendered = { key, line };
  renderedCache.set(s, rendered);
  return rendered;
}

/** The identity of a sample's series within its family: equal keys, same series. */
export function seriesKey(s: Sample): string {
  return renderedSeries(s).key;
}

export interface Rendered {
  readonly text: string;
  /** Samples left out because an earlier one had the same family and labels. */
  readonly duplicates: readonly Sample[];
}

interface Entry {
  readonly series: RenderedSeries;
  readonly sample: Sample;
}

const byFamilyOrder = (a: MetricFamily, b: MetricFamily): number =>
  (catalogOrder.get(a.name) ?? Infinity) - (catalogOrder.get(b.name) ?? Infinity) || a.name.localeCompare(b.name);
const byKey = (a: Entry, b: Entry): number => (a.series.key < b.series.key ? -1 : a.series.key > b.series.key ? 1 : 0);
const familyHeader = (family: MetricFamily): string[] => [`# HELP ${family.name} ${escapeHelp(family.help + CACHED_HELP_SUFFIX)}`, `# TYPE ${family.name} ${family.type}`];

function groupByFamily(samples: readonly Sample[]): Map<MetricFamily, Sample[]> {
  const byFamily = new Map<MetricFamily, Sample[]>();
  for (const s of samples) {
    const list = byFamily.get(s.family);
    if (list) list.push(s);
    else byFamily.set(s.family, [s]);
  }
  return byFamily;
}

/** The lines of entries sorted by key, each series once; the second sample of a series goes to `duplicates`. */
function seriesLines(sorted: readonly Entry[], duplicates: Sample[]): string[] {
  const lines: string[] = [];
  let previous: string | undefined;
  for (const { series, sample } of sorted) {
    if (series.key === previous) {
      duplicates.push(sample);
      continue;
    }
    previous = series.key;
    lines.push(series.line);
  }
  return lines;
}

/**
 * Renders samples as Prometheus text exposition (format 0.0.4). Families come in catalog
 * order and series sorted by their labels, which keeps the golden file stable. A second
 * sample of a series is left out and returned, never thrown: one bad sample must not cost
 * the whole snapshot (the runner drops and counts duplicates per collector before this, so
 * here they only come from two collectors emitting one family). Synchronous, for --once
 * and tests; the server renders with ExpositionRenderer, which gives the same bytes.
 */
export function renderSamples(samples: readonly Sample[]): Rendered {
  const byFamily = groupByFamily(samples);
  const out: string[] = [];
  const duplicates: Sample[] = [];
  for (const family of [...byFamily.keys()].sort(byFamilyOrder)) {
    // Stable: of two samples of one series, the first emitted is kept.
    const entries = byFamily.get(family)!.map((sample) => ({ series: renderedSeries(sample), sample }));
    out.push(...familyHeader(family));
    for (const line of seriesLines(entries.sort(byKey), duplicates)) out.push(line);
  }
  return { text: out.length > 0 ? out.join('\n') + '\n' : '', duplicates };
}

export interface RenderedBody {
  /** The exposition, UTF-8, in pieces: served one after the other, they are renderSamples' text. */
  readonly chunks: readonly Buffer[];
  readonly bytes: number;
  readonly duplicates: readonly Sample[];
}

/** Lines per chunk: large enough that a scrape writes few, small enough that one encodes in well under a slice. */
const LINES_PER_CHUNK = 4096;

interface RenderedFamily {
  /** The samples it was rendered from, in emission order. */
  readonly samples: readonly Sample[];
  readonly chunks: readonly Buffer[];
  readonly duplicates: readonly Sample[];
}

/**
 * Renders each collection's samples for the server, once per collection, so a scrape only
 * writes buffers: the exposition encoded to UTF-8 once (writing a 7 MB string cost every
 * scrape 10 ms at 2,000 containers), in chunks per family, yielding to the event loop
 * between pieces of work (base/time-slice.ts) so that scrapes are not held up. A family
 * whose samples are the very objects of the last collection, in the same order (the
 * containers collector reuses its samples while nothing changed), keeps its chunks: no
 * sort, no join, no encoding. This replaced a fresh prom-client registry per collection:
 * the benchmark measured that at 19-31 ms for 5,000 samples, all of it blocking the event
 * loop while scrapes waited.
 */
export class ExpositionRenderer {
  private last = new Map<MetricFamily, RenderedFamily>();

  async render(samples: readonly Sample[]): Promise<RenderedBody> {
    const byFamily = groupByFamily(samples);
    await yieldIfDue();
    const current = new Map<MetricFamily, RenderedFamily>();
    const chunks: Buffer[] = [];
    const duplicates: Sample[] = [];
    for (const family of [...byFamily.keys()].sort(byFamilyOrder)) {
      const list = byFamily.get(family)!;
      const previous = this.last.get(family);
      const rendered = previous && sameSamples(previous.samples, list) ? previous : await renderFamily(family, list);
      current.set(family, rendered);
      for (const c of rendered.chunks) chunks.push(c);
      for (const d of rendered.duplicates) duplicates.push(d);
    }
    this.last = current;
    return { chunks, bytes: chunks.reduce((n, c) => n + c.length, 0), duplicates };
  }
}

function sameSamples(a: readonly Sample[], b: readonly Sample[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function renderFamily(family: MetricFamily, samples: readonly Sample[]): Promise<RenderedFamily> {
  const entries: Entry[] = [];
  for (const sample of samples) {
    entries.push({ series: renderedSeries(sample), sample });
    if (sliceDue()) await nextSlice();
  }
  const duplicates: Sample[] = [];
  const lines = seriesLines(await sortSliced(entries, byKey), duplicates);
  const chunks: Buffer[] = [];
  let pending = familyHeader(family);
  for (const line of lines) {
    pending.push(line);
    if (pending.length >= LINES_PER_CHUNK) {
      chunks.push(Buffer.from(pending.join('\n') + '\n'));
      pending = [];
      if (sliceDue()) await nextSlice();
    }
  }
  if (pending.length > 0) chunks.push(Buffer.from(pending.join('\n') + '\n'));
  return { samples, chunks, duplicates };
}
