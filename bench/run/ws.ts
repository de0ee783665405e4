/**
 * The WebSocket part of a session, on the bench's WebSocket app
 * (`lab/ws-app.ts`) and each runtime's own WebSocket server doing the same:
 *
 * - `ws-echo`: the built-in generator's connections each send a 32-byte
 *   text message and wait for its echo (messages/s, server CPU µs per
 *   message, p99), servers kept warm and runs interleaved as for HTTP, with
 *   a raw TCP echo of the same frames as the ceiling (what any server on the
 *   runtime's TCP API can reach at best);
 * - `ws-fanout`: 10,000 subscribers of one topic held by client processes
 *   of their own; one publisher sends a message at a time, and a run's
 *   figure is the time from the send until the last subscriber has it
 *   (p50/p99/max over the publishes) and the server CPU per delivered
 *   message. A fresh server per round: the subscribers of eight servers
 *   would not fit one client's open-file limit.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import process from "node:process";
import { openIdle } from "../load/idle-conn.ts";
import { holdIdle } from "../load/idle-hold.ts";
import { clientFrame, upgradeRequest } from "../load/ws-framer.ts";
import type { LoadJob } from "../load/job.ts";
import { interleave } from "../lib/interleave.ts";
import { quantileSorted } from "../lib/stats.ts";
import type { ServerSpec } from "../servers/matrix.ts";
import type { Running } from "../servers/spawn.ts";
import {
  builtinRun,
  type Context,
  failedRecord,
  progressText,
  record,
  ServerWindow,
  sleep,
  start,
} from "./context.ts";
import { startAll } from "./http.ts";

/** The echoed message: 32 bytes of text, a chat line's size. */
const ECHO_MESSAGE = clientFrame(new TextEncoder().encode("triloop ws-echo, 32 bytes of txt"));

/** Subscribers of the fan-out (the figure). */
export const FANOUT_SUBSCRIBERS = 10_000;
/** Publishes per fan-out run, one at a time. */
export const FANOUT_PUBLISHES = 20;

/** The load job of `ws-echo` on `spec` (no upgrade for the raw TCP echo ceiling). */
function echoJob(ctx: Context, spec: ServerSpec, port: number): LoadJob {
  return {
    protocol: "ws",
    hostname: "127.0.0.1",
    port,
    connections: ctx.cfg.connections,
    batch: ECHO_MESSAGE,
    depth: 1,
    churn: false,
    timeoutMs: ctx.cfg.timeoutMs,
    handshake: spec.protocol === "ws" ? upgradeRequest("127.0.0.1", port, "/") : undefined,
  };
}

/** `ws-echo` on every server, interleaved over `rounds`. */
export async function runWsEcho(ctx: Context, servers: ServerSpec[]): Promise<void> {
  const running = await startAll(ctx, servers);
  try {
    for (const spec of servers) {
      const server = running.get(spec.key);
      if (server === undefined) continue;
      // JIT warm-up, unmeasured.
      ctx.progress.update(`warming ${spec.key}`, true);
      await ctx.gen.start(echoJob(ctx, spec, server.port));
      await sleep(Math.min(1000, ctx.cfg.warmupMs * 2));
      await ctx.gen.stop();
    }
    const keys = servers.filter((s) => running.has(s.key)).map((s) => s.key);
    for (const run of interleave([{ scenario: "ws-echo", servers: keys }], ctx.cfg.rounds)) {
      const spec = servers.find((s) => s.key === run.server)!;
      const label = `r${run.round + 1} ws-echo · ${run.server}`;
      ctx.progress.update(progressText(ctx, label), true);
      try {
        const server = running.get(run.server)!;
        const m = await builtinRun(ctx, server, echoJob(ctx, spec, server.port), label);
        ctx.records.push(record("ws-echo", run.server, run.round, "builtin", m));
      } catch (err) {
        ctx.records.push(failedRecord("ws-echo", run.server, run.round, "builtin", (err as Error).message));
        ctx.progress.log(`  ${label}: ${(err as Error).message.split("\n")[0]}`);
      }
      ctx.done++;
    }
  } finally {
    await Promise.all([...running.values()].map((r) => r.stop()));
  }
}

/** `ws-fanout` on every WebSocket server, a fresh server and subscribers per run, over `idleRounds`. */
export async function runWsFanout(ctx: Context, servers: ServerSpec[]): Promise<void> {
  const keys = servers.filter((s) => s.skip === undefined).map((s) => s.key);
  for (const run of interleave([{ scenario: "ws-fanout", servers: keys }], ctx.cfg.idleRounds)) {
    const spec = servers.find((s) => s.key === run.server)!;
    const label = `r${run.round + 1} ws-fanout · ${run.server}`;
    ctx.progress.update(progressText(ctx, `${label} · starting`), true);
    let server: Running | undefined;
    try {
      server = await start(ctx, spec);
      ctx.progress.update(progressText(ctx, `${label} · ${FANOUT_SUBSCRIBERS} subscribers`), true);
      const m = await fanout(server, (what) => ctx.progress.update(progressText(ctx, `${label} · ${what}`)));
      ctx.records.push(record("ws-fanout", run.server, run.round, "fanout", m));
    } catch (err) {
      ctx.records.push(failedRecord("ws-fanout", run.server, run.round, "fanout", (err as Error).message));
      ctx.progress.log(`  ${label}: ${(err as Error).message.split("\n")[0]}`);
    } finally {
      await server?.stop();
    }
    ctx.done++;
  }
}

/** One fan-out run against `server`: subscribers up, then {@link FANOUT_PUBLISHES} publishes one by one. */
async function fanout(server: Running, say: (what: string) => void) {
  const CLIENTS = 2;
  /** Per publish: the client processes that reported it, and the latest arrival. */
  const arrivals = new Map<string, { clients: number; lastNs: bigint; done: () => void }>();
  const held = await holdIdle({
    port: server.port,
    protocol: "ws",
    path: "/sub",
    connections: FANOUT_SUBSCRIBERS,
    processes: CLIENTS,
    spreadSources: true,
    onFanout(_client, seq, ns) {
      const a = arrivals.get(seq);
      if (a === undefined) return;
      a.clients++;
      if (ns > a.lastNs) a.lastNs = ns;
      if (a.clients === CLIENTS) a.done();
    },
  });
  const publisher = await openIdle({
    protocol: "ws",
    hostname: "127.0.0.1",
    port: server.port,
    path: "/pub",
    upgradeOnly: true,
  });
  try {
    if (held.open !== FANOUT_SUBSCRIBERS) {
      throw new Error(`${held.open} of ${FANOUT_SUBSCRIBERS} subscribers connected: ${held.error}`);
    }
    // Subscribed on open; a moment for the last ones' open handlers.
    await sleep(300);
    const times: number[] = [];
    const win = new ServerWindow(server.pid);
    const t0 = performance.now();
    for (let k = 0; k < FANOUT_PUBLISHES; k++) {
      const seq = String(k);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arrived = new Promise<void>((done, fail) => {
        arrivals.set(seq, { clients: 0, lastNs: 0n, done });
        timer = setTimeout(
          () => fail(new Error(`publish ${k}: not every subscriber got it within 10 s`)),
          10_000,
        );
      });
      const sent = process.hrtime.bigint();
      publisher.write(clientFrame(Buffer.from(seq)));
      try {
        await arrived;
      } finally {
        clearTimeout(timer);
      }
      times.push(Number(arrivals.get(seq)!.lastNs - sent) / 1000);
      arrivals.delete(seq);
      say(`publish ${k + 1}/${FANOUT_PUBLISHES}: ${(times[k] / 1000).toFixed(1)} ms`);
      // The server back to idle between publishes: each one is timed alone.
      await sleep(50);
    }
    const windowMs = performance.now() - t0;
    const { cpuUs, peakRss } = win.close();
    if (held.lost() > 0) throw new Error(`${held.lost()} subscribers closed by the server`);
    const sorted = [...times].sort((a, b) => a - b);
    const delivered = FANOUT_PUBLISHES * FANOUT_SUBSCRIBERS;
    const fanoutUs = times.reduce((s, t) => s + t, 0);
    return {
      result: {
        // Deliveries per second while fanning out (the pauses between publishes left out).
        rps: delivered / (fanoutUs / 1e6),
        responses: delivered,
        non2xx: 0,
        errors: { connect: held.failed, reset: 0, parse: 0, timeout: 0 },
        bytesRead: 0,
        connects: held.open,
        latency: {
          count: times.length,
          mean: fanoutUs / times.length,
          p50: quantileSorted(sorted, 0.5),
          p90: quantileSorted(sorted, 0.9),
          p99: quantileSorted(sorted, 0.99),
          p999: quantileSorted(sorted, 0.999),
          max: sorted[sorted.length - 1],
        },
        windowMs,
      },
      cpuUs,
      peakRss,
    };
  } finally {
    publisher.destroy();
    await held.stop();
  }
}
