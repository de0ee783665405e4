/**
 * The raw RESP server on Node: `_resp.ts` straight on `node:net`
 * (https://nodejs.org/api/net.html), the baseline triloop's RESP example is
 * compared with.
 *
 * @module
 */

import * as net from "node:net";
import { announce, serverArgs } from "../peers/_args.ts";
import { RespSession } from "./_resp.ts";

const { port, hostname } = serverArgs();

const server = net.createServer({ noDelay: true }, (socket) => {
  const session = new RespSession();
  socket.on("data", (bytes: Uint8Array) => {
    const out = session.feed(bytes);
    if (out !== undefined && !socket.write(out)) socket.pause();
    if (session.broken) socket.end();
  });
  socket.on("drain", () => socket.resume());
  socket.on("error", () => {});
});
server.listen({ port, host: hostname, backlog: 511 }, () => {
  announce("tcp", hostname, (server.address() as net.AddressInfo).port);
});
