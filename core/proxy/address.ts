/**
 * IP addresses as 16 bytes (IPv4 as its IPv4-mapped IPv6 form, RFC 4291
 * §2.5.5.2), so one comparison serves both families: CIDR matching for
 * `trustedProxies` and `trustProxy`, and the text form of the addresses a
 * PROXY header carries, written as the runtimes write a peer's address
 * (dotted quad; RFC 5952 for IPv6).
 *
 * @module
 */

import { TriloopError } from "../errors.ts";

/** A network: `bytes` masked to its first `bits` bits (of 128). */
export interface Cidr {
  readonly bytes: Uint8Array;
  readonly bits: number;
}

/** The 16 bytes of an IPv4 (`1.2.3.4`) or IPv6 (`::1`, `::ffff:1.2.3.4`) address, or undefined. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.includes(":")) return parseIpv6(text);
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  return parseIpv4(text, out, 12) ? out : undefined;
}

/** Writes dotted-quad `text` at `out[at…at+3]`; false unless it is four decimal octets without leading zeros. */
function parseIpv4(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return false;
    const n = Number(p);
    if (n > 255) return false;
    out[at + i] = n;
  }
  return true;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone); // a link-local zone does not take part in matching
  const out = new Uint8Array(16);
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1].split(":")) : [];
  const groups: number[] = [];
  let v4: string | undefined;
  const all = [...head, ...tail];
  if (all.length > 0 && all[all.length - 1].includes(".")) v4 = all.pop();
  if (v4 !== undefined && !text.endsWith(v4)) return undefined;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  const want = v4 === undefined ? 8 : 6;
  if (halves.length === 1 ? groups.length !== want : groups.length >= want) return undefined;
  const headCount = v4 !== undefined && tail.length === 0 ? head.length - 1 : head.length;
  const gap = want - groups.length;
  let at = 0;
  for (let i = 0; i < groups.length; i++) {
    if (i === headCount) at += gap * 2;
    out[at++] = groups[i] >> 8;
    out[at++] = groups[i] & 0xff;
  }
  if (v4 !== undefined && !parseIpv4(v4, out, 12)) return undefined;
  return out;
}

/** True when the 16 bytes are an IPv4-mapped address. */
export function isMappedV4(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** `a.b.c.d` from four bytes at `at`. */
export function formatIpv4(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952 text of 16 bytes of IPv6 at `at`: lowercase, longest zero run (≥ 2 groups) as `::`, mapped IPv4 mixed. */
export function formatIpv6(b: Uint8Array, at = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  let mixed: string | undefined;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    mixed = formatIpv4(b, at + 12);
    g.length = 6;
  }
  let best = -1, bestLen = 1, run = -1;
  for (let i = 0; i <= g.length; i++) {
    if (i < g.length && g[i] === 0) {
      if (run < 0) run = i;
    } else if (run >= 0) {
      if (i - run > bestLen) {
        best = run;
        bestLen = i - run;
      }
      run = -1;
    }
  }
  const hex = g.map((x) => x.toString(16));
  let text: string;
  if (best < 0) text = hex.join(":");
  else {
    const left = hex.slice(0, best).join(":");
    const right = hex.slice(best + bestLen).join(":");
    text = `${left}::${right}`;
  }
  if (mixed === undefined) return text;
  return text.endsWith(":") ? text + mixed : `${text}:${mixed}`;
}

/**
 * Parses `"10.0.0.0/8"`, `"fd00::/8"` or a bare address (all its bits).
 * Throws `TRI_ERR_INVALID_ARG` naming the bad entry.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addr.trim());
  const v4 = bytes !== undefined && !addr.includes(":");
  const max = v4 ? 32 : 128;
  const prefix = slash < 0
    ? max
    : /^\d{1,3}$/.test(text.slice(slash + 1))
    ? Number(text.slice(slash + 1))
    : NaN;
  if (bytes === undefined || !(prefix >= 0 && prefix <= max)) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `'${text}' is not an IP address or a CIDR network`);
  }
  const bits = v4 ? prefix + 96 : prefix;
  return { bytes: mask(bytes, bits), bits };
}

/** Parses a list of CIDRs (an array, or one comma-separated string). */
export function parseCidrs(list: readonly string[] | string): Cidr[] {
  const items = typeof list === "string" ? list.split(",") : list;
  return items.map((s) => s.trim()).filter((s) => s !== "").map(parseCidr);
}

function mask(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = bytes[i] & ((0xff00 >> keep) & 0xff);
  }
  return out;
}

/** True when `address` (text, as a runtime reports a peer) is in one of `nets`. */
export function inNetworks(address: string, nets: readonly Cidr[]): boolean {
  const bytes = parseIp(address);
  if (bytes === undefined) return false;
  for (const net of nets) {
    const m = mask(bytes, net.bits);
    let same = true;
    for (let i = 0; i < 16 && same; i++) same = m[i] === net.bytes[i];
    if (same) return true;
  }
  return false;
}
