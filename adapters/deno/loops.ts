/**
 * Loops on Deno: Web Workers
 * (https://docs.deno.com/runtime/reference/web_platform_apis/#web-workers),
 * each binding the port with `reusePort` in `Deno.listen`
 * (https://docs.deno.com/api/deno/~/Deno.listen; Linux only, and behind
 * `--unstable-net`). Workers inherit the parent's permissions and flags.
 *
 * @module
 */

import { listenFailed } from "../../core/listen-error.ts";
import { webLoopHosts } from "../../core/loops/web-hosts.ts";
import type { LoopHosts } from "../../core/types.ts";
import { parentPort, spawnWorker } from "./pool.ts";

/** How Deno hosts loops (LP10). */
export const loopHosts: LoopHosts = webLoopHosts({
  name: "Deno",
  reusePort: Deno.build.os === "linux"
    ? true
    : { reason: "Deno supports reusePort on Linux only (and with --unstable-net)" },
  spawnWorker,
  parentPort,
  entry: new URL("./loop-worker.ts", import.meta.url),
  mainModule: () => Deno.mainModule,
  reservePort(hostname, port = 0) {
    let l: Deno.TcpListener;
    try {
      l = Deno.listen({ hostname, port });
    } catch (err) {
      return Promise.reject(listenFailed(hostname, port, err));
    }
    const bound = l.addr.port;
    l.close();
    return Promise.resolve(bound);
  },
});
