import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spread } from "../../bench/lib/stats.ts";
import type { SummaryRow } from "../../bench/report/summary.ts";
import { esc, niceCeil, renderSvg } from "../../bench/report/svg.ts";
import { SCENARIOS } from "../../bench/scenarios.ts";
import type { ServerSpec } from "../../bench/servers/matrix.ts";

/**
 * A strict little XML well-formedness check: every tag closes in order,
 * attributes are quoted and unique, entities are known, one root element.
 * Returns the element names in document order.
 */
function parseXml(text: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  let i = 0;
  let roots = 0;
  const checkText = (t: string) => {
    for (const m of t.matchAll(/&([^;\s]*);?/g)) {
      if (!/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);$/i.test(m[0])) throw new Error(`bad entity ${m[0]}`);
    }
    if (t.includes("<") || t.includes(">")) throw new Error(`bare angle bracket in ${t.slice(0, 40)}`);
  };
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) {
      if (text.slice(i).trim()) throw new Error("text after the root");
      break;
    }
    const between = text.slice(i, lt);
    if (stack.length === 0 && between.trim()) throw new Error("text outside the root");
    checkText(between.replace(/>/g, "")); // '>' is legal in text
    const gt = text.indexOf(">", lt);
    if (gt < 0) throw new Error("unterminated tag");
    const tag = text.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith("?") || tag.startsWith("!--")) continue;
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
      continue;
    }
    const selfClosing = tag.endsWith("/");
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*$/.exec(body);
    if (!m) throw new Error(`malformed tag <${tag.slice(0, 60)}>`);
    const attrs = [...m[2].matchAll(/([\w:.-]+)="([^"]*)"/g)];
    const keys = attrs.map((a) => a[1]);
    if (new Set(keys).size !== keys.length) throw new Error(`repeated attribute in <${m[1]}>`);
    for (const a of attrs) checkText(a[2]);
    if (stack.length === 0) roots++;
    names.push(m[1]);
    if (!selfClosing) stack.push(m[1]);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join("><")}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return names;
}

function row(
  scenario: SummaryRow["scenario"],
  server: Partial<ServerSpec> & { name: string; runtime: ServerSpec["runtime"] },
  rps: number[],
  skipped?: string,
): SummaryRow {
  const s = spread(rps);
  return {
    scenario,
    server: {
      key: `${server.runtime}/${server.name}`,
      runtime: server.runtime,
      name: server.name,
      family: server.family ?? "framework",
      baseline: server.baseline,
      loops: 1,
    },
    skipped,
    runs: skipped ? 0 : rps.length,
    failedRuns: 0,
    rps: s,
    cpuUsPerReq: spread(rps.map((r) => 2e6 / r)),
    peakRss: spread(rps.map(() => 50 * 2 ** 20)),
    bytesPerSec: spread(rps.map((r) => r * 120)),
    p50: 900,
    p99: 2500,
    max: 9000,
    errors: 0,
    non2xx: 0,
  };
}

const rows: SummaryRow[] = [];
for (const scenario of ["hello", "pipelined"] as const) {
  const k = scenario === "pipelined" ? 10 : 1;
  rows.push(
    row(scenario, { runtime: "node", name: "triloop kernel", family: "triloop" }, [
      40e3 * k,
      42e3 * k,
      39e3 * k,
    ]),
    row(
      scenario,
      { runtime: "node", name: "triloop native", family: "triloop" },
      [],
      'not built yet: <engine> & "quotes"',
    ),
    row(scenario, { runtime: "node", name: "Hono on @hono/node-server", baseline: true }, [30e3, 31e3, 29e3]),
    row(scenario, { runtime: "node", name: "node:http", family: "bare" }, [36e3, 37e3, 35e3]),
    row(scenario, { runtime: "bun", name: "Hono on Bun.serve", baseline: true }, [60e3, 66e3, 62e3]),
    row(scenario, { runtime: "bun", name: "TCP minimal", family: "ceiling" }, [75e3 * k, 76e3 * k, 74e3 * k]),
  );
}

const svg = renderSvg([SCENARIOS.hello, SCENARIOS.pipelined], rows, {
  title: "triloop bench — test",
  subtitle: ["AMD EPYC <2 cores> & friends", "servers pinned to CPU 0"],
  runtimeLabels: { node: "node 20.20", bun: "bun 1.4" },
});

describe("SVG chart", () => {
  it("is well-formed XML with an <svg> root", () => {
    const names = parseXml(svg);
    expect(names[0]).toBe("svg");
  });

  it("has one bar per measured row per panel: 2 scenarios × (req/s + CPU) × 5 measured rows", () => {
    const bars = svg.match(/<rect class="bar"/g) ?? [];
    expect(bars.length).toBe(2 * 2 * 5);
    // The skipped row is marked, not drawn, in each of the 4 panels.
    expect(svg.match(/>skipped</g)?.length).toBe(4);
  });

  it("has error bars for rows with spread, a legend and axis labels", () => {
    expect(svg.match(/class="err"/g)?.length).toBe(20);
    expect(svg).toContain("triloop, kernel engine");
    expect(svg).toContain("Hono on the runtime's server");
    expect(svg).toContain("requests/s");
    expect(svg).toContain("server CPU µs per request");
    expect(svg).toContain(">node 20.20<");
  });

  it("escapes text", () => {
    expect(esc(`<a href="x">&</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    expect(niceCeil(43_000)).toBe(50_000);
    expect(niceCeil(1.1)).toBe(2);
    expect(niceCeil(0)).toBe(1);
  });

  const chromium = ["chromium", "chromium-browser", "google-chrome"].find((b) =>
    spawnSync("sh", ["-c", `command -v ${b}`]).status === 0
  );
  it.skipIf(chromium === undefined)(
    `renders in headless chromium${
      chromium ? "" : " — skipped: no chromium installed (apt-get install -y chromium)"
    }`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), "triloop-svg-"));
      const file = join(dir, "chart.svg");
      const png = join(dir, "chart.png");
      writeFileSync(file, svg);
      execFileSync(chromium!, [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        `--screenshot=${png}`,
        "--window-size=1400,900",
        `file://${file}`,
      ], { stdio: "ignore", timeout: 60_000 });
      expect(existsSync(png)).toBe(true);
      expect(statSync(png).size).toBeGreaterThan(5_000);
      expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");
    },
  );
});
