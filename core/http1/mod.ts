/**
 * The HTTP/1.1 codec of the kernel engine: a strict, incremental request
 * parser that reports spans of the caller's bytes, and a response head
 * writer with a cached `date` and a chunked encoder. Web-platform globals
 * only.
 *
 * @example Parse a request, answer it
 * ```ts
 * import { FIRST_ERROR, HeadWriter, Http1Parser } from "./mod.ts";
 * const writer = new HeadWriter();
 * const out: Uint8Array[] = [];
 * const parser = new Http1Parser({
 *   onHeaders() {},
 *   onMessageComplete(p) {
 *     writer.start(200).date().header("content-type", "text/plain");
 *     if (!p.keepAlive) writer.close();
 *     out.push(writer.endWith(`you asked for ${p.target()}`).take());
 *   },
 * });
 * const req = new TextEncoder().encode("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
 * if (parser.execute(req, 0, req.length) >= FIRST_ERROR) {
 *   out.push(writer.start(parser.error!.status).close().endWith("").take());
 * }
 * ```
 *
 * @module
 */

export { codeName, FIRST_ERROR, HttpParseError, ParseCode, statusOf } from "./codes.ts";
export { type Http1Handler, Http1Parser, type Http1ParserOptions } from "./parser.ts";
export { findField, HeadFlag, type HeadSource, RequestHead } from "./head.ts";
export { Method, METHOD_NAMES } from "./methods.ts";
export { HeadWriter, type HeadWriterOptions, isFieldValue, isToken, utf8Length } from "./head-writer.ts";
export { DateCache, type Schedule } from "./date-cache.ts";
export { REASONS, statusLineOf } from "./status-lines.ts";
export { chunkOverhead, chunkPrefix, CRLF, encodeChunk, LAST_CHUNK, writeChunkPrefix } from "./chunked.ts";
