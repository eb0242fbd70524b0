#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-76 — valgrind (memcheck) over jailsh and over pam_jaula.so through
# pamtester: no memory error and no definite or indirect leak, in the
# process started and in every process valgrind follows through fork (the
# intermediate, the jail's monitor and holder, jailsh's child up to its
# exec), for a cold login (scope session), a warm join of a live jail
# (scope user), an unmatched user, a broken policy, a jail that cannot be
# set up, and PAM sessions (jailed, unmatched, failing).  The jail's own
# shell is not checked (no --trace-children).
#
# valgrind cannot honour setuid, so jailsh is driven as root with its
# root-only options (--config, --user, -c).  Each run writes one log per
# process (vg.PID.log, in a directory of its own since pids inside a jail
# start again at 1); a failed check prints the logs.
#
# Valgrind 3.19 (Debian 12) lacks system calls jaula makes:
#  - clone3: jaula_ns_clone falls back to clone(2) (common/ns.c), as it
#    must on Linux < 5.3 and under container seccomp profiles anyway;
#  - pidfd_open, pidfd_send_signal, openat2, seccomp and the fd-based mount
#    API: jaula requires them and must fail closed without them (a pid- or
#    path-based fallback would weaken it), so tests/valgrind/syscalls.c,
#    preloaded, makes those calls natively after checking the memory they
#    read as valgrind's wrappers do (see its header).  A call valgrind
#    still reports as unhandled fails the run's check.
# The fds those calls return are invisible to --track-fds, so instead the
# PAM service's hooks list the application's fds before open_session and
# after close_session.  tests/valgrind/jaula.supp is for other libraries'
# noise only, never jaula's code.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd valgrind cc
[ "$(uname -m)" = x86_64 ] || skip_all "tests/valgrind/syscalls.c is x86_64 only (inline system calls)"
[ -e /usr/include/valgrind/valgrind.h ] || skip_all "valgrind's headers are missing (valgrind/valgrind.h)"
source "$(dirname "$0")/jail-lib.sh"

SO=${JAULA_PAM_SO:-$TOP/pam_module/pam_jaula.so}
SUPP=$TOP/tests/valgrind/jaula.supp
SHIM=$TDIR/vg-syscalls.so
VGDIR=$TDIR/vg
mkdir -p "$VGDIR"

if ! out=$(cc -std=gnu11 -O2 -Wall -shared -fPIC -o "$SHIM" "$TOP/tests/valgrind/syscalls.c" -ldl 2>&1); then
	not_ok "tests/valgrind/syscalls.c builds"; echo "$out" | diag
	finish
fi

VG_OPTS=(--tool=memcheck --error-exitcode=99 --leak-check=full
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
	--num-callers=30 --suppressions="$SUPP" --vgdb=no)
# valgrind's own temporary files go into the test's directory.
mkdir -p "$TDIR/vgtmp"

# vg RUN CMD…: CMD under valgrind, its processes' logs in VGDIR/RUN.
vg() {
	local run=$1
	shift
	mkdir -p "$VGDIR/$run"
	TMPDIR=$TDIR/vgtmp LD_PRELOAD=$SHIM valgrind "${VG_OPTS[@]}" --log-file="$VGDIR/$run/vg.%p.log" "$@"
}

# What memcheck reported in one log, one line per error (empty: clean).  A
# process that exits has an ERROR SUMMARY; one that execs or is killed
# (the holder at teardown) has none, and any error it met is a headline
# followed by its stack ("   at 0x…").
_vg_errors() {
	local f=$1 n
	grep -h "unhandled amd64-linux syscall" "$f"
	n=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
	if [ -n "$n" ]; then
		[ "$n" = 0 ] || echo "ERROR SUMMARY: $n errors"
		return
	fi
	awk '{ sub(/^==[0-9]+== ?/, "") } /^   at 0x/ && prev !~ /^ / && prev != "" { print prev } { prev = $0 }' "$f"
}

# vg_check RUN MIN WHAT: valgrind followed at least MIN processes of RUN
# and none of them had an error or a leak.
vg_check() {
	local run=$1 min=$2 what=$3 f n=0 bad=() errs
	for f in "$VGDIR/$run"/vg.*.log; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		errs=$(_vg_errors "$f")
		[ -n "$errs" ] && bad+=("$f")
	done
	if [ $n -lt "$min" ]; then
		not_ok "$what: valgrind followed $n processes, expected at least $min"
		return
	fi
	if [ ${#bad[@]} -eq 0 ]; then
		ok "$what: no memcheck error, no leak in $n processes"
		return
	fi
	not_ok "$what: memcheck errors or leaks"
	for f in "${bad[@]}"; do
		echo "log $f:"
		grep -v -e '^==[0-9]*== *$' -e 'Copyright' "$f" | head -80
	done | diag
}

U=$(new_user a) || skip_all "cannot create a user"
H=$TDIR/home-$U
MARK="jaula busybox test rootfs"

# --- a cold login: the jail is made and torn down (scope session)
policy "$CONF" "$U" 'scope = "session";'
out=$(vg cold "$JAILSH" --config "$CONF" --user "$U" -c 'cat /etc/jaula-test-rootfs; hostname' 2>&1); rc=$?
if [ $rc = 0 ] && printf '%s\n' "$out" | grep -qxF "$MARK" && printf '%s\n' "$out" | grep -qxF "jail-$(id -u "$U")"; then
	ok "cold login under valgrind runs its command in a new jail"
else
	not_ok "cold login under valgrind runs its command in a new jail"; { echo "rc=$rc"; echo "$out"; } | diag
fi
wait_gone
expect_eq "cold login: the jail is gone afterwards" 0 "$(jails_left)"
# jailsh, the intermediate, the monitor, the holder, jailsh's child.
vg_check cold 5 "cold login"

# --- a warm join: a second login of the same user joins the live jail
policy "$CONF" "$U" 'scope = "user";'
vg first "$JAILSH" --config "$CONF" --user "$U" \
	-c 'readlink /proc/self/ns/pid > ~/ns; while [ ! -e ~/release ]; do sleep 0.05; done' > "$TDIR/first.out" 2>&1 &
first=$!
for i in $(seq 600); do [ -s "$H/ns" ] && break; sleep 0.1; done
out=$(vg warm "$JAILSH" --config "$CONF" --user "$U" -c 'readlink /proc/self/ns/pid' 2>&1); rc=$?
if [ $rc = 0 ] && [ -s "$H/ns" ] && printf '%s\n' "$out" | grep -qxF "$(cat "$H/ns")"; then
	ok "warm join under valgrind enters the live jail of the first login"
else
	not_ok "warm join under valgrind enters the live jail of the first login"
	{ echo "rc=$rc"; echo "$out"; echo "first login:"; cat "$TDIR/first.out"; } | diag
fi
expect_eq "warm join: still one jail while the first login runs" 1 "$(jails_left)"
touch "$H/release"
wait "$first"; rc=$?
expect_eq "warm join: the first login ends cleanly" 0 "$rc"
wait_gone
expect_eq "warm join: the jail is gone after the last login" 0 "$(jails_left)"
rm -f "$H/ns" "$H/release"
# jailsh and its child.
vg_check warm 2 "warm join"
# The first login's jailsh, intermediate, monitor, holder and child: the
# monitor saw the second session come and go.
vg_check first 5 "warm join (the login that made the jail)"

# --- refusals: an unmatched user, a broken policy, a jail that cannot be set up
V=$(new_user b) || skip_all "cannot create a user"
out=$(vg unmatched "$JAILSH" --config "$CONF" --user "$V" -c "echo ran-$TAG" 2>&1); rc=$?
if [ $rc != 0 ] && [[ "$out" == *"jailsh: you are not jailed here"* ]] && [[ "$out" != *"ran-$TAG"* ]]; then
	ok "an unmatched user is refused under valgrind"
else
	not_ok "an unmatched user is refused under valgrind"; { echo "rc=$rc"; echo "$out"; } | diag
fi
vg_check unmatched 1 "unmatched user"

printf 'global = { state_dir = "%s";\nprofiles = { p = { rootfs = ; }; };\n' "$STATE" > "$TDIR/broken.conf"
chmod 0644 "$TDIR/broken.conf"
out=$(vg broken "$JAILSH" --config "$TDIR/broken.conf" --user "$U" -c "echo ran-$TAG" 2>&1); rc=$?
if [ $rc != 0 ] && [[ "$out" =~ jailsh:\ $TDIR/broken.conf:[0-9]+: ]] && [[ "$out" == *"the jail policy is broken"* ]]; then
	ok "a broken policy is refused with FILE:LINE under valgrind"
else
	not_ok "a broken policy is refused with FILE:LINE under valgrind"; { echo "rc=$rc"; echo "$out"; } | diag
fi
vg_check broken 1 "broken policy"

POLICY_ROOTFS=$TDIR/no-such-rootfs policy "$CONF" "$U" 'scope = "session";'
out=$(vg norootfs "$JAILSH" --config "$CONF" --user "$U" -c "echo ran-$TAG" 2>&1); rc=$?
if [ $rc != 0 ] && [[ "$out" == *"cannot set up your jail"* ]] && [[ "$out" == *"no-such-rootfs"* ]]; then
	ok "a jail whose rootfs is missing is refused under valgrind"
else
	not_ok "a jail whose rootfs is missing is refused under valgrind"; { echo "rc=$rc"; echo "$out"; } | diag
fi
expect_eq "missing rootfs: no jail is left" 0 "$(jails_left)"
# jailsh, the intermediate, the monitor and the holder that failed.
vg_check norootfs 4 "missing rootfs"

# --- the PAM path: pamtester opens and closes a session through pam_jaula.so
if ! command -v pamtester > /dev/null 2>&1; then
	skip "pamtester under valgrind: 'pamtester' is not installed"
	finish
fi
if [ ! -e "$SO" ]; then
	skip "pamtester under valgrind: pam_module/pam_jaula.so is not built"
	finish
fi
P=$(new_user p) || skip_all "cannot create a user"
# pam_jaula only inspects jailsh (a setuid-root regular file that is the
# user's login shell); nothing here executes this copy.
install -o root -g root -m 4755 "$JAILSH" "$TDIR/jailsh-suid"
# Other tests may hold the lock on /etc/passwd for a moment.
for _ in 1 2 3 4 5 6 7 8 9 10; do usermod -s "$TDIR/jailsh-suid" "$P" 2> /dev/null && break; sleep 0.3; done
[ "$(getent passwd "$P" | cut -d: -f7)" = "$TDIR/jailsh-suid" ] || skip_all "cannot set the login shell of $P"
policy "$CONF" "$P" 'scope = "session";'
svc=jaula-vg-$TAG
on_exit "rm -f '/etc/pam.d/$svc'"
# The hook records the PAM application's fds (its parent's) before and
# after pam_jaula, and the jails that exist once the session is open.
cat > "$TDIR/hook.sh" <<HOOK
#!/bin/sh
for fd in /proc/\$PPID/fd/*; do echo "\${fd##*/} \$(readlink "\$fd")"; done | sort > "$TDIR/fds.\$PAM_USER.\$PAM_TYPE.\$1"
if [ "\$PAM_TYPE" = open_session ] && [ "\$1" = post ]; then
	ls "$STATE/jails" 2>/dev/null | grep -v '\.lock\$' > "$TDIR/jails.\$PAM_USER"
fi
exit 0
HOOK
chmod 0755 "$TDIR/hook.sh"
# pam_warn logs first, so that a syslog socket libc keeps open is there
# before the first snapshot of the fds.
cat > "/etc/pam.d/$svc" <<PAMD
# t-76 test service, removed by the test's trap
auth     required  pam_permit.so
account  required  pam_permit.so
session  optional  pam_warn.so
session  optional  pam_exec.so quiet $TDIR/hook.sh pre
session  requisite $SO config=$CONF jailsh=$TDIR/jailsh-suid
session  optional  pam_exec.so quiet $TDIR/hook.sh post
PAMD
pt() { # RUN USER: pamtester open_session close_session under valgrind
	vg "$1" pamtester -v "$svc" "$2" open_session close_session 2>&1
}

out=$(pt pam "$P"); rc=$?
if [ $rc = 0 ] && [[ "$out" == *"successfully opened a session"* ]] &&
	[[ "$out" == *"session has successfully been closed"* ]] && [ -s "$TDIR/jails.$P" ]; then
	ok "pamtester under valgrind: open_session makes a jail ($(tr '\n' ' ' < "$TDIR/jails.$P")), close_session ends it"
else
	not_ok "pamtester under valgrind: open_session makes a jail, close_session ends it"
	{ echo "rc=$rc"; echo "$out"; } | diag
fi
wait_gone
expect_eq "pamtester: no jail is left" 0 "$(jails_left)"
if [ -s "$TDIR/fds.$P.open_session.pre" ] &&
	diff "$TDIR/fds.$P.open_session.pre" "$TDIR/fds.$P.close_session.post" > "$TDIR/fds.diff" 2>&1; then
	ok "pamtester: pam_jaula leaves no fd open in the PAM application"
else
	not_ok "pamtester: pam_jaula leaves no fd open in the PAM application"; diag < "$TDIR/fds.diff"
fi
# pamtester, the intermediate, the monitor and the holder (and the hooks'
# children up to their exec).
vg_check pam 4 "pamtester, jailed session"

out=$(pt pam-unmatched "$V"); rc=$?
if [ $rc = 0 ] && [[ "$out" == *"successfully opened a session"* ]] && [ -e "$TDIR/jails.$V" ] &&
	[ ! -s "$TDIR/jails.$V" ]; then
	ok "pamtester under valgrind: an unmatched user's session opens without a jail"
else
	not_ok "pamtester under valgrind: an unmatched user's session opens without a jail"; { echo "rc=$rc"; echo "$out"; } | diag
fi
vg_check pam-unmatched 1 "pamtester, unmatched user"

POLICY_ROOTFS=$TDIR/no-such-rootfs policy "$CONF" "$P" 'scope = "session";'
out=$(pt pam-norootfs "$P"); rc=$?
if [ $rc != 0 ] && [[ "$out" != *"successfully opened"* ]]; then
	ok "pamtester under valgrind: a jail that cannot be set up refuses the session"
else
	not_ok "pamtester under valgrind: a jail that cannot be set up refuses the session"; { echo "rc=$rc"; echo "$out"; } | diag
fi
expect_eq "pamtester, missing rootfs: no jail is left" 0 "$(jails_left)"
vg_check pam-norootfs 4 "pamtester, missing rootfs"
finish
