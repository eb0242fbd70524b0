#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-24: each jail has a devpts instance of its own.  Allocating ptys in a
# jail stops at the profile's pty_max (0: none) while the host and other
# jails still get theirs, and a jail allowed more than the kernel's pool
# outside the reserve stops there, not at the host's last pty; the jail's
# /dev/pts never lists the host's ptys; the login's terminal (here a pty
# of the host's `script`) is bound in as /dev/console, per session: two
# sessions of one scope-user jail each see their own and not the other's.
# (ssh -t, `tty` and `script` through the real sshd: t-25.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
need_cmd python3 script cc

U1=$(new_user a) && U2=$(new_user b) && U3=$(new_user c) && U4=$(new_user d) ||
	skip_all "cannot create users"
mkdir -m 0755 "$TDIR/jbbin"
cc -static -O2 -o "$TDIR/jbbin/pty_fill" "$TOP/tests/helpers/pty_fill.c" 2>"$TDIR/cc.log" ||
	skip_all "cannot build a static pty_fill: $(tail -1 "$TDIR/cc.log")"

# profile P: pty_max; each user gets a profile of their own.
cat > "$CONF" <<EOP
global = { state_dir = "$STATE"; default_shell = "/bin/sh"; };
rootfs = { bb = { path = "$ROOTFS"; }; };
profiles = {
  four = { rootfs = "bb"; hostname = "jail-%U"; scope = "user"; pty_max = 4;
           mounts = ( { source = "$TDIR/jbbin"; target = "/opt/jb"; } ); };
  none = { rootfs = "bb"; hostname = "jail-%U"; pty_max = 0;
           mounts = ( { source = "$TDIR/jbbin"; target = "/opt/jb"; } ); };
  huge = { rootfs = "bb"; hostname = "jail-%U"; pty_max = 65536;
           mounts = ( { source = "$TDIR/jbbin"; target = "/opt/jb"; } ); };
};
match = (
  { users = [ "$U1", "$U2" ]; profile = "four"; },
  { users = [ "$U3" ]; profile = "none"; },
  { users = [ "$U4" ]; profile = "huge"; },
  { users = [ "*" ]; exempt = true; }
);
EOP
chmod 0644 "$CONF"
# The second part's policy names no pty_max at all (the default applies).
cat > "$TDIR/plain.conf" <<EOP
global = { state_dir = "$STATE"; default_shell = "/bin/sh"; };
rootfs = { bb = { path = "$ROOTFS"; }; };
profiles = { plain = { rootfs = "bb"; hostname = "jail-%U"; scope = "user"; }; };
match = ( { users = [ "$U1" ]; profile = "plain"; } );
EOP
chmod 0644 "$TDIR/plain.conf"

host_pty() { python3 -c 'import os; m, s = os.openpty(); print(os.ttyname(s))' 2>&1; }
wait_for() { # FILE TEXT: until FILE has TEXT (bounded)
	local i
	for i in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}

# --- (a) pty_max: the jail stops, the host and other jails do not
jail "$U1" '/opt/jb/pty_fill /dev/ptmx 8' > "$TDIR/a1" 2>&1 &
bg=$!
if ! wait_for "$TDIR/a1" holding; then
	not_ok "a jail with pty_max = 4 fills its ptys"; diag < "$TDIR/a1"
else
	expect_eq "a jail with pty_max = 4 gets 4 ptys, then ENOSPC" \
		"opened 4: No space left on device" "$(head -1 "$TDIR/a1")"
	expect_match "while it holds them the host still opens a pty" '^/dev/pts/[0-9]+$' "$(host_pty)"
	expect_eq "... another jail (pty_max = 4) still gets its own 4" \
		"opened 4: No space left on device" "$(jail "$U2" '/opt/jb/pty_fill' 2>&1)"
	expect_eq "... a second session of the full jail gets none (the limit is the jail's)" \
		"opened 0: No space left on device" "$(jail "$U1" '/opt/jb/pty_fill' 2>&1)"
fi
wait "$bg"
expect_eq "pty_max = 0: no pty at all (no ptmx to open)" "opened 0: No such file or directory" \
	"$(jail "$U3" '/opt/jb/pty_fill' 2>&1)"

# A jail allowed more ptys than the kernel lets instances outside the
# initial mount namespace have (kernel.pty.max - kernel.pty.reserve): it
# stops there, and the reserve keeps the host's devpts usable.
max=$(cat /proc/sys/kernel/pty/max) reserve=$(cat /proc/sys/kernel/pty/reserve)
hard=$(ulimit -Hn)
if [ "$reserve" -lt 1 ] || [ "$max" -gt 60000 ] || { [ "$hard" != unlimited ] && [ "$hard" -lt "$max" ]; }; then
	skip "pty reserve: kernel.pty.max $max, reserve $reserve, fd limit $hard (needs a reserve, max ≤ 60000 and as many fds)"
else
	jail "$U4" '/opt/jb/pty_fill /dev/ptmx 3' > "$TDIR/a4" 2>&1 &
	bg=$!
	if ! wait_for "$TDIR/a4" holding; then
		not_ok "a jail with pty_max = 65536 fills the shared pool"; diag < "$TDIR/a4"
	else
		line=$(head -1 "$TDIR/a4")
		n=$(sed -n 's/^opened \([0-9]*\): No space left on device$/\1/p' <<<"$line")
		if [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -le $((max - reserve)) ]; then
			ok "a jail with pty_max = 65536 stops inside kernel.pty.max - reserve ($line; max $max, reserve $reserve)"
		else
			not_ok "a jail with pty_max = 65536 stops inside kernel.pty.max - reserve"
			echo "$line (max $max, reserve $reserve)" | diag
		fi
		expect_match "... and the host still opens a pty meanwhile" '^/dev/pts/[0-9]+$' "$(host_pty)"
	fi
	wait "$bg"
fi
wait_gone

# --- (b) the jail's /dev/pts lists only its own ptys
python3 -c 'import os, sys, time; m, s = os.openpty(); print(os.ttyname(s)); sys.stdout.flush(); time.sleep(15)' > "$TDIR/hostpty" &
hp=$!
on_exit "kill $hp"
wait_for "$TDIR/hostpty" /dev/pts/
hostn=$(basename "$(cat "$TDIR/hostpty")")
if [ ! -e "/dev/pts/$hostn" ]; then
	not_ok "the host holds a pty for the listing check"
else
	out=$("$JAILSH" --config "$TDIR/plain.conf" --user "$U1" -c 'ls /dev/pts | tr "\n" " "' 2>&1)
	expect_eq "a jail's /dev/pts lists none of the host's ptys (host holds pts/$hostn)" "ptmx " "$out"
	out=$("$JAILSH" --config "$TDIR/plain.conf" --user "$U1" -c \
		'exec 3<>/dev/ptmx; ls /dev/pts | tr "\n" " "' 2>&1)
	expect_eq "... and lists the jail's own pty once it opens one" "0 ptmx " "$out"
fi
kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null

# --- the login's terminal: two sessions of one jail under the host's script
# Each session reports its terminal's name, that it is a terminal, the
# device of its stdin and every character device under /dev, then waits.
probe='t=$(tty); echo "TTY $t"; [ -t 0 ] && echo ISATTY; [ -c "$t" ] && echo ISCHR
echo "MINE $(stat -L -c %t:%T /proc/self/fd/0)"; touch ~/up.$$
while [ $(ls ~/up.* | wc -l) -lt 2 ]; do sleep 0.05; done
for f in /dev/* /dev/*/*; do [ -c "$f" ] && stat -c "DEV %t:%T %n" "$f"; done; echo "PTS $(ls /dev/pts | tr "\n" " ")"
while [ ! -e ~/release ]; do sleep 0.05; done'
H1=$TDIR/home-$U1
rm -f "$H1"/up.* "$H1/release"
for s in 1 2; do
	script -qfec "$JAILSH --config $TDIR/plain.conf --user $U1 -c '$probe'" /dev/null \
		< /dev/null > "$TDIR/s$s" 2>&1 &
	eval "sp$s=\$!"
done
for i in $(seq 200); do [ "$(ls "$H1"/up.* 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.05; done
for i in $(seq 100); do grep -q '^PTS' "$TDIR/s1" && grep -q '^PTS' "$TDIR/s2" && break; sleep 0.05; done
expect_eq "both sessions run in one jail (scope user)" 1 "$(jails_left)"
touch "$H1/release"
wait "$sp1" "$sp2"
for s in 1 2; do
	out=$(tr -d '\r' < "$TDIR/s$s")
	expect_line "session $s: tty names /dev/console" "TTY /dev/console" "$out"
	expect_line "session $s: stdin is a terminal" "ISATTY" "$out"
	expect_line "session $s: the name exists in the jail as a device" "ISCHR" "$out"
	mine=$(sed -n 's/^MINE //p' <<<"$out")
	expect_line "session $s: /dev/console is its own terminal" "DEV $mine /dev/console" "$out"
	eval "mine$s=\$mine"
done
if [ -n "${mine1:-}" ] && [ "$mine1" != "${mine2:-}" ]; then
	ok "the two sessions have different terminals ($mine1, $mine2)"
else
	not_ok "the two sessions have different terminals"; cat "$TDIR/s1" "$TDIR/s2" | diag
fi
for s in 1 2; do
	o=$((3 - s)); eval "theirs=\${mine$o:-}"
	out=$(tr -d '\r' < "$TDIR/s$s")
	if [ -z "$theirs" ] || grep -q "^DEV $theirs " <<<"$out"; then
		not_ok "session $s: no device node of the other session's terminal ($theirs) in its /dev"
		grep "^DEV $theirs " <<<"$out" | diag
	else
		ok "session $s: no device node of the other session's terminal ($theirs) in its /dev"
	fi
	expect_line "session $s: the jail's /dev/pts shows no host pty" "PTS ptmx " "$out"
done
wait_gone
expect_eq "no jail left" 0 "$(jails_left)"
finish
