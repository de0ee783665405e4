// The stall watchdog through the HTTP kernel engine, on every runtime: a
// route that busy-waits 200 ms is named in the log with a delay near 200 ms;
// a route that awaits a 200 ms timer is never named; while the loop stays
// overloaded, requests are shed with 503 and Retry-After.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRuntimes } from "../../cli/runtimes.mjs";
import { type StartedServer, startServer } from "./_server.ts";

const BLOCKED = /blocked (\d+) ms by "([^"]+)"/g;

for (const rt of findRuntimes()) {
  describe.skipIf(!rt.available)(
    `watchdog over HTTP on ${rt.id}${rt.available ? "" : ` — skipped: ${rt.reason}`}`,
    () => {
      let server: StartedServer;
      const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
      beforeAll(async () => {
        server = await startServer(rt.id, "tests/fixtures/watchdog-app.ts", { args: ["--engine", "kernel"] });
        // The server's watchdog ignores its first 2 s (start-up is not a stall).
        await new Promise((r) => setTimeout(r, 2100));
      });
      afterAll(() => server?.stop());

      it("W2 names the route that blocked, not the one that awaited", async () => {
        expect(await (await fetch(url("/sleep?ms=200"))).text()).toBe("slept");
        await new Promise((r) => setTimeout(r, 1200)); // past the one-line-per-second log limit
        expect(await (await fetch(url("/busy?ms=200"))).text()).toBe("busy done");
        await new Promise((r) => setTimeout(r, 300));
        const named = [...server.output().matchAll(BLOCKED)].map((m) => ({ ms: Number(m[1]), label: m[2] }));
        expect(named.some((n) => n.label === "GET /sleep")).toBe(false);
        const busy = named.find((n) => n.label === "GET /busy");
        expect(busy, `${JSON.stringify(named)}\n${server.output()}`).toBeDefined();
        expect(busy!.ms).toBeGreaterThanOrEqual(150);
        expect(busy!.ms).toBeLessThan(2000);
      });

      it("W5 sheds requests with 503 while the loop stays overloaded", async () => {
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
