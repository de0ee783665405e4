/**
 * The `date` field line (RFC 9110 §6.6.1), formatted at most once a second.
 *
 * Formatting a date costs more than the rest of a small response head, and
 * its value only changes once a second: reading a clock and comparing one
 * number is all a response pays. The clock is `Date.now` (a cheap read on
 * every engine; no `Date` object is made) unless one is given, for tests.
 *
 * @module
 */

const PREFIX = "date: ";

/** A `date: <IMF-fixdate>\r\n` line kept current to the second. */
export class DateCache {
  readonly #clock: () => number;
  /** The clock value (ms) from which the cached line is stale. */
  #until = -Infinity;
  #line = new Uint8Array(PREFIX.length + 29 + 2);

  /** @param clock milliseconds since the epoch; default `Date.now`. */
  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /**
   * The line's bytes, `date: Sun, 06 Nov 1994 08:49:37 GMT\r\n`. The array
   * is rewritten when the second changes: copy it, do not keep it.
   */
  line(): Uint8Array {
    const now = this.#clock();
    if (now >= this.#until || now < this.#until - 1000) this.#refresh(now);
    return this.#line;
  }

  #refresh(now: number): void {
    const second = Math.floor(now / 1000) * 1000;
    this.#until = second + 1000;
    // toUTCString is IMF-fixdate on every engine since ES2018 (§21.4.4.43).
    const s = `${PREFIX}${new Date(second).toUTCString()}\r\n`;
    let line = this.#line;
    if (line.length !== s.length) this.#line = line = new Uint8Array(s.length); // years past 9999
    for (let i = 0; i < s.length; i++) line[i] = s.charCodeAt(i);
  }
}
