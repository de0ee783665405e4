// A real browser as the client: examples/chat.ts (Hono, `upgradeWebSocket`
// from triloop/hono, rooms as topics, its own page) served by the CLI with
// `--loops 2` on every runtime, and two headless Chromium pages (Debian's
// `chromium`, driven by playwright-core) that join one room on different
// loops and chat: each message crosses from one loop to the other.
//
// Without chromium (`.ci/run` installs it) the test is skipped with that
// reason. Only 127.0.0.1; the browser and the servers are ended by this file.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runtimes } from "../conformance/_spawn.ts";
import { findTool, type StartedServer, startServer } from "./_server.ts";

/** Debian's browser (`apt-get install chromium`). */
const CHROMIUM = ["/usr/bin/chromium", findTool("chromium")].find((p) => p !== undefined && existsSync(p));
const noBrowser = CHROMIUM === undefined
  ? "chromium is not installed (apt-get install -y chromium; .ci/run installs it)"
  : undefined;
/** Joins until the second page is served by the other loop. */
const MAX_JOINS = 20;

/** The text of a page's chat log. */
const logOf = (page: Page) => page.locator("#log").textContent().then((t) => t ?? "");

/** Waits until `page`'s log holds `text`, or fails saying what the log held. */
async function logShows(page: Page, text: string, ms = 10_000): Promise<string> {
  const end = performance.now() + ms;
  let log = "";
  while (performance.now() < end) {
    log = await logOf(page);
    if (log.includes(text)) return log;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no "${text}" in the page's log within ${ms} ms; it holds:\n${log}`);
}

/** Joins `room` as `name` (clearing the log first); resolves with the loop that serves the page's socket. */
async function join(page: Page, name: string, room: string): Promise<string> {
  await page.evaluate(() => {
    document.getElementById("log")!.textContent = "";
  });
  await page.fill("#room", room);
  await page.fill("#name", name);
  await page.click("#join");
  const log = await logShows(page, `welcome to ${room}, ${name}`);
  const m = /\(loop (\d+) of 2\)/.exec(log);
  assert.ok(m, `the welcome says which of 2 loops serves it:\n${log}`);
  return m[1];
}

if (noBrowser !== undefined) {
  describe.skip(`examples/chat.ts in a real browser — skipped: ${noBrowser}`, () => {
    it.skip("skipped", () => {});
  });
  console.log(`chat-browser: skipped: ${noBrowser}`);
} else {
  describe("examples/chat.ts in a real browser", () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    for (const rt of runtimes()) {
      const title = `two Chromium pages chat across the loops of --loops 2 on ${rt.id}`;
      if (!rt.available) {
        it.skip(`${title} — skipped: ${rt.reason}`, () => {});
        continue;
      }
      it(title, async () => {
        let server: StartedServer | undefined;
        const context = await browser!.newContext();
        try {
          server = await startServer(rt.id, "examples/chat.ts", {
            args: ["--loops", "2", "--grace", "1000"],
          });
          const url = `http://127.0.0.1:${server.port}/`;
          const [alice, bob] = [await context.newPage(), await context.newPage()];
          await Promise.all([alice.goto(url), bob.goto(url)]);
          const room = `r${rt.id}`;
          const aliceLoop = await join(alice, "alice", room);
          let bobLoop = await join(bob, "bob", room);
          // Each join is a new connection; the loops share the accepts.
          for (let i = 1; i < MAX_JOINS && bobLoop === aliceLoop; i++) bobLoop = await join(bob, "bob", room);
          assert.notEqual(bobLoop, aliceLoop, `bob stayed on loop ${aliceLoop} for ${MAX_JOINS} joins`);
          await logShows(alice, "server: bob joined");

          await alice.fill("#text", "hello from alice");
          await alice.press("#text", "Enter");
          await logShows(bob, "alice: hello from alice");
          await bob.fill("#text", "hi alice, bob here");
          await bob.press("#text", "Enter");
          await logShows(alice, "bob: hi alice, bob here");
          // The sender sees its own line once (sent back to it, not published to itself).
          const aliceLog = await logShows(alice, "alice: hello from alice");
          assert.equal(aliceLog.split("alice: hello from alice").length - 1, 1, aliceLog);
          console.log(
            `${rt.id}: alice on loop ${aliceLoop}, bob on loop ${bobLoop}: messages crossed both ways`,
          );
        } finally {
          await context.close();
          await server?.stop();
        }
      }, 90_000);
    }
  });
}
