# SPDX-License-Identifier: LGPL-2.1-or-later
# adversary-lib.sh — shared by the adversarial and fault tests (t-70 …
# t-89), sourced after tests/lib.sh and tests/integration/jail-lib.sh (which
# give TDIR, STATE, CONF, ROOTFS, new_user, jail, jails_left, wait_gone).
#
#   adv_policy FILE [key = value; …]   a policy jailing ADV_MATCH (default:
#            users = [ "$U" ]) with profile "p", like jail-lib's policy but
#            with this test's own cgroup_path (ADV_CGPATH) so the leak audit
#            can find every cgroup it made, optional networks (ADV_NETWORKS,
#            top-level text) and global extras (ADV_GLOBAL)
#   adv_rootfs           a private copy of the busybox rootfs (ADV_ROOTFS)
#            with the static probe at /bin/adv_escape and a setuid-root copy
#            at /bin/adv_suid; sets POLICY_ROOTFS for jail-lib's policy too
#   adv_setuid_jailsh    a setuid-root jailsh whose built-in policy path is
#            ADV_SYSCONF (non-root callers cannot pass --config); sets ADV_JAILSH
#   as_user USER CMD…    run CMD with USER's real and effective ids
#   val TEXT KEY         the value of "KEY=value" in TEXT
#   kv TEXT              every "KEY=value" of TEXT into the array KV
#   adv_remember         record holders, monitors and netns of live jails
#   leak_audit DESC [SECONDS] [PID…]
#            fails DESC unless, within SECONDS (default 5), nothing of this
#            test remains: holders and monitors recorded by adv_remember, a
#            jaula-holder in our cgroup_path, processes of ADV_UIDS, state
#            files (but gc.stamp and net/*/{ready.*,nft,cursor}), jail directories and
#            locks, cgroups under ADV_CGPATH, links jv<jail id> or enslaved
#            to a bridge of ours (jb-a$TAG*), a network namespace a recorded
#            jail had (as a process's ns or an open fd anywhere), mounts
#            naming TDIR or STATE in our, the host's PID 1's, or the given
#            long-lived PIDs' mountinfo.  Other suites may call it after
#            setting ADV_CGPATH, ADV_UIDS and STATE.
#   fd_count PID         number of open fds of PID
#
# Names: users jaula-t…, cgroups jaula-a$TAG, bridges jb-a$TAG…, all
# removed by the trap.

ADV_CGPATH=${ADV_CGPATH:-jaula-a$TAG}
ADV_UIDS=${ADV_UIDS:-}
ADV_HOLDERS=()
ADV_NS=()
ADV_IDS=()
ADV_SYSCONF=$TDIR/sysconf/jaula.conf
# A network on the host puts our bridges into nftables' inet jaula: the
# trap takes them out again, and the table too when we made it.
ADV_NFT_DROP=
nft list table inet jaula >/dev/null 2>&1 || ADV_NFT_DROP=--drop-empty-table
on_exit "_adv_sweep"

val() { printf '%s\n' "$1" | sed -n "s/^$2=//p" | head -1; }
# kv TEXT: load its "key=value" lines into the associative array KV (no
# fork per lookup: "${KV[mount]}"); the first value of a key wins.
declare -A KV
kv() {
	local l
	KV=()
	while IFS= read -r l; do
		[[ "$l" == *=* ]] || continue
		[ -n "${KV[${l%%=*}]+x}" ] || KV[${l%%=*}]=${l#*=}
	done <<<"$1"
}
as_user() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$@"; }

adv_policy() {
	local file=$1
	shift
	mkdir -p -m 0755 "${file%/*}"
	cat > "$file.tmp" <<EOP
global = { state_dir = "$STATE"; persistent_dir = "$TDIR/persist";
           cgroup_path = "$ADV_CGPATH"; ${ADV_GLOBAL:-}
           include_dir = "$TDIR/conf.d"; default_shell = "/bin/sh"; };
rootfs = { bb = { path = "${POLICY_ROOTFS:-$ROOTFS}"; type = "directory"; }; };
${ADV_NETWORKS:-}
profiles = { p = { rootfs = "bb"; hostname = "jail-%U"; tmp_size = "8M";
                   $* }; };
match = ( { name = "t"; ${ADV_MATCH:-users = [ \"$U\" ];} profile = "p"; } );
EOP
	chmod 0644 "$file.tmp" && mv "$file.tmp" "$file"
}

ADV_PROBE=
adv_probe() {
	[ -n "$ADV_PROBE" ] && return 0
	ADV_PROBE=$TDIR/adv_escape
	cc -static -O2 -o "$ADV_PROBE" "$TOP/tests/helpers/adv_escape.c" 2>"$TDIR/probe.log" || {
		ADV_PROBE=
		return 1
	}
}

adv_rootfs() {
	adv_probe || return 1
	ADV_ROOTFS=$TDIR/rootfs
	cp -a "$ROOTFS" "$ADV_ROOTFS" || return 1
	chmod 0755 "$ADV_ROOTFS"
	install -o root -g root -m 0755 "$ADV_PROBE" "$ADV_ROOTFS/bin/adv_escape"
	install -o root -g root -m 4755 "$ADV_PROBE" "$ADV_ROOTFS/bin/adv_suid"
	POLICY_ROOTFS=$ADV_ROOTFS
}

# The setuid jailsh that users run: the same sources, built with its
# default policy path pointing at ADV_SYSCONF (how sshd.sh's install_jailsh
# does it for the sshd tests), in a root-only directory users traverse.
ADV_JAILSH=
adv_setuid_jailsh() {
	local pkgs="pam libcap libseccomp libconfig libnl-3.0 libnl-route-3.0 libmnl libnftables"
	[ -n "$ADV_JAILSH" ] && return 0
	mkdir -p -m 0755 "$TDIR/sysconf" "$TDIR/bin"
	# shellcheck disable=SC2046
	cc -std=gnu11 -O2 -I"$TOP/include" $(pkg-config --cflags $pkgs) \
		-DJAULA_DEFAULT_CONFIG="\"$ADV_SYSCONF\"" -fPIE -pie \
		-o "$TDIR/bin/jailsh" "$TOP"/shell/*.c "$TOP/common/libjaula.a" \
		-Wl,-z,relro,-z,now $(pkg-config --libs $pkgs) 2>"$TDIR/jailsh-build.log" || return 1
	chown root:root "$TDIR/bin/jailsh" && chmod 4755 "$TDIR/bin/jailsh" || return 1
	# The setuid bit must really work here (a nosuid /tmp would void it).
	findmnt -no OPTIONS -T "$TDIR/bin" | grep -qw nosuid && return 1
	ADV_JAILSH=$TDIR/bin/jailsh
}

adv_remember() { # bash builtins only: there may be hundreds of jails
	local f id k v hp mp ni
	for f in "$STATE"/jails/*/state; do
		[ -e "$f" ] || continue
		id=${f%/state}; id=${id##*/}
		hp= mp= hs= ms= ni=
		while IFS='=' read -r k v; do
			case $k in
			holder_pid) hp=$v ;; monitor_pid) mp=$v ;; ns_ino) ni=$v ;;
			holder_start) hs=$v ;; monitor_start) ms=$v ;;
			esac
		done < "$f" 2>/dev/null
		ADV_IDS+=("$id")
		# pid:start time, so that a recycled pid is not taken for ours
		ADV_HOLDERS+=("$hp:$hs" "$mp:$ms")
		ADV_NS+=("$ni")
	done
}

fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# _adv_same PID:START — that very process still lives (not a zombie).
_adv_same() {
	local st rest f
	{ read -r st < "/proc/${1%%:*}/stat"; } 2>/dev/null || return 1
	rest=${st##*) }
	read -r -a f <<<"$rest"
	# f[0] is field 3 (state), so field 22 (start time) is f[19]
	[ "${f[0]}" != Z ] && [ "${f[0]}" != X ] && [ "${f[19]}" = "${1#*:}" ]
}

_adv_live() { [ -d "/proc/$1" ] && ! grep -q '^State:.*[ZX]' "/proc/$1/status" 2>/dev/null; }

_adv_leftovers() {
	local p f d uid ino ids l
	for p in "${ADV_HOLDERS[@]}"; do
		[ -n "${p%%:*}" ] && _adv_same "$p" &&
			echo "process ${p%%:*} ($(cat /proc/"${p%%:*}"/comm 2>/dev/null)) of a recorded jail is alive"
	done
	# One grep over every holder's cgroup file (other suites may run
	# hundreds of jails at the same time).
	l=$(pgrep -x jaula-holder | sed 's|.*|/proc/&/cgroup|')
	[ -n "$l" ] && grep -l -- "/$ADV_CGPATH/" $l 2>/dev/null | sed 's|^/proc/\([0-9]*\)/cgroup|holder \1 in our cgroup path|'
	for uid in $ADV_UIDS; do
		p=$(pgrep -u "$uid" | tr '\n' ' ')
		[ -n "$p" ] && echo "processes of uid $uid: $p"
	done
	if [ -d "$STATE" ]; then
		# Kept on purpose: the sweep stamp, the login counters and a network's bridge-level
		# records (ready.N, nft, cursor); leases live in net/*/a and net/*/j.
		find "$STATE" -mindepth 1 \( -type f -o -type l \) ! -name gc.stamp ! -path "$STATE/counters/*" ! -path "$STATE/net/*/ready.*" \
			! -path "$STATE/net/*/nft" ! -path "$STATE/net/*/cursor" \
			-printf 'state file %P\n'
		find "$STATE/jails" -mindepth 1 -maxdepth 1 -type d -printf 'jail dir %P\n' 2>/dev/null
	fi
	for d in /sys/fs/cgroup/*/"$ADV_CGPATH" /sys/fs/cgroup/"$ADV_CGPATH"; do
		[ -d "$d" ] && find "$d" -mindepth 1 -type d -printf "cgroup %p\n"
	done
	ids=" ${ADV_IDS[*]} "
	while read -r l; do
		case "$l" in
		jv*) [[ "$ids" == *" ${l#jv} "* ]] && echo "link $l" ;;
		esac
	done < <(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//')
	ip -o link show 2>/dev/null | grep -E "master jb-a$TAG" | awk -F': ' '{print "link " $2 " on a test bridge"}'
	if [ ${#ADV_NS[@]} -gt 0 ]; then
		# One pass over every process's netns and open fds.
		l=$(find /proc/[0-9]*/ns/net /proc/[0-9]*/fd -maxdepth 1 -type l -lname 'net:*' -printf '%l %p\n' 2>/dev/null)
		for ino in "${ADV_NS[@]}"; do
			[ -n "$ino" ] && [ "$ino" != 0 ] || continue
			grep -F "net:[$ino] " <<<"$l" | head -3 | sed 's/^/network namespace still referenced: /'
		done
	fi
	for p in self 1 "${ADV_LONG_PIDS[@]}"; do
		[ -r "/proc/$p/mountinfo" ] || continue
		grep -h -e "$TDIR" -e "$STATE" "/proc/$p/mountinfo" 2>/dev/null | sed "s/^/mount in $p: /"
	done
	return 0
}

ADV_LONG_PIDS=()
leak_audit() {
	local what=$1 secs=${2:-5} left
	shift 2 2>/dev/null || shift $#
	ADV_LONG_PIDS=("$@")
	local end=$((SECONDS + secs))
	while :; do
		left=$(_adv_leftovers)
		[ -z "$left" ] && { ok "leak audit: $what"; return 0; }
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.2
	done
	not_ok "leak audit: $what"
	printf '%s\n' "$left" | head -20 | diag
	return 1
}

# The trap (runs before jail-lib's, which kills holders in STATE): kill
# what a failed test left among recorded jails, then our cgroups and
# bridges.
_adv_sweep() {
	local f p d b
	for f in "$STATE"/jails/*/state; do
		[ -e "$f" ] || continue
		p=$(sed -n 's/^holder_pid=//p' "$f")
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = jaula-holder ] && kill -KILL "$p"
	done
	for p in "${ADV_HOLDERS[@]}"; do
		_adv_same "$p" && kill -KILL "${p%%:*}"
	done
	for uid in $ADV_UIDS; do pkill -KILL -u "$uid" 2>/dev/null; done
	sleep 0.3
	for d in /sys/fs/cgroup/*/"$ADV_CGPATH" /sys/fs/cgroup/"$ADV_CGPATH"; do
		[ -d "$d" ] || continue
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	local gone=()
	for b in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep "^jb-a$TAG"); do
		ip link del "$b" 2>/dev/null
		gone+=("$b")
	done
	[ -n "${BR:-}" ] && gone+=("$BR")
	[ ${#gone[@]} -gt 0 ] && "$TOP/scripts/nft-forget-bridges" $ADV_NFT_DROP "${gone[@]}"
	return 0
}
