/**
 * What every WebSocket conformance case gets and the helpers they share. The
 * server is the fixture (`ws-fixture.ts`) in a child process under the
 * runtime and engine under test; the clients (`_ws-client.ts`) run in vitest.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { EngineCase } from "./_engine-suite.ts";
import { clientFrame, closeBody, closeOf, OP, RawWs, type ServerFrame, WsClient } from "./_ws-client.ts";
import type { WsFixtureServer } from "./ws-fixture.ts";
import type { RuntimeId } from "./skips.ts";

/** The fixture servers of one runtime and engine. */
export interface WsTarget {
  runtime: RuntimeId;
  engine: "kernel" | "native";
  ports: Record<WsFixtureServer, number>;
  pid: number;
  /**
   * The server can carry its compression context from one message to the
   * next (RawZlib.dictionary): where it cannot, it adds
   * `server_no_context_takeover` to every permessage-deflate answer.
   */
  deflateContext: boolean;
}

/** The permessage-deflate answer `t`'s server gives when it agrees to `params` (in its order). */
export function agreed(t: WsTarget, ...params: string[]): string {
  const all = t.deflateContext || params.includes("server_no_context_takeover")
    ? params
    : ["server_no_context_takeover", ...params];
  return ["permessage-deflate", ...all].join("; ");
}

/** One case: `"<invariant> <Autobahn section, where one> <what it proves>"`. */
export type WsCase = EngineCase<WsTarget>;

let counter = 0;

/** An id no other socket uses (the fixture logs under it). */
export function uid(prefix = "s"): string {
  return `${prefix}${process.pid}x${++counter}`;
}

/** A `ws` client on `server`'s `/ws/<mode>`, with a fresh id (returned as `id`). */
export async function client(
  t: WsTarget,
  mode: string,
  options: Parameters<typeof WsClient.open>[2] & { server?: WsFixtureServer; query?: string } = {},
): Promise<WsClient & { id: string }> {
  const id = uid(mode);
  const { server = "main", query = "", ...rest } = options;
  const c = await WsClient.open(t.ports[server], `/ws/${mode}?id=${id}${query}`, rest);
  return Object.assign(c, { id });
}

/** A raw client upgraded on `server`'s `/ws/<mode>` (default: `plain`, where no extension is agreed). */
export async function raw(
  t: WsTarget,
  mode = "echo",
  options: { server?: WsFixtureServer; headers?: Record<string, string>; query?: string } = {},
): Promise<RawWs & { id: string }> {
  const id = uid(mode);
  const c = await RawWs.upgrade(
    t.ports[options.server ?? "plain"],
    `/ws/${mode}?id=${id}${options.query ?? ""}`,
    options.headers,
  );
  return Object.assign(c, { id });
}

/** What the fixture logged for socket `id`. */
export async function log(t: WsTarget, id: string, server: WsFixtureServer = "main"): Promise<any[]> {
  const res = await get(`http://127.0.0.1:${t.ports[server]}/log/${id}`);
  return await res.json() as any[];
}

/**
 * A GET by fetch. fetch reuses keep-alive connections, and one the server
 * closed for idleness just as it was reused fails before any answer; a GET
 * is safe to send again, as browsers do.
 */
export function get(url: string): Promise<Response> {
  return fetch(url).catch(() => fetch(url));
}

/** Polls the log of `id` until `ok(log)` holds (or `ms` pass); returns the last log. */
export async function logUntil(
  t: WsTarget,
  id: string,
  ok: (log: any[]) => boolean,
  server: WsFixtureServer = "main",
  ms = 10_000,
): Promise<any[]> {
  const end = performance.now() + ms;
  for (;;) {
    const l = await log(t, id, server);
    if (ok(l) || performance.now() > end) return l;
    await sleep(25);
  }
}

/** The close entry the fixture logged for `id`, once there. */
export async function serverClose(
  t: WsTarget,
  id: string,
  server: WsFixtureServer = "main",
): Promise<{ close: number; reason: string }> {
  const l = await logUntil(t, id, (l) => l.some((e) => "close" in e), server);
  const closes = l.filter((e) => "close" in e);
  assert.equal(closes.length, 1, `the close handler ran ${closes.length} times: ${JSON.stringify(l)}`);
  assert.ok(
    "close" in l[l.length - 1] || "onError" in l[l.length - 1],
    `close is not last: ${JSON.stringify(l)}`,
  );
  return closes[0];
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The connection is failed (RFC 6455 §7.1.7): the next frame is a close with
 * `code`, and then the server ends the connection. Frames in `before` must
 * come first (echoes of what preceded the violation).
 */
export async function expectFail(c: RawWs, code: number, what: string): Promise<void> {
  const frames = await c.rest(10_000);
  const closes = frames.filter((f) => f.opcode === OP.CLOSE);
  assert.ok(closes.length === 1, `${what}: expected one close frame, got ${describe(frames)}`);
  assert.equal(
    frames[frames.length - 1].opcode,
    OP.CLOSE,
    `${what}: frames after the close: ${describe(frames)}`,
  );
  assert.equal(closeOf(closes[0]).code, code, `${what}: close code (${describe(frames)})`);
  assert.ok(c.ended, `${what}: the server did not end the connection`);
  c.destroy();
}

/** Expects the next frame to be a `opcode` frame with `payload` (a string compares as UTF-8). */
export async function expectFrame(c: RawWs, opcode: number, payload: string | Uint8Array, what: string) {
  const f = await c.frame();
  assert.equal(f.opcode, opcode, `${what}: opcode (payload ${f.payload.subarray(0, 40).toString("hex")})`);
  assert.ok(f.fin, `${what}: FIN`);
  assert.ok(!f.masked, `${what}: a server frame must not be masked`);
  const want = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload);
  assert.ok(f.payload.equals(want), `${what}: payload of ${f.payload.length} bytes, expected ${want.length}`);
  return f;
}

/** A short description of frames, for messages. */
export function describe(frames: ServerFrame[]): string {
  return "[" +
    frames.map((f) =>
      f.opcode === OP.CLOSE ? `close ${JSON.stringify(closeOf(f))}` : `op${f.opcode}(${f.payload.length})`
    ).join(", ") + "]";
}

/** Closes cleanly with 1000 from the raw client and expects the echo, then the end. */
export async function closeClean(c: RawWs, what: string): Promise<void> {
  await c.send(clientFrame(OP.CLOSE, closeBody(1000)));
  const frames = await c.rest(10_000);
  assert.equal(frames.length, 1, `${what}: after our close: ${describe(frames)}`);
  assert.deepEqual(closeOf(frames[0]), { code: 1000, reason: "" }, `${what}: the close echo`);
  assert.ok(c.ended, `${what}: the server did not end the connection`);
}

/** Deterministic bytes. */
export function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Deterministic text of `length` bytes (ASCII). */
export function text(length: number, seed = 1): string {
  let s = "";
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}:,"';
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += alphabet[x % alphabet.length];
  }
  return s;
}
