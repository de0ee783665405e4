/**
 * Holds N idle connections to a server, in its own process (a client
 * holding 10,000 connections and a server holding 10,000 would not fit one
 * process's descriptor limit): TCP echo, HTTP keep-alive or WebSocket
 * connections, each after one round trip (`idle-conn.ts`).
 *
 * Prints `TRILOOP-IDLE {"open":n,"failed":n,"error":"…"}` once every
 * connection is up (or failed), then holds them until stdin closes; later
 * prints `TRILOOP-IDLE-LOST n` whenever the server closed some.
 *
 * With `--fanout` (WebSocket subscribers of the ws-fanout scenario), every
 * message received is counted: once all of this process's connections have
 * the message whose text is `seq`, it prints `TRILOOP-FANOUT seq ns`, `ns`
 * the monotonic clock (`process.hrtime`: CLOCK_MONOTONIC, one clock for
 * every process on the machine) when the last of them got it.
 *
 * Usage: idle-client.ts --port P [--connections 10000] [--hostname 127.0.0.1]
 *        [--protocol tcp|http|ws] [--path /] [--local-address 127.0.0.2] [--wave 250]
 *        [--fanout]
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import process from "node:process";
import { type IdleProtocol, openIdle } from "./idle-conn.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const target = {
  protocol: flag("protocol", "tcp") as IdleProtocol,
  hostname: flag("hostname", "127.0.0.1"),
  port: Number(flag("port", "0")),
  path: flag("path", "/"),
  localAddress: argv.includes("--local-address") ? flag("local-address", "") : undefined,
};
const total = Number(flag("connections", "10000"));
/**
 * Connections opened at once: keeps the server's accept backlog (511 on
 * Node) from overflowing, where a dropped SYN waits a second to be sent
 * again. Several clients of one server share that backlog: each opens fewer.
 */
const WAVE = Number(flag("wave", "250"));

const conns: Socket[] = [];
let failed = 0;
let firstError: string | undefined;
let lost = 0;
let stopping = false;

async function openOne(): Promise<void> {
  try {
    const socket = await openIdle(target);
    socket.once("close", () => {
      if (stopping) return;
      lost++;
      // Said at most every 100 ms, not once per connection.
      reportLost ??= setTimeout(() => {
        reportLost = undefined;
        console.log(`TRILOOP-IDLE-LOST ${lost}`);
      }, 100);
    });
    conns.push(socket);
  } catch (err) {
    failed++;
    firstError ??= (err as Error).message;
  }
}
let reportLost: ReturnType<typeof setTimeout> | undefined;

for (let i = 0; i < total; i += WAVE) {
  await Promise.all(Array.from({ length: Math.min(WAVE, total - i) }, openOne));
}
if (argv.includes("--fanout")) { for (const c of conns) countMessages(c); }
console.log(`TRILOOP-IDLE ${JSON.stringify({ open: conns.length, failed, error: firstError })}`);

/** Per message text: how many connections got it. */
const received = new Map<string, number>();

/** Counts the server's (unmasked, short) text frames on `socket`, a frame split across reads included. */
function countMessages(socket: Socket): void {
  let carry: Buffer | undefined;
  socket.on("data", (chunk: Buffer) => {
    let buf = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    carry = undefined;
    while (buf.length >= 2) {
      const len = buf[1] & 0x7f;
      // A message of this scenario is a sequence number: never 126 bytes or more.
      if (buf.length < 2 + len) break;
      const text = buf.toString("latin1", 2, 2 + len);
      buf = buf.subarray(2 + len);
      const n = (received.get(text) ?? 0) + 1;
      received.set(text, n);
      if (n === conns.length) {
        console.log(`TRILOOP-FANOUT ${text} ${process.hrtime.bigint()}`);
        received.delete(text);
      }
    }
    if (buf.length > 0) carry = buf;
  });
}

function quit(): void {
  stopping = true;
  for (const c of conns) c.destroy();
  setTimeout(() => process.exit(0), 100);
}
process.stdin.on("end", quit);
process.stdin.on("close", quit);
process.stdin.resume();
process.on("SIGTERM", quit);
