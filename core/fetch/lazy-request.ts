/**
 * A `Request` built on demand.
 *
 * Routing reads `method` and `url`; few handlers touch more. This class
 * answers those two from the parsed request line without building anything,
 * makes `headers` on first access, serves the body methods from the bytes
 * already received when the body is complete (the common small-POST case),
 * and builds a real `Request` only for what it does not implement itself.
 * `instanceof Request` holds.
 *
 * @module
 */

import { delegateToReal } from "./_delegate.ts";
import { concat } from "../_shared/concat.ts";

/** What the server provides for one request. Called lazily, at most once each. */
export interface RequestSource {
  readonly method: string;
  /** The full URL (`http://host/path?query`). */
  url(): string;
  headers(): Headers;
  /** The complete body if it has already arrived, else undefined. Empty array for no body. */
  bufferedBody(): Uint8Array | undefined;
  /** Whether the request has a body (else `bodyStream()` is null and reading it gives no bytes). */
  hasBody(): boolean;
  /** The body as a stream; null when the request has no body. */
  bodyStream(): ReadableStream<Uint8Array> | null;
  signal(): AbortSignal;
}

const NativeRequest: typeof Request = globalThis.Request;
const REAL = Symbol("triloop.realRequest");
const decoder = new TextDecoder();

/** A Request over a {@link RequestSource}. See the module doc. */
export class LazyRequest {
  #src: RequestSource;
  #url: string | undefined;
  #headers: Headers | undefined;
  #real: Request | undefined;
  #stream: ReadableStream<Uint8Array> | null | undefined;
  #used = false;

  constructor(src: RequestSource) {
    this.#src = src;
  }

  get method(): string {
    return this.#src.method;
  }
  get url(): string {
    return (this.#url ??= this.#src.url());
  }
  get headers(): Headers {
    return this.#real?.headers ?? (this.#headers ??= this.#src.headers());
  }
  get signal(): AbortSignal {
    return this.#src.signal();
  }
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#real !== undefined) return this.#real.body;
    if (this.#stream === undefined) this.#stream = this.#src.bodyStream();
    return this.#stream;
  }
  get bodyUsed(): boolean {
    if (this.#real !== undefined) return this.#real.bodyUsed;
    return this.#used || (this.#stream != null && this.#stream.locked);
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#real !== undefined) return new Uint8Array(await this.#real.arrayBuffer());
    this.#consume();
    const whole = this.#stream === undefined ? this.#src.bufferedBody() : undefined;
    if (whole !== undefined) return own(whole);
    return readAll(this.body);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    // bytes() gives an array that owns its whole buffer: that buffer is the body.
    return (await this.bytes()).buffer;
  }
  async text(): Promise<string> {
    return decoder.decode(await this.bytes());
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async blob(): Promise<Blob> {
    const type = this.headers.get("content-type") ?? "";
    return new Blob([await this.bytes()], { type });
  }

  /** The real Request, built once; the body moves to it. */
  [REAL](): Request {
    if (this.#real === undefined) {
      const method = this.#src.method;
      const init: RequestInit & { duplex?: "half" } = {
        method,
        headers: this.headers,
        signal: this.#src.signal(),
      };
      if (method !== "GET" && method !== "HEAD" && !this.#used) {
        // A body that has all arrived goes as bytes (a fetch of this request
        // then sends its Content-Length); one still arriving, as its stream.
        const whole = this.#stream === undefined ? this.#src.bufferedBody() : undefined;
        if (whole !== undefined) {
          if (whole.byteLength > 0) init.body = own(whole);
        } else {
          const body = this.body;
          if (body !== null) {
            init.body = body;
            init.duplex = "half";
          }
        }
      }
      this.#real = new NativeRequest(this.url, init);
    }
    return this.#real;
  }

  #consume(): void {
    if (this.bodyUsed) throw new TypeError("Body already used");
    // A null body reads as empty, as often as asked, and is never "used" (Fetch §5: bodyUsed).
    if (this.#src.hasBody()) this.#used = true;
  }
}

// Everything else a Request has is served by the real one, built on first use.
delegateToReal(LazyRequest, NativeRequest, REAL);

/**
 * `bytes` as a plain Uint8Array that owns its whole buffer: the server's
 * chunks are views into a larger read (and on Node, byte arrays whose
 * `slice()` is another view), and `bytes().buffer` must be the body alone.
 */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (
    bytes.constructor === Uint8Array && bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes as Uint8Array<ArrayBuffer>;
  }
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

/** The runtime's own Request for `input` when it is a {@link LazyRequest}; anything else as it is. */
export function unwrapRequest<T>(input: T): T | Request {
  return input instanceof LazyRequest ? input[REAL]() : input;
}

/**
 * The Request a handler gets for `src`: a {@link LazyRequest} when the
 * globals that accept it are installed (core/fetch/globals.ts), else the
 * runtime's own, built now.
 */
export function requestFor(src: RequestSource, lazy: boolean): Request {
  const req = new LazyRequest(src);
  return lazy ? req as unknown as Request : req[REAL]();
}

/** Reads a whole stream into one array. */
export async function readAll(stream: ReadableStream<Uint8Array> | null): Promise<Uint8Array<ArrayBuffer>> {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  return chunks.length === 1 ? own(chunks[0]) : concat(chunks, size);
}
