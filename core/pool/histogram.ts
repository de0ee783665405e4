/**
 * A small fixed-memory histogram of durations in ms, for percentiles of task
 * times (the pool) and loop delays (the watchdog). Log-linear buckets: each
 * power of two from 1/64 ms up is split into 16 linear steps, so a reported
 * percentile is within 1/16 (~6%) of the true value, from 16 µs up, in 801
 * numbers. Recording is a few arithmetic ops and one increment.
 *
 * @module
 */

/** Sub-buckets per power of two. */
const STEPS = 16;
/** The smallest distinguished value: 2^-6 ms ≈ 16 µs. */
const MIN_EXP = -6;
/** Powers of two covered: 2^-6 ms up to 2^44 ms; anything longer lands in the top bucket. */
const OCTAVES = 50;

/** Durations in ms, bucketed. */
export class Histogram {
  #counts = new Float64Array(OCTAVES * STEPS + 1);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one duration (ms; negatives count as 0). */
  record(ms: number): void {
    const v = ms > 0 ? ms : 0;
    this.#counts[bucketOf(v)]++;
    this.#count++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
  }

  /** Values recorded. */
  get count(): number {
    return this.#count;
  }

  /** The mean, exact (0 when empty). */
  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /** The largest value, exact. */
  get max(): number {
    return this.#max;
  }

  /**
   * The value at quantile `q` (0–1): the upper edge of the bucket holding it,
   * capped at the exact max; 0 when empty.
   */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i];
      // The top bucket also holds everything past the range: only max bounds it.
      if (seen >= rank) return i === this.#counts.length - 1 ? this.#max : Math.min(upperEdge(i), this.#max);
    }
    return this.#max;
  }

  /** Forgets everything. */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#max = 0;
  }
}

function bucketOf(ms: number): number {
  const min = 2 ** MIN_EXP;
  if (ms < min) return 0;
  const exp = Math.floor(Math.log2(ms));
  const octave = Math.min(exp - MIN_EXP, OCTAVES - 1);
  const base = 2 ** (octave + MIN_EXP);
  const step = Math.min(STEPS - 1, Math.floor(((ms - base) / base) * STEPS));
  return 1 + octave * STEPS + step;
}

function upperEdge(bucket: number): number {
  if (bucket === 0) return 2 ** MIN_EXP;
  const octave = Math.floor((bucket - 1) / STEPS);
  const step = (bucket - 1) % STEPS;
  const base = 2 ** (octave + MIN_EXP);
  return base + (base * (step + 1)) / STEPS;
}
