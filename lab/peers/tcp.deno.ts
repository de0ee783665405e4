/**
 * The ceiling on Deno: the minimal responder (`_responder.ts`) straight on
 * `Deno.listen` (https://docs.deno.com/api/deno/~/Deno.listen). Deno's reads
 * are pulled and its writes are promises, so each connection has a read loop
 * that waits while the responder is blocked, and a write queue flushed in
 * order.
 *
 * @module
 */

import { announce, serverArgs } from "./_args.ts";
import { closeQuietly, denoApi, type DenoConn, denoWriteAll } from "../_shims.ts";
import { Responder } from "./_responder.ts";

/** Queued bytes above which `write` asks the responder to wait. */
const HIGH_WATER = 64 * 1024;

const { port, hostname } = serverArgs();

class Sink {
  #conn: DenoConn;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #flushing = false;
  #ending = false;
  onDrain: () => void = () => {};

  constructor(conn: DenoConn) {
    this.#conn = conn;
  }

  write(bytes: Uint8Array): boolean {
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    if (!this.#flushing) this.#flush();
    return this.#queued < HIGH_WATER;
  }

  end(): void {
    this.#ending = true;
    if (!this.#flushing) this.#flush();
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const bytes = this.#queue.shift()!;
        await denoWriteAll(this.#conn, bytes);
        this.#queued -= bytes.length;
      }
    } catch {
      this.#ending = true; // the peer went away
    }
    this.#flushing = false;
    if (this.#ending) closeQuietly(this.#conn);
    else this.onDrain();
  }
}

async function serveConn(conn: DenoConn): Promise<void> {
  conn.setNoDelay?.(true);
  const sink = new Sink(conn);
  const responder = new Responder(sink);
  let wake: (() => void) | undefined;
  sink.onDrain = () => {
    responder.drain();
    wake?.();
  };
  const buf = new Uint8Array(16 * 1024);
  try {
    for (;;) {
      while (responder.blocked) await new Promise<void>((r) => (wake = r));
      const n = await conn.read(buf);
      if (n === null) break;
      // The responder may keep views of its input, and `buf` is reused.
      responder.data(buf.slice(0, n));
    }
  } catch {
    // reset by the peer, or closed after `Connection: close`
  }
  sink.end();
}

const listener = denoApi().listen({ hostname, port });
announce("http", hostname, listener.addr.port);
for await (const conn of listener) serveConn(conn);
