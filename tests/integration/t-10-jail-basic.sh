#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-10: a jail from the inside — hostname, PID 1, its own processes only,
# host files invisible, read-only base, names in /etc/passwd, no
# capabilities, no_new_privs, seccomp, mount/unshare refused, exit codes and
# signals propagated, nothing left after the last session.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
UID_=$(id -u "$U")
policy "$CONF" "$U" 'writable = "none";'
echo "host secret" > "$TDIR/secret-file"

# A host process the jail must not see.
bash -c "exec -a jaula-marker-$TAG sleep 300" &
marker=$!
on_exit "kill $marker"

out=$(jail "$U" 'hostname; echo "pid1=$(cat /proc/1/comm)"; id -un; id -gn; echo "self=$$"' 2>&1)
expect_line "hostname comes from the profile" "jail-$UID_" "$out"
expect_match "PID 1 is the holder" "pid1=jaula-holder" "$out"
expect_eq "id shows the user's and group's names" 2 "$(printf '%s\n' "$out" | grep -cxF "$U")"
expect_match "the shell has a small pid in the jail's pid namespace" "self=[2-9]$" "$out"

out=$(jail "$U" 'for p in /proc/[0-9]*; do cat $p/cmdline 2>/dev/null | tr "\0" " "; echo; done')
if [[ "$out" == *"jaula-marker-$TAG"* ]]; then not_ok "host processes are invisible"; else ok "host processes are invisible"; fi
n=$(jail "$U" 'ls -d /proc/[0-9]* | wc -l')
# holder, the shell, ls — and the subshell of the command substitution
if [ "$n" -le 4 ]; then ok "only the jail's processes are in /proc ($n)"; else not_ok "only the jail's processes are in /proc ($n)"; fi

out=$(jail "$U" "test -e '$TDIR/secret-file' && echo visible; cat /etc/jaula-test-rootfs")
expect_eq "host files are invisible, rootfs files visible" "jaula busybox test rootfs" "$out"

out=$(jail "$U" 'touch /etc/x 2>&1; touch /var/tmp/x 2>&1; echo rc=$?')
expect_match "the base is read-only (writable none)" "Read-only file system" "$out"
[ -e "$ROOTFS/var/tmp/x" ] && not_ok "the host rootfs stays untouched" || ok "the host rootfs stays untouched"

out=$(jail "$U" "grep '^$U:' /etc/passwd; stat -c %U ~; cat /etc/hostname")
expect_match "/etc/passwd names the user with the jail shell" "^$U:x:$UID_:[0-9]+:.*:$TDIR/home-$U:/bin/sh" "$out"
expect_line "stat shows the owner's name" "$U" "$out"
expect_match "/etc/hostname is generated" "jail-$UID_\$" "$out"

status=$(jail "$U" 'grep -E "^(CapEff|CapPrm|CapBnd|CapInh|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status')
for k in CapEff CapPrm CapBnd CapInh CapAmb; do
	expect_match "$k is empty" "$k:[[:space:]]+0000000000000000" "$status"
done
expect_match "NoNewPrivs is set" "NoNewPrivs:[[:space:]]+1" "$status"
expect_match "a seccomp filter is loaded" "Seccomp:[[:space:]]+2" "$status"

out=$(jail "$U" 'unshare -m true 2>&1; echo "rc=$?"; mkdir -p /tmp/m; mount -t tmpfs none /tmp/m 2>&1; echo "rc=$?"')
expect_match "unshare fails with EPERM" "unshare.*Operation not permitted" "$out"
expect_match "mount fails with EPERM" "mount.*([Oo]peration not permitted|[Pp]ermission denied)" "$out"

jail "$U" 'exit 42'; expect_eq "the exit status propagates" 42 $?
jail "$U" 'kill -TERM $$'; expect_eq "death by a signal gives 128+N" 143 $?
# A signal sent to jailsh reaches the shell.
"$JAILSH" --config "$CONF" --user "$U" -c 'trap "exit 7" USR1; echo ready; while :; do sleep 0.1; done' > "$TDIR/sig.out" &
js=$!
for i in $(seq 600); do grep -q ready "$TDIR/sig.out" 2>/dev/null && break; sleep 0.1; done
kill -USR1 $js
wait $js; expect_eq "signals sent to jailsh are forwarded" 7 $?

# After the last session (lifetime session, no linger): nothing left.
"$JAILSH" --config "$CONF" --user "$U" -c 'sleep 1000 & echo bg=$!; sleep 0.2' > "$TDIR/bg.out"
holder=$(holder_pid)
wait_gone; expect_eq "no jail left in the state directory" 0 "$(jails_left)"
for i in $(seq 50); do [ -e "$STATE/jails/u$UID_.lock" ] || break; sleep 0.1; done
left=$(find "$STATE/jails" "$STATE/netns" -mindepth 1)
expect_eq "no lock, state or index file left" "" "$left"
if pgrep -f "^sleep 1000$" -U "$UID_" >/dev/null; then not_ok "background processes die with the jail"; else ok "background processes die with the jail"; fi
if grep -q "$STATE" /proc/self/mountinfo; then not_ok "no mount leaked to the host"; else ok "no mount leaked to the host"; fi
finish
