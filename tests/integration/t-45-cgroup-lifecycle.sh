#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Destroy leaves nothing (live processes included); open + attach is how a
# second login joins; a stale empty jail node is reused, a live one is not;
# concurrent create/destroy in one group never fails nor leaks; usage reports.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/cgroup-lib.sh"
cg_init life

# Destroy with live processes, some of them children of a reparented shell.
out=$("$H" -p "$P" -l mem=64M -k run sh -c "exec >/dev/null 2>&1; sleep 100 & sleep 100 & $HOG hold 5 0; (sleep 100 &)" 2>&1)
pids=$(cat "$(cg_node pids)/cgroup.procs" | tr '\n' ' ')
expect_match "processes are left in the jail" '[0-9]+ [0-9]+' "$pids"
check "destroy with live processes" "$H" -p "$P" destroy
alive=""
for p in $pids; do kill -0 "$p" 2>/dev/null && [ "$(cat /proc/$p/stat 2>/dev/null | awk '{print $3}')" != Z ] && alive="$alive $p"; done
expect_eq "every process of the jail is dead" "" "$alive"
cg_expect_clean "destroy left no cgroup in any hierarchy"
check "destroy of a jail that does not exist is not an error" "$H" -p "$P" -j nosuch destroy

# A second login: open the existing node and attach.
"$H" -p "$P" -l pids=10 create > /dev/null
out=$("$H" -p "$P" -o -k run cat /proc/self/cgroup 2>&1)
expect_match "open + attach lands in the jail node" "(pids:|0::)/$P/g/j"$'\n' "$out"

# v2: the holder can be born in the jail (clone3 CLONE_INTO_CGROUP on
# jaula_cgroup_fd), never running a moment outside it.
out=$("$H" -p "$P" -j born -c run cat /proc/self/cgroup 2>&1)
if [ "$MODE" = v2 ]; then
	expect_match "clone3(CLONE_INTO_CGROUP) on jaula_cgroup_fd lands in the jail node" "0::/$P/g/born"$'\n' "$out"
else
	expect_match "jaula_cgroup_fd is -1 on $MODE" "clone_into=unsupported" "$out"
fi

# Stale nodes: empty → recreated; in use → refused.
check "create over a stale empty jail node" "$H" -p "$P" -l pids=12 create
expect_eq "the recreated node has the new limit" 12 "$(cat "$(cg_node pids)/pids.max")"
"$H" -p "$P" -o -k run sleep 60 > /dev/null 2>&1 &
bg=$!
on_exit "kill $bg"
# (a slow emulated guest under load may take seconds to start it)
for i in $(seq 300); do [ -n "$(cat "$(cg_node pids)/cgroup.procs" 2>/dev/null)" ] && break; sleep 0.1; done
if [ -z "$(cat "$(cg_node pids)/cgroup.procs" 2>/dev/null)" ]; then
	not_ok "create over a jail node in use is refused: the background jail never started"
elif out=$("$H" -p "$P" create 2>&1); then
	not_ok "create over a jail node in use is refused"
	{ echo "$out"; cat "$(cg_node pids)/cgroup.procs"; } | diag
else
	expect_match "create over a jail node in use is refused" "in use" "$out"
fi
check "destroy" "$H" -p "$P" destroy
wait $bg 2>/dev/null

# usage: memory, pids and CPU of a running jail.
"$H" -p "$P" -j u -k run sh -c "$HOG spin 0.3; exec $HOG hold 3 60 > /dev/null" > /dev/null 2>&1 &
bg=$!
on_exit "kill $bg"
for i in $(seq 300); do [ "$(cat "$(cg_node pids u)/pids.current" 2>/dev/null)" = 4 ] && break; sleep 0.1; done
u=$("$H" -p "$P" -j u usage)
echo "$u" | diag
expect_match "usage reports 4 pids" "pids=4 " "$u"
expect_match "usage reports memory in use" "mem=[1-9][0-9]{4,} " "$u"
expect_match "usage reports CPU time (at least 10 ms)" "cpu_usec=[0-9]{5,}$" "$u"
check "destroy a running jail" "$H" -p "$P" -j u destroy
wait $bg 2>/dev/null

# Races: 4 workers create and destroy jails of one group 25 times each
# (JAULA_CG_RACE; fewer in the emulated guest), the group node coming and
# going under them.
fails=0
for w in 1 2 3 4; do
	( for i in $(seq "${JAULA_CG_RACE:-25}"); do
		"$H" -p "$P" -G pids=100 -j "w$w-$i" create > /dev/null || exit 1
		"$H" -p "$P" -j "w$w-$i" destroy || exit 1
	done ) &
done
for w in 1 2 3 4; do wait -n || fails=$((fails + 1)); done
expect_eq "concurrent create/destroy in one group: no failure" 0 "$fails"
cg_expect_clean "concurrent create/destroy left no cgroup"

# io weight 300: io.weight (v2 iocost) or the BFQ weight (118 on BFQ's
# 1..1000 scale), or reported skipped when the kernel has neither.
out=$("$H" -p "$P" -j io -l io=300 -k run true 2>&1)
if [ "$MODE" = v2 ]; then node=$(cg_node io io); else node=$(cg_node blkio io); fi
got=$( { cat "$node/io.weight" "$node/blkio.weight" 2>/dev/null || cat "$node/io.bfq.weight" "$node/blkio.bfq.weight" 2>/dev/null; } | head -1)
echo "$out" | diag
if echo "$out" | grep -q 'skipped=1'; then
	skip "io weight: no io.weight/blkio.weight/bfq weight file here (reported as skipped)"
else
	expect_match "io weight 300 written (io.weight 300, CFQ 510 or BFQ 118)" "^(default )?(300|510|118)$" "$got"
fi
"$H" -p "$P" -j io destroy

# Bad names never reach the file system.
for bad in "../x" "." "a/b" ""; do
	if "$H" -p "$P" -j "$bad" create > /dev/null 2>&1; then not_ok "jail id '$bad' refused"; else ok "jail id '$bad' refused"; fi
done
if "$H" -p "jaula/../x" create > /dev/null 2>&1; then not_ok "cgroup_path with .. refused"; else ok "cgroup_path with .. refused"; fi
cg_expect_clean "nothing left"
finish
