#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-32: NAT — with nat = true a jail reaches an "outside" host (its own
# network namespace behind the test host) under the host's address;
# without it, or after jaula_net_nat_remove, it does not.  Re-applying
# never duplicates rules or elements.  Forwarding is switched on in the
# test host only.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"
need_cmd socat

N=(--net natted --subnet 10.32.1.0/24 --gw 10.32.1.1 --bridge "jb-${TAG}n" --nat)
P=(--net plain --subnet 10.32.2.0/24 --gw 10.32.2.1 --bridge "jb-${TAG}p")

# The outside: 192.0.2.2 in its own namespace, reached over jaula-o$TAG.
unshare -n sleep 600 &
OUT=$!
on_exit "kill $OUT"
# /proc/PID/ns/net exists before unshare has run: wait for a new namespace.
own_ns() { [ "$(readlink /proc/$OUT/ns/net)" != "$(readlink /proc/self/ns/net)" ]; }
wait_for 100 own_ns || not_ok "the outside namespace"
ip link add "jaula-o$TAG" type veth peer name "jaula-x$TAG" netns "$OUT"
ip addr add 192.0.2.1/24 dev "jaula-o$TAG"
ip link set "jaula-o$TAG" up
nsenter -t "$OUT" -n sh -c "ip link set lo up; ip addr add 192.0.2.2/24 dev jaula-x$TAG; ip link set jaula-x$TAG up"
# The outside has no route to the jails' subnets: only NAT gets replies back.
nsenter -t "$OUT" -n socat TCP-LISTEN:7800,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR' &
on_exit "kill $!"
sysctl -qw net.ipv4.ip_forward=1

jail_up n1 "${N[@]}" --id "n$TAG" --uid 3001 || not_ok "jail in the NAT network"
jail_up p1 "${P[@]}" --id "p$TAG" --uid 3002 || not_ok "jail in the plain network"
wait_for 30 host_tcp_ok 192.0.2.2 7800
check "the NAT jail reaches the outside host" ping_ok "$n1_pid" 192.0.2.2
peer=$(in_jail "$n1_pid" timeout 3 socat -T2 - TCP:192.0.2.2:7800 </dev/null 2>&1)
expect_eq "... which sees the host's address (masquerade), not the jail's" 192.0.2.1 "$peer"
refute "a jail without NAT does not reach the outside" ping_ok "$p1_pid" 192.0.2.2

elems() { nft list set inet jaula nat_bridges | grep -c "\"jb-${TAG}n\"" || true; }
rules() { nft -a list table inet jaula | grep -c '# handle' || true; }
expect_eq "the bridge is in set nat_bridges once" 1 "$(elems)"
before=$(rules)
"$NP" fw-apply "${N[@]}" && "$NP" fw-apply "${N[@]}" || not_ok "re-applying the table"
expect_eq "re-applying twice adds no rule" "$before" "$(rules)"
expect_eq "... and no element" 1 "$(elems)"
expect_eq "the plain network is not masqueraded" 0 \
	"$(nft list set inet jaula nat_bridges | grep -c "jb-${TAG}p" || true)"

"$NP" nat-remove "${N[@]}" || not_ok "nat-remove"
expect_eq "nat-remove takes the bridge out" 0 "$(elems)"
in_jail "$n1_pid" true
# conntrack keeps masquerading an existing flow; a fresh flow is not.
refute "... and a new flow from the jail no longer gets out" tcp_ok "$n1_pid" 192.0.2.2 7800
check "nat-remove twice is harmless" "$NP" nat-remove "${N[@]}"
"$NP" fw-apply "${N[@]}" || not_ok "re-adding NAT"
check "re-added: the jail gets out again" tcp_ok "$n1_pid" 192.0.2.2 7800

check "the whole table can be removed" "$NP" fw-remove-all
refute "... and is gone" nft list table inet jaula
check "removing it again is harmless" "$NP" fw-remove-all
finish
