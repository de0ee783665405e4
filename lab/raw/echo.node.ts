/**
 * The raw echo server on Node, straight on `node:net`
 * (https://nodejs.org/api/net.html): what one idle connection costs the
 * runtime itself, the baseline of triloop's `examples/echo.ts`.
 *
 * @module
 */

import * as net from "node:net";
import { announce, serverArgs } from "../peers/_args.ts";

const { port, hostname } = serverArgs();

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on("data", (bytes: Uint8Array) => {
    if (!socket.write(bytes)) socket.pause();
  });
  socket.on("drain", () => socket.resume());
  socket.on("error", () => {});
});
server.listen({ port, host: hostname, backlog: 511 }, () => {
  announce("tcp", hostname, (server.address() as net.AddressInfo).port);
});
