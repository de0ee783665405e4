/**
 * The health path and the drain delay: what a load balancer needs to take a
 * node out before it stops accepting, so a rolling restart loses no request.
 *
 * Invariants (each a case of `tests/conformance/health-suite.ts`, on every
 * runtime and both engines; under `triloop serve`, also with `--loops`):
 * - **HZ1 healthy**: while the server serves, a GET or HEAD of the health
 *   path (any query) is answered `200` with `ok` and `Cache-Control:
 *   no-store`, without calling the app.
 * - **HZ2 drain-503**: from the first moment of a graceful close with
 *   `drainDelayMs` (SIGTERM with `--drain-delay`), the health path answers
 *   `503`; every other request is served as before for `drainDelayMs`;
 *   only then does the server stop accepting and drain (as `close`).
 * - **HZ3 force-cuts-delay**: a second close with `graceMs: 0` (a second
 *   signal) ends the delay at once and forces.
 *
 * @module
 */

import type { FetchHandler, ServeInfo, Server, ShutdownReport } from "../types.ts";
import { TriloopError } from "../errors.ts";

/** One server's health state. */
export class Health {
  readonly path: string;
  draining = false;

  constructor(path: string) {
    if (typeof path !== "string" || !path.startsWith("/") || /[?#\s]/.test(path)) {
      throw new TriloopError(
        "TRI_ERR_INVALID_ARG",
        `health must be a path such as "/healthz", got '${path}'`,
      );
    }
    this.path = path;
  }

  /** True when `url` (absolute, as `request.url`) is the health path. */
  matches(url: string): boolean {
    const start = url.indexOf("/", url.indexOf("//") + 2);
    if (start < 0 || !url.startsWith(this.path, start)) return false;
    const next = url.charCodeAt(start + this.path.length);
    return Number.isNaN(next) || next === 0x3f; // end, or "?"
  }

  /** `fetch` with the health path answered in front of it (HZ1, HZ2). */
  wrap(fetch: FetchHandler): FetchHandler {
    return (request: Request, info: ServeInfo) => {
      if (!this.matches(request.url)) return fetch(request, info);
      const ok = !this.draining;
      return new Response(request.method === "HEAD" ? null : ok ? "ok\n" : "draining\n", {
        status: ok ? 200 : 503,
        headers: { "content-type": "text/plain", "cache-control": "no-store" },
      });
    };
  }
}

/**
 * `server` whose `close` first answers 503 on the health path for
 * `drainDelayMs`, serving on, then closes it (HZ2, HZ3).
 */
export function drainable(server: Server, health: Health | undefined): Server {
  let closing: Promise<ShutdownReport> | undefined;
  let cut: (() => void) | undefined;
  return {
    ...server,
    close({ graceMs, drainDelayMs = 0 } = {}) {
      if (closing !== undefined) {
        if (graceMs === 0) {
          cut?.();
          return server.close({ graceMs: 0 });
        }
        return closing;
      }
      if (health !== undefined) health.draining = true;
      closing = (async () => {
        if (drainDelayMs > 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await new Promise<void>((resolve) => {
            cut = resolve;
            timer = setTimeout(resolve, drainDelayMs);
          });
          clearTimeout(timer);
        }
        return server.close({ graceMs });
      })();
      return closing;
    },
    stats: () => server.stats(),
  };
}
