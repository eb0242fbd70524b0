# SPDX-License-Identifier: LGPL-2.1-or-later
# rootfs.sh — test root file systems, built once and cached (sourced, bash).
#
#   source tests/integration/rootfs.sh
#   busybox_rootfs [DIR]     echo the path of a tiny busybox-static rootfs
#                            (built in about a second; default cache
#                            /var/tmp/jaula-test-rootfs)
#   debootstrap_rootfs [DIR] echo the path of a `debootstrap --variant=minbase
#                            bookworm` rootfs (about 35 s the first time;
#                            cached at /var/tmp/jaula-test-debootstrap)
#   squashfs_image ROOT [IMG] echo the path of a squashfs image of ROOT
#                            (cached next to ROOT as ROOT.squashfs)
#
# Each function prints the path on stdout and returns non-zero (with a
# reason on stderr) when it cannot build; callers turn that into a skip.
# The caches are read-only inputs for tests: no test writes into them (a
# jail sees them through a read-only mount).  A build happens in a temp dir
# renamed into place at the end, under a lock, so parallel test runs never
# see a half-built tree.

_jaula_rootfs_lock() { # DIR: take an exclusive lock next to DIR on fd 9
	exec 9>"$1.lock" && flock 9
}

busybox_rootfs() {
	local dir=${1:-/var/tmp/jaula-test-rootfs} bb tmp a
	# The version stamp lets an older cached layout be rebuilt.
	if [ -e "$dir/.jaula-rootfs-v2" ]; then echo "$dir"; return 0; fi
	bb=$(command -v busybox) || { echo "busybox_rootfs: busybox is not installed" >&2; return 1; }
	if ! file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then
		echo "busybox_rootfs: $bb is not static (apt-get install busybox-static)" >&2
		return 1
	fi
	(
		_jaula_rootfs_lock "$dir" || exit 1
		[ -e "$dir/.jaula-rootfs-v2" ] && exit 0
		tmp=$(mktemp -d "$dir.tmp.XXXXXX") || exit 1
		trap 'rm -rf "$tmp"' EXIT
		mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,etc,proc,dev,tmp,home,root,var/tmp,run,sys}
		chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
		chmod 0700 "$tmp/root"
		cp "$bb" "$tmp/bin/busybox"
		# One link per applet the tests use; busybox --list gives them all.
		for a in $("$tmp/bin/busybox" --list); do
			[ "$a" = busybox ] && continue
			ln -sf busybox "$tmp/bin/$a"
		done
		printf 'root:x:0:0:root:/root:/bin/sh\n' > "$tmp/etc/passwd"
		printf 'root:x:0:\n' > "$tmp/etc/group"
		: > "$tmp/etc/hosts"; : > "$tmp/etc/hostname"; : > "$tmp/etc/resolv.conf"
		echo "jaula busybox test rootfs" > "$tmp/etc/jaula-test-rootfs"
		touch "$tmp/.jaula-rootfs-v2"
		rm -rf "$dir"
		mv "$tmp" "$dir"
		trap - EXIT
	) || return 1
	echo "$dir"
}

debootstrap_rootfs() {
	local dir=${1:-/var/tmp/jaula-test-debootstrap} mirror=${JAULA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	if [ -e "$dir/.jaula-rootfs-ok" ]; then echo "$dir"; return 0; fi
	command -v debootstrap >/dev/null || { echo "debootstrap_rootfs: debootstrap is not installed" >&2; return 1; }
	(
		_jaula_rootfs_lock "$dir" || exit 1
		[ -e "$dir/.jaula-rootfs-ok" ] && exit 0
		tmp=$(mktemp -d "$dir.tmp.XXXXXX") || exit 1
		trap 'rm -rf "$tmp"' EXIT
		if ! debootstrap --variant=minbase bookworm "$tmp" "$mirror" > "$tmp.log" 2>&1; then
			echo "debootstrap_rootfs: debootstrap failed (log: $tmp.log)" >&2
			tail -5 "$tmp.log" >&2
			exit 1
		fi
		rm -f "$tmp.log"
		touch "$tmp/.jaula-rootfs-ok"
		rm -rf "$dir"
		mv "$tmp" "$dir"
		trap - EXIT
	) || return 1
	echo "$dir"
}

squashfs_image() {
	local root=$1 img=${2:-$1.squashfs}
	if [ -s "$img" ] && [ "$img" -nt "$root" ]; then echo "$img"; return 0; fi
	command -v mksquashfs >/dev/null || { echo "squashfs_image: mksquashfs is not installed" >&2; return 1; }
	(
		_jaula_rootfs_lock "$img" || exit 1
		[ -s "$img" ] && [ "$img" -nt "$root" ] && exit 0
		mksquashfs "$root" "$img.tmp" -noappend -quiet -no-progress > /dev/null 2>&1 || { rm -f "$img.tmp"; exit 1; }
		mv "$img.tmp" "$img"
	) || return 1
	echo "$img"
}
