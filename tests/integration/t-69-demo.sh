#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-69-demo — README's first command in its quick form: `scripts/demo.sh
# --quick` builds, installs into a staging directory, logs the demo user in
# over SSH through PAM into a jail, shows the jail from inside and from the
# host, and removes everything it created.  About 1.5 minutes (a build).
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd sshd ssh ssh-keygen busybox make cc
getent passwd jaula-demo >/dev/null && skip_all "a user 'jaula-demo' exists (another demo running?)"
ip link show jb-demo0 >/dev/null 2>&1 && skip_all "the bridge jb-demo0 exists (another demo running?)"

out=$("$TOP/scripts/demo.sh" --quick 2>&1); rc=$?
if [ $rc -ne 0 ]; then printf '%s\n' "$out" | grep -E 'NOT AVAILABLE|^===' | diag; fi
expect_eq "demo.sh --quick exits 0" 0 "$rc"
for step in "1/8 Dependencies" "2/8 Build" "3/8 Kernel" "4/8 Root file system" "5/8 Install" \
	"6/8 Demo user, group and policy" "7/8 Log in over SSH through PAM" "8/8 Done" "Cleaning up"; do
	grep -q "^=== $step" <<<"$out" && ok "step: $step" || not_ok "step: $step"
done
if grep -q "NOT AVAILABLE" <<<"$out"; then
	not_ok "no step was NOT AVAILABLE"; grep "NOT AVAILABLE" <<<"$out" | diag
else
	ok "no step was NOT AVAILABLE"
fi
expect_match "jailsh is installed setuid root in the staging dir" "-rwsr-xr-x 1 root root .*/stage/usr/sbin/jailsh" "$out"
expect_match "the demo policy checks OK" "^    OK$" "$(grep -x '    OK' <<<"$out")"
expect_match "explain: the demo user is jailed" "jailed +yes" "$out"
expect_match "the login went through sshd" "Accepted publickey for jaula-demo from 127\.0\.0\.1" "$out"
expect_match "inside: the profile's hostname" "hostname: +demo-jaula-demo" "$out"
expect_match "inside: PID 1 is the holder" "PID 1: +jaula-holder" "$out"
expect_match "inside: no capabilities" "CapEff:[[:space:]]+0000000000000000" "$out"
expect_match "inside: seccomp" "Seccomp:[[:space:]]+2" "$out"
expect_match "inside: an address on eth0 from the demo subnet" "inet 10\.254\.213\.[0-9]+/24 .* eth0" "$out"
expect_match "inside: mount is refused" "try mount: .*(denied|not permitted)" "$out"
expect_match "host: jaula list shows the jail" "u[0-9]+ +jaula-demo +user +[0-9]+ +1 +10\.254\.213\.[0-9]+/24 +jb-demo0" "$out"
expect_match "host: jaula enter runs ps in the jail" $'\n +1 [^\n]*jaula-holder' "$out"
expect_match "host: … which shows the user's session" $'\n +[0-9]+ [^\n]*cat' "$out"
expect_match "the jail ended with the last logout" "after the last logout, jaula list: \(no jails\)" "$out"
expect_match "the demo says every step worked" "done: every step worked" "$out"

dir=$(sed -n 's/^demo: removed \(\/tmp\/jaula-demo\.[A-Za-z0-9]*\)$/\1/p' <<<"$out")
[ -n "$dir" ] && [ ! -e "$dir" ] && ok "its directory $dir is gone" || not_ok "its directory is gone ('$dir')"
getent passwd jaula-demo >/dev/null && not_ok "the demo user is gone" || ok "the demo user is gone"
getent group jaula-demo >/dev/null && not_ok "the demo group is gone" || ok "the demo group is gone"
ip link show jb-demo0 >/dev/null 2>&1 && not_ok "the demo bridge is gone" || ok "the demo bridge is gone"
[ -e /etc/pam.d/jaula-demo-sshd ] && not_ok "the demo PAM service is gone" || ok "the demo PAM service is gone"
demo_sshd_gone() { ! pgrep -f "jaula-demo-sshd" >/dev/null; }
for _ in $(seq 50); do demo_sshd_gone && break; sleep 0.1; done
demo_sshd_gone && ok "no demo sshd is left" || { not_ok "no demo sshd is left"; pgrep -af "jaula-demo-sshd" | diag; }
finish
