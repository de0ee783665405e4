/**
 * `getConnInfo` for Hono apps served by triloop: every engine passes a
 * {@link ServeInfo} as the fetch handler's second argument, which Hono hands
 * to the app as `c.env`. The result has Hono's `ConnInfo` shape, so code
 * written for `hono/bun` or `hono/deno`'s helper reads it unchanged.
 *
 * @example The caller's address
 * ```ts
 * import { Hono } from "hono";
 * import { getConnInfo } from "./_conn-info.ts";
 * const app = new Hono();
 * app.get("/ip", (c) => c.json(getConnInfo(c).remote));
 * ```
 *
 * @module
 */

import type { Context } from "hono";
import type { ConnInfo } from "hono/conninfo";
import type { ServeInfo } from "../core/types.ts";

/** The peer of the request `c` is answering, from triloop's {@link ServeInfo}. */
export function getConnInfo(c: Context): ConnInfo {
  const info = c.env as ServeInfo | undefined;
  if (info?.remoteAddr === undefined) {
    throw new TypeError("c.env is not a triloop ServeInfo: serve the app with triloop's serve()");
  }
  const { hostname, port } = info.remoteAddr;
  return {
    remote: {
      address: hostname,
      port,
      transport: "tcp",
      addressType: hostname.includes(":") ? "IPv6" : "IPv4",
    },
  };
}
