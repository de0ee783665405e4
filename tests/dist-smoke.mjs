// After `build.ts`: the published Node entry (dist/, plain JS, no loader)
// serves HTTP on the kernel engine, echoes TCP, and runs a pool task in a
// worker — the parts that need files beside each other in dist/.
import assert from "node:assert/strict";
import { getConnInfo, runtime } from "../dist/adapters/node/mod.js";

const server = await runtime.serve({
  port: 0,
  engine: "kernel",
  watchdog: false,
  fetch: (_req, info) => new Response(`hi ${getConnInfo({ env: info }).remote.address}`),
});
assert.equal(await (await fetch(server.url)).text(), "hi 127.0.0.1");
await server.close({ graceMs: 100 });

const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, {
  data: (c, b) => void c.write(b),
});
const got = await new Promise((resolve, reject) => {
  runtime.connect({ port: listener.port }, {
    open: (c) => c.end("ping"),
    data: (_c, b) => resolve(new TextDecoder().decode(b)),
  }).catch(reject);
});
assert.equal(got, "ping");
await listener.close({ force: true });

const pool = runtime.createPool({ tasks: new URL("./fixtures/dist/tasks.mjs", import.meta.url), size: 1 });
assert.equal(await pool.run("double", 21), 42);
await pool.close();
console.log(
  "dist smoke: serve, listen/connect and a pool task work from dist/ on Node",
  process.versions.node,
);
