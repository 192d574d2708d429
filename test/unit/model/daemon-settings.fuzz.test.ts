// Counterexamples the property-based fuzzing (test/unit/fuzz/daemon-settings.fuzz.test.ts)
// found, kept as plain tests.
import { jsonErrorOffset, parseDaemonJson, resolveSettings } from '../../../src/model/daemon-settings';

const v8Position = (text: string): number => {
  try {
    JSON.parse(text);
  } catch (err) {
    return Number(/at position (\d+)/.exec((err as Error).message)?.[1] ?? NaN);
  }
  return NaN;
};

describe('daemon.json: counterexamples found by fuzzing', () => {
  it('says where deeply nested JSON breaks instead of overflowing the call stack', () => {
    expect(parseDaemonJson('['.repeat(100_000))).toMatchObject({ ok: false, line: 1, column: 100_001 });
    expect(parseDaemonJson('{"a":'.repeat(20_000))).toMatchObject({ ok: false, line: 1, column: 100_001 });
    expect(jsonErrorOffset('['.repeat(50_000) + '1' + ']'.repeat(49_999) + '}')).toBe(100_000);
  });

  it('finds the offset V8 gives for a number cut short: after "-", "1." or "1e", where the digit is missing', () => {
    for (const text of ['[true,"      \\\\  ",-  ",1]', '-', '[-]', '[1, -  ]', '1.', '[1.]', '1e', '1e+', '{"a": -}']) {
      expect([text, jsonErrorOffset(text)]).toEqual([text, v8Position(text)]);
    }
  });

  it('leaves arrays and objects out of a list of names instead of overflowing the call stack turning them into text', () => {
    const deep = JSON.parse('['.repeat(20_000) + ']'.repeat(20_000)) as unknown;
    expect(() => resolveSettings({ args: undefined, config: { hosts: deep }, info: undefined })).not.toThrow();
    expect(resolveSettings({ args: undefined, config: { hosts: [deep, 'tcp://0.0.0.0:2375'] }, info: undefined }).listeners.map((l) => l.address)).toEqual(['tcp://0.0.0.0:2375']);
    const settings = resolveSettings({ args: undefined, config: { 'insecure-registries': ['reg:5000', ['nested'], { a: 1 }, 5], 'authorization-plugins': [deep] }, info: undefined });
    expect(settings.insecureRegistries).toEqual(['reg:5000', '5']);
    expect(settings.authorizationPlugins).toEqual([]);
  });
});
