/**
 * A log-linear histogram with fixed memory, in the HdrHistogram style: task
 * times of the pool and loop delays of the watchdog (in ms, to ~6 %), and the
 * bench's request latencies (in µs, to 0.1 %, merged across its threads).
 *
 * A value is recorded as whole units of resolution (`value × scale`,
 * rounded). Below `2^(bits+1)` units every unit has a bucket (exact); each
 * power of two above, `[2^k, 2^(k+1))`, is split into `2^bits` equal
 * sub-buckets, up to `2^(topPow+1)`; larger values share the top bucket.
 *
 * Invariants:
 * - **HG1 bounded**: memory is fixed by the layout whatever is recorded.
 * - **HG2 relative-error**: `quantile(q)` is at most `2^-bits` of itself
 *   above the exact q-quantile of the recorded units (it reports a bucket's
 *   upper edge).
 * - **HG3 exact-extremes**: `min`, `max`, `count` and `mean` are exact (in
 *   whole units), also for values past the top bucket.
 * - **HG4 merge**: merging histograms equals recording all values into one.
 *
 * @example Percentiles of recorded latencies
 * ```ts
 * import { Histogram } from "./histogram.ts";
 * const h = new Histogram({ bits: 10, topPow: 31, scale: 1 });
 * for (let us = 1; us <= 1000; us++) h.record(us);
 * h.quantile(0.99); // 990
 * ```
 *
 * @module
 */

/** The shape of a {@link Histogram}: its precision, range and resolution. */
export interface HistogramLayout {
  /** log2 of the sub-buckets per power of two: 4 keeps a value to 1/16, 10 to 1/1024. */
  readonly bits: number;
  /** The highest power of two (of units) with buckets of its own, at most 52. */
  readonly topPow: number;
  /** Units per recorded value: 1000 records ms as whole µs. */
  readonly scale: number;
}

/** Durations in ms to whole µs, within 1/16 (~6 %), up to 2^53 µs: 800 counters. */
export const DURATIONS_MS: HistogramLayout = { bits: 4, topPow: 52, scale: 1000 };

/** The counters a layout needs (HG1). */
export function bucketCount(layout: Pick<HistogramLayout, "bits" | "topPow">): number {
  return (2 << layout.bits) + (layout.topPow - layout.bits) * (1 << layout.bits);
}

/** The bucket holding `v` whole units (`v < 2^(topPow+1)`). */
export function bucketOf(v: number, bits: number): number {
  const linear = 2 << bits;
  if (v < linear) return v;
  if (v < 2 ** 32) {
    const pow = 31 - Math.clz32(v);
    return linear + (pow - bits - 1) * (1 << bits) + ((v >>> (pow - bits)) - (1 << bits));
  }
  let pow = Math.floor(Math.log2(v));
  if (2 ** pow > v) pow--;
  else if (2 ** (pow + 1) <= v) pow++;
  return linear + (pow - bits - 1) * (1 << bits) + (Math.floor(v / 2 ** (pow - bits)) - (1 << bits));
}

/** The highest whole unit that falls in bucket `i` (what percentiles report). */
export function bucketTop(i: number, bits: number): number {
  const linear = 2 << bits;
  if (i < linear) return i;
  const j = i - linear;
  const pow = bits + 1 + Math.floor(j / (1 << bits));
  const width = 2 ** (pow - bits);
  return 2 ** pow + ((j % (1 << bits)) + 1) * width - 1;
}

/** The shape a histogram takes to cross a thread boundary (counts in units). */
export interface HistogramData {
  counts: Float64Array;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Values bucketed by a {@link HistogramLayout} (HG1–HG4). */
export class Histogram {
  readonly #bits: number;
  readonly #scale: number;
  /** The largest value with a bucket of its own, in units. */
  readonly #top: number;
  #counts: Float64Array;
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = 0;

  constructor(layout: HistogramLayout) {
    this.#bits = layout.bits;
    this.#scale = layout.scale;
    this.#top = 2 ** (layout.topPow + 1) - 1;
    this.#counts = new Float64Array(bucketCount(layout));
  }

  /** Records one value (rounded to a whole unit; negatives count as 0). */
  record(value: number): void {
    let v = Math.round(value * this.#scale);
    if (!(v > 0)) v = 0;
    this.#counts[v > this.#top ? this.#counts.length - 1 : bucketOf(v, this.#bits)]++;
    this.#count++;
    this.#sum += v;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /** Adds the counts of a histogram of the same layout (HG4). */
  merge(other: HistogramData | Histogram): void {
    const o = other instanceof Histogram ? other.toData() : other;
    const c = this.#counts;
    if (o.counts.length !== c.length) throw new RangeError("Cannot merge histograms of different layouts");
    for (let i = 0; i < c.length; i++) c[i] += o.counts[i];
    this.#count += o.count;
    this.#sum += o.sum;
    if (o.count > 0) {
      this.#min = Math.min(this.#min, o.min);
      this.#max = Math.max(this.#max, o.max);
    }
  }

  /** Values recorded. */
  get count(): number {
    return this.#count;
  }

  /** The smallest value (0 when empty). */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min / this.#scale;
  }

  /** The largest value (0 when empty). */
  get max(): number {
    return this.#max / this.#scale;
  }

  /** The mean (0 when empty). */
  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count / this.#scale;
  }

  /**
   * The value at quantile `q` (0 < q ≤ 1): the smallest recorded value with
   * at least `ceil(q × count)` values at or below it, reported as its
   * bucket's upper edge, but never above the exact max (HG2, HG3); 0 when
   * empty, the min for `q ≤ 0`.
   */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    if (!(q > 0)) return this.min;
    const rank = Math.max(1, Math.ceil(Math.min(q, 1) * this.#count));
    const c = this.#counts;
    let seen = 0;
    for (let i = 0; i < c.length; i++) {
      seen += c[i];
      // The top bucket also holds everything past the range: only max bounds it.
      if (seen >= rank) {
        return (i === c.length - 1 ? this.#max : Math.min(bucketTop(i, this.#bits), this.#max)) / this.#scale;
      }
    }
    return this.max;
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

  /** Forgets everything recorded. */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Infinity;
    this.#max = 0;
  }
}
