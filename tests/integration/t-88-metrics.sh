#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-88 — the fleet metrics of `jaula list --format prometheus` after real
# logins and refusals: Debian's sshd with pam_jaula (cold and warm logins,
# a per-user cap, a wrong login shell), the setuid jailsh run directly
# (a cold login of its own, a user no rule jails), a session command the
# seccomp filter kills with SIGSYS, a jail whose holder is killed.  Every
# counter is compared with what the test did; `promtool check metrics`
# judges the output and `promtool check rules` / `promtool test rules`
# the example rules in contrib/prometheus.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
need_root
need_cmd ssh ssh-keygen setpriv cc
SO=${JAULA_PAM_SO:-$TOP/pam_module/pam_jaula.so}
[ -e "$SO" ] || skip_all "pam_module/pam_jaula.so is not built"
[ -x "$JAULA" ] || skip_all "build first: $JAULA is missing"
RULES=$TOP/contrib/prometheus/jaula-rules.yml
PROMTOOL=$(command -v promtool) || PROMTOOL=

# --- the rule file first: it needs no login
if [ -n "$PROMTOOL" ]; then
	check "promtool check rules accepts contrib/prometheus/jaula-rules.yml" "$PROMTOOL" check rules "$RULES"
	check "promtool test rules: the example alerts fire on the series they are meant for" \
		"$PROMTOOL" test rules "$TOP/contrib/prometheus/jaula-rules.test.yml"
else
	skip "promtool checks: promtool is not installed (scripts/install-deps.sh extracts it)"
fi

install_jailsh || skip_all "cannot install a setuid copy of jailsh"
ROOTFS=$(ssh_rootfs 2>/dev/null) || skip_all "no debootstrap rootfs with sshd's helpers"
GROUP=jaula-g$TAG
POLICY_GROUP=$GROUP POLICY_ROOTFS=$ROOTFS \
	POLICY_PROFILE_EXTRA='lifetime = "session"; linger = 0; max_sessions_per_user = 2;
		limits = { pids = 200; memory = "256M"; };' \
	POLICY_EXTRA='groups = { jailed = { limits = { pids = 1000; memory = "1G"; }; }; };' \
	write_policy || skip_all "cannot write the test policy"
JU=jaula-m${TAG}j # jailed
SU=jaula-m${TAG}s # jailed by the policy, but its login shell is not jailsh
FU=jaula-m${TAG}f # no rule jails it
make_user "$JU" "$GROUP" >/dev/null || skip_all "cannot create test users"
make_user "$SU" "$GROUP" /bin/sh >/dev/null || skip_all "cannot create test users"
make_user "$FU" "jaula-h$TAG" /bin/sh >/dev/null || skip_all "cannot create test users"
SSHD_PAM_ARGS="config=$JB_POLICY jailsh=$JB_JAILSH" SSHD_JAIL_GROUP=$GROUP \
	start_sshd PORT || skip_all "cannot start a test sshd"

prom() { "$JAULA" list --state-dir "$JB_STATE" --config "$JB_POLICY" --format prometheus; }
# value METRIC LABELS: the sample's value ("" when absent); LABELS after host.
value() {
	prom | awk -v want="$1{host=\"$(uname -n)\"${2:+,$2}}" '$1 == want {print $2}'
}
sessions() { find "$JB_STATE"/jails/*/sessions -mindepth 1 2>/dev/null | wc -l; }
wait_sessions() { # N: bounded wait until N sessions are registered
	local i
	for i in $(seq 1 300); do [ "$(sessions)" = "$1" ] && return 0; sleep 0.1; done
	return 1
}
as_user() { # USER CMD…: the setuid jailsh's caller is USER, with its groups
	local u=$1; shift
	setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups "$@"
}

# --- nothing counted yet: every series is there, at zero
out=$(prom); rc=$?
expect_eq "list --format prometheus exits 0 before any login" 0 "$rc"
expect_eq "a refusal counter exists at zero" 0 "$(value jaula_refusals_total 'via="pam",reason="limit"')"
expect_eq "so does the latency histogram's count" 0 \
	"$(value jaula_login_duration_seconds_count 'via="pam",path="cold"')"
expect_match "jaula_build_info names host, version and build" \
	"jaula_build_info\\{host=\"$(uname -n)\",version=\"[^\"]+\",build=\"[0-9a-f]+\",state_dir=\"$JB_STATE\"\\} 1" "$out"

# --- logins through sshd and PAM
out=$(ssh_as "$JU" true 2>&1); rc=$?
expect_eq "L1: a jailed login (PAM makes the jail: cold)" "0" "$rc${out:+ $out}"
expect_jails_gone "L1's jail ended with its session (linger 0)" 10
ssh_as "$JU" 'sleep 120' </dev/null >/dev/null 2>&1 &
B1=$!
on_exit "kill $B1"
wait_sessions 1 || not_ok "B1: a background session is registered"
out=$(ssh_as "$JU" true 2>&1); rc=$?
expect_eq "L2: a login beside B1 joins its jail (warm)" "0" "$rc${out:+ $out}"
ssh_as "$JU" 'sleep 120' </dev/null >/dev/null 2>&1 &
B2=$!
on_exit "kill $B2"
wait_sessions 2 || not_ok "B2: a second background session is registered"
rm -f "$JB_DIR/ran"
out=$(ssh_as "$JU" "touch $JB_DIR/ran" 2>&1); rc=$?
if [ "$rc" != 0 ] && [ ! -e "$JB_DIR/ran" ]; then ok "L3: a third session is refused by max_sessions_per_user"
else not_ok "L3: a third session is refused by max_sessions_per_user"; echo "rc=$rc $out" | diag; fi
out=$(ssh_as "$SU" "touch $JB_DIR/ran" 2>&1); rc=$?
if [ "$rc" != 0 ] && [ ! -e "$JB_DIR/ran" ]; then ok "a jailed user whose shell is not jailsh is refused"
else not_ok "a jailed user whose shell is not jailsh is refused"; echo "rc=$rc $out" | diag; fi

# The jail of B1 and B2 loses its holder: the monitor counts it.
jid=$(jail_ids | head -1)
holder=$(jail_field "$jid" holder_pid)
expect_eq "the jail of B1 and B2 reports two sessions" 2 \
	"$(value jaula_jail_sessions "jail=\"$jid\",user=\"$JU\"")"
grp=$(jail_field "$jid" group)
expect_eq "… and its jail group ('$grp', the profile's name by default) two" 2 \
	"$(value jaula_group_sessions "group=\"$grp\"")"
[ -n "$holder" ] && kill -KILL "$holder"
wait "$B1" "$B2" 2>/dev/null
expect_jails_gone "the killed jail is cleaned up by its monitor" 20

# --- jailsh on its own: a cold login, a user no rule jails
out=$(cd / && as_user "$JU" "$JB_JAILSH" -c 'echo in-jail' 2>&1); rc=$?
expect_eq "J1: jailsh run directly makes the jail (cold)" "0 in-jail" "$rc $out"
out=$(cd / && as_user "$FU" "$JB_JAILSH" -c 'echo in-jail' 2>&1); rc=$?
expect_eq "jailsh refuses a user no rule jails" "1 jailsh: you are not jailed here; login refused" "$rc $out"

# --- a session command that makes an x32 system call: SIGSYS
home=$(getent passwd "$JU" | cut -d: -f6)
if [ "$(uname -m)" = x86_64 ] &&
	printf '%s\n' '#include <unistd.h>' '#include <sys/syscall.h>' \
		'int main(void) { return syscall(0x40000000 | SYS_getpid) < 0; }' > "$JB_DIR/x32.c" &&
	cc -static -o "$home/x32" "$JB_DIR/x32.c" 2>/dev/null; then
	chown "$JU" "$home/x32"
	out=$(ssh_as "$JU" 'exec ./x32' 2>&1); rc=$?
	expect_eq "an x32 system call kills the session's command (SIGSYS)" 159 "$rc"
	sys=1
	expect_jails_gone "that jail ended with its session" 10
else
	skip "SIGSYS: no x86_64 or no static libc to build an x32 caller"
	sys=0
fi

# --- the counters match what happened
pc=$((2 + sys)) # PAM made the jail: L1, B1, and the x32 login
jw=$((4 + sys)) # jailsh joined PAM's jail: L1, B1, L2, B2, and the x32 login
expect_eq "refusals: pam/limit" 1 "$(value jaula_refusals_total 'via="pam",reason="limit"')"
expect_eq "refusals: pam/shell" 1 "$(value jaula_refusals_total 'via="pam",reason="shell"')"
expect_eq "refusals: jailsh/not_jailed" 1 "$(value jaula_refusals_total 'via="jailsh",reason="not_jailed"')"
expect_eq "refusals: nothing else" 3 "$(prom | awk '/^jaula_refusals_total\{/ {s += $2} END {print s}')"
expect_eq "logins: pam cold (L1, B1, x32 if run)" "$pc" \
	"$(value jaula_login_duration_seconds_count 'via="pam",path="cold"')"
expect_eq "logins: pam warm (L2, B2)" 2 "$(value jaula_login_duration_seconds_count 'via="pam",path="warm"')"
expect_eq "logins: jailsh under PAM joins the jail PAM opened (warm)" "$jw" \
	"$(value jaula_login_duration_seconds_count 'via="jailsh",path="warm"')"
expect_eq "logins: jailsh alone made its jail (cold)" 1 \
	"$(value jaula_login_duration_seconds_count 'via="jailsh",path="cold"')"
expect_eq "the +Inf bucket equals the count" \
	"$(value jaula_login_duration_seconds_count 'via="pam",path="cold"')" \
	"$(value jaula_login_duration_seconds_bucket 'via="pam",path="cold",le="+Inf"')"
v=$(value jaula_login_duration_seconds_sum 'via="pam",path="cold"')
expect_match "the latency sum is positive seconds" '^[0-9]+\.[0-9]{6}$' "$v"
[ "${v%.*}${v#*.}" -gt 0 ] && ok "… and not zero" || not_ok "… and not zero ($v)"
cum=$(prom | awk '/^jaula_login_duration_seconds_bucket\{.*via="jailsh",path="warm"/ {print $2}' | tr '\n' ' ')
sorted=$(tr ' ' '\n' <<<"$cum" | sed '/^$/d' | sort -n | tr '\n' ' ')
expect_eq "buckets are cumulative (never decreasing)" "$sorted" "$cum"
expect_eq "SIGSYS kills" "$sys" "$(value jaula_sigsys_kills_total)"
expect_eq "lost jails: the one whose holder was killed (nothing else, though every jail ended)" 1 \
	"$(value jaula_jails_lost_total)"

cnt=$JB_STATE/counters
expect_eq "the counters directory is root's, 0700" "root 700" "$(stat -c '%U %a' "$cnt")"
expect_eq "… its files root's, 0600, regular" "" \
	"$(find "$cnt" -mindepth 1 ! \( -type f -user root -perm 0600 \) -printf '%M %u %p\n')"
expect_eq "… and named after the fixed counters only" "" \
	"$(find "$cnt" -mindepth 1 -printf '%f\n' | grep -vxE 'refused-(pam|jailsh)-[a-z_]+|login-(pam|jailsh)-(cold|warm)-([0-9]+|sum)|sigsys|jails-lost')"

if [ -n "$PROMTOOL" ]; then
	out=$(prom | "$PROMTOOL" check metrics 2>&1); rc=$?
	expect_eq "promtool check metrics finds nothing wrong" "0 " "$rc $out"
	# And with a jail alive: per-jail series too.
	ssh_as "$JU" 'sleep 120' </dev/null >/dev/null 2>&1 &
	B3=$!
	on_exit "kill $B3"
	wait_sessions 1 || not_ok "B3 is registered"
	out=$(prom); jid=$(jail_ids | head -1)
	expect_match "a live jail's memory is listed with host and jail" \
		"jaula_jail_memory_bytes\\{host=\"$(uname -n)\",jail=\"$jid\",user=\"$JU\"\\} [0-9]+" "$out"
	expect_eq "its group's jail count" 1 "$(value jaula_group_jails "group=\"$grp\"")"
	expect_eq "the jail's limits, from the policy" "200 268435456" \
		"$(value jaula_jail_pids_limit "jail=\"$jid\",user=\"$JU\"") $(value jaula_jail_memory_limit_bytes "jail=\"$jid\",user=\"$JU\"")"
	expect_eq "the group's limits, from the policy" "1000 1073741824" \
		"$(value jaula_group_pids_limit "group=\"$grp\"") $(value jaula_group_memory_limit_bytes "group=\"$grp\"")"
	p=$(value jaula_group_pids "group=\"$grp\"")
	[ "${p:-0}" -ge 2 ] && ok "the group's pids count its jail's processes ($p)" ||
		not_ok "the group's pids count its jail's processes ('$p')"
	out2=$("$PROMTOOL" check metrics <<<"$out" 2>&1); rc=$?
	expect_eq "promtool check metrics with a live jail" "0 " "$rc $out2"
	# $! is the background subshell running ssh_as; its ssh is the
	# child to end (killing the subshell alone leaves ssh and the
	# session running).
	pkill -P "$B3" 2>/dev/null; kill "$B3" 2>/dev/null; wait "$B3" 2>/dev/null
else
	skip "promtool check metrics: promtool is not installed"
fi
expect_jails_gone "nothing of the test's jails is left" 20
finish
