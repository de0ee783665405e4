/**
 * The PROXY protocol step of an accepted connection (PX1–PX8), the same on
 * every runtime: is the peer a trusted proxy, did its header arrive whole
 * and in time. An adapter runs it on the raw accepted socket before anything
 * else reads that socket — before the HTTP codec, before a TLS handshake —
 * feeding it the socket's bytes (`push`, or reads of at most `want()` bytes
 * on a pull-based socket) until it says `accepted` or `refused`; then it
 * hands the socket on (to TLS, or straight to a connection) with the
 * addresses the header named and the bytes after it.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import { type Cidr, inNetworks, parseCidrs } from "./address.ts";
import { PROXY_DONE, PROXY_ERROR, type ProxyEndpoint, type ProxyHeader, ProxyParser } from "./parser.ts";
import type { ProxyVersion } from "./parser.ts";
import type { ProxyOptions } from "../types.ts";

export type { ProxyOptions };

/** {@link ProxyOptions}, resolved. */
export interface ProxyPolicy {
  readonly version: ProxyVersion;
  readonly trusted: readonly Cidr[];
  readonly timeoutMs: number;
}

/** The default trusted proxies: this machine. */
export const DEFAULT_TRUSTED = ["127.0.0.0/8", "::1"];

/** Resolves `o`; undefined when the PROXY protocol is off. Throws `TRI_ERR_INVALID_ARG` for bad values. */
export function resolveProxy(o: ProxyOptions): ProxyPolicy | undefined {
  const v = o.proxyProtocol;
  // Checked even when off: a bad list is a mistake to report, not to ignore.
  const trusted = parseCidrs(o.trustedProxies ?? DEFAULT_TRUSTED);
  if (v === undefined || v === false) return undefined;
  if (v !== "v1" && v !== "v2" && v !== "any") {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `proxyProtocol must be "v1", "v2" or "any", got '${v}'`);
  }
  const timeoutMs = o.proxyTimeoutMs ?? 5_000;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new TriloopError(
      "TRI_ERR_INVALID_ARG",
      `proxyTimeoutMs must be a positive number, got ${timeoutMs}`,
    );
  }
  return { version: v, trusted, timeoutMs };
}

/**
 * Why `proxyProtocol` and `tls` cannot go together on a runtime whose TLS
 * listener decrypts before anything can read the raw bytes (PX2: the header
 * comes before the handshake).
 */
export function proxyBeforeTls(runtime: string, why: string): TriloopError {
  return new TriloopError(
    "TRI_ERR_INVALID_ARG",
    `proxyProtocol with tls is not available on ${runtime}: ${why}`,
  );
}

/** The addresses a connection reports after its header: the client's and the address it reached. */
export interface ProxiedAddresses {
  remote: ProxyEndpoint;
  local: ProxyEndpoint;
}

/** What an adapter hears from a gate. One static object per listener; `token` is the adapter's socket. */
export interface GateSink<T> {
  /** The header is read: `addresses` (undefined: keep the socket's own, PX4) and the bytes after it. */
  accepted(token: T, addresses: ProxiedAddresses | undefined, rest: Uint8Array): void;
  /** Close `token` now, sending nothing (PX1, PX5, PX6); the refusal is counted already. */
  refused(token: T, err: TriloopError): void;
}

/** Counts refusals (a listener's counters), and may keep the gates still reading. */
export interface RefusalCounter {
  refuse(err: TriloopError): void;
  /** The gates not settled yet, so a forced close can end them too (L2). */
  readonly gates?: Set<ProxyGate<unknown>>;
}

/**
 * Checks the peer and reads the header of one accepted connection. Construct
 * it with the socket's peer address: an untrusted peer is refused at once
 * (inside the constructor call: the caller checks `settled`).
 */
export class ProxyGate<T> {
  readonly #parser: ProxyParser;
  readonly #sink: GateSink<T>;
  readonly #token: T;
  readonly #counter: RefusalCounter;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** True once `accepted` or `refused` was told. */
  settled = false;

  constructor(policy: ProxyPolicy, peer: string, token: T, sink: GateSink<T>, counter: RefusalCounter) {
    this.#parser = new ProxyParser(policy.version);
    this.#sink = sink;
    this.#token = token;
    this.#counter = counter;
    if (!inNetworks(peer, policy.trusted)) {
      this.#refuse("TRI_ERR_PROXY_UNTRUSTED", `${peer} is not a trusted proxy`);
      return;
    }
    counter.gates?.add(this as ProxyGate<unknown>);
    this.#timer = setTimeout(
      () => this.#refuse("TRI_ERR_PROXY_TIMEOUT", `no complete PROXY header within ${policy.timeoutMs} ms`),
      policy.timeoutMs,
    );
  }

  /** How many bytes a pull-based reader may read next without passing the header. */
  want(): number {
    return this.#parser.want();
  }

  /** The socket's next bytes. */
  push(bytes: Uint8Array): void {
    if (this.settled) return;
    const r = this.#parser.execute(bytes);
    if (r === PROXY_DONE) {
      this.#settle();
      this.#sink.accepted(this.#token, addressesOf(this.#parser.header!), this.#parser.rest);
    } else if (r === PROXY_ERROR) {
      this.#refuse("TRI_ERR_PROXY_INVALID", `Not a valid PROXY header: ${this.#parser.reason}`);
    }
  }

  /** A forced close of the listener: the socket is closed, counted as `TRI_ERR_FORCED_CLOSE` (L2). */
  cancel(): void {
    if (this.settled) return;
    this.#settle();
    const err = new TriloopError("TRI_ERR_FORCED_CLOSE", "Closed while reading its PROXY header");
    this.#counter.refuse(err);
    this.#sink.refused(this.#token, err);
  }

  /** The peer ended or the socket closed before the header was whole (PX5). */
  ended(): void {
    if (!this.settled) this.#refuse("TRI_ERR_PROXY_INVALID", "The connection ended before a PROXY header");
  }

  #settle(): void {
    this.settled = true;
    clearTimeout(this.#timer);
    this.#counter.gates?.delete(this as ProxyGate<unknown>);
  }

  #refuse(
    code: "TRI_ERR_PROXY_UNTRUSTED" | "TRI_ERR_PROXY_INVALID" | "TRI_ERR_PROXY_TIMEOUT",
    why: string,
  ): void {
    if (this.settled) return;
    this.#settle();
    const err = new TriloopError(code, why);
    this.#counter.refuse(err);
    this.#sink.refused(this.#token, err);
  }
}

function addressesOf(h: ProxyHeader): ProxiedAddresses | undefined {
  if (h.command === "local" || h.source === undefined || h.destination === undefined) return undefined;
  return { remote: h.source, local: h.destination };
}
