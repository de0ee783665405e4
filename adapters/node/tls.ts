/**
 * TLS on Node.js: `node:tls` (https://nodejs.org/api/tls.html#class-tlstlssocket)
 * over a socket `node:net` accepted. The kernel accepts raw TCP and wraps
 * each socket here, so whatever must read the raw stream before TLS (the
 * PROXY protocol header) runs in `listen.ts` between the accept and
 * {@link TlsAcceptor.accept}: that call is the seam.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type * as net from "node:net";
import * as tls from "node:tls";
import type { ClientTls, ServerTls } from "../../core/types.ts";
import { certFor, type ResolvedTls, resolveTls, tlsConfigFailed } from "../../core/tls.ts";

/** The secure contexts of one listener, replaced whole by a reload (TL6). */
interface Contexts {
  first: tls.SecureContext;
  byName: Map<string, tls.SecureContext>;
  resolved: ResolvedTls;
}

/** Loads every certificate now, so a bad one fails before anything binds or changes (TL7). */
function load(tlsOptions: ServerTls, alpnDefault: string[]): Contexts {
  const resolved = resolveTls(tlsOptions, alpnDefault);
  const byName = new Map<string, tls.SecureContext>();
  let first: tls.SecureContext | undefined;
  for (const c of resolved.certs) {
    let context: tls.SecureContext;
    try {
      context = tls.createSecureContext({ cert: c.cert, key: c.key, passphrase: c.passphrase });
    } catch (err) {
      throw tlsConfigFailed(err);
    }
    first ??= context;
    if (c.serverName !== undefined) byName.set(c.serverName, context);
  }
  return { first: first!, byName, resolved };
}

/** The TLS half of a listener: wraps accepted sockets, and reloads. */
export class TlsAcceptor {
  #contexts: Contexts;
  readonly #alpnDefault: string[];
  /** Resolves an SNI name with the contexts of the moment of the handshake. */
  readonly #sni = (name: string, done: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    const c = this.#contexts;
    const cert = certFor(c.resolved.certs, name);
    done(null, cert.serverName === undefined ? c.first : c.byName.get(cert.serverName) ?? c.first);
  };

  constructor(tlsOptions: ServerTls, alpnDefault: string[]) {
    this.#alpnDefault = alpnDefault;
    this.#contexts = load(tlsOptions, alpnDefault);
  }

  /** TL6: later handshakes use the new certificates; sockets already wrapped keep theirs. */
  reload(tlsOptions: ServerTls): Promise<void> {
    try {
      this.#contexts = load(tlsOptions, this.#alpnDefault);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * node:https options serving these certificates (the native engine):
   * node:https does its own accepting, so it gets the contexts by SNI
   * callback and its default by `setSecureContext` on reload.
   */
  httpsOptions(): tls.TlsOptions {
    const c = this.#contexts;
    const first = c.resolved.certs[0];
    return {
      cert: first.cert,
      key: first.key,
      passphrase: first.passphrase,
      SNICallback: this.#sni,
      ALPNProtocols: c.resolved.alpnProtocols,
      handshakeTimeout: c.resolved.handshakeTimeoutMs,
    };
  }

  /** TL6 for a node:https server. */
  async reloadServer(server: tls.Server, tlsOptions: ServerTls): Promise<void> {
    await this.reload(tlsOptions);
    const first = this.#contexts.resolved.certs[0];
    server.setSecureContext({ cert: first.cert, key: first.key, passphrase: first.passphrase });
  }

  /**
   * Wraps an accepted raw socket as the server end of a TLS connection;
   * `secure` runs once the handshake is complete (TL2), `failed` instead
   * when it fails or times out (TL3), after the socket is destroyed.
   */
  accept(raw: net.Socket, secure: (socket: tls.TLSSocket) => void, failed: () => void): void {
    const c = this.#contexts;
    const socket = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: c.first,
      SNICallback: c.byName.size > 0 ? this.#sni : undefined,
      ALPNProtocols: c.resolved.alpnProtocols.length > 0 ? c.resolved.alpnProtocols : undefined,
    });
    let done = false;
    const fail = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      raw.destroy();
      failed();
    };
    const timer = setTimeout(fail, c.resolved.handshakeTimeoutMs);
    socket.once("error", fail);
    raw.once("close", fail);
    socket.once("secure", () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off("error", fail);
      raw.off("close", fail);
      secure(socket);
    });
  }
}

/** `tls.connect` options for `connect({ tls })`. */
export function clientTlsOptions(hostname: string, o: ClientTls): tls.ConnectionOptions {
  const name = o.serverName ?? hostname;
  return {
    ca: o.ca === undefined ? undefined : Buffer.from(o.ca),
    // Node refuses an IP address as SNI (RFC 6066 §3); it checks the IP SAN without one.
    servername: /^[\d.]+$|:/.test(name) ? undefined : name,
    ALPNProtocols: o.alpnProtocols,
  };
}
