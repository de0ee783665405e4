import { describe, expect, it } from "vitest";
import {
  bucketCount,
  bucketOf as bucketOfBits,
  bucketTop as bucketTopBits,
  DURATIONS_MS,
  Histogram,
} from "../../core/_shared/histogram.ts";
import { LATENCY_US, latencyHistogram, latencySummary } from "../../bench/lib/latency.ts";

const BUCKETS = bucketCount(LATENCY_US);
const bucketOf = (v: number) => bucketOfBits(v, LATENCY_US.bits);
const bucketTop = (i: number) => bucketTopBits(i, LATENCY_US.bits);

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

describe("Histogram, the bench's latency layout (µs to 1/1024)", () => {
  it("HG1 bounded: a fixed number of counters", () => {
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
    const h = latencyHistogram();
    for (let v = 1; v <= 1000; v++) h.record(v);
    expect(latencySummary(h)).toMatchObject({
      count: 1000,
      p50: 500,
      p90: 900,
      p99: 990,
      p999: 999,
      max: 1000,
    });
    expect(h.mean).toBe(500.5);
    expect(h.min).toBe(1);
  });

  it("HG2 relative-error: percentiles of a log-normal latency distribution are within 0.1 % above exact", () => {
    const next = rng(42);
    const values: number[] = [];
    const h = latencyHistogram();
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
      const got = h.quantile(q);
      expect(got).toBeGreaterThanOrEqual(want);
      expect(got).toBeLessThanOrEqual(want * 1.001 + 1);
    }
    expect(h.max).toBe(values[values.length - 1]);
  });

  it("HG2 on a uniform distribution over 0–10 s", () => {
    const next = rng(7);
    const values: number[] = [];
    const h = latencyHistogram();
    for (let i = 0; i < 100_000; i++) {
      const v = Math.floor(next() * 10_000_000);
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of QS) {
      const want = exact(values, q);
      expect(Math.abs(h.quantile(q) - want) / want).toBeLessThan(0.001);
    }
  });

  it("HG3 exact-extremes: negatives count as 0, a value past the top bucket keeps its max", () => {
    const h = latencyHistogram();
    h.record(-5);
    h.record(1e12);
    expect(h.min).toBe(0);
    expect(h.max).toBe(1e12);
    expect(h.count).toBe(2);
    expect(h.quantile(0.5)).toBe(0);
    expect(h.quantile(1)).toBe(1e12);
  });

  it("HG4 merge: merging equals recording everything in one", () => {
    const next = rng(3);
    const all = latencyHistogram();
    const parts = [latencyHistogram(), latencyHistogram(), latencyHistogram()];
    for (let i = 0; i < 30_000; i++) {
      const v = Math.floor(next() ** 3 * 5_000_000);
      all.record(v);
      parts[i % 3].record(v);
    }
    const merged = latencyHistogram();
    expect(() => merged.merge(new Histogram(DURATIONS_MS))).toThrow(RangeError);
    for (const p of parts) merged.merge(p.toData());
    expect(latencySummary(merged)).toEqual(latencySummary(all));
    expect(merged.min).toBe(all.min);
  });

  it("empty histograms report zeros, and reset forgets", () => {
    const h = latencyHistogram();
    expect(latencySummary(h)).toMatchObject({ count: 0, p50: 0, p99: 0, max: 0 });
    h.record(10);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.quantile(0.5)).toBe(0);
  });
});

describe("Histogram, durations in ms (the pool and the watchdog)", () => {
  it("gives percentiles within a bucket (~6%) and exact mean and max", () => {
    const h = new Histogram(DURATIONS_MS);
    for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 … 100 ms
    expect(h.count).toBe(1000);
    expect(h.mean).toBeCloseTo(50.05, 5);
    expect(h.max).toBe(100);
    for (const [q, exact] of [[0.5, 50], [0.99, 99], [0.1, 10]] as const) {
      const v = h.quantile(q);
      expect(v).toBeGreaterThanOrEqual(exact);
      expect(v).toBeLessThanOrEqual(exact * 1.07);
    }
    expect(h.quantile(1)).toBe(100);
    h.record(-5);
    expect(h.quantile(0)).toBeLessThan(0.02);
    h.reset();
    expect([h.count, h.quantile(0.99), h.max]).toEqual([0, 0, 0]);
  });

  it("HG1: 800 counters cover whole µs up to 2^53", () => {
    expect(bucketCount(DURATIONS_MS)).toBe(800);
    let prevTop = -1;
    for (let i = 0; i < 800; i++) {
      const top = bucketTopBits(i, DURATIONS_MS.bits);
      expect(top).toBeGreaterThan(prevTop);
      expect(bucketOfBits(top, DURATIONS_MS.bits)).toBe(i);
      expect(bucketOfBits(prevTop + 1, DURATIONS_MS.bits)).toBe(i);
      prevTop = top;
    }
    expect(prevTop).toBe(2 ** 53 - 1);
    for (const us of [2 ** 32, 2 ** 40 + 12345, 2 ** 53 - 1]) {
      const i = bucketOfBits(us, DURATIONS_MS.bits);
      expect(i).toBeLessThan(800);
      expect(bucketTopBits(i, DURATIONS_MS.bits)).toBeGreaterThanOrEqual(us);
      expect(bucketTopBits(i, DURATIONS_MS.bits)).toBeLessThanOrEqual(us * (1 + 1 / 16));
      expect(i === 0 ? -1 : bucketTopBits(i - 1, DURATIONS_MS.bits)).toBeLessThan(us);
    }
  });

  it("takes huge values", () => {
    const h = new Histogram(DURATIONS_MS);
    h.record(1e15);
    expect(h.quantile(0.5)).toBe(1e15);
  });
});
