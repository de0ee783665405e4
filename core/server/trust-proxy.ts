/**
 * `trustProxy`: the client behind layer-7 proxies, from `Forwarded`
 * (RFC 7239) or `X-Forwarded-For`, believed only as far as the proxies are.
 *
 * Invariants (each a case of `tests/conformance/health-suite.ts`, on every
 * runtime):
 * - **TP1 off-by-default**: without `trustProxy`, `Forwarded` and
 *   `X-Forwarded-For` change nothing: the peer is the client.
 * - **TP2 hops**: with a number n, the addresses are read from the right —
 *   the peer is hop 0, the last listed address hop 1 — and the client is
 *   hop n (the leftmost when the list is shorter).
 * - **TP3 cidrs**: with a list of CIDRs, hops are read from the right for as
 *   long as each is in the list; the first one that is not is the client
 *   (the leftmost when all are). An entry that is not an address ends the
 *   walk at the hop before it.
 * - **TP4 reflected**: the client is what `info.remoteAddr`,
 *   `info.requestIP()` and `getConnInfo(c)` give; its port is the one
 *   `Forwarded` names, else 0 when the client is not the peer. `Forwarded`
 *   is read when present, else `X-Forwarded-For`.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import { type Cidr, inNetworks, parseCidrs, parseIp } from "../proxy/address.ts";
import type { FetchHandler, ServeInfo } from "../types.ts";

interface Hop {
  address: string;
  port: number;
}

/** `fetch` that sees the client as `trustProxy` says (TP1–TP4); `fetch` itself when it is undefined. */
export function trustingFetch(
  fetch: FetchHandler,
  trustProxy: number | readonly string[] | string | undefined,
) {
  if (trustProxy === undefined) return fetch;
  let hops = Infinity;
  let nets: Cidr[] | undefined;
  if (typeof trustProxy === "number") {
    if (!Number.isInteger(trustProxy) || trustProxy < 0) {
      throw new TriloopError(
        "TRI_ERR_INVALID_ARG",
        `trustProxy must be a hop count >= 0 or CIDRs, got ${trustProxy}`,
      );
    }
    hops = trustProxy;
  } else nets = parseCidrs(trustProxy);
  return ((request: Request, info: ServeInfo) => {
    const peer = { address: info.remoteAddr.hostname, port: info.remoteAddr.port };
    const client = clientOf(peer, forwardedHops(request.headers), hops, nets);
    if (client === peer) return fetch(request, info);
    const remoteAddr = { hostname: client.address, port: client.port, transport: "tcp" as const };
    const family = client.address.includes(":") ? "IPv6" as const : "IPv4" as const;
    const requestIP = () => ({ address: client.address, port: client.port, family });
    // A proxy, not a prototype: an engine's ServeInfo may be a class with
    // private fields, which its getters and methods must see on itself.
    const seen = new Proxy(info, {
      get(target, key) {
        if (key === "remoteAddr") return remoteAddr;
        if (key === "requestIP") return requestIP;
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return fetch(request, seen);
  }) as FetchHandler;
}

function clientOf(peer: Hop, listed: (Hop | undefined)[], hops: number, nets: Cidr[] | undefined): Hop {
  let client = peer;
  for (let i = 0; i < listed.length; i++) {
    const trusted = nets === undefined ? i < hops : inNetworks(client.address, nets);
    if (!trusted) break;
    const next = listed[listed.length - 1 - i];
    if (next === undefined) break;
    client = next;
  }
  return client;
}

/** The addresses the proxies listed, leftmost first; undefined for an entry that is not an address. */
function forwardedHops(headers: Headers): (Hop | undefined)[] {
  const forwarded = headers.get("forwarded");
  if (forwarded !== null) {
    return forwarded.split(",").map((element) => {
      for (const pair of element.split(";")) {
        const eq = pair.indexOf("=");
        if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== "for") continue;
        return hop(pair.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1"));
      }
      return undefined;
    });
  }
  const xff = headers.get("x-forwarded-for");
  if (xff === null) return [];
  return xff.split(",").map((s) => hop(s.trim()));
}

/** `1.2.3.4`, `1.2.3.4:80`, `[::1]`, `[::1]:80` or a bare IPv6 address. */
function hop(text: string): Hop | undefined {
  let address = text;
  let port = 0;
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (v6 !== null) {
    address = v6[1];
    port = v6[2] === undefined ? 0 : Number(v6[2]);
  } else if (/^[\d.]+:\d{1,5}$/.test(text)) {
    const colon = text.lastIndexOf(":");
    address = text.slice(0, colon);
    port = Number(text.slice(colon + 1));
  }
  if (parseIp(address) === undefined || port > 65535) return undefined;
  return { address, port };
}
