/**
 * Turns a `Response` into HTTP/1.1 bytes: the head, then the body in the
 * framing it needs. Pure serialization — when and where the bytes go is the
 * connection's business (`http-conn.ts`).
 *
 * Same bytes on every runtime (H1): header names go out lowercase, in the
 * order the Fetch spec gives for a `Headers` (sorted by name; Bun iterates in
 * insertion order, so we sort ourselves), or in the order of a plain init
 * object; framing headers (`content-length`, `transfer-encoding`,
 * `connection`) are always ours; `date` is added unless the handler set one.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import { LightResponse, realResponse } from "../fetch/light-response.ts";
import { HeadWriter, isFieldValue, isToken, utf8Length } from "../http1/head-writer.ts";
import { reasonOf } from "../http1/status-lines.ts";
import type { OutBuffer } from "./out-buffer.ts";

const encoder = new TextEncoder();
const TEXT_PLAIN = "text/plain;charset=UTF-8";
const FORM_URLENCODED = "application/x-www-form-urlencoded;charset=UTF-8";

/** Fields we always write ourselves, so the framing is never the handler's to get wrong. */
function isFramingField(name: string): boolean {
  switch (name) {
    case "content-length":
    case "transfer-encoding":
    case "connection":
    case "keep-alive":
      return true;
  }
  return false;
}

/** Checks a field from a plain init object (a Headers object has checked its own). */
function checkField(name: string, value: string): void {
  if (!isToken(name)) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `Invalid header name ${JSON.stringify(name)}`);
  }
  if (!isFieldValue(value)) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `Invalid value for header ${JSON.stringify(name)}`);
  }
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

/** The fields of a text response that set none: shared by all of them, never written. */
const TEXT_FIELDS: HeadFields = Object.freeze({
  list: Object.freeze(["content-type", TEXT_PLAIN]) as unknown as string[],
  contentType: true,
  declaredLength: -1,
  close: false,
});

/** A response with its body kind resolved (bytes now, or a stream). */
export interface Resolved {
  status: number;
  statusText: string;
  fields: HeadFields;
  /** Bytes to send, when the body is fixed bytes. */
  bytes: Uint8Array | null;
  /** Text to send as UTF-8, when the body is a string. */
  text: string | null;
  /** A stream to send, when it is not. */
  stream: ReadableStream<Uint8Array> | null;
}

/**
 * What {@link resolveResponse} gives for `new Response(text)` with no fields
 * of its own (the common answer): one shared object, rewritten by each such
 * call, so that answer costs no allocation.
 */
const PLAIN: Resolved = {
  status: 200,
  statusText: "",
  fields: TEXT_FIELDS,
  bytes: null,
  text: "",
  stream: null,
};

/**
 * Reads `res` into a {@link Resolved}: light responses without touching a
 * real Response; string, bytes and URLSearchParams bodies as bytes; Blob,
 * FormData and streams as a stream (with the content type the runtime gives).
 * A light `new Response(text)` with no fields of its own gets the shared
 * {@link PLAIN}, valid until the next call: callers write it at once.
 */
export function resolveResponse(res: Response): Resolved {
  if (LightResponse.plainInto(res, PLAIN)) {
    PLAIN.bytes = null; // a large text body leaves its encoding here
    return PLAIN;
  }
  const parts = LightResponse.parts(res);
  if (parts !== undefined) {
    const body = parts.body;
    if (
      body === null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer
    ) {
      const fields = headFields(parts.headers);
      if (typeof body === "string") {
        if (!fields.contentType) fields.list.push("content-type", TEXT_PLAIN);
        // Kept as text: the connection encodes it straight into its out
        // buffer (no intermediate array per response).
        return {
          status: parts.status,
          statusText: parts.statusText,
          fields,
          bytes: null,
          text: body,
          stream: null,
        };
      }
      const bytes = body === null ? null : body instanceof ArrayBuffer ? new Uint8Array(body) : body;
      return { status: parts.status, statusText: parts.statusText, fields, bytes, text: null, stream: null };
    }
    if (body instanceof URLSearchParams) {
      const fields = headFields(parts.headers);
      if (!fields.contentType) fields.list.push("content-type", FORM_URLENCODED);
      return {
        status: parts.status,
        statusText: parts.statusText,
        fields,
        bytes: encoder.encode(body.toString()),
        text: null,
        stream: null,
      };
    }
    if (body instanceof Blob) {
      // A Blob knows its size: send it with a content-length, not chunked.
      const fields = headFields(parts.headers);
      if (!fields.contentType && body.type !== "") fields.list.push("content-type", body.type);
      fields.declaredLength = body.size;
      return {
        status: parts.status,
        statusText: parts.statusText,
        fields,
        bytes: null,
        text: null,
        stream: body.stream(),
      };
    }
    if (ArrayBuffer.isView(body)) {
      const fields = headFields(parts.headers);
      const view = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      return {
        status: parts.status,
        statusText: parts.statusText,
        fields,
        bytes: view,
        text: null,
        stream: null,
      };
    }
  }
  // Everything else through a real Response: it knows Blob types, FormData
  // boundaries and stream bodies.
  const r = realResponse(res);
  // A network error has no status to send: the handler failed (500).
  if (r.type === "error") throw new TypeError("The handler returned Response.error(), a network error");
  const fields = headFields(r.headers);
  if (r.body === null) {
    return { status: r.status, statusText: r.statusText, fields, bytes: null, text: null, stream: null };
  }
  return { status: r.status, statusText: r.statusText, fields, bytes: null, text: null, stream: r.body };
}

/** True for statuses that never carry a body (RFC 9110 §6.4.1). */
export function bodyless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/** The head writer of this loop (its buffer is reused for every response). */
const writer = new HeadWriter();

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
  out.bytes(headOf(r, length, keepAlive, http10).end().view());
}

/**
 * Recently sent small text responses, encoded, by what they were made from.
 * A server answers the same few responses over and over (a health check, a
 * greeting, a fixed error), and within one second (the `date` line) their
 * bytes do not change: a hit is a few string comparisons (usually of the
 * same string objects) and one copy, instead of validating and encoding the
 * head again. A response is cached the second time it is seen in a row of
 * misses, so dynamic bodies never pay for an entry.
 */
interface CachedResponse {
  status: number;
  statusText: string;
  list: string[];
  /** keep-alive 1, HTTP/1.0 2, no body (HEAD) 4. */
  flags: number;
  body: string;
  bytes: Uint8Array;
}

const CACHE_SIZE = 8;
const CACHE_BODY_BELOW = 1024;
const cache: Array<CachedResponse | undefined> = new Array(CACHE_SIZE);
let cacheNext = 0;
let lastMissBody: string | undefined;
/**
 * The `date` line every entry was encoded with: when the line changes, every
 * entry is stale, and the cache starts again. The line is one string object
 * for its whole second, so the check is an identity compare. Entries that
 * each kept their own date would stay in the cache when their second ended,
 * and every response would compare its date with theirs: strings of equal
 * length that differ only in the last digits, the slowest kind to compare.
 */
let cacheDate = "";

function sameList(a: string[], b: string[]): boolean {
  if (a === b) return true; // the shared fields of new Response(text)
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Appends the head and a small text body (`text` as UTF-8, or nothing when
 * `noBody`, with the length `text` would have: HEAD) with one encode,
 * straight into `out`: the common response, with no bytes in between. The
 * bytes are the same as {@link writeHead} and the body would give (H1). The
 * body's UTF-8 length is counted only when the cache misses.
 */
export function writeTextResponse(
  out: OutBuffer,
  r: Resolved,
  keepAlive: boolean,
  http10: boolean,
  text: string,
  noBody: boolean,
): void {
  const cacheable = text.length < CACHE_BODY_BELOW;
  const flags = (keepAlive ? 1 : 0) | (http10 ? 2 : 0) | (noBody ? 4 : 0);
  if (cacheable) {
    const date = writer.dateLine();
    if (date !== cacheDate) {
      cache.fill(undefined);
      cacheNext = 0;
      cacheDate = date;
    }
    for (let i = 0; i < CACHE_SIZE; i++) {
      const c = cache[i];
      if (c === undefined) break; // filled in order since the date changed
      if (
        c.body === text && c.status === r.status && c.flags === flags &&
        c.statusText === r.statusText && sameList(c.list, r.fields.list)
      ) {
        out.bytes(c.bytes);
        return;
      }
    }
  }
  const body = noBody ? "" : text;
  const start = out.len;
  const w = headOf(r, utf8Length(text), keepAlive, http10);
  const head = w.endText();
  if (head !== undefined) out.text(body === "" ? head : head + body);
  else {
    out.bytes(w.view());
    if (body !== "") out.text(body);
  }
  if (!cacheable) return;
  if (lastMissBody !== text) {
    lastMissBody = text;
    return;
  }
  cache[cacheNext] = {
    status: r.status,
    statusText: r.statusText,
    list: r.fields.list,
    flags,
    body: text,
    bytes: out.buf.slice(start, out.len),
  };
  cacheNext = (cacheNext + 1) % CACHE_SIZE;
}

function headOf(r: Resolved, length: number, keepAlive: boolean, http10: boolean): HeadWriter {
  const w = writer.start(r.status, r.statusText);
  const list = r.fields.list;
  for (let i = 0; i < list.length; i += 2) w.header(list[i], list[i + 1]);
  if (!w.hasDate) w.date();
  if (!bodyless(r.status)) {
    if (length >= 0) w.contentLength(length);
    else if (length === -1) w.chunked();
  }
  if (!keepAlive) w.close();
  else if (http10) w.keepAlive();
  return w;
}

/** Appends a small error response (for parse failures, timeouts, 500s) that closes the connection. */
export function writeErrorResponse(out: OutBuffer, status: number): void {
  const w = writer.start(status).header("content-type", TEXT_PLAIN).date().close();
  out.bytes(w.endWith(`${status} ${reasonOf(status)}`).view());
}
