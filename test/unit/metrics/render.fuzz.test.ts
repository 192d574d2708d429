// Counterexamples the property-based fuzzing (test/unit/fuzz/render.fuzz.test.ts) found,
// kept as plain tests.
import { METRICS } from '../../../src/metrics/catalog';
import { renderSamples } from '../../../src/metrics/render';
import { sample } from '../../../src/metrics/sample';

describe('renderSamples: counterexamples found by fuzzing', () => {
  it('writes a lone surrogate as U+FFFD, as UTF-8 serves it, so two values differing only there are one series and the second a duplicate', () => {
    const second = sample(METRICS.containers, { state: '\udfff' }, 2);
    const { text, duplicates } = renderSamples([sample(METRICS.containers, { state: '\ud800' }, 1), second]);
    const lines = text.split('\n').filter((l) => l.startsWith('docker_audit_containers{'));
    expect(lines).toEqual(['docker_audit_containers{state="\ufffd"} 1']);
    expect(duplicates).toEqual([second]);
    // Served as UTF-8, the text is what it says: no series line changes on the wire.
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
  });

  it('keeps surrogate pairs (astral characters) as they are, and replaces only the lone halves', () => {
    const { text } = renderSamples([sample(METRICS.containers, { state: 'a\ud83d\ude00b\ud800\ud83d\ude00\udc00"' }, 1)]);
    expect(text).toContain('docker_audit_containers{state="a\ud83d\ude00b\ufffd\ud83d\ude00\ufffd\\""} 1\n');
  });
});
