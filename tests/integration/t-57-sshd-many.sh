#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-57 — 50 simultaneous jailed ssh logins (10 users × 5) through Debian's
# real sshd: every one lands in its user's jail, the five logins of a user
# share one jail (scope user), ten jails in all, and everything is gone
# after the last logout.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
USERS=10 PER=5
jailed_sshd_setup "$USERS"

pids=()
for u in "${JUS[@]}"; do
	for i in $(seq 1 "$PER"); do
		# Each login holds until the host drops .jb-go into the (bind-mounted)
		# home, so that all 50 are alive at once when the jails are counted.
		ssh_as "$u" 'cat /etc/jaula-ssh-rootfs; readlink /proc/self/ns/pid; id -un
			i=0; while [ ! -e ~/.jb-go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done' \
			> "$JB_DIR/out.$u.$i" 2>&1 &
		pids+=($!)
	done
done
# While they all run: count the jails.
for t in $(seq 1 300); do
	n=$(cat "$JB_DIR"/out.* 2>/dev/null | grep -c '^jaula ssh test rootfs$')
	[ "$n" -ge $((USERS * PER)) ] && break
	sleep 0.1
done
njails=$(jail_ids | wc -l)
remember_jails
for u in "${JUS[@]}"; do touch "$(getent passwd "$u" | cut -d: -f6)/.jb-go"; done
wait "${pids[@]}"

bad=0 nsall=()
for u in "${JUS[@]}"; do
	ns=$(cat "$JB_DIR"/out."$u".* | grep '^pid:' | sort -u)
	jailed=$(cat "$JB_DIR"/out."$u".* | grep -c '^jaula ssh test rootfs$')
	who=$(cat "$JB_DIR"/out."$u".* | grep -cx "$u")
	if [ "$jailed" != "$PER" ] || [ "$who" != "$PER" ] || [ "$(grep -c . <<<"$ns")" != 1 ]; then
		bad=$((bad + 1))
		{ echo "$u: jailed=$jailed as-user=$who pid-ns=$(echo $ns)"; head -3 "$JB_DIR"/out."$u".1; } | diag
	fi
	nsall+=("$ns")
done
expect_eq "50 simultaneous logins: each user's 5 logins ran in their jail, as them, in one pid namespace" 0 "$bad"
expect_eq "... 10 users, 10 distinct jails" "10 10" "$njails $(printf '%s\n' "${nsall[@]}" | sort -u | grep -c .)"
expect_jails_gone "... and all of them are gone within 5 s of the last logout" 5
finish
