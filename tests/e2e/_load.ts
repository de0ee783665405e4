/**
 * A small, bounded load client for the fleet test: `workers` keep-alive
 * connections, each sending `GET /` one after another with a short pause,
 * every request counted (2xx, other statuses, errors) with the time it
 * started, until `stop()` or `maxRequests`.
 *
 * @module
 */

import * as http from "node:http";

/** One failed request: when it started, and how it failed. */
export interface Failure {
  at: number;
  what: string;
}

/** What a load run counted. */
export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  failures: Failure[];
  /** Responses by the `x-node` header. */
  byNode: Record<string, number>;
}

/** Starts the load on `127.0.0.1:port`; `stop()` ends it and resolves with the counts. */
export function startLoad(
  port: number,
  { workers = 4, pauseMs = 5, maxRequests = 200_000 } = {},
): { stop(): Promise<LoadResult>; result: LoadResult } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const result: LoadResult = { ok: 0, non2xx: 0, errors: 0, failures: [], byNode: {} };
  let running = true;
  let sent = 0;
  const one = () =>
    new Promise<void>((done) => {
      const at = Date.now();
      const req = http.get({ host: "127.0.0.1", port, path: "/", agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on("end", () => {
          const node = String(res.headers["x-node"] ?? "?");
          result.byNode[node] = (result.byNode[node] ?? 0) + 1;
          if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) result.ok++;
          else {
            result.non2xx++;
            result.failures.push({ at, what: `status ${res.statusCode}` });
          }
          done();
        });
        res.on("error", (err) => {
          result.errors++;
          result.failures.push({ at, what: `body: ${err.message}` });
          done();
        });
      });
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", (err) => {
        result.errors++;
        result.failures.push({ at, what: err.message });
        done();
      });
    });
  const worker = async () => {
    while (running && sent < maxRequests) {
      sent++;
      await one();
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const all = Promise.all(Array.from({ length: workers }, worker));
  return {
    result,
    async stop() {
      running = false;
      await all;
      agent.destroy();
      return result;
    },
  };
}
