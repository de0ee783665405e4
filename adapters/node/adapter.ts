/**
 * The Node.js adapter whole: the public {@link Runtime} that `mod.ts` exports
 * as `runtime`, and what core needs besides (its loop hosts).
 *
 * @module
 */

import process from "node:process";
import type { Adapter } from "../../core/types.ts";
import { defineAdapter } from "../../core/adapter.ts";
import { AUTO, nativeEngine } from "./native.ts";
import { wsRuntime as ws } from "../_zlib.ts";
import { connect, listen } from "./listen.ts";
import { createPool, parentPort, spawnWorker } from "./pool.ts";
import { loopHosts } from "./loops.ts";

/** The kernel on Node.js, with its loop hosts. */
export const adapter: Adapter = defineAdapter({
  name: "node",
  version: process.versions.node,
  capabilities: {
    reusePort: reusePortSupported() ? true : {
      reason: `Node ${process.versions.node} has no reusePort in net.Server.listen (added in 22.12 / 23.1)`,
    },
    terminateBusyWorker: true,
    tlsSni: true,
    tlsReload: true,
    proxyBeforeTls: true,
  },
}, { listen, connect, createPool, spawnWorker, parentPort, loopHosts, native: nativeEngine, auto: AUTO, ws });

function reusePortSupported(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
