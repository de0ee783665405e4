/**
 * A tiny test runner that runs on every runtime. A suite is a list of named
 * cases; the runner runs them one after another against the runtime's
 * adapter and prints one `TRILOOP-CASE {json}` line per case, which the
 * vitest side (`_spawn.ts`) reads. Kept runtime-neutral: it uses only
 * web-platform globals and the {@link Runtime} it is given.
 *
 * @module
 */

import type { Runtime } from "../../core/types.ts";

/** One conformance case: an invariant name and its proof. */
export interface Case {
  /** The invariant's id and name, as in the contract's JSDoc, e.g. `"S2 close-once-last"`. */
  name: string;
  /** Give up after this long. Default 20 s. */
  timeoutMs?: number;
  run(rt: Runtime): Promise<void>;
}

/** A case's outcome, as printed. */
export interface CaseResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export const RESULT_PREFIX = "TRILOOP-CASE ";

/** Runs `cases` (all, or those named in `only`) and prints each result. */
export async function runCases(rt: Runtime, cases: Case[], only?: string[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    if (only !== undefined && only.length > 0 && !only.includes(c.name)) continue;
    const t0 = performance.now();
    let error: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        c.run(rt),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out after ${c.timeoutMs ?? 20_000} ms`)),
            c.timeoutMs ?? 20_000,
          );
        }),
      ]);
    } catch (err) {
      error = err instanceof Error ? `${err.message}\n${err.stack ?? ""}` : String(err);
    } finally {
      clearTimeout(timer);
    }
    const result = { name: c.name, ok: error === undefined, ms: Math.round(performance.now() - t0), error };
    results.push(result);
    console.log(RESULT_PREFIX + JSON.stringify(result));
  }
  return results;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 5 ms until it holds, or rejects after `ms` with `what`. */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A resolvable promise. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Concatenates chunks. */
export function concat(chunks: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Byte-equality with a useful message (first differing offset). */
export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.byteLength !== expected.byteLength) {
    throw new Error(`${what}: length ${actual.byteLength}, expected ${expected.byteLength}`);
  }
  for (let i = 0; i < actual.byteLength; i++) {
    if (actual[i] !== expected[i]) throw new Error(`${what}: first difference at byte ${i}`);
  }
}
