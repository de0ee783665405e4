/**
 * The stall watchdog: every loop measures its own delay, the same way on
 * every runtime — a repeating web `setTimeout` and the lateness of each tick
 * on `performance.now()` — and names what blocked it.
 *
 * Naming costs the hot path one clock read and two field stores: the server
 * calls `watchdog.enter(label)` before it calls user code, and the label
 * holds the loop from then until the next `enter` or tick. A late tick is
 * split among the labels that held the loop past the tick's due time: each
 * that held it `stallMs` or more is a stall of its own, named by its label.
 * A label alone (one field store, no clock) cannot be split: when several
 * requests run in one I/O batch, as Bun and Deno deliver them, the label
 * found at the tick is the last request's, not the blocker's.
 *
 * The clock `enter` reads is `Date.now()`: its millisecond is plenty for
 * stalls of `stallMs`, and on Deno it costs half of `performance.now()`
 * (on Node and Bun the two cost the same). A wall clock may step: a stall
 * is never reported longer than the monotonic tick was late.
 *
 * A label stays current across its handler's awaits until the next `enter`
 * or tick, so code that resumes after an await before either is still
 * named by it; a tick clears it (WD2), so a label is never blamed for a
 * stall that begins more than one period after its handler started.
 *
 * @example Naming a blocking handler
 * ```ts
 * import { startWatchdog } from "./watchdog.ts";
 * const watchdog = startWatchdog({ stallMs: 100, log: false });
 * function handle(route: string, handler: () => void): void {
 *   watchdog.enter(route); // the whole hot-path cost
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
import { DURATIONS_MS, Histogram } from "./_shared/histogram.ts";
import type { Stall, Watchdog, WatchdogOptions, WatchdogStats } from "./types.ts";

/** Distinct labels counted in `byLabel`; routes, not raw paths, keep it small. */
const MAX_LABELS = 64;
/** Log lines a second, at most; the stalls past them are counted in one line after the second. */
const LINES_PER_SECOND = 10;
/** The smoothed delay behind `overloaded` follows about this much recent time. */
const SMOOTHING_MS = 200;

/** Starts measuring this loop's delay (see {@link Watchdog} for the invariants). */
export function startWatchdog(options: WatchdogOptions = {}): Watchdog {
  return new StallWatchdog(options);
}

type Label = string | { toString(): string };

class StallWatchdog implements Watchdog {
  #label: Label | undefined = undefined;
  /** When `#label` was entered, on `Date.now()`. */
  #since = 0;
  /** The tick's due time on `Date.now()`, for `enter`; and `performance.now() - Date.now()` then. */
  #dueWall: number;
  #wallToMono: number;
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
  #delays = new Histogram(DURATIONS_MS);
  #ticks = 0;
  #stalls = 0;
  #byLabel = new Map<string, number>();
  #last: Stall | undefined;
  /** Labels that held the loop `stallMs` past the due time since the last tick. */
  #found: Stall[] = [];
  /** Labels that ran past the due time since the last tick without holding it `stallMs`. */
  #short = 0;
  /** The log's rate limit: lines in the window that began at `#windowAt`, and the stalls held back. */
  #windowAt = -Infinity;
  #lines = 0;
  #backlog = new Map<string, number>();
  #backlogCount = 0;
  /** The one callback the timer runs, made once. */
  #tick = () => this.#onTick();

  constructor(options: WatchdogOptions) {
    this.#intervalMs = positive(options.intervalMs, 20, "intervalMs");
    this.#stallMs = positive(options.stallMs, 100, "stallMs");
    this.#shedMs = options.shedMs === undefined ? Infinity : positive(options.shedMs, 0, "shedMs");
    this.#alpha = Math.min(1, this.#intervalMs / SMOOTHING_MS);
    this.#onStall = options.onStall;
    this.#log = options.log === false ? undefined : options.log ?? defaultLog;
    const now = performance.now();
    const wall = Date.now();
    this.#due = now + this.#intervalMs;
    this.#dueWall = wall + this.#intervalMs;
    this.#wallToMono = now - wall;
    this.#warmUntil = now + (options.warmupMs ?? 0);
    this.#schedule();
  }

  get current(): Label | undefined {
    return this.#label;
  }

  enter(label: Label): void {
    const now = Date.now();
    // Only a tick that is overdue can make the label before this one a stall.
    if (this.#label !== undefined && now > this.#dueWall) this.#spanEnded(now);
    this.#label = label;
    this.#since = now;
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

  /** The current label held the loop until `now` (`Date.now()`): a stall if it held it `stallMs` past the due time. */
  #spanEnded(now: number): void {
    const from = this.#since > this.#dueWall ? this.#since : this.#dueWall;
    const held = now - from;
    if (held >= this.#stallMs) {
      this.#found.push({ label: String(this.#label), delayMs: held, since: from + this.#wallToMono });
    } else if (held > 0) this.#short++;
  }

  #onTick(): void {
    if (this.#stopped) return;
    const now = performance.now();
    const wall = Date.now();
    const due = this.#due;
    if (this.#label !== undefined && wall > this.#dueWall) this.#spanEnded(wall);
    this.#label = undefined;
    const late = now > due ? now - due : 0;
    this.#due = now + this.#intervalMs;
    this.#dueWall = wall + this.#intervalMs;
    this.#wallToMono = now - wall;
    this.#schedule();
    this.#ticks++;
    this.#delays.record(late);
    this.#smoothed += this.#alpha * (late - this.#smoothed);
    if (this.#smoothed >= this.#shedMs) this.#overloaded = true;
    else if (this.#smoothed < this.#shedMs / 2) this.#overloaded = false;
    let rest = late; // what no single label held: unlabelled code, or labels each under stallMs
    const short = this.#short;
    this.#short = 0;
    const found = this.#found;
    if (found.length > 0) {
      this.#found = [];
      for (const stall of found) {
        // Never longer than the tick was late (the wall clock may have stepped).
        if (stall.delayMs > rest) stall.delayMs = rest;
        rest -= stall.delayMs;
        if (stall.delayMs >= this.#stallMs) this.#stall(stall, now);
      }
    }
    // Start-up (module loading, JIT warm-up) is no handler's fault; a labelled stall always is.
    if (rest >= this.#stallMs && now >= this.#warmUntil) {
      this.#stall(
        { label: undefined, delayMs: rest, since: due, ...(short > 0 ? { shared: short } : {}) },
        now,
      );
    }
    if (this.#backlogCount > 0 && now - this.#windowAt >= 1000) this.#newWindow(now);
  }

  #stall(stall: Stall, now: number): void {
    this.#stalls++;
    this.#last = stall;
    const key = keyOf(stall);
    const seen = this.#byLabel.get(key);
    if (seen !== undefined) this.#byLabel.set(key, seen + 1);
    else if (this.#byLabel.size < MAX_LABELS) this.#byLabel.set(key, 1);
    else this.#byLabel.set("(other)", (this.#byLabel.get("(other)") ?? 0) + 1);
    if (this.#log !== undefined) this.#logStall(stall, now);
    if (this.#onStall !== undefined) {
      try {
        this.#onStall(stall);
      } catch (err) {
        console.error("triloop watchdog: onStall threw", err);
      }
    }
  }

  /** One line per stall, up to LINES_PER_SECOND a second; the rest are counted in one line after it. */
  #logStall(stall: Stall, now: number): void {
    if (now - this.#windowAt >= 1000) this.#newWindow(now);
    if (this.#lines < LINES_PER_SECOND) {
      this.#lines++;
      this.#log!(
        `triloop: the event loop was blocked ${Math.round(stall.delayMs)} ms by ${
          describe(stall, this.#stallMs)
        }`,
      );
      return;
    }
    const what = stall.label !== undefined
      ? `"${stall.label}"`
      : stall.shared === undefined
      ? "unlabelled code"
      : "short tasks";
    this.#backlog.set(what, (this.#backlog.get(what) ?? 0) + 1);
    this.#backlogCount++;
  }

  /** Starts the next second of the rate limit, with the line that counts the last one's stalls held back. */
  #newWindow(now: number): void {
    this.#windowAt = now;
    this.#lines = 0;
    if (this.#backlogCount === 0) return;
    const list = [...this.#backlog].map(([what, n]) => `${what} ×${n}`).join(", ");
    this.#log?.(`triloop: and ${this.#backlogCount} more stalls in the second before, by ${list}`);
    this.#backlog.clear();
    this.#backlogCount = 0;
    this.#lines = 1;
  }
}

/** The `byLabel` key of a stall. */
function keyOf(stall: Stall): string {
  if (stall.label !== undefined) return stall.label;
  return stall.shared === undefined ? "(unlabelled)" : "(short tasks)";
}

function describe(stall: Stall, stallMs: number): string {
  if (stall.label !== undefined) return `"${stall.label}"`;
  if (stall.shared === undefined) return "unlabelled code";
  const n = stall.shared;
  return `unlabelled code and ${n} short labelled task${n === 1 ? "" : "s"} (each under ${stallMs} ms)`;
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
