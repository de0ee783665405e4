/**
 * Peer: the app on `Bun.serve` (https://bun.sh/docs/api/http), Bun's own HTTP
 * server: the entry under test, or `lab/plain.ts` (no framework).
 *
 * @module
 */

import { announce, serverArgs } from "./_args.ts";
import { bunApi } from "../_shims.ts";
import { loadApp } from "./_entry.ts";

const { port, hostname, app: path } = serverArgs();
const app = await loadApp(path);
const server = bunApi().serve({ hostname, port, fetch: (req) => app.fetch(req) });
announce("http", hostname, server.port);
