#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-75: network attacks and faults through real jails (jailsh), as the
# jailed user, in a private test-host network namespace (net_lib.sh):
# raw sockets, address/MAC/link changes and IP_TRANSPARENT on eth0; a
# neighbour on the same isolated bridge is unreachable, even by address;
# the address pool runs out (a clear refusal, nothing leaked); the bridge
# is deleted under a live jail (the session ends cleanly, the next login
# gets a new bridge).  The leak audit closes each part.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"
source "$TOP/tests/integration/jail-lib.sh"
source "$TOP/tests/integration/adversary-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
V=$(new_user b) || skip_all "cannot create a user"
ADV_UIDS="$(id -u "$U") $(id -u "$V")"
ADV_MATCH="users = [ \"$U\", \"$V\" ];"
adv_rootfs || skip_all "cannot build the static probe"
BR=jb-a$TAG
nets() { # SUBNET/PREFIX GATEWAY
	ADV_NETWORKS="networks = { lab = { bridges = [ \"$BR\" ]; subnet = \"$1\"; gateway = \"$2\";
		addresses = \"dynamic\"; isolate = true; }; };"
}
nets 10.75.0.0/29 10.75.0.1
adv_policy "$CONF" 'network = "lab";'
out=$(jail "$U" 'ip -o -4 addr show dev eth0' 2>&1)
[[ "$out" == *"inet 10.75.0."* ]] || skip_all "jails get no network here: $(head -c 150 <<<"$out")"

hold() { # USER: a session that stays; sets JS and HADDR (the jail's address)
	local h=$TDIR/home-$1
	rm -f "$h/up"
	"$JAILSH" --config "$CONF" --user "$1" -c 'ip -o -4 addr show dev eth0 > ~/up; (nc -ll -p 7075 -e /bin/echo secret &) ; exec sleep 1000' > /dev/null 2>&1 &
	JS=$!
	for i in $(seq 100); do [ -s "$h/up" ] && break; sleep 0.05; done
	HADDR=$(sed -n 's/.* inet \(10\.[0-9.]*\)\/.*/\1/p' "$h/up")
}

# --- attacks on eth0 -----------------------------------------------------
hold "$V"; vaddr=$HADDR vjs=$JS
adv_remember
out=$(jail "$U" "adv_escape net eth0; nc -w 2 $vaddr 7075 </dev/null; echo nc-done" 2>&1)
kv "$out"
for c in socket_packet_raw socket_packet_dgram socket_inet_raw socket_inet_raw_icmp socket_inet6_raw set_mac set_addr set_link_down add_alias_addr ip_transparent; do
	expect_eq "eth0: $c fails with EPERM" EPERM "${KV[$c]:-}"
done
if [ -n "$vaddr" ] && [[ "$out" == *nc-done* ]] && [[ "$out" != *secret* ]]; then ok "a neighbour on the isolated bridge ($vaddr) is unreachable"; else not_ok "a neighbour on the isolated bridge is unreachable"; echo "$out" | tail -3 | diag; fi
out=$(jail "$V" "nc -w 2 127.0.0.1 7075 </dev/null" 2>&1)
expect_eq "(control: the service answers inside its own jail)" secret "$out"
kill "$vjs"; wait "$vjs" 2>/dev/null
adv_remember
leak_audit "after the eth0 attacks" 10

# --- the pool runs out -------------------------------------------------------
nets 10.75.1.0/30 10.75.1.1 # one address besides the gateway
adv_policy "$CONF" 'network = "lab";'
hold "$U"; uaddr=$HADDR ujs=$JS
adv_remember
out=$(jail "$V" 'echo INSIDE' 2>&1); rc=$?
if [ -n "$uaddr" ] && [ $rc -ne 0 ] && [[ "$out" == jailsh:* ]] && [[ "$out" != *INSIDE* ]]; then ok "an exhausted pool refuses the next jail: ${out:0:110}"; else not_ok "an exhausted pool refuses the next jail"; echo "$out" | diag; fi
kill "$ujs"; wait "$ujs" 2>/dev/null
out=$(jail "$V" 'ip -o -4 addr show dev eth0' 2>&1)
expect_match "once the address is free again, it is handed out" "inet 10\.75\.1\.2/30" "$out"
leak_audit "after the exhausted pool" 10

# --- the bridge is deleted under a live jail ----------------------------
nets 10.75.0.0/29 10.75.0.1
adv_policy "$CONF" 'network = "lab";'
hold "$U"; uaddr=$HADDR ujs=$JS
adv_remember
ip link del "$BR"
out=$(jail "$V" 'ip -o -4 addr show dev eth0; cat /proc/1/comm' 2>&1)
expect_match "with the bridge deleted under a live jail, a new login still gets eth0" "inet 10\.75\.0\.[0-9]+/29.*"$'\n'"jaula-holder" "$out"
if ip -o link show "$BR" >/dev/null 2>&1; then ok "and the bridge is made again"; else not_ok "and the bridge is made again"; fi
kill "$ujs"; wait "$ujs" 2>/dev/null
for i in $(seq 50); do [ "$(jails_left)" = 0 ] && break; sleep 0.1; done
expect_eq "the jail that lost its bridge ends cleanly" 0 "$(jails_left)"
leak_audit "after the deleted bridge" 10
finish
