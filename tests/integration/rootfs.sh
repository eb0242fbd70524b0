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
#   i386_mirror [DIR]        echo the path of a file:// Debian mirror with
#                            what `jaula mkroot --arch i386 --include file`
#                            installs (bookworm i386; cached at
#                            /var/tmp/jaula-test-debootstrap-i386-mirror)
#   i386_rootfs_cached [DIR] echo the path of the cached i386 rootfs
#                            (/var/tmp/jaula-test-debootstrap-i386) when it
#                            exists, else fail
#   i386_rootfs_store [DIR]  store a tar stream of an i386 rootfs (stdin)
#                            as that cache; echo its path
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

# The i386 rootfs cannot be built on a kernel that refuses 32-bit programs
# (debootstrap's second stage runs them): its packages are fetched here,
# where only downloading happens, and `jaula mkroot --arch i386` runs in a
# guest whose kernel has IA-32 emulation, from this mirror.  The mirror is
# what debootstrap --make-tarball fetched, laid out as the archive is: the
# archive's signed InRelease/Release, the Packages index whose checksums
# they list, and each .deb at its pool path, so debootstrap in the guest
# verifies everything against the Debian archive keyring as it would from
# deb.debian.org.
I386_INCLUDE=openssh-sftp-server,rsync,file

i386_mirror() {
	local dir=${1:-/var/tmp/jaula-test-debootstrap-i386-mirror} mirror=${JAULA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	if [ -e "$dir/.jaula-mirror-ok" ]; then echo "$dir"; return 0; fi
	command -v debootstrap >/dev/null || { echo "i386_mirror: debootstrap is not installed" >&2; return 1; }
	(
		_jaula_rootfs_lock "$dir" || exit 1
		[ -e "$dir/.jaula-mirror-ok" ] && exit 0
		tmp=$(mktemp -d "$dir.tmp.XXXXXX") || exit 1
		trap 'rm -rf "$tmp"' EXIT
		t0=$(date +%s)
		if ! debootstrap --arch=i386 --variant=minbase --include="$I386_INCLUDE" \
			--make-tarball="$tmp/debs.tgz" bookworm "$tmp/work" "$mirror" > "$tmp/log" 2>&1; then
			echo "i386_mirror: debootstrap --make-tarball failed:" >&2
			tail -5 "$tmp/log" >&2
			exit 1
		fi
		mkdir "$tmp/x" "$tmp/m" && tar -xzf "$tmp/debs.tgz" -C "$tmp/x" || exit 1
		lists=$(echo "$tmp"/x/var/lib/apt/lists/*_dists_bookworm_InRelease) && lists=${lists%_InRelease}
		[ -s "${lists}_InRelease" ] || { echo "i386_mirror: no InRelease in the tarball" >&2; exit 1; }
		mkdir -p "$tmp/m/dists/bookworm/main/binary-i386" || exit 1
		for f in InRelease Release Release.gpg; do
			[ -e "${lists}_$f" ] && cp "${lists}_$f" "$tmp/m/dists/bookworm/$f"
		done
		cp "${lists}_main_binary-i386_Packages" "$tmp/m/dists/bookworm/main/binary-i386/Packages" || exit 1
		# deburis: "PKG VERSION URL"; debpaths: "PKG /var/cache/…/FILE.deb".
		while read -r pkg _ uri; do
			rel=${uri#"$mirror"/}
			deb=$(awk -v k="$pkg" '$1 == k { print $2 }' "$tmp/x/debootstrap/debpaths")
			[ -n "$deb" ] && mkdir -p "$tmp/m/${rel%/*}" && mv "$tmp/x$deb" "$tmp/m/$rel" ||
				{ echo "i386_mirror: $pkg is not in the tarball" >&2; exit 1; }
		done < "$tmp/x/debootstrap/deburis"
		echo "i386_mirror: fetched $(wc -l < "$tmp/x/debootstrap/deburis") packages in $(( $(date +%s) - t0 )) s" >&2
		touch "$tmp/m/.jaula-mirror-ok"
		rm -rf "$dir"
		mv "$tmp/m" "$dir"
	) || return 1
	echo "$dir"
}

i386_rootfs_cached() {
	local dir=${1:-/var/tmp/jaula-test-debootstrap-i386}
	[ -e "$dir/.jaula-rootfs-ok" ] && echo "$dir"
}

i386_rootfs_store() {
	local dir=${1:-/var/tmp/jaula-test-debootstrap-i386}
	(
		_jaula_rootfs_lock "$dir" || exit 1
		tmp=$(mktemp -d "$dir.tmp.XXXXXX") || exit 1
		trap 'rm -rf "$tmp"' EXIT
		chmod 0755 "$tmp"
		tar --numeric-owner -xpf - -C "$tmp" || exit 1
		[ -s "$tmp/.jaula-rootfs" ] || { echo "i386_rootfs_store: no .jaula-rootfs record in the stream" >&2; exit 1; }
		touch "$tmp/.jaula-rootfs-ok"
		rm -rf "$dir"
		mv "$tmp" "$dir"
		trap - EXIT
	) || return 1
	echo "$dir"
}
