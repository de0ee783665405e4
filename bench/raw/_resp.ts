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
 * DEL, and CONFIG GET (answered with an empty array, which is what
 * redis-benchmark asks for on connect). Input that is not multibulk gets
 * `-ERR Protocol error` and the connection is closed.
 *
 * @module
 */

const enc = new TextEncoder();
const PONG = enc.encode("+PONG\r\n");
const OK = enc.encode("+OK\r\n");
const NIL = enc.encode("$-1\r\n");
const EMPTY_ARRAY = enc.encode("*0\r\n");
const NOT_INT = enc.encode("-ERR value is not an integer or out of range\r\n");
const PROTOCOL = enc.encode("-ERR Protocol error: expected '*'\r\n");
const MAX_ARGS = 1024 * 1024;
const MAX_BULK = 512 * 1024 * 1024;

/** The keyspace, shared by every connection of one server. */
const store = new Map<string, Uint8Array>();

/** One connection's parser and output. */
export class RespSession {
  #carry: Uint8Array | undefined;
  #out: Uint8Array;
  #len = 0;
  /** Set when the input lost framing; the caller closes after writing. */
  broken = false;

  constructor() {
    this.#out = new Uint8Array(16 * 1024);
  }

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
    const args: Uint8Array[] = [];
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
      args.length = 0;
    }
    // Keep only the unparsed tail; a copy, because the runtime may reuse `bytes`.
    if (!this.broken && at < buf.length) this.#carry = buf.slice(at);
    if (this.#len === 0) return undefined;
    const out = this.#out.slice(0, this.#len);
    this.#len = 0;
    return out;
  }

  #run(args: Uint8Array[]): void {
    const name = lowerAscii(args[0]);
    switch (name) {
      case "ping":
        this.#put(args.length > 1 ? bulk(args[1]) : PONG);
        break;
      case "echo":
        this.#put(args.length > 1 ? bulk(args[1]) : wrongArgs(name));
        break;
      case "set":
        if (args.length < 3) return this.#put(wrongArgs(name));
        store.set(latin1(args[1]), args[2].slice());
        this.#put(OK);
        break;
      case "get": {
        if (args.length !== 2) return this.#put(wrongArgs(name));
        const v = store.get(latin1(args[1]));
        this.#put(v === undefined ? NIL : bulk(v));
        break;
      }
      case "incr": {
        if (args.length !== 2) return this.#put(wrongArgs(name));
        const key = latin1(args[1]);
        const old = store.get(key);
        const n = old === undefined ? 0 : Number(latin1(old));
        if (!Number.isSafeInteger(n) || (old !== undefined && !/^-?\d+$/.test(latin1(old)))) {
          return this.#put(NOT_INT);
        }
        const next = String(n + 1);
        store.set(key, enc.encode(next));
        this.#put(enc.encode(`:${next}\r\n`));
        break;
      }
      case "del": {
        let n = 0;
        for (let i = 1; i < args.length; i++) if (store.delete(latin1(args[i]))) n++;
        this.#put(enc.encode(`:${n}\r\n`));
        break;
      }
      case "config":
        this.#put(EMPTY_ARRAY);
        break;
      default:
        this.#put(enc.encode(`-ERR unknown command '${name.slice(0, 64)}'\r\n`));
    }
  }

  #put(bytes: Uint8Array): void {
    if (this.#len + bytes.length > this.#out.length) {
      const bigger = new Uint8Array(Math.max(this.#out.length * 2, this.#len + bytes.length));
      bigger.set(this.#out.subarray(0, this.#len));
      this.#out = bigger;
    }
    this.#out.set(bytes, this.#len);
    this.#len += bytes.length;
  }
}

/**
 * Parses one multibulk command at `at` into `args` (views of `buf`). Returns
 * the index after it, −1 when incomplete, −2 when the framing is broken.
 */
export function parseCommand(buf: Uint8Array, at: number, args: Uint8Array[]): number {
  if (buf[at] !== 0x2a /* * */) return -2;
  let i = at + 1;
  const count = readInt(buf, i);
  if (count === undefined) return -1;
  if (count.value < 1 || count.value > MAX_ARGS) return -2;
  i = count.next;
  args.length = 0;
  for (let k = 0; k < count.value; k++) {
    if (i >= buf.length) return -1;
    if (buf[i] !== 0x24 /* $ */) return -2;
    const len = readInt(buf, i + 1);
    if (len === undefined) return -1;
    if (len.value < 0 || len.value > MAX_BULK) return -2;
    const start = len.next;
    const end = start + len.value;
    if (end + 2 > buf.length) return -1;
    if (buf[end] !== 13 || buf[end + 1] !== 10) return -2;
    args.push(buf.subarray(start, end));
    i = end + 2;
  }
  return i;
}

/** A decimal up to CRLF at `i`: its value and the index after the LF. */
function readInt(buf: Uint8Array, i: number): { value: number; next: number } | undefined {
  let v = 0;
  let digits = 0;
  for (; i < buf.length; i++) {
    const b = buf[i];
    if (b === 13) {
      if (i + 1 >= buf.length) return undefined;
      if (buf[i + 1] !== 10 || digits === 0) return { value: -1, next: i + 2 };
      return { value: v, next: i + 2 };
    }
    if (b < 48 || b > 57 || ++digits > 10) return { value: -1, next: i };
    v = v * 10 + (b - 48);
  }
  return undefined;
}

function bulk(v: Uint8Array): Uint8Array {
  const head = enc.encode(`$${v.length}\r\n`);
  const out = new Uint8Array(head.length + v.length + 2);
  out.set(head, 0);
  out.set(v, head.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

function wrongArgs(name: string): Uint8Array {
  return enc.encode(`-ERR wrong number of arguments for '${name}' command\r\n`);
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function lowerAscii(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length && i < 64; i++) {
    const c = b[i];
    s += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return s;
}
