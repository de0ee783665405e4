/**
 * Turns a `Response` into HTTP/1.1 bytes: the head, then the body in the
 * framing it needs. Pure serialization — when and where the bytes go is the
 * connection's business (`http-conn.ts`).
 *
 * Same bytes on every runtime (H1): header names go out lowercase, in the
 * order the Fetch spec gives for a `Headers` (sorted by name; Bun iterates in
 * insertion order, so we sort ourselves), or in the order of a plain init
 * object; framing headers (`content-length`, `transfer-encoding`,
 * `connection`, `date`) are always ours.
 *
 * @module
 */

import { LightResponse, realResponse } from "../fetch/light-response.ts";
import type { OutBuffer } from "./out-buffer.ts";

const encoder = new TextEncoder();
const TEXT_PLAIN = "text/plain;charset=UTF-8";
const FORM_URLENCODED = "application/x-www-form-urlencoded;charset=UTF-8";

const REASONS: Record<number, string> = {
  100: "Continue",
  101: "Switching Protocols",
  102: "Processing",
  103: "Early Hints",
  200: "OK",
  201: "Created",
  202: "Accepted",
  203: "Non-Authoritative Information",
  204: "No Content",
  205: "Reset Content",
  206: "Partial Content",
  207: "Multi-Status",
  208: "Already Reported",
  226: "IM Used",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  305: "Use Proxy",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  418: "I'm a Teapot",
  421: "Misdirected Request",
  422: "Unprocessable Content",
  423: "Locked",
  424: "Failed Dependency",
  425: "Too Early",
  426: "Upgrade Required",
  428: "Precondition Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  451: "Unavailable For Legal Reasons",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
  506: "Variant Also Negotiates",
  507: "Insufficient Storage",
  508: "Loop Detected",
  510: "Not Extended",
  511: "Network Authentication Required",
};

/** Status lines, built once per status code. */
const statusLines = new Map<number, string>();

function statusLine(status: number, statusText: string): string {
  if (statusText !== "") return `HTTP/1.1 ${status} ${safeReason(statusText)}\r\n`;
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

function safeReason(text: string): string {
  // reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 9112 §4)
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(text) ? text : "Unknown";
}

let dateSecond = -1;
let dateLine = "";

/**
 * The `date` line, rebuilt at most once a second (formatting a date costs
 * more than the rest of a small head).
 */
export function dateHeader(): string {
  const now = Date.now();
  const second = (now / 1000) | 0;
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `date: ${new Date(second * 1000).toUTCString()}\r\n`;
  }
  return dateLine;
}

/** Fields we always write ourselves, so the framing is never the handler's to get wrong. */
function isFramingField(name: string): boolean {
  switch (name) {
    case "content-length":
    case "transfer-encoding":
    case "connection":
    case "keep-alive":
    case "date":
      return true;
  }
  return false;
}

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Raised (as a plain TypeError) for a header a plain init object smuggled in. */
function checkField(name: string, value: string): void {
  if (!TOKEN_RE.test(name)) throw new TypeError(`Invalid header name "${name}"`);
  if (!VALUE_RE.test(value)) throw new TypeError(`Invalid value for header "${name}"`);
}

/** The head fields a response carries, lowercase, in wire order. */
export interface HeadFields {
  /** [name, value, name, value, …] */
  list: string[];
  contentType: boolean;
  /** A content-length the handler declared (for a stream), or -1. */
  declaredLength: number;
  /** The handler asked to close the connection. */
  close: boolean;
}

/** Collects the fields of a Headers object, or of a plain init (object or pairs). */
export function headFields(init: HeadersInit | Headers | undefined): HeadFields {
  const out: HeadFields = { list: [], contentType: false, declaredLength: -1, close: false };
  if (init === undefined || init === null) return out;
  if (init instanceof Headers) {
    const pairs: Array<[string, string]> = [];
    for (const pair of init) pairs.push(pair);
    // Bun iterates Headers in insertion order; the spec sorts. Sort, so the
    // bytes are the same everywhere (a stable sort keeps Set-Cookie order).
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, value] of pairs) addField(out, name, value);
    return out;
  }
  const entries: Iterable<[string, string]> | Array<[string, string]> = Array.isArray(init)
    ? (init as Array<[string, string]>)
    : Object.entries(init as Record<string, string>);
  for (const [rawName, rawValue] of entries) {
    const name = String(rawName).toLowerCase();
    const value = String(rawValue).trim();
    checkField(name, value);
    addField(out, name, value);
  }
  return out;
}

function addField(out: HeadFields, name: string, value: string): void {
  if (isFramingField(name)) {
    if (name === "content-length") out.declaredLength = Number(value);
    else if (name === "connection" && /(^|,)\s*close\s*(,|$)/i.test(value)) out.close = true;
    return;
  }
  if (name === "content-type") out.contentType = true;
  out.list.push(name, value);
}

/** A response with its body kind resolved (bytes now, or a stream). */
export interface Resolved {
  status: number;
  statusText: string;
  fields: HeadFields;
  /** Bytes to send, when the body is fixed. */
  bytes: Uint8Array | null;
  /** A stream to send, when it is not. */
  stream: ReadableStream<Uint8Array> | null;
}

/**
 * Reads `res` into a {@link Resolved}: light responses without touching a
 * real Response; string, bytes and URLSearchParams bodies as bytes; Blob,
 * FormData and streams as a stream (with the content type the runtime gives).
 */
export function resolveResponse(res: Response): Resolved {
  const parts = LightResponse.parts(res);
  if (parts !== undefined) {
    const body = parts.body;
    if (
      body === null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer
    ) {
      const fields = headFields(parts.headers);
      let bytes: Uint8Array | null = null;
      if (typeof body === "string") {
        bytes = encoder.encode(body);
        if (!fields.contentType) fields.list.push("content-type", TEXT_PLAIN);
      } else if (body instanceof ArrayBuffer) bytes = new Uint8Array(body);
      else bytes = body;
      return { status: parts.status, statusText: parts.statusText, fields, bytes, stream: null };
    }
    if (body instanceof URLSearchParams) {
      const fields = headFields(parts.headers);
      if (!fields.contentType) fields.list.push("content-type", FORM_URLENCODED);
      return {
        status: parts.status,
        statusText: parts.statusText,
        fields,
        bytes: encoder.encode(body.toString()),
        stream: null,
      };
    }
    if (ArrayBuffer.isView(body)) {
      const fields = headFields(parts.headers);
      const view = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      return { status: parts.status, statusText: parts.statusText, fields, bytes: view, stream: null };
    }
  }
  // Everything else through a real Response: it knows Blob types, FormData
  // boundaries and stream bodies.
  const r = realResponse(res);
  const fields = headFields(r.headers);
  if (r.body === null) {
    return { status: r.status, statusText: r.statusText, fields, bytes: null, stream: null };
  }
  return { status: r.status, statusText: r.statusText, fields, bytes: null, stream: r.body };
}

/** True for statuses that never carry a body (RFC 9110 §6.4.1). */
export function bodyless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/**
 * Appends the head to `out`. `length` is the body length, -1 for chunked, or
 * below -1 for no framing field (a body that ends with the connection, or a
 * HEAD response of unknown length); `keepAlive` decides the connection
 * field; `http10` its keep-alive form.
 */
export function writeHead(
  out: OutBuffer,
  r: Resolved,
  length: number,
  keepAlive: boolean,
  http10: boolean,
): void {
  let head = statusLine(r.status, r.statusText);
  const list = r.fields.list;
  for (let i = 0; i < list.length; i += 2) head += `${list[i]}: ${list[i + 1]}\r\n`;
  head += dateHeader();
  if (!bodyless(r.status)) {
    if (length >= 0) head += `content-length: ${length}\r\n`;
    else if (length === -1) head += "transfer-encoding: chunked\r\n";
  }
  if (!keepAlive) head += "connection: close\r\n";
  else if (http10) head += "connection: keep-alive\r\n";
  out.text(head + "\r\n");
}

/** Appends a small error response (for parse failures, timeouts, 500s) that closes the connection. */
export function writeErrorResponse(out: OutBuffer, status: number): void {
  const body = `${status} ${REASONS[status] ?? "Error"}`;
  out.text(
    `${
      statusLine(status, "")
    }content-type: ${TEXT_PLAIN}\r\n${dateHeader()}content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
  );
}
