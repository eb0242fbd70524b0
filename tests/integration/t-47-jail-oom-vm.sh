#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-47: the OOM scores of t-46 where root may lower them: in a VM
# (tests/qemu/run-in-vm.sh), whose root has CAP_SYS_RESOURCE, which this
# project's own test host withholds.  The holder and monitor run at -1000;
# a user's shell started by a caller at -1000 gets 0 and cannot write
# -1000 back; a hog at the jail's memory limit is killed, and the holder,
# the monitor and the user's other session live on.  Each guest result
# line comes back as one of ours, prefixed "vm: ".  (The holder and monitor
# of a jail made from a caller at -1000 used to inherit it: the jail here is
# made from a caller at 0.)  The holder is small (well under 1 MB resident),
# so the kernel would pick a hog before it anyway: -1000 makes that a rule.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/rootfs.sh"
need_root
[ -x "$JAILSH" ] || skip_all "jailsh is not built (run make)"
ROOTFS=$(busybox_rootfs) || skip_all "no busybox rootfs"

W=$(mktemp -d /tmp/jaula-t47.XXXXXX)
on_exit "rm -rf '$W'"
cat > "$W/jaula.conf" <<'EOP'
global = { state_dir = "/run/jaula-vm"; persistent_dir = "/run/jaula-vm-persist";
           cgroup_path = "jaula-vm"; default_shell = "/bin/sh"; };
rootfs = { bb = { path = "/jroot"; type = "directory"; }; };
profiles = { p = { rootfs = "bb"; hostname = "jail"; scope = "user";
                   namespaces = [ "mount", "uts", "ipc", "pid", "cgroup" ];
                   unsafe = [ "host-network" ]; # the guest has no bridge
                   limits = { memory = "48M"; swap = "0"; }; }; };
match = ( { name = "t"; users = [ "jaula-vm" ]; profile = "p"; } );
EOP
cat > "$W/guest.sh" <<'GUEST'
#!/usr/bin/env bash
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   expected: $2"; echo "#   got:      $3"; fi; }
J=$1
# pivot_root refuses a root without a parent mount (the initramfs): run
# the rest in a copy of it on a tmpfs.
if [ "${2:-}" != inner ]; then
	mkdir /new && mount -t tmpfs -o size=300M tmpfs /new || { not_ok "a tmpfs root in the VM"; exit 0; }
	for d in /*; do
		case $d in /proc | /sys | /dev | /new) mkdir -p "/new$d" ;; *) cp -a "$d" /new/ ;; esac
	done
	mount --rbind /proc /new/proc && mount --rbind /sys /new/sys && mount --rbind /dev /new/dev
	cp "$0" /new/guest.sh
	# On top of the initramfs's root, as switch_root does, so that a
	# process joining the jail's mount namespace finds the jail there.
	cd /new && mount --move . / && exec chroot . /usr/bin/bash /guest.sh "$J" inner
fi
mkdir -p /etc /home/u
echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd
echo 'jaula-vm:x:4747:4747::/home/u:/bin/sh' >> /etc/passwd
printf 'root:x:0:\njaula-vm:x:4747:\n' > /etc/group
chown 4747:4747 /home/u
chmod 0644 /etc/jaula-vm.conf
mkdir -p -m 0700 /run/jaula-vm; chmod 0700 /run/jaula-vm; chmod 0755 /run /home
if ! (echo -1000 > /proc/self/oom_score_adj) 2>/dev/null; then
	echo "skip - the guest's root cannot set -1000 either"; exit 0
fi
# The first session, from a caller at 0, makes the jail.
"$J" --config /etc/jaula-vm.conf --user jaula-vm -c 'touch ~/up1; exec sleep 1000' > /tmp/s1.out 2>&1 &
s1=$!
for i in $(seq 600); do [ -e /home/u/up1 ] && break; sleep 0.1; done
if [ ! -e /home/u/up1 ]; then
	not_ok "a jail starts in the VM"; sed 's/^/#   /' /tmp/s1.out
	"$J" --config /etc/jaula-vm.conf --user jaula-vm -c 'id; echo $HOME; ls -la /home /home/u; grep -e home -e " / " /proc/self/mountinfo' 2>&1 | sed 's/^/#   /'
	ls -la /home /home/u | sed 's/^/#   host: /'
	exit 0
fi
st=$(cat /run/jaula-vm/jails/*/state)
hp=$(sed -n 's/^holder_pid=//p' <<<"$st")
mp=$(sed -n 's/^monitor_pid=//p' <<<"$st")
expect_eq "the holder has oom_score_adj -1000" -1000 "$(cat /proc/$hp/oom_score_adj)"
expect_eq "the monitor has oom_score_adj -1000" -1000 "$(cat /proc/$mp/oom_score_adj)"
# The second, from a caller at -1000 (as a privileged daemon may be).
(
	echo -1000 > /proc/self/oom_score_adj
	exec "$J" --config /etc/jaula-vm.conf --user jaula-vm -c \
		'cat /proc/self/oom_score_adj > ~/adj; (echo -1000 > /proc/self/oom_score_adj) 2> ~/lower; cat /proc/self/oom_score_adj >> ~/adj'
) > /tmp/s2.out 2>&1
expect_eq "a user process started by a caller at -1000 has 0, and cannot lower it" "0 0" "$(echo $(cat /home/u/adj))"
if grep -qE 'denied|not permitted' /home/u/lower; then ok "(its write of -1000 was refused)"; else not_ok "(its write of -1000 was refused)"; fi
out=$("$J" --config /etc/jaula-vm.conf --user jaula-vm -c 'dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo rc=$?' 2>&1)
case $out in rc=137*) ok "the hog was OOM-killed (48M limit)" ;; *) not_ok "the hog was OOM-killed (48M limit)"; echo "#   got: $out" ;; esac
[ -d /proc/$hp ] && ok "the holder survived the hog" || not_ok "the holder survived the hog"
[ -d /proc/$mp ] && ok "the monitor survived the hog" || not_ok "the monitor survived the hog"
kill -0 $s1 2>/dev/null && ok "the user's other session survived" || not_ok "the user's other session survived"
kill $s1
GUEST

out_file=$W/out
"$TOP/tests/qemu/run-in-vm.sh" -t "${JAULA_VM_TIMEOUT:-400}" -c 2 -m 768M -M overlay \
	-b bash -b "$JAILSH" -f "$ROOTFS:/jroot" -f "$W/jaula.conf:/etc/jaula-vm.conf" \
	"$W/guest.sh" "$(readlink -f "$JAILSH")" > "$out_file" 2> "$out_file.err"
rc=$?
if [ $rc -eq 125 ]; then
	skip_all "cannot run the VM: $(tail -1 "$out_file.err")"
fi
sed -e 's/^ok - /ok - vm: /' -e 's/^not ok - /not ok - vm: /' -e 's/^skip - /skip - vm: /' "$out_file" |
	grep -E '^(ok|not ok|skip) |^#' || true
grep -q '^not ok' "$out_file" && _failed=1
n=$(grep -cE '^(ok|not ok) ' "$out_file")
expect_eq "the guest ran the 8 checks" 8 "$n"
if [ $rc -ne 0 ]; then
	not_ok "the VM run ended with status $rc"
	tail -20 "$out_file.err" | diag
fi
finish
