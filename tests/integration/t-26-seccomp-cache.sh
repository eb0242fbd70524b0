#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-26: the compiled seccomp filter kept on disk.  The first confinement of
# a spec compiles the filter and writes it (root's, 0600), the next reads
# it; both filters behave exactly as one compiled without any cache, for
# every profile shape.  A cache file that is odd in any way — group
# writable, another owner, a symlink, a size that is not whole
# instructions, garbage, or another spec's valid filter put under this
# spec's name — is not used: the filter is compiled again and the file
# rewritten.  A cache directory open to others is not used at all, and
# jaula_confine uses none unless told (jailsh's own use is t-28).  Needs root.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd useradd userdel
PROBE=$TOP/tests/helpers/confine_probe
[ -x "$PROBE" ] || skip_all "tests/helpers/confine_probe is not built (make check builds it)"

user=jaula-f$TAG
useradd -M -N -s /usr/sbin/nologin "$user" || skip_all "cannot create user $user"
on_exit userdel "$user"
uid=$(id -u "$user") gid=$(id -g "$user")
CACHE=$(mktemp -d /tmp/jaula-sf.XXXXXX) || skip_all "mktemp failed"
on_exit rm -rf "$CACHE"
P() { "$PROBE" --uid "$uid" --gid "$gid" --seccomp-cache "$CACHE" "$@" 2>&1; }
val() { printf '%s\n' "$1" | sed -n "s/^$2=//p" | head -1; }
# The cache file a run named in its debug line.
file_of() { printf '%s\n' "$1" | sed -n 's/^log=seccomp: .* \(\/[^ ]*\.bpf\)$/\1/p' | head -1; }
results() { printf '%s\n' "$1" | grep -v '^log=' | sort; }

# Compiled, then from the cache, then with no cache at all: same results.
for shape in "--profile default" "--profile strict" "--allow ptrace --deny getpid" \
	"--profile none --deny ptrace" "--x86"; do
	# shellcheck disable=SC2086
	first=$(P $shape syscalls)
	f=$(file_of "$first")
	expect_match "[$shape] first confinement compiles and writes the cache" \
		'^log=seccomp: filter of [0-9]+ instructions compiled and cached in ' "$(val "$first" log | sed 's/^/log=/')"
	expect_eq "[$shape] cache file is root's, mode 600" "0 600" "$(stat -c '%u %a' "$f" 2>&1)"
	# shellcheck disable=SC2086
	second=$(P $shape syscalls)
	expect_match "[$shape] second confinement reads the cache" \
		"^log=seccomp: filter of [0-9]+ instructions from the cache $f\$" "log=$(val "$second" log)"
	# shellcheck disable=SC2086
	plain=$("$PROBE" --uid "$uid" --gid "$gid" --seccomp-cache "" $shape syscalls 2>&1)
	expect_match "[$shape] control: no cache, compiled" 'compiled, not cached' "$(val "$plain" log)"
	expect_eq "[$shape] cached filter behaves as the compiled one" "$(results "$plain")" "$(results "$second")"
	expect_eq "[$shape] first and second confinement agree" "$(results "$first")" "$(results "$second")"
done

# The default profile's file, spoiled in turn; each time the next
# confinement must compile (not read), still deny mount and allow getpid,
# and leave a good file behind that the one after reads.
out=$(P syscalls); F=$(file_of "$out")
good=$(mktemp /tmp/jaula-sf-good.XXXXXX); on_exit rm -f "$good"
cp -p "$F" "$good"
other=$(file_of "$(P --profile none --deny getpid syscalls)")
spoil() {
	local what=$1 out
	out=$(P syscalls)
	expect_match "$what: not used, compiled again" 'instructions compiled and cached in' "$(val "$out" log)"
	expect_eq "$what: mount still EPERM, getpid ok" "EPERM ok" "$(val "$out" mount) $(val "$out" getpid)"
	expect_eq "$what: the file is rewritten, root's 600, as compiled" "0 600 same" \
		"$(stat -c '%u %a' "$F") $(cmp -s "$F" "$good" && echo same)"
	out=$(P syscalls)
	expect_match "$what: the rewritten file is read" 'instructions from the cache' "$(val "$out" log)"
}
chmod 0620 "$F"; spoil "group-writable file"
chmod 0604 "$F"; spoil "file readable by others"
chown "$uid" "$F"; spoil "file owned by a user"
rm -f "$F"; ln -s "$good" "$F"; spoil "symlink to a good file"
head -c 100 "$good" > "$F"; chmod 600 "$F"; spoil "size not whole instructions"
head -c 856 /dev/urandom > "$F"; chmod 600 "$F"; spoil "garbage"
: > "$F"; spoil "empty file"
cp -p "$other" "$F"; spoil "another spec's valid filter under this name"
rm -f "$F"; mkdir "$F"; out=$(P syscalls)
expect_match "a directory in its place: compiled, not cached, still confined" \
	"compiled, not cached EPERM ok" "$(val "$out" log | sed 's/.*instructions //') $(val "$out" mount) $(val "$out" getpid)"
rmdir "$F"

# A cache directory others may enter is not trusted.
chmod 0755 "$CACHE"
out=$(P syscalls)
expect_match "cache directory mode 755: not used" "compiled, not cached" "$(val "$out" log)"
expect_eq "cache directory mode 755: still confined" "EPERM ok" "$(val "$out" mount) $(val "$out" getpid)"
chmod 0700 "$CACHE"

# jaula_confine alone uses no cache: it may run in a jail's mount
# namespace, whose /run is the jail's (jailsh compiles beforehand, t-28).
# Without --in-confine the probe compiles first as jailsh does, and then
# the default is /run/jaula-policy (what t-21 and t-23 use).
out=$("$PROBE" --uid "$uid" --gid "$gid" syscalls 2>&1)
expect_match "precompiled: the default cache is /run/jaula-policy" \
	'(compiled and cached in|from the cache) /run/jaula-policy/sf-[0-9a-f]{16}\.bpf$' "$(val "$out" log)"
expect_eq "/run/jaula-policy is root's, 700" "0 700" "$(stat -c '%u %a' /run/jaula-policy)"
out=$("$PROBE" --uid "$uid" --gid "$gid" --in-confine syscalls 2>&1)
expect_match "confine without a cache directory compiles and caches nothing" \
	'compiled, not cached' "$(val "$out" log)"
expect_eq "and still confines" "EPERM ok" "$(val "$out" mount) $(val "$out" getpid)"
finish
