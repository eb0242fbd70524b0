#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-22: a capability the policy keeps works for the jailed user, and only
# it: with CAP_NET_BIND_SERVICE kept a bind to port 80 succeeds in a private
# network namespace, without it the bind is refused, and the other
# capabilities stay gone.  Needs root (runs in a fresh netns, nothing on
# the host network is touched).
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

out=$(P --netns --keep CAP_NET_BIND_SERVICE bind80)
expect_eq "kept net_bind_service: bind to port 80 works" ok "$(val "$out" bind80)"
out=$(P --netns bind80)
expect_eq "nothing kept: bind to port 80 is refused" EACCES "$(val "$out" bind80)"

# With the capability kept, everything else is still denied.
out=$(P --keep net_bind_service syscalls)
expect_eq "kept net_bind_service: setuid(0) still fails" EPERM "$(val "$out" setuid0)"
expect_eq "kept net_bind_service: chroot still fails" EPERM "$(val "$out" chroot)"
expect_eq "kept net_bind_service: unshare(CLONE_NEWUSER) still fails" EPERM "$(val "$out" unshare_user)"
out=$(P --keep net_bind_service --profile none syscalls)
expect_eq "kept net_bind_service, no filter: chroot fails (no CAP_SYS_CHROOT)" EPERM "$(val "$out" chroot)"
expect_eq "kept net_bind_service, no filter: mount fails (no CAP_SYS_ADMIN)" EPERM "$(val "$out" mount)"

# Kept across exec, in a child of the shell too (ambient is inherited).
out=$(P --keep CAP_NET_BIND_SERVICE exec /bin/sh -c 'grep ^CapEff /proc/self/status')
expect_match "kept net_bind_service is effective in a child after exec" 'CapEff:[[:space:]]+0000000000000400' "$out"
finish
