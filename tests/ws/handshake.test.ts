// WH1–WH4 of core/ws/handshake.ts.
import { describe, expect, it } from "vitest";
import { acceptKey, negotiateDeflate, readUpgrade } from "../../core/ws/handshake.ts";

const good = {
  upgrade: "websocket",
  connection: "keep-alive, Upgrade",
  "sec-websocket-version": "13",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
};

describe("the opening handshake", () => {
  it("WH2 the RFC 6455 §1.3 example key", () => {
    expect(acceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("WH1 a valid request, with its protocols and extensions", () => {
    const r = readUpgrade("GET", 1, new Headers({ ...good, "sec-websocket-protocol": "chat, superchat" }));
    expect(r).toEqual({ key: good["sec-websocket-key"], protocols: ["chat", "superchat"], extensions: null });
  });

  const bad: Array<[string, string, number, Record<string, string>, number?]> = [
    ["POST", "POST", 1, good],
    ["HTTP/1.0", "GET", 0, good],
    ["no Upgrade", "GET", 1, { ...good, upgrade: "h2c" }],
    ["no Connection: upgrade", "GET", 1, { ...good, connection: "keep-alive" }],
    ["version 8", "GET", 1, { ...good, "sec-websocket-version": "8" }, 426],
    ["a short key", "GET", 1, { ...good, "sec-websocket-key": "c2hvcnQ=" }],
  ];
  for (const [what, method, minor, headers, status] of bad) {
    it(`WH1 not an upgrade: ${what}`, () => {
      const r = readUpgrade(method, minor, new Headers(headers));
      expect("key" in r).toBe(false);
      expect((r as { status?: number }).status).toBe(status);
    });
  }
});

describe("permessage-deflate negotiation (WH4)", () => {
  it("the plain offer", () => {
    expect(negotiateDeflate("permessage-deflate")?.response).toBe("permessage-deflate");
  });
  it("window bits and context takeover as asked, and the server's policy", () => {
    const r = negotiateDeflate(
      "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12; server_no_context_takeover",
      { clientNoContextTakeover: true },
    );
    expect(r?.params).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 12,
    });
    expect(r?.response).toBe(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12",
    );
  });
  it("a bad offer is passed over for the next", () => {
    const r = negotiateDeflate(
      "permessage-deflate; server_max_window_bits=20, permessage-deflate; client_max_window_bits",
    );
    expect(r?.response).toBe("permessage-deflate");
  });
  it("declined: unknown parameter, repeated parameter, other extension only", () => {
    expect(negotiateDeflate("permessage-deflate; foo")).toBeNull();
    expect(negotiateDeflate("permessage-deflate; server_no_context_takeover; server_no_context_takeover"))
      .toBeNull();
    expect(negotiateDeflate("x-webkit-deflate-frame")).toBeNull();
    expect(negotiateDeflate(null)).toBeNull();
  });
});
