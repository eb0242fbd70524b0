#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-82 — every shell recipe of docs/cgroups.md, run verbatim on a real
# systemd host, each with a check of its effect: a Debian 12 guest with
# systemd 252 as PID 1 and cgroup v2 (tests/qemu/sdguest.sh), the .deb
# built from HEAD (or JAULA_DEB) installed, the example policy, and a
# jailed login of alice (uid 10001, group students — the names the
# recipes use).  Also what the package's units do: jaula-prepare.service
# enabled and not started by the installation, compiling the caches when
# started, failing (and saying why in the journal) on a broken policy;
# check-host and check-kernel on a systemd host.
#
# The recipes are the blocks whose info string is `sh recipe=NAME`; each
# name must be one this test (or t-83, for explicit-root-v2) runs, and no
# other shell block may be in the file.  Checks that need the systemd
# cgroup backend (a jail as jaula-u10001.scope, machined) say "(systemd
# backend)" in their name.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd ssh ssh-keygen awk
[ -e "$TOP/tests/qemu/sdguest.sh" ] || skip_all "tests/qemu/sdguest.sh (the systemd guest library) is not here"
source "$TOP/tests/qemu/sdguest.sh"

DOC=$TOP/docs/cgroups.md
# The body of recipe NAME, verbatim.
recipe() { awk -v n="$1" '$0 == "```sh recipe=" n { on = 1; next } on && /^```$/ { exit } on' "$DOC"; }

# ---------------------------------------------------------- the document
RUN_HERE="see limits cap-all adjust-one stop-one terminate stop-all boot-check"
RUN_T83="explicit-root-v2"
names=$(sed -n 's/^```sh recipe=\([A-Za-z0-9_-]*\)$/\1/p' "$DOC" | sort)
expect_eq "docs/cgroups.md: the recipes are exactly those t-82 and t-83 run" \
	"$(tr ' ' '\n' <<<"$RUN_HERE $RUN_T83" | sort | tr '\n' ' ')" "$(tr '\n' ' ' <<<"$names")"
other=$(grep -nE '^```(sh|bash|shell|console)( |$)' "$DOC" | grep -v 'recipe=' || true)
expect_eq "docs/cgroups.md: no shell block without a recipe name (untested)" "" "$other"
for n in $RUN_HERE; do
	[ -n "$(recipe "$n")" ] || not_ok "recipe $n has a body"
done

deb=$(sdguest_deb); rc=$?
[ $rc -eq "$SDGUEST_SKIP" ] && skip_all "no .deb to test (see above)"
[ $rc -eq 0 ] || { not_ok "the .deb is built"; finish; }
sdguest_boot; rc=$?
[ $rc -eq "$SDGUEST_SKIP" ] && skip_all "the systemd guest cannot run here (reason above)"
[ $rc -eq 0 ] || { not_ok "the systemd guest boots"; finish; }
ok "the systemd guest boots in $SDGUEST_BOOT_SECS s"

g() { sdguest_ssh "$@" </dev/null; }
# Run recipe NAME in the guest, verbatim, as root's shell; its output.
run_recipe() {
	local body
	body=$(recipe "$1")
	echo "# recipe $1:" && sed 's/^/#   $ /' <<<"$body"
	sdguest_ssh "$body" </dev/null 2>&1
}

# ------------------------------------------------------------ the package
out=$(sdguest_install_deb "$deb" 2>&1); rc=$?
expect_eq "dpkg -i ${deb##*/}" 0 "$rc"
[ $rc -eq 0 ] || { printf '%s\n' "$out" | tail -10 | diag; finish; }
expect_eq "the package enables jaula-prepare.service" enabled "$(g 'systemctl is-enabled jaula-prepare.service')"
expect_eq "… and the installation starts nothing" inactive "$(g 'systemctl is-active jaula-prepare.service')"
# (systemd would make up a jaula.slice without the file: FragmentPath
# tells the package's.)
expect_eq "jaula.slice is the package's unit, with TasksMax=infinity" \
	"FragmentPath=/lib/systemd/system/jaula.slice LoadState=loaded TasksMax=infinity" \
	"$(g 'systemctl show -p FragmentPath -p LoadState -p TasksMax jaula.slice' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_match "jaula-prepare.service runs before ssh.service" "ssh.service" \
	"$(g 'systemctl show -p Before jaula-prepare.service')"

# ---------------------------------------------------- the walkthrough, short
# README's steps 4-8 on the shipped example policy: alice in students.
JU=alice JUID=10001
kdir=$(mktemp -d /tmp/jaula-t82.XXXXXX)
on_exit "rm -rf '$kdir'"
ssh-keygen -q -t ed25519 -N '' -f "$kdir/$JU"
sdguest_copy_in "$kdir/$JU.pub" /tmp/ju.pub
line='session requisite pam_jaula.so'
g "groupadd students && useradd -m -u $JUID -g students -s /usr/sbin/jailsh $JU &&
	install -d -m 0700 -o $JU -g students ~$JU/.ssh &&
	install -m 0600 -o $JU -g students /tmp/ju.pub ~$JU/.ssh/authorized_keys &&
	for s in sshd login su-l; do echo '$line' >> /etc/pam.d/\$s; done &&
	cp /usr/lib/pam.d/systemd-user /etc/pam.d/systemd-user && echo '$line' >> /etc/pam.d/systemd-user" ||
	not_ok "the jailed user and the PAM lines"
sed 's/^Match Group jailed$/Match Group students/' "$TOP/conf/sshd_config.d-jaula.conf" > "$kdir/sshd-jaula.conf"
sdguest_copy_in "$kdir/sshd-jaula.conf" /etc/ssh/sshd_config.d/jaula.conf
expect_eq "sshd takes the jaula drop-in" active "$(g 'sshd -t && systemctl reload ssh && systemctl is-active ssh')"
# The next connection may meet sshd while it reloads.
for _ in $(seq 1 20); do g true 2>/dev/null && break; sleep 1; done

# ------------------------------------------------- jaula-prepare.service
out=$(g 'systemctl start jaula-prepare.service; systemctl is-active jaula-prepare.service; ls /run/jaula-policy')
expect_match "started, jaula-prepare.service checks the example policy and stays active" "^active" "$out"
expect_match "… having compiled the policy, match table and seccomp filters into /run/jaula-policy" \
	"\.cache .*\.match .*sf-.*\.bpf" "$(tr '\n' ' ' <<<"$out")"
# A broken policy, in one guest session: while it is broken pam_jaula
# refuses every login it cannot decide on, root's ssh included (it fails
# closed), so the fix goes in the same session.
out=$(g 'printf "profiles = { broken = { rootfs = \"nowhere\"; }; };\n" > /etc/jaula/conf.d/50-broken.conf
	chmod 0644 /etc/jaula/conf.d/50-broken.conf
	systemctl restart jaula-prepare.service; echo "state: $(systemctl is-active jaula-prepare.service)"
	journalctl -b --no-pager -u jaula-prepare.service | tail -5
	echo "ssh: $(systemctl is-active ssh)"
	rm /etc/jaula/conf.d/50-broken.conf
	systemctl restart jaula-prepare.service; echo "fixed: $(systemctl is-active jaula-prepare.service)"')
expect_match "a broken policy fails jaula-prepare.service" "state: failed" "$out"
expect_match "… with FILE:LINE and the error in the journal" "/etc/jaula/conf.d/50-broken.conf:1: profiles.broken.rootfs" "$out"
expect_match "… and sshd keeps running" "ssh: active" "$out"
expect_match "fixed, it is active again" "fixed: active" "$out"

# ------------------------------------------------- check-host, check-kernel
out=$(g 'jaula check-host' 2>&1); rc=$?
expect_eq "jaula check-host: no error on this walkthrough" 0 "$rc"
printf '%s\n' "$out" | grep -E 'error:|warning:|note:' | diag
expect_match "check-host: systemd as PID 1 with unified cgroup v2 (note)" \
	"note: systemd is PID 1 with a unified cgroup v2 hierarchy" "$out"
expect_match "check-host: pam_systemd in sshd's stack (note)" "note: pam_systemd registers each ssh login" "$out"
if grep -q 'systemd-machined is not installed' <<<"$out"; then
	not_ok "check-host: machined is installed in the guest (no warning)"
else
	ok "check-host: machined is installed in the guest (no warning)"
fi
out=$(g 'jaula check-kernel' 2>&1); rc=$?
expect_eq "jaula check-kernel exits 0 on the systemd guest" 0 "$rc"
printf '%s\n' "$out" | grep -iE 'cgroup|backend|systemd|MISSING' | diag

# --------------------------------------------------------------- a login
ju() { ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$JU" -p "$SDGUEST_PORT" "$JU@127.0.0.1" -- "$@"; }
BG=
login_bg() { # a jailed login held open; waits until it runs in the jail
	ju 'echo up; exec sleep 600' > "$kdir/bg.out" 2>&1 </dev/null &
	BG=$!
	for _ in $(seq 1 300); do grep -q '^up$' "$kdir/bg.out" 2>/dev/null && return 0; sleep 0.2; done
	return 1
}
logout_bg() { [ -n "$BG" ] && kill "$BG" 2>/dev/null; wait "$BG" 2>/dev/null; BG=; }
on_exit logout_bg
# Whether the jail's ssh has ended by itself within 30 s.
ended_bg() {
	for _ in $(seq 1 150); do kill -0 "$BG" 2>/dev/null || { wait "$BG" 2>/dev/null; BG=; return 0; }; sleep 0.2; done
	return 1
}
jails() { g 'jaula list 2>/dev/null | grep -c u10001'; }

login_bg && ok "alice's jailed login runs" || { not_ok "alice's jailed login runs"; diag < "$kdir/bg.out"; }

# ----------------------------------------------------------- the recipes
out=$(run_recipe see)
expect_match "recipe see: systemctl status shows jaula-u10001.scope under jaula-students.slice (systemd backend)" \
	"jaula-students\.slice.*jaula-u10001\.scope" "$(tr '\n' ' ' <<<"$out")"
expect_match "recipe see: systemd-cgls shows the jail's payload cgroup (systemd backend)" "payload" "$out"
expect_match "recipe see: machinectl lists jaula-u10001 (systemd backend)" "jaula-u10001 +container +jaula" "$out"

out=$(run_recipe limits)
expect_eq "recipe limits: the profile's limits as unit properties (systemd backend)" \
	"CPUQuotaPerSecUSec=500ms MemoryMax=$((512 << 20)) TasksMax=256" \
	"$(grep -E '^(MemoryMax|TasksMax|CPUQuotaPerSecUSec)=' <<<"$out" | sort | tr '\n' ' ' | sed 's/ $//')"

out=$(run_recipe cap-all)
expect_eq "recipe cap-all: jaula.slice has MemoryMax=4G TasksMax=8192" \
	"MemoryMax=$((4 << 30)) TasksMax=8192" "$(g 'systemctl show -p MemoryMax -p TasksMax jaula.slice' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "recipe cap-all: … in the slice's cgroup" "$((4 << 30)) 8192" \
	"$(g 'cat /sys/fs/cgroup/jaula.slice/memory.max /sys/fs/cgroup/jaula.slice/pids.max 2>&1' | tr '\n' ' ' | sed 's/ $//')"
g 'systemctl set-property --runtime jaula.slice MemoryMax=infinity TasksMax=infinity'

out=$(run_recipe adjust-one)
expect_eq "recipe adjust-one: the running jail's MemoryMax is 256M (systemd backend)" "$((256 << 20))" \
	"$(g 'cat /sys/fs/cgroup/jaula.slice/jaula-students.slice/jaula-u10001.scope/memory.max 2>&1')"

out=$(run_recipe stop-one)
ended_bg && ok "recipe stop-one: the jailed login ends (systemd backend)" || not_ok "recipe stop-one: the jailed login ends (systemd backend)"
expect_eq "recipe stop-one: … and jaula lists no jail of alice (systemd backend)" 0 "$(jails)"
logout_bg

for r in terminate stop-all; do
	login_bg || { not_ok "recipe $r: a jailed login to end"; continue; }
	out=$(run_recipe "$r")
	ended_bg && ok "recipe $r: the jailed login ends (systemd backend)" || not_ok "recipe $r: the jailed login ends (systemd backend)"
	expect_eq "recipe $r: … and jaula lists no jail of alice (systemd backend)" 0 "$(jails)"
	expect_eq "recipe $r: … with no cgroup of it left (systemd backend)" "" \
		"$(g 'ls -d /sys/fs/cgroup/jaula.slice/*/jaula-u10001.scope /sys/fs/cgroup/jaula 2>/dev/null')"
	logout_bg
done

out=$(run_recipe boot-check)
expect_match "recipe boot-check: systemctl status shows jaula-prepare active (exited)" "Active: active \(exited\)" "$out"
expect_match "recipe boot-check: … and the journal its OK" "jaula\[[0-9]+\]: OK" "$out"

failed=$(g 'systemctl --failed --plain --no-legend')
# Not even a jailed user's user@UID.service: the package's drop-in skips it
# (ExecCondition) rather than letting pam_jaula's refusal fail it.
expect_eq "no failed unit at the end" "" "$failed"
finish
