#!/usr/bin/env bash
# Two triloop nodes behind HAProxy, each node in a network namespace of its
# own joined to this one by a veth pair — a fleet on one machine.
#
#   sudo examples/deploy/fleet.sh run [--runtime node|node24|bun|deno]
#       sets up the namespaces, starts both nodes and HAProxy on
#       127.0.0.1:8080; Ctrl-C stops them (SIGTERM: the nodes drain) and
#       removes the namespaces.
#
# The steps, one by one (the e2e test drives them so):
#   fleet.sh net-up          namespaces and veths; prints the addresses
#   fleet.sh node a|b        runs one node in its namespace (exec: its pid is triloop's)
#   fleet.sh haproxy         runs HAProxy in the foreground
#   fleet.sh net-down        removes the namespaces
#
# Network namespaces need root (and `ip`). Without them the nodes listen on
# 127.0.0.2 and 127.0.0.3 instead, HAProxy connects from 127.0.0.4, and the
# script says so. Only addresses of the namespaces' veths (10.200.ID.0/29)
# and of 127.0.0.0/8 are used.
#
# Environment: FLEET_ID (0..255, names the namespaces and the subnet,
# default 77), FLEET_DIR (state: HAProxy's socket, default /tmp/triloop-fleet-ID),
# FLEET_PORT (HAProxy's port, 8080), FLEET_NODE_PORT (each node's, 3000),
# FLEET_RUNTIME (node), FLEET_NETNS (auto | off), TRILOOP (the command, found).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ID="${FLEET_ID:-77}"
DIR="${FLEET_DIR:-/tmp/triloop-fleet-$ID}"
PORT="${FLEET_PORT:-8080}"
NODE_PORT="${FLEET_NODE_PORT:-3000}"
RUNTIME="${FLEET_RUNTIME:-node}"
mkdir -p "$DIR"

if [ -z "${TRILOOP:-}" ]; then
  if [ -f "$HERE/../../cli/triloop.mjs" ]; then TRILOOP="node $HERE/../../cli/triloop.mjs"; else TRILOOP="npx triloop"; fi
fi

netns_ok() {
  [ "${FLEET_NETNS:-auto}" != off ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
    ip netns list >/dev/null 2>&1
}

# The addresses of the fleet: each node's, and the one HAProxy connects from.
if [ -f "$DIR/mode" ]; then MODE="$(cat "$DIR/mode")"; elif netns_ok; then MODE=netns; else MODE=loopback; fi
if [ "$MODE" = netns ]; then
  NS_A="tl${ID}a" NS_B="tl${ID}b"
  A="10.200.$ID.2" B="10.200.$ID.6" FROM_A="10.200.$ID.1" FROM_B="10.200.$ID.5" SOURCE=0.0.0.0
else
  A=127.0.0.2 B=127.0.0.3 FROM_A=127.0.0.4 FROM_B=127.0.0.4 SOURCE=127.0.0.4
fi

net_up() {
  if [ "$MODE" = loopback ]; then
    echo "fleet: no network namespaces (they need root and ip netns; FLEET_NETNS=off turns them off): nodes on 127.0.0.2 and 127.0.0.3" >&2
    echo loopback >"$DIR/mode"
    return
  fi
  for n in a b; do
    local ns="tl${ID}$n" host peer
    if [ $n = a ]; then host=1 peer=2; else host=5 peer=6; fi
    ip netns add "$ns"
    ip link add "tl${ID}${n}0" type veth peer name "tl${ID}${n}1"
    ip link set "tl${ID}${n}1" netns "$ns"
    ip addr add "10.200.$ID.$host/30" dev "tl${ID}${n}0"
    ip link set "tl${ID}${n}0" up
    ip netns exec "$ns" ip addr add "10.200.$ID.$peer/30" dev "tl${ID}${n}1"
    ip netns exec "$ns" ip link set "tl${ID}${n}1" up
    ip netns exec "$ns" ip link set lo up
  done
  echo netns >"$DIR/mode"
  echo "fleet: node a in namespace $NS_A at $A, node b in $NS_B at $B" >&2
}

net_down() {
  if [ "$(cat "$DIR/mode" 2>/dev/null)" = netns ]; then
    for n in a b; do
      ip netns del "tl${ID}$n" 2>/dev/null || true
      ip link del "tl${ID}${n}0" 2>/dev/null || true
    done
  fi
  rm -f "$DIR/mode"
}

# One node: `triloop serve` with what a node behind HAProxy needs. Extra
# arguments go to triloop serve (e.g. --loops 2).
node_run() {
  local name="$1" addr from ns=""
  shift
  if [ "$name" = a ]; then addr="$A" from="$FROM_A"; else addr="$B" from="$FROM_B"; fi
  if [ "$MODE" = netns ]; then ns="ip netns exec tl${ID}$name"; fi
  # shellcheck disable=SC2086 # $ns and $TRILOOP are commands with arguments
  exec $ns env TRILOOP_NODE="$name" $TRILOOP serve "$HERE/app.ts" --runtime "$RUNTIME" \
    --hostname "$addr" --port "$NODE_PORT" \
    --proxy-protocol v2 --trusted-proxies "$from" \
    --health-path /healthz --drain-delay 2000 --keep-alive-timeout 65000 --grace 10000 "$@"
}

haproxy_run() {
  command -v haproxy >/dev/null || { echo "fleet: haproxy is not installed (apt-get install haproxy)" >&2; exit 1; }
  FLEET_DIR="$DIR" FLEET_BIND="127.0.0.1:$PORT" FLEET_A="$A:$NODE_PORT" FLEET_B="$B:$NODE_PORT" \
    FLEET_SOURCE="$SOURCE" exec haproxy -db -f "$HERE/haproxy.cfg"
}

case "${1:-}" in
  net-up) net_up ;;
  net-down) net_down ;;
  node) shift; node_run "$@" ;;
  haproxy) haproxy_run ;;
  run)
    shift
    if [ "${1:-}" = --runtime ]; then export FLEET_RUNTIME="$2"; RUNTIME="$2"; fi
    net_up
    pids=()
    cleanup() {
      trap - EXIT INT TERM
      kill -TERM "${pids[@]}" 2>/dev/null || true
      wait "${pids[@]}" 2>/dev/null || true
      net_down
    }
    trap cleanup EXIT INT TERM
    "$0" node a & pids+=($!)
    "$0" node b & pids+=($!)
    "$0" haproxy & pids+=($!)
    echo "fleet: HAProxy on http://127.0.0.1:$PORT/ in front of $A:$NODE_PORT and $B:$NODE_PORT ($RUNTIME); Ctrl-C stops" >&2
    wait
    ;;
  *) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
