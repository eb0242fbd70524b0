#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-17: the real thing — a debootstrap minbase rootfs with bash as the
# jail's shell, names everywhere, and interactive use on a pty the way sshd
# hands it over: tty names the device, /dev/tty prompts work, job control
# works, and the jail can allocate ptys of its own.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
need_cmd script

U=$(new_user a) || skip_all "cannot create a user"
DEB=$(debootstrap_rootfs) || skip_all "cannot build the debootstrap rootfs (network?)"
POLICY_ROOTFS=$DEB policy "$CONF" "$U" 'shell = "/bin/bash"; home = "/home/%u";'

out=$(jail "$U" 'echo "$BASH_VERSION"; id; whoami; ls -l /home; cat /etc/debian_version; pwd')
expect_match "bash from the rootfs runs" "^5\." "$out"
expect_match "id shows names" "uid=$(id -u "$U")\($U\) gid=[0-9]+\($U\)" "$out"
expect_line "whoami works" "$U" "$out"
expect_match "ls -l /home shows the owner by name" "drwx.* $U +$U .* $U" "$out"
expect_line "pwd is the home at its jail path" "/home/$U" "$out"
expect_match "the rootfs is the debootstrap one" "^12\.|"$'\n'"12\." "$out"

# A login shell: bash reads the rootfs's profile.
out=$(echo 'echo "argv0=$0 login=$(shopt -q login_shell && echo yes)"' | (exec -a -jailsh "$JAILSH" --config "$CONF" --user "$U") 2>&1)
expect_match "argv0 '-jailsh' gives a bash login shell" "argv0=-bash login=yes" "$out"

# On a pty (script(1) allocates one in the host's devpts, as sshd does; the
# jail has a devpts of its own, so the pty is bound in as /dev/console).
pty_run() { # CMD: run jailsh -c CMD on a fresh pty; stdin goes to the pty
	script -qefc "$JAILSH --config $CONF --user $U -c $(printf '%q' "$1")" /dev/null
}
out=$(pty_run 'tty; test -t 0 && echo stdin-is-tty' < /dev/null | tr -d '\r')
expect_line "tty names the session's pty (bound in as /dev/console)" "/dev/console" "$out"
expect_line "stdin is a terminal" "stdin-is-tty" "$out"
out=$(printf 'secret-answer\n' | pty_run 'echo via-dev-tty > /dev/tty; read -r x < /dev/tty; echo "got=$x"' | tr -d '\r')
expect_line "writing to /dev/tty works" "via-dev-tty" "$out"
expect_line "a prompt on /dev/tty reads the terminal" "got=secret-answer" "$out"
out=$(pty_run 'bash -ic "sleep 30 & jobs; kill %1; wait; echo jc-done" 2>&1' < /dev/null | tr -d '\r')
if [[ "$out" == *"no job control"* ]] || [[ "$out" == *"cannot set terminal process group"* ]]; then
	not_ok "interactive bash gets job control"; echo "$out" | diag
else
	ok "interactive bash gets job control"
fi
expect_match "jobs lists the background job" "\[1\]\+? *Running +sleep 30" "$out"
expect_line "and it finishes" "jc-done" "$out"
out=$(pty_run 'script -qc "tty" /dev/null' < /dev/null | tr -d '\r\000')
expect_match "the jail can allocate a pty of its own (script inside)" "/dev/pts/[0-9]+$" "$out"
wait_gone; expect_eq "no jail left" 0 "$(jails_left)"
finish
