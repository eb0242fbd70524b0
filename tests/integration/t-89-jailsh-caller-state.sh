#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-89: what jailsh gives back to the jail's shell, now that it saves and
# restores only what its set-up changed: exactly the caller's ignored
# signals (none, some, and the ones a terminal sends), the caller's soft
# limits; and the jail's life when a joining session closes without waking
# the monitor (other sessions keep the jail; the last one still ends it).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
policy "$CONF" "$U" 'scope = "user"; lifetime = "session";'
H=$TDIR/home-$U
sigign() { sed -n 's/^SigIgn:[[:space:]]*//p'; }

# --- ignored signals: the shell's SigIgn is the caller's, bit for bit ---
for set in "" "INT" "INT PIPE USR2" "HUP QUIT TERM WINCH"; do
	want=$(bash -c "${set:+trap '' $set;} exec cat /proc/self/status" | sigign)
	# "; true": dash forks the command, whose dispositions are the ones
	# dash started with (dash running a lone command by exec ignores QUIT
	# in it, jailsh or not).
	got=$(bash -c "${set:+trap '' $set;} exec '$JAILSH' --config '$CONF' --user '$U' -c 'cat /proc/self/status; true'" 2>&1 | sigign)
	expect_eq "the jail's shell ignores what the caller ignored (${set:-nothing})" "$want" "$got"
done

# A caller ignoring SIGCHLD (its children reaped without a signal) must
# not leave jailsh waiting for ever.  (What the shell then does with
# SIGCHLD is dash's business: it handles it to wait for its children.)
out=$(timeout -s KILL 60 bash -c "trap '' CHLD; exec '$JAILSH' --config '$CONF' --user '$U' -c 'cat /proc/self/status; true'" 2>&1); rc=$?
expect_eq "with SIGCHLD ignored by the caller, the login ends (status)" 0 "$rc"
if [[ "$out" == *"SigIgn:"* ]]; then ok "and the command ran"; else not_ok "and the command ran"; head -3 <<<"$out" | diag; fi
wait_gone

# --- soft limits come back as the caller had them ---
out=$(bash -c "ulimit -S -n 100; ulimit -S -s 4096; ulimit -S -c 0; exec '$JAILSH' --config '$CONF' --user '$U' -c 'ulimit -n; ulimit -s; ulimit -c'" 2>&1)
expect_eq "the jail's shell has the caller's soft limits (nofile, stack, core)" "100 4096 0" "$(echo $out)"
wait_gone

# --- a joining session that closes while another lives -----------------
jail "$U" 'echo up > ~/first; while [ ! -e ~/release ]; do sleep 0.05; done' &
first=$!
for _ in $(seq 600); do [ -s "$H/first" ] && break; sleep 0.1; done
out=$(jail "$U" 'echo joined' 2>&1)
expect_eq "a second login joins the live jail" "joined" "$out"
sleep 0.5
expect_eq "its close leaves the jail to the first session" 1 "$(jails_left)"
out=$(jail "$U" 'cat ~/first' 2>&1)
expect_eq "and a third login still finds it" "up" "$out"
touch "$H/release"
wait "$first"
if wait_gone; then ok "the jail ends with its last session"; else not_ok "the jail ends with its last session"; fi
finish
