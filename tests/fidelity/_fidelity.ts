/**
 * The fidelity suite on one runtime: every case of cases.ts is sent to the
 * kernel engine, to triloop's native engine and to the runtime's own server
 * (the oracle); the kernel's and the native engine's answers must equal the
 * oracle's, field by field, except where differences.ts records why not.
 * A recorded difference that no longer occurs fails too: the data stays true.
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runtime } from "../conformance/_spawn.ts";
import type { RuntimeId } from "../conformance/skips.ts";
import {
  diffPaths,
  exchange,
  type Mode,
  type ProbeServer,
  startProbe,
  startUpstream,
  type WireResponse,
} from "./_harness.ts";
import { type Case, cases } from "./cases.ts";
import { type Difference, differences, streamErrorsUnreported } from "./differences.ts";
import { RESPONSES } from "./probe.ts";

const SKIPPED_FIELDS = new Set(["date", "connection", "keep-alive", "transfer-encoding", "content-length"]);

/** A response as the comparison sees it. */
function summary(c: Case, responses: WireResponse[], port: number): unknown {
  return responses.map((r) => {
    if (c.compare === "view" && r.status === 200 && !r.none) {
      // Each server has its own port; where a URL names it, it is masked.
      return {
        status: r.status,
        view: JSON.parse(r.body.toString("utf8").replaceAll(`:${port}`, ":<port>")),
      };
    }
    // A multipart boundary is random: masked where it shows.
    const boundary = /boundary=([^;\s]+)/.exec(r.headers.find(([n]) => n === "content-type")?.[1] ?? "")?.[1];
    const mask = (s: string) => boundary === undefined ? s : s.replaceAll(boundary, "<boundary>");
    return {
      status: r.status,
      none: r.none,
      framing: r.chunked ? "chunked" : r.headers.some(([n]) => n === "content-length") ? "length" : "none",
      length: boundary === undefined
        ? r.headers.find(([n]) => n === "content-length")?.[1] ?? null
        : "<masked>",
      // By name (a stable sort): fields of one name keep their order, which is all RFC 9110 §5.3 gives meaning to.
      headers: r.headers.filter(([n]) => !SKIPPED_FIELDS.has(n)).sort((
        [a],
        [b],
      ) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([n, v]) => mask(`${n}: ${v}`)),
      body: c.compare === "view" ? r.body.toString("utf8") : mask(r.body.toString("latin1")),
    };
  });
}

function explained(
  id: RuntimeId,
  engine: "kernel" | "native",
  name: string,
  path: string,
): Difference | undefined {
  return differences.find((d) =>
    (d.runtimes === "all" || d.runtimes.includes(id)) && d.engines.includes(engine) && d.cases.test(name) &&
    d.paths.test(path)
  );
}

function at(value: unknown, path: string): unknown {
  let v = value;
  for (const k of path.split(".")) v = (v as Record<string, unknown> | undefined)?.[k];
  return v;
}

/** Registers the fidelity suite for runtime `id`. */
export function fidelity(id: RuntimeId): void {
  const rt = runtime(id);
  const title = `fidelity on ${id} ${rt.version ?? ""}`.trim();
  if (!rt.available) {
    describe.skip(`${title} — skipped: ${rt.reason}`, () => {
      it.skip("runtime not available", () => {});
    });
    return;
  }
  describe(title, () => {
    const servers = new Map<Mode, ProbeServer>();
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    const used = new Set<Difference>();
    const all = cases(Object.keys(RESPONSES));
    const streamErrors = all.filter((c) => c.name === "response: stream-error").length;
    beforeAll(async () => {
      upstream = await startUpstream();
      for (const mode of ["kernel", "native", "oracle"] as const) {
        servers.set(mode, await startProbe(id, mode, upstream.url));
      }
    }, 90_000);
    afterAll(async () => {
      for (const s of servers.values()) await s.stop();
      await upstream?.close();
    });

    for (const c of all) {
      it(c.name, async () => {
        const got = new Map<Mode, unknown>();
        for (const [mode, server] of servers) {
          const raw = c.raw({ server: server.port, upstream: upstream.port });
          const answers = await exchange(server.port, raw, c.split, c.count, c.head).catch((err: Error) => {
            throw new Error(
              `the ${mode} server did not take the request: ${err.message}\n${server.output()}`,
            );
          });
          got.set(mode, summary(c, answers, server.port));
        }
        const oracle = got.get("oracle");
        const problems: string[] = [];
        for (const engine of ["kernel", "native"] as const) {
          for (const path of diffPaths(got.get(engine), oracle)) {
            const d = explained(id, engine, c.name, path);
            if (d !== undefined) {
              used.add(d);
              continue;
            }
            problems.push(
              `${engine} differs from ${id}'s own server at ${path}:\n  ${engine}: ${
                JSON.stringify(at(got.get(engine), path))
              }\n  oracle: ${JSON.stringify(at(oracle, path))}`,
            );
          }
        }
        assert.deepEqual(problems, [], problems.join("\n"));
      });
    }

    it("a response stream that errors half-way is told to onError once, and the server serves on", async () => {
      for (const engine of ["kernel", "native"] as const) {
        const s = servers.get(engine)!;
        const unreported = engine === "native" ? streamErrorsUnreported[id] : undefined;
        const [after] = await exchange(
          s.port,
          Buffer.from(`GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Probe: describe\r\n\r\n`),
          "whole",
        );
        assert.equal(after.status, 200, `${engine} still answers`);
        if (unreported !== undefined) continue; // recorded in differences.ts, with why
        const told = s.output().split("\n").filter((l) =>
          l.startsWith("TRILOOP-FIDELITY-ERROR") && l.includes("probe stream failed half-way")
        ).length;
        assert.equal(told, streamErrors, `${engine} told onError ${told} times:\n${s.output()}`);
      }
    });

    it("every difference recorded for this runtime still occurs", () => {
      const stale = differences.filter((d) =>
        (d.runtimes === "all" || d.runtimes.includes(id)) && !used.has(d) && !d.sometimes
      );
      assert.deepEqual(stale.map((d) => d.reason), [], "recorded differences that did not occur");
    });
  });
}
