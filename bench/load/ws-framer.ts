/**
 * Finds WebSocket messages in a connection's byte stream for the load
 * generator: first the upgrade's `101` head (when the connection asked for
 * one), then frames (RFC 6455 §5.2), each final data frame counted as one
 * response. Not a validating parser: it reads the head bytes that decide
 * where a frame ends (FIN, opcode, MASK, the 7/16/64-bit length) and skips
 * the payload. Masked frames are framed too: a raw TCP echo server (the
 * bench's ceiling row) sends back the client's own masked frames.
 *
 * Invariants:
 * - **WF1 any-split**: the messages reported are the same however the
 *   stream is split into chunks.
 * - **WF2 upgrade**: with `upgrade`, nothing is framed before the head of a
 *   `101` response, which is reported as status 101 (the generator then
 *   sends its first message); any other status fails the framer.
 * - **WF3 what counts**: a frame with FIN and a data opcode (or a
 *   continuation) is one message, status 200; control frames are skipped; a
 *   close frame is reported with `close`.
 * - **WF4 bad-input**: bytes that cannot be framed put the framer in a
 *   failed state (`feed` returns `false`) and it reports nothing more.
 *
 * @module
 */

import type { ResponseSink } from "./response-framer.ts";

/** A head longer than this is not a response this bench talks to. */
const MAX_HEAD = 16 * 1024;

/** Frames WebSocket messages on one connection; call `feed` with each chunk read. */
export class WsFramer {
  #upgrading: boolean;
  #carry: Uint8Array | undefined;
  /** Payload bytes of the current frame still to skip. */
  #left = 0;
  /** The frame being skipped is a final data frame: report it once skipped. */
  #counts = false;
  #failed = false;

  /** `upgrade`: the connection sent an upgrade request and waits for its `101`. */
  constructor(upgrade: boolean) {
    this.#upgrading = upgrade;
  }

  /** Whether a message is partly received. */
  get midResponse(): boolean {
    return this.#left > 0 || this.#carry !== undefined;
  }

  /** Whether the framer met bytes it cannot frame (WF4). */
  get failed(): boolean {
    return this.#failed;
  }

  /** Consumes one chunk; returns `false` once the stream cannot be framed. */
  feed(bytes: Uint8Array, sink: ResponseSink): boolean {
    if (this.#failed) return false;
    let buf = bytes;
    if (this.#carry !== undefined) {
      const joined = new Uint8Array(this.#carry.length + bytes.length);
      joined.set(this.#carry);
      joined.set(bytes, this.#carry.length);
      buf = joined;
      this.#carry = undefined;
    }
    let i = 0;
    if (this.#upgrading) {
      const end = headEnd(buf);
      if (end < 0) {
        if (buf.length > MAX_HEAD) return this.#fail();
        this.#carry = buf;
        return true;
      }
      // "HTTP/1.1 101": the status is bytes 9–11.
      if (buf[9] !== 0x31 || buf[10] !== 0x30 || buf[11] !== 0x31) return this.#fail();
      this.#upgrading = false;
      i = end;
      sink.response(101, false);
    }
    while (i < buf.length) {
      if (this.#left > 0) {
        const take = Math.min(this.#left, buf.length - i);
        this.#left -= take;
        i += take;
        if (this.#left > 0) break;
        this.#frameDone(sink);
        continue;
      }
      // A frame head: 2 bytes, then 0/2/8 length bytes, then 0/4 mask bytes.
      if (buf.length - i < 2) {
        this.#carry = buf.subarray(i);
        break;
      }
      const b0 = buf[i];
      const b1 = buf[i + 1];
      const len7 = b1 & 0x7f;
      const extra = (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
      if (buf.length - i < 2 + extra) {
        this.#carry = buf.subarray(i);
        break;
      }
      let len = len7;
      if (len7 === 126) len = (buf[i + 2] << 8) | buf[i + 3];
      else if (len7 === 127) {
        // Up to 2^53: the high bytes past that are a frame this bench never gets.
        if (buf[i + 2] !== 0 || buf[i + 3] > 0x1f) return this.#fail();
        len = 0;
        for (let k = 3; k < 10; k++) len = len * 256 + buf[i + k];
      }
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (opcode > 10 || (opcode > 2 && opcode < 8)) return this.#fail();
      if (opcode === 8) {
        this.#counts = false;
        sink.response(1000, true);
      } else this.#counts = fin && opcode < 3;
      i += 2 + extra;
      this.#left = len;
      if (len === 0) this.#frameDone(sink);
    }
    return true;
  }

  /** The stream ended: nothing is pending in a WebSocket stream's framing. */
  finish(_sink: ResponseSink): void {}

  #frameDone(sink: ResponseSink): void {
    if (this.#counts) sink.response(200, false);
    this.#counts = false;
  }

  #fail(): false {
    this.#failed = true;
    this.#carry = undefined;
    return false;
  }
}

/** The index just past a head's blank line, or -1. */
function headEnd(buf: Uint8Array): number {
  for (let i = 3; i < buf.length; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
  }
  return -1;
}

/** A client frame (FIN, masked with an all-zero key, so the payload is sent as is) holding `payload`. */
export function clientFrame(payload: Uint8Array, opcode = 1): Uint8Array {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = new Uint8Array(head + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out[2] = len >> 8;
    out[3] = len & 0xff;
  } else {
    out[1] = 0x80 | 127;
    let v = len;
    for (let k = 9; k >= 2; k--) {
      out[k] = v & 0xff;
      v = Math.floor(v / 256);
    }
  }
  out.set(payload, head + 4);
  return out;
}

/** The upgrade request of one load connection. */
export function upgradeRequest(hostname: string, port: number, path: string): Uint8Array {
  return new TextEncoder().encode(
    `GET ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
      "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n",
  );
}
