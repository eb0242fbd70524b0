#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-59 — conf/pam-auth-update/jaula with Debian's real pam-auth-update, in a
# private mount namespace over copies of /etc/pam.d, /usr/share/pam-configs,
# /var/lib/pam and the debconf cache (the host's files are never touched):
# not enabled by default, and once enabled it is the LAST line of
# common-session, requisite, and absent from common-session-noninteractive.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd pam-auth-update unshare
T=$(mktemp -d /tmp/jaula-pau.XXXXXX)
on_exit "rm -rf '$T'"
DIRS="/etc/pam.d /usr/share/pam-configs /var/lib/pam /var/cache/debconf"
for d in $DIRS; do
	mkdir -p "$T$d" && cp -a "$d/." "$T$d/" || skip_all "cannot copy $d"
done
cp "$TOP/conf/pam-auth-update/jaula" "$T/usr/share/pam-configs/jaula"

# run ARGS…: pam-auth-update ARGS… over the copies; prints common-session
# and common-session-noninteractive, separated by a line '=='.
run() {
	unshare -m --propagation private bash -c '
		T=$1; shift
		for d in '"$DIRS"'; do mount --bind "$T$d" "$d" || exit 97; done
		DEBIAN_FRONTEND=noninteractive pam-auth-update "$@" >/dev/null 2>&1 || exit 98
		grep -v "^#" /etc/pam.d/common-session | grep .
		echo ==
		grep -v "^#" /etc/pam.d/common-session-noninteractive | grep .' bash "$T" "$@"
}

out=$(run --package); rc=$?
[ $rc = 97 ] && skip_all "cannot bind-mount in a private mount namespace"
expect_eq "pam-auth-update accepts the profile" 0 "$rc"
if grep -q pam_jaula <<<"$out"; then not_ok "the profile is not enabled by default (Default: no)"; echo "$out" | diag
else ok "the profile is not enabled by default (Default: no)"; fi

out=$(run --enable jaula); rc=$?
cs=$(sed '/^==$/,$d' <<<"$out")
csn=$(sed '1,/^==$/d' <<<"$out")
expect_match "enabled: pam_jaula is the last line of common-session, requisite" \
	$'^session[ \t]+requisite[ \t]+pam_jaula.so[ \t]*$' "$(tail -1 <<<"$cs")"
if grep -q pam_jaula <<<"$csn"; then
	not_ok "enabled: not in common-session-noninteractive (cron, sudo: jailsh jails their commands)"; echo "$csn" | diag
else ok "enabled: not in common-session-noninteractive (cron, sudo: jailsh jails their commands)"; fi
if grep pam_jaula <<<"$out" | grep -q optional; then not_ok "never optional"; else ok "never optional"; fi
expect_eq "the host's common-session is unchanged" "" "$(grep pam_jaula /etc/pam.d/common-session)"
finish
