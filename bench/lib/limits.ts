/**
 * What the machine lets one process hold, checked before the idle scenario
 * opens its connections: past the open-file limit, a server (or the idle
 * client) fails its accepts and connects one by one, and the run crawls
 * through timeouts instead of saying why.
 *
 * @module
 */

import { readFileSync } from "node:fs";

/** Descriptors a server or the idle client uses besides its connections (measured: 8–38 idle). */
export const RESERVED_FILES = 256;

/** `RLIMIT_NOFILE` of this process, which the servers and the idle client inherit. */
export interface FileLimit {
  soft: number;
  hard: number;
}

/** This process's open-file limit, from `/proc/self/limits`; undefined where unreadable. */
export function openFileLimit(text = read("/proc/self/limits")): FileLimit | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text ?? "");
  if (m === null) return undefined;
  const n = (s: string) => (s === "unlimited" ? Infinity : Number(s));
  return { soft: n(m[1]), hard: n(m[2]) };
}

/** How many local ports one client has for connections to one address, from `ip_local_port_range`. */
export function localPorts(text = read("/proc/sys/net/ipv4/ip_local_port_range")): number | undefined {
  const m = /^\s*(\d+)\s+(\d+)/.exec(text ?? "");
  return m === null ? undefined : Number(m[2]) - Number(m[1]) + 1;
}

/**
 * Why `n` idle connections cannot be held here, in one line, or undefined if
 * they can: the server and the idle client each need `n` descriptors plus
 * {@link RESERVED_FILES}, and the client a local port per connection.
 */
export function idleConnectionsProblem(
  n: number,
  { files, ports }: { files: FileLimit | undefined; ports: number | undefined } = {
    files: openFileLimit(),
    ports: localPorts(),
  },
): string | undefined {
  const asked = `--idle-connections ${n}`;
  if (files !== undefined && n + RESERVED_FILES > files.soft) {
    const most = Math.max(0, files.soft - RESERVED_FILES);
    const raise = files.hard > files.soft
      ? `raise the limit (ulimit -n ${Number.isFinite(files.hard) ? files.hard : n + RESERVED_FILES}) or `
      : "";
    return `${asked} needs ${n + RESERVED_FILES} open files in the server and in the idle client, ` +
      `but a process may open ${files.soft} here (ulimit -n; hard limit ${files.hard}): ` +
      `${raise}use --idle-connections ${most} or fewer`;
  }
  if (ports !== undefined && n > ports) {
    return `${asked} needs ${n} local ports to one address, but this machine has ${ports} ` +
      `(net.ipv4.ip_local_port_range): use --idle-connections ${ports} or fewer`;
  }
  return undefined;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
