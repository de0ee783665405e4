/**
 * The commands of `resp-kv`, with Redis's arities, replies and error texts.
 * Each command is a top-level function `(ctx, args) => Outcome`; the table
 * maps lower-case names to them. Besides the key-value commands, it answers
 * what `redis-cli` and `redis-benchmark` send when they connect (CONFIG GET,
 * COMMAND, HELLO, CLIENT, SELECT) so both run unmodified.
 *
 * @module
 */

import type { Conn } from "triloop";
import { addInt64, int64Bytes, negateInt64, parseInt64 } from "./_int.ts";
import { EMPTY_ARRAY, NIL, OK, ONE, PONG, type Reply, ZERO } from "./_reply.ts";
import { keyOf, type Keyspace } from "./_store.ts";

/** What a command needs: the keyspace, the reply being built, the connection. */
export interface CommandContext {
  db: Keyspace;
  out: Reply;
  conn: Conn<unknown>;
}

/** After a command: go on, or close the connection once the replies are out. */
export const CONTINUE = 0;
export const CLOSE_AFTER_REPLY = 1;
export type Outcome = typeof CONTINUE | typeof CLOSE_AFTER_REPLY;

type Run = (ctx: CommandContext, args: Uint8Array[]) => Outcome | void;

/** A command: its Redis arity (n exact, -n at least n, counting the name) and its code. */
interface Command {
  name: string;
  arity: number;
  run: Run;
}

const NOT_INTEGER = "ERR value is not an integer or out of range";
const OVERFLOW = "ERR increment or decrement would overflow";
const SYNTAX = "ERR syntax error";

/** What CONFIG GET reports: enough for redis-benchmark's start-up probe. */
const CONFIG: Record<string, string> = {
  save: "",
  appendonly: "no",
  databases: "1",
  maxmemory: "0",
  "proto-max-bulk-len": String(512 * 1024 * 1024),
};

/** ASCII-lower-cased byte string of `b` (command names and options are ASCII). */
function lower(b: Uint8Array): string {
  const n = b.length;
  if (n > 32) return keyOf(b).toLowerCase();
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = b[i];
    s += String.fromCharCode(c >= 65 && c <= 90 ? c | 0x20 : c);
  }
  return s;
}

function ping(ctx: CommandContext, args: Uint8Array[]): Outcome | void {
  if (args.length > 2) return arityError(ctx, "ping");
  if (args.length === 1) ctx.out.raw(PONG);
  else ctx.out.bulk(args[1]);
}

function echo(ctx: CommandContext, args: Uint8Array[]): void {
  ctx.out.bulk(args[1]);
}

function get(ctx: CommandContext, args: Uint8Array[]): void {
  ctx.out.bulk(ctx.db.get(keyOf(args[1])));
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL], parsed as Redis 7 does. */
function set(ctx: CommandContext, args: Uint8Array[]): void {
  const { db, out } = ctx;
  let nx = false, xx = false, withGet = false, keep = false;
  let unit = "", amount: number | bigint = 0;
  for (let i = 3; i < args.length; i++) {
    const opt = lower(args[i]);
    if (opt === "nx" && !xx) nx = true;
    else if (opt === "xx" && !nx) xx = true;
    else if (opt === "get") withGet = true;
    else if (opt === "keepttl" && unit === "") keep = true;
    else if (
      (opt === "ex" || opt === "px" || opt === "exat" || opt === "pxat") && unit === "" && !keep &&
      i + 1 < args.length
    ) {
      const v = parseInt64(args[++i]);
      if (v === undefined) return out.error(NOT_INTEGER);
      unit = opt;
      amount = v;
    } else return out.error(SYNTAX);
  }
  let deadline: number | "keep" | undefined = keep ? "keep" : undefined;
  if (unit !== "") {
    const ms = Number(amount) * (unit === "ex" || unit === "exat" ? 1000 : 1);
    if (!(Number(amount) > 0) || !Number.isFinite(ms)) {
      return out.error("ERR invalid expire time in 'set' command");
    }
    deadline = unit.endsWith("at") ? ms : db.now() + ms;
  }
  const key = keyOf(args[1]);
  const old = nx || xx || withGet ? db.get(key) : undefined;
  if ((nx && old !== undefined) || (xx && old === undefined)) {
    return withGet ? out.bulk(old) : out.raw(NIL);
  }
  db.set(key, args[2], deadline);
  if (withGet) out.bulk(old);
  else out.raw(OK);
}

function del(ctx: CommandContext, args: Uint8Array[]): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (ctx.db.delete(keyOf(args[i]))) n++;
  ctx.out.int(n);
}

function exists(ctx: CommandContext, args: Uint8Array[]): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (ctx.db.has(keyOf(args[i]))) n++;
  if (n <= 1) ctx.out.raw(n === 0 ? ZERO : ONE);
  else ctx.out.int(n);
}

/** INCR/DECR/INCRBY/DECRBY: the value must be a 64-bit integer; the deadline is kept. */
function incrBy(ctx: CommandContext, keyBytes: Uint8Array, by: number | bigint): void {
  const key = keyOf(keyBytes);
  const cur = ctx.db.get(key);
  const v = cur === undefined ? 0 : parseInt64(cur);
  if (v === undefined) return ctx.out.error(NOT_INTEGER);
  const r = addInt64(v, by);
  if (r === undefined) return ctx.out.error(OVERFLOW);
  ctx.db.adopt(key, int64Bytes(r), "keep");
  ctx.out.int(r);
}

function incr(ctx: CommandContext, args: Uint8Array[]): void {
  incrBy(ctx, args[1], 1);
}

function decr(ctx: CommandContext, args: Uint8Array[]): void {
  incrBy(ctx, args[1], -1);
}

function incrby(ctx: CommandContext, args: Uint8Array[]): void {
  const by = parseInt64(args[2]);
  if (by === undefined) return ctx.out.error(NOT_INTEGER);
  incrBy(ctx, args[1], by);
}

function decrby(ctx: CommandContext, args: Uint8Array[]): void {
  const by = parseInt64(args[2]);
  const neg = by === undefined ? undefined : negateInt64(by);
  if (by === undefined) return ctx.out.error(NOT_INTEGER);
  if (neg === undefined) return ctx.out.error("ERR decrement would overflow");
  incrBy(ctx, args[1], neg);
}

function mget(ctx: CommandContext, args: Uint8Array[]): void {
  ctx.out.array(args.length - 1);
  for (let i = 1; i < args.length; i++) ctx.out.bulk(ctx.db.get(keyOf(args[i])));
}

function mset(ctx: CommandContext, args: Uint8Array[]): Outcome | void {
  if (args.length % 2 === 0) return arityError(ctx, "mset");
  for (let i = 1; i < args.length; i += 2) ctx.db.set(keyOf(args[i]), args[i + 1]);
  ctx.out.raw(OK);
}

function ttl(ctx: CommandContext, args: Uint8Array[]): void {
  const ms = ctx.db.ttl(keyOf(args[1]));
  ctx.out.int(ms < 0 ? ms : Math.round(ms / 1000));
}

function pttl(ctx: CommandContext, args: Uint8Array[]): void {
  ctx.out.int(ctx.db.ttl(keyOf(args[1])));
}

function dbsize(ctx: CommandContext): void {
  ctx.out.int(ctx.db.size);
}

function flush(ctx: CommandContext): void {
  ctx.db.clear();
  ctx.out.raw(OK);
}

function select(ctx: CommandContext, args: Uint8Array[]): void {
  const db = parseInt64(args[1]);
  if (db === undefined) ctx.out.error(NOT_INTEGER);
  else if (db !== 0) ctx.out.error("ERR DB index is out of range");
  else ctx.out.raw(OK);
}

function quit(ctx: CommandContext): Outcome {
  ctx.out.raw(OK);
  return CLOSE_AFTER_REPLY;
}

/** RESP3 is not spoken: clients that try HELLO fall back to RESP2. */
function hello(ctx: CommandContext): void {
  ctx.out.error("NOPROTO unsupported protocol version");
}

function config(ctx: CommandContext, args: Uint8Array[]): Outcome | void {
  const sub = lower(args[1]);
  if (sub !== "get") return unknownSubcommand(ctx, args[1], "CONFIG");
  if (args.length < 3) return arityError(ctx, "config|get");
  const found: string[] = [];
  for (const name of Object.keys(CONFIG)) {
    if (args.slice(2).some((p) => globMatch(lower(p), name))) found.push(name, CONFIG[name]);
  }
  ctx.out.array(found.length);
  for (const s of found) ctx.out.bulkText(s);
}

function command(ctx: CommandContext, args: Uint8Array[]): Outcome | void {
  const sub = args.length > 1 ? lower(args[1]) : "";
  if (sub === "count") return ctx.out.int(TABLE.size);
  if (sub === "list") {
    ctx.out.array(TABLE.size);
    for (const name of TABLE.keys()) ctx.out.bulkText(name);
    return;
  }
  if (sub === "info") {
    // No command metadata: one nil per name asked, as Redis answers for unknown ones.
    ctx.out.array(args.length - 2);
    for (let i = 2; i < args.length; i++) ctx.out.raw(NIL);
    return;
  }
  if (sub === "" || sub === "docs") return ctx.out.raw(EMPTY_ARRAY);
  return unknownSubcommand(ctx, args[1], "COMMAND");
}

function client(ctx: CommandContext, args: Uint8Array[]): Outcome | void {
  const sub = lower(args[1]);
  if (sub === "setname" || sub === "setinfo") return ctx.out.raw(OK);
  if (sub === "getname") return ctx.out.raw(NIL);
  if (sub === "id") return ctx.out.int(ctx.conn.id);
  return unknownSubcommand(ctx, args[1], "CLIENT");
}

function info(ctx: CommandContext): void {
  ctx.out.bulkText(
    "# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\ntriloop_example:resp-kv\r\n" +
      `# Keyspace\r\ndb0:keys=${ctx.db.size}\r\n`,
  );
}

function arityError(ctx: CommandContext, name: string): void {
  ctx.out.error(`ERR wrong number of arguments for '${name}' command`);
}

function unknownSubcommand(ctx: CommandContext, sub: Uint8Array, cmd: string): void {
  ctx.out.error(`ERR unknown subcommand '${keyOf(sub).slice(0, 128)}'. Try ${cmd} HELP.`);
}

/** Redis's reply to an unknown command, argument preview and all. */
export function unknownCommand(ctx: CommandContext, args: Uint8Array[]): void {
  let preview = "";
  for (let i = 1; i < args.length && preview.length < 128; i++) {
    preview += `'${keyOf(args[i]).slice(0, 128 - preview.length)}' `;
  }
  ctx.out.error(
    `ERR unknown command '${keyOf(args[0]).slice(0, 128)}', with args beginning with: ${preview}`,
  );
}

/** Glob matching for CONFIG GET patterns (`*`, `?`), case-insensitive like Redis. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "i").test(name);
}

const COMMANDS: Command[] = [
  { name: "ping", arity: -1, run: ping },
  { name: "echo", arity: 2, run: echo },
  { name: "get", arity: 2, run: get },
  { name: "set", arity: -3, run: set },
  { name: "del", arity: -2, run: del },
  { name: "exists", arity: -2, run: exists },
  { name: "incr", arity: 2, run: incr },
  { name: "decr", arity: 2, run: decr },
  { name: "incrby", arity: 3, run: incrby },
  { name: "decrby", arity: 3, run: decrby },
  { name: "mget", arity: -2, run: mget },
  { name: "mset", arity: -3, run: mset },
  { name: "ttl", arity: 2, run: ttl },
  { name: "pttl", arity: 2, run: pttl },
  { name: "dbsize", arity: 1, run: dbsize },
  { name: "flushdb", arity: -1, run: flush },
  { name: "flushall", arity: -1, run: flush },
  { name: "select", arity: 2, run: select },
  { name: "quit", arity: -1, run: quit },
  { name: "hello", arity: -1, run: hello },
  { name: "config", arity: -2, run: config },
  { name: "command", arity: -1, run: command },
  { name: "client", arity: -2, run: client },
  { name: "info", arity: -1, run: info },
];

const TABLE = new Map(COMMANDS.map((c) => [c.name, c]));

/**
 * Command lookup on the name's bytes, with no string made: a 64-slot table
 * hashed on length and first and last letters, each slot checked byte by
 * byte. Making a lower-case string and a `Map` lookup would cost as much as
 * all the rest of a PING on Bun (JSC).
 */
const SLOTS: Array<Array<[Uint8Array, Command]>> = Array.from({ length: 64 }, () => []);
for (const c of COMMANDS) {
  const name = Uint8Array.from(c.name, (ch) => ch.charCodeAt(0));
  SLOTS[slotOf(name)].push([name, c]);
}

function lowerByte(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

function slotOf(b: Uint8Array): number {
  const n = b.length;
  return n === 0 ? 0 : (n * 7 + lowerByte(b[0]) * 3 + lowerByte(b[n - 1])) & 63;
}

function lookup(b: Uint8Array): Command | undefined {
  const slot = SLOTS[slotOf(b)];
  for (let s = 0; s < slot.length; s++) {
    const [name, cmd] = slot[s];
    if (name.length !== b.length) continue;
    let i = 0;
    while (i < b.length && lowerByte(b[i]) === name[i]) i++;
    if (i === b.length) return cmd;
  }
  return undefined;
}

/** Runs the command in `args` (name first), replying into `ctx.out`. */
export function dispatch(ctx: CommandContext, args: Uint8Array[]): Outcome {
  const cmd = lookup(args[0]);
  if (cmd === undefined) {
    unknownCommand(ctx, args);
    return CONTINUE;
  }
  const argc = args.length;
  if (cmd.arity > 0 ? argc !== cmd.arity : argc < -cmd.arity) {
    arityError(ctx, cmd.name);
    return CONTINUE;
  }
  return cmd.run(ctx, args) ?? CONTINUE;
}
