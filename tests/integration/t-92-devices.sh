#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-92: device passthrough on this (cgroup v1) host.  A profile listing
# /dev/net/tun and a glob for /dev/fuse: both nodes are in the jail and
# open, and a login on a terminal reopens it; the jail's cgroup in the v1
# devices hierarchy denies all but
# jaula's nodes, the terminals and those two; a node of a device NOT listed
# that root makes reachable anyway (a tmpfs with device nodes mounted into
# the running jail) fails with EPERM, while a node of a listed one opens
# (and, as a control, opens in a jail of the same profile without them).
# Refused entries (block device, a virtual console, /dev/kmsg, a glob
# matching loop devices, a missing device, bad syntax) are refused by
# check-config at their line and by a login, which leaves no jail and no
# cgroup.  Throwaway users jaula-t*, removed in the trap.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
[ -x "$JAULA" ] || skip_all "cli/jaula is not built"
need_cmd nsenter
for d in /dev/net/tun /dev/fuse; do
	[ -c "$d" ] || skip_all "$d is not on this host"
done
DEVCG=/sys/fs/cgroup/devices
[ -e "$DEVCG/devices.list" ] || skip_all "no v1 devices hierarchy at $DEVCG"

U=$(new_user a) || skip_all "cannot create a user"
mkdir -p "$TDIR/conf.d"
CGP=jaula-t92-$TAG
# The profile's extra settings start on line 5 of the policy (jail-lib.sh).
L=5
pol() {
	policy "$CONF" "$U" "$*"
	sed -i "s|state_dir = \"$STATE\";|state_dir = \"$STATE\"; cgroup_path = \"$CGP\";|" "$CONF"
}
on_exit "for h in /sys/fs/cgroup/*/; do rmdir \$h$CGP/p \$h$CGP 2>/dev/null; done; true"

# --- passthrough -----------------------------------------------------------
pol 'devices = [ "/dev/net/tun", "/dev/fu*" ];'
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
expect_eq "check-config accepts a tun device and a glob" "0" "$rc"
[ $rc = 0 ] || echo "$out" | diag
out=$("$JAULA" explain --config "$CONF" "$U" 2>&1)
expect_match "explain shows what the glob matches here" "/dev/fu\* -> /dev/fuse \(c 10:229\)" "$out"
out=$("$JAULA" explain --json --config "$CONF" "$U" 2>&1 | tr -d ' \n')
expect_match "explain --json lists the devices" '"devices":\["/dev/net/tun","/dev/fu\*"\]' "$out"

out=$(jail "$U" 'stat -c "%F %t:%T %a" /dev/net/tun /dev/fuse; exec 3<>/dev/net/tun && echo tun-opened; exec 4<>/dev/fuse && echo fuse-opened; ls /dev' 2>&1)
expect_line "the tun node is in the jail" "character special file a:c8 666" "$out"
expect_line "the fuse node is in the jail" "character special file a:e5 666" "$out"
expect_line "the jail opens /dev/net/tun" "tun-opened" "$out"
expect_line "the jail opens /dev/fuse" "fuse-opened" "$out"
if grep -qx "loop0\|tty1\|kmsg" <<<"$out"; then not_ok "nothing else of the host's /dev is there"; else ok "nothing else of the host's /dev is there"; fi
out=$(jail "$U" 'cat /proc/self/mountinfo' 2>&1)
expect_match "the nodes are bound nosuid,noexec" " /dev/net/tun [^ ]*nosuid[^ ]*noexec" "$out"

# A login on a terminal (a host pty of `script`, major 136+): the policy lets
# the session reopen its terminal (/dev/console), /dev/tty and a pty of
# the jail's own devpts.
if command -v script >/dev/null; then
	probe='exec 5<>/dev/console && echo console-ok; exec 6<>/dev/tty && echo tty-ok; exec 7<>/dev/ptmx && echo ptmx-ok; ls /dev/pts | tr "\n" " "; echo'
	# The login's terminal belongs to the user, as login and sshd make it.
	out=$(script -qfec "chown $U \$(tty) && $JAILSH --config $CONF --user $U -c '$probe'" /dev/null < /dev/null 2>&1 | tr -d '\r')
	expect_line "on a terminal: the session reopens /dev/console" "console-ok" "$out"
	expect_line "on a terminal: /dev/tty opens" "tty-ok" "$out"
	expect_line "on a terminal: the jail's ptmx gives a pty" "ptmx-ok" "$out"
	expect_line "... which shows in the jail's /dev/pts" "0 ptmx " "$out"
else
	skip "the terminal checks: 'script' is not installed"
fi

# A long session, so that root can reach into the running jail.
"$JAILSH" --config "$CONF" --user "$U" -c 'echo up; sleep 60' > "$TDIR/long.out" 2>&1 &
long=$!
for i in $(seq 300); do grep -q up "$TDIR/long.out" 2>/dev/null && break; sleep 0.1; done
holder=$(holder_pid)
node=$(find "$DEVCG/$CGP" -mindepth 2 -maxdepth 2 -type d | head -1)
list=$(cat "$node/devices.list" 2>/dev/null)
expect_line "the jail's devices cgroup allows tun" "c 10:200 rw" "$list"
expect_line "the jail's devices cgroup allows fuse" "c 10:229 rw" "$list"
expect_line "the jail's devices cgroup allows /dev/null" "c 1:3 rwm" "$list"
if grep -q "^a \|:\* rwm\|^b " <<<"$list"; then not_ok "nothing else is allowed"; echo "$list" | diag; else ok "nothing else is allowed"; fi
if grep -qx "$holder" "$node/tasks"; then ok "the holder is in that cgroup"; else not_ok "the holder is in that cgroup"; fi

# Root makes nodes reachable in the jail: a tmpfs that allows device
# nodes, mounted in the jail's mount namespace.  The kernel's device
# controller alone stands between the user and the host's devices there.
nsenter -t "$holder" -m -- /bin/busybox sh -c "mkdir -p /tmp/jb-d && mount -t tmpfs -o mode=755 jb-d /tmp/jb-d &&
	mknod -m 666 /tmp/jb-d/loopctl c 10 237 && mknod -m 666 /tmp/jb-d/tun c 10 200 &&
	mknod -m 666 /tmp/jb-d/hwrng c 10 183 && mknod -m 666 /tmp/jb-d/loop0 b 7 0" 2>&1 | diag
out=$(jail "$U" 'for n in tun hwrng loopctl loop0; do (exec 3<>/tmp/jb-d/$n) 2>&1 && echo "$n opened"; done; ls /tmp/jb-d' 2>&1)
expect_line "a node made in the jail for a listed device opens" "tun opened" "$out"
expect_match "an unlisted device (hwrng) is refused by the cgroup" "hwrng: .*Operation not permitted" "$out"
expect_match "loop-control is refused by the cgroup" "loopctl: .*Operation not permitted" "$out"
expect_match "a block device is refused by the cgroup" "loop0: .*Operation not permitted" "$out"
kill "$long" 2>/dev/null; wait "$long" 2>/dev/null
_stop_jails
wait_gone
if [ -z "$(find "$DEVCG/$CGP" -mindepth 2 -type d 2>/dev/null)" ]; then ok "the jail's devices cgroup is gone with it"; else not_ok "the jail's devices cgroup is gone with it"; fi

# Control: the same profile without devices has no device policy, and the
# same unlisted node opens (so the EPERM above was the device cgroup's).
pol ''
"$JAILSH" --config "$CONF" --user "$U" -c 'echo up; sleep 60' > "$TDIR/long.out" 2>&1 &
long=$!
for i in $(seq 300); do grep -q up "$TDIR/long.out" 2>/dev/null && break; sleep 0.1; done
holder=$(holder_pid)
if [ -z "$(find "$DEVCG/$CGP" -mindepth 2 -type d 2>/dev/null)" ]; then ok "without devices: no node in the devices hierarchy"; else not_ok "without devices: no node in the devices hierarchy"; fi
nsenter -t "$holder" -m -- /bin/busybox sh -c "mkdir -p /tmp/jb-d && mount -t tmpfs -o mode=755 jb-d /tmp/jb-d &&
	mknod -m 666 /tmp/jb-d/loopctl c 10 237" 2>&1 | diag
out=$(jail "$U" '(exec 3<>/tmp/jb-d/loopctl) 2>&1 && echo "loopctl opened"; ls /dev/net 2>&1' 2>&1)
expect_line "without devices the same unlisted node opens" "loopctl opened" "$out"
expect_match "without devices there is no /dev/net/tun" "No such file" "$out"
kill "$long" 2>/dev/null; wait "$long" 2>/dev/null
_stop_jails
wait_gone

# A v1 cgroup_root without the devices hierarchy (made in a private mount
# namespace from this host's memory, pids, cpuacct and freezer): the
# policy cannot be enforced, so the login is refused and leaves nothing.
cat > "$TDIR/ns.sh" <<EOF
set -e
mkdir -p "$TDIR/v1root"
mount -t tmpfs jaula-t92 "$TDIR/v1root"
for c in memory pids cpuacct freezer; do
	mkdir "$TDIR/v1root/\$c"
	mount --bind "/sys/fs/cgroup/\$c" "$TDIR/v1root/\$c"
done
set +e
"$JAILSH" --config "$CONF" --user "$U" -c 'echo inside'; echo "rc=\$?"
EOF
pol 'devices = [ "/dev/net/tun" ];'
sed -i "s|^global = { |global = { cgroup_root = \"$TDIR/v1root\"; |" "$CONF"
out=$(unshare -m --propagation private bash "$TDIR/ns.sh" 2>&1)
expect_match "without a v1 devices hierarchy the login is refused" "rc=[1-9]" "$out"
if grep -q inside <<<"$out"; then not_ok "... before the shell runs"; else ok "... before the shell runs"; fi
log=$(tail -5 /var/log/jaula.log 2>/dev/null)
expect_match "... naming the missing hierarchy" "'devices' hierarchy is not mounted" "$out
$log"
expect_eq "... leaving no jail and no cgroup" "0:" "$(jails_left):$(find /sys/fs/cgroup/*/"$CGP" -mindepth 1 -type d 2>/dev/null)"

# --- refusals --------------------------------------------------------------
# refused NAME EXTRAS REASON-REGEX: check-config (at line L) and a login
# both refuse, and the login leaves no jail and no cgroup.
refused() {
	local name=$1 extras=$2 reason=$3 out rc
	pol "$extras"
	out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
	if [ $rc = 1 ] && grep -qE -- "^$CONF:$L: .*$reason" <<<"$out"; then
		ok "$name: check-config refuses it at $CONF:$L"
	else
		not_ok "$name: check-config refuses it at $CONF:$L (rc $rc)"; echo "$out" | diag
	fi
	out=$(jail "$U" 'echo jv-ran' 2>&1 </dev/null); rc=$?
	if [ $rc != 0 ] && [[ "$out" != *jv-ran* ]] && [ "$(jails_left)" = 0 ] &&
		[ -z "$(find "$DEVCG/$CGP" -mindepth 2 -type d 2>/dev/null)" ]; then
		ok "$name: the login is refused and leaves no jail, no cgroup"
	else
		not_ok "$name: the login is refused and leaves no jail, no cgroup (rc $rc, jails $(jails_left))"
		echo "$out" | diag
	fi
}
if [ -b /dev/loop0 ]; then
	refused "a block device" 'devices = [ "/dev/loop0" ];' "block device gives raw access"
fi
[ -c /dev/tty1 ] && refused "a virtual console" 'devices = [ "/dev/tty1" ];' "virtual consoles"
[ -c /dev/kmsg ] && refused "/dev/kmsg" 'devices = [ "/dev/kmsg" ];' "kernel's log"
refused "loop-control" 'devices = [ "/dev/loop-control" ];' "hands out loop devices"
refused "a glob matching a refused device" 'devices = [ "/dev/net/tun", "/dev/loop*" ];' "refused"
refused "a missing device" "devices = [ \"/dev/jaula-none-$TAG\" ];" "does not exist on this host"

# Syntax: refused by the parser, so by every login of the policy.
for bad in '/etc/passwd|under /dev' '/dev/../etc/shadow|clean path' '/dev/null|jaula makes' \
	'/dev/*/tun|last component' '/dev/pts/0|jaula makes' '/dev/n?ll|wildcard'; do
	refused "syntax ${bad%%|*}" "devices = [ \"${bad%%|*}\" ];" "${bad#*|}"
done
finish
