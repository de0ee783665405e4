/**
 * H4 keep-alive (both ways, HTTP/1.0, idle timeout, requests per connection,
 * max connections), H5 pipelining, H6 100-continue, H7 HEAD.
 *
 * @module
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { RawConn, saysClose, scheme } from "./_http-client.ts";
import { TEST_TLS } from "./_tls.ts";
import { CaseSkip, type HttpCase, marks, sleep, uid } from "./_http-case.ts";

const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

/** Runs curl; rejects with {@link CaseSkip} when it is not installed. */
function curl(args: string[], input: Uint8Array): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile("curl", args, { timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT") {
        reject(new CaseSkip("curl is not installed"));
      } else if (err) reject(new Error(`curl failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

export const connCases: HttpCase[] = [
  {
    name: "H4 HTTP/1.1 connections persist",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      for (let i = 0; i < 3; i++) {
        await conn.send(GET(`/n/${i}`));
        const res = await conn.response();
        assert.equal(res.body.toString(), String(i));
        assert.ok(!saysClose(res));
      }
      assert.ok(!(await conn.closesWithin(100)), "the connection should stay open");
      conn.destroy();
    },
  },
  {
    name: "H4 client Connection: close closes after the response",
    run: async (t) => {
      const id = uid("cc");
      const conn = await RawConn.open(t.ports.main);
      await conn.send(GET("/", "Connection: close\r\n") + GET(`/mark/${id}`));
      const res = await conn.response();
      assert.equal(res.status, 200);
      assert.ok(saysClose(res), "the response should say Connection: close");
      assert.ok(await conn.closesWithin(3_000), "the server should close");
      assert.equal(await marks(t, "main", id), 0, "nothing after Connection: close is read");
    },
  },
  {
    name: "H4 handler Connection: close closes after the response",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      await conn.send(GET("/say-close"));
      const res = await conn.response();
      assert.equal(res.body.toString(), "bye");
      assert.ok(saysClose(res));
      assert.ok(await conn.closesWithin(3_000), "the server should close");
    },
  },
  {
    name: "H4 HTTP/1.0 closes unless keep-alive is asked",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      await conn.send("GET / HTTP/1.0\r\n\r\n");
      const res = await conn.response();
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), "Hello, World!");
      assert.ok(await conn.closesWithin(3_000), "HTTP/1.0 without keep-alive should close");

      const ka = await RawConn.open(t.ports.main);
      for (let i = 0; i < 2; i++) {
        await ka.send(`GET /n/${i} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
        const r = await ka.response();
        assert.equal(r.body.toString(), String(i));
        assert.match(r.get("connection") ?? "", /keep-alive/i, "a kept HTTP/1.0 connection says so");
      }
      assert.ok(!(await ka.closesWithin(100)), "HTTP/1.0 with keep-alive should stay open");
      ka.destroy();
    },
  },
  {
    name: "H4 idle keep-alive timeout closes the connection",
    timeoutMs: 10_000,
    run: async (t) => {
      const conn = await RawConn.open(t.ports.strict); // keepAliveTimeoutMs: 600
      await conn.send(GET("/"));
      assert.equal((await conn.response()).status, 200);
      const t0 = performance.now();
      assert.ok(!(await conn.closesWithin(250)), "closed long before the keep-alive timeout");
      assert.ok(await conn.closesWithin(2_000), "the idle connection should close after ~600 ms");
      assert.ok(performance.now() - t0 >= 500, "closed before the keep-alive timeout");
    },
  },
  {
    name: "H4 maxRequestsPerConnection closes after the last allowed response",
    run: async (t) => {
      const id = uid("rpc");
      const conn = await RawConn.open(t.ports.reqs); // maxRequestsPerConnection: 3
      for (let i = 0; i < 2; i++) {
        await conn.send(GET(`/n/${i}`));
        assert.ok(!saysClose(await conn.response()));
      }
      await conn.send(GET("/n/2") + GET(`/mark/${id}`));
      const last = await conn.response();
      assert.equal(last.body.toString(), "2");
      assert.ok(saysClose(last), "the last allowed response says Connection: close");
      assert.ok(await conn.closesWithin(3_000), "the connection should close");
      assert.equal(conn.pending.length, 0, `nothing after the last response: ${conn.pending}`);
      assert.equal(await marks(t, "reqs", id), 0, "the request past the limit is not read");
    },
  },
  {
    name: "H4 maxConnections closes connections past the limit",
    run: async (t) => {
      const port = t.ports.conns; // maxConnections: 3
      const open: RawConn[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await RawConn.open(port);
        await c.send(GET("/"));
        assert.equal((await c.response()).status, 200);
        open.push(c);
      }
      const extra = await RawConn.open(port);
      await extra.send(GET("/")).catch(() => {});
      assert.ok(await extra.closesWithin(3_000), "a connection past the limit should be closed");
      assert.ok(!/^HTTP\/1\.1 2/.test(extra.pending.toString("latin1")), "and not served");
      open.shift()!.destroy();
      await sleep(200);
      const again = await RawConn.open(port);
      await again.send(GET("/"));
      assert.equal((await again.response()).status, 200, "a slot freed by a close is usable");
      for (const c of [...open, again]) c.destroy();
    },
  },
  {
    name: "H5 100 pipelined requests answered in order",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      let batch = "";
      for (let i = 0; i < 100; i++) {
        batch += i % 2 === 0
          ? GET(`/n/${i}`)
          : `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${String(i).length}\r\n\r\n${i}`;
      }
      await conn.send(batch);
      for (let i = 0; i < 100; i++) {
        const res = await conn.response();
        assert.equal(res.status, 200);
        assert.equal(res.body.toString(), String(i), `response ${i} out of order`);
      }
      conn.destroy();
    },
  },
  {
    name: "H5 pipelined requests with changing Host values each see their own URL",
    run: async (t) => {
      // The kernel keeps a connection's URL origin while the Host bytes stay
      // the same: every change (and a head split across writes) must show.
      const hosts = [
        "a.test",
        "a.test",
        "b.test:8080",
        "a.test",
        "a.tesu",
        "a.tes",
        "[::1]:9",
        "a.test",
        "a.test",
      ];
      const conn = await RawConn.open(t.ports.main);
      await conn.send(hosts.map((h) => `GET /url HTTP/1.1\r\nHost: ${h}\r\n\r\n`).join(""));
      for (const h of hosts) {
        const res = await conn.response();
        assert.equal(res.status, 200);
        assert.equal(res.body.toString(), `${scheme()}://${h}/url`);
      }
      // One head in two writes (the parser's state machine), then whole heads again.
      await conn.send("GET /url HTTP/1.1\r\nHost: c.te");
      await sleep(20);
      await conn.send("st\r\n\r\n");
      assert.equal((await conn.response()).body.toString(), `${scheme()}://c.test/url`);
      for (const h of ["c.test", "a.test"]) {
        await conn.send(`GET /url HTTP/1.1\r\nHost: ${h}\r\n\r\n`);
        assert.equal((await conn.response()).body.toString(), `${scheme()}://${h}/url`);
      }
      conn.destroy();
    },
  },
  {
    name: "H6 100 Continue comes before the body is sent",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      await conn.send("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      const cont = await conn.response({ timeoutMs: 3_000 });
      assert.equal(cont.status, 100);
      await conn.send("hello");
      const res = await conn.response();
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), "5");
      conn.destroy();
    },
  },
  {
    name: "H6 a body over the limit is refused 413 without 100 Continue",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.strict);
      await conn.send(
        "POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n",
      );
      const res = await conn.response();
      assert.equal(res.status, 413, `first answer should be 413, got ${res.status}`);
      assert.ok(saysClose(res));
      conn.destroy();
    },
  },
  {
    name: "H6 100-continue with curl",
    run: async (t) => {
      const body = new Uint8Array(200 * 1024).fill(0x62);
      const { stdout, stderr } = await curl([
        "-sS",
        "-v",
        "--expect100-timeout",
        "5",
        "-H",
        "Expect: 100-continue",
        "--data-binary",
        "@-",
        ...(scheme() === "https" ? ["--cacert", TEST_TLS.caPath] : []),
        `${scheme()}://127.0.0.1:${t.ports.main}/sink`,
      ], body);
      assert.match(stderr, /< HTTP\/1\.1 100 Continue/, "curl should see 100 Continue");
      assert.equal(stdout, String(body.byteLength));
    },
  },
  {
    name: "H7 HEAD carries GET's fields and Content-Length, no body",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      await conn.send("HEAD /raw-head HTTP/1.1\r\nHost: x\r\n\r\n" + GET("/n/7"));
      const head = await conn.response({ head: true });
      assert.equal(head.status, 200);
      assert.equal(head.get("content-length"), "12");
      assert.equal(head.get("x-raw"), "yes");
      assert.match(head.get("content-type") ?? "(none)", /^text\/plain;charset=utf-8$/i);
      const next = await conn.response();
      assert.equal(next.body.toString(), "7", "no body bytes may follow a HEAD answer");
      conn.destroy();
    },
  },
  {
    name: "H7 HEAD on a Hono route: headers, no body",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      await conn.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + GET("/n/8"));
      const head = await conn.response({ head: true });
      assert.equal(head.status, 200);
      assert.match(head.get("content-type") ?? "", /^text\/plain/i);
      const next = await conn.response();
      assert.equal(next.body.toString(), "8", "no body bytes may follow a HEAD answer");
      conn.destroy();
    },
  },
];
