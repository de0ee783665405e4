/**
 * When a dead loop is started again, and when it is given up: exponential
 * backoff inside a sliding window of recent deaths (LP4, LP5). Pure: the
 * caller passes the time, so the policy is tested without clocks. The
 * supervisor passes a loop slot's uptime (time spent serving), so slow starts
 * and backoff delays never stretch a crash loop out of its window.
 *
 * @module
 */

import type { RespawnOptions } from "../types.ts";

/** {@link RespawnOptions} with every default filled in. */
export type RespawnPolicy = Required<RespawnOptions>;

/** The defaults of {@link RespawnOptions}. */
export const DEFAULT_RESPAWN: RespawnPolicy = {
  backoffMs: 100,
  maxBackoffMs: 5_000,
  maxDeaths: 5,
  windowMs: 10_000,
};

/** What to do about one death. */
export type Verdict =
  | { action: "respawn"; delayMs: number; deaths: number }
  | { action: "give-up"; deaths: number; windowMs: number };

/** Fills in and checks a respawn policy. */
export function resolveRespawn(options: RespawnOptions = {}): RespawnPolicy {
  const p = { ...DEFAULT_RESPAWN, ...stripUndefined(options) };
  for (const [key, value] of Object.entries(p)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`respawn.${key} must be a number ≥ 0, got '${value}'`);
    }
  }
  if (p.maxDeaths < 1) throw new RangeError(`respawn.maxDeaths must be ≥ 1, got '${p.maxDeaths}'`);
  return p;
}

/**
 * The recent deaths of one loop slot. Deaths older than the window are
 * forgotten, so a loop that stays up for a window starts again from
 * `backoffMs`.
 */
export class CrashWindow {
  readonly #policy: RespawnPolicy;
  #deaths: number[] = [];

  constructor(policy: RespawnPolicy) {
    this.#policy = policy;
  }

  /** Deaths inside the window ending at `now`. */
  count(now: number): number {
    this.#forget(now);
    return this.#deaths.length;
  }

  /** Records a death at `now` (ms, any monotonic clock) and says what to do. */
  record(now: number): Verdict {
    this.#forget(now);
    this.#deaths.push(now);
    const p = this.#policy;
    const deaths = this.#deaths.length;
    if (deaths >= p.maxDeaths) return { action: "give-up", deaths, windowMs: p.windowMs };
    const delayMs = Math.min(p.maxBackoffMs, p.backoffMs * 2 ** (deaths - 1));
    return { action: "respawn", delayMs, deaths };
  }

  #forget(now: number): void {
    const since = now - this.#policy.windowMs;
    let drop = 0;
    while (drop < this.#deaths.length && this.#deaths[drop] <= since) drop++;
    if (drop > 0) this.#deaths.splice(0, drop);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
