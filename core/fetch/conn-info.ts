/**
 * `getConnInfo` for Hono apps (or any framework that hands the fetch
 * handler's second argument on as `c.env`): every triloop engine passes a
 * {@link ServeInfo} there. The result has Hono's `ConnInfo` shape, so code
 * written for `hono/bun`'s or `hono/deno`'s helper reads it unchanged. Typed
 * structurally: core does not depend on Hono.
 *
 * @example The caller's address in a Hono route
 * ```ts
 * import { getConnInfo } from "./conn-info.ts";
 * const handler = (c: { env: unknown; json(v: unknown): Response }) => c.json(getConnInfo(c).remote);
 * ```
 *
 * @module
 */

import type { ServeInfo } from "../types.ts";

/** Hono's `ConnInfo` shape. */
export interface ConnInfo {
  /** The peer of the connection the request came on. */
  remote: { address: string; port: number; transport: "tcp"; addressType: "IPv4" | "IPv6" };
}

/** The peer of the request `c` answers, from triloop's {@link ServeInfo} in `c.env`. */
export function getConnInfo(c: { env: unknown }): ConnInfo {
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
