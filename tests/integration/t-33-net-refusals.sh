#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-33: refusals leave nothing behind — pool exhaustion, a missing uplink,
# an uplink owned by another bridge, a bridge name that cannot be an
# interface, an interface that is not a bridge.  And a present uplink is
# enslaved to the bridge.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"

leases() { "$NP" count --state "$STATE" --net "$1"; }
records() { count_files "$STATE/net/$1/j"; }

# Exhaustion: a /29 holds 5 jails (8 - network - broadcast - gateway).
X=(--net tiny --subnet 10.33.1.0/29 --gw 10.33.1.1 --bridge "jb-${TAG}x" --dynamic)
for i in 1 2 3 4 5; do
	jail_up "x$i" "${X[@]}" --id "x${TAG}$i" --uid $((4000 + i)) || not_ok "jail $i of 5"
done
expect_eq "five jails fill the /29" 5 "$(leases tiny)"
out=$("$NP" up --state "$STATE" "${X[@]}" --id "x${TAG}6" --uid 4006 2>&1)
rc=$?
expect_eq "the sixth is refused" 1 "$rc"
expect_match "... with a clear message" "Network 'tiny' has no free address: all 5 addresses" "$out"
expect_eq "... leaving no lease" 5 "$(leases tiny)"
expect_eq "... no record" 5 "$(records tiny)"
expect_eq "... and no veth" 5 "$(count_links jv)"
jail_down x3 "${X[@]}" --id "x${TAG}3"
jail_up x6 "${X[@]}" --id "x${TAG}6" --uid 4006 || not_ok "a freed address"
expect_eq "a freed address is leased again" "$x3_addr" "$x6_addr"
check "... and that jail works" ping_ok "$x6_pid" 10.33.1.1

# A missing uplink: refused before anything is made.
U=(--net up --subnet 10.33.2.0/24 --gw 10.33.2.1 --bridge "jb-${TAG}u")
out=$("$NP" up --state "$STATE" "${U[@]}" --uplink "jaula-n$TAG" --id "u${TAG}1" 2>&1)
expect_match "a missing uplink is refused" "Uplink 'jaula-n$TAG' of network 'up' does not exist" "$out"
refute "... no bridge was made" ip link show "jb-${TAG}u"
expect_eq "... no lease" 0 "$(leases up)"

# A present uplink is enslaved to the bridge and the jail works.
ip link add "jaula-u$TAG" type veth peer name "jaula-v$TAG" # no dummy driver everywhere
on_exit "ip link del jaula-u$TAG"
jail_up u1 "${U[@]}" --uplink "jaula-u$TAG" --id "u${TAG}1" || not_ok "jail with an uplink"
expect_match "the uplink is enslaved to the bridge and up" ",UP,.* master jb-${TAG}u " \
	"$(ip -o link show dev "jaula-u$TAG")"
check "... and the jail reaches its gateway" ping_ok "$u1_pid" 10.33.2.1

# An uplink that belongs to another bridge: refused, and the bridge this
# attempt made is removed again.
O=(--net other --subnet 10.33.3.0/24 --gw 10.33.3.1 --bridge "jb-${TAG}o")
out=$("$NP" up --state "$STATE" "${O[@]}" --uplink "jaula-u$TAG" --id "o${TAG}1" 2>&1)
expect_match "an uplink of another bridge is refused" "already belongs to another bridge" "$out"
refute "... the bridge made for it is gone" ip link show "jb-${TAG}o"
expect_eq "... no lease" 0 "$(leases other)"
expect_match "... the uplink stays where it was" "master jb-${TAG}u" "$(ip -o link show dev "jaula-u$TAG")"

# Bridge names: too long for an interface, or an interface that is no bridge.
out=$("$NP" up --state "$STATE" --net long --subnet 10.33.4.0/24 --gw 10.33.4.1 \
	--bridge "jb-${TAG}-0123456789" --id "l$TAG" 2>&1)
expect_match "a 16-byte bridge name is refused" "invalid bridge name 'jb-${TAG}-0123456789'" "$out"
expect_eq "... no lease directory at all" 0 "$(count_files "$STATE/net/long")"
ip link add "jb-${TAG}d" type veth peer name "jaula-w$TAG"
on_exit "ip link del jb-${TAG}d"
out=$("$NP" up --state "$STATE" --net dum --subnet 10.33.5.0/24 --gw 10.33.5.1 \
	--bridge "jb-${TAG}d" --id "d$TAG" 2>&1)
expect_match "an interface that is not a bridge is refused" "interface 'jb-${TAG}d' exists but is not a bridge" "$out"
expect_eq "... no lease" 0 "$("$NP" count --state "$STATE" --net dum)"
out=$(ip -o -d link show dev "jb-${TAG}d")
expect_match "... and the interface is untouched (down, no master, no address)" "state DOWN" "$out"
refute "... (no master)" grep -q master <<<"$out"
expect_eq "... (no address)" "" "$(ip -o addr show dev "jb-${TAG}d" scope global)"
expect_eq "no stray veth from the refusals (5 + the uplink jail)" 6 "$(count_links jv)"

# Taking a network off the host: refused while a jail is attached.
out=$("$NP" teardown --state "$STATE" "${U[@]}" --uplink "jaula-u$TAG" 2>&1)
expect_match "teardown is refused while a jail is attached" "still has 1 jail port" "$out"
check "... and the bridge stays" ip link show "jb-${TAG}u"
jail_down u1 "${U[@]}" --id "u${TAG}1"
gone_u1() { ! ip link show "$u1_if" >/dev/null 2>&1; }
wait_for 300 gone_u1
check "after the last jail, teardown succeeds" "$NP" teardown --state "$STATE" "${U[@]}" --uplink "jaula-u$TAG"
refute "... the bridge is gone" ip link show "jb-${TAG}u"
refute "... the uplink is released" grep -q master <<<"$(ip -o link show dev "jaula-u$TAG")"
refute "... the table forgot the bridge" grep -q "jb-${TAG}u" <<<"$(nft list table inet jaula)"
check "... and other networks keep theirs" grep -q "jb-${TAG}x" <<<"$(nft list table inet jaula)"
expect_eq "... and its recorded set-up" "" "$(ls "$STATE/net/up" | grep -E '^(ready|nft)' || true)"
check "teardown twice is harmless" "$NP" teardown --state "$STATE" "${U[@]}" --uplink "jaula-u$TAG"
finish
