#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-37: concurrent first logins — twenty jails of a network that does not
# exist yet start at once: one bridge is made, every jail gets its own
# address (the symlink claim is atomic), and the table holds the network
# once.  Stable addresses of twenty users landing in a tiny pool collide
# and probe onward without ever sharing.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"

C=(--net conc --subnet 10.37.0.0/27 --gw 10.37.0.1 --bridge "jb-${TAG}c")
for i in $(seq 20); do
	"$NP" up --state "$STATE" "${C[@]}" --id "c${TAG}$i" --uid $((5000 + i)) >"$STATE/out.$i" 2>&1 &
done
wait
fails=0
for i in $(seq 20); do
	read -r pid addr br hif <"$STATE/out.$i" || true
	if [[ "$pid" =~ ^[0-9]+$ ]]; then on_exit "kill -9 $pid"; echo "$addr" >>"$STATE/addrs"; else
		fails=$((fails + 1)); diag <"$STATE/out.$i"; fi
done
expect_eq "twenty concurrent first logins all succeed" 0 "$fails"
expect_eq "... with twenty different addresses" 20 "$(sort -u "$STATE/addrs" | wc -l)"
expect_eq "... on one bridge with twenty ports" 20 "$(ip -o link show master "jb-${TAG}c" | wc -l)"
expect_eq "... and twenty leases" 20 "$("$NP" count --state "$STATE" "${C[@]}")"
expect_eq "the bridge is in the table once" 1 \
	"$(nft list set inet jaula bridges | grep -o "\"jb-${TAG}c\"" | wc -l)"
first=$(head -1 "$STATE/out.1")
check "a jail of the crowd reaches the gateway" ping_ok "${first%% *}" 10.37.0.1
last=$(head -1 "$STATE/out.20")
addr20=$(cut -d' ' -f2 <<<"$last")
check "... and another jail" ping_ok "${first%% *}" "$addr20"
finish
