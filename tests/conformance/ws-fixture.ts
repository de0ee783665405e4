/**
 * The app the WebSocket conformance suite talks to (`ws-suite.ts`): one
 * fetch handler and one `websocket` handler, served by `ws.runner.ts` once
 * per option set in {@link wsServers}, and a Hono app with
 * `triloop/hono`'s `upgradeWebSocket`.
 *
 * A socket's behaviour is chosen by its URL, `/ws/<mode>?id=<id>`:
 * - `echo`: every message comes back as it came (the Autobahn sections);
 * - `cmd`: a text message is a JSON command (`{ "op": … }`, see
 *   {@link command}) that exercises the API — send's return values, close,
 *   ping, topics, binaryType, a slow or throwing handler — and a binary
 *   message is answered with what the handler got.
 *
 * What a client cannot see (handler events, returns, `onError`) is logged
 * under the socket's id and read with `GET /log/<id>`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { Hono } from "hono";
import { upgradeWebSocket } from "../../adapters/hono/mod.ts";
import type { ServeInfo, Server } from "../../core/types.ts";
import type { ServerWebSocket, WebSocketHandler, WsMessage } from "../../core/ws/types.ts";

const KiB = 1024;

/**
 * The servers, each with its `websocket` options: `main` for everything
 * that should pass (permessage-deflate offered), and one per option a case
 * needs that would get in the way of the others.
 */
export const wsServers = {
  main: { perMessageDeflate: true },
  /** WS5: a small message limit (also while inflating). */
  small: { maxPayloadLength: 64 * KiB, perMessageDeflate: true },
  /** No permessage-deflate: RSV1 is a protocol error even when the client offers it. */
  plain: {},
  /** WS7: a 1 s idle timeout, with pings (the default) and without. */
  idle: { idleTimeout: 1 },
  nopings: { idleTimeout: 1, sendPings: false },
  /** WS3: a backpressure limit a flood reaches, dropping or closing with 1008. */
  bp: { backpressureLimit: 256 * KiB },
  bpclose: { backpressureLimit: 256 * KiB, closeOnBackpressureLimit: true },
  /** WS3: `backpressureLimit: 0` is no limit, as on Bun. */
  nolimit: { backpressureLimit: 0 },
  /** The server compresses what it sends unless `send` says otherwise. */
  compress: { perMessageDeflate: { compress: true } },
  /** WS8: `publish` reaches the sender too. */
  self: { publishToSelf: true },
  /** Its stats are read by one case alone. */
  stats: {},
  /** WS9: stopped by its case (`/admin/close/stop/<graceMs>`). */
  stop: {},
} satisfies Record<string, Omit<WebSocketHandler<Data>, "message">>;

/** A server of {@link wsServers}, or `hono` (the Hono app, no `websocket` of its own). */
export type WsFixtureServer = keyof typeof wsServers | "hono";

/** What the fixture keeps on each socket (`ws.data`). */
export interface Data {
  id: string;
  mode: string;
  /** The next message's handler waits this long before it answers (WS4). */
  slowMs?: number;
  /** The next message's handler throws ("throw") or rejects ("reject") (WS5). */
  fail?: "throw" | "reject";
  /** Set when a flood is under way: `drain` reports there. */
  flooding?: boolean;
  /** `keep`: the next binary message is kept as it came, and `flush` sends it back later (WS2). */
  keep?: boolean;
  kept?: WsMessage;
  /** The upgrade's own fields, echoed by `info`. */
  extra?: unknown;
  /** The server the socket belongs to (its `publish` and `subscriberCount`). */
  server: ServeInfo;
}

const logs = new Map<string, unknown[]>();
let errors = 0;

/** Appends to the log of socket `id`. */
function log(id: string, entry: unknown): void {
  let l = logs.get(id);
  if (l === undefined) logs.set(id, l = []);
  l.push(entry);
}

/** Told of every handler error by the server (`onError`): logged under the id in its message. */
export function recordError(err: unknown): void {
  errors++;
  const m = /\bid=(\S+)/.exec(String((err as Error)?.message ?? err));
  if (m !== null) log(m[1], { onError: String((err as Error).message) });
}

const servers = new Map<string, Server>();

/** Gives the fixture its servers, for `/admin/…`. */
export function setServers(all: Record<string, Server>): void {
  for (const [name, server] of Object.entries(all)) servers.set(name, server);
}

/** What a binary message arrived as (WS2). */
function kindOf(msg: WsMessage): string {
  if (typeof msg === "string") return "string";
  if (Buffer.isBuffer(msg)) return "Buffer";
  if (msg instanceof Uint8Array) return "Uint8Array";
  if (msg instanceof ArrayBuffer) return "ArrayBuffer";
  return Object.prototype.toString.call(msg);
}

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/**
 * One command of a `cmd` socket. Each answers with one JSON text message
 * (`{ op, … }`) unless it says otherwise.
 */
function command(ws: ServerWebSocket<Data>, cmd: Record<string, any>): unknown {
  const server = ws.data.server;
  const reply = (o: Record<string, unknown>) => ws.send(JSON.stringify({ op: cmd.op, ...o }));
  switch (cmd.op) {
    case "info":
      return reply({
        readyState: ws.readyState,
        protocol: ws.protocol,
        remoteAddress: ws.remoteAddress,
        binaryType: ws.binaryType,
        data: { id: ws.data.id, mode: ws.data.mode, extra: ws.data.extra },
        subscriptions: ws.subscriptions,
        bufferedAmount: ws.getBufferedAmount(),
      });
    // WS3: what send returns, in the order the calls were made; the sent messages come first.
    case "send": {
      const rets = (cmd.sends as Array<{ kind: string; size: number; compress?: boolean }>).map((s) => {
        if (s.kind === "text") return ws.send("t".repeat(s.size), s.compress);
        if (s.kind === "sendText") return ws.sendText("t".repeat(s.size), s.compress);
        if (s.kind === "sendBinary") return ws.sendBinary(pattern(s.size, 1), s.compress);
        if (s.kind === "arraybuffer") return ws.send(pattern(s.size, 2).buffer as ArrayBuffer, s.compress);
        if (s.kind === "dataview") return ws.send(new DataView(pattern(s.size, 3).buffer), s.compress);
        return ws.send(pattern(s.size, 4), s.compress);
      });
      return reply({ rets });
    }
    // WS3: sends `size`-byte messages until one is dropped (or `max`); drain is logged.
    case "flood": {
      ws.data.flooding = true;
      const counts = { sent: 0, queued: 0, dropped: 0 };
      let seq = 0;
      for (let i = 0; i < cmd.max; i++) {
        const msg = pattern(cmd.size, seq++);
        const r = ws.send(msg);
        if (r > 0) counts.sent++;
        else if (r === -1) counts.queued++;
        else {
          counts.dropped++;
          break;
        }
      }
      log(ws.data.id, { flood: counts, readyState: ws.readyState });
      return;
    }
    case "close":
      ws.close(cmd.code, cmd.reason);
      return log(ws.data.id, { closed: true, readyState: ws.readyState, sendAfter: ws.send("late") });
    case "terminate":
      ws.terminate();
      return;
    case "ping":
      return reply({ ret: ws.ping(cmd.data) });
    case "pong":
      return reply({ ret: ws.pong(cmd.data) });
    case "bigping":
      try {
        ws.ping("p".repeat(126));
        return reply({ threw: false });
      } catch (err) {
        return reply({ threw: (err as Error).name });
      }
    case "binaryType":
      ws.binaryType = cmd.type;
      return reply({ binaryType: ws.binaryType });
    case "keep":
      ws.data.keep = true;
      return reply({});
    case "flush":
      ws.send(ws.data.kept as Uint8Array);
      return;
    case "slow":
      ws.data.slowMs = cmd.ms;
      return reply({});
    case "fail":
      ws.data.fail = cmd.how;
      return reply({});
    case "cork":
      return ws.cork(() => {
        ws.send("corked 1");
        ws.send("corked 2");
        return reply({});
      });
    // WS8: topics.
    case "sub":
      ws.subscribe(cmd.topic);
      return reply({ isSubscribed: ws.isSubscribed(cmd.topic), count: server.subscriberCount(cmd.topic) });
    case "unsub":
      ws.unsubscribe(cmd.topic);
      return reply({ isSubscribed: ws.isSubscribed(cmd.topic), count: server.subscriberCount(cmd.topic) });
    case "pub":
      return reply({ ret: ws.publish(cmd.topic, cmd.binary ? pattern(cmd.text.length, 5) : cmd.text) });
    case "spub":
      return reply({ ret: server.publish(cmd.topic, cmd.text) });
    case "count":
      return reply({ count: server.subscriberCount(cmd.topic) });
  }
  return reply({ error: `no such op ${String(cmd.op)}` });
}

/** The fixture's `websocket` handlers; each server adds its options. */
const handlers: WebSocketHandler<Data> = {
  open(ws) {
    log(ws.data.id, { open: ws.readyState });
    if (ws.data.mode === "greet") ws.send("hello from open");
  },
  message(ws, msg) {
    const d = ws.data;
    if (d.mode === "echo") {
      ws.send(msg as string | Uint8Array | ArrayBuffer);
      return;
    }
    if (d.fail !== undefined) {
      const how = d.fail;
      d.fail = undefined;
      const err = new Error(`fixture: ${how} on purpose id=${d.id}`);
      if (how === "throw") throw err;
      return Promise.reject(err);
    }
    if (d.slowMs !== undefined) {
      // WS4: nothing more is read from this socket until this promise settles.
      const ms = d.slowMs;
      d.slowMs = undefined;
      return new Promise<void>((done) =>
        setTimeout(() => {
          ws.send(`done ${String(msg)}`);
          done();
        }, ms)
      );
    }
    if (typeof msg !== "string" && d.keep) {
      // No copy: the bytes are the handler's to keep (WS2).
      d.keep = false;
      d.kept = msg;
      return;
    }
    if (typeof msg !== "string") {
      const bytes = msg instanceof ArrayBuffer ? msg.byteLength : msg.length;
      ws.send(JSON.stringify({ op: "binary", kind: kindOf(msg), bytes }));
      return;
    }
    command(ws, JSON.parse(msg));
  },
  close(ws, code, reason) {
    log(ws.data.id, { close: code, reason, readyState: ws.readyState });
  },
  drain(ws) {
    if (ws.data.flooding) log(ws.data.id, { drain: true });
  },
  ping(ws, data) {
    log(ws.data.id, { ping: new TextDecoder().decode(data) });
  },
  pong(ws, data) {
    log(ws.data.id, { pong: new TextDecoder().decode(data) });
  },
};

/** The `websocket` option of server `name`. */
export function websocketFor(name: keyof typeof wsServers): WebSocketHandler<Data> {
  return { ...handlers, ...wsServers[name] };
}

/** The fetch handler of every server but `hono`: upgrades `/ws/<mode>`, answers the rest. */
export function fetch(request: Request, info: ServeInfo): Response | undefined {
  const url = new URL(request.url);
  const path = url.pathname;
  const id = url.searchParams.get("id") ?? "anon";
  if (path.startsWith("/ws/")) {
    const mode = path.slice(4);
    if (mode === "refuse") return new Response("refused by the handler", { status: 403 });
    const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const pick = url.searchParams.get("protocol");
    const headers: Record<string, string> = { "x-fixture": "ws" };
    // WH3: the handler names a subprotocol; the server sends it only if the client offered it.
    if (pick !== null) headers["sec-websocket-protocol"] = pick;
    else if (offered.includes("chat.v2")) headers["sec-websocket-protocol"] = "chat.v2";
    const ok = info.upgrade<Data>(request, {
      data: { id, mode, extra: url.searchParams.get("extra") ?? undefined, server: info },
      headers,
    });
    log(id, { upgrade: ok });
    if (ok) return undefined;
    return new Response(`not upgraded: ${mode}`, { status: 400, headers: { "x-upgrade": "false" } });
  }
  if (path.startsWith("/log/")) return Response.json(logs.get(path.slice(5)) ?? []);
  if (path === "/errors") return new Response(String(errors));
  if (path.startsWith("/admin/stats/")) {
    return Response.json(servers.get(path.slice(13))?.stats() ?? null);
  }
  if (path.startsWith("/admin/close/")) {
    const [name, grace] = path.slice(13).split("/");
    const server = servers.get(name);
    if (server === undefined) return new Response("no such server", { status: 404 });
    return server.close({ graceMs: Number(grace) }).then((r) => Response.json(r)) as unknown as Response;
  }
  if (path === "/publish") {
    const sent = info.publish(url.searchParams.get("topic")!, url.searchParams.get("text")!);
    return Response.json({ sent });
  }
  return new Response("ws fixture", { status: 200 });
}

/** The Hono app: `upgradeWebSocket` from `triloop/hono`, echoing with a prefix. */
export const honoApp = new Hono();
honoApp.get(
  "/ws/hono",
  upgradeWebSocket((c) => {
    const id = c.req.query("id") ?? "anon";
    return {
      onOpen(_event, ws) {
        log(id, { open: ws.readyState, url: String(ws.url), protocol: ws.protocol });
      },
      onMessage(event, ws) {
        if (event.data === "throw") throw new Error(`fixture: hono throw id=${id}`);
        if (typeof event.data === "string") ws.send(`hono: ${event.data}`);
        else ws.send(event.data as ArrayBuffer);
      },
      onClose(event) {
        const e = event as CloseEvent;
        log(id, { close: e.code, reason: e.reason });
      },
      onError(event) {
        log(id, { onError: String((event as Event & { error?: Error }).error?.message) });
      },
    };
  }),
);
honoApp.get("/log/:id", (c) => c.json(logs.get(c.req.param("id")) ?? []));
