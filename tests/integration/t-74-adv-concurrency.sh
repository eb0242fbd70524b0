#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-74: concurrency — 100 simultaneous logins of one user (scope user) end
# in exactly one jail holding all 100 sessions; 200 simultaneous logins of
# 200 different users (added in one locked rewrite by bench_users, matched
# by a uid range) end in 200 jails, all gone afterwards; a lingering
# jail's monitor keeps a constant number of fds across 30 logins.  The
# leak audit runs after each part.  JAULA_ADV_USERS changes the 200.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
source "$(dirname "$0")/adversary-lib.sh"

BU=$TOP/tests/helpers/bench_users
U=$(new_user a) || skip_all "cannot create a user"
UID_=$(id -u "$U")
ADV_UIDS=$UID_
H=$TDIR/home-$U
mkdir -m 0755 "$TDIR/shared"
shared="mounts = ( { source = \"$TDIR/shared\"; target = \"/shared\"; } );"
adv_policy "$CONF" "scope = \"user\"; $shared"
[ "$(jail "$U" hostname 2>&1)" = "jail-$UID_" ] || skip_all "jailsh does not jail the user here"

# Each login reports, then blocks (no polling: hundreds of them) reading
# the FIFO /shared/go until the test opens and closes its write end.
mkfifo -m 0666 "$TDIR/shared/go"
hold='touch ~/up.$$; read x < /shared/go; readlink /proc/self/ns/pid'
# (O_RDWR never blocks; repeated until every login has gone, so a login
# that reached its read late is released too.)
release() {
	local end=$((SECONDS + 120))
	while [ -n "$(jobs -rp)" ] && [ "$SECONDS" -lt "$end" ]; do
		exec 9<> "$TDIR/shared/go"; sleep 0.5; exec 9>&-; sleep 0.2
	done
}
wait_files() { # GLOB N SECONDS
	local end=$((SECONDS + $3)) n
	while :; do
		# shellcheck disable=SC2086
		n=$(ls -d $1 2>/dev/null | wc -l)
		[ "$n" -ge "$2" ] && return 0
		[ "$SECONDS" -ge "$end" ] && { echo "# only $n of $2 up" >&2; return 1; }
		sleep 0.2
	done
}

# --- 100 logins of one user ---------------------------------------------
N=100
t0=$SECONDS
for i in $(seq $N); do
	"$JAILSH" --config "$CONF" --user "$U" -c "$hold" > "$TDIR/one.$i" 2>&1 &
done
wait_files "$H/up.*" $N 120
echo "# $N logins up in $((SECONDS - t0)) s"
expect_eq "$N simultaneous logins (scope user): one jail" 1 "$(jails_left)"
expect_eq "holding all $N sessions" $N "$(ls "$STATE/jails/u$UID_/sessions" 2>/dev/null | wc -l)"
n=$(jail "$U" 'ls -d /proc/[0-9]* | wc -l')
if [ "$n" -ge $((N + 1)) ]; then ok "every session's shell is inside that jail ($n processes seen from a login)"; else not_ok "every session's shell is inside that jail ($n processes seen)"; fi
adv_remember
mon=$(sed -n 's/^monitor_pid=//p' "$STATE/jails/u$UID_/state")
echo "# the monitor has $(fd_count "$mon") fds with $N sessions"
release
wait
expect_eq "every login ended well" "$N 1" "$(cat "$TDIR"/one.* | grep -c '^pid:') $(cat "$TDIR"/one.* | sort -u | wc -l)"
leak_audit "after $N logins of one user" 15
rm -f "$H"/up.*

# --- a lingering monitor does not gather fds ------------------------------
adv_policy "$CONF" "scope = \"user\"; linger = 600;"
jail "$U" true
adv_remember
mon=$(sed -n 's/^monitor_pid=//p' "$STATE/jails/u$UID_/state")
before=$(fd_count "$mon")
for i in $(seq 30); do jail "$U" true; done
after=$(fd_count "$mon")
expect_eq "a jail's monitor keeps its fd count across 30 logins" "$before" "$after"
_stop_jails
leak_audit "after the lingering jail" 10

# --- many users, one jail each ----------------------------------------------
M=${JAULA_ADV_USERS:-200}
[ -x "$BU" ] || { skip "$M users: tests/helpers/bench_users is not built"; finish; }
# A free uid range and a group of our own.
base=
for try in $(seq 20); do
	b=$((300000 + RANDOM * 16))
	if ! getent passwd | awk -F: -v lo=$b -v hi=$((b + M)) '$3 >= lo && $3 < hi {f=1} END {exit !f}'; then base=$b; break; fi
done
[ -n "$base" ] || { skip "$M users: no free uid range"; finish; }
G=jaula-g$TAG
groupadd "$G" || { skip "$M users: groupadd failed"; finish; }
on_exit "groupdel '$G'"
prefix=jaula-m${TAG}u
mkdir -m 0755 "$TDIR/homes"
on_exit "'$BU' del '$prefix'"
if ! "$BU" add "$prefix" "$base" "$M" "$(getent group "$G" | cut -d: -f3)" "$TDIR/homes" > "$TDIR/bu.log" 2>&1; then
	skip "$M users: bench_users add failed: $(tail -1 "$TDIR/bu.log")"; finish
fi
ADV_UIDS="$UID_ $(seq -s ' ' "$base" $((base + M - 1)))"
ADV_MATCH="uids = [ \"$base-$((base + M - 1))\" ];" adv_policy "$CONF" "scope = \"user\"; $shared"
first=$(getent passwd "$base" | cut -d: -f1)
[ "$(jail "$first" 'cat /proc/1/comm' 2>&1)" = jaula-holder ] || { not_ok "a uid-range user is jailed"; finish; }
t0=$SECONDS
for i in $(seq 0 $((M - 1))); do
	"$JAILSH" --config "$CONF" --user "$prefix$((i + 1))" -c "$hold" > "$TDIR/many.$i" 2>&1 &
done
wait_files "$TDIR/homes/*/up.*" "$M" 300
echo "# $M logins of $M users up in $((SECONDS - t0)) s"
expect_eq "$M simultaneous logins of $M users: $M jails" "$M" "$(jails_left)"
adv_remember
release
wait
ns=$(cat "$TDIR"/many.* | grep '^pid:' | sort -u | wc -l)
expect_eq "each in a pid namespace of its own" "$M" "$ns"
bad=$(grep -L '^pid:' "$TDIR"/many.* | head -3)
expect_eq "every login ended well" "" "$bad"
leak_audit "after $M logins of $M users" 30
finish
