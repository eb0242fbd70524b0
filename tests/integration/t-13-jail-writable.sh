#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-13: the writable layer — tmpfs (writes gone with the jail, base
# untouched), persistent (kept per user in a root-owned upper), none
# (read-only); /tmp is a sized tmpfs of the jail's own.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
f=jaula-w-$TAG

policy "$CONF" "$U" 'writable = "tmpfs";'
out=$(jail "$U" "echo data > /var/tmp/$f && cat /var/tmp/$f")
expect_eq "tmpfs: the user can write where the rootfs lets them" data "$out"
if [ -e "$ROOTFS/var/tmp/$f" ]; then not_ok "tmpfs: the base on the host is untouched"; else ok "tmpfs: the base on the host is untouched"; fi
out=$(jail "$U" "cat /var/tmp/$f 2>&1 || echo gone")
expect_match "tmpfs: the writes are gone with the jail" "gone" "$out"
out=$(jail "$U" "touch /bin/$f 2>&1; echo rc=\$?")
expect_match "tmpfs: the rootfs's permissions still apply" "Permission denied.*rc=1|rc=1" "$out"
out=$(jail "$U" 'df -k /tmp | tail -1; touch /tmp/x && echo tmp-ok; stat -c %a /tmp')
expect_match "/tmp is a tmpfs of the configured size (8M)" "^[^ ]+ +8192 " "$out"
expect_match "/tmp is writable and sticky" "tmp-ok"$'\n'"1777" "$out"

policy "$CONF" "$U" 'writable = "persistent";'
out=$(jail "$U" "echo kept > /var/tmp/$f && echo ok")
expect_eq "persistent: a write succeeds" ok "$out"
out=$(jail "$U" "cat /var/tmp/$f")
expect_eq "persistent: the next jail sees it" kept "$out"
upper=$TDIR/persist/p/$U
if [ -f "$upper/upper/var/tmp/$f" ]; then ok "persistent: it lives in the per-user upper"; else not_ok "persistent: it lives in the per-user upper"; ls -R "$TDIR/persist" | diag; fi
expect_eq "persistent: the upper is root-owned" "0:0 755" "$(stat -c '%u:%g %a' "$upper/upper")"
if [ -e "$ROOTFS/var/tmp/$f" ]; then not_ok "persistent: the base on the host is untouched"; else ok "persistent: the base on the host is untouched"; fi

# A symlink planted where the upper should be is refused, not followed.
policy "$CONF" "$U" "writable = \"persistent\"; persistent_path = \"$TDIR/evil/%u\";"
mkdir -p "$TDIR/evil" "$TDIR/target"
ln -s "$TDIR/target" "$TDIR/evil/$U"
out=$(jail "$U" 'echo inside' 2>&1)
rc=$?
if [ $rc -ne 0 ] && [[ "$out" != *inside* ]]; then ok "persistent: a symlinked upper is refused"; else not_ok "persistent: a symlinked upper is refused"; echo "$out" | diag; fi
expect_eq "and nothing was created through it" "" "$(ls -A "$TDIR/target")"
expect_eq "and no jail is left" 0 "$(jails_left)"

policy "$CONF" "$U" 'writable = "none";'
out=$(jail "$U" "(echo x > /var/tmp/$f) 2>&1; echo rc=\$?; echo y > ~/$f && echo home-ok")
expect_match "none: the root is read-only" "Read-only file system" "$out"
expect_match "none: home stays writable" "home-ok" "$out"
finish
