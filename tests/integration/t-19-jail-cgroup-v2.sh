#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-19: a jail on a cgroup v2 host — the holder and every shell are born in
# the jail's cgroup (clone3 CLONE_INTO_CGROUP), the cgroup namespace is
# rooted there, and the node goes away with the jail.  On a v1/hybrid host
# the test runs itself in a private mount namespace whose /sys/fs/cgroup is
# the unified hierarchy alone (no controllers; nothing on the host moves).
if [ -z "${JAULA_T19_INNER:-}" ] && [ "$(id -u)" = 0 ] &&
	! grep -q ' /sys/fs/cgroup cgroup2 ' /proc/self/mounts; then
	exec env JAULA_T19_INNER=1 unshare -m --propagation private bash -c '
		umount -l /sys/fs/cgroup 2>/dev/null
		mount -t cgroup2 none /sys/fs/cgroup || { echo "skip - t-19: cannot mount cgroup2"; exit 0; }
		exec bash "$0"' "$0"
fi
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
need_cmd strace

U=$(new_user a) || skip_all "cannot create a user"
UID_=$(id -u "$U")
H=$TDIR/home-$U
policy "$CONF" "$U" ''
sed -i 's|global = {|global = { cgroup_path = "jaula-t19-'"$TAG"'";|' "$CONF"
node=/sys/fs/cgroup/jaula-t19-$TAG/p/u$UID_
on_exit "rmdir '$node' /sys/fs/cgroup/jaula-t19-$TAG/p /sys/fs/cgroup/jaula-t19-$TAG"

strace -f -e trace=clone3 -o "$TDIR/strace" \
	"$JAILSH" --config "$CONF" --user "$U" -c 'cat /proc/self/cgroup > ~/cg; touch ~/up; while [ ! -e ~/release ]; do sleep 0.05; done' &
first=$!
for i in $(seq 600); do [ -e "$H/up" ] && break; sleep 0.1; done
holder=$(holder_pid)
expect_eq "the holder lives in the jail's cgroup" "0::/jaula-t19-$TAG/p/u$UID_" "$(grep '^0::' /proc/"$holder"/cgroup)"
expect_eq "the shell sees the cgroup namespace rooted at the jail's node" "0::/" "$(grep "^0::" "$H/cg")"
n=$(wc -l < "$node/cgroup.procs" 2>/dev/null || echo 0)
if [ "$n" -ge 3 ]; then ok "holder, shell and its children are in the node ($n processes)"; else not_ok "holder, shell and its children are in the node ($n processes)"; fi
touch "$H/release"
wait "$first"
expect_eq "both the holder and the shell were cloned into the cgroup" 2 "$(grep -c 'CLONE_INTO_CGROUP.* = [0-9]' "$TDIR/strace")"
wait_gone; expect_eq "no jail left" 0 "$(jails_left)"
for i in $(seq 300); do [ -d "$node" ] || break; sleep 0.1; done
if [ -d "$node" ]; then not_ok "the jail's cgroup node is removed"; else ok "the jail's cgroup node is removed"; fi
finish
