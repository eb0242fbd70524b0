#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-78: concurrent first logins — four users of two Unix groups, matched
# by two rules into two jail groups (each with a group cgroup node and
# group limits), log in through jailsh at the same instant, each creating
# its own jail on one of two bridges.  Then every jail ends, and the round
# repeats.  Rounds alternate between two layouts: one network per group
# (one bridge each), and one network whose two bridges both groups share.
# Every other pair of rounds starts from nothing, as on a freshly booted
# host: no state directory, no bridges, no nftables table, so their
# creation races too, not only veths, leases and cgroup nodes.  Every refusal is printed with the reason jailsh gives a
# root caller.  JAULA_T78_ROUNDS (default 100) and JAULA_T78_SECONDS
# (default 75) bound the run; the hunt for issue #18 ran hundreds.
# Runs in a private test-host network namespace (see net_lib.sh).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"
. "$TOP/tests/integration/jail-lib.sh"

ROUNDS=${JAULA_T78_ROUNDS:-100}
BUDGET=${JAULA_T78_SECONDS:-75}
GA=jaula-g${TAG}a GB=jaula-g${TAG}b
groupadd "$GA" && on_exit "groupdel '$GA'" || skip_all "cannot create a group"
groupadd "$GB" && on_exit "groupdel '$GB'" || skip_all "cannot create a group"
USERS=()
for s in a1 a2 b1 b2; do
	u=$(new_user "$s") || skip_all "cannot create a user"
	usermod -a -G "$([ "${s:0:1}" = a ] && echo "$GA" || echo "$GB")" "$u"
	USERS+=("$u")
done
BR1=jb-${TAG}1 BR2=jb-${TAG}2

# conf LAYOUT FILE: "split" = a network per group, "shared" = one network
# with both bridges.
conf() {
	local net1=n1 net2=n2
	local nets="n1 = { bridges = [ \"$BR1\" ]; subnet = \"10.78.1.0/24\"; gateway = \"10.78.1.1\"; };
  n2 = { bridges = [ \"$BR2\" ]; subnet = \"10.78.2.0/24\"; gateway = \"10.78.2.1\"; };"
	if [ "$1" = shared ]; then
		net1=n3 net2=n3
		nets="n3 = { bridges = [ \"$BR1\", \"$BR2\" ]; subnet = \"10.78.3.0/24\"; gateway = \"10.78.3.1\"; };"
	fi
	cat >"$2" <<EOP
global = { state_dir = "$STATE"; persistent_dir = "$TDIR/persist";
           include_dir = "$TDIR/conf.d"; default_shell = "/bin/sh"; };
rootfs = { bb = { path = "$ROOTFS"; }; };
networks = {
  $nets
};
profiles = {
  pa = { rootfs = "bb"; hostname = "a-%U"; tmp_size = "8M"; network = "$net1";
         limits = { pids = 64; memory = "64M"; }; };
  pb = { rootfs = "bb"; hostname = "b-%U"; tmp_size = "8M"; network = "$net2";
         limits = { pids = 64; memory = "64M"; }; };
};
groups = {
  jaula${TAG}a = { limits = { pids = 512; memory = "512M"; }; };
  jaula${TAG}b = { limits = { pids = 512; memory = "512M"; }; };
};
match = (
  { name = "ga"; groups = [ "$GA" ]; profile = "pa"; group = "jaula${TAG}a"; },
  { name = "gb"; groups = [ "$GB" ]; profile = "pb"; group = "jaula${TAG}b"; }
);
EOP
	chmod 0644 "$2"
}
conf split "$TDIR/split.conf"
conf shared "$TDIR/shared.conf"
for c in split shared; do
	"$JAULA" check-config "$TDIR/$c.conf" >/dev/null 2>&1 ||
		skip_all "the test policy does not load: $("$JAULA" check-config "$TDIR/$c.conf" 2>&1 | head -3)"
done
on_exit "ip link del '$BR1'; ip link del '$BR2'"

# Each login waits at a FIFO barrier until all four are there, so the four
# jailsh processes start within the same few hundred microseconds.
mkfifo -m 0600 "$TDIR/go"
login() { # USER CONF OUT
	read -r _ <"$TDIR/go"
	"$JAILSH" --config "$2" --user "$1" -c 'ip -o -4 addr show dev eth0' >"$3" 2>&1
	echo "rc=$?" >>"$3"
}
release() { # open and close the write end until every login has passed
	local end=$((SECONDS + 30))
	while [ "$(ls "$TDIR"/out.* 2>/dev/null | wc -l)" -lt 4 ] && [ "$SECONDS" -lt "$end" ]; do
		exec 9<>"$TDIR/go"; sleep 0.05; exec 9>&-; sleep 0.02
	done
}

refused=0 rounds=0 bad_state=0 t0=$SECONDS
for ((r = 1; r <= ROUNDS; r++)); do
	[ $((SECONDS - t0)) -ge "$BUDGET" ] && break
	layout=split
	[ $((r % 2)) = 0 ] && layout=shared
	if [ $(((r / 2) % 2)) = 0 ]; then
		ip link del "$BR1" 2>/dev/null; ip link del "$BR2" 2>/dev/null
		nft delete table inet jaula 2>/dev/null
		[ "$(jails_left)" = 0 ] && rm -rf "$STATE"
	fi
	rm -f "$TDIR"/out.*
	for i in 0 1 2 3; do
		login "${USERS[$i]}" "$TDIR/$layout.conf" "$TDIR/out.$i" &
	done
	sleep 0.1
	release
	wait
	rounds=$r
	for i in 0 1 2 3; do
		if ! grep -qx 'rc=0' "$TDIR/out.$i" || ! grep -q ' inet 10\.78\.' "$TDIR/out.$i"; then
			refused=$((refused + 1))
			echo "# round $r ($layout): ${USERS[$i]} was refused:"
			diag <"$TDIR/out.$i"
		fi
	done
	if ! wait_gone; then
		bad_state=$((bad_state + 1))
		echo "# round $r: jails left behind: $(ls "$STATE/jails")"
		_stop_jails
	fi
	[ "$refused" -gt 0 ] && [ -z "${JAULA_T78_GO_ON:-}" ] && break
done
echo "# $rounds rounds of four simultaneous first logins in $((SECONDS - t0)) s"
expect_eq "no refusal in $rounds rounds of four concurrent first logins (2 groups, 2 bridges)" 0 "$refused"
expect_eq "every round's jails ended" 0 "$bad_state"
expect_eq "no lease is left" 000 \
	"$(count_files "$STATE/net/n1/a")$(count_files "$STATE/net/n2/a")$(count_files "$STATE/net/n3/a")"
no_veth() { [ "$(count_links jv)" = 0 ]; }
check "no veth is left" wait_for 200 no_veth
finish
