/**
 * The keyspace of `resp-kv`: byte-string keys to byte values, with expiry.
 *
 * Keys are byte strings (each char code one byte, see {@link keyOf}) so a
 * `Map` can hold them; values stay `Uint8Array`s, never decoded. Expiry works
 * like Redis's: a second map holds the deadlines of the keys that have one,
 * a key past its deadline is deleted when touched (lazy), and a cheap timer
 * visits a bounded number of deadlines per tick so keys nobody touches go too.
 *
 * Invariants:
 * - **KS1 never-stale**: a key past its deadline is never returned or counted
 *   by `get`, `has` or `ttl`.
 * - **KS2 bounded-sweep**: one sweep tick visits at most {@link SWEEP_BATCH}
 *   deadlines; the timer runs only while some key has a deadline.
 * - **KS3 values-frozen**: a stored value is never modified; `set` stores a new
 *   array. Replies may therefore send stored values by reference.
 *
 * @module
 */

/** Deadlines visited per sweep tick (KS2). */
export const SWEEP_BATCH = 200;
/** Milliseconds between sweep ticks. */
export const SWEEP_EVERY = 100;

/** The key for `bytes`: one char per byte, so any bytes are a key and equal bytes are equal keys. */
export function keyOf(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n <= 4096) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = "";
  for (let i = 0; i < n; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}

/**
 * A value we may keep: a view into a much larger buffer (a read chunk) is
 * copied, so a 3-byte value does not pin a 64 KiB read buffer. Small values
 * are always copied: cheaper than asking for `.buffer`, which in V8 makes a
 * small on-heap typed array allocate a real ArrayBuffer.
 */
function own(value: Uint8Array): Uint8Array {
  if (value.length <= 4096) return value.slice();
  return value.byteLength * 2 >= value.buffer.byteLength ? value : value.slice();
}

/** Byte-string keys to byte values, with lazy and swept expiry. */
export class Keyspace {
  #values = new Map<string, Uint8Array>();
  #deadlines = new Map<string, number>();
  #now: () => number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #cursor: Iterator<[string, number]> | undefined;

  /** `now` gives the time in ms since the epoch (injectable for tests). Default `Date.now`. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The number of keys, counting ones that expired but were not yet swept. */
  get size(): number {
    return this.#values.size;
  }

  /** The value of `key`, unless absent or expired (KS1). */
  get(key: string): Uint8Array | undefined {
    const v = this.#values.get(key);
    if (v !== undefined && this.#deadlines.size !== 0 && this.#expired(key)) return undefined;
    return v;
  }

  /** Whether `key` exists (KS1). */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Stores `value` (copied if it is a view into a larger buffer). `deadline`
   * is ms since the epoch, `undefined` for none, or `"keep"` to keep the
   * current one.
   */
  set(key: string, value: Uint8Array, deadline?: number | "keep"): void {
    this.adopt(key, own(value), deadline);
  }

  /** Like {@link set}, for a value the caller made and gives away (no copy). */
  adopt(key: string, value: Uint8Array, deadline?: number | "keep"): void {
    this.#values.set(key, value);
    if (deadline === "keep") return;
    if (deadline === undefined) {
      if (this.#deadlines.size !== 0) this.#deadlines.delete(key);
      return;
    }
    this.#deadlines.set(key, deadline);
    this.#startSweep();
  }

  /** Deletes `key`; true if it existed (and had not expired). */
  delete(key: string): boolean {
    const existed = this.has(key);
    this.#values.delete(key);
    if (this.#deadlines.size !== 0) this.#deadlines.delete(key);
    return existed;
  }

  /** Milliseconds left for `key`: -2 if it does not exist, -1 if it has no deadline. */
  ttl(key: string): number {
    if (!this.has(key)) return -2;
    const at = this.#deadlines.get(key);
    return at === undefined ? -1 : Math.max(0, at - this.#now());
  }

  /** The current time, from the clock given to the constructor. */
  now(): number {
    return this.#now();
  }

  /** Removes every key. */
  clear(): void {
    this.#values.clear();
    this.#deadlines.clear();
    this.#stopSweep();
  }

  /** Deletes up to {@link SWEEP_BATCH} expired keys; returns how many it deleted (KS2). */
  sweep(): number {
    let deleted = 0;
    const now = this.#now();
    for (let i = 0; i < SWEEP_BATCH; i++) {
      this.#cursor ??= this.#deadlines.entries();
      const next = this.#cursor.next();
      if (next.done) {
        // A full pass is over; start the next one on the next tick.
        this.#cursor = undefined;
        break;
      }
      const [key, at] = next.value;
      if (at <= now) {
        this.#values.delete(key);
        this.#deadlines.delete(key);
        deleted++;
      }
    }
    if (this.#deadlines.size === 0) this.#stopSweep();
    return deleted;
  }

  #expired(key: string): boolean {
    const at = this.#deadlines.get(key);
    if (at === undefined || at > this.#now()) return false;
    this.#values.delete(key);
    this.#deadlines.delete(key);
    return true;
  }

  #startSweep(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.sweep(), SWEEP_EVERY);
    // Node and Bun: the sweep alone should not keep a process alive. (Deno's
    // timers are numbers; there the listener keeps it alive anyway.)
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #stopSweep(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#cursor = undefined;
  }
}
