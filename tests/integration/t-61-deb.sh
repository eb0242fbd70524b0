#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-61-deb — the Debian package: `dpkg-buildpackage -us -uc -b` on a copy
# of HEAD (git archive) builds a .deb that lintian accepts without errors,
# with jailsh setuid root, /etc/jaula/jaula.conf a conffile, the PAM
# profile installed but not enabled, and no user touched at install.
# About a minute; the unit tests are left to `make check` (nocheck).
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd git
cd "$TOP" || exit 1
git rev-parse --verify -q HEAD:debian/control >/dev/null || skip_all "debian/ is not committed at HEAD"

missing=""
for p in dpkg-dev debhelper lintian fakeroot; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "# installing:$missing"
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; then
		skip_all "cannot install$missing (no package mirror?)"
	fi
fi

work=$(mktemp -d /tmp/jaula-t61.XXXXXX)
on_exit "rm -rf '$work'"
mkdir "$work/src"
git archive HEAD | tar -x -C "$work/src"
cd "$work/src" || exit 1
if ! deps=$(dpkg-checkbuilddeps -B 2>&1); then
	skip_all "build dependencies missing (run scripts/install-deps.sh): $deps"
fi

start=$(date +%s)
DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b > "$work/build.log" 2>&1
rc=$?
expect_eq "dpkg-buildpackage -us -uc -b succeeds ($(( $(date +%s) - start )) s)" 0 "$rc"
[ $rc -eq 0 ] || { tail -25 "$work/build.log" | diag; finish; }
deb=$(ls "$work"/jaula_*.deb 2>/dev/null | head -1)
[ -f "$deb" ] && ok "a .deb was built: ${deb##*/}" || { not_ok "a .deb was built"; finish; }

lint=$(cd "$work" && lintian --fail-on error --pedantic --display-info ./*.changes 2>&1); rc=$?
expect_eq "lintian reports no error" 0 "$rc"
printf '%s\n' "$lint" | grep -E '^[EW]:' | diag
if printf '%s\n' "$lint" | grep -q '^E:'; then not_ok "no E: tag"; else ok "no E: tag"; fi

contents=$(dpkg-deb -c "$deb")
expect_match "jailsh is setuid root (4755 root/root)" "-rwsr-xr-x root/root +[0-9]+ [-0-9]+ [:0-9]+ \./usr/sbin/jailsh" "$contents"
expect_match "jaula is installed" "\./usr/sbin/jaula" "$contents"
expect_match "pam_jaula.so is in the multiarch PAM directory" "\./lib/[a-z0-9_-]+/security/pam_jaula\.so" "$contents"
expect_match "pam_jaula_full.so, which the thin module loads, is beside it" \
	"\./lib/[a-z0-9_-]+/security/pam_jaula_full\.so" "$contents"
for m in jaula.8 jailsh.8 pam_jaula.8 jaula.conf.5; do
	expect_match "man page $m is installed" "/usr/share/man/man[58]/$m\.gz" "$contents"
done

mkdir "$work/ctl" "$work/root"
dpkg-deb -e "$deb" "$work/ctl"
dpkg-deb -x "$deb" "$work/root"
expect_match "/etc/jaula/jaula.conf is a conffile" "^/etc/jaula/jaula.conf$" "$(cat "$work/ctl/conffiles" 2>/dev/null)"
prof="$work/root/usr/share/pam-configs/jaula"
[ -f "$prof" ] && ok "the pam-auth-update profile is installed" || not_ok "the pam-auth-update profile is installed"
expect_eq "… and not enabled by default" "Default: no" "$(grep '^Default:' "$prof" 2>/dev/null)"
scripts=$(cat "$work"/ctl/{preinst,postinst,prerm,postrm} 2>/dev/null)
if grep -qE 'usermod|useradd|adduser|chsh|pam-auth-update --package *$|pam-auth-update --enable' <<<"$scripts"; then
	not_ok "no maintainer script changes a user or enables the PAM profile"; printf '%s\n' "$scripts" | diag
else
	ok "no maintainer script changes a user or enables the PAM profile"
fi
expect_match "prerm takes the profile out on remove" "pam-auth-update --package --remove jaula" "$scripts"
# The systemd units (docs/cgroups.md): the slice of every jail and the
# boot-time check, enabled by the package but started by nothing in it.
for u in jaula.slice jaula-prepare.service; do
	expect_match "unit $u is installed" "\./lib/systemd/system/$u" "$contents"
done
expect_eq "jaula.slice sets TasksMax deliberately" "TasksMax=infinity" \
	"$(grep -x 'TasksMax=infinity' "$work/root/lib/systemd/system/jaula.slice" 2>/dev/null)"
unit=$(cat "$work/root/lib/systemd/system/jaula-prepare.service" 2>/dev/null)
expect_match "jaula-prepare.service runs check-config" \
	"ExecStart=/usr/sbin/jaula check-config --verbose" "$unit"
expect_match "… before sshd, wanted by multi-user.target" \
	"Before=ssh.service.*WantedBy=multi-user.target" "$(tr '\n' ' ' <<<"$unit")"
expect_match "postinst enables jaula-prepare.service" \
	"deb-systemd-helper enable '?jaula-prepare.service" "$scripts"
if grep -qE 'deb-systemd-invoke (start|restart)|systemctl.* start' <<<"$scripts"; then
	not_ok "no maintainer script starts a unit"; grep -E 'start' <<<"$scripts" | diag
else
	ok "no maintainer script starts a unit"
fi
# Stopping the slice would end every jail (an upgrade must not).
if grep -E 'deb-systemd-invoke|systemctl' <<<"$scripts" | grep -q 'jaula\.slice'; then
	not_ok "no maintainer script stops or starts jaula.slice"; grep 'jaula\.slice' <<<"$scripts" | diag
else
	ok "no maintainer script stops or starts jaula.slice"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants the ExecStart binary where the unit names it: copies
	# pointing at the packaged one.
	mkdir "$work/units"
	cp "$work/root/lib/systemd/system/jaula.slice" "$work/units/"
	sed "s|^ExecStart=/usr/sbin/jaula |ExecStart=$work/root/usr/sbin/jaula |" \
		"$work/root/lib/systemd/system/jaula-prepare.service" > "$work/units/jaula-prepare.service"
	v=$(systemd-analyze verify --man=no "$work/units/jaula.slice" "$work/units/jaula-prepare.service" 2>&1); rc=$?
	expect_eq "systemd-analyze verify accepts both units" 0 "$rc"
	[ $rc -eq 0 ] || diag <<<"$v"
else
	skip "systemd-analyze verify: systemd is not installed here"
fi
out=$("$work/root/usr/sbin/jaula" --help 2>&1)
expect_match "the packaged jaula runs" "check-kernel" "$out"
finish
