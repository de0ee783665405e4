/**
 * The Bun adapter whole: the public {@link Runtime} that `mod.ts` exports
 * as `runtime`, and what core needs besides (its loop hosts).
 *
 * @module
 */

import type { Adapter } from "../../core/types.ts";
import { defineAdapter } from "../../core/adapter.ts";
import { AUTO, nativeEngine } from "./native.ts";
import { wsRuntime as ws } from "../_zlib.ts";
import { connect, listen, PROXY_BEFORE_TLS } from "./listen.ts";
import { createPool, parentPort, spawnWorker } from "./pool.ts";
import { loopHosts } from "./loops.ts";
import { NO_SNI, RELOAD_REBINDS } from "./tls.ts";

/** The kernel on Bun, with its loop hosts. */
export const adapter: Adapter = defineAdapter({
  name: "bun",
  version: Bun.version,
  capabilities: {
    reusePort: true,
    terminateBusyWorker: true,
    tlsSni: { reason: NO_SNI },
    tlsReload: { reason: RELOAD_REBINDS },
    proxyBeforeTls: { reason: PROXY_BEFORE_TLS },
  },
}, { listen, connect, createPool, spawnWorker, parentPort, loopHosts, native: nativeEngine, auto: AUTO, ws });
