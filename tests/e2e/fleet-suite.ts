/**
 * The fleet, tested as users run it (issue 15): examples/deploy/fleet.sh —
 * two nodes behind HAProxy with send-proxy-v2 and health checks on
 * `/healthz` — under a bounded load through HAProxy:
 * 1. a rolling restart of both nodes (SIGTERM, start again) loses no
 *    request: zero errors, zero non-2xx;
 * 2. after `kill -9` of one node, once HAProxy's checks took it out
 *    (inter × fall), no request fails;
 * 3. the handler sees the load client's address and port, not HAProxy's;
 * 4. a long request survives the restart of the other node.
 * Skipped, with the reason printed, without haproxy or the runtime.
 *
 * @module
 */

import assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runtime } from "../conformance/_spawn.ts";
import type { RuntimeId } from "../conformance/skips.ts";
import { freePort } from "./_cli.ts";
import { Fleet, fleetUnavailable } from "./_fleet.ts";
import { startLoad } from "./_load.ts";
import { WebSocket } from "ws";

/** HAProxy's `inter 500ms fall 2` (examples/deploy/haproxy.cfg), plus one interval of slack. */
const CHECKS_TAKE_OUT_MS = 500 * 2 + 500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Registers the fleet test on `id`; `fleetId` names its namespaces (unique
 * per runtime). Each runtime's fleet takes about 35 s, mostly waiting on
 * drain delays and health checks.
 */
export function fleetE2E(id: RuntimeId, fleetId: number): void {
  const rt = runtime(id);
  const why = fleetUnavailable() ?? (rt.available ? undefined : rt.reason);
  const title = `fleet behind HAProxy on ${id}`;
  if (why !== undefined) {
    console.log(`${title}: skipped: ${why}`);
    describe.skip(`${title} — skipped: ${why}`, () => {
      it.skip(why, () => {});
    });
    return;
  }
  describe(title, () => {
    let fleet: Fleet;
    beforeAll(async () => {
      fleet = new Fleet(id, fleetId, await freePort(), await freePort());
      await fleet.start();
    });
    afterAll(async () => {
      await fleet?.stop();
    });

    it("(3) the handler sees the load client's address and port (PROXY v2), not HAProxy's", async () => {
      for (let i = 0; i < 4; i++) {
        const { local, body } = await rawGet(fleet.port, "/who");
        const who = JSON.parse(body);
        assert.equal(who.address, local.address, body);
        assert.equal(who.port, local.port, body);
      }
    });

    it("(1) a rolling restart of both nodes under load loses no request", async () => {
      const load = startLoad(fleet.port);
      try {
        await sleep(500);
        for (const name of ["a", "b"] as const) {
          const code = await fleet.stopNode(name);
          assert.equal(code, 0, `node ${name} drained and exited 0:\n${fleet.output()}`);
          await fleet.startNode(name);
        }
        await sleep(500);
      } finally {
        const r = await load.stop();
        console.log(
          `fleet on ${id}: rolling restart under load: ${
            JSON.stringify({ ...r, failures: r.failures.length })
          }`,
        );
        assert.equal(r.errors, 0, `errors: ${JSON.stringify(r.failures.slice(0, 5))}\n${fleet.output()}`);
        assert.equal(r.non2xx, 0, `non-2xx: ${JSON.stringify(r.failures.slice(0, 5))}`);
        assert.ok(r.ok > 100, `requests answered: ${r.ok}`);
        assert.ok((r.byNode.a ?? 0) > 0 && (r.byNode.b ?? 0) > 0, JSON.stringify(r.byNode));
      }
    });

    it("(4) a long request survives the restart of the other node", async () => {
      const long = await longGet(fleet.port, "/slow?ms=3000");
      const other = long.node === "a" ? "b" : "a";
      assert.equal(await fleet.stopNode(other), 0);
      await fleet.startNode(other);
      const { status, body } = await long.rest;
      assert.equal(status, 200);
      assert.match(body, /done\n$/, body);
    });

    it("(4) a WebSocket survives the restart of the other node", async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${fleet.port}/ws`);
      const replies: string[] = [];
      let closed = false;
      ws.on("message", (data) => replies.push(String(data)));
      ws.on("close", () => (closed = true));
      await new Promise<void>((ok, fail) => {
        ws.once("open", () => ok());
        ws.once("error", fail);
      });
      const reply = async (text: string) => {
        const n = replies.length;
        ws.send(text);
        const end = Date.now() + 5_000;
        while (replies.length === n && Date.now() < end) await sleep(10);
        return replies[n];
      };
      const before = await reply("before");
      const node = before?.split(":")[0];
      assert.match(before ?? "", /^[ab]: before$/);
      const other = node === "a" ? "b" : "a";
      assert.equal(await fleet.stopNode(other), 0);
      await fleet.startNode(other);
      assert.equal(await reply("after"), `${node}: after`);
      assert.equal(closed, false);
      ws.close();
    });

    it("(2) kill -9 of one node: once HAProxy's checks took it out, no request fails", async () => {
      const load = startLoad(fleet.port);
      await sleep(500);
      const killedAt = Date.now();
      fleet.killNode("b");
      await fleet.waitUp("b", "DOWN");
      await sleep(CHECKS_TAKE_OUT_MS + 1_000);
      const r = await load.stop();
      const late = r.failures.filter((f) => f.at >= killedAt + CHECKS_TAKE_OUT_MS);
      console.log(
        `fleet on ${id}: kill -9: ${r.ok} ok, ${r.failures.length} failed within the check interval, ${late.length} after`,
      );
      assert.deepEqual(late, [], "no failure after HAProxy's check interval");
      assert.ok(r.ok > 100);
    });
  });
}

/** `GET path` on a fresh connection: the body, and the connection's own address as the client. */
function rawGet(
  port: number,
  path: string,
): Promise<{ local: { address: string; port: number }; body: string }> {
  return new Promise((done, fail) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: fleet\r\nConnection: close\r\n\r\n`);
    });
    let text = "";
    s.setEncoding("utf8").on("data", (t: string) => (text += t));
    s.on("error", fail);
    s.on("end", () => {
      const local = { address: s.localAddress!, port: s.localPort! };
      if (!text.startsWith("HTTP/1.1 200")) fail(new Error(text));
      else done({ local, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
    s.setTimeout(10_000, () => s.destroy(new Error("timed out")));
  });
}

/** A streaming GET: resolves once the head arrived (with the node serving it); `rest` is the whole body. */
function longGet(
  port: number,
  path: string,
): Promise<{ node: string; rest: Promise<{ status: number; body: string }> }> {
  return new Promise((done, fail) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      const rest = new Promise<{ status: number; body: string }>((end, bad) => {
        res.setEncoding("utf8").on("data", (t: string) => (body += t));
        res.on("end", () => end({ status: res.statusCode ?? 0, body }));
        res.on("error", bad);
        res.on("aborted", () => bad(new Error(`aborted after: ${body}`)));
      });
      done({ node: String(res.headers["x-node"]), rest });
    });
    req.on("error", fail);
  });
}
