/**
 * Names the samples of `perf record` taken in a V8 process (Node, Deno).
 *
 * V8 writes `/tmp/perf-<pid>.map` when started with `--perf-basic-prof`: one
 * line per code object, `<start hex> <size hex> <name>`, for JS functions
 * (`JS:*name file:///…:line:col`, the mark being the tier: `*` TurboFan, `+`
 * Maglev, `^` Sparkplug, `~` the interpreter) and for V8's builtins
 * (`Builtin:StringIndexOf`). perf itself names only what its DSOs' symbol
 * tables know, and the runtimes' binaries are stripped: a builtin showed up
 * as an address inside `deno`. Looking each sample's address up in the map
 * names both, so a profile says which builtin a request pays for (write
 * barriers, promise jobs, typed array copies), not only which JS function.
 *
 * @module
 */

/** One code object of a perf map. */
export interface MapEntry {
  start: number;
  size: number;
  name: string;
}

/** The entries of a perf map, sorted by start address. Malformed lines are skipped. */
export function parsePerfMap(text: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (const line of text.split("\n")) {
    const a = line.indexOf(" ");
    const b = line.indexOf(" ", a + 1);
    if (a <= 0 || b <= a) continue;
    // Addresses stay below 2^47 on x86-64 and arm64: exact as doubles.
    const start = parseInt(line.slice(0, a), 16);
    const size = parseInt(line.slice(a + 1, b), 16);
    if (!Number.isFinite(start) || !Number.isFinite(size)) continue;
    out.push({ start, size, name: line.slice(b + 1) });
  }
  return out.sort((x, y) => x.start - y.start);
}

/** The entry whose range holds `ip` (a later entry wins where code was reused), or undefined. */
export function lookup(entries: MapEntry[], ip: number): MapEntry | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].start <= ip) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = at; i >= 0 && i > at - 8; i--) {
    const e = entries[i];
    if (ip < e.start + e.size) return e;
  }
  return undefined;
}

/** One sample: its instruction pointer and the DSO perf put it in. */
export interface Sample {
  ip: number;
  dso: string;
}

/** The samples of `perf script -F ip,dso` (one `<ip hex> (<dso>)` line each). */
export function parsePerfScript(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    const space = line.indexOf(" ");
    const ip = parseInt(space < 0 ? line : line.slice(0, space), 16);
    if (!Number.isFinite(ip)) continue;
    const dso = space < 0 ? "" : line.slice(space + 1).replace(/^\(/, "").replace(/\)$/, "");
    out.push({ ip, dso });
  }
  return out;
}

/** Where a sample's time went, coarsely. */
export type Group =
  | "Linux"
  | "runtime (native code)"
  | "libc"
  | "triloop JS"
  | "app and dependencies JS"
  | "runtime JS"
  | "V8 builtins"
  | "other generated code"
  | "JIT code (not named)"
  | "other";

/** The group of a sample named `name` (a map entry's) or, when unnamed, of its DSO. */
export function groupOf(name: string | undefined, dso: string, root: string): Group {
  if (name !== undefined) {
    if (name.startsWith("Builtin:")) return "V8 builtins";
    if (!/^(JS|LazyCompile|Function|Script):/.test(name)) return "other generated code";
    if (name.includes("node:") || name.includes("ext:")) return "runtime JS";
    const at = name.indexOf(root + "/");
    if (at >= 0) {
      const rel = name.slice(at + root.length + 1);
      if (rel.startsWith("core/") || rel.startsWith("adapters/") || rel.startsWith("cli/")) {
        return "triloop JS";
      }
    }
    return "app and dependencies JS";
  }
  if (dso.includes("kernel")) return "Linux";
  if (/\blib(c|m|pthread)[.-]/.test(dso)) return "libc";
  if (/\/(node|deno|bun)(\.exe)?$/.test(dso)) return "runtime (native code)";
  if (dso.startsWith("/tmp/perf-") || dso === "[unknown]" || dso.startsWith("//anon") || dso === "[anon]") {
    return "JIT code (not named)";
  }
  return "other";
}

/** Sample counts by symbol and by group. */
export interface Attribution {
  total: number;
  bySymbol: Map<string, { samples: number; group: Group }>;
  byGroup: Map<Group, number>;
}

/**
 * Counts `samples` by the map entry (or, unnamed, the DSO) that holds each.
 * Names lose the `file://<root>/` prefix so they read as repository paths.
 */
export function attribute(samples: Sample[], entries: MapEntry[], root: string): Attribution {
  const bySymbol = new Map<string, { samples: number; group: Group }>();
  const byGroup = new Map<Group, number>();
  const prefix = new RegExp(`(file://)?${root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`, "g");
  for (const s of samples) {
    const e = lookup(entries, s.ip);
    const group = groupOf(e?.name, s.dso, root);
    const name = e !== undefined ? e.name.replace(prefix, "") : `(${s.dso || "unknown"})`;
    const seen = bySymbol.get(name);
    if (seen !== undefined) seen.samples++;
    else bySymbol.set(name, { samples: 1, group });
    byGroup.set(group, (byGroup.get(group) ?? 0) + 1);
  }
  return { total: samples.length, bySymbol, byGroup };
}
