import { describe, expect, it } from "vitest";
import { LightResponse, NativeResponse, realResponse } from "../../core/fetch/light-response.ts";
import { LazyRequest, type RequestSource } from "../../core/fetch/lazy-request.ts";
import { resolveResponse } from "../../core/server/respond.ts";

const R = LightResponse as unknown as typeof Response;

describe("LightResponse", () => {
  it("keeps its parts without building a real Response", () => {
    const res = new R("hi", { status: 201, headers: { "x-a": "1" } });
    expect(LightResponse.parts(res)).toEqual({
      body: "hi",
      status: 201,
      statusText: "",
      headers: { "x-a": "1" },
    });
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
  });

  it("plainInto: status, status text and body of new Response(text) with no fields of its own", () => {
    const plain = (res: unknown) => {
      const out = { status: -1, statusText: "-", text: null as string | null };
      return LightResponse.plainInto(res, out)
        ? out
        : out.status === -1 && out.text === null
        ? undefined
        : out;
    };
    expect(plain(new R("hi"))).toEqual({ status: 200, statusText: "", text: "hi" });
    expect(plain(new R("", { status: 404, statusText: "Nope" }))).toEqual({
      status: 404,
      statusText: "Nope",
      text: "",
    });
    expect(plain(new R("x", { status: 201 }))).toEqual({ status: 201, statusText: "", text: "x" });
    // Anything else: false, and `out` untouched (undefined above).
    expect(plain(new R("hi", { headers: { "x-a": "1" } }))).toBeUndefined();
    expect(plain(new R("hi", { headers: {} }))).toBeUndefined();
    expect(plain(new R(new Uint8Array(1)))).toBeUndefined();
    expect(plain(new R(null))).toBeUndefined();
    expect(plain(new NativeResponse("hi"))).toBeUndefined();
    expect(plain({ status: 200 })).toBeUndefined();
    const touched = new R("hi");
    void touched.headers; // may be changed by the caller now: not plain any more
    expect(plain(touched)).toBeUndefined();
    const real = new R("hi");
    realResponse(real);
    expect(plain(real)).toBeUndefined();
  });

  it("is a Response for instanceof, both ways", () => {
    expect(new R("x") instanceof NativeResponse).toBe(true);
    expect(new NativeResponse("x") instanceof R).toBe(true);
    expect(R.json({ a: 1 }) instanceof NativeResponse).toBe(true);
  });

  it("infers the content type a real Response would", () => {
    expect(new R("x").headers.get("content-type")).toBe("text/plain;charset=UTF-8");
    expect(new R(new URLSearchParams("a=1")).headers.get("content-type")).toContain("x-www-form-urlencoded");
    expect(new R(new Uint8Array(1)).headers.get("content-type")).toBeNull();
  });

  it("builds a real Response for everything else, once, with header changes kept", async () => {
    const res = new R("body", { headers: { "x-a": "1" } });
    res.headers.set("x-b", "2");
    expect(await res.clone().text()).toBe("body");
    expect(LightResponse.parts(res)).toBeUndefined();
    expect(realResponse(res).headers.get("x-b")).toBe("2");
    expect(await res.text()).toBe("body");
    expect(res.bodyUsed).toBe(true);
  });

  it("takes another Response as its init when it builds the real one (Hono's HEAD)", () => {
    const inner = new R("hi", { status: 202, statusText: "Took", headers: { "x-a": "1" } });
    const real = realResponse(new R(null, inner));
    expect(real.status).toBe(202);
    expect(real.statusText).toBe("Took");
    expect(real.headers.get("x-a")).toBe("1");
    expect(real.headers.get("content-type")).toBe("text/plain;charset=UTF-8");
  });

  it("throws the runtime's TypeError for a body with a null-body status", () => {
    expect(() => new R("", { status: 204 })).toThrow(TypeError);
    expect(() => new R("x", { status: 304 })).toThrow(TypeError);
    expect(new R(null, { status: 204 }).status).toBe(204);
  });

  it("throws the runtime's RangeError for a bad status", () => {
    expect(() => new R("x", { status: 99 })).toThrow(RangeError);
  });
});

function source(over: Partial<RequestSource> = {}): RequestSource {
  return {
    method: "POST",
    url: () => "http://h/p?q=1",
    headers: () => new Headers({ host: "h", "content-type": "text/plain" }),
    bufferedBody: () => new TextEncoder().encode("hello"),
    hasBody: () => true,
    bodyStream: () =>
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("stream"));
          c.close();
        },
      }),
    signal: () => new AbortController().signal,
    ...over,
  };
}

describe("LazyRequest", () => {
  it("answers method and url without headers or body", () => {
    let touched = 0;
    const req = new LazyRequest(source({ headers: () => (touched++, new Headers()) })) as unknown as Request;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("http://h/p?q=1");
    expect(touched).toBe(0);
    expect(req instanceof Request).toBe(true);
  });

  it("reads a complete body without a stream, once", async () => {
    const req = new LazyRequest(source()) as unknown as Request;
    expect(await req.text()).toBe("hello");
    expect(req.bodyUsed).toBe(true);
    await expect(req.text()).rejects.toThrow(TypeError);
  });

  it("streams when the body is not complete", async () => {
    const req = new LazyRequest(source({ bufferedBody: () => undefined })) as unknown as Request;
    expect(await req.text()).toBe("stream");
  });

  it("builds a real Request for the rest (clone, formData, cache …)", async () => {
    const req = new LazyRequest(source({ bufferedBody: () => undefined })) as unknown as Request;
    expect(req.cache).toBe("default");
    const copy = req.clone();
    expect(await copy.text()).toBe("stream");
  });
});

describe("resolveResponse", () => {
  it("sends Headers in spec order (sorted) with every set-cookie kept", () => {
    const h = new Headers();
    h.append("x-b", "2");
    h.append("set-cookie", "a=1");
    h.append("x-a", "1");
    h.append("set-cookie", "b=2");
    const r = resolveResponse(new R("x", { headers: h }));
    expect(r.fields.list).toEqual([
      "set-cookie",
      "a=1",
      "set-cookie",
      "b=2",
      "x-a",
      "1",
      "x-b",
      "2",
      "content-type",
      "text/plain;charset=UTF-8",
    ]);
  });

  it("keeps framing headers for itself", () => {
    const r = resolveResponse(
      new R("x", { headers: { "content-length": "99", connection: "close", "transfer-encoding": "gzip" } }),
    );
    expect(r.fields.list).toEqual(["content-type", "text/plain;charset=UTF-8"]);
    expect(r.fields.close).toBe(true);
    expect(r.text).toBe("x");
  });

  it("rejects header injection from a plain init object", () => {
    expect(() => resolveResponse(new R("x", { headers: { "x-a": "1\r\nx-evil: 1" } }))).toThrow(
      /Invalid value/,
    );
    expect(() => resolveResponse(new R("x", { headers: { "bad name": "1" } }))).toThrow(
      /Invalid header name/,
    );
  });

  it("streams Blob, FormData and stream bodies with the runtime's content type", () => {
    const blob = resolveResponse(new R(new Blob(["abc"], { type: "text/csv" })));
    expect(blob.stream).not.toBeNull();
    expect(blob.fields.list).toContain("text/csv");
    const form = new FormData();
    form.set("a", "1");
    const f = resolveResponse(new R(form));
    expect(f.fields.list.find((v) => v.startsWith("multipart/form-data; boundary="))).toBeDefined();
  });
});
