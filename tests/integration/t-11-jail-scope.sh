#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-11: scope user — concurrent logins of one user end in ONE jail and see
# each other's processes; scope session — a fresh jail per login.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"

H=$TDIR/home-$U
# Each login reports, then stays until the test releases it, so that the
# logins overlap for sure.
hold='readlink /proc/self/ns/pid; hostname; mktemp ~/up.XXXXXX > /dev/null; while [ ! -e ~/release ]; do sleep 0.05; done'
wait_up() { # N: until N logins are up (bounded)
	local i
	for i in $(seq 1200); do
		[ "$(ls "$H"/up.* 2>/dev/null | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# Scope user: eight logins at the same moment.
policy "$CONF" "$U" 'scope = "user";'
for i in $(seq 8); do
	jail "$U" "$hold" > "$TDIR/u.$i" 2>&1 &
done
wait_up 8
expect_eq "while they run there is one jail" 1 "$(jails_left)"
touch "$H/release"
wait
rm -f "$H"/up.* "$H/release"
n=$(cat "$TDIR"/u.* | sort -u | grep -c '^pid:')
expect_eq "8 simultaneous logins (scope user) share one jail" 1 "$n"
wait_gone; expect_eq "and it is gone after the last one" 0 "$(jails_left)"

# One login sees the processes of another.
"$JAILSH" --config "$CONF" --user "$U" -c "sleep 30 & echo \$! > ~/bgpid; echo started; wait" > "$TDIR/first.out" &
first=$!
for i in $(seq 100); do grep -q started "$TDIR/first.out" 2>/dev/null && break; sleep 0.1; done
out=$(jail "$U" 'cat /proc/$(cat ~/bgpid)/comm')
expect_eq "a second login sees the first login's processes" "sleep" "$out"
kill -TERM "$first" 2>/dev/null
wait "$first" 2>/dev/null
wait_gone; expect_eq "no jail left" 0 "$(jails_left)"

# Scope session: two overlapping logins, two jails.
policy "$CONF" "$U" 'scope = "session";'
for i in 1 2; do
	jail "$U" "$hold" > "$TDIR/s.$i" 2>&1 &
done
wait_up 2
expect_eq "two jails exist while both logins run (scope session)" 2 "$(jails_left)"
touch "$H/release"
wait
n=$(cat "$TDIR"/s.* | sort -u | grep -c '^pid:')
expect_eq "two simultaneous logins (scope session) get two jails" 2 "$n"
wait_gone; expect_eq "both are gone afterwards" 0 "$(jails_left)"
finish
