#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-86: one group's network across two hosts over VXLAN.  Two network
# namespaces play the hosts (jaula-h1-TAG, jaula-h2-TAG), joined by a veth
# pair (the underlay, 198.18.86.0/24); each has its own policy, state
# directory, bridge and nftables table, and real jails made by jailsh in
# it.  Network "lab" is one subnet on both, with a VXLAN port on each
# bridge, a gateway per host and a pool per host; network "other" is a
# plain network of host 2.  Checked: leases come from each host's slice,
# the jails reach each other across the tunnel (and not without the
# underlay), each host's gateway answers its jails, a jail of the other
# network reaches neither, isolate = true holds across the hosts, a jail
# cannot send VXLAN to a peer through the host, the device survives a
# login unchanged and is remade when its peers change, and a multicast
# group does what the peer list did.  Everything lives
# in the two namespaces, deleted in the trap.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip nsenter nft socat bridge busybox
ip netns add "jaula-t86probe-$TAG" 2>/dev/null || skip_all "cannot create named network namespaces"
ip netns del "jaula-t86probe-$TAG"
H1=jaula-h1-$TAG
H2=jaula-h2-$TAG
# Registered first, so it runs last: after jail-lib has ended the jails.
on_exit "ip netns del $H1; ip netns del $H2"
. "$TOP/tests/integration/jail-lib.sh"

VNI=$((8600 + 0x$TAG % 100))
VX=jb-vx$VNI
BR=jb-${TAG}l
BO=jb-${TAG}o
STATE1=$STATE # jail-lib ends the jails of $STATE in its trap
STATE2=$TDIR/state2
on_exit "STATE=$STATE2 _stop_jails" # … and these, before it removes the users
CONF1=$TDIR/h1.conf
CONF2=$TDIR/h2.conf

ip netns add "$H1" && ip netns add "$H2" || skip_all "cannot create the two host namespaces"
if ! ip link add "jv${TAG}u1" netns "$H1" type veth peer name "jv${TAG}u2" netns "$H2"; then
	skip_all "cannot create the underlay veth pair"
fi
ip -n "$H1" link set lo up && ip -n "$H2" link set lo up
ip -n "$H1" addr add 198.18.86.1/24 dev "jv${TAG}u1" && ip -n "$H1" link set "jv${TAG}u1" up
ip -n "$H2" addr add 198.18.86.2/24 dev "jv${TAG}u2" && ip -n "$H2" link set "jv${TAG}u2" up
ip -n "$H1" link add jb-t86vxprobe type vxlan id 1 dstport 4789 2>/dev/null ||
	skip_all "the kernel has no VXLAN"
ip -n "$H1" link del jb-t86vxprobe
# The worst case for isolation: both hosts route.
ip netns exec "$H1" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$H2" sysctl -qw net.ipv4.ip_forward=1

A1=$(new_user a) && A2=$(new_user b) && B2=$(new_user c) || skip_all "cannot create users"

# host_policy FILE STATE GATEWAY POOL ISOLATE PEERS: the policy of one host.
host_policy() {
	cat >"$1" <<EOF
global = { state_dir = "$2"; persistent_dir = "$TDIR/persist";
           include_dir = "$TDIR/conf.d"; default_shell = "/bin/sh"; };
rootfs = { bb = { path = "$ROOTFS"; }; };
networks = {
  lab = { bridge = "$BR"; subnet = "10.86.0.0/16"; gateway = "$3"; pool = "$4";
          isolate = $5;
          vxlan = { vni = $VNI; $6 dev = "jv${TAG}u${7}"; }; };
  other = { bridge = "$BO"; subnet = "10.87.0.0/24"; gateway = "10.87.0.1"; };
};
profiles = {
  p = { rootfs = "bb"; hostname = "jail-%U"; tmp_size = "8M"; network = "lab"; };
  q = { rootfs = "bb"; hostname = "jail-%U"; tmp_size = "8M"; network = "other"; };
};
match = ( { users = [ "$A1", "$A2" ]; profile = "p"; },
          { users = [ "$B2" ]; profile = "q"; } );
EOF
	chmod 0644 "$1"
}
PEERS='peers = [ "198.18.86.1", "198.18.86.2" ];' # the same list on both hosts: each skips itself
policies() { # ISOLATE [PEERS]
	host_policy "$CONF1" "$STATE1" 10.86.0.1 10.86.1.0/24 "$1" "${2:-$PEERS}" 1
	host_policy "$CONF2" "$STATE2" 10.86.0.2 10.86.2.10-10.86.2.250 "$1" "${2:-$PEERS}" 2
}
policies false

on() { # HOST(1|2) CMD…: run CMD in that host's network namespace
	local h=$1
	shift
	nsenter --net="/run/netns/jaula-h$h-$TAG" -- "$@"
}
jail_on() { # HOST USER CMD
	local h=$1 u=$2 conf=$CONF1
	[ "$h" = 2 ] && conf=$CONF2
	shift 2
	on "$h" "$JAILSH" --config "$conf" --user "$u" -c "$*"
}
holder_of() { # STATE USER: holder pid of the user's jail
	local f uid
	uid=$(id -u "$2")
	f=$1/jails/u$uid/state
	[ -e "$f" ] && sed -n 's/^holder_pid=//p' "$f"
}
# session HOST USER VAR: a long session keeps the jail up; VAR_pid is the
# holder, VAR_addr its address.
session() {
	local h=$1 u=$2 v=$3 st=$STATE1 conf=$CONF1 pid i hp=
	[ "$h" = 2 ] && st=$STATE2 && conf=$CONF2
	# nsenter execs jailsh: $! is the session's own process
	nsenter --net="/run/netns/jaula-h$h-$TAG" -- "$JAILSH" --config "$conf" --user "$u" \
		-c 'sleep 600' </dev/null >"$TDIR/session-$v.log" 2>&1 &
	pid=$!
	on_exit "kill $pid"
	printf -v "${v}_session" %s "$pid"
	for i in $(seq 300); do
		hp=$(holder_of "$st" "$u")
		[ -n "$hp" ] && nsenter -t "$hp" -n ip -4 -o addr show dev eth0 2>/dev/null | grep -q inet && break
		hp=
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$hp" ] || { cat "$TDIR/session-$v.log" | diag; return 1; }
	printf -v "${v}_pid" %s "$hp"
	printf -v "${v}_addr" %s "$(nsenter -t "$hp" -n ip -4 -o addr show dev eth0 |
		sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p')"
}
end_session() { # VAR
	local s=${1}_session p=${1}_pid
	kill "${!s}" 2>/dev/null
	for _ in $(seq 300); do alive "${!p}" || return 0; sleep 0.1; done
	return 1
}
in_jail() { local pid=$1; shift; nsenter -t "$pid" -n -- "$@"; }
ping_ok() { in_jail "$1" busybox ping -c 1 -w 3 "$2" >/dev/null 2>&1; }
ip_in_range() { # ADDR FIRST LAST
	local a b c
	a=$(printf '%02x%02x%02x%02x' ${1//./ }); b=$(printf '%02x%02x%02x%02x' ${2//./ })
	c=$(printf '%02x%02x%02x%02x' ${3//./ })
	[ $((16#$a)) -ge $((16#$b)) ] && [ $((16#$a)) -le $((16#$c)) ]
}
retry() { local i; for i in $(seq "$1"); do "${@:2}" && return 0; done; return 1; }
refute() { local what=$1; shift; if "$@" >/dev/null 2>&1; then not_ok "$what"; else ok "$what"; fi; }

check "check-config accepts host 1's policy" "$JAULA" check-config --no-precompile --config "$CONF1"
check "check-config accepts host 2's policy" "$JAULA" check-config --no-precompile --config "$CONF2"
out=$("$JAULA" explain --no-cache --config "$CONF2" "$A2" 2>&1)
expect_match "explain shows host 2's slice and the tunnel" \
	"pool 10.86.2.10-10.86.2.250 .*vxlan vni $VNI, port 4789, peers 198.18.86.1 198.18.86.2, dev jv${TAG}u2" \
	"$(tr '\n' ' ' <<<"$out")"

session 1 "$A1" j1 || not_ok "a jail on host 1"
session 2 "$A2" j2 || not_ok "a jail on host 2"
session 2 "$B2" k2 || not_ok "a jail of the other network on host 2"
[ -n "${j1_pid:-}" ] && [ -n "${j2_pid:-}" ] && [ -n "${k2_pid:-}" ] || { finish; }

# Leases from each host's slice.
check "host 1's jail has an address of its pool 10.86.1.0/24 ($j1_addr)" \
	ip_in_range "$j1_addr" 10.86.1.1 10.86.1.255
check "host 2's jail has an address of its pool 10.86.2.10-250 ($j2_addr)" \
	ip_in_range "$j2_addr" 10.86.2.10 10.86.2.250
check "... recorded as leases in each host's own state" \
	test -L "$STATE1/net/lab/a/$j1_addr" -a -L "$STATE2/net/lab/a/$j2_addr"
expect_match "the jail's subnet is the whole segment's" "inet $j1_addr/16" \
	"$(in_jail "$j1_pid" ip -4 -o addr show dev eth0)"

# The devices jaula made.
vx1=$(ip -n "$H1" -d link show dev "$VX" 2>&1)
expect_match "host 1 has VXLAN device $VX, VNI $VNI, port 4789, a port of $BR" \
	"master $BR .*vxlan id $VNI .*dstport 4789" "$(tr '\n' ' ' <<<"$vx1")"
check "host 2 has it too" ip -n "$H2" link show dev "$VX" master "$BR"
fdb1=$(bridge -n "$H1" fdb show dev "$VX" | grep '^00:00:00:00:00:00')
expect_match "host 1 floods to host 2" "dst 198.18.86.2" "$fdb1"
refute "... and not to itself (its own address in the shared peer list is skipped)" \
	grep -q 'dst 198.18.86.1' <<<"$fdb1"
expect_match "the bridge's MTU is what the tunnel carries" "mtu 1450" \
	"$(ip -n "$H1" link show dev "$BR")"
expect_match "the jail's eth0 has it too" "mtu 1450" "$(in_jail "$j1_pid" ip link show dev eth0)"

# Across the tunnel.
check "host 1's jail reaches host 1's gateway 10.86.0.1" ping_ok "$j1_pid" 10.86.0.1
check "host 2's jail reaches host 2's gateway 10.86.0.2" ping_ok "$j2_pid" 10.86.0.2
check "host 2's jail reaches host 1's jail across the VXLAN" ping_ok "$j2_pid" "$j1_addr"
check "... and back" ping_ok "$j1_pid" "$j2_addr"
nsenter -t "$j1_pid" -n -- socat TCP-LISTEN:8686,reuseaddr,fork SYSTEM:'echo pong-h1' &
socat_pid=$!
on_exit "kill $socat_pid"
sleep 0.3
out=$(jail_on 2 "$A2" "nc -w 3 $j1_addr 8686 </dev/null" 2>&1)
expect_match "a jailed user on host 2 talks TCP to a service of the jail on host 1" pong-h1 "$out"
kill "$socat_pid" # it holds the jail's network namespace (and so its veth)
ip -n "$H1" link set "jv${TAG}u1" down
refute "(control) with the underlay down, host 1's jail is out of reach" ping_ok "$j2_pid" "$j1_addr"
ip -n "$H1" link set "jv${TAG}u1" up
check "... and reachable again with it up" retry 5 ping_ok "$j2_pid" "$j1_addr"

# Another network's jail reaches neither, through a routing host.
check "the other network's jail reaches its own gateway" ping_ok "$k2_pid" 10.87.0.1
refute "the other network's jail cannot reach lab's jail on its own host" ping_ok "$k2_pid" "$j2_addr"
refute "... nor lab's jail on host 1" ping_ok "$k2_pid" "$j1_addr"
refute "... nor host 2's lab gateway" ping_ok "$k2_pid" 10.86.0.2

# No VXLAN from a jail to another host: it would come from host 1's
# address and land on the segment.  Counted on host 2 (its own table,
# gone with the namespace); port 4788 is the control.
on 2 nft -f - <<'EOF'
table inet jaulat86 {
	chain pre { type filter hook prerouting priority -200; udp dport 4789 ip saddr 10.86.0.0/16 counter; udp dport 4788 ip saddr 10.86.0.0/16 counter; }
}
EOF
for p in 4789 4788; do
	in_jail "$j1_pid" bash -c "echo x >/dev/udp/198.18.86.2/$p" 2>/dev/null
done
sleep 0.3
cnt=$(on 2 nft list chain inet jaulat86 pre | grep -o 'dport [0-9]* ip saddr 10.86.0.0/16 counter packets [0-9]*' |
	awk '{print $2 "=" $NF}' | tr '\n' ' ')
expect_match "(control) a jail's UDP to another port of host 2 gets there" "4788=1" "$cnt"
expect_match "a jail's UDP to host 2's VXLAN port is dropped on host 1" "4789=0" "$cnt"

# Idempotent: a later login keeps the device as it is.
idx=$(ip -n "$H1" -o link show dev "$VX" | cut -d: -f1)
jail_on 1 "$A1" true
expect_eq "a second login on host 1 leaves the VXLAN device alone" "$idx" \
	"$(ip -n "$H1" -o link show dev "$VX" | cut -d: -f1)"

for v in j1 j2 k2; do end_session $v || not_ok "session $v ends"; done

# isolate = true: jails of the group reach their gateway only, across
# hosts as on one bridge.  A policy change remakes the set-up at the next
# login (the VXLAN port becomes isolated).
policies true
i1_pid= i2_pid=
session 1 "$A1" i1 || not_ok "an isolated jail on host 1"
session 2 "$A2" i2 || not_ok "an isolated jail on host 2"
if [ -n "${i1_pid:-}" ] && [ -n "${i2_pid:-}" ]; then
	expect_match "host 1's VXLAN port is isolated" "isolated on" \
		"$(ip -n "$H1" -d link show dev "$VX" | tr '\n' ' ')"
	expect_match "host 2's too" "isolated on" "$(ip -n "$H2" -d link show dev "$VX" | tr '\n' ' ')"
	check "an isolated jail reaches its own host's gateway (host 1)" ping_ok "$i1_pid" 10.86.0.1
	check "... (host 2)" ping_ok "$i2_pid" 10.86.0.2
	refute "isolated jails cannot reach each other across the hosts" ping_ok "$i2_pid" "$i1_addr"
	refute "... either way" ping_ok "$i1_pid" "$i2_addr"
	refute "... nor the other host's gateway" ping_ok "$i1_pid" 10.86.0.2
fi
for v in i1 i2; do p=${v}_pid; [ -z "${!p}" ] || end_session $v || not_ok "session $v ends"; done

# A peer list that changes remakes the device: host 1 now floods nowhere
# but to 198.18.86.9 (an address nobody has).
policies false 'peers = [ "198.18.86.9" ];'
idx=$(ip -n "$H1" -o link show dev "$VX" | cut -d: -f1)
jail_on 1 "$A1" true
fdb1=$(bridge -n "$H1" fdb show dev "$VX" | grep '^00:00:00:00:00:00')
expect_match "a changed peer list is in the forwarding table" "dst 198.18.86.9" "$fdb1"
refute "... and the dropped peer is gone from it" grep -q 'dst 198.18.86.2' <<<"$fdb1"
refute "... (the device was made again)" test "$idx" = \
	"$(ip -n "$H1" -o link show dev "$VX" | cut -d: -f1)"

# Multicast instead of a peer list: the same segment through group
# 239.1.86.1 on the underlay interfaces.
policies false 'group = "239.1.86.1";'
g1_pid= g2_pid=
session 1 "$A1" g1 || not_ok "a jail on host 1 (multicast)"
session 2 "$A2" g2 || not_ok "a jail on host 2 (multicast)"
if [ -n "$g1_pid" ] && [ -n "$g2_pid" ]; then
	expect_match "the device floods to the group on the underlay" \
		"vxlan id $VNI group 239.1.86.1 dev jv${TAG}u1 " "$(ip -n "$H1" -d link show dev "$VX" | tr '\n' ' ')"
	check "the jails reach each other through the group" retry 3 ping_ok "$g2_pid" "$g1_addr"
	check "... and back" ping_ok "$g1_pid" "$g2_addr"
fi
for v in g1 g2; do p=${v}_pid; [ -z "${!p}" ] || end_session $v || not_ok "session $v ends"; done

no_jails() { [ -z "$(ls "$STATE1/jails" "$STATE2/jails" 2>/dev/null | grep -v '\.lock$\|^$\|:$')" ]; }
for _ in $(seq 300); do no_jails && break; sleep 0.1; done
check "no jail is left on either host" no_jails
expect_eq "no lease is left on host 1" 0 "$(find "$STATE1/net/lab/a" -mindepth 1 | wc -l)"
expect_eq "... nor on host 2" 0 "$(find "$STATE2/net/lab/a" -mindepth 1 | wc -l)"
# Taking the network off host 1 (jaula_net_teardown) removes the device.
NP=$TOP/tests/helpers/net_probe
if [ -x "$NP" ]; then
	check "teardown of the network on host 1" on 1 "$NP" teardown --state "$STATE1" --net lab \
		--subnet 10.86.0.0/16 --gw 10.86.0.1 --bridge "$BR" --pool 10.86.1.0-10.86.1.255 \
		--vxlan-vni "$VNI" --vxlan-peer 198.18.86.9 --vxlan-dev "jv${TAG}u1"
	refute "... removes the VXLAN device" ip -n "$H1" link show dev "$VX"
	refute "... and the bridge" ip -n "$H1" link show dev "$BR"
else
	skip "teardown: tests/helpers/net_probe is not built"
fi
finish
