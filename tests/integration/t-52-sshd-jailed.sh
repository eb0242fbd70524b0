#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-52 — jailed logins through Debian's real sshd: `ssh user CMD` runs CMD
# in the jail; `ssh -tt` gets a working terminal (tty, window size that
# follows the client, job control); exit status and stdin pass through;
# sshd's own log lines still reach syslog; the jail ends with the logout.
# (The jail network address and port forwarding: t-55.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
POLICY_PROFILE_EXTRA='limits = { pids = 200; memory = "512M"; };'
jailed_sshd_setup 1

host_pid_ns=$(readlink /proc/1/ns/pid)
host_mnt_ns=$(readlink /proc/self/ns/mnt)
out=$(ssh_as "$JU" 'cat /etc/jaula-ssh-rootfs; hostname; id -un; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; cat /proc/1/comm' 2>&1)
mapfile -t L <<<"$out"
expect_eq "ssh CMD runs in the jail's rootfs" "jaula ssh test rootfs" "${L[0]:-}"
expect_eq "... with the jail's hostname" "jb-$TAG" "${L[1]:-}"
expect_eq "... as the user" "$JU" "${L[2]:-}"
if [ -n "${L[3]:-}" ] && [ "${L[3]}" != "$host_pid_ns" ] && [ "${L[4]}" != "$host_mnt_ns" ] &&
	[ "${L[5]}" != "$(cat /proc/1/comm)" ]; then
	ok "... in the jail's pid and mount namespaces (PID 1 is '${L[5]}', not the host's init)"
else
	not_ok "... in the jail's pid and mount namespaces"; echo "$out" | diag
fi
out=$(ssh_as "$JU" 'exit 7'); rc=$?
expect_eq "the command's exit status reaches the client" 7 "$rc"
out=$(printf 'line one\nline two\n' | ssh_as "$JU" 'wc -l')
expect_eq "stdin reaches the command" 2 "$(echo $out)"
out=$(ssh_as "$JU" 'cat /proc/self/status' | awk '/^(CapEff|NoNewPrivs|Seccomp):/ {printf "%s %s ", $1, $2}')
expect_eq "the command has no capability, no_new_privs and a seccomp filter" \
	"CapEff: 0000000000000000 NoNewPrivs: 1 Seccomp: 2 " "$out"

# Limits, from the host side while a login runs.
ssh_as "$JU" 'echo up; sleep 3' > "$JB_DIR/bg.out" 2>&1 & bg=$!
for i in $(seq 1 150); do grep -q up "$JB_DIR/bg.out" 2>/dev/null && break; sleep 0.1; done
pidsmax=$(cat /sys/fs/cgroup/pids/"$JB_CGPATH"/*/*/pids.max /sys/fs/cgroup/"$JB_CGPATH"/*/*/pids.max 2>/dev/null | head -1)
if [ -z "$pidsmax" ]; then
	skip "the jail's cgroup has the profile's pids limit: no jail cgroup under $JB_CGPATH (cgroup facility not wired into the jail core yet)"
else
	expect_eq "the jail's cgroup has the profile's pids limit" 200 "$pidsmax"
fi
memmax=$(cat /sys/fs/cgroup/memory/"$JB_CGPATH"/*/*/memory.limit_in_bytes /sys/fs/cgroup/"$JB_CGPATH"/*/*/memory.max 2>/dev/null | head -1)
if [ -z "$memmax" ]; then
	skip "the jail's cgroup has the profile's memory limit: no memory controller for the jail here"
else
	expect_eq "the jail's cgroup has the profile's memory limit" $((512 * 1024 * 1024)) "$memmax"
fi
wait $bg

# --- interactive: a pty driven like a terminal
if ! command -v python3 >/dev/null; then
	skip "ssh -tt terminal checks: python3 is not installed"
else
	cat > "$JB_DIR/jb_term.py" <<'EOF'
import os, pty, sys, time, select, fcntl, termios, struct
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
def winsz(rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
out = b""
def read_for(secs, until=None):
    global out
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
            if until and until in out:
                return
def send(s):
    os.write(fd, s.encode())
winsz(33, 111)
read_for(8, b"READY")
send("tty; stty size\n")
read_for(5, b"33 111")
winsz(44, 122)
time.sleep(0.5)
send("stty size\n")
read_for(5, b"44 122")
send("sleep 30\n")
time.sleep(0.8)
send("\x1a")
read_for(3, b"Stopped")
send("jobs; bg; jobs; kill %1; wait; echo DONE-$((6*7))\n")
read_for(5, b"DONE-42")
send("exit\n")
read_for(5)
os.write(1, out)
EOF
	out=$(timeout 40 python3 "$JB_DIR/jb_term.py" ssh -F none -tt -i "$JB_DIR/ukeys/$JU" -p "$PORT" \
		-o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$JU@127.0.0.1" \
		'echo READY; exec bash -i' 2>&1 | tr -d '\r' |
		sed 's/\x1b\][^\x07]*\x07//g; s/\x1b\[[?0-9;]*[a-zA-Z]//g')
	expect_match "ssh -tt: tty names the login's terminal in the jail" $'\n/dev/console\n' "$out"
	expect_match "ssh -tt: stty size is the client's window" $'\n33 111\n' "$out"
	expect_match "ssh -tt: the size follows the client's window changes" $'\n44 122\n' "$out"
	expect_match "ssh -tt: job control (Ctrl-Z stops, bg resumes)" "Stopped.*sleep 30.*Running.*DONE-42" "$(echo $out)"
	[ -n "${JB_VERBOSE:-}" ] && echo "$out" | diag
	out=$(printf 'cat /etc/jaula-ssh-rootfs\nexit\n' | ssh_as "$JU" -tt 2>&1 | tr -d '\r')
	expect_match "an interactive login shell (no command) runs in the jail" "jaula ssh test rootfs" "$out"
fi

expect_jails_gone "the jail ends within 2 s of the last logout"

# sshd's logs: the monitor joined the jail's net/uts/ipc only, so its
# syslog socket, ptys and utmp are still the host's.
sleep 0.3
log=$(syslog_lines "$SSHD_DIR/syslog.log")
expect_match "pam_jaula logs the jail it opened" "pam_jaula\\($SSHD_SERVICE:session\\): User '$JU' \\(rule 'jaula-test', profile 'jailed'\\) jailed in " "$log"
expect_match "pam_jaula logs the session it closed" "pam_jaula\\($SSHD_SERVICE:session\\): Session p[0-9]+-[0-9]+ of jail [a-z0-9-]+ closed" "$log"
expect_match "after a jailed session sshd's monitor still logs to the host syslog (pam_unix session closed)" \
	"pam_unix\\($SSHD_SERVICE:session\\): session closed for user $JU" "$log"
expect_match "sshd's own log file has the end of the jailed connection" "Disconnected from user $JU " "$(cat "$SSHD_DIR/sshd.log")"
finish
