#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# demo.sh — jaula end to end on a fresh Debian 12, as root: install the
# dependencies, build, make a rootfs, create a demo user, install into a
# staging directory, write a demo policy, log the user in over SSH through
# real PAM (a private sshd on 127.0.0.1) into a jail, and show what the user
# sees beside what `jaula list` shows.  Everything it creates is removed at
# the end, also on failure or ^C.
#
#   scripts/demo.sh [--quick] [--no-deps] [--keep]
#     --quick    a busybox rootfs (about a second) instead of a debootstrap
#                minbase one built with `jaula mkroot` (a few minutes)
#     --no-deps  skip scripts/install-deps.sh
#     --keep     wait for Enter before cleaning up (to look around)
#
# A step that cannot work on this machine says NOT AVAILABLE with the
# reason, and the demo goes on with what still can; nothing is faked.
# Exit status: 0 when every step worked, 1 otherwise.
set -uo pipefail

QUICK=0 DEPS=1 KEEP=0
for a in "$@"; do
	case $a in
	--quick) QUICK=1 ;;
	--no-deps) DEPS=0 ;;
	--keep) KEEP=1 ;;
	-h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option '$a' (see --help)" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "demo: run me as root (sudo $0)" >&2; exit 1; }
TOP=$(cd "$(dirname "$0")/.." && pwd)

DEMO_USER=jaula-demo
DEMO_GROUP=jaula-demo
BRIDGE=jb-demo0
SUBNET=10.254.213.0/24
SVC=jaula-demo-sshd # sshd's PAM service is its program name
failed=0
JAIL_SHELL=/bin/sh
created_user=0 created_group=0 created_pam=0 sshd_pid=
had_nft_table=1 # set after the install: nft may be missing before it

START=$(date +%s)
say() { printf '\n=== %s  [%ss]\n' "$*" "$(( $(date +%s) - START ))"; }
info() { printf 'demo: %s\n' "$*"; }
na() { printf 'demo: NOT AVAILABLE: %s\n' "$*"; failed=1; }
indent() { sed 's/^/    /'; }
jails_left() { # any jail directory in the registry?
	local d
	for d in "$STATE"/jails/*/; do [ -d "$d" ] && return 0; done
	return 1
}

if getent passwd "$DEMO_USER" >/dev/null || getent group "$DEMO_GROUP" >/dev/null; then
	echo "demo: '$DEMO_USER' already exists; remove it (or an unfinished demo) first" >&2
	exit 1
fi
if ip link show "$BRIDGE" >/dev/null 2>&1; then
	echo "demo: the bridge '$BRIDGE' already exists (another demo running?)" >&2
	exit 1
fi

DEMO=$(mktemp -d /tmp/jaula-demo.XXXXXX)
# Users traverse it to reach jailsh and their home; nothing in it is theirs
# to write but the home.
chmod 0755 "$DEMO"
STAGE=$DEMO/stage
STATE=$DEMO/state
POLICY=$STAGE/etc/jaula/jaula.conf
JAULA=$STAGE/usr/sbin/jaula
JAILSH=$STAGE/usr/sbin/jailsh

cleanup() {
	local id
	trap - EXIT INT TERM
	say "Cleaning up"
	if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null; wait "$sshd_pid" 2>/dev/null; fi
	if [ -x "$JAULA" ] && [ -d "$STATE/jails" ]; then
		for id in "$STATE"/jails/*/; do
			[ -d "$id" ] || continue
			id=$(basename "$id")
			"$JAULA" stop --state-dir "$STATE" "$id" >/dev/null 2>&1 && info "stopped jail $id"
		done
	fi
	# sshd's per-connection processes (and a jail's monitor forked from
	# one) finish on their own once the listener and the jails are gone;
	# wait for them, bounded, so that nothing of the demo outlives it.
	for _ in $(seq 100); do
		pgrep -f "$SVC" >/dev/null || break
		sleep 0.1
	done
	[ $created_pam = 1 ] && rm -f "/etc/pam.d/$SVC" && info "removed /etc/pam.d/$SVC"
	if [ $created_user = 1 ]; then
		pkill -KILL -u "$DEMO_USER" 2>/dev/null
		userdel -f "$DEMO_USER" 2>/dev/null && info "removed user $DEMO_USER"
	fi
	[ $created_group = 1 ] && groupdel "$DEMO_GROUP" 2>/dev/null && info "removed group $DEMO_GROUP"
	ip link del "$BRIDGE" 2>/dev/null && info "removed bridge $BRIDGE"
	# jaula's nftables table: the demo's bridge's elements, and the table
	# itself if the demo made it and nobody else has elements in it.
	if [ "$had_nft_table" = 0 ]; then
		"$TOP/scripts/nft-forget-bridges" --drop-empty-table "$BRIDGE"
		nft list table inet jaula >/dev/null 2>&1 || info "removed nftables table inet jaula"
	else
		"$TOP/scripts/nft-forget-bridges" "$BRIDGE" && info "removed $BRIDGE's entries from nftables table inet jaula"
	fi
	# The jail's cgroups went with it; the group node is ours too.
	for d in /sys/fs/cgroup/*/jaula/demo /sys/fs/cgroup/jaula/demo; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	rm -rf "$DEMO" && info "removed $DEMO"
	if [ $failed = 0 ]; then info "done: every step worked"; else info "done: some steps were NOT AVAILABLE (see above)"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
say "1/8 Dependencies"
if [ $DEPS = 1 ]; then
	"$TOP/scripts/install-deps.sh" 2>&1 | indent || { na "scripts/install-deps.sh failed"; exit 1; }
else
	info "skipped (--no-deps)"
fi
nft list table inet jaula >/dev/null 2>&1 || had_nft_table=0

# ---------------------------------------------------------------------------
say "2/8 Build"
# Built in a private copy: a non-root caller of jailsh cannot choose its
# policy, it always reads the compiled-in path, which here must be the
# demo's policy and not /etc/jaula/jaula.conf.
mkdir "$DEMO/src"
tar -C "$TOP" --exclude=.git --exclude='*.o' --exclude='*.a' --exclude='*.so' \
	--exclude=./cli/jaula --exclude=./shell/jailsh --exclude=./debian/jaula \
	-cf - . | tar -C "$DEMO/src" -xf -
if ! make -C "$DEMO/src" -j"$(nproc)" all \
	CFLAGS="-O2 -g -DJAULA_DEFAULT_CONFIG=\\\"$POLICY\\\"" > "$DEMO/build.log" 2>&1; then
	tail -20 "$DEMO/build.log" | indent
	na "the build failed"
	exit 1
fi
info "built libjaula, pam_jaula.so, jailsh and jaula (log: make -C src)"

# ---------------------------------------------------------------------------
say "3/8 Kernel"
"$DEMO/src/cli/jaula" check-kernel > "$DEMO/kernel.txt" 2>&1
kr=$?
grep -E 'MISSING|UNKNOWN' "$DEMO/kernel.txt" | grep -v '(optional)' | indent
tail -1 "$DEMO/kernel.txt" | indent
[ $kr = 0 ] || na "required kernel features are missing: jails may not start"

# ---------------------------------------------------------------------------
say "4/8 Root file system"
ROOTFS=$DEMO/rootfs
if [ $QUICK = 1 ]; then
	# shellcheck source=../tests/integration/rootfs.sh
	source "$TOP/tests/integration/rootfs.sh"
	if busybox_rootfs "$ROOTFS" > /dev/null; then
		chmod 0755 "$ROOTFS"
		info "busybox rootfs in $ROOTFS (--quick)"
		JAIL_SHELL=/bin/sh
	else
		na "no busybox rootfs (apt-get install busybox-static)"
	fi
else
	info "jaula mkroot: debootstrap minbase, with sftp-server, rsync, iproute2, procps (a few minutes)"
	"$DEMO/src/cli/jaula" mkroot --include iproute2,procps "$ROOTFS" > "$DEMO/mkroot.log" 2>&1
	mr=$?
	grep -E '^(jaula mkroot|I: Base system installed|E: )' "$DEMO/mkroot.log" | indent
	if [ $mr = 0 ]; then
		JAIL_SHELL=/bin/bash
		sed 's/^/record: /' "$ROOTFS/.jaula-rootfs" | indent
	else
		tail -5 "$DEMO/mkroot.log" | indent
		na "jaula mkroot failed (exit status $mr)"
	fi
fi
[ -d "$ROOTFS/bin" ] || { na "no rootfs: nothing to jail into"; exit 1; }

# ---------------------------------------------------------------------------
say "5/8 Install into $STAGE"
make -C "$DEMO/src" install DESTDIR="$STAGE" PREFIX=/usr > "$DEMO/install.log" 2>&1 ||
	{ tail "$DEMO/install.log" | indent; na "make install failed"; exit 1; }
PAM_SO=$(find "$STAGE" -name pam_jaula.so | head -1)
( cd "$STAGE" && find . -type f | sort ) | indent
ls -l "$JAILSH" | indent
if [ "$(findmnt -no OPTIONS --target "$STAGE" | grep -c nosuid)" != 0 ]; then
	na "$STAGE is on a nosuid mount: the setuid jailsh cannot work there"
fi

# ---------------------------------------------------------------------------
say "6/8 Demo user, group and policy"
groupadd "$DEMO_GROUP" && created_group=1
mkdir -p "$DEMO/home"
useradd -g "$DEMO_GROUP" -d "$DEMO/home/$DEMO_USER" -m -s "$JAILSH" -c "jaula demo" "$DEMO_USER" && created_user=1
usermod -p '*' "$DEMO_USER" # no password, not locked: key login only
getent passwd "$DEMO_USER" | indent
cat > "$POLICY" <<EOF
# The demo policy: $DEMO_USER (group $DEMO_GROUP) is jailed, nobody else.
global = { state_dir = "$STATE"; default_shell = "$JAIL_SHELL";
           persistent_dir = "$DEMO/persistent"; include_dir = "$STAGE/etc/jaula/conf.d"; };
rootfs = { demo = { path = "$ROOTFS"; type = "directory"; arch = "amd64"; }; };
networks = { demo = { bridges = [ "$BRIDGE" ]; subnet = "$SUBNET"; addresses = "stable"; }; };
profiles = {
        demo = {
                rootfs = "demo";
                hostname = "demo-%u";
                writable = "tmpfs";
                network = "demo";
                limits = { memory = "256M"; pids = 128; cpu = "50%"; };
        };
};
match = ( { name = "demo"; groups = [ "$DEMO_GROUP" ]; profile = "demo"; } );
EOF
chmod 0644 "$POLICY"
sed 's/^/    /' "$POLICY"
"$JAULA" check-config "$POLICY" 2>&1 | indent
"$JAULA" explain --config "$POLICY" "$DEMO_USER" 2>&1 | indent || na "jaula explain failed"

# ---------------------------------------------------------------------------
say "7/8 Log in over SSH through PAM into the jail"
SSHD=$DEMO/sshd
mkdir -m 0711 "$SSHD" && mkdir -m 0711 "$SSHD/keys" && mkdir -m 0700 "$SSHD/priv"
ssh-keygen -q -t ed25519 -N '' -f "$SSHD/priv/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$SSHD/priv/user_key"
install -m 0644 "$SSHD/priv/user_key.pub" "$SSHD/keys/$DEMO_USER.pub"
ln -s /usr/sbin/sshd "$SSHD/$SVC"
cat > "/etc/pam.d/$SVC" <<EOF
# jaula demo sshd service (scripts/demo.sh removes it)
@include common-auth
account required pam_nologin.so
@include common-account
session required pam_loginuid.so
@include common-session
session requisite $PAM_SO config=$POLICY jailsh=$JAILSH
EOF
created_pam=1
info "PAM service /etc/pam.d/$SVC, last line:"
tail -1 "/etc/pam.d/$SVC" | indent
for _ in $(seq 50); do # a free port on 127.0.0.1
	PORT=$((20000 + RANDOM % 30000))
	ss -Htanl "sport = :$PORT" 2>/dev/null | grep -q . || break
done
cat > "$SSHD/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $SSHD/priv/host_key
PidFile $SSHD/sshd.pid
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $SSHD/keys/%u.pub
StrictModes no
AllowUsers $DEMO_USER
PermitRootLogin no
UseDNS no
PrintMotd no
PrintLastLog no
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
sed "s/^Match Group jailed/Match Group $DEMO_GROUP/" "$TOP/conf/sshd_config.d-jaula.conf" >> "$SSHD/sshd_config"
# sshd needs its privilege separation directory /run/sshd, which only the
# host's service creates: without it, sshd gets a private /run.
launch=(bash -c 'exec "$@"' sshd)
if [ ! -d /run/sshd ]; then
	mkdir -p "$SSHD/run/sshd"
	launch=(unshare -m --propagation private bash -c 'mount --bind "$0" /run && exec "$@"' "$SSHD/run")
fi
"${launch[@]}" "$SSHD/$SVC" -D -E "$SSHD/sshd.log" -f "$SSHD/sshd_config" &
sshd_pid=$!
for _ in $(seq 100); do
	ss -Htnl "sport = :$PORT" 2>/dev/null | grep -q . && break
	sleep 0.05
done
ssh_demo() {
	ssh -F none -i "$SSHD/priv/user_key" -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ConnectTimeout=15 "$DEMO_USER@127.0.0.1" "$@"
}
if ! ss -Htnl "sport = :$PORT" | grep -q .; then
	tail -5 "$SSHD/sshd.log" | indent
	na "sshd did not start"
else
	info "sshd on 127.0.0.1:$PORT (service $SVC); ssh $DEMO_USER@127.0.0.1 …"
	# One session that stays while we look from the host: it reads until
	# we close its input, then logs out.
	mkfifo "$DEMO/hold"
	ssh_demo 'echo ready; exec cat > /dev/null' < "$DEMO/hold" > "$DEMO/session.out" 2>&1 &
	bg=$!
	exec 7> "$DEMO/hold"
	for _ in $(seq 150); do grep -q ready "$DEMO/session.out" 2>/dev/null && break; sleep 0.1; done
	inside=$(ssh_demo '
		echo "hostname:   $(hostname)"
		echo "PID 1:      $(cat /proc/1/comm)"
		echo "whoami:     $(id)"
		echo "processes:  $(ls -d /proc/[0-9]* | wc -l) visible"
		grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status | sed "s/^/status:     /"
		echo "root dir:   $(ls / | tr "\n" " ")"
		echo "ip addr:"; ip -4 addr 2>&1 | sed "s/^/  /"
		echo "ip route:"; ip route 2>&1 | sed "s/^/  /"
		echo "mount:      $(mount | grep -c .) mounts, / is $(mount | awk "\$3==\"/\"{print \$5; exit}")"
		echo "try mount:  $(mkdir -p /tmp/m; mount -t tmpfs x /tmp/m 2>&1 | head -1)"
	' 2>&1)
	rc=$?
	if [ $rc = 0 ] && grep -q "^hostname:   demo-$DEMO_USER" <<<"$inside"; then
		info "what $DEMO_USER sees inside (ssh, exit status $rc):"
		printf '%s\n' "$inside" | indent
		say "… and what the host sees at the same time"
		info "jaula list --state-dir $STATE"
		"$JAULA" list --state-dir "$STATE" 2>&1 | indent
		id=$("$JAULA" list --state-dir "$STATE" --json | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1)
		if [ -n "$id" ]; then
			info "jaula show $id"
			"$JAULA" show --state-dir "$STATE" "$id" 2>&1 | indent
			info "jaula bridges"
			"$JAULA" bridges --state-dir "$STATE" 2>&1 | indent
			info "jaula enter $id -- ps ax (as root inside the jail)"
			"$JAULA" enter --state-dir "$STATE" "$id" -- ps ax 2>&1 | indent
		else
			na "jaula list shows no jail"
		fi
		info "sshd's log:"
		grep -E 'Accepted|session opened' "$SSHD/sshd.log" | tail -2 | indent
	else
		printf '%s\n' "$inside" | indent
		tail -5 "$SSHD/sshd.log" | indent
		na "a jailed login over SSH (ssh exit status $rc)"
	fi
	exec 7>&-
	wait "$bg" 2>/dev/null
	# The last session is gone: so is the jail (lifetime "session").
	for _ in $(seq 100); do
		jails_left || break
		sleep 0.1
	done
	after=$("$JAULA" list --state-dir "$STATE" | tail -n +2)
	info "after the last logout, jaula list: $after"
	[ "$after" = "(no jails)" ] || na "the jail outlived its last session"
fi

# ---------------------------------------------------------------------------
say "8/8 Done"
if [ $KEEP = 1 ]; then
	info "--keep: look around ($DEMO), then press Enter to clean up"
	read -r _ || true
fi
exit $failed
