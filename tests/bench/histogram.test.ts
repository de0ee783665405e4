import { describe, expect, it } from "vitest";
import { bucketOf, BUCKETS, bucketTop, Histogram } from "../../bench/lib/histogram.ts";

/** The exact q-quantile as the histogram defines it: the value of rank ceil(q·n). */
function exact(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

/** Deterministic uniform [0, 1) (xorshift), so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const QS = [0.5, 0.9, 0.99, 0.999, 1];

describe("Histogram", () => {
  it("BH1 bounded: a fixed number of counters", () => {
    expect(BUCKETS).toBe(2048 + 21 * 1024);
    expect(bucketOf(2 ** 32 - 1)).toBe(BUCKETS - 1);
  });

  it("buckets tile the range: every value lies in its bucket, and bucket tops increase", () => {
    let prevTop = -1;
    for (let i = 0; i < BUCKETS; i++) {
      const top = bucketTop(i);
      expect(top).toBeGreaterThan(prevTop);
      expect(bucketOf(top)).toBe(i);
      expect(bucketOf(prevTop + 1)).toBe(i);
      prevTop = top;
    }
    expect(prevTop).toBe(2 ** 32 - 1);
  });

  it("is exact below 2048 µs: 1..1000 gives the textbook percentiles", () => {
    const h = new Histogram();
    for (let v = 1; v <= 1000; v++) h.record(v);
    expect(h.summary()).toMatchObject({ count: 1000, p50: 500, p90: 900, p99: 990, p999: 999, max: 1000 });
    expect(h.mean).toBe(500.5);
    expect(h.min).toBe(1);
  });

  it("BH2 relative-error: percentiles of a log-normal latency distribution are within 0.1 % above exact", () => {
    const next = rng(42);
    const values: number[] = [];
    const h = new Histogram();
    for (let i = 0; i < 200_000; i++) {
      // Box–Muller: median ~1 ms, long tail into seconds.
      const z = Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
      const v = Math.round(Math.exp(Math.log(1000) + 1.5 * z));
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of QS) {
      const want = exact(values, q);
      const got = h.valueAt(q);
      expect(got).toBeGreaterThanOrEqual(want);
      expect(got).toBeLessThanOrEqual(want * 1.001 + 1);
    }
    expect(h.max).toBe(values[values.length - 1]);
  });

  it("BH2 on a uniform distribution over 0–10 s", () => {
    const next = rng(7);
    const values: number[] = [];
    const h = new Histogram();
    for (let i = 0; i < 100_000; i++) {
      const v = Math.floor(next() * 10_000_000);
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of QS) {
      const want = exact(values, q);
      expect(Math.abs(h.valueAt(q) - want) / want).toBeLessThan(0.001);
    }
  });

  it("BH3 exact-extremes and clamping: negatives count as 0, huge values cap at 2^32 − 1", () => {
    const h = new Histogram();
    h.record(-5);
    h.record(1e12);
    expect(h.min).toBe(0);
    expect(h.max).toBe(2 ** 32 - 1);
    expect(h.count).toBe(2);
  });

  it("BH4 merge: merging equals recording everything in one", () => {
    const next = rng(3);
    const all = new Histogram();
    const parts = [new Histogram(), new Histogram(), new Histogram()];
    for (let i = 0; i < 30_000; i++) {
      const v = Math.floor(next() ** 3 * 5_000_000);
      all.record(v);
      parts[i % 3].record(v);
    }
    const merged = new Histogram();
    for (const p of parts) merged.merge(p.toData());
    expect(merged.summary()).toEqual(all.summary());
    expect(merged.min).toBe(all.min);
  });

  it("empty histograms report zeros, and reset forgets", () => {
    const h = new Histogram();
    expect(h.summary()).toMatchObject({ count: 0, p50: 0, p99: 0, max: 0 });
    h.record(10);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.valueAt(0.5)).toBe(0);
  });
});
