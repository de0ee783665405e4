/**
 * Peer: the app on `Deno.serve` (https://docs.deno.com/api/deno/~/Deno.serve),
 * Deno's own HTTP server: the entry under test, or `lab/plain.ts` (no
 * framework).
 *
 * @module
 */

import { announce, serverArgs } from "./_args.ts";
import { denoApi } from "../_shims.ts";
import { loadApp } from "./_entry.ts";

const { port, hostname, app: path } = serverArgs();
const app = await loadApp(path);
denoApi().serve({
  hostname,
  port,
  onListen: (addr) => announce("http", hostname, addr.port),
}, (req) => app.fetch(req));
