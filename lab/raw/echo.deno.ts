/**
 * The raw echo server on Deno, straight on `Deno.listen`
 * (https://docs.deno.com/api/deno/~/Deno.listen): what one idle connection
 * costs the runtime itself. A 4 KiB read buffer per connection, the same
 * first read size as triloop's Deno adapter, so the two are compared at
 * equal care.
 *
 * @module
 */

import { announce, serverArgs } from "../peers/_args.ts";
import { closeQuietly, denoApi, type DenoConn, denoWriteAll } from "../_shims.ts";

const { port, hostname } = serverArgs();

async function serveConn(conn: DenoConn): Promise<void> {
  conn.setNoDelay?.(true);
  const buf = new Uint8Array(4 * 1024);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      await denoWriteAll(conn, buf.subarray(0, n));
    }
  } catch {
    // reset by the peer
  }
  closeQuietly(conn);
}

const listener = denoApi().listen({ hostname, port });
announce("tcp", hostname, listener.addr.port);
for await (const conn of listener) serveConn(conn);
