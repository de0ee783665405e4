// Every command of examples/resp-kv.ts and every reply form, with Redis's
// exact texts, through the real core connection (tests/resp/_wire.ts).
import { afterEach, describe, expect, it } from "vitest";
import { createRespKv, type RespKv } from "../../examples/resp-kv.ts";
import { Keyspace } from "../../examples/resp/_store.ts";
import { multibulk as mb, Wire } from "./_wire.ts";

let clock = 1_700_000_000_000;
let handlers: RespKv[] = [];

function server(): { kv: RespKv; wire: Wire; ask: (...args: string[]) => string } {
  const kv = createRespKv({ db: new Keyspace(() => clock) });
  handlers.push(kv);
  const wire = new Wire(kv);
  const ask = (...args: string[]) => {
    wire.send(mb(...args));
    return wire.take();
  };
  return { kv, wire, ask };
}

afterEach(() => {
  for (const h of handlers) h.db.clear(); // stops expiry sweeps
  handlers = [];
});

const wrongArgs = (name: string) => `-ERR wrong number of arguments for '${name}' command\r\n`;
const NOT_INT = "-ERR value is not an integer or out of range\r\n";

describe("resp-kv commands", () => {
  it("PING, with and without a message, multibulk and inline", () => {
    const { wire, ask } = server();
    expect(ask("PING")).toBe("+PONG\r\n");
    expect(ask("ping", "hello there")).toBe("$11\r\nhello there\r\n");
    expect(ask("PING", "a", "b")).toBe(wrongArgs("ping"));
    wire.send('PING\r\nping\nPING "x y"\r\n');
    expect(wire.take()).toBe("+PONG\r\n+PONG\r\n$3\r\nx y\r\n");
  });

  it("ECHO keeps bytes as bytes, including CR, LF and non-UTF-8", () => {
    const { ask } = server();
    expect(ask("ECHO", "a\r\nb\xff\x00")).toBe("$6\r\na\r\nb\xff\x00\r\n");
    expect(ask("ECHO", "")).toBe("$0\r\n\r\n");
    expect(ask("ECHO")).toBe(wrongArgs("echo"));
  });

  it("SET and GET, with binary keys and values", () => {
    const { ask } = server();
    expect(ask("GET", "k")).toBe("$-1\r\n");
    expect(ask("SET", "k", "v")).toBe("+OK\r\n");
    expect(ask("GET", "k")).toBe("$1\r\nv\r\n");
    expect(ask("SET", "\x00\xfe key", "\x80\x81\r\n")).toBe("+OK\r\n");
    expect(ask("GET", "\x00\xfe key")).toBe("$4\r\n\x80\x81\r\n\r\n");
    expect(ask("GET", "\x00\xfe KEY")).toBe("$-1\r\n");
    expect(ask("SET", "k")).toBe(wrongArgs("set"));
    expect(ask("GET", "a", "b")).toBe(wrongArgs("get"));
  });

  it("SET NX / XX: +OK when met, nil bulk when not", () => {
    const { ask } = server();
    expect(ask("SET", "k", "1", "XX")).toBe("$-1\r\n");
    expect(ask("SET", "k", "1", "nx")).toBe("+OK\r\n");
    expect(ask("SET", "k", "2", "NX")).toBe("$-1\r\n");
    expect(ask("GET", "k")).toBe("$1\r\n1\r\n");
    expect(ask("SET", "k", "3", "XX")).toBe("+OK\r\n");
    expect(ask("GET", "k")).toBe("$1\r\n3\r\n");
    expect(ask("SET", "k", "4", "NX", "XX")).toBe("-ERR syntax error\r\n");
    expect(ask("SET", "k", "4", "XX", "NX")).toBe("-ERR syntax error\r\n");
    expect(ask("SET", "k", "5", "GET")).toBe("$1\r\n3\r\n");
    expect(ask("SET", "new", "5", "NX", "GET")).toBe("$-1\r\n");
    expect(ask("GET", "new")).toBe("$1\r\n5\r\n");
  });

  it("SET EX / PX / EXAT / PXAT / KEEPTTL, and expiry on access", () => {
    const { ask } = server();
    expect(ask("SET", "s", "v", "EX", "10")).toBe("+OK\r\n");
    expect(ask("TTL", "s")).toBe(":10\r\n");
    expect(ask("SET", "p", "v", "px", "1500")).toBe("+OK\r\n");
    expect(ask("PTTL", "p")).toBe(":1500\r\n");
    clock += 1499;
    expect(ask("GET", "p")).toBe("$1\r\nv\r\n");
    clock += 1;
    expect(ask("GET", "p")).toBe("$-1\r\n");
    expect(ask("EXISTS", "p")).toBe(":0\r\n");
    expect(ask("TTL", "p")).toBe(":-2\r\n");
    expect(ask("SET", "a", "v", "EXAT", String(Math.floor(clock / 1000) + 100))).toBe("+OK\r\n");
    expect(ask("SET", "b", "v", "PXAT", String(clock + 5000))).toBe("+OK\r\n");
    expect(ask("PTTL", "b")).toBe(":5000\r\n");
    expect(ask("SET", "b", "w", "KEEPTTL")).toBe("+OK\r\n");
    expect(ask("PTTL", "b")).toBe(":5000\r\n");
    expect(ask("SET", "b", "w")).toBe("+OK\r\n");
    expect(ask("TTL", "b")).toBe(":-1\r\n");
    clock += 10_000 - 1500 - 1; // s was set 1,500 ms ago with 10 s to live
    expect(ask("GET", "s")).toBe("$1\r\nv\r\n");
    clock += 1;
    expect(ask("GET", "s")).toBe("$-1\r\n");
  });

  it("SET option errors are Redis's", () => {
    const { ask } = server();
    expect(ask("SET", "k", "v", "EX")).toBe("-ERR syntax error\r\n");
    expect(ask("SET", "k", "v", "EX", "ten")).toBe(NOT_INT);
    expect(ask("SET", "k", "v", "EX", "0")).toBe("-ERR invalid expire time in 'set' command\r\n");
    expect(ask("SET", "k", "v", "PX", "-5")).toBe("-ERR invalid expire time in 'set' command\r\n");
    expect(ask("SET", "k", "v", "EX", "1", "PX", "1")).toBe("-ERR syntax error\r\n");
    expect(ask("SET", "k", "v", "KEEPTTL", "EX", "1")).toBe("-ERR syntax error\r\n");
    expect(ask("SET", "k", "v", "BOGUS")).toBe("-ERR syntax error\r\n");
    expect(ask("EXISTS", "k")).toBe(":0\r\n");
  });

  it("DEL and EXISTS take many keys and count", () => {
    const { ask } = server();
    ask("MSET", "a", "1", "b", "2", "c", "3");
    expect(ask("EXISTS", "a", "a", "b", "zz")).toBe(":3\r\n");
    expect(ask("EXISTS", "a")).toBe(":1\r\n");
    expect(ask("DEL", "a", "b", "zz", "a")).toBe(":2\r\n");
    expect(ask("DEL", "a")).toBe(":0\r\n");
    expect(ask("DBSIZE")).toBe(":1\r\n");
    expect(ask("DEL")).toBe(wrongArgs("del"));
    expect(ask("EXISTS")).toBe(wrongArgs("exists"));
  });

  it("INCR / DECR / INCRBY / DECRBY on 64-bit integers, with Redis's errors", () => {
    const { ask } = server();
    expect(ask("INCR", "n")).toBe(":1\r\n");
    expect(ask("INCR", "n")).toBe(":2\r\n");
    expect(ask("DECR", "n")).toBe(":1\r\n");
    expect(ask("DECR", "m")).toBe(":-1\r\n");
    expect(ask("INCRBY", "n", "100")).toBe(":101\r\n");
    expect(ask("DECRBY", "n", "1000")).toBe(":-899\r\n");
    expect(ask("GET", "n")).toBe("$4\r\n-899\r\n");
    for (const bad of ["abc", "", " 1", "1 ", "+1", "01", "-0", "1.5", "99999999999999999999"]) {
      ask("SET", "x", bad);
      expect(ask("INCR", "x"), JSON.stringify(bad)).toBe(NOT_INT);
    }
    ask("SET", "big", "9223372036854775806");
    expect(ask("INCR", "big")).toBe(":9223372036854775807\r\n");
    expect(ask("INCR", "big")).toBe("-ERR increment or decrement would overflow\r\n");
    expect(ask("GET", "big")).toBe("$19\r\n9223372036854775807\r\n");
    ask("SET", "small", "-9223372036854775807");
    expect(ask("DECR", "small")).toBe(":-9223372036854775808\r\n");
    expect(ask("DECR", "small")).toBe("-ERR increment or decrement would overflow\r\n");
    ask("SET", "k", "9007199254740991"); // 2^53 - 1: past it, exact bigint arithmetic
    expect(ask("INCR", "k")).toBe(":9007199254740992\r\n");
    expect(ask("INCR", "k")).toBe(":9007199254740993\r\n");
    expect(ask("INCRBY", "k", "x")).toBe(NOT_INT);
    expect(ask("DECRBY", "k", "-9223372036854775808")).toBe("-ERR decrement would overflow\r\n");
    expect(ask("INCR")).toBe(wrongArgs("incr"));
  });

  it("INCR keeps the key's deadline", () => {
    const { ask } = server();
    ask("SET", "n", "5", "PX", "100");
    expect(ask("INCR", "n")).toBe(":6\r\n");
    expect(ask("PTTL", "n")).toBe(":100\r\n");
  });

  it("MGET and MSET", () => {
    const { ask } = server();
    expect(ask("MSET", "a", "1", "b", "")).toBe("+OK\r\n");
    expect(ask("MGET", "a", "nope", "b")).toBe("*3\r\n$1\r\n1\r\n$-1\r\n$0\r\n\r\n");
    expect(ask("MSET", "a", "1", "b")).toBe(wrongArgs("mset"));
    expect(ask("MSET", "a")).toBe(wrongArgs("mset"));
    expect(ask("MGET")).toBe(wrongArgs("mget"));
    ask("SET", "t", "v", "EX", "5");
    ask("MSET", "t", "w");
    expect(ask("TTL", "t")).toBe(":-1\r\n");
  });

  it("answers what redis-cli and redis-benchmark send on connect", () => {
    const { ask } = server();
    expect(ask("CONFIG", "GET", "save")).toBe("*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
    expect(ask("config", "get", "appendonly")).toBe("*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
    expect(ask("CONFIG", "GET", "nothing-like-this")).toBe("*0\r\n");
    expect(ask("CONFIG", "GET", "save", "appendonly")).toMatch(/^\*4\r\n/);
    expect(ask("CONFIG", "GET", "*")).toMatch(/^\*10\r\n/);
    expect(ask("CONFIG", "GET", "APPEND*")).toBe("*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
    expect(ask("CONFIG", "SET", "save", "")).toBe("-ERR unknown subcommand 'SET'. Try CONFIG HELP.\r\n");
    expect(ask("CONFIG", "GET")).toBe(wrongArgs("config|get"));
    expect(ask("COMMAND")).toBe("*0\r\n");
    expect(ask("COMMAND", "DOCS")).toBe("*0\r\n");
    expect(ask("COMMAND", "DOCS", "get")).toBe("*0\r\n");
    expect(ask("COMMAND", "COUNT")).toMatch(/^:\d+\r\n$/);
    expect(ask("COMMAND", "INFO", "get", "set")).toBe("*2\r\n$-1\r\n$-1\r\n");
    expect(ask("HELLO", "3")).toBe("-NOPROTO unsupported protocol version\r\n");
    expect(ask("HELLO")).toBe("-NOPROTO unsupported protocol version\r\n");
    expect(ask("CLIENT", "SETNAME", "x")).toBe("+OK\r\n");
    expect(ask("CLIENT", "SETINFO", "lib-name", "redis-py")).toBe("+OK\r\n");
    expect(ask("CLIENT", "GETNAME")).toBe("$-1\r\n");
    expect(ask("CLIENT", "ID")).toMatch(/^:\d+\r\n$/);
    expect(ask("CLIENT", "KILL")).toBe("-ERR unknown subcommand 'KILL'. Try CLIENT HELP.\r\n");
    expect(ask("SELECT", "0")).toBe("+OK\r\n");
    expect(ask("SELECT", "1")).toBe("-ERR DB index is out of range\r\n");
    expect(ask("SELECT", "x")).toBe(NOT_INT);
    expect(ask("INFO")).toMatch(/^\$\d+\r\n# Server\r\nredis_version:/);
  });

  it("FLUSHDB / FLUSHALL / DBSIZE", () => {
    const { ask } = server();
    ask("MSET", "a", "1", "b", "2");
    expect(ask("DBSIZE")).toBe(":2\r\n");
    expect(ask("FLUSHALL")).toBe("+OK\r\n");
    expect(ask("DBSIZE")).toBe(":0\r\n");
    ask("SET", "a", "1");
    expect(ask("FLUSHDB")).toBe("+OK\r\n");
    expect(ask("GET", "a")).toBe("$-1\r\n");
  });

  it("command names match in any case, and only whole names match", () => {
    const { ask } = server();
    expect(ask("pInG")).toBe("+PONG\r\n");
    expect(ask("sEt", "k", "v")).toBe("+OK\r\n");
    expect(ask("GeT", "k")).toBe("$1\r\nv\r\n");
    expect(ask("MgEt", "k")).toBe("*1\r\n$1\r\nv\r\n");
    for (const near of ["GE", "GETS", "xget", "P1NG", "PING\x00", "\xc7ET", "geT ", "@et", "incR_"]) {
      expect(ask(near, "k"), JSON.stringify(near)).toMatch(/^-ERR unknown command /);
    }
  });

  it("unknown commands get Redis's message with an argument preview", () => {
    const { ask } = server();
    expect(ask("FOO")).toBe("-ERR unknown command 'FOO', with args beginning with: \r\n");
    expect(ask("foo", "a", "b c")).toBe(
      "-ERR unknown command 'foo', with args beginning with: 'a' 'b c' \r\n",
    );
    // CR/LF in the text become spaces; the preview stops near 128 bytes.
    expect(ask("x\r\ny", "1\n2")).toBe("-ERR unknown command 'x  y', with args beginning with: '1 2' \r\n");
    const long = ask("nope", "a".repeat(200), "b");
    expect(long).toBe(`-ERR unknown command 'nope', with args beginning with: '${"a".repeat(128)}' \r\n`);
  });

  it("QUIT replies +OK, then ends the connection and ignores what follows", async () => {
    const { wire } = server();
    wire.send(mb("SET", "a", "1") + mb("QUIT") + mb("SET", "a", "2"));
    expect(wire.take()).toBe("+OK\r\n+OK\r\n");
    expect(wire.t.finSent).toBe(true);
    wire.send(mb("PING"));
    await wire.settle();
    expect(wire.take()).toBe("");
  });

  it("a peer FIN ends our side once replies are out", async () => {
    const { wire } = server();
    wire.send(mb("PING") + "*2\r\n$3\r\nGE");
    wire.fin();
    await wire.settle();
    expect(wire.take()).toBe("+PONG\r\n");
    expect(wire.t.finSent).toBe(true);
    expect(wire.closedWith).toBeUndefined();
  });

  it("values are stored as bytes, not views into the read chunk", () => {
    const { wire, ask } = server();
    const chunk = new TextEncoder().encode(mb("SET", "k", "value") + mb("GET", "k"));
    wire.send(chunk);
    expect(wire.take()).toBe("+OK\r\n$5\r\nvalue\r\n");
    chunk.fill(0x21); // the kernel would never do this (S3), but a kept view would show it
    expect(ask("GET", "k")).toBe("$5\r\nvalue\r\n");
  });
});
