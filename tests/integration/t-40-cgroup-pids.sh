#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A fork bomb in a jail stops at pids.max, the host keeps forking, and
# destroy kills the bomb (freezer or cgroup.kill) and leaves no cgroup.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/cgroup-lib.sh"
cg_init pids

out=$("$H" -p "$P" -l pids=64 -k -t 3 run sh -c 'b(){ b|b& }; b; sleep 60' 2>/dev/null)
echo "$out" | grep -v '^$' | diag
expect_match "the bomb was still running when destroy came" "destroyed_after_timeout=0" "$out"
expect_match "the bomb's tasks never passed pids.max (64)" "pids=(6[0-4]|[1-5][0-9]|[0-9])( |$)" "$(echo "$out" | head -1)"
expect_match "the jail's command was killed" "signal=9" "$out"
expect_eq "nothing of the jail is left after destroy" "" "$(cg_left | tr '\n' ' ')"
check "the host can still fork" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true || exit 1; done'

# Count refused forks: with pids.max 8, a shell that tries 20 background
# sleeps gets the rest refused (pids.events "max N" counts them).
out=$("$H" -p "$P" -l pids=8 -k run sh -c 'for i in $(seq 20); do sleep 30 & done 2>/dev/null; wait' 2>/dev/null)
node=$(cg_node pids)
expect_eq "pids.max of the jail node" "8" "$(cat "$node/pids.max" 2>/dev/null)"
refused=$(cg_val "$node/pids.events" max)
expect_match "pids.events counts the refused forks" '^[1-9][0-9]*$' "${refused:-none}"
check "destroy of a jail node" "$H" -p "$P" destroy
cg_expect_clean "destroy left no cgroup"
finish
