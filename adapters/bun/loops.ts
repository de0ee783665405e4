/**
 * Loops on Bun: Web Workers (https://bun.sh/docs/api/workers), each binding
 * the port with `reusePort` in `Bun.listen` / `Bun.serve`
 * (https://bun.sh/docs/api/tcp). Linux spreads accepts across the sockets;
 * macOS gives `SO_REUSEPORT` no balancing, so there one loop takes them all.
 *
 * @module
 */

/// <reference path="./_bun.d.ts" />

import process from "node:process";
import { pathToFileURL } from "node:url";
import { listenFailed } from "../../core/listen-error.ts";
import { webLoopHosts } from "../../core/loops/web-hosts.ts";
import type { LoopHosts } from "../../core/types.ts";
import { parentPort, spawnWorker } from "./pool.ts";

/** How Bun hosts loops (LP10). */
export const loopHosts: LoopHosts = webLoopHosts({
  name: "Bun",
  reusePort: true,
  spawnWorker,
  parentPort,
  entry: new URL("./loop-worker.ts", import.meta.url),
  mainModule: () => pathToFileURL(process.argv[1]).href,
  reservePort(hostname, port = 0) {
    let l: BunShim.TCPSocketListener;
    try {
      l = Bun.listen({ hostname, port, socket: { data() {} } });
    } catch (err) {
      return Promise.reject(listenFailed(hostname, port, err));
    }
    const bound = l.port;
    l.stop(true);
    return Promise.resolve(bound);
  },
});
