// G1–G4: the globals of `ServeOptions.overrideGlobalObjects`, and the option
// that keeps them the runtime's own. One file, in order: with
// `overrideGlobalObjects: false` first (nothing global may change), then with
// the default (the globals take lazy requests).
import { describe, expect, it } from "vitest";
import { runtime } from "../../adapters/node/mod.ts";

const before = { Request: globalThis.Request, Response: globalThis.Response, fetch: globalThis.fetch };

describe("the globals the fetch bridge installs (G1–G4)", () => {
  it("G4 overrideGlobalObjects: false leaves Request, Response and fetch alone, and hands out native Requests", async () => {
    for (const engine of ["kernel", "native"] as const) {
      const server = await runtime.serve({
        port: 0,
        engine,
        watchdog: false,
        overrideGlobalObjects: false,
        fetch: async (req) => {
          const copy = new Request(req, { headers: { "x-copy": "1" } });
          return new Response(`${req instanceof before.Request} ${copy.method} ${await copy.text()}`);
        },
      });
      const res = await fetch(server.url, { method: "PUT", body: "b" });
      expect(await res.text()).toBe("true PUT b");
      await server.close({ graceMs: 100 });
      expect(globalThis.Request).toBe(before.Request);
      expect(globalThis.Response).toBe(before.Response);
      expect(globalThis.fetch).toBe(before.fetch);
    }
  });

  it("G1 G2 G3 the default installs them: lazy requests pass new Request(), new Request(req, init) and fetch()", async () => {
    const upstream = await runtime.serve({
      port: 0,
      engine: "kernel",
      watchdog: false,
      fetch: async (req) => new Response(`${req.method} ${req.headers.get("x-copy")} ${await req.text()}`),
    });
    const server = await runtime.serve({
      port: 0,
      engine: "kernel",
      watchdog: false,
      fetch: async (req) => {
        const res = await fetch(new Request(upstream.url, new Request(req, { headers: { "x-copy": "2" } })));
        return new Response(`${req instanceof Request} ${await res.text()}`);
      },
    });
    expect(globalThis.Request).not.toBe(before.Request);
    expect(globalThis.Response).not.toBe(before.Response);
    expect(globalThis.fetch).not.toBe(before.fetch);
    // G1: requests made anywhere still pass instanceof, both classes.
    expect(new before.Request("http://x/") instanceof Request).toBe(true);
    expect(new Request("http://x/") instanceof before.Request).toBe(true);
    expect(Request.name).toBe("Request");
    const res = await fetch(server.url, { method: "DELETE", body: "payload" });
    expect(await res.text()).toBe("true DELETE 2 payload");
    await server.close({ graceMs: 100 });
    await upstream.close({ graceMs: 100 });
  });
});
