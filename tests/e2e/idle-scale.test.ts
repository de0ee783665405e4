// One loop holds as many idle connections as the machine lets one process
// open — WebSocket, HTTP keep-alive and TCP — on every runtime, and still
// answers a new client. The limit is the server process's own
// RLIMIT_NOFILE (what `ulimit -n` says in it, read from /proc/<pid>/limits),
// filled less a margin for the server's own descriptors (RESERVED_FILES),
// from four client processes bound to 127.0.B.2–5 (each has the same limit,
// and one source address only the ephemeral port range).
//
// Reports per case: connections held, the server's sockets (from
// /proc/<pid>/fd), how long the new client waited (measured; only a
// generous sanity bound is asserted), and the server's resident bytes per
// connection.
//
// How many: by default the limit is filled (about 2.5 min for the twelve
// cases on 2 cores), in every `npm test` and so in CI. For a quicker local
// run TRILOOP_SCALE=quick holds 1,000 (the whole path, in seconds),
// TRILOOP_SCALE=N holds N (at most the limit less the margin), and
// TRILOOP_SCALE=0 skips it.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openIdle } from "../../bench/load/idle-conn.ts";
import { holdIdle } from "../../bench/load/idle-hold.ts";
import { openFileLimit, RESERVED_FILES } from "../../bench/lib/limits.ts";
import { runtimes } from "../conformance/_spawn.ts";
import { memoryOf, type StartedServer, startServer } from "./_server.ts";

const SCALE = process.env.TRILOOP_SCALE ?? "";
const CLIENT_PROCESSES = 4;
/** Connections per case with TRILOOP_SCALE=quick: the whole path, in seconds. */
const QUICK = 1000;
/** A new client answered later than this, with the loop full, means the loop is stuck, not slow. */
const SANITY_MS = 5000;

/** The server's own open-file limit (its `ulimit -n`), from /proc/<pid>/limits. */
function limitOf(pid: number): number {
  const limit = openFileLimit(readFileSync(`/proc/${pid}/limits`, "utf8"));
  if (limit === undefined || !Number.isFinite(limit.soft)) {
    throw new Error(`no finite open-file limit in /proc/${pid}/limits`);
  }
  return limit.soft;
}

/** How many to hold against a server whose limit is `limit`, and what that is called in the output. */
function target(limit: number): { n: number; what: string } {
  const full = limit - RESERVED_FILES;
  if (SCALE === "" || SCALE === "full") {
    return { n: full, what: `the full fill: limit ${limit} less ${RESERVED_FILES}` };
  }
  const asked = SCALE === "quick" ? QUICK : Number(SCALE);
  const n = Math.min(asked, full);
  const why = SCALE === "quick" ? "quick run (TRILOOP_SCALE=quick)" : `TRILOOP_SCALE=${SCALE}`;
  return { n, what: `${why}, of a limit of ${limit}` };
}

/** Sockets `pid` holds open, from /proc/<pid>/fd. */
function socketsOf(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS once it stops moving (3 samples 200 ms apart within 1 %), or after `maxMs`. */
async function settledRss(pid: number, maxMs = 3000): Promise<number> {
  const samples = [memoryOf(pid)!.rss];
  for (let i = 0; i < maxMs / 200; i++) {
    await sleep(200);
    samples.push(memoryOf(pid)!.rss);
    const last = samples.slice(-3);
    if (last.length === 3 && (Math.max(...last) - Math.min(...last)) / Math.max(...last) < 0.01) break;
  }
  return samples[samples.length - 1];
}

const KINDS = [
  { protocol: "ws", entry: "lab/ws-app.ts", what: "WebSocket" },
  { protocol: "http", entry: "lab/ws-app.ts", what: "HTTP keep-alive" },
  { protocol: "tcp", entry: "examples/echo.ts", what: "TCP" },
] as const;

const skip = SCALE === "0"
  ? "TRILOOP_SCALE=0"
  : SCALE !== "" && SCALE !== "full" && SCALE !== "quick" && !(Number(SCALE) > 0)
  ? `TRILOOP_SCALE=${SCALE} is neither "full", "quick" nor a count`
  : openFileLimit() === undefined
  ? "/proc/self/limits is not readable"
  : undefined;

for (const rt of runtimes()) {
  const title = `idle connections to the open-file limit on ${rt.id}`;
  if (skip !== undefined || !rt.available) {
    describe.skip(`${title} — skipped: ${skip ?? rt.reason}`, () => {
      it.skip("skipped", () => {});
    });
    continue;
  }
  describe(title, () => {
    for (const kind of KINDS) {
      it(
        `holds idle ${kind.what} connections up to the server's open-file limit and answers a new client`,
        async () => {
          let server: StartedServer | undefined;
          let held: Awaited<ReturnType<typeof holdIdle>> | undefined;
          try {
            const s0 = performance.now();
            server = await startServer(rt.id, kind.entry, { args: ["--engine", "kernel"] });
            const startMs = performance.now() - s0;
            const limit = limitOf(server.pid);
            const { n, what } = target(limit);
            // A server that just started: its RSS moves little, and time here is CI's.
            const before = await settledRss(server.pid, 1000);
            const t0 = performance.now();
            held = await holdIdle({
              port: server.port,
              protocol: kind.protocol,
              connections: n,
              processes: CLIENT_PROCESSES,
              spreadSources: true,
              timeoutMs: 150_000,
            });
            const fillMs = performance.now() - t0;
            expect(held.error ?? "", `${held.failed} connections failed`).toBe("");
            expect(held.open).toBe(n);
            const sockets = socketsOf(server.pid);
            expect(sockets).toBeGreaterThanOrEqual(n);
            // A new client, while they are held: answered (its time is reported).
            const a0 = performance.now();
            const probe = await openIdle({
              protocol: kind.protocol,
              hostname: "127.0.0.1",
              port: server.port,
              timeoutMs: SANITY_MS,
            });
            const answerMs = performance.now() - a0;
            probe.destroy();
            const after = await settledRss(server.pid);
            expect(held.lost()).toBe(0);
            expect(server.exited).toBe(false);
            const open = held.open;
            const e0 = performance.now();
            await held.stop();
            held = undefined;
            await server.stop();
            server = undefined;
            const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
            console.log(
              `${rt.id} ${kind.protocol}: ${open} held (${what}; ${sockets} server sockets, opened in ` +
                `${s(fillMs)}); a new client answered in ${answerMs.toFixed(1)} ms; ` +
                `server RSS ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MiB, ` +
                `${((after - before) / open / 1024).toFixed(2)} KiB per connection; ` +
                `server started in ${s(startMs)}, all closed and stopped in ${s(performance.now() - e0)}`,
            );
          } finally {
            await held?.stop();
            await server?.stop();
          }
        },
        240_000,
      );
    }
  });
}
