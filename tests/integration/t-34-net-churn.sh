#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-34: 200 jails up at once on one bridge, then all ended the way jail.c
# ends them (holder killed, lease released; the veths die with their
# namespaces): no veth, lease or record is left.  And jaula_net_gc
# reclaims the leases of jails that died without a release.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"

C=(--net churn --subnet 10.34.0.0/22 --gw 10.34.0.1 --bridge "jb-${TAG}c" --dynamic)
N=${JAULA_NET_CHURN:-200}
out=$("$NP" churn "$N" --state "$STATE" "${C[@]}" 2>&1)
expect_eq "$N jails were up at once, each with its port and lease" "$N up, $N ports, $N leases" \
	"$(head -1 <<<"$out")"
no_veth() { [ "$(count_links jv)" = 0 ]; }
# Namespaces are torn down asynchronously by the kernel.
check "after the jails end, no veth is left (waited for the kernel)" wait_for 600 no_veth
expect_eq "... no bridge port" 0 "$(ip -o link show master "jb-${TAG}c" | wc -l)"
expect_eq "... no lease" 0 "$("$NP" count --state "$STATE" "${C[@]}")"
expect_eq "... no lease or record file" 0 \
	"$(( $(count_files "$STATE/net/churn/a") + $(count_files "$STATE/net/churn/j") ))"

# gc: three jails, two die without release.
G=(--net gcnet --subnet 10.34.8.0/24 --gw 10.34.8.1 --bridge "jb-${TAG}g" --dynamic)
jail_up g1 "${G[@]}" --id "g${TAG}1" || not_ok "gc jail 1"
jail_up g2 "${G[@]}" --id "g${TAG}2" || not_ok "gc jail 2"
jail_up g3 "${G[@]}" --id "g${TAG}3" || not_ok "gc jail 3"
kill -9 "$g1_pid" "$g3_pid"
expect_eq "gc reclaims the leases of the two dead jails" 2 \
	"$("$NP" gc --state "$STATE" --alive "g${TAG}2")"
expect_eq "... and keeps the live one's" "$g2_addr bridge" \
	"$("$NP" lookup --state "$STATE" "${G[@]}" --id "g${TAG}2" | cut -d' ' -f1) bridge"
expect_eq "... only that one" 1 "$("$NP" count --state "$STATE" "${G[@]}")"
expect_eq "gc again: nothing more" 0 "$("$NP" gc --state "$STATE" --alive "g${TAG}2")"
finish
