/**
 * Holds N idle connections to an echo server, in its own process (a client
 * holding 10,000 connections and a server holding 10,000 would not fit one
 * process's descriptor limit). Each connection makes one round trip, so the
 * server has set up its whole read path, then stays silent.
 *
 * Prints `TRILOOP-IDLE {"open":n,"failed":n}` once every connection is up
 * (or failed), then holds them until stdin closes.
 *
 * Usage: idle-client.ts --port P [--connections 10000] [--hostname 127.0.0.1]
 *
 * @module
 */

import process from "node:process";
import { runtime } from "../../adapters/node/mod.ts";
import type { Conn, SocketHandler } from "../../core/types.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const port = Number(flag("port", "0"));
const hostname = flag("hostname", "127.0.0.1");
const total = Number(flag("connections", "10000"));
/** Connections opened at once: keeps the server's accept backlog from overflowing. */
const WAVE = 250;

interface Idle {
  echoed: () => void;
}

const handler: SocketHandler<Idle | undefined> = {
  data(conn) {
    conn.state?.echoed();
  },
  close() {},
};

const conns: Conn<Idle | undefined>[] = [];
let failed = 0;

async function openOne(): Promise<void> {
  try {
    const conn = await runtime.connect<Idle | undefined>({ hostname, port }, handler);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no echo")), 10_000);
      conn.state = {
        echoed: () => {
          clearTimeout(timer);
          conn.state = undefined;
          resolve();
        },
      };
      conn.write("ping\n");
    });
    conns.push(conn);
  } catch {
    failed++;
  }
}

for (let i = 0; i < total; i += WAVE) {
  await Promise.all(Array.from({ length: Math.min(WAVE, total - i) }, openOne));
}
console.log(`TRILOOP-IDLE ${JSON.stringify({ open: conns.length, failed })}`);

function quit(): void {
  for (const c of conns) c.close();
  setTimeout(() => process.exit(0), 100);
}
process.stdin.on("end", quit);
process.stdin.on("close", quit);
process.stdin.resume();
process.on("SIGTERM", quit);
