// Real clients against examples/hello-hono.ts, served by the CLI on every
// runtime and engine: Node's fetch (undici), curl and a short bounded wrk run
// (127.0.0.1 only, 2 s). A missing tool is a skip with the reason.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runtimes } from "../conformance/_spawn.ts";
import { findTool, type StartedServer, startServer } from "./_server.ts";

const noCurl = findTool("curl") === undefined ? "curl is not installed" : undefined;
const noWrk = findTool("wrk") === undefined ? "wrk is not installed" : undefined;

function run(tool: string, args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(tool, args, { timeout: 20_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${tool} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    // A tool that exits without reading its input closes the pipe: not an error here.
    child.stdin?.on("error", () => {});
    child.stdin?.end(input ?? "");
  });
}

for (const rt of runtimes()) {
  for (const engine of ["kernel", "native"] as const) {
    const title = `real clients against examples/hello-hono.ts on ${rt.id} (${engine} engine)`;
    if (!rt.available) {
      describe.skip(`${title} — skipped: ${rt.reason}`, () => it.skip("runtime not available", () => {}));
      continue;
    }
    describe(title, () => {
      let server: StartedServer;
      let base = "";
      beforeAll(async () => {
        server = await startServer(rt.id, "examples/hello-hono.ts", {
          args: ["--engine", engine, "--grace", "1000"],
        });
        base = `http://127.0.0.1:${server.port}`;
      }, 40_000);
      afterAll(async () => {
        await server?.stop();
      });

      it("Node fetch: text, JSON, streamed echo, streamed response, caller's address", async () => {
        assert.equal(await (await fetch(`${base}/`)).text(), "Hello, World!");
        assert.deepEqual(await (await fetch(`${base}/json`)).json(), {
          message: "Hello, World!",
          from: "triloop",
        });
        const body = new Uint8Array(1 << 20).map((_, i) => i * 7);
        const echoed = new Uint8Array(
          await (await fetch(`${base}/echo`, { method: "POST", body })).arrayBuffer(),
        );
        assert.deepEqual(echoed, body);
        const lines = (await (await fetch(`${base}/stream`)).text()).trimEnd().split("\n");
        assert.equal(lines.length, 100);
        assert.equal(lines[99], "chunk 99");
        const ip = await (await fetch(`${base}/ip`)).json() as { address: string; port: number };
        assert.equal(ip.address.replace(/^::ffff:/, ""), "127.0.0.1");
        assert.ok(ip.port > 0);
      });

      it.skipIf(noCurl !== undefined)(
        `curl: GET, HEAD, HTTP/1.0, echo${noCurl ? ` — skipped: ${noCurl}` : ""}`,
        async () => {
          assert.equal((await run("curl", ["-sS", `${base}/`])).stdout, "Hello, World!");
          const head = await run("curl", ["-sS", "-I", `${base}/`]);
          assert.match(head.stdout, /^HTTP\/1\.1 200/);
          assert.equal(
            (await run("curl", ["-sS", "-0", `${base}/json`])).stdout,
            '{"message":"Hello, World!","from":"triloop"}',
          );
          // The whole body, read with arrayBuffer(), and nothing of the head around it.
          assert.equal(
            (await run("curl", ["-sS", "-X", "POST", "--data", "hello", `${base}/bytes`])).stdout,
            "hello",
          );
          assert.equal(
            (await run("curl", ["-sS", "-X", "DELETE", "--data", "gone", `${base}/forward`])).stdout,
            '{"method":"DELETE","forwarded":"1","body":"gone"}',
          );
          // Request-targets that make no path are not server errors.
          const star = await run("curl", [
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "OPTIONS",
            "--request-target",
            "*",
            `${base}/`,
          ]);
          assert.notEqual(star.stdout, "500");
          const text = "x".repeat(100_000);
          assert.equal(
            (await run("curl", ["-sS", "--data-binary", "@-", `${base}/echo`], text)).stdout,
            text,
          );
        },
      );

      it.skipIf(noWrk !== undefined)(
        `wrk -t1 -c16 -d2s: no errors, only 2xx${noWrk ? ` — skipped: ${noWrk}` : ""}`,
        async () => {
          const { stdout } = await run("wrk", ["-t1", "-c16", "-d2s", `${base}/`]);
          assert.match(stdout, /\d+ requests in/, stdout);
          assert.doesNotMatch(stdout, /Non-2xx or 3xx responses/, stdout);
          assert.doesNotMatch(stdout, /Socket errors/, stdout);
        },
        20_000,
      );

      it("SIGTERM closes the server gracefully", async () => {
        await server.stop(10_000);
        assert.match(server.output(), /shutdown (drained|forced): \d+ completed/);
      }, 20_000);
    });
  }
}
