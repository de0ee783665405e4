/**
 * Where triloop's engines answer differently from a runtime's own server,
 * as data with the reason. The kernel follows RFC 9110/9112 and the WHATWG
 * Fetch and URL standards where the runtimes disagree with them or with each
 * other; triloop's native engine is the runtime's own server underneath, so
 * it shares most of that server's answers and differs where it was made to
 * behave as the kernel does.
 *
 * The oracle on Node is node:http through @hono/node-server (the Request and
 * Response classes it installs), on Bun `Bun.serve`, on Deno `Deno.serve`.
 *
 * @module
 */

import type { RuntimeId } from "../conformance/skips.ts";

/** One recorded difference. */
export interface Difference {
  runtimes: RuntimeId[] | "all";
  engines: Array<"kernel" | "native">;
  /** The cases it covers (by name). */
  cases: RegExp;
  /** The compared fields it covers (paths such as `0.view.url`). */
  paths: RegExp;
  reason: string;
  /** Set when the difference depends on timing and may not show in every run. */
  sometimes?: boolean;
}

const BOTH: Array<"kernel" | "native"> = ["kernel", "native"];
const NODES: RuntimeId[] = ["node", "node24"];
const ANY = /./;
const URL_FIELD = /^0\.view\.url$/;
const FRAMING = /^0\.(framing|length)$/;

export const differences: Difference[] = [
  // ---- the request URL (core/server/request-url.ts) -------------------------
  {
    runtimes: ["deno"],
    engines: BOTH,
    cases:
      /^url: (origin-form with (dot segments|bytes URLs percent-encode|a backslash)|absolute-form with another|uppercase Host|authority-form)/,
    paths: URL_FIELD,
    reason: "Deno.serve's request.url is the Host and the target as they came, not a serialized URL: no " +
      "dot-segment removal, no percent-encoding, no lowercase host or default-port removal; triloop " +
      "serializes it as the URL standard does, the same on every runtime",
  },
  {
    runtimes: ["node"],
    engines: BOTH,
    cases: /^url: origin-form with bytes URLs percent-encode$/,
    paths: URL_FIELD,
    reason: "Node 20's URL parser does not percent-encode ^ in a path; the URL standard does since 2025 " +
      "(whatwg/url#846, nodejs/node#57313), as Node 24 and Bun do",
  },
  {
    runtimes: ["bun"],
    engines: ["kernel"],
    cases: /^url: (absolute-form|authority-form)/,
    paths: URL_FIELD,
    reason: "Bun.serve takes the host from the Host field even for an absolute-form target (RFC 9112 " +
      "§3.2.2: the target's authority wins) and gives CONNECT its bare authority as url, not a URL",
  },
  {
    runtimes: NODES,
    engines: ["kernel"],
    cases: /^url: authority-form \(CONNECT\)$/,
    paths: ANY,
    reason: "node:http hands CONNECT to its 'connect' event, never to the request handler, and drops the " +
      "connection when nobody listens; the kernel gives the handler a Request (http://host:port/)",
  },
  {
    runtimes: [...NODES, "bun"],
    engines: ["kernel"],
    cases: /^url: asterisk-form/,
    paths: ANY,
    reason:
      "@hono/node-server and Bun.serve answer OPTIONS * with 400 (they make no URL of it); the kernel " +
      "gives the handler http://host/*, as Deno.serve does",
  },
  {
    runtimes: NODES,
    engines: ["native"],
    cases: /^url: asterisk-form/,
    paths: ANY,
    reason: "the native engine on Node makes the kernel's URL of OPTIONS * (http://host/*) where " +
      "@hono/node-server answers 400",
  },
  {
    runtimes: ["deno"],
    engines: ["kernel"],
    cases: /^url: asterisk-form/,
    paths: /^0\.view\.hasBody$/,
    reason: "Deno.serve gives OPTIONS * a body stream though no body was sent",
  },
  {
    runtimes: NODES,
    engines: BOTH,
    cases: /^url: origin-form with a backslash$/,
    paths: ANY,
    reason: "@hono/node-server answers 400 to a target with a backslash; the URL standard reads \\ as / " +
      "in an http URL, and so does triloop",
  },
  {
    runtimes: "all",
    engines: ["kernel"],
    cases: /^url: origin-form with raw UTF-8 bytes$/,
    paths: ANY,
    reason: "the kernel refuses bytes above 0x7E in the request-target with 400 (RFC 9112 §3.2 with RFC " +
      "3986 allows only ASCII there, and parsers that accept more split such lines differently); " +
      "node:http refuses them too, Bun.serve and Deno.serve percent-encode or keep them",
  },
  {
    runtimes: NODES,
    engines: ["native"],
    cases: /^url: origin-form with raw UTF-8 bytes$/,
    paths: ANY,
    reason: "node:http refuses bytes above 0x7E in the target with an empty 400; the native engine's 400 " +
      "has the kernel's text body",
  },
  {
    runtimes: "all",
    engines: ["kernel"],
    cases: /^(url: empty Host|HTTP\/1\.0 without Host)$/,
    paths: URL_FIELD,
    reason: "a request with no Host, or an empty one, is named by the address and port it reached " +
      "(http://127.0.0.1:PORT/); @hono/node-server leaves out the port, Deno.serve says localhost, " +
      "Bun.serve gives a relative url",
  },
  {
    runtimes: [...NODES, "bun"],
    engines: ["native"],
    cases: /^(url: empty Host|HTTP\/1\.0 without Host)$/,
    paths: URL_FIELD,
    reason: "the native engine names a request without Host as the kernel does (http://127.0.0.1:PORT/)",
  },
  // ---- request bodies -------------------------------------------------------
  {
    runtimes: ["bun"],
    engines: ["kernel"],
    cases: /^blob: POST/,
    paths: /^0\.view\.body\.type$/,
    reason: "Bun's Request.blob() leaves the Blob's type empty; the Fetch standard gives it the " +
      "Content-Type's MIME type, as the kernel does",
  },
  {
    runtimes: ["bun"],
    engines: ["kernel"],
    cases: /^(pass-url|fetch): DELETE/,
    paths: /^0\.view\.bodyUsedAfter$/,
    reason: "after new Request(url, req) took req's body, Bun reports req.bodyUsed false; in the Fetch " +
      "standard the taken body is disturbed (true), as on Node and in the kernel",
  },
  {
    runtimes: ["deno"],
    engines: ["kernel"],
    cases: /^(pass-url|fetch): DELETE, length body, whole$/,
    paths: /^0\.view\.bodyUsedAfter$/,
    reason: "after new Request(url, req) took a body Deno already holds whole, Deno reports req.bodyUsed " +
      "false; in the Fetch standard the taken body is disturbed (true), as on Node and in the kernel",
  },
  {
    runtimes: ["deno"],
    engines: ["kernel"],
    cases: /^fetch: DELETE, length body, whole$/,
    paths: /^0\.view\.extra\.upstream\.headers/,
    reason: "Deno's fetch forwards the body of its own server's request with Content-Length; a request " +
      "made from the kernel's passes it through a stream, which Deno's fetch sends chunked",
  },
  {
    runtimes: ["deno"],
    engines: BOTH,
    cases: /^(pass-url|fetch): DELETE, length body, (head-then-body|bytewise)$/,
    paths: /^0\.view\.(bodyUsedAfter|extra\.upstream\.headers)/,
    reason: "when the body reached Deno.serve before the handler passed the request on, Deno treats " +
      "it as held whole (the two differences above); when it had not, Deno streams it as the engines do",
    sometimes: true,
  },
  {
    runtimes: ["bun"],
    engines: ["kernel"],
    cases: /^text: POST with an empty body$/,
    paths: ANY,
    reason: "Bun.serve gives a request with Content-Length: 0 a null body; the kernel gives it an empty " +
      "body, as node:http and Deno.serve do",
  },
  {
    runtimes: [...NODES, "deno"],
    engines: BOTH,
    cases: /^fetch\(req\) itself/,
    paths: ANY,
    reason: "the runtime's own fetch refuses the request its own server made (on Node the request of " +
      "@hono/node-server, on Deno a request whose body Deno.serve holds: 'Blob URL fetch only supports " +
      "GET method'); triloop's fetch takes its requests (G2)",
  },
  // ---- responses --------------------------------------------------------------
  {
    runtimes: NODES,
    engines: BOTH,
    cases:
      /^response: (arraybuffer|dataview|typed-offset|uint16|blob|blob to HEAD|stream|stream to HEAD|string|string to HEAD|cookies|status-text)$/,
    paths: /^0\.headers/,
    reason: "@hono/node-server writes text/plain; charset=UTF-8 for a body without Content-Type and over " +
      "a Blob's type; the Fetch standard gives bytes and streams no type, a Blob its own and a string " +
      "text/plain;charset=UTF-8, which is what triloop sends",
  },
  {
    runtimes: ["bun"],
    engines: ["kernel"],
    cases:
      /^response: (arraybuffer|dataview|typed-offset|uint16|string|cookies|status-text|json|json to HEAD)$/,
    paths: /^0\.headers/,
    reason: "Bun.serve adds application/octet-stream to byte bodies, ;charset=utf-8 to Response.json, and " +
      "lowercases charset=UTF-8; the kernel sends the Content-Type the Response holds (Fetch §6.4)",
  },
  {
    runtimes: ["bun"],
    engines: ["kernel"],
    cases: /^response: (string|blob) to HEAD$/,
    paths: /^0\.headers/,
    reason: "RFC 9110 §9.3.2: a HEAD response carries the fields a GET would; Bun.serve leaves out " +
      "its Content-Type",
  },
  {
    runtimes: NODES,
    engines: ["native"],
    cases: /^response: (stream|formdata|stream to HEAD)$/,
    paths: FRAMING,
    reason: "the native engine on Node reads a body until the next macrotask and sends what is complete " +
      "by then with Content-Length (adapters/node/_write-response.ts); @hono/node-server sends streams " +
      "chunked",
  },
  {
    runtimes: ["node24"],
    engines: ["native"],
    cases: /^response: blob( to HEAD)?$/,
    paths: FRAMING,
    reason: "Node 24's Blob stream yields only after a macrotask, so the native engine sends a Blob " +
      "chunked (or, for HEAD, without a length)",
    sometimes: true,
  },
  {
    runtimes: ["bun"],
    engines: ["kernel"],
    cases: /^response: (stream|formdata)$/,
    paths: FRAMING,
    reason: "Bun.serve buffers a stream body that is already complete and sends it with Content-Length; " +
      "the kernel sends a stream chunked, as it comes",
  },
  {
    runtimes: ["deno"],
    engines: ["kernel"],
    cases: /^response: blob( to HEAD)?$/,
    paths: FRAMING,
    reason: "the kernel sends a Blob with its size as Content-Length (for HEAD too); Deno.serve sends it " +
      "chunked",
  },
  {
    runtimes: NODES,
    engines: BOTH,
    cases: /^response: (empty|redirect)$/,
    paths: FRAMING,
    reason: "a null body goes out with Content-Length: 0; @hono/node-server sends it chunked",
  },
  {
    runtimes: NODES,
    engines: BOTH,
    cases: /^response: 204-body$/,
    paths: ANY,
    reason: "new Response('', { status: 204 }) throws (Fetch: a null-body status has no body), so the " +
      "handler failed and triloop answers 500, as Deno.serve does; @hono/node-server's Response does not " +
      "check and sends 204",
  },
  {
    runtimes: ["deno"],
    engines: BOTH,
    cases: /^response: 204-body$/,
    paths: /^0\.headers/,
    reason: "Deno.serve's 500 for a failed handler has no Content-Type; triloop's is text/plain",
  },
  {
    runtimes: "all",
    engines: BOTH,
    cases: /^response: error$/,
    paths: ANY,
    reason: "Response.error() is a network error with no status to send: triloop answers it as a failed " +
      "handler (500, text/plain, onError told); Deno.serve's 500 has no body type, Bun.serve's is an " +
      "HTML page, @hono/node-server sends the error's message chunked",
  },
];

/**
 * Native engines that cannot tell `onError` of a response stream that fails
 * after its head went out, and why.
 */
export const streamErrorsUnreported: Partial<Record<RuntimeId, string>> = {
  bun: "Bun.serve reads the response stream itself and logs its failure in its own format; the native " +
    "engine would have to wrap every stream body to see it",
  deno: "Deno.serve tells a failed response stream to its own onError, without the request; the native " +
    "engine logs it there and counts it, but has no Request to pass to the server's onError",
};
