/**
 * The Deno adapter whole: the public {@link Runtime} that `mod.ts` exports
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

/** The kernel on Deno, with its loop hosts. */
export const adapter: Adapter = defineAdapter({
  name: "deno",
  version: Deno.version.deno,
  capabilities: {
    reusePort: Deno.build.os === "linux"
      ? true
      : { reason: "Deno supports reusePort on Linux only (and with --unstable-net)" },
    terminateBusyWorker: {
      reason: `Deno ${Deno.version.deno}: worker.terminate() does not stop a worker in an endless loop; ` +
        "its thread keeps a core busy until the process exits (measured; see denoland/deno#35657)",
    },
    tlsSni: { reason: NO_SNI },
    tlsReload: { reason: RELOAD_REBINDS },
    proxyBeforeTls: { reason: PROXY_BEFORE_TLS },
  },
}, { listen, connect, createPool, spawnWorker, parentPort, loopHosts, native: nativeEngine, auto: AUTO, ws });
