/**
 * What the three native engines (node:http, Bun.serve, Deno.serve) share
 * for each request: their counters, the limit checks a runtime server has no
 * knob for, the body-size guard, and answering a handler failure with 500
 * (their answers as a server are in `_native-server.ts`). Web-platform
 * globals only, like `core/` (it sits beside `detect.ts` because only the
 * adapters use it; it is not part of the public API).
 *
 * @module
 */

import { LightResponse, NativeResponse } from "../core/fetch/light-response.ts";
import { type ErrorCode, TriloopError } from "../core/errors.ts";
import { reasonOf } from "../core/http1/status-lines.ts";
import type { ServeInfo, ServerStats } from "../core/types.ts";
import type { UpgradeOptions, WsData } from "../core/ws/types.ts";
import type { Limits } from "../core/server/limits.ts";
import type { ResolvedServeOptions } from "../core/server/serve.ts";

/**
 * What a native engine's `stats()` cannot count, and why: these report 0.
 * Everything else in {@link ServerStats} is counted on every runtime.
 */
export const UNCOUNTED: Record<"node" | "bun" | "deno", Partial<Record<string, string>>> = {
  node: {},
  bun: {
    refusals: "requests Bun.serve's parser refuses (400 for bad framing) never reach the engine, so they " +
      "are in neither responses nor errors",
    connections: "Bun.serve tells the handler nothing about connections (no accept or close events)",
    bytesRead: "Bun.serve does not report bytes on the wire",
    bytesWritten: "Bun.serve does not report bytes on the wire",
  },
  deno: {
    refusals: "requests Deno.serve's parser refuses (400 for bad framing) never reach the engine, so they " +
      "are in neither responses nor errors",
    connections: "Deno.serve tells the handler nothing about connections (no accept or close events)",
    bytesRead: "Deno.serve does not report bytes on the wire",
    bytesWritten: "Deno.serve does not report bytes on the wire",
  },
};

const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** The counters of one native server; `snapshot` shapes them as {@link ServerStats}. */
export class NativeCounters {
  accepted = 0;
  closed = 0;
  requests = 0;
  /** Requests whose response has not finished. */
  inFlight = 0;
  /** Responses finished since `close()` began (the shutdown report's `completed`). */
  completedWhileClosing = 0;
  closing = false;
  bytesRead = 0;
  bytesWritten = 0;
  #responses = { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 };
  #errors: ServerStats["errors"] = {};

  /** Counts a response by its status class. */
  responded(status: number): void {
    this.#responses[CLASSES[Math.min(4, Math.max(0, ((status / 100) | 0) - 1))]]++;
  }

  /** A request finished (answered, or its connection went away). */
  finished(): void {
    this.inFlight--;
    if (this.closing) this.completedWhileClosing++;
  }

  /** Counts an error by its code. */
  error(code: ErrorCode): void {
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
  }

  /** The counters as {@link ServerStats}; `open` and the byte counts come from the engine. */
  snapshot(open: number, bytesRead = this.bytesRead, bytesWritten = this.bytesWritten): ServerStats {
    return {
      connections: { open, accepted: this.accepted, closed: this.closed },
      requests: this.requests,
      responses: { ...this.#responses },
      bytesRead,
      bytesWritten,
      errors: { ...this.#errors },
    };
  }
}

/**
 * A short plain-text answer the engine writes itself (a refusal, or 500).
 * Refusals carry `Connection: close` (H3): what follows them on the wire is
 * not trusted.
 */
export function plainResponse(status: number, close: boolean): Response {
  const headers: Record<string, string> = { "content-type": "text/plain;charset=UTF-8" };
  if (close) headers.connection = "close";
  // The runtime's own class: Bun.serve and Deno.serve take no other, and the global may be triloop's.
  return new NativeResponse(reasonOf(status), { status, headers });
}

/**
 * The checks a runtime server leaves to us, run on a request it parsed: the
 * URI length (414), the header section's size and count (431, when
 * `checkSize`) and the transfer codings (400, 501). Returns the status to
 * refuse with, or 0. The header size is the request line plus
 * `name: value\r\n` per field, so it matches the kernel's count exactly
 * unless the runtime merged repeated fields.
 */
export function checkHead(
  method: string,
  target: string,
  fields: Iterable<[string, string]>,
  limits: Limits,
  checkSize: boolean,
): number {
  if (target.length > limits.maxUriBytes) return 414;
  let bytes = method.length + target.length + 12; // "M T HTTP/1.1\r\n"
  let count = 0;
  let status = 0;
  for (const [name, value] of fields) {
    count++;
    bytes += name.length + value.length + 4;
    if (status === 0 && name.length === 17 && name.toLowerCase() === "transfer-encoding") {
      status = codingStatus(value);
    }
  }
  if (checkSize && (count > limits.maxHeaderCount || bytes + 2 > limits.maxHeaderBytes)) return 431;
  return status;
}

/**
 * RFC 9112 §6.3 rule 4: a request whose final transfer coding is not chunked
 * has no reliable length (400); §6.1: a coding before it that we do not
 * implement (any but chunked) is 501.
 */
export function codingStatus(value: string): number {
  const codings = value.toLowerCase().split(",");
  if (codings[codings.length - 1].trim() !== "chunked") return 400;
  return codings.length > 1 ? 501 : 0;
}

/** The request-target of an absolute `url` (path and query), without building a URL. */
export function targetOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? "/" : url.slice(slash);
}

/**
 * Wraps a request body so that more than `max` bytes error the stream with
 * `TRI_ERR_HTTP_BODY_TOO_LARGE` (after `onOver` ran), for runtimes that
 * enforce no body limit of their own while streaming. Pull-based, so the
 * runtime's own backpressure is kept.
 */
export function guardBody(
  body: ReadableStream<Uint8Array>,
  max: number,
  onOver: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const { done, value } = await reader.read();
      if (done) return ctrl.close();
      seen += value.byteLength;
      if (seen > max) {
        onOver();
        const err = new TriloopError("TRI_ERR_HTTP_BODY_TOO_LARGE", `Request body is over ${max} bytes`);
        void reader.cancel(err).catch(() => {});
        ctrl.error(err);
        return;
      }
      ctrl.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * Runs the handler; a throw, a rejection or something that is not a Response
 * is reported to `onError` and answered 500 (H10). Undefined when the
 * request became a WebSocket (`upgraded`): the handler's return value is
 * then ignored, whatever it is (WS1).
 */
export async function runHandler(
  options: ResolvedServeOptions,
  request: Request,
  info: ServeInfo,
  counters: NativeCounters,
  upgraded?: () => boolean,
): Promise<Response | undefined> {
  try {
    const res = await options.fetch(request, info);
    if (upgraded?.()) return undefined;
    if (!(res instanceof Response)) {
      throw new TypeError(`The fetch handler returned ${typeof res}, not a Response`);
    }
    // A network error has no status to send: answered as a handler failure, as
    // the kernel does. (A light Response is never one, and asking it would build a real one.)
    if (!LightResponse.isLight(res) && res.type === "error") {
      throw new TypeError("The fetch handler returned Response.error(), a network error");
    }
    return res;
  } catch (err) {
    if (upgraded?.()) {
      // The socket is open: the throw is the handler's, reported; nothing more to answer.
      report(options, err, request);
      return undefined;
    }
    counters.error("TRI_ERR_HANDLER_THREW");
    report(options, err, request);
    return plainResponse(500, false);
  }
}

function report(options: ResolvedServeOptions, err: unknown, request: Request): void {
  try {
    options.onError(err, request);
  } catch {
    // A throwing onError must not take the server down either.
  }
}

/** A native server's WebSocket side, as its {@link ServeInfo} offers it (WS1, WS8). */
export interface WsMethods {
  upgrade(request: Request, options?: UpgradeOptions<unknown>): boolean;
  publish(topic: string, data: WsData, compress?: boolean): number;
  subscriberCount(topic: string): number;
}

/** The answer to an upgrade of a version other than 13 (WH1, RFC 6455 §4.4), whatever the handler made. */
export function versionRequired(): Response {
  return new NativeResponse("Upgrade Required", { status: 426, headers: { "sec-websocket-version": "13" } });
}

/** A {@link ServeInfo} over fixed addresses (Node, Deno). */
export class AddrServeInfo implements ServeInfo {
  readonly remoteAddr: ServeInfo["remoteAddr"];
  readonly localAddr: ServeInfo["localAddr"];
  readonly loopId: number;
  readonly #ws: WsMethods;
  constructor(
    remote: { hostname: string; port: number },
    local: { hostname: string; port: number },
    { loopId, ws }: { loopId: number; ws: WsMethods },
  ) {
    this.remoteAddr = { hostname: remote.hostname, port: remote.port, transport: "tcp" };
    this.localAddr = { hostname: local.hostname, port: local.port, transport: "tcp" };
    this.loopId = loopId;
    this.#ws = ws;
  }
  upgrade<D>(request: Request, options?: UpgradeOptions<D>): boolean {
    return this.#ws.upgrade(request, options as UpgradeOptions<unknown>);
  }
  publish(topic: string, data: WsData, compress?: boolean): number {
    return this.#ws.publish(topic, data, compress);
  }
  subscriberCount(topic: string): number {
    return this.#ws.subscriberCount(topic);
  }
  requestIP(): ReturnType<ServeInfo["requestIP"]> {
    const { hostname, port } = this.remoteAddr;
    return { address: hostname, port, family: hostname.includes(":") ? "IPv6" : "IPv4" };
  }
}
