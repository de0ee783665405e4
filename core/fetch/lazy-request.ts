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

/** What the server provides for one request. Called lazily, at most once each. */
export interface RequestSource {
  readonly method: string;
  /** The full URL (`http://host/path?query`). */
  url(): string;
  headers(): Headers;
  /** The complete body if it has already arrived, else undefined. Empty array for no body. */
  bufferedBody(): Uint8Array | undefined;
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
    if (whole !== undefined) return whole as Uint8Array<ArrayBuffer>;
    return readAll(this.body);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer
      : bytes.slice().buffer;
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
      const hasBody = method !== "GET" && method !== "HEAD";
      const init: RequestInit & { duplex?: "half" } = {
        method,
        headers: this.headers,
        signal: this.#src.signal(),
      };
      if (hasBody && !this.#used) {
        const body = this.body;
        if (body !== null) {
          init.body = body;
          init.duplex = "half";
        }
      }
      this.#real = new NativeRequest(this.url, init);
    }
    return this.#real;
  }

  #consume(): void {
    if (this.bodyUsed) throw new TypeError("Body already used");
    this.#used = true;
  }
}

// Everything else a Request has is served by the real one, built on first use.
for (const name of Object.getOwnPropertyNames(NativeRequest.prototype)) {
  if (name === "constructor" || Object.hasOwn(LazyRequest.prototype, name)) continue;
  const desc = Object.getOwnPropertyDescriptor(NativeRequest.prototype, name)!;
  if (typeof desc.value === "function") {
    Object.defineProperty(LazyRequest.prototype, name, {
      configurable: true,
      writable: true,
      value: function (this: LazyRequest, ...args: unknown[]) {
        const real = this[REAL]() as unknown as Record<string, (...a: unknown[]) => unknown>;
        return real[name](...args);
      },
    });
  } else if (desc.get !== undefined) {
    Object.defineProperty(LazyRequest.prototype, name, {
      configurable: true,
      get(this: LazyRequest) {
        return (this[REAL]() as unknown as Record<string, unknown>)[name];
      },
    });
  }
}
Object.setPrototypeOf(LazyRequest.prototype, NativeRequest.prototype);

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
  if (chunks.length === 1 && chunks[0].byteLength === chunks[0].buffer.byteLength) {
    return chunks[0] as Uint8Array<ArrayBuffer>;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
