#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-53 — file transfer into a jail through Debian's real sshd: sftp, scp in
# SFTP mode and in legacy mode (-O), rsync.  Each runs `jailsh -c …`, so the
# server side (sftp-server, scp, rsync) runs inside the jail, from its rootfs.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
need_cmd sftp scp rsync cmp
jailed_sshd_setup 1
mapfile -t OPTS < <(ssh_opts "$JU")
home=$(getent passwd "$JU" | cut -d: -f6)
head -c 300000 /dev/urandom > "$JB_DIR/blob"

landed() { # DESC NAME: NAME arrived in the user's home, intact and theirs
	local f=$home/$2
	if cmp -s "$JB_DIR/blob" "$f" && [ "$(stat -c %U "$f")" = "$JU" ]; then ok "$1"
	else not_ok "$1"; ls -la "$home" 2>&1 | diag; fi
}
back() { # DESC FILE: FILE came back intact
	if cmp -s "$JB_DIR/blob" "$2"; then ok "$1"; else not_ok "$1"; ls -la "$2" 2>&1 | diag; fi
}

printf 'put %s/blob via-sftp\nget via-sftp %s/from-sftp\n' "$JB_DIR" "$JB_DIR" > "$JB_DIR/batch"
out=$(sftp "${OPTS[@]}" -b "$JB_DIR/batch" "$JU@127.0.0.1" 2>&1) || echo "$out" | diag
landed "sftp put lands in the user's home" via-sftp
back "sftp get returns it" "$JB_DIR/from-sftp"

out=$(scp "${OPTS[@]}" -s "$JB_DIR/blob" "$JU@127.0.0.1:via-scp-sftp" 2>&1) || echo "$out" | diag
landed "scp (SFTP mode) upload" via-scp-sftp
out=$(scp "${OPTS[@]}" -s "$JU@127.0.0.1:via-scp-sftp" "$JB_DIR/from-scp-sftp" 2>&1) || echo "$out" | diag
back "scp (SFTP mode) download" "$JB_DIR/from-scp-sftp"
out=$(scp "${OPTS[@]}" -O "$JB_DIR/blob" "$JU@127.0.0.1:via-scp-legacy" 2>&1) || echo "$out" | diag
landed "scp -O (legacy scp protocol) upload" via-scp-legacy
out=$(scp "${OPTS[@]}" -O "$JU@127.0.0.1:via-scp-legacy" "$JB_DIR/from-scp-legacy" 2>&1) || echo "$out" | diag
back "scp -O download" "$JB_DIR/from-scp-legacy"

rsh="ssh -F none -i $JB_DIR/ukeys/$JU -p $PORT -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
out=$(rsync -a -e "$rsh" "$JB_DIR/blob" "$JU@127.0.0.1:via-rsync" 2>&1) || echo "$out" | diag
landed "rsync upload" via-rsync
out=$(rsync -a -e "$rsh" "$JU@127.0.0.1:via-rsync" "$JB_DIR/from-rsync" 2>&1) || echo "$out" | diag
back "rsync download" "$JB_DIR/from-rsync"

# The server side really ran in the jail: the rootfs has its own sftp-server
# and rsync; the host copies are never executed for the jailed user.
out=$(ssh_as "$JU" 'ls /usr/lib/openssh/sftp-server /usr/bin/rsync && cat /etc/jaula-ssh-rootfs' 2>&1 | tail -1)
expect_eq "sftp-server and rsync come from the jail's rootfs" "jaula ssh test rootfs" "$out"
printf 'ls /etc/jaula-ssh-rootfs\n' > "$JB_DIR/batch2"
out=$(sftp "${OPTS[@]}" -b "$JB_DIR/batch2" "$JU@127.0.0.1" 2>&1)
expect_match "sftp sees the jail's file system, not the host's" "/etc/jaula-ssh-rootfs" "$out"
expect_jails_gone "every transfer's jail is gone after the logouts" 5
finish
