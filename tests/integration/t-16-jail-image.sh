#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-16: a rootfs image (squashfs, and ISO when the tools exist),
# loop-mounted read-only inside the jail's mount namespace only; the loop
# device goes away with the jail.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
[ -e /dev/loop-control ] || skip_all "no /dev/loop-control"
IMG=$(squashfs_image "$ROOTFS" "$TDIR/rootfs.squashfs") || skip_all "cannot build a squashfs image"

POLICY_ROOTFS=$IMG POLICY_ROOTFS_TYPE=squashfs policy "$CONF" "$U" 'writable = "tmpfs";'
out=$(jail "$U" 'cat /etc/jaula-test-rootfs; echo x > /var/tmp/w && echo write-ok; grep " / " /proc/mounts | cut -d" " -f3' 2>&1)
expect_match "a squashfs image boots the jail" "^jaula busybox test rootfs" "$out"
expect_match "with the tmpfs layer writable" "write-ok" "$out"
expect_match "the root is an overlay" "overlay" "$out"
if grep -qF "$IMG" /proc/self/mountinfo || grep -q ' squashfs ' /proc/self/mountinfo; then
	not_ok "the image is not mounted on the host"
else
	ok "the image is not mounted on the host"
fi
wait_gone; expect_eq "no jail left" 0 "$(jails_left)"
# LO_FLAGS_AUTOCLEAR: the device detaches once the jail's namespace is gone.
for i in $(seq 50); do [ -z "$(losetup -j "$IMG")" ] && break; sleep 0.1; done
expect_eq "no loop device left attached to the image" "" "$(losetup -j "$IMG")"

# Two jails at once get two devices and do not disturb each other.
rm -f "$TDIR/home-$U"/up.* "$TDIR/home-$U/release"
POLICY_ROOTFS=$IMG POLICY_ROOTFS_TYPE=squashfs policy "$CONF" "$U" 'scope = "session";'
for i in 1 2; do
	jail "$U" 'mktemp ~/up.XXXXXX > /dev/null; while [ ! -e ~/release ]; do sleep 0.05; done; cat /etc/jaula-test-rootfs' > "$TDIR/s.$i" 2>&1 &
done
for i in $(seq 1200); do [ "$(ls "$TDIR/home-$U"/up.* 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.1; done
expect_eq "two image jails run side by side" 2 "$(jails_left)"
touch "$TDIR/home-$U/release"
wait
expect_eq "both read the image" 2 "$(cat "$TDIR"/s.* | grep -c 'jaula busybox test rootfs')"
for i in $(seq 50); do [ -z "$(losetup -j "$IMG")" ] && break; sleep 0.1; done
expect_eq "and their loop devices are gone" "" "$(losetup -j "$IMG")"

if command -v xorriso >/dev/null || command -v genisoimage >/dev/null; then
	modprobe isofs 2>/dev/null
	if grep -q iso9660 /proc/filesystems; then
		if command -v xorriso >/dev/null; then
			xorriso -as mkisofs -R -o "$TDIR/rootfs.iso" "$ROOTFS" >/dev/null 2>&1
		else
			genisoimage -R -o "$TDIR/rootfs.iso" "$ROOTFS" >/dev/null 2>&1
		fi
		POLICY_ROOTFS=$TDIR/rootfs.iso POLICY_ROOTFS_TYPE=iso policy "$CONF" "$U" ''
		out=$(jail "$U" 'cat /etc/jaula-test-rootfs' 2>&1)
		expect_eq "an ISO image boots the jail" "jaula busybox test rootfs" "$out"
	else
		skip "ISO rootfs: the kernel has no iso9660"
	fi
else
	skip "ISO rootfs: neither xorriso nor genisoimage is installed"
fi
finish
