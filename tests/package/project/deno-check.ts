// Type-checked with `deno check` in the user's project: the "deno" export
// condition and the "triloop/deno" subpath carry declarations, so a wrong
// option is an error (the @ts-expect-error below would be unused otherwise).
import { runtime } from "triloop";
import { runtime as deno } from "triloop/deno";

const server = await runtime.serve({ port: 0, fetch: () => new Response("ok") });
await server.close();
const name: string = deno.name;
// @ts-expect-error a port is a number
await deno.serve({ port: "3000", fetch: () => new Response("ok") });
console.log(name);
