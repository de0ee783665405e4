/**
 * The ceiling on Node: the minimal responder (`_responder.ts`) straight on
 * `node:net` (https://nodejs.org/api/net.html).
 *
 * @module
 */

import * as net from "node:net";
import { announce, serverArgs } from "./_args.ts";
import { Responder } from "./_responder.ts";

const { port, hostname } = serverArgs();

const server = net.createServer({ noDelay: true }, (socket) => {
  const responder = new Responder({
    write: (bytes) => socket.write(bytes),
    end: () => socket.end(),
  });
  socket.on("data", (bytes: Uint8Array) => {
    responder.data(bytes);
    if (responder.blocked) socket.pause();
  });
  socket.on("drain", () => {
    responder.drain();
    if (!responder.blocked) socket.resume();
  });
  socket.on("error", () => {});
});
server.listen({ port, host: hostname, backlog: 511 }, () => {
  announce("http", hostname, (server.address() as net.AddressInfo).port);
});
