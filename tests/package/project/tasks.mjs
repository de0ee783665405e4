// Pool tasks for the compiled (plain JavaScript) run of use.mjs.
export function double(n) {
  return n * 2;
}
