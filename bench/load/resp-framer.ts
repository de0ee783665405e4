/**
 * Finds where RESP2 replies end in a connection's byte stream, so the load
 * generator can count replies to pipelined commands. Simple strings, errors,
 * integers, bulk strings (and the null bulk) and arrays, nested to any depth.
 *
 * Invariants:
 * - **BR1 any-split**: the replies reported are the same however the stream
 *   is split into chunks.
 * - **BR2 one-per-command**: each top-level reply is reported once; an array's
 *   elements are part of its reply. Error replies (`-ERR …`) are reported
 *   with status 500, every other reply with 200.
 * - **BR3 bad-input**: an unknown type byte or a bad length fails the framer.
 *
 * @module
 */

import type { ResponseSink } from "./response-framer.ts";

const LINE = 0; // reading a type byte and its line up to LF
const BULK = 1; // skipping #left bytes of bulk payload plus its CRLF
const FAILED = 2;

const LF = 10;

/** Frames RESP replies on one connection. Same shape as `ResponseFramer`. */
export class RespFramer {
  #state = LINE;
  #type = 0; // type byte of the line being read, 0 before it arrives
  #num = 0;
  #neg = false;
  #digits = 0;
  #left = 0;
  #error = false; // the current top-level reply is an error
  /** Elements still owed by each open array, innermost last. */
  #owed: number[] = [];

  get midResponse(): boolean {
    return this.#type !== 0 || this.#state === BULK || this.#owed.length > 0;
  }

  get failed(): boolean {
    return this.#state === FAILED;
  }

  feed(bytes: Uint8Array, sink: ResponseSink): boolean {
    let i = 0;
    const end = bytes.length;
    while (i < end) {
      if (this.#state === BULK) {
        const n = Math.min(this.#left, end - i);
        this.#left -= n;
        i += n;
        if (this.#left === 0) {
          this.#state = LINE;
          this.#element(sink);
        }
        continue;
      }
      if (this.#state === FAILED) return false;
      const b = bytes[i++];
      if (this.#type === 0) {
        if (b !== 0x2b && b !== 0x2d && b !== 0x3a && b !== 0x24 && b !== 0x2a) return this.#fail();
        this.#type = b;
        this.#num = 0;
        this.#neg = false;
        this.#digits = 0;
        if (b === 0x2d && this.#owed.length === 0) this.#error = true;
        continue;
      }
      if (b !== LF) {
        const t = this.#type;
        if (t === 0x24 || t === 0x2a) {
          if (b === 0x2d && this.#digits === 0) this.#neg = true;
          else if (b >= 48 && b <= 57 && this.#digits < 12) {
            this.#num = this.#num * 10 + (b - 48);
            this.#digits++;
          } else if (b !== 13) return this.#fail();
        }
        continue;
      }
      // End of a line.
      const t = this.#type;
      this.#type = 0;
      if (t === 0x24) {
        if (this.#digits === 0) return this.#fail();
        if (this.#neg) this.#element(sink);
        else {
          this.#left = this.#num + 2;
          this.#state = BULK;
        }
      } else if (t === 0x2a) {
        if (this.#digits === 0) return this.#fail();
        if (this.#neg || this.#num === 0) this.#element(sink);
        else this.#owed.push(this.#num);
      } else {
        this.#element(sink);
      }
    }
    return true;
  }

  finish(_sink: ResponseSink): void {}

  /** One element ended: it completes arrays whose last element it was. */
  #element(sink: ResponseSink): void {
    const owed = this.#owed;
    while (owed.length > 0) {
      if (--owed[owed.length - 1] > 0) return;
      owed.pop();
    }
    const error = this.#error;
    this.#error = false;
    sink.response(error ? 500 : 200, false);
  }

  #fail(): false {
    this.#state = FAILED;
    return false;
  }
}
