/**
 * The pool's waiting line: a FIFO on a growable ring buffer. `push` and
 * `shift` are O(1) with no allocation once warm (`Array.prototype.shift` is
 * O(n) on large arrays); `remove` — a cancelled task leaving the line — is
 * O(n), which is fine because the line is bounded by `maxQueue` and
 * cancellation is the rare path.
 *
 * @module
 */

/** A FIFO queue. */
export class RingQueue<T> {
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(capacity = 16) {
    this.#items = new Array(Math.max(2, capacity));
  }

  /** Items waiting. */
  get length(): number {
    return this.#length;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) % this.#items.length] = item;
    this.#length++;
  }

  /** Takes the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // no stale reference keeps a settled task alive
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    return item;
  }

  /** Removes `item` wherever it waits; returns whether it was there. Order is kept. */
  remove(item: T): boolean {
    const cap = this.#items.length;
    for (let i = 0; i < this.#length; i++) {
      if (this.#items[(this.#head + i) % cap] !== item) continue;
      for (let j = i; j < this.#length - 1; j++) {
        this.#items[(this.#head + j) % cap] = this.#items[(this.#head + j + 1) % cap];
      }
      this.#items[(this.#head + this.#length - 1) % cap] = undefined;
      this.#length--;
      return true;
    }
    return false;
  }

  /** Takes every item, front first. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  #grow(): void {
    const old = this.#items;
    const items = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) % old.length];
    this.#items = items;
    this.#head = 0;
  }
}
