// Serves the HTTP fixture on the runtime executing this file, once per limit
// set, and prints one `TRILOOP-HTTP {json}` line with the ports and its pid
// (the suite reads the server's memory from /proc/<pid>). It calls
// runtime.serve itself because the limits differ per server.
// Usage: <runtime> http.runner.ts --engine kernel|native [--tls]
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import type { Server } from "../../core/types.ts";
import { fetch, fixtureLimits, recordError, setServers } from "./http-fixture.ts";
import { TEST_TLS } from "./_tls.ts";

const engine = process.argv[process.argv.indexOf("--engine") + 1] as "kernel" | "native";
// `--tls`: the same servers over TLS, with the test certificate (TL1).
const tls = process.argv.includes("--tls") ? TEST_TLS.localhost : undefined;
const rt = await currentRuntime();
const servers: Record<string, Server> = {};
try {
  for (const [name, limits] of Object.entries(fixtureLimits)) {
    servers[name] = await rt.serve({
      fetch,
      port: 0,
      hostname: "127.0.0.1",
      engine,
      limits,
      onError: recordError,
      tls,
    });
  }
} catch (err) {
  console.log(`TRILOOP-HTTP ${JSON.stringify({ error: String((err as Error)?.message ?? err) })}`);
  process.exit(1);
}
setServers(servers);
const ports = Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, s.port]));
console.log(`TRILOOP-HTTP ${JSON.stringify({ pid: process.pid, ports, version: rt.version })}`);
