/**
 * The error of a listener that could not bind, worded the same on every
 * runtime: Node says `listen EADDRINUSE: address already in use`, Bun
 * `Failed to listen at 127.0.0.1` (the reason only in `code`), Deno
 * `Address already in use (os error 98)`. The runtime's error stays the
 * `cause`, with its `code` (`"EADDRINUSE"` on all three). And the error of a
 * connection that could not be opened.
 *
 * @module
 */

import { TriloopError } from "./errors.ts";

/** What each common bind failure means, by the `code` the runtimes give it. */
const REASONS: Record<string, string> = {
  EADDRINUSE: "the address is already in use (EADDRINUSE): another process serves this port",
  EACCES: "permission denied (EACCES): ports below 1024 need privileges",
  EADDRNOTAVAIL: "the address is not one of this machine's (EADDRNOTAVAIL)",
};

/**
 * `TRI_ERR_LISTEN_FAILED` for `hostname:port`, with the runtime's error as
 * `cause`.
 *
 * @example A taken port
 * ```ts
 * import { listenFailed } from "./listen-error.ts";
 * const err = listenFailed("127.0.0.1", 3000, Object.assign(new Error("in use"), { code: "EADDRINUSE" }));
 * err.message; // "Cannot listen on 127.0.0.1:3000: the address is already in use (EADDRINUSE): …"
 * ```
 */
export function listenFailed(hostname: string, port: number, cause: unknown): TriloopError {
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  const reason = (typeof code === "string" ? REASONS[code] : undefined) ??
    (cause instanceof Error ? cause.message : String(cause));
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return new TriloopError("TRI_ERR_LISTEN_FAILED", `Cannot listen on ${host}:${port}: ${reason}`, { cause });
}

/** `TRI_ERR_CONNECT_FAILED` for `hostname:port`, with the runtime's error as `cause`. */
export function connectFailed(hostname: string, port: number, cause: unknown): TriloopError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TriloopError("TRI_ERR_CONNECT_FAILED", `Cannot connect to ${hostname}:${port}: ${reason}`, {
    cause,
  });
}
