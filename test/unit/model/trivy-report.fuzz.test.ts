// Counterexamples the property-based fuzzing (test/unit/fuzz/trivy-report.fuzz.test.ts)
// found, kept as plain tests.
import { parseTrivyReport, TrivyReportError } from '../../../src/model/trivy-report';

describe('parseTrivyReport: counterexamples found by fuzzing', () => {
  it('refuses a deeply nested SchemaVersion with a TrivyReportError, not a RangeError from describing it', () => {
    const text = `{"SchemaVersion": 2, "ArtifactName": "a", "SchemaVersion": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    expect(() => parseTrivyReport(text)).toThrow(TrivyReportError);
    expect(() => parseTrivyReport(text)).toThrow('unsupported SchemaVersion an array (expected 2)');
    expect(() => parseTrivyReport('{"SchemaVersion": {"v": 2}, "ArtifactName": "a"}')).toThrow('unsupported SchemaVersion an object (expected 2)');
  });

  it('cuts a long SchemaVersion string short in the message', () => {
    expect(() => parseTrivyReport(JSON.stringify({ SchemaVersion: 'x'.repeat(10_000), ArtifactName: 'a' }))).toThrow(`unsupported SchemaVersion "${'x'.repeat(39)}..." (expected 2)`);
  });
});
