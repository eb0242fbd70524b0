#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-51 — Debian's real sshd with pam_jaula: the PAM service it really uses,
# the recommended Match block, unmatched users logging in normally, and
# every way a matched user's login must be refused without ever giving
# them a shell.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
need_root
need_cmd ssh ssh-keygen socat
SO=${JAULA_PAM_SO:-$TOP/pam_module/pam_jaula.so}
[ -e "$SO" ] || skip_all "pam_module/pam_jaula.so is not built"
undef=$(nm -D --undefined-only "$SO" | awk '/ jaula_/ {print $2}' | tr '\n' ' ')
[ -z "$undef" ] || skip_all "jail core not built: pam_jaula.so cannot load (libjaula lacks: $undef)"

install_jailsh || skip_all "cannot install a setuid copy of jailsh"
ROOTFS=$(ssh_rootfs 2>/dev/null) || ROOTFS=$(debootstrap_rootfs) || skip_all "no debootstrap rootfs"
GROUP=jaula-g$TAG
POLICY_GROUP=$GROUP POLICY_ROOTFS=$ROOTFS write_policy || skip_all "cannot write the test policy"
JU=jaula-p${TAG}j
FU=jaula-p${TAG}f
make_user "$JU" "$GROUP" >/dev/null || skip_all "cannot create test users"
make_user "$FU" "jaula-h$TAG" /bin/sh >/dev/null || skip_all "cannot create test users"
JB_UIDS="$(id -u "$JU")"

SSHD_PAM_ARGS="config=$JB_POLICY jailsh=$JB_JAILSH" SSHD_JAIL_GROUP=$GROUP SSHD_SYSLOG=1 \
	start_sshd PORT || skip_all "cannot start a test sshd"

# --- the harness itself
out=$(ssh_as "$FU" echo hello 2>&1)
expect_eq "an unmatched user logs in through the test sshd" "hello" "$out"
expect_eq "sshd uses its link name as PAM service (kept across its re-exec)" "$SSHD_SERVICE" "$(sshd_service)"
cfg=$(sshd_ns /usr/sbin/sshd -T -f "$SSHD_DIR/sshd_config" -C "user=$JU,host=localhost,addr=127.0.0.1" 2>&1 | sort)
miss=""
for kv in "forcecommand none" "permituserenvironment no" "allowtcpforwarding local" "x11forwarding no" \
	"permituserrc no" "allowstreamlocalforwarding no" "exposeauthinfo no" \
	"permittunnel no" "allowagentforwarding no" "subsystem sftp /usr/lib/openssh/sftp-server"; do
	grep -qx "$kv" <<<"$cfg" || miss+="'$kv' "
done
expect_eq "sshd 9.2 accepts conf/sshd_config.d-jaula.conf and applies it to the jailed group" "" "$miss"

# --- an unmatched user is not jailed at all
host_net=$(readlink /proc/self/ns/net)
out=$(ssh_as "$FU" 'hostname; readlink /proc/self/ns/net; test -e /etc/jaula-ssh-rootfs && echo INJAIL' 2>&1)
expect_eq "an unmatched user runs on the host (hostname, network namespace, file system)" \
	"$(hostname) $host_net" "$(echo $out)"

# --- refusals: ssh fails, the command never runs, nothing is left
refused() { # DESC [ssh options…]
	local what=$1 out rc
	shift
	rm -f "$JB_DIR/ran"
	out=$(ssh_as "$JU" "$@" -- "touch $JB_DIR/ran; echo JB-RAN" 2>&1 </dev/null); rc=$?
	if [ $rc != 0 ] && [ ! -e "$JB_DIR/ran" ] && [[ "$out" != *JB-RAN* ]]; then ok "$what (ssh exit $rc)"
	else not_ok "$what"; { echo "rc=$rc"; echo "$out"; } | diag; fi
}
cp "$JB_POLICY" "$JB_DIR/policy.good"
printf 'global = { state_dir = "%s" \n' "$JB_STATE" > "$JB_POLICY"
refused "a matched user with a broken policy is refused"
refused "a matched user with a broken policy gets no interactive shell either" -tt
sed "s|path = \"$ROOTFS\"|path = \"$JB_DIR/no-such-rootfs\"|" "$JB_DIR/policy.good" > "$JB_POLICY"
refused "a matched user whose rootfs is missing is refused"
cp "$JB_DIR/policy.good" "$JB_POLICY"
sshd_pam_args "config=$JB_POLICY jailsh=$JB_DIR/no-such-jailsh"
refused "a matched user is refused when jailsh is missing"
sshd_pam_args "config=$JB_POLICY jailsh=$JB_JAILSH"
_retry usermod -s /bin/bash "$JU"
refused "a matched user whose login shell is not jailsh is refused"
refused "... nor with a pty" -tt
_retry usermod -s "$JB_JAILSH" "$JU"
sshd_pam_args "config=$JB_POLICY jailsh=$JB_JAILSH" bogus
out=$(ssh_as "$FU" echo hello 2>&1); rc=$?
if [ $rc != 0 ] && [[ "$out" != *hello* ]]; then ok "an unknown module option refuses everyone (fail closed)"
else not_ok "an unknown module option refuses everyone (fail closed)"; echo "$out" | diag; fi
sshd_pam_args "config=$JB_POLICY jailsh=$JB_JAILSH"
expect_jails_gone "the refusals left no jail, state file, process, cgroup or mount" 5

# Why the documented line is requisite: the same broken policy with the
# module marked optional fails open.  jailsh still refuses the shell, but
# the session exists outside the jail network, so -L reaches the host.
if command -v socat >/dev/null; then
	hp=$(( 30000 + RANDOM % 20000 )); lp=$(( 20000 + RANDOM % 10000 ))
	(exec -a jaula-host-service socat TCP-LISTEN:$hp,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo host-service') &
	hs=$!
	on_exit "kill $hs"
	printf 'global = { state_dir = "%s" \n' "$JB_STATE" > "$JB_POLICY"
	sed -i "s|^session requisite \(.*pam_jaula.so\)|session optional \1|" "/etc/pam.d/$SSHD_SERVICE"
	ssh_as "$JU" -N "-L$lp:127.0.0.1:$hp" > /dev/null 2>&1 & fw=$!
	out=""
	for i in $(seq 1 50); do
		out=$(timeout 3 socat -T 2 - "TCP:127.0.0.1:$lp" </dev/null 2>/dev/null) && [ -n "$out" ] && break
		sleep 0.2
	done
	kill $(pgrep -P $fw) $fw 2>/dev/null; wait $fw 2>/dev/null
	expect_eq "(why requisite) with 'optional' a broken policy fails open: ssh -L reaches the host" "host-service" "$out"
	sshd_pam_args "config=$JB_POLICY jailsh=$JB_JAILSH"
	# sshd 9.2 keeps a -N connection whose PAM session failed, but refuses
	# its forwardings ("refused local port forward").
	ssh_as "$JU" -N "-L$lp:127.0.0.1:$hp" > /dev/null 2>&1 & fw=$!
	out="" refused=""
	for i in $(seq 1 50); do
		out=$(timeout 3 socat -T 2 - "TCP:127.0.0.1:$lp" </dev/null 2>/dev/null)
		[ -n "$out" ] && break
		refused=$(grep -c "refused local port forward.*port $hp" "$SSHD_DIR/sshd.log")
		[ "$refused" -gt 0 ] && break
		sleep 0.2
	done
	kill $(pgrep -P $fw) $fw 2>/dev/null; wait $fw 2>/dev/null
	expect_eq "with requisite sshd refuses that login's forwarding" "refused " \
		"$([ "${refused:-0}" -gt 0 ] && echo refused) $out"
	cp "$JB_DIR/policy.good" "$JB_POLICY"
fi

# --- sshd and its log survive all that
out=$(ssh_as "$FU" echo again 2>&1)
expect_eq "sshd still serves unmatched users after the refusals" "again" "$out"
sleep 0.3
log=$(syslog_lines "$SSHD_DIR/syslog.log")
expect_match "pam_jaula's refusals reach syslog with the reason" \
	"pam_jaula\\($SSHD_SERVICE:session\\): Refusing user '$JU' \\(rule 'jaula-test'\\): login shell is '/bin/bash'" "$log"
expect_match "sshd's own session lines still reach syslog (pam_unix session closed)" \
	"pam_unix\\($SSHD_SERVICE:session\\): session closed for user $FU" "$log"
finish
