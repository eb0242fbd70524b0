#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-27: the validated policy cache (/run/jaula-policy) also serves a policy
# outside /etc when every directory above it is root's and closed to
# others (/tmp counts: sticky), and still not one in a directory a user
# owns or a group may write.  The cache file is recognised by the policy
# path it records; an edit is seen at once.  Needs root.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rootfs.sh"
need_root
[ -x "$JAULA" ] || skip_all "cli/jaula is not built"
rootfs=$(busybox_rootfs) || skip_all "no busybox rootfs"

CACHE=/run/jaula-policy
# The cache files that record path $1 (the file names are a digest).
cached_for() { grep -lsF -- "$1" "$CACHE"/*.cache 2>/dev/null; }
policy() {
	cat > "$1" <<-EOF
	rootfs = { r = { path = "$rootfs"; }; }; global = { default_shell = "/bin/sh"; };
	profiles = { p = { rootfs = "r"; hostname = "$2"; }; };
	match = ( { name = "m"; users = ["jaula-nobody$TAG"]; profile = "p"; } );
	EOF
	chmod 0644 "$1"
}
# `jaula list` loads the policy as a login does: cache read and write.
load() { "$JAULA" list --config "$1" >/dev/null 2>&1; }

closed=$(mktemp -d /tmp/jaula-t27c.XXXXXX); on_exit rm -rf "$closed"
chmod 0755 "$closed"
user=$(mktemp -d /tmp/jaula-t27u.XXXXXX); on_exit rm -rf "$user"
chmod 0755 "$user"; chown nobody "$user"
grp=$(mktemp -d /tmp/jaula-t27g.XXXXXX); on_exit rm -rf "$grp"
chmod 0775 "$grp"
for d in "$closed" "$user" "$grp"; do policy "$d/jaula.conf" one; done
on_exit "for f in \$(grep -lsF -- /tmp/jaula-t27 $CACHE/*.cache); do rm -f \"\$f\"; done"
# The cache is never written while a source is younger than 3 s.
sleep 4
for d in "$closed" "$user" "$grp"; do load "$d/jaula.conf"; done

expect_match "root-closed directory under /tmp: the policy is cached" '\.cache$' "$(cached_for "$closed/jaula.conf")"
expect_eq "directory owned by a user: not cached" "" "$(cached_for "$user/jaula.conf")"
expect_eq "group-writable directory: not cached" "" "$(cached_for "$grp/jaula.conf")"
f=$(cached_for "$closed/jaula.conf" | head -1)
expect_eq "the cache file is root's, 600" "0 600" "$(stat -c '%u %a' "$f" 2>&1)"

# An edit is seen at once: a broken policy is reported, not served from
# the cache (explain reads the cache).
out=$("$JAULA" explain --config "$closed/jaula.conf" root 2>&1)
expect_match "the cached policy loads" 'not jailed' "$out"
echo 'profiles = { broken' >> "$closed/jaula.conf"
out=$("$JAULA" explain --config "$closed/jaula.conf" root 2>&1)
expect_match "after an edit the file is parsed again (syntax error reported)" 'jaula.conf:[0-9]+' "$out"
finish
