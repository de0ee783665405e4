// describeLoadFailure on the error shapes each runtime gives a failed import()
// (recorded from Node 20 + tsx, Bun 1.4 and Deno 2.9; the e2e tests in
// tests/e2e/cli-entry.test.ts see them live).
import { describe, expect, it } from "vitest";
import { describeLoadFailure } from "../../core/loops/load-error.ts";

function error(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  const e = new Error(message);
  Object.defineProperty(e, "name", { value: name });
  return Object.assign(e, extra);
}

describe("describeLoadFailure", () => {
  it("tsx/esbuild: a 0-based column becomes 1-based", () => {
    const e = error(
      "TransformError",
      'Transform failed with 1 error:\n/tmp/a/bad.ts:3:32: ERROR: Unexpected ","',
    );
    expect(describeLoadFailure(e)).toEqual({ kind: "syntax", text: '/tmp/a/bad.ts:3:33: Unexpected ","' });
  });

  it("Bun: BuildMessage with its position, ResolveMessage without", () => {
    const build = {
      name: "BuildMessage",
      message: "Unexpected ,",
      position: { file: "/a/b.ts", line: 3, column: 33 },
    };
    expect(describeLoadFailure(build)).toEqual({ kind: "syntax", text: "/a/b.ts:3:33: Unexpected ," });
    const resolve = {
      name: "ResolveMessage",
      message: "Cannot find module './x.ts' imported from /a/b.ts",
      position: null,
    };
    expect(describeLoadFailure(resolve)).toEqual({
      kind: "resolve",
      text: "Cannot find module './x.ts' imported from /a/b.ts",
    });
  });

  it("Deno: the place from the message, colours and file URLs dropped", () => {
    const syntax = error(
      "TypeError",
      'SyntaxError: Expression expected\n  |\n3 |   fetch: () => new Response("x",,\n  |      ~\n    at file:///a/bad.ts:3:33',
      { code: "ERR_MODULE_NOT_FOUND" },
    );
    expect(describeLoadFailure(syntax)).toEqual({
      kind: "syntax",
      text: "/a/bad.ts:3:33: SyntaxError: Expression expected",
    });
    const missing = error(
      "TypeError",
      'Module not found "file:///a/nope.ts".\n    at \x1b[0m\x1b[36mfile:///a/app.ts\x1b[0m:\x1b[0m\x1b[33m1\x1b[0m:\x1b[0m\x1b[33m19\x1b[0m',
      { code: "ERR_MODULE_NOT_FOUND" },
    );
    expect(describeLoadFailure(missing)).toEqual({
      kind: "resolve",
      text: '/a/app.ts:1:19: Module not found "/a/nope.ts".',
    });
  });

  it("Node: a missing module, as ESM or through tsx's CommonJS path", () => {
    const cjs = error("Error", "Cannot find module './nope.ts'\nRequire stack:\n- /a/app.ts", {
      code: "MODULE_NOT_FOUND",
      requireStack: ["/a/app.ts"],
    });
    expect(describeLoadFailure(cjs)).toEqual({
      kind: "resolve",
      text: "/a/app.ts: Cannot find module './nope.ts'",
    });
  });

  it("Node: a module's own SyntaxError has no user frame; one thrown by JSON.parse has", () => {
    const parse = error("SyntaxError", "Unexpected token ','");
    parse.stack =
      "SyntaxError: Unexpected token ','\n    at compileSourceTextModule (node:internal/modules/esm/utils:346:16)";
    expect(describeLoadFailure(parse)).toEqual({ kind: "syntax", text: "SyntaxError: Unexpected token ','" });
    const thrown = error("SyntaxError", "Unexpected end of JSON input");
    thrown.stack =
      "SyntaxError: Unexpected end of JSON input\n    at JSON.parse (<anonymous>)\n    at <anonymous> (/a/app.ts:1:6)";
    expect(describeLoadFailure(thrown)).toEqual({
      kind: "threw",
      text: "/a/app.ts:1:6: SyntaxError: Unexpected end of JSON input",
    });
  });

  it("an error the module's code threw: its first frame in a file", () => {
    const e = error("Error", "no database");
    e.stack = "Error: no database\n    at file:///a/app.ts:5:7\n    at async file:///x/run-entry.ts:48:15";
    expect(describeLoadFailure(e)).toEqual({ kind: "threw", text: "/a/app.ts:5:7: Error: no database" });
    expect(describeLoadFailure("a string")).toEqual({ kind: "threw", text: "threw a string" });
  });
});
