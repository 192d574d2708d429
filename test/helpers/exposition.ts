// A small reader for the text exposition format, enough for tests to compare series.

export interface ParsedSeries {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const unescape = (v: string): string => v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

export function parseExposition(text: string): ParsedSeries[] {
  const out: ParsedSeries[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    // s: a label value may hold \r, U+2028 or U+2029, which `.` would not match otherwise.
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/s.exec(line);
    if (!m) throw new Error(`cannot parse exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/gs)) labels[l[1]] = unescape(l[2]);
    out.push({ name: m[1], labels, value: m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]) });
  }
  return out;
}

/** "name{a=1,b=2} value" strings for series whose labels match `where`, sorted; `omit` drops labels. */
export function seriesLines(all: readonly ParsedSeries[], name: string, where: Record<string, string> = {}, omit: readonly string[] = []): string[] {
  return all
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .map((s) => {
      const labels = Object.entries(s.labels)
        .filter(([k]) => !omit.includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return `${name}{${labels}} ${s.value}`;
    })
    .sort();
}
