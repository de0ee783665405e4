/**
 * Server frames (RFC 6455 §5.2): never masked, FIN set (the server sends
 * each message as one frame), RSV1 on a message compressed with
 * permessage-deflate.
 *
 * @module
 */

/** Opcodes a server sends. */
export const Opcode = { TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** Bytes of the head of a frame with `length` payload bytes. */
export function headSize(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/** The size of the head of the server frame `frame` (from its length field). */
export function headSizeOf(frame: Uint8Array): number {
  const len7 = frame[1] & 0x7f;
  return len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
}

/** Writes a frame head at `out[at]`; returns its size. */
export function writeHead(out: Uint8Array, at: number, opcode: number, length: number, rsv1 = false): number {
  out[at] = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
  if (length < 126) {
    out[at + 1] = length;
    return 2;
  }
  if (length < 0x10000) {
    out[at + 1] = 126;
    out[at + 2] = length >>> 8;
    out[at + 3] = length & 0xff;
    return 4;
  }
  out[at + 1] = 127;
  const hi = Math.floor(length / 0x100000000);
  const lo = length >>> 0;
  out[at + 2] = hi >>> 24;
  out[at + 3] = (hi >>> 16) & 0xff;
  out[at + 4] = (hi >>> 8) & 0xff;
  out[at + 5] = hi & 0xff;
  out[at + 6] = lo >>> 24;
  out[at + 7] = (lo >>> 16) & 0xff;
  out[at + 8] = (lo >>> 8) & 0xff;
  out[at + 9] = lo & 0xff;
  return 10;
}

/** A whole frame: head and `payload`, in one array. */
export function frame(opcode: number, payload: Uint8Array, rsv1 = false): Uint8Array {
  const out = new Uint8Array(headSize(payload.length) + payload.length);
  out.set(payload, writeHead(out, 0, opcode, payload.length, rsv1));
  return out;
}

const encoder = new TextEncoder();

/** A text frame of `text`, encoded once, straight after its head. */
export function textFrame(text: string): Uint8Array {
  const n = text.length;
  if (n < 126) {
    // Short ASCII text (most chat lines): its bytes are its UTF-16 units,
    // written straight into an array of the exact size, with no encoder
    // call and no views, which cost more than the copy at this size.
    const out = new Uint8Array(2 + n);
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      out[2 + i] = c;
    }
    if (i === n) {
      writeHead(out, 0, Opcode.TEXT, n);
      return out;
    }
  }
  return frame(Opcode.TEXT, encoder.encode(text));
}

/** The payload of a close frame: the code, then the reason (at most 123 bytes of UTF-8). */
export function closePayload(code: number, reason = ""): Uint8Array {
  const text = encoder.encode(reason);
  if (text.length > 123) throw new RangeError(`A close reason must be at most 123 bytes, got ${text.length}`);
  const out = new Uint8Array(2 + text.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(text, 2);
  return out;
}
