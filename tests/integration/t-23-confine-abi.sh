#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-23: secondary ABIs.  The x32 ABI (bit 30 set on an x86_64 number) and,
# unless allow_x86, the i386 ABI (int 0x80) kill the process with SIGSYS;
# with allow_x86 i386 calls run and the same deny rules apply to them.
# Needs root; x86_64 only.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd useradd userdel
[ "$(uname -m)" = x86_64 ] || skip_all "secondary-ABI checks are for x86_64 hosts"
PROBE=$TOP/tests/helpers/confine_probe
[ -x "$PROBE" ] || skip_all "tests/helpers/confine_probe is not built (make check builds it)"

user=jaula-c$TAG
useradd -M -N -s /usr/sbin/nologin "$user" || skip_all "cannot create user $user"
on_exit userdel "$user"
uid=$(id -u "$user") gid=$(id -g "$user")
P() { "$PROBE" --uid "$uid" --gid "$gid" "$@" 2>&1; }
SIGSYS_STATUS=$((128 + 31))

out=$(P x32); rc=$?
expect_eq "x32 syscall is killed with SIGSYS" "$SIGSYS_STATUS" "$rc"
out=$(P --x86 x32); rc=$?
expect_eq "x32 syscall is killed with SIGSYS even with allow_x86" "$SIGSYS_STATUS" "$rc"

# int 0x80 needs the kernel's IA32 entry; some kernels and hypervisors
# (IA32_EMULATION off, ia32_emulation=0, PVM guests) fault on it before any
# filter runs.  Find out with a run that has no filter.
out=$(P --profile none int80); rc=$?
if [ $rc -ne 0 ]; then
	skip "i386 ABI (int 0x80): it fails here even without a filter (status $rc: no IA32 syscall entry on this kernel/hypervisor)"
	finish
fi
ok "control (no filter): int 0x80 getpid works"
out=$(P int80); rc=$?
expect_eq "default profile: int 0x80 is killed with SIGSYS" "$SIGSYS_STATUS" "$rc"
out=$(P --x86 int80); rc=$?
expect_eq "allow_x86: int 0x80 getpid works" "0 int80_getpid=ok" "$rc $(printf '%s\n' "$out" | grep '^int80_getpid=')"
out=$(P --x86 int80-unshare); rc=$?
expect_eq "allow_x86: i386 unshare(CLONE_NEWUSER) fails with EPERM" "int80_unshare=EPERM" "$(printf '%s\n' "$out" | grep '^int80_unshare=')"
out=$(P --profile none int80-unshare)
expect_eq "control (no filter): i386 unshare(CLONE_NEWUSER) works" "int80_unshare=ok" "$(printf '%s\n' "$out" | grep '^int80_unshare=')"
finish
