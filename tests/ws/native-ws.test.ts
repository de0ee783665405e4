// The shared part of the native engines' WebSockets (adapters/_native-ws.ts):
// the bytes a message takes, counted without encoding it (send's return
// value and the stats on Bun and Deno), and the path the watchdog names.
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { NativeWsServer, sizeOf } from "../../adapters/_native-ws.ts";
import { resolveServeOptions } from "../../core/server/serve.ts";

describe("sizeOf", () => {
  it("counts UTF-8 bytes: ASCII, 2- and 3-byte forms, surrogate pairs, lone surrogates", () => {
    for (const s of ["", "abc", "héllo", "€uro", "𝄞 clef", "a\u{10ffff}b", "\ud800x", "x\udc00", "\ud800"]) {
      expect(sizeOf(s), JSON.stringify(s)).toBe(Buffer.byteLength(s, "utf8"));
    }
  });
  it("counts the bytes of binary data", () => {
    expect(sizeOf(new Uint8Array(7))).toBe(7);
    expect(sizeOf(new ArrayBuffer(3))).toBe(3);
    expect(sizeOf(new DataView(new ArrayBuffer(10), 2, 5))).toBe(5);
  });
});

describe("NativeWsServer.prepare", () => {
  const server = new NativeWsServer(resolveServeOptions({
    fetch: () => new Response(""),
    websocket: {
      message() {},
    },
  }));
  const upgrade = (url: string, extra: Record<string, string> = {}) =>
    new Request(url, {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
        ...extra,
      },
    });

  it("WS1 takes the path without the query, for the watchdog's label", () => {
    const up = server.prepare(upgrade("http://h:1/chat/room?x=1"));
    expect(up !== null && up !== 426 && up.path).toBe("/chat/room");
  });
  it("WH1 426 for another version; null for no upgrade", () => {
    expect(server.prepare(upgrade("http://h:1/", { "sec-websocket-version": "12" }))).toBe(426);
    expect(server.prepare(new Request("http://h:1/"))).toBe(null);
  });
  it("WH3 the handler's subprotocol only when offered; its other fields but the server's own", () => {
    const up = server.prepare(upgrade("http://h:1/", { "sec-websocket-protocol": "a,b" }), {
      headers: { "sec-websocket-protocol": "b", "x-one": "1", "sec-websocket-accept": "forged" },
    });
    expect(up !== null && up !== 426 && [up.protocol, up.fields]).toEqual(["b", [["x-one", "1"]]]);
    const not = server.prepare(upgrade("http://h:1/", { "sec-websocket-protocol": "a" }), {
      headers: { "sec-websocket-protocol": "c" },
    });
    expect(not !== null && not !== 426 && not.protocol).toBe("");
  });
});
