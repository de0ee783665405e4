/**
 * The WebSocket suite's clients, in vitest on Node: {@link RawWs}, a
 * `node:net` socket that sends exact bytes (any frame, valid or not, in any
 * chops) and reads the server's frames back; and {@link WsClient}, the `ws`
 * package (which passes the Autobahn testsuite) with its events in one queue,
 * for valid traffic.
 *
 * @module
 */

import * as net from "node:net";
import { inflateRawSync } from "node:zlib";
import WebSocket from "ws";
import { clientFrame, closeBody, type FrameSpec } from "../ws/_frames.ts";

export { clientFrame, closeBody };
export type { FrameSpec };

/** Opcodes. */
export const OP = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** A frame from the server. */
export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
  /** The frame's bytes, head and payload. */
  raw: Buffer;
}

/** A close frame's code (1005 for none) and reason. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** The key the raw client sends, so the 101 is the same on every run (WH2). */
export const FIXED_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const CRLF2 = Buffer.from("\r\n\r\n");

/** The upgrade request for `path`, with extra header lines. */
export function upgradeRequest(path: string, extra: Record<string, string> = {}): string {
  const fields = {
    host: "127.0.0.1",
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": FIXED_KEY,
    "sec-websocket-version": "13",
    ...extra,
  };
  return `GET ${path} HTTP/1.1\r\n${
    Object.entries(fields).filter(([, v]) => v !== "").map(([k, v]) => `${k}: ${v}\r\n`).join("")
  }\r\n`;
}

/** A raw client connection. */
export class RawWs {
  readonly socket: net.Socket;
  /** The server's answer to the upgrade: its head, as received. */
  head = "";
  #buf: Buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #ended = false;
  /** Resolves when the socket closes; never rejects. */
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.#buf = this.#buf.length === 0 ? d : Buffer.concat([this.#buf, d]);
      this.#notify();
    });
    socket.on("error", () => {});
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.#ended = true;
        this.#notify();
        resolve();
      })
    );
  }

  /**
   * Connects and sends an upgrade of `path` with `extra` fields (an empty
   * value leaves a field out), or `request` as it is; resolves once the
   * answer's head came.
   */
  static async open(
    port: number,
    path: string,
    extra: Record<string, string> = {},
    request?: string,
  ): Promise<RawWs> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port, host: "127.0.0.1", noDelay: true });
      s.once("error", reject);
      s.once("connect", () => {
        s.off("error", reject);
        resolve(s);
      });
    });
    const c = new RawWs(socket);
    socket.write(request ?? upgradeRequest(path, extra));
    await c.readHead();
    return c;
  }

  /** Opens and checks the answer is 101. */
  static async upgrade(port: number, path: string, extra: Record<string, string> = {}): Promise<RawWs> {
    const c = await RawWs.open(port, path, extra);
    if (!c.head.startsWith("HTTP/1.1 101 ")) {
      c.destroy();
      throw new Error(`expected 101, got:\n${c.head}`);
    }
    return c;
  }

  /** The status of the answer to the upgrade. */
  get status(): number {
    return Number(this.head.slice(9, 12));
  }

  /** A field of the answer's head (lower-case name), or undefined. */
  field(name: string): string | undefined {
    for (const line of this.head.split("\r\n").slice(1)) {
      const at = line.indexOf(":");
      if (at > 0 && line.slice(0, at).toLowerCase() === name) return line.slice(at + 1).trim();
    }
    return undefined;
  }

  /** Reads up to the end of the answer's head. */
  async readHead(timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const at = this.#buf.indexOf(CRLF2);
      if (at >= 0) {
        this.head = this.#buf.subarray(0, at + 4).toString("latin1");
        this.#buf = this.#buf.subarray(at + 4);
        return;
      }
      await this.#more(deadline, "the answer's head");
    }
  }

  /** Writes bytes; resolves once the socket took them (or it closed). */
  send(...frames: Uint8Array[]): Promise<void> {
    const data = frames.length === 1 ? frames[0] : Buffer.concat(frames);
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** Writes `data` in pieces of `chop` bytes, one write (and one event-loop turn) each. */
  async sendChopped(data: Uint8Array, chop: number): Promise<void> {
    for (let i = 0; i < data.length; i += chop) {
      if (this.socket.destroyed) return;
      await this.send(data.subarray(i, i + chop));
      if (chop < 64) await new Promise((r) => setImmediate(r));
    }
  }

  /** The next server frame; rejects if the connection ends first or `timeoutMs` passes. */
  async frame(timeoutMs = 10_000): Promise<ServerFrame> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const f = parseFrame(this.#buf);
      if (f !== undefined) {
        this.#buf = this.#buf.subarray(f.raw.length);
        return f;
      }
      await this.#more(deadline, "a frame");
    }
  }

  /** The next frame, or undefined when the connection ended (or `timeoutMs` passed) without one. */
  async maybeFrame(timeoutMs = 10_000): Promise<ServerFrame | undefined> {
    try {
      return await this.frame(timeoutMs);
    } catch {
      return undefined;
    }
  }

  /** Every frame until the connection ends (at most `timeoutMs`). */
  async rest(timeoutMs = 10_000): Promise<ServerFrame[]> {
    const out: ServerFrame[] = [];
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const f = await this.maybeFrame(deadline - performance.now());
      if (f === undefined) return out;
      out.push(f);
    }
  }

  /** True once the server ended or closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves when the connection ends; rejects after `timeoutMs`. */
  async waitEnd(timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.#ended) {
      // Bytes still arriving count as progress: drop them.
      this.#buf = Buffer.alloc(0);
      await this.#more(deadline, "the connection to end").catch((err) => {
        if (!this.#ended) throw err;
      });
    }
  }

  /** Stops or restarts reading (to build backpressure on the server). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async #more(deadline: number, what: string): Promise<void> {
    if (this.#ended) throw new Error(`connection ended while waiting for ${what}`);
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`timed out waiting for ${what}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      timer = setTimeout(resolve, left);
    });
    clearTimeout(timer);
  }
}

/** One server frame at the start of `buf`, or undefined when it is not all there. */
export function parseFrame(buf: Buffer): ServerFrame | undefined {
  if (buf.length < 2) return undefined;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let at = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    at = 10;
  }
  if (masked) at += 4;
  if (buf.length < at + len) return undefined;
  let payload = buf.subarray(at, at + len);
  if (masked) {
    const key = buf.subarray(at - 4, at);
    payload = Buffer.from(payload.map((b, i) => b ^ key[i & 3]));
  }
  return {
    fin: (buf[0] & 0x80) !== 0,
    rsv: (buf[0] >> 4) & 7,
    opcode: buf[0] & 0x0f,
    masked,
    payload,
    raw: buf.subarray(0, at + len),
  };
}

/** The code and reason of a close frame's payload. */
export function closeOf(f: ServerFrame): CloseInfo {
  if (f.opcode !== OP.CLOSE) throw new Error(`expected a close frame, got opcode ${f.opcode}`);
  if (f.payload.length === 0) return { code: 1005, reason: "" };
  return { code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString("utf8") };
}

/** Inflates a permessage-deflate payload (the `00 00 ff ff` tail put back). */
export function inflateMessage(payload: Uint8Array, dictionary?: Uint8Array): Buffer {
  return inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), {
    finishFlush: 2, // Z_SYNC_FLUSH
    ...(dictionary === undefined ? {} : { dictionary }),
  });
}

// ---- the `ws` package ----------------------------------------------------------

/** An event of a {@link WsClient}, in the order they happened. */
export type WsEvent =
  | { type: "message"; data: Buffer; binary: boolean }
  | { type: "ping" | "pong"; data: Buffer }
  | { type: "close"; code: number; reason: string };

/** A `ws` client whose events queue up, for `next()` to take in order. */
export class WsClient {
  readonly ws: WebSocket;
  #events: WsEvent[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  /** The 101's fields. */
  headers: Record<string, string | string[] | undefined> = {};

  private constructor(ws: WebSocket) {
    this.ws = ws;
    const push = (e: WsEvent) => {
      this.#events.push(e);
      const w = this.#wake;
      this.#wake = undefined;
      w?.();
    };
    ws.on("upgrade", (res) => (this.headers = res.headers));
    ws.on("message", (data, binary) => push({ type: "message", data: data as Buffer, binary }));
    ws.on("ping", (data) => push({ type: "ping", data }));
    ws.on("pong", (data) => push({ type: "pong", data }));
    ws.on("close", (code, reason) => {
      this.#closed = true;
      push({ type: "close", code, reason: reason.toString("utf8") });
    });
    ws.on("error", () => {});
  }

  /** Connects to `ws://127.0.0.1:<port><path>`; rejects when the upgrade fails. */
  static open(
    port: number,
    path: string,
    options: WebSocket.ClientOptions & { protocols?: string[] } = {},
  ): Promise<WsClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, options.protocols, {
      perMessageDeflate: false,
      ...options,
    });
    const c = new WsClient(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(c));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  /** The next event; rejects after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<WsEvent> {
    const deadline = performance.now() + timeoutMs;
    while (this.#events.length === 0) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error("timed out waiting for a WebSocket event");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    return this.#events.shift()!;
  }

  /** The next message (pings and pongs are skipped); rejects on a close. */
  async message(timeoutMs = 10_000): Promise<{ data: Buffer; binary: boolean }> {
    for (;;) {
      const e = await this.next(timeoutMs);
      if (e.type === "message") return e;
      if (e.type === "close") throw new Error(`closed (${e.code} ${e.reason}) while waiting for a message`);
    }
  }

  /** The next message as JSON. */
  async json(timeoutMs?: number): Promise<any> {
    const m = await this.message(timeoutMs);
    return JSON.parse(m.data.toString("utf8"));
  }

  /** Sends a JSON command to a `cmd` socket and returns its reply. */
  async cmd(op: string, args: Record<string, unknown> = {}): Promise<any> {
    this.ws.send(JSON.stringify({ op, ...args }));
    return await this.json();
  }

  /** Waits for the close (messages before it are dropped). */
  async closed(timeoutMs = 10_000): Promise<CloseInfo> {
    for (;;) {
      const e = await this.next(timeoutMs);
      if (e.type === "close") return e;
    }
  }

  /** Whether the close event came. */
  get isClosed(): boolean {
    return this.#closed;
  }

  send(data: string | Uint8Array, options: { compress?: boolean; fin?: boolean } = {}): void {
    this.ws.send(data, options);
  }

  /** Closes (if open) and waits for the close. */
  async close(code?: number, reason?: string): Promise<CloseInfo> {
    if (!this.#closed) this.ws.close(code, reason);
    return await this.closed();
  }

  terminate(): void {
    this.ws.terminate();
  }
}
