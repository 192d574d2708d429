// Property-based fuzzing of the Trivy report parser (src/model/trivy-report.ts): reports
// shaped like Trivy's and not, as text, then mutated; any text at all.
import * as fc from 'fast-check';
import { parseTrivyReport, TRIVY_SEVERITIES, TrivyReportError, type TrivySeverity } from '../../../src/model/trivy-report';
import { anyChar, deepJson, mutated, PROTOTYPE_NAMES, runs } from './fuzz';

const SEVERITIES = new Set<string>(TRIVY_SEVERITIES);
const severity = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...TRIVY_SEVERITIES) },
  fc.constantFrom('low', 'Critical', '', 'NEGLIGIBLE', 'SEVERE', ...PROTOTYPE_NAMES),
  fc.jsonValue({ maxDepth: 1 }),
);
/** A Vulnerabilities entry: mostly an object with a Severity (or none), sometimes not an object. */
const vulnerability = fc.oneof(
  { weight: 10, arbitrary: fc.record({ VulnerabilityID: fc.string({ maxLength: 12 }), PkgName: fc.string({ maxLength: 8 }), Severity: severity }, { requiredKeys: ['VulnerabilityID'] }) },
  fc.constantFrom(null, 7, 'CVE-1', [], [{ Severity: 'HIGH' }]),
);
const result = fc.oneof(
  { weight: 10, arbitrary: fc.record({ Target: fc.string({ maxLength: 8 }), Class: fc.constantFrom('os-pkgs', 'lang-pkgs'), Vulnerabilities: fc.oneof({ weight: 8, arbitrary: fc.array(vulnerability, { maxLength: 8 }) }, fc.constantFrom(null, 'many', {}, 3)) }, { requiredKeys: ['Target'] }) },
  fc.constantFrom(null, 7, 'x', [], [{}]),
);
/** A report document: Trivy's shape with every field sometimes missing or of another type. */
const report = fc.record(
  {
    SchemaVersion: fc.oneof({ weight: 10, arbitrary: fc.constant(2) }, fc.constantFrom(1, 3, '2', 2.5, null, [2], { v: 2 })),
    CreatedAt: fc.oneof(fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 10 }), fc.constantFrom(0, null, '2026-11-23')),
    ArtifactName: fc.oneof({ weight: 10, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) }, fc.constantFrom('', null, 7, ['img'])),
    ArtifactType: fc.constant('container_image'),
    Metadata: fc.oneof(fc.record({ ImageID: fc.oneof(fc.stringMatching(/^sha256:[0-9a-f]{8}$/), fc.constantFrom('', 7, null)) }, { requiredKeys: [] }), fc.constantFrom(null, 'meta', [])),
    Results: fc.oneof({ weight: 10, arbitrary: fc.array(result, { maxLength: 5 }) }, fc.constantFrom(null, {}, 'none', 0)),
  },
  { requiredKeys: [] },
);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the parser must make of a document: its counts, or that it is no report. */
function expected(doc: Record<string, unknown>): { counts: Record<TrivySeverity, number>; total: number } | 'error' {
  if (doc.SchemaVersion !== 2 || typeof doc.ArtifactName !== 'string' || doc.ArtifactName === '') return 'error';
  const results = doc.Results ?? [];
  if (!Array.isArray(results)) return 'error';
  const counts = Object.fromEntries(TRIVY_SEVERITIES.map((s) => [s, 0])) as Record<TrivySeverity, number>;
  let total = 0;
  for (const r of results) {
    if (!isObject(r)) return 'error';
    const vulns = r.Vulnerabilities ?? [];
    if (!Array.isArray(vulns)) return 'error';
    for (const v of vulns) {
      if (!isObject(v)) return 'error';
      const s = typeof v.Severity === 'string' && SEVERITIES.has(v.Severity) ? (v.Severity as TrivySeverity) : 'UNKNOWN';
      counts[s]++;
      total++;
    }
  }
  return { counts, total };
}

/** Parses, and fails the property on anything thrown but a TrivyReportError. */
function parse(text: string): ReturnType<typeof parseTrivyReport> | TrivyReportError {
  try {
    return parseTrivyReport(text);
  } catch (err) {
    if (err instanceof TrivyReportError) return err;
    throw new Error(`parseTrivyReport threw ${(err as Error)?.name}, not a TrivyReportError: ${(err as Error)?.message}`, { cause: err });
  }
}

function expectSound(r: ReturnType<typeof parseTrivyReport>): void {
  const counts = TRIVY_SEVERITIES.map((s) => r.counts[s]);
  expect(counts.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
  expect(Object.keys(r.counts).sort()).toEqual([...TRIVY_SEVERITIES].sort());
  expect(typeof r.artifact === 'string' && r.artifact !== '').toBe(true);
  expect(r.imageId === undefined || (typeof r.imageId === 'string' && r.imageId !== '')).toBe(true);
  expect(r.createdAtSeconds === undefined || Number.isInteger(r.createdAtSeconds)).toBe(true);
}

describe('parseTrivyReport (fuzz)', () => {
  it('counts every vulnerability once under its severity (UNKNOWN for others), or refuses the document with a TrivyReportError', () => {
    fc.assert(
      fc.property(report, (doc) => {
        const r = parse(JSON.stringify(doc));
        const want = expected(JSON.parse(JSON.stringify(doc)) as Record<string, unknown>);
        if (want === 'error') {
          expect(r).toBeInstanceOf(TrivyReportError);
          return;
        }
        if (r instanceof TrivyReportError) throw r;
        expectSound(r);
        expect(r.counts).toEqual(want.counts);
        expect(TRIVY_SEVERITIES.reduce((sum, s) => sum + r.counts[s], 0)).toBe(want.total);
        expect(r.artifact).toBe(doc.ArtifactName);
        if (typeof doc.CreatedAt === 'string' && /^\d{4}-\d\d-\d\dT/.test(doc.CreatedAt)) expect(r.createdAtSeconds).toBe(Math.floor(Date.parse(doc.CreatedAt) / 1000));
      }),
      runs(400),
    );
  });

  it('throws nothing but TrivyReportError on any text: mutated reports, deep JSON in any field, any bytes', () => {
    const field = fc.constantFrom('SchemaVersion', 'ArtifactName', 'CreatedAt', 'Metadata', 'Results');
    const text = fc.oneof(
      { weight: 3, arbitrary: mutated(report.map((d) => JSON.stringify(d, null, 1)), 4, fc.oneof(fc.constantFrom('"', ',', '}', ']', '{', '[', ':', '\\', 'null', '2', '\n'), fc.string({ unit: anyChar, minLength: 1, maxLength: 2 }))) },
      // A deep value where one field should be: JSON.parse takes it, recursive code would not.
      fc.tuple(field, deepJson.filter((t) => t.endsWith(']') || t.endsWith('}'))).map(([f, deep]) => `{"SchemaVersion": 2, "ArtifactName": "a", ${JSON.stringify(f)}: ${deep}}`),
      fc.json({ maxDepth: 3 }),
      fc.string({ unit: anyChar, maxLength: 40 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        const r = parse(t);
        if (!(r instanceof TrivyReportError)) expectSound(r);
        else expect(r.message.length).toBeLessThan(200);
      }),
      runs(400),
    );
  });
});
