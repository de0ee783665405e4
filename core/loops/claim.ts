/**
 * Claiming a port before the loops share it (LP11).
 *
 * Linux lets a socket bind a port that others hold when every one of them
 * set SO_REUSEPORT and belongs to the same user; the kernel then spreads new
 * connections over all of them. Loops rely on that to share one port, but it
 * does not ask whose sockets they are: a second server with loops, started
 * on the port of a first, would bind too and quietly take a share of its
 * traffic. A bind without SO_REUSEPORT fails on a port anyone holds, so the
 * first loop to bind does one (and frees it) right before its own
 * SO_REUSEPORT bind: a port anything serves fails the start with
 * EADDRINUSE. What the kernel cannot refuse is a stranger of the same user
 * that sets SO_REUSEPORT itself, at any time: that is its own opt-in
 * (`serve({ reusePort: true })` is triloop's).
 *
 * @module
 */

import type { Adapter } from "../types.ts";

/**
 * The port a loop binds: `port` as is, or, when `claim` is set, after a bind
 * without SO_REUSEPORT proved nothing holds it (the chosen port for 0).
 * Rejects with `TRI_ERR_LISTEN_FAILED` when something does.
 */
export function claimPort(runtime: Adapter, hostname: string, port: number, claim: boolean): Promise<number> {
  return claim ? runtime.loopHosts.reservePort(hostname, port) : Promise.resolve(port);
}
