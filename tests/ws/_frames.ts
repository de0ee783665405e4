/**
 * Client frames for the WebSocket tests: masked, any opcode, bits and
 * length encoding a test asks for — valid or not.
 *
 * @module
 */

/** Options of {@link clientFrame}. */
export interface FrameSpec {
  fin?: boolean;
  rsv?: number; // the three RSV bits as 0..7 (4 = RSV1)
  mask?: boolean;
  /** Force a length encoding: 7, 16 or 64 bits. */
  lengthBits?: 7 | 16 | 64;
  maskKey?: [number, number, number, number];
}

/** One client frame. */
export function clientFrame(opcode: number, payload: Uint8Array | string, spec: FrameSpec = {}): Uint8Array {
  const data = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const mask = spec.mask ?? true;
  const bits = spec.lengthBits ?? (data.length < 126 ? 7 : data.length < 0x10000 ? 16 : 64);
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (bits === 7) head.push(m | data.length);
  else if (bits === 16) head.push(m | 126, data.length >> 8, data.length & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push(
      (data.length >>> 24) & 0xff,
      (data.length >>> 16) & 0xff,
      (data.length >>> 8) & 0xff,
      data.length & 0xff,
    );
  }
  const key = spec.maskKey ?? [0x37, 0xfa, 0x21, 0x3d];
  if (mask) head.push(...key);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  for (let i = 0; i < data.length; i++) out[head.length + i] = mask ? data[i] ^ key[i & 3] : data[i];
  return out;
}

/** Frames one after another. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The payload of a close frame. */
export function closeBody(code: number, reason = ""): Uint8Array {
  const r = new TextEncoder().encode(reason);
  return concat(new Uint8Array([code >> 8, code & 0xff]), r);
}
