#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-54 — sessions and jails through Debian's real sshd: scope user (two
# logins share one jail), scope session (one jail each), a ControlMaster
# connection (many channels, one PAM session), and the end of every jail
# at logout: leftover processes killed, nothing left, even when sshd's
# monitor dies without calling pam_close_session.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
jailed_sshd_setup 1
CP=$JB_DIR/cm

# wait_lines N FILE…: until each FILE has N lines (at most 20 s).
wait_lines() {
	local n=$1 f i
	shift
	for i in $(seq 1 200); do
		for f in "$@"; do
			[ "$(grep -c . "$f" 2>/dev/null)" -ge "$n" ] || { sleep 0.1; continue 2; }
		done
		return 0
	done
	return 1
}

count_sessions() { find "$JB_STATE"/jails/*/sessions -mindepth 1 2>/dev/null | wc -l; }

two_logins() { # → "NJAILS NSESSIONS NDISTINCT-PIDNS" seen while both run
	local a b n s
	: > "$JB_DIR/a"; : > "$JB_DIR/b"
	ssh_as "$JU" 'readlink /proc/self/ns/pid; sleep 3' > "$JB_DIR/a" 2>&1 & a=$!
	ssh_as "$JU" 'readlink /proc/self/ns/pid; sleep 3' > "$JB_DIR/b" 2>&1 & b=$!
	wait_lines 1 "$JB_DIR/a" "$JB_DIR/b"
	n=$(jail_ids | wc -l); s=$(count_sessions)
	remember_jails
	wait $a $b
	echo "$n $s $(cat "$JB_DIR/a" "$JB_DIR/b" | grep -c . ) $(sort -u "$JB_DIR/a" "$JB_DIR/b" | grep -c '^pid:')"
}

out=$(two_logins)
expect_eq "scope user: two simultaneous logins share one jail (jails sessions lines distinct-pid-ns)" "1 2 2 1" "$out"
expect_jails_gone "scope user: the jail ends within 2 s of the last of them"

POLICY_SCOPE=session write_policy
out=$(two_logins)
expect_eq "scope session: two simultaneous logins get two jails" "2 2 2 2" "$out"
expect_jails_gone "scope session: both jails end within 2 s"
POLICY_SCOPE=user write_policy

# ControlMaster: one TCP connection, one PAM session, many channels.
ssh_as "$JU" -oControlMaster=yes "-oControlPath=$CP" -oControlPersist=60 -fN
on_exit "ssh -o ControlPath=$CP -O exit x 2>/dev/null"
pids=()
for i in 1 2 3; do
	: > "$JB_DIR/c$i"
	ssh_as "$JU" "-oControlPath=$CP" -- 'readlink /proc/self/ns/pid; sleep 3' > "$JB_DIR/c$i" 2>&1 &
	pids+=($!)
done
wait_lines 1 "$JB_DIR"/c[123]
n=$(jail_ids | wc -l); s=$(count_sessions)
remember_jails
wait "${pids[@]}"
ns=$(sort -u "$JB_DIR"/c[123] | grep -c '^pid:')
expect_eq "ControlMaster: three channels, one jail, one session, one pid namespace" "1 1 1" "$n $s $ns"
out=$(ssh_as "$JU" "-oControlPath=$CP" -- 'cat /etc/jaula-ssh-rootfs' 2>&1)
expect_eq "ControlMaster: a later channel still runs in the jail" "jaula ssh test rootfs" "$out"
ssh_as "$JU" "-oControlPath=$CP" -Oexit 2>/dev/null
expect_jails_gone "ControlMaster: the jail ends within 2 s of the master's exit"

# A process the user leaves behind dies with the jail (lifetime session).
out=$(ssh_as "$JU" 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo started' 2>&1)
remember_jails
expect_eq "a background process survives the command" "started" "$out"
expect_jails_gone "logout ends the jail within 2 s, killing what the user left running"

# sshd's monitor dies without pam_close_session (kill -9).
: > "$JB_DIR/d"
ssh_as "$JU" 'echo up; sleep 60' > "$JB_DIR/d" 2>&1 & bg=$!
wait_lines 1 "$JB_DIR/d"
remember_jails
mon=""
for p in $(pgrep -P "$SSHD_PID"); do
	grep -q "$JU" "/proc/$p/cmdline" 2>/dev/null && mon=$p
done
if [ -z "$mon" ]; then
	not_ok "found the [priv] monitor of the session"; ps -o pid,args --ppid "$SSHD_PID" | diag
else
	kill -KILL "$mon"
	kill "$bg" 2>/dev/null # the client may keep waiting on sshd's user child
	wait "$bg" 2>/dev/null
	expect_jails_gone "a session whose sshd monitor was killed (no close_session) still ends its jail" 5
fi
finish
