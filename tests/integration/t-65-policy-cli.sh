#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-65: `jaula check-config` and `jaula explain` against real NSS users
# and groups: matching by supplementary group, uid range and name, exempt
# and unmatched users, drop-ins, refusals and every documented exit status.
# Creates throwaway users and groups named jaula*, removed in the trap.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rootfs.sh"
need_root
need_cmd useradd userdel groupadd groupdel python3
[ -x "$JAULA" ] || skip_all "cli/jaula is not built"

# Other tests add users at the same time; useradd fails while they hold
# the /etc/passwd lock, so try a few times.
retry() { local i; for i in 1 2 3 4 5 6; do "$@" 2>/dev/null && return 0; sleep 1; done; "$@"; }

g=jaulag$TAG gx=jaulax$TAG
ua=jaulaa$TAG ub=jaulab$TAG ux=jaulae$TAG un=jaulan$TAG ud=jaula.d$TAG
on_exit retry groupdel "$g"
on_exit retry groupdel "$gx"
retry groupadd "$g" && retry groupadd "$gx" || skip_all "cannot create groups"
uid_b=$(( 43000 + (0x$TAG % 1000) ))
while getent passwd "$uid_b" >/dev/null; do uid_b=$((uid_b + 1)); done
for u in "$ua" "$ub" "$ux" "$un" "$ud"; do on_exit retry userdel "$u"; done
retry useradd -M -N -s /usr/sbin/nologin -G "$g" "$ua" &&
	retry useradd -M -N -s /usr/sbin/nologin -u "$uid_b" "$ub" &&
	retry useradd -M -N -s /usr/sbin/nologin -G "$gx" "$ux" &&
	retry useradd -M -N -s /usr/sbin/nologin "$un" &&
	retry useradd -M -N -s /usr/sbin/nologin -G "$g" "$ud" || skip_all "cannot create users"

# check-config also checks the rootfs and the shell in it: a real one.
rootfs=$(busybox_rootfs) || skip_all "no busybox rootfs"

dir=$(mktemp -d /tmp/jaula-t65.XXXXXX)
on_exit rm -rf "$dir"
chmod 0755 "$dir"
mkdir -m 0755 "$dir/conf.d"
cat > "$dir/jaula.conf" <<EOF
rootfs = { deb = { path = "$rootfs"; }; }; global = { default_shell = "/bin/sh"; };
networks = { lab = { bridge = "jb-t65"; subnet = "10.165.0.0/24"; }; };
profiles = {
        lab = { rootfs = "deb"; network = "lab"; hostname = "lab-%u";
                limits = { memory = "256M"; pids = 64; }; };
};
groups = { labgroup = { limits = { pids = 1000; }; }; };
match = (
        { name = "admins"; groups = ["$gx"]; exempt = true; },
        { name = "by-group"; groups = ["$g"]; profile = "lab"; group = "labgroup"; }
);
EOF
cat > "$dir/conf.d/50-range.conf" <<EOF
match = ( { name = "by-uid"; uids = ["$uid_b-$uid_b"]; profile = "lab"; } );
EOF
chmod 0644 "$dir/jaula.conf" "$dir/conf.d/50-range.conf"
conf=$dir/jaula.conf

out=$("$JAULA" check-config "$conf" 2>&1); rc=$?
expect_eq "check-config of a good policy exits 0" 0 "$rc"
expect_eq "check-config prints OK" "OK" "$out"
out=$("$JAULA" check-config --config "$conf" 2>&1)
expect_eq "check-config --config FILE works too" "OK" "$out"

out=$("$JAULA" explain --config "$conf" "$ua" 2>&1); rc=$?
expect_eq "explain of a jailed user exits 0" 0 "$rc"
expect_match "supplementary group (from NSS) matches" "rule +by-group \\($conf:[0-9]+\\)" "$out"
expect_match "hostname template expanded" "hostname +lab-$ua" "$out"
expect_match "group limits shown" "group limits +pids 1000" "$out"
expect_match "per-jail limits shown" "limits +memory 256M, pids 64" "$out"

out=$("$JAULA" explain --config "$conf" "$ub" 2>&1)
expect_match "uid range in a drop-in matches" "rule +by-uid \\($dir/conf.d/50-range.conf:1\\)" "$out"
out=$("$JAULA" explain --config "$conf" "$uid_b" 2>&1)
expect_match "explain takes a uid too" "user +$ub \\(uid $uid_b" "$out"

out=$("$JAULA" explain --config "$conf" "$ux" 2>&1); rc=$?
expect_eq "explain of an exempt user exits 0" 0 "$rc"
expect_eq "exempt user is named with the rule" \
	"$ux is not jailed: exempt by rule 'admins' ($conf:9)" "$out"
out=$("$JAULA" explain --config "$conf" "$un" 2>&1)
expect_eq "unmatched user" "$un is not jailed: no match rule matches" "$out"

json=$("$JAULA" explain --config "$conf" --json "$ua" 2>&1)
fields=$(printf '%s' "$json" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["jailed"], j["rule"]["name"], j["profile"], j["group"], j["network"]["bridges"][0],
      j["limits"]["pids_max"], j["group_limits"]["pids_max"], j["limits"]["cpu_quota_us"])' 2>&1)
expect_eq "explain --json is JSON with the resolved fields" \
	"True by-group lab labgroup jb-t65 64 1000 None" "$fields"
json=$("$JAULA" explain --config "$conf" --json "$ux" 2>&1)
fields=$(printf '%s' "$json" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["jailed"], j["reason"], j["rule"]["name"])' 2>&1)
expect_eq "explain --json of an exempt user" "False exempt admins" "$fields"

out=$("$JAULA" explain --config "$conf" "$ud" 2>&1); rc=$?
expect_eq "a name that cannot make a hostname: exit 4" 4 "$rc"
expect_match "and the reason" "user name '$ud' contains '\\.'" "$out"

"$JAULA" explain --config "$conf" jaula-no-such-user-$TAG >/dev/null 2>&1; rc=$?
expect_eq "unknown user: exit 3" 3 "$rc"
"$JAULA" explain --config "$conf" >/dev/null 2>&1; rc=$?
expect_eq "missing USER: exit 2" 2 "$rc"
"$JAULA" check-config --frobnicate >/dev/null 2>&1; rc=$?
expect_eq "unknown option: exit 2" 2 "$rc"

# Errors: every one, FILE:LINE-prefixed, exit 1; explain refuses too.
cat > "$dir/conf.d/60-bad.conf" <<EOF
profiles = { lab = { rootfs = "deb"; }; };
match = ( { users = ["x"];
            profile = "nope"; } );
EOF
chmod 0644 "$dir/conf.d/60-bad.conf"
out=$("$JAULA" check-config "$conf" 2>&1); rc=$?
expect_eq "check-config of a broken policy exits 1" 1 "$rc"
expect_match "duplicate across drop-ins reported" \
	"$dir/conf.d/60-bad.conf:1: profiles.lab: defined twice; first in $conf:4" "$out"
expect_match "undefined profile reported with its line" \
	"$dir/conf.d/60-bad.conf:3: match\\[0\\].profile: no profile named \"nope\" is defined" "$out"
"$JAULA" explain --config "$conf" "$ua" >/dev/null 2>&1; rc=$?
expect_eq "explain with a broken policy: exit 1" 1 "$rc"
rm -f "$dir/conf.d/60-bad.conf"

chmod 0664 "$conf"
out=$("$JAULA" check-config "$conf" 2>&1); rc=$?
expect_eq "a group-writable policy is refused" 1 "$rc"
expect_eq "with what to fix" \
	"$conf: writable by its group; it must be writable by root only (chmod go-w $conf)" "$out"
chmod 0644 "$conf"

printf '@include "/etc/passwd"\n' > "$dir/conf.d/70-inc.conf"
out=$("$JAULA" check-config "$conf" 2>&1)
expect_match "@include is refused, pointing to conf.d" \
	"70-inc.conf:1: @include is not supported: put additional policy files into the drop-in directory" "$out"
rm -f "$dir/conf.d/70-inc.conf"

# The shipped policy names a rootfs this machine need not have.
out=$("$JAULA" check-config --no-files "$TOP/conf/jaula.conf" 2>&1)
if [ "$(stat -c %u "$TOP/conf/jaula.conf")" = 0 ]; then
	expect_eq "the shipped conf/jaula.conf passes (--no-files)" "OK" "$out"
else
	skip "the shipped conf/jaula.conf passes: the checkout is not owned by root"
fi
# user-manager: the ExecCondition of user@.service (systemd/user@.service.d):
# 0 lets systemd start a user's service manager, 1 skips it.
"$JAULA" user-manager --config "$conf" "$ua" 2>/dev/null
expect_eq "user-manager: a jailed user gets no service manager (exit 1)" 1 "$?"
"$JAULA" user-manager --config "$conf" "$uid_b" 2>/dev/null
expect_eq "user-manager: nor a user jailed by uid range, given as a uid" 1 "$?"
"$JAULA" user-manager --config "$conf" "$ux" 2>/dev/null
expect_eq "user-manager: an exempt user gets one (exit 0)" 0 "$?"
"$JAULA" user-manager --config "$conf" "$un" 2>/dev/null
expect_eq "user-manager: an unmatched user gets one" 0 "$?"
out=$("$JAULA" user-manager --config "$dir/missing.conf" "$un" 2>&1); rc=$?
expect_eq "user-manager: a policy that does not load gives none (fail closed)" 1 "$rc"
expect_match "… and says why" "the policy cannot be applied" "$out"
"$JAULA" user-manager --config "$conf" 4294967000 2>/dev/null
expect_eq "user-manager: an unknown uid gets none" 1 "$?"

finish
