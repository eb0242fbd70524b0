#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-79: `jaula check-config` precompiles what a login would otherwise build
# at its first run after a policy change: the policy cache and its match
# table (beside it in /run/jaula-policy) and every profile's seccomp filter.
# After check-config, the first login reads its filter and its policy from
# the cache and writes neither; without check-config (the control), the
# first login compiles and writes both.  --no-precompile and --no-files
# write nothing.  The profile denies two extra calls, so its filter file
# is this test's own; the test removes it, and the caches of its own
# policy paths.  Needs root.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
need_cmd strace

U=$(new_user p) || skip_all "cannot create a user"
SC='seccomp = { profile = "default"; deny = [ "personality", "acct" ]; };'
TR=$TDIR/strace.txt
# A root-driven login of U under strace (so strace follows the setuid
# jailsh), with the policy FILE.
login() { strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$TR" "$JAILSH" --config "$1" --user "$U" -c true >/dev/null 2>&1; }
# What the traced run did with cache files: "open NAME" for each filter it
# read, "write NAME" for each cache file it renamed into place.
ops() {
	sed -n -e 's/.*openat([0-9]*, "\(sf-[0-9a-f]*\.bpf\)", O_RDONLY.*= [0-9][0-9]*$/open \1/p' \
		-e 's/.*rename[a-z0-9]*(.*"\.\([^"]*\)\.[0-9]*\.tmp", [0-9]*, "\([^"]*\)".*= 0$/write \2/p' "$TR" |
		sed -n -e 's/^write [^ ]*\.cache$/write policy-cache/p' -e 's/^write [^ ]*\.match$/write match-table/p' \
			-e '/^write sf-[0-9a-f]*\.bpf$/p' -e '/^open /p' |
		sort -u | tr '\n' ' '
}
# A fresh policy path: its cache does not exist yet.  Written more than
# 3 s before use: the policy cache is not written for a file younger than
# that (policy_cache.c), for logins and check-config alike.
fresh() { policy "$1" "$U" "$SC"; }
for c in a b c d; do fresh "$TDIR/$c.conf"; done
# Our own policy caches go with the test.
on_exit "grep -lsF -e '$TDIR/' /run/jaula-policy/*.cache /run/jaula-policy/*.match 2>/dev/null | xargs -r rm -f"
sleep 4

# The filter's name: from one login (its policy path is used for nothing else).
login "$TDIR/a.conf"
name=$(sed -n 's/.*"\(sf-[0-9a-f]*\.bpf\)".*/\1/p' "$TR" | head -1)
[ -n "$name" ] || { not_ok "jailsh looks up a compiled filter"; sed -n '/jaula-policy\|\.bpf/p' "$TR" | diag; finish; }
ok "jailsh looks up a compiled filter ($name)"
F=/run/jaula-policy/$name
on_exit "rm -f '$F'"

# Control: no check-config, the first login compiles and writes both.
rm -f "$F"
login "$TDIR/b.conf"
expect_eq "control: without check-config the first login writes filter, policy cache and match table" \
	"write match-table write policy-cache write $name " "$(ops)"

# check-config precompiles.
rm -f "$F"
out=$(strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$TR" "$JAULA" check-config --verbose "$TDIR/c.conf" 2>&1); rc=$?
expect_eq "check-config --verbose exits 0" 0 "$rc"
expect_line "check-config says the policy cache is written" "policy cache: /run/jaula-policy, with its match table" "$out"
expect_line "check-config says it compiled the profile's filter" \
	"seccomp filters: 1 compiled into /run/jaula-policy, 0 there already, 0 not cached (logins compile them), 0 profiles without a filter" "$out"
expect_line "check-config still ends with OK" "OK" "$out"
expect_eq "check-config wrote the match table, the policy cache and the filter" \
	"open $name write match-table write policy-cache write $name " "$(ops)"
expect_eq "the filter is root's, mode 600" "0 600" "$(stat -c '%u %a' "$F" 2>&1)"
m=$(stat -c '%i %Y' "$F" 2>&1)

login "$TDIR/c.conf"
expect_eq "after check-config the first login reads the filter and writes nothing" "open $name " "$(ops)"
expect_eq "the filter file is unchanged" "$m" "$(stat -c '%i %Y' "$F" 2>&1)"
cache_read=$(grep -c '/run/jaula-policy.*\.cache\|openat([0-9]*, "[^"]*\.cache", O_RDONLY.*= [0-9]' "$TR")
[ "$cache_read" -gt 0 ] && ok "the first login opens the policy cache" ||
	{ not_ok "the first login opens the policy cache"; grep -F .cache "$TR" | diag; }
out=$("$JAILSH" --config "$TDIR/c.conf" --user "$U" -c 'grep Seccomp: /proc/self/status' 2>&1 </dev/null)
expect_match "the shell runs under the precompiled filter" 'Seccomp:[[:space:]]*2' "$out"

# A second check-config finds everything in place.
out=$("$JAULA" check-config --verbose "$TDIR/c.conf" 2>&1)
expect_line "a second check-config finds the filter there already" \
	"seccomp filters: 0 compiled into /run/jaula-policy, 1 there already, 0 not cached (logins compile them), 0 profiles without a filter" "$out"

# --no-precompile and --no-files leave no trace.
for opt in --no-precompile --no-files; do
	rm -f "$F"
	out=$(strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$TR" "$JAULA" check-config "$opt" "$TDIR/d.conf" 2>&1); rc=$?
	expect_eq "check-config $opt: OK, exit 0" "0 OK" "$rc $out"
	expect_eq "check-config $opt writes no cache file" "" "$(ops | sed 's/open [^ ]* //g')"
	[ -e "$F" ] && not_ok "check-config $opt leaves no filter" || ok "check-config $opt leaves no filter"
done

finish
