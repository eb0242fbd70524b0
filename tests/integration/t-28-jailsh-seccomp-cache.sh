#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-28: jailsh keeps its compiled seccomp filter in the host's
# /run/jaula-policy, read before it enters the jail (never the jail's
# /run): a login without the file compiles and writes it, the next login
# reads it and writes nothing, and both shells get the same filter.
# Removes only the one cache file its own logins use (it is rebuilt by
# the next login of any test).  Needs root.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
need_cmd strace

U=$(new_user s) || skip_all "cannot create a user"
policy "$CONF" "$U" ''
TR=$TDIR/strace.txt
# A login under strace; prints the shell's output.
login() { strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$TR" "$JAILSH" --config "$CONF" --user "$U" -c "$1" 2>&1; }
# What the login did with filter files: "open NAME" / "write NAME".
bpf_ops() {
	sed -n -e 's/.*openat([0-9]*, "\(sf-[0-9a-f]*\.bpf\)", O_RDONLY.*= [0-9][0-9]*$/open \1/p' \
		-e 's/.*rename[a-z0-9]*(.*"\.\(sf-[0-9a-f]*\.bpf\)\.[0-9]*\.tmp", [0-9]*, "\(sf-[0-9a-f]*\.bpf\)".*= 0$/write \2/p' "$TR" | sort -u | tr '\n' ' '
}

probe='grep Seccomp: /proc/self/status; test -e /run/jaula-policy && echo jail-run-has-cache || echo jail-run-clean'
out=$(login "$probe")
name=$(sed -n 's/.*"\(sf-[0-9a-f]*\.bpf\)".*/\1/p' "$TR" | head -1)
[ -n "$name" ] || { not_ok "jailsh looks up a compiled filter"; sed -n '/jaula-policy\|\.bpf/p' "$TR" | diag; finish; }
ok "jailsh looks up a compiled filter ($name)"
F=/run/jaula-policy/$name

rm -f "$F"
out=$(login "$probe")
expect_eq "without the file: compiled and written" "write $name " "$(bpf_ops)"
expect_eq "the file is in the host's /run/jaula-policy, root's, 600" "0 600" "$(stat -c '%u %a' "$F" 2>&1)"
expect_match "the shell runs under a filter" 'Seccomp:[[:space:]]*2' "$out"
expect_match "the jail's own /run gets no cache" 'jail-run-clean' "$out"
m=$(stat -c '%i %Y' "$F")

out=$(login "$probe")
expect_eq "the next login reads the file and writes none" "open $name " "$(bpf_ops)"
expect_eq "the file is unchanged" "$m" "$(stat -c '%i %Y' "$F")"
expect_match "the shell runs under the cached filter" 'Seccomp:[[:space:]]*2' "$out"

# A spoiled file: not used, rewritten, the login still confined.
printf 'JAULASF1garbage!' > "$F"; chmod 600 "$F"
out=$(login "$probe")
expect_eq "a spoiled file: compiled and written again" "open $name write $name " "$(bpf_ops)"
expect_match "a spoiled file: the shell is still under a filter" 'Seccomp:[[:space:]]*2' "$out"
finish
