#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-67-check-host.sh — `jaula check-host` against the real sshd (sshd -T)
# and real PAM files: private copies of the host's /etc/pam.d and of
# Debian's stock sshd_config plus conf/sshd_config.d-jaula.conf, a
# throwaway user in a throwaway group, a policy jailing that group.  The
# clean setup passes; each way around the jail is reported at its file
# and line, with exit status 1.  Nothing under /etc is touched.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd ssh-keygen useradd groupadd
[ -x /usr/sbin/sshd ] || skip_all "sshd is not installed"
[ -x "$JAULA" ] || skip_all "build first ($JAULA missing)"
[ -e "$TOP/pam_module/pam_jaula.so" ] || skip_all "build first (pam_jaula.so missing)"

_retry() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$@" && return 0
		sleep 0.$((RANDOM % 9 + 1))
	done
	"$@"
}

D=$(mktemp -d /tmp/jaula-t67.XXXXXX) || exit 1
on_exit "rm -rf '$D'"
chmod 0755 "$D"
GRP=jb-ch$TAG
USR=jaula-ch$TAG
_retry groupadd "$GRP" || { not_ok "groupadd $GRP"; finish; }
on_exit "_retry groupdel '$GRP'"
_retry useradd -M -d "/nonexistent" -g "$GRP" -s /bin/false "$USR" || { not_ok "useradd $USR"; finish; }
on_exit "_retry userdel -f '$USR'"

# The policy: the group is jailed; a second profile is added by the
# capability check below.
mkdir -m 0755 -p "$D/etc" "$D/rootfs"
write_policy() {
	cat > "$D/etc/jaula.conf" <<-EOF
	rootfs = { r = { path = "$D/rootfs"; }; };
	profiles = {
	  p = {
	    rootfs = "r";
	    ${1:-}
	  };
	};
	match = ( { name = "jb-rule"; groups = [ "$GRP" ]; profile = "p"; } );
	EOF
	chmod 0644 "$D/etc/jaula.conf"
}
write_policy

# PAM: the host's files, with the pam_jaula line of conf/pam.d-jaula last
# in sshd, login and su-l.
mkdir -p "$D/pam.clean"
cp -a /etc/pam.d/. "$D/pam.clean/"
PAMLINE="session requisite $TOP/pam_module/pam_jaula.so config=$D/etc/jaula.conf"
for s in sshd login su-l; do
	[ -e "$D/pam.clean/$s" ] || { skip_all "the host has no /etc/pam.d/$s to copy"; }
	echo "$PAMLINE" >> "$D/pam.clean/$s"
done

# The vendor directory (Debian's systemd ships systemd-user there): a copy
# of the host's, with the pam_jaula line in systemd-user.
mkdir -p "$D/vendor.clean"
if [ -e /usr/lib/pam.d/systemd-user ]; then
	cp /usr/lib/pam.d/systemd-user "$D/vendor.clean/"
else
	printf '@include common-account\n@include common-session-noninteractive\n' > "$D/vendor.clean/systemd-user"
fi
echo "$PAMLINE" >> "$D/vendor.clean/systemd-user"

# sshd: Debian's stock sshd_config (Include pointed at a private
# directory) with the drop-in for this group, and a host key of our own.
mkdir -p "$D/ssh.clean/sshd_config.d"
ssh-keygen -q -t ed25519 -N '' -f "$D/host_key" || { not_ok "ssh-keygen"; finish; }
{
	echo "HostKey $D/host_key"
	if [ -e /usr/share/openssh/sshd_config ]; then
		cat /usr/share/openssh/sshd_config
	else
		cat /etc/ssh/sshd_config
	fi
} | sed "s|^Include /etc/ssh/sshd_config.d/\*.conf|Include $D/ssh/sshd_config.d/*.conf|" > "$D/ssh.clean/sshd_config"
grep -q "^Include $D/ssh/sshd_config.d" "$D/ssh.clean/sshd_config" ||
	sed -i "2i Include $D/ssh/sshd_config.d/*.conf" "$D/ssh.clean/sshd_config"
sed "s/^Match Group jailed/Match Group $GRP/" "$TOP/conf/sshd_config.d-jaula.conf" \
	> "$D/ssh.clean/sshd_config.d/jaula.conf"
MAIN=$D/ssh/sshd_config
DROP=$D/ssh/sshd_config.d/jaula.conf

# reset: fresh copies of the clean setup in $D/pam.d and $D/ssh.
reset() {
	rm -rf "$D/pam.d" "$D/ssh" "$D/vendor"
	cp -a "$D/pam.clean" "$D/pam.d"
	cp -a "$D/vendor.clean" "$D/vendor"
	cp -a "$D/ssh.clean" "$D/ssh"
	write_policy
}

OUT=
RC=
run() {
	OUT=$("$JAULA" check-host --config "$D/etc/jaula.conf" --pam-dir "$D/pam.d" \
		--pam-vendor-dir "$D/vendor" --sshd-config "$MAIN" --sshrc "$D/no-sshrc" "$@" 2>&1)
	RC=$?
}

lineof() { # FILE REGEX → the number of the first matching line
	grep -n -m1 -E "$2" "$1" | cut -d: -f1
}

# expect_finding WHAT FILE LINE SEVERITY REGEX: exit 1 (for error) or 0
# (for warning) and a line "FILE:LINE: SEVERITY: …REGEX…".
expect_finding() {
	local what=$1 file=$2 line=$3 sev=$4 re=$5 want=0 hit
	[ "$sev" = error ] && want=1
	hit=$(printf '%s\n' "$OUT" | grep -F -- "$file${line:+:$line}: $sev: " | grep -E -- "$re")
	if [ -n "$hit" ] && [ "$RC" = "$want" ]; then
		ok "$what: $file${line:+:$line} $sev, exit $RC"
	else
		not_ok "$what: expected $file${line:+:$line}: $sev: /$re/ and exit $want (got exit $RC)"
		printf '%s\n' "$OUT" | diag
	fi
}

# ---------------------------------------------------------------- clean
reset
run
if [ "$RC" = 0 ] && ! printf '%s\n' "$OUT" | grep -q ': error: '; then
	ok "clean setup (host PAM + pam_jaula last, stock sshd_config + jaula drop-in): exit 0"
else
	not_ok "clean setup: exit $RC"
	printf '%s\n' "$OUT" | diag
fi
# Debian's sshd stack reads ~/.pam_environment before pam_jaula: said, not fatal.
if grep -q "user_readenv=1" "$D/pam.d/sshd"; then
	expect_finding "pam_env user_readenv=1 before pam_jaula" "$D/pam.d/sshd" \
		"$(lineof "$D/pam.d/sshd" 'pam_env.so.*user_readenv=1')" warning "allow-list"
fi
OUT=$("$JAULA" check-host --config "$D/etc/jaula.conf" --pam-dir "$D/pam.d" \
	--pam-vendor-dir "$D/vendor" --sshd-config "$MAIN" --sshrc "$D/no-sshrc" --json 2>/dev/null)
RC=$?
if ! command -v python3 >/dev/null; then
	skip "--json: python3 is not installed to parse it"
elif [ "$RC" = 0 ] && printf '%s\n' "$OUT" | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert all(x["severity"] in ("warning", "note") for x in v)' 2>/dev/null; then
	ok "--json prints valid JSON"
else
	not_ok "--json: exit $RC"; printf '%s\n' "$OUT" | diag
fi

# ------------------------------------------------------------------ PAM
reset
sed -i "s|^session requisite $TOP/pam_module/pam_jaula.so|session optional $TOP/pam_module/pam_jaula.so|" "$D/pam.d/sshd"
run
expect_finding "pam_jaula optional" "$D/pam.d/sshd" "$(lineof "$D/pam.d/sshd" 'pam_jaula')" error "fails open"

reset
sed -i "s|^session requisite $TOP/pam_module/pam_jaula.so|session [success=ok default=ignore] $TOP/pam_module/pam_jaula.so|" "$D/pam.d/su-l"
run
expect_finding "pam_jaula [default=ignore]" "$D/pam.d/su-l" "$(lineof "$D/pam.d/su-l" 'pam_jaula')" error "fails open"

# systemd-user from the vendor directory (where Debian's systemd puts it):
# without pam_jaula a jailed user gets a host service manager.
reset
sed -i '/pam_jaula/d' "$D/vendor/systemd-user"
rm -f "$D/pam.d/systemd-user"
run
expect_finding "systemd-user in the vendor directory without pam_jaula" "$D/vendor/systemd-user" "" error "no pam_jaula"
# A file of that name in the PAM directory hides the vendor one.
{ cat "$D/vendor/systemd-user"; echo "$PAMLINE"; } > "$D/pam.d/systemd-user"
run
if [ "$RC" = 0 ]; then ok "systemd-user in the PAM directory hides the vendor one: exit 0"
else not_ok "systemd-user in the PAM directory: exit $RC"; printf '%s\n' "$OUT" | diag; fi

reset
sed -i '/pam_jaula/d' "$D/pam.d/login"
run
expect_finding "pam_jaula missing from login" "$D/pam.d/login" "" error "no pam_jaula"

reset
sed -i "s|$TOP/pam_module/pam_jaula.so|$D/nowhere/pam_jaula.so|" "$D/pam.d/sshd"
run
expect_finding "pam_jaula path that does not exist" "$D/pam.d/sshd" "$(lineof "$D/pam.d/sshd" 'pam_jaula')" error "does not exist"

reset
echo "session required pam_limits.so" >> "$D/pam.d/sshd"
run
expect_finding "pam_jaula not last (a module that can fail after it)" "$D/pam.d/sshd" \
	"$(wc -l < "$D/pam.d/sshd")" error "runs after pam_jaula"

reset
echo "session optional pam_motd.so" >> "$D/pam.d/login"
run
expect_finding "an optional module after pam_jaula" "$D/pam.d/login" "$(wc -l < "$D/pam.d/login")" warning "runs after pam_jaula"

reset
echo "session required pam_env.so user_readenv=1" >> "$D/pam.d/sshd"
run
expect_finding "pam_env user_readenv=1 after pam_jaula" "$D/pam.d/sshd" "$(wc -l < "$D/pam.d/sshd")" error "user_readenv=1 runs after pam_jaula"

reset
sed -i "/pam_jaula/i session sufficient pam_permit.so" "$D/pam.d/sshd"
run
expect_finding "a sufficient line before pam_jaula" "$D/pam.d/sshd" "$(lineof "$D/pam.d/sshd" 'sufficient[[:space:]]+pam_permit')" error "before pam_jaula runs"

reset
sed -i "/pam_jaula/i session [default=1] pam_permit.so" "$D/pam.d/login"
run
expect_finding "a jump over pam_jaula" "$D/pam.d/login" "$(lineof "$D/pam.d/login" 'default=1')" error "jump over pam_jaula"

# pam_jaula reached through a substack: a jump inside it cannot leave it.
reset
sed -i '/pam_jaula/d' "$D/pam.d/su-l"
{ echo "session [default=1] pam_permit.so"; echo "$PAMLINE"; } > "$D/pam.d/jaula-sub"
echo "session substack jaula-sub" >> "$D/pam.d/su-l"
run
expect_finding "a jump in a substack over pam_jaula" "$D/pam.d/jaula-sub" 1 error "jump over pam_jaula"

# ----------------------------------------------------------------- sshd
reset
sed -i 's/^\(\s*\)PermitUserRC no/\1PermitUserRC yes/' "$DROP"
run
expect_finding "PermitUserRC yes in the Match block" "$DROP" "$(lineof "$DROP" 'PermitUserRC yes')" error "PermitUserRC"

reset
sed -i '/PermitUserRC/d' "$DROP"
run
expect_finding "PermitUserRC left at its default" "$DROP" "$(lineof "$DROP" '^Match Group')" error "PermitUserRC.*\(default\)"

reset
sed -i 's/^\(\s*\)X11Forwarding no/\1X11Forwarding yes/' "$DROP"
run
expect_finding "X11Forwarding yes in the Match block" "$DROP" "$(lineof "$DROP" 'X11Forwarding yes')" error "X11Forwarding"

reset
sed -i '/X11Forwarding/d' "$DROP"
if grep -qE '^X11Forwarding[[:space:]]+yes' "$MAIN"; then
	run
	expect_finding "X11Forwarding yes from the main file (none in Match)" "$MAIN" "$(lineof "$MAIN" '^X11Forwarding')" error "X11Forwarding"
else
	skip "X11Forwarding from the main file: the stock sshd_config does not set it"
fi

reset
sed -i 's/^\(\s*\)ForceCommand none/\1ForceCommand internal-sftp/' "$DROP"
run
expect_finding "ForceCommand internal-sftp" "$DROP" "$(lineof "$DROP" 'ForceCommand internal-sftp')" error "internal-sftp"

reset
sed -i 's/^Subsystem.*sftp.*/Subsystem sftp internal-sftp/' "$MAIN"
run
expect_finding "Subsystem sftp internal-sftp" "$MAIN" "$(lineof "$MAIN" '^Subsystem')" error "internal-sftp"

reset
sed -i 's/^UsePAM yes/UsePAM no/' "$MAIN"
run
expect_finding "UsePAM no" "$MAIN" "$(lineof "$MAIN" '^UsePAM no')" error "pam_jaula with it, never runs"

reset
sed -i '/^Match Group/a \\tAllowStreamLocalForwarding yes' "$DROP"
run
expect_finding "AllowStreamLocalForwarding yes" "$DROP" "$(lineof "$DROP" 'AllowStreamLocalForwarding yes')" error "Unix sockets"

reset
sed -i 's/^AcceptEnv.*/AcceptEnv LANG LC_* LD_*/' "$MAIN"
run
expect_finding "AcceptEnv LD_*" "$MAIN" "$(lineof "$MAIN" '^AcceptEnv')" warning "LD_PRELOAD"

# A /etc/ssh/sshrc (here a private path) runs /bin/sh on the host.
reset
echo "true" > "$D/sshrc"
run --sshrc "$D/sshrc"
expect_finding "an sshrc" "$D/sshrc" "" warning "/bin/sh"

# sshd -T that cannot run is said, with exit 2.
reset
run --sshd "$D/no-sshd"
if [ "$RC" = 2 ] && printf '%s\n' "$OUT" | grep -q "$D/no-sshd: .*sshd not checked"; then
	ok "a missing --sshd is said, exit 2"
else
	not_ok "a missing --sshd: exit $RC"; printf '%s\n' "$OUT" | diag
fi

# ---------------------------------------------------------- systemd
# This host's layout is reported as a note (no error, no warning).
reset
run --no-sshd
if [ -d /run/systemd/system ]; then
	expect_match "check-host reports systemd as PID 1" "note: systemd is PID 1" "$OUT"
else
	expect_match "check-host says systemd is not PID 1 and which backend jails use" \
		"note: systemd is not PID 1 here: jails use the cgroup v[12] backend directly" "$OUT"
fi
# logind.conf and its drop-ins as systemd reads them: the stock file with
# everything commented out, a drop-in that turns KillUserProcesses on
# (named at its own line), a later one in another section that does not.
mkdir -p "$D/logind.conf.d"
printf '[Login]\n#KillUserProcesses=no\nKillUserProcesses=no\n' > "$D/logind.conf"
printf '# hardening\n[Login]\nKillUserProcesses = yes\n' > "$D/logind.conf.d/50-harden.conf"
printf '[Other]\nKillUserProcesses=no\n' > "$D/logind.conf.d/60-other.conf"
printf '[Login]\nKillUserProcesses=no\n' > "$D/logind.conf.d/40-early.conf"
printf '[Login]\nKillUserProcesses=no\n' > "$D/logind.conf.d/70-not-a-dropin.conf.bak"
run --no-sshd --logind-conf "$D/logind.conf"
expect_finding "KillUserProcesses=yes from a drop-in" "$D/logind.conf.d/50-harden.conf" 3 note \
	"KillUserProcesses=yes: logout kills what runs in the login's session scope only; jails .* follow their lifetime"
rm "$D/logind.conf.d/50-harden.conf"
run --no-sshd --logind-conf "$D/logind.conf"
if printf '%s\n' "$OUT" | grep -q KillUserProcesses; then
	not_ok "KillUserProcesses=no: no note"; printf '%s\n' "$OUT" | diag
else
	ok "KillUserProcesses=no (main file and drop-ins): no note"
fi

# ---------------------------------------------------- kept capabilities
bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
bnd1=$(awk '/^CapBnd:/ {print $2}' /proc/1/status)
if (( (0x$bnd & 0x$bnd1 & (1 << 24)) == 0 )); then
	reset
	write_policy 'capabilities = [ "CAP_SYS_RESOURCE" ];'
	cl=$(lineof "$D/etc/jaula.conf" 'capabilities')
	run --no-sshd
	expect_finding "a profile keeping CAP_SYS_RESOURCE, outside the bounding set" \
		"$D/etc/jaula.conf" "$cl" error "CAP_SYS_RESOURCE.*cannot grant"
	out=$("$JAULA" check-config --no-files "$D/etc/jaula.conf" 2>&1)
	rc=$?
	if [ $rc = 1 ] && printf '%s\n' "$out" | grep -q "^$D/etc/jaula.conf:$cl: profiles.p.capabilities: keeps CAP_SYS_RESOURCE"; then
		ok "check-config reports the same kept capability at $cl, exit 1"
	else
		not_ok "check-config on CAP_SYS_RESOURCE: exit $rc"; printf '%s\n' "$out" | diag
	fi
	write_policy 'capabilities = [ "CAP_NET_BIND_SERVICE" ];'
	"$JAULA" check-config --no-files "$D/etc/jaula.conf" >/dev/null 2>&1
	expect_eq "check-config accepts a kept capability the host has" 0 "$?"
else
	skip "kept capabilities: CAP_SYS_RESOURCE is in this host's bounding set (CapBnd $bnd, PID 1 $bnd1)"
fi

# A group without a member cannot be tested: said, not an error.
reset
sed -i "s/groups = \[ \"$GRP\" \]/groups = [ \"$GRP\", \"jb-empty$TAG\" ]/" "$D/etc/jaula.conf"
run
[ "$RC" = 0 ] && ok "a rule naming a group without member: exit 0 at most warnings" ||
	{ not_ok "group without member: exit $RC"; printf '%s\n' "$OUT" | diag; }

finish
