/**
 * The stall watchdog: every loop measures its own delay, the same way on
 * every runtime — a repeating web `setTimeout` and the lateness of each tick
 * on `performance.now()` — and names what blocked it.
 *
 * Naming costs the hot path one field store: the server writes
 * `watchdog.current = label` before it calls user code. A clock read per
 * handler would name blockers more precisely under load, but costs 50–150 ns
 * on these runtimes (measured: Bun ~50, Node ~85–95, Deno ~150 ns per
 * `performance.now()`, vs ~1–2 ns for the field store), a cost every request
 * would pay to catch the rare one that blocks. Instead a late tick blames the
 * label it finds: the one stored by the last code that ran before the loop got
 * back to its timers. A synchronous blocker keeps its label current for as
 * long as it blocks, so it is named; a tick clears the label, so a label set
 * before an `await` is not blamed for a stall that comes after it. Under load,
 * handlers that run after the blocker in the same I/O batch overwrite the
 * label before the tick sees it: then the stall is blamed on the last of
 * them (the `byLabel` counts still point at the culprit over many stalls).
 *
 * @example Naming a blocking handler
 * ```ts
 * import { startWatchdog } from "./watchdog.ts";
 * const watchdog = startWatchdog({ stallMs: 100, log: false });
 * function handle(route: string, handler: () => void): void {
 *   watchdog.current = route; // the whole hot-path cost
 *   handler();
 * }
 * handle("GET /cheap", () => {});
 * if (watchdog.overloaded) {
 *   // answer 503 with Retry-After: 1 instead of queueing behind the stall
 * }
 * watchdog.stop();
 * ```
 *
 * @module
 */

import { TriloopError } from "./errors.ts";
import { Histogram } from "./pool/histogram.ts";
import type { Stall, Watchdog, WatchdogOptions, WatchdogStats } from "./types.ts";

/** Distinct labels counted in `byLabel`; routes, not raw paths, keep it small. */
const MAX_LABELS = 64;
/** At most one log line this often; the next line lists the stalls in between. */
const LOG_EVERY_MS = 1000;
/** Stalls a line lists by name; past it, the line counts the rest. */
const MAX_LISTED = 5;
/** The smoothed delay behind `overloaded` follows about this much recent time. */
const SMOOTHING_MS = 200;

/** Starts measuring this loop's delay (see {@link Watchdog} for the invariants). */
export function startWatchdog(options: WatchdogOptions = {}): Watchdog {
  return new StallWatchdog(options);
}

class StallWatchdog implements Watchdog {
  current: string | { toString(): string } | undefined = undefined;
  #intervalMs: number;
  #stallMs: number;
  #shedMs: number;
  #alpha: number;
  #onStall: ((stall: Stall) => void) | undefined;
  #log: ((line: string) => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #due: number;
  #warmUntil: number;
  #stopped = false;
  #overloaded = false;
  #smoothed = 0;
  #delays = new Histogram();
  #ticks = 0;
  #stalls = 0;
  #byLabel = new Map<string, number>();
  #last: Stall | undefined;
  #loggedAt = -Infinity;
  /** Stalls not logged yet (their line waits for the rate limit), and how many in all. */
  #pending: Stall[] = [];
  #unlogged = 0;
  /** The one callback the timer runs, made once. */
  #tick = () => this.#onTick();

  constructor(options: WatchdogOptions) {
    this.#intervalMs = positive(options.intervalMs, 20, "intervalMs");
    this.#stallMs = positive(options.stallMs, 100, "stallMs");
    this.#shedMs = options.shedMs === undefined ? Infinity : positive(options.shedMs, 0, "shedMs");
    this.#alpha = Math.min(1, this.#intervalMs / SMOOTHING_MS);
    this.#onStall = options.onStall;
    this.#log = options.log === false ? undefined : options.log ?? defaultLog;
    this.#due = performance.now() + this.#intervalMs;
    this.#warmUntil = performance.now() + (options.warmupMs ?? 0);
    this.#schedule();
  }

  get overloaded(): boolean {
    return this.#overloaded;
  }

  stats(): WatchdogStats {
    return {
      ticks: this.#ticks,
      stalls: this.#stalls,
      p50Ms: this.#delays.quantile(0.5),
      p99Ms: this.#delays.quantile(0.99),
      maxMs: this.#delays.max,
      smoothedMs: this.#smoothed,
      overloaded: this.#overloaded,
      byLabel: Object.fromEntries(this.#byLabel),
      lastStall: this.#last,
    };
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = setTimeout(this.#tick, this.#intervalMs);
    // A watchdog alone must not keep a process alive (Node and Bun timers can
    // be unref'd; Deno's are numbers, so there it lives until `stop`).
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #onTick(): void {
    if (this.#stopped) return;
    const now = performance.now();
    const current = this.current;
    this.current = undefined;
    const label = current === undefined ? undefined : String(current);
    const late = now > this.#due ? now - this.#due : 0;
    const since = this.#due;
    this.#due = now + this.#intervalMs;
    this.#schedule();
    this.#ticks++;
    this.#delays.record(late);
    this.#smoothed += this.#alpha * (late - this.#smoothed);
    if (this.#smoothed >= this.#shedMs) this.#overloaded = true;
    else if (this.#smoothed < this.#shedMs / 2) this.#overloaded = false;
    if (late >= this.#stallMs && now >= this.#warmUntil) this.#stall({ label, delayMs: late, since }, now);
    else if (this.#unlogged > 0 && now - this.#loggedAt >= LOG_EVERY_MS) this.#flushLog(now);
  }

  #stall(stall: Stall, now: number): void {
    this.#stalls++;
    this.#last = stall;
    const key = stall.label ?? "(unlabelled)";
    const seen = this.#byLabel.get(key);
    if (seen !== undefined) this.#byLabel.set(key, seen + 1);
    else if (this.#byLabel.size < MAX_LABELS) this.#byLabel.set(key, 1);
    else this.#byLabel.set("(other)", (this.#byLabel.get("(other)") ?? 0) + 1);
    if (this.#log !== undefined) {
      this.#unlogged++;
      if (this.#pending.length < MAX_LISTED) this.#pending.push(stall);
      if (now - this.#loggedAt >= LOG_EVERY_MS) this.#flushLog(now);
    }
    if (this.#onStall !== undefined) {
      try {
        this.#onStall(stall);
      } catch (err) {
        console.error("triloop watchdog: onStall threw", err);
      }
    }
  }

  /** One line for every stall not logged yet: each is named in exactly one line (up to MAX_LISTED a line). */
  #flushLog(now: number): void {
    this.#loggedAt = now;
    const listed = this.#pending.map((s) => `${Math.round(s.delayMs)} ms by ${describe(s.label)}`);
    const n = this.#unlogged;
    const rest = n - listed.length;
    this.#pending = [];
    this.#unlogged = 0;
    this.#log?.(
      n === 1
        ? `triloop: the event loop was blocked ${listed[0]}`
        : `triloop: the event loop was blocked ${n} times: ${listed.join(", ")}${
          rest > 0 ? `, and ${rest} more` : ""
        }`,
    );
  }
}

function describe(label: string | undefined): string {
  return label === undefined ? "unlabelled code" : `"${label}"`;
}

function defaultLog(line: string): void {
  console.warn(line);
}

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `${what} must be a number > 0, got '${value}'`);
  }
  return value;
}
