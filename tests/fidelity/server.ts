// Serves the fidelity probe (probe.ts) on the runtime executing this file and
// prints one `TRILOOP-FIDELITY {json}` line with its port. Modes: `kernel`
// and `native` are triloop's two engines; `oracle` is the runtime's own
// server used directly — Bun.serve, Deno.serve, or node:http through the
// Request that @hono/node-server builds — the reference the others are held to.
// Usage: <runtime> server.ts --mode kernel|native|oracle [--upstream URL]
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import { probe } from "./probe.ts";

const arg = (name: string): string | null => {
  const at = process.argv.indexOf(name);
  return at < 0 ? null : process.argv[at + 1];
};
const mode = arg("--mode") ?? "kernel";
const handler = probe(arg("--upstream"));

function ready(port: number): void {
  console.log(`TRILOOP-FIDELITY ${JSON.stringify({ port, pid: process.pid })}`);
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
if (mode === "oracle") {
  if (g.Bun !== undefined) {
    const server = g.Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
    ready(server.port);
  } else if (g.Deno !== undefined) {
    g.Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: (a: { port: number }) => ready(a.port) },
      handler,
    );
  } else {
    const { serve } = await import("@hono/node-server");
    serve({ fetch: handler, port: 0, hostname: "127.0.0.1" }, (info) => ready(info.port));
  }
} else {
  const rt = await currentRuntime();
  const server = await rt.serve({
    fetch: handler,
    port: 0,
    hostname: "127.0.0.1",
    engine: mode as "kernel" | "native",
    watchdog: false,
    // One line per error, so the suite can count them.
    onError: (err) => console.error(`TRILOOP-FIDELITY-ERROR ${String(err).split("\n")[0]}`),
  });
  ready(server.port);
}
