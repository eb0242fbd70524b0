#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/cgroup.sh — what cgroup limits add to a jail.  Not a test: prints
# numbers, asserts nothing about time.
#   1. tests/helpers/cgroup_bench: the cgroup steps alone, per jail, as
#      medians over N iterations — create with limits (group node reused,
#      or made each time), the child's own attach, destroy — against a bare
#      fork/exit/wait.
#   2. hyperfine: `jailsh -c true` cold and warm, each with and without
#      limits, in one run.
#   bench/cgroup.sh [N]     (default 1000; RUNS for hyperfine, default 100)
# Needs root and a built tree (make all tests/helpers/cgroup_bench).
# Everything it makes is under cgroup_path jaula-bench-PID, removed on exit.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
N=${1:-1000}
CB=$TOP/tests/helpers/cgroup_bench
[ -x "$CB" ] || { echo "bench: build tests/helpers/cgroup_bench first (make tests/helpers/cgroup_bench)" >&2; exit 1; }
P=jaula-bench-$$
T=$(mktemp -d /tmp/jaula-bench-cg.XXXXXX)
chmod 0711 "$T"
U=jaula-bcg$$
holders=()
cleanup() {
	local h d
	for h in "${holders[@]}"; do kill "$h" 2>/dev/null; wait "$h" 2>/dev/null; done
	userdel -f "$U" 2>/dev/null || true
	for d in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$P" 2>/dev/null); do
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
		sleep 0.2
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

echo "## cgroup steps per jail ($N iterations, µs; load: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
limits="-l mem=512 -l pids=256 -l quota=50000 -G mem=8192 -G pids=4096"
for variant in "no limits|" "memory+pids+cpu quota, group memory+pids|$limits" \
	"same, group node made and removed each time|$limits -s" \
	"same + io weight|$limits -l io=200"; do
	name=${variant%%|*}
	args=${variant#*|}
	echo "### $name"
	echo '```'
	# shellcheck disable=SC2086
	"$CB" -p "$P" -n "$N" $args
	echo '```'
done

command -v hyperfine >/dev/null || { echo "(hyperfine is not installed: jailsh part skipped)"; exit 0; }
source tests/integration/rootfs.sh
ROOT=$(busybox_rootfs)
JAILSH=$TOP/shell/jailsh
useradd -M -d "$T/home" -s /bin/sh "$U"
mkdir -p "$T/home"; chown "$U:" "$T/home"

conf() { # FILE STATE LIMITS?
	local lim="" glim=""
	if [ "$3" = yes ]; then
		lim='limits = { memory = "512M"; pids = 256; cpu = "50%"; };'
		glim='limits = { memory = "8G"; pids = 4096; };'
	fi
	cat > "$1" <<EOC
global = { state_dir = "$T/state-$2"; include_dir = "$T/conf.d"; default_shell = "/bin/sh"; cgroup_path = "$P"; };
rootfs = { r = { path = "$ROOT"; }; };
profiles = { p = { rootfs = "r"; scope = "user"; lifetime = "session"; writable = "tmpfs"; $lim }; };
groups = { bench = { $glim }; };
match = ( { name = "b"; users = [ "$U" ]; profile = "p"; group = "bench"; } );
EOC
	chmod 0644 "$1"
}
mkdir -p "$T/conf.d"
for v in cold-nolim:no cold-lim:yes warm-nolim:no warm-lim:yes; do conf "$T/${v%%:*}.conf" "${v%%:*}" "${v#*:}"; done
for w in warm-nolim warm-lim; do
	"$JAILSH" --config "$T/$w.conf" --user "$U" -c 'sleep 100000' &
	holders+=($!)
	for i in $(seq 100); do ls "$T/state-$w/jails/"*/state >/dev/null 2>&1 && break; sleep 0.05; done
done
echo
echo "## jailsh -c true, with and without limits (hyperfine, $(nproc) CPUs)"
hyperfine -N --warmup 10 --runs "${RUNS:-100}" --export-markdown "$T/result.md" \
	-n "cold, no limits" "$JAILSH --config $T/cold-nolim.conf --user $U -c true" \
	-n "cold, limits" "$JAILSH --config $T/cold-lim.conf --user $U -c true" \
	-n "warm (join), no limits" "$JAILSH --config $T/warm-nolim.conf --user $U -c true" \
	-n "warm (join), limits" "$JAILSH --config $T/warm-lim.conf --user $U -c true" >&2
cat "$T/result.md"
