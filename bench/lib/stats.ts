/**
 * The statistics of repeated runs: the median and the spread (min–max and
 * the interquartile range), so that a noisy machine shows as noise and not as
 * a result.
 *
 * @example Median and spread of three runs
 * ```ts
 * import { spread } from "./stats.ts";
 * spread([90, 100, 130]); // { n: 3, median: 100, min: 90, max: 130, q1: 95, q3: 115, ... }
 * ```
 *
 * @module
 */

/** Median and spread of a sample. */
export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  /** First and third quartiles (linear interpolation between ranks). */
  q1: number;
  q3: number;
  /** (max − min) / median: the spread as a fraction of the figure. */
  relSpread: number;
}

/** The q-quantile (0…1) of sorted values, interpolating linearly between ranks. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The median: the middle value, or the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  return quantileSorted([...values].sort((a, b) => a - b), 0.5);
}

/** Median, min, max and quartiles of `values` (NaN fields when empty). */
export function spread(values: readonly number[]): Spread {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const med = quantileSorted(s, 0.5);
  const min = s.length ? s[0] : NaN;
  const max = s.length ? s[s.length - 1] : NaN;
  return {
    n: s.length,
    median: med,
    min,
    max,
    q1: quantileSorted(s, 0.25),
    q3: quantileSorted(s, 0.75),
    relSpread: med > 0 ? (max - min) / med : NaN,
  };
}
