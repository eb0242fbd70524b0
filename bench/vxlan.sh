#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/vxlan.sh — what a VXLAN network costs a login, next to a plain one,
# interleaved in one private network namespace (nothing on the host):
#   warm: jaula_net_prepare + release, 256 times (net_probe prep: the
#         recorded set-up is current; the VXLAN device adds one ioctl)
#   cold: teardown, then one jail up (bridge, table, and for VXLAN the
#         device and its flood entries are made) — ROUNDS times each
# Usage (root): bench/vxlan.sh [ROUNDS]   (default 10)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
NP=$TOP/tests/helpers/net_probe
[ "$(id -u)" = 0 ] || { echo "bench/vxlan.sh: needs root" >&2; exit 77; }
[ -x "$NP" ] || { echo "bench/vxlan.sh: build tests/helpers/net_probe first" >&2; exit 77; }
if [ -z "${JAULA_BENCH_INNER:-}" ]; then
	JAULA_BENCH_INNER=1 exec unshare -n -- bash "$0" "$@"
fi
ROUNDS=${1:-10}
ip link set lo up
ip link add jvbench0 type veth peer name jvbench1 && ip addr add 198.18.99.1/24 dev jvbench0 &&
	ip link set jvbench0 up && ip link set jvbench1 up
ST=$(mktemp -d /tmp/jaula-vxbench.XXXXXX)
trap 'rm -rf "$ST"' EXIT
PLAIN=(--state "$ST" --net plain --subnet 10.98.0.0/16 --gw 10.98.0.1 --bridge jb-bplain --pool 10.98.1.0-10.98.1.255)
VX=(--state "$ST" --net vx --subnet 10.99.0.0/16 --gw 10.99.0.1 --bridge jb-bvx --pool 10.99.1.0-10.99.1.255
	--vxlan-vni 99 --vxlan-peer 198.18.99.2 --vxlan-peer 198.18.99.3 --vxlan-dev jvbench0)
now() { date +%s%N; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
cold() { # OPTS…: µs for teardown + one jail up (the holder is killed after)
	local t0 t1 out
	"$NP" teardown "$@" >/dev/null 2>&1
	t0=$(now)
	out=$("$NP" up "$@" --id b1) || return 1
	t1=$(now)
	kill -9 "${out%% *}"
	"$NP" release "$@" --id b1
	echo $(((t1 - t0) / 1000))
}
warm_p=() warm_v=() cold_p=() cold_v=()
for ((i = 0; i < ROUNDS; i++)); do
	cold_p+=("$(cold "${PLAIN[@]}")")
	cold_v+=("$(cold "${VX[@]}")")
	warm_p+=("$("$NP" prep "${PLAIN[@]}" | sed 's/.*median \([0-9.]*\) us.*/\1/')")
	warm_v+=("$("$NP" prep "${VX[@]}" | sed 's/.*median \([0-9.]*\) us.*/\1/')")
done
mp=$(printf '%s\n' "${warm_p[@]}" | median); mv=$(printf '%s\n' "${warm_v[@]}" | median)
cp=$(printf '%s\n' "${cold_p[@]}" | median); cv=$(printf '%s\n' "${cold_v[@]}" | median)
echo "warm prepare+release (median of $ROUNDS medians of 256): plain $mp us, vxlan $mv us, ratio $(awk "BEGIN{printf \"%.2f\", $mv/$mp}")"
echo "cold first jail (median of $ROUNDS): plain $cp us, vxlan $cv us, ratio $(awk "BEGIN{printf \"%.2f\", $cv/$cp}")"
