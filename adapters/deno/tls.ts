/**
 * TLS on Deno: `Deno.listenTls` / `Deno.connectTls`
 * (https://docs.deno.com/api/deno/~/Deno.listenTls).
 *
 * Deno.listenTls takes one certificate and no passphrase: an encrypted key
 * is decrypted here (node:crypto), SNI is not served
 * (`capabilities.tlsSni`), and a reload binds the port again
 * (`capabilities.tlsReload`). Deno's TLS sits inside its listener: no raw
 * bytes are seen before the handshake here. (node:tls's `TLSSocket` over an
 * accepted node:net socket works on Deno too, with SNI: the route to a
 * PROXY header read before TLS.)
 *
 * @module
 */

import { createPrivateKey } from "node:crypto";
import { type ResolvedTls, resolveTls, tlsConfigFailed } from "../../core/tls.ts";
import type { ClientTls, ServerTls } from "../../core/types.ts";

/** `Deno.listenTls`'s certificate options, and the resolved rest. */
export interface DenoTls {
  options: { cert: string; key: string; alpnProtocols?: string[] };
  resolved: ResolvedTls;
}

/** The first certificate of `tls` as Deno takes it (an encrypted key decrypted: Deno takes none). */
export function denoServerTls(tls: ServerTls, alpnDefault: string[]): DenoTls {
  const resolved = resolveTls(tls, alpnDefault);
  const c = resolved.certs[0];
  let key = c.key;
  if (c.passphrase !== undefined || key.includes("ENCRYPTED")) {
    try {
      key = createPrivateKey({ key, passphrase: c.passphrase ?? "" }).export({ format: "pem", type: "pkcs8" })
        .toString();
    } catch (err) {
      throw tlsConfigFailed(err);
    }
  }
  return {
    options: {
      cert: c.cert,
      key,
      ...(resolved.alpnProtocols.length > 0 ? { alpnProtocols: resolved.alpnProtocols } : {}),
    },
    resolved,
  };
}

/** `Deno.connectTls`'s options for `connect({ tls })` (Deno sends and checks `hostname`: no other server name). */
export function denoClientTls(o: ClientTls): { caCerts?: string[]; alpnProtocols?: string[] } {
  return {
    ...(o.ca === undefined ? {} : { caCerts: [o.ca] }),
    ...(o.alpnProtocols === undefined ? {} : { alpnProtocols: o.alpnProtocols }),
  };
}

/** Why Deno serves one certificate (TL4). */
export const NO_SNI = "Deno.listenTls and Deno.serve take one certificate: no SNI certificate choice";

/** What a reload costs on Deno (TL6). */
export const RELOAD_REBINDS = "a Deno TLS listener keeps its certificate for its life: a reload closes the " +
  "listening socket and binds the port again at once; open connections go on, but a connection arriving " +
  "in that instant is refused";
