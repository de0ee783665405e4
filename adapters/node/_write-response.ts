/**
 * Writes a fetch `Response` to a node:http `ServerResponse`
 * (https://nodejs.org/api/http.html#class-httpserverresponse).
 *
 * The Fetch API does not tell a body's size, so the body is read first for as
 * long as its chunks are already there (until the next macrotask, up to
 * {@link MAX_PEEK} bytes): a string, bytes, a Blob, URLSearchParams or
 * FormData is complete by then and goes out with `Content-Length` (H11); a
 * stream that is still producing goes out chunked, paced by `'drain'` (H8).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type * as http from "node:http";
import { LightResponse, realResponse } from "../../core/fetch/light-response.ts";
import { bodyless, type Resolved, resolveResponse } from "../../core/server/respond.ts";
import { reasonOf } from "../../core/http1/status-lines.ts";

/** Bytes gathered before a body is sent as a stream rather than with Content-Length. */
const MAX_PEEK = 64 * 1024;

/** Sentinel for "the next chunk is not there yet". */
const LATER = Symbol("later");

type Read = ReadableStreamReadResult<Uint8Array>;

/**
 * Sends `response` on `res`. `close` adds `Connection: close` (during a
 * graceful shutdown); `failed` is told, with the error, when the response
 * cannot be sent as the handler made it (its body stream errors mid-way, or
 * its fields are invalid).
 */
export async function writeResponse(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  response: Response,
  close: boolean,
  failed: (err: unknown) => void,
): Promise<void> {
  if (res.writableEnded || res.destroyed) {
    // Refused (413) while the handler ran, or the client left.
    void response.body?.cancel().catch(() => {});
    return;
  }
  /** A body length known without reading it (a Blob's size), or -1. */
  let known = -1;
  if (LightResponse.isLight(response)) {
    // A light response (the engine installs them) with a fixed body: its
    // text or bytes as they are, with no stream to read.
    let r: Resolved | undefined;
    try {
      r = resolveResponse(response);
    } catch (err) {
      failed(err); // e.g. an invalid header in the handler's init
      const reason = reasonOf(500);
      res.writeHead(500, [
        "content-type",
        "text/plain;charset=UTF-8",
        "content-length",
        String(reason.length),
      ]);
      res.end(reason);
      return;
    }
    if (r.stream === null) return writeFixed(req, res, r, close);
    // A stream, Blob or FormData body: read below, from the real Response
    // (which knows a Blob's type and a FormData boundary).
    known = r.fields.declaredLength;
    response = realResponse(response);
  }
  const fields: string[] = [];
  let declared = "";
  for (const [name, value] of response.headers) {
    // Framing is node:http's (or ours, below), never the handler's to get wrong.
    if (name === "content-length") declared = value;
    else if (name !== "transfer-encoding") fields.push(name, value);
  }
  if (close) fields.push("connection", "close");
  if (declared === "" && known >= 0) declared = String(known);
  const status = response.status;
  const statusText = response.statusText || undefined;
  const body = response.body;
  if (body === null) {
    if (status !== 204 && status !== 304 && status >= 200) fields.push("content-length", declared || "0");
    res.writeHead(status, statusText, fields);
    res.end();
    return;
  }

  const reader = body.getReader();
  // A client that goes away mid-stream cancels the producer (its cancel runs),
  // even while a read is pending on a stream that has nothing to give.
  res.once("close", () => {
    if (!res.writableFinished) void reader.cancel().catch(() => {});
  });
  const ready: Uint8Array[] = [];
  let size = 0;
  let pending: Promise<Read> | undefined;
  let complete = false;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  const tick = new Promise<typeof LATER>((r) => (immediate = setImmediate(r, LATER)));
  try {
    while (size <= MAX_PEEK) {
      const p = reader.read();
      const r = await Promise.race([p, tick]);
      if (r === LATER) {
        pending = p;
        break;
      }
      if (r.done) {
        complete = true;
        break;
      }
      ready.push(r.value);
      size += r.value.byteLength;
    }
  } catch (err) {
    failed(err);
    res.destroy();
    return;
  } finally {
    clearImmediate(immediate);
  }

  if (complete) fields.push("content-length", String(size));
  else if (declared !== "") fields.push("content-length", declared);
  res.writeHead(status, statusText, fields);
  if (req.method === "HEAD" || status === 204 || status === 304) {
    void reader.cancel().catch(() => {});
    res.end();
    return;
  }
  for (const chunk of ready) res.write(chunk);
  if (complete) {
    res.end();
    return;
  }
  try {
    for (;;) {
      const r = await (pending ?? reader.read());
      pending = undefined;
      if (r.done) break;
      if (res.destroyed) break;
      if (!res.write(r.value)) await drained(res);
      if (res.destroyed) break;
    }
  } catch (err) {
    failed(err);
    res.destroy();
    return;
  }
  if (!res.destroyed) res.end();
}

/** Resolves on `'drain'`, or on `'close'` when the client goes away first. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Sends a response whose body is fixed text or bytes, with its length, in one
 * `end`. Text goes as a string: node:http then sends head and body as one
 * string in one write (bytes make it a writev of two).
 */
function writeFixed(req: http.IncomingMessage, res: http.ServerResponse, r: Resolved, close: boolean): void {
  const fields = r.fields.list.slice();
  if (close || r.fields.close) fields.push("connection", "close");
  const text = r.text;
  const bytes = r.bytes;
  const length = text !== null ? Buffer.byteLength(text) : bytes === null ? 0 : bytes.byteLength;
  // A HEAD answer of a null body says no length unless the handler declared one (H7).
  if (!bodyless(r.status)) {
    if (req.method !== "HEAD" || text !== null || bytes !== null) {
      fields.push("content-length", String(length));
    } else if (r.fields.declaredLength >= 0) fields.push("content-length", String(r.fields.declaredLength));
  }
  res.writeHead(r.status, r.statusText || undefined, fields);
  if (req.method === "HEAD" || bodyless(r.status) || length === 0) res.end();
  else res.end(text ?? bytes);
}
