/**
 * The RESP core of the raw servers (`resp.node.ts`, `resp.bun.ts`,
 * `resp.deno.ts`): the least a correct pipelined RESP2 server must do, so
 * that triloop's `examples/resp-kv.ts` over the kernel can be compared with
 * the same work done straight on each runtime's TCP API. Runtime-neutral, so
 * the three raw servers differ only in how they touch the socket.
 *
 * Framing: multibulk commands (`*N\r\n$len\r\narg\r\n…`), any split across
 * reads, any number per read; one output buffer per read (replies to a
 * pipelined batch leave in one write). Commands: PING, ECHO, SET, GET, INCR,
 * DEL, and CONFIG GET (each parameter answered with an empty value; that
 * is what redis-benchmark asks for on connect). Input that is not multibulk gets
 * `-ERR Protocol error` and the connection is closed.
 *
 * As lean as resp-kv, so the ratio measures the adapter and not the codec:
 * arguments are views of the input, integers are parsed without allocating,
 * replies are written straight into one growing output buffer, commands are
 * matched on their bytes.
 *
 * @module
 */

const enc = new TextEncoder();
const PONG = enc.encode("+PONG\r\n");
const OK = enc.encode("+OK\r\n");
const NIL = enc.encode("$-1\r\n");
const EMPTY_ARRAY = enc.encode("*0\r\n");
const PAIR = enc.encode("*2\r\n");
const EMPTY_BULK = enc.encode("$0\r\n\r\n");
const NOT_INT = enc.encode("-ERR value is not an integer or out of range\r\n");
const PROTOCOL = enc.encode("-ERR Protocol error: expected '*'\r\n");
const WRONG_ARGS = enc.encode("-ERR wrong number of arguments\r\n");
const UNKNOWN = enc.encode("-ERR unknown command\r\n");
const MAX_ARGS = 1024 * 1024;
const MAX_BULK = 512 * 1024 * 1024;

/** The keyspace, shared by every connection of one server. */
const store = new Map<string, Uint8Array>();

// readInt's results, in module variables so parsing allocates nothing.
let intValue = 0;
let intNext = 0;

/** One connection's parser and output. */
export class RespSession {
  #carry: Uint8Array | undefined;
  #out = new Uint8Array(16 * 1024);
  #len = 0;
  #args: Uint8Array[] = [];
  /** Set when the input lost framing; the caller closes after writing. */
  broken = false;

  /**
   * Runs every complete command in `bytes` (after what was carried) and
   * returns the replies as one buffer, or undefined when there are none. The
   * returned bytes are the caller's (copied out of the session's buffer).
   */
  feed(bytes: Uint8Array): Uint8Array | undefined {
    let buf = bytes;
    if (this.#carry !== undefined) {
      const c = this.#carry;
      buf = new Uint8Array(c.length + bytes.length);
      buf.set(c, 0);
      buf.set(bytes, c.length);
      this.#carry = undefined;
    }
    let at = 0;
    const args = this.#args;
    while (at < buf.length && !this.broken) {
      const next = parseCommand(buf, at, args);
      if (next === -1) break; // incomplete
      if (next === -2) {
        this.#put(PROTOCOL);
        this.broken = true;
        break;
      }
      at = next;
      this.#run(args);
    }
    args.length = 0;
    // Keep only the unparsed tail; a copy, because the runtime may reuse `bytes`.
    if (!this.broken && at < buf.length) this.#carry = buf.slice(at);
    if (this.#len === 0) return undefined;
    const out = this.#out.slice(0, this.#len);
    this.#len = 0;
    return out;
  }

  #run(args: Uint8Array[]): void {
    const name = args[0];
    const n = args.length;
    if (is(name, "GET")) {
      if (n !== 2) return this.#put(WRONG_ARGS);
      const v = store.get(latin1(args[1]));
      if (v === undefined) this.#put(NIL);
      else this.#bulk(v);
    } else if (is(name, "SET")) {
      if (n < 3) return this.#put(WRONG_ARGS);
      store.set(latin1(args[1]), args[2].slice());
      this.#put(OK);
    } else if (is(name, "INCR")) {
      if (n !== 2) return this.#put(WRONG_ARGS);
      const key = latin1(args[1]);
      const old = store.get(key);
      const v = old === undefined ? 0 : decimal(old);
      if (!Number.isSafeInteger(v + 1)) return this.#put(NOT_INT);
      const text = String(v + 1);
      store.set(key, asciiBytes(text));
      this.#int(text);
    } else if (is(name, "PING")) {
      if (n > 1) this.#bulk(args[1]);
      else this.#put(PONG);
    } else if (is(name, "ECHO")) {
      if (n !== 2) return this.#put(WRONG_ARGS);
      this.#bulk(args[1]);
    } else if (is(name, "DEL")) {
      let count = 0;
      for (let i = 1; i < n; i++) if (store.delete(latin1(args[i]))) count++;
      this.#int(String(count));
    } else if (is(name, "CONFIG")) {
      // CONFIG GET <param>: the param with an empty value, as redis-benchmark expects.
      if (n !== 3) return this.#put(EMPTY_ARRAY);
      this.#put(PAIR);
      this.#bulk(args[2]);
      this.#put(EMPTY_BULK);
    } else {
      this.#put(UNKNOWN);
    }
  }

  #room(n: number): void {
    if (this.#len + n <= this.#out.length) return;
    const bigger = new Uint8Array(Math.max(this.#out.length * 2, this.#len + n));
    bigger.set(this.#out.subarray(0, this.#len));
    this.#out = bigger;
  }

  #put(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#out.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /** `:text\r\n`. */
  #int(text: string): void {
    this.#room(text.length + 3);
    const o = this.#out;
    let at = this.#len;
    o[at++] = 0x3a;
    for (let i = 0; i < text.length; i++) o[at++] = text.charCodeAt(i);
    o[at++] = 13;
    o[at++] = 10;
    this.#len = at;
  }

  /** `$len\r\nbytes\r\n`. */
  #bulk(v: Uint8Array): void {
    const len = String(v.length);
    this.#room(len.length + v.length + 5);
    const o = this.#out;
    let at = this.#len;
    o[at++] = 0x24;
    for (let i = 0; i < len.length; i++) o[at++] = len.charCodeAt(i);
    o[at++] = 13;
    o[at++] = 10;
    o.set(v, at);
    at += v.length;
    o[at++] = 13;
    o[at++] = 10;
    this.#len = at;
  }
}

/**
 * Parses one multibulk command at `at` into `args` (views of `buf`). Returns
 * the index after it, −1 when incomplete, −2 when the framing is broken.
 */
export function parseCommand(buf: Uint8Array, at: number, args: Uint8Array[]): number {
  if (buf[at] !== 0x2a /* * */) return -2;
  const count = readInt(buf, at + 1);
  if (count === -1) return -1;
  if (count === -2 || intValue < 1 || intValue > MAX_ARGS) return -2;
  const argc = intValue;
  let i = intNext;
  args.length = 0;
  for (let k = 0; k < argc; k++) {
    if (i >= buf.length) return -1;
    if (buf[i] !== 0x24 /* $ */) return -2;
    const r = readInt(buf, i + 1);
    if (r === -1) return -1;
    if (r === -2 || intValue > MAX_BULK) return -2;
    const start = intNext;
    const end = start + intValue;
    if (end + 2 > buf.length) return -1;
    if (buf[end] !== 13 || buf[end + 1] !== 10) return -2;
    args.push(buf.subarray(start, end));
    i = end + 2;
  }
  return i;
}

/** A decimal up to CRLF at `i` into `intValue`/`intNext`; 0, or −1 incomplete, −2 bad. */
function readInt(buf: Uint8Array, i: number): number {
  let v = 0;
  let digits = 0;
  for (; i < buf.length; i++) {
    const b = buf[i];
    if (b === 13) {
      if (i + 1 >= buf.length) return -1;
      if (buf[i + 1] !== 10 || digits === 0) return -2;
      intValue = v;
      intNext = i + 2;
      return 0;
    }
    if (b < 48 || b > 57 || ++digits > 10) return -2;
    v = v * 10 + (b - 48);
  }
  return -1;
}

/** Whether `arg` is the command `upper`, case-insensitively. */
function is(arg: Uint8Array, upper: string): boolean {
  if (arg.length !== upper.length) return false;
  for (let i = 0; i < arg.length; i++) if ((arg[i] & 0xdf) !== upper.charCodeAt(i)) return false;
  return true;
}

/** The integer a stored value holds, or NaN when it is not one. */
function decimal(v: Uint8Array): number {
  if (v.length === 0 || v.length > 20) return NaN;
  let neg = false;
  let i = 0;
  if (v[0] === 0x2d) {
    neg = true;
    i = 1;
    if (v.length === 1) return NaN;
  }
  let n = 0;
  for (; i < v.length; i++) {
    const d = v[i] - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
