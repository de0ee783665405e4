import { createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findRuntimes } from "../../cli/runtimes.mjs";
import { LoadGenerator, share } from "../../bench/load/generator.ts";
import type { LoadJob } from "../../bench/load/job.ts";
import { batchOf, requestBytes, respBatch, SCENARIOS } from "../../bench/scenarios.ts";
import type { HttpScenario } from "../../bench/scenarios.ts";

/** A test server: `answer` decides what each request head gets. */
function server(answer: (sock: Socket, head: string) => void): Promise<{ port: number; srv: Server }> {
  const srv = createServer((sock) => {
    let buf = "";
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      let end: number;
      while ((end = buf.indexOf("\r\n\r\n")) >= 0) {
        const head = buf.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) break;
        buf = buf.slice(end + 4 + length);
        answer(sock, head);
      }
    });
    sock.on("error", () => {});
  });
  return new Promise((resolve) =>
    srv.listen(0, "127.0.0.1", () => resolve({ port: (srv.address() as { port: number }).port, srv }))
  );
}

function job(s: HttpScenario, port: number, over: Partial<LoadJob> = {}): LoadJob {
  return {
    protocol: "http",
    hostname: "127.0.0.1",
    port,
    connections: 4,
    batch: batchOf(requestBytes(s, "127.0.0.1", port), s.depth),
    depth: s.depth,
    churn: s.churn,
    timeoutMs: 5000,
    ...over,
  };
}

it("share splits connections and requests over threads exactly", () => {
  expect([0, 1, 2].map((i) => share(10, 3, i))).toEqual([4, 3, 3]);
  expect([0, 1].map((i) => share(1, 2, i))).toEqual([1, 0]);
});

// The same accounting wherever the load threads run: in this process (Node
// worker threads), and in the Bun host process the bench uses by default.
const bun = findRuntimes().find((r) => r.id === "bun");
const hosts: Array<[string, () => LoadGenerator]> = [["node worker threads", () => LoadGenerator.create(2)]];
if (bun?.available) {
  hosts.push([
    "bun host process",
    () =>
      LoadGenerator.create(2, {
        argv: [bun.bin!, "run", fileURLToPath(new URL("../../bench/load/host.ts", import.meta.url))],
        label: "Bun",
      }),
  ]);
} else {
  it.skip("bun host process: Bun is not installed (npm install brings it)", () => {});
}

for (const [name, create] of hosts) {
  describe(`load generator accounting (${name})`, () => {
    const gen = create();
    afterAll(() => gen.close());
    suite(gen);
  });
}

function suite(gen: LoadGenerator): void {
  it("reports the CPU of the process the threads run in", () => {
    expect(gen.cpuMicros()).toBeGreaterThan(0);
  });

  it("counts exactly the requested responses, pipelined, with latencies and no errors", async () => {
    let seen = 0;
    const { port, srv } = await server((sock) => {
      seen++;
      sock.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    });
    await gen.start(job(SCENARIOS.pipelined as HttpScenario, port));
    await gen.measure(1600);
    const r = await gen.stop();
    srv.close();
    expect(r.responses).toBeGreaterThanOrEqual(1600);
    expect(r.responses).toBeLessThan(1600 + 4 * 16 * 2); // at most the batches in flight finish
    expect(r.latency.count).toBe(r.responses);
    expect(r.latency.p50).toBeGreaterThan(0);
    expect(r.non2xx).toBe(0);
    expect(r.errors).toEqual({ connect: 0, reset: 0, parse: 0, timeout: 0 });
    expect(seen).toBeGreaterThanOrEqual(r.responses);
  });

  it("counts non-2xx responses apart from errors (chunked bodies framed)", async () => {
    let n = 0;
    const { port, srv } = await server((sock) => {
      sock.write(
        n++ % 2
          ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
          : "HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n",
      );
    });
    await gen.start(job(SCENARIOS.hello as HttpScenario, port, { connections: 1 }));
    await gen.measure(100);
    const r = await gen.stop();
    srv.close();
    expect(r.responses).toBe(100);
    expect(r.non2xx).toBe(50);
    expect(r.errors.parse + r.errors.reset).toBe(0);
  });

  it("counts timeouts and resets, and keeps going on new connections", async () => {
    let n = 0;
    const { port, srv } = await server((sock) => {
      const k = n++ % 3;
      if (k === 0) sock.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
      else if (k === 1) sock.destroy(); // reset with a request outstanding
      // k === 2: never answers → timeout
    });
    await gen.start(job(SCENARIOS.hello as HttpScenario, port, { connections: 2, timeoutMs: 200 }));
    gen.measure();
    await new Promise((r) => setTimeout(r, 1500));
    const r = await gen.stop();
    srv.close();
    expect(r.responses).toBeGreaterThan(0);
    expect(r.errors.reset).toBeGreaterThan(0);
    expect(r.errors.timeout).toBeGreaterThan(0);
    expect(r.connects).toBeGreaterThan(2);
  });

  it("churn: a new connection per request, the server closing", async () => {
    const { port, srv } = await server((sock, head) => {
      expect(head).toMatch(/connection: close/i);
      sock.end("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
    });
    await gen.start(job(SCENARIOS.churn as HttpScenario, port, { connections: 2 }));
    await gen.measure(50);
    const r = await gen.stop();
    srv.close();
    expect(r.responses).toBeGreaterThanOrEqual(50);
    expect(r.connects).toBeGreaterThanOrEqual(r.responses - 2);
    expect(r.errors.reset).toBe(0);
  });

  it("frames RESP replies to pipelined commands", async () => {
    const srv = createServer((sock) => {
      // The generator closes its connections when it stops, unread replies
      // and all; a reset is how that may look from here.
      sock.on("error", () => {});
      let pending = "";
      sock.on("data", (d) => {
        pending += d.toString("latin1");
        const cmds = pending.split("*").length - 1;
        if (pending.endsWith("\r\n") && cmds > 0) {
          const out: string[] = [];
          for (const m of pending.matchAll(/\*\d+\r\n\$\d+\r\n(\w+)/g)) {
            out.push(
              m[1] === "PING"
                ? "+PONG\r\n"
                : m[1] === "GET"
                ? "$3\r\nxxx\r\n"
                : m[1] === "INCR"
                ? ":1\r\n"
                : "+OK\r\n",
            );
          }
          pending = "";
          sock.write(out.join(""));
        }
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    await gen.start({
      ...job(SCENARIOS.hello as HttpScenario, port),
      protocol: "resp",
      batch: respBatch(16),
      depth: 16,
    });
    await gen.measure(320);
    const r = await gen.stop();
    srv.close();
    expect(r.responses).toBeGreaterThanOrEqual(320);
    expect(r.errors.parse).toBe(0);
  });
}
