/**
 * The fidelity cases: raw requests, how they are cut into reads, and what is
 * compared — the handler's view of the request (`view`: the probe's JSON) or
 * the response as the client gets it (`wire`).
 *
 * @module
 */

import type { Split } from "./_harness.ts";

/** Ports a case's bytes may name. */
export interface Ports {
  /** The server under test. */
  server: number;
  /** The echoing upstream. */
  upstream: number;
}

/** One case. */
export interface Case {
  name: string;
  raw(ports: Ports): Buffer;
  split: Split;
  compare: "view" | "wire";
  /** Responses to read (pipelined requests). */
  count?: number;
  head?: boolean;
}

const CRLF = "\r\n";

function request(
  method: string,
  target: string,
  fields: Array<[string, string]>,
  body?: string | Buffer,
  framing: "length" | "chunked" = "length",
): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, ...fields.map(([n, v]) => `${n}: ${v}`)];
  const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (bytes !== undefined) {
    if (framing === "length") lines.push(`Content-Length: ${bytes.length}`);
    else lines.push("Transfer-Encoding: chunked");
  }
  const head = Buffer.from(lines.join(CRLF) + CRLF + CRLF, "latin1");
  if (bytes === undefined) return head;
  if (framing === "length") return Buffer.concat([head, bytes]);
  // Two chunks (when there is more than a byte), so a read may end inside one.
  const half = Math.max(1, bytes.length >> 1);
  const parts = bytes.length > 1 ? [bytes.subarray(0, half), bytes.subarray(half)] : [bytes];
  const chunks = parts.map((p) =>
    Buffer.concat([Buffer.from(p.length.toString(16) + CRLF), p, Buffer.from(CRLF)])
  );
  return Buffer.concat([head, ...chunks, Buffer.from("0" + CRLF + CRLF)]);
}

// One Host for every server: their views then compare as they are.
const host = (_p: Ports): [string, string] => ["Host", "fidelity.test:8080"];
const close: [string, string] = ["Connection", "close"];

const JSON_BODY = JSON.stringify({ a: 1, b: ["x", "é"], c: null });
const BINARY = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80, 13, 10, 13, 10, 0x41]);
const BOUNDARY = "----triloopBoundary7MA4YWxkTrZu0gW";
const MULTIPART = Buffer.concat([
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue é\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
  ),
  BINARY,
  Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
]);

/** Body-reading ops with the body each reads, and its content type. */
const BODY_OPS: Array<[op: string, body: string | Buffer, type: string]> = [
  ["arrayBuffer", BINARY, "application/octet-stream"],
  ["bytes", "hello", "text/plain"],
  ["text", "héllo wörld", "text/plain;charset=utf-8"],
  ["json", JSON_BODY, "application/json"],
  ["blob", BINARY, "application/x-custom"],
  ["formData", "a=1&b=%C3%A9+x&a=2", "application/x-www-form-urlencoded"],
  ["formData", MULTIPART, `multipart/form-data; boundary=${BOUNDARY}`],
  ["stream", BINARY, "application/octet-stream"],
  ["clone", "cloned body", "text/plain"],
  ["pass", "passed body", "text/plain"],
  ["pass-init", "passed with init", "text/plain"],
  ["pass-url", "passed to a new URL", "text/plain"],
  ["fetch", "forwarded body", "text/plain"],
  ["describe", "unread body", "text/plain"],
  ["signal", "x", "text/plain"],
];

function bodyCases(): Case[] {
  const out: Case[] = [];
  for (const [op, body, type] of BODY_OPS) {
    const kind = type.startsWith("multipart") ? " multipart" : "";
    for (const framing of ["length", "chunked"] as const) {
      for (const split of ["whole", "head-then-body", "bytewise"] as const) {
        // Byte by byte costs a round of the event loop per byte: the ops
        // that assemble a body themselves get it, the rest are covered whole.
        if (split === "bytewise" && !["arrayBuffer", "text", "stream", "formData", "clone"].includes(op)) {
          continue;
        }
        const method = op.startsWith("pass") || op === "fetch" ? "DELETE" : "POST";
        out.push({
          name: `${op}${kind}: ${method}, ${framing} body, ${split}`,
          raw: (p) =>
            request(
              method,
              "/body?op=1",
              [host(p), close, ["X-Probe", op], ["Content-Type", type]],
              body,
              framing,
            ),
          split,
          compare: "view",
        });
      }
    }
  }
  // The same ops on a request without a body.
  for (const op of ["arrayBuffer", "text", "stream", "clone", "pass", "describe", "blob"]) {
    out.push({
      name: `${op}: GET without a body`,
      raw: (p) => request("GET", "/nobody", [host(p), close, ["X-Probe", op]]),
      split: "whole",
      compare: "view",
    });
  }
  out.push({
    name: "text: POST with an empty body",
    raw: (p) => request("POST", "/empty", [host(p), close, ["X-Probe", "text"]], ""),
    split: "whole",
    compare: "view",
  });
  out.push({
    name: "fetch(req) itself, to the upstream named by Host",
    raw: (p) =>
      request(
        "PUT",
        "/direct?q=1",
        [["Host", `127.0.0.1:${p.upstream}`], close, ["X-Probe", "fetch-direct"], ["X-Custom", "kept"]],
        "direct body",
      ),
    split: "whole",
    compare: "view",
  });
  // Pipelined: the body of the first must not see the second request's bytes.
  out.push({
    name: "arrayBuffer: two pipelined POSTs in one read",
    raw: (p) =>
      Buffer.concat([
        request("POST", "/one", [host(p), ["X-Probe", "arrayBuffer"]], "first"),
        request("POST", "/two", [host(p), close, ["X-Probe", "arrayBuffer"]], "second"),
      ]),
    split: "whole",
    compare: "view",
    count: 2,
  });
  return out;
}

/** Request-target forms (RFC 9112 §3.2) and what url they make. */
const TARGETS: Array<[name: string, method: string, target: string, host: string | null]> = [
  ["origin-form", "GET", "/p/q?x=1&y=%20z", "H"],
  ["origin-form with dot segments", "GET", "/a/./b/../c/%2e%2E/d", "H"],
  ["origin-form with bytes URLs percent-encode", "GET", "/a|b{c}^`/q?k='v'\"", "H"],
  ["origin-form with percent-encoded UTF-8", "GET", "/caf%C3%A9/%E2%82%AC?q=%C3%BC", "H"],
  ["origin-form with raw UTF-8 bytes", "GET", "/caf\u00c3\u00a9", "H"],
  ["origin-form starting with two slashes", "GET", "//evil.test/x", "H"],
  ["origin-form with a backslash", "GET", "/a\\b", "H"],
  ["absolute-form with another host than Host", "GET", "http://other.test:80/x/../y?q=%41", "H"],
  ["absolute-form https", "GET", "https://secure.test/s", "H"],
  ["authority-form (CONNECT)", "CONNECT", "tunnel.test:443", "tunnel.test:443"],
  ["asterisk-form (OPTIONS *)", "OPTIONS", "*", "H"],
  ["uppercase Host with the default port", "GET", "/u", "UPPER.TEST:80"],
  ["IPv6 Host", "GET", "/v6", "[::1]:8080"],
  ["empty Host", "GET", "/e", ""],
];

function targetCases(): Case[] {
  return TARGETS.map(([name, method, target, h]) => ({
    name: `url: ${name}`,
    raw: (p: Ports) => {
      const fields: Array<[string, string]> = [close, ["X-Probe", "describe"]];
      if (h !== null) fields.unshift(h === "H" ? host(p) : ["Host", h]);
      return request(method, target, fields);
    },
    split: "whole" as const,
    compare: "view" as const,
  }));
}

function headerCases(): Case[] {
  return [
    {
      name: "headers: order, case, repeated fields and Set-Cookie",
      raw: (p) =>
        request("GET", "/h", [
          host(p),
          close,
          ["X-Probe", "describe"],
          ["X-Zeta", "last"],
          ["x-alpha", "1"],
          ["X-ALPHA", "2"],
          ["Set-Cookie", "a=1"],
          ["set-cookie", "b=2"],
          ["Cookie", "c=3; d=4"],
          ["Accept", "text/html"],
          ["accept", "application/json"],
          ["X-Empty", ""],
          ["X-Spaces", "  padded  "],
          ["X-Latin1", "caf\u00e9"],
        ]),
      split: "whole",
      compare: "view",
    },
    {
      name: "HTTP/1.0 without Host",
      raw: () => Buffer.from("GET /old HTTP/1.0\r\nX-Probe: describe\r\n\r\n"),
      split: "whole",
      compare: "view",
    },
  ];
}

function responseCases(kinds: string[]): Case[] {
  const out: Case[] = [];
  for (const kind of kinds) {
    out.push({
      name: `response: ${kind}`,
      raw: (p) => request("GET", "/r", [host(p), close, ["X-Probe", `respond ${kind}`]]),
      split: "whole",
      compare: "wire",
    });
  }
  for (const kind of ["string", "stream", "blob", "json"]) {
    out.push({
      name: `response: ${kind} to HEAD`,
      raw: (p) => request("HEAD", "/r", [host(p), close, ["X-Probe", `respond ${kind}`]]),
      split: "whole",
      compare: "wire",
      head: true,
    });
  }
  return out;
}

/** Every case. `responseKinds` are the probe's RESPONSES keys. */
export function cases(responseKinds: string[]): Case[] {
  return [...bodyCases(), ...targetCases(), ...headerCases(), ...responseCases(responseKinds)];
}
