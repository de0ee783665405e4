/**
 * The raw RESP server on Deno: `_resp.ts` straight on `Deno.listen`
 * (https://docs.deno.com/api/deno/~/Deno.listen). One read loop per
 * connection over a 64 KiB buffer it reuses (the session copies what it
 * keeps). Replies go to a write queue flushed by its own loop, so reading
 * the next batch does not wait for the last reply's write to settle; reads
 * wait only when more than 64 KiB of replies are queued (backpressure).
 *
 * @module
 */

import { announce, serverArgs } from "../peers/_args.ts";
import { closeQuietly, denoApi, type DenoConn, denoWriteAll } from "../_shims.ts";
import { concatAll } from "../peers/_responder.ts";
import { RespSession } from "./_resp.ts";

const HIGH_WATER = 64 * 1024;
const { port, hostname } = serverArgs();

class Writer {
  #conn: DenoConn;
  #queue: Uint8Array[] = [];
  queued = 0;
  #flushing: Promise<void> | undefined;
  failed = false;

  constructor(conn: DenoConn) {
    this.#conn = conn;
  }

  push(bytes: Uint8Array): void {
    this.#queue.push(bytes);
    this.queued += bytes.length;
    this.#flushing ??= this.#flush();
  }

  /** Resolves when everything queued is written. */
  idle(): Promise<void> {
    return this.#flushing ?? Promise.resolve();
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const bytes = this.#queue.length === 1 ? this.#queue[0] : concatAll(this.#queue);
        this.#queue = [];
        await denoWriteAll(this.#conn, bytes);
        this.queued -= bytes.length;
      }
    } catch {
      this.failed = true;
    }
    this.#flushing = undefined;
  }
}

async function serveConn(conn: DenoConn): Promise<void> {
  conn.setNoDelay?.(true);
  const session = new RespSession();
  const writer = new Writer(conn);
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      if (writer.queued > HIGH_WATER) await writer.idle();
      if (writer.failed) break;
      const n = await conn.read(buf);
      if (n === null) break;
      const out = session.feed(buf.subarray(0, n));
      if (out !== undefined) writer.push(out);
      if (session.broken) break;
    }
    await writer.idle();
  } catch {
    // reset by the peer
  }
  closeQuietly(conn);
}

const listener = denoApi().listen({ hostname, port });
announce("tcp", hostname, listener.addr.port);
for await (const conn of listener) serveConn(conn);
