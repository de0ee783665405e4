/**
 * Loads the app a Hono peer serves: the module named by `--app` (the bench
 * passes the entry under test, so peers and triloop serve the same app), or
 * the bench's own `lab/app.ts`.
 *
 * @module
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** A fetch handler, as a Hono app or `{ fetch }` exports it. */
export interface FetchApp {
  fetch(req: Request, ...rest: unknown[]): Response | Promise<Response>;
}

/** The default export of `path` (or of `lab/app.ts`), checked to have `fetch`. */
export async function loadApp(path: string | undefined): Promise<FetchApp> {
  const url = path === undefined
    ? new URL("../app.ts", import.meta.url).href
    : pathToFileURL(resolve(path)).href;
  const mod = await import(url);
  const app = mod.default as FetchApp | undefined;
  if (typeof app?.fetch !== "function") throw new TypeError(`${url} must export default { fetch }`);
  return app;
}
