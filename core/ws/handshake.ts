/**
 * The server's side of the WebSocket opening handshake (RFC 6455 §4.2) and
 * of permessage-deflate's parameter negotiation (RFC 7692 §5, §7.1).
 *
 * Invariants (tests/ws/handshake.test.ts):
 * - WH1 an upgrade is accepted only for GET, HTTP/1.1, `Upgrade: websocket`,
 *   `Connection` naming `upgrade`, `Sec-WebSocket-Version: 13` and a key that
 *   is 16 bytes in base64; anything else is not an upgrade (the handler's
 *   own response is sent), and a version other than 13 is answered 426 with
 *   `Sec-WebSocket-Version: 13` by the server;
 * - WH2 `Sec-WebSocket-Accept` is base64(SHA-1(key + the RFC's GUID));
 * - WH3 a subprotocol is sent only if the client offered it;
 * - WH4 permessage-deflate is agreed to the first offer the server can meet,
 *   with the window bits and context takeover both sides asked for; an offer
 *   with an unknown or repeated parameter, or a bad value, is declined.
 *
 * @module
 */

import { sha1 } from "./sha1.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();

/** `Sec-WebSocket-Accept` for `key` (WH2). */
export function acceptKey(key: string): string {
  const digest = sha1(encoder.encode(key + GUID));
  return btoa(String.fromCharCode(...digest));
}

/** What a valid upgrade request asks for. */
export interface UpgradeRequest {
  key: string;
  /** The subprotocols the client offered, in its order. */
  protocols: string[];
  /** The raw `Sec-WebSocket-Extensions` value, or null. */
  extensions: string | null;
}

/** Why a request is not an upgrade; `status` when the server itself should answer. */
export interface NotUpgrade {
  reason: string;
  status?: 426;
}

const KEY = /^[A-Za-z0-9+/]{22}==$/;

function hasToken(value: string | null, token: string): boolean {
  return value !== null && value.split(",").some((t) => t.trim().toLowerCase() === token);
}

/** Reads an upgrade request (WH1). */
export function readUpgrade(
  method: string,
  httpMinor: number,
  headers: Headers,
): UpgradeRequest | NotUpgrade {
  if (method !== "GET") return { reason: "not a GET" };
  if (httpMinor < 1) return { reason: "HTTP/1.0 has no upgrade" };
  if (!hasToken(headers.get("upgrade"), "websocket")) return { reason: "no Upgrade: websocket" };
  if (!hasToken(headers.get("connection"), "upgrade")) return { reason: "Connection does not name upgrade" };
  if (headers.get("sec-websocket-version")?.trim() !== "13") {
    return { reason: "Sec-WebSocket-Version is not 13", status: 426 };
  }
  const key = headers.get("sec-websocket-key")?.trim() ?? "";
  if (!KEY.test(key)) return { reason: "Sec-WebSocket-Key is not 16 bytes in base64" };
  const protocols = (headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter(
    (p) => p !== "",
  );
  return { key, protocols, extensions: headers.get("sec-websocket-extensions") };
}

/** permessage-deflate as agreed for one connection. */
export interface DeflateParams {
  /** The server resets its compressor after each message. */
  serverNoContextTakeover: boolean;
  /** The client resets its compressor after each message (so the server's inflater may too). */
  clientNoContextTakeover: boolean;
  /** LZ77 window of the server's compressor, 9–15 (an offer of 8 is declined: zlib has no 8-bit raw window). */
  serverMaxWindowBits: number;
  /** LZ77 window of the client's compressor. */
  clientMaxWindowBits: number;
}

/** What the server is willing to do (from the `perMessageDeflate` option). */
export interface DeflatePolicy {
  /** Ask the client to reset its context after each message (saves the server's memory). */
  clientNoContextTakeover?: boolean;
  /** Reset the server's own context after each message. */
  serverNoContextTakeover?: boolean;
}

/**
 * The first permessage-deflate offer in `header` the server accepts, and the
 * response extension value (WH4); null when none (the connection goes on
 * uncompressed).
 */
export function negotiateDeflate(
  header: string | null,
  policy: DeflatePolicy = {},
): { params: DeflateParams; response: string } | null {
  if (header === null) return null;
  for (const offer of header.split(",")) {
    const [name, ...rest] = offer.split(";").map((s) => s.trim());
    if (name.toLowerCase() !== "permessage-deflate") continue;
    const params = readOffer(rest);
    if (params === null) continue;
    if (policy.clientNoContextTakeover) params.clientNoContextTakeover = true;
    if (policy.serverNoContextTakeover) params.serverNoContextTakeover = true;
    const parts = ["permessage-deflate"];
    if (params.serverNoContextTakeover) parts.push("server_no_context_takeover");
    if (params.clientNoContextTakeover) parts.push("client_no_context_takeover");
    if (params.serverMaxWindowBits < 15) parts.push(`server_max_window_bits=${params.serverMaxWindowBits}`);
    if (params.clientMaxWindowBits < 15) parts.push(`client_max_window_bits=${params.clientMaxWindowBits}`);
    return { params, response: parts.join("; ") };
  }
  return null;
}

/** The parameters of one offer, or null when it cannot be accepted as written. */
function readOffer(items: string[]): DeflateParams | null {
  const out: DeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
  };
  const seen = new Set<string>();
  for (const item of items) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const key = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? null : item.slice(eq + 1).trim();
    if (value !== null && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (seen.has(key)) return null;
    seen.add(key);
    switch (key) {
      case "server_no_context_takeover":
      case "client_no_context_takeover":
        if (value !== null) return null;
        out[key === "server_no_context_takeover" ? "serverNoContextTakeover" : "clientNoContextTakeover"] =
          true;
        break;
      case "server_max_window_bits": {
        if (value === null || !/^(8|9|1[0-5])$/.test(value)) return null;
        // zlib cannot make an 8-bit raw window, and the answer may not name a
        // larger one than asked (RFC 7692 §7.1.2.1): such an offer is declined.
        if (value === "8") return null;
        out.serverMaxWindowBits = Number(value);
        break;
      }
      case "client_max_window_bits":
        // Without a value the client only says it could honour a limit; the server sets none.
        if (value !== null) {
          if (!/^(8|9|1[0-5])$/.test(value)) return null;
          out.clientMaxWindowBits = Number(value);
        }
        break;
      default:
        return null;
    }
  }
  return out;
}
