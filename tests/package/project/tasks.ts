// Pool tasks in TypeScript: on Node, tsx's hooks must reach the worker.
export function double(n: number): number {
  return n * 2;
}
