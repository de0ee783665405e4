/**
 * The live progress line, on stderr: rewritten in place with `\r` on a
 * terminal, one plain line per update otherwise (so logs stay readable).
 *
 * @module
 */

import process from "node:process";

/** Writes progress to stderr. */
export class Progress {
  #tty: boolean;
  #last = "";
  #lastPlain = 0;
  #start = performance.now();

  constructor(tty = process.stderr.isTTY === true) {
    this.#tty = tty;
  }

  /** Replaces the line (TTY), or prints it at most every 2 s unless `force` (not a TTY). */
  update(text: string, force = false): void {
    const line = `[${clock(performance.now() - this.#start)}] ${text}`;
    if (this.#tty) {
      const width = process.stderr.columns ?? 120;
      process.stderr.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
      this.#last = line;
    } else if (force || performance.now() - this.#lastPlain > 2000) {
      process.stderr.write(line + "\n");
      this.#lastPlain = performance.now();
    }
  }

  /** Prints a line that stays (above the progress line on a TTY). */
  log(text: string): void {
    if (this.#tty && this.#last) process.stderr.write("\r\x1b[2K");
    process.stderr.write(text + "\n");
    if (this.#tty && this.#last) process.stderr.write(this.#last);
  }

  /** Ends the progress line. */
  done(): void {
    if (this.#tty && this.#last) process.stderr.write("\r\x1b[2K");
    this.#last = "";
  }
}

/** `m:ss`. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
