/** Small statistics helpers: the bench reports medians of repeated runs and latency percentiles. */

/** The value below which `p` (0..1) of the sorted samples fall (nearest-rank). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (samples: readonly number[]): number => percentile(samples, 0.5);

/** Rounded for the report: enough digits to compare, not so many that noise looks like signal. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export const ratio = (value: number, floor: number): number => round(value / floor, 2);
