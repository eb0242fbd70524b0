#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs every Debian package jaula needs to build, test, benchmark and
# run its demo.  Debian 12 (bookworm); run as root.
set -eu
export DEBIAN_FRONTEND=noninteractive
packages="
  build-essential pkg-config clang libclang-rt-dev clang-format
  libpam0g-dev libcap-dev libseccomp-dev libconfig-dev libcmocka-dev
  libnl-3-dev libnl-route-3-dev libmnl-dev libnftables-dev libsystemd-dev
  nftables iproute2 procps psmisc util-linux kmod
  busybox-static debootstrap squashfs-tools
  pamtester openssh-server openssh-client openssh-sftp-server rsync
  qemu-system-x86 linux-image-cloud-amd64 cpio e2fsprogs
  dpkg-dev debhelper
  socat strace python3 valgrind hyperfine
"
# t-91 builds its i386 probe with gcc -m32 -static (pulls libc6-dev-i386).
packages="$packages gcc-multilib"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
else
	echo "install-deps: every package is already installed"
fi
