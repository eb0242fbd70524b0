#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-31: isolation — jails of two networks cannot reach each other even
# when the host forwards (ip_forward=1 in the test host); isolate = true
# keeps members of one bridge apart while each still reaches the gateway.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"

A=(--net neta --subnet 10.31.1.0/24 --gw 10.31.1.1 --bridge "jb-${TAG}a")
B=(--net netb --subnet 10.31.2.0/24 --gw 10.31.2.1 --bridge "jb-${TAG}b")
I=(--net neti --subnet 10.31.3.0/24 --gw 10.31.3.1 --bridge "jb-${TAG}i" --isolate)

# The worst case for isolation: the host routes between its interfaces.
sysctl -qw net.ipv4.ip_forward=1

jail_up a1 "${A[@]}" --id "a$TAG" --uid 2001 || not_ok "jail in network A"
jail_up b1 "${B[@]}" --id "b$TAG" --uid 2002 || not_ok "jail in network B"
check "A reaches its gateway" ping_ok "$a1_pid" 10.31.1.1
check "B reaches its gateway" ping_ok "$b1_pid" 10.31.2.1
refute "A cannot reach B through the forwarding host" ping_ok "$a1_pid" "$b1_addr"
refute "B cannot reach A" ping_ok "$b1_pid" "$a1_addr"
refute "A cannot reach B's gateway address either" ping_ok "$a1_pid" 10.31.2.1
refute "... nor a TCP port on B" tcp_ok "$a1_pid" "$b1_addr" 22

# Control: the drop comes from the jaula table (not from a missing route).
nft delete chain inet jaula forward 2>/dev/null || nft flush chain inet jaula forward
check "(control) without the forward rules, A would reach B" ping_ok "$a1_pid" "$b1_addr"
"$NP" fw-apply "${A[@]}" || not_ok "re-applying the table"
refute "re-applied: A cannot reach B again" ping_ok "$a1_pid" "$b1_addr"

# Port isolation inside one network.
jail_up i1 "${I[@]}" --id "i${TAG}1" --uid 2003 || not_ok "isolated jail 1"
jail_up i2 "${I[@]}" --id "i${TAG}2" --uid 2004 || not_ok "isolated jail 2"
expect_match "the jail's port is isolated" "isolated on" "$(ip -d link show dev "$i1_if")"
check "isolated jail 1 reaches the gateway" ping_ok "$i1_pid" 10.31.3.1
check "isolated jail 2 reaches the gateway" ping_ok "$i2_pid" 10.31.3.1
refute "isolated jails of one bridge cannot reach each other" ping_ok "$i1_pid" "$i2_addr"
refute "... either way" ping_ok "$i2_pid" "$i1_addr"
# Even a jail that could send to the gateway's MAC (CAP_NET_RAW kept)
# gets no hairpin through the forwarding host: a neighbour entry aimed
# at the gateway stands in for such a frame.
gwmac=$(ip -o link show dev "jb-${TAG}i" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
in_jail "$i1_pid" ip neigh replace "$i2_addr" lladdr "$gwmac" dev eth0 nud permanent
refute "... nor through the host's routing (hairpin via the gateway MAC)" ping_ok "$i1_pid" "$i2_addr"
jail_up a2 "${A[@]}" --id "a${TAG}2" --uid 2005 || not_ok "second jail of A"
check "a non-isolated network still talks inside (br_netfilter on: $(sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null || echo n/a))" \
	ping_ok "$a1_pid" "$a2_addr"

# `nft flush ruleset` (e.g. an nftables.service reload) removes the table;
# the next login notices and restores it before the jail is made.
nft flush ruleset
check "(control) after a ruleset flush A reaches B" ping_ok "$a1_pid" "$b1_addr"
jail_up a3 "${A[@]}" --id "a${TAG}3" --uid 2006 || not_ok "login after a flush"
check "the next login restored the table" nft list table inet jaula
refute "... and A cannot reach B again" ping_ok "$a1_pid" "$b1_addr"
refute "... nor can the new jail" ping_ok "$a3_pid" "$b1_addr"
finish
