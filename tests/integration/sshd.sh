# SPDX-License-Identifier: LGPL-2.1-or-later
# sshd.sh — a private sshd for end-to-end login tests (sourced, bash,
# after tests/lib.sh; root).  Debian's real /usr/sbin/sshd on 127.0.0.1, a
# free port, its own host key, authorized keys and PAM service, which are
# Debian's stock sshd_config and /etc/pam.d/sshd plus only what README
# tells an administrator to add (see start_sshd); it never touches the
# host's sshd, /etc/ssh or /etc/pam.d/sshd.
#
#   install_jailsh                 build a test jailsh whose policy is this
#                                  test's (JB_DIR/etc/jaula.conf), setuid
#                                  root in a root-only dir users can
#                                  traverse; sets JB_JAILSH (the login
#                                  shell of test users)
#   start_sshd PORT_VAR            start sshd; the port goes into PORT_VAR.
#                                  Inputs (set before the call):
#                                    SSHD_PAM_ARGS   pam_jaula.so options, e.g.
#                                                    "config=$policy jailsh=$JB_JAILSH";
#                                                    unset: no pam_jaula line
#                                    SSHD_JAIL_GROUP group for the Match block
#                                                    of conf/sshd_config.d-jaula.conf
#                                    SSHD_EXTRA      extra sshd_config lines
#                                    SSHD_SYSLOG=1   catch syslog (below)
#   make_user NAME GROUP [SHELL]   throwaway user (+ group), SHELL defaults to
#                                  JB_JAILSH; sets JB_KEY, its private key
#                                  (JB_DIR/ukeys/NAME)
# Call these directly, never inside $(…) or a pipeline: they register their
# cleanup with on_exit, which a subshell would lose.
#   ssh_as USER [ssh args…] CMD…   ssh USER@127.0.0.1 through that sshd
#   sshd_service                   the PAM service sshd used (from syslog)
#   stop_sshd                      stop it (also done by the EXIT trap)
#
# Without the host's /run/sshd, sshd runs in a private mount namespace
# whose /run is a test directory (sshd refuses to start without it).
# sshd uses its program name as PAM service, so it is started through a
# symlink named jaula-sshd-TAG, with /etc/pam.d/jaula-sshd-TAG beside the
# host's files; `sshd_service` shows the name that really reached PAM
# (sshd re-execs itself by its argv[0] path, which keeps the link name).
#
# ssh_rootfs prints a debootstrap rootfs with openssh-sftp-server and rsync
# (sftp, scp and rsync run `jailsh -c …` inside the jail), built once from
# tests/integration/rootfs.sh's debootstrap_rootfs and cached.

source "$(dirname "${BASH_SOURCE[0]}")/rootfs.sh"

SSHD_DIR=
SSHD_PID=
SSHD_PORT=
SSHD_SERVICE=
JB_JAILSH=${JB_JAILSH:-}
JB_DIR=

# Tools that edit /etc/passwd lock it; other test runs may hold the lock.
_retry() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$@" && return 0
		sleep 0.$((RANDOM % 9 + 1))
	done
	"$@"
}

_jb_dir() {
	if [ -z "$JB_DIR" ]; then
		JB_DIR=$(mktemp -d /tmp/jaula-sshd.XXXXXX) || return 1
		on_exit "rm -rf '$JB_DIR'"
		# Users traverse it (keys, jailsh) but cannot list or write it.
		chmod 0711 "$JB_DIR"
	fi
}

install_jailsh() {
	_jb_dir || return 1
	[ -n "$JB_JAILSH" ] && [ -u "$JB_JAILSH" ] && return 0
	# A non-root caller of jailsh cannot choose its policy: it always reads
	# JAULA_DEFAULT_CONFIG.  The test copy is built from the same sources
	# with that path pointing at this test's policy (write_policy's
	# JB_POLICY), so the installed /etc/jaula is never involved.
	local pkgs="pam libcap libseccomp libconfig libnl-3.0 libnl-route-3.0 libmnl libnftables"
	# shellcheck disable=SC2046
	cc -std=gnu11 -O2 -I"$TOP/include" $(pkg-config --cflags $pkgs) \
		-DJAULA_DEFAULT_CONFIG="\"$JB_DIR/etc/jaula.conf\"" -fPIE -pie \
		-o "$JB_DIR/jailsh.tmp" "$TOP"/shell/*.c "$TOP/common/libjaula.a" \
		-Wl,-z,relro,-z,now $(pkg-config --libs $pkgs) || return 1
	chown root:root "$JB_DIR/jailsh.tmp" && chmod 4755 "$JB_DIR/jailsh.tmp" || return 1
	mv "$JB_DIR/jailsh.tmp" "$JB_DIR/jailsh"
	JB_JAILSH=$JB_DIR/jailsh
}

_free_port() {
	local p used
	used=$(ss -Htanl 2>/dev/null | awk '{print $4}' | sed 's/.*://')
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		grep -qx "$p" <<<"$used" || { echo "$p"; return 0; }
	done
	return 1
}

# _stock_file PATH: print PATH as the openssh-server package ships it, or
# fail saying why.  /etc/pam.d/sshd is a conffile: the host's copy if it
# still has the package's checksum, else the copy in apt's cached .deb of
# the installed version.  /etc/ssh/sshd_config is not a package file (the
# postinst copies /usr/share/openssh/sshd_config, which dpkg's md5sums
# cover): PATH is then that file.
_stock_file() {
	local path=$1 sum ver deb tmp
	if [ "$path" = /etc/pam.d/sshd ]; then
		sum=$(dpkg-query -W -f='${Conffiles}\n' openssh-server 2>/dev/null |
			awk '$1 == "/etc/pam.d/sshd" {print $2}')
	else
		sum=$(awk -v p="${path#/}" '$2 == p {print $1}' /var/lib/dpkg/info/openssh-server.md5sums 2>/dev/null)
	fi
	[ -n "$sum" ] || { echo "# no package checksum for $path (is openssh-server installed?)" >&2; return 1; }
	if [ "$(md5sum < "$path" 2>/dev/null | cut -d' ' -f1)" = "$sum" ]; then
		cat "$path"
		return 0
	fi
	ver=$(dpkg-query -W -f='${Version}' openssh-server)
	deb=/var/cache/apt/archives/openssh-server_${ver/:/%3a}_$(dpkg --print-architecture).deb
	tmp=$(dpkg-deb --fsys-tarfile "$deb" 2>/dev/null | tar -xOf - ".$path" 2>/dev/null)
	if [ -n "$tmp" ] && [ "$(printf '%s\n' "$tmp" | md5sum | cut -d' ' -f1)" = "$sum" ]; then
		printf '%s\n' "$tmp"
		return 0
	fi
	echo "# $path differs from openssh-server's and $deb has no verified copy:" \
		"refusing to test with a non-stock file" >&2
	return 1
}

# The test sshd_config is Debian's stock one (the package's
# /usr/share/openssh/sshd_config) with ONE line changed: its Include names
# the test's sshd_config.d instead of /etc/ssh/sshd_config.d.  That
# directory holds, in the order sshd reads them:
#   00-jaula-test.conf  what a private instance needs, and nothing else:
#     Port, ListenAddress 127.0.0.1, HostKey, PidFile   a second sshd beside
#                         the host's, with its own key and pid file
#     AuthorizedKeysFile  the test keys (root-owned, under /tmp)
#     StrictModes no      /tmp is mode 1777, which StrictModes rejects
#     AllowUsers jaula-*  only the test's throwaway users
#     MaxStartups, MaxSessions  t-57's 50 concurrent logins, t-54's
#                         multiplexed channels
#     SSHD_EXTRA          a test's own lines (none by default)
#   jaula.conf          conf/sshd_config.d-jaula.conf as shipped, its Match
#                       naming SSHD_JAIL_GROUP (only when that is set)
start_sshd() {
	local portvar=$1 d svc cfg i stock
	_jb_dir || return 1
	d=$JB_DIR/sshd-$TAG
	mkdir -m 0711 -p "$d" "$d/keys" || return 1
	mkdir -m 0700 -p "$d/priv"
	mkdir -m 0755 -p "$d/sshd_config.d"
	SSHD_DIR=$d
	svc=jaula-sshd-$TAG
	SSHD_SERVICE=$svc
	ssh-keygen -q -t ed25519 -N '' -f "$d/priv/host_key" || return 1
	ln -sf /usr/sbin/sshd "$d/$svc"

	on_exit "rm -f '/etc/pam.d/$svc' '/etc/pam.d/$svc.tmp'"
	_write_sshd_pam || return 1

	cfg=$d/sshd_config
	stock=$(_stock_file /usr/share/openssh/sshd_config) || return 1
	grep -qx 'Include /etc/ssh/sshd_config.d/\*.conf' <<<"$stock" ||
		{ echo "# the stock sshd_config has no Include of /etc/ssh/sshd_config.d" >&2; return 1; }
	sed "s|^Include /etc/ssh/sshd_config.d/\*.conf\$|Include $d/sshd_config.d/*.conf|" <<<"$stock" > "$cfg"
	SSHD_PORT=$(_free_port) || return 1
	cat > "$d/sshd_config.d/00-jaula-test.conf" <<-EOF
	Port $SSHD_PORT
	ListenAddress 127.0.0.1
	HostKey $d/priv/host_key
	PidFile $d/sshd.pid
	AuthorizedKeysFile $d/keys/%u.pub
	StrictModes no
	AllowUsers jaula-*
	MaxStartups 200:30:300
	MaxSessions 20
	${SSHD_EXTRA:-}
	EOF
	if [ -n "${SSHD_JAIL_GROUP:-}" ]; then
		sed "s/^Match Group jailed\$/Match Group $SSHD_JAIL_GROUP/" "$TOP/conf/sshd_config.d-jaula.conf" \
			> "$d/sshd_config.d/jaula.conf"
	fi
	_write_launcher "$d" > "$d/launch.sh" || return 1
	unshare -m --propagation private bash "$d/launch.sh" "$d/$svc" -D -E "$d/sshd.log" -f "$cfg" &
	SSHD_PID=$!
	on_exit "stop_sshd"
	for i in $(seq 1 100); do
		ss -Htnl "sport = :$SSHD_PORT" 2>/dev/null | grep -q . && break
		kill -0 "$SSHD_PID" 2>/dev/null || { echo "# sshd died:" >&2; tail -5 "$d/sshd.log" >&2; return 1; }
		sleep 0.05
	done
	printf -v "$portvar" '%s' "$SSHD_PORT"
}

# The private mount namespace of the test sshd.  /run: sshd needs its
# privilege separation directory /run/sshd, which only the host's service
# may create; without it, /run is a test directory here.  /dev/log (with
# SSHD_SYSLOG=1): the host has its own (or none); here a socat listener
# catches what sshd and the PAM modules send to syslog, in
# $d/syslog.log.  Everything else is the host's.
_write_launcher() {
	local d=$1
	echo 'set -e'
	if [ ! -d /run/sshd ]; then
		mkdir -p "$d/run/sshd"
		echo "mount --bind '$d/run' /run"
	fi
	if [ "${SSHD_SYSLOG:-0}" = 1 ]; then
		_devlog_script "$d" "$d/syslog.log"
	fi
	echo 'exec "$@"'
}

# Shell text that gives the current (private) mount namespace a /dev with
# the host's devices and pts but its own /dev/log, read by socat into LOG.
_devlog_script() {
	local d=$1 log=$2
	mkdir -p "$d/hostdev"
	cat <<-EOF
	mount --rbind /dev '$d/hostdev'
	mount -t tmpfs -o mode=0755 jaula-dev /dev
	for n in null zero full random urandom tty; do
		touch /dev/\$n; mount --bind '$d/hostdev/'\$n /dev/\$n
	done
	mkdir /dev/pts /dev/shm /dev/mqueue
	mount --rbind '$d/hostdev/pts' /dev/pts
	mount --rbind '$d/hostdev/shm' /dev/shm
	ln -s pts/ptmx /dev/ptmx
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin; ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
	: > '$log'
	(exec -a jaula-syslog socat -u UNIX-RECV:/dev/log,perm=0666 OPEN:'$log',append </dev/null >/dev/null 2>&1) &
	echo \$! > '$d/syslog.pid'
	i=0; while [ ! -S /dev/log ] && [ \$i -lt 100 ]; do sleep 0.02; i=\$((i + 1)); done
	EOF
}

# sshd_ns CMD…: run CMD in a mount namespace like the test sshd's (sshd -T
# needs /run/sshd too).
sshd_ns() {
	local d
	_jb_dir || return 1
	d=$(mktemp -d "$JB_DIR/ns.XXXXXX") || return 1
	SSHD_SYSLOG=0 _write_launcher "$d" > "$d/run.sh"
	unshare -m --propagation private bash "$d/run.sh" "$@"
}

# with_syslog LOG CMD…: run CMD in a private mount namespace whose
# /dev/log writes into LOG (how tests read what PAM modules log).
with_syslog() {
	local log=$1 d
	shift
	_jb_dir || return 1
	d=$(mktemp -d "$JB_DIR/ns.XXXXXX") || return 1
	{
		echo 'set -e'
		_devlog_script "$d" "$log"
		echo 'set +e; "$@"; rc=$?; sleep 0.2; kill $(cat '"'$d/syslog.pid'"') 2>/dev/null; exit $rc'
	} > "$d/run.sh"
	unshare -m --propagation private bash "$d/run.sh" "$@"
}

# The PAM service of the test sshd: Debian's stock /etc/pam.d/sshd
# (verified against the package, see _stock_file) plus exactly the line
# README tells an administrator to add, last, when SSHD_PAM_ARGS is set
# (its options name the test's policy and jailsh).  So pam_env with
# user_readenv=1, pam_motd, pam_mail, pam_systemd and pam_selinux run as
# on a real host.  sshd reads the file on every connection, so tests may
# call sshd_pam_args to change it between logins.
_write_sshd_pam() {
	local svc=$SSHD_SERVICE
	{
		_stock_file /etc/pam.d/sshd || return 1
		if [ -n "${SSHD_PAM_ARGS+x}" ]; then
			echo "session requisite ${JAULA_PAM_SO:-$TOP/pam_module/pam_jaula.so} $SSHD_PAM_ARGS"
		fi
	} > "/etc/pam.d/$svc.tmp" || return 1
	mv "/etc/pam.d/$svc.tmp" "/etc/pam.d/$svc"
}

# sshd_pam_args ARGS…: pam_jaula's options for the next logins.
sshd_pam_args() {
	SSHD_PAM_ARGS="$*"
	_write_sshd_pam
}

stop_sshd() {
	[ -n "$SSHD_PID" ] || return 0
	[ -s "$SSHD_DIR/syslog.pid" ] && kill "$(cat "$SSHD_DIR/syslog.pid")" 2>/dev/null
	# Connections still open (a test that failed half-way) have their own
	# sshd processes, children of ours: end them too.
	kill $(pgrep -P "$SSHD_PID") "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}

# The PAM services named in what the modules logged (needs SSHD_SYSLOG=1).
sshd_service() {
	[ -s "$SSHD_DIR/syslog.log" ] &&
		grep -ao 'pam_unix([^:)]*:session)' "$SSHD_DIR/syslog.log" | sed 's/^pam_unix(//; s/:.*//' | sort -u
}

make_user() {
	local name=$1 group=$2 shell=${3:-$JB_JAILSH}
	_jb_dir || return 1
	if ! getent group "$group" >/dev/null; then
		_retry groupadd "$group" 2>/dev/null || getent group "$group" >/dev/null || return 1
		on_exit "_retry groupdel '$group'"
	fi
	_retry useradd -m -g "$group" -s "$shell" "$name" || return 1
	on_exit "_retry userdel -r -f '$name'"
	usermod -p '*' "$name" 2>/dev/null # no password, but not locked (sshd refuses "!")
	mkdir -m 0700 -p "$JB_DIR/ukeys"
	ssh-keygen -q -t ed25519 -N '' -f "$JB_DIR/ukeys/$name" || return 1
	mkdir -m 0711 -p "$JB_DIR/sshd-$TAG/keys"
	install -m 0644 "$JB_DIR/ukeys/$name.pub" "$JB_DIR/sshd-$TAG/keys/$name.pub"
	JB_KEY=$JB_DIR/ukeys/$name
}

# ssh_as USER [ssh options…] -- CMD…   (the -- is optional without options)
ssh_as() {
	local user=$1; shift
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ] && [[ "$1" == -* ]]; do
		opts+=("$1"); shift
	done
	[ "${1:-}" = -- ] && shift
	ssh -F none -i "$JB_DIR/ukeys/$user" -p "$SSHD_PORT" \
		-o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=15 \
		"${opts[@]}" "$user@127.0.0.1" "$@"
}

# Options for scp/sftp/rsync -e with the same identity.
ssh_opts() {
	local user=$1
	printf '%s\n' -F none -i "$JB_DIR/ukeys/$user" -P "$SSHD_PORT" \
		-o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
}

ssh_rootfs() {
	local dir=${1:-/var/tmp/jaula-test-debootstrap-ssh} base tmp
	if [ -e "$dir/.jaula-ssh-rootfs-v1" ]; then echo "$dir"; return 0; fi
	base=$(debootstrap_rootfs) || return 1
	(
		_jaula_rootfs_lock "$dir" || exit 1
		[ -e "$dir/.jaula-ssh-rootfs-v1" ] && exit 0
		tmp=$(mktemp -d "$dir.tmp.XXXXXX") || exit 1
		trap 'rm -rf "$tmp"' EXIT
		cp -a "$base/." "$tmp/" || exit 1
		chmod 0755 "$tmp" # mktemp made it 0700: users must traverse /
		rm -f "$tmp/.jaula-rootfs-ok"
		cp /etc/resolv.conf "$tmp/etc/resolv.conf"
		if ! chroot "$tmp" sh -c 'export DEBIAN_FRONTEND=noninteractive
			apt-get update -qq && apt-get install -y -qq --no-install-recommends \
				openssh-sftp-server rsync procps iproute2 >/dev/null && apt-get clean' > "$dir.log" 2>&1; then
			echo "ssh_rootfs: apt-get in the chroot failed (log: $dir.log)" >&2
			tail -5 "$dir.log" >&2
			exit 1
		fi
		rm -f "$dir.log"
		# Only a process inside a jail on this rootfs can read this file.
		echo "jaula ssh test rootfs" > "$tmp/etc/jaula-ssh-rootfs"
		touch "$tmp/.jaula-ssh-rootfs-v1"
		rm -rf "$dir"
		mv "$tmp" "$dir"
		trap - EXIT
	) || return 1
	echo "$dir"
}

# ---------------------------------------------------------------- policy

# write_policy: the test policy JB_POLICY (root-owned, mode 0644) jailing
# members of POLICY_GROUP on POLICY_ROOTFS (default: ssh_rootfs).
# Inputs: POLICY_SCOPE (user), POLICY_PROFILE_EXTRA (more profile lines),
# POLICY_EXTRA (more top-level text).  State lives in JB_STATE (never
# /run/jaula), cgroups under JB_CGPATH; both are swept by the trap.
write_policy() {
	_jb_dir || return 1
	mkdir -m 0755 -p "$JB_DIR/etc"
	JB_POLICY=$JB_DIR/etc/jaula.conf
	JB_STATE=$JB_DIR/state
	JB_CGPATH=jaula-t$TAG
	if [ -z "${_jb_policy_trap:-}" ]; then
		_jb_policy_trap=1
		on_exit "_sweep_jails"
	fi
	cat > "$JB_POLICY.tmp" <<-EOF2
	global = {
	  state_dir = "$JB_STATE";
	  cgroup_path = "$JB_CGPATH";
	};
	rootfs = {
	  ssh = { path = "${POLICY_ROOTFS:-/var/tmp/jaula-test-debootstrap-ssh}"; };
	};
	profiles = {
	  jailed = {
	    rootfs = "ssh";
	    scope = "${POLICY_SCOPE:-user}";
	    hostname = "jb-$TAG";
	    ${POLICY_PROFILE_EXTRA:-}
	  };
	};
	match = (
	  { name = "jaula-test"; groups = [ "${POLICY_GROUP:?}" ]; profile = "jailed"; }
	);
	${POLICY_EXTRA:-}
	EOF2
	chmod 0644 "$JB_POLICY.tmp" && mv "$JB_POLICY.tmp" "$JB_POLICY"
}

# Ids of the live jails in JB_STATE.
jail_ids() {
	local f
	for f in "$JB_STATE"/jails/*/state; do
		[ -e "$f" ] || continue
		f=${f%/state}; echo "${f##*/}"
	done
}

jail_field() { # ID KEY
	sed -n "s/^$2=//p" "$JB_STATE/jails/$1/state" 2>/dev/null | head -1
}

# Remember every live jail's holder so that jails_gone can check them.
JB_HOLDERS=()
remember_jails() {
	local id
	for id in $(jail_ids); do
		JB_HOLDERS+=("$(jail_field "$id" holder_pid)")
	done
}

# What is left of our jails, one line per leftover (empty: nothing).
_jail_leftovers() {
	local p f uid
	if [ -d "$JB_STATE" ]; then
		# gc.stamp, lock files, the login counters and a network's own marks (net/NAME/FILE,
		# e.g. bridge ready, nft set up) may stay; leases (net/NAME/a/…)
		# may not.
		find "$JB_STATE" -mindepth 1 \( -type f -o -type l \) ! -name gc.stamp ! -name '*.lock' ! -path "$JB_STATE/counters/*" \
			! -regex "$JB_STATE/net/[^/]*/[^/]*" -printf 'state file %P\n'
		find "$JB_STATE/jails" -mindepth 1 -maxdepth 1 -type d -printf 'jail dir %P\n' 2>/dev/null
	fi
	for p in "${JB_HOLDERS[@]}"; do
		[ -n "$p" ] && [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null &&
			echo "holder $p alive: $(tr '\0' ' ' < "/proc/$p/cmdline")"
	done
	for uid in ${JB_UIDS:-}; do
		pgrep -u "$uid" >/dev/null && echo "processes of uid $uid: $(pgrep -u "$uid" | tr '\n' ' ')"
	done
	for f in /sys/fs/cgroup/*/"$JB_CGPATH" /sys/fs/cgroup/"$JB_CGPATH"; do
		[ -d "$f" ] || continue
		find "$f" -mindepth 2 -type d -printf "cgroup %p\n"
	done
	for p in self ${SSHD_PID:-}; do
		grep -h -e "$JB_STATE" -e "${POLICY_ROOTFS:-/var/tmp/jaula-test-debootstrap-ssh}" \
			"/proc/$p/mountinfo" 2>/dev/null | sed 's/^/mount /'
	done
	return 0
}

# expect_jails_gone DESC [SECONDS]: within SECONDS (2) every jail of this
# test is gone: no holder, no user process, no state or lease file, no
# cgroup, no mount.
expect_jails_gone() {
	local what=$1 secs=${2:-2} left i
	for i in $(seq 1 $((secs * 10))); do
		left=$(_jail_leftovers)
		[ -z "$left" ] && { ok "$what"; return 0; }
		sleep 0.1
	done
	not_ok "$what"
	printf '%s\n' "$left" | head -15 | diag
}

# The trap: kill what a failed test left (only holders recorded in our own
# state dir), then remove our cgroups.
_sweep_jails() {
	local f p d
	for f in "$JB_STATE"/jails/*/state; do
		[ -e "$f" ] || continue
		p=$(sed -n 's/^holder_pid=//p' "$f")
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	for p in "${JB_HOLDERS[@]}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done
	sleep 0.2
	for d in /sys/fs/cgroup/*/"$JB_CGPATH" /sys/fs/cgroup/"$JB_CGPATH"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

# A PAM service for pamtester (/etc/pam.d/NAME) and the same file in
# JB_DIR/pam.d for pam_start_confdir.  Lines come on stdin.
pam_service() {
	local name=$1
	_jb_dir || return 1
	mkdir -m 0755 -p "$JB_DIR/pam.d"
	[ -e "$JB_DIR/pam.d/other" ] || printf 'auth required pam_deny.so\naccount required pam_deny.so\npassword required pam_deny.so\nsession required pam_deny.so\n' > "$JB_DIR/pam.d/other"
	cat > "$JB_DIR/pam.d/$name" || return 1
	on_exit "rm -f '/etc/pam.d/$name'"
	cp "$JB_DIR/pam.d/$name" "/etc/pam.d/$name"
}

# jail_core_ready USER: 0 when a jailed login of USER through the running
# sshd really lands in the jail; otherwise 1 with the reason in JB_WHY.
jail_core_ready() {
	local out
	out=$(ssh_as "$1" cat /etc/jaula-ssh-rootfs 2>&1)
	if [ "$out" = "jaula ssh test rootfs" ]; then
		return 0
	fi
	if grep -qi "not implemented" <<<"$out"; then
		JB_WHY="jail core not built: jailsh refuses"
	else
		JB_WHY="a jailed login does not reach the jail yet: $(head -c 200 <<<"$out" | tr '\n' ' ')"
		JB_WHY+="; syslog: $(syslog_lines "$SSHD_DIR/syslog.log" 2>/dev/null | grep -o 'pam_jaula.*' | tail -1)"
	fi
	return 1
}

# syslog_lines FILE: the datagrams a test syslog listener caught, one a line.
syslog_lines() {
	{ sed 's/<[0-9]\{1,3\}>\([A-Z][a-z][a-z] [ 0-9][0-9] \)/\n\1/g' "$1" 2>/dev/null; echo; } | sed '/^$/d'
}

# jailed_sshd_setup [NUSERS]: everything a test of jailed ssh logins needs,
# or skip_all with the reason.  Sets GROUP, JUS (NUSERS jailed users, 1 by
# default), JU (the first), FU (an unmatched user with /bin/bash), PORT;
# the sshd logs to SSHD_DIR/syslog.log through the test syslog.
jailed_sshd_setup() {
	local n=${1:-1} i u so undef
	need_root
	need_cmd ssh ssh-keygen socat
	so=${JAULA_PAM_SO:-$TOP/pam_module/pam_jaula.so}
	[ -e "$so" ] || skip_all "pam_module/pam_jaula.so is not built"
	undef=$(nm -D --undefined-only "$so" | awk '/ jaula_/ {print $2}' | tr '\n' ' ')
	[ -z "$undef" ] || skip_all "jail core not built: pam_jaula.so cannot load (libjaula lacks: $undef)"
	install_jailsh || skip_all "cannot install a setuid copy of jailsh"
	ROOTFS=$(ssh_rootfs) || skip_all "cannot build the ssh test rootfs (debootstrap + openssh-sftp-server, rsync)"
	GROUP=jaula-g$TAG
	POLICY_GROUP=$GROUP
	POLICY_ROOTFS=$ROOTFS
	write_policy || skip_all "cannot write the test policy"
	JUS=()
	JB_UIDS=
	for i in $(seq 1 "$n"); do
		u=jaula-p${TAG}j$i
		make_user "$u" "$GROUP" >/dev/null || skip_all "cannot create test users"
		JUS+=("$u")
		JB_UIDS+=" $(id -u "$u")"
	done
	JU=${JUS[0]}
	FU=jaula-p${TAG}f
	make_user "$FU" "jaula-h$TAG" /bin/bash >/dev/null || skip_all "cannot create test users"
	SSHD_PAM_ARGS="config=$JB_POLICY jailsh=$JB_JAILSH" SSHD_JAIL_GROUP=$GROUP SSHD_SYSLOG=1 \
		start_sshd PORT || skip_all "cannot start a test sshd"
	jail_core_ready "$JU" || skip_all "$JB_WHY"
}
