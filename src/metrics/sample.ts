import type { MetricFamily } from './catalog';

export type Labels = Readonly<Record<string, string>>;

/** One value of one series: what collectors produce and the renderer turns into text. */
export interface Sample {
  readonly family: MetricFamily;
  readonly labels: Labels;
  readonly value: number;
}

/** Builds a sample; the label names are checked against the family at compile time. */
export function sample<L extends string>(family: MetricFamily<L>, labels: Readonly<Record<L, string>>, value: number): Sample {
  return { family, labels, value };
}

/** Converts a boolean to the 0/1 that Prometheus gauges use. */
export const flag = (value: boolean | undefined | null): number => (value ? 1 : 0);
