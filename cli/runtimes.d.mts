export const ROOT: string;
export const INSTALLED: boolean;
export const RUN_ENTRY: string;
export const TSX: string | undefined;
/** Where a runtime's binary was found. */
export type RuntimeSource = "flag" | "project" | "PATH" | "package" | "this process";
export interface RuntimeInfo {
  id: "node" | "node24" | "bun" | "deno";
  kind: "node" | "bun" | "deno";
  bin: string;
  source?: RuntimeSource;
  version?: string;
  available: boolean;
  reason?: string;
  argv(script: string, args?: string[]): string[];
}
export interface FindRuntimesOptions {
  /** Explicit binaries (`--node`, `--bun`, `--deno`), relative to `cwd`. */
  node?: string;
  bun?: string;
  deno?: string;
  /** The project folder whose node_modules/.bin is searched (default: the working directory). */
  cwd?: string;
}
export function findRuntimes(options?: FindRuntimesOptions): RuntimeInfo[];
export function runtimeById(id: string, runtimes?: RuntimeInfo[]): RuntimeInfo;
