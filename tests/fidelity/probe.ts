/**
 * The fidelity suite's handler: one fetch handler, served unchanged by the
 * kernel engine and by each runtime's own server, that describes what it
 * sees. The `x-probe` field picks what it does with the request (read the
 * body one way, clone it, pass it on, …) or which kind of response it
 * returns; the answer is JSON, so two servers' views compare field by field.
 *
 * Web-platform globals only: it runs on Node, Bun and Deno alike.
 *
 * @module
 */

/** What the probe reports about a request. */
export interface View {
  method?: string;
  url?: string;
  headers?: Array<[string, string]>;
  setCookies?: string[];
  hasBody?: boolean;
  bodyUsedBefore?: boolean;
  bodyUsedAfter?: boolean;
  /** The body as the op read it: base64 of the bytes, or the op's own shape. */
  body?: unknown;
  /** What a second read of the body did. */
  again?: string;
  /** Facts the op adds (a stream's chunk types, a clone's second copy, …). */
  extra?: Record<string, unknown>;
  error?: string;
}

/** Base64 of bytes, without Buffer. */
export function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function head(req: Request): View {
  return {
    method: req.method,
    url: req.url,
    headers: [...req.headers],
    setCookies: req.headers.getSetCookie(),
    hasBody: req.body !== null,
  };
}

function errName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

async function again(req: Request): Promise<string> {
  try {
    await req.arrayBuffer();
    return "read";
  } catch (err) {
    return errName(err);
  }
}

/** The bytes of a typed view, checked to be exactly the body (no bytes around it). */
function exact(bytes: Uint8Array, extra: Record<string, unknown>): string {
  extra.bufferIsExact = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  extra.isUint8Array = bytes instanceof Uint8Array;
  return b64(bytes);
}

async function formDataView(fd: FormData): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [name, value] of fd) {
    if (typeof value === "string") out.push([name, value]);
    else {
      out.push([name, {
        file: value.name,
        type: value.type,
        size: value.size,
        data: b64(new Uint8Array(await value.arrayBuffer())),
      }]);
    }
  }
  return out;
}

/** Reads the body as `op` says, and describes the request and what the read gave. */
async function readAs(op: string, req: Request, upstream: string | null): Promise<View> {
  const view = head(req);
  view.bodyUsedBefore = req.bodyUsed;
  const extra: Record<string, unknown> = {};
  switch (op) {
    case "describe":
      break;
    case "arrayBuffer": {
      const ab = await req.arrayBuffer();
      extra.isArrayBuffer = ab instanceof ArrayBuffer;
      view.body = b64(new Uint8Array(ab));
      break;
    }
    case "bytes": {
      // deno-lint-ignore no-explicit-any
      view.body = exact(await (req as any).bytes(), extra);
      break;
    }
    case "text":
      view.body = await req.text();
      break;
    case "json":
      view.body = await req.json();
      break;
    case "blob": {
      const blob = await req.blob();
      view.body = { type: blob.type, size: blob.size, data: b64(new Uint8Array(await blob.arrayBuffer())) };
      break;
    }
    case "formData":
      view.body = await formDataView(await req.formData());
      break;
    case "stream": {
      const body = req.body;
      if (body === null) {
        view.body = null;
        break;
      }
      const reader = body.getReader();
      const chunks: Uint8Array[] = [];
      const kinds = new Set<string>();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        kinds.add(value?.constructor?.name ?? Object.prototype.toString.call(value));
        chunks.push(value.slice());
      }
      extra.chunkKinds = [...kinds];
      extra.lockedAfter = body.locked;
      view.body = b64(concat(chunks));
      break;
    }
    case "clone": {
      const copy = req.clone();
      extra.copyIsRequest = copy instanceof Request;
      const [a, b] = await Promise.all([req.text(), copy.text()]);
      extra.copy = { method: copy.method, url: copy.url, text: b, bodyUsed: copy.bodyUsed };
      view.body = a;
      break;
    }
    case "pass": {
      const r = new Request(req);
      extra.passed = { ...head(r), text: await r.text() };
      extra.originalBodyUsed = req.bodyUsed;
      break;
    }
    case "pass-init": {
      const r = new Request(req, { headers: { "x-added": "1" } });
      extra.passed = { ...head(r), text: await r.text() };
      break;
    }
    case "pass-url": {
      // The usual proxy: the same request to another URL.
      const r = new Request(upstream ?? "http://invalid.test/", req);
      extra.passed = { ...head(r), url: "<upstream>", text: await r.text() };
      break;
    }
    case "fetch": {
      // Forwarded as received to a local upstream that echoes what it got.
      const res = await fetch(new Request(upstream!, req));
      extra.upstream = await res.json();
      break;
    }
    case "fetch-direct": {
      // fetch(req) itself: the client sent this request with the upstream as its Host.
      const res = await fetch(req);
      extra.upstream = await res.json();
      break;
    }
    case "signal":
      extra.signal = { aborted: req.signal.aborted, isSignal: req.signal instanceof AbortSignal };
      break;
    default:
      throw new Error(`unknown probe op ${op}`);
  }
  view.bodyUsedAfter = req.bodyUsed;
  if (op !== "describe" && op !== "signal" && !op.startsWith("pass") && !op.startsWith("fetch")) {
    view.again = await again(req);
  }
  view.extra = extra;
  return view;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const enc = new TextEncoder();

/** The response kinds the probe can return (`x-probe: respond <kind>`). */
export const RESPONSES: Record<string, () => Response> = {
  string: () => new Response("héllo"),
  arraybuffer: () => new Response(enc.encode("ab-body").buffer),
  dataview: () => {
    const all = enc.encode("xxDATAVIEWxx");
    return new Response(new DataView(all.buffer, 2, 8));
  },
  "typed-offset": () => {
    const all = enc.encode("..typed-offset..");
    return new Response(all.subarray(2, 14));
  },
  uint16: () => new Response(new Uint16Array([0x6968, 0x2121])),
  blob: () => new Response(new Blob(["blob-", enc.encode("body")], { type: "text/x-blob" })),
  formdata: () => {
    const fd = new FormData();
    fd.append("a", "1");
    return new Response(fd);
  },
  urlsearchparams: () => new Response(new URLSearchParams({ q: "a b", r: "ü" })),
  stream: () =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(enc.encode("one,"));
          c.enqueue(new Uint8Array(enc.encode("..two,..").buffer, 2, 4));
          c.enqueue(enc.encode("three"));
          c.close();
        },
      }),
    ),
  json: () => Response.json({ a: [1, "two"] }, { status: 201, headers: { "x-j": "1" } }),
  redirect: () => Response.redirect("http://example.com/next", 307),
  error: () => Response.error(),
  "204": () => new Response(null, { status: 204 }),
  "204-body": () => new Response("", { status: 204 }),
  "304": () => new Response(null, { status: 304, headers: { etag: '"x"' } }),
  cookies: () => {
    const h = new Headers();
    h.append("set-cookie", "a=1; Path=/");
    h.append("set-cookie", "b=2; HttpOnly");
    h.append("x-multi", "1");
    h.append("x-multi", "2");
    return new Response("c", { headers: h });
  },
  "stream-error": () => {
    let n = 0;
    return new Response(
      new ReadableStream({
        pull(c) {
          if (n++ === 0) c.enqueue(enc.encode("half"));
          else c.error(new Error("probe stream failed half-way"));
        },
      }),
    );
  },
  empty: () => new Response(null),
  "status-text": () => new Response("t", { status: 299, statusText: "Custom Reason" }),
};

/**
 * The probe handler. `upstream` is the URL of a local server that echoes
 * what it receives (for the `fetch` and `pass-url` ops).
 */
export function probe(upstream: string | null): (req: Request) => Promise<Response> {
  return async (req) => {
    const op = req.headers.get("x-probe") ?? "describe";
    if (op.startsWith("respond ")) {
      const make = RESPONSES[op.slice(8)];
      if (make === undefined) return new Response("no such response kind", { status: 400 });
      return make();
    }
    let view: View;
    try {
      view = await readAs(op, req, upstream);
    } catch (err) {
      view = { ...safeHead(req), error: `${errName(err)}: ${err instanceof Error ? err.message : err}` };
    }
    return new Response(JSON.stringify(view), { headers: { "content-type": "application/json" } });
  };
}

function safeHead(req: Request): View {
  try {
    return { method: req.method, url: req.url };
  } catch {
    return {};
  }
}
