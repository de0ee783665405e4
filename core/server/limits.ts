/**
 * The HTTP limits and timeouts with their defaults, resolved once per server.
 * Both engines read the same resolved values, so a limit means the same on
 * every runtime.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import type { HttpLimits } from "../types.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** Every limit, with its default filled in. */
export type Limits = Required<HttpLimits>;

/** The documented defaults (see {@link HttpLimits}). */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxHeaderBytes: 16 * KiB,
  maxUriBytes: 8 * KiB,
  maxHeaderCount: 100,
  maxBodyBytes: 16 * MiB,
  maxRequestsPerConnection: 0,
  maxConnections: 0,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
});

/** Fills in defaults and rejects values out of range with `TRI_ERR_INVALID_ARG`. */
export function resolveLimits(limits: HttpLimits = {}): Limits {
  const out = { ...DEFAULT_LIMITS } as Limits;
  for (const key of Object.keys(limits) as Array<keyof HttpLimits>) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) {
      throw new TriloopError("TRI_ERR_INVALID_ARG", `Unknown limit '${key}'`);
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || !Number.isInteger(value)) {
      throw new TriloopError(
        "TRI_ERR_INVALID_ARG",
        `Limit '${key}' must be a whole number >= 0, got ${value}`,
      );
    }
    out[key] = value;
  }
  return out;
}
