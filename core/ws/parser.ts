/**
 * The incremental WebSocket frame parser of a server connection (RFC 6455
 * §5): bytes in any split, messages out. It unmasks, joins fragments,
 * validates text as it arrives (fail fast, across fragments), lets control
 * frames interleave, inflates permessage-deflate messages through the
 * connection's {@link Inflater}, and stops at the first violation with the
 * close code it calls for.
 *
 * Invariants (tests/ws/parser.test.ts, replayed at every split):
 * - WP1 any split of a valid stream gives the same messages, pings, pongs and close;
 * - WP2 a client frame without a mask, with RSV2/RSV3 (or RSV1 when deflate was
 *   not agreed or on a continuation or control frame), an unknown opcode, a
 *   fragmented or over-125-byte control frame, a continuation with nothing to
 *   continue, a new message inside one, a close payload of 1 byte or with a code
 *   no peer may send → 1002;
 * - WP3 text (a message or a close reason) that is not UTF-8 → 1007, as soon as
 *   the bytes show it;
 * - WP4 a message over `maxPayloadLength` → 1009 before its payload is read
 *   (by the frame lengths), or while it inflates, never after;
 * - WP5 after a close frame, or an error, nothing more is read.
 *
 * A binary message that arrives as one frame within one read is handed on as
 * a view of the connection's own chunk (unmasked in place): no copy.
 *
 * @module
 */

import { concat } from "../_shared/concat.ts";
import { CloseCode, sendableCode } from "./codes.ts";

/** What the parser tells its connection. */
export interface WsParserHandler {
  /** A whole message: text as a string, binary as bytes (valid until the handler returns, unless copied). */
  message(data: string | Uint8Array): void;
  ping(payload: Uint8Array): void;
  pong(payload: Uint8Array): void;
  /** The peer's close frame: its code (1005 when it had none) and reason. */
  close(code: number, reason: string): void;
}

/** Inflates one permessage-deflate message (RFC 7692 §7.2.2), its context kept between calls. */
export interface Inflater {
  /** The message's bytes, or `null` when they would pass `limit`; throws on bad data. */
  inflate(compressed: Uint8Array, limit: number): Uint8Array | null;
}

/** Why the parser stopped: the close code to send, and a reason. */
export interface WsParseError {
  code: number;
  reason: string;
}

const OP_CONT = 0;
const OP_TEXT = 1;
const OP_BINARY = 2;
const OP_CLOSE = 8;
const OP_PING = 9;
const OP_PONG = 10;

const S_HEAD = 0;
const S_PAYLOAD = 1;
const S_DONE = 2;

const EMPTY = new Uint8Array(0);
/**
 * Decodes whole text messages for every parser: a one-shot decode keeps no
 * state, and a decoder per connection would stay with each idle socket. A
 * message in fragments gets its own streaming decoder.
 */
const WHOLE = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** The tail a sender strips from each deflated message (RFC 7692 §7.2.1). */
const DEFLATE_TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** One server-side connection's parser. */
export class WsParser {
  /** Set when the parser stopped on a violation. */
  error: WsParseError | undefined;
  #handler: WsParserHandler;
  #max: number;
  #inflater: Inflater | undefined;
  #state = S_HEAD;
  #paused = false;
  // The frame being read. The head, mask and control payload share one
  // buffer: an idle connection holds this parser, and each buffer costs an
  // allocation of its own.
  #head: Uint8Array;
  #headLen = 0;
  #headChecked = false; // the first two bytes passed #checkFirst
  #fin = false;
  #opcode = 0;
  #mask: Uint8Array;
  #maskAt = 0; // mask offset of the next payload byte
  #left = 0; // payload bytes of this frame still to come
  // The message being joined (data frames).
  #msgOpcode = 0; // OP_TEXT, OP_BINARY, or 0 for none in progress
  #compressed = false;
  #parts: Uint8Array[] = [];
  #size = 0; // bytes of the message so far (compressed bytes when compressed)
  #decoder: TextDecoder | undefined;
  #text = "";
  // A control frame's payload (at most 125 bytes).
  #control: Uint8Array;
  #controlLen = 0;

  constructor(handler: WsParserHandler, options: { maxPayloadLength: number; inflater?: Inflater }) {
    const scratch = new ArrayBuffer(14 + 4 + 125);
    this.#head = new Uint8Array(scratch, 0, 14);
    this.#mask = new Uint8Array(scratch, 14, 4);
    this.#control = new Uint8Array(scratch, 18, 125);
    this.#handler = handler;
    this.#max = options.maxPayloadLength;
    this.#inflater = options.inflater;
  }

  /**
   * Stops `execute` after the event being delivered: it returns the offset
   * of the first byte not read, for the caller to pass again later (WS4).
   */
  pause(): void {
    this.#paused = true;
  }

  /** Whether the parser takes no more input (a close frame came, or an error). */
  get done(): boolean {
    return this.#state === S_DONE;
  }

  /**
   * Reads `buf[start..end)`. Returns the offset where it stopped: `end`, or
   * earlier after {@link pause} or when it is {@link done} (see `error`).
   */
  execute(buf: Uint8Array, start = 0, end = buf.length): number {
    let p = start;
    this.#paused = false;
    while (p < end && this.#state !== S_DONE && !this.#paused) {
      if (this.#state === S_HEAD) {
        p = this.#readHead(buf, p, end);
        continue;
      }
      const n = Math.min(this.#left, end - p);
      this.#payload(buf, p, n);
      p += n;
      this.#left -= n;
      if (this.#left === 0 && this.#state !== S_DONE) this.#frameEnd();
    }
    return p;
  }

  #fail(code: number, reason: string): void {
    this.error = { code, reason };
    this.#state = S_DONE;
    this.#parts = [];
  }

  /** Gathers the frame head (2 to 14 bytes) and checks it; returns where its payload starts. */
  #readHead(buf: Uint8Array, p: number, end: number): number {
    const head = this.#head;
    while (p < end && this.#headLen < 2) head[this.#headLen++] = buf[p++];
    if (this.#headLen < 2) return p;
    const len7 = head[1] & 0x7f;
    const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + 4;
    if (!this.#headChecked) {
      if (!this.#checkFirst(head[0], head[1])) return end;
      this.#headChecked = true;
    }
    while (p < end && this.#headLen < need) head[this.#headLen++] = buf[p++];
    if (this.#headLen < need) return p;
    let length: number;
    if (len7 === 126) length = (head[2] << 8) | head[3];
    else if (len7 === 127) {
      // A 64-bit length: the most significant bit must be 0 (§5.2); past 2^53 no message fits anyway.
      const hi = ((head[2] << 24) | (head[3] << 16) | (head[4] << 8) | head[5]) >>> 0;
      const lo = ((head[6] << 24) | (head[7] << 16) | (head[8] << 8) | head[9]) >>> 0;
      if (hi & 0x80000000) {
        this.#fail(CloseCode.PROTOCOL_ERROR, "a 64-bit frame length with its top bit set");
        return end;
      }
      length = hi * 0x100000000 + lo;
    } else length = len7;
    const mask = this.#mask;
    mask[0] = head[need - 4];
    mask[1] = head[need - 3];
    mask[2] = head[need - 2];
    mask[3] = head[need - 1];
    this.#maskAt = 0;
    this.#headLen = 0;
    this.#headChecked = false;
    this.#left = length;
    if (this.#opcode >= OP_CLOSE) {
      this.#controlLen = 0;
    } else if (this.#size + length > this.#max) {
      // WP4: known from the lengths, before a byte of the payload is read (a
      // compressed message is checked again as it inflates).
      this.#fail(CloseCode.MESSAGE_TOO_BIG, `a message over ${this.#max} bytes`);
      return end;
    }
    this.#state = S_PAYLOAD;
    if (length === 0) this.#frameEnd();
    return p;
  }

  /** Checks the first two bytes of a frame (WP2). */
  #checkFirst(b0: number, b1: number): boolean {
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    if ((b1 & 0x80) === 0) return this.#protocol("a client frame without a mask");
    if ((b0 & 0x30) !== 0) return this.#protocol("RSV2 or RSV3 set");
    if (opcode >= OP_CLOSE) {
      if (opcode > OP_PONG) return this.#protocol(`unknown opcode ${opcode}`);
      if (!fin) return this.#protocol("a fragmented control frame");
      if ((b1 & 0x7f) > 125) return this.#protocol("a control frame over 125 bytes");
      if (rsv1) return this.#protocol("RSV1 on a control frame");
    } else if (opcode === OP_CONT) {
      if (this.#msgOpcode === 0) return this.#protocol("a continuation frame with no message to continue");
      if (rsv1) return this.#protocol("RSV1 on a continuation frame");
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.#msgOpcode !== 0) return this.#protocol("a new message inside a fragmented one");
      if (rsv1 && this.#inflater === undefined) return this.#protocol("RSV1 without permessage-deflate");
      this.#msgOpcode = opcode;
      this.#compressed = rsv1;
      this.#size = 0;
      if (opcode === OP_TEXT && !rsv1) {
        this.#decoder ??= new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
        this.#text = "";
      }
    } else return this.#protocol(`unknown opcode ${opcode}`);
    this.#fin = fin;
    this.#opcode = opcode;
    return true;
  }

  #protocol(reason: string): false {
    this.#fail(CloseCode.PROTOCOL_ERROR, reason);
    return false;
  }

  /** `n` payload bytes at `buf[p]`: unmasked in place, then kept or validated. */
  #payload(buf: Uint8Array, p: number, n: number): void {
    const mask = this.#mask;
    let m = this.#maskAt;
    for (let i = p, e = p + n; i < e; i++) buf[i] ^= mask[m++ & 3];
    this.#maskAt = m & 3;
    const bytes = buf.subarray(p, p + n);
    if (this.#opcode >= OP_CLOSE) {
      this.#control.set(bytes, this.#controlLen);
      this.#controlLen += n;
      return;
    }
    this.#size += n;
    if (this.#msgOpcode === OP_TEXT && !this.#compressed) {
      // WP3: validated as it arrives, so a bad byte fails the message at once.
      try {
        this.#text += this.#decoder!.decode(bytes, { stream: true });
      } catch {
        this.#fail(CloseCode.INVALID_PAYLOAD, "a text message that is not UTF-8");
      }
      return;
    }
    if (n > 0) this.#parts.push(bytes);
  }

  #frameEnd(): void {
    this.#state = S_HEAD;
    const opcode = this.#opcode;
    if (opcode >= OP_CLOSE) {
      this.#controlFrame(opcode, this.#control.slice(0, this.#controlLen));
      return;
    }
    if (!this.#fin) return;
    const kind = this.#msgOpcode;
    this.#msgOpcode = 0;
    const parts = this.#parts;
    this.#parts = [];
    if (this.#compressed) {
      let data: Uint8Array | null;
      try {
        data = this.#inflater!.inflate(join(parts.concat(DEFLATE_TAIL), this.#size + 4), this.#max);
      } catch {
        this.#fail(CloseCode.INVALID_PAYLOAD, "a compressed message that does not inflate");
        return;
      }
      if (data === null) {
        this.#fail(CloseCode.MESSAGE_TOO_BIG, `a message over ${this.#max} bytes once inflated`);
        return;
      }
      if (kind === OP_BINARY) {
        this.#handler.message(data);
        return;
      }
      let text: string;
      try {
        text = WHOLE.decode(data);
      } catch {
        this.#fail(CloseCode.INVALID_PAYLOAD, "a text message that is not UTF-8");
        return;
      }
      this.#handler.message(text);
      return;
    }
    if (kind === OP_TEXT) {
      let text: string;
      try {
        text = this.#text + this.#decoder!.decode(); // the end of the stream: a cut sequence throws
      } catch {
        this.#fail(CloseCode.INVALID_PAYLOAD, "a text message that ends inside a UTF-8 sequence");
        return;
      }
      this.#text = "";
      this.#handler.message(text);
      return;
    }
    this.#handler.message(parts.length === 1 ? parts[0] : join(parts, this.#size));
  }

  #controlFrame(opcode: number, payload: Uint8Array): void {
    if (opcode === OP_PING) this.#handler.ping(payload);
    else if (opcode === OP_PONG) this.#handler.pong(payload);
    else this.#closeFrame(payload);
  }

  #closeFrame(payload: Uint8Array): void {
    if (payload.length === 1) {
      this.#fail(CloseCode.PROTOCOL_ERROR, "a close frame with a 1-byte payload");
      return;
    }
    let code: number = CloseCode.NO_STATUS;
    let reason = "";
    if (payload.length >= 2) {
      code = (payload[0] << 8) | payload[1];
      if (!sendableCode(code)) {
        this.#fail(CloseCode.PROTOCOL_ERROR, `close code ${code} may not be sent`);
        return;
      }
      try {
        reason = new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(2));
      } catch {
        this.#fail(CloseCode.INVALID_PAYLOAD, "a close reason that is not UTF-8");
        return;
      }
    }
    this.#state = S_DONE; // WP5
    this.#handler.close(code, reason);
  }
}

/** `parts` as one array of `size` bytes. */
function join(parts: Uint8Array[], size: number): Uint8Array {
  return parts.length === 0 ? EMPTY : concat(parts, size);
}
