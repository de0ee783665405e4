/**
 * The URL a server reports (`Server.url`), the same for every engine.
 *
 * @module
 */

/** `http://host:port/` (`https://` with `tls`), with an IPv6 host in brackets. */
export function serverUrl(hostname: string, port: number, tls = false): string {
  return `${tls ? "https" : "http"}://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/`;
}
