/**
 * The deployment conformance suite: the PROXY protocol (PX*), the health
 * path and drain delay (HZ*) and `trustProxy` (TP*), each invariant a case
 * run on every runtime by `deploy.runner.ts`; HTTP cases on both engines
 * (`[native]` in the name; what a native server cannot do is in skips.ts).
 * Clients are the runtime under test's own `connect`, writing the bytes a
 * proxy would.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Conn, Listener, Runtime, ServeInfo, Server, SocketHandler } from "../../core/types.ts";
import { getConnInfo } from "../../core/fetch/conn-info.ts";
import { type Case, concat, deferred, sleep, until } from "./harness.ts";
import { v1Header, v2Header } from "./_proxy-headers.ts";
import { TEST_TLS } from "./_tls.ts";
import { isTriloopError } from "../../core/errors.ts";

const HOST = "127.0.0.1";
const te = new TextEncoder();
const td = new TextDecoder();

/** A raw client: writes `parts` (with `gapMs` between), collects what comes back until the server closes. */
async function exchange(rt: Runtime, port: number, parts: Uint8Array[], gapMs = 0) {
  const closed = deferred<void>();
  const got: Uint8Array[] = [];
  const conn = await rt.connect({ hostname: HOST, port }, {
    data: (_c, b) => void got.push(b),
    end: (c) => c.end(),
    close: () => closed.resolve(),
  });
  for (const p of parts) {
    conn.write(p);
    if (gapMs > 0) await sleep(gapMs);
  }
  return { conn, closed: closed.promise, text: () => td.decode(concat(got)), bytes: () => concat(got) };
}

/** A TCP listener recording what its handler saw. */
async function recorder(rt: Runtime, options: Record<string, unknown>) {
  const seen = { opened: 0, data: [] as Uint8Array[], addresses: [] as string[] };
  const handler: SocketHandler = {
    open(conn: Conn) {
      seen.opened++;
      seen.addresses.push(`${conn.remoteAddress} ${conn.remotePort} ${conn.localAddress} ${conn.localPort}`);
    },
    data(conn, bytes) {
      seen.data.push(bytes);
      if (td.decode(concat(seen.data)).endsWith("\n")) conn.end("bye\n");
    },
  };
  const listener = await rt.listen({ hostname: HOST, port: 0, ...options }, handler);
  return { listener, seen };
}

/** The HTTP app of the HTTP cases: the client as each API gives it. */
function whoAmI(request: Request, info: ServeInfo): Response {
  const ip = info.requestIP(request);
  const hono = getConnInfo({ env: info }).remote;
  return Response.json({
    remoteAddr: `${info.remoteAddr.hostname} ${info.remoteAddr.port}`,
    requestIP: `${ip?.address} ${ip?.port}`,
    getConnInfo: `${hono.address} ${hono.port}`,
    path: new URL(request.url).pathname,
    local: `${info.localAddr.hostname} ${info.localAddr.port}`,
    subscribers: info.subscriberCount("none"),
  });
}

function get(path: string, headers = ""): Uint8Array {
  return te.encode(`GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);
}

/** Status and JSON body of a whole response. */
function response(text: string): { status: number; body: string } {
  const status = Number(text.slice(9, 12));
  return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

async function withServer(
  rt: Runtime,
  engine: "kernel" | "native",
  options: Record<string, unknown>,
  run: (server: Server) => Promise<void>,
): Promise<void> {
  const server = await rt.serve({
    fetch: whoAmI,
    port: 0,
    hostname: HOST,
    engine,
    watchdog: false,
    ...options,
  });
  try {
    await run(server);
  } finally {
    await server.close({ graceMs: 0 });
  }
}

async function closeListener(l: Listener): Promise<void> {
  await l.close({ force: true });
}

const CLIENT_V4: [string, number] = ["203.0.113.7", 40123];
const FRONT_V4: [string, number] = ["198.51.100.1", 443];

const tcpCases: Case[] = [
  {
    name: "PX1 a peer outside trustedProxies is closed at once, no byte read or sent, counted",
    async run(rt) {
      const { listener, seen } = await recorder(rt, {
        proxyProtocol: "v2",
        trustedProxies: ["192.0.2.0/24"],
      });
      try {
        const c = await exchange(rt, listener.port, [
          v2Header({ source: CLIENT_V4, destination: FRONT_V4 }),
          te.encode("hi\n"),
        ]);
        await c.closed;
        assert.equal(c.bytes().length, 0, "nothing is sent");
        assert.equal(seen.opened, 0, "no handler callback");
        assert.equal(listener.stats().errors.TRI_ERR_PROXY_UNTRUSTED, 1);
      } finally {
        await closeListener(listener);
      }
    },
  },
  {
    name:
      "PX2 the header is read first: open after it, data from the byte after it, one segment or byte by byte",
    async run(rt) {
      const { listener, seen } = await recorder(rt, { proxyProtocol: "any" });
      try {
        const header = v2Header({ source: CLIENT_V4, destination: FRONT_V4 });
        const one = await exchange(rt, listener.port, [concat([header, te.encode("same segment\n")])]);
        await one.closed;
        assert.equal(one.text(), "bye\n");
        assert.equal(td.decode(concat(seen.data)), "same segment\n");
        seen.data.length = 0;
        const bytes = concat([v1Header("TCP4", CLIENT_V4, FRONT_V4), te.encode("slowly\n")]);
        const parts = Array.from(bytes, (b) => Uint8Array.of(b));
        const slow = await exchange(rt, listener.port, parts.slice(0, 20), 2);
        for (const p of parts.slice(20)) slow.conn.write(p);
        await slow.closed;
        assert.equal(td.decode(concat(seen.data)), "slowly\n");
        assert.equal(seen.opened, 2);
      } finally {
        await closeListener(listener);
      }
    },
  },
  {
    name: "PX3 conn.remoteAddress/remotePort are the header's source, localAddress/localPort its destination",
    async run(rt) {
      const { listener, seen } = await recorder(rt, { proxyProtocol: "any" });
      try {
        const headers = [
          v2Header({ source: CLIENT_V4, destination: FRONT_V4 }),
          v1Header("TCP4", CLIENT_V4, FRONT_V4),
          v2Header({ source: ["2001:db8::7", 1], destination: ["2001:db8::1", 65535] }),
          v1Header("TCP6", ["2001:DB8:0::7", 1], ["2001:db8::1", 65535]),
        ];
        for (const h of headers) await (await exchange(rt, listener.port, [h, te.encode("x\n")])).closed;
        assert.deepEqual(seen.addresses, [
          "203.0.113.7 40123 198.51.100.1 443",
          "203.0.113.7 40123 198.51.100.1 443",
          "2001:db8::7 1 2001:db8::1 65535",
          "2001:db8::7 1 2001:db8::1 65535",
        ]);
      } finally {
        await closeListener(listener);
      }
    },
  },
  {
    name: "PX4 a v2 LOCAL command (a health check) or v1 UNKNOWN is served with the socket's own addresses",
    async run(rt) {
      const { listener, seen } = await recorder(rt, { proxyProtocol: "any" });
      try {
        for (const h of [v2Header({ local: true }), te.encode("PROXY UNKNOWN\r\n")]) {
          const c = await exchange(rt, listener.port, [h, te.encode("ping\n")]);
          await c.closed;
          assert.equal(c.text(), "bye\n");
        }
        assert.equal(seen.addresses.length, 2);
        for (const a of seen.addresses) assert.match(a, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/);
      } finally {
        await closeListener(listener);
      }
    },
  },
  {
    name:
      "PX5 no header, a malformed one, the wrong version, or an end before it: closed, nothing sent, counted",
    async run(rt) {
      const { listener, seen } = await recorder(rt, { proxyProtocol: "v2" });
      try {
        const tries = [
          get("/"),
          te.encode("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nhi\n"),
          (() => {
            const h = v2Header({ source: CLIENT_V4, destination: FRONT_V4 });
            h[12] = 0x31; // version 3
            return h;
          })(),
        ];
        for (const t of tries) {
          const c = await exchange(rt, listener.port, [t]);
          await c.closed;
          assert.equal(c.bytes().length, 0);
        }
        const early = await exchange(rt, listener.port, [
          v2Header({ source: CLIENT_V4, destination: FRONT_V4 }).subarray(0, 10),
        ]);
        early.conn.end();
        await early.closed;
        assert.equal(early.bytes().length, 0);
        await until(
          () => listener.stats().errors.TRI_ERR_PROXY_INVALID === 4,
          "four refusals counted",
          5_000,
        );
        assert.equal(seen.opened, 0);
      } finally {
        await closeListener(listener);
      }
    },
  },
  {
    name: "PX6 a header not whole within proxyTimeoutMs closes the connection, nothing sent, counted",
    async run(rt) {
      const { listener, seen } = await recorder(rt, { proxyProtocol: "v1", proxyTimeoutMs: 150 });
      try {
        const t0 = performance.now();
        const c = await exchange(rt, listener.port, [te.encode("PROXY TCP4 1.2.")]);
        await c.closed;
        assert.ok(performance.now() - t0 >= 140, "not before the timeout");
        assert.equal(c.bytes().length, 0);
        assert.equal(seen.opened, 0);
        assert.equal(listener.stats().errors.TRI_ERR_PROXY_TIMEOUT, 1);
      } finally {
        await closeListener(listener);
      }
    },
  },
  {
    name: "PX7 a v1 line past 107 bytes or a v2 header past 4096 is refused as invalid",
    async run(rt) {
      const { listener } = await recorder(rt, { proxyProtocol: "any" });
      try {
        const long1 = te.encode(`PROXY UNKNOWN ${"a".repeat(120)}\r\n`);
        const long2 = v2Header({ local: true, tlvs: [[0x20, new Uint8Array(5000)]] });
        for (const h of [long1, long2]) {
          const c = await exchange(rt, listener.port, [h]);
          await c.closed;
          assert.equal(c.bytes().length, 0);
        }
        assert.equal(listener.stats().errors.TRI_ERR_PROXY_INVALID, 2);
      } finally {
        await closeListener(listener);
      }
    },
  },
  {
    name: "PX8 v2 TLVs are skipped, whatever they hold",
    async run(rt) {
      const { listener, seen } = await recorder(rt, { proxyProtocol: "v2" });
      try {
        const h = v2Header({
          source: CLIENT_V4,
          destination: FRONT_V4,
          tlvs: [[0x01, te.encode("h2")], [0x05, new Uint8Array(64).fill(0xff)], [0xee, new Uint8Array(0)]],
        });
        const c = await exchange(rt, listener.port, [h, te.encode("after tlvs\n")]);
        await c.closed;
        assert.equal(td.decode(concat(seen.data)), "after tlvs\n");
        assert.equal(seen.addresses[0], "203.0.113.7 40123 198.51.100.1 443");
      } finally {
        await closeListener(listener);
      }
    },
  },
  {
    name: "PX2 with tls: the header is read before the handshake, or the pair is refused as capabilities say",
    async run(rt) {
      const can = rt.capabilities.proxyBeforeTls;
      const listening = rt.listen({ hostname: HOST, port: 0, proxyProtocol: "v2", tls: TEST_TLS.localhost }, {
        data() {},
      });
      if (can === true) {
        // The handshake after the header is proven on Node by tests/proxy/proxy-tls.test.ts.
        await (await listening).close();
        return;
      }
      await assert.rejects(listening, (err: unknown) => {
        assert.ok(isTriloopError(err, "TRI_ERR_INVALID_ARG"));
        assert.ok(err.message.includes(can.reason), err.message);
        return true;
      });
    },
  },
  {
    name: "L2 close({ force }) also closes a connection still reading its PROXY header",
    async run(rt) {
      const { listener, seen } = await recorder(rt, { proxyProtocol: "v2" });
      const header = v2Header({ source: CLIENT_V4, destination: FRONT_V4 });
      const c = await exchange(rt, listener.port, [header.subarray(0, 8)]);
      await sleep(100);
      const t0 = performance.now();
      await listener.close({ force: true });
      await c.closed;
      assert.ok(performance.now() - t0 < 2_000, "closed by the force, not by the header timeout");
      assert.equal(c.bytes().length, 0);
      assert.equal(seen.opened, 0);
      assert.equal(listener.stats().errors.TRI_ERR_FORCED_CLOSE, 1);
    },
  },
  {
    name: "L5 a connection whose PROXY header completes during a graceful stop is asked to end (S9)",
    async run(rt) {
      let stops = 0;
      const listener = await rt.listen({ hostname: HOST, port: 0, proxyProtocol: "v2" }, {
        data() {},
        shutdown(conn) {
          stops++;
          conn.end("stopping\n");
        },
      });
      const header = v2Header({ source: CLIENT_V4, destination: FRONT_V4 });
      const c = await exchange(rt, listener.port, [header.subarray(0, 8)]);
      await sleep(100);
      const report = listener.shutdown({ graceMs: 3_000 });
      await sleep(100);
      c.conn.write(header.subarray(8));
      await c.closed;
      assert.equal(c.text(), "stopping\n");
      assert.equal(stops, 1, "shutdown ran once");
      assert.equal((await report).outcome, "drained");
    },
  },
];

/** The HTTP cases, for one engine. */
function httpCases(engine: "kernel" | "native"): Case[] {
  const tag = engine === "native" ? " [native]" : "";
  return [
    {
      name: `PX3 HTTP: remoteAddr, requestIP() and getConnInfo() give the header's source${tag}`,
      async run(rt) {
        await withServer(rt, engine, { proxyProtocol: "v2" }, async (server) => {
          const c = await exchange(rt, server.port, [
            concat([v2Header({ source: CLIENT_V4, destination: FRONT_V4 }), get("/who")]),
          ]);
          await c.closed;
          const r = response(c.text());
          assert.equal(r.status, 200, c.text());
          assert.deepEqual(JSON.parse(r.body), {
            remoteAddr: "203.0.113.7 40123",
            requestIP: "203.0.113.7 40123",
            getConnInfo: "203.0.113.7 40123",
            path: "/who",
            local: "198.51.100.1 443",
            subscribers: 0,
          });
        });
      },
    },
    {
      name: `PX3 WebSocket: ws.remoteAddress is the header's source${tag}`,
      async run(rt) {
        await withServer(rt, engine, {
          proxyProtocol: "v2",
          fetch: (
            request: Request,
            info: ServeInfo,
          ) => (info.upgrade(request) ? undefined : new Response("no")),
          websocket: {
            open(ws: { remoteAddress: string; send(text: string): number; close(): void }) {
              ws.send(ws.remoteAddress);
            },
            message() {},
          },
        }, async (server) => {
          const upgrade = te.encode(
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
          );
          const c = await exchange(rt, server.port, [
            concat([v2Header({ source: CLIENT_V4, destination: FRONT_V4 }), upgrade]),
          ]);
          await until(() => /\r\n\r\n[\s\S]{2}/.test(td.decode(c.bytes())), "the 101 and a frame", 5_000);
          const bytes = c.bytes();
          const text = td.decode(bytes);
          assert.match(text, /^HTTP\/1\.1 101/);
          const at = text.indexOf("\r\n\r\n") + 4;
          await until(() => c.bytes().length >= at + 2 + c.bytes()[at + 1], "the whole frame", 5_000);
          const frame = c.bytes();
          assert.equal(td.decode(frame.subarray(at + 2, at + 2 + frame[at + 1])), "203.0.113.7");
          c.conn.close();
        });
      },
    },
    {
      name: `L2 HTTP: a forced close ends a connection still reading its PROXY header${tag}`,
      async run(rt) {
        const server = await rt.serve({
          fetch: whoAmI,
          port: 0,
          hostname: HOST,
          engine,
          proxyProtocol: "v2",
        });
        const c = await exchange(rt, server.port, [
          v2Header({ source: CLIENT_V4, destination: FRONT_V4 }).subarray(0, 8),
        ]);
        await sleep(100);
        const t0 = performance.now();
        await server.close({ graceMs: 0 });
        await c.closed;
        assert.ok(performance.now() - t0 < 2_000, "closed by the close, not by the header timeout");
        assert.equal(c.bytes().length, 0);
      },
    },
    {
      name: `PX5 HTTP: a request without a header is closed unanswered and counted${tag}`,
      async run(rt) {
        await withServer(rt, engine, { proxyProtocol: "any" }, async (server) => {
          const c = await exchange(rt, server.port, [get("/")]);
          await c.closed;
          assert.equal(c.bytes().length, 0);
          await until(() => server.stats().errors.TRI_ERR_PROXY_INVALID === 1, "the refusal counted", 5_000);
          assert.equal(server.stats().requests, 0);
        });
      },
    },
    {
      name: `HZ1 the health path answers 200 ok without the app, with any query; HEAD too${tag}`,
      async run(rt) {
        await withServer(rt, engine, { health: "/healthz" }, async (server) => {
          for (const path of ["/healthz", "/healthz?probe=1"]) {
            const c = await exchange(rt, server.port, [get(path)]);
            await c.closed;
            const r = response(c.text());
            assert.equal(r.status, 200);
            assert.equal(r.body, "ok\n");
            assert.match(c.text(), /cache-control: no-store/i);
          }
          const head = await exchange(rt, server.port, [
            te.encode("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
          ]);
          await head.closed;
          assert.equal(response(head.text()).status, 200);
          const other = await exchange(rt, server.port, [get("/healthzz")]);
          await other.closed;
          assert.equal(JSON.parse(response(other.text()).body).path, "/healthzz");
        });
      },
    },
    {
      name:
        `HZ2 a close with drainDelayMs answers 503 on the health path and serves the rest, then drains${tag}`,
      async run(rt) {
        const server = await rt.serve({
          fetch: whoAmI,
          port: 0,
          hostname: HOST,
          engine,
          health: "/healthz",
          watchdog: false,
        });
        const t0 = performance.now();
        const closing = server.close({ graceMs: 2_000, drainDelayMs: 600 });
        const h = await exchange(rt, server.port, [get("/healthz")]);
        await h.closed;
        assert.equal(response(h.text()).status, 503);
        assert.equal(response(h.text()).body, "draining\n");
        const app = await exchange(rt, server.port, [get("/app")]);
        await app.closed;
        assert.equal(response(app.text()).status, 200, "the app is still served during the delay");
        const report = await closing;
        assert.ok(performance.now() - t0 >= 590, "the stop waited for the delay");
        assert.equal(report.outcome, "drained");
      },
    },
    {
      name: `HZ3 a second close with graceMs 0 cuts the drain delay short${tag}`,
      async run(rt) {
        const server = await rt.serve({
          fetch: whoAmI,
          port: 0,
          hostname: HOST,
          engine,
          health: "/healthz",
          watchdog: false,
        });
        const t0 = performance.now();
        const first = server.close({ graceMs: 5_000, drainDelayMs: 10_000 });
        await sleep(50);
        await server.close({ graceMs: 0 });
        await first;
        assert.ok(performance.now() - t0 < 5_000, "the delay was cut");
      },
    },
    {
      name: `TP1 without trustProxy, Forwarded and X-Forwarded-For change nothing${tag}`,
      async run(rt) {
        await withServer(rt, engine, {}, async (server) => {
          const c = await exchange(rt, server.port, [
            get("/", "X-Forwarded-For: 198.51.100.9\r\nForwarded: for=198.51.100.8\r\n"),
          ]);
          await c.closed;
          assert.match(JSON.parse(response(c.text()).body).remoteAddr, /^127\.0\.0\.1 /);
        });
      },
    },
    {
      name: `TP2 trustProxy as a hop count picks the address that many hops from the right${tag}`,
      async run(rt) {
        await withServer(rt, engine, { trustProxy: 1 }, async (server) => {
          const c = await exchange(rt, server.port, [
            get("/", "X-Forwarded-For: 10.9.9.9, 198.51.100.9\r\n"),
          ]);
          await c.closed;
          assert.equal(JSON.parse(response(c.text()).body).remoteAddr, "198.51.100.9 0");
        });
        await withServer(rt, engine, { trustProxy: 5 }, async (server) => {
          const c = await exchange(rt, server.port, [
            get("/", "X-Forwarded-For: 10.9.9.9, 198.51.100.9\r\n"),
          ]);
          await c.closed;
          assert.equal(JSON.parse(response(c.text()).body).remoteAddr, "10.9.9.9 0");
        });
      },
    },
    {
      name: `TP3 trustProxy as CIDRs walks from the right while hops are trusted${tag}`,
      async run(rt) {
        await withServer(rt, engine, { trustProxy: ["127.0.0.0/8", "10.0.0.0/8"] }, async (server) => {
          const c = await exchange(rt, server.port, [
            get("/", "X-Forwarded-For: 192.0.2.1, 198.51.100.9, 10.1.1.1\r\n"),
          ]);
          await c.closed;
          assert.equal(JSON.parse(response(c.text()).body).remoteAddr, "198.51.100.9 0");
          const bad = await exchange(rt, server.port, [
            get("/", "X-Forwarded-For: 198.51.100.9, junk, 10.1.1.1\r\n"),
          ]);
          await bad.closed;
          assert.equal(JSON.parse(response(bad.text()).body).remoteAddr, "10.1.1.1 0");
        });
      },
    },
    {
      name:
        `TP4 the client shows in remoteAddr, requestIP() and getConnInfo(); Forwarded wins, with its port${tag}`,
      async run(rt) {
        await withServer(rt, engine, { trustProxy: 1 }, async (server) => {
          const c = await exchange(rt, server.port, [
            get("/", 'X-Forwarded-For: 10.0.0.1\r\nForwarded: for="[2001:db8::9]:4711";proto=https\r\n'),
          ]);
          await c.closed;
          const seen = JSON.parse(response(c.text()).body);
          assert.equal(seen.remoteAddr, "2001:db8::9 4711");
          assert.equal(seen.requestIP, "2001:db8::9 4711");
          assert.equal(seen.getConnInfo, "2001:db8::9 4711");
          // The rest of the engine's ServeInfo still works through the client's view.
          assert.equal(seen.local, `127.0.0.1 ${server.port}`);
          assert.equal(seen.subscribers, 0);
        });
      },
    },
  ];
}

/** Every case, TCP first, then HTTP on each engine. */
export const deploySuite: Case[] = [...tcpCases, ...httpCases("kernel"), ...httpCases("native")];
