#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-60-man — the manual pages render without a single warning (man-db and
# groff), and stay in step with the code: jaula.8 documents every command
# `jaula --help` lists, and jaula.conf.5 every key of the annotated example
# policy.  And every tracked C source, header and shell script carries the
# project's SPDX licence line near its top.  Needs no root.
source "$(dirname "$0")/../lib.sh"
need_cmd groff man
cd "$TOP" || exit 1

pages=(man/*.[1-8])
[ -e "${pages[0]}" ] || skip_all "no manual pages in man/"
for want in man/jaula.8 man/jailsh.8 man/pam_jaula.8 man/jaula.conf.5; do
	[ -f "$want" ] && ok "$want exists" || not_ok "$want exists"
done

for p in "${pages[@]}"; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 "$p" 2>&1 >/dev/null)
	[ -z "$out" ] && ok "man --warnings: $p" || { not_ok "man --warnings: $p"; printf '%s\n' "$out" | diag; }
	out=$(groff -ww -z -man "$p" 2>&1)
	[ -z "$out" ] && ok "groff -ww: $p" || { not_ok "groff -ww: $p"; printf '%s\n' "$out" | diag; }
	if LC_ALL=C grep -qP '[^\x00-\x7f]' "$p"; then
		not_ok "$p is plain ASCII (use groff escapes)"; LC_ALL=C grep -nP '[^\x00-\x7f]' "$p" | diag
	else
		ok "$p is plain ASCII"
	fi
	name=$(sed -n 's/^\.TH \([^ ]*\) \([0-9]\).*/\1.\2/p' "$p" | tr 'A-Z' 'a-z')
	expect_eq "$p: .TH names the file" "${p#man/}" "$name"
done

if [ -x "$JAULA" ]; then
	text=$(MANWIDTH=200 man -l man/jaula.8 2>/dev/null)
	for cmd in $("$JAULA" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
		if grep -qE "^   $cmd( |$)" <<<"$text"; then ok "jaula.8 documents '$cmd'"
		else not_ok "jaula.8 documents '$cmd'"; fi
	done
else
	skip "jaula.8 against 'jaula --help': build first"
fi

if [ -f conf/jaula.conf ]; then
	conf5=$(MANWIDTH=200 man -l man/jaula.conf.5 2>/dev/null)
	for key in $(sed 's/#.*//' conf/jaula.conf | grep -oE '^[[:space:]]*[a-z_]+[[:space:]]*=' | tr -d ' \t=' | sort -u); do
		case $key in bookworm | lab | student | students | EDITOR) continue ;; esac # names, not keys
		if grep -qw -- "$key" <<<"$conf5"; then ok "jaula.conf.5 documents '$key'"
		else not_ok "jaula.conf.5 documents '$key'"; fi
	done
else
	skip "jaula.conf.5 against conf/jaula.conf: no example policy"
fi

# The licence line: first line, or second after a shebang.
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	missing=()
	while IFS= read -r -d '' f; do
		head -n 2 "$f" | grep -q 'SPDX-License-Identifier: LGPL-2\.1-or-later' || missing+=("$f")
	done < <(git -C "$TOP" ls-files -z -- '*.c' '*.h' '*.sh')
	if [ ${#missing[@]} -eq 0 ]; then
		ok "every tracked *.c, *.h and *.sh names its licence (SPDX)"
	else
		not_ok "every tracked *.c, *.h and *.sh names its licence (SPDX)"
		printf '%s\n' "${missing[@]}" | diag
	fi
else
	skip "SPDX lines: not a git checkout"
fi
finish
