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
 * two ticks late on a healthy one. (The first design stamped a coarse clock
 * and allowed one tick of slack; a timer delayed past its tick by a busy
 * machine then fired timeouts early — a Deno CI run saw a 600 ms headers
 * timeout answer 408 in under 550 ms.) The same code runs on every runtime,
 * so timeouts behave alike everywhere.
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
  /** Called when idle past `idleMs`; may disarm or re-arm. */
  onIdle(): void;
}

const MIN_TICK = 5;
const MAX_TICK = 500;

/** Sweeps a set of {@link Idle} items on one timer. */
export class IdleSweeper {
  /** Counts sweeps; activity stores it in `lastActive`. */
  epoch = 0;
  #armed = new Set<Idle>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick = MAX_TICK;

  /** Starts watching `item` (its `idleMs` must be > 0), from now. */
  arm(item: Idle): void {
    item.quietSince = performance.now();
    // One behind the epoch, so that activity before the next sweep (which
    // stores the epoch) reads as new.
    item.lastActive = item.seenActive = this.epoch - 1;
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
