#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sdguest.sh — a Debian 12 guest with systemd as PID 1 and a pure cgroup v2
# hierarchy, booted under qemu with software emulation (TCG), for tests
# that need a real systemd host (issue #15).  Sourced (bash) or run as a
# command.  Root only.
#
# The guest disk is built once with debootstrap from Debian packages and
# cached (/var/tmp/jaula-sdguest-KEY.img and its ssh key .key; KEY hashes
# the package list, the kernel version and the build recipe); every boot
# opens it in snapshot mode, so it stays pristine.  The jail rootfs the
# tests use (tests/integration/sshd.sh's ssh_rootfs, built on this host)
# is a second, read-only disk, mounted at /var/lib/jaula/rootfs/bookworm
# (the path of conf/jaula.conf's example rootfs).  The guest's only
# network is qemu's user-mode stack with restrict=on: the guest reaches
# nothing, and its sshd is forwarded from 127.0.0.1:PORT on this host.
#
# Sourced:
#   source tests/qemu/sdguest.sh
#   sdguest_boot || { rc=$?; …skip when rc is 77… }
#                         build the image if needed, boot, wait for ssh
#   sdguest_ssh 'CMD'     run the shell string CMD as root in the guest
#                         (stdin and exit status pass through; more
#                         arguments are joined with spaces, as ssh does)
#   sdguest_wait_ssh [SECS]       wait until sshd takes logins again (after
#                         a `systemctl reload ssh`: sshd re-executes itself
#                         and resets connections meanwhile)
#   sdguest_copy_in SRC… DEST     copy host files into the guest (scp -r)
#   sdguest_copy_out SRC… DEST    copy guest files out (SRC: guest paths)
#   sdguest_deb [DEB]     print the path of the .deb to test: DEB, else
#                         $JAULA_DEB, else one built from HEAD of
#                         $SDGUEST_SRC (default: this checkout) with
#                         dpkg-buildpackage on `git archive`, cached per
#                         commit (uncommitted changes are not in it)
#   sdguest_install_deb [DEB]     copy that .deb in and dpkg -i it
#   sdguest_shutdown      end qemu (also done by the EXIT trap
#                         that sdguest_boot sets up, via on_exit when
#                         tests/lib.sh is loaded)
#   sdguest_image         build (or find) the cached image; prints its path
#   sdguest_jailroot_image  the same for the jail rootfs disk
# Call sdguest_boot directly, never in $(…) or a pipeline: it sets
# variables the other functions use:
#   SDGUEST_PORT          the host port forwarded to the guest's sshd
#   SDGUEST_KEY           root's private key for the guest
#   SDGUEST_SSH_OPTS      (array) ssh options for your own ssh/scp/sftp
#                         to 127.0.0.1 -p/-P SDGUEST_PORT (no identity)
#   SDGUEST_DIR           a temp dir of this boot (console log: console.log)
#   SDGUEST_PID           qemu's PID
#   SDGUEST_BOOT_SECS     seconds from qemu's start to a working ssh
#
# Settings (environment):
#   SDGUEST_CPUS (2), SDGUEST_MEM (2048, MiB), SDGUEST_BOOT_TIMEOUT (300 s)
#   SDGUEST_JAILROOT=0    boot without the jail rootfs disk
#   SDGUEST_EXTRA_PACKAGES  more Debian packages for the image (changes KEY)
#   SDGUEST_SRC           the checkout sdguest_deb builds from
#   JAULA_DEB             the .deb to install (sdguest_deb)
#   JAULA_DEBIAN_MIRROR   debootstrap's mirror (http://deb.debian.org/debian)
#   JAULA_VM_KERNEL       kernel image (default: the newest
#                         /boot/vmlinuz-*-cloud-amd64, with its initrd
#                         and /lib/modules tree, copied into the image)
#
# Return codes: 0 ok; 77 (SDGUEST_SKIP) the guest cannot run here (no qemu,
# kernel, debootstrap or mirror; the reason is on stderr); other: failure.
#
# As a command:
#   tests/qemu/sdguest.sh image          build/find the image, print its path
#   tests/qemu/sdguest.sh deb [DEB]      build/find the .deb, print its path
#   tests/qemu/sdguest.sh run 'CMD'      boot, run CMD as root, power off
#   tests/qemu/sdguest.sh run-deb 'CMD'  the same after installing the .deb
#
# Costs, measured on the 2-core development VM shared with other builds: a
# cold image build (debootstrap of ~200 packages from deb.debian.org,
# modules copy, mkfs.ext4 -d) 76-78 s; the jail rootfs disk 2 s once
# ssh_rootfs exists; the .deb of a new commit 30-45 s; a boot to ssh
# 24-57 s depending on the load.

SDGUEST_SKIP=77
SDGUEST_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SDGUEST_CACHE=${SDGUEST_CACHE:-/var/tmp}
SDGUEST_PORT='' SDGUEST_KEY='' SDGUEST_DIR='' SDGUEST_PID='' SDGUEST_BOOT_SECS=''
SDGUEST_SSH_OPTS=(-F none -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20
	-o ServerAliveInterval=15 -o ServerAliveCountMax=8)

# The packages of the guest: systemd as PID 1 with logind (libpam-systemd)
# and machined (systemd-container), sshd, what jaula runs beside (ip,
# nft, ps), the runtime libraries of jaula's .deb (its ${shlibs:Depends}
# as built on bookworm), and the tools the tests use in the guest (socat
# for a listener, openssh-client for sftp/ssh from inside).
_sdguest_packages() {
	local p
	{
		printf '%s\n' systemd systemd-sysv udev dbus libpam-systemd systemd-container \
			openssh-server openssh-client openssh-sftp-server \
			iproute2 nftables procps kmod psmisc e2fsprogs socat \
			libpam-runtime libpam0g libcap2 libseccomp2 libconfig9 \
			libnl-3-200 libnl-route-3-200 libmnl0 libnftables1 libsystemd0
		# The literal Depends of debian/control (substvars are the libraries
		# above).
		awk '/^Package:/ { p = 1 } p && /^Depends:/ { d = 1; sub(/^Depends:/, ""); print; next }
			d && /^[ \t]/ { print; next } { d = 0 }' "$(_sdguest_src)/debian/control" 2>/dev/null |
			tr ',' '\n' | sed 's/([^)]*)//g; s/|.*//; s/\[.*\]//' | tr -d ' \t' | grep -v '^\$' | grep .
		# shellcheck disable=SC2086
		printf '%s\n' ${SDGUEST_EXTRA_PACKAGES:-}
	} | sort -u
}

_sdguest_src() { echo "${SDGUEST_SRC:-$(cd "$SDGUEST_HERE/../.." && pwd)}"; }

_sdguest_kernel() {
	local k=${JAULA_VM_KERNEL:-}
	[ -n "$k" ] || k=$(ls -1 /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -1)
	[ -n "$k" ] && [ -r "$k" ] || { echo "sdguest: no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)" >&2; return 1; }
	echo "$k"
}

# The image's key: what goes into it.
_sdguest_key() {
	local kver
	kver=$(_sdguest_kernel) || return 1
	kver=${kver##*/vmlinuz-}
	{ _sdguest_packages; echo "$kver"; declare -f _sdguest_build_image; } | sha256sum | cut -c1-16
}

# _sdguest_build_image DEST KEYFILE KVER: the guest disk at DEST (ext4,
# made without mounting anything), root's ssh key at KEYFILE.
_sdguest_build_image() {
	local dest=$1 keyfile=$2 kver=$3 tmp root mirror=${JAULA_DEBIAN_MIRROR:-http://deb.debian.org/debian} size
	tmp=$(mktemp -d "$dest.tmp.XXXXXX") || return 1
	root=$tmp/root
	mkdir -p "$SDGUEST_CACHE/jaula-sdguest-debs"
	echo "sdguest: building $dest (debootstrap bookworm, a few minutes)" >&2
	if ! nice debootstrap --variant=minbase --cache-dir="$SDGUEST_CACHE/jaula-sdguest-debs" \
		--include="$(_sdguest_packages | paste -sd,)" bookworm "$root" "$mirror" > "$tmp/debootstrap.log" 2>&1; then
		echo "sdguest: debootstrap failed:" >&2
		tail -8 "$tmp/debootstrap.log" >&2
		# No mirror here is a reason to skip; anything else is a failure.
		if grep -qE "Failed getting release file|Couldn't download|Temporary failure resolving|Could not resolve" \
			"$tmp/debootstrap.log"; then
			rm -rf "$tmp"
			return "$SDGUEST_SKIP"
		fi
		rm -rf "$tmp"
		return 1
	fi
	echo jaula-guest > "$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tjaula-guest\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
	: > "$root/etc/resolv.conf"
	# One fixed machine id: every boot of the snapshot is the same machine,
	# and no first-boot units run.
	od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$root/etc/machine-id"
	echo >> "$root/etc/machine-id"
	cat > "$root/etc/fstab" <<-'EOF'
	/dev/vda / ext4 rw,errors=remount-ro 0 1
	LABEL=jaula-jailroot /var/lib/jaula/rootfs/bookworm ext4 ro,nofail,x-systemd.device-timeout=20s 0 0
	EOF
	mkdir -p "$root/var/lib/jaula/rootfs/bookworm"
	# qemu's user-mode network: fixed address, its gateway; no DHCP wait.
	cat > "$root/etc/systemd/network/50-qemu.network" <<-'EOF'
	[Match]
	Name=en* eth*
	[Network]
	Address=10.0.2.15/24
	Gateway=10.0.2.2
	LinkLocalAddressing=no
	IPv6AcceptRA=no
	EOF
	systemctl --root="$root" enable systemd-networkd.service >/dev/null 2>&1
	# Nothing that waits for a network that never comes or runs periodic
	# jobs during a test.
	systemctl --root="$root" mask systemd-networkd-wait-online.service apt-daily.timer \
		apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer >/dev/null 2>&1
	# The harness logs in as root with a key; sshd_config and
	# /etc/pam.d/sshd stay as the package ships them.
	rm -f "$keyfile.tmp" "$keyfile.tmp.pub"
	ssh-keygen -q -t ed25519 -N '' -C jaula-sdguest -f "$keyfile.tmp" || { rm -rf "$tmp"; return 1; }
	install -d -m 0700 "$root/root/.ssh"
	install -m 0600 "$keyfile.tmp.pub" "$root/root/.ssh/authorized_keys"
	# The host's kernel boots the guest: its modules go with it.
	mkdir -p "$root/usr/lib/modules"
	cp -a "/lib/modules/$kver" "$root/usr/lib/modules/" || { rm -rf "$tmp"; return 1; }
	rm -f "$root"/var/cache/apt/archives/*.deb
	size=$(( $(du -sm "$root" | cut -f1) + 1536 ))
	truncate -s "${size}M" "$tmp/disk.img"
	if ! mkfs.ext4 -q -F -L jaula-sdguest -d "$root" "$tmp/disk.img" > "$tmp/mkfs.log" 2>&1; then
		echo "sdguest: mkfs.ext4 -d failed:" >&2
		tail -5 "$tmp/mkfs.log" >&2
		rm -rf "$tmp"
		return 1
	fi
	mv "$keyfile.tmp.pub" "$keyfile.pub" && mv "$keyfile.tmp" "$keyfile" && mv "$tmp/disk.img" "$dest"
	rm -rf "$tmp"
}

# sdguest_image: the path of the cached image (building it under a lock).
sdguest_image() {
	local key kernel img rc
	command -v debootstrap >/dev/null || { echo "sdguest: debootstrap is not installed" >&2; return $SDGUEST_SKIP; }
	command -v mkfs.ext4 >/dev/null || { echo "sdguest: mkfs.ext4 is not installed (e2fsprogs)" >&2; return $SDGUEST_SKIP; }
	kernel=$(_sdguest_kernel) || return $SDGUEST_SKIP
	key=$(_sdguest_key) || return 1
	img=$SDGUEST_CACHE/jaula-sdguest-$key.img
	if [ ! -s "$img" ] || [ ! -s "$img.key" ]; then
		(
			exec 9>"$img.lock" && flock 9 || exit 1
			[ -s "$img" ] && [ -s "$img.key" ] && exit 0
			# A build that fails or is interrupted leaves nothing (the lock
			# is ours: no other build of this image runs).
			trap 'rm -rf "$img".tmp.* "$img.key.tmp" "$img.key.tmp.pub"' EXIT
			trap 'exit 1' INT TERM HUP
			rm -f "$img" "$img.key" "$img.key.pub"
			_sdguest_build_image "$img" "$img.key" "${kernel##*/vmlinuz-}"
		)
		rc=$?
		[ $rc -eq 0 ] || return $rc
	fi
	echo "$img"
}

# sdguest_jailroot_image: the ssh test rootfs (debootstrap minbase with
# openssh-sftp-server and rsync, as `jaula mkroot` makes) as an ext4 image
# labelled jaula-jailroot, cached next to that rootfs.
sdguest_jailroot_image() {
	local dir img stamp
	dir=$(
		# shellcheck source=../integration/sshd.sh
		source "$SDGUEST_HERE/../integration/sshd.sh" && ssh_rootfs
	) || { echo "sdguest: cannot build the jail rootfs (tests/integration/sshd.sh ssh_rootfs)" >&2; return $SDGUEST_SKIP; }
	stamp=$(stat -c %Y "$dir/.jaula-ssh-rootfs-v1" 2>/dev/null) || return 1
	img=$SDGUEST_CACHE/jaula-sdguest-jailroot-$stamp.img
	if [ ! -s "$img" ]; then
		(
			exec 9>"$img.lock" && flock 9 || exit 1
			[ -s "$img" ] && exit 0
			trap 'rm -f "$img.tmp"' EXIT
			trap 'exit 1' INT TERM HUP
			rm -f "$img.tmp"
			truncate -s "$(( $(du -sm "$dir" | cut -f1) + 256 ))M" "$img.tmp"
			nice mkfs.ext4 -q -F -L jaula-jailroot -d "$dir" "$img.tmp" >/dev/null 2>&1 || { rm -f "$img.tmp"; exit 1; }
			mv "$img.tmp" "$img"
		) || { echo "sdguest: mkfs.ext4 -d of $dir failed" >&2; return 1; }
	fi
	echo "$img"
}

_sdguest_free_port() {
	local p used
	used=$(ss -Htanl 2>/dev/null | awk '{print $4}' | sed 's/.*://')
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		grep -qx "$p" <<<"$used" || { echo "$p"; return 0; }
	done
	return 1
}

sdguest_boot() {
	local qemu kernel initrd img jimg t0 attempt drives=()
	[ "$(id -u)" = 0 ] || { echo "sdguest: needs root" >&2; return $SDGUEST_SKIP; }
	qemu=$(command -v qemu-system-x86_64) || { echo "sdguest: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)" >&2; return $SDGUEST_SKIP; }
	kernel=$(_sdguest_kernel) || return $SDGUEST_SKIP
	initrd=/boot/initrd.img-${kernel##*/vmlinuz-}
	[ -r "$initrd" ] || { echo "sdguest: no $initrd" >&2; return $SDGUEST_SKIP; }
	img=$(sdguest_image) || return $?
	drives=(-drive "file=$img,if=virtio,format=raw,snapshot=on,cache=unsafe")
	if [ "${SDGUEST_JAILROOT:-1}" != 0 ]; then
		jimg=$(sdguest_jailroot_image) || return $?
		drives+=(-drive "file=$jimg,if=virtio,format=raw,readonly=on")
	fi
	SDGUEST_KEY=$img.key
	SDGUEST_DIR=$(mktemp -d /tmp/jaula-sdguest.XXXXXX) || return 1
	if declare -F on_exit >/dev/null; then
		on_exit sdguest_shutdown
	else
		trap sdguest_shutdown EXIT
	fi
	# A second boot when qemu ends early: the free port was taken in the
	# meantime, or (seen under heavy load) the emulated kernel died.
	for attempt in 1 2; do
		SDGUEST_PORT=$(_sdguest_free_port) || return 1
		t0=$(date +%s)
		# snapshot=on: writes go to a temp overlay qemu deletes; the cached
		# image is never written.  restrict=on: the guest reaches no
		# network, only the forwarded port comes in (on the host's loopback).
		"$qemu" -accel tcg -machine q35 -cpu max -smp "${SDGUEST_CPUS:-2}" -m "${SDGUEST_MEM:-2048}" \
			-nodefaults -nographic -display none -no-reboot \
			-serial "file:$SDGUEST_DIR/console.log" \
			-kernel "$kernel" -initrd "$initrd" \
			-append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 net.ifnames=0 panic=-1" \
			"${drives[@]}" \
			-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$SDGUEST_PORT-:22" \
			-device virtio-net-pci,netdev=n0 \
			< /dev/null > "$SDGUEST_DIR/qemu.log" 2>&1 &
		SDGUEST_PID=$!
		while [ $(( $(date +%s) - t0 )) -lt "${SDGUEST_BOOT_TIMEOUT:-300}" ]; do
			if ! kill -0 "$SDGUEST_PID" 2>/dev/null; then
				wait "$SDGUEST_PID" 2>/dev/null
				echo "sdguest: qemu ended during boot (attempt $attempt):" >&2
				tail -5 "$SDGUEST_DIR/qemu.log" >&2
				tail -20 "$SDGUEST_DIR/console.log" | tr -d '\r' >&2
				SDGUEST_PID=''
				break
			fi
			if timeout 25 ssh "${SDGUEST_SSH_OPTS[@]}" -o ConnectTimeout=5 -i "$SDGUEST_KEY" -p "$SDGUEST_PORT" \
				root@127.0.0.1 true </dev/null >/dev/null 2>&1; then
				SDGUEST_BOOT_SECS=$(( $(date +%s) - t0 ))
				return 0
			fi
			sleep 3
		done
		[ -n "$SDGUEST_PID" ] && break
	done
	[ -n "$SDGUEST_PID" ] || return 1
	echo "sdguest: no ssh within ${SDGUEST_BOOT_TIMEOUT:-300} s; console:" >&2
	tail -20 "$SDGUEST_DIR/console.log" | tr -d '\r' >&2
	return 1
}

# sdguest_wait_ssh [SECS]: wait until the guest's sshd takes a root login
# again (after `systemctl reload ssh`, which closes its listening socket
# while sshd re-executes itself); default bound 60 s.
sdguest_wait_ssh() {
	local end=$(( $(date +%s) + ${1:-60} ))
	while [ "$(date +%s)" -lt "$end" ]; do
		timeout 25 ssh "${SDGUEST_SSH_OPTS[@]}" -o ConnectTimeout=5 -i "$SDGUEST_KEY" -p "$SDGUEST_PORT" \
			root@127.0.0.1 true </dev/null >/dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}

sdguest_ssh() {
	ssh "${SDGUEST_SSH_OPTS[@]}" -i "$SDGUEST_KEY" -p "$SDGUEST_PORT" root@127.0.0.1 -- "$@"
}

sdguest_copy_in() {
	local n=$# dest=${!#}
	scp -q -r "${SDGUEST_SSH_OPTS[@]}" -i "$SDGUEST_KEY" -P "$SDGUEST_PORT" "${@:1:n-1}" "root@127.0.0.1:$dest"
}

sdguest_copy_out() {
	local n=$# dest=${!#} a srcs=()
	for a in "${@:1:n-1}"; do srcs+=("root@127.0.0.1:$a"); done
	scp -q -r "${SDGUEST_SSH_OPTS[@]}" -i "$SDGUEST_KEY" -P "$SDGUEST_PORT" "${srcs[@]}" "$dest"
}

sdguest_shutdown() {
	# The disk is a snapshot that qemu throws away: there is nothing to
	# save, so qemu is simply ended (a guest poweroff costs 10 s here).
	if [ -n "$SDGUEST_PID" ]; then
		kill "$SDGUEST_PID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$SDGUEST_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SDGUEST_PID" 2>/dev/null
		wait "$SDGUEST_PID" 2>/dev/null
		SDGUEST_PID=''
	fi
	[ -n "$SDGUEST_DIR" ] && [ -z "${SDGUEST_KEEP_DIR:-}" ] && rm -rf "$SDGUEST_DIR"
	SDGUEST_DIR=''
	return 0
}

# sdguest_deb [DEB]: the .deb to test (see the top of this file).
sdguest_deb() {
	local deb=${1:-${JAULA_DEB:-}} src commit dir
	if [ -n "$deb" ]; then
		[ -f "$deb" ] || { echo "sdguest: no .deb '$deb'" >&2; return 1; }
		readlink -f "$deb"
		return 0
	fi
	src=$(_sdguest_src)
	commit=$(git -C "$src" rev-parse --verify -q HEAD) || { echo "sdguest: $src is not a git checkout" >&2; return 1; }
	git -C "$src" rev-parse --verify -q HEAD:debian/control >/dev/null || { echo "sdguest: debian/ is not committed at HEAD" >&2; return 1; }
	dir=$SDGUEST_CACHE/jaula-sdguest-deb-${commit:0:12}
	if ! ls "$dir"/jaula_*.deb >/dev/null 2>&1; then
		command -v dpkg-buildpackage >/dev/null || { echo "sdguest: dpkg-buildpackage is not installed (dpkg-dev, debhelper)" >&2; return $SDGUEST_SKIP; }
		(
			exec 9>"$dir.lock" && flock 9 || exit 1
			ls "$dir"/jaula_*.deb >/dev/null 2>&1 && exit 0
			tmp=$(mktemp -d "$dir.tmp.XXXXXX") || exit 1
			trap 'rm -rf "$tmp"' EXIT
			mkdir "$tmp/src" && git -C "$src" archive "$commit" | tar -x -C "$tmp/src" || exit 1
			cd "$tmp/src" || exit 1
			dpkg-checkbuilddeps -B >/dev/null 2>&1 || { echo "sdguest: build dependencies missing (scripts/install-deps.sh): $(dpkg-checkbuilddeps -B 2>&1)" >&2; exit 1; }
			echo "sdguest: building the .deb of ${commit:0:12}" >&2
			if ! DEB_BUILD_OPTIONS="nocheck parallel=2" nice dpkg-buildpackage -us -uc -b > "$tmp/build.log" 2>&1; then
				echo "sdguest: dpkg-buildpackage failed:" >&2
				tail -15 "$tmp/build.log" >&2
				exit 1
			fi
			mkdir "$tmp/out" && mv "$tmp"/jaula_*.deb "$tmp/out/" || exit 1
			rm -rf "$dir" && mv "$tmp/out" "$dir"
		) || return 1
	fi
	ls "$dir"/jaula_*.deb | head -1
}

# sdguest_install_deb [DEB]: install it in the running guest.
# shellcheck disable=SC2120
sdguest_install_deb() {
	local deb
	deb=$(sdguest_deb "$@") || return $?
	sdguest_copy_in "$deb" /tmp/ || return 1
	sdguest_ssh "dpkg -i /tmp/${deb##*/} && rm -f /tmp/${deb##*/}" </dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	image) sdguest_image ;;
	jailroot) sdguest_jailroot_image ;;
	deb) sdguest_deb "${2:-}" ;;
	run | run-deb)
		sdguest_boot || exit $?
		echo "sdguest: booted in $SDGUEST_BOOT_SECS s (port $SDGUEST_PORT)" >&2
		if [ "$1" = run-deb ]; then sdguest_install_deb >&2 || exit 1; fi
		sdguest_ssh "${2:-true}"
		exit $?
		;;
	*)
		sed -n '2,/^SDGUEST_SKIP=/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
fi
