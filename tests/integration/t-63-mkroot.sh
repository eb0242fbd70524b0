#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-63-mkroot — `jaula mkroot`: argument and target checks (fast), the
# directories `make install` creates against the package's, missing
# parents created (README's step 3 after `make install`), then one
# real debootstrap minbase build with the packages sftp, scp and rsync
# need, its record file, a clean package cache and a squashfs image.
# Downloaded packages are kept in /var/tmp/jaula-test-mkroot-cache so later
# runs only unpack (about 70 s here; the first run also downloads).
source "$(dirname "$0")/../lib.sh"
need_root
[ -x "$JAULA" ] || skip_all "build first: $JAULA is missing"

work=$(mktemp -d /tmp/jaula-t63.XXXXXX)
on_exit "rm -rf '$work'"

# --- refusals, each before anything is downloaded --------------------------
mkdir "$work/full" && echo keep > "$work/full/precious"
out=$("$JAULA" mkroot "$work/full" 2>&1); rc=$?
expect_eq "a non-empty target is refused (exit 5)" 5 "$rc"
expect_match "… saying why" "is not empty" "$out"
out=$("$JAULA" mkroot --force "$work/full" 2>&1); rc=$?
expect_eq "--force does not empty a directory that is not a rootfs" 5 "$rc"
expect_eq "… and leaves its content" keep "$(cat "$work/full/precious" 2>/dev/null)"

"$JAULA" mkroot --include 'rsync;id' "$work/x" >/dev/null 2>&1
expect_eq "a package name with ';' is a usage error" 2 "$?"
"$JAULA" mkroot --suite=-x "$work/x" >/dev/null 2>&1
expect_eq "a suite starting with '-' is a usage error" 2 "$?"
"$JAULA" mkroot --mirror 'ftp://x y' "$work/x" >/dev/null 2>&1
expect_eq "a mirror that is not an http(s)/file URL is a usage error" 2 "$?"
"$JAULA" mkroot --cache-dir relative "$work/x" >/dev/null 2>&1
expect_eq "a relative --cache-dir is a usage error" 2 "$?"
"$JAULA" mkroot >/dev/null 2>&1
expect_eq "no DIR is a usage error" 2 "$?"
[ ! -e "$work/x" ] && ok "usage errors create nothing" || not_ok "usage errors create nothing"

# Usage errors create no missing parent either; '..' below one is refused.
"$JAULA" mkroot --suite=-x "$work/np/a/x" >/dev/null 2>&1
expect_eq "a usage error with a missing parent exits 2" 2 "$?"
"$JAULA" mkroot --mirror http://127.0.0.1:9/debian "$work/np/b/../x" >/dev/null 2>&1
expect_eq "'..' below a missing directory is a usage error" 2 "$?"
[ ! -e "$work/np" ] && ok "… and neither creates a parent" || not_ok "… and neither creates a parent"

# --- after `make install` (not the .deb), README's step 3 works ------------
# make install creates the directories the package ships (debian/jaula.dirs),
# and mkroot creates the parents it needs, root's and 0755 whatever the
# umask (an unreachable mirror ends it after that, fast).
stage=$work/stage
if make -C "$TOP" -s install DESTDIR="$stage" >"$work/install.log" 2>&1; then
	while read -r d; do
		[ -n "$d" ] || continue
		expect_eq "make install creates /$d like the package (root, 0755)" "755 0" \
			"$(stat -c '%a %u' "$stage/$d" 2>&1)"
	done <"$TOP/debian/jaula.dirs"
else
	not_ok "make install DESTDIR=$stage"; tail -5 "$work/install.log" | diag
fi
t=$work/fresh/var/lib/jaula/rootfs/bookworm
out=$(umask 077; "$JAULA" mkroot --mirror http://127.0.0.1:9/debian "$t" 2>&1); rc=$?
expect_eq "mkroot into a missing parent goes on to debootstrap (here: fails, 5)" 5 "$rc"
expect_match "… saying which parents it created" "created '$work/fresh/var/lib/jaula/rootfs'" "$out"
expect_eq "… each root's, mode 0755" "0 755|0 755|0 755|0 755|0 755" \
	"$(for d in fresh fresh/var fresh/var/lib fresh/var/lib/jaula fresh/var/lib/jaula/rootfs; do
		stat -c '%u %a' "$work/$d"; done | paste -sd'|')"
expect_eq "… and DIR too" "0 755" "$(stat -c '%u %a' "$t" 2>&1)"

# --force on an earlier (here: failed) rootfs empties it first; an
# unreachable mirror makes debootstrap fail fast.
mkdir -p "$work/old/debootstrap" "$work/old/etc"
touch "$work/old/debootstrap/debootstrap.log" "$work/old/etc/stale"
out=$("$JAULA" mkroot --force --mirror http://127.0.0.1:9/debian "$work/old" 2>&1); rc=$?
expect_eq "a failed debootstrap exits 5" 5 "$rc"
[ ! -e "$work/old/etc/stale" ] && ok "--force emptied the earlier rootfs" \
	|| not_ok "--force emptied the earlier rootfs"
expect_match "… and points at debootstrap's log" "debootstrap.log" "$out"

if [ "$(uname -m)" = x86_64 ]; then
	if "$JAULA" check-kernel --json | grep -q '"name":"i386 (IA-32) programs","status":"ok"'; then
		skip "i386 refusal: this kernel runs i386 programs (the build itself is not repeated here)"
	else
		out=$("$JAULA" mkroot --arch i386 "$work/i386" 2>&1); rc=$?
		expect_eq "--arch i386 on a kernel without IA-32 emulation is refused early" 5 "$rc"
		expect_match "… with the reason" "32-bit" "$out"
		[ ! -e "$work/i386" ] && ok "… before creating anything" || not_ok "… before creating anything"
	fi
fi

# --- one real build ------------------------------------------------------
need_cmd debootstrap mksquashfs unsquashfs
root="$work/var/lib/jaula/rootfs/bookworm" # parents missing, as on a fresh host
start=$(date +%s)
"$JAULA" mkroot --cache-dir /var/tmp/jaula-test-mkroot-cache --image "$root" > "$work/log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -qE "Failed getting release file|Couldn't download|Temporary failure resolving|Could not resolve" "$work/log"; then
	tail -5 "$work/log" | diag
	skip_all "the package mirror cannot be reached from here"
fi
expect_eq "mkroot builds (in $(( $(date +%s) - start )) s)" 0 "$rc"
[ $rc -eq 0 ] || { tail -20 "$work/log" | diag; finish; }

grep -q '^I: Retrieving\|^I: Extracting\|^I: Unpacking' "$work/log" \
	&& ok "debootstrap's progress is shown" || not_ok "debootstrap's progress is shown"
[ -x "$root/usr/lib/openssh/sftp-server" ] && ok "sftp-server is at /usr/lib/openssh/sftp-server" \
	|| not_ok "sftp-server is at /usr/lib/openssh/sftp-server"
[ -x "$root/usr/bin/rsync" ] && ok "rsync is at /usr/bin/rsync" || not_ok "rsync is at /usr/bin/rsync"
[ -x "$root/bin/bash" ] && ok "the rootfs has a shell" || not_ok "the rootfs has a shell"
debs=$(find "$root/var/cache/apt/archives" -name '*.deb' | wc -l)
expect_eq "the package cache is empty" 0 "$debs"

rec="$root/.jaula-rootfs"
[ -f "$rec" ] && ok "the record file exists" || not_ok "the record file exists"
expect_eq "record: suite" bookworm "$(sed -n 's/^suite=//p' "$rec")"
expect_eq "record: arch" amd64 "$(sed -n 's/^arch=//p' "$rec")"
expect_eq "record: variant" minbase "$(sed -n 's/^variant=//p' "$rec")"
expect_match "record: packages include sftp-server and rsync" "openssh-sftp-server.*rsync" "$(sed -n 's/^include=//p' "$rec")"
expect_match "record: package count" "^[0-9]{2,}$" "$(sed -n 's/^packages=//p' "$rec")"
expect_match "record: date" "^20[0-9]{2}-[0-9]{2}-[0-9]{2}T" "$(sed -n 's/^date=//p' "$rec")"
mirror=$(sed -n 's/^mirror=//p' "$rec")
if grep -rqsF -- "$mirror" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	ok "record: the mirror ($mirror) comes from the host's apt sources"
else
	expect_eq "record: mirror is the default (no usable host source)" http://deb.debian.org/debian "$mirror"
fi

img="$root.squashfs"
[ -s "$img" ] && ok "--image wrote $img" || not_ok "--image wrote $img"
listing=$(unsquashfs -l "$img" 2>&1)
expect_match "the image holds sftp-server" "usr/lib/openssh/sftp-server" "$listing"
expect_match "the image holds the record" "/\\.jaula-rootfs" "$listing"

out=$("$JAULA" mkroot "$root" 2>&1); rc=$?
expect_eq "a second mkroot into the built rootfs is refused without --force" 5 "$rc"
finish
