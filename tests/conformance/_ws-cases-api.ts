/**
 * The API's behaviour, as a Bun app sees it (WS1–WS10 in core/ws/types.ts,
 * WH1–WH3): the upgrade and its refusals, `ws.data` and friends,
 * binaryType, what `send` returns under backpressure, reads held by a
 * pending handler, handler errors, idle pings, topics, shutdown, and Hono's
 * `upgradeWebSocket`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  client,
  closeClean,
  get,
  log,
  logUntil,
  raw,
  serverClose,
  sleep,
  uid,
  type WsCase,
} from "./_ws-case.ts";
import { clientFrame, closeBody, closeOf, OP, RawWs, type ServerFrame, WsClient } from "./_ws-client.ts";

/** A request to `path` on `port`, as written; the answer's head. */
async function answer(port: number, request: string): Promise<RawWs> {
  return await RawWs.open(port, "", {}, request);
}

const UPGRADE =
  "upgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

/** Floods a `cmd` socket on `server` until a send is dropped (or `max`); the client reads nothing meanwhile. */
async function flood(t: Parameters<WsCase["run"]>[0], server: "bp" | "bpclose" | "nolimit", max: number) {
  const c = await raw(t, "cmd", { server });
  c.pause();
  await c.send(clientFrame(OP.TEXT, JSON.stringify({ op: "flood", size: 65536, max })));
  const l = await logUntil(t, c.id, (l) => l.some((e) => "flood" in e));
  const entry = l.find((e) => "flood" in e);
  assert.ok(entry !== undefined, `no flood report: ${JSON.stringify(l)}`);
  return { c, ...entry } as {
    c: RawWs & { id: string };
    flood: { sent: number; queued: number; dropped: number };
    readyState: number;
  };
}

/** Reads `n` flood messages (65536 bytes each, in order). */
async function readFlood(c: RawWs, n: number): Promise<ServerFrame | undefined> {
  for (let i = 0; i < n; i++) {
    const f = await c.frame(20_000);
    assert.equal(f.opcode, OP.BINARY, `message ${i} of ${n}`);
    assert.equal(f.payload.length, 65536, `message ${i}`);
    assert.equal(f.payload[1], (31 + i) & 0xff, `message ${i} is the ${i}th sent`);
  }
  return await c.maybeFrame(300);
}

export const apiCases: WsCase[] = [
  // ---- WS1 and the handshake ----------------------------------------------------------
  {
    name: "WS1 the 101: Upgrade, Connection, the accept key, the handler's own fields, no body",
    async run(t) {
      const c = await raw(t, "echo", { server: "main" });
      assert.ok(c.head.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), c.head);
      assert.equal(c.field("upgrade")?.toLowerCase(), "websocket");
      assert.match(c.field("connection") ?? "", /upgrade/i);
      assert.equal(
        c.field("sec-websocket-accept"),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        "WH2 the RFC's example key",
      );
      assert.equal(c.field("x-fixture"), "ws");
      assert.equal(c.field("content-length"), undefined);
      assert.equal(c.field("transfer-encoding"), undefined);
      await closeClean(c, "after");
    },
  },
  {
    name: "WS1 a request that is not a valid upgrade gets the handler's response, upgrade returning false",
    async run(t) {
      const port = t.ports.main;
      const v13 = "sec-websocket-version: 13\r\n";
      const requests: Array<[string, string]> = [
        ["a plain GET", "GET /ws/echo?id=NOTUP HTTP/1.1\r\nhost: x\r\n\r\n"],
        ["POST", `POST /ws/echo HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n${UPGRADE}${v13}\r\n`],
        ["HTTP/1.0", `GET /ws/echo HTTP/1.0\r\nhost: x\r\n${UPGRADE}${v13}\r\n`],
        [
          "no Connection: upgrade",
          `GET /ws/echo HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\n${v13}sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
        ],
        [
          "a key of 4 bytes",
          `GET /ws/echo HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n${v13}sec-websocket-key: AAAAAA==\r\n\r\n`,
        ],
        [
          "no key",
          `GET /ws/echo HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n${v13}\r\n`,
        ],
      ];
      for (const [what, request] of requests) {
        const c = await answer(port, request);
        assert.equal(c.status, 400, `${what}: ${c.head}`);
        assert.equal(c.field("x-upgrade"), "false", what);
        c.destroy();
      }
      assert.deepEqual((await log(t, "NOTUP")).map((e) => e.upgrade), [false]);
    },
  },
  {
    name: "WS1 an upgrade the handler refuses gets the handler's own response",
    async run(t) {
      const c = await RawWs.open(t.ports.main, "/ws/refuse");
      assert.equal(c.status, 403, c.head);
      c.destroy();
      await assert.rejects(client(t, "refuse"), /upgrade answered 403/);
    },
  },
  {
    name: "WH1 a version other than 13 is answered 426 with Sec-WebSocket-Version: 13",
    async run(t) {
      for (const version of ["8", "14", ""]) {
        const c = await RawWs.open(t.ports.main, `/ws/echo?id=${uid("v")}`, {
          "sec-websocket-version": version,
        });
        assert.equal(c.status, 426, `version "${version}": ${c.head}`);
        assert.equal(c.field("sec-websocket-version"), "13", `version "${version}"`);
        c.destroy();
      }
    },
  },
  {
    name: "WH3 the handler's subprotocol is sent when the client offered it, and only then",
    async run(t) {
      const c = await client(t, "cmd", { protocols: ["chat.v1", "chat.v2"] });
      assert.equal(c.ws.protocol, "chat.v2");
      assert.equal((await c.cmd("info")).protocol, "chat.v2");
      await c.close(1000);
      const r = await raw(t, "cmd", {
        server: "main",
        query: "&protocol=not.offered",
        headers: { "sec-websocket-protocol": "chat.v1" },
      });
      assert.equal(r.field("sec-websocket-protocol"), undefined);
      await r.send(clientFrame(OP.TEXT, JSON.stringify({ op: "info" })));
      assert.equal(JSON.parse((await r.frame()).payload.toString()).protocol, "");
      await closeClean(r, "after");
    },
  },
  {
    name: "WS1 open runs first and may send; ws.data, remoteAddress and readyState are set",
    async run(t) {
      const g = await client(t, "greet");
      assert.equal((await g.message()).data.toString(), "hello from open");
      await g.close(1000);
      const c = await client(t, "cmd", { query: "&extra=x1" });
      const info = await c.cmd("info");
      assert.equal(info.readyState, 1);
      assert.equal(info.remoteAddress, "127.0.0.1");
      assert.deepEqual(info.data, { id: c.id, mode: "cmd", extra: "x1" });
      assert.deepEqual(info.subscriptions, []);
      assert.deepEqual((await log(t, c.id)).slice(0, 2), [{ upgrade: true }, { open: 1 }]);
      await c.close(1000);
    },
  },

  // ---- WS2 messages --------------------------------------------------------------------
  {
    name: "WS2 binaryType: a Buffer by default, a Uint8Array or an ArrayBuffer on request",
    async run(t) {
      const c = await client(t, "cmd");
      assert.equal((await c.cmd("info")).binaryType, "nodebuffer");
      const kind = async () => {
        c.send(new Uint8Array([1, 2, 3]));
        const r = await c.json();
        assert.equal(r.bytes, 3);
        return r.kind;
      };
      assert.equal(await kind(), "Buffer");
      for (
        const [type, want] of [["uint8array", "Uint8Array"], ["arraybuffer", "ArrayBuffer"], [
          "nodebuffer",
          "Buffer",
        ]]
      ) {
        assert.equal((await c.cmd("binaryType", { type })).binaryType, type);
        assert.equal(await kind(), want, type);
      }
      await c.close(1000);
    },
  },

  {
    name: "WS2 a binary message is the handler's to keep: later reads do not change it",
    async run(t) {
      const c = await client(t, "cmd");
      await c.cmd("keep");
      const kept = Buffer.alloc(3000, 0xab);
      c.send(kept);
      for (let i = 0; i < 20; i++) c.send(Buffer.alloc(3000, i));
      for (let i = 0; i < 20; i++) assert.equal((await c.json()).bytes, 3000);
      c.send(JSON.stringify({ op: "flush" }));
      assert.ok((await c.message()).data.equals(kept));
      await c.close(1000);
    },
  },

  {
    name: "WS2 stats count sockets, messages and bytes each way",
    async run(t) {
      const c = await client(t, "echo", { server: "stats" });
      for (const m of ["abc", "de", "f"]) {
        c.send(m);
        await c.message();
      }
      await c.close(1000);
      const stats =
        async () => (await (await get(`http://127.0.0.1:${t.ports.main}/admin/stats/stats`)).json());
      let s = await stats();
      for (let i = 0; i < 100 && s.websockets?.closed !== 1; i++) s = await sleep(20).then(stats);
      assert.deepEqual(s.websockets, {
        open: 0,
        opened: 1,
        closed: 1,
        messagesIn: 3,
        messagesOut: 3,
        bytesIn: 6,
        bytesOut: 12, // three 2-byte heads and 6 bytes of text
        backpressure: 0,
        dropped: 0,
      });
    },
  },

  // ---- WS3 send --------------------------------------------------------------------------
  {
    name: "WS3 send returns the payload's bytes for each kind of data, and 0 for an empty message",
    async run(t) {
      const c = await client(t, "cmd");
      const sends = [
        { kind: "text", size: 5 },
        { kind: "text", size: 200 },
        { kind: "binary", size: 3 },
        { kind: "dataview", size: 10 },
        { kind: "sendText", size: 3 },
        { kind: "sendBinary", size: 4 },
        { kind: "text", size: 1000, compress: true },
        { kind: "text", size: 0 },
        { kind: "binary", size: 0 },
        // Over the 64 KiB high-water mark: -1 where the runtime's socket takes
        // nothing at once (Deno's writes are asynchronous), then drain.
        { kind: "arraybuffer", size: 70000 },
      ];
      c.send(JSON.stringify({ op: "send", sends }));
      for (const s of sends) {
        const m = await c.message();
        assert.equal(m.data.length, s.size, s.kind);
        assert.equal(m.binary, !/text/i.test(s.kind), s.kind);
      }
      const rets = (await c.json()).rets;
      assert.deepEqual(rets.slice(0, -1), [5, 200, 3, 10, 3, 4, 1000, 0, 0]);
      assert.ok(rets.at(-1) === 70000 || rets.at(-1) === -1, `the 70000-byte message: ${rets.at(-1)}`);
      await c.close(1000);
    },
  },
  {
    name:
      "WS3 a flood returns -1 past the high-water mark, 0 past backpressureLimit; drain follows; nothing accepted is lost",
    timeoutMs: 30_000,
    async run(t) {
      const { c, flood: f, readyState } = await flood(t, "bp", 2000);
      assert.ok(f.queued > 0, `some sends were queued: ${JSON.stringify(f)}`);
      assert.equal(f.dropped, 1, JSON.stringify(f));
      assert.equal(readyState, 1, "dropping does not close");
      c.resume();
      const after = await readFlood(c, f.sent + f.queued);
      assert.equal(after, undefined, "the dropped message never comes");
      await logUntil(t, c.id, (l) => l.some((e) => "drain" in e));
      const l = await log(t, c.id);
      assert.equal(l.filter((e) => "drain" in e).length, 1, JSON.stringify(l));
      await closeClean(c, "after");
    },
  },
  {
    name: "WS3 closeOnBackpressureLimit: past the limit the socket closes with 1008",
    timeoutMs: 30_000,
    async run(t) {
      const { c, flood: f, readyState } = await flood(t, "bpclose", 2000);
      assert.equal(f.dropped, 1, JSON.stringify(f));
      assert.equal(readyState, 2, "closing");
      c.resume();
      const last = await readFlood(c, f.sent + f.queued);
      assert.ok(last !== undefined, "a close frame after the accepted messages");
      assert.equal(closeOf(last).code, 1008);
      await c.send(clientFrame(OP.CLOSE, closeBody(1008)));
      assert.equal((await serverClose(t, c.id)).close, 1008);
      c.destroy();
    },
  },
  {
    name: "WS3 backpressureLimit 0 is no limit: a flood is queued, never dropped",
    timeoutMs: 30_000,
    async run(t) {
      const { c, flood: f } = await flood(t, "nolimit", 300);
      assert.deepEqual(
        { dropped: f.dropped, total: f.sent + f.queued },
        { dropped: 0, total: 300 },
        JSON.stringify(f),
      );
      assert.ok(f.queued > 0, JSON.stringify(f));
      c.resume();
      assert.equal(await readFlood(c, 300), undefined);
      await closeClean(c, "after");
    },
  },
  {
    name: "WS3 cork: the sends inside it arrive, in order",
    async run(t) {
      const c = await client(t, "cmd");
      c.send(JSON.stringify({ op: "cork" }));
      assert.equal((await c.message()).data.toString(), "corked 1");
      assert.equal((await c.message()).data.toString(), "corked 2");
      assert.equal((await c.json()).op, "cork");
      await c.close(1000);
    },
  },

  // ---- WS4 reads follow the handler ---------------------------------------------------------
  {
    name:
      "WS4 while a message promise is pending nothing more is read: the next message and a ping wait for it",
    async run(t) {
      const c = await client(t, "cmd");
      await c.cmd("slow", { ms: 300 });
      c.send("A");
      c.ws.ping("P");
      c.send(JSON.stringify({ op: "info" }));
      const e1 = await c.next();
      assert.deepEqual([e1.type, e1.type !== "close" && e1.data.toString()], ["message", "done A"]);
      const e2 = await c.next();
      assert.deepEqual(
        [e2.type, e2.type !== "close" && e2.data.toString()],
        ["pong", "P"],
        "the ping waited",
      );
      assert.equal((await c.json()).op, "info");
      await c.close(1000);
    },
  },

  // ---- WS5 handler errors ---------------------------------------------------------------------
  {
    name:
      "WS5 a handler that throws or rejects closes its socket with 1011 and reaches onError; others go on",
    async run(t) {
      const other = await client(t, "cmd");
      for (const how of ["throw", "reject"]) {
        const c = await client(t, "cmd");
        await c.cmd("fail", { how });
        c.send("this message fails");
        assert.equal((await c.closed()).code, 1011, how);
        const l = await logUntil(t, c.id, (l) => l.some((e) => "onError" in e));
        assert.ok(l.some((e) => "onError" in e && e.onError.includes(how)), `${how}: ${JSON.stringify(l)}`);
        assert.equal((await serverClose(t, c.id)).close, 1011);
      }
      assert.equal((await other.cmd("info")).readyState, 1);
      await other.close(1000);
    },
  },

  // ---- WS7 idle --------------------------------------------------------------------------------
  {
    name: "WS7 a silent socket is pinged after idleTimeout, then closed when it stays silent",
    async run(t) {
      const c = await raw(t, "cmd", { server: "idle" });
      const t0 = performance.now();
      const f = await c.frame(5_000);
      assert.equal(f.opcode, OP.PING, "a ping");
      assert.ok(performance.now() - t0 > 500, "not before the idle timeout");
      await c.waitEnd(5_000);
      assert.equal((await serverClose(t, c.id)).close, 1006);
    },
  },
  {
    name: "WS7 a socket that answers the pings stays open past idleTimeout",
    async run(t) {
      const c = await client(t, "cmd", { server: "idle" });
      await sleep(2_600);
      assert.equal((await c.cmd("info")).readyState, 1);
      await c.close(1000);
    },
  },
  {
    name: "WS7 sendPings false: a silent socket is closed after idleTimeout, without a ping",
    async run(t) {
      const c = await raw(t, "cmd", { server: "nopings" });
      const frames = await c.rest(5_000);
      assert.ok(frames.every((f) => f.opcode !== OP.PING), "no ping");
      assert.ok(c.ended, "closed");
    },
  },

  // ---- WS8 topics ------------------------------------------------------------------------------
  {
    name:
      "WS8 publish reaches the topic's other subscribers; server.publish all; counts follow sub, unsub, close",
    async run(t) {
      const topic = uid("topic");
      const [a, b, c] = await Promise.all([client(t, "cmd"), client(t, "cmd"), client(t, "cmd")]);
      for (const [i, s] of [a, b, c].entries()) {
        assert.deepEqual(await s.cmd("sub", { topic }), { op: "sub", isSubscribed: true, count: i + 1 });
      }
      assert.equal((await a.cmd("pub", { topic, text: "hi" })).ret, 2, "the payload's bytes, as Bun");
      assert.equal((await b.message()).data.toString(), "hi");
      assert.equal((await c.message()).data.toString(), "hi");
      const res = await fetch(`http://127.0.0.1:${t.ports.main}/publish?topic=${topic}&text=all`);
      assert.equal((await res.json()).sent, 3);
      for (const s of [a, b, c]) assert.equal((await s.message()).data.toString(), "all");
      assert.deepEqual(await c.cmd("unsub", { topic }), { op: "unsub", isSubscribed: false, count: 2 });
      await b.close(1000);
      await serverClose(t, b.id);
      assert.equal((await a.cmd("count", { topic })).count, 1);
      assert.equal((await a.cmd("pub", { topic, text: "alone" })).ret, 0, "no one else");
      await a.close(1000);
      await c.close(1000);
    },
  },
  {
    name: "WS8 publishes arrive in publish order, binary as binary; publishToSelf reaches the sender",
    async run(t) {
      const topic = uid("topic");
      const [a, b] = await Promise.all([client(t, "cmd"), client(t, "cmd")]);
      await a.cmd("sub", { topic });
      await b.cmd("sub", { topic });
      for (let i = 0; i < 50; i++) {
        a.send(JSON.stringify({ op: "pub", topic, text: `m${i}`, binary: i === 49 }));
      }
      for (let i = 0; i < 49; i++) assert.equal((await b.message()).data.toString(), `m${i}`);
      assert.equal((await b.message()).binary, true);
      await Promise.all([a.close(1000), b.close(1000)]);
      const s = await client(t, "cmd", { server: "self" });
      await s.cmd("sub", { topic });
      s.send(JSON.stringify({ op: "pub", topic, text: "to me too" }));
      assert.equal((await s.message()).data.toString(), "to me too");
      assert.equal((await s.json()).ret, 9);
      await s.close(1000);
    },
  },

  // ---- WS10 server pings -------------------------------------------------------------------------
  {
    name: "WS10 ws.ping and ws.pong: the frames go out, the answer reaches the pong handler, 126 bytes throw",
    async run(t) {
      const c = await raw(t, "cmd", { server: "main" });
      const cmd = async (op: string, args: Record<string, unknown> = {}) => {
        await c.send(clientFrame(OP.TEXT, JSON.stringify({ op, ...args })));
      };
      await cmd("ping", { data: "ab" });
      let f = await c.frame();
      assert.deepEqual([f.opcode, f.payload.toString()], [OP.PING, "ab"]);
      assert.equal(JSON.parse((await c.frame()).payload.toString()).ret, 2);
      await c.send(clientFrame(OP.PONG, "ab"));
      await cmd("pong", { data: "cd" });
      f = await c.frame();
      assert.deepEqual([f.opcode, f.payload.toString()], [OP.PONG, "cd"]);
      assert.equal(JSON.parse((await c.frame()).payload.toString()).ret, 2);
      await cmd("ping");
      f = await c.frame();
      assert.deepEqual([f.opcode, f.payload.length], [OP.PING, 0]);
      assert.equal(
        JSON.parse((await c.frame()).payload.toString()).ret,
        0,
        "an empty ping returns 0, as Bun",
      );
      await cmd("bigping");
      assert.equal(JSON.parse((await c.frame()).payload.toString()).threw, "RangeError");
      await closeClean(c, "after");
      assert.ok((await log(t, c.id)).some((e) => e.pong === "ab"));
    },
  },

  // ---- WS9 shutdown -----------------------------------------------------------------------------
  {
    name: "WS9 a graceful stop sends 1001, waits for the close handshakes, and counts them",
    serial: true,
    timeoutMs: 20_000,
    async run(t) {
      const polite = await client(t, "cmd", { server: "stop" });
      const silent = await raw(t, "cmd", { server: "stop" });
      const res = await fetch(`http://127.0.0.1:${t.ports.main}/admin/close/stop/1500`);
      const report = await res.json();
      assert.deepEqual(report.websockets, { closed: 1, forced: 1 }, JSON.stringify(report));
      assert.equal((await polite.closed()).code, 1001);
      const f = await silent.frame();
      assert.equal(closeOf(f).code, 1001);
      await silent.waitEnd();
    },
  },

  // ---- Hono -----------------------------------------------------------------------------------
  {
    name: "WS1 Hono's upgradeWebSocket: onOpen, text and binary echo, onClose with the code and reason",
    async run(t) {
      const id = uid("hono");
      const c = await WsClient.open(t.ports.hono, `/ws/hono?id=${id}`);
      c.send("hi");
      assert.equal((await c.message()).data.toString(), "hono: hi");
      c.send(new Uint8Array([7, 8, 9]));
      const b = await c.message();
      assert.ok(b.binary && b.data.equals(Buffer.from([7, 8, 9])));
      await c.close(4003, "from the client");
      const l = await logUntil(t, id, (l) => l.some((e) => "close" in e), "hono");
      assert.equal(l[0].open, 1);
      assert.deepEqual(l.find((e) => "close" in e), { close: 4003, reason: "from the client" });
    },
  },
  {
    name: "WS5 Hono: a throw in onMessage reaches the route's onError",
    async run(t) {
      const id = uid("hono");
      const c = await WsClient.open(t.ports.hono, `/ws/hono?id=${id}`);
      c.send("throw");
      const l = await logUntil(t, id, (l) => l.some((e) => "onError" in e), "hono");
      assert.ok(l.some((e) => "onError" in e && e.onError.includes("hono throw")), JSON.stringify(l));
      await c.close(1000);
    },
  },
];
