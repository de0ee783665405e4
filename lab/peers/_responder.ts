/**
 * The minimal HTTP/1.1 responder behind the "ceiling" peers (`tcp.node.ts`,
 * `tcp.bun.ts`, `tcp.deno.ts`): what a server written straight on a
 * runtime's TCP API can do when it knows the few routes it serves. It is
 * runtime-neutral so the three peers differ only in how they touch the
 * socket, and so each is as careful as the others.
 *
 * Minimal but correct for what the bench sends: request heads are found by
 * CRLFCRLF, bodies by Content-Length (chunked uploads get 501), pipelined
 * requests are answered in order with one write per chunk read, `/stream`
 * honours backpressure, `Connection: close` is obeyed, a cached `Date`
 * header is sent (RFC 9110 §6.6.1), as every real server does.
 *
 * Routes, the same as the bench's Hono app (`lab/app.ts`): `GET /` text,
 * `GET /json`, `POST /echo` (body echoed, streamed through), `GET /stream`
 * ({@link STREAM_CHUNKS} chunks of {@link STREAM_CHUNK_BYTES}, chunked).
 *
 * @module
 */

/** The socket operations the responder needs. */
export interface RawSocket {
  /** Queues bytes; returns false when the caller should wait for `drain`. */
  write(bytes: Uint8Array): boolean;
  /** Flushes and closes. */
  end(): void;
}

/** Chunks in a `/stream` response: 16 MiB in all, more than loopback socket buffers hold, so a slow reader really pushes back. */
export const STREAM_CHUNKS = 1024;
/** Bytes per `/stream` chunk. */
export const STREAM_CHUNK_BYTES = 16 * 1024;

const enc = new TextEncoder();
const HELLO = "Hello, World!";
const JSON_BODY = JSON.stringify({ message: HELLO });
const CHUNK = chunkFrame(new Uint8Array(STREAM_CHUNK_BYTES).fill(0x61));
const LAST_CHUNK = enc.encode("0\r\n\r\n");

let dateLine = "";
let dateAt = 0;
/** `date: …\r\n`, rebuilt at most once a second. */
function date(): string {
  const t = Date.now();
  if (t - dateAt >= 1000) {
    dateAt = t - (t % 1000);
    dateLine = `date: ${new Date(dateAt).toUTCString()}\r\n`;
    cache.clear();
  }
  return dateLine;
}

const cache = new Map<string, Uint8Array>();
function fixed(key: string, type: string, body: string, close: boolean): Uint8Array {
  const k = key + (close ? "c" : "k");
  let bytes = cache.get(k);
  if (bytes === undefined) {
    const conn = close ? "connection: close\r\n" : "";
    bytes = enc.encode(
      `HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: ${
        enc.encode(body).length
      }\r\n${date()}${conn}\r\n${body}`,
    );
    cache.set(k, bytes);
  }
  return bytes;
}

function chunkFrame(data: Uint8Array): Uint8Array {
  const head = enc.encode(data.length.toString(16) + "\r\n");
  const out = new Uint8Array(head.length + data.length + 2);
  out.set(head, 0);
  out.set(data, head.length);
  out.set([13, 10], head.length + data.length);
  return out;
}

/** One connection's responder: feed it what arrives; it writes the answers. */
export class Responder {
  #sock: RawSocket;
  #buf: Uint8Array | undefined; // unparsed input
  #bodyLeft = 0; // echo body bytes still to pass through
  #closeAfter = false;
  #streamLeft = 0; // /stream chunks still to send
  #waiting = false; // a write asked us to wait for drain
  #done = false;

  constructor(sock: RawSocket) {
    this.#sock = sock;
  }

  /** Bytes arrived. */
  data(bytes: Uint8Array): void {
    this.#buf = this.#buf === undefined ? bytes : concat(this.#buf, bytes);
    this.#run();
  }

  /** The socket can take more. */
  drain(): void {
    this.#waiting = false;
    this.#run();
  }

  /** Whether reads should stop: a stream is blocked on a slow client. */
  get blocked(): boolean {
    return this.#waiting;
  }

  #run(): void {
    const out: Uint8Array[] = [];
    while (!this.#done && !this.#waiting) {
      if (this.#streamLeft > 0) {
        if (!this.#stream(out)) break;
        continue;
      }
      const buf = this.#buf;
      if (buf === undefined || buf.length === 0) break;
      if (this.#bodyLeft > 0) {
        const n = Math.min(this.#bodyLeft, buf.length);
        out.push(buf.subarray(0, n));
        this.#bodyLeft -= n;
        this.#buf = n === buf.length ? undefined : buf.subarray(n);
        if (this.#bodyLeft === 0) this.#finish(out);
        continue;
      }
      const end = headEnd(buf);
      if (end < 0) {
        if (buf.length > 16 * 1024) this.#reject(out, "431 Request Header Fields Too Large");
        break;
      }
      this.#buf = end === buf.length ? undefined : buf.subarray(end);
      this.#request(buf, end, out);
    }
    this.#flush(out);
  }

  #request(buf: Uint8Array, end: number, out: Uint8Array[]): void {
    const sp1 = buf.indexOf(0x20);
    const sp2 = buf.indexOf(0x20, sp1 + 1);
    if (sp1 < 0 || sp2 < 0 || sp2 > end) return this.#reject(out, "400 Bad Request");
    const method = ascii(buf, 0, sp1);
    const path = ascii(buf, sp1 + 1, sp2);
    let length = 0;
    let chunked = false;
    this.#closeAfter = false;
    let at = buf.indexOf(10) + 1;
    while (at < end - 2) {
      const eol = buf.indexOf(10, at);
      const colon = buf.indexOf(0x3a, at);
      const n = colon - at;
      // Only three names matter; their lengths are 14, 17 and 10.
      if (colon > at && colon < eol && (n === 14 || n === 17 || n === 10)) {
        const name = ascii(buf, at, colon).toLowerCase();
        if (name === "content-length") length = Number(ascii(buf, colon + 1, eol).trim());
        else if (name === "transfer-encoding") chunked = true;
        else if (name === "connection") {
          this.#closeAfter = ascii(buf, colon + 1, eol).toLowerCase().includes("close");
        }
      }
      at = eol + 1;
    }
    if (chunked) return this.#reject(out, "501 Not Implemented");
    if (!(length >= 0)) return this.#reject(out, "400 Bad Request");
    const close = this.#closeAfter;
    if (method === "GET" && path === "/") out.push(fixed("/", "text/plain; charset=UTF-8", HELLO, close));
    else if (method === "GET" && path === "/json") {
      out.push(fixed("/json", "application/json", JSON_BODY, close));
    } else if (method === "POST" && path === "/echo") {
      out.push(enc.encode(`HTTP/1.1 200 OK\r\ncontent-length: ${length}\r\n${date()}\r\n`));
      this.#bodyLeft = length;
      if (length > 0) return;
    } else if (method === "GET" && path === "/stream") {
      out.push(enc.encode(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n${date()}\r\n`));
      this.#streamLeft = STREAM_CHUNKS;
      return;
    } else {
      out.push(enc.encode(`HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n${date()}\r\n`));
    }
    this.#finish(out);
  }

  /** Sends stream chunks until done or told to wait; false when waiting. */
  #stream(out: Uint8Array[]): boolean {
    this.#flush(out);
    while (this.#streamLeft > 0) {
      this.#streamLeft--;
      const last = this.#streamLeft === 0;
      const ok = this.#sock.write(CHUNK);
      if (last) {
        this.#sock.write(LAST_CHUNK);
        this.#finish(out);
      }
      if (!ok) {
        this.#waiting = true;
        return false;
      }
    }
    return true;
  }

  #finish(out: Uint8Array[]): void {
    if (this.#closeAfter) {
      this.#flush(out);
      this.#done = true;
      this.#sock.end();
    }
  }

  #reject(out: Uint8Array[], status: string): void {
    out.push(enc.encode(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n${date()}\r\n`));
    this.#closeAfter = true;
    this.#buf = undefined;
    this.#finish(out);
  }

  #flush(out: Uint8Array[]): void {
    if (out.length === 0) return;
    const bytes = out.length === 1 ? out[0] : concatAll(out);
    out.length = 0;
    if (!this.#sock.write(bytes)) this.#waiting = true;
  }
}

/** Index just past the first CRLFCRLF, or −1. */
function headEnd(buf: Uint8Array): number {
  let i = buf.indexOf(10);
  while (i >= 0) {
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
    i = buf.indexOf(10, i + 1);
  }
  return -1;
}

function ascii(buf: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(buf[i]);
  return s;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** `parts` as one array. */
export function concatAll(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
