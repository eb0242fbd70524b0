#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-12: lifetimes — session with linger (kept, reused, then ended by its
# monitor), processes (lives while anything runs in it), a session whose
# owner is SIGKILLed (its monitor notices), a killed monitor (the holder
# follows it; a later login cleans up).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
H=$TDIR/home-$U

# linger: the jail outlives its last session for a while, a login in the
# meantime reuses it, then it ends by itself.
policy "$CONF" "$U" 'lifetime = "session"; linger = 2;'
ns1=$(jail "$U" 'readlink /proc/self/ns/pid')
expect_eq "with linger the jail stays after its last session" 1 "$(jails_left)"
ns2=$(jail "$U" 'readlink /proc/self/ns/pid')
expect_eq "a login during linger joins the same jail" "$ns1" "$ns2"
holder=$(holder_pid)
wait_gone; expect_eq "after linger the jail ends" 0 "$(jails_left)"
if alive "$holder"; then not_ok "its holder is gone"; else ok "its holder is gone"; fi

# lifetime processes: a background process keeps the jail; when it ends,
# so does the jail.
policy "$CONF" "$U" 'lifetime = "processes";'
jail "$U" 'rm -f ~/stop; (while [ ! -e ~/stop ]; do sleep 0.05; done) > /dev/null 2>&1 &'
expect_eq "lifetime processes: a background process keeps the jail" 1 "$(jails_left)"
holder=$(holder_pid)
out=$(jail "$U" 'ls ~/stop 2>/dev/null; echo joined')
expect_eq "a new login joins it" joined "$out"
expect_eq "and leaving it does not end the jail" 1 "$(jails_left)"
touch "$H/stop"
wait_gone; expect_eq "when the last process exits, the jail ends" 0 "$(jails_left)"
if alive "$holder"; then not_ok "its holder is gone"; else ok "its holder is gone"; fi

# A session owner that dies without closing (jailsh SIGKILLed): the
# monitor watches session owners and ends the jail.
policy "$CONF" "$U" 'lifetime = "session";'
rm -f "$H/up"
"$JAILSH" --config "$CONF" --user "$U" -c 'touch ~/up; sleep 1000' &
js=$!
for i in $(seq 600); do [ -e "$H/up" ] && break; sleep 0.1; done
holder=$(holder_pid)
kill -KILL "$js"; wait "$js" 2>/dev/null
wait_gone; expect_eq "a SIGKILLed jailsh's jail is ended by its monitor" 0 "$(jails_left)"
if alive "$holder"; then not_ok "with its processes"; else ok "with its processes"; fi

# A killed monitor takes its holder along (PDEATHSIG); the stale state is
# swept by the next login.
policy "$CONF" "$U" 'lifetime = "session"; linger = 600;'
jail "$U" true
holder=$(holder_pid)
monitor=$(sed -n 's/^monitor_pid=//p' "$STATE"/jails/*/state)
expect_eq "the monitor is the recorded process" jaula-monitor "$(cat /proc/"$monitor"/comm 2>/dev/null)"
kill -KILL "$monitor"
for i in $(seq 600); do alive "$holder" || break; sleep 0.1; done
if alive "$holder"; then not_ok "the holder dies with its monitor"; else ok "the holder dies with its monitor"; fi
expect_eq "its state is still there" 1 "$(jails_left)"
out=$(jail "$U" 'echo fresh')
expect_eq "the next login gets a fresh jail" fresh "$out"
nh=$(holder_pid)
if [ -n "$nh" ] && [ "$nh" != "$holder" ]; then ok "with a new holder"; else not_ok "with a new holder"; fi
_stop_jails

# The sweep at login (at most once a minute) removes a stale jail of
# another id: a scope-session jail whose monitor was killed.
policy "$CONF" "$U" 'scope = "session"; lifetime = "session"; linger = 600;'
jail "$U" true
old=$(basename "$(dirname "$STATE"/jails/*/state)")
monitor=$(sed -n 's/^monitor_pid=//p' "$STATE/jails/$old/state")
holder=$(holder_pid)
kill -KILL "$monitor"
for i in $(seq 600); do alive "$holder" || break; sleep 0.1; done
touch -d '-2 minutes' "$STATE/gc.stamp"
jail "$U" true
if [ -e "$STATE/jails/$old" ] || [ -e "$STATE/jails/$old.lock" ]; then
	not_ok "the login-time sweep removed the stale jail $old"
else
	ok "the login-time sweep removed the stale jail $old"
fi

# When its monitor ends a jail, the holder is dead before the cgroups are
# removed, so the rmdir succeeds at once and the jail is never frozen (on
# v1 each freeze and thaw of the freezer patches kernel text on every
# CPU).  The session's jailsh is SIGKILLed, so the monitor (traced from
# then on) ends the jail itself.  (The slip fixed in release_locked — a
# holder already killed by jail_close and still exiting — depends on
# timing that tracing changes; a perf profile of cold logins showed it,
# see bench/RESULTS.md.)
if ! command -v strace >/dev/null; then
	skip "the monitor ends a jail without freezing it: strace is not installed"
elif [ ! -d /sys/fs/cgroup/freezer ]; then
	skip "the monitor ends a jail without freezing it: no v1 freezer hierarchy here"
else
	policy "$CONF" "$U" 'scope = "session"; lifetime = "session";'
	before=$(jails_left)
	"$JAILSH" --config "$CONF" --user "$U" -c 'exec sleep 600' </dev/null >/dev/null 2>&1 &
	owner=$!
	disown "$owner"
	# The jail's directory appears with its intent record, before the
	# session file and the monitor's pid: wait for the session itself.
	monitor=
	for i in $(seq 100); do
		monitor=$(for f in "$STATE"/jails/*/state; do
			[ -d "${f%/state}/sessions" ] && ls "${f%/state}/sessions" | grep -q "^p$owner-" &&
				sed -n 's/^monitor_pid=//p' "$f"; done | head -1)
		[ -n "$monitor" ] && break
		sleep 0.05
	done
	if [ -z "$monitor" ]; then
		not_ok "the monitor ends a jail without freezing it (no monitor found)"
	else
		strace -f -qq -p "$monitor" -e trace=openat -e signal=none -o "$TDIR/strace.mon" &
		tracer=$!
		sleep 0.5
		kill -KILL "$owner"
		wait "$tracer"
		expect_eq "the monitor ends a jail without freezing it" 0 \
			"$(grep -c 'freezer\.state' "$TDIR/strace.mon")"
		expect_match "(the trace saw the teardown)" 'cgroup|jails/' "$(cat "$TDIR/strace.mon")"
	fi
	for i in $(seq 100); do [ "$(jails_left)" = "$before" ] && break; sleep 0.05; done
	expect_eq "and no jail of that session is left (the lingering one above stays)" "$before" "$(jails_left)"
fi
finish
