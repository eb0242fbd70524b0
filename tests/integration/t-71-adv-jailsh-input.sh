#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-71: hostile input to the setuid jailsh from a non-root caller — the
# loader and libc variables (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT,
# GCONV_PATH, LOCPATH, NLSPATH, MALLOC_*, GLIBC_TUNABLES with an overflow
# string, TMPDIR), shell variables aimed at the jail's shell (IFS,
# SHELLOPTS, BASH_ENV, ENV, PS4 with a command substitution), every option
# but -c, 1 MiB of argv, a 1 MiB environment, closed fds 0-2, odd argv0
# and argc 0, shell metacharacters, hostile resource limits.  Nothing may
# run a planted library or rc file, change what jailsh does beyond -c CMD,
# or give anything but the jail.  t-15 covers --config, --user, extra
# arguments, LD_PRELOAD and the allow-list as seen from the jail; this test
# does the rest through a real setuid copy run by the user, and checks that
# refusals name the user in syslog or, without it, in /var/log/jaula.log.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
source "$(dirname "$0")/adversary-lib.sh"

EXEC=$TOP/tests/helpers/adv_exec
[ -x "$EXEC" ] || skip_all "tests/helpers/adv_exec is not built (make check builds it)"
need_cmd cc setpriv
U=$(new_user a) || skip_all "cannot create a user"
UID_=$(id -u "$U")
ADV_UIDS=$UID_
H=$TDIR/home-$U
adv_policy "$ADV_SYSCONF" ''
adv_setuid_jailsh || skip_all "cannot install a setuid jailsh here: $(tail -2 "$TDIR/jailsh-build.log" 2>/dev/null)"
J=$ADV_JAILSH
run() { as_user "$U" "$@"; }

out=$(run "$J" -c 'echo inside; hostname' 2>&1)
[ "$out" = "inside"$'\n'"jail-$UID_" ] || skip_all "the setuid jailsh does not jail the user: $(head -2 <<<"$out" | tr '\n' ' ')"
ok "baseline: the user's setuid jailsh -c lands in the jail"

# Markers: a library or script that ran anywhere (jailsh as root, the jail's
# shell) leaves pwned-* in $PUB (host) or in the home (jail and host).
PUB=$TDIR/pub
mkdir -m 1777 "$PUB"
chmod 0755 "$TDIR"
cat > "$TDIR/evil.c" <<EOF
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
static void mark(const char *why) { char p[4200]; snprintf(p, sizeof p, "$PUB/pwned-%s-euid%u", why, (unsigned) geteuid()); close(open(p, O_CREAT | O_WRONLY, 0666)); }
__attribute__((constructor)) static void ctor(void) { mark("ctor"); }
unsigned la_version(unsigned v) { mark("audit"); return v; }
int gconv_init(void *s) { mark("gconv"); return 1; }
int gconv(void *a, void *b, void *c, void *d, void *e, int f) { return 1; }
EOF
cc -shared -fPIC -o "$TDIR/evil.so" "$TDIR/evil.c" 2>/dev/null || skip_all "no C compiler for the marker library"
chmod 0755 "$TDIR/evil.so"
# Libraries jailsh loads, under their own names, in a directory of the
# user's: LD_LIBRARY_PATH would pick them.
mkdir -p "$TDIR/libs" "$TDIR/gconv" "$TDIR/locale/C.UTF-8/LC_MESSAGES"
for l in $(ldd "$J" | awk '/=>/ {print $1}'); do cp "$TDIR/evil.so" "$TDIR/libs/$l"; done
printf 'module EVIL// INTERNAL %s/evil 1\nmodule INTERNAL EVIL// %s/evil 1\n' "$TDIR" "$TDIR" > "$TDIR/gconv/gconv-modules"
cp "$TDIR/evil.so" "$TDIR/gconv/evil.so"
chmod -R a+rX "$TDIR/libs" "$TDIR/gconv" "$TDIR/locale"
printf 'touch "$HOME/pwned-rc"\n' > "$H/evilrc"; chown "$U:" "$H/evilrc"
printf -v tunables 'glibc.tunables=glibc.malloc.mxfast=glibc.malloc.mxfast=%0600d' 0

pwned() { ls "$PUB" "$H" 2>/dev/null | grep pwned | tr '\n' ' '; }
n=0
for assign in "LD_PRELOAD=$TDIR/evil.so" "LD_LIBRARY_PATH=$TDIR/libs" "LD_AUDIT=$TDIR/evil.so" \
	"GCONV_PATH=$TDIR/gconv" "LOCPATH=$TDIR/locale" "NLSPATH=$TDIR/locale/%N" \
	"MALLOC_CHECK_=3" "MALLOC_PERTURB_=165" "MALLOC_ARENA_MAX=1" "MALLOC_TRACE=$PUB/pwned-mtrace" \
	"GLIBC_TUNABLES=$tunables" "TMPDIR=/etc" "IFS=/" "SHELLOPTS=xtrace" "BASH_ENV=$H/evilrc" \
	"ENV=$H/evilrc" "PS4=\$(touch $H/pwned-ps4)" "LD_DEBUG=all" "LD_DEBUG_OUTPUT=$PUB/pwned-lddebug" \
	"LD_SHOW_AUXV=1" "LD_BIND_NOW=1" "LD_ORIGIN_PATH=$TDIR/libs" "RESOLV_HOST_CONF=/etc/shadow" \
	"HOSTALIASES=/etc/shadow" "LANGUAGE=../../../../$TDIR/locale" "LC_ALL=../../../../$TDIR/locale"; do
	name=${assign%%=*}
	out=$(run env "$assign" "$J" -c 'echo inside; env' 2>&1 </dev/null); rc=$?
	left=$(pwned)
	if [ $rc -eq 0 ] && [[ "$out" == inside* ]] && [ -z "$left" ] && ! grep -q "^$name=" <<<"${out#inside}" ||
		{ [ "$name" = LANGUAGE ] || [ "$name" = LC_ALL ]; } && [ $rc -eq 0 ] && [ -z "$left" ]; then
		n=$((n + 1))
	else
		not_ok "$name: jailsh behaves as without it (rc $rc, markers: ${left:-none})"
		head -5 <<<"$out" | diag
	fi
	rm -f "$PUB"/pwned-* "$H"/pwned-*
done
expect_eq "26 hostile loader/libc/shell variables: no marker, same result, none reaches the jail" 26 "$n"

# The shell variables against an interactive login shell too (it is what
# reads ENV), fed from stdin like a terminal session.
out=$(echo 'echo "in=$(hostname)"' | run env ENV="$H/evilrc" BASH_ENV="$H/evilrc" SHELLOPTS=xtrace \
	PS4="\$(touch $H/pwned-ps4)" "$EXEC" --argv0 -jailsh "$J" 2>&1)
expect_match "a login shell with ENV/BASH_ENV/PS4 set runs in the jail" "in=jail-$UID_" "$out"
expect_eq "and reads no rc file, runs no PS4" "" "$(pwned)"

# Options: only -c CMD (and nothing) from a non-root caller.
n=0
for args in "--config $TDIR/jaula.conf -c id" "--user root -c id" "--login" "-l" "-i" "-s" "--help" \
	"--version" "-c" "-c id extra" "-- -c id" "-cid" "--rcfile $H/evilrc" "-x -c id" "--login -c id" \
	"-c id --config /dev/null" "--config=/dev/null -c id"; do
	# shellcheck disable=SC2086
	out=$(run "$J" $args 2>&1 </dev/null); rc=$?
	if [ $rc -ne 0 ] && [ "$out" = "jailsh: usage: jailsh [-c COMMAND]" ]; then n=$((n + 1)); else
		not_ok "option set '$args' is refused with the usage line"; head -3 <<<"$out" | diag
	fi
done
expect_eq "17 option sets other than -c CMD are refused with the usage line" 17 "$n"
out=$(run "$J" -c '--config /dev/null' 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" == sh:* ]]; then ok "an option-like -c command only reaches the jail's shell"; else not_ok "an option-like -c command only reaches the jail's shell"; echo "$out" | diag; fi

# Size: 1 MiB of argv is refused; a -c command at the kernel's limit for
# one string (128 KiB) runs.
printf -v big ': %0131000d' 0
out=$(run "$J" -c "$big; echo inside-big" 2>&1); rc=$?
expect_eq "a 128 KiB -c command runs in the jail" "0 inside-big" "$rc $out"
printf -v one '%0127d' 0
many=()
for ((i = 0; i < 8192; i++)); do many+=("$one"); done
out=$(run "$J" -c id "${many[@]}" 2>&1); rc=$?
expect_eq "1 MiB of arguments (8192 × 128 bytes) is refused" "1 jailsh: usage: jailsh [-c COMMAND]" "$rc $out"

# A 1 MiB environment with 200 allowed LC_* names among 2000 others: the
# login goes ahead with the first 64 allowed variables, and HOME, PATH
# and USER are jailsh's own (more locale variables than that are no
# reason to refuse anyone).
envfile=$TDIR/bigenv
printf -v v500 '%0500d' 0
{ for ((i = 0; i < 2000; i++)); do printf 'JAULA_JUNK%d=%s\n' "$i" "$v500"; done
  for ((i = 0; i < 200; i++)); do printf 'LC_X%d=C\n' "$i"; done; } > "$envfile"
out=$(run bash -c 'mapfile -t e < "$1"; exec env -i "${e[@]}" "$2" -c "echo inside; env"' _ "$envfile" "$J" 2>&1); rc=$?
if [ $rc -eq 0 ] && [[ "$out" == inside* ]] && grep -qx "PATH=/usr/local/bin:/usr/bin:/bin" <<<"$out" &&
	grep -qx "HOME=$H" <<<"$out" && grep -qx "USER=$U" <<<"$out" && ! grep -q JAULA_JUNK <<<"$out" &&
	[ "$(grep -c '^LC_X' <<<"$out")" = 64 ] && grep -qx 'LC_X63=C' <<<"$out"; then
	ok "a 1 MiB environment: the login works with the first 64 allowed variables ($(grep -c = <<<"$out") in all)"
else
	not_ok "a 1 MiB environment: the login works with the first 64 allowed variables (rc $rc, $(grep -c '^LC_X' <<<"$out") LC_X)"
	head -5 <<<"$out" | diag
fi

# Closed stdio: jailsh opens /dev/null in their place before anything
# else, so nothing it opens (policy, state, syslog) becomes fd 0-2.
rm -f "$H/fdout"
run "$EXEC" --close 0 --close 1 --close 2 "$J" -c '(stat -L -c "%F %t:%T" /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2) > ~/fdout; hostname >> ~/fdout'
out=$(cat "$H/fdout" 2>/dev/null)
expect_match "with fds 0-2 closed the command still runs in the jail" "jail-$UID_" "$out"
# (glibc already fills them for a setuid program: /dev/full, /dev/null)
expect_eq "and its fds 0-2 are /dev/null or /dev/full" 3 "$(grep -cxE 'character special file 1:[37]' <<<"$out")"

# Odd argv0 and argc 0: the jail's shell, as a login shell exactly when
# argv0 starts with '-', never anything else.
for a0 in "" "-" "/bin/bash" "-$(printf '%04000d' 0)" "jailsh -c id" $'-\n-'; do
	out=$(echo 'echo "in=$(hostname) arg0=$0"' | run "$EXEC" --argv0 "$a0" "$J" 2>&1); rc=$?
	want="arg0=sh"; [[ "$a0" == -* ]] && want="arg0=-sh"
	a0s=${a0//$'\n'/\\n}
	if [ $rc -eq 0 ] && [[ "$out" == "in=jail-$UID_ $want" ]]; then ok "argv0 '${a0s:0:12}…' gives the jail's shell ($want)"; else
		not_ok "argv0 '${a0s:0:12}…' gives the jail's shell ($want)"; head -3 <<<"$out" | diag
	fi
done
out=$(echo 'echo "in=$(hostname) arg0=$0"' | run "$EXEC" --argc0 "$J" 2>&1); rc=$?
if { [ $rc -eq 0 ] && [ "$out" = "in=jail-$UID_ arg0=sh" ]; } || { [ $rc -ne 0 ] && [[ "$out" == jailsh:* ]]; }; then
	ok "argc 0 gives the jail's shell or a refusal ($rc: $out)"
else
	not_ok "argc 0 gives the jail's shell or a refusal"; head -3 <<<"$out" | diag
fi

# Metacharacters are for the jail's shell: the host sees none of it.
out=$(run "$J" -c "touch /tmp/jaula-meta-$TAG; echo \$(hostname); cd ..; ls / | head -1 > /dev/null && echo \"\`id -u\`\"" 2>&1)
expect_eq "a command with metacharacters runs in the jail" "jail-$UID_"$'\n'"$UID_" "$out"
if [ -e "/tmp/jaula-meta-$TAG" ]; then not_ok "and touches nothing on the host"; rm -f "/tmp/jaula-meta-$TAG"; else ok "and touches nothing on the host"; fi

# Hostile resource limits and umask: a jail or a clean refusal; a stack
# too small for the dynamic loader may kill jailsh outright (SIGSEGV,
# before it did anything) — the audit below checks nothing was left.
for rl in fsize=0 nofile=4 nofile=8 nproc=1 as=30000000 stack=16384 stack=32768 core=0; do
	out=$(run "$EXEC" --rlimit "$rl" "$J" -c 'hostname' 2>&1 </dev/null); rc=$?
	if { [ $rc -eq 0 ] && [ "$out" = "jail-$UID_" ]; } || { [ $rc -eq 1 ] && [[ "$out" == jailsh:* ]]; } ||
		{ [ $rc -eq 139 ] && [[ $rl == stack=* ]] && [[ "$out" != *jail-* ]]; }; then
		ok "RLIMIT $rl: the jail or a clean refusal (rc $rc${out:+: ${out:0:60}})"
	else
		not_ok "RLIMIT $rl: the jail or a clean refusal (rc $rc)"; head -3 <<<"$out" | diag
	fi
done
rm -rf "$STATE"
for m in 0777 0000; do
	out=$(run bash -c "umask $m; exec '$J' -c 'hostname; umask'" 2>&1 </dev/null); rc=$?
	expect_eq "umask $m: the jail (state directory created under it too)" "0 jail-$UID_ $m" "$rc $(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
done
expect_eq "the state directory is root's, mode 0700 at most" "0 ok" "$(stat -c '%u' "$STATE") $([ $(( 0$(stat -c %a "$STATE") & 077 )) = 0 ] && echo ok)"
touch -d '-2 minutes' "$STATE/gc.stamp" 2>/dev/null
out=$(run "$J" -c hostname 2>&1)
expect_eq "a normal login afterwards works" "jail-$UID_" "$out"

# Groups: the policy is matched with the groups the caller's login program
# gave it (initgroups), which an unprivileged caller cannot add to; a
# caller without them gets the rule that does not need them, never more.
G=jaula-g$TAG
if groupadd "$G" 2>/dev/null; then
	on_exit "groupdel '$G' 2>/dev/null"
	usermod -a -G "$G" "$U"
	mkdir -m 0755 -p "$TDIR/conf.d"
	printf 'profiles = { q = { rootfs = "bb"; hostname = "plain"; tmp_size = "8M"; }; };\nmatch = ( { name = "u"; users = [ "%s" ]; profile = "q"; } );\n' "$U" > "$TDIR/conf.d/50-plain.conf"
	chmod 0644 "$TDIR/conf.d/50-plain.conf"
	ADV_MATCH="groups = [ \"$G\" ];" adv_policy "$ADV_SYSCONF" ''
	out=$(run "$J" -c 'hostname; id -Gn' 2>&1)
	expect_eq "a member of a matched group (from initgroups) gets the group's rule and the group" \
		"jail-$UID_ $(id -gn "$U") $G" "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
	out=$(setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups -- "$J" -c 'hostname; id -Gn' 2>&1)
	expect_eq "a caller whose login gave it no supplementary groups gets the rule without them" \
		"plain $(id -gn "$U")" "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
	rm -f "$TDIR/conf.d/50-plain.conf"
	adv_policy "$ADV_SYSCONF" ''
else
	skip "groups from the caller: groupadd failed"
fi
# Refusals name the caller, by name and uid, in the system log: syslog
# when a daemon listens on /dev/log, else /var/log/jaula.log (root's, 0600
# whatever the caller's umask, appended to).  Each run is in a private
# mount namespace whose /var/log is a tmpfs: the host's is never written.
V=$(new_user r) || skip_all "cannot create a user"
W=$(new_user e) || skip_all "cannot create a user"
VUID=$(id -u "$V") WUID=$(id -u "$W")
ADV_MATCH="users = [ \"$W\" ]; exempt = true; }, { name = \"t2\"; users = [ \"$U\" ];" \
	adv_policy "$ADV_SYSCONF" ''
refusals() { # JAILSH USER…: each USER's refused login, then the log file
	unshare -m --propagation private bash -c '
		mount -t tmpfs -o mode=0755 jaula-t71-log /var/log || exit 1
		if [ -e /dev/log ]; then mount --bind /dev/null /dev/log || exit 1; fi
		j=$1; shift
		umask 000
		for u; do
			setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$j" -c "echo inside" 2>&1
			echo "rc=$?"
		done
		echo "file: $(stat -c "%u %a %F" /var/log/jaula.log 2>&1)"
		cat /var/log/jaula.log 2>&1' _ "$@"
}
out=$(refusals "$J" "$V" "$W")
expect_eq "without syslog: the refused users see one short line each" \
	"jailsh: you are not jailed here; login refused|rc=1|jailsh: you are not jailed here; login refused|rc=1" \
	"$(grep -v '^file:\|^20[0-9-]*T' <<<"$out" | paste -sd'|')"
expect_line "… and the reasons go to /var/log/jaula.log, root's, mode 0600" "file: 0 600 regular file" "$out"
expect_match "… naming an unmatched user and uid" \
	"Z jailsh\[[0-9]+\]: err: User '$V' \(uid $VUID\) matches no jail rule"$'\n' "$out"$'\n'
expect_match "… and an exempt one, with the rule" \
	"Z jailsh\[[0-9]+\]: err: User '$W' \(uid $WUID\) matches no jail rule: exempt by t"$'\n' "$out"$'\n'
out=$(unshare -m --propagation private bash -c '
	mount -t tmpfs -o mode=0755 jaula-t71-log /var/log || exit 1
	if [ -e /dev/log ]; then mount --bind /dev/null /dev/log || exit 1; fi
	head -c 8388608 /dev/zero > /var/log/jaula.log && chmod 0600 /var/log/jaula.log
	setpriv --reuid="$2" --regid="$(id -g "$2")" --init-groups -- "$1" -c true >/dev/null 2>&1
	stat -c %s /var/log/jaula.log' _ "$J" "$V")
expect_eq "… and it stops growing at 8 MiB: refusals cannot fill /var/log" 8388608 "$out"
if command -v socat >/dev/null 2>&1; then
	source "$(dirname "$0")/sshd.sh"
	with_syslog "$TDIR/syslog" unshare -m --propagation private bash -c '
		mount -t tmpfs -o mode=0755 jaula-t71-log /var/log || exit 1
		setpriv --reuid="$2" --regid="$(id -g "$2")" --init-groups -- "$1" -c "echo inside"
		ls /var/log' _ "$J" "$V" > "$TDIR/syslog-out" 2>&1
	expect_match "with syslog listening: the reason names user and uid there" \
		"jailsh\[[0-9]+\]: User '$V' \(uid $VUID\) matches no jail rule" "$(syslog_lines "$TDIR/syslog")"
	expect_eq "… and no fallback file is written" "jailsh: you are not jailed here; login refused" \
		"$(cat "$TDIR/syslog-out")"
else
	skip "refusal reasons in syslog: socat is not installed"
fi
adv_policy "$ADV_SYSCONF" ''

leak_audit "nothing is left after the hostile invocations" 10
finish
