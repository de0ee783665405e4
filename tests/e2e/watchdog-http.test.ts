// The stall watchdog through the HTTP kernel engine, on every runtime: a
// route that busy-waits 200 ms is named in the log with a delay near 200 ms,
// from the first request on; blocking and cheap requests that arrive
// together name the blocking ones, each in a line of its own; a route that
// awaits a 200 ms timer is never named; while the loop stays overloaded,
// requests are shed with 503 and Retry-After.
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRuntimes } from "../../cli/runtimes.mjs";
import { type StartedServer, startServer } from "./_server.ts";

const BLOCKED = /blocked (\d+) ms by "([^"]+)"/g;

/** The stalls named in `text`. */
function named(text: string): { ms: number; label: string }[] {
  return [...text.matchAll(BLOCKED)].map((m) => ({ ms: Number(m[1]), label: m[2] }));
}

/** Sends each of `paths` on its own connection, all in one write burst, and resolves with the status lines. */
async function together(port: number, paths: string[]): Promise<string[]> {
  const socks = await Promise.all(paths.map(() =>
    new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(s));
      s.once("error", reject);
    })
  ));
  // Let the server accept all three first, so their requests land in one read batch.
  await new Promise((r) => setTimeout(r, 100));
  const answers = socks.map((s) =>
    new Promise<string>((resolve) => {
      let text = "";
      s.setEncoding("latin1").on("data", (d: string) => (text += d));
      s.on("close", () => resolve(text.split("\r\n")[0]));
    })
  );
  socks.forEach((s, i) =>
    s.write(`GET ${paths[i]} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
  );
  return Promise.all(answers);
}

for (const rt of findRuntimes()) {
  describe.skipIf(!rt.available)(
    `watchdog over HTTP on ${rt.id}${rt.available ? "" : ` — skipped: ${rt.reason}`}`,
    () => {
      let server: StartedServer;
      const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
      beforeAll(async () => {
        server = await startServer(rt.id, "tests/fixtures/watchdog-app.ts", { args: ["--engine", "kernel"] });
      });
      afterAll(() => server?.stop());

      it("WD2 names a route that blocks right after start (no warm-up excuse for a request)", async () => {
        expect(await (await fetch(url("/busy?ms=200"))).text()).toBe("busy done");
        await new Promise((r) => setTimeout(r, 100));
        const busy = named(server.output()).filter((n) => n.label === "GET /busy");
        expect(busy, server.output()).toHaveLength(1);
        expect(busy[0].ms).toBeGreaterThanOrEqual(150);
      });

      it("WD2 WD3 names each blocking request of a batch in its own line, never the cheap one", async () => {
        await calm();
        const before = named(server.output()).length;
        const statuses = await together(server.port, ["/busy?ms=300", "/cheap", "/busy?ms=300"]);
        expect(statuses).toEqual(["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"]);
        await new Promise((r) => setTimeout(r, 100));
        const lines = server.output().split("\n").filter((l) => l.includes("the event loop was blocked"));
        const stalls = named(server.output()).slice(before);
        expect(stalls.filter((n) => n.label === "GET /cheap"), server.output()).toEqual([]);
        const busy = stalls.filter((n) => n.label === "GET /busy");
        expect(busy, server.output()).toHaveLength(2);
        for (const b of busy) expect(b.ms).toBeGreaterThanOrEqual(250);
        // One line per stall: no line names two.
        for (const line of lines) expect([...line.matchAll(BLOCKED)].length).toBeLessThanOrEqual(1);
      });

      /** Waits until the loop is calm again (shedding off after the stalls of the test before). */
      async function calm(): Promise<void> {
        const until = performance.now() + 5_000;
        while ((await fetch(url("/cheap"))).status !== 200 && performance.now() < until) {
          await new Promise((r) => setTimeout(r, 100));
        }
      }

      it("WD2 names the route that blocked, not the one that awaited", async () => {
        await calm();
        expect(await (await fetch(url("/sleep?ms=200"))).text()).toBe("slept");
        await new Promise((r) => setTimeout(r, 100));
        expect(await (await fetch(url("/busy?ms=200"))).text()).toBe("busy done");
        await new Promise((r) => setTimeout(r, 300));
        const stalls = named(server.output());
        expect(stalls.some((n) => n.label === "GET /sleep")).toBe(false);
        const busy = stalls.findLast((n) => n.label === "GET /busy");
        expect(busy, `${JSON.stringify(stalls)}\n${server.output()}`).toBeDefined();
        expect(busy!.ms).toBeGreaterThanOrEqual(150);
        expect(busy!.ms).toBeLessThan(2000);
      });

      it("WD5 sheds requests with 503 while the loop stays overloaded", async () => {
        // Four clients keep the loop blocked (60 ms per request), a fifth asks
        // for the cheap route; within a bounded 1.5 s, some answers are 503.
        const until = performance.now() + 1500;
        const statuses: number[] = [];
        const client = async (path: string) => {
          while (performance.now() < until) {
            const res = await fetch(url(path));
            statuses.push(res.status);
            if (res.status === 503) expect(res.headers.get("retry-after")).toBe("1");
            await res.arrayBuffer();
          }
        };
        await Promise.all([
          client("/busy?ms=60"),
          client("/busy?ms=60"),
          client("/busy?ms=60"),
          client("/busy?ms=60"),
          client("/cheap"),
        ]);
        expect(statuses).toContain(503);
        expect(statuses).toContain(200);
        // Once the loop is calm again, requests are served.
        await new Promise((r) => setTimeout(r, 600));
        expect((await fetch(url("/cheap"))).status).toBe(200);
      });
    },
  );
}
