/**
 * One request/response exchange on a kernel-engine connection: what the
 * handler's `Request` reads lazily (the {@link RequestSource}), the request
 * body as it arrives, and the abort signal.
 *
 * Body bytes are the connection's own chunks (S3: owned), handed on as
 * views — never copied. Before anyone asks for a stream they are kept in a
 * list; a handler that reads the whole body of a request that has fully
 * arrived gets it without a stream (the common small POST).
 *
 * @module
 */

import { concat } from "../_shared/concat.ts";
import type { RequestSource } from "../fetch/lazy-request.ts";
import type { RequestHead } from "../http1/head.ts";
import type { PendingUpgrade } from "../ws/server.ts";

/** What an exchange needs from its connection. */
export interface ExchangeHost {
  /** Stop reading: the body consumer is full. */
  pauseBody(): void;
  /** Read again: the body consumer wants more. */
  resumeBody(): void;
  /** The request's URL (core/server/request-url.ts), or null when it makes none. */
  url(head: RequestHead): string | null;
}

const EMPTY = new Uint8Array(0);
/** The shared empty list of held chunks; never pushed to (see `body`). */
const NONE: Uint8Array[] = [];

/** Body bytes held before the body stream pulls them; past this the connection pauses. */
export const HOLD_LIMIT = 64 * 1024;

/** One request and the state of its response. */
export class Exchange implements RequestSource {
  readonly head: RequestHead;
  readonly method: string;
  /** The whole request, body included, has been parsed. */
  complete = false;
  /** The handler was called. */
  dispatched = false;
  /** The response head went out. */
  headSent = false;
  /** The response is completely written. */
  responded = false;
  /** The connection closes after this response. */
  closeAfter = false;
  /** The Request the handler got (for onError). */
  request: Request | undefined;
  /** Set by `server.upgrade(request)`: the 101 replaces the handler's response (WS1). */
  upgrade: PendingUpgrade | undefined;
  /** `server.upgrade(request)` found a WebSocket version other than 13: the server answers 426 (WH1). */
  badVersion = false;

  #host: ExchangeHost;
  /** Body chunks not yet given to a stream (allocated with the first: most requests have none). */
  #held: Uint8Array[] = NONE;
  #heldBytes = 0;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #stream: ReadableStream<Uint8Array> | null | undefined;
  #discard = false;
  #abort: AbortController | undefined;
  #url: string | undefined;
  #aborted = false;

  constructor(host: ExchangeHost, head: RequestHead) {
    this.#host = host;
    this.head = head;
    this.method = head.methodName;
  }

  /** The watchdog's name for this request (made only when a stall is recorded). */
  toString(): string {
    const target = this.head.target;
    const q = target.indexOf("?");
    return `${this.method} ${q < 0 ? target : target.slice(0, q)}`;
  }

  // ---- RequestSource --------------------------------------------------------

  url(): string {
    // Checked before dispatch (a request without a URL is answered 400), so never null here.
    return (this.#url ??= this.#host.url(this.head)!);
  }

  /** Works out the URL now; false when the request has none (the server answers 400). */
  hasUrl(): boolean {
    return (this.#url = this.#host.url(this.head) ?? undefined) !== undefined;
  }

  headers(): Headers {
    return this.head.headers();
  }

  hasBody(): boolean {
    // "Content-Length: 0" is a body of no bytes, not no body: its Request
    // has an empty stream, as on Node's and Deno's own servers.
    const head = this.head;
    return head.hasBody || head.contentLength === 0;
  }

  bufferedBody(): Uint8Array | undefined {
    if (!this.complete || this.#stream !== undefined) return undefined;
    const held = this.#held;
    this.#held = NONE;
    if (held.length === 0) return EMPTY;
    if (held.length === 1) return held[0];
    return concat(held, this.#heldBytes);
  }

  bodyStream(): ReadableStream<Uint8Array> | null {
    if (this.#stream !== undefined) return this.#stream;
    if (!this.hasBody()) return (this.#stream = null);
    this.#stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          for (const c of this.#held) controller.enqueue(c);
          this.#held = NONE;
          this.#heldBytes = 0;
          if (this.complete) controller.close();
        },
        pull: () => this.#host.resumeBody(),
        cancel: () => {
          this.#discard = true;
          this.#controller = undefined;
          this.#host.resumeBody();
        },
      },
      { highWaterMark: HOLD_LIMIT, size: (chunk) => chunk.byteLength },
    );
    return this.#stream;
  }

  signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#aborted) this.#abort.abort(new DOMException("The client went away", "AbortError"));
    }
    return this.#abort.signal;
  }

  // ---- the connection's side -------------------------------------------------

  /** Body bytes from the parser (a view of the connection's chunk). */
  body(bytes: Uint8Array): void {
    if (this.#discard) return;
    // A handler sees plain Uint8Arrays, as from the runtimes' own servers
    // (on Node the connection's chunks are Buffers, whose methods differ).
    if (bytes.constructor !== Uint8Array) {
      bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const c = this.#controller;
    if (c !== undefined) {
      c.enqueue(bytes);
      if ((c.desiredSize ?? 1) <= 0) this.#host.pauseBody();
      return;
    }
    if (this.#held === NONE) this.#held = [];
    this.#held.push(bytes);
    this.#heldBytes += bytes.byteLength;
    // Nobody reads the stream yet: hold a little, then stop reading until
    // they do (or until the response is done and the rest is discarded).
    if (this.#heldBytes > HOLD_LIMIT && this.dispatched) this.#host.pauseBody();
  }

  /** The whole request has been parsed. */
  end(): void {
    this.complete = true;
    if (this.#controller !== undefined) {
      this.#controller.close();
      this.#controller = undefined;
    }
  }

  /** Drops unread body bytes from now on (the response is done). */
  discardBody(): void {
    this.#discard = true;
    this.#held = NONE;
    this.#heldBytes = 0;
    if (this.#controller !== undefined) {
      try {
        this.#controller.error(
          new DOMException("The response was sent before the body was read", "AbortError"),
        );
      } catch {
        // already closed
      }
      this.#controller = undefined;
    }
  }

  /** The client went away before the response was complete (H9: exactly once). */
  abort(): void {
    if (this.#aborted || this.responded) return;
    this.#aborted = true;
    this.#abort?.abort(new DOMException("The client went away", "AbortError"));
    if (this.#controller !== undefined) {
      try {
        this.#controller.error(new DOMException("The client went away", "AbortError"));
      } catch {
        // already closed
      }
      this.#controller = undefined;
    }
  }

  /** True when the body stream exists and is being read. */
  get streaming(): boolean {
    return this.#stream != null && !this.#discard;
  }
}
