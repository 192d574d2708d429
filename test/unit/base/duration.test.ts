import { parseDurationAs, type DurationGrammar } from '../../../src/base/duration';

// A grammar of the tests' own, so these cases do not depend on either caller's choice of units.
const GRAMMAR: DurationGrammar = { unitsMs: { ms: 1, s: 1000, m: 60_000 }, number: '\\d+' };

describe('parseDurationAs', () => {
  it.each([
    ['0', 0],
    ['5ms', 5],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['1m5ms', 60_005],
    ['2s2s', 4000],
  ])('%j = %d ms', (text, ms) => expect(parseDurationAs(text, GRAMMAR)).toBe(ms));

  it.each(['', 's', '1', '1h', '1.5s', '1s ', ' 1s', '1sx', '-1s'])('%j is not a duration of the grammar', (text) => {
    expect(parseDurationAs(text, GRAMMAR)).toBeUndefined();
  });

  it('reads a unit that is a prefix of another as the longer one ("ms" before "m")', () => {
    expect(parseDurationAs('3ms', { unitsMs: { m: 60_000, ms: 1 }, number: '\\d+' })).toBe(3);
  });

  it('takes unit names literally, not as regular expressions', () => {
    expect(parseDurationAs('2a.b', { unitsMs: { 'a.b': 7 }, number: '\\d+' })).toBe(14);
    expect(parseDurationAs('2axb', { unitsMs: { 'a.b': 7 }, number: '\\d+' })).toBeUndefined();
  });
});
