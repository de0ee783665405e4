/**
 * The public surface of the package, written down: API Extractor reads the
 * declarations `build.ts` emits for each entry point (`triloop/node`,
 * `triloop/bun`, `triloop/deno`; `triloop` is one of them by export
 * condition) and writes its report. Every entry must give the same report,
 * and that report must be `api/triloop.api.md` as committed: a change of the
 * surface is then a change of that file, seen in review.
 *
 * It also fails when a public declaration names a type the entry does not
 * export (`ae-forgotten-export`), links to something that is not public
 * (`ae-unresolved-link`) or has no JSDoc (`ae-undocumented`).
 *
 * Run after `build.ts`: `node --import tsx api/report.ts` checks (`npm test`
 * does); `npm run api:update` builds and rewrites the report.
 *
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
} from "@microsoft/api-extractor";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const REPORT = join(ROOT, "api", "triloop.api.md");
const ENTRIES = ["node", "bun", "deno"] as const;
const HINT = "run `npm run api:update` and commit api/triloop.api.md if the change is meant";

/** API Extractor's report of one entry point's declarations, or the errors that stopped it. */
function extract(entry: (typeof ENTRIES)[number]): { report?: string; errors: string[] } {
  const out = join(ROOT, ".tmp", "api", entry);
  mkdirSync(out, { recursive: true });
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: ROOT,
      mainEntryPointFilePath: join(ROOT, "dist", "adapters", entry, "mod.d.ts"),
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: "ES2023",
            lib: ["ES2023", "DOM", "DOM.Iterable"],
            module: "NodeNext",
            moduleResolution: "NodeNext",
            types: ["node"],
            strict: true,
            skipLibCheck: true,
          },
          include: [`dist/adapters/${entry}/mod.d.ts`],
        },
      },
      apiReport: { enabled: true, reportFileName: "triloop", reportFolder: out, reportTempFolder: out },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning },
          // No release stages (@beta …): what is exported is public.
          "ae-missing-release-tag": { logLevel: ExtractorLogLevel.None },
          "ae-forgotten-export": { logLevel: ExtractorLogLevel.Error, addToApiReportFile: false },
          "ae-unresolved-link": { logLevel: ExtractorLogLevel.Error, addToApiReportFile: false },
          "ae-undocumented": { logLevel: ExtractorLogLevel.Error, addToApiReportFile: false },
        },
        // The sources use JSDoc, not TSDoc's stricter dialect.
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(ROOT, "package.json"),
  });
  const errors: string[] = [];
  const result = Extractor.invoke(config, {
    localBuild: true,
    messageCallback(message: ExtractorMessage) {
      if (message.logLevel === ExtractorLogLevel.Error || message.logLevel === ExtractorLogLevel.Warning) {
        errors.push(message.formatMessageWithLocation(`${ROOT}/`));
      }
      message.handled = true;
    },
  });
  if (!result.succeeded || errors.length > 0) return { errors };
  return { report: readFileSync(join(out, "triloop.api.md"), "utf8"), errors };
}

/** The lines of `a` and `b` that differ, `-` for `a`'s and `+` for `b`'s, in order. */
export function lineDiff(a: string, b: string): string[] {
  const x = a.split("\n");
  const y = b.split("\n");
  // Longest common subsequence: reports are a few hundred lines.
  const lcs = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      i++;
      j++;
    } else if (j < y.length && (i === x.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push(`+ ${y[j++]}`);
    } else {
      out.push(`- ${x[i++]}`);
    }
  }
  return out;
}

function main(): number {
  const update = process.argv.includes("--update");
  const reports = new Map<string, string>();
  const errors: string[] = [];
  for (const entry of ENTRIES) {
    const r = extract(entry);
    errors.push(...r.errors);
    if (r.report !== undefined) reports.set(entry, r.report);
  }
  if (errors.length > 0) {
    // The entries share most declarations: each message once.
    console.error([...new Set(errors)].join("\n"));
    console.error("api: the declarations of the public entry points have the errors above");
    return 1;
  }
  const node = reports.get("node")!;
  for (const [entry, report] of reports) {
    if (report === node) continue;
    console.error(lineDiff(node, report).join("\n"));
    console.error(`api: triloop/${entry} exports another surface than triloop/node (lines above)`);
    return 1;
  }
  if (update) {
    writeFileSync(REPORT, node);
    console.log(`api: wrote ${REPORT}`);
    return 0;
  }
  let committed = "";
  try {
    committed = readFileSync(REPORT, "utf8");
  } catch {
    // no report yet: every line is a change
  }
  if (committed === node) {
    console.log("api: the public surface is api/triloop.api.md");
    return 0;
  }
  console.error(lineDiff(committed, node).join("\n"));
  console.error(`api: the public surface changed (- committed report, + now): ${HINT}`);
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main();
