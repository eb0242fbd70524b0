#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-84 — pam_jaula refuses a login whose explicit cgroup_root cannot work
# before it makes anything, through real Linux-PAM (the login-style driver
# tests/helpers/pam_login): a root that does not exist and a directory that
# is no cgroup.  The reason reaches syslog (the same words as
# check-config's), the user sees the short generic refusal, and no jail,
# state or cgroup is left.  A good explicit root (this host's
# /sys/fs/cgroup on v1) lets the same login in.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
need_root
SO=${JAULA_PAM_SO:-$TOP/pam_module/pam_jaula.so}
DRIVER=$TOP/tests/helpers/pam_login
[ -e "$SO" ] || skip_all "pam_module/pam_jaula.so is not built"
[ -x "$DRIVER" ] || skip_all "tests/helpers/pam_login is not built (make check builds it)"

install_jailsh || skip_all "cannot install a setuid copy of jailsh"
ROOTFS=$(ssh_rootfs 2>/dev/null) || ROOTFS=$(debootstrap_rootfs) || skip_all "no debootstrap rootfs"
GROUP=jaula-g$TAG
POLICY_GROUP=$GROUP POLICY_ROOTFS=$ROOTFS POLICY_PROFILE_EXTRA='limits = { memory = "256M"; pids = 100; };' \
	write_policy || skip_all "cannot write the test policy"
JU=jaula-c${TAG}j
make_user "$JU" "$GROUP" >/dev/null || skip_all "cannot create the test user"
JB_UIDS="$(id -u "$JU")"
svc=jaula-cr-$TAG
pam_service "$svc" <<-EOF
	auth     required  pam_permit.so
	account  required  pam_permit.so
	session  required  pam_permit.so
	session  requisite $SO config=$JB_POLICY jailsh=$JB_JAILSH
EOF
cp "$JB_POLICY" "$JB_DIR/policy.good"
with_root() { # ROOT: the test policy with cgroup_root = ROOT
	sed "s|^  state_dir = |  cgroup_root = \"$1\";\\n  state_dir = |" "$JB_DIR/policy.good" > "$JB_POLICY"
}
cg_left() { find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$JB_CGPATH" 2>/dev/null | tr '\n' ' '; }

n=0
for case in "no-such-cgroup:does not exist" "plain:is not a cgroup directory"; do
	dir=$JB_DIR/${case%%:*} why=${case#*:}
	n=$((n + 1))
	[ "${case%%:*}" = plain ] && mkdir -p "$dir/memory"
	with_root "$dir"
	with_syslog "$JB_DIR/syslog$n" "$DRIVER" -C "$JB_DIR/pam.d" -s "$svc" "$JU" -c "echo RAN-INSIDE" \
		> "$JB_DIR/user-out" 2>&1; rc=$?
	if [ $rc -ne 0 ] && ! grep -q RAN-INSIDE "$JB_DIR/user-out"; then
		ok "cgroup_root that $why: the PAM session is refused, nothing runs"
	else
		not_ok "cgroup_root that $why: the PAM session is refused, nothing runs (rc $rc)"
		diag < "$JB_DIR/user-out"
	fi
	expect_match "… syslog says why, as check-config does" \
		"pam_jaula\\($svc:session\\): .*cgroup_root: '$dir' $why" "$(syslog_lines "$JB_DIR/syslog$n")"
	expect_match "… the user sees the short refusal only" \
		"^jaula: your session could not be set up; contact the administrator$" \
		"$(grep -v '^pam_login:' "$JB_DIR/user-out")"
	expect_eq "… and nothing was made (jails, cgroups)" "0:" "$(jail_ids | wc -l):$(cg_left)"
done

mode=$("$TOP/tests/helpers/cgroup_run" -p "$JB_CGPATH" mode 2>/dev/null || echo unknown)
if [ "$mode" = v1 ] || [ "$mode" = hybrid ]; then
	with_root /sys/fs/cgroup
	out=$("$DRIVER" -C "$JB_DIR/pam.d" -s "$svc" "$JU" -c "cat /etc/jaula-ssh-rootfs" 2>&1); rc=$?
	expect_eq "cgroup_root = /sys/fs/cgroup (v1, explicit): the same login runs in the jail" \
		"0 $(cat "$ROOTFS/etc/jaula-ssh-rootfs" 2>/dev/null)" "$rc $(grep -v '^pam_login:' <<<"$out" | tail -1)"
	[ $rc -eq 0 ] || diag <<<"$out"
	expect_jails_gone "… and its jail ends with the session" 5
else
	skip "a good explicit root through PAM: this host's layout is $mode (t-83 covers v2 in a VM)"
fi
finish
