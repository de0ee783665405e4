// A user's program, copied into the temporary projects as use.mjs and use.ts:
// through each package specifier named on the command line it serves HTTP,
// listens and connects over TCP, and runs a pool task, then prints one JSON
// line with what it got and the names the specifier exports. Usage:
// <runtime> use.mjs <tasks module> <specifier>...
import process from "node:process";

const [tasks, ...specifiers] = process.argv.slice(2);

for (const specifier of specifiers) {
  const mod = await import(specifier);
  const { runtime } = mod;

  const server = await runtime.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => new Response(`hello ${new URL(req.url).pathname}`),
  });
  const text = await (await fetch(new URL("/x", server.url))).text();
  await server.close({ graceMs: 100 });

  const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, {
    data: (conn, bytes) => void conn.write(bytes.slice()),
  });
  const echoed = await new Promise((resolve, reject) => {
    runtime.connect({ hostname: "127.0.0.1", port: listener.port }, {
      open: (conn) => void conn.write(new TextEncoder().encode("ping")),
      data: (conn, bytes) => {
        resolve(new TextDecoder().decode(bytes));
        conn.close();
      },
    }).catch(reject);
  });
  await listener.close({ force: true });

  const pool = runtime.createPool({ tasks: new URL(tasks, import.meta.url), size: 1 });
  const doubled = await pool.run("double", 21);
  await pool.close();

  const exports = Object.keys(mod).sort();
  console.log(JSON.stringify({ specifier, runtime: runtime.name, text, echoed, doubled, exports }));
}
