#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-58 — sshd and PAM run nothing of a jailed user's on the host.  The test
# sshd runs Debian's stock sshd_config and /etc/pam.d/sshd plus only what
# README adds (sshd.sh).  For each host-side hook a jailed user tries it
# with files written from inside the jail (their home is the host's) and
# by what their ssh client sends:
#   ~/.pam_environment (pam_env user_readenv=1) with LD_PRELOAD, PATH,
#   BASH_ENV, ENV and a locale naming a file; ~/.ssh/rc; X11 forwarding
#   (xauth); ~/.ssh/environment and environment="" in authorized_keys;
#   agent forwarding; a tun device; SetEnv/SendEnv; the systemd-user PAM
#   service (a host user manager), through real PAM with a test confdir.
# The payload is a shared object in the user's home whose constructor
# writes a marker into a directory that exists only on the host: a marker
# means a host process ran the user's code.  Controls: the same preload
# run directly on the host, and an unjailed user's login with the same
# files, both leave a marker.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
need_cmd cc setpriv
DRIVER=$TOP/tests/helpers/pam_login
jailed_sshd_setup 1

MARKS=$JB_DIR/markers
mkdir -m 1777 "$MARKS"
JUID=$(id -u "$JU")
JGID=$(id -g "$JU")
JHOME=$(getent passwd "$JU" | cut -d: -f6)
FHOME=$(getent passwd "$FU" | cut -d: -f6)

cat > "$JB_DIR/jb-hook.c" <<EOF
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Loaded into a process: record which program it is, in MARKS. */
__attribute__((constructor)) static void jb_hook(void)
{
        char path[512], exe[256] = "?", line[512];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        int fd;

        if (n > 0)
                exe[n] = '\0';
        snprintf(path, sizeof path, "%s/hit.%d", "$MARKS", (int) getpid());
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        n = snprintf(line, sizeof line, "uid=%d exe=%s\n", (int) getuid(), exe);
        if (write(fd, line, (size_t) n) != n)
                (void) 0;
        close(fd);
}
EOF
cc -shared -fPIC -o "$JB_DIR/jb-hook.so" "$JB_DIR/jb-hook.c" || skip_all "cannot build the payload"

marks() { find "$MARKS" -type f -exec cat {} + 2>/dev/null; }
clear_marks() { find "$MARKS" -mindepth 1 -delete; }

# The jailed user plants everything from inside the jail.
out=$(ssh_as "$JU" "test -e $MARKS && echo VISIBLE; cat > ~/jb-hook.so && echo planted" < "$JB_DIR/jb-hook.so" 2>&1)
if [ "$out" != planted ]; then
	skip_all "cannot plant the payload from inside the jail, or the marker directory is visible in it: $out"
fi
ok "the jailed user writes into their home from the jail; the marker directory is not visible there"
HOOK=$JHOME/jb-hook.so

# --- controls: the payload works, and the hooks are live for an unjailed user
clear_marks
setpriv --reuid="$JUID" --regid="$JGID" --clear-groups env LD_PRELOAD="$HOOK" /bin/true
expect_match "control: the payload run on the host as the user leaves a marker" "uid=$JUID exe=/usr/bin/true" "$(marks)"

install -o "$FU" -m 0755 "$JB_DIR/jb-hook.so" "$FHOME/jb-hook.so"
printf 'LD_PRELOAD=%s/jb-hook.so\n' "$FHOME" > "$FHOME/.pam_environment"
mkdir -p "$FHOME/.ssh" && printf 'true\n' > "$FHOME/.ssh/rc"
chown -R "$FU:" "$FHOME/.pam_environment" "$FHOME/.ssh"
clear_marks
out=$(ssh_as "$FU" echo hello 2>&1)
if [ "$out" = hello ] && grep -q "uid=$(id -u "$FU") exe=" <<<"$(marks)"; then
	ok "control: for an unjailed user, ~/.pam_environment reaches the host /bin/sh that runs ~/.ssh/rc"
else
	not_ok "control: for an unjailed user, ~/.pam_environment reaches the host /bin/sh that runs ~/.ssh/rc"
	{ echo "out: $out"; echo "marks: $(marks)"; } | diag
fi
rm -f "$FHOME/.pam_environment" "$FHOME/.ssh/rc"

# jailsh_env_of CMD…: run CMD (a login whose command prints "up" and
# sleeps) and print the environment it gave the jailed user's jailsh
# (setuid, so /proc/PID/environ still shows what it was executed with,
# before it cleared it), one variable a line; the user's agent sockets in
# the host's /tmp while it ran go to JB_DIR/agent.during.
jailsh_env_of() {
	local f=$JB_DIR/sess.out p bg i
	: > "$f"
	"$@" > "$f" 2>&1 &
	bg=$!
	for i in $(seq 1 150); do grep -q up "$f" && break; sleep 0.1; done
	# sshd removes an agent socket when the session ends: look while it runs.
	find /tmp -maxdepth 2 -user "$JUID" -name 'agent.*' > "$JB_DIR/agent.during" 2>/dev/null
	for p in $(pgrep -x jailsh); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$JB_JAILSH" ] || continue
		[ "$(awk '/^Uid:/ {print $2}' "/proc/$p/status" 2>/dev/null)" = "$JUID" ] || continue
		tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null
	done | sort -u
	wait "$bg"
	grep -q up "$f" || echo "SESSION-FAILED: $(head -c 300 "$f")"
}

# jailsh_env [ssh options…]: the same for an ssh login of the jailed user.
jailsh_env() {
	jailsh_env_of ssh_as "$JU" "$@" -- 'echo up; sleep 3'
}

# expect_clean DESC ENV: the session worked, no marker, no bad variable.
expect_clean() {
	local what=$1 env=$2 bad
	bad=$(grep -E '^(LD_[A-Z_]*|BASH_ENV|ENV|PATH=/home|LANG=/|LC_[A-Z]*=/|TZ=:?/|SSH_AUTH_SOCK|XAUTHORITY|DISPLAY|JB_[A-Z]*)=?' <<<"$env";
		grep '^SESSION-FAILED' <<<"$env")
	if [ -z "$bad" ] && [ -z "$(marks)" ] && grep -q "^HOME=$JHOME$" <<<"$env"; then
		ok "$what"
	else
		not_ok "$what"
		{ echo "bad variables: $bad"; echo "marks: $(marks)"; echo "env:"; echo "$env"; } | diag
	fi
}

# --- ~/.pam_environment and ~/.ssh/rc, written from inside the jail
ssh_as "$JU" "cat > ~/.pam_environment; mkdir -p ~/.ssh; printf 'touch ~/jb-rc-ran\n' > ~/.ssh/rc" <<EOF
LD_PRELOAD=$HOOK
LD_LIBRARY_PATH=$JHOME
PATH=$JHOME/bin
BASH_ENV=$JHOME/x.sh
ENV=$JHOME/x.sh
LC_MESSAGES=$JHOME/loc
TZ=:$JHOME/tz
JB_PLANTED=yes
LANGUAGE=fr
EOF
clear_marks
out=$(ssh_as "$JU" cat /etc/jaula-ssh-rootfs 2>&1)
expect_eq "with ~/.pam_environment and ~/.ssh/rc the jailed login still works" "jaula ssh test rootfs" "$out"
expect_eq "... no host process loaded the user's LD_PRELOAD" "" "$(marks)"
if [ -e "$JHOME/jb-rc-ran" ]; then not_ok "... ~/.ssh/rc is not run (PermitUserRC no)"
else ok "... ~/.ssh/rc is not run (PermitUserRC no)"; fi
env=$(jailsh_env)
expect_clean "... sshd's child got none of ~/.pam_environment's LD_*, PATH, BASH_ENV, ENV, file-naming locale or TZ" "$env"
expect_match "... an allowed, host-safe value passes (LANGUAGE=fr)" $'(^|\n)LANGUAGE=fr(\n|$)' "$env"

# --- X11 forwarding: xauth would run on the host (with ~/.pam_environment
# still in place, without ~/.ssh/rc, so a marker would be xauth's shell)
ssh_as "$JU" 'rm -f ~/.ssh/rc'
clear_marks
rm -f "$JHOME/.Xauthority"
# Trusted: an untrusted request needs a cookie from a live X server, and
# without one (none runs here) the client never asks, so sshd would have
# nothing to refuse; a trusted one asks with made-up data.
out=$(DISPLAY=:0 ssh_as "$JU" -X -oForwardX11Trusted=yes -v -- 'cat /etc/jaula-ssh-rootfs; echo "DISPLAY=${DISPLAY:-none}"' 2>"$JB_DIR/x11.err")
expect_match "ssh -X: the client asks for X11 forwarding" "Requesting X11 forwarding" "$(cat "$JB_DIR/x11.err")"
expect_eq "ssh -X: the login works, without a DISPLAY (X11Forwarding no)" \
	"jaula ssh test rootfs DISPLAY=none" "$(echo $out)"
if [ -z "$(marks)" ] && [ ! -e "$JHOME/.Xauthority" ]; then ok "... xauth did not run on the host"
else not_ok "... xauth did not run on the host"; { marks; ls -l "$JHOME/.Xauthority"; } 2>&1 | diag; fi

# --- the pam-auth-update layout: pam_jaula in common-session, where
# Debian's /etc/pam.d/sshd runs pam_env user_readenv=1 AFTER it, and the
# line README asks for at the end of /etc/pam.d/sshd, which scrubs again.
# Real PAM (pam_login) in a test confdir: copies of the host's stacks.
if [ -x "$DRIVER" ]; then
	pd=$JB_DIR/pam.d-pau
	mkdir -m 0755 -p "$pd"
	for f in common-auth common-account common-password other; do cp "/etc/pam.d/$f" "$pd/$f"; done
	line="session requisite $TOP/pam_module/pam_jaula.so config=$JB_POLICY jailsh=$JB_JAILSH"
	{ cat /etc/pam.d/common-session; echo "$line"; } > "$pd/common-session"
	{ _stock_file /etc/pam.d/sshd; echo "$line"; } > "$pd/sshd"
	clear_marks
	env=$(jailsh_env_of "$DRIVER" -C "$pd" -s sshd "$JU" -c 'echo up; sleep 3')
	expect_clean "pam-auth-update layout plus the last line of sshd: ~/.pam_environment is scrubbed" "$env"
else
	skip "pam-auth-update layout: tests/helpers/pam_login is not built (make check builds it)"
fi

# --- ~/.ssh/environment and environment="" in authorized_keys
ssh_as "$JU" "rm -f ~/.pam_environment; printf 'LD_PRELOAD=%s\nBASH_ENV=%s\n' $HOOK $JHOME/x.sh > ~/.ssh/environment"
kf=$SSHD_DIR/keys/$JU.pub
cp "$kf" "$kf.orig"
printf 'environment="LD_PRELOAD=%s",environment="JB_KEYENV=1" %s\n' "$HOOK" "$(cat "$kf.orig")" > "$kf"
clear_marks
env=$(jailsh_env)
expect_clean "~/.ssh/environment and authorized_keys environment=: nothing reaches sshd's child" "$env"
cp "$kf.orig" "$kf"

# --- SetEnv / SendEnv (Debian's stock AcceptEnv LANG LC_*)
clear_marks
env=$(LD_PRELOAD= BASH_ENV=$JHOME/x.sh jailsh_env "-oSetEnv=LD_PRELOAD=$HOOK JB_SETENV=1" -oSendEnv=BASH_ENV)
expect_clean "SetEnv LD_PRELOAD, SendEnv BASH_ENV: refused by sshd" "$env"

# --- agent forwarding
agent_sock=$JB_DIR/agent.sock
ssh-agent -a "$agent_sock" > "$JB_DIR/agent.env" 2>&1
agent_pid=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' "$JB_DIR/agent.env")
if [ -z "$agent_pid" ]; then
	skip "ssh -A: cannot start an ssh-agent"
else
	on_exit "kill $agent_pid 2>/dev/null"
	SSH_AUTH_SOCK=$agent_sock ssh-add -q "$JB_DIR/ukeys/$JU" 2>/dev/null
	before=$(find /tmp -maxdepth 2 -user "$JUID" -name 'agent.*' 2>/dev/null)
	clear_marks
	env=$(SSH_AUTH_SOCK=$agent_sock jailsh_env -A)
	after=$(cat "$JB_DIR/agent.during")
	expect_clean "ssh -A: no SSH_AUTH_SOCK for the jailed session" "$env"
	expect_eq "... and no agent socket of the user's in the host's /tmp" "$before" "$after"
fi

# --- a tun device (ssh -w).  The client opens its own tun device first:
# it runs in a network namespace of its own, and reaches the test sshd
# through a Unix socket relayed to 127.0.0.1.
if ! command -v socat >/dev/null; then
	skip "ssh -w: socat is not installed"
else
	socat UNIX-LISTEN:"$JB_DIR/relay.sock",fork TCP:127.0.0.1:"$PORT" </dev/null >/dev/null 2>&1 &
	relay=$!
	on_exit "kill $relay 2>/dev/null"
	for i in $(seq 1 50); do [ -S "$JB_DIR/relay.sock" ] && break; sleep 0.05; done
	tuns_before=$(ip -o link show type tun 2>/dev/null | awk -F': ' '{print $2}')
	clear_marks
	out=$(unshare -n ssh -F none -i "$JB_DIR/ukeys/$JU" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=15 \
		-o "ProxyCommand=socat - UNIX-CONNECT:$JB_DIR/relay.sock" -o Tunnel=point-to-point \
		-o TunnelDevice=any:any -v "$JU@jaula-relay" cat /etc/jaula-ssh-rootfs 2>&1)
	tuns_after=$(ip -o link show type tun 2>/dev/null | awk -F': ' '{print $2}')
	[ -n "${JB_VERBOSE:-}" ] && echo "$out" | diag
	expect_match "ssh -w: the login works" "jaula ssh test rootfs" "$out"
	expect_match "... the tunnel is refused by sshd (PermitTunnel no)" "Remote: Server has rejected tunnel device forwarding" "$out"
	expect_eq "... no tun device appeared on the host" "$tuns_before" "$tuns_after"
	expect_eq "... no marker" "" "$(marks)"
fi

# --- the systemd-user PAM service: user@UID.service's host user manager.
# Debian's /usr/lib/pam.d/systemd-user plus README's line, in a test
# confdir with copies of the host's common stacks it includes.
if [ ! -x "$DRIVER" ]; then
	skip "systemd-user: tests/helpers/pam_login is not built (make check builds it)"
elif [ ! -e /usr/lib/pam.d/systemd-user ]; then
	skip "systemd-user: /usr/lib/pam.d/systemd-user is not installed (systemd)"
else
	pd=$JB_DIR/pam.d
	mkdir -m 0755 -p "$pd"
	for f in common-account common-session-noninteractive common-auth common-session other; do
		cp "/etc/pam.d/$f" "$pd/$f"
	done
	{ cat /usr/lib/pam.d/systemd-user
	  echo "session requisite $TOP/pam_module/pam_jaula.so config=$JB_POLICY jailsh=$JB_JAILSH"; } > "$pd/systemd-user"
	rm -f "$JB_DIR/ran"
	with_syslog "$JB_DIR/su-syslog" "$DRIVER" -C "$pd" -s systemd-user "$JU" -c "touch $JB_DIR/ran" > "$JB_DIR/su-out" 2>&1
	rc=$?
	if [ $rc = 90 ] && [ ! -e "$JB_DIR/ran" ]; then ok "systemd-user: a jailed user's session is refused (no host user manager)"
	else not_ok "systemd-user: a jailed user's session is refused (no host user manager)"
		{ echo "rc=$rc (90 = refused)"; cat "$JB_DIR/su-out"; } | diag; fi
	expect_match "... with the reason in syslog" \
		"pam_jaula\\(systemd-user:session\\): Refusing user '$JU' \\(rule 'jaula-test'\\): service 'systemd-user' starts a service manager on the host" \
		"$(syslog_lines "$JB_DIR/su-syslog")"
	out=$("$DRIVER" -C "$pd" -s systemd-user "$FU" -c 'echo JB-OK' 2>&1); rc=$?
	expect_eq "... an unmatched user's systemd-user session still opens" "0 JB-OK" "$rc $(grep -v '^pam_login:' <<<"$out" | tail -1)"
fi

expect_jails_gone "nothing of the jail is left" 10
finish
