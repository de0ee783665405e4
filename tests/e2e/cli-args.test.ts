/**
 * `triloop` is strict about what it is given: every bad flag, value or
 * environment variable is one line and exit 2 before anything starts, and
 * the entry runner (cli/run-entry.ts) parses with the same definition on
 * every runtime. Run as a user does: the launcher on the machine's Node,
 * from a folder outside the repository.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../cli/runtimes.mjs";
import { runtimes } from "../conformance/_spawn.ts";
import { assertUserError, type Project, project, type Ran, triloop } from "./_cli.ts";

const app: Project = project({ "app.ts": "export default { fetch: () => new Response('hi') };\n" });
afterAll(() => app.remove());

/** [what is typed, the first line it must print]. */
const BAD: Array<[string[], RegExp, Record<string, string>?]> = [
  // Before: --frobnicate ate "--port", and the server started on 3000.
  [["serve", "app.ts", "--frobnicate", "--port", "0"], /^triloop: unknown flag '--frobnicate'$/],
  [["serve", "app.ts", "-x"], /^triloop: unknown flag '-x'$/],
  [["serve", "app.ts", "--port", "99999"], /^triloop: --port '99999' is not a port: an integer 0\.\.65535$/],
  [["serve", "app.ts", "--port", "abc"], /^triloop: --port 'abc' is not a port/],
  [["serve", "app.ts", "--port", "1.5"], /^triloop: --port '1\.5' is not a port/],
  [["serve", "app.ts", "--port"], /^triloop: --port needs a value$/],
  [["serve", "app.ts", "--port", "-1"], /^triloop: --port needs a value/],
  [
    ["serve", "app.ts", "--runtime", "python"],
    /^triloop: --runtime 'python' is not one of node, node24, bun, deno$/,
  ],
  // Before: --grace abc became 0 and cut in-flight requests.
  [["serve", "app.ts", "--grace", "abc"], /^triloop: --grace 'abc' is not a whole number of milliseconds/],
  [["serve", "app.ts", "--grace", "-5"], /^triloop: --grace needs a value/],
  [["serve", "app.ts", "--grace", "9999999999"], /^triloop: --grace '9999999999' is not/],
  // Before: accepted.
  [
    ["serve", "app.ts", "--loop-host", "banana"],
    /^triloop: --loop-host 'banana' is not one of thread, process, auto$/,
  ],
  [["serve", "app.ts", "--loops", "0"], /^triloop: --loops '0' is not 'auto' or a number of loops/],
  [["serve", "app.ts", "--loops", "two"], /^triloop: --loops 'two' is not/],
  [
    ["serve", "app.ts", "--engine", "turbo"],
    /^triloop: --engine 'turbo' is not one of kernel, native, auto$/,
  ],
  [["serve", "app.ts", "--stats-port", "70000"], /^triloop: --stats-port '70000' is not a port/],
  [
    ["serve", "app.ts", "--proxy-protocol", "v3"],
    /^triloop: --proxy-protocol 'v3' is not one of v1, v2, any$/,
  ],
  [
    ["serve", "app.ts", "--trusted-proxies", "10.0.0.0/8,nope"],
    /^triloop: --trusted-proxies '10\.0\.0\.0\/8,nope': 'nope' is not an IP address or a CIDR network$/,
  ],
  [["serve", "app.ts", "--trust-proxy", "x"], /^triloop: --trust-proxy 'x': 'x' is not an IP address/],
  [["serve", "app.ts", "--health-path", "healthz"], /^triloop: --health-path 'healthz' is not a path/],
  [["serve", "app.ts", "--drain-delay", "soon"], /^triloop: --drain-delay 'soon' is not a whole number/],
  [
    ["serve", "app.ts", "--keep-alive-timeout", "0"],
    /^triloop: --keep-alive-timeout '0' is not a whole number of milliseconds >= 1/,
  ],
  [
    ["serve", "app.ts", "--trusted-proxies", "10.0.0.0/40"],
    /^triloop: .*'10\.0\.0\.0\/40' is not an IP address or a CIDR/,
  ],
  [["serve", "app.ts", "--hostname", "no such host"], /^triloop: --hostname 'no such host' is not an IP/],
  [["serve", "app.ts", "--help=yes"], /^triloop: --help takes no value$/],
  [["serve", "app.ts", "--bun", "/nowhere/bun"], /^triloop: --bun '\/nowhere\/bun': no such file$/],
  [["serve", "app.ts", "--deno", "app.ts"], /^triloop: --deno 'app\.ts' did not start/],
  [["serve", "app.ts", "other.ts"], /^triloop: serve takes one entry file, got 'app\.ts' 'other\.ts'$/],
  [["serve"], /^triloop: serve needs an entry file$/],
  // TLS flags: a certificate needs its key, and the files must be there.
  [["serve", "app.ts", "--tls-cert", "app.ts"], /^triloop: --tls-cert needs --tls-key$/],
  [["serve", "app.ts", "--tls-key", "app.ts"], /^triloop: --tls-key needs --tls-cert$/],
  [["serve", "app.ts", "--tls-ca", "app.ts"], /^triloop: --tls-ca needs --tls-cert and --tls-key$/],
  [
    ["serve", "app.ts", "--tls-cert", "nope.pem", "--tls-key", "app.ts"],
    /^triloop: --tls-cert 'nope\.pem': no such file$/,
  ],
  // Before: a stack trace from the runtime.
  [
    ["serve", "missing.ts"],
    /^triloop: cannot find the entry file 'missing\.ts' \(looked for \/.*missing\.ts\)$/,
  ],
  [["serve", "app.ts"], /^triloop: PORT='abc' \(from the environment\) is not a port/, { PORT: "abc" }],
  [["serve", "app.ts"], /^triloop: PORT='70000' \(from the environment\) is not a port/, { PORT: "70000" }],
  [["serve", "app.ts"], /^triloop: HOSTNAME='a b' \(from the environment\) is not an IP/, {
    HOSTNAME: "a b",
  }],
  [["frobnicate"], /^triloop: unknown command 'frobnicate'$/],
  [[], /^triloop: no command given$/],
  [["runtimes", "--frobnicate"], /^triloop: unknown flag '--frobnicate'$/],
  [["runtimes", "extra"], /^triloop: runtimes takes no argument/],
];

describe("triloop: bad input is one line and exit 2, before anything starts", () => {
  for (const [args, first, env] of BAD) {
    const label = `${
      env === undefined ? "" : `${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ")} `
    }` +
      `triloop ${args.join(" ")}`;
    it(label, async () => {
      // Bounded: before the fix some of these started a server and never exited.
      const r = await triloop(args, { cwd: app.dir, env, timeoutMs: 20_000 });
      const line = assertUserError(r);
      assert.match(line, first);
      assert.match(r.stderr.trimEnd().split("\n")[1] ?? "", /^usage: |^\(/, "a usage hint follows");
    }, 30_000);
  }

  it("a flag wins over PORT and HOSTNAME, so bad ones there are not read", async () => {
    const r = await triloop(["serve", "app.ts", "--port", "abc"], {
      cwd: app.dir,
      env: { PORT: "alsobad", HOSTNAME: "a b" },
    });
    assert.match(assertUserError(r), /^triloop: --port 'abc'/);
  });
});

describe("triloop --help and serve --help", () => {
  it("serve --help lists every flag, every default, and where the address comes from", async () => {
    const r = await triloop(["serve", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout;
    for (
      const flag of ["--port", "--hostname", "--runtime", "--node", "--bun", "--deno", "--engine", "--loops"]
    ) {
      assert.ok(text.includes(flag), flag);
    }
    for (const flag of ["--loop-host", "--grace", "--stats-port", "--help"]) {
      assert.ok(text.includes(flag), flag);
    }
    for (
      const dflt of ["[3000]", "[127.0.0.1]", "[node]", "[auto: kernel]", "[one loop]", "[auto]", "[10000]"]
    ) {
      assert.ok(text.includes(dflt), `default ${dflt}`);
    }
    assert.match(
      text,
      /1\. --port, --hostname\n.*2\. the entry's export.*\n.*3\. the environment: PORT, HOSTNAME\n.*4\. the defaults: 3000, 127\.0\.0\.1/,
    );
    assert.match(text, /Exit codes: 0 stopped and drained; 3 stopped but forced/);
  });

  it("triloop --help lists the commands", async () => {
    const r = await triloop(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /serve <entry>/);
    assert.match(r.stdout, /runtimes/);
    assert.match(r.stdout, /bench/);
  });
});

/** run-entry.ts started directly under `id` (as `deno task serve` does), with `args`. */
function runEntry(id: string, args: string[]): Promise<Ran> {
  const rt = runtimes().find((r) => r.id === id)!;
  const [bin, ...argv] = rt.argv(join(ROOT, "cli", "run-entry.ts"), args);
  return new Promise((done) => {
    const child = spawn(bin, argv, { cwd: app.dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

describe("the entry runner parses with the same strict definition, on every runtime", () => {
  for (const rt of runtimes()) {
    it.skipIf(!rt.available)(`${rt.id}: run-entry.ts app.ts --frobnicate --port 0`, async () => {
      const r = await runEntry(rt.id, [app.path("app.ts"), "--frobnicate", "--port", "0"]);
      expect(assertUserError(r)).toBe("triloop: unknown flag '--frobnicate'");
    }, 40_000);
    it.skipIf(!rt.available)(`${rt.id}: run-entry.ts app.ts --grace abc`, async () => {
      const r = await runEntry(rt.id, [app.path("app.ts"), "--grace=abc"]);
      expect(assertUserError(r)).toMatch(/^triloop: --grace 'abc' is not a whole number/);
    }, 40_000);
  }
});
