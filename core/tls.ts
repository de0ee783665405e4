/**
 * What every adapter's TLS shares (the contract is `ServerTls` in
 * types.ts): the options checked and resolved once, SNI matching, and the
 * ALPN wire format. The handshake itself is always the runtime's.
 *
 * @module
 */

import { TriloopError } from "./errors.ts";
import type { ServerTls, TlsCertificate } from "./types.ts";

/** The default handshake timeout (TL3), in ms. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** `ServerTls` checked, as adapters take it. */
export interface ResolvedTls {
  /** Every certificate, the default (first) one first. */
  certs: TlsCertificate[];
  handshakeTimeoutMs: number;
  alpnProtocols: string[];
}

/**
 * Checks `tls` and fills in the defaults; throws `TRI_ERR_TLS_CONFIG` for
 * a shape that cannot be a certificate (TL7). Whether the PEM loads is the
 * runtime's to say.
 */
export function resolveTls(tls: ServerTls, alpnDefault: string[] = []): ResolvedTls {
  const list = Array.isArray(tls) ? tls : [tls];
  if (list.length === 0) throw tlsConfigFailed("option 'tls' lists no certificate");
  list.forEach((c, i) => {
    const at = list.length > 1 ? `tls[${i}]` : "tls";
    if (typeof c?.cert !== "string" || !c.cert.includes("-----BEGIN")) {
      throw tlsConfigFailed(`option '${at}.cert' is not PEM text (-----BEGIN …)`);
    }
    if (typeof c.key !== "string" || !c.key.includes("-----BEGIN")) {
      throw tlsConfigFailed(`option '${at}.key' is not PEM text (-----BEGIN …)`);
    }
  });
  const first = list[0];
  const timeout = first.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  if (!(timeout > 0) || !Number.isFinite(timeout)) {
    throw new TriloopError(
      "TRI_ERR_INVALID_ARG",
      `Option 'handshakeTimeoutMs' must be a positive number, got ${timeout}`,
    );
  }
  const certs = list.map((c) => ({
    cert: c.ca === undefined ? c.cert : `${c.cert.trimEnd()}\n${c.ca}`,
    key: c.key,
    passphrase: c.passphrase,
    serverName: c.serverName?.toLowerCase(),
  }));
  return { certs, handshakeTimeoutMs: timeout, alpnProtocols: first.alpnProtocols ?? alpnDefault };
}

/** The certificate for server name `name` (TL4): an exact match, else a one-label wildcard, else the first. */
export function certFor(certs: TlsCertificate[], name: string | undefined): TlsCertificate {
  if (name === undefined || name === "") return certs[0];
  const lower = name.toLowerCase();
  const dot = lower.indexOf(".");
  const wild = dot > 0 ? `*${lower.slice(dot)}` : undefined;
  return certs.find((c) => c.serverName === lower) ??
    certs.find((c) => c.serverName !== undefined && c.serverName === wild) ?? certs[0];
}

/** ALPN protocol names in the wire format (RFC 7301 §3.1: each name after its length byte). */
export function alpnWire(protocols: string[]): Uint8Array {
  const bytes = protocols.map((p) => new TextEncoder().encode(p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + 1 + b.byteLength, 0));
  let at = 0;
  for (const b of bytes) {
    out[at++] = b.byteLength;
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

/** `TRI_ERR_TLS_CONFIG` with the runtime's error as `cause` (TL7). */
export function tlsConfigFailed(cause: unknown): TriloopError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TriloopError("TRI_ERR_TLS_CONFIG", `The TLS certificate or key cannot be used: ${reason}`, {
    cause,
  });
}

/** `TRI_ERR_INVALID_ARG` for `reloadTls` on a listener or server without TLS. */
export function notTls(): TriloopError {
  return new TriloopError("TRI_ERR_INVALID_ARG", "reloadTls() needs a listener or server started with 'tls'");
}
