// The entry a user serves with `npx triloop serve app.ts`: a fetch handler
// that also imports the package, as apps do.
import { isTriloopError } from "triloop";

export default {
  fetch(req: Request): Response {
    return new Response(`hello ${new URL(req.url).pathname} ${typeof isTriloopError}`);
  },
};
