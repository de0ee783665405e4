/**
 * Entry files as users have them, in a folder outside the repository, on
 * every runtime: with no package.json, one without `"type"`, one with
 * `"type": "module"`; entries that cannot load, each one line naming the
 * place; and where the server listens — flag, then the entry's export
 * (Bun's and srvx's `export default { port, fetch }`), then `PORT` /
 * `HOSTNAME`, then the defaults — printed with IPv6 in brackets.
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterAll, describe, it } from "vitest";
import { runtimes } from "../conformance/_spawn.ts";
import { assertUserError, freePort, getBody, type Project, project, serve, triloop } from "./_cli.ts";
import type { LoopsServer } from "./_loops-server.ts";

const FETCH = "export default { fetch: () => new Response('hello from a temp dir') };\n";
const TCP = "export default { data(conn, bytes) { conn.write(bytes); } };\n";

const folders: Project[] = [];
function folder(files: Record<string, string>): Project {
  const p = project(files);
  folders.push(p);
  return p;
}
afterAll(() => folders.forEach((p) => p.remove()));

/** Starts `triloop serve`, runs `body` once it listens, then stops it (SIGTERM, exit 0). */
async function serving(s: LoopsServer, body: (s: LoopsServer, url: string) => Promise<void>): Promise<void> {
  try {
    await s.ready(60_000);
    const url = s.lines.find((l) => l.text.startsWith("listening on "))!.text.split(" ")[2];
    await body(s, url);
    s.signal("SIGTERM");
    const { code } = await s.exited;
    assert.equal(code, 0, s.output());
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output ---\n${s.output()}`, { cause: err });
  } finally {
    await s.kill();
  }
}

const LAYOUTS: Record<string, Record<string, string>> = {
  "no package.json": { "app.ts": FETCH },
  'a package.json without "type"': { "app.ts": FETCH, "package.json": '{ "name": "app" }\n' },
  'a package.json with "type": "module"': {
    "app.ts": FETCH,
    "package.json": '{ "name": "app", "type": "module" }\n',
  },
};

for (const rt of runtimes()) {
  describe.skipIf(!rt.available)(`triloop serve on ${rt.id}: entry files outside the repository`, () => {
    for (const [layout, files] of Object.entries(LAYOUTS)) {
      // Before: Node 20 failed with ERR_REQUIRE_CYCLE_MODULE for the first two (tsx's ESM hooks alone).
      it(`an entry in a folder with ${layout}`, async () => {
        const p = folder(files);
        await serving(serve(["app.ts", "--runtime", rt.id, "--port", "0"], { cwd: p.dir }), async (s) => {
          assert.equal(await getBody(s.port), "hello from a temp dir");
        });
      }, 90_000);
    }

    it("a syntax error: one line with file, line and column, exit 2", async () => {
      const p = folder({
        "bad.ts": "const a = 1;\nexport default {\n  fetch: () => new Response('x',,\n};\n",
      });
      const r = await triloop(["serve", "bad.ts", "--runtime", rt.id], { cwd: p.dir });
      assert.match(assertUserError(r, 1), /^triloop: bad\.ts:3:33: .+/);
    }, 60_000);

    it("an import that is not there: one line, exit 2", async () => {
      const p = folder({
        "app.ts": "import { x } from './nope.ts';\nexport default { fetch: () => new Response(x) };\n",
      });
      const r = await triloop(["serve", "app.ts", "--runtime", rt.id], { cwd: p.dir });
      assert.match(assertUserError(r, 1), /^triloop: app\.ts(:1:\d+)?: .*nope\.ts/);
    }, 60_000);

    it("an export that is neither a handler nor { fetch }: one line, exit 2", async () => {
      const p = folder({ "app.ts": "export const fetch = () => new Response('x');\n" });
      const r = await triloop(["serve", "app.ts", "--runtime", rt.id], { cwd: p.dir });
      assert.match(
        assertUserError(r, 1),
        /^triloop: app\.ts: The entry's default export must be a connection handler \(with data\(\)\) or \{ fetch \}; it is missing/,
      );
    }, 60_000);

    it("an exported port that is not a port: one line, exit 2", async () => {
      const p = folder({ "app.ts": "export default { port: 'http', fetch: () => new Response('x') };\n" });
      const r = await triloop(["serve", "app.ts", "--runtime", rt.id], { cwd: p.dir });
      assert.match(
        assertUserError(r, 1),
        /^triloop: app\.ts: The entry exports port 'http', which is not a port/,
      );
    }, 60_000);

    it("an error the entry's code throws: one line with the place, exit 1", async () => {
      const p = folder({
        "app.ts": "type T = number;\nconst x: T = 1;\n\n\nthrow new Error('no database');\n",
      });
      const r = await triloop(["serve", "app.ts", "--runtime", rt.id], { cwd: p.dir });
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(r.code, 1, r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^triloop: app\.ts:5:\d+: Error: no database$/);
    }, 60_000);

    it("the address: the entry's export wins over PORT, the flag over both", async () => {
      const [exported, env] = [await freePort(), await freePort()];
      const p = folder({
        "port.ts": `export default { port: ${exported}, fetch: () => new Response('exported') };\n`,
        "plain.ts": FETCH,
      });
      const opts = { cwd: p.dir, env: { PORT: String(env) } };
      // Before: the exported port and PORT were both ignored (3000).
      await serving(serve(["port.ts", "--runtime", rt.id], opts), async (s) => {
        assert.equal(s.port, exported);
        assert.equal(await getBody(exported), "exported");
      });
      await serving(serve(["plain.ts", "--runtime", rt.id], opts), async (s) => {
        assert.equal(s.port, env, "PORT when the entry exports none");
      });
      await serving(serve(["port.ts", "--runtime", rt.id, "--port", "0"], opts), async (s) => {
        assert.ok(s.port !== exported && s.port !== env, "the flag wins");
      });
    }, 120_000);

    it("HOSTNAME and the entry's hostname; IPv6 printed in brackets", async () => {
      const p = folder({
        "v6.ts": "export default { hostname: '::1', port: 0, fetch: () => new Response('v6') };\n",
        "tcp.ts": TCP,
      });
      await serving(serve(["v6.ts", "--runtime", rt.id], { cwd: p.dir }), async (s, url) => {
        assert.match(url, /^http:\/\/\[::1\]:\d+$/);
        assert.equal(await getBody(s.port, "::1"), "v6");
      });
      // Before: printed http://:::41111.
      await serving(
        serve(["tcp.ts", "--runtime", rt.id], { cwd: p.dir, env: { HOSTNAME: "::", PORT: "0" } }),
        (_s, url) => {
          assert.match(url, /^tcp:\/\/\[::\]:\d+$/);
          return Promise.resolve();
        },
      );
    }, 120_000);

    it("with --loops 2, the entry's export and PORT decide as with one loop", async () => {
      const exported = await freePort();
      const p = folder({
        "port.ts": `export default { port: ${exported}, fetch: () => new Response('looped') };\n`,
        "plain.ts": FETCH,
      });
      await serving(serve(["port.ts", "--runtime", rt.id, "--loops", "2"], { cwd: p.dir }), async (s) => {
        assert.equal(s.port, exported);
        for (let i = 0; i < 6; i++) assert.equal(await getBody(exported), "looped");
      });
      // PORT=0: the first loop resolves the port (on Node 20, before cluster shares it) and the other joins.
      const looped = serve(["plain.ts", "--runtime", rt.id, "--loops", "2", "--stats-port", "0"], {
        cwd: p.dir,
        env: { PORT: "0" },
      });
      await serving(looped, async (s) => {
        // The listening line (a stall warning may come before it on a loaded machine).
        const listening = s.lines.find((l) => /listening on/.test(l.text));
        assert.match(listening?.text ?? "", /2 loops/, s.lines.map((l) => l.text).join("\n"));
        for (let i = 0; i < 6; i++) assert.equal(await getBody(s.port), "hello from a temp dir");
        const stats = await s.stats();
        assert.equal(stats.loops.live, 2, "both loops serve");
        assert.equal(stats.requests, 6);
      });
    }, 180_000);
  });
}
