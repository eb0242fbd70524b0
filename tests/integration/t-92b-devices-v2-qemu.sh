#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-92b: device passthrough on cgroup v2, in the minimal VM (tests/qemu/
# run-in-vm.sh, as t-47): the device policy is an eBPF program attached to
# the jail's cgroup.  A profile listing /dev/net/tun by a glob: it opens in
# the jail, /dev/fuse is not there; a node of an unlisted device that root
# makes reachable in the running jail fails with EPERM, one of a listed
# device opens; without `devices` the same unlisted node opens (so the
# refusal is the program's); /dev/kmsg is refused at login, leaving no
# jail and no cgroup.  Guest results come back prefixed "vm: ".
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/rootfs.sh"
need_root
[ -x "$JAILSH" ] || skip_all "jailsh is not built (run make)"
ROOTFS=$(busybox_rootfs) || skip_all "no busybox rootfs"

W=$(mktemp -d /tmp/jaula-t92b.XXXXXX)
on_exit "rm -rf '$W'"
# profile "d" passes devices through; "n" is the same without them.
cat > "$W/jaula.conf" <<'EOP'
global = { state_dir = "/run/jaula-vm"; persistent_dir = "/run/jaula-vm-persist";
           cgroup_path = "jaula-vm"; default_shell = "/bin/sh"; };
rootfs = { bb = { path = "/jroot"; type = "directory"; }; };
profiles = { d = { rootfs = "bb"; hostname = "jail"; scope = "user";
                   namespaces = [ "mount", "uts", "ipc", "pid", "cgroup" ];
                   unsafe = [ "host-network" ]; # the guest has no bridge
                   devices = [ "/dev/net/t*" ]; };
             n = { rootfs = "bb"; hostname = "jail"; scope = "user";
                   namespaces = [ "mount", "uts", "ipc", "pid", "cgroup" ];
                   unsafe = [ "host-network" ]; };
             k = { rootfs = "bb"; hostname = "jail"; scope = "user";
                   namespaces = [ "mount", "uts", "ipc", "pid", "cgroup" ];
                   unsafe = [ "host-network" ]; devices = [ "/dev/kmsg" ]; }; };
match = ( { name = "d"; users = [ "jv-d" ]; profile = "d"; },
          { name = "n"; users = [ "jv-n" ]; profile = "n"; },
          { name = "k"; users = [ "jv-k" ]; profile = "k"; } );
EOP
cat > "$W/guest.sh" <<'GUEST'
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   expected: $2"; echo "#   got:      $3" | head -20; fi; }
J=$1
if [ "${2:-}" != inner ]; then
	mkdir /new && mount -t tmpfs -o size=300M tmpfs /new || { not_ok "a tmpfs root in the VM"; exit 0; }
	for d in /*; do
		case $d in /proc | /sys | /dev | /new) mkdir -p "/new$d" ;; *) cp -a "$d" /new/ ;; esac
	done
	mount --rbind /proc /new/proc && mount --rbind /sys /new/sys && mount --rbind /dev /new/dev
	cp "$0" /new/guest.sh
	cd /new && mount --move . / && exec chroot . /usr/bin/bash /guest.sh "$J" inner
fi
echo "# cgroup: $(awk '$2 == "/sys/fs/cgroup" { print $3 }' /proc/mounts)"
mkdir -p /etc /home/d /home/n /home/k
{
	echo 'root:x:0:0:root:/root:/bin/sh'
	echo 'jv-d:x:4701:4701::/home/d:/bin/sh'
	echo 'jv-n:x:4702:4702::/home/n:/bin/sh'
	echo 'jv-k:x:4703:4703::/home/k:/bin/sh'
} > /etc/passwd
printf 'root:x:0:\njv-d:x:4701:\njv-n:x:4702:\njv-k:x:4703:\n' > /etc/group
chown 4701:4701 /home/d; chown 4702:4702 /home/n; chown 4703:4703 /home/k
chmod 0644 /etc/jaula-vm.conf
mkdir -p -m 0700 /run/jaula-vm; chmod 0755 /run /home
for d in /dev/net/tun /dev/fuse /dev/kmsg; do
	[ -c $d ] || { echo "skip - $d is not in the guest"; exit 0; }
done
# No udev in the guest: the node is root's 0600 until made 0666 as udev
# would (the bind keeps the host's mode, so the jail sees the same).
chmod 0666 /dev/net/tun
C=/etc/jaula-vm.conf
jail() { local u=$1; shift; "$J" --config $C --user "$u" -c "$*"; }

out=$(jail jv-d '(exec 3<>/dev/net/tun) && echo tun-opened; ls /dev /dev/net' 2>&1)
if grep -qx "tun-opened" <<<"$out"; then ok "the jail opens its listed device"; else not_ok "the jail opens its listed device"; echo "$out" | sed 's/^/#   /'; fi
if grep -qx 'fuse\|kmsg\|loop-control' <<<"$out"; then not_ok "nothing else of /dev is there"; else ok "nothing else of /dev is there"; fi

# Root makes nodes reachable in a running jail of each profile (a tmpfs
# that allows device nodes, in the jail's mount namespace).
reach() {
	local u=$1 hp
	"$J" --config $C --user "$u" -c 'touch ~/up; exec sleep 1000' > /tmp/$u.out 2>&1 &
	echo $! >> /tmp/bg.pids
	for i in $(seq 600); do [ -e /home/${u#jv-}/up ] && break; sleep 0.1; done
	hp=$(for f in /run/jaula-vm/jails/*/state; do grep -q "^user=$u\$" "$f" && sed -n 's/^holder_pid=//p' "$f"; done | head -1)
	[ -n "$hp" ] || hp=$(sed -n 's/^holder_pid=//p' /run/jaula-vm/jails/*/state | tail -1)
	nsenter -t "$hp" -m -- /bin/busybox sh -c 'mkdir -p /tmp/jb-d && mount -t tmpfs -o mode=755 jb-d /tmp/jb-d &&
		mknod -m 666 /tmp/jb-d/tun c 10 200 && mknod -m 666 /tmp/jb-d/fuse c 10 229 &&
		mknod -m 666 /tmp/jb-d/kmsg c 1 11' 2>&1 | sed 's/^/#   nsenter: /'
	jail "$u" 'for n in tun fuse kmsg; do (exec 3</tmp/jb-d/$n) 2>&1 && echo "$n opened"; done' 2>&1
}
out=$(reach jv-d)
if grep -qx "tun opened" <<<"$out"; then ok "a node of a listed device opens"; else not_ok "a node of a listed device opens"; echo "$out" | sed 's/^/#   /'; fi
if grep -q "fuse: .*Operation not permitted" <<<"$out"; then ok "an unlisted device is refused (EPERM)"; else not_ok "an unlisted device is refused (EPERM)"; echo "$out" | sed 's/^/#   /'; fi
if grep -q "kmsg: .*Operation not permitted" <<<"$out"; then ok "/dev/kmsg's number is refused (EPERM)"; else not_ok "/dev/kmsg's number is refused (EPERM)"; fi
out=$(reach jv-n)
if grep -qx "fuse opened" <<<"$out"; then ok "without devices the same node opens (the refusal was the program's)"; else not_ok "without devices the same node opens"; echo "$out" | sed 's/^/#   /'; fi

out=$(jail jv-k 'echo ran' 2>&1); rc=$?
if [ $rc != 0 ] && ! grep -qx ran <<<"$out"; then ok "a profile listing /dev/kmsg is refused at login"; else not_ok "a profile listing /dev/kmsg is refused at login"; echo "$out" | sed 's/^/#   /'; fi
kill $(cat /tmp/bg.pids) 2>/dev/null
for i in $(seq 300); do [ -z "$(ls /run/jaula-vm/jails 2>/dev/null)" ] && break; sleep 0.1; done
expect_eq "no jail left" "" "$(ls /run/jaula-vm/jails 2>/dev/null)"
expect_eq "no jail cgroup left" "" "$(find /sys/fs/cgroup/jaula-vm -mindepth 2 -type d 2>/dev/null)"
GUEST

out_file=$W/out
"$TOP/tests/qemu/run-in-vm.sh" -t "${JAULA_VM_TIMEOUT:-400}" -c 2 -m 768M -M overlay -M tun -M fuse \
	-b bash -b "$JAILSH" -f "$ROOTFS:/jroot" -f "$W/jaula.conf:/etc/jaula-vm.conf" \
	"$W/guest.sh" "$(readlink -f "$JAILSH")" > "$out_file" 2> "$out_file.err"
rc=$?
if [ $rc -eq 125 ]; then
	skip_all "cannot run the VM: $(tail -1 "$out_file.err")"
fi
sed -e 's/^ok - /ok - vm: /' -e 's/^not ok - /not ok - vm: /' -e 's/^skip - /skip - vm: /' "$out_file" |
	grep -E '^(ok|not ok|skip) |^#' || true
grep -q '^not ok' "$out_file" && _failed=1
expect_eq "the guest runs cgroup v2" 1 "$(grep -c '^# cgroup: cgroup2$' "$out_file")"
if ! grep -q '^skip - ' "$out_file"; then
	n=$(grep -cE '^(ok|not ok) ' "$out_file")
	expect_eq "the guest ran the 9 checks" 9 "$n"
fi
if [ $rc -ne 0 ]; then
	not_ok "the VM run ended with status $rc"
	tail -20 "$out_file.err" | diag
fi
finish
