/**
 * The contracts of triloop, in one place. Each contract is a list of numbered
 * invariants; each invariant is a conformance test of the same name
 * (`tests/conformance/tcp-suite.ts`), run on every runtime.
 *
 * @module
 */

import type { ErrorCode, TriloopError } from "./errors.ts";
import type { UpgradeOptions, WebSocketHandler, WsData, WsRuntime, WsStats } from "./ws/types.ts";

/**
 * The reactor's handler: one static object per listener, per-connection state
 * on `conn.state`, so a protocol is written as a state machine, not a stack.
 *
 * Invariants:
 * - **S1 open-first**: `open` runs once per connection, before any other callback.
 * - **S2 close-once-last**: `close` runs exactly once per connection, and no
 *   callback runs after it. `err` is absent for an orderly close and a
 *   {@link TriloopError} otherwise.
 * - **S3 data-owned**: the bytes given to `data` belong to the handler; the
 *   kernel never writes to that memory again, so they may be kept or passed
 *   to `write` without a copy.
 * - **S4 data-stream**: chunking is arbitrary (part of a message, or several);
 *   the concatenation of all chunks is exactly the peer's byte stream.
 * - **S5 drain-after-false**: `drain` runs only after a `write` returned
 *   `false`, once per such episode, when `bufferedAmount` has fallen to
 *   `lowWaterMark` or below.
 * - **S6 end-half-close**: `end` runs once when the peer half-closes; no `data`
 *   follows. Without an `end` callback the kernel flushes and ends its side
 *   too, so no connection stays half-open by accident.
 * - **S7 throw-isolated**: a throw in any callback closes that connection only
 *   (`close` gets `TRI_ERR_HANDLER_THREW` with the throw as `cause`) and is
 *   reported to `onError`; the loop and other connections go on.
 * - **S8 idle-timeout**: `timeout` runs when the connection has had no read or
 *   write for the time set by `idleTimeout` / `conn.setTimeout`; then the
 *   timer re-arms. Without a `timeout` callback the connection is closed with
 *   `TRI_ERR_IDLE_TIMEOUT`.
 * - **S9 shutdown-hook**: when a graceful stop begins ({@link Listener.shutdown};
 *   SIGTERM under `triloop serve`), `shutdown` runs once for each connection
 *   open at that moment, after the listener stopped accepting; never for a
 *   connection whose `close` ran. The connection then lives on as before —
 *   `data`, `drain`, `end` still run, writes still go out — until the handler
 *   ends or closes it, or the grace passes (L5). A throw in it is S7.
 * - **S10 shutdown-default**: without a `shutdown` callback, a graceful stop
 *   calls `conn.end()` on each open connection: what was written is flushed,
 *   then our FIN; the peer reads every byte written, then the end of the
 *   stream, and the connection closes once the peer ends its side too. Why
 *   this default:
 *   1. The kernel sees bytes, not messages: it cannot tell an idle raw
 *      connection from one halfway through an exchange. Waiting for every
 *      peer to leave by itself lets one idle client hold a stop for the whole
 *      grace, and then the stop is counted forced.
 *   2. Ending after the flush never cuts what the handler already wrote, as
 *      an immediate close would; the peer sees an orderly end of stream,
 *      which clients of line and RESP protocols read as "server going away"
 *      and reconnect from. (HTTP does the same to idle keep-alive
 *      connections: {@link Server.close}.)
 *   3. What the kernel cannot see — a request whose answer comes later, from
 *      a pool task — is the handler's to finish: a protocol with such work
 *      defines `shutdown`, stops taking new requests there, and calls
 *      `conn.end()` after its last answer; a connection that must run to
 *      the deadline defines it as a no-op.
 */
export interface SocketHandler<S = unknown> {
  /** A connection opened (accepted, or connected). */
  open?(conn: Conn<S>): void;
  /** Bytes arrived. They are the handler's to keep (S3). */
  data(conn: Conn<S>, bytes: Uint8Array): void;
  /** Buffered output fell to the low-water mark after a `write` returned false. */
  drain?(conn: Conn<S>): void;
  /** The peer half-closed (sent FIN). */
  end?(conn: Conn<S>): void;
  /** The connection is gone. Runs exactly once, last. */
  close?(conn: Conn<S>, err?: TriloopError): void;
  /** The connection has been idle for its timeout. */
  timeout?(conn: Conn<S>): void;
  /**
   * A graceful stop began: finish, say goodbye if the protocol has a word
   * for it, and end the connection (S9). Absent, the kernel calls
   * `conn.end()` (S10).
   */
  shutdown?(conn: Conn<S>): void;
}

/**
 * One TCP connection, the same on every runtime.
 *
 * Invariants:
 * - **C1 write-no-loss**: `write` never blocks and never drops bytes: every byte
 *   written before `end`/`close` reaches the peer in order, unless the
 *   connection closes with an error (which `close` then reports).
 * - **C2 write-high-water**: `write` returns `false` once `bufferedAmount`
 *   reaches `highWaterMark`; the caller should stop until `drain` (S5).
 * - **C3 hard-cap**: a producer that ignores C2 until `bufferedAmount` would pass
 *   `maxBufferedBytes` gets the connection closed with
 *   `TRI_ERR_OUTPUT_OVERFLOW`; memory stays bounded.
 * - **C4 end-flush**: `end` sends everything buffered, then half-closes. After
 *   `end` or `close`, `write` returns `false`, sends nothing and never throws.
 * - **C5 close-now**: `close` tears down at once, discarding buffered output; it
 *   is idempotent, and the `close` callback runs later, never inside the call.
 * - **C6 pause-stops-reads**: after `pause`, no `data` runs until `resume`, and
 *   the kernel stops reading, so the peer's sends back up by TCP flow control.
 *   A paused connection may not notice the peer's FIN or reset until resumed.
 * - **C7 timeout-never-early**: the idle timeout never fires before the set time
 *   has passed without activity; `setTimeout(0)` disarms it.
 * - **C8 buffered-amount**: `bufferedAmount` counts the bytes accepted by
 *   `write` that the runtime has not yet handed to the kernel.
 * - **C9 write-transient**: `writeTransient` keeps C1–C3 and C8, and the
 *   caller may reuse `bytes` as soon as it returns: the peer receives them as
 *   they were during the call.
 */
export interface Conn<S = unknown> {
  /** Per-connection state for the handler's state machine. Starts `undefined`. */
  state: S;
  /** A number unique among this loop's connections. */
  readonly id: number;
  /** `"open"`, `"ending"` (our side ended, flushing) or `"closed"`. */
  readonly readyState: "open" | "ending" | "closed";
  /** Bytes accepted by `write` and not yet handed to the kernel (C8). */
  readonly bufferedAmount: number;
  /** The peer's address (IPv4, or IPv6 without brackets). */
  readonly remoteAddress: string;
  /** The peer's port. */
  readonly remotePort: number;
  /** Our end's address. */
  readonly localAddress: string;
  /** Our end's port. */
  readonly localPort: number;
  /**
   * Queues bytes (strings are UTF-8 encoded). Never blocks (C1). Returns
   * `false` when the caller should wait for `drain` (C2). The caller must not
   * modify `bytes` after passing them.
   */
  write(bytes: Uint8Array | string): boolean;
  /**
   * `write` for bytes the caller reuses (a scratch buffer): they are valid
   * only during the call, and the connection copies what it keeps (C9) —
   * in the runtime's cheapest way, or not at all where the runtime copies
   * into the kernel at once.
   */
  writeTransient(bytes: Uint8Array): boolean;
  /** Writes `bytes` if given, flushes, then half-closes (C4). */
  end(bytes?: Uint8Array | string): void;
  /** Closes now, discarding buffered output (C5). */
  close(err?: TriloopError): void;
  /** Stops reading (C6). */
  pause(): void;
  /** Restarts reading (C6). */
  resume(): void;
  /** Arms the idle timeout in milliseconds; 0 disarms (C7, S8). */
  setTimeout(ms: number): void;
}

/** Options every connection takes, from `listen` or `connect`. */
export interface ConnOptions {
  /** `write` returns false at or above this many buffered bytes. Default 64 KiB. */
  highWaterMark?: number;
  /** `drain` runs at or below this many buffered bytes. Default `highWaterMark / 4`. */
  lowWaterMark?: number;
  /** Hard cap on buffered output (C3). Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Idle timeout in milliseconds for every connection; 0 for none. Default 0. */
  idleTimeout?: number;
  /** Told of every handler throw (S7). Default: `console.error`. */
  onError?: (err: unknown, conn: Conn<unknown>) => void;
}

/**
 * The PROXY protocol (HAProxy's `send-proxy` / `send-proxy-v2`), opt-in on
 * `listen` and `serve` (`proxyProtocol`, `trustedProxies`, `proxyTimeoutMs`).
 *
 * Invariants (each a case of `tests/conformance/proxy-suite.ts`, on every
 * runtime; the parser's also in `tests/proxy/`):
 * - **PX1 trusted-only**: a connection from a peer outside `trustedProxies`
 *   is closed at once: nothing is read or sent, no handler callback runs,
 *   and it is counted as `TRI_ERR_PROXY_UNTRUSTED`.
 * - **PX2 header-first**: the header is read before anything else reads the
 *   connection (the HTTP codec, a TLS handshake); `open` runs after it, and
 *   the first `data` starts at the byte after it, even when the header and
 *   the first bytes of the application arrive in one segment.
 * - **PX3 client-address**: `conn.remoteAddress` / `remotePort` are the
 *   header's source, `localAddress` / `localPort` its destination; over
 *   HTTP, `info.remoteAddr`, `info.requestIP()` and `getConnInfo(c)` give the
 *   same source.
 * - **PX4 local**: a v2 `LOCAL` command (a proxy's health check), a v1
 *   `UNKNOWN`, and a v2 header of family UNSPEC or UNIX are accepted, and the
 *   connection keeps the socket's own addresses.
 * - **PX5 invalid-closes**: a malformed header, one of a version not
 *   configured, or none at all (a client that speaks first in another
 *   protocol, or ends before the header is whole) closes the connection
 *   without a byte sent, counted as `TRI_ERR_PROXY_INVALID`.
 * - **PX6 timeout**: a header not whole within `proxyTimeoutMs` closes the
 *   connection without a byte sent, counted as `TRI_ERR_PROXY_TIMEOUT`.
 * - **PX7 bounded**: a v1 line is at most 107 bytes, a v2 header at most
 *   4096; a longer one is PX5. The reader never holds more than that.
 * - **PX8 tlv-skipped**: v2 TLVs after the addresses are skipped, whatever
 *   they hold.
 * - **PX9 any-split**: the header parses the same at every chunking, and a
 *   pull-based reader that reads at most `want()` bytes never reads a byte
 *   past it.
 */
export interface ProxyOptions {
  /** Read a PROXY header first on every connection: `"v1"`, `"v2"` or `"any"`. Default: off. */
  proxyProtocol?: "v1" | "v2" | "any" | false;
  /**
   * Peers allowed to send it, as addresses or CIDRs (an array, or one
   * comma-separated string); any other peer is refused (PX1). Default
   * `["127.0.0.0/8", "::1"]`.
   */
  trustedProxies?: readonly string[] | string;
  /** Time for the whole header to arrive, in ms (PX6). Default 5000. */
  proxyTimeoutMs?: number;
}

/** Options of {@link Runtime.listen}. */
export interface ListenOptions extends ConnOptions, ProxyOptions {
  /** Address to bind. Default `"0.0.0.0"`. */
  hostname?: string;
  /** Port to bind; 0 picks a free one. Default 0. */
  port?: number;
  /** Let several listeners (threads, processes) bind the same port. Default false. */
  reusePort?: boolean;
  /** Serve TLS with these certificates (TL1–TL8). Default: plain TCP. */
  tls?: ServerTls;
}

/** Options of {@link Runtime.connect}. */
export interface ConnectOptions extends ConnOptions {
  /** Host to connect to. Default `"127.0.0.1"`. */
  hostname?: string;
  /** Port to connect to. */
  port: number;
  /** Speak TLS to the server (TL1). Default: plain TCP. */
  tls?: ClientTls;
}

// ---- TLS ---------------------------------------------------------------------

/** One certificate a TLS server presents: PEM text, as read from the files. */
export interface TlsCertificate {
  /** The certificate, PEM; a chain may follow it (leaf first). */
  cert: string;
  /** Its private key, PEM (PKCS#1, PKCS#8 or SEC1; encrypted with `passphrase`). */
  key: string;
  /** The passphrase of an encrypted `key`. Default none. */
  passphrase?: string;
  /** Intermediate certificates, PEM, sent after `cert` (the chain up to the CA). Default none. */
  ca?: string;
  /**
   * The host name this certificate serves (SNI, TL4): exact, or `*.example.com`
   * for one label. The first entry also serves every name no entry matches.
   */
  serverName?: string;
}

/**
 * TLS for a listener or server. What holds for the whole listener is read
 * from the first entry.
 */
export interface TlsOptions extends TlsCertificate {
  /** A handshake not done within this many ms closes its connection (TL3). Default 10 000. */
  handshakeTimeoutMs?: number;
  /** ALPN protocols offered, in order of preference (TL5). Default none for `listen`, `["http/1.1"]` for `serve`. */
  alpnProtocols?: string[];
}

/**
 * A TLS server's certificates: one, or several chosen by the client's server
 * name (SNI, TL4).
 *
 * Invariants (each a case of `tests/conformance/tls-suite.ts`, on every
 * runtime; the TCP and HTTP suites also run again over TLS):
 * - **TL1 tls-plaintext**: a handler of a TLS listener (or of `connect({ tls })`)
 *   sees exactly the bytes the peer's TLS layer was given, and S1–S10, C1–C9
 *   and L1–L5 hold as on plain TCP; a kernel-engine server over TLS writes
 *   the same bytes as over TCP (H1), only encrypted.
 * - **TL2 open-after-handshake**: `open` runs once the handshake is complete,
 *   so what the handler writes there goes out encrypted, never before.
 * - **TL3 handshake-isolated**: a handshake that fails (bytes that are not
 *   TLS, a version or cipher the server refuses) or does not finish within
 *   `handshakeTimeoutMs` closes that connection only, runs no handler
 *   callback, and is counted in `stats().errors.TRI_ERR_TLS_HANDSHAKE`; the
 *   listener and its other connections go on.
 * - **TL4 sni**: with several certificates, a client's server name picks the
 *   entry whose `serverName` matches it; no match, or no name, gets the first.
 *   Where the runtime cannot, `capabilities.tlsSni` says why.
 * - **TL5 alpn**: a client offering one of `alpnProtocols` gets it selected;
 *   `serve` offers `http/1.1`.
 * - **TL6 reload**: `reloadTls(tls)` (SIGHUP under `triloop serve`) serves
 *   the new certificates from the next handshake on; connections open before
 *   go on undisturbed. Certificates that do not load reject with
 *   `TRI_ERR_TLS_CONFIG` and the old ones stay. How each runtime does it,
 *   and what that costs, is `capabilities.tlsReload`.
 * - **TL7 bad-config**: a certificate or key that does not load (not PEM, a
 *   wrong passphrase, a key that is not the certificate's) rejects `listen`
 *   and `serve` with `TRI_ERR_TLS_CONFIG`, and nothing is bound.
 * - **TL8 floor**: nothing below TLS 1.2 is served, and the ciphers are the
 *   runtime's defaults (no weak cipher: `tests/e2e/testssl.test.ts`).
 */
export type ServerTls = TlsOptions | TlsOptions[];

/** TLS for `connect`. */
export interface ClientTls {
  /** The CA certificates to trust, PEM. Default: the runtime's trust store. */
  ca?: string;
  /** The server name to send (SNI) and to verify. Default: `hostname`. */
  serverName?: string;
  /** ALPN protocols to offer. Default none. */
  alpnProtocols?: string[];
}

/** Counters of one listener. */
export interface ListenerStats {
  /** Connections accepted. */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** Connections closed. */
  closed: number;
  /** Bytes received, all connections together. */
  bytesRead: number;
  /** Bytes handed to the kernel, all connections together. */
  bytesWritten: number;
  /** Closes with an error, by code. */
  errors: Partial<Record<ErrorCode, number>>;
}

/**
 * An accepting socket.
 *
 * Invariants:
 * - **L1 listen-bound**: `listen` resolves once the socket accepts; `port` is
 *   the bound port (the chosen one when 0 was asked).
 * - **L2 close-stops-accept**: `close` stops accepting at once and resolves when
 *   the socket is closed; open connections live on unless `force` is set, in
 *   which case each closes with `TRI_ERR_FORCED_CLOSE`.
 * - **L3 connect-settles-once**: `connect` resolves with an open connection after
 *   `open` ran; a failed connect rejects with `TRI_ERR_CONNECT_FAILED` and runs
 *   no handler callback.
 * - **L4 reuse-port**: with `reusePort`, two listeners bind one port where the
 *   runtime can (see `Runtime.capabilities`).
 * - **L5 shutdown-graceful**: `shutdown({ graceMs })` stops accepting (as
 *   `close`), asks every open connection to end (S9, S10), and resolves with
 *   a {@link ShutdownReport}: `"drained"` as soon as every connection has
 *   closed, else `"forced"` at `graceMs`, when the rest are closed with
 *   `TRI_ERR_FORCED_CLOSE` and counted in `forced`; `completed` counts the
 *   connections that closed during the grace. A second call returns the
 *   same promise.
 */
export interface Listener {
  /** The address bound. */
  readonly hostname: string;
  /** The port bound (the one chosen, when 0 was asked; L1). */
  readonly port: number;
  /** Stops accepting (L2). */
  close(options?: { force?: boolean }): Promise<void>;
  /** Graceful stop: stop accepting, end every connection, force the rest at `graceMs` (default 10 s; L5). */
  shutdown(options?: { graceMs?: number }): Promise<ShutdownReport>;
  /** A snapshot of the counters. */
  stats(): ListenerStats;
  /**
   * Serves new certificates from the next handshake on (TL6); rejects with
   * `TRI_ERR_INVALID_ARG` on a listener without TLS.
   */
  reloadTls(tls: ServerTls): Promise<void>;
}

/** What a runtime can and cannot do, as data with reasons. */
export interface Capabilities {
  /** Whether `reusePort` works, or why not. */
  reusePort: true | { reason: string };
  /**
   * Whether terminating a worker stuck in an endless synchronous loop stops
   * its thread (T2), or why not. Where not, a pool task ended by its timeout
   * still rejects and its worker is still replaced, but the old thread keeps
   * a core busy until the process exits.
   */
  terminateBusyWorker: true | { reason: string };
  /** Whether a TLS listener serves several certificates by server name (TL4), or why not. */
  tlsSni: true | { reason: string };
  /**
   * How `reloadTls` works here (TL6): `true` when new handshakes switch
   * certificates with nothing else changing, or what it costs.
   */
  tlsReload: true | { reason: string };
  /**
   * Whether a listener reads the PROXY header on the raw socket before a TLS
   * handshake (PX2 with `tls`: TLS passthrough at the balancer), or why not;
   * where not, `listen` and `serve` refuse `proxyProtocol` with `tls`
   * (`TRI_ERR_INVALID_ARG`).
   */
  proxyBeforeTls: true | { reason: string };
}

/**
 * One runtime's implementation of the kernel: `runtime`, as every entry
 * point of the package exports it (`triloop` picks the one of the runtime
 * that imports it).
 *
 * @example Serve a fetch handler, then stop
 * ```ts
 * import type { Runtime } from "./types.ts";
 * async function hello(runtime: Runtime): Promise<void> {
 *   const server = await runtime.serve({ port: 0, fetch: () => new Response("hello") });
 *   await server.close();
 * }
 * ```
 */
export interface Runtime {
  /** `"node"`, `"bun"` or `"deno"`. */
  readonly name: "node" | "bun" | "deno";
  /** The runtime's version string. */
  readonly version: string;
  /** What this runtime can and cannot do, with reasons. */
  readonly capabilities: Capabilities;
  /** Accepts TCP connections (L1, L2, L4). */
  listen<S>(options: ListenOptions, handler: SocketHandler<S>): Promise<Listener>;
  /** Opens one TCP connection (L3). */
  connect<S>(options: ConnectOptions, handler: SocketHandler<S>): Promise<Conn<S>>;
  /** Serves a fetch handler over HTTP/1.1 (H1–H12). */
  serve(options: ServeOptions): Promise<Server>;
  /** Starts an offload pool: workers running a tasks module (PL1–PL12). */
  createPool<T extends object = TaskModule>(options: PoolOptions): Pool<T>;
  /** Starts one worker running the module at `url` (T1–T4): the base of pools and loop hosts. */
  spawnWorker<S = undefined>(url: URL, handler: WorkerHandler<S>, options?: SpawnOptions): WorkerHandle<S>;
  /** Inside a worker started by `spawnWorker`: the channel to the thread that started it. */
  parentPort(): ParentPort;
}

/**
 * What an adapter gives core: the public {@link Runtime}, and how the runtime
 * hosts loops. Internal: users hold a `Runtime`.
 */
export interface Adapter extends Runtime {
  /** How this runtime hosts loops for `serve({ loops })` and `triloop serve --loops` (LP1–LP11). */
  readonly loopHosts: LoopHosts;
  /** What the kernel's WebSocket server needs of the runtime (raw deflate, `Buffer`). */
  readonly ws: WsRuntime;
}

/**
 * The runtime half of a connection: what an adapter gives the core
 * {@link Connection}. Kept tiny so adapters stay thin and alike.
 */
export interface Transport {
  /** Hands bytes to the runtime; returns how many it took (0 ≤ n ≤ length). */
  write(bytes: Uint8Array): number;
  /**
   * `write` for bytes valid only during the call: the transport copies what
   * it keeps (the caller copies what it does not take). Absent, the
   * connection copies them and calls `write`.
   */
  writeTransient?(bytes: Uint8Array): number;
  /** Bytes the runtime took but has not yet handed to the kernel. */
  readonly buffered: number;
  /** Half-closes once everything taken is sent; then calls `onShutdown`. */
  shutdown(): void;
  /** Closes at once. */
  destroy(): void;
  pause(): void;
  resume(): void;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

// ---- HTTP --------------------------------------------------------------------

/** Where a request came from, given to the fetch handler as its second argument. */
export interface ServeInfo {
  /** The peer (Deno's `info.remoteAddr` shape). */
  readonly remoteAddr: { readonly hostname: string; readonly port: number; readonly transport: "tcp" };
  /** Our end of the connection. */
  readonly localAddr: { readonly hostname: string; readonly port: number; readonly transport: "tcp" };
  /** The id of the loop serving the request (0 with one loop). */
  readonly loopId: number;
  /** Bun's `server.requestIP(request)` shape, so Hono helpers written for Bun work too. */
  requestIP(request?: Request): { address: string; port: number; family: "IPv4" | "IPv6" } | null;
  /**
   * Bun's `server.upgrade(request, { data, headers })` (WS1): true when the
   * request became a WebSocket (the handler's return value is then ignored);
   * false when it is not an upgrade or the server has no `websocket` handler.
   */
  upgrade<D = unknown>(request: Request, options?: UpgradeOptions<D>): boolean;
  /** Bun's `server.publish(topic, data)` (WS8). */
  publish(topic: string, data: WsData, compress?: boolean): number;
  /** Subscribers of `topic` on this loop. */
  subscriberCount(topic: string): number;
}

/**
 * A WHATWG fetch handler: a Hono app's `app.fetch`, or any function of this
 * shape. After `info.upgrade(request)` it may return nothing.
 */
export type FetchHandler = (
  request: Request,
  info: ServeInfo,
) => Response | undefined | void | Promise<Response | undefined | void>;

/**
 * Limits and timeouts of the HTTP server, the same on every runtime and
 * engine. Every field is optional; defaults are listed.
 */
export interface HttpLimits {
  /** Bytes in the request line plus header section (431 past it). Default 16 KiB. */
  maxHeaderBytes?: number;
  /** Bytes in the request target (414 past it). Default 8 KiB. */
  maxUriBytes?: number;
  /** Header fields in one request (431 past it). Default 100. */
  maxHeaderCount?: number;
  /** Bytes in one request body (413 past it). Default 16 MiB. */
  maxBodyBytes?: number;
  /** Requests served on one connection before it is closed; 0 for no limit. Default 0. */
  maxRequestsPerConnection?: number;
  /** Open connections; past it new ones are closed at once. 0 for no limit. Default 0. */
  maxConnections?: number;
  /** Time from a request's first byte to the end of its head (408 past it; slowloris). Default 10 s. */
  headersTimeoutMs?: number;
  /** Time from a request's first byte to the end of its body (408 past it). Default 60 s. */
  requestTimeoutMs?: number;
  /** Time an idle keep-alive connection is kept. Default 5 s. */
  keepAliveTimeoutMs?: number;
}

/** Options of `serve`. */
export interface ServeOptions extends ProxyOptions {
  /** The handler. */
  fetch: FetchHandler;
  /** Port; 0 picks a free one. Default 3000. */
  port?: number;
  /** Address to bind. Default `"127.0.0.1"`. */
  hostname?: string;
  /**
   * `"kernel"`: triloop's own HTTP/1.1 codec on the runtime's TCP API — the
   * same behaviour and bytes everywhere. `"native"`: the runtime's own server
   * (node:http, Bun's serve(), Deno's serve()) with the same options as far as it
   * allows (gaps are data in the conformance suite). `"auto"`: whichever
   * measured faster on this runtime. Default `"auto"`.
   */
  engine?: "kernel" | "native" | "auto";
  /** Limits and timeouts (see {@link HttpLimits} for the defaults). */
  limits?: HttpLimits;
  /** Told of every handler throw or rejection (answered 500). Default: `console.error`. */
  onError?: (err: unknown, request: Request) => void;
  /** Aborting it closes the server gracefully. */
  signal?: AbortSignal;
  /**
   * Bind with SO_REUSEPORT: any socket of the same user that sets it too may
   * share the port (and its traffic). With `loops`, the loops share the port
   * among themselves without it; `true` also lets other processes join
   * (LP11). Default false.
   */
  reusePort?: boolean;
  /**
   * Serve with one loop per core under a supervisor (the loops contract,
   * LP1–LP11):
   * `"auto"` (one per core, `navigator.hardwareConcurrency`), a count, or
   * {@link LoopsOptions}. Each loop re-runs the program's main module, where
   * this same `serve()` call serves for real (check `currentLoop().supervised`
   * for code that should run once). Default: absent, one loop in this thread
   * and no supervisor; `1` is one supervised loop, respawned if it dies.
   */
  loops?: "auto" | number | LoopsOptions;
  /**
   * The stall watchdog of this server's loop (WD1–WD6): stalls are named by
   * request (`"GET /path"`) and logged; with `shedMs`, requests that arrive
   * while the loop is overloaded get 503 with `Retry-After: 1`. `false` to
   * turn it off. Default `{ stallMs: 100 }` (logging, no shedding).
   */
  watchdog?: WatchdogOptions | false;
  /**
   * Let the server replace the globals `Request`, `fetch` and `Response`,
   * once per process, when it starts (the kernel engine, and the native
   * engine on Node and Deno): handlers then get a lazy `Request` that costs
   * nothing until read, and `new Response(text)` builds no stream. `false`
   * changes no global and gives handlers the runtime's own `Request`
   * objects, at the cost of building one per request. Default `true`.
   *
   * Invariants (tests/fetch/globals.test.ts):
   * - **G1 request-class**: the global `Request` is a subclass of the
   *   runtime's own whose constructor takes a lazy request as the real one it
   *   stands for, so `new Request(req)` works; `instanceof Request` holds for
   *   every request, lazy, made here or made by the runtime.
   * - **G2 fetch-unwraps**: the global `fetch` is the runtime's own, given the
   *   real request for a lazy one; what the runtime hangs on it stays.
   * - **G3 light-response**: the global `Response` keeps what it was made
   *   from and becomes a real one only when something reads it; every
   *   `Response` feature still works, and `instanceof Response` holds for
   *   both kinds.
   * - **G4 opt-out**: while every server of the process was started with
   *   `false`, `globalThis.Request`, `fetch` and `Response` are the runtime's
   *   own.
   */
  overrideGlobalObjects?: boolean;
  /** WebSocket handlers and options, as Bun's `websocket` (WS1–WS9). Default none. */
  websocket?: WebSocketHandler<any>;
  /**
   * Serve HTTPS with these certificates (TL1–TL8; `alpnProtocols` defaults
   * to `["http/1.1"]`). Default: plain HTTP.
   */
  tls?: ServerTls;
  /**
   * A path a load balancer's health check asks (`"/healthz"`): answered
   * `200 ok` while serving and `503 draining` from the first moment of a
   * graceful close (HZ1–HZ3), before the app sees it. Default none.
   */
  health?: string;
  /**
   * Layer-7 proxies to believe: `Forwarded` / `X-Forwarded-For` name the
   * client only when the connection comes from one. A number is how many
   * proxies stand in front (the client is that many hops from the right of
   * the list); a list of CIDRs trusts the hops whose addresses are in it
   * (TP1–TP4). Default: none, the connection's peer is the client.
   */
  trustProxy?: number | readonly string[] | string;
}

/** Counters of an HTTP server. */
export interface ServerStats {
  /** Connections open now, accepted and closed. */
  connections: { open: number; accepted: number; closed: number };
  /** Requests handed to the fetch handler. */
  requests: number;
  /** Responses by status class. */
  responses: { "1xx": number; "2xx": number; "3xx": number; "4xx": number; "5xx": number };
  /** Bytes received (where the engine can count them). */
  bytesRead: number;
  /** Bytes sent (where the engine can count them). */
  bytesWritten: number;
  /** Errors by code (parse errors, handler throws, timeouts, resets). */
  errors: Partial<Record<ErrorCode, number>>;
  /** The server's WebSockets (kernel engine), when any were opened. */
  websockets?: WsStats;
  /** With `loops`: the supervisor's view, loop by loop (the fields above are their sum). */
  loops?: LoopsStats;
}

/**
 * How a graceful close ended. `triloop serve` exits 0 after a `"drained"`
 * stop and 3 after a `"forced"` one, so a process supervisor can tell them
 * apart.
 */
export interface ShutdownReport {
  /** `"drained"`: every in-flight request finished; `"forced"`: the deadline closed some. */
  outcome: "drained" | "forced";
  /** Requests that finished during the grace period (TCP: connections that closed). */
  completed: number;
  /** Connections closed at the deadline. */
  forced: number;
  /** How long the close took, in ms. */
  ms: number;
  /** WebSockets open when the stop began: how many closed by their handshake, how many were ended (WS9). */
  websockets?: { closed: number; forced: number };
}

/**
 * A running HTTP server.
 *
 * Invariants (each a case of `tests/conformance/http-suite.ts`):
 * - **H1 same-bytes**: the kernel engine writes the same response bytes on every
 *   runtime for the same request and handler (status line, header order and
 *   case, `Date`, `Content-Length`/`Transfer-Encoding`, `Connection`).
 * - **H2 strict-framing**: a request whose framing is ambiguous (the smuggling
 *   classes: CL with TE, conflicting CL, TE other than a final chunked, bad
 *   chunk sizes, obs-fold, space before colon, bare CR or LF, bad tokens,
 *   missing or repeated Host) is answered 400 with `Connection: close`, and
 *   nothing after it on that connection is read.
 * - **H3 status-codes**: 408 head or body too slow, 413 body too large, 414 URI
 *   too long, 431 header section too large, 501 unknown transfer coding, 505
 *   unsupported version; each closes the connection after the response.
 * - **H4 keep-alive**: HTTP/1.1 connections persist unless either side says
 *   `Connection: close`; HTTP/1.0 persists only when asked.
 * - **H5 pipelining-in-order**: pipelined requests are answered strictly in order.
 * - **H6 expect-continue**: `Expect: 100-continue` gets `100 Continue` before the
 *   body is read, unless the request is refused first (413, 417).
 * - **H7 head**: a HEAD response carries the headers a GET would (with its
 *   `Content-Length` when known) and no body.
 * - **H8 streaming**: request bodies reach the handler as a stream with
 *   backpressure (reads pause while it is not consumed); response streams are
 *   sent as produced, paced by `drain`; chunked both ways.
 * - **H9 abort-on-disconnect**: `request.signal` aborts exactly once when the
 *   client goes away before the response is complete, and never otherwise.
 * - **H10 handler-errors**: a throw or rejection is answered 500, reported to
 *   `onError`, and the connection and loop go on.
 * - **H11 body-kinds**: every Response body kind (null, string, bytes, Blob,
 *   stream, FormData, URLSearchParams) is sent with the right headers, and
 *   repeated `Set-Cookie` fields are kept.
 * - **H12 conn-info**: the handler can read the peer's address and port.
 */
export interface Server {
  /** `http://host:port/`, or `https://` with `tls`. */
  readonly url: string;
  /** The port bound (the one chosen, when 0 was asked). */
  readonly port: number;
  /** The engine actually serving (`"auto"` resolved). */
  readonly engine: "kernel" | "native";
  /**
   * Stops accepting at once, lets in-flight requests finish (their responses
   * carry `Connection: close`), closes idle keep-alive connections, and after
   * `graceMs` (default 10 s) closes whatever is left. With `drainDelayMs`,
   * the health path answers 503 first and the server keeps serving that
   * long before it stops accepting (HZ2), so balancers stop sending to it
   * first; a second call with `graceMs: 0` cuts the delay short.
   */
  close(options?: { graceMs?: number; drainDelayMs?: number }): Promise<ShutdownReport>;
  /** A snapshot of the counters; with `loops`, the sum of every loop's. */
  stats(): ServerStats;
  /**
   * Serves new certificates from the next handshake on (TL6); rejects with
   * `TRI_ERR_INVALID_ARG` on a server without TLS.
   */
  reloadTls(tls: ServerTls): Promise<void>;
}

// ---- Workers and the offload pool --------------------------------------------

/** What a worker's owner hears from it. One static object per kind of worker. */
export interface WorkerHandler<S = undefined> {
  /** The worker posted `data`. */
  message(worker: WorkerHandle<S>, data: unknown): void;
  /** The worker is gone (T1). */
  exit(worker: WorkerHandle<S>, info: WorkerExit): void;
}

/** How a worker ended. */
export interface WorkerExit {
  /** The exit code, where the runtime tells it (node:process `exit(n)`, Deno's `exit(n)`). */
  code?: number;
  /** The uncaught exception or unhandled rejection that ended it, if one did (T3). */
  error?: unknown;
}

/** Options of {@link Runtime.spawnWorker}. */
export interface SpawnOptions {
  /** A name for debuggers and thread lists. Default none. */
  name?: string;
}

/**
 * One worker thread, the same on every runtime: Node `worker_threads`, Bun
 * `Worker`, Deno Web `Worker`. TypeScript modules load with no build step.
 *
 * Invariants:
 * - **T1 exit-once-last**: `exit` runs exactly once per worker, after which no
 *   `message` runs — whether the worker was terminated, crashed or exited.
 * - **T2 terminate-later**: `terminate` is idempotent, ends the worker even in
 *   an endless synchronous loop, and never calls back inside the call.
 * - **T3 errors-contained**: an uncaught exception or unhandled rejection in the
 *   worker never reaches the parent's own error handling; it ends the worker
 *   (terminated where the runtime would keep it alive) and arrives as
 *   `exit`'s `error`, with its message and stack.
 * - **T4 self-exit-seen**: a worker that exits by itself (node:process `exit()`,
 *   Deno's `exit()`) is reported by `exit`, with its code.
 */
export interface WorkerHandle<S = undefined> {
  /** The owner's state for this worker. Starts `undefined`. */
  state: S;
  /**
   * Posts a message (structured clone); `transfer` lists buffers to move
   * instead of copy. Throws (a `DataCloneError`) if `message` cannot be
   * cloned, in which case nothing was sent. After `exit`, does nothing.
   */
  post(message: unknown, transfer?: Transferable[]): void;
  /** Ends the worker (T2). */
  terminate(): void;
}

/** Inside a worker: the channel to its parent. */
export interface ParentPort {
  /** Posts a message to the parent; `transfer` as in {@link WorkerHandle.post}. */
  post(message: unknown, transfer?: Transferable[]): void;
  /** Sets the one receiver of the parent's messages. */
  listen(receive: (data: unknown) => void): void;
}

/** A tasks module: its exported functions of one argument are the tasks. */
export type TaskModule = Record<string, (input: any) => unknown>;

/** The names of the tasks in `T`: its exported functions. */
export type TaskName<T> =
  & {
    [K in keyof T]: T[K] extends (...args: any[]) => unknown ? K : never;
  }[keyof T]
  & string;

/** The input of task `K`. */
export type TaskInput<T, K extends keyof T> = T[K] extends (input: infer I, ...rest: any[]) => unknown ? I
  : never;

/** A task result to move back instead of copying: what `withTransfer` makes. */
export interface Transferred<V> {
  /** Marks the result as one to unwrap. */
  readonly "triloop:transfer": true;
  /** The result `run` resolves with. */
  readonly value: V;
  /** Buffers inside `value` to move instead of copying. */
  readonly transfer: Transferable[];
}

/** The result of task `K`, as `run` resolves it (awaited, unwrapped from `withTransfer`). */
export type TaskResult<T, K extends keyof T> = T[K] extends (...args: any[]) => infer R
  ? Awaited<R> extends Transferred<infer V> ? V : Awaited<R>
  : never;

/** Options of {@link Runtime.createPool}. */
export interface PoolOptions {
  /**
   * The tasks module: a `file:` URL (or absolute path) of a TypeScript or
   * JavaScript module whose exported functions are the tasks. Each takes one
   * structured-cloneable input and returns (or resolves to) a cloneable result.
   */
  tasks: URL | string;
  /** Workers. Default `max(1, cores - loops)`, so loops and workers together fit the cores. */
  size?: number;
  /** Event loops sharing this machine, for the default `size`. Default 1. */
  loops?: number;
  /** Tasks that may wait for a worker; past it `run` rejects `TRI_ERR_POOL_FULL` (PL7). Default 1024. */
  maxQueue?: number;
  /** Longest a task may run, in ms; 0 for no limit (PL6). Default 0. */
  timeoutMs?: number;
  /** Told of worker failures that belong to no task (a crash between tasks). Default `console.error`. */
  onError?: (err: unknown) => void;
}

/** Options of {@link Pool.run}. */
export interface RunOptions {
  /** Aborting it cancels the task: at once if queued (PL4), by replacing its worker if running (PL5). */
  signal?: AbortSignal;
  /** Buffers inside `input` to move to the worker instead of copying (PL3). */
  transfer?: Transferable[];
  /** This task's running-time limit in ms, instead of the pool's `timeoutMs`; 0 for none. */
  timeoutMs?: number;
}

/** Counters of a pool. Times are in ms, from dispatch to result. */
export interface PoolStats {
  /** Configured workers. */
  size: number;
  /** Workers alive now (starting or ready), never more than `size`. */
  live: number;
  /** Of those, workers still loading the tasks module. */
  starting: number;
  /** Workers running a task now. */
  busy: number;
  /** Tasks waiting for a worker now. */
  queued: number;
  /** Tasks that resolved. */
  done: number;
  /** Tasks that rejected with their own error, or whose worker died. */
  failed: number;
  /** Tasks ended by their timeout. */
  timedOut: number;
  /** Tasks cancelled by their signal. */
  aborted: number;
  /** Calls rejected because the queue was full. */
  rejectedFull: number;
  /** Workers started to replace one that died or was ended. */
  restarts: number;
  /** Mean task time of finished tasks. */
  meanMs: number;
  /** 99th-percentile task time of finished tasks. */
  p99Ms: number;
}

/**
 * A pool of workers for blocking or CPU-heavy work, so nothing on the event
 * loop blocks. Each loop owns its pool.
 *
 * Invariants (each a case of `tests/conformance/pool-suite.ts`):
 * - **PL1 result**: `run` resolves with the task's result (awaited; structured
 *   clone). Workers start at once, before the first `run`.
 * - **PL2 task-error**: a task that throws or rejects rejects only its own call,
 *   with an error of the same class (for built-in error classes), name,
 *   message, stack and `code`; its worker goes on serving.
 * - **PL3 transfer-moves**: buffers listed in `transfer` are moved, not copied:
 *   they are detached in the caller once `run` returns, queued or not. A task
 *   can move its result back with `withTransfer`.
 * - **PL4 abort-queued**: aborting the signal of a queued task rejects it at once
 *   with `TRI_ERR_POOL_ABORTED`, and it never runs; an already aborted signal
 *   rejects at once.
 * - **PL5 abort-running**: aborting the signal of a running task rejects it at
 *   once with `TRI_ERR_POOL_ABORTED`; its worker is terminated and replaced.
 * - **PL6 timeout-running**: a task running longer than its timeout rejects with
 *   `TRI_ERR_POOL_TIMEOUT`; its worker is terminated (even in an endless loop)
 *   and replaced. Time spent queued does not count.
 * - **PL7 queue-full**: when every worker is busy and `maxQueue` tasks wait, `run`
 *   rejects at once with `TRI_ERR_POOL_FULL`.
 * - **PL8 worker-died**: a worker that dies during a task (exit, uncaught
 *   exception, unhandled rejection) rejects that task with
 *   `TRI_ERR_POOL_WORKER_DIED` (`cause`: the error, if any) and is replaced. A
 *   tasks module that fails to load rejects the waiting tasks the same way
 *   (`cause`: the load error) without a restart storm: the next `run` tries a
 *   fresh worker.
 * - **PL9 settle-once**: every `run` returns a promise that settles exactly once;
 *   `run` never throws (bad arguments, an uncloneable input and an unknown
 *   task name reject).
 * - **PL10 close**: `close({ mode: "drain" })` (the default) lets queued and
 *   running tasks finish, then ends every worker; `"cancel"` rejects them with
 *   `TRI_ERR_POOL_CLOSED` and ends the workers at once. After `close`, `run`
 *   rejects `TRI_ERR_POOL_CLOSED`. `close` is idempotent (a later `"cancel"`
 *   escalates a drain) and resolves once every worker is gone.
 * - **PL11 no-leak**: never more than `size` workers live; none after `close`.
 * - **PL12 still-serves**: after any failure above, the pool serves the next task.
 *
 * A pool's workers keep its process alive until `close`.
 */
export interface Pool<T extends object = TaskModule> {
  /** Configured workers. */
  readonly size: number;
  /** Runs task `name` on a worker and resolves with its result. */
  run<K extends TaskName<T>>(
    name: K,
    input?: TaskInput<T, K>,
    options?: RunOptions,
  ): Promise<TaskResult<T, K>>;
  /** A snapshot of the counters. */
  stats(): PoolStats;
  /** Ends the pool (PL10). */
  close(options?: { mode?: "drain" | "cancel" }): Promise<void>;
}

// ---- Stall watchdog ----------------------------------------------------------

/** One stall: code held the loop for `delayMs` past the watchdog timer's due time. */
export interface Stall {
  /** The label that held the loop (WD2); undefined when no single label did. */
  label: string | undefined;
  /** How long it held the loop past the timer's due time, in ms: the blocked time, less at most one `intervalMs`. */
  delayMs: number;
  /** When that began (the label's start, or the tick's due time if later), on `performance.now()`. */
  since: number;
  /**
   * For a stall no single label held: how many labels ran in it, each for
   * less than `stallMs` (the rest was unlabelled code). Absent otherwise.
   */
  shared?: number;
}

/** Options of a watchdog. */
export interface WatchdogOptions {
  /** The timer period in ms. Default 20. */
  intervalMs?: number;
  /**
   * In the first this-many ms after start, time no label held is measured
   * but never a stall: module loading and JIT warm-up are not a handler
   * blocking the loop. A label that holds the loop `stallMs` is a stall
   * from the first moment. Default 0 (servers pass 2000).
   */
  warmupMs?: number;
  /** A tick at least this late is a stall. Default 100. */
  stallMs?: number;
  /**
   * Load shedding: `overloaded` turns true while the smoothed delay is at or
   * above this many ms (WD5). Default: off.
   */
  shedMs?: number;
  /** Told of every stall (WD3). Default none. */
  onStall?: (stall: Stall) => void;
  /**
   * Where stalls are logged: one line per stall, at once, up to ten lines a
   * second; stalls past that are counted, by label, in one line after the
   * second. `false` for none. Default `console.warn`.
   */
  log?: ((line: string) => void) | false;
}

/** Counters of a watchdog. Delays are tick lateness in ms. */
export interface WatchdogStats {
  /** Timer ticks measured. */
  ticks: number;
  /** Stalls counted (WD3). */
  stalls: number;
  /** Median tick lateness. */
  p50Ms: number;
  /** 99th-percentile tick lateness. */
  p99Ms: number;
  /** Largest tick lateness. */
  maxMs: number;
  /** The smoothed delay behind `overloaded`. */
  smoothedMs: number;
  /** Whether the loop is overloaded now (WD5). */
  overloaded: boolean;
  /** Stalls by label (at most 64 labels; the rest count under `"(other)"`). */
  byLabel: Record<string, number>;
  /** The latest stall, if there was one. */
  lastStall?: Stall;
}

/**
 * Measures this loop's own delay, the same way on every runtime: a repeating
 * web `setTimeout` and the lateness of each tick on `performance.now()`.
 *
 * Invariants (each a case of `tests/conformance/watchdog-suite.ts`):
 * - **WD1 delay-measured**: every tick's lateness goes into a histogram;
 *   `stats()` gives p50, p99 and max.
 * - **WD2 stall-named**: a label holds the loop from its `enter` until the
 *   next `enter` or tick. A tick late by `stallMs` or more is split among
 *   the labels that held the loop past its due time: each that held it
 *   `stallMs` or more is a stall of its own, named by its label and that
 *   time, whatever ran after it in the same I/O batch; what no single label
 *   held, if `stallMs` or more, is one stall with no label. The tick clears
 *   `current`, so a label never outlives one period of idle time, and a
 *   label entered before an `await` is not blamed for stalls after it. In
 *   the `warmupMs` after start, only labelled stalls count.
 * - **WD3 stall-once**: each stall is counted once, told to `onStall` once and
 *   logged in a line of its own naming its label and delay (up to ten lines
 *   a second; past that, one line after the second counts the rest by label).
 * - **WD4 await-not-stall**: time a labelled task spends awaiting (timers, I/O)
 *   is never a stall: only time the loop could not run is.
 * - **WD5 overloaded**: with `shedMs`, `overloaded` is true while the smoothed
 *   delay (about the last 200 ms of ticks) is at or above `shedMs` and turns
 *   false when it falls below `shedMs / 2`; always false without `shedMs`.
 *   It is read between requests: a server answers 503 with `Retry-After: 1`
 *   while it is true, instead of queueing work behind a blocked loop.
 * - **WD6 stop**: `stop` ends the timer; no callback runs after it; idempotent.
 */
export interface Watchdog {
  /**
   * Labels the code about to run, e.g. `"GET /users/:id"` or `"tcp:data"`,
   * from now (WD2): the server calls it before user code; nothing needs to
   * end it. Costs one clock read and two field stores. An object may stand
   * in for the string (its `toString()` is called only when it is named in
   * a stall), so a server can name a request without building a string per
   * request.
   */
  enter(label: string | { toString(): string }): void;
  /** The label entered last, until the next tick clears it. */
  readonly current: string | { toString(): string } | undefined;
  /** True while the loop is overloaded (WD5). */
  readonly overloaded: boolean;
  /** A snapshot of the counters. */
  stats(): WatchdogStats;
  /** Stops measuring (WD6). */
  stop(): void;
}

// ---- Loops: one per core -----------------------------------------------------

/** The respawn policy of a supervisor. Every field is optional; defaults are listed. */
export interface RespawnOptions {
  /** Delay before the first respawn of a loop, in ms; it doubles with each death in the window. Default 100. */
  backoffMs?: number;
  /** Longest delay before a respawn, in ms. Default 5000. */
  maxBackoffMs?: number;
  /** Deaths of one loop within `windowMs` that make it a crash loop, never respawned again. Default 5. */
  maxDeaths?: number;
  /**
   * The crash-loop window in ms of the loop's uptime: time spent starting or
   * waiting to respawn does not count, so a slow-starting loop that dies soon
   * after each start is still caught. Default 10 000.
   */
  windowMs?: number;
}

/** `serve({ loops })` in full. */
export interface LoopsOptions {
  /** Loops to run: `"auto"` is one per core (`navigator.hardwareConcurrency`). */
  count: "auto" | number;
  /**
   * What runs a loop: `"thread"` (a worker thread) or `"process"` (Node only:
   * a `cluster` worker). Default `"auto"`: threads, except on Node before
   * 22.12, which has no `reusePort` and balances processes round-robin.
   */
  host?: "auto" | "thread" | "process";
  /** When a dead loop is replaced, and when it is given up. */
  respawn?: RespawnOptions;
  /** How often each loop sends its counters to the supervisor, in ms. Default 1000. */
  statsIntervalMs?: number;
  /** Where the supervisor's lines go (deaths, respawns, crash loops). Default `console.error`. */
  log?: (line: string) => void;
}

/** Who a loop is, from inside it: what `currentLoop()` returns. */
export interface LoopInfo {
  /** This loop's id, `0 … count-1`; 0 outside a supervised loop. */
  readonly id: number;
  /** Loops the supervisor runs; 1 outside a supervised loop. */
  readonly count: number;
  /** True inside a loop started by a supervisor, false in the supervisor or an unsupervised process (default). */
  readonly supervised: boolean;
}

/** The life of one loop slot. */
export type LoopState = "starting" | "ready" | "backoff" | "crash-loop" | "closing" | "closed";

/** One loop, as its supervisor sees it. */
export interface LoopStatus {
  /** The loop's id (LP3). */
  id: number;
  /** Where the slot is in its life. */
  state: LoopState;
  /** Times this slot was started again after its loop died. */
  restarts: number;
  /** The loop's latest counters (`ServerStats` for HTTP, `ListenerStats` for TCP), if it sent any. */
  stats?: ServerStats | ListenerStats;
  /** How its last loop died, if one did. */
  lastExit?: { code?: number; error?: string };
}

/** The supervisor's counters. */
export interface LoopsStats {
  /** Loops configured. */
  count: number;
  /** Loops serving now. */
  live: number;
  /** Respawns, all loops together. */
  restarts: number;
  /** Ids of loops given up as crash loops. */
  crashLooping: number[];
  /** What runs each loop: a worker thread, or (Node) a cluster process. */
  host: "thread" | "process";
  /**
   * How accepts are spread: every loop binds the port with SO_REUSEPORT and
   * the kernel spreads them, or Node's cluster primary accepts and hands out.
   */
  balance: "reuse-port" | "round-robin";
  /** Each loop, by id. */
  perLoop: LoopStatus[];
}

/** A supervisor's `stats()`: the sum of its loops' counters (HTTP or TCP), and the loops. */
export type SupervisedStats = (ServerStats | ListenerStats) & { loops: LoopsStats };

/** How loops run on one runtime, and why that way (measured; see the README). */
export interface LoopPlan {
  host: "thread" | "process";
  /** `"reuse-port"`: every loop binds the port with SO_REUSEPORT and the kernel spreads accepts; `"round-robin"`: Node's cluster primary accepts and hands out. */
  balance: "reuse-port" | "round-robin";
  why: string;
}

/**
 * One runtime's way of hosting loops: the part of a supervisor that is not
 * policy. Loop hosts speak `core/loops/protocol.ts` over their channel.
 */
export interface LoopHosts {
  /** The plan for `host` on this runtime; throws `TRI_ERR_INVALID_ARG` (with why) where it cannot. */
  plan(host: "auto" | "thread" | "process"): LoopPlan;
  /** Starts one loop host (T1–T4 hold for it, whether a thread or a process). */
  spawn<S>(plan: LoopPlan, handler: WorkerHandler<S>, name: string): WorkerHandle<S>;
  /**
   * Binds `hostname:port` without SO_REUSEPORT, frees it, and resolves with
   * the port bound (the chosen one for 0). Rejects with
   * `TRI_ERR_LISTEN_FAILED` (`cause.code` `"EADDRINUSE"`) when any socket,
   * of this process or another, holds the port: how a loop claims it alone
   * before its siblings share it (LP11), and how round-robin resolves port 0.
   */
  reservePort(hostname: string, port?: number): Promise<number>;
  /** Cores of this machine, for `loops: "auto"` (`navigator.hardwareConcurrency` where the runtime has it). */
  cores(): number;
  /** The URL of the program's main module: what `serve({ loops })` runs in each loop. */
  mainModule(): string;
  /** Inside a loop host: the channel to its supervisor. */
  channel(): LoopChannel;
}

/** Inside a loop host: the channel to the supervisor. */
export interface LoopChannel extends ParentPort {
  /** Ends this loop host once its last message is out (a process exits; a thread waits to be ended). */
  done(code: number): void;
}

/**
 * The supervisor of `serve({ loops })` and `triloop serve --loops`: starts n
 * loops that each load the app and listen on one port, keeps them alive, and
 * closes them together.
 *
 * Invariants (each a case of `tests/e2e/loops-suite.ts`, on every runtime;
 * the policy parts also in `tests/loops/`):
 * - **LP1 one-port**: every loop listens on the same port. Port 0 is resolved
 *   once — by the first loop (reuse-port) or the supervisor (round-robin) —
 *   and every later loop, respawns included, joins that port.
 * - **LP2 all-serve**: start resolves once every loop accepts, and new
 *   connections reach every loop.
 * - **LP3 loop-id**: loops have ids `0 … n-1`; a respawned loop takes the id
 *   of the one it replaces. A fetch handler reads it as `info.loopId` (Hono:
 *   `c.env.loopId`); any code in a loop, TCP handlers included, as
 *   `currentLoop().id`.
 * - **LP4 respawn**: a loop that dies outside shutdown (uncaught error, exit,
 *   termination) is replaced after `backoffMs × 2^(deaths in window − 1)`,
 *   at most `maxBackoffMs`. Only its own connections are lost (those it
 *   had accepted, and with SO_REUSEPORT those still in its accept queue,
 *   which Linux resets unless `net.ipv4.tcp_migrate_req` is on); the other
 *   loops serve throughout.
 * - **LP5 crash-loop**: a loop that dies `maxDeaths` times within `windowMs`
 *   of serving (its uptime: starts and backoffs do not count) is not
 *   respawned; the supervisor says so once (and stats show
 *   `"crash-loop"`). When every loop is given up, the supervisor ends (the
 *   CLI exits 1).
 * - **LP6 start-failure**: when the first loop fails before any loop was
 *   ever ready (the app throws on import), start rejects with
 *   `TRI_ERR_LOOP_START` (`cause`: the loop's error) and nothing is
 *   respawned. A loop that cannot listen (the port is taken) rejects start
 *   as one server would: `TRI_ERR_LISTEN_FAILED`, the runtime's error as
 *   `cause`.
 * - **LP7 graceful**: `close({ graceMs })` (SIGTERM or SIGINT in the CLI)
 *   stops respawns and closes every loop's server gracefully at once: new
 *   connections are refused, idle keep-alive connections get a FIN (no
 *   reset), in-flight requests finish with `Connection: close`, and at the
 *   deadline the rest are closed. It resolves with one {@link ShutdownReport}:
 *   `"drained"` only if every loop drained; counts summed.
 * - **LP8 bounded**: `close` resolves within `graceMs` plus a margin (1 s)
 *   even if a loop hangs or dies: such a loop is terminated and counted as
 *   forced. A second `close({ graceMs: 0 })` (a second signal) forces at once.
 * - **LP9 stats**: `stats()` sums every loop's counters (their latest
 *   snapshots) and those of loops that died (open-connection gauges
 *   excepted), with the per-loop view in `loops`; `collectStats()` asks every
 *   loop first.
 * - **LP10 same-everywhere**: the above hold on Node 20 (cluster processes,
 *   round-robin), Node 24 (threads or processes, reuse-port), Bun and Deno
 *   (Web Workers, reuse-port), for HTTP and TCP entries alike.
 * - **LP11 port-not-shared**: the loops share their port with each other
 *   only. Where they bind with SO_REUSEPORT, which lets any socket of the
 *   same user that sets it too join the port, the first loop to bind
 *   (at start, or after every loop died) first binds the port without it
 *   ({@link LoopHosts.reservePort}): if anything serves the port already,
 *   start fails with `TRI_ERR_LISTEN_FAILED` (`cause.code`
 *   `"EADDRINUSE"`), as a single-loop server would, instead of taking a
 *   share of a stranger's traffic. `serve({ loops, reusePort: true })`
 *   opts in to sharing with other processes and skips the check.
 */
export interface Supervisor {
  /** `"http"` or `"tcp"`: what the loops serve (known once started). */
  readonly kind: "http" | "tcp";
  /** The address every loop listens on (LP1), once started. */
  readonly hostname: string;
  readonly port: number;
  /** The HTTP engine the loops run, for `"http"`. */
  readonly engine: "kernel" | "native" | undefined;
  readonly plan: LoopPlan;
  /** Sums of the loops' counters (LP9). */
  stats(): SupervisedStats;
  /** The same, after asking every loop for fresh counters (at most ~1 s). */
  collectStats(): Promise<SupervisedStats>;
  /** Closes every loop gracefully (LP7, LP8). */
  close(options?: { graceMs?: number; drainDelayMs?: number }): Promise<ShutdownReport>;
  /** Every loop serves new certificates from its next handshake on (TL6). */
  reloadTls(tls: ServerTls): Promise<void>;
  /** Resolves when the supervisor ends by itself: every loop crash-looped (LP5). */
  readonly ended: Promise<void>;
}
