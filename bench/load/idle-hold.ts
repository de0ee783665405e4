/**
 * Holds idle connections to a server from client processes of their own
 * (`idle-client.ts` on Node), spread over several processes and source
 * addresses: a client process has the same open-file limit as the server,
 * and one source address only the ephemeral port range for one server
 * port. Used by the bench's idle scenarios and by the test that fills a
 * loop's open-file limit.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { findRuntimes, ROOT } from "../../cli/runtimes.mjs";
import type { IdleProtocol } from "./idle-conn.ts";

/** What to hold. */
export interface HoldOptions {
  port: number;
  /** Default `127.0.0.1`. */
  hostname?: string;
  protocol: IdleProtocol;
  /** Request path of HTTP and WebSocket connections. Default `/`. */
  path?: string;
  connections: number;
  /** Client processes sharing them. Default 1. */
  processes?: number;
  /**
   * Bind process i's connections to 127.0.B.(2 + i), so no source address
   * runs out of ports. B changes with every call: a port still in TIME_WAIT
   * from the last run on the same source address makes each bind search
   * (measured: 19,744 connections took 29 s among 40,000 TIME_WAIT ports,
   * 10 s on fresh addresses). Default false (the system picks 127.0.0.1).
   */
  spreadSources?: boolean;
  /** Give up on the whole opening after this long. Default 120 s. */
  timeoutMs?: number;
  /**
   * Count the messages each connection receives (`idle-client.ts --fanout`),
   * reported to `onFanout` with the time on Node's `process.hrtime` (the
   * machine's CLOCK_MONOTONIC, the caller's clock too): these clients run
   * on Node, as Bun's `hrtime` counts from another origin.
   */
  onFanout?: (client: number, seq: string, ns: bigint) => void;
}

/** Connections held, until `stop()`. */
export interface Held {
  open: number;
  failed: number;
  /** The first failure's message, if any. */
  error?: string;
  /** Held connections the server has closed since. */
  lost(): number;
  /** The clients' pids. */
  pids: number[];
  /** Closes every connection and ends the client processes (SIGKILL by pid after 5 s). */
  stop(): Promise<void>;
}

interface Client {
  child: ChildProcess;
  exited: Promise<void>;
  lost: number;
}

/**
 * The command line of a client process: on Bun when installed (its
 * `node:net` connections cost the client about two thirds of Node's CPU,
 * and on 2 cores the clients' CPU is taken from the server being filled),
 * else on the machine's Node. TRILOOP_IDLE_CLIENT=node picks Node.
 */
function clientArgv(runtime: "node" | undefined, script: string, args: string[]): string[] {
  runtimes ??= findRuntimes();
  const pick = runtime ?? process.env.TRILOOP_IDLE_CLIENT ?? "bun";
  const rt = runtimes.find((r) => r.id === pick && r.available) ?? runtimes.find((r) => r.id === "node")!;
  return rt.argv(script, args);
}
let runtimes: ReturnType<typeof findRuntimes> | undefined;

/** The third byte of the next run's source addresses: 1–250, starting somewhere else in each process. */
let block = process.pid % 250;

/** Opens `o.connections` idle connections; resolves once every client has opened its share. */
export async function holdIdle(o: HoldOptions): Promise<Held> {
  const n = Math.max(1, o.processes ?? 1);
  block = (block % 250) + 1;
  const clients: Client[] = [];
  const started: Promise<{ open: number; failed: number; error?: string }>[] = [];
  for (let i = 0; i < n; i++) {
    const share = Math.floor(o.connections / n) + (i < o.connections % n ? 1 : 0);
    const argv = clientArgv(o.onFanout ? "node" : undefined, join(ROOT, "bench", "load", "idle-client.ts"), [
      "--port",
      String(o.port),
      "--hostname",
      o.hostname ?? "127.0.0.1",
      "--protocol",
      o.protocol,
      "--path",
      o.path ?? "/",
      "--connections",
      String(share),
      // Together no more connects in flight than one client alone would have.
      "--wave",
      String(Math.max(25, Math.floor(250 / n))),
      ...(o.spreadSources ? ["--local-address", `127.0.${block}.${2 + i}`] : []),
      ...(o.onFanout ? ["--fanout"] : []),
    ]);
    const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    const client: Client = {
      child,
      exited: new Promise<void>((r) => child.on("exit", () => r())),
      lost: 0,
    };
    clients.push(client);
    started.push(
      new Promise((resolve, reject) => {
        let out = "";
        let line = "";
        child.stderr!.setEncoding("utf8").on("data", (t: string) => (out = (out + t).slice(-4000)));
        child.stdout!.setEncoding("utf8").on("data", (t: string) => {
          out = (out + t).slice(-4000);
          if (o.onFanout !== undefined) {
            const lines = (line + t).split("\n");
            line = lines.pop()!;
            for (const l of lines) {
              const f = /^TRILOOP-FANOUT (\S+) (\d+)$/.exec(l);
              if (f) o.onFanout(i, f[1], BigInt(f[2]));
            }
          }
          const m = /TRILOOP-IDLE (\{.*\})/.exec(out);
          if (m) resolve(JSON.parse(m[1]));
          const lost = [...out.matchAll(/TRILOOP-IDLE-LOST (\d+)/g)].pop();
          if (lost) client.lost = Number(lost[1]);
        });
        client.exited.then(() => reject(new Error(`idle client exited:\n${out.slice(-1000)}`)));
      }),
    );
  }
  const stop = async () => {
    await Promise.all(clients.map(async (c) => {
      c.child.stdin!.end();
      const timer = setTimeout(() => c.child.kill("SIGKILL"), 5000);
      await c.exited;
      clearTimeout(timer);
    }));
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`idle clients not up after ${o.timeoutMs ?? 120_000} ms`)),
      o.timeoutMs ?? 120_000,
    );
  });
  try {
    const results = await Promise.race([Promise.all(started), late]);
    return {
      open: results.reduce((s, r) => s + r.open, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      error: results.find((r) => r.error !== undefined)?.error,
      lost: () => clients.reduce((s, c) => s + c.lost, 0),
      pids: clients.map((c) => c.child.pid!),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
