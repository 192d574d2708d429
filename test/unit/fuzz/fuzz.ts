// Shared pieces of the property-based fuzz suites (test/unit/fuzz/*.fuzz.test.ts).
//
// Every property runs a bounded number of times (the whole suite stays within a few
// seconds on two cores). fast-check picks a new seed on each run; when a property fails,
// fc.assert throws with the seed, the path and the shrunk counterexample in its message,
// which jest prints. To replay one:
//
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx jest --selectProjects unit -t '<test name>' -- test/unit/fuzz
//
// FUZZ_RUNS=<n> runs every property n times instead (a longer local fuzzing session).
import * as fc from 'fast-check';

/** fc.assert parameters: `numRuns` runs, unless FUZZ_RUNS says otherwise; FUZZ_SEED and FUZZ_PATH replay a failure. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  const env = process.env;
  return {
    numRuns: env.FUZZ_RUNS ? Number(env.FUZZ_RUNS) : numRuns,
    ...(env.FUZZ_SEED ? { seed: Number(env.FUZZ_SEED) } : {}),
    ...(env.FUZZ_PATH ? { path: env.FUZZ_PATH } : {}),
  };
}

/** One char per byte, as the audit tailer hands lines over (latin1). */
export const latin1Char = fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c));
export const latin1String = (maxLength = 40) => fc.string({ unit: latin1Char, maxLength });

/** Characters that mean something to one parser or another, and some that break naive ones. */
export const SPECIAL_CHARS = [
  '\x1d', '\x00', '\x01', ' ', '  ', '"', "'", '=', ':', '(', ')', '):', ',', '{', '}', '[', ']', '\\', '\n', '\r', '\t',
  '\xff', '\x7f', '#', '-', '--', '/', '\ufeff', '\u2028', '\ud800', '\udfff', '\u{1f600}',
];
/** Any single char: a special one, a byte, or any code point. */
export const anyChar = fc.oneof(fc.constantFrom(...SPECIAL_CHARS), latin1Char, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));

type Mutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number };

const mutation = (insertions: fc.Arbitrary<string>): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: insertions }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  );

function apply(text: string, m: Mutation): string {
  const at = m.at % (text.length + 1);
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'duplicate':
      return text.slice(0, at + m.length) + text.slice(at);
  }
}

/**
 * A well-formed text from `base`, then 0 to `max` mutations: cut short, chars inserted
 * (from `insertions`), a range deleted, a range repeated. Shrinks towards the unmutated text.
 */
export function mutated(base: fc.Arbitrary<string>, max = 4, insertions: fc.Arbitrary<string> = fc.string({ unit: anyChar, minLength: 1, maxLength: 4 })): fc.Arbitrary<string> {
  return fc.tuple(base, fc.array(mutation(insertions), { maxLength: max })).map(([text, ms]) => ms.reduce(apply, text));
}

/** Names that an object used as a map answers without holding them. */
export const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'];

/** Deeply nested JSON that V8's JSON.parse accepts but recursive code cannot walk. */
export const deepJson = fc
  .tuple(fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 5_000, max: 20_000 })), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([depth, open, closed]) => open.repeat(depth) + (closed ? '1' + (open === '[' ? ']' : '}').repeat(depth) : ''));
