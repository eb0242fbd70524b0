#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-92c: device passthrough with the systemd backend, on a real systemd
# host (tests/qemu/sdguest.sh: Debian 12, systemd 252 as PID 1, cgroup v2,
# qemu TCG), the .deb built from HEAD (or JAULA_DEB) installed.  The
# example policy's student profile plus `devices = [ "/dev/net/tun" ]`:
# the monitor attaches the eBPF device policy to its scope's payload/
# before the holder is born there, so the node opens in the jail, while a
# node of /dev/fuse that root makes reachable in the running jail fails
# with EPERM; the same node opens in a jail of the profile without
# devices.  Everything ends with the jail (no scope left, no failed unit).
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/qemu/sdguest.sh"
need_root
need_cmd ssh python3

deb=$(sdguest_deb); rc=$?
[ $rc -eq "$SDGUEST_SKIP" ] && skip_all "no .deb to test (see above)"
[ $rc -eq 0 ] || { not_ok "the .deb is built (dpkg-buildpackage on git archive HEAD)"; finish; }
sdguest_boot; rc=$?
if [ $rc -eq "$SDGUEST_SKIP" ]; then skip_all "the systemd guest cannot run here (reason above)"; fi
[ $rc -eq 0 ] || { not_ok "the systemd guest boots to ssh"; finish; }

kdir=$(mktemp -d /tmp/jaula-t92c.XXXXXX)
on_exit "rm -rf '$kdir'"
G_OPTS=(-o ControlMaster=auto -o "ControlPath=$kdir/root.mux" -o ControlPersist=900)
g() { ssh "${SDGUEST_SSH_OPTS[@]}" "${G_OPTS[@]}" -i "$SDGUEST_KEY" -p "$SDGUEST_PORT" root@127.0.0.1 -- "$@" </dev/null; }
on_exit "ssh -o 'ControlPath=$kdir/root.mux' -O exit root@127.0.0.1"
expect_eq "PID 1 of the guest is systemd, on cgroup v2" "systemd cgroup2fs" \
	"$(g 'cat /proc/1/comm; stat -fc %T /sys/fs/cgroup' | tr '\n' ' ' | sed 's/ $//')"
# The jail rootfs disk is a nofail mount with a device timeout, which a
# loaded host under emulation can miss: mount it now if so.
g 'systemctl is-system-running --wait >/dev/null 2>&1
	mountpoint -q /var/lib/jaula/rootfs/bookworm || mount /var/lib/jaula/rootfs/bookworm'

sdguest_copy_in "$deb" /tmp/ &&
	out=$(g "dpkg -i /tmp/${deb##*/}" 2>&1) || { not_ok "dpkg -i ${deb##*/}"; printf '%s\n' "$out" | tail -10 | diag; finish; }
python3 - "$TOP/conf/jaula.conf" "$kdir/jaula.conf" <<'EOF' || not_ok "the test policy is made from conf/jaula.conf"
import re, sys
s = open(sys.argv[1]).read()
blk = re.search(r'\n(        student = \{\n.*?\n        \};\n)', s, re.S).group(1)
dev = blk.replace('student = {', 'dev = {').replace('dev_log = false;', 'dev_log = false; devices = [ "/dev/net/tun" ];')
assert dev != blk and s.count('match = (\n') == 1
s = s.replace(blk, blk + dev).replace('match = (\n', '''match = (
        { name = "t92c"; users = [ "alice" ]; profile = "dev"; group = "students"; },
        { name = "t92c-plain"; users = [ "bob" ]; profile = "student"; group = "students"; },
''')
open(sys.argv[2], 'w').write(s)
EOF
sdguest_copy_in "$kdir/jaula.conf" /etc/jaula/jaula.conf
g 'modprobe tun; modprobe fuse; chmod 0666 /dev/net/tun; groupadd students
	useradd -m -u 10001 -g students -s /usr/sbin/jailsh alice; useradd -m -u 10002 -g students -s /usr/sbin/jailsh bob' >/dev/null 2>&1
out=$(g 'jaula check-config' 2>&1)
expect_eq "check-config accepts the devices profile" OK "$(tail -1 <<<"$out")"
[ "$(tail -1 <<<"$out")" = OK ] || diag <<<"$out"

out=$(g 'jailsh --user alice -c "(exec 3<>/dev/net/tun) && echo tun-opened"' 2>&1)
expect_match "the listed device opens in the jail" "tun-opened" "$out"

# reach USER: a long session, root mounts a tmpfs with a fuse node into the
# running jail, a second session opens it.  (chmod apart: coreutils'
# mknod -m goes through /proc/self, which is not the caller's in the
# jail's procfs.)
reach() {
	local u=$1 uid=$2
	g "nohup jailsh --user $u -c 'exec sleep 300' >/dev/null 2>&1 &
		for i in \$(seq 300); do test -e /run/jaula/jails/u$uid/state && grep -q holder_pid /run/jaula/jails/u$uid/state && break; sleep 0.2; done
		h=\$(sed -n 's/^holder_pid=//p' /run/jaula/jails/u$uid/state)
		echo \"holder-cgroup: \$(cat /proc/\$h/cgroup)\"
		nsenter -t \$h -m -- sh -c 'mkdir -p /tmp/jb-d && mount -t tmpfs -o mode=755 jb-d /tmp/jb-d && mknod /tmp/jb-d/fuse c 10 229 && mknod /tmp/jb-d/tun c 10 200 && chmod 666 /tmp/jb-d/fuse /tmp/jb-d/tun'
		jailsh --user $u -c '(exec 3<>/tmp/jb-d/fuse) 2>&1 && echo fuse-opened; (exec 3<>/tmp/jb-d/tun) 2>&1 && echo tun-opened'
		pkill -u $u sleep; true" 2>&1
}
out=$(reach alice 10001)
expect_match "the holder runs in its scope's payload/" "holder-cgroup: 0::/.*jaula-u10001\.scope/payload" "$out"
expect_match "an unlisted device (fuse) is refused by the eBPF policy" "fuse: .*Operation not permitted" "$out"
expect_match "a node of the listed device opens" "tun-opened" "$out"
out=$(reach bob 10002)
expect_match "without devices the same fuse node opens (control)" "fuse-opened" "$out"

for _ in $(seq 30); do
	left=$(g 'ls /run/jaula/jails; systemctl list-units --all --no-legend --plain "jaula-u*.scope"; systemctl --failed --no-legend --plain' 2>&1)
	[ -z "$left" ] && break
	sleep 1
done
expect_eq "no jail, scope or failed unit left" "" "$left"
finish
