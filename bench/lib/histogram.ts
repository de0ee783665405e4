/**
 * A latency histogram in the HdrHistogram style: log-linear buckets with
 * microsecond resolution and bounded memory, mergeable across generator
 * threads by adding counts.
 *
 * Layout: values below 2048 µs get one bucket each (exact); each power of two
 * above, `[2^k, 2^(k+1))`, is split into 1024 equal sub-buckets, so a
 * recorded value is known to within 1/1024 (< 0.1 %) of itself. Values are
 * capped at `2^32 − 1` µs (71 minutes) — far beyond any request timeout.
 *
 * Invariants:
 * - **BH1 bounded**: memory is fixed (23,552 counters) whatever is recorded.
 * - **BH2 relative-error**: `valueAt(q)` is within 0.1 % above the exact
 *   q-quantile of the recorded values (it reports a bucket's upper edge).
 * - **BH3 exact-extremes**: `min`, `max`, `count` and `mean` are exact.
 * - **BH4 merge**: merging histograms equals recording all values into one.
 *
 * @example Percentiles of recorded latencies
 * ```ts
 * import { Histogram } from "./histogram.ts";
 * const h = new Histogram();
 * for (let us = 1; us <= 1000; us++) h.record(us);
 * h.valueAt(0.99); // 990
 * ```
 *
 * @module
 */

const LINEAR = 2048; // values below this are exact
const SUB = 1024; // sub-buckets per power of two above LINEAR
const FIRST_POW = 11; // log2(LINEAR)
const LAST_POW = 31; // highest power of two kept: [2^31, 2^32)
const MAX_VALUE = 2 ** 32 - 1;

/** Number of counters: the linear range plus 1024 per power of two. */
export const BUCKETS = LINEAR + (LAST_POW - FIRST_POW + 1) * SUB;

/** The bucket holding integer value `v` (µs). */
export function bucketOf(v: number): number {
  if (v < LINEAR) return v;
  const pow = 31 - Math.clz32(v); // floor(log2 v), v < 2^32
  const shift = pow - 10; // bucket width is 2^(pow − 10)
  return LINEAR + (pow - FIRST_POW) * SUB + ((v >>> shift) - SUB);
}

/** The highest value that falls in bucket `i` (what percentiles report). */
export function bucketTop(i: number): number {
  if (i < LINEAR) return i;
  const j = i - LINEAR;
  const pow = FIRST_POW + Math.floor(j / SUB);
  const width = 2 ** (pow - 10);
  return 2 ** pow + ((j % SUB) + 1) * width - 1;
}

/** The shape a histogram takes to cross a thread boundary. */
export interface HistogramData {
  counts: Float64Array;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** A log-linear latency histogram in microseconds (BH1–BH4). */
export class Histogram {
  #counts: Float64Array;
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = 0;

  constructor(data?: HistogramData) {
    this.#counts = new Float64Array(BUCKETS);
    if (data !== undefined) this.merge(data);
  }

  /** Records one value in µs (fractions are rounded; negatives count as 0). */
  record(us: number): void {
    let v = Math.round(us);
    if (!(v > 0)) v = 0;
    else if (v > MAX_VALUE) v = MAX_VALUE;
    this.#counts[bucketOf(v)]++;
    this.#count++;
    this.#sum += v;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /** Adds another histogram's counts (BH4). */
  merge(other: HistogramData | Histogram): void {
    const o = other instanceof Histogram ? other.toData() : other;
    const c = this.#counts;
    for (let i = 0; i < c.length; i++) c[i] += o.counts[i];
    this.#count += o.count;
    this.#sum += o.sum;
    if (o.count > 0) {
      this.#min = Math.min(this.#min, o.min);
      this.#max = Math.max(this.#max, o.max);
    }
  }

  get count(): number {
    return this.#count;
  }
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }
  get max(): number {
    return this.#max;
  }
  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /**
   * The value at quantile `q` (0 < q ≤ 1): the smallest recorded value with
   * at least `ceil(q × count)` values at or below it, reported as its
   * bucket's upper edge, but never above the exact max (BH2, BH3).
   */
  valueAt(q: number): number {
    if (this.#count === 0) return 0;
    if (!(q > 0)) return this.min;
    const rank = Math.max(1, Math.ceil(Math.min(q, 1) * this.#count));
    const c = this.#counts;
    let seen = 0;
    for (let i = 0; i < c.length; i++) {
      seen += c[i];
      if (seen >= rank) return Math.min(bucketTop(i), this.#max);
    }
    return this.#max;
  }

  /** The summary every report uses, in µs. */
  summary(): LatencySummary {
    return {
      count: this.#count,
      mean: this.mean,
      p50: this.valueAt(0.5),
      p90: this.valueAt(0.9),
      p99: this.valueAt(0.99),
      p999: this.valueAt(0.999),
      max: this.max,
    };
  }

  /** A copy of the counters, for `postMessage` or `merge`. */
  toData(): HistogramData {
    return {
      counts: this.#counts.slice(),
      count: this.#count,
      sum: this.#sum,
      min: this.#min,
      max: this.#max,
    };
  }

  /** Forgets everything recorded (used when warm-up ends). */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Infinity;
    this.#max = 0;
  }
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
