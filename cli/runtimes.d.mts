export const ROOT: string;
export interface RuntimeInfo {
  id: "node" | "node24" | "bun" | "deno";
  kind: "node" | "bun" | "deno";
  bin: string;
  version?: string;
  available: boolean;
  reason?: string;
  argv(script: string, args?: string[]): string[];
}
export function findRuntimes(): RuntimeInfo[];
export function runtimeById(id: string, runtimes?: RuntimeInfo[]): RuntimeInfo;
