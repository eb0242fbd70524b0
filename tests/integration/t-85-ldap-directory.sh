#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-85 — identities from a real LDAP directory.  A private slapd on
# 127.0.0.1 holds posixAccount users and a posixGroup (uids and gids in
# 7xxxxx); the host resolves them through nslcd (libnss-ldapd), and a real
# sshd with Debian's stock config and PAM stack logs them in with keys.
#   - a directory user in the directory group the policy jails lands in
#     that group's jail (hostname, rootfs, uid);
#   - a user removed from the group with ldapmodify is not matched by the
#     group rule at the next login, and is again once added back (nslcd
#     keeps no cache; see README for nscd and SSSD, whose caches make this
#     a window);
#   - with slapd killed, a user the policy would jail is refused — the
#     directory user by sshd (unknown user), and a user whose passwd entry
#     is local but whose jailing group is in the directory by pam_jaula,
#     with the reason in syslog, through the thin module and through the
#     full one — while root and a local user decided before the group rule
#     still log in.
#
# Host hygiene: everything runs in a private mount namespace (this script
# re-executes itself under `unshare -m`) where /etc/nsswitch.conf,
# /etc/nslcd.conf and /run are bind mounts of test files; slapd and nslcd
# are started here and killed by PID (tests/integration/ldap.sh, which
# also says why nslcd rather than SSSD).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
source "$(dirname "$0")/ldap.sh"

need_root
need_cmd ssh ssh-keygen socat
why=$(ldap_missing) && skip_all "$why"
[ -e "$TOP/pam_module/pam_jaula.so" ] || skip_all "pam_module/pam_jaula.so is not built"
[ -x "$TOP/cli/jaula" ] || skip_all "cli/jaula is not built"

LDAP_NAME=t85 ldap_enter_ns "$0" "$@"
ldap_ns_setup || skip_all "cannot set up the private mount namespace"
ldap_names

# ------------------------------------------------------------ set-up

install_jailsh || skip_all "cannot install a setuid copy of jailsh"
ROOTFS=$(ssh_rootfs) || skip_all "cannot build the ssh test rootfs"
write_directory "$UA" "$UB" "$UM" || { diag < "$L/slapadd.log"; skip_all "slapadd cannot load the test directory"; }
start_slapd || skip_all "cannot start slapd"
start_nslcd || skip_all "cannot start nslcd"

# Directory users' homes (sshd and jailsh need them).
for u in "$UA" "$UB"; do
	mkdir -m 0755 "$HOMES/$u"
	chown "$(id -u "$u"):$((BASEID + 1))" "$HOMES/$u"
done
# UM: in /etc/passwd with a uid outside both ranges of the policy (only
# the group rule can jail it), its jailing group only in the directory.
# UL: a plain local user with a host shell.
_jb_dir
mkdir -m 0700 -p "$JB_DIR/ukeys"
make_user "$UM" "jaula-mg$TAG" || skip_all "cannot create a local user"
usermod -u "$UM_UID" "$UM" 2> /dev/null && chown -R "$UM" "$(getent passwd "$UM" | cut -d: -f6)" ||
	skip_all "cannot give $UM a uid outside the local range"
make_user "$UL" "jaula-lg$TAG" /bin/bash || skip_all "cannot create a local user"
# Keys for the directory users and root (AuthorizedKeysFile is the test's).
for u in "$UA" "$UB" root; do
	ssh-keygen -q -t ed25519 -N '' -f "$JB_DIR/ukeys/$u" || skip_all "ssh-keygen failed"
done

# The policy: local accounts (root, UL) decided first by uid, as README
# advises for directory hosts; then the directory group; then every other
# directory uid in a second profile, so that leaving the group shows as a
# different jail rather than as a refusal.
mkdir -m 0755 -p "$JB_DIR/etc"
JB_POLICY=$JB_DIR/etc/jaula.conf
JB_STATE=$JB_DIR/state
JB_CGPATH=jaula-t$TAG
JB_UIDS="$((BASEID + 3)) $((BASEID + 4)) $UM_UID"
on_exit "_sweep_jails"
cat > "$JB_POLICY" <<EOF
global = { state_dir = "$JB_STATE"; cgroup_path = "$JB_CGPATH"; };
rootfs = { ssh = { path = "$ROOTFS"; }; };
profiles = {
  jailed = { rootfs = "ssh"; hostname = "jb-$TAG"; };
  rest = { rootfs = "ssh"; hostname = "jr-$TAG"; };
};
match = (
  { name = "local"; uids = [ "0-59999" ]; exempt = true; },
  { name = "directory-group"; groups = [ "$DGROUP" ]; profile = "jailed"; },
  { name = "directory-rest"; uids = [ "700000-799999" ]; profile = "rest"; }
);
EOF
chmod 0644 "$JB_POLICY"
mount --bind "$JB_DIR/etc" "$ETCDIR" || skip_all "cannot bind the policy under /etc"
on_exit "umount '$ETCDIR'"
THIN_POLICY=$ETCDIR/jaula.conf
out=$("$JAULA" check-config --config "$THIN_POLICY" 2>&1) ||
	{ printf '%s\n' "$out" | diag; skip_all "the test policy does not check"; }

SSHD_PAM_ARGS="config=$THIN_POLICY jailsh=$JB_JAILSH debug" SSHD_JAIL_GROUP=$DGROUP SSHD_SYSLOG=1 \
	SSHD_EXTRA="AllowUsers root" start_sshd PORT || skip_all "cannot start a test sshd"
for u in "$UA" "$UB" root; do
	install -m 0644 "$JB_DIR/ukeys/$u.pub" "$SSHD_DIR/keys/$u.pub"
done
LOG=$SSHD_DIR/syslog.log

# ------------------------------------------------------------ directory up

expect_eq "nslcd resolves the directory user (uid from the directory)" \
	"$((BASEID + 3))" "$(id -u "$UA" 2>&1)"
expect_match "... and the directory group with its members" \
	"^$DGROUP:.*:$((BASEID + 2)):.*$UA" "$(getent group "$DGROUP" 2>&1)"

out=$(ssh_as "$UA" 'hostname; cat /etc/jaula-ssh-rootfs; id -u; id -gn' 2>&1)
expect_eq "a directory user in the jailed directory group lands in that group's jail" \
	"jb-$TAG|jaula ssh test rootfs|$((BASEID + 3))|$DPRIMARY" "$(tr '\n' '|' <<<"$out" | sed 's/|$//')"
remember_jails
out=$(ssh_as "$UM" 'hostname; id -u' 2>&1)
expect_eq "a local user whose jailing group is in the directory lands in that jail too" \
	"jb-$TAG|$UM_UID" "$(tr '\n' '|' <<<"$out" | sed 's/|$//')"
out=$(ssh_as "$UB" hostname 2>&1)
expect_eq "the second directory user is in the group's jail before leaving the group" "jb-$TAG" "$out"
remember_jails
expect_jails_gone "every jail ends with its login" 10

# ------------------------------------------------------------ membership change

ldap_modify > "$L/modify.log" 2>&1 <<EOF
dn: cn=$DGROUP,ou=groups,$BASE
changetype: modify
delete: memberUid
memberUid: $UB
EOF
check "ldapmodify removes $UB from $DGROUP" test $? = 0
# nslcd keeps no cache and no nscd runs here: the next lookup sees the
# change.  With nscd, `nscd -i group`; with SSSD, `sss_cache -E` (README).
out=$(ssh_as "$UB" hostname 2>&1)
expect_eq "at the next login the removed user is no longer matched by the group rule (lands in the other rule's jail)" \
	"jr-$TAG" "$out"
remember_jails
expect_jails_gone "the jail ends with the login" 10

ldap_modify > "$L/modify.log" 2>&1 <<EOF
dn: cn=$DGROUP,ou=groups,$BASE
changetype: modify
add: memberUid
memberUid: $UB
EOF
check "ldapmodify adds $UB back to $DGROUP" test $? = 0
out=$(ssh_as "$UB" hostname 2>&1)
expect_eq "at the next login the user added to the group is in the group's jail again" "jb-$TAG" "$out"
remember_jails
expect_jails_gone "the jail ends with the login" 10

# forward_probe USER: `ssh -N -L` to this sshd's own port through USER's
# login; prints "forwarded" when the host's sshd banner came through the
# forward, else "not forwarded".  (When the PAM session fails, sshd 9.2
# keeps the connection but restricts it: no forwarding, no command.)
forward_probe() {
	local fport fpid banner= i
	fport=$(_free_port)
	ssh_as "$1" -N "-L127.0.0.1:$fport:127.0.0.1:$SSHD_PORT" > "$L/fwd.out" 2>&1 &
	fpid=$!
	for i in $(seq 50); do
		kill -0 "$fpid" 2> /dev/null || break
		banner=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$fport && head -c 7 <&3" 2> /dev/null)
		[ -n "$banner" ] && break
		sleep 0.1
	done
	if [ -n "$banner" ]; then echo forwarded; else echo "not forwarded"; fi
	kill $(pgrep -P "$fpid") "$fpid" 2> /dev/null
	wait "$fpid" 2> /dev/null
}
# The probe itself: a local user whom no jail holds forwards from the host.
expect_eq "ssh -N -L of an unjailed local user forwards from the host's network (the probe works)" \
	"forwarded" "$(forward_probe "$UL")"

# ------------------------------------------------------------ directory down

stop_slapd
# The first lookups after the loss wait for nslcd's reconnect; let it
# give up once before the logins (only to keep the test short).
getent passwd "$UA" > /dev/null 2>&1
before=$(wc -c < "$LOG")

expect_eq "with slapd down, the directory user is unknown to NSS (a lookup error)" "" \
	"$(getent passwd "$UA" 2>/dev/null)"
before_sshd=$(wc -c < "$SSHD_DIR/sshd.log")
if out=$(ssh_as "$UA" hostname 2>&1); then
	not_ok "with slapd down, the directory user cannot log in"; echo "$out" | diag
else
	ok "with slapd down, the directory user cannot log in"
fi
expect_match "... sshd cannot resolve the user" "Invalid user $UA" \
	"$(tail -c +$((before_sshd + 1)) "$SSHD_DIR/sshd.log")"

out=$(ssh_as "$UM" hostname 2>&1); rc=$?
if [ "$rc" != 0 ] && [ -z "$(jail_ids)" ]; then
	ok "with slapd down, the local user whose jailing group is in the directory is refused (thin module path)"
else
	not_ok "with slapd down, the local user whose jailing group is in the directory is refused (thin module path)"
	echo "rc=$rc out=$out" | diag
fi
sleep 0.3
newlog=$(tail -c +$((before + 1)) "$LOG" | { syslog_lines /dev/stdin; })
expect_match "... the thin module hands the lookup error to the full module" \
	"Loading the full module: the user's groups could not be looked up" "$newlog"
expect_match "... which refuses and logs why (a group lookup failed)" \
	"Cannot jail user '$UM'.*group lookup failed" "$newlog"
if grep -q "not jailed here" <<<"$newlog$out"; then
	not_ok "... by pam_jaula, before any shell runs (jailsh was reached)"
else
	ok "... by pam_jaula, before any shell runs"
fi

# What a "not jailed" from pam_jaula would give away even with jailsh as
# the shell: sshd opens the PAM session for `ssh -N` too, and forwards
# ports from the host's network when pam_jaula has put it in no jail.
before_sshd=$(wc -c < "$SSHD_DIR/sshd.log")
expect_eq "... and gets no port forwarding from the host's network (ssh -N -L to the host's sshd)" \
	"not forwarded" "$(forward_probe "$UM")"
expect_match "... because sshd restricts a connection whose PAM session was refused" \
	"PAM: pam_open_session\(\)" "$(tail -c +$((before_sshd + 1)) "$SSHD_DIR/sshd.log")"

# The full module decides alone for a policy outside /etc.
sshd_pam_args "config=$JB_POLICY jailsh=$JB_JAILSH"
before=$(wc -c < "$LOG")
out=$(ssh_as "$UM" hostname 2>&1); rc=$?
sleep 0.3
newlog=$(tail -c +$((before + 1)) "$LOG" | { syslog_lines /dev/stdin; })
if [ "$rc" != 0 ] && grep -q "Cannot jail user '$UM'.*group lookup failed" <<<"$newlog"; then
	ok "... and so it is through the full module, reason logged"
else
	not_ok "... and so it is through the full module, reason logged"
	{ echo "rc=$rc out=$out"; printf '%s\n' "$newlog" | tail -5; } | diag
fi
sshd_pam_args "config=$THIN_POLICY jailsh=$JB_JAILSH debug"

out=$(ssh_as root 'id -u' 2>&1)
expect_eq "with slapd down, root still logs in" 0 "$out"
out=$(ssh_as "$UL" 'id -un' 2>&1)
expect_eq "with slapd down, a local user (exempt by uid, before the group rule) still logs in" "$UL" "$out"
expect_jails_gone "nothing is left of the refused logins" 10

finish
