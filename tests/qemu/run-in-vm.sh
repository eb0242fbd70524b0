#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-in-vm.sh — run a script as root in a throwaway VM booted from Debian's
# own kernel under qemu (TCG emulation, no KVM), with a unified cgroup v2
# hierarchy; for tests that need a kernel setup this host does not have.
#
#   tests/qemu/run-in-vm.sh [OPTIONS] SCRIPT [ARG...]
#
#   -b BIN         copy an executable and every shared library ldd lists (and
#                  the loader), keeping their paths; a bare command name
#                  (bash) is looked up in PATH and lands in /usr/bin
#   -f SRC[:DEST]  copy a file or directory (DEST: where in the guest, default
#                  SRC's absolute path)
#   -M MODULE      load this kernel module, after its dependencies
#   -e NAME=VALUE  environment for SCRIPT
#   -t SECS        bound on the whole run (default 240)
#   -m MEM         guest memory (default 768M)
#   -c N           guest CPUs (default 2)
#   -k KERNEL      kernel image (default JAULA_VM_KERNEL, else the newest
#                  /boot/vmlinuz-*-cloud-amd64 with its /lib/modules tree)
#
# The guest has static busybox for every basic command (/bin/sh is busybox
# ash; pass -b bash for bash scripts), proc, sysfs, devtmpfs, tmpfs on /tmp
# and /run (unless files were copied there), and cgroup2 on /sys/fs/cgroup.  SCRIPT's output is this
# script's stdout (one line per line, carriage returns removed); kernel
# messages stay quiet.  Exit status: SCRIPT's, 124 when the VM ran out of
# time, 125 when the VM cannot run here (no qemu, no kernel: callers skip,
# and the reason is on stderr).
#
# Example (what t-49 does; a jail test would add its rootfs with -f and
# -M veth -M bridge -M overlay -M squashfs -M loop):
#   tests/qemu/run-in-vm.sh -b bash -b "$TOP/tests/helpers/cgroup_run" \
#       -f "$TOP/tests/lib.sh" -f "$TOP/tests/integration/t-40-cgroup-pids.sh" \
#       guest-script.sh
# SCRIPT runs with / as its cwd; files keep their host paths, so a test
# that finds its helpers relative to itself works unchanged.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bins=() files=() mods=() envs=()
timeout_s=240 mem=768M cpus=2 kernel=${JAULA_VM_KERNEL:-}

die_skip() { echo "run-in-vm: $*" >&2; exit 125; }
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

while getopts "b:f:M:e:t:m:c:k:h" o; do
	case $o in
	b) bins+=("$OPTARG") ;;
	f) files+=("$OPTARG") ;;
	M) mods+=("$OPTARG") ;;
	e) envs+=("$OPTARG") ;;
	t) timeout_s=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) cpus=$OPTARG ;;
	k) kernel=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
script=$1; shift
[ -r "$script" ] || { echo "run-in-vm: no script '$script'" >&2; exit 2; }

qemu=$(command -v qemu-system-x86_64) || die_skip "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
busybox=$(command -v busybox) || die_skip "busybox is not installed (apt-get install busybox-static)"
ldd "$busybox" 2>&1 | grep -q 'not a dynamic executable' || die_skip "busybox is not static (apt-get install busybox-static)"
command -v cpio >/dev/null || die_skip "cpio is not installed"
if [ -z "$kernel" ]; then
	kernel=$(ls -1 /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -1)
	[ -n "$kernel" ] || die_skip "no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)"
fi
[ -r "$kernel" ] || die_skip "kernel image '$kernel' is not readable"
kver=${kernel##*/vmlinuz-}
moddir=/lib/modules/$kver

work=$(mktemp -d /tmp/jaula-vm.XXXXXX)
trap '[ -n "${JAULA_VM_KEEP:-}" ] || rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,lib/modules}
cp "$busybox" "$root/bin/busybox"

# An executable and its libraries at the same paths: dynamic binaries of
# the project (libnl, libnftables, libmnl have no static archives here)
# run unchanged.
copy_path() {           # copy_path SRC DEST-IN-GUEST
	mkdir -p "$root$(dirname "$2")"
	cp -a "$1" "$root$2" 2>/dev/null || cp -rL "$1" "$root$2"
}
copy_bin() {
	local b=$1 p lib
	p=$(command -v "$b") || { echo "run-in-vm: no executable '$b'" >&2; exit 2; }
	p=$(readlink -f "$p")
	# A path stays where it is (resolved to absolute); a bare command name
	# goes to /usr/bin.
	case $b in */*) copy_path "$p" "$(cd "$(dirname "$b")" && pwd)/${b##*/}" ;; *) copy_path "$p" "/usr/bin/$b" ;; esac
	for lib in $(ldd "$p" 2>/dev/null | grep -oE '/[^ ]+'); do
		[ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
	done
}
for b in "${bins[@]}"; do copy_bin "$b"; done
for f in "${files[@]}"; do
	src=${f%%:*}; dest=${f#*:}
	[ "$dest" = "$f" ] && dest=$(readlink -f "$src")
	[ -e "$src" ] || { echo "run-in-vm: no file '$src'" >&2; exit 2; }
	copy_path "$(readlink -f "$src")" "$dest"
done

# Modules: the dependency closure from modules.dep, loaded in order.
modlist=$work/modules
: > "$modlist"
add_mod() {
	local name=$1 line path dep
	line=$(grep -E "(^|/)${name//_/[-_]}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" 2>/dev/null | head -1)
	[ -n "$line" ] || { grep -qE "/${name//_/[-_]}\.ko" "$moddir/modules.builtin" 2>/dev/null && return 0
		echo "run-in-vm: no module '$name' for $kver" >&2; exit 2; }
	path=${line%%:*}
	grep -qxF "$path" "$modlist" && return 0
	for dep in ${line#*:}; do dep=${dep##*/}; add_mod "${dep%%.ko*}"; done
	grep -qxF "$path" "$modlist" || echo "$path" >> "$modlist"
}
for m in "${mods[@]}"; do add_mod "$m"; done
while read -r path; do
	mkdir -p "$root/lib/modules/$(dirname "$path")"
	case $path in
	*.xz) xz -dc "$moddir/$path" > "$root/lib/modules/${path%.xz}" ;;
	*.zst) zstd -qdc "$moddir/$path" > "$root/lib/modules/${path%.zst}" ;;
	*) cp "$moddir/$path" "$root/lib/modules/$path" ;;
	esac
done < "$modlist"

cp "$script" "$root/test-script"
printf '%s\n' "$@" > "$root/test-args"
: > "$root/test-env"
for e in "${envs[@]}"; do printf 'export %q\n' "$e" >> "$root/test-env"; done
sed 's/\.ko\.[a-z]*$/.ko/' "$modlist" > "$root/test-modules"

cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts
# A checkout under /tmp or /run (CI clones anywhere) was copied into the
# initramfs at its host path: mounting a tmpfs there would hide it.  The
# initramfs itself is a writable tmpfs, so an empty tmpfs is only a nicety.
[ -n "$(ls -A /tmp)" ] || mount -t tmpfs tmpfs /tmp
[ -n "$(ls -A /run)" ] || mount -t tmpfs tmpfs /run
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
echo 0 > /proc/sys/kernel/printk 2>/dev/null
while read -r m; do [ -n "$m" ] && insmod "/lib/modules/$m"; done < /test-modules
. /test-env
set --
while IFS= read -r a; do [ -n "$a" ] && set -- "$@" "$a"; done < /test-args
echo "JAULA-VM-START"
cd /
sh /test-script "$@" < /dev/null 2>&1
echo "JAULA-VM-EXIT=$?"
sync
poweroff -f
EOF
chmod 0755 "$root/init"
# A script starting with #!/usr/bin/env bash runs under bash when it was copied.
if head -1 "$script" | grep -q bash; then
	[ -e "$root/usr/bin/bash" ] || copy_bin bash
	sed -i 's|^sh /test-script|bash /test-script|' "$root/init"
fi

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$work/initrd.gz" ||
	die_skip "cannot build the initramfs"

out=$work/console
# An emulated boot on a host under heavy load has been seen to die before
# init (a kernel splat at 0.06 s); one more boot costs seconds.
for attempt in 1 2; do
	timeout --kill-after=5 "$timeout_s" "$qemu" -accel tcg -machine q35 -cpu max -smp "$cpus" -m "$mem" \
		-nographic -no-reboot -nodefaults -serial stdio -display none \
		-kernel "$kernel" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=1 rdinit=/init" \
		< /dev/null > "$out" 2>"$work/qemu.err"
	qrc=$?
	grep -q JAULA-VM-START "$out" && break
	[ $attempt = 1 ] && echo "run-in-vm: the VM died before init; booting it once more" >&2
done
tr -d '\r' < "$out" | sed -n '/JAULA-VM-START$/,$p' | sed '1d; /^JAULA-VM-EXIT=/d'
rc=$(tr -d '\r' < "$out" | sed -n 's/^JAULA-VM-EXIT=\([0-9]*\)$/\1/p' | tail -1)
if [ -n "$rc" ]; then
	exit "$rc"
fi
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "run-in-vm: the VM did not finish within $timeout_s s" >&2
	tr -d '\r' < "$out" | tail -20 | sed 's/^/run-in-vm: console: /' >&2
	exit 124
fi
if ! grep -q JAULA-VM-START "$out"; then
	echo "run-in-vm: the VM did not reach init (qemu status $qrc)" >&2
	sed 's/^/run-in-vm: qemu: /' "$work/qemu.err" >&2
	tr -d '\r' < "$out" | tail -20 | sed 's/^/run-in-vm: console: /' >&2
	exit 125
fi
echo "run-in-vm: the VM ended without reporting the script's status" >&2
exit 1
