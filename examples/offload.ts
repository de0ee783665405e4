/**
 * The golden rule of the event loop, shown: `/heavy` sends CPU work to the
 * offload pool and the loop stays free; `/heavy-inline` does the same work on
 * the loop and every other request waits behind it (the watchdog names it).
 *
 * ```sh
 * npx triloop serve examples/offload.ts --runtime deno
 * ```
 *
 * - `GET /cheap` — a tiny text answer
 * - `GET /heavy?ms=N` — about N ms of CPU work (a prime sieve) in the pool
 * - `GET /heavy-inline?ms=N` — the same work on the loop
 * - `GET /pool` — the pool's counters
 *
 * A full pool queue answers 503 (`TRI_ERR_POOL_FULL`); a task past its
 * timeout answers 504.
 *
 * @module
 */

import { Hono } from "hono";
import { isTriloopError, runtime } from "triloop";
import type * as Tasks from "./offload-tasks.ts";
import { burn } from "./offload-tasks.ts";

const pool = runtime.createPool<typeof Tasks>({
  tasks: new URL("./offload-tasks.ts", import.meta.url),
  maxQueue: 256,
  timeoutMs: 10_000,
});

/** The requested work in ms, bounded so a request cannot ask for minutes. */
function msOf(value: string | undefined): number {
  return Math.min(Math.max(Number(value ?? 10) || 0, 0), 2_000);
}

const app = new Hono();

app.get("/cheap", (c) => c.text("ok"));

app.get("/heavy", async (c) => {
  try {
    return c.text(String(await pool.run("burn", msOf(c.req.query("ms")), { signal: c.req.raw.signal })));
  } catch (err) {
    if (isTriloopError(err, "TRI_ERR_POOL_FULL")) return c.text("busy", 503, { "retry-after": "1" });
    if (isTriloopError(err, "TRI_ERR_POOL_TIMEOUT")) return c.text("timed out", 504);
    throw err;
  }
});

app.get("/heavy-inline", (c) => c.text(String(burn(msOf(c.req.query("ms"))))));

app.get("/pool", (c) => c.json(pool.stats()));

export default app;
