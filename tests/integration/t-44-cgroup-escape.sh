#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A process moved into a jail's cgroup and running as an unprivileged user
# cannot move itself out, into the parent or the root, nor raise its limits;
# in its own cgroup namespace it sees its node as the root.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/cgroup-lib.sh"
cg_init esc

nobody=65534
# Paths are known before the run: the node is created by run itself.
pnode=$(cg_node pids); mnode=$(cg_node memory)
if [ "$MODE" = v2 ]; then limit=memory.max; else limit=memory.limit_in_bytes; fi
root_procs=${pnode%/$P/g/j}/cgroup.procs
script="
$HOG write $(dirname "$pnode")/cgroup.procs 0
$HOG write $root_procs 0
$HOG write $mnode/$limit 1073741824
$HOG write $(dirname "$mnode")/$limit 1073741824
$HOG write $pnode/pids.max max
cat /proc/self/cgroup
"
out=$("$H" -p "$P" -l mem=64M -l pids=16 -G mem=128M -u $nobody -n -k run sh -c "$script" 2>&1)
echo "$out" | diag
for f in "$(dirname "$pnode")/cgroup.procs" "$root_procs" "$mnode/$limit" "$(dirname "$mnode")/$limit" "$pnode/pids.max"; do
	expect_match "unprivileged write refused: ${f#/sys/fs/cgroup/}" "$(printf '%s' "$f" | sed 's/[][\.*^$]/\\&/g'): (EACCES|EPERM|EROFS)" "$out"
done
expect_eq "the jail's memory limit is unchanged" 67108864 "$(cat "$mnode/$limit")"
expect_eq "the jail's pids limit is unchanged" 16 "$(cat "$pnode/pids.max")"
lines=$(echo "$out" | grep -E '^[0-9]+:' | grep -vE ':(/|)$' | grep -E '(memory|pids|^0::)' || true)
expect_eq "in its cgroup namespace the jail's node is /" "" "$lines"
check "destroy" "$H" -p "$P" destroy
cg_expect_clean "nothing left"
finish
