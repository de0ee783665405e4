/**
 * The URL a server reports (`Server.url`), the same for every engine.
 *
 * @module
 */

/** `http://host:port/`, with an IPv6 host in brackets. */
export function serverUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/`;
}
