/**
 * `triloop serve <entry> --loops auto|N`: a supervisor whose loops each
 * serve the entry's default export (core/loops/supervisor.ts). The
 * single-loop path stays in run-entry.ts; both give it a {@link Running}.
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { resolveRespawn } from "../core/loops/policy.ts";
import { resolveLoops } from "../core/loops/serve-loops.ts";
import { startSupervisor } from "../core/loops/supervisor.ts";
import type { Adapter, ServerTls, ShutdownReport } from "../core/types.ts";
import type { DeployOptions } from "../core/loops/entry.ts";

/** A served entry as the CLI drives it, one loop or many. */
export interface Running {
  kind: "http" | "tcp";
  /** Served over TLS. */
  secure: boolean;
  hostname: string;
  port: number;
  /** What follows the runtime in the "listening on" line. */
  details: string;
  /** Counters (asked fresh from every loop). */
  stats(): Promise<unknown>;
  /** Graceful stop; the health path answers 503 for `drainDelayMs` first (HZ2). */
  close(graceMs: number, drainDelayMs?: number): Promise<ShutdownReport>;
  /** A second signal: end now. */
  force(): void;
  /** SIGHUP: new certificates (TL6). */
  reloadTls(tls: ServerTls): Promise<void>;
}

/** Options of {@link runLoops}, from the command line (checked by cli/args.mjs). */
export interface LoopFlags {
  loops: "auto" | number;
  /** `--loop-host thread|process|auto` (Node ≥ 22.12 has both). */
  host?: "thread" | "process" | "auto";
  /** `--hostname` / `--port`; undefined lets the entry's export decide, else `fallback`. */
  hostname?: string;
  port?: number;
  fallback: { hostname: string; port: number };
  engine?: "kernel" | "native" | "auto";
  /** `--tls-cert` and friends, read. */
  tls?: ServerTls;
  deploy?: DeployOptions;
}

/** Starts the supervisor; exits 1 if every loop crash-loops (LP5). */
export async function runLoops(runtime: Adapter, entry: string, f: LoopFlags): Promise<Running> {
  const hosts = runtime.loopHosts;
  const loops = resolveLoops(f.loops, hosts.cores());
  const plan = hosts.plan(f.host ?? "auto");
  const sup = await startSupervisor({
    hosts,
    plan,
    count: loops.count,
    module: pathToFileURL(entry).href,
    mode: "entry",
    hostname: f.hostname,
    port: f.port,
    fallback: f.fallback,
    engine: f.engine,
    tls: f.tls,
    deploy: f.deploy,
    respawn: resolveRespawn(),
    statsIntervalMs: 1_000,
    log: (line) => console.error(line),
  });
  sup.ended.then(() => process.exit(1));
  const engine = sup.engine === undefined ? "" : `, ${sup.engine} engine`;
  return {
    kind: sup.kind,
    secure: f.tls !== undefined,
    hostname: sup.hostname,
    port: sup.port,
    details: `${engine}, ${loops.count} loops: ${
      plan.host === "thread" ? "threads" : "processes"
    }, ${plan.balance}`,
    stats: () => sup.collectStats(),
    close: (graceMs, drainDelayMs) => sup.close({ graceMs, drainDelayMs }),
    force: () => void sup.close({ graceMs: 0 }),
    reloadTls: (tls) => sup.reloadTls(tls),
  };
}
