/**
 * The `date` field line (RFC 9110 §6.6.1), formatted at most once a second.
 *
 * Formatting a date costs more than the rest of a small response head, and
 * even reading the clock (`Date.now`, a call into the engine) costs nearly as
 * much as encoding the whole head. So a response reads one boolean: when the
 * line is formatted, a timer is set for the next second boundary to mark it
 * stale. While responses are written that is one timer a second; when idle,
 * none.
 *
 * @module
 */

/** Runs `fn` after `ms` milliseconds, without keeping the process alive if it can. */
export type Schedule = (fn: () => void, ms: number) => void;

/** A `date: <IMF-fixdate>\r\n` line kept current to the second. */
export class DateCache {
  readonly #clock: () => number;
  readonly #schedule: Schedule;
  #stale = true;
  #line = "";
  readonly #expire = (): void => {
    this.#stale = true;
  };

  /**
   * @param clock milliseconds since the epoch; default `Date.now`.
   * @param schedule the timer that marks the line stale; default an unref'd `setTimeout`.
   */
  constructor(clock: () => number = Date.now, schedule: Schedule = unrefTimeout) {
    this.#clock = clock;
    this.#schedule = schedule;
  }

  /** The line, `date: Sun, 06 Nov 1994 08:49:37 GMT\r\n` (lower-case name, as every field triloop writes). */
  line(): string {
    if (this.#stale) this.#refresh();
    return this.#line;
  }

  #refresh(): void {
    const now = this.#clock();
    const second = Math.floor(now / 1000) * 1000;
    // toUTCString is IMF-fixdate on every engine since ES2018 (§21.4.4.43).
    this.#line = `date: ${new Date(second).toUTCString()}\r\n`;
    this.#stale = false;
    this.#schedule(this.#expire, second + 1000 - now);
  }
}

/**
 * `setTimeout`, unref'd where the runtime's timer has `unref` (Node, Bun): a
 * cached date must not keep a process alive. On Deno the timer is a number
 * and ends within a second.
 */
function unrefTimeout(fn: () => void, ms: number): void {
  const t: unknown = setTimeout(fn, ms);
  (t as { unref?: () => void }).unref?.();
}
