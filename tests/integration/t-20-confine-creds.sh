#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-20: jaula_confine leaves a root process with the user's ids and groups,
# no capability in any set, no_new_privs, a seccomp filter and undumpable;
# a kept capability is the only one left, in every set, and survives exec.
# Needs root; creates a throwaway user and group (removed in the trap).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd useradd userdel groupadd groupdel setpriv
PROBE=$TOP/tests/helpers/confine_probe
[ -x "$PROBE" ] || skip_all "tests/helpers/confine_probe is not built (make check builds it)"

user=jaula-c$TAG group=jaula-g$TAG
groupadd "$group" || skip_all "cannot create group $group"
on_exit groupdel "$group"
useradd -M -N -s /usr/sbin/nologin -G "$group" "$user" || skip_all "cannot create user $user"
on_exit userdel "$user"
uid=$(id -u "$user") gid=$(id -g "$user") sgid=$(getent group "$group" | cut -d: -f3)

out=$("$PROBE" --uid "$uid" --gid "$gid" --groups "$gid,$sgid" status 2>&1)
field() { printf '%s\n' "$out" | awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ +/, ""); print; exit }'; }
expect_eq "confine succeeds" "confine=ok" "$(printf '%s\n' "$out" | grep '^confine=')"
expect_eq "uids are the user's (real, effective, saved, fs)" "$uid $uid $uid $uid" "$(field Uid | tr -s '\t ' ' ')"
expect_eq "gids are the user's" "$gid $gid $gid $gid" "$(field Gid | tr -s '\t ' ' ')"
expect_eq "groups are exactly the user's" "$(printf '%s\n' "$gid" "$sgid" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
	"$(field Groups | tr -s ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ' | sed 's/ $//')"
for s in CapInh CapPrm CapEff CapBnd CapAmb; do
	expect_eq "$s is empty" 0000000000000000 "$(field $s)"
done
expect_eq "NoNewPrivs is set" 1 "$(field NoNewPrivs)"
expect_eq "a seccomp filter is active (mode 2)" 2 "$(field Seccomp)"
expect_eq "still undumpable before exec" "dumpable=0" "$(printf '%s\n' "$out" | grep '^dumpable=')"

# profile none: no filter, but no_new_privs and the capability drop stay.
out=$("$PROBE" --uid "$uid" --gid "$gid" --profile none status 2>&1)
expect_eq "profile none: no filter" 0 "$(field Seccomp)"
expect_eq "profile none: NoNewPrivs still set" 1 "$(field NoNewPrivs)"
expect_eq "profile none: no bounding set" 0000000000000000 "$(field CapBnd)"

# A kept capability: only it, in every set; after exec it is effective
# (from ambient), and the rest is still gone.
nbs=0000000000000400 # CAP_NET_BIND_SERVICE = 10
out=$("$PROBE" --uid "$uid" --gid "$gid" --keep CAP_NET_BIND_SERVICE exec /bin/cat /proc/self/status 2>&1)
for s in CapInh CapPrm CapEff CapBnd CapAmb; do
	expect_eq "kept net_bind_service: $s after exec" "$nbs" "$(field $s)"
done
expect_eq "kept net_bind_service: NoNewPrivs after exec" 1 "$(field NoNewPrivs)"
expect_eq "kept net_bind_service: seccomp after exec" 2 "$(field Seccomp)"

out=$("$PROBE" --uid "$uid" --gid "$gid" exec /bin/cat /proc/self/status 2>&1)
for s in CapInh CapPrm CapEff CapBnd CapAmb; do
	expect_eq "no keep: $s empty after exec" 0000000000000000 "$(field $s)"
done

# Refusals: a capability that gives host root, uid 0, group 0.
out=$("$PROBE" --uid "$uid" --gid "$gid" --keep CAP_SYS_ADMIN status 2>&1)
expect_match "keeping cap_sys_admin is refused" "confine=EPERM.*refusing to keep 'cap_sys_admin'" "$(printf '%s' "$out" | tr '\n' ' ')"
out=$("$PROBE" --uid 0 --gid 0 status 2>&1)
expect_match "jailing uid 0 is refused" "confine=EPERM.*uid 0" "$(printf '%s' "$out" | tr '\n' ' ')"
out=$("$PROBE" --uid "$uid" --gid "$gid" --groups 0 status 2>&1)
expect_match "jailing with group 0 is refused" "confine=EPERM.*group 0" "$(printf '%s' "$out" | tr '\n' ' ')"

# A setuid-root binary gains nothing afterwards (no_new_privs, empty
# bounding set); the control run without confinement shows it would.
dir=$(mktemp -d /tmp/jaula-suid.XXXXXX)
on_exit rm -rf "$dir"
chmod 755 "$dir"
cp /usr/bin/id "$dir/id" && chmod 4755 "$dir/id"
control=$(setpriv --reuid "$uid" --regid "$gid" --clear-groups "$dir/id" -u 2>&1)
if [ "$control" != 0 ]; then
	skip "setuid exec after confine: setuid files do not work in $dir here (control gave '$control')"
else
	out=$("$PROBE" --uid "$uid" --gid "$gid" exec "$dir/id" -u 2>&1 | tail -1)
	expect_eq "a setuid-root binary runs with the user's euid after confine" "$uid" "$out"
fi
finish
