/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2),
 * read incrementally: `execute` takes bytes as they arrive, in any chunking,
 * and says when the header is complete, or why it is not one. It never
 * looks past the header: bytes after it stay the application's (`rest`), and
 * `want()` tells a pull-based reader how many bytes it may read without
 * passing the header's end, so the stream after it (a TLS ClientHello, an
 * HTTP request) can go to whoever reads next untouched.
 *
 * @module
 */

import { formatIpv4, formatIpv6, parseIp } from "./address.ts";

/** Which header versions a listener takes. */
export type ProxyVersion = "v1" | "v2" | "any";

/** An address and port a header names. */
export interface ProxyEndpoint {
  address: string;
  port: number;
}

/** A parsed header. */
export interface ProxyHeader {
  version: 1 | 2;
  /**
   * `"proxy"`: the connection was relayed for `source`. `"local"`: the
   * proxy speaks for itself (a v2 `LOCAL` command, such as a health check;
   * a v1 `UNKNOWN`; a v2 `UNSPEC` or `UNIX` family): the connection's own
   * addresses stand.
   */
  command: "proxy" | "local";
  source?: ProxyEndpoint;
  destination?: ProxyEndpoint;
}

/** `execute` results. */
export const PROXY_PENDING = 0;
export const PROXY_DONE = 1;
export const PROXY_ERROR = -1;

/** A v1 line is at most 107 bytes with its CRLF (proxy-protocol.txt §2.1). */
export const V1_MAX_BYTES = 107;
/**
 * The largest v2 header taken, in bytes: 16 fixed, 36 of IPv6 addresses, and
 * room for TLVs (a proxy's TLS or unique-id fields). The format allows up to
 * 65 551; a header past this is refused rather than buffered.
 */
export const V2_MAX_BYTES = 4096;

const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const V1_PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]; // "PROXY "
/** The shortest header of either version: "PROXY UNKNOWN\r\n". */
const SHORTEST = 15;

const PORT = /^(0|[1-9]\d{0,4})$/;

/**
 * One connection's header reader. After `PROXY_DONE`, `header` is set and
 * `rest` holds the bytes of the last chunk that follow the header; after
 * `PROXY_ERROR`, `reason` says what was wrong and at which byte.
 */
export class ProxyParser {
  header: ProxyHeader | undefined;
  reason = "";
  rest: Uint8Array = new Uint8Array(0);
  readonly #accept: ProxyVersion;
  #version: 0 | 1 | 2 = 0;
  #buf = new Uint8Array(64);
  #have = 0;
  #need = 16; // v2: bytes of the whole header, once the length is known

  constructor(accept: ProxyVersion) {
    this.#accept = accept;
    if (accept === "v1") this.#version = 1;
    if (accept === "v2") this.#version = 2;
  }

  /** How many bytes a reader may ask for next without reading past the header. */
  want(): number {
    if (this.#version === 2) return this.#need - this.#have;
    return this.#have < SHORTEST ? SHORTEST - this.#have : 1;
  }

  /** Takes the next bytes: `PROXY_PENDING` (more needed), `PROXY_DONE` or `PROXY_ERROR`. */
  execute(bytes: Uint8Array): number {
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i++];
      const at = this.#have;
      if (this.#version === 0) {
        if (b === V1_PREFIX[0]) this.#version = 1;
        else if (b === V2_SIGNATURE[0]) this.#version = 2;
        else return this.#fail(`byte 0 is 0x${hex(b)}, which starts neither a v1 nor a v2 header`);
      }
      if (at >= this.#buf.length) this.#grow();
      this.#buf[at] = b;
      this.#have = at + 1;
      const r = this.#version === 1 ? this.#v1(b, at) : this.#v2(b, at);
      if (r !== PROXY_PENDING) {
        if (r === PROXY_DONE) this.rest = bytes.subarray(i);
        return r;
      }
    }
    return PROXY_PENDING;
  }

  #v1(b: number, at: number): number {
    if (at < V1_PREFIX.length && b !== V1_PREFIX[at]) {
      return this.#fail(
        this.#accept === "v1" && at === 0 && b === V2_SIGNATURE[0]
          ? "a v2 header where v1 is configured"
          : `byte ${at} does not continue "PROXY "`,
      );
    }
    if (b === 0x0a) {
      if (at === 0 || this.#buf[at - 1] !== 0x0d) return this.#fail(`a bare LF at byte ${at}`);
      return this.#v1Line(new TextDecoder().decode(this.#buf.subarray(0, at - 1)));
    }
    if (at + 1 >= V1_MAX_BYTES) return this.#fail(`no CRLF within ${V1_MAX_BYTES} bytes`);
    if (b !== 0x0d && (b < 0x20 || b > 0x7e)) return this.#fail(`byte ${at} (0x${hex(b)}) is not printable`);
    return PROXY_PENDING;
  }

  #v1Line(line: string): number {
    const f = line.split(" ");
    if (f[1] === "UNKNOWN") return this.#done({ version: 1, command: "local" });
    if (f.length !== 6 || (f[1] !== "TCP4" && f[1] !== "TCP6")) {
      return this.#fail(`"${line}" is not "PROXY TCP4|TCP6 src dst sport dport" or "PROXY UNKNOWN"`);
    }
    const v6 = f[1] === "TCP6";
    const src = v1Address(f[2], v6);
    const dst = v1Address(f[3], v6);
    if (src === undefined || dst === undefined) return this.#fail(`bad ${f[1]} address in "${line}"`);
    if (!PORT.test(f[4]) || !PORT.test(f[5]) || Number(f[4]) > 65535 || Number(f[5]) > 65535) {
      return this.#fail(`bad port in "${line}"`);
    }
    return this.#done({
      version: 1,
      command: "proxy",
      source: { address: src, port: Number(f[4]) },
      destination: { address: dst, port: Number(f[5]) },
    });
  }

  #v2(b: number, at: number): number {
    if (at < 12) {
      if (b !== V2_SIGNATURE[at]) {
        return this.#fail(
          this.#accept === "v2" && at === 0 && b === V1_PREFIX[0]
            ? "a v1 header where v2 is configured"
            : `byte ${at} does not continue the v2 signature`,
        );
      }
      return PROXY_PENDING;
    }
    if (at === 12 && b >> 4 !== 2) return this.#fail(`version ${b >> 4} in byte 12 (v2 needs 2)`);
    if (at === 15) {
      this.#need = 16 + ((this.#buf[14] << 8) | b);
      if (this.#need > V2_MAX_BYTES) {
        return this.#fail(`a v2 header of ${this.#need} bytes (at most ${V2_MAX_BYTES})`);
      }
    }
    if (at + 1 < this.#need) return PROXY_PENDING;
    return this.#v2Header();
  }

  #v2Header(): number {
    const h = this.#buf;
    const command = h[12] & 0x0f;
    if (command === 0) return this.#done({ version: 2, command: "local" });
    if (command !== 1) return this.#fail(`command ${command} in byte 12 (LOCAL is 0, PROXY 1)`);
    const family = h[13] >> 4;
    const transport = h[13] & 0x0f;
    const len = this.#need - 16;
    if (family !== 1 && family !== 2) return this.#done({ version: 2, command: "local" }); // UNSPEC, UNIX
    if (transport !== 1) {
      return this.#fail(`transport ${transport} in byte 13 (a TCP listener takes STREAM, 1)`);
    }
    const size = family === 1 ? 12 : 36;
    if (len < size) return this.#fail(`${len} address bytes for family ${family} (needs ${size})`);
    const a = size === 12 ? 4 : 16;
    const fmt = family === 1 ? formatIpv4 : formatIpv6;
    const p = 16 + 2 * a;
    // TLVs after the addresses (up to `need`) are skipped: nothing here uses them.
    return this.#done({
      version: 2,
      command: "proxy",
      source: { address: fmt(h, 16), port: (h[p] << 8) | h[p + 1] },
      destination: { address: fmt(h, 16 + a), port: (h[p + 2] << 8) | h[p + 3] },
    });
  }

  #grow(): void {
    const next = new Uint8Array(Math.min(this.#buf.length * 4, V2_MAX_BYTES));
    next.set(this.#buf);
    this.#buf = next;
  }

  #done(header: ProxyHeader): number {
    this.header = header;
    return PROXY_DONE;
  }

  #fail(reason: string): number {
    this.reason = reason;
    return PROXY_ERROR;
  }
}

/** A v1 address in its family, as the runtimes write a peer's address; undefined if malformed. */
function v1Address(text: string, v6: boolean): string | undefined {
  if (v6 !== text.includes(":")) return undefined;
  const bytes = parseIp(text);
  if (bytes === undefined) return undefined;
  return v6 ? formatIpv6(bytes) : formatIpv4(bytes, 12);
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}
