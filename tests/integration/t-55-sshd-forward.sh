#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-55 — ssh port forwarding of a jailed user stays in the jail's network:
# pam_jaula moved sshd's monitor (and so the child that opens forwarded
# connections) into the jail's network namespace.  -L reaches a service in
# the jail; the host's 127.0.0.1 is out of reach.  Then the same with a
# jail network (bridge, veth, address).  Runs in a private network
# namespace that plays the host, so bridges and veths never touch the
# real host.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
need_root
need_cmd unshare socat ip
if [ -z "${JAULA_NET_INNER:-}" ]; then
	unshare -n true 2>/dev/null || skip_all "cannot create network namespaces here"
	JAULA_NET_INNER=1 exec unshare -n -- bash "$0" "$@"
fi
ip link set lo up
jailed_sshd_setup 1

JPORT=7555
HPORT=$(( 30000 + RANDOM % 20000 ))
# The "host" service: on the test host's 127.0.0.1.
(exec -a jaula-host-service socat TCP-LISTEN:$HPORT,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo host-service') &
hs=$!
on_exit "kill $hs"
LISTEN='use IO::Socket::INET; $|=1; my $s = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => '$JPORT', Listen => 5, ReuseAddr => 1) or die "listen: $!"; print "listening\n"; while (my $c = $s->accept) { print $c "jail-service\n"; close $c }'

get() { # PORT: what a connection to 127.0.0.1:PORT on the client side says
	timeout 5 socat -T 3 - "TCP:127.0.0.1:$1" </dev/null 2>/dev/null
}
wait_file() { local i; for i in $(seq 1 150); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

forward_checks() { # LABEL [JAIL-ADDR]
	local label=$1 jaddr=${2:-} lp1 lp2 lp3 fw out
	lp1=$(( 20000 + RANDOM % 10000 )); lp2=$((lp1 + 1)); lp3=$((lp1 + 2))
	: > "$JB_DIR/fw.out"
	ssh_as "$JU" "-L$lp1:127.0.0.1:$JPORT" "-L$lp2:127.0.0.1:$HPORT" \
		${jaddr:+"-L$lp3:$jaddr:$JPORT"} -- "exec perl -e '$LISTEN'" > "$JB_DIR/fw.out" 2>&1 &
	fw=$!
	if ! wait_file "$JB_DIR/fw.out" listening; then
		not_ok "$label: a service listens in the jail"; diag < "$JB_DIR/fw.out"
		kill $(pgrep -P $fw) $fw 2>/dev/null; return
	fi
	expect_eq "$label: ssh -L to 127.0.0.1 reaches the jail's own service" "jail-service" "$(get $lp1)"
	out=$(get $lp2)
	if [ "$(timeout 3 socat -T 2 - TCP:127.0.0.1:$HPORT </dev/null 2>/dev/null)" != host-service ]; then
		not_ok "$label: (the host service answers on the host)"
	elif [ -z "$out" ]; then ok "$label: ssh -L to the host's 127.0.0.1 service fails (it is the jail's loopback)"
	else not_ok "$label: ssh -L to the host's 127.0.0.1 service fails"; echo "$out" | diag; fi
	if [ -n "$jaddr" ]; then
		expect_eq "$label: ssh -L to the jail's address on the jail network works" "jail-service" "$(get $lp3)"
	fi
	# $fw is the subshell running ssh_as; end the ssh client itself.
	kill $(pgrep -P $fw) $fw 2>/dev/null; wait $fw 2>/dev/null
}

forward_checks "loopback-only jail"
expect_jails_gone "loopback-only jail: gone after the forwarding session" 5

# The same with a jail network.
BR=jb-${TAG}s
POLICY_PROFILE_EXTRA='network = "lab";' \
POLICY_EXTRA="networks = { lab = { bridges = [ \"$BR\" ]; subnet = \"10.55.0.0/24\"; gateway = \"10.55.0.1\"; addresses = \"stable\"; isolate = false; }; };" \
	write_policy
out=$(ssh_as "$JU" 'ip -o -4 addr show dev eth0' 2>&1)
jaddr=$(sed -n 's/.* inet \(10\.55\.0\.[0-9]*\)\/24 .*/\1/p' <<<"$out")
if [ -z "$jaddr" ]; then
	if grep -qi "not implemented" <<<"$out$(syslog_lines "$SSHD_DIR/syslog.log" | tail -3)"; then
		skip "jail network: the network facility is not built"
	else
		not_ok "jail network: the jailed login has eth0 with an address of the network"; echo "$out" | diag
		syslog_lines "$SSHD_DIR/syslog.log" | grep pam_jaula | tail -3 | diag
	fi
	finish
fi
ok "jail network: the jailed login has eth0 with an address of the network ($jaddr)"
forward_checks "jail network" "$jaddr"
expect_jails_gone "jail network: gone after the forwarding session" 5
veths() { ip -o link show | grep -c ': jv' ; }
for i in $(seq 1 20); do [ "$(veths)" = 0 ] && break; sleep 0.1; done
expect_eq "jail network: no veth is left" 0 "$(veths)"
finish
