// Property-based fuzzing of the exposition renderer (src/metrics/render.ts): samples of the
// catalog's families with any label values (any unicode, NUL, quotes, backslashes, newlines,
// lone surrogates) and any values (NaN, ±Inf, huge, tiny, -0). The text must always parse:
// with a strict reader of the text format written here (as Prometheus' expfmt reads it), with
// the project's test reader, and, on a bounded number of runs, with promtool itself.
import { spawnSync } from 'node:child_process';
import * as fc from 'fast-check';
import { ALL_FAMILIES, CACHED_HELP_SUFFIX, type MetricFamily } from '../../../src/metrics/catalog';
import { ExpositionRenderer, renderSamples } from '../../../src/metrics/render';
import { sample, type Sample } from '../../../src/metrics/sample';
import { parseExposition } from '../../helpers/exposition';
import { runs } from './fuzz';

// ------------------------------------------------------------------ a strict reader

interface StrictSeries {
  readonly family: string;
  readonly labels: readonly (readonly [string, string])[];
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
/** What Go's strconv.ParseFloat takes, as the renderer may write it. */
const VALUE = /^(?:NaN|[+-]Inf|-?(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?)$/;

/**
 * Reads text format 0.0.4 the way expfmt's TextParser does, and refuses what it refuses: a
 * label value ends at an unescaped quote, the only escapes are \\ \" \n, a raw newline
 * cannot be in a value (lines end there), HELP and TYPE come once per family, before its
 * samples, and every sample belongs to the family of the TYPE line above it.
 */
function parseStrict(text: string): StrictSeries[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error('the text does not end with a newline');
  const out: StrictSeries[] = [];
  const seen = new Set<string>();
  let family: string | undefined;
  let helped: string | undefined;
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      const fail = (why: string): never => {
        throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
      };
      const help = /^# HELP ([^ ]+) (.*)$/.exec(line);
      if (help) {
        if (seen.has(help[1])) fail('a second HELP or TYPE for a family');
        if (/\\[^\\n]/.test(help[2].replace(/\\\\/g, ''))) fail('an invalid escape in HELP');
        helped = help[1];
        return;
      }
      const type = /^# TYPE ([^ ]+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) {
        if (seen.has(type[1]) || helped !== type[1]) fail('TYPE without its HELP just above, or twice');
        seen.add(type[1]);
        family = type[1];
        return;
      }
      if (line.startsWith('#')) fail('an unknown comment');
      const name = NAME.exec(line)?.[0] ?? fail('no metric name');
      if (name !== family) fail(`a sample of ${name} under TYPE ${family}`);
      let at = name.length;
      const labels: [string, string][] = [];
      if (line[at] === '{') {
        at++;
        while (line[at] !== '}') {
          const label = LABEL_NAME.exec(line.slice(at))?.[0] ?? fail(`no label name at ${at}`);
          at += label.length;
          if (line[at] !== '=' || line[at + 1] !== '"') fail(`no =" after ${label}`);
          at += 2;
          let value = '';
          for (;;) {
            if (at >= line.length) fail(`label ${label} not closed`);
            const ch = line[at++];
            if (ch === '"') break;
            if (ch !== '\\') {
              value += ch;
              continue;
            }
            const esc = line[at++];
            if (esc === '\\' || esc === '"') value += esc;
            else if (esc === 'n') value += '\n';
            else fail(`invalid escape \\${esc}`);
          }
          if (labels.some(([n]) => n === label)) fail(`label ${label} twice`);
          labels.push([label, value]);
          if (line[at] === ',') at++;
          else if (line[at] !== '}') fail(`no , or } after label ${label}`);
        }
        at++;
      }
      if (line[at] !== ' ') fail('no space before the value');
      const value = line.slice(at + 1);
      if (!VALUE.test(value)) fail(`value ${JSON.stringify(value)} is no float`);
      out.push({ family: name, labels, value: Number(value.replace('Inf', 'Infinity')) });
    });
  return out;
}

// ------------------------------------------------------------------ samples

/** Label values that break naive escaping, and any text at all. */
const labelValue = fc.oneof(
  fc.constantFrom('', '\\', '"', '\n', '\\n', '\\"', '\\\\', '\u0000', '\r', '\r\n', '\t', '\u2028', '\u2029', '\u0085', '\ud800', '\udfff', '\ufeff', '\u{10ffff}', '}', '{', ',', '=', '","', '"}', 'a="b"', '} 1\nx 2', ' ', '#', 'NaN'),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('\\', '"', '\n', 'n', ',', '=', '}', '{', '\u0000', ' ', 'a'), maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  // Halves of surrogate pairs, alone or paired, and the replacement char UTF-8 writes for a lone one.
  fc.string({ unit: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\ufffd', 'a'), minLength: 1, maxLength: 3 }),
);
/** Values: any double (NaN, ±Inf, -0, subnormals included) and the edges. */
const value = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, 2 ** 64, 1e21, 1e-7, 0.1),
  fc.integer(),
);

/**
 * Samples of a few catalog families with label values from a small pool (so that label sets
 * repeat: duplicates), some sample objects emitted twice (the render cache).
 */
const samples = fc
  .tuple(fc.subarray([...ALL_FAMILIES], { minLength: 1, maxLength: 6 }), fc.uniqueArray(labelValue, { minLength: 1, maxLength: 5 }))
  .chain(([families, pool]) =>
    fc.tuple(
      fc.array(
        fc.tuple(fc.constantFrom(...families), fc.array(fc.constantFrom(...pool), { minLength: 8, maxLength: 8 }), value).map(([f, vs, v]) =>
          sample(f as MetricFamily<string>, Object.fromEntries(f.labels.map((l, i) => [l, vs[i % vs.length]])), v),
        ),
        { maxLength: 40 },
      ),
      fc.array(fc.nat(), { maxLength: 4 }),
    ),
  )
  .map(([list, again]) => (list.length === 0 ? list : [...list, ...again.map((i) => list[i % list.length])]));

/** A label value as the server sends it: UTF-8, where a lone surrogate is U+FFFD. */
const served = (v: string) => Buffer.from(v, 'utf8').toString('utf8');
const labelTuple = (s: Sample) => JSON.stringify(s.family.labels.map((l) => served(s.labels[l])));
/** The first sample of each series of each family, in input order. */
function firstOfEach(list: readonly Sample[]): Map<string, Map<string, Sample>> {
  const out = new Map<string, Map<string, Sample>>();
  for (const s of list) {
    const series = out.get(s.family.name) ?? new Map<string, Sample>();
    out.set(s.family.name, series);
    if (!series.has(labelTuple(s))) series.set(labelTuple(s), s);
  }
  return out;
}
/** A value as text for comparing (JSON.stringify would write NaN and ±Infinity as null); -0 is written 0. */
const valueText = (v: number) => String(Object.is(v, -0) ? 0 : v);

describe('renderSamples (fuzz)', () => {
  it('always writes text a strict text-format reader reads back: every label value exactly (as UTF-8 serves it), every value, one line per distinct label set', () => {
    fc.assert(
      fc.property(samples, (list) => {
        const { text, duplicates } = renderSamples(list);
        const parsed = parseStrict(text);
        const first = firstOfEach(list);
        const distinct = [...first.values()].reduce((n, m) => n + m.size, 0);
        expect(parsed.length).toBe(distinct);
        // Duplicates are returned, never thrown: every sample is written or returned, once.
        expect(duplicates.length).toBe(list.length - distinct);
        expect(duplicates.every((d) => list.includes(d))).toBe(true);
        const got = parsed.map((p) => JSON.stringify([p.family, p.labels, valueText(p.value)]));
        const want = [...first.values()].flatMap((m) => [...m.values()]).map((s) => JSON.stringify([s.family.name, s.family.labels.map((l) => [l, served(s.labels[l])]), valueText(s.value)]));
        expect(got.sort()).toEqual(want.sort());
        // Families in catalog order, each with its HELP (with the cached suffix) and TYPE.
        const order = [...new Set(parsed.map((p) => p.family))];
        expect(order).toEqual(ALL_FAMILIES.map((f) => f.name).filter((n) => first.has(n)));
        for (const f of ALL_FAMILIES.filter((x) => first.has(x.name))) expect(text).toContain(`# TYPE ${f.name} ${f.type}\n`);
        expect(text.split('\n').filter((l) => l.startsWith('# HELP ')).every((l) => l.endsWith(CACHED_HELP_SUFFIX))).toBe(true);
      }),
      runs(300),
    );
  });

  it('keeps series apart on the wire too: served as UTF-8, no two series lines are the same bytes', () => {
    // The server sends the text as UTF-8, where a lone surrogate becomes U+FFFD: two values
    // that differ only there must not give two lines that Prometheus reads as one series.
    fc.assert(
      fc.property(samples, (list) => {
        const { text } = renderSamples(list);
        const lines = Buffer.from(text, 'utf8').toString('utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
        const series = lines.map((l) => l.slice(0, l.lastIndexOf(' ')));
        expect(series.filter((x, i) => series.indexOf(x) !== i)).toEqual([]);
      }),
      runs(300),
    );
  });

  it('is read back by the project\'s test reader (test/helpers/exposition.ts) too, label values exactly', () => {
    // That reader's `.` does not match \r, \u2028 or \u2029: a value holding one is left out
    // here. It reads +Inf and -Inf as NaN (Number("+Inf")): only finite values are compared.
    const readable = (s: Sample) => Object.values(s.labels).every((v) => !/[\r\u2028\u2029]/.test(v));
    fc.assert(
      fc.property(samples, (all) => {
        const list = all.filter(readable);
        const { text } = renderSamples(list);
        const finite = (v: number) => (Number.isFinite(v) ? valueText(v) : 'not finite');
        const got = parseExposition(text).map((p) => JSON.stringify([p.name, p.labels, finite(p.value)]));
        const want = [...firstOfEach(list).values()].flatMap((m) => [...m.values()]).map((s) => JSON.stringify([s.family.name, Object.fromEntries(s.family.labels.map((l) => [l, served(s.labels[l])])), finite(s.value)]));
        expect(got.sort()).toEqual(want.sort());
      }),
      runs(200),
    );
  });

  it('writes the same text whatever the order of samples with distinct label sets', () => {
    fc.assert(
      fc.property(
        samples.chain((list) => {
          const distinct = [...firstOfEach(list).values()].flatMap((m) => [...m.values()]);
          return fc.tuple(fc.constant(distinct), fc.shuffledSubarray(distinct, { minLength: distinct.length, maxLength: distinct.length }));
        }),
        ([list, shuffled]) => {
          const copy = (s: Sample) => sample(s.family, { ...s.labels }, s.value); // new objects: no render cache
          expect(renderSamples(shuffled.map(copy)).text).toBe(renderSamples(list).text);
        },
      ),
      runs(200),
    );
  });

  it('renders for the server (ExpositionRenderer) the very bytes and duplicates renderSamples gives, again when the next collection reuses some families', async () => {
    await fc.assert(
      fc.asyncProperty(samples, samples, async (first, second) => {
        const renderer = new ExpositionRenderer();
        for (const list of [first, [...first.slice(0, first.length >> 1), ...second]]) {
          const served = await renderer.render(list);
          const { text, duplicates } = renderSamples(list);
          expect(Buffer.concat(served.chunks).toString('utf8')).toBe(Buffer.from(text, 'utf8').toString('utf8'));
          expect(served.bytes).toBe(Buffer.byteLength(text));
          expect(new Set(served.duplicates)).toEqual(new Set(duplicates));
        }
      }),
      runs(200),
    );
  });

  it('writes text promtool check metrics parses (lint warnings allowed, no parse error)', () => {
    // promtool exits 1 with "error while linting: text format parsing error ..." when it
    // cannot parse the text, 3 with one line per lint problem, 0 when clean. One process per
    // run: a bounded number of runs, with many samples each.
    fc.assert(
      fc.property(samples, (list) => {
        const { text } = renderSamples(list);
        const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
        expect(check.error).toBeUndefined();
        const output = check.stdout + check.stderr;
        expect([check.status, output.includes('error while linting') || /pars(e|ing) error/.test(output) ? output : '']).toEqual([check.status === 3 ? 3 : 0, '']);
      }),
      // Shrinking a failure spawns promtool for every candidate: bounded, so the report (seed, path, counterexample) comes in time.
      { ...runs(15), interruptAfterTimeLimit: 30_000 },
    );
  }, 60_000);
});
