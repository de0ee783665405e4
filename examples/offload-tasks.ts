/**
 * The tasks of `offload.ts`, run in the pool's workers: plain exported
 * functions, no build step.
 *
 * @module
 */

/**
 * About `ms` milliseconds of CPU work: a prime sieve, repeated until the time
 * is spent. Returns how many primes the last sieve found (so the work cannot
 * be optimized away).
 */
export function burn(ms: number): number {
  const end = performance.now() + ms;
  let found = 0;
  do {
    const n = 20_000;
    const composite = new Uint8Array(n + 1);
    found = 0;
    for (let i = 2; i <= n; i++) {
      if (composite[i]) continue;
      found++;
      for (let j = i * i; j <= n; j += i) composite[j] = 1;
    }
  } while (performance.now() < end);
  return found;
}
