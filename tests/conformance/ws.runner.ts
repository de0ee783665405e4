// Serves the WebSocket fixture on the runtime executing this file, once per
// option set of wsServers and once as the Hono app, and prints one
// `TRILOOP-WS {json}` line with the ports and its pid.
// Usage: <runtime> ws.runner.ts --engine kernel|native
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import { rawZlib } from "../../adapters/_zlib.ts";
import type { Server } from "../../core/types.ts";
import { fetch, honoApp, recordError, setServers, websocketFor, wsServers } from "./ws-fixture.ts";

const engine = process.argv[process.argv.indexOf("--engine") + 1] as "kernel" | "native";
const rt = await currentRuntime();
const servers: Record<string, Server> = {};
const common = { port: 0, hostname: "127.0.0.1", engine, onError: recordError, watchdog: false } as const;
try {
  for (const name of Object.keys(wsServers) as Array<keyof typeof wsServers>) {
    servers[name] = await rt.serve({ ...common, fetch, websocket: websocketFor(name) });
  }
  servers.hono = await rt.serve({ ...common, fetch: honoApp.fetch });
} catch (err) {
  console.log(`TRILOOP-WS ${JSON.stringify({ error: String((err as Error)?.message ?? err) })}`);
  process.exit(1);
}
setServers(servers);
const ports = Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, s.port]));
// Whether the kernel's compressor can keep its context (see RawZlib.dictionary).
const deflateContext = rawZlib.dictionary;
console.log(`TRILOOP-WS ${JSON.stringify({ pid: process.pid, ports, version: rt.version, deflateContext })}`);
