#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-36: real jails through jailsh with a network — eth0 with the user's
# stable address, the route, resolv.conf, the gateway reachable only where
# the admin allows, the same address on the next login, nothing left after
# the last session.  Runs in a private test-host network namespace, so the
# bridge and the nftables table are made there.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"
need_cmd socat
. "$TOP/tests/integration/jail-lib.sh"

U=$(new_user n) || skip_all "cannot create a user"
BR=jb-${TAG}j
policy "$CONF" "$U" 'network = "lab";'
cat >>"$CONF" <<EOF2
networks = { lab = { bridges = [ "$BR" ]; subnet = "10.36.0.0/24"; gateway = "10.36.0.1";
                     dns = [ "10.36.0.1" ]; search = [ "lab.example" ];
                     addresses = "stable"; isolate = false; }; };
EOF2

out=$(jail "$U" 'ip -o -4 addr show dev eth0; ip -4 route show default; cat /etc/resolv.conf' 2>&1)
addr=$(sed -n 's/.* inet \(10\.36\.0\.[0-9]*\)\/24 .*/\1/p' <<<"$out")
expect_match "the jail has eth0 with an address of the network" "inet 10\.36\.0\.[0-9]+/24" "$out"
expect_match "... and the default route via the gateway" "default via 10.36.0.1 dev eth0" "$out"
expect_match "... and resolv.conf from the policy" $'nameserver 10.36.0.1\nsearch lab.example' "$out"
check "the bridge was made with the gateway" bash -c "ip -o -4 addr show dev $BR | grep -q 10.36.0.1/24"

# The gateway: closed to the jail until the admin opens a port.
socat TCP-LISTEN:7836,reuseaddr,fork SYSTEM:'echo pong' &
on_exit "kill $!"
wait_for 30 host_tcp_ok 127.0.0.1 7836
out=$(jail "$U" 'nc -w 2 10.36.0.1 7836 </dev/null; echo rc=$?' 2>&1)
refute "a host service on the gateway is closed to the jail" grep -q pong <<<"$out"
nft add element inet jaula host_tcp '{ 7836 }'
out=$(jail "$U" 'nc -w 2 10.36.0.1 7836 </dev/null' 2>&1)
expect_match "... and open once the admin adds its port to host_tcp" pong "$out"
out=$(jail "$U" 'nc -w 2 127.0.0.1 7836 </dev/null; echo rc=$?' 2>&1)
refute "the host's loopback is not the jail's" grep -q pong <<<"$out"

out=$(jail "$U" 'ip -o -4 addr show dev eth0' 2>&1)
expect_match "the next login has the same stable address" "inet $addr/24" "$out"
out=$(jail "$U" 'ip addr add 10.36.0.99/24 dev eth0 2>&1; ip link set eth0 address 02:00:00:00:00:99 2>&1; ip route del default 2>&1' 2>&1)
expect_eq "the user can change neither address, MAC nor route" 3 \
	"$(grep -c 'Operation not permitted\|Permission denied' <<<"$out")"

check "no jail is left after the last session" wait_gone
no_veth() { [ "$(count_links jv)" = 0 ]; }
check "... no veth (the namespace took it)" wait_for 200 no_veth
expect_eq "... no lease" 0 "$(count_files "$STATE/net/lab/a")"
finish
