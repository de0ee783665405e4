/**
 * TLS on Bun: the `tls` option of `Bun.listen` / `Bun.connect`
 * (https://bun.sh/docs/api/tcp#tls).
 *
 * Bun.listen takes one certificate (an array is refused: "TLSOptions must be
 * an object"), so SNI is not served (`capabilities.tlsSni`); its listener's
 * `reload()` swaps handlers but keeps the certificate, so a reload binds
 * the port again (`capabilities.tlsReload`). Bun's own TLS runs inside its
 * socket layer: no raw bytes are seen before the handshake here. (node:tls's
 * `TLSSocket` over an accepted node:net socket works on Bun too, with SNI:
 * the route to a PROXY header read before TLS.)
 *
 * @module
 */

/// <reference path="./_bun.d.ts" />

import { alpnWire, type ResolvedTls, resolveTls } from "../../core/tls.ts";
import type { ClientTls, ServerTls } from "../../core/types.ts";

/** Bun's server `tls` option for `tls` (its first certificate: see above). */
export function bunServerTls(
  tls: ServerTls,
  alpnDefault: string[],
): { options: BunShim.TLSOptions; resolved: ResolvedTls } {
  const resolved = resolveTls(tls, alpnDefault);
  return { options: bunCert(resolved, resolved.certs[0]), resolved };
}

/** One certificate in Bun's shape. */
export function bunCert(resolved: ResolvedTls, c: ResolvedTls["certs"][number]): BunShim.TLSOptions {
  return {
    cert: c.cert,
    key: c.key,
    passphrase: c.passphrase,
    serverName: c.serverName,
    ...(resolved.alpnProtocols.length > 0
      ? { ALPNProtocols: alpnWire(resolved.alpnProtocols).buffer as ArrayBuffer }
      : {}),
  };
}

/** Bun's client `tls` option. */
export function bunClientTls(hostname: string, o: ClientTls): BunShim.TLSOptions {
  return {
    ca: o.ca,
    serverName: o.serverName ?? hostname,
    ...(o.alpnProtocols === undefined
      ? {}
      : { ALPNProtocols: alpnWire(o.alpnProtocols).buffer as ArrayBuffer }),
  };
}

/** Why Bun.listen serves one certificate (TL4). */
export const NO_SNI =
  "Bun.listen takes one TLS certificate (an array is refused: 'TLSOptions must be an object'); " +
  "Bun.serve (the native engine) serves several by server name";

/** What a reload costs on Bun (TL6). */
export const RELOAD_REBINDS =
  "Bun.listen's reload() keeps the certificate: a reload closes the listening socket " +
  "and binds the port again at once; open connections go on, but a connection arriving in that instant is refused";
