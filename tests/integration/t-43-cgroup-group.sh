#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Group limits are aggregate: they hold across two jails of one group.  The
# group node is shared, follows policy changes, and goes with its last jail.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/cgroup-lib.sh"
cg_init group

# pids: group max 20.  Jail a holds 1 + 15 tasks; jail b may then fork 3.
"$H" -p "$P" -G pids=20 -j a -k run "$HOG" hold 15 8 > "/tmp/jaula-test-$TAG-a" 2>&1 &
a=$!
on_exit "kill $a; rm -f /tmp/jaula-test-$TAG-a"
for i in $(seq 300); do
	[ "$(cat "$(cg_node pids a)/pids.current" 2>/dev/null)" = 16 ] && break
	sleep 0.1
done
expect_eq "jail a holds 16 tasks" 16 "$(cat "$(cg_node pids a)/pids.current" 2>/dev/null)"
out=$("$H" -p "$P" -G pids=20 -j b run "$HOG" hold 15 0 2>&1)
expect_match "jail b got only what the group had left (3 forks)" "forked=3" "$out"
expect_eq "pids.max on the group node" 20 "$(cat "$(dirname "$(cg_node pids a)")/pids.max")"
expect_eq "no pids limit on jail a's own node" max "$(cat "$(cg_node pids a)/pids.max")"
check "destroy jail a" "$H" -p "$P" -j a destroy
wait "$a"

# CPU: group quota of half a CPU shared by two jails spinning at once.
if [ "$(nproc)" -ge 2 ]; then
	"$H" -p "$P" -G quota=50000 -j c create > /dev/null
	"$H" -p "$P" -G quota=50000 -j d create > /dev/null
	cg_boost c
	"$H" -p "$P" -j c -o -k run "$HOG" spin 2 > "/tmp/jaula-test-$TAG-c" 2>&1 &
	c=$!
	on_exit "kill $c; rm -f /tmp/jaula-test-$TAG-c"
	out_d=$("$H" -p "$P" -j d -o -k run "$HOG" spin 2 2>&1)
	wait "$c"
	uc=$(sed -n 's/.*cpu_usec=\([0-9]*\).*/\1/p' "/tmp/jaula-test-$TAG-c")
	ud=$(echo "$out_d" | sed -n 's/.*cpu_usec=\([0-9]*\).*/\1/p')
	echo "jail c: ${uc:-?} us, jail d: ${ud:-?} us" | diag
	cg_quota_check "two jails under one group quota of 50 %" "$(dirname "$(cg_node cpu c)")/cpu.stat" \
		$(( ${uc:-0} + ${ud:-0} )) 50000 100000
	"$H" -p "$P" -j c destroy; "$H" -p "$P" -j d destroy
else
	skip "group CPU quota: one CPU only"
fi

# A jail quota above the group's: v1 refuses such a child, so the effective
# (smaller) quota is written; v2 keeps the jail's own.
out=$("$H" -p "$P" -G quota=20000 -l quota=80000 -j e run cat /proc/self/cgroup 2>&1)
expect_match "a jail quota above its group's is accepted" "exit=0" "$out"

# The group node follows the policy: a new limit replaces the old one while
# another jail still uses the node, and a dropped limit is reset.
"$H" -p "$P" -G pids=10 -j f create > /dev/null
"$H" -p "$P" -G pids=30 -j g create > /dev/null
expect_eq "a changed group limit is rewritten" 30 "$(cat "$(dirname "$(cg_node pids f)")/pids.max")"
"$H" -p "$P" -j h create > /dev/null
expect_eq "a dropped group limit is reset" max "$(cat "$(dirname "$(cg_node pids f)")/pids.max")"
# A limit on a controller the live group did not use yet (v2: not yet in
# the subtree_control above the group) is set up all the same.
"$H" -p "$P" -G quota=40000 -j i create > /dev/null
if [ "$MODE" = v2 ]; then
	expect_eq "a group CPU quota added to a live group" "40000 100000" "$(cat "$(dirname "$(cg_node cpu i)")/cpu.max")"
else
	expect_eq "a group CPU quota added to a live group" "40000" "$(cat "$(dirname "$(cg_node cpu i)")/cpu.cfs_quota_us")"
fi
# A jail joined after the policy dropped that limit still lands in all of
# its nodes, the cpu one included.
out=$("$H" -p "$P" -j i -o -k run cat /proc/self/cgroup 2>&1)
expect_match "open finds every node of the jail, whatever the policy now" "(cpu:|0::)/$P/g/i"$'\n' "$out"
for j in f g i; do "$H" -p "$P" -j $j destroy; done
gnode=$(dirname "$(cg_node pids h)")
expect_eq "the group node stays while jail h uses it" yes "$([ -d "$gnode" ] && echo yes)"
"$H" -p "$P" -j h destroy
expect_eq "the group node goes with its last jail" no "$([ -d "$gnode" ] && echo yes || echo no)"
cg_expect_clean "nothing left"
finish
