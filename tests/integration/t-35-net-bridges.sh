#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-35: a network over two bridges — the pool's first 1022 addresses are
# served by the first bridge, the next 1022 by the second (so no bridge
# ever passes its port limit); the second bridge routes its share of the
# subnet and answers as the gateway too.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"

M=(--net multi --subnet 10.35.0.0/21 --gw 10.35.0.1 --bridge "jb-${TAG}a" --bridge "jb-${TAG}b" --dynamic)
jail_up m1 "${M[@]}" --id "m${TAG}1" || not_ok "jail on the first bridge"
expect_eq "the first address goes to the first bridge" "10.35.0.2 jb-${TAG}a" "$m1_addr $m1_br"
# Dynamic leases probe from a cursor; move it to the second bridge's share.
printf '%-10u\n' 1022 >"$STATE/net/multi/cursor"
jail_up m2 "${M[@]}" --id "m${TAG}2" || not_ok "jail on the second bridge"
expect_eq "pool index 1022 goes to the second bridge" "10.35.4.0 jb-${TAG}b" "$m2_addr $m2_br"
expect_match "its veth is a port of the second bridge" "master jb-${TAG}b" "$(ip -o link show dev "$m2_if")"
expect_match "the second bridge holds the gateway as /32" "inet 10.35.0.1/32" \
	"$(ip -o -4 addr show dev "jb-${TAG}b")"
expect_match "... and routes its share of the subnet" "^10.35.4.0/23 proto static scope link src 10.35.0.1" \
	"$(ip -4 route show dev "jb-${TAG}b")"
expect_eq "... in the fewest blocks (10.35.4.0 - 10.35.7.253)" 9 \
	"$(ip -4 route show dev "jb-${TAG}b" proto static | wc -l)"
check "the jail on the first bridge reaches the gateway" ping_ok "$m1_pid" 10.35.0.1
check "the jail on the second bridge reaches the gateway" ping_ok "$m2_pid" 10.35.0.1
check "the host reaches the jail on the second bridge" busybox ping -c 1 -w 2 "$m2_addr"
# Beyond both shares (index 2044 and up) nothing is handed out: the pool
# is 2 * 1022 although the /21 has 2045 host addresses.
printf '%-10u\n' 2043 >"$STATE/net/multi/cursor"
jail_up m3 "${M[@]}" --id "m${TAG}3" || not_ok "jail at the pool's end"
expect_eq "the last pool address is the second bridge's last" "10.35.7.253 jb-${TAG}b" "$m3_addr $m3_br"
jail_up m4 "${M[@]}" --id "m${TAG}4" || not_ok "jail after wrap-around"
expect_eq "... and the next lease wraps around to the first bridge" "10.35.0.3 jb-${TAG}a" "$m4_addr $m4_br"
finish
