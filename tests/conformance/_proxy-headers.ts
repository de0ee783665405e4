/**
 * PROXY protocol headers as a proxy sends them (HAProxy's
 * proxy-protocol.txt), for the tests: runtime-neutral, so the conformance
 * suite builds them on every runtime.
 *
 * @module
 */

import { parseIp } from "../../core/proxy/address.ts";

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A v1 line. */
export function v1Header(proto: "TCP4" | "TCP6", source: [string, number], destination: [string, number]) {
  return new TextEncoder().encode(
    `PROXY ${proto} ${source[0]} ${destination[0]} ${source[1]} ${destination[1]}\r\n`,
  );
}

/** A v2 header: PROXY over TCP (the family from the address), or LOCAL; TLVs appended as given. */
export function v2Header(o: {
  source?: [string, number];
  destination?: [string, number];
  local?: boolean;
  family?: number;
  tlvs?: Array<[number, Uint8Array]>;
}): Uint8Array {
  const v6 = o.source?.[0].includes(":") ?? false;
  const addrBytes = o.source === undefined ? 0 : v6 ? 36 : 12;
  const tlvBytes = (o.tlvs ?? []).reduce((n, [, v]) => n + 3 + v.length, 0);
  const len = addrBytes + tlvBytes;
  const out = new Uint8Array(16 + len);
  out.set(SIGNATURE);
  out[12] = o.local ? 0x20 : 0x21;
  out[13] = o.family !== undefined ? o.family << 4 : o.source === undefined ? 0 : v6 ? 0x21 : 0x11;
  out[14] = len >> 8;
  out[15] = len & 0xff;
  let at = 16;
  if (o.source !== undefined && o.destination !== undefined) {
    const size = v6 ? 16 : 4;
    const src = parseIp(o.source[0])!;
    const dst = parseIp(o.destination[0])!;
    out.set(src.subarray(16 - size), at);
    out.set(dst.subarray(16 - size), at + size);
    at += 2 * size;
    out[at++] = o.source[1] >> 8;
    out[at++] = o.source[1] & 0xff;
    out[at++] = o.destination[1] >> 8;
    out[at++] = o.destination[1] & 0xff;
  }
  for (const [type, value] of o.tlvs ?? []) {
    out[at++] = type;
    out[at++] = value.length >> 8;
    out[at++] = value.length & 0xff;
    out.set(value, at);
    at += value.length;
  }
  return out;
}
