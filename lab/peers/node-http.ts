/**
 * Peer: bare `node:http` (https://nodejs.org/api/http.html) answering the
 * bench's routes with no framework — the floor a Node framework adds to.
 *
 * @module
 */

import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { announce, serverArgs } from "./_args.ts";
import { STREAM_CHUNK_BYTES, STREAM_CHUNKS } from "./_responder.ts";

const { port, hostname } = serverArgs();
const HELLO = "Hello, World!";
const JSON_BODY = JSON.stringify({ message: HELLO });
const CHUNK = new Uint8Array(STREAM_CHUNK_BYTES).fill(0x61);

function stream(res: http.ServerResponse): void {
  res.writeHead(200, { "content-type": "application/octet-stream" });
  let left = STREAM_CHUNKS;
  const more = (): void => {
    while (left > 0) {
      left--;
      if (!res.write(CHUNK)) return void res.once("drain", more);
    }
    res.end();
  };
  more();
}

const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  if (req.method === "GET" && req.url === "/") {
    res.writeHead(200, { "content-type": "text/plain; charset=UTF-8" }).end(HELLO);
  } else if (req.method === "GET" && req.url === "/json") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON_BODY);
  } else if (req.method === "POST" && req.url === "/echo") {
    const length = req.headers["content-length"];
    res.writeHead(200, length === undefined ? {} : { "content-length": length });
    req.pipe(res);
  } else if (req.method === "GET" && req.url === "/stream") {
    stream(res);
  } else {
    res.writeHead(404).end();
  }
});
server.listen({ port, host: hostname, backlog: 511 }, () => {
  announce("http", hostname, (server.address() as AddressInfo).port);
});
