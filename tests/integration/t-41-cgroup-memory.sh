#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A memory hog in a jail is OOM-killed inside its cgroup; processes outside
# (a bystander, the driver itself) live on.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/cgroup-lib.sh"
cg_init mem

sleep 120 &
bystander=$!
on_exit "kill $bystander"

out=$("$H" -p "$P" -l mem=32M -l swap=0 -k run "$HOG" mem 256 2>&1)
echo "$out" | diag
expect_match "the hog was killed by SIGKILL" "signal=9" "$out"
if echo "$out" | grep -q 'allocated=256'; then not_ok "the hog was stopped before 256 MiB"; else ok "the hog was stopped before 256 MiB"; fi
node=$(cg_node memory)
if [ "$MODE" = v2 ]; then
	kills=$(cg_val "$node/memory.events" oom_kill)
	expect_eq "memory.max of the jail node" "33554432" "$(cat "$node/memory.max")"
	expect_eq "memory.swap.max of the jail node" "0" "$(cat "$node/memory.swap.max" 2>/dev/null || echo 0)"
else
	kills=$(cg_val "$node/memory.oom_control" oom_kill)
	expect_eq "memory.limit_in_bytes of the jail node" "33554432" "$(cat "$node/memory.limit_in_bytes")"
	if [ -e "$node/memory.memsw.limit_in_bytes" ]; then
		expect_eq "memory.memsw.limit_in_bytes = memory + swap" "33554432" "$(cat "$node/memory.memsw.limit_in_bytes")"
	else
		skip "memsw: no swap accounting on this kernel"
	fi
fi
expect_match "the OOM kill was counted in the jail's cgroup" '^[1-9][0-9]*$' "${kills:-none}"
check "the bystander outside the jail is alive" kill -0 "$bystander"
check "destroy" "$H" -p "$P" destroy
cg_expect_clean "destroy left no cgroup"

# The same allocation fits a bigger limit: the limit, not the test, killed it.
out=$("$H" -p "$P" -l mem=128M run "$HOG" mem 64 2>&1)
expect_match "64 MiB fit in a 128 MiB jail" "allocated=64" "$out"
cg_expect_clean "run + destroy left no cgroup"
finish
