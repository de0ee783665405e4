/**
 * The loops suite's WebSocket cases (WS8, WS9 across loops): clients on
 * different loops of one `--loops 2` server, with the `ws` package as the
 * client, on each engine.
 *
 * @module
 */

import assert from "node:assert/strict";
import WebSocket from "ws";
import { getText, type LoopsServer, type LoopsTarget, serveFixture } from "./_loops-server.ts";

/** One case, as `loops-suite.ts` runs them. */
interface Case {
  name: string;
  timeoutMs?: number;
  run(t: LoopsTarget): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client and everything it received, in order. */
interface Client {
  ws: WebSocket;
  loop: string;
  /** Messages after the greeting: text as is, binary as `bin:<bytes>`. */
  got: string[];
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a client on `/ws`; resolves once the server said which loop serves it. */
function open(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const c = { ws, loop: "", got: [] as string[] } as Client;
    c.closed = new Promise((r) => ws.on("close", (code, reason) => r({ code, reason: reason.toString() })));
    ws.on("error", reject);
    ws.on("message", (data, binary) => {
      const buf = data as Buffer;
      if (c.loop === "") {
        c.loop = buf.toString().replace(/^loop /, "");
        resolve(c);
      } else c.got.push(binary ? `bin:${[...buf].join(",")}` : buf.toString());
    });
  });
}

/** Opens clients until each of the two loops holds `each` of them (the kernel spreads the accepts). */
async function spread(port: number, each: number): Promise<Client[]> {
  const clients: Client[] = [];
  const on = (loop: string) => clients.filter((c) => c.loop === loop).length;
  for (let i = 0; i < 60 && (on("0") < each || on("1") < each); i++) clients.push(await open(port));
  assert.ok(on("0") >= each && on("1") >= each, `clients on loops: ${clients.map((c) => c.loop).join(" ")}`);
  return clients;
}

/** Waits until every client in `who` has `n` messages. */
async function received(who: Client[], n: number, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (who.some((c) => c.got.length < n)) {
    if (performance.now() > end) {
      const counts = who.map((c) => `${c.loop}:${c.got.length}`).join(" ");
      throw new Error(`not every client got ${n} messages within ${ms} ms: ${counts}`);
    }
    await sleep(10);
  }
}

/** Runs `body` against a server, then ends it whatever happened. */
async function withServer(server: LoopsServer, body: (s: LoopsServer) => Promise<void>): Promise<void> {
  try {
    await body(await server.ready());
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- server output ---\n${server.output()}`, { cause: err });
  } finally {
    await server.kill();
  }
}

function pubsub(engine: "kernel" | "native"): Case {
  return {
    name:
      `WS8 WS9 ${engine}: a publish reaches the topic on every loop, in order; stats and shutdown sum the loops`,
    run: (t) =>
      withServer(
        serveFixture(t, "ws.ts", [
          "--loops",
          "2",
          "--engine",
          engine,
          "--grace",
          "5000",
          "--stats-port",
          "0",
        ]),
        async (s) => {
          const clients = await spread(s.port, 2);
          const pubA = clients.find((c) => c.loop === "0")!;
          const pubB = clients.find((c) => c.loop === "1")!;
          // One publisher: every other subscriber, on both loops, gets its messages in its order.
          const n = 200;
          for (let i = 0; i < n; i++) pubA.ws.send(`pub a${i}`);
          const others = clients.filter((c) => c !== pubA);
          await received(others, n);
          const want = Array.from({ length: n }, (_, i) => `a${i}`);
          for (const c of others) assert.deepEqual(c.got, want, `the order on a client of loop ${c.loop}`);
          assert.deepEqual(pubA.got, [], "the publisher does not get its own (publishToSelf is off)");
          // Binary stays binary on the other loop; server.publish reaches every socket, the publisher's too.
          for (const c of clients) c.got.length = 0;
          pubB.ws.send("bin 3");
          await received(clients.filter((c) => c !== pubB), 1);
          for (const c of clients.filter((c) => c !== pubB)) assert.deepEqual(c.got, ["bin:7,7,7"]);
          for (const c of clients) c.got.length = 0;
          const from = await getText(s.port, "/publish?text=from%20the%20server");
          await received(clients, 1);
          for (const c of clients) {
            assert.deepEqual(
              c.got,
              ["from the server"],
              `after a publish on loop ${from}`,
            );
          }

          const stats = await waitStats(s, (st) => st.websockets?.open === clients.length);
          assert.equal(stats.websockets.open, clients.length, "open sockets, summed over the loops");
          for (const l of stats.loops.perLoop) {
            assert.ok(
              l.stats.websockets.open >= 2,
              `loop ${l.id} holds two`,
            );
          }
          assert.equal(
            stats.websockets.messagesIn,
            stats.loops.perLoop.reduce((sum: number, l: any) => sum + l.stats.websockets.messagesIn, 0),
          );

          s.signal("SIGTERM");
          for (const c of clients) assert.equal((await c.closed).code, 1001, "each socket is told 1001");
          const { code } = await s.exited;
          assert.equal(code, 0);
          await s.waitFor(
            new RegExp(`^shutdown drained: .*; websockets: ${clients.length} closed, 0 ended$`),
            1000,
          );
        },
      ),
  };
}

/** The supervisor's counters, once `ok` holds of them (loops report every second). */
async function waitStats(s: LoopsServer, ok: (stats: any) => boolean, ms = 5_000): Promise<any> {
  const end = performance.now() + ms;
  for (;;) {
    const stats = await s.stats();
    if (ok(stats) || performance.now() > end) return stats;
    await sleep(100);
  }
}

export const wsLoopsCases: Case[] = [pubsub("kernel"), pubsub("native")];
