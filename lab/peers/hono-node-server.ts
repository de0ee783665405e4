/**
 * Peer: the app on `@hono/node-server` (https://github.com/honojs/node-server),
 * what a Node user of Hono runs today.
 *
 * @module
 */

import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { announce, serverArgs } from "./_args.ts";
import { loadApp } from "./_entry.ts";

const { port, hostname, app: path } = serverArgs();
const app = await loadApp(path);
serve({ fetch: (req) => app.fetch(req), port, hostname }, (info: AddressInfo) => {
  announce("http", hostname, info.port);
});
