#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-15: jailsh as a front end — what a non-root caller may pass (through a
# real setuid copy), the environment allow-list against a hostile
# environment, commands passed untouched, stdio closed, and clean refusals
# for a broken policy, an unmatched user, a missing rootfs.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
policy "$CONF" "$U" 'environment = { EDITOR = "vi"; };'

# A setuid-root copy, run by the user: only sshd-style arguments pass.
cp "$JAILSH" "$TDIR/jailsh"
chown root:root "$TDIR/jailsh"
chmod 4755 "$TDIR/jailsh"
as_user() { setpriv --reuid="$U" --regid="$U" --clear-groups -- "$@"; }
if ! as_user "$TDIR/jailsh" --config /nonexistent -c true 2>/dev/null && [ "$(stat -c %a "$TDIR/jailsh")" = 4755 ]; then
	out=$(as_user "$TDIR/jailsh" --config "$CONF" -c 'echo inside' 2>&1); rc=$?
	if [ $rc -ne 0 ] && [[ "$out" == "jailsh: usage"* ]] && [[ "$out" != *inside* ]]; then ok "a user cannot pass --config"; else not_ok "a user cannot pass --config"; echo "$out" | diag; fi
	out=$(as_user "$TDIR/jailsh" --user root -c 'echo inside' 2>&1); rc=$?
	if [ $rc -ne 0 ] && [[ "$out" != *inside* ]]; then ok "a user cannot pass --user"; else not_ok "a user cannot pass --user"; fi
	out=$(as_user "$TDIR/jailsh" -c 'echo inside' extra 2>&1); rc=$?
	if [ $rc -ne 0 ] && [[ "$out" != *inside* ]]; then ok "a user cannot pass extra arguments"; else not_ok "a user cannot pass extra arguments"; fi
	# With the system policy (which does not jail this throwaway user, or
	# does not exist): a refusal, never a host shell.
	out=$(as_user "$TDIR/jailsh" -c 'echo inside' 2>&1); rc=$?
	if [ $rc -ne 0 ] && [[ "$out" == jailsh:* ]] && [[ "$out" != *inside* ]]; then ok "a user the system policy does not jail is refused"; else not_ok "a user the system policy does not jail is refused"; echo "$out" | diag; fi
	expect_eq "the refusal is one short line" 1 "$(printf '%s\n' "$out" | wc -l)"
	# A preload library that would leave a mark if the setuid jailsh ran it.
	printf '#include <fcntl.h>\n__attribute__((constructor)) static void m(void) { open("%s/pwned", O_CREAT|O_WRONLY, 0666); }\n' "$TDIR" > "$TDIR/evil.c"
	if cc -shared -fPIC -o "$TDIR/evil.so" "$TDIR/evil.c" 2>/dev/null; then
		chmod 0755 "$TDIR/evil.so"
		as_user env LD_PRELOAD="$TDIR/evil.so" LD_LIBRARY_PATH="$TDIR" "$TDIR/jailsh" -c true > /dev/null 2>&1
		if [ -e "$TDIR/pwned" ]; then not_ok "LD_PRELOAD is ignored by the setuid jailsh"; else ok "LD_PRELOAD is ignored by the setuid jailsh"; fi
	else
		skip "LD_PRELOAD check: no C compiler"
	fi
else
	skip "setuid checks: $TDIR does not honour the setuid bit here"
fi

# Hostile environment: nothing of it reaches the jail.
out=$(env LD_PRELOAD=/tmp/evil.so LD_LIBRARY_PATH=/tmp BASH_ENV=/tmp/evil ENV=/tmp/evil \
	IFS=x PATH=/tmp/evil:/bin SHELLOPTS=xtrace PS4='$(touch /tmp/pwned)' GCONV_PATH=/tmp \
	TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C TZ=UTC SSH_CONNECTION="1.2.3.4 5 6.7.8.9 22" \
	SSH_AUTH_SOCK=/tmp/agent HOME=/root USER=root \
	"$JAILSH" --config "$CONF" --user "$U" -c 'env | sort' 2>/dev/null)
for v in LD_PRELOAD LD_LIBRARY_PATH BASH_ENV ENV IFS SHELLOPTS PS4 GCONV_PATH SSH_AUTH_SOCK; do
	if printf '%s\n' "$out" | grep -q "^$v="; then not_ok "$v does not reach the jail"; else ok "$v does not reach the jail"; fi
done
expect_line "TERM passes" "TERM=xterm-256color" "$out"
expect_line "LANG passes" "LANG=C.UTF-8" "$out"
expect_line "LC_* pass" "LC_ALL=C" "$out"
expect_line "SSH_CONNECTION passes" "SSH_CONNECTION=1.2.3.4 5 6.7.8.9 22" "$out"
expect_line "PATH is jailsh's" "PATH=/usr/local/bin:/usr/bin:/bin" "$out"
expect_line "HOME is the user's" "HOME=$TDIR/home-$U" "$out"
expect_line "USER is the user's" "USER=$U" "$out"
expect_line "LOGNAME is the user's" "LOGNAME=$U" "$out"
expect_line "SHELL is the jail's shell" "SHELL=/bin/sh" "$out"
expect_line "the profile's environment is added" "EDITOR=vi" "$out"
out=$(env 'TERM=x
y' "$JAILSH" --config "$CONF" --user "$U" -c 'env | grep -c ^TERM=')
expect_eq "a value with a control character is dropped" 0 "$out"

# The command goes to the shell untouched: no re-quoting, no splitting.
cmd='printf "<%s>" "a b" '"'"'$HOME;`x`'"'"'; echo'
out=$(jail "$U" "$cmd")
expect_eq "the command is passed untouched" '<a b><$HOME;`x`>' "$out"

# stdio closed: jailsh opens /dev/null in its place before anything else.
out=$("$JAILSH" --config "$CONF" --user "$U" -c 'ls -l /proc/self/fd/0 2>&1 | grep -c null' <&- )
expect_eq "a closed stdin becomes /dev/null" 1 "$out"

# Login shell: argv0 "-jailsh" gives the jail's shell as a login shell.
out=$(echo 'echo "argv0=$0"' | (exec -a -jailsh "$JAILSH" --config "$CONF" --user "$U") 2>&1)
expect_match "a '-' argv0 starts a login shell" "argv0=-sh" "$out"

# Refusals: short message, non-zero, nothing left.
printf 'global = { state_dir = "%s"; ' "$STATE" > "$TDIR/broken.conf"; chmod 0644 "$TDIR/broken.conf"
out=$("$JAILSH" --config "$TDIR/broken.conf" --user "$U" -c 'echo inside' 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"jailsh: the jail policy is broken"* ]]; then ok "a broken policy refuses the login"; else not_ok "a broken policy refuses the login"; echo "$out" | diag; fi
V=$(new_user b)
out=$("$JAILSH" --config "$CONF" --user "$V" -c 'echo inside' 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"not jailed"* ]] && [[ "$out" != *inside* ]]; then ok "an unmatched user is refused"; else not_ok "an unmatched user is refused"; echo "$out" | diag; fi
POLICY_ROOTFS=$TDIR/no-such-rootfs policy "$CONF" "$U" ''
out=$(jail "$U" 'echo inside' 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"cannot set up your jail"* ]] && [[ "$out" == *"no-such-rootfs"* ]]; then ok "a missing rootfs refuses with a clear message"; else not_ok "a missing rootfs refuses with a clear message"; echo "$out" | diag; fi
expect_eq "and leaves no jail behind" 0 "$(jails_left)"
expect_eq "nor any state file" "" "$(find "$STATE/jails" "$STATE/netns" -mindepth 1 2>/dev/null)"
finish
