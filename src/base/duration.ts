// One parser for the durations of flags ("1m30s") and of exporter-toolkit's web config (Go's
// time.ParseDuration: "1.5h", ".5s", "300µs"). They differ only in the units and numerals each
// accepts, so each caller passes its own grammar and neither format loosens the other.

export interface DurationGrammar {
  /** Milliseconds per unit, by unit name. */
  readonly unitsMs: Readonly<Record<string, number>>;
  /** A regular expression source for one number (no groups of its own that capture). */
  readonly number: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Parses a sequence of number-unit pairs ("1m30s"), or "0", into milliseconds; undefined if `text` is not one. */
export function parseDurationAs(text: string, grammar: DurationGrammar): number | undefined {
  if (text === '0') return 0;
  // Longer units first, so "ms" is never read as "m" and a stray "s".
  const units = Object.keys(grammar.unitsMs).sort((a, b) => b.length - a.length).map(escape).join('|');
  const re = new RegExp(`(${grammar.number})(${units})`, 'gy');
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * grammar.unitsMs[m[2]];
    end = re.lastIndex;
  }
  return end === text.length && text.length > 0 ? total : undefined;
}
