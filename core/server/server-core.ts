/**
 * What every connection of one kernel-engine server shares: the handler,
 * the resolved limits, the counters, and the shutdown flag.
 *
 * @module
 */

import type { ErrorCode } from "../errors.ts";
import type { Conn, FetchHandler, ServeInfo, ServerStats, Watchdog } from "../types.ts";
import { startWatchdog } from "../watchdog.ts";
import type { WsServer } from "../ws/server.ts";
import { publishFromServer } from "../ws/topics.ts";
import type { UpgradeOptions } from "../ws/types.ts";
import type { Limits } from "./limits.ts";
import type { ResolvedServeOptions } from "./serve.ts";

/** Shared state of one kernel-engine server. */
export class HttpServerCore {
  readonly fetch: FetchHandler;
  /** Handlers get lazy requests (the globals that accept them are installed). */
  readonly lazyRequests: boolean;
  readonly limits: Limits;
  readonly loopId: number;
  /** Served over TLS: request URLs are `https://`. */
  readonly secure: boolean;
  /** The server's WebSockets (set by the kernel engine). */
  ws!: WsServer;
  /** The loop's stall watchdog; undefined when turned off. */
  readonly watchdog: Watchdog | undefined;
  readonly #onError: ResolvedServeOptions["onError"];
  /** Set once a graceful close begins. */
  closing = false;
  /** Responses completely queued (for the shutdown report). */
  completed = 0;
  readonly stats: ServerStats = {
    connections: { open: 0, accepted: 0, closed: 0 },
    requests: 0,
    responses: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 },
    bytesRead: 0,
    bytesWritten: 0,
    errors: {},
  };

  constructor(options: ResolvedServeOptions) {
    this.fetch = options.fetch;
    this.limits = options.limits;
    this.lazyRequests = options.overrideGlobalObjects;
    this.loopId = options.loopId;
    this.secure = options.tls !== undefined;
    this.#onError = options.onError;
    this.watchdog = options.watchdog === false
      ? undefined
      : startWatchdog({ warmupMs: 2000, ...options.watchdog });
  }

  /** Reports a handler failure; `request` is absent for failures after the head went out. */
  onError(err: unknown, request: Request | undefined): void {
    try {
      this.#onError(err, request ?? new Request("http://unknown/"));
    } catch {
      // a throwing onError must not take the connection with it
    }
  }

  /** Counts an error by its code. */
  count(code: ErrorCode): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
  }

  countStatus(status: number): void {
    const r = this.stats.responses;
    if (status < 200) r["1xx"]++;
    else if (status < 300) r["2xx"]++;
    else if (status < 400) r["3xx"]++;
    else if (status < 500) r["4xx"]++;
    else r["5xx"]++;
  }

  /**
   * The {@link ServeInfo} of a connection (made once per connection): the
   * peer, and Bun's server methods (`upgrade`, `publish`, `subscriberCount`).
   */
  info(conn: Conn, upgrade: (request: Request, options?: UpgradeOptions<unknown>) => boolean): ServeInfo {
    const hub = this.ws.ctx.hub;
    const remote = { hostname: conn.remoteAddress, port: conn.remotePort, transport: "tcp" as const };
    const local = { hostname: conn.localAddress, port: conn.localPort, transport: "tcp" as const };
    const family = remote.hostname.includes(":") ? "IPv6" as const : "IPv4" as const;
    return {
      remoteAddr: remote,
      localAddr: local,
      loopId: this.loopId,
      requestIP: () => ({ address: remote.hostname, port: remote.port, family }),
      upgrade,
      publish: (topic, data) => publishFromServer(hub, topic, data),
      subscriberCount: (topic) => hub.count(topic),
    };
  }
}
