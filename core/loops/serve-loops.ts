/**
 * `serve({ loops })`: in the program, start a supervisor whose loops each
 * run the program's main module again; in a loop, the same call serves for
 * real on the supervisor's port with SO_REUSEPORT where the plan says so.
 * Node's `cluster` works the same way (`isPrimary` is `!currentLoop().supervised`).
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import { serverUrl } from "../_shared/server-url.ts";
import type { Adapter, LoopsOptions, ServeOptions, Server, ServerStats } from "../types.ts";
import { claimPort } from "./claim.ts";
import { loopContext } from "./context.ts";
import { resolveRespawn } from "./policy.ts";
import { startSupervisor } from "./supervisor.ts";

/** `LoopsOptions` with the count resolved. */
export type ResolvedLoops = Omit<LoopsOptions, "count"> & { count: number };

/** Resolves `loops` (`"auto"`, a count, or options) against the runtime's core count. */
export function resolveLoops(loops: ServeOptions["loops"], cores: number): ResolvedLoops {
  const o: LoopsOptions = typeof loops === "object" && loops !== null ? loops : { count: loops ?? 1 };
  const count = o.count === "auto" ? Math.max(1, cores) : o.count;
  if (!Number.isInteger(count) || count < 1) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `loops must be "auto" or an integer ≥ 1, got '${o.count}'`);
  }
  return { ...o, count };
}

/**
 * Serves `options` with loops. `serveOne` serves one loop (the engine
 * dispatch of `serve()`), called here only inside a loop.
 */
export async function serveLoops(
  runtime: Adapter,
  options: ServeOptions,
  serveOne: (options: ServeOptions) => Promise<Server>,
): Promise<Server> {
  const ctx = loopContext();
  if (ctx !== undefined) {
    try {
      const hostname = options.hostname ?? "127.0.0.1";
      const port = await claimPort(runtime, hostname, ctx.port ?? options.port ?? 3000, ctx.claim);
      const server = await serveOne({ ...options, loops: undefined, reusePort: ctx.reusePort, port });
      ctx.register?.(server);
      return server;
    } catch (err) {
      ctx.fail?.(err);
      throw err;
    }
  }
  const hosts = runtime.loopHosts;
  const loops = resolveLoops(options.loops, hosts.cores());
  const hostname = options.hostname ?? "127.0.0.1";
  const sup = await startSupervisor({
    hosts,
    plan: hosts.plan(loops.host ?? "auto"),
    count: loops.count,
    module: hosts.mainModule(),
    mode: "main",
    hostname,
    port: options.port ?? 3000,
    shared: options.reusePort === true,
    engine: options.engine,
    respawn: resolveRespawn(loops.respawn),
    statsIntervalMs: loops.statsIntervalMs ?? 1_000,
    log: loops.log ?? ((line) => console.error(line)),
  });
  const server: Server = {
    url: serverUrl(hostname, sup.port, options.tls !== undefined),
    port: sup.port,
    engine: sup.engine ?? "kernel",
    close: (o) => sup.close(o),
    stats: () => sup.stats() as ServerStats,
    reloadTls: (tls) => sup.reloadTls(tls),
  };
  if (options.signal !== undefined) {
    if (options.signal.aborted) await server.close();
    else options.signal.addEventListener("abort", () => void server.close(), { once: true });
  }
  return server;
}
