#!/usr/bin/env bash
# Machine instructions per request of the kernel's in-process path, counted by
# callgrind: the one measure on a shared, noisy machine that separates changes
# of several percent (wall and CPU time move by ±30% here; repeat counts on
# Node agree to within about ±5%, and fixing V8's hash and random seeds does
# not steady them). Counts so far are in bench/README.md.
#
#   lab/instructions.sh [get|pipelined] [app] [node|deno]     (needs valgrind)
#
# Runs lab/micro/kernel.bench.ts in its fixed-count mode with V8 single-threaded,
# so that JIT compilation happens on the counted thread in a repeatable
# order, at 100,000 and 200,000 requests; the difference over 100,000 is the
# steady state, start-up and warm-up excluded (by 20,000 requests some hot
# functions still run Maglev code). On Node 24 (Node 20 when Node 24 is not
# installed), or on Deno. Only the main thread, where the JS runs, is
# counted: Deno's runtime threads add work that depends on wall time, so
# whole-process counts of the same code differ by as much as a third.
#
# Deno runs with --no-code-cache, and each runtime runs the bench once,
# uncounted, before the two counts: otherwise the first count after an edit
# pays for transpiling the changed files, and Deno's V8 code cache (written
# by one run, read by the next, keyed by the V8 flags) gives the two counted
# runs different start-up work, so the same code counts at two levels.
set -euo pipefail
case="${1:-pipelined}"
app="${2:-examples/hello-hono.ts}"
rt="${3:-node}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v valgrind > /dev/null || { echo "valgrind is not installed (apt-get install -y valgrind)" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
if [ "$rt" = deno ]; then
  run=("$root/node_modules/.bin/deno" run -A --unstable-net --no-lock --no-code-cache --config "$root/deno.json"
    --v8-flags=--single-threaded "$root/lab/micro/kernel.bench.ts")
  version="deno $("$root/node_modules/.bin/deno" --version | head -1 | awk '{print $2}')"
else
  node="$root/node_modules/.bin/node"
  [ -x "$node" ] || node="$(command -v node)"
  run=("$node" --single-threaded --import "$root/node_modules/tsx/dist/esm/index.mjs"
    "$root/lab/micro/kernel.bench.ts")
  version="node $("$node" --version)"
fi
# The main thread's count (thread 1 of --separate-threads): the JS runs there.
count() {
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/cg.$1" "${run[@]}" \
    --count "$1" --case "$case" --app "$app" > /dev/null 2>&1
  awk '/^summary:/ { print $2 }' "$out/cg.$1-01"
}
cd "$root"
"${run[@]}" --count 2000 --case "$case" --app "$app" > /dev/null 2>&1 # fills the transpile cache
count 100000 > "$out/a" & # the two counts side by side (they count instructions, not time)
count 200000 > "$out/b"
wait
a=$(cat "$out/a")
b=$(cat "$out/b")
echo "$case ($app, $version): $(( (b - a) / 100000 )) instructions per request"
