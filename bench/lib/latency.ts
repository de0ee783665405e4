/**
 * Request latencies as the load generator keeps them: in µs, each to within
 * 1/1024 (< 0.1 %) of itself and exact below 2048 µs, up to 2^32 µs (71
 * minutes, far beyond any request timeout), in the histogram the watchdog
 * and the pool use too, merged across the generator's threads.
 *
 * @module
 */

import { Histogram, type HistogramLayout } from "../../core/_shared/histogram.ts";

export type { HistogramData } from "../../core/_shared/histogram.ts";

/** µs to 1/1024, up to 2^32 µs: 23,552 counters. */
export const LATENCY_US: HistogramLayout = { bits: 10, topPow: 31, scale: 1 };

/** An empty latency histogram. */
export function latencyHistogram(): Histogram {
  return new Histogram(LATENCY_US);
}

/** Latency percentiles in µs. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** The summary every report uses. */
export function latencySummary(h: Histogram): LatencySummary {
  return {
    count: h.count,
    mean: h.mean,
    p50: h.quantile(0.5),
    p90: h.quantile(0.9),
    p99: h.quantile(0.99),
    p999: h.quantile(0.999),
    max: h.max,
  };
}
