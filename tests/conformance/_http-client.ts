/**
 * The HTTP suite's raw client: a `node:net` socket that sends exact bytes and
 * reads responses back one at a time, with a small HTTP/1.1 response parser
 * (Content-Length, chunked, or until close). Runs in vitest on Node.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";

/**
 * The suite's transport: plain TCP, or TLS trusting `ca` once a TLS variant
 * of the suite calls {@link useTls} (each vitest file runs in its own worker).
 */
let clientCa: string | undefined;

/**
 * Makes this worker's suite speak TLS: raw connections, `url()` and the
 * global `fetch` trust `ca` (TL1: the same cases, the same bytes after
 * decryption).
 */
export async function useTls(ca: string): Promise<void> {
  clientCa = ca;
  // Node's fetch is undici's, whose agent class only its global dispatcher
  // exposes: one made by a first fetch, replaced by one that trusts `ca`.
  const key = Symbol.for("undici.globalDispatcher.1");
  type Agent = { constructor: new (o: unknown) => Agent };
  const g = globalThis as unknown as Record<symbol, Agent | undefined>;
  if (g[key] === undefined) await fetch("http://127.0.0.1:1/").catch(() => {});
  g[key] = new g[key]!.constructor({ connect: { ca } });
}

/** `"https"` when the suite runs over TLS, else `"http"`. */
export function scheme(): "http" | "https" {
  return clientCa === undefined ? "http" : "https";
}

/** One parsed response, with the bytes it came in. */
export interface RawResponse {
  version: string;
  status: number;
  reason: string;
  /** Fields as received (name case kept), in order. */
  fields: Array<[string, string]>;
  body: Buffer;
  /** The exact bytes of this response, head and body. */
  raw: Buffer;
  /** The body was chunked. */
  chunked: boolean;
  /** The first value of `name` (case-insensitive). */
  get(name: string): string | undefined;
  /** Every value of `name` (case-insensitive). */
  all(name: string): string[];
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** A raw connection to 127.0.0.1:`port`. */
export class RawConn {
  readonly socket: net.Socket;
  #buf: Buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #ended = false;
  /** Resolves when the socket closes (either side); never rejects. */
  readonly closed: Promise<void>;
  /** The error that closed it, if any (e.g. ECONNRESET). */
  error: Error | undefined;

  /** The TCP socket under `socket` (the same one without TLS): what a reset is sent on. */
  readonly tcp: net.Socket;

  private constructor(socket: net.Socket, tcp: net.Socket) {
    this.socket = socket;
    this.tcp = tcp;
    socket.on("data", (d: Buffer) => {
      this.#buf = this.#buf.length === 0 ? d : Buffer.concat([this.#buf, d]);
      this.#notify();
    });
    socket.on("error", (err) => (this.error = err));
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.#ended = true;
        this.#notify();
        resolve();
      })
    );
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
  }

  /** Connects; rejects if the connection fails. */
  static open(port: number): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const tcp = net.connect({ port, host: "127.0.0.1", noDelay: true });
      tcp.once("error", reject);
      tcp.once("connect", () => {
        tcp.off("error", reject);
        // Over TLS the handshake goes on behind: what is sent waits for it, and
        // a server that refuses the connection shows as a close, as on TCP.
        resolve(new RawConn(clientCa === undefined ? tcp : tls.connect({ socket: tcp, ca: clientCa }), tcp));
      });
    });
  }

  /** True once the peer ended or the socket closed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes received and not yet parsed as a response. */
  get pending(): Buffer {
    return this.#buf;
  }

  /**
   * Writes bytes (strings as latin1, so every byte value can be sent). When
   * the socket's buffer is full, resolves once the peer reads (drain), answers
   * (data) or goes away (close): a server that refuses a body may stop reading
   * once it has answered, and a send waiting for drain alone then waits for
   * ever (seen once on Bun's native engine, H3 413 by chunked total).
   */
  send(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      const ok = this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
      if (ok) return resolve();
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("data", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("data", done);
      this.socket.on("close", done);
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Waits for more bytes, the end, or `deadline`. */
  async #more(deadline: number, what: string): Promise<void> {
    if (this.#ended) throw new Error(`connection closed while waiting for ${what}`);
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`timed out waiting for ${what}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      timer = setTimeout(resolve, left);
    });
    clearTimeout(timer);
  }

  /**
   * Reads the next response (a `100 Continue` counts as one). `head: true`
   * for the answer to a HEAD request (no body whatever the fields say).
   */
  async response(options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const deadline = performance.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const parsed = parseResponse(this.#buf, options.head ?? false, this.#ended);
      if (parsed !== undefined) {
        this.#buf = this.#buf.subarray(parsed.raw.length);
        return parsed;
      }
      if (this.#ended) {
        throw new Error(
          `connection closed mid-response; got ${JSON.stringify(this.#buf.toString("latin1"))}`,
        );
      }
      await this.#more(deadline, "a response");
    }
  }

  /** Resolves true if the connection closes within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const t = new Promise<boolean>((r) => (timer = setTimeout(r, ms, false)));
    const c = this.closed.then(() => true);
    const e = new Promise<boolean>((r) => this.socket.once("end", () => r(true)));
    const out = await Promise.race([t, c, e]);
    clearTimeout(timer);
    return out || this.#ended;
  }

  /** Closes at once (a client going away). */
  destroy(): void {
    this.socket.destroy();
  }
}

/** Parses one response at the start of `buf`, or `undefined` if it is not all there. */
export function parseResponse(buf: Buffer, head: boolean, ended: boolean): RawResponse | undefined {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(lines[0]);
  if (m === null) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
  const fields: Array<[string, string]> = lines.slice(1).map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const get = (name: string) => fields.find(([n]) => n.toLowerCase() === name)?.[1];
  const status = Number(m[2]);
  let at = end + 4;
  let body: Buffer = Buffer.alloc(0);
  let chunked = false;
  const te = get("transfer-encoding");
  const cl = get("content-length");
  if (head || status < 200 || status === 204 || status === 304) {
    // no body
  } else if (te !== undefined && /chunked/i.test(te)) {
    chunked = true;
    const parts: Buffer[] = [];
    for (;;) {
      const nl = buf.indexOf("\r\n", at);
      if (nl < 0) return undefined;
      const size = parseInt(buf.subarray(at, nl).toString("latin1"), 16);
      if (Number.isNaN(size)) throw new Error(`bad chunk size at ${at}`);
      if (size === 0) {
        const trailerEnd = buf.indexOf("\r\n", nl + 2);
        if (trailerEnd < 0) return undefined;
        at = trailerEnd + 2; // no trailers expected: "0\r\n\r\n"
        break;
      }
      if (buf.length < nl + 2 + size + 2) return undefined;
      parts.push(buf.subarray(nl + 2, nl + 2 + size));
      at = nl + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (cl !== undefined) {
    const n = Number(cl);
    if (buf.length < at + n) return undefined;
    body = buf.subarray(at, at + n);
    at += n;
  } else {
    if (!ended) return undefined; // close-delimited
    body = buf.subarray(at);
    at = buf.length;
  }
  return {
    version: m[1],
    status,
    reason: m[3],
    fields,
    body,
    raw: buf.subarray(0, at),
    chunked,
    get,
    all: (name) => fields.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v),
  };
}

/** Sends `data` on a fresh connection and reads one response. */
export async function exchange(
  port: number,
  data: string | Uint8Array,
  options: { head?: boolean; timeoutMs?: number } = {},
): Promise<{ res: RawResponse; conn: RawConn }> {
  const conn = await RawConn.open(port);
  await conn.send(data);
  const res = await conn.response(options);
  return { res, conn };
}

/** True when the response asks to close the connection. */
export function saysClose(res: RawResponse): boolean {
  return res.all("connection").some((v) => /(^|,)\s*close\s*(,|$)/i.test(v));
}
