/**
 * 64-bit integers as Redis reads and writes them (`string2ll`): optional `-`,
 * decimal digits, no leading zeros, no `+`, no spaces, within the signed
 * 64-bit range. Numbers up to 15 digits stay `number` (the hot path: INCR on
 * small counters); longer ones are checked and computed as `bigint`.
 *
 * @module
 */

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

/** The signed 64-bit integer written in `b`, or `undefined` if `b` is not one. */
export function parseInt64(b: Uint8Array): number | bigint | undefined {
  const n = b.length;
  if (n === 0 || n > 20) return undefined;
  let i = 0;
  const neg = b[0] === 45;
  if (neg) {
    if (n === 1) return undefined;
    i = 1;
  }
  if (b[i] === 48) return n === 1 ? 0 : undefined; // "0" only; "-0" and "01" are not integers
  let v = 0;
  for (let j = i; j < n; j++) {
    const d = b[j] - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  if (n - i <= 15) return neg ? -v : v;
  let big = 0n;
  for (let j = i; j < n; j++) big = big * 10n + BigInt(b[j] - 48);
  if (neg) big = -big;
  return big < MIN || big > MAX ? undefined : big;
}

/** `a + b` within the signed 64-bit range, or `undefined` on overflow. */
export function addInt64(a: number | bigint, b: number | bigint): number | bigint | undefined {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = BigInt(a) + BigInt(b);
  if (r < MIN || r > MAX) return undefined;
  return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
}

/** `-v` within range (the negation of the minimum overflows), or `undefined`. */
export function negateInt64(v: number | bigint): number | bigint | undefined {
  if (typeof v === "number") return -v;
  return v === MIN ? undefined : -v;
}

/** The decimal ASCII bytes of `v`. */
export function int64Bytes(v: number | bigint): Uint8Array {
  const s = String(v);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
