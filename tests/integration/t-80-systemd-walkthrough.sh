#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-80 — README's administrator's walkthrough on a real systemd host: a
# Debian 12 guest with systemd 252 as PID 1 and pure cgroup v2
# (tests/qemu/sdguest.sh, qemu TCG), the .deb built from HEAD (or
# JAULA_DEB) installed with dpkg, then every step of the walkthrough as
# README gives it: Debian's stock /etc/pam.d/sshd and sshd_config plus
# only the lines README names.  Then, over ssh into the guest as the
# jailed user (this host's ssh client through the forwarded port): exec,
# a pty, sftp, -L containment, the profile's pids limit, cleanup at
# logout, no failed unit; and the systemd visibility of the design
# (docs/cgroups.md: scope, slice, machined, unit properties) in
# systemd_visibility_checks.
#
# Steps replaced, and why:
#   1 (install): `dpkg -i` of the .deb built on this host by
#     dpkg-buildpackage (the step's own command), not built in the guest:
#     a package build under emulation takes many minutes.
#   3 (jaula mkroot): the rootfs comes preloaded on a read-only disk at
#     /var/lib/jaula/rootfs/bookworm, built on this host by the same
#     debootstrap minbase + openssh-sftp-server + rsync (sshd.sh's
#     ssh_rootfs): debootstrap under TCG takes far too long, and the
#     guest has no network beyond its forwarded sshd port.
#   10 (NAT): nothing to do, the example policy's network has nat = false.
# Costs (2 shared cores): a cold guest image about 80 s (debootstrap on
# this host, see tests/qemu/sdguest.sh), the .deb of a new commit 30-45 s;
# with both cached the whole test takes about 4 minutes (boot 25-60 s of
# it), a minute more while the systemd terminate checks fail (each waits
# 15 s for a cleanup that does not come).
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/qemu/sdguest.sh"
need_root
need_cmd ssh ssh-keygen sftp socat
t_start=$(date +%s)

deb=$(sdguest_deb); rc=$?
[ $rc -eq "$SDGUEST_SKIP" ] && skip_all "no .deb to test (see above)"
[ $rc -eq 0 ] || { not_ok "the .deb is built (dpkg-buildpackage on git archive HEAD)"; finish; }
ok "the .deb to test: ${deb##*/}"
if [ -z "${JAULA_DEB:-}" ] && [ -n "$(git -C "$TOP" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	echo "# note: the .deb is built from HEAD; uncommitted changes are not in it"
fi

sdguest_boot; rc=$?
if [ $rc -eq "$SDGUEST_SKIP" ]; then skip_all "the systemd guest cannot run here (reason above)"; fi
[ $rc -eq 0 ] || { not_ok "the systemd guest boots to ssh"; finish; }
ok "the systemd guest boots to ssh in $SDGUEST_BOOT_SECS s"

g() { sdguest_ssh "$@" </dev/null; }

# ------------------------------------------------------------ the host
expect_eq "PID 1 of the guest is systemd" systemd "$(g 'cat /proc/1/comm')"
expect_eq "/sys/fs/cgroup is cgroup2 only (unified)" cgroup2fs "$(g 'stat -fc %T /sys/fs/cgroup')"
expect_match "systemd 252 (Debian 12)" "^systemd 252 " "$(g 'systemctl --version | head -1')"
state=$(g 'systemctl is-system-running --wait' 2>&1)
expect_match "the guest finished booting" "^(running|degraded)$" "$state"
expect_eq "the stock /etc/pam.d/sshd (the package's checksum)" \
	"$(g "dpkg-query -W -f='\${Conffiles}\n' openssh-server | awk '\$1 == \"/etc/pam.d/sshd\" {print \$2}'")" \
	"$(g 'md5sum < /etc/pam.d/sshd | cut -d" " -f1')"
expect_eq "the stock sshd_config (the package's /usr/share/openssh/sshd_config)" \
	"$(g 'md5sum < /usr/share/openssh/sshd_config')" "$(g 'md5sum < /etc/ssh/sshd_config')"

# ------------------------------------------------------------ 1. install
out=$(sdguest_install_deb "$deb" 2>&1); rc=$?
expect_eq "1. dpkg -i ${deb##*/}" 0 "$rc"
[ $rc -eq 0 ] || { printf '%s\n' "$out" | tail -10 | diag; finish; }
expect_eq "1. jailsh is setuid root" "4755 root" "$(g 'stat -c "%a %U" /usr/sbin/jailsh')"

# ------------------------------------------------------------ 2. check-kernel
out=$(g 'jaula check-kernel' 2>&1); rc=$?
expect_eq "2. jaula check-kernel exits 0" 0 "$rc"
printf '%s\n' "$out" | grep -E 'MISSING|UNKNOWN' | head -20 | diag

# ------------------------------------------------------------ 3. rootfs (replaced, see the top)
expect_eq "3. the preloaded rootfs is at /var/lib/jaula/rootfs/bookworm" "jaula ssh test rootfs" \
	"$(g 'cat /var/lib/jaula/rootfs/bookworm/etc/jaula-ssh-rootfs')"

# ------------------------------------------------------------ 4. policy
# The shipped example /etc/jaula/jaula.conf as it is: group "students"
# (uids 10000-19999) jailed with profile "student" on rootfs "bookworm",
# network "lab", limits memory 512M, pids 256, cpu 50%.
out=$(g 'jaula check-config' 2>&1); rc=$?
expect_eq "4. jaula check-config accepts the example policy" "0 OK" "$rc $(tail -1 <<<"$out")"
[ $rc -eq 0 ] || printf '%s\n' "$out" | diag

# ------------------------------------------------------------ 5. users
JU=alice JUID=10001 FU=bob
# bob's uid is outside the example rule's uids (10000-19999), his group is
# his own: no rule matches him.
g "groupadd students && useradd -m -u $JUID -g students -s /bin/bash $JU && useradd -m -u 2001 -U -s /bin/bash $FU" ||
	not_ok "5. make the users"
out=$(g "chsh -s /usr/sbin/jailsh $JU && getent passwd $JU | cut -d: -f7" 2>&1)
expect_eq "5. chsh -s /usr/sbin/jailsh $JU" /usr/sbin/jailsh "$out"
kdir=$(mktemp -d /tmp/jaula-t80.XXXXXX)
on_exit "rm -rf '$kdir'"
for u in $JU $FU; do
	ssh-keygen -q -t ed25519 -N '' -f "$kdir/$u"
	sdguest_copy_in "$kdir/$u.pub" "/tmp/$u.pub"
	g "install -d -m 0700 -o $u -g \$(id -g $u) ~$u/.ssh &&
		install -m 0600 -o $u -g \$(id -g $u) /tmp/$u.pub ~$u/.ssh/authorized_keys && rm /tmp/$u.pub"
done

# ------------------------------------------------------------ 6. PAM
line='session requisite pam_jaula.so'
out=$(g "for s in sshd login su-l; do echo '$line' >> /etc/pam.d/\$s; done; tail -qn1 /etc/pam.d/sshd /etc/pam.d/login /etc/pam.d/su-l | sort -u")
expect_eq "6. '$line' is the last line of sshd, login, su-l" "$line" "$out"

# ------------------------------------------------------------ 7. no host user manager
out=$(g "cp /usr/lib/pam.d/systemd-user /etc/pam.d/systemd-user && echo '$line' >> /etc/pam.d/systemd-user && tail -1 /etc/pam.d/systemd-user")
expect_eq "7. /etc/pam.d/systemd-user: the copy plus the line" "$line" "$out"

# ------------------------------------------------------------ 8. sshd
sed 's/^Match Group jailed$/Match Group students/' "$TOP/conf/sshd_config.d-jaula.conf" > "$kdir/jaula.conf"
grep -qx 'Match Group students' "$kdir/jaula.conf" || not_ok "8. conf/sshd_config.d-jaula.conf has 'Match Group jailed'"
sdguest_copy_in "$kdir/jaula.conf" /etc/ssh/sshd_config.d/jaula.conf
out=$(g 'sshd -t && systemctl reload ssh && systemctl is-active ssh' 2>&1)
expect_eq "8. sshd accepts /etc/ssh/sshd_config.d/jaula.conf and reloads" active "$out"
# sshd re-executes itself on SIGHUP and listens again only then (seconds
# under emulation): connections meanwhile are reset.
sdguest_wait_ssh 60 || not_ok "8. sshd answers again after the reload"

# ------------------------------------------------------------ 9. check-host
out=$(g 'jaula check-host' 2>&1); rc=$?
expect_eq "9. jaula check-host finds no way around the jail" 0 "$rc"
printf '%s\n' "$out" | grep -E 'error|warning' | head -10 | diag

# ------------------------------------------------------------ 11. verify
out=$(g "jaula explain $JU" 2>&1)
expect_match "11. jaula explain $JU names the profile 'student'" "student" "$out"

# ------------------------------------------------------------ end to end
ssh_u() { # USER [ssh options…] -- CMD…
	local u=$1; shift
	ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$u" -p "$SDGUEST_PORT" "$@"
}
ju() { local a=() ; while [ $# -gt 0 ] && [[ $1 == -* ]]; do a+=("$1"); shift; done
	ssh_u "$JU" "${a[@]}" "$JU@127.0.0.1" -- "$@"; }

# Exec.
out=$(ju 'id -un; hostname; cat /etc/jaula-ssh-rootfs; cat /proc/1/comm; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "' </dev/null 2>&1)
mapfile -t L <<<"$out"
expect_eq "ssh $JU id -un: the user" "$JU" "${L[0]:-}"
expect_eq "… hostname: the jail's (lab-%u)" "lab-$JU" "${L[1]:-}"
expect_eq "… in the jail's rootfs" "jaula ssh test rootfs" "${L[2]:-}"
if [ -n "${L[3]:-}" ] && [ "${L[3]}" != systemd ]; then ok "… in the jail's pid namespace (PID 1 is '${L[3]}')"
else not_ok "… in the jail's pid namespace"; printf '%s\n' "$out" | diag; fi
expect_eq "… with no_new_privs and a seccomp filter" "NoNewPrivs: 1|Seccomp: 2" "${L[4]:-}|${L[5]:-}"
out=$(ssh_u "$FU" "$FU@127.0.0.1" -- 'hostname' </dev/null 2>&1)
expect_eq "an unmatched user is not jailed" jaula-guest "$out"

# 11. (after she logs in) `jaula list` shows her jail, `jaula enter` gets
# inside it.
ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$JU" -p "$SDGUEST_PORT" "$JU@127.0.0.1" 'echo up; exec sleep 120' \
	> "$kdir/bg11.out" 2>&1 </dev/null &
bg=$!
for _ in $(seq 1 150); do grep -q up "$kdir/bg11.out" 2>/dev/null && break; sleep 0.2; done
out=$(g 'jaula list' 2>&1)
expect_match "11. jaula list shows u$JUID of $JU" "u$JUID.*$JU|$JU.*u$JUID" "$out"
out=$(g "jaula enter u$JUID hostname" 2>&1)
expect_eq "11. jaula enter u$JUID runs a command in the jail" "lab-$JU" "$out"
kill "$bg" 2>/dev/null; wait "$bg" 2>/dev/null

# A pty: the interactive login shell of the jail, fed through the pty.
# The markers are computed in the jail, so the terminal's echo of the
# input does not match them.
out=$(printf 'test -t 0 && echo IS-A-$((6 * 7)); tty; echo HOST=$(hostname); exit\n' |
	timeout 60 ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$JU" -p "$SDGUEST_PORT" -tt "$JU@127.0.0.1" 2>&1 | tr -d '\r')
if grep -q 'IS-A-42' <<<"$out" && grep -q "HOST=lab-$JU" <<<"$out"; then
	ok "ssh -tt: an interactive shell on a terminal, in the jail ($(grep -m1 '^/dev/' <<<"$out"))"
else
	not_ok "ssh -tt: an interactive shell on a terminal, in the jail"; printf '%s\n' "$out" | tail -10 | diag
fi

# sftp (the external sftp-server, run by jailsh inside the jail).
echo "sftp payload $TAG" > "$kdir/up.txt"
printf 'put %s up.txt\nget up.txt %s\nget /etc/jaula-ssh-rootfs %s\n' "$kdir/up.txt" "$kdir/down.txt" "$kdir/rootfs.txt" > "$kdir/batch"
out=$(timeout 60 sftp "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$JU" -P "$SDGUEST_PORT" -b "$kdir/batch" "$JU@127.0.0.1" 2>&1); rc=$?
expect_eq "sftp: put and get a file" "0 sftp payload $TAG" "$rc $(cat "$kdir/down.txt" 2>/dev/null)"
expect_eq "sftp: it sees the jail's rootfs" "jaula ssh test rootfs" "$(cat "$kdir/rootfs.txt" 2>/dev/null)"
expect_eq "sftp: the file is in the user's home on the guest" "sftp payload $TAG" "$(g "cat ~$JU/up.txt")"

# -L containment: a service on the guest's 127.0.0.1 answers root and an
# unjailed user's forward, never a jailed user's (the forward runs in the
# jail's network namespace).
gport=$((30000 + RANDOM % 20000))
g "systemd-run -q --unit=jaula-t80-listen socat TCP-LISTEN:$gport,bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo guest-loopback-secret'"
on_exit "sdguest_ssh 'systemctl stop jaula-t80-listen' </dev/null"
sleep 1
expect_eq "control: the guest's 127.0.0.1:$gport answers in the guest" guest-loopback-secret \
	"$(g "socat -u -T5 TCP:127.0.0.1:$gport STDOUT" 2>&1)"
forward_reply() { # USER: what a -L forward to the guest's 127.0.0.1:gport brings back
	local u=$1 lport pid reply
	lport=$(_sdguest_free_port)
	# ssh itself in the background (not a function's subshell), so that
	# $! is ssh's PID and the kill below ends the forward's session.
	ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$u" -p "$SDGUEST_PORT" -N -o ExitOnForwardFailure=yes \
		-L "127.0.0.1:$lport:127.0.0.1:$gport" "$u@127.0.0.1" </dev/null 2>/dev/null &
	pid=$!
	for _ in $(seq 1 100); do ss -Htnl "sport = :$lport" | grep -q . && break; sleep 0.2; done
	reply=$(timeout 20 socat -u -T10 "TCP:127.0.0.1:$lport" STDOUT 2>/dev/null)
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	echo "$reply"
}
expect_eq "control: an unjailed user's -L reaches it" guest-loopback-secret "$(forward_reply "$FU")"
expect_eq "-L of the jailed user does not reach the guest's 127.0.0.1" "" "$(forward_reply "$JU")"

# Limits: the profile's pids = 256 holds inside the jail.  dash forks
# children that block opening a fifo (no exec: cheap under emulation) until
# fork fails ("Cannot fork"; bash would retry for seconds); then bash's
# builtins count the jail's processes and kill them (no fork left to do it).
out=$(ju 'f=$(mktemp -u); mkfifo "$f"
	sh -c "i=0; while [ \$i -lt 300 ]; do read x < $f & i=\$((i + 1)); done; echo all 300 forked" 2>&1
	p=(/proc/[0-9]*); echo "processes: ${#p[@]}"; kill -9 -1' </dev/null 2>&1)
n=$(sed -n 's/^processes: //p' <<<"$out")
if grep -q 'Cannot fork' <<<"$out" && [[ $n =~ ^[0-9]+$ ]] && [ "$n" -le 256 ] && [ "$n" -ge 200 ]; then
	ok "the profile's pids limit holds: forks fail at $n processes in the jail (pids = 256)"
else
	not_ok "the profile's pids limit holds (pids = 256)"; printf '%s\n' "$out" | tail -5 | diag
fi

# What is left of the jail (state, lease, veth, cgroup, scope, process).
leftovers() {
	g "ls /run/jaula/jails 2>/dev/null | sed 's/^/jail state: /'
		find /run/jaula/net -path '*/a/*' 2>/dev/null | sed 's/^/lease: /'
		ip -o link show | awk -F': ' '\$2 ~ /^jv/ {print \"veth: \" \$2}'
		find /sys/fs/cgroup -type d \( -name u$JUID -o -name 'jaula-u$JUID*' \) | sed 's/^/cgroup: /'
		systemctl list-units --no-legend --plain 'jaula-*.scope' | sed 's/^/unit: /'
		ps -o pid=,ppid=,etime=,args= -u $JU | sed 's/^/process of $JU: /'
		true"
}
# systemd's view of a jail (issue #15's design); needs the systemd backend.
systemd_visibility_checks() {
	local bg out scope=jaula-u$JUID.scope st mon hol sess
	ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$JU" -p "$SDGUEST_PORT" "$JU@127.0.0.1" 'echo up; exec sleep 120' \
		> "$kdir/bg.out" 2>&1 </dev/null &
	bg=$!
	for _ in $(seq 1 150); do grep -q up "$kdir/bg.out" 2>/dev/null && break; sleep 0.2; done
	expect_eq "systemd: $scope is active" active "$(g "systemctl is-active $scope")"
	out=$(g "systemctl show -p Slice -p ControlGroup -p MemoryMax -p TasksMax $scope" 2>&1)
	expect_eq "systemd: $scope is in jaula-students.slice" "Slice=jaula-students.slice" "$(grep '^Slice=' <<<"$out")"
	expect_eq "systemd: … under jaula.slice" "ControlGroup=/jaula.slice/jaula-students.slice/$scope" \
		"$(grep '^ControlGroup=' <<<"$out")"
	expect_eq "systemd: systemctl show -p MemoryMax is the profile's 512M" "MemoryMax=$((512 << 20))" "$(grep '^MemoryMax=' <<<"$out")"
	expect_eq "systemd: TasksMax is the profile's pids" "TasksMax=256" "$(grep '^TasksMax=' <<<"$out")"
	out=$(g "systemctl status --no-pager $scope" 2>&1)
	expect_match "systemd: systemctl status $scope shows it active" "Active: active" "$out"
	out=$(g 'machinectl list --no-legend' 2>&1)
	if grep -q "^jaula-u$JUID " <<<"$out"; then ok "machined: machinectl list shows jaula-u$JUID"
	else not_ok "machined: machinectl list shows jaula-u$JUID"; printf '%s\n' "$out" | diag; fi
	st=$(g "cat /run/jaula/jails/u$JUID/state")
	mon=$(sed -n 's/^monitor_pid=//p' <<<"$st"); hol=$(sed -n 's/^holder_pid=//p' <<<"$st")
	out=$(g "cat /proc/$mon/cgroup /proc/$hol/cgroup; for p in \$(pgrep -u $JU -x sleep); do cat /proc/\$p/cgroup; done" 2>&1)
	sess=$(grep -c 'session-[0-9]*\.scope' <<<"$out")
	expect_eq "logind: neither the monitor, the holder nor a jailed process is in the login's session-N.scope" 0 "$sess"
	expect_match "systemd: the monitor is in $scope, the jail in its payload" \
		"^0::/jaula.slice/jaula-students.slice/$scope"$'\n'"0::/jaula.slice/jaula-students.slice/$scope/payload" "$out"
	# The logout (ssh's end closes the session) ends the jail.
	kill "$bg" 2>/dev/null; wait "$bg" 2>/dev/null
}

# Ending a jail the systemd way (the design: at once, cleaned up).
systemd_terminate_checks() {
	local how pid left
	for how in "machinectl terminate jaula-u$JUID" "systemctl stop jaula-u$JUID.scope"; do
		ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$JU" -p "$SDGUEST_PORT" "$JU@127.0.0.1" 'echo up; exec sleep 120' \
			> "$kdir/term.out" 2>&1 </dev/null &
		pid=$!
		for _ in $(seq 1 150); do grep -q up "$kdir/term.out" 2>/dev/null && break; sleep 0.2; done
		g "$how" >/dev/null 2>&1
		# As long as t-81 gives the same ending (30 looks): under
		# emulation the monitor's release can take more than 15.
		for _ in $(seq 1 30); do
			left=$(leftovers)
			[ -z "$left" ] && ! kill -0 "$pid" 2>/dev/null && break
			sleep 1
		done
		if [ -z "$left" ] && ! kill -0 "$pid" 2>/dev/null; then
			ok "systemd: $how ends the jail and its login, nothing left"
		else
			not_ok "systemd: $how ends the jail and its login, nothing left"
			{ kill -0 "$pid" 2>/dev/null && echo "the ssh login still runs"; printf '%s\n' "$left"; } | diag
		fi
		# Whatever happened, the next check starts without this login.
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		for _ in $(seq 1 30); do [ -z "$(leftovers)" ] && break; sleep 1; done
	done
}

systemd_visibility_checks
systemd_terminate_checks

# Logout: nothing of the jail is left.

for _ in $(seq 1 30); do left=$(leftovers); [ -z "$left" ] && break; sleep 1; done
if [ -z "$left" ]; then ok "after logout: no jail state, lease, veth, cgroup, scope or process left"
else not_ok "after logout: no jail state, lease, veth, cgroup, scope or process left"; printf '%s\n' "$left" | diag; fi

# README step 7 on a systemd host: pam_jaula refuses the jailed user's
# systemd-user session, so no user manager runs the user's own units on
# the host, and the login goes on without one (checked above) — but
# systemd then records user@UID.service as failed, after every jailed
# login, which leaves the host "degraded".
user_manager_checks() {
	local st
	st=$(g "systemctl show -p ActiveState -p Result user@$JUID.service | paste -sd' '")
	if [[ $st == ActiveState=active* ]]; then
		not_ok "7. no user manager runs for the jailed user ($st)"
	else
		ok "7. no user manager runs for the jailed user, and the login went on ($st)"
	fi
	expect_eq "7. … and user@$JUID.service is not left failed (systemctl --failed)" "" \
		"$(g "systemctl list-units --failed --no-legend --plain user@$JUID.service" 2>&1)"
	# The package's drop-in (ExecCondition=jaula user-manager %i) must
	# skip only jailed users: an unmatched user's manager runs.
	expect_eq "7. control: an unjailed user's user@.service runs during their login" active \
		"$(ssh_u "$FU" "$FU@127.0.0.1" -- "systemctl is-active user@\$(id -u).service" </dev/null 2>&1)"
	expect_match "7. the journal says why the jailed user's manager was skipped" \
		"no service manager for $JU" "$(g "journalctl -b --no-pager -u user@$JUID.service" 2>&1)"
}
user_manager_checks

out=$(g "systemctl list-units --failed --no-legend --plain" 2>&1)
expect_eq "systemctl --failed lists nothing" "" "$out"
ok "t-80 took $(( $(date +%s) - t_start )) s (boot $SDGUEST_BOOT_SECS s)"
# T80_HOLD=FILE: keep the guest up until FILE exists (to look around).
if [ -n "${T80_HOLD:-}" ]; then
	echo "# holding the guest: ssh -i $SDGUEST_KEY -p $SDGUEST_PORT root@127.0.0.1; touch $T80_HOLD to end"
	while [ ! -e "$T80_HOLD" ]; do sleep 2; done
fi
finish
