#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/net.sh — what a jail network adds to a login.  Not a test: prints
# numbers.  Everything runs in a private network namespace (the "host"),
# so bridges and the nftables table never touch the real host.
#   1. net_probe: the network steps alone, per jail — prepare (lease +
#      bridge lookup), attach (the one-request veth), the holder's inside
#      configuration — medians over N jails kept up while the next ones
#      are made, and the same loop with a bare network namespace.
#   2. hyperfine: `jailsh -c true` cold with and without a network, in
#      one run.
#   bench/net.sh [N]      (default 300 jails; RUNS for hyperfine, default 100)
# Needs root and a built tree (make all tests/helpers/net_probe).
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
N=${1:-300}
if [ -z "${JAULA_BENCH_INNER:-}" ]; then
	JAULA_BENCH_INNER=1 exec unshare -n -- bash "$0" "$@"
fi
ip link set lo up
NP=$TOP/tests/helpers/net_probe
# The state directory on tmpfs, like /run/jaula on a Debian host.
T=$(mktemp -d /dev/shm/jaula-bench-net.XXXXXX)
chmod 0711 "$T"
# The user's home is not under /dev: a home there is refused (a home is
# bound writable, and /dev is the host's; see jaula.conf(5), SAFETY).
H=$(mktemp -d /tmp/jaula-bench-net.XXXXXX)
chmod 0711 "$H"
U=jaula-bnet$$
cleanup() { userdel -f "$U" 2>/dev/null || true; rm -rf "$T" "$H"; }
trap cleanup EXIT

echo "## network steps per jail (median of $N, µs)"
for mode in "" --isolate; do
	NET=(--state "$T/np${mode}" --net bench --subnet 10.250.0.0/16 --gw 10.250.0.1
		--bridge "jb-bench${mode:+i}" --dynamic $mode)
	# bridge and nftables set-up happen once, untimed
	read -r warm _ < <("$NP" up "${NET[@]}" --id "warm${mode:+i}")
	echo "${mode:-plain}, prepare alone (lease + bridge check + table check):"
	"$NP" prep "${NET[@]}" --id "prep${mode:+i}"
	echo "${mode:-plain}, wall time:"
	"$NP" bench "$N" "${NET[@]}"
	echo "${mode:-plain}, CPU time of the steps (the totals then count the parent only):"
	JAULA_BENCH_CPU=1 "$NP" bench "$N" "${NET[@]}" | sed -n 1p
	kill -9 "$warm"
done

command -v hyperfine >/dev/null || { echo "hyperfine is not installed: skipping jailsh"; exit 0; }
source tests/integration/rootfs.sh
ROOT=$(busybox_rootfs)
useradd -M -d "$H/home" -s /bin/sh "$U"
mkdir -p "$H/home"
chown "$U:" "$H/home"
conf() { # FILE NAME EXTRA
	cat >"$1" <<EOC
global = { state_dir = "$T/state-$2"; include_dir = "$T/conf.d"; default_shell = "/bin/sh"; };
rootfs = { r = { path = "$ROOT"; }; };
networks = { lab = { bridges = [ "jb-benchj" ]; subnet = "10.251.0.0/16"; gateway = "10.251.0.1";
                     addresses = "stable"; isolate = true; }; };
profiles = { p = { rootfs = "r"; scope = "session"; lifetime = "session"; writable = "tmpfs"; $3 }; };
match = ( { name = "b"; users = [ "$U" ]; profile = "p"; } );
EOC
	chmod 0644 "$1"
}
conf "$T/nonet.conf" nonet ""
conf "$T/net.conf" net 'network = "lab";'
echo
echo "## jailsh -c true, cold (jail made and torn down per run)"
hyperfine -N --warmup 10 --runs "${RUNS:-100}" --export-markdown "$T/result.md" \
	-n "jailsh, no network" "$TOP/shell/jailsh --config $T/nonet.conf --user $U -c true" \
	-n "jailsh, network (isolate)" "$TOP/shell/jailsh --config $T/net.conf --user $U -c true" >/dev/null
cat "$T/result.md"
