/**
 * Idle timeouts for every connection of a loop, from one timer.
 *
 * A timer per connection, reset on every read and write, costs a
 * clearTimeout/setTimeout pair per event; here activity costs one field store
 * (`lastActive = sweeper.now`) and one sweep runs every `tick` ms. The clock is
 * coarse (it advances per sweep), so a timeout fires when
 * `now - lastActive >= ms + tick`: never early (C7), at most two ticks late.
 * The same code runs on every runtime, so timeouts behave alike everywhere.
 *
 * @module
 */

/** Something with an idle timeout. */
export interface Idle {
  /** The timeout in ms; 0 means disarmed. */
  idleMs: number;
  /** The coarse time of the last activity. */
  lastActive: number;
  /** Called when idle past `idleMs`; may disarm or re-arm. */
  onIdle(): void;
}

const MIN_TICK = 5;
const MAX_TICK = 500;

/** Sweeps a set of {@link Idle} items on one timer. */
export class IdleSweeper {
  /** The coarse clock: ms from `performance.now()`, refreshed every sweep. */
  now: number = performance.now();
  #armed = new Set<Idle>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick = MAX_TICK;
  /**
   * How stale a stamp can be at the next sweep: the longest tick in force
   * since the last one. A shorter tick scheduled by `arm` does not shrink it,
   * because stamps taken before were up to the old tick old.
   */
  #slack = MAX_TICK;

  /** Starts watching `item` (its `idleMs` must be > 0), from now. */
  arm(item: Idle): void {
    // The coarse clock is at most `#slack` old while the timer runs (a sweep
    // refreshes it, and the sweep allows for that); refresh it when idle.
    if (this.#timer === undefined) this.now = performance.now();
    item.lastActive = this.now;
    this.#armed.add(item);
    const tick = tickFor(item.idleMs);
    if (this.#timer === undefined || tick < this.#tick) this.#schedule(tick);
  }

  /** Stops watching `item`. */
  disarm(item: Idle): void {
    this.#armed.delete(item);
  }

  /** How many items are armed. */
  get size(): number {
    return this.#armed.size;
  }

  #schedule(tick: number): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#slack = Math.max(this.#slack, this.#tick, tick);
    } else {
      this.#slack = tick;
    }
    this.#tick = tick;
    this.#timer = setTimeout(() => this.#sweep(), tick);
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = performance.now();
    const slack = this.#slack;
    this.now = now;
    let minMs = Infinity;
    for (const item of this.#armed) {
      if (now - item.lastActive >= item.idleMs + slack) {
        item.lastActive = now;
        item.onIdle();
      }
      if (item.idleMs > 0 && item.idleMs < minMs) minMs = item.idleMs;
    }
    if (this.#armed.size > 0) this.#schedule(tickFor(minMs));
  }
}

function tickFor(ms: number): number {
  return Math.min(MAX_TICK, Math.max(MIN_TICK, Math.floor(ms / 8)));
}

/** The sweeper of this loop (one per thread / worker). */
export const loopSweeper: IdleSweeper = new IdleSweeper();
