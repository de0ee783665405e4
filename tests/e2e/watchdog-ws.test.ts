// The stall watchdog names a WebSocket `message` handler that blocks the
// loop ("WS <path> message"), on every runtime and both engines: the kernel
// engine's own WebSockets, and the native engines' (node:http's upgraded
// socket, Bun.serve's websocket, Deno.upgradeWebSocket).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { findRuntimes } from "../../cli/runtimes.mjs";
import { type StartedServer, startServer } from "./_server.ts";

const BLOCKED = /blocked (\d+) ms by "([^"]+)"/g;

/** The stalls named in `text`. */
function named(text: string): { ms: number; label: string }[] {
  return [...text.matchAll(BLOCKED)].map((m) => ({ ms: Number(m[1]), label: m[2] }));
}

/** Sends `text` on a new socket to `/chat` and resolves with the answer. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`);
    ws.once("error", reject);
    ws.once("open", () => ws.send(text));
    ws.once("message", (data) => {
      ws.close(1000);
      resolve(String(data));
    });
  });
}

for (const rt of findRuntimes()) {
  for (const engine of ["kernel", "native"] as const) {
    describe.skipIf(!rt.available)(
      `watchdog over WebSocket on ${rt.id} (${engine})${rt.available ? "" : ` — skipped: ${rt.reason}`}`,
      () => {
        let server: StartedServer;
        beforeAll(async () => {
          server = await startServer(rt.id, "tests/fixtures/watchdog-ws-app.ts", {
            args: ["--engine", engine],
          });
        });
        afterAll(() => server?.stop());

        it("WD2 names a message handler that blocks: WS /chat message", async () => {
          expect(await roundTrip(server.port, "200")).toBe("blocked 200");
          await new Promise((r) => setTimeout(r, 150));
          const stalls = named(server.output()).filter((n) => n.label === "WS /chat message");
          expect(stalls, server.output()).toHaveLength(1);
          expect(stalls[0].ms).toBeGreaterThanOrEqual(150);
        });
      },
    );
  }
}
