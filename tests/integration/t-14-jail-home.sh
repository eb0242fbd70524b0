#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-14: the home bind (writable, persists, never through a symlink, owner
# checked) and the profile's extra bind mounts (ro, rw, optional).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
H=$TDIR/home-$U
mkdir -p "$TDIR/ro-src" "$TDIR/rw-src"
echo "read me" > "$TDIR/ro-src/file"
echo "one line" > "$TDIR/single-file"
policy "$CONF" "$U" "mounts = (
	{ source = \"$TDIR/ro-src\"; target = \"/course\"; mode = \"ro\"; },
	{ source = \"$TDIR/rw-src\"; target = \"/srv/shared/rw\"; mode = \"rw\"; },
	{ source = \"$TDIR/single-file\"; target = \"/etc/motd\"; },
	{ source = \"$TDIR/missing\"; target = \"/opt/missing\"; optional = true; }
);"
chmod 0777 "$TDIR/rw-src"

out=$(jail "$U" 'pwd; echo hello > ~/note && cat ~/note')
expect_eq "the shell starts in the home, which is writable" "$H"$'\n'"hello" "$out"
expect_eq "writes to the home reach the host" hello "$(cat "$H/note")"
expect_eq "and belong to the user" "$U" "$(stat -c %U "$H/note")"
out=$(jail "$U" 'cat ~/note')
expect_eq "the home persists between jails" hello "$out"

out=$(jail "$U" 'cat /course/file; (echo x > /course/new) 2>&1; echo w > /srv/shared/rw/f && echo rw-ok; cat /etc/motd; test -e /opt/missing && echo missing-exists')
expect_match "a ro bind shows the source" "^read me" "$out"
expect_match "and cannot be written" "Read-only file system" "$out"
expect_match "a rw bind is writable" "rw-ok" "$out"
expect_eq "writes reach its source" w "$(cat "$TDIR/rw-src/f")"
expect_match "a file can be bound" "one line" "$out"
if [[ "$out" == *missing-exists* ]]; then not_ok "an optional missing source is skipped"; else ok "an optional missing source is skipped"; fi

# A required source that is missing refuses the login.
policy "$CONF" "$U" "mounts = ( { source = \"$TDIR/missing\"; target = \"/opt/x\"; } );"
out=$(jail "$U" 'echo inside' 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"jailsh: "* ]] && [[ "$out" != *inside* ]]; then ok "a missing required mount source refuses the login"; else not_ok "a missing required mount source refuses the login"; echo "$out" | diag; fi

# A home that is a symlink (the user may have made it one) is refused.
policy "$CONF" "$U" ""
mv "$H" "$H.real"
ln -s "$H.real" "$H"
out=$(jail "$U" 'echo inside; ls ~' 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" != *inside* ]]; then ok "a home that is a symlink is refused"; else not_ok "a home that is a symlink is refused"; fi
expect_match "with a clear message" "jailsh: .*symlink" "$out"
expect_eq "and no jail is left" 0 "$(jails_left)"
rm "$H"
# …and so is a home reached through a symlinked parent.
mkdir -p "$TDIR/realparent"
mv "$H.real" "$TDIR/realparent/home-$U"
ln -s "$TDIR/realparent" "$TDIR/linkparent"
usermod -d "$TDIR/linkparent/home-$U" "$U"
out=$(jail "$U" 'echo inside' 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" != *inside* ]]; then ok "a home below a symlinked directory is refused"; else not_ok "a home below a symlinked directory is refused"; echo "$out" | diag; fi

# A home owned by someone else is refused.
mkdir -p "$TDIR/foreign"
chown nobody "$TDIR/foreign"
usermod -d "$TDIR/foreign" "$U"
out=$(jail "$U" 'echo inside' 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" != *inside* ]]; then ok "a home owned by another user is refused"; else not_ok "a home owned by another user is refused"; echo "$out" | diag; fi
expect_eq "no jail is left after refusals" 0 "$(jails_left)"
finish
