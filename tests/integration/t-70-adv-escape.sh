#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-70: escapes attempted from inside a jail, as the jailed user, with a
# static probe (tests/helpers/adv_escape.c) in a private rootfs copy —
# chroot with a saved fd / fchdir / a second chroot, the mount family and
# pivot_root, user namespaces, setns and ptrace of the holder, kill(-1)
# against a host process of the same uid, /proc/sys, /sys, mknod, raw
# sockets and address changes, TIOCSTI/TIOCLINUX on the login pty, keyctl,
# bpf, perf_event_open, module and kexec calls, a setuid-root binary in the
# rootfs, the read-only base, a full /tmp, a fork bomb, a memory hog and fd
# exhaustion.  Each must fail and leave the host as it was; the leak audit
# (adversary-lib.sh) closes the test.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
source "$(dirname "$0")/adversary-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
UID_=$(id -u "$U")
ADV_UIDS=$UID_
adv_rootfs || skip_all "cannot build the static probe: $(head -3 "$TDIR/probe.log" 2>/dev/null)"
adv_policy "$CONF" 'writable = "tmpfs"; limits = { pids = 40; memory = "64M"; };'
echo "host marker $TAG" > "$TDIR/host-marker"
chmod 0644 "$TDIR/host-marker"

# A host process of the jailed user's own uid: the one kill(-1) would
# reach if the jail's pid namespace leaked.
setpriv --reuid="$UID_" --regid="$(id -g "$U")" --clear-groups -- bash -c "exec -a jaula-sentinel-$TAG sleep 600" &
sentinel=$!
on_exit "kill $sentinel"

all=$(jail "$U" "adv_escape syscalls; adv_escape chroot '$TDIR/host-marker'; adv_escape ns; adv_escape writes; adv_escape net lo; adv_escape ids" 2>&1)
kv "$all"
[ -n "${KV[mount]:-}" ] || skip_all "the probe did not run in the jail: $(head -3 <<<"$all" | tr '\n' ' ')"

# The kernel's escape and admin surface: EPERM from the seccomp filter
# (clone3 gets ENOSYS so libc falls back to clone, whose flags are seen).
for c in unshare_user unshare_user_mnt unshare_net clone_newuser mount remount_root umount_proc \
	umount_root pivot_root fsopen open_tree move_mount chroot setns_self keyctl add_key \
	request_key bpf perf_event_open init_module finit_module delete_module kexec_load \
	kexec_file_load open_by_handle_at name_to_handle_at userfaultfd reboot clock_settime swapon \
	iopl syslog setuid0 acct sethostname ptrace_traceme; do
	expect_eq "in the jail: $c fails with EPERM" EPERM "${KV[$c]:-}"
done
expect_eq "in the jail: clone3 with CLONE_NEWUSER fails with ENOSYS" ENOSYS "${KV[clone3_newuser]:-}"

# chroot escape: a saved fd on /, chroot, fchdir back, walk up, chroot .
expect_eq "the host marker is invisible in the jail" no "${KV[marker_visible]:-}"
expect_match "chroot + fchdir(saved fd) + chdir(..) escape fails" '^E' "${KV[chroot_escape]:-}"
expect_eq "walking up from a saved fd on / stays in the jail" ENOENT "${KV[fchdir_up]:-}"
expect_match "/proc/1/root does not lead out" '^E(ACCES|PERM|NOENT)$' "${KV[proc1_root]:-}"
expect_match "/proc/1/cwd cannot be opened" '^E(ACCES|PERM)$' "${KV[proc1_cwd]:-}"

# Namespaces of the holder (PID 1, root): neither opened nor joined.
for k in mnt pid net user cgroup uts ipc; do
	expect_match "the holder's $k namespace cannot be opened" '^E(ACCES|PERM)$' "${KV[open_holder_ns_$k]:-}"
	expect_eq "setns to a $k namespace fails" EPERM "${KV[setns_holder_$k]:-}"
done
for c in ptrace_attach_holder ptrace_seize_holder process_vm_readv_holder kill_holder_term kill_holder_kill kill_holder_stop; do
	expect_eq "$c fails with EPERM" EPERM "${KV[$c]:-}"
done
for c in open_holder_mem open_holder_environ list_holder_fds; do
	expect_eq "$c fails with EACCES" EACCES "${KV[$c]:-}"
done
n=${KV[visible_pids]:-}
if [ -n "$n" ] && [ "$n" -le 4 ]; then ok "only the jail's own processes are visible ($n)"; else not_ok "only the jail's own processes are visible ($n)"; fi
comms=$(jail "$U" 'cat /proc/[0-9]*/comm 2>/dev/null | sort -u | tr "\n" " "')
if [[ "$comms" == *sentinel* ]] || [[ "$comms" == *sleep* ]] || [[ "$comms" == *jaula-monitor* ]]; then
	not_ok "no host process is visible (not even one of the same uid)"; echo "$comms" | diag
else
	ok "no host process is visible (not even one of the same uid)"
fi

# Writes to the kernel's knobs.
for c in proc_sys_hostname proc_sys_core_pattern proc_sys_drop_caches proc_sys_ip_forward proc_self_oom_adj; do
	expect_match "$c is refused" '^E(ACCES|PERM|ROFS)$' "${KV[$c]:-}"
done
if [ -e /proc/sysrq-trigger ]; then
	expect_match "proc_sysrq_trigger is refused" '^E(ACCES|PERM|ROFS)$' "${KV[proc_sysrq_trigger]:-}"
else
	skip "sysrq-trigger: this kernel has no CONFIG_MAGIC_SYSRQ"
fi
for c in sys_uevent_helper sys_power_state open_sys_fs_cgroup; do
	expect_match "$c: no /sys in the jail" '^E(NOENT|ACCES|ROFS)$' "${KV[$c]:-}"
done
expect_eq "mknod of a character device fails" EPERM "${KV[mknod_chr_mem]:-}"
expect_eq "mknod of a block device fails" EPERM "${KV[mknod_blk]:-}"
expect_eq "nothing can be added to /dev" EROFS "${KV[mknod_in_dev]:-}"
expect_eq "nor written into /dev" EROFS "${KV[write_dev_dir]:-}"

# Raw sockets and interface changes (the jail's lo; eth0 in t-75).
for c in socket_packet_raw socket_packet_dgram socket_inet_raw socket_inet_raw_icmp socket_inet6_raw set_mac set_addr set_link_down add_alias_addr ip_transparent; do
	expect_eq "$c fails with EPERM" EPERM "${KV[$c]:-}"
done

# Identity: no capability, no_new_privs, seccomp; a setuid-root binary in
# the rootfs changes nothing (nosuid base and no_new_privs).
expect_eq "the user's ids in the jail" "$UID_ $UID_ $UID_" "${KV[uids]:-}"
suid=$(jail "$U" 'ls -ln /bin/adv_suid; /bin/adv_suid ids' 2>&1)
expect_match "the planted binary is setuid root" '^-rws.* 0 +0 ' "$suid"
expect_eq "running it keeps the user's ids" "$UID_ $UID_ $UID_" "$(val "$suid" uids)"
expect_eq "and gives no capability" 0000000000000000 "$(val "$suid" CapEff)"
expect_eq "and it cannot setuid(0)" EPERM "$(val "$suid" setuid0)"
expect_eq "no_new_privs is set" 1 "$(val "$suid" NoNewPrivs)"

# Inherited fds: the jail's shell has only its stdio (and what the probe
# opened itself), nothing of jailsh's, the holder's or the monitor's.
fds=$(jail "$U" 'adv_escape fdlist' </dev/null 2>&1)
extra=$(printf '%s\n' "$fds" | grep -Ev '^fd[012]=' | grep -v "^$")
expect_eq "no fd beyond stdio reaches the jail" "" "$extra"
# …even when the (root) caller of jailsh has one open on a host directory.
fds=$(jail "$U" 'adv_escape fdlist' 7<"$TDIR" 2>&1 </dev/null)
if printf '%s\n' "$fds" | grep -q '^fd7='; then
	not_ok "an fd the caller left open (a host directory) does not reach the jail"; printf '%s\n' "$fds" | diag
else
	ok "an fd the caller left open (a host directory) does not reach the jail"
fi

# The read-only base (writable none) and the rootfs copy on the host.
adv_policy "$CONF" 'writable = "none";'
out=$(jail "$U" '(echo x > /bin/jaula-w) 2>&1; (echo x > /etc/jaula-w) 2>&1; touch /jaula-w 2>&1; echo rc=$?')
expect_match "writable none: the base is read-only" "Read-only file system" "$out"
left=$(find "$ADV_ROOTFS" -name 'jaula-w*' -o -newer "$ADV_ROOTFS/bin/adv_suid" -type f | head -3)
expect_eq "the rootfs on the host is untouched" "" "$left"

# TIOCSTI/TIOCLINUX on the login pty (script gives the shell a real pty,
# as sshd and login do).
if command -v script >/dev/null; then
	out=$(script -qfec "$JAILSH --config $CONF --user $U -c 'adv_escape tty'" /dev/null </dev/null 2>&1 | tr -d '\r')
	if [ "$(val "$out" isatty0)" = yes ]; then
		expect_eq "TIOCSTI on the login pty fails with EPERM" EPERM "$(val "$out" tiocsti)"
		expect_eq "TIOCSTI with high bits in the request fails with EPERM" EPERM "$(val "$out" tiocsti_high)"
		expect_eq "TIOCLINUX fails with EPERM" EPERM "$(val "$out" tioclinux)"
		expect_eq "TIOCLINUX paste fails with EPERM" EPERM "$(val "$out" tioclinux_paste)"
		expect_eq "other tty ioctls work (TIOCGWINSZ)" ok "$(val "$out" tiocgwinsz)"
	else
		skip "TIOCSTI: script gave no pty ($(head -2 <<<"$out" | tr '\n' ' '))"
	fi
else
	skip "TIOCSTI: 'script' is not installed"
fi

# Resources: a full /tmp, a fork bomb, a memory hog, fd exhaustion.
adv_policy "$CONF" 'limits = { pids = 40; memory = "64M"; };'
host_tmp_before=$(df -k --output=avail /tmp | tail -1)
res=$(jail "$U" 'adv_escape fill /tmp/fill; adv_escape forkbomb; adv_escape memhog 256; adv_escape nofile' 2>&1)
expect_eq "filling /tmp stops with ENOSPC" ENOSPC "$(val "$res" fill_errno)"
b=$(val "$res" fill_bytes)
if [ -n "$b" ] && [ "$b" -le $((8 * 1024 * 1024)) ]; then ok "at the jail's tmp_size (8M): $b bytes"; else not_ok "at the jail's tmp_size (8M): $b bytes"; fi
host_tmp_after=$(df -k --output=avail /tmp | tail -1)
if [ $((host_tmp_before - host_tmp_after)) -lt 4096 ]; then ok "the host's /tmp did not fill"; else not_ok "the host's /tmp did not fill ($host_tmp_before -> $host_tmp_after KiB)"; fi
cgmode=$(awk '$9 ~ /^cgroup2?$/ {print $9; exit}' /proc/self/mountinfo)
if [ -z "$cgmode" ]; then
	skip "fork bomb and memory hog: no cgroup hierarchy here"
else
	f=$(val "$res" forks)
	if [ -n "$f" ] && [ "$f" -lt 40 ] && [ "$(val "$res" fork_errno)" = EAGAIN ]; then ok "a fork bomb stops at the pids limit ($f forks, EAGAIN)"; else not_ok "a fork bomb stops at the pids limit"; printf '%s\n' "$res" | grep fork | diag; fi
	expect_eq "a memory hog over the limit is OOM-killed" "signal 9" "$(val "$res" memhog)"
fi
if bash -c 'for i in 1 2 3 4 5; do /bin/true & done; wait'; then ok "the host can still fork"; else not_ok "the host can still fork"; fi
expect_eq "fd exhaustion ends in EMFILE" EMFILE "$(val "$res" open_errno)"
expect_eq "the hard fd limit cannot be raised" EPERM "$(val "$res" raise_nofile_hard)"
if exec {probe_fd}</dev/null; then ok "the host can still open files"; exec {probe_fd}<&-; else not_ok "the host can still open files"; fi

# kill(-1, SIGKILL) as the user: everything in the jail but the caller,
# nothing outside — the same-uid host sentinel lives on.
jail "$U" 'sleep 100 & exec adv_escape killall' > "$TDIR/killall.out" 2>&1
expect_eq "kill(-1) in the jail succeeds (it reaches the jail's processes)" ok "$(val "$(cat "$TDIR/killall.out")" kill_all)"
if _adv_live "$sentinel"; then ok "a host process of the same uid survives kill(-1)"; else not_ok "a host process of the same uid survives kill(-1)"; fi

adv_remember
kill "$sentinel" 2>/dev/null; wait "$sentinel" 2>/dev/null
leak_audit "nothing of the escape attempts remains" 10
finish
