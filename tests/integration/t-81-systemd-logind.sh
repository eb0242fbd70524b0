#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-81 — the systemd backend and logind's semantics for jails, on a real
# systemd host: a Debian 12 guest with systemd 252 as PID 1 and pure
# cgroup v2 (tests/qemu/sdguest.sh, qemu TCG, one boot for every check),
# the .deb built from HEAD (or JAULA_DEB) installed, jailed logins over ssh
# into the guest.  Each semantic of docs/design.md ("Jails on a systemd
# host") is asserted:
#   - a jail is jaula-<id>.scope (Delegate) in jaula-<group>.slice under
#     jaula.slice; the monitor in the scope, the jail in its payload/,
#     nothing of it in the login's session-N.scope;
#   - limits are unit properties (systemctl show / set-property) and are
#     enforced; the group's limits are its slice's;
#   - machinectl list/status show the jail; machinectl terminate ends it;
#   - systemctl stop jaula.slice ends every jail;
#   - logout, loginctl terminate-session and terminate-user end a lifetime
#     "session" jail;
#   - linger: the logind session closes at logout, the jail stays;
#   - KillUserProcesses=yes kills the login, not a lingering jail nor a
#     lifetime "processes" jail with a process left;
#   - every ending leaves no state, lease, veth, scope, machine or process;
#     no failed unit; jaula writes nothing outside a jail's scope (the
#     root's cgroup.subtree_control is what it was before any jail, though
#     the profile sets io_weight).
# The policy is conf/jaula.conf (group students, profile student: lifetime
# session, no linger, memory 512M, swap 0, cpu 50%, pids 256, io_weight
# 100; group limits memory 8G, pids 4096) plus two copies of its profile
# for carol (linger 120 s) and dave (lifetime "processes").  /etc/pam.d/sshd
# gets README's line; not /etc/pam.d/systemd-user (t-80 covers README's
# walkthrough; here the user manager's refusal would be a failed unit that
# is not the jail's).
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/qemu/sdguest.sh"
need_root
need_cmd ssh ssh-keygen python3
t_start=$(date +%s)

deb=$(sdguest_deb); rc=$?
[ $rc -eq "$SDGUEST_SKIP" ] && skip_all "no .deb to test (see above)"
[ $rc -eq 0 ] || { not_ok "the .deb is built (dpkg-buildpackage on git archive HEAD)"; finish; }
ok "the .deb to test: ${deb##*/}"

sdguest_boot; rc=$?
if [ $rc -eq "$SDGUEST_SKIP" ]; then skip_all "the systemd guest cannot run here (reason above)"; fi
[ $rc -eq 0 ] || { not_ok "the systemd guest boots to ssh"; finish; }
ok "the systemd guest boots to ssh in $SDGUEST_BOOT_SECS s"

kdir=$(mktemp -d /tmp/jaula-t81.XXXXXX)
on_exit "rm -rf '$kdir'"
# Root's commands share one connection: each new root login would start a
# user manager in the guest, seconds under emulation.  The jailed users'
# logins (ju) are never shared.
G_OPTS=(-o ControlMaster=auto -o "ControlPath=$kdir/root.mux" -o ControlPersist=900)
g() { ssh "${SDGUEST_SSH_OPTS[@]}" "${G_OPTS[@]}" -i "$SDGUEST_KEY" -p "$SDGUEST_PORT" root@127.0.0.1 -- "$@" </dev/null; }
on_exit "ssh -o 'ControlPath=$kdir/root.mux' -O exit root@127.0.0.1"

expect_eq "PID 1 of the guest is systemd" systemd "$(g 'cat /proc/1/comm')"
expect_eq "/sys/fs/cgroup is cgroup2 only" cgroup2fs "$(g 'stat -fc %T /sys/fs/cgroup')"
g 'systemctl is-system-running --wait' >/dev/null 2>&1
root_sc=$(g 'cat /sys/fs/cgroup/cgroup.subtree_control')

# ------------------------------------------------------------ set-up
sdguest_copy_in "$deb" /tmp/ &&
	out=$(g "dpkg -i /tmp/${deb##*/}" 2>&1) || { not_ok "dpkg -i ${deb##*/}"; printf '%s\n' "$out" | tail -10 | diag; finish; }
out=$(g 'jaula check-kernel' 2>&1)
expect_match "check-kernel: the systemd backend under jaula.slice" \
	"cgroup backend +OK +systemd \(jaula\.slice, cgroup v2\)" "$out"
expect_match "check-kernel: systemd-machined is there" "systemd-machined +OK " "$out"

python3 - "$TOP/conf/jaula.conf" "$kdir/jaula.conf" <<'EOF' || not_ok "the test policy is made from conf/jaula.conf"
import re, sys
s = open(sys.argv[1]).read()
blk = re.search(r'\n(        student = \{\n.*?\n        \};\n)', s, re.S).group(1)
ling = blk.replace('student = {', 'lingerer = {').replace('linger = 0;', 'linger = 120;')
proc = blk.replace('student = {', 'proc = {').replace('lifetime = "session";', 'lifetime = "processes";')
assert ling != blk and proc != blk and s.count('match = (\n') == 1
s = s.replace(blk, blk + ling + proc).replace('match = (\n', '''match = (
        { name = "t81-linger"; users = [ "carol" ]; profile = "lingerer"; group = "students"; },
        { name = "t81-processes"; users = [ "dave" ]; profile = "proc"; group = "students"; },
''')
open(sys.argv[2], 'w').write(s)
EOF
sdguest_copy_in "$kdir/jaula.conf" /etc/jaula/jaula.conf
out=$(g 'jaula check-config' 2>&1)
expect_eq "the policy (example + carol's linger + dave's lifetime processes) is accepted" OK "$(tail -1 <<<"$out")"
sed 's/^Match Group jailed$/Match Group students/' "$TOP/conf/sshd_config.d-jaula.conf" > "$kdir/sshd.conf"
sdguest_copy_in "$kdir/sshd.conf" /etc/ssh/sshd_config.d/jaula.conf
g 'groupadd students; i=10001; for u in alice carol dave; do useradd -m -u $i -g students -s /usr/sbin/jailsh $u; i=$((i + 1)); done
	echo "session requisite pam_jaula.so" >> /etc/pam.d/sshd; sshd -t && systemctl reload ssh'
# sshd re-executes itself on reload: new connections fail for a moment.
for _ in $(seq 1 30); do
	ssh "${SDGUEST_SSH_OPTS[@]}" -i "$SDGUEST_KEY" -p "$SDGUEST_PORT" root@127.0.0.1 true </dev/null 2>/dev/null && break
	sleep 1
done
for u in alice carol dave; do
	ssh-keygen -q -t ed25519 -N '' -f "$kdir/$u"
	sdguest_copy_in "$kdir/$u.pub" "/tmp/$u.pub"
	g "install -d -m 0700 -o $u -g students ~$u/.ssh && install -m 0600 -o $u -g students /tmp/$u.pub ~$u/.ssh/authorized_keys"
done
declare -A UID_OF=([alice]=10001 [carol]=10002 [dave]=10003)

ju() { # USER CMD: a login of USER running CMD (stdin from the caller)
	local u=$1; shift
	ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$u" -p "$SDGUEST_PORT" "$u@127.0.0.1" -- "$@"
}
BG_PID=
bg_login() { # USER: a login of USER that stays (sleep) until ended; sets BG_PID
	local u=$1
	rm -f "$kdir/bg-$u.out"
	ju "$u" 'echo up; exec sleep 900' </dev/null > "$kdir/bg-$u.out" 2>&1 &
	BG_PID=$!
	on_exit "kill $BG_PID"
	for _ in $(seq 1 300); do grep -q '^up$' "$kdir/bg-$u.out" 2>/dev/null && return 0; sleep 0.2; done
	return 1
}
ended() { # PID: the ssh client ends within 60 s
	local i
	for i in $(seq 1 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
	return 1
}
leftovers() { # USER: whatever of USER's jail is left in the guest
	local u=$1 id=u${UID_OF[$1]}
	g "test -e /run/jaula/jails/$id && echo 'jail state: $id'
		find /run/jaula/net -path '*/a/*' -lname '$id' 2>/dev/null | sed 's/^/lease: /'
		ip -o link show jv$id 2>/dev/null | sed 's/^/veth: /'
		find /sys/fs/cgroup -type d -name 'jaula-$id.scope' | sed 's/^/cgroup: /'
		systemctl list-units --all --no-legend --plain 'jaula-$id.scope' | sed 's/^/unit: /'
		machinectl list --no-legend 2>/dev/null | awk '\$1 == \"jaula-$id\" {print \"machine: \" \$1}'
		pgrep -u $u -a | sed 's/^/process: /'
		true"
}
expect_gone() { # USER WHAT: nothing of USER's jail within 30 s
	local left
	for _ in $(seq 1 30); do left=$(leftovers "$1"); [ -z "$left" ] && break; sleep 1; done
	if [ -z "$left" ]; then ok "$2: no state, lease, veth, scope, machine or process left"
	else not_ok "$2: no state, lease, veth, scope, machine or process left"; printf '%s\n' "$left" | diag; fi
}
no_failed() {
	expect_eq "$1: systemctl --failed lists nothing" "" "$(g 'systemctl --failed --no-legend --plain' 2>&1)"
}

# ------------------------------------------------------------ a jail as systemd sees it
scope=jaula-u10001.scope
if ! bg_login alice; then
	not_ok "alice logs in"; diag < "$kdir/bg-alice.out"; g 'journalctl --no-pager -n 30' | diag; finish
fi
ok "alice logs in (a jailed login that stays)"
expect_eq "$scope is active" active "$(g "systemctl is-active $scope")"
out=$(g "systemctl show -p Slice -p ControlGroup -p Delegate -p DelegateControllers -p MemoryMax -p MemorySwapMax -p TasksMax -p CPUQuotaPerSecUSec -p IOWeight -p CollectMode $scope")
expect_eq "… in jaula-students.slice under jaula.slice, delegated, collected when it ends" \
	"Slice=jaula-students.slice|ControlGroup=/jaula.slice/jaula-students.slice/$scope|Delegate=yes|CollectMode=inactive-or-failed" \
	"$(grep -E '^(Slice|ControlGroup|Delegate|CollectMode)=' <<<"$out" | paste -sd'|')"
expect_eq "… with the profile's limits as unit properties" \
	"TasksMax=256|MemorySwapMax=0|MemoryMax=$((512 << 20))|CPUQuotaPerSecUSec=500ms" \
	"$(grep -E '^(MemoryMax|MemorySwapMax|TasksMax|CPUQuotaPerSecUSec)=' <<<"$out" | sort -r | paste -sd'|')"
expect_eq "… and the group's as jaula-students.slice's" "MemoryMax=$((8 << 30))|TasksMax=4096" \
	"$(g 'systemctl show -p MemoryMax -p TasksMax jaula-students.slice' | paste -sd'|')"
expect_eq "… the kernel has them (the scope's memory.max, pids.max, cpu.max)" "$((512 << 20))|256|50000 100000" \
	"$(g "cd /sys/fs/cgroup/jaula.slice/jaula-students.slice/$scope && cat memory.max pids.max cpu.max" | paste -sd'|')"
expect_match "systemctl status shows the jail" "jaula jail u10001: user alice, profile student.*Active: active" \
	"$(g "systemctl status --no-pager $scope" | tr '\n' ' ')"
st=$(g 'cat /run/jaula/jails/u10001/state')
mon=$(sed -n 's/^monitor_pid=//p' <<<"$st"); hol=$(sed -n 's/^holder_pid=//p' <<<"$st")
out=$(g "cat /proc/$mon/cgroup; cat /proc/$hol/cgroup; for p in \$(pgrep -u alice -x sleep); do cat /proc/\$p/cgroup; done")
expect_eq "the monitor is in the scope; the holder and alice's process in its payload" \
	"0::/jaula.slice/jaula-students.slice/$scope|0::/jaula.slice/jaula-students.slice/$scope/payload|0::/jaula.slice/jaula-students.slice/$scope/payload" \
	"$(paste -sd'|' <<<"$out")"
out=$(g 'for p in $(cat /sys/fs/cgroup/user.slice/user-10001.slice/session-*.scope/cgroup.procs 2>/dev/null); do echo "$p $(cat /proc/$p/comm)"; done')
if ! grep -qE 'jaula|sleep' <<<"$out"; then ok "nothing of the jail is in alice's session-N.scope"
else not_ok "nothing of the jail is in alice's session-N.scope"; printf '%s\n' "$out" | diag; fi
out=$(g 'find /sys/fs/cgroup/jaula.slice -type d | sed "s|^/sys/fs/cgroup/||"')
expect_eq "under jaula.slice only the slices, the scope and its payload" \
	"jaula.slice|jaula.slice/jaula-students.slice|jaula.slice/jaula-students.slice/$scope|jaula.slice/jaula-students.slice/$scope/payload" \
	"$(sort <<<"$out" | paste -sd'|')"
expect_eq "the root's cgroup.subtree_control is what it was before any jail (io_weight set)" "$root_sc" \
	"$(g 'cat /sys/fs/cgroup/cgroup.subtree_control')"
out=$(g 'cat /sys/fs/cgroup/jaula.slice/cgroup.subtree_control')
extra=$(comm -13 <(tr ' ' '\n' <<<"$root_sc" | sort) <(tr ' ' '\n' <<<"$out" | grep . | sort) | paste -sd' ')
expect_eq "jaula.slice enables no controller the host did not run ($out)" "" "$extra"

# Enforcement, from other logins of alice (they join the jail).  300
# sleeps asked for at once (xargs gives up at the first refused fork),
# counted from the host while the login that made them is still there.
cg=/sys/fs/cgroup/jaula.slice/jaula-students.slice/$scope
ju alice 'seq 300 | timeout 100 xargs -P 300 -I{} sleep 301 2>/dev/null; exec sleep 100' </dev/null >/dev/null 2>&1 &
fork_pid=$!
on_exit "kill $fork_pid"
for _ in $(seq 1 60); do
	out=$(g "echo \$(cat $cg/pids.current) \$(sed -n 's/^max //p' $cg/pids.events) \$(pgrep -u alice -xf 'sleep 301' | wc -l)")
	read -r cur refused sleeps <<<"$out"
	[ "${refused:-0}" -gt 0 ] && [ "${sleeps:-0}" -ge 100 ] && break
	sleep 1
done
if [ "${cur:-999}" -le 256 ] && [ "${refused:-0}" -gt 0 ] && [ "${sleeps:-0}" -ge 100 ] && [ "$sleeps" -lt 256 ]; then
	ok "TasksMax holds: 300 forks in the jail stopped at $sleeps (tasks $cur, refused forks $refused)"
else
	not_ok "TasksMax holds in the jail"; echo "tasks, refused forks, sleeps: $out" | diag
fi
kill "$fork_pid" 2>/dev/null
g "pkill -KILL -u alice -xf 'sleep 301'"
# A process that wants 600M at once (dd's buffer, filled by the kernel):
# the scope's memory never passes MemoryMax (memory.peak), the limit is
# what stopped it (memory.events "max"), and the kernel OOM-kills it.
# Bounded in time: under emulation a cgroup at its limit has also been
# seen to reclaim for minutes instead.
mem=$(timeout 90 ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/alice" -p "$SDGUEST_PORT" alice@127.0.0.1 -- 'timeout -s KILL 45 dd if=/dev/zero of=/dev/null bs=600M count=1 2>/dev/null; echo "rc=$?"' </dev/null 2>&1)
out=$(g "echo \$(cat $cg/memory.peak) \$(sed -n 's/^max //p' $cg/memory.events) \$(sed -n 's/^oom_kill //p' $cg/memory.events)")
read -r peak hits kills <<<"$out"
if [ "${peak:-0}" -gt $((256 << 20)) ] && [ "$peak" -le $((512 << 20)) ] && [ "${hits:-0}" -gt 0 ]; then
	ok "MemoryMax holds: dd's 600M stopped at $((peak >> 20)) MiB in the scope (limit hit $hits times, $kills OOM kills, dd: $mem)"
else
	not_ok "MemoryMax holds in the jail"; echo "memory.peak, memory.events max, oom_kill: $out; dd: $mem" | diag
fi
expect_eq "… and the jail lives on" active "$(g "systemctl is-active $scope")"
g "systemctl set-property --runtime $scope TasksMax=123"
expect_eq "systemctl set-property --runtime changes the jail's pids.max" 123 \
	"$(g "cat /sys/fs/cgroup/jaula.slice/jaula-students.slice/$scope/pids.max")"
out=$(g 'jaula list --json' | python3 -c 'import json, sys
j = [x for x in json.load(sys.stdin)["jails"] if x["id"] == "u10001"][0]
print(j["memory_bytes"] > 0, j["pids"] >= 3, j["cpu_usec"] > 0)' 2>&1)
expect_eq "jaula list: the scope's memory, tasks and CPU time" "True True True" "$out"

# machined.
expect_match "machinectl list shows jaula-u10001 (class container, service jaula)" \
	"(^|$'\n')jaula-u10001 +container +jaula " "$(g 'machinectl list --no-legend')"
out=$(g 'machinectl status --no-pager jaula-u10001')
expect_match "machinectl status: the holder leads it, in $scope" "Leader: $hol .*Unit: $scope" "$(tr '\n' ' ' <<<"$out")"
g 'machinectl terminate jaula-u10001'
if ended "$BG_PID"; then ok "machinectl terminate jaula-u10001 ends alice's login"
else not_ok "machinectl terminate jaula-u10001 ends alice's login"; fi
expect_gone alice "after machinectl terminate"
no_failed "after machinectl terminate"

# ------------------------------------------------------------ systemctl stop jaula.slice
bg_login alice && a_pid=$BG_PID && bg_login dave && d_pid=$BG_PID
expect_eq "two jails run (alice, dave)" "active active" \
	"$(g 'systemctl is-active jaula-u10001.scope jaula-u10003.scope' | paste -sd' ')"
g 'systemctl stop jaula.slice'
if ended "$a_pid" && ended "$d_pid"; then ok "systemctl stop jaula.slice ends both logins"
else not_ok "systemctl stop jaula.slice ends both logins"; fi
expect_gone alice "after systemctl stop jaula.slice (alice)"
expect_gone dave "after systemctl stop jaula.slice (dave)"
no_failed "after systemctl stop jaula.slice"

# ------------------------------------------------------------ logout, terminate-session
out=$(ju alice 'echo in; hostname' </dev/null 2>&1)
expect_eq "a login after the slice was stopped works" "in|lab-alice" "$(paste -sd'|' <<<"$out")"
expect_gone alice "after logout (lifetime session, no linger)"
bg_login alice
sess=$(g "loginctl list-sessions --no-legend | awk '\$3 == \"alice\" {print \$1}'")
if [ -n "$sess" ] && g "loginctl terminate-session $sess" && ended "$BG_PID"; then
	ok "loginctl terminate-session $sess ends alice's login"
else
	not_ok "loginctl terminate-session ends alice's login (session '$sess')"
fi
expect_gone alice "after loginctl terminate-session (lifetime session)"
bg_login alice
if g "loginctl terminate-user alice" && ended "$BG_PID"; then
	ok "loginctl terminate-user alice ends her login"
else
	not_ok "loginctl terminate-user alice ends her login"
fi
expect_gone alice "after loginctl terminate-user (lifetime session)"

# ------------------------------------------------------------ linger
carol_sessions() {
	g "for s in \$(loginctl list-sessions --no-legend | awk '\$3 == \"carol\" {print \$1}'); do loginctl show-session -p State --value \$s; done"
}
sessions_closed() { # USER's logind sessions gone within 15 s
	local out
	for _ in $(seq 1 15); do out=$(carol_sessions); [ -z "$out" ] && return 0; sleep 1; done
	echo "$out"
	return 1
}
out=$(ju carol 'echo in' </dev/null 2>&1)
expect_eq "carol logs in and out (linger 120 s)" in "$out"
if out=$(sessions_closed); then ok "linger: carol's logind session is closed at logout, not 'closing'"
else not_ok "linger: carol's logind session is closed at logout, not 'closing'"; printf 'states: %s\n' "$out" | diag; fi
expect_eq "linger: her jail stays (scope active, state there)" "active|u10002" \
	"$(g 'systemctl is-active jaula-u10002.scope; ls /run/jaula/jails | grep -x u10002' | paste -sd'|')"

# ------------------------------------------------------------ KillUserProcesses=yes
g 'mkdir -p /etc/systemd/logind.conf.d && printf "[Login]\nKillUserProcesses=yes\n" > /etc/systemd/logind.conf.d/jaula-t81.conf && systemctl restart systemd-logind'
on_exit "sdguest_ssh 'rm -f /etc/systemd/logind.conf.d/jaula-t81.conf; systemctl restart systemd-logind' </dev/null"
for _ in $(seq 1 30); do
	kup=$(g 'busctl get-property org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager KillUserProcesses' 2>/dev/null)
	[ "$kup" = "b true" ] && break; sleep 1
done
expect_eq "logind runs with KillUserProcesses=yes" "b true" "$kup"
out=$(ju carol 'echo again' </dev/null 2>&1)
expect_eq "carol logs in again (into her lingering jail) and out" again "$out"
sessions_closed >/dev/null
sleep 3
expect_eq "KillUserProcesses=yes: carol's lingering jail is not killed" "active|u10002" \
	"$(g 'systemctl is-active jaula-u10002.scope; ls /run/jaula/jails | grep -x u10002' | paste -sd'|')"
out=$(ju dave 'setsid sleep 900 </dev/null >/dev/null 2>&1 & echo started' </dev/null 2>&1)
expect_eq "dave (lifetime processes) leaves a process behind and logs out" started "$out"
sleep 5
expect_eq "KillUserProcesses=yes: dave's jail lives on with its process" "active|sleep 900" \
	"$(g 'systemctl is-active jaula-u10003.scope; pgrep -u dave -a sleep | cut -d" " -f2-' | paste -sd'|')"
g 'systemctl stop jaula-u10002.scope'
expect_gone carol "after systemctl stop jaula-u10002.scope"
g 'machinectl terminate jaula-u10003'
expect_gone dave "after machinectl terminate jaula-u10003"

# ------------------------------------------------------------ the end
expect_eq "no jaula scope is left" "" "$(g "systemctl list-units --all --no-legend --plain 'jaula-*.scope'")"
expect_eq "the root's cgroup.subtree_control is what it was before any jail" "$root_sc" \
	"$(g 'cat /sys/fs/cgroup/cgroup.subtree_control')"
no_failed "at the end"
ok "t-81 took $(( $(date +%s) - t_start )) s (boot $SDGUEST_BOOT_SECS s)"
finish
