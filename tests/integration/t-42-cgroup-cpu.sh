#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A CPU-bound loop in a jail with a quota of half a CPU gets half a CPU:
# measured from the jail's own accounting (cpuacct.usage / cpu.stat) over
# the kernel's count of bandwidth periods, not from wall time.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/cgroup-lib.sh"
cg_init cpu

"$H" -p "$P" -l quota=50000 -l period=100000 -l weight=200 create > /dev/null
cg_boost
out=$("$H" -p "$P" -o -k run "$HOG" spin 2 2>&1)
echo "$out" | diag
usec=$(echo "$out" | sed -n 's/.*cpu_usec=\([0-9]*\).*/\1/p' | tail -1)
cg_quota_check "a CPU-bound loop under a 50 % quota" "$(cg_node cpu)/cpu.stat" "${usec:-0}" 50000 100000
node=$(cg_node cpu)
if [ "$MODE" = v2 ]; then
	expect_eq "cpu.max of the jail node" "50000 100000" "$(cat "$node/cpu.max")"
	expect_eq "cpu.weight of the jail node" "200" "$(cat "$node/cpu.weight")"
else
	expect_eq "cpu.cfs_quota_us of the jail node" "50000" "$(cat "$node/cpu.cfs_quota_us")"
	expect_eq "cpu.cfs_period_us of the jail node" "100000" "$(cat "$node/cpu.cfs_period_us")"
	expect_eq "cpu.shares of the jail node (weight 200 = 2048 shares)" "2048" "$(cat "$node/cpu.shares")"
fi
check "destroy" "$H" -p "$P" destroy

# A quota of 1.5 CPU with a period of 50 ms, two spinning processes.
if [ "$(nproc)" -ge 2 ]; then
	"$H" -p "$P" -l quota=75000 -l period=50000 create > /dev/null
	cg_boost
	out=$("$H" -p "$P" -o -k run sh -c "$HOG spin 2 & $HOG spin 2; wait" 2>&1)
	usec=$(echo "$out" | sed -n 's/.*cpu_usec=\([0-9]*\).*/\1/p' | tail -1)
	cg_quota_check "two CPU-bound loops under a 150 % quota" "$(cg_node cpu)/cpu.stat" "${usec:-0}" 75000 50000
	check "destroy" "$H" -p "$P" destroy
else
	skip "150 % quota: one CPU only"
fi
cg_expect_clean "nothing left"
finish
