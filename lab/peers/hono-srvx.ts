/**
 * Peer: the app on srvx (https://srvx.h3.dev), one `serve()` over
 * node:http, Bun.serve or Deno.serve, whichever runtime runs this file.
 *
 * @module
 */

import { serve } from "srvx";
import { announce, serverArgs } from "./_args.ts";
import { loadApp } from "./_entry.ts";

const { port, hostname, app: path } = serverArgs();
const app = await loadApp(path);
const server = serve({ fetch: (req) => app.fetch(req), port, hostname, silent: true });
await server.ready();
announce("http", hostname, Number(new URL(server.url!).port));
