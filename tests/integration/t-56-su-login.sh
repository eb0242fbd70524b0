#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-56 — the other login paths: `su -l USER -c CMD` (util-linux su, PAM
# service su-l), `login -f USER` on a pty (util-linux login, service
# login), and the login-style driver tests/helpers/pam_login running an
# interactive login shell.  su and login read /etc/pam.d, which tests never
# edit: they run in a private mount namespace where copies of the host's
# su, su-l and login stacks with the pam_jaula line are bound over them.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
need_root
need_cmd su unshare script
SO=${JAULA_PAM_SO:-$TOP/pam_module/pam_jaula.so}
DRIVER=$TOP/tests/helpers/pam_login
[ -e "$SO" ] || skip_all "pam_module/pam_jaula.so is not built"
[ -x "$DRIVER" ] || skip_all "tests/helpers/pam_login is not built (make check builds it)"
install_jailsh || skip_all "cannot build a test jailsh"
ROOTFS=$(ssh_rootfs) || skip_all "cannot build the ssh test rootfs"
POLICY_GROUP=jaula-g$TAG
POLICY_ROOTFS=$ROOTFS
write_policy || skip_all "cannot write the test policy"
JU=jaula-p${TAG}j
make_user "$JU" "$POLICY_GROUP" >/dev/null || skip_all "cannot create a test user"
JB_UIDS=$(id -u "$JU")

printf '#!/bin/sh\n[ "$PAM_TYPE" = open_session ] && echo "$PAM_SERVICE" >> %s/services\nexit 0\n' "$JB_DIR" > "$JB_DIR/mark.sh"
chmod 0755 "$JB_DIR/mark.sh"
cat > "$JB_DIR/pam-test" <<EOT
auth     sufficient pam_rootok.so
auth     required   pam_deny.so
account  required   pam_permit.so
password required   pam_deny.so
session  required   pam_permit.so
session  optional   pam_exec.so quiet $JB_DIR/mark.sh
session  requisite  $SO config=$JB_POLICY jailsh=$JB_JAILSH
EOT
# The host's own su, su-l and login stacks (dpkg conffiles: pam_env,
# pam_limits, pam_loginuid, common-session with pam_systemd…) plus the
# marker and the line README asks for, last, as an administrator would.
for s in su su-l login; do
	{ cat "/etc/pam.d/$s"
	  echo "session  optional   pam_exec.so quiet $JB_DIR/mark.sh"
	  echo "session  requisite  $SO config=$JB_POLICY jailsh=$JB_JAILSH"; } > "$JB_DIR/pam-$s"
done
# in_ns CMD…: CMD where su, su-l and login use those files.
in_ns() {
	unshare -m --propagation private bash -c '
		for s in su su-l login; do mount --bind "$1-$s" /etc/pam.d/$s || exit 97; done
		shift; exec "$@"' bash "$JB_DIR/pam" "$@"
}
services() { sort -u "$JB_DIR/services" | tr '\n' ' ' | sed 's/ $//'; }

# --- su -l
: > "$JB_DIR/services"
out=$(in_ns su -l "$JU" -c 'cat /etc/jaula-ssh-rootfs; hostname' 2>&1); rc=$?
[ $rc = 97 ] && skip_all "cannot bind test files over /etc/pam.d in a private mount namespace"
expect_eq "su -l USER -c CMD runs CMD in the jail" "jaula ssh test rootfs jb-$TAG" "$(echo $out)"
expect_eq "su -l uses the PAM service su-l" "su-l" "$(services)"
expect_jails_gone "su -l: the jail ends when su closes the session" 5
: > "$JB_DIR/services"
out=$(in_ns su "$JU" -c 'cat /etc/jaula-ssh-rootfs' 2>&1)
expect_eq "plain su (service su) with the module is jailed too" "jaula ssh test rootfs / su" "$(echo $out) / $(services)"
expect_jails_gone "su: the jail ends when su closes the session" 5

# --- login -f on a pty
: > "$JB_DIR/services"
out=$( (sleep 5; printf 'cat /etc/jaula-ssh-rootfs; tty\n'; sleep 3; printf 'exit\n') |
	timeout 30 unshare -m --propagation private bash -c '
		for s in su su-l login; do mount --bind "$1-$s" /etc/pam.d/$s || exit 97; done
		exec script -qec "login -f $2" /dev/null' bash "$JB_DIR/pam" "$JU" 2>&1 | tr -d '\r')
expect_match "login -f USER (util-linux, on a pty) lands in the jail" "jaula ssh test rootfs" "$out"
expect_match "... with its terminal (bound in as /dev/console)" $'\n/dev/console' "$out"
expect_eq "... through the PAM service login" "login" "$(services)"
expect_jails_gone "login: the jail ends at logout" 5

# --- the login-style driver: interactive login shell on stdin
pam_service "jaula-login-$TAG" < "$JB_DIR/pam-test"
out=$(printf 'cat /etc/jaula-ssh-rootfs\nhostname\nexit 3\n' | "$DRIVER" -C "$JB_DIR/pam.d" -s "jaula-login-$TAG" "$JU" 2>&1); rc=$?
expect_eq "pam_login: an interactive login shell runs in the jail, its exit status comes back" \
	"jaula ssh test rootfs jb-$TAG rc=3" "$(echo $out) rc=$rc"
expect_jails_gone "pam_login: the jail ends with close_session" 5
finish
