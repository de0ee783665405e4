/**
 * Idle timeouts for every connection of a loop, from one timer.
 *
 * A timer per connection, reset on every read and write, costs a
 * clearTimeout/setTimeout pair per event; here activity costs one field store
 * (`lastActive = sweeper.epoch`) and one sweep runs every `tick` ms.
 *
 * The epoch counts sweeps. A sweep that finds an item's `lastActive` changed
 * since the last sweep knows the activity happened before this sweep began,
 * and takes this sweep's time as the item's quiet start: never earlier than
 * the real activity. A timeout fires when `now - quietSince >= ms`, so it is
 * never early (C7) however late the timer runs on a loaded loop, and at most
 * two ticks late on a healthy one. Arming and disarming a watched item are
 * field stores too (no clock read, no set operation per request).
 *
 * (The first design stamped a coarse clock and allowed one tick of slack; a
 * timer delayed past its tick by a busy machine then fired timeouts early —
 * a Deno CI run saw a 600 ms headers timeout answer 408 in under 550 ms.)
 * The same code runs on every runtime, so timeouts behave alike everywhere.
 *
 * @module
 */

/** Something with an idle timeout. */
export interface Idle {
  /** The timeout in ms; 0 means disarmed. */
  idleMs: number;
  /** The sweeper epoch of the last activity (`sweeper.epoch`, stored on activity). */
  lastActive: number;
  /** @internal the sweeper's: a time no earlier than the last activity (ms). */
  quietSince: number;
  /** @internal the sweeper's: the `lastActive` it saw at its last sweep. */
  seenActive: number;
  /** @internal the sweeper's: 0 not in its set, 1 armed, 2 disarmed (leaves at the next sweep). */
  sweep: number;
  /** Called when idle past `idleMs`; may disarm or re-arm. */
  onIdle(): void;
}

const NOT_SWEPT = 0;
const ARMED = 1;
const DISARMED = 2;

const MIN_TICK = 5;
const MAX_TICK = 500;

/** Sweeps a set of {@link Idle} items on one timer. */
export class IdleSweeper {
  /** Counts sweeps; activity stores it in `lastActive`. */
  epoch = 0;
  #armed = new Set<Idle>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick = MAX_TICK;

  /**
   * Starts watching `item` (its `idleMs` must be > 0), from now. Costs field
   * stores on a connection that is already watched: a keep-alive connection
   * arms and disarms once or twice per request.
   */
  arm(item: Idle): void {
    // Seen as activity by the next sweep, which starts the quiet period at
    // its own time: later than now, so never early, and no clock read here.
    item.lastActive = this.epoch;
    item.seenActive = this.epoch - 1;
    if (item.sweep === NOT_SWEPT) this.#armed.add(item);
    item.sweep = ARMED;
    const tick = tickFor(item.idleMs);
    if (this.#timer === undefined || tick < this.#tick) this.#schedule(tick);
  }

  /** Stops watching `item` (it leaves the set at the next sweep). */
  disarm(item: Idle): void {
    if (item.sweep === ARMED) item.sweep = DISARMED;
  }

  /** How many items are armed. */
  get size(): number {
    let n = 0;
    for (const item of this.#armed) if (item.sweep === ARMED) n++;
    return n;
  }

  #schedule(tick: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#tick = tick;
    this.#timer = setTimeout(() => this.#sweep(), tick);
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = performance.now();
    // Activity from here on stores the new epoch, so the next sweep can tell
    // it from activity that happened before this one.
    this.epoch++;
    let minMs = Infinity;
    for (const item of this.#armed) {
      if (item.sweep !== ARMED) {
        item.sweep = NOT_SWEPT;
        this.#armed.delete(item);
        continue;
      }
      if (item.lastActive !== item.seenActive) {
        item.seenActive = item.lastActive;
        item.quietSince = now;
      } else if (now - item.quietSince >= item.idleMs) {
        item.quietSince = now;
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
