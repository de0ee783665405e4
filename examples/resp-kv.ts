/**
 * An in-memory key-value server speaking RESP2, the protocol of Redis: real
 * `redis-cli` and `redis-benchmark` talk to it. Run it with
 * `npx triloop serve examples/resp-kv.ts --port 6380`.
 *
 * It is a triloop connection handler written as a state machine: one static
 * handler, and per connection a {@link Session} on `conn.state` holding the
 * parser's progress (`resp/_parser.ts`), output waiting for `drain`, and input
 * not yet processed. Commands are PING, ECHO, SET (NX/XX/GET, EX/PX/EXAT/PXAT/
 * KEEPTTL), GET, DEL, EXISTS, INCR, DECR, INCRBY, DECRBY, MGET, MSET, TTL,
 * PTTL, DBSIZE, FLUSHDB, SELECT 0, QUIT, and what clients send on connect
 * (CONFIG GET, COMMAND, HELLO, CLIENT, INFO); see `resp/_commands.ts`.
 *
 * Invariants:
 * - **RK1 split-free**: the replies do not depend on how the input is chunked.
 * - **RK2 batched**: the replies to one `data` call go out in one `write` (more
 *   only past 64 KiB of replies, or for values over 8 KiB, sent by reference).
 * - **RK3 backpressure**: when `write` returns false the connection is paused
 *   and no further command runs until `drain`; output is written in pieces of
 *   at most 64 KiB, so a big value never trips the output hard cap.
 * - **RK4 framing-lost-closes**: input that is not RESP gets Redis's
 *   `-ERR Protocol error: ...`, flushed after the replies before it, and the
 *   connection is ended; later input is ignored. Nothing is buffered past the
 *   parser's limits (`ParserLimits`).
 *
 * @module
 */

import type { Conn, SocketHandler } from "triloop";
import { CLOSE_AFTER_REPLY, type CommandContext, dispatch } from "./resp/_commands.ts";
import { COMMAND, ERROR, type ParserLimits, RespParser } from "./resp/_parser.ts";
import { Reply } from "./resp/_reply.ts";
import { Keyspace } from "./resp/_store.ts";

/** Replies are written once this many bytes accumulate (and at the end of each `data`). */
const FLUSH_AT = 64 * 1024;
/** The largest single `write`: stays far below any sane output hard cap (RK3). */
const PIECE = 64 * 1024;

// Session flags.
const BLOCKED = 1; // a write returned false: paused, waiting for drain
const CLOSING = 2; // QUIT or a protocol error: end once the output is out
const PEER_ENDED = 4; // the peer half-closed: end once the output is out

/** Per-connection state. */
export class Session {
  readonly parser: RespParser;
  flags = 0;
  /** Output not yet accepted by `write` (only while blocked). */
  queue: Uint8Array[] = [];
  /** Input not yet processed (only while blocked). */
  stash: Uint8Array | undefined;

  constructor(limits: ParserLimits) {
    this.parser = new RespParser(limits);
  }
}

/** Options of {@link createRespKv}. */
export interface RespKvOptions extends ParserLimits {
  /** The keyspace; several handlers may share one. Default: a new one. */
  db?: Keyspace;
}

/** The RESP2 key-value handler. One per listener; every connection shares its keyspace. */
export class RespKv implements SocketHandler<Session> {
  /** The keyspace. */
  readonly db: Keyspace;
  readonly #limits: ParserLimits;
  readonly #ctx: CommandContext;

  constructor(options: RespKvOptions = {}) {
    this.db = options.db ?? new Keyspace();
    this.#limits = options;
    this.#ctx = { db: this.db, out: new Reply(), conn: undefined as unknown as Conn<unknown> };
  }

  open(conn: Conn<Session>): void {
    conn.state = new Session(this.#limits);
  }

  data(conn: Conn<Session>, bytes: Uint8Array): void {
    const s = conn.state;
    if (s.flags & CLOSING) return; // after QUIT or a protocol error, input is ignored
    if (s.flags & BLOCKED) {
      // The kernel holds reads while paused (C6); this is only a safety net.
      s.stash = s.stash === undefined ? bytes : concat(s.stash, bytes);
      return;
    }
    this.#process(conn, s, bytes);
  }

  drain(conn: Conn<Session>): void {
    const s = conn.state;
    if (!(s.flags & BLOCKED) || !pump(conn, s)) return;
    s.flags &= ~BLOCKED;
    const stash = s.stash;
    s.stash = undefined;
    if (stash !== undefined && !(s.flags & CLOSING)) this.#process(conn, s, stash);
    else settle(conn, s);
  }

  end(conn: Conn<Session>): void {
    const s = conn.state;
    s.flags |= PEER_ENDED;
    settle(conn, s);
  }

  /** Runs every complete command in `input`, until it is used up or a write says stop. */
  #process(conn: Conn<Session>, s: Session, input: Uint8Array): void {
    const p = s.parser;
    const ctx = this.#ctx;
    const out = ctx.out;
    ctx.conn = conn as Conn<unknown>;
    let pos = 0;
    for (;;) {
      const code = p.execute(input, pos);
      if (code === COMMAND) {
        pos = p.offset;
        if (dispatch(ctx, p.args) === CLOSE_AFTER_REPLY) {
          s.flags |= CLOSING;
          break;
        }
        if (out.size >= FLUSH_AT && !flush(conn, s, out)) {
          // RK3: the rest waits for drain.
          if (pos < input.length) s.stash = input.subarray(pos);
          return;
        }
      } else {
        if (code === ERROR) {
          out.error(`ERR ${p.error}`);
          s.flags |= CLOSING;
        }
        break;
      }
    }
    if (flush(conn, s, out)) settle(conn, s);
  }
}

/** Hands the replies to the connection; false (and paused) when it said stop. */
function flush(conn: Conn<Session>, s: Session, out: Reply): boolean {
  if (out.size === 0) return true;
  if (out.size <= PIECE) {
    const small = out.viewSmall();
    if (small !== undefined) {
      // The common case: one write per data call (RK2), of scratch bytes.
      if (conn.writeTransient(small)) return true;
      return block(conn, s);
    }
  }
  for (const part of out.take()) s.queue.push(part);
  return pump(conn, s) || block(conn, s);
}

/** Writes the queue in pieces while the connection takes them (RK3). */
function pump(conn: Conn<Session>, s: Session): boolean {
  const q = s.queue;
  let i = 0;
  let ok = true;
  while (ok && i < q.length) {
    const part = q[i];
    if (part.length > PIECE) {
      q[i] = part.subarray(PIECE);
      ok = conn.write(part.subarray(0, PIECE));
    } else {
      i++;
      ok = conn.write(part);
    }
  }
  q.splice(0, i);
  return ok && q.length === 0;
}

function block(conn: Conn<Session>, s: Session): false {
  s.flags |= BLOCKED;
  conn.pause();
  return false;
}

/** Everything is written: end if asked to, else make sure reads go on. */
function settle(conn: Conn<Session>, s: Session): void {
  if (s.flags & BLOCKED) return;
  if (s.flags & (CLOSING | PEER_ENDED)) {
    s.flags |= CLOSING;
    conn.end();
  } else {
    conn.resume(); // a no-op unless we paused
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A RESP2 key-value handler with its own keyspace. */
export function createRespKv(options: RespKvOptions = {}): RespKv {
  return new RespKv(options);
}

const respKv: SocketHandler<Session> = createRespKv();

export default respKv;
