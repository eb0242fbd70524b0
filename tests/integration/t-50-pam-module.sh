#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-50 — pam_jaula.so through real Linux-PAM: pamtester (a service in
# /etc/pam.d/jaula-pt-TAG) and the login-style driver tests/helpers/pam_login
# (pam_start_confdir with a test confdir).  Options, unmatched and exempt
# users, every refusal of a matched user, what reaches syslog, and, when
# the jail core is there, the jail a session opens and closes.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
need_root
need_cmd pamtester socat
SO=${JAULA_PAM_SO:-$TOP/pam_module/pam_jaula.so}
DRIVER=$TOP/tests/helpers/pam_login
[ -e "$SO" ] || skip_all "pam_module/pam_jaula.so is not built"
[ -x "$DRIVER" ] || skip_all "tests/helpers/pam_login is not built (make check builds it)"

exports=$(nm -D --defined-only "$SO" | awk '{print $3}' | sort | tr '\n' ' ')
expect_eq "pam_jaula.so exports only pam_sm_* entry points" "pam_sm_close_session pam_sm_open_session " "$exports"
undef=$(nm -D --undefined-only "$SO" | awk '/ jaula_/ {print $2}' | tr '\n' ' ')
[ -z "$undef" ] || skip_all "jail core not built: pam_jaula.so cannot load (libjaula lacks: $undef)"

install_jailsh || skip_all "cannot install a setuid copy of jailsh"
ROOTFS=$(ssh_rootfs 2>/dev/null) || ROOTFS=$(debootstrap_rootfs) || skip_all "no debootstrap rootfs"
GROUP=jaula-g$TAG
POLICY_GROUP=$GROUP POLICY_ROOTFS=$ROOTFS write_policy || skip_all "cannot write the test policy"
JU=jaula-p${TAG}j    # jailed
FU=jaula-p${TAG}f    # free: not matched
make_user "$JU" "$GROUP" >/dev/null || skip_all "cannot create test users"
make_user "$FU" "jaula-h$TAG" /bin/sh >/dev/null || skip_all "cannot create test users"
JB_UIDS="$(id -u "$JU")"

svc=jaula-pt-$TAG
# service ARGS… : the test service with pam_jaula ARGS as its last line,
# after a snapshot hook that records the jails that exist mid-session.
cat > "$JB_DIR/snap.sh" <<EOF
#!/bin/sh
[ "\$PAM_TYPE" = open_session ] || exit 0
ls "$JB_STATE/jails" 2>/dev/null | grep -v '\.lock\$' > "$JB_DIR/snap.\$PAM_USER" || true
EOF
chmod 0755 "$JB_DIR/snap.sh"
service() {
	pam_service "$svc" <<-EOF
	auth     required  pam_permit.so
	account  required  pam_permit.so
	session  required  pam_permit.so
	session  requisite $SO $*
	session  optional  pam_exec.so quiet $JB_DIR/snap.sh
	EOF
}
pt() { pamtester -v "$svc" "$1" open_session close_session 2>&1; }

# --- options
service "config=$JB_POLICY" bogus=1
out=$(pt "$FU"); rc=$?
expect_match "an unknown option refuses the session (PAM_SERVICE_ERR), even unmatched users" \
	"Error in service module" "rc=$rc $out"
service "config=$JB_POLICY" "jailsh=relative/path"
out=$(pt "$FU")
expect_match "a relative jailsh= path is an invalid option" "Error in service module" "$out"

# --- unmatched and exempt users
service "config=$JB_POLICY" "jailsh=$JB_JAILSH"
out=$(pt "$FU"); rc=$?
if [ $rc = 0 ] && [[ "$out" == *"successfully opened"* ]] && [ ! -s "$JB_DIR/snap.$FU" ]; then
	ok "an unmatched user gets PAM_IGNORE: the session opens, no jail"
else
	not_ok "an unmatched user gets PAM_IGNORE: the session opens, no jail"
	{ echo "rc=$rc"; echo "$out"; cat "$JB_DIR/snap.$FU" 2>/dev/null; } | diag
fi
cp "$JB_POLICY" "$JB_DIR/policy.good"
sed -i "s|^match = (|match = (\n  { name = \"exempt-one\"; users = [ \"$JU\" ]; exempt = true; },|" "$JB_POLICY"
out=$(pt "$JU"); rc=$?
if [ $rc = 0 ] && [ ! -s "$JB_DIR/snap.$JU" ]; then ok "an exempt user gets PAM_IGNORE: no jail"
else not_ok "an exempt user gets PAM_IGNORE: no jail"; echo "$out" | diag; fi
cp "$JB_DIR/policy.good" "$JB_POLICY"

# --- refusals of a matched user: each must refuse, run no command, leave nothing
refused() { # DESC: the driver refuses JU's session and never runs the command
	local out rc
	rm -f "$JB_DIR/ran"
	out=$("$DRIVER" -C "$JB_DIR/pam.d" -s "$svc" "$JU" -c "touch $JB_DIR/ran" 2>&1); rc=$?
	if [ $rc = 90 ] && [ ! -e "$JB_DIR/ran" ]; then ok "$1"
	else not_ok "$1"; { echo "rc=$rc (90 = session refused)"; echo "$out"; } | diag; fi
}
printf 'global = { state_dir = "%s" \n' "$JB_STATE" > "$JB_POLICY"
refused "a matched user with a broken policy (syntax error) is refused"
service "config=$JB_DIR/etc/missing.conf" "jailsh=$JB_JAILSH"
refused "a missing policy file refuses the session (fail closed)"
service "config=$JB_POLICY" "jailsh=$JB_JAILSH"
cp "$JB_DIR/policy.good" "$JB_POLICY"; chmod 0664 "$JB_POLICY"
refused "a group-writable policy refuses the session"
chmod 0644 "$JB_POLICY"
sed "s|path = \"$ROOTFS\"|path = \"$JB_DIR/no-such-rootfs\"|" "$JB_DIR/policy.good" > "$JB_POLICY"
refused "a matched user whose rootfs is missing is refused"
cp "$JB_DIR/policy.good" "$JB_POLICY"
service "config=$JB_POLICY" "jailsh=$JB_DIR/no-such-jailsh"
refused "a matched user is refused when jailsh is missing"
install -m 0755 "$JAILSH" "$JB_DIR/jailsh-nosuid"
service "config=$JB_POLICY" "jailsh=$JB_DIR/jailsh-nosuid"
refused "a matched user is refused when jailsh is not setuid root"
service "config=$JB_POLICY" "jailsh=$JB_JAILSH"
_retry usermod -s /bin/sh "$JU"
refused "a matched user whose login shell is not jailsh is refused"
_retry usermod -s "$JB_JAILSH" "$JU"
expect_jails_gone "the refusals left no jail, state file, process, cgroup or mount" 5

# --- what the administrator sees: pam_syslog only, file:line for policy errors
printf 'global = { state_dir = "%s"; };\nprofiles = { p = { rootfs = "nope"; }; };\nmatch = ( { groups = [ "%s" ]; profile = "p"; } );\n' \
	"$JB_STATE" "$GROUP" > "$JB_POLICY"
with_syslog "$JB_DIR/syslog" "$DRIVER" -C "$JB_DIR/pam.d" -s "$svc" "$JU" -c true > "$JB_DIR/user-out" 2>&1
log=$(syslog_lines "$JB_DIR/syslog")
[ -n "${JB_VERBOSE:-}" ] && echo "$log" | diag
expect_match "policy errors reach syslog through pam_syslog with FILE:LINE" \
	"pam_jaula\\($svc:session\\): $JB_POLICY:[0-9]+: " "$log"
expect_match "the user sees one short generic message" \
	"^jaula: your session could not be set up; contact the administrator$" "$(cat "$JB_DIR/user-out" | grep -v '^pam_login:')"
if grep -q "$JB_POLICY\|rootfs" "$JB_DIR/user-out"; then
	not_ok "the user sees no policy detail"; diag < "$JB_DIR/user-out"
else ok "the user sees no policy detail"; fi
service "config=$JB_POLICY" bogus
with_syslog "$JB_DIR/syslog2" "$DRIVER" -C "$JB_DIR/pam.d" -s "$svc" "$FU" -c true > /dev/null 2>&1
expect_match "an unknown option is logged" "pam_jaula\\($svc:session\\): Unknown or invalid option 'bogus'" \
	"$(syslog_lines "$JB_DIR/syslog2")"
cp "$JB_DIR/policy.good" "$JB_POLICY"
service "config=$JB_POLICY" "jailsh=$JB_JAILSH" debug
with_syslog "$JB_DIR/syslog3" "$DRIVER" -C "$JB_DIR/pam.d" -s "$svc" "$FU" -c true > /dev/null 2>&1
expect_match "debug: the library's debug lines reach syslog" \
	"pam_jaula\\($svc:session\\): User '$FU' is not jailed \\(no rule matches\\)" "$(syslog_lines "$JB_DIR/syslog3")"
with_syslog "$JB_DIR/syslog4" pamtester "$svc" "$FU" open_session close_session > /dev/null 2>&1
service "config=$JB_POLICY" "jailsh=$JB_JAILSH"
with_syslog "$JB_DIR/syslog5" pamtester "$svc" "$FU" open_session close_session > /dev/null 2>&1
if [ -s "$JB_DIR/syslog4" ] && ! grep -q pam_jaula "$JB_DIR/syslog5"; then
	ok "without debug an unmatched user leaves no log line"
else
	not_ok "without debug an unmatched user leaves no log line"; syslog_lines "$JB_DIR/syslog5" | diag
fi

# --- a real jailed session (needs the jail core)
out=$("$DRIVER" -v -C "$JB_DIR/pam.d" -s "$svc" "$JU" -c 'cat /etc/jaula-ssh-rootfs; hostname' 2>&1); rc=$?
if [ $rc != 0 ] || ! grep -q "jaula ssh test rootfs" <<<"$out"; then
	if grep -qi "not implemented" <<<"$out"; then why="jail core not built: jailsh refuses"
	else why="a jailed session does not reach the jail yet (rc=$rc): $(tail -2 <<<"$out" | tr '\n' ' ')"; fi
	skip "pam_login: a session of a matched user runs its command in the jail: $why"
	skip "pam_login: the PAM process joins net, uts, ipc only: $why"
	skip "pamtester: open_session creates the jail, close_session removes it: $why"
	finish
fi
ok "pam_login: a session of a matched user runs its command in the jail"
expect_match "pam_login: the jail has its hostname" "jb-$TAG" "$out"
joined=""
for ns in net uts ipc mnt pid cgroup; do
	line=$(grep "^ns $ns " <<<"$out")
	b=${line#*before=}; b=${b%% *}; a=${line##*after=}
	[ "$a" != "$b" ] && joined+="$ns "
done
expect_eq "pam_login: the PAM process joins net, uts, ipc only" "net uts ipc " "$joined"
expect_jails_gone "pam_login: the jail ends with close_session" 5

rm -f "$JB_DIR/snap.$JU"
out=$(pt "$JU"); rc=$?
if [ $rc = 0 ] && [ -s "$JB_DIR/snap.$JU" ]; then
	ok "pamtester: open_session creates the jail ($(tr '\n' ' ' < "$JB_DIR/snap.$JU"))"
else
	not_ok "pamtester: open_session creates the jail"; { echo "rc=$rc"; echo "$out"; } | diag
fi
expect_jails_gone "pamtester: close_session removes it" 5
finish
