/**
 * The `Server` handle: `close({ graceMs })` is graceful (in-flight requests
 * finish, idle keep-alive connections close, new ones are refused, the rest
 * is forced at the deadline) and `stats()` counts what the contract lists.
 * The fixture exposes both through `/admin/…` routes on the `main` server.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ServerStats, ShutdownReport } from "../../core/types.ts";
import { UNCOUNTED } from "../../adapters/_native.ts";
import { RawConn, saysClose } from "./_http-client.ts";
import { type HttpCase, type HttpTarget, sleep, uid, url } from "./_http-case.ts";
import type { FixtureServer } from "./http-fixture.ts";

async function stats(t: HttpTarget, server: FixtureServer): Promise<ServerStats> {
  return await (await fetch(url(t, "main", `/admin/stats/${server}`))).json() as ServerStats;
}

/** Whether a connection to `port` is refused or closed without an answer. */
async function refused(port: number): Promise<boolean> {
  let conn: RawConn;
  try {
    conn = await RawConn.open(port);
  } catch {
    return true;
  }
  await conn.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").catch(() => {});
  const closed = await conn.closesWithin(1_000);
  conn.destroy();
  return closed && !conn.pending.toString("latin1").startsWith("HTTP/1.1 200");
}

export const serverCases: HttpCase[] = [
  {
    name: "close() drains: in-flight finish, idle close, new refused, the rest forced at the deadline",
    timeoutMs: 15_000,
    run: async (t) => {
      const port = t.ports.drain;
      const idle = await RawConn.open(port);
      await idle.send("GET /n/1 HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal((await idle.response()).status, 200);
      const slow = await RawConn.open(port);
      await slow.send("GET /slow/500 HTTP/1.1\r\nHost: x\r\n\r\n");
      const stuck = await RawConn.open(port);
      await stuck.send(`GET /hang/${uid("stuck")} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await sleep(100);

      const t0 = performance.now();
      const closing = fetch(url(t, "main", "/admin/close/drain/1500")).then((r) =>
        r.json() as Promise<ShutdownReport>
      );
      assert.ok(await idle.closesWithin(1_000), "an idle keep-alive connection closes at once");
      assert.ok(await refused(port), "new connections are refused while closing");
      const res = await slow.response();
      assert.equal(res.body.toString(), "slow", "an in-flight request finishes");
      assert.ok(saysClose(res), "its response carries Connection: close");
      assert.ok(await slow.closesWithin(1_000), "and its connection closes after it");

      const report = await closing;
      assert.equal(report.outcome, "forced", JSON.stringify(report));
      assert.ok(report.forced >= 1, `forced ${report.forced}`);
      assert.ok(report.completed >= 1, `completed ${report.completed}`);
      assert.ok(performance.now() - t0 >= 1_400, "forced before the grace period ended");
      assert.ok(await stuck.closesWithin(1_000), "the stuck request's connection is closed at the deadline");
    },
  },
  {
    name: "stats() counts requests, responses by class, errors by code, connections and bytes",
    run: async (t) => {
      const s0 = await stats(t, "strict");
      const conn = await RawConn.open(t.ports.strict);
      await conn.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /no/such HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal((await conn.response()).status, 200);
      assert.equal((await conn.response()).status, 404);
      conn.destroy();
      const bad = await RawConn.open(t.ports.strict);
      await bad.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
      assert.equal((await bad.response()).status, 400);
      await bad.closesWithin(2_000);
      await sleep(100);
      const s1 = await stats(t, "strict");

      const uncounted = t.engine === "native" ? UNCOUNTED[t.runtime === "node24" ? "node" : t.runtime] : {};
      assert.ok(s1.requests - s0.requests >= 2, "requests");
      assert.ok(s1.responses["2xx"] - s0.responses["2xx"] >= 1, "2xx");
      assert.ok(s1.responses["4xx"] - s0.responses["4xx"] >= 1, "4xx (404)");
      if (uncounted.refusals === undefined) {
        assert.ok(s1.responses["4xx"] - s0.responses["4xx"] >= 2, "4xx (404 and 400)");
        const parse = (s: ServerStats) => s.errors.TRI_ERR_HTTP_PARSE ?? 0;
        assert.ok(parse(s1) - parse(s0) >= 1, `errors.TRI_ERR_HTTP_PARSE: ${JSON.stringify(s1.errors)}`);
      }
      if (uncounted.connections === undefined) {
        assert.ok(s1.connections.accepted - s0.connections.accepted >= 2, "connections.accepted");
        assert.ok(s1.connections.closed - s0.connections.closed >= 2, "connections.closed");
      }
      if (uncounted.bytesRead === undefined) assert.ok(s1.bytesRead > s0.bytesRead, "bytesRead");
      if (uncounted.bytesWritten === undefined) assert.ok(s1.bytesWritten > s0.bytesWritten, "bytesWritten");
    },
  },
];
