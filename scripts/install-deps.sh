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
packages="$packages ansible-core" # contrib/ansible's role: t-87 syntax-checks it here (the guest image has its own)
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

# promtool: t-88 checks `jaula list --format prometheus` and
# contrib/prometheus/jaula-rules.yml with it.  Debian ships it only inside
# the prometheus package, whose postinst starts and enables a Prometheus
# server (invoke-rc.d, deb-systemd-helper) and adds a system user; a
# build or test host wants none of that, so only the promtool binary (a
# static Go program) is taken out of the package, into /usr/local/bin.
if ! command -v promtool >/dev/null 2>&1; then
	echo "install-deps: extracting promtool from Debian's prometheus package"
	tmp=$(mktemp -d)
	chmod 0755 "$tmp" # apt-get download writes as user _apt
	rc=0
	if (cd "$tmp" && { apt-get download prometheus 2>/dev/null ||
		{ apt-get update -qq && apt-get download prometheus; }; }) &&
		dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool; then
		install -m 0755 "$tmp/usr/bin/promtool" /usr/local/bin/promtool || rc=1
	else
		rc=1
	fi
	rm -rf "$tmp"
	[ "$rc" = 0 ]
fi

# slapd, nslcd, libnss-ldapd, ldap-utils: the LDAP directory of t-85, which
# runs its own slapd and nslcd in a private mount namespace.  Installed so
# that they change nothing on the host: no daemon is started (a policy-rc.d
# for the install only), slapd builds no database (preseeded), and
# libnss-ldapd leaves /etc/nsswitch.conf alone (its question stays empty);
# their boot-time start is then disabled.
ldap_packages="slapd nslcd libnss-ldapd ldap-utils"
ldap_missing=""
for p in $ldap_packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || ldap_missing="$ldap_missing $p"
done
if [ -n "$ldap_missing" ]; then
	echo "install-deps: installing, with no daemon started:$ldap_missing"
	echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
	made_policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT INT TERM
	fi
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $ldap_missing
	if [ -n "$made_policy" ]; then
		rm -f /usr/sbin/policy-rc.d
		trap - EXIT INT TERM
	fi
	for s in slapd nslcd; do
		if [ -d /run/systemd/system ]; then
			systemctl disable --now "$s" >/dev/null 2>&1 || true
		else
			update-rc.d "$s" disable >/dev/null 2>&1 || true
		fi
	done
fi
