// examples/resp-kv.ts as a black box, on every runtime: the real redis-cli
// (round trips, --pipe mass insertion) and redis-benchmark (pipelined, no
// errors, every test reporting requests per second). Without the tools
// (apt's redis-tools) the tests skip and say why. Requests per second are
// printed for the record, never asserted.
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRuntimes } from "../../cli/runtimes.mjs";
import { findTool, type StartedServer, startServer } from "./_server.ts";

const redisCli = findTool("redis-cli");
const redisBenchmark = findTool("redis-benchmark");
const rates: Record<string, Record<string, number>> = {};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], input?: string, timeoutMs = 30_000): Promise<Ran> {
  return new Promise((done) => {
    const child = execFile(
      bin,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** redis-benchmark's `-q` output: one "NAME: N requests per second" line per test. */
function parseBenchmark(stdout: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of stdout.split(/[\r\n]+/)) {
    const m = /^\s*(.+?): ([\d.]+) requests per second/.exec(line);
    if (m) found.set(m[1], Number(m[2]));
  }
  return found;
}

afterAll(() => {
  if (Object.keys(rates).length === 0) return;
  console.log("redis-benchmark -n 100000 -P 16 against examples/resp-kv.ts (requests/s, for the record):");
  for (const [rt, r] of Object.entries(rates)) {
    console.log(`  ${rt.padEnd(7)} ${Object.entries(r).map(([t, v]) => `${t} ${Math.round(v)}`).join(", ")}`);
  }
});

for (const rt of findRuntimes()) {
  const title = `resp-kv on ${rt.id} ${rt.version ?? ""}`.trim();
  const missing = !rt.available
    ? rt.reason
    : !redisCli || !redisBenchmark
    ? "redis-cli / redis-benchmark not installed (apt-get install redis-tools)"
    : undefined;
  if (missing !== undefined) {
    describe.skip(`${title} — skipped: ${missing}`, () => {
      it.skip("needs the runtime and redis-tools", () => {});
    });
    continue;
  }

  describe(title, () => {
    let server: StartedServer;
    const cli = async (...args: string[]) => {
      const r = await run(redisCli!, ["--no-raw", "-h", "127.0.0.1", "-p", String(server.port), ...args]);
      expect(r.stderr, `redis-cli ${args.join(" ")}`).toBe("");
      return r.stdout.trimEnd();
    };

    beforeAll(async () => {
      server = await startServer(rt.id, "examples/resp-kv.ts");
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("redis-cli round trips: PING, SET/GET, INCR/DECR, MSET/MGET, DEL, EXISTS, errors", async () => {
      expect(await cli("PING")).toBe("PONG");
      expect(await cli("PING", "hello world")).toBe('"hello world"');
      expect(await cli("ECHO", "x")).toBe('"x"');
      expect(await cli("SET", "greeting", "hello")).toBe("OK");
      expect(await cli("GET", "greeting")).toBe('"hello"');
      expect(await cli("GET", "missing")).toBe("(nil)");
      expect(await cli("SET", "greeting", "other", "NX")).toBe("(nil)");
      expect(await cli("SET", "greeting", "bye", "XX")).toBe("OK");
      expect(await cli("GET", "greeting")).toBe('"bye"');
      expect(await cli("SET", "n", "41")).toBe("OK");
      expect(await cli("INCR", "n")).toBe("(integer) 42");
      expect(await cli("DECR", "n")).toBe("(integer) 41");
      expect(await cli("INCR", "greeting")).toBe("(error) ERR value is not an integer or out of range");
      expect(await cli("MSET", "a", "1", "b", "2")).toBe("OK");
      expect(await cli("MGET", "a", "b", "nope")).toBe('1) "1"\n2) "2"\n3) (nil)');
      expect(await cli("EXISTS", "a", "b", "nope", "a")).toBe("(integer) 3");
      expect(await cli("DEL", "a", "b", "nope")).toBe("(integer) 2");
      expect(await cli("EXISTS", "a", "b")).toBe("(integer) 0");
      expect(await cli("NOPE", "x")).toBe(
        "(error) ERR unknown command 'NOPE', with args beginning with: 'x'",
      );
      expect(await cli("GET")).toBe("(error) ERR wrong number of arguments for 'get' command");
      expect(await cli("SET", "k", "v", "EX", "0")).toBe("(error) ERR invalid expire time in 'set' command");
    });

    it("redis-cli: SET ... EX expires the key", async () => {
      expect(await cli("SET", "short", "lived", "EX", "1")).toBe("OK");
      expect(await cli("TTL", "short")).toBe("(integer) 1");
      expect(await cli("GET", "short")).toBe('"lived"');
      await new Promise((r) => setTimeout(r, 1100));
      expect(await cli("GET", "short")).toBe("(nil)");
      expect(await cli("EXISTS", "short")).toBe("(integer) 0");
    });

    it("redis-cli --pipe: 20,000 commands in one stream, every reply, no errors", async () => {
      let input = "";
      for (let i = 0; i < 20_000; i++) {
        const k = `pipe:${i}`;
        const v = `value-${i}`;
        input += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
      }
      const r = await run(redisCli!, ["-h", "127.0.0.1", "-p", String(server.port), "--pipe"], input);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/errors: 0, replies: 20000/);
      expect(await cli("GET", "pipe:19999")).toBe('"value-19999"');
    });

    it("redis-benchmark -P 16 -t ping,set,get,incr: no errors, every test reports", async () => {
      const args = ["-h", "127.0.0.1", "-p", String(server.port), "-q", "-n", "100000", "-P", "16"];
      const r = await run(redisBenchmark!, [...args, "-t", "ping,set,get,incr"], undefined, 120_000);
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(0);
      expect(out).not.toMatch(/error|warning/i); // "Error from server", "WARNING: Could not fetch server CONFIG"
      const found = parseBenchmark(r.stdout);
      expect([...found.keys()].sort()).toEqual(["GET", "INCR", "PING_INLINE", "PING_MBULK", "SET"]);
      // Every INCR arrived: redis-benchmark increments one key 100,000 times.
      expect(await cli("GET", "counter:__rand_int__")).toBe('"100000"');
      expect(await cli("STRLEN", "key:__rand_int__")).toMatch(/ERR unknown command/); // not offered
      expect(await cli("GET", "key:__rand_int__")).toMatch(/^"[A-Za-z]{3}"$/); // -d 3, random letters
      rates[rt.id] = Object.fromEntries(found);
    });

    it("redis-benchmark -P 16 -t mset: no errors", async () => {
      const args = ["-h", "127.0.0.1", "-p", String(server.port), "-q", "-n", "100000", "-P", "16"];
      const r = await run(redisBenchmark!, [...args, "-t", "mset"], undefined, 120_000);
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(0);
      expect(out).not.toMatch(/error|warning/i);
      const found = parseBenchmark(r.stdout);
      expect([...found.keys()]).toEqual(["MSET (10 keys)"]);
      rates[rt.id] = { ...rates[rt.id], ...Object.fromEntries(found) };
      expect(server.exited).toBe(false);
    });
  });
}
