#!/usr/bin/env bash
# Machine instructions per request of the kernel's in-process path, counted by
# callgrind: the one measure on a shared, noisy machine that separates changes
# of several percent (wall and CPU time move by ±30% here; repeat counts
# agree to within about ±5%: hash seeds and JIT tiering still vary a little).
#
#   bench/instructions.sh [get|pipelined] [app]     (needs valgrind)
#
# Runs bench/kernel.bench.ts in its fixed-count mode on Node 24 (Node 20 when
# Node 24 is not installed) with V8 single-threaded, so that JIT compilation
# happens on the counted thread in a repeatable order, at 20,000 and 60,000
# requests; the difference over 40,000 is the steady state, start-up and
# warm-up excluded.
set -euo pipefail
case="${1:-pipelined}"
app="${2:-examples/hello-hono.ts}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v valgrind > /dev/null || { echo "valgrind is not installed (apt-get install -y valgrind)" >&2; exit 2; }
node="$root/node_modules/.bin/node"
[ -x "$node" ] || node="$(command -v node)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
count() {
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1" "$node" --single-threaded \
    --import "$root/node_modules/tsx/dist/esm/index.mjs" "$root/bench/kernel.bench.ts" \
    --count "$1" --case "$case" --app "$app" 2>&1 >/dev/null | awk '/Collected/ { print $4 }'
}
cd "$root"
a=$(count 20000)
b=$(count 60000)
echo "$case ($app, $("$node" --version)): $(( (b - a) / 40000 )) instructions per request"
