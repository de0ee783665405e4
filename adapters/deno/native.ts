/**
 * The native engine on Deno: `Deno.serve`
 * (https://docs.deno.com/api/deno/~/Deno.serve).
 *
 * Deno's server takes the fetch handler as is and has no limit knobs, so
 * this file checks what it can see on a parsed request (URI length, header
 * size and count, transfer codings, a body over the limit by Content-Length
 * or while it streams), gives the handler a {@link ServeInfo} from
 * `info.remoteAddr`, and counts requests with `info.completed`. What Deno
 * cannot do (timeouts, connection limits, per-connection counters) is data
 * in `tests/conformance/skips.ts`.
 *
 * @module
 */

import { TriloopError } from "../../core/errors.ts";
import { listenFailed } from "../../core/listen-error.ts";
import { serverUrl } from "../../core/_shared/server-url.ts";
import { requestFor } from "../../core/fetch/lazy-request.ts";
import { installGlobals } from "../../core/fetch/globals.ts";
import { requestUrl } from "../../core/server/request-url.ts";
import { NativeResponse, nativeResponse } from "../../core/fetch/light-response.ts";
import type { Adapter, Server } from "../../core/types.ts";
import type { Engines, ResolvedServeOptions } from "../../core/server/serve.ts";
import {
  AddrServeInfo,
  checkHead,
  guardBody,
  NativeCounters,
  runHandler,
  targetOf,
  versionRequired,
} from "../_native.ts";
import { checkNoProxy, closeAfter, gracefulClose, refusal, serverFailed } from "../_native-server.ts";
import { DenoRequestWs, DenoWebSockets } from "./native-ws.ts";
import { notTls, tlsConfigFailed } from "../../core/tls.ts";
import { denoServerTls, type DenoTls } from "./tls.ts";

/** Why the native engine cannot reload certificates on Deno (TL6). */
export const NATIVE_NO_RELOAD = "Deno.serve keeps its certificate for the server's life, and a second " +
  "Deno.serve on the port would split the server's close and counters: use the kernel engine to reload";

/** A request whose handler is running; `gone` once the handler asked for its signal. */
interface Running {
  gone: AbortController | undefined;
  /** The handler returned its response. */
  answered: boolean;
}

/** Aborts a handler's signal with the reason the kernel gives (Deno's own carries a stack made per abort). */
function abortGone(gone: AbortController): void {
  gone.abort(new DOMException("The client went away", "AbortError"));
}

/** `body` as a stream that runs `cancelled` when its reader cancels it (Deno does when the client leaves). */
function onCancel(body: ReadableStream<Uint8Array>, cancelled: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const { done, value } = await reader.read();
      if (done) ctrl.close();
      else ctrl.enqueue(value);
    },
    cancel(reason) {
      cancelled();
      return reader.cancel(reason);
    },
  });
}

/** What `engine: "auto"` picks on Deno: the engine measured cheaper there (`npm run bench`). */
export const AUTO: Engines["auto"] = {
  engine: "kernel",
  why: "the kernel engine costs far less CPU per request than the native one on Deno",
};

/** Serves `options.fetch` with Deno.serve. */
export function nativeEngine(runtime: Adapter, options: ResolvedServeOptions): Promise<Server> {
  checkNoProxy(
    options,
    "Deno",
    "Deno.serve accepts and parses its sockets itself and takes no connection handed to it",
  );
  if (options.overrideGlobalObjects) installGlobals();
  const { limits } = options;
  const counters = new NativeCounters();
  const ws = new DenoWebSockets(options, runtime.ws);
  /** The requests whose handler is still running (their signals abort at a forced close). */
  const running = new Set<Running>();
  const refuse = (status: number) => refusal(counters, status);

  async function handle(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response> {
    counters.requests++;
    counters.inFlight++;
    info.completed.then(() => counters.finished(), () => counters.finished());
    const headers = request.headers;
    let status = checkHead(request.method, targetOf(request.url), headers, limits, true);
    // Deno joins a repeated Host into "a, b"; RFC 9112 §3.2 makes it a 400.
    if (headers.get("host")?.includes(",")) status = 400;
    const length = headers.get("content-length");
    if (status === 0 && length !== null && Number(length) > limits.maxBodyBytes) status = 413;
    if (status !== 0) return refuse(status);

    let over = false;
    // The handler gets a light Request (the kernel engine's LazyRequest) over
    // Deno's: making a new Request per request, and touching Deno's own
    // request.signal, would cost most of this engine's time (Deno makes a
    // DOMException, stack and all, for every signal it aborts).
    //
    // Deno aborts request.signal when the connection closes, even after a
    // complete response (its "legacy" behaviour; with
    // --unstable-no-legacy-abort a client gone mid-stream aborts nothing).
    // H9 wants an abort only when the client goes away first, so a handler
    // that asks for the signal gets one of ours: Deno's abort passes on
    // while the handler has not answered; after that, a streamed body that
    // Deno cancels (the client left mid-stream) aborts it, and a close after
    // a complete response does not.
    const run: Running = { gone: undefined, answered: false };
    running.add(run);
    const original = request;
    // Deno's url is the Host and the target as they came, unnormalized (the
    // target itself in absolute-form): made the kernel's URL here (U1–U5),
    // read as absolute-form, which both shapes are.
    const url = requestUrl(original.url, "", "GET");
    if (url === null) return refuse(400);
    let body: ReadableStream<Uint8Array> | null | undefined;
    const wrapped = requestFor({
      method: original.method,
      url: () => url,
      headers: () => headers,
      bufferedBody: () => undefined,
      hasBody: () => original.body !== null,
      bodyStream() {
        // Chunked: Deno has no body limit, so the stream counts (H3, 413).
        return (body ??= original.body !== null && length === null
          ? guardBody(original.body, limits.maxBodyBytes, () => (over = true))
          : original.body);
      },
      signal() {
        if (run.gone === undefined) {
          const gone = (run.gone = new AbortController());
          original.signal.addEventListener("abort", () => {
            if (!run.answered) abortGone(gone);
          }, { once: true });
        }
        return run.gone.signal;
      },
    }, options.overrideGlobalObjects);
    const local = server.addr;
    const wsSide = new DenoRequestWs(ws, original, info.remoteAddr.hostname);
    const serveInfo = new AddrServeInfo(info.remoteAddr, local, { loopId: options.loopId, ws: wsSide });
    const upgraded = () => wsSide.outcome instanceof Response;
    const returned = await runHandler(options, wrapped, serveInfo, counters, upgraded);
    run.answered = true;
    if (wsSide.outcome instanceof Response) {
      // Deno's 101; the handler's return value is ignored (WS1).
      running.delete(run);
      counters.responded(101);
      return wsSide.outcome;
    }
    let response = wsSide.outcome === 426 ? versionRequired() : nativeResponse(returned!);
    const gone = run.gone;
    if (gone !== undefined && response.body !== null && !gone.signal.aborted) {
      // Only a handler that asked for its signal pays for this wrapper.
      response = new NativeResponse(onCancel(response.body, () => abortGone(gone)), response);
    }
    running.delete(run);
    if (over) {
      void response.body?.cancel().catch(() => {});
      return refuse(413);
    }
    counters.responded(response.status);
    if (counters.closing) closeAfter(response);
    return response;
  }

  let tls: DenoTls | undefined;
  try {
    tls = options.tls === undefined ? undefined : denoServerTls(options.tls, []);
  } catch (err) {
    return Promise.reject(err);
  }
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      // Deno.serve offers h2 and http/1.1 by ALPN whatever it is told; one certificate (NO_SNI).
      ...(tls === undefined ? {} : { cert: tls.options.cert, key: tls.options.key }),
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
      onListen() {}, // Deno prints "Listening on" otherwise; the caller decides what to print.
      onError: serverFailed(counters, "Deno.serve"),
    }, handle);
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    const bindError = tls === undefined || (typeof code === "string" && code.startsWith("E"));
    return Promise.reject(
      bindError ? listenFailed(options.hostname, options.port, err) : tlsConfigFailed(err),
    );
  }
  const port = server.addr.port;
  ws.listen(port);

  return Promise.resolve({
    url: serverUrl(options.hostname, port, tls !== undefined),
    port,
    engine: "native",
    reloadTls: () =>
      Promise.reject(
        tls === undefined ? notTls() : new TriloopError("TRI_ERR_INVALID_ARG", NATIVE_NO_RELOAD),
      ),
    close: gracefulClose(counters, async () => {
      // The WebSockets get 1001 and close by their handshakes (WS9).
      await Promise.all([server.shutdown(), ws.shutdown()]);
      ws.stop();
    }, () => {
      ws.stop();
      const cut = Math.max(1, running.size);
      // Deno cannot cut connections once shutdown() began (denoland/deno#25792;
      // aborting Deno.serve's signal then throws BadResource, uncaught): the
      // handlers still running see their request.signal abort, and the
      // connections close as they answer.
      const reason = new TriloopError("TRI_ERR_FORCED_CLOSE", "The server closed");
      for (const r of running) r.gone?.abort(reason);
      return cut;
    }, () => ws.stats.open),
    stats() {
      // Deno.serve reports no connections or bytes (see UNCOUNTED in _native.ts).
      return ws.addStats(counters.snapshot(0));
    },
  });
}
