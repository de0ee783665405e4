// RK1 as a property: any sequence of valid commands (multibulk or inline),
// split at arbitrary points and read by a peer that stalls at arbitrary
// moments, gets exactly the replies it gets when sent in one chunk to a
// peer that reads everything.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRespKv } from "../../examples/resp-kv.ts";
import { Keyspace } from "../../examples/resp/_store.ts";
import { latin1, latin1Bytes, multibulk, Wire } from "./_wire.ts";

const key = fc.constantFrom("a", "b", "counter", "k\r\n", "\x00\xff");
const bytes = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 24 }).map(latin1) },
  { weight: 2, arbitrary: fc.constantFrom("0", "41", "-7", "9223372036854775807", "x") },
  { weight: 1, arbitrary: fc.integer({ min: 8_000, max: 20_000 }).map((n) => "v".repeat(n)) },
);
const token = fc.stringMatching(/^[A-Za-z0-9:_-]{1,12}$/);

const command: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(key, bytes).map(([k, v]) => ["SET", k, v]),
  fc.tuple(key, bytes, fc.constantFrom("NX", "XX", "GET", "KEEPTTL")).map(([k, v, o]) => ["SET", k, v, o]),
  fc.tuple(key, bytes, fc.constantFrom("EX", "PX"), fc.integer({ min: 1000, max: 100_000 })).map((
    [k, v, o, n],
  ) => ["SET", k, v, o, String(n)]),
  key.map((k) => ["GET", k]),
  key.map((k) => ["INCR", k]),
  key.map((k) => ["DECR", k]),
  fc.array(key, { minLength: 1, maxLength: 4 }).map((ks) => ["DEL", ...ks]),
  fc.array(key, { minLength: 1, maxLength: 4 }).map((ks) => ["EXISTS", ...ks]),
  fc.array(key, { minLength: 1, maxLength: 4 }).map((ks) => ["MGET", ...ks]),
  fc.array(fc.tuple(key, bytes), { minLength: 1, maxLength: 3 }).map((kv) => ["MSET", ...kv.flat()]),
  fc.constant<string[]>(["PING"]),
  bytes.map((m) => ["PING", m]),
  bytes.map((m) => ["ECHO", m]),
  fc.constant<string[]>(["GET"]), // wrong arity
  fc.array(token, { minLength: 1, maxLength: 3 }).map((t) => ["NOSUCH", ...t]),
  fc.array(token, { minLength: 0, maxLength: 3 }).map((t) => ["inline", "PING", ...t.slice(0, 1)]),
  fc.tuple(key.filter((k) => /^\w+$/.test(k)), token).map(([k, v]) => ["inline", "SET", k, v]),
);

function encode(cmd: string[]): string {
  if (cmd[0] === "inline") return cmd.slice(1).join(" ") + "\r\n";
  return multibulk(...cmd);
}

/** Runs `input` in `cuts`-separated chunks; the peer reads `reads[i]` bytes around chunk i (0 = stalls). */
async function run(input: Uint8Array, cuts: number[], reads: number[], highWaterMark?: number) {
  const kv = createRespKv({ db: new Keyspace(() => 1_000_000) });
  const wire = new Wire(kv, { highWaterMark });
  const at = [
    0,
    ...[...new Set(cuts)].filter((c) => c > 0 && c < input.length).sort((a, b) => a - b),
    input.length,
  ];
  for (let i = 0; i + 1 < at.length; i++) {
    // The peer reads up to `budget` bytes, from now until the next chunk.
    const budget = reads.length > 0 ? reads[i % reads.length] : Infinity;
    if (budget === 0) wire.stall();
    else wire.flow(budget);
    wire.send(input.subarray(at[i], at[i + 1]));
    await wire.settle();
  }
  for (let i = 0; i < 10_000 && (wire.t.paused || wire.conn.bufferedAmount > 0); i++) {
    wire.flow();
    await wire.settle();
  }
  wire.flow();
  await wire.settle();
  expect(wire.thrown).toBeUndefined();
  expect(wire.closedWith).toBe("open");
  kv.db.clear();
  return { out: wire.output(), paused: wire.pauses };
}

describe("resp-kv property", () => {
  it("RK1: replies do not depend on chunking or on when the peer reads", async () => {
    let blocked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 4, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        fc.array(
          fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 70_000 })),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.constantFrom(16, 64, 256, 1024, undefined),
        async (cmds, rawCuts, reads, highWaterMark) => {
          const input = latin1Bytes(cmds.map(encode).join(""));
          const whole = await run(input, [], []);
          const cuts = rawCuts.map((c) => c % (input.length + 1));
          const split = await run(input, cuts, reads, highWaterMark);
          if (split.paused > 0) blocked++;
          expect(split.out.length).toBe(whole.out.length);
          expect(split.out === whole.out).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
    console.log(`property: ${blocked} of 500 runs paused for backpressure`);
    // The property is only worth something if backpressure really happened.
    expect(blocked).toBeGreaterThan(100);
  });
});
