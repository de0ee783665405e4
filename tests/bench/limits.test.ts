// The idle scenario's limits, read before any connection is opened: the
// open-file limit (server and idle client each hold every connection) and
// the local ports one client has to one address.
import { describe, expect, it } from "vitest";
import { idleConnectionsProblem, localPorts, openFileLimit, RESERVED_FILES } from "../../bench/lib/limits.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
`;

describe("bench limits", () => {
  it("reads the open-file limit and the local port range", () => {
    expect(openFileLimit(LIMITS)).toEqual({ soft: 20000, hard: 20000 });
    expect(openFileLimit("Max open files   1024   unlimited   files\n")).toEqual({
      soft: 1024,
      hard: Infinity,
    });
    expect(openFileLimit("")).toBeUndefined();
    expect(localPorts("32768\t60999\n")).toBe(28232);
    expect(localPorts("")).toBeUndefined();
    // This machine's own, as the bench reads them.
    expect(openFileLimit()?.soft).toBeGreaterThan(0);
  });

  it("says in one line why too many idle connections cannot be held, and how many can", () => {
    const files = { soft: 20000, hard: 20000 };
    expect(idleConnectionsProblem(10000, { files, ports: 28232 })).toBeUndefined();
    expect(idleConnectionsProblem(20000 - RESERVED_FILES, { files, ports: 28232 })).toBeUndefined();
    const over = idleConnectionsProblem(25000, { files, ports: 28232 });
    expect(over).toBe(
      `--idle-connections 25000 needs ${25000 + RESERVED_FILES} open files in the server and in the idle ` +
        `client, but a process may open 20000 here (ulimit -n; hard limit 20000): ` +
        `use --idle-connections ${20000 - RESERVED_FILES} or fewer`,
    );
    expect(over).not.toContain("\n");
    // A soft limit under the hard one can be raised by the user.
    expect(idleConnectionsProblem(5000, { files: { soft: 1024, hard: 65536 }, ports: 28232 })).toMatch(
      /but a process may open 1024 here \(ulimit -n; hard limit 65536\): raise the limit \(ulimit -n 65536\) or use --idle-connections 768 or fewer$/,
    );
    expect(idleConnectionsProblem(30000, { files: { soft: 100000, hard: 100000 }, ports: 28232 })).toBe(
      "--idle-connections 30000 needs 30000 local ports to one address, but this machine has 28232 " +
        "(net.ipv4.ip_local_port_range): use --idle-connections 28232 or fewer",
    );
    expect(idleConnectionsProblem(30000, { files: undefined, ports: undefined })).toBeUndefined();
  });
});
