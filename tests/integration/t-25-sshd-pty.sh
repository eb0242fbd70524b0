#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-25 — terminals of jailed ssh logins through Debian's real sshd, now
# that a jail has a devpts of its own: under `ssh -tt` the login's pty
# (allocated by sshd on the host) is /dev/console in the jail, `tty`
# names it, stdin is a terminal, SSH_TTY follows; the jail's /dev/pts
# holds none of the host's ptys; `script` and tmux (in a rootfs variant
# with tmux, skipped if it cannot be built) get ptys of the jail's own
# instance; two simultaneous logins of one user (scope user) share the
# jail but each has its own terminal, and neither's /dev holds a node of
# the other's.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
jailed_sshd_setup 1
export TERM=xterm

# expect_line "description" LINE TEXT: TEXT has LINE as one whole line.
expect_line() {
	if printf '%s\n' "$3" | grep -qxF -- "$2"; then ok "$1"; else
		not_ok "$1"; printf 'expected a line: %s\ngot:\n%s\n' "$2" "$3" | diag
	fi
}

# ssh -tt: sshd allocates a pty even though our stdin is not a terminal.
probe='t=$(tty); echo "TTY $t"; [ -t 0 ] && echo ISATTY; [ -c "$t" ] && echo ISCHR
[ "$(stat -c %d:%i "$t")" = "$(stat -L -c %d:%i /proc/self/fd/0)" ] && echo SAMEFILE
echo "SSH_TTY ${SSH_TTY:-}"; echo "PTS $(ls /dev/pts | tr "\n" " ")"
script -qc "echo SCRIPT \$(tty) \$(ls /dev/pts | tr \"\n\" \" \")" /dev/null'
hostpts=$(ls /dev/pts | tr '\n' ' ')
out=$(ssh_as "$JU" -tt "$probe" < /dev/null 2>&1 | tr -d '\r')
expect_line "ssh -tt: tty names the login's terminal as /dev/console" "TTY /dev/console" "$out"
expect_line "ssh -tt: stdin is a terminal" "ISATTY" "$out"
expect_line "ssh -tt: the name exists in the jail as a device" "ISCHR" "$out"
expect_line "ssh -tt: ... and is the very file on stdin" "SAMEFILE" "$out"
expect_line "ssh -tt: SSH_TTY names it too" "SSH_TTY /dev/console" "$out"
expect_line "ssh -tt: the jail's /dev/pts lists none of the host's ptys (host: $hostpts)" "PTS ptmx " "$out"
expect_line "script gets a pty of the jail's own devpts, the only one listed" "SCRIPT /dev/pts/0 0 ptmx" "$out"

out=$(printf 'tty; echo "rc=$?"\nexit\n' | ssh_as "$JU" -tt 2>&1 | tr -d '\r' |
	sed 's/\x1b\][^\x07]*\x07//g; s/\x1b\[[?0-9;]*[a-zA-Z]//g')
expect_line "an interactive login shell (no command) has its terminal named" "/dev/console" "$out"
expect_line "... and tty succeeds there" "rc=0" "$out"

out=$(ssh_as "$JU" 'tty; echo "PTS $(ls /dev/pts | tr "\n" " ")"; ls -l /dev/console' < /dev/null 2>&1)
expect_line "without a terminal: tty says so" "not a tty" "$out"
expect_line "without a terminal: the jail's /dev/pts is still its own" "PTS ptmx " "$out"
expect_jails_gone "the jail ends within 2 s of the last logout"

# Two logins of one user at once (scope user): one jail, two terminals.
two='echo "MINE $(stat -L -c %t:%T /proc/self/fd/0)"; touch /tmp/jb-up.$$
i=0; while [ $(ls /tmp/jb-up.* | wc -l) -lt 2 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
for f in /dev/* /dev/*/*; do [ -c "$f" ] && stat -c "DEV %t:%T %n" "$f"; done; echo "JAIL $(readlink /proc/self/ns/pid)"
i=0; while [ ! -e /tmp/jb-release ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done'
ssh_as "$JU" -tt "$two" < /dev/null > "$JB_DIR/s1" 2>&1 & p1=$!
ssh_as "$JU" -tt "$two" < /dev/null > "$JB_DIR/s2" 2>&1 & p2=$!
for i in $(seq 1 300); do grep -q '^JAIL' "$JB_DIR/s1" && grep -q '^JAIL' "$JB_DIR/s2" && break; sleep 0.05; done
remember_jails
ssh_as "$JU" 'touch /tmp/jb-release' < /dev/null
wait "$p1" "$p2"
j1=$(tr -d '\r' < "$JB_DIR/s1" | sed -n 's/^JAIL //p') j2=$(tr -d '\r' < "$JB_DIR/s2" | sed -n 's/^JAIL //p')
if [ -n "$j1" ] && [ "$j1" = "$j2" ]; then ok "two ssh -tt logins share one jail"; else
	not_ok "two ssh -tt logins share one jail"; cat "$JB_DIR/s1" "$JB_DIR/s2" | diag; fi
m1=$(tr -d '\r' < "$JB_DIR/s1" | sed -n 's/^MINE //p') m2=$(tr -d '\r' < "$JB_DIR/s2" | sed -n 's/^MINE //p')
if [ -n "$m1" ] && [ -n "$m2" ] && [ "$m1" != "$m2" ]; then ok "... with two terminals ($m1, $m2)"; else
	not_ok "... with two terminals"; cat "$JB_DIR/s1" "$JB_DIR/s2" | diag; fi
for s in 1 2; do
	out=$(tr -d '\r' < "$JB_DIR/s$s")
	eval "mine=\$m$s theirs=\$m$((3 - s))"
	expect_line "login $s: its /dev/console is its own terminal" "DEV $mine /dev/console" "$out"
	if [ -n "$theirs" ] && ! grep -q "^DEV $theirs " <<<"$out"; then
		ok "login $s: its /dev holds no node of the other login's terminal ($theirs)"
	else
		not_ok "login $s: its /dev holds no node of the other login's terminal ($theirs)"
		grep "^DEV $theirs " <<<"$out" | diag
	fi
done
expect_jails_gone "the jail ends within 2 s of both logouts"

# tmux, from a copy of the ssh rootfs with tmux added (cached).
tmux_rootfs() {
	local dir=/var/tmp/jaula-test-debootstrap-ssh-tmux tmp
	if [ -e "$dir/.jaula-tmux-rootfs-v1" ]; then echo "$dir"; return 0; fi
	(
		_jaula_rootfs_lock "$dir" || exit 1
		[ -e "$dir/.jaula-tmux-rootfs-v1" ] && exit 0
		tmp=$(mktemp -d "$dir.tmp.XXXXXX") || exit 1
		trap 'rm -rf "$tmp"' EXIT
		cp -a "$ROOTFS/." "$tmp/" && chmod 0755 "$tmp" || exit 1
		chroot "$tmp" sh -c 'export DEBIAN_FRONTEND=noninteractive
			apt-get update -qq && apt-get install -y -qq --no-install-recommends tmux >/dev/null &&
			apt-get clean' > "$dir.log" 2>&1 || { tail -3 "$dir.log" >&2; exit 1; }
		rm -f "$dir.log"
		touch "$tmp/.jaula-tmux-rootfs-v1"
		rm -rf "$dir" && mv "$tmp" "$dir" && trap - EXIT
	) || return 1
	echo "$dir"
}
if ! TROOT=$(tmux_rootfs); then
	skip "tmux in the jail: cannot build a rootfs with tmux (apt-get in the chroot failed)"
else
	POLICY_ROOTFS=$TROOT write_policy
	out=$(ssh_as "$JU" -tt 'tmux -S /tmp/jb-tmux new-session "tty > /tmp/jb-pane; ls /dev/pts | tr \"\n\" \" \" >> /tmp/jb-pane"; echo "rc=$?"; cat /tmp/jb-pane' < /dev/null 2>&1 | tr -d '\r' |
		sed 's/\x1b[[(][?0-9;]*[a-zA-Z]//g; s/\x1b[=>]//g')
	expect_match "tmux runs attached to the login's terminal" "rc=0" "$out"
	expect_match "tmux's pane has a pty of the jail's own devpts" "/dev/pts/0" "$out"
	expect_match "... and the jail's /dev/pts lists only the jail's ptys" "(^|[^0-9])0 ptmx " "$out"
	[ -n "${JB_VERBOSE:-}" ] && echo "$out" | diag
	expect_jails_gone "the jail ends within 2 s"
fi
finish
