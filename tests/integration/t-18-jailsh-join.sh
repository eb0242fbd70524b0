#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-18: jailsh joining a jail that someone else (pam_jaula) opened: the
# caller already sits in the jail's net/uts/ipc namespaces (nsenter plays
# the PAM module here); jailsh finds that jail by its network namespace,
# joins mnt/pid/cgroup, registers no session of its own, and refuses to
# build a jail from inside someone else's.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
need_cmd nsenter

U=$(new_user a) || skip_all "cannot create a user"
V=$(new_user b) || skip_all "cannot create a user"
policy "$CONF" "$U" ''
sed -i "s/users = \[ \"$U\" \]/users = [ \"$U\", \"$V\" ]/" "$CONF"
H=$TDIR/home-$U

"$JAILSH" --config "$CONF" --user "$U" -c 'readlink /proc/self/ns/pid > ~/ns; while [ ! -e ~/release ]; do sleep 0.05; done' &
first=$!
for i in $(seq 600); do [ -s "$H/ns" ] && break; sleep 0.1; done
holder=$(holder_pid)
sid_dir=$(dirname "$(ls -d "$STATE"/jails/*/sessions)")/sessions
before=$(ls "$sid_dir" | wc -l)

out=$(nsenter -t "$holder" -n -u -i -- "$JAILSH" --config "$CONF" --user "$U" -c 'readlink /proc/self/ns/pid; hostname' 2>&1)
expect_line "a caller in the jail's network namespace joins that jail" "$(cat "$H/ns")" "$out"
expect_eq "no second jail is made" 1 "$(jails_left)"
expect_eq "and no session is registered for the joiner" "$before" "$(ls "$sid_dir" | wc -l)"

out=$(nsenter -t "$holder" -n -u -i -- "$JAILSH" --config "$CONF" --user "$V" -c "echo ran-$TAG" 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" != *"ran-$TAG"* ]] && [[ "$out" == *"cannot find your jail"* ]]; then
	ok "another user inside this jail's namespaces is refused"
else
	not_ok "another user inside this jail's namespaces is refused"; echo "$out" | diag
fi
expect_eq "and gets no jail of their own" 1 "$(jails_left)"

touch "$H/release"
wait "$first"
wait_gone; expect_eq "the jail ends with its one registered session" 0 "$(jails_left)"
finish
