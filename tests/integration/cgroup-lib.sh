# SPDX-License-Identifier: LGPL-2.1-or-later
# cgroup-lib.sh — shared by the cgroup tests (tests/integration/t-4*.sh),
# sourced after tests/lib.sh.  The same tests run on this host's backend and,
# through t-49, under qemu with cgroup v2.
#
# cg_init NAME sets H (the cgroup_run driver), HOG (cgroup_hog), MODE
# (v1, v2, hybrid) and P, the cgroup_path of this run (jaula-test-TAG-NAME),
# and registers a sweep that kills and removes everything under P in every
# hierarchy, on success and on failure.

cg_init() {
	need_root
	H=$TOP/tests/helpers/cgroup_run
	HOG=$TOP/tests/helpers/cgroup_hog
	[ -x "$H" ] && [ -x "$HOG" ] || skip_all "tests/helpers/cgroup_run or cgroup_hog is not built (make check)"
	P=jaula-test-$TAG-$1
	MODE=$("$H" -p "$P" mode)
	[ "$MODE" != none ] || skip_all "no cgroup hierarchy is mounted"
	echo "# cgroup mode: $MODE"
	on_exit cg_sweep
}

# Every directory named $P at the top of a hierarchy (v2: /sys/fs/cgroup/P,
# v1: /sys/fs/cgroup/CTRL/P).
cg_left() {
	find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$P" 2>/dev/null
}

cg_sweep() {
	local d n i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		n=0
		for d in $(cg_left); do
			n=1
			find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
		[ $n = 0 ] && return 0
		sleep 0.2
	done
}

# cg_node CTRL [JAIL [GROUP]] — the jail node of the hierarchy carrying CTRL.
cg_node() {
	"$H" -p "$P" -g "${3:-g}" -j "${2:-j}" path "$1"
}

# cg_val FILE KEY — the number after KEY in a "key N" file.
cg_val() {
	sed -n "s/^$2 //p" "$1" 2>/dev/null | head -1
}

# Expect nothing of this run left in any hierarchy.
cg_expect_clean() {
	expect_eq "$1" "" "$(cg_left | tr '\n' ' ')"
}

# Microsecond numbers compared within a tolerance: within WHAT GOT WANT PCT
within() {
	local got=$2 want=$3 pct=$4
	if [ "$got" -ge $((want * (100 - pct) / 100)) ] && [ "$got" -le $((want * (100 + pct) / 100)) ]; then
		ok "$1 ($got, want $want ± $pct %)"
	else
		not_ok "$1"
		echo "got $got, want $want ± $pct %" | diag
	fi
}

# cg_quota_check WHAT CPU_STAT USAGE_US QUOTA PERIOD — did a CPU-bound load
# get its quota?  The time base is the kernel's own count of bandwidth
# periods (cpu.stat nr_periods), not wall time: it holds on a loaded host
# and in an emulated guest whose clocks drift.  The share must not exceed
# the quota by more than 30 %; it must reach 70 % of it only when the load
# was throttled in most periods (otherwise the host, not the quota, held it
# back, and that half of the check is skipped with the reason).
cg_quota_check() {
	local what=$1 stat=$2 usage=$3 quota=$4 period=$5 np nt share want
	np=$(cg_val "$stat" nr_periods)
	nt=$(cg_val "$stat" nr_throttled)
	if [ -z "$np" ] || [ "$np" -lt 5 ]; then
		not_ok "$what: too few bandwidth periods in $stat (${np:-none})"
		return
	fi
	share=$((usage * 100 / (np * period)))
	want=$((quota * 100 / period))
	echo "usage $usage us over $np periods of $period us ($nt throttled): $share % of a CPU, quota $want %" | diag
	if [ "$share" -le $((want * 130 / 100)) ]; then ok "$what: at most the quota (+30 %)"; else
		not_ok "$what: at most the quota (+30 %)"; echo "$share % > $want % + 30 %" | diag; fi
	if [ $((nt * 100)) -lt $((np * 80)) ]; then
		skip "$what: at least the quota (-30 %): the host gave less (throttled in $nt of $np periods)"
	elif [ "$share" -ge $((want * 70 / 100)) ]; then ok "$what: at least the quota (-30 %)"; else
		not_ok "$what: at least the quota (-30 %)"; echo "$share % < $want % - 30 %" | diag; fi
}

# cg_boost [JAIL] — give this run's top node (cgroup_path) the highest CPU
# weight, so that on a busy host the jails below it can still reach their
# quota and the quota, not the host, is what a CPU test measures.
cg_boost() {
	local top
	top=$(dirname "$(dirname "$(cg_node cpu "${1:-j}")")")
	if [ "$MODE" = v2 ]; then echo 10000 > "$top/cpu.weight"; else echo 262144 > "$top/cpu.shares"; fi
}
