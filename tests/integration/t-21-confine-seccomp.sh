#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-21: after jaula_confine the escape and admin surface fails with EPERM
# (clone3 with ENOSYS), ordinary calls still work, TIOCSTI is refused on
# the controlling pty (also with a high bit set in the request), and
# allow/deny/strict change exactly what they say.  Each denial is compared
# with a control run under profile none, so a check cannot pass only
# because the call fails anyway for an unprivileged user.  Needs root.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd useradd userdel
PROBE=$TOP/tests/helpers/confine_probe
[ -x "$PROBE" ] || skip_all "tests/helpers/confine_probe is not built (make check builds it)"

user=jaula-c$TAG
useradd -M -N -s /usr/sbin/nologin "$user" || skip_all "cannot create user $user"
on_exit userdel "$user"
uid=$(id -u "$user") gid=$(id -g "$user")
P() { "$PROBE" --uid "$uid" --gid "$gid" "$@" 2>&1; }
val() { printf '%s\n' "$1" | sed -n "s/^$2=//p" | head -1; }

def=$(P syscalls)
none=$(P --profile none syscalls)
expect_eq "confine succeeds (default profile)" ok "$(val "$def" confine)"

for c in unshare_user clone_newuser mount umount2 setns keyctl add_key bpf perf_event_open \
	ptrace open_by_handle_at userfaultfd chroot setuid0 setgid0; do
	expect_eq "default profile: $c fails with EPERM" EPERM "$(val "$def" $c)"
done
expect_eq "default profile: clone3 fails with ENOSYS (glibc falls back to clone)" ENOSYS "$(val "$def" clone3)"
expect_eq "default profile: fork (clone without namespace flags) works" ok "$(val "$def" fork)"
expect_eq "default profile: getpid works" ok "$(val "$def" getpid)"
expect_eq "default profile: io_uring_setup is not filtered (same result as without a filter)" \
	"$(val "$none" io_uring_setup)" "$(val "$def" io_uring_setup)"
expect_eq "default profile: personality is not filtered" ok "$(val "$def" personality_query)"

# Controls: these reach the kernel without the filter (any result but the
# filter's EPERM/ENOSYS shows that).
expect_eq "control (no filter): unshare(CLONE_NEWUSER) works" ok "$(val "$none" unshare_user)"
expect_eq "control (no filter): clone(CLONE_NEWUSER) works" ok "$(val "$none" clone_newuser)"
expect_eq "control (no filter): clone3 works" ok "$(val "$none" clone3)"
expect_eq "control (no filter): keyctl works" ok "$(val "$none" keyctl)"
expect_eq "control (no filter): ptrace(TRACEME) works" ok "$(val "$none" ptrace)"
expect_match "control (no filter): bpf reaches the kernel" '^E(INVAL|FAULT|PERM)$' "$(val "$none" bpf)"
expect_match "control (no filter): perf_event_open reaches the kernel" '^E(FAULT|INVAL|ACCES|NOENT|PERM)$' "$(val "$none" perf_event_open)"

# strict adds io_uring (and more); allow lifts, deny adds.
strict=$(P --profile strict syscalls)
expect_eq "strict profile: io_uring_setup fails with EPERM" EPERM "$(val "$strict" io_uring_setup)"
expect_eq "strict profile: personality fails with EPERM" EPERM "$(val "$strict" personality_query)"
expect_eq "strict profile: fork still works" ok "$(val "$strict" fork)"
out=$(P --allow ptrace --allow keyctl syscalls)
expect_eq "allow ptrace: ptrace works" ok "$(val "$out" ptrace)"
expect_eq "allow keyctl: keyctl works" ok "$(val "$out" keyctl)"
expect_eq "allow ptrace: mount still denied" EPERM "$(val "$out" mount)"
out=$(P --deny io_uring_setup syscalls)
expect_eq "deny io_uring_setup: EPERM" EPERM "$(val "$out" io_uring_setup)"
out=$(P --deny getpid syscalls)
expect_eq "deny getpid: EPERM" EPERM "$(val "$out" getpid)"
out=$(P --profile none --deny ptrace syscalls)
expect_eq "profile none + deny ptrace: only ptrace denied" "EPERM ok" "$(val "$out" ptrace) $(val "$out" keyctl)"
out=$(P --deny no_such_syscall syscalls)
expect_match "an unknown name refuses confinement" "confine=EINVAL.*unknown system call 'no_such_syscall'" "$(printf '%s' "$out" | tr '\n' ' ')"

# TIOCSTI on our own controlling pty (what a login shell has).
tty_none=$(P --profile none --ctty tiocsti)
if [ "$(val "$tty_none" tiocsti)" != ok ]; then
	skip "TIOCSTI: refused even without a filter here ($(val "$tty_none" tiocsti); dev.tty.legacy_tiocsti=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null))"
else
	ok "control (no filter): TIOCSTI on the controlling pty works"
fi
out=$(P --ctty tiocsti)
expect_eq "default profile: TIOCSTI fails with EPERM" EPERM "$(val "$out" tiocsti)"
expect_eq "default profile: TIOCSTI with a high bit in the request fails with EPERM" EPERM "$(val "$out" tiocsti_high)"
expect_eq "default profile: other tty ioctls (TIOCGWINSZ) work" ok "$(val "$out" tiocgwinsz)"
finish
