# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/lib.sh — shared by bench/cold.sh and bench/scale.sh (sourced, bash,
# root).  Benchmarks are never part of `make check`: they measure and
# report, they assert nothing about time.
#
# Builds on the test harness: tests/lib.sh (on_exit trap, TAG, TOP) and
# tests/integration/sshd.sh (the cached rootfs builders, JB_DIR, the
# private sshd of bench/ssh.sh).  Everything
# created on the host is named jaula*/jb-*/jv* and removed by the trap, on
# success and on failure.  State lives under our own temp dir, never
# /run/jaula.
#
#   bench_init NAME        root check, BENCH_OUT (bench/out/), the trap
#   bench_jailsh           JB_JAILSH: setuid jailsh bound to JB_DIR/etc/jaula.conf
#   bench_rootfs           ROOTFS + ROOTFS_KIND: the cached debootstrap
#                          minbase, else the busybox rootfs
#   bench_net_begin        remember whether nft table inet jaula existed;
#   bench_net_end BR…      the trap part: delete our bridges and their
#                          elements in that table (the table itself only if
#                          we created it and it is empty again)
#   bench_users PREFIX N GROUP HOME_PARENT
#                          N users PREFIX1…PREFIXN in one batch, consecutive
#                          uids from BENCH_UID0 (set), primary group GROUP
#                          (created); removed in one batch by the trap
#   bench_login_setup L    the three users and the policy of cold.sh and
#                          compare.sh (cold with everything, cold without
#                          network, warm join), the bridge ready, a live
#                          session keeping the warm user's jail
#   bench_meminfo          "Slab KernelStack PageTables Percpu" in KiB
#   bench_section FILE     where a script writes its markdown section
#   ms X                   X (seconds, from hyperfine JSON) in ms, 1 decimal

source "$(dirname "${BASH_SOURCE[0]}")/../tests/lib.sh"
source "$TOP/tests/integration/sshd.sh"

BENCH_OUT=${BENCH_OUT:-$TOP/bench/out}
HELPERS=$TOP/tests/helpers

bench_note() { echo "# $*" >&2; }
bench_die() { echo "bench: $*" >&2; exit 1; }

bench_init() {
	[ "$(id -u)" = 0 ] || bench_die "benchmarks need root (sudo make bench)"
	mkdir -p "$BENCH_OUT"
	BENCH_NAME=$1
	for h in bench_runas bench_spawn bench_users; do
		[ -x "$HELPERS/$h" ] || bench_die "tests/helpers/$h is not built (make bench builds it)"
	done
}

bench_rootfs() {
	if ROOTFS=$(debootstrap_rootfs 2>/dev/null); then
		ROOTFS_KIND="debootstrap --variant=minbase bookworm ($ROOTFS)"
	elif ROOTFS=$(busybox_rootfs); then
		ROOTFS_KIND="busybox-static ($ROOTFS; debootstrap unavailable)"
	else
		bench_die "no rootfs: neither debootstrap nor busybox-static works here"
	fi
}

# ---- the jailsh under test ---------------------------------------------------
# A non-root caller of jailsh cannot choose its policy: it always reads
# JAULA_DEFAULT_CONFIG.  bench_jailsh builds a setuid-root copy whose
# default is JB_DIR/etc/jaula.conf, with the Makefile's own jailsh recipe
# (the same flags and the same static/dynamic library split as the
# shell/jailsh that `make` installs; install_jailsh of sshd.sh links every
# library dynamically, which costs more at each exec).  -o keeps make from
# rebuilding libjaula.a with our define.  Sets JB_JAILSH.
bench_jailsh() {
	_jb_dir || return 1
	local out=$JB_DIR/jailsh.tmp
	make -s -C "$TOP" CI=true -o common/libjaula.a JAILSH="$out" \
		OPT="-O2 -g -DJAULA_DEFAULT_CONFIG='\"$JB_DIR/etc/jaula.conf\"'" "$out" >&2 || return 1
	chown root:root "$out" && chmod 4755 "$out" && mv "$out" "$JB_DIR/jailsh" || return 1
	JB_JAILSH=$JB_DIR/jailsh
}

# ---- nftables: jaula's shared table ------------------------------------
_bench_nft_had_table=
bench_net_begin() {
	if nft list table inet jaula >/dev/null 2>&1; then _bench_nft_had_table=1; else _bench_nft_had_table=0; fi
}

bench_net_end() {
	local br drop=
	for br in "$@"; do
		ip link del "$br" 2>/dev/null
	done
	# Our bridges' elements in every set; the table itself only if we
	# created it and nobody else has elements in it.
	[ "$_bench_nft_had_table" = 0 ] && drop=--drop-empty-table
	"$TOP/scripts/nft-forget-bridges" $drop "$@"
	return 0
}

# ---- users ----------------------------------------------------------------
# A free block of N uids at or above FROM (none in passwd): echoes the first.
bench_free_uids() {
	local n=$1 from=${2:-42000}
	getent passwd | awk -F: -v n="$n" -v from="$from" '
		{ used[$3] = 1 }
		END { s = from; for (u = from; u < 60000; u++) { if (u in used) s = u + 1; else if (u - s + 1 >= n) { print s; exit } } }'
}

# bench_users PREFIX N GROUP HOME_PARENT — needs BENCH_UID0.  One batch
# through tests/helpers/bench_users (see there why not newusers/userdel).
bench_users() {
	local prefix=$1 n=$2 group=$3 hp=$4 gid
	if ! getent group "$group" >/dev/null; then
		_retry groupadd "$group" || return 1
		on_exit "_retry groupdel '$group'"
	fi
	gid=$(getent group "$group" | cut -d: -f3)
	# Cleanups run in reverse: the users go before their group.
	on_exit "'$HELPERS/bench_users' del '$prefix' >/dev/null; rm -rf '$hp'"
	mkdir -p "$hp" && chmod 0755 "$hp" || return 1
	"$HELPERS/bench_users" add "$prefix" "$BENCH_UID0" "$n" "$gid" "$hp"
}

# ---- the logins of cold.sh and compare.sh ----------------------------------
# bench_login_setup LETTER — needs bench_rootfs and bench_jailsh first.
# Users jaula-LETTER<TAG>{full,nonet,warm} in group jaula-LETTER<TAG>,
# homes under JB_DIR; the policy at JB_DIR/etc/jaula.conf (the path the
# test jailsh reads): debootstrap rootfs read-only + tmpfs overlay, /tmp
# 16M, limits memory 512M / pids 256 / cpu 100 %, default seccomp, no
# capabilities; full and nonet get a new jail per login (scope and
# lifetime session), full and warm a veth on bridge jb-LETTER<TAG>.  The
# bridge is set up by one root-driven login, so that measured logins find
# it ready; then a background session of the warm user keeps its jail
# alive.  Sets STATE CGPATH BR UFULL UNONET UWARM, and LOGIN_NOTES (what
# did not work).  Everything is removed by the trap.
bench_login_setup() {
	local l=$1 grp u id o i pid
	STATE=$JB_DIR/state
	CGPATH=jaula-$l$TAG
	BR=jb-$l$TAG
	LOGIN_NOTES=()
	grp=jaula-$l$TAG
	_retry groupadd "$grp" || bench_die "groupadd failed"
	on_exit "_retry groupdel '$grp'"
	mkdir -m 0755 -p "$JB_DIR/home"
	for u in full nonet warm; do
		id=jaula-$l$TAG$u
		_retry useradd -M -d "$JB_DIR/home/$id" -g "$grp" -s "$JB_JAILSH" "$id" || bench_die "useradd failed"
		on_exit "_retry userdel -f '$id'"
		mkdir -m 0755 "$JB_DIR/home/$id" && chown "$id:$grp" "$JB_DIR/home/$id"
	done
	UFULL=jaula-$l${TAG}full UNONET=jaula-$l${TAG}nonet UWARM=jaula-$l${TAG}warm
	# Cleanups run in reverse order: jails, then cgroups, then the bridge,
	# then the users and their group, then JB_DIR.
	bench_net_begin
	on_exit "bench_net_end '$BR'"
	on_exit "_bench_cg_sweep '$CGPATH'"
	on_exit "_bench_sweep_jails"
	local limits='limits = { memory = "512M"; pids = 256; cpu = "100%"; };'
	mkdir -m 0755 -p "$JB_DIR/etc"
	cat > "$JB_DIR/etc/jaula.conf" <<-EOF
	global = { state_dir = "$STATE"; cgroup_path = "$CGPATH"; default_shell = "/bin/sh";
	           include_dir = "$JB_DIR/etc/conf.d"; };
	rootfs = { r = { path = "$ROOTFS"; }; };
	networks = { b = { bridges = [ "$BR" ]; subnet = "10.251.0.0/16"; }; };
	profiles = {
	  full  = { rootfs = "r"; scope = "session"; lifetime = "session"; network = "b";
	            hostname = "jb-%u"; tmp_size = "16M"; $limits };
	  nonet = { rootfs = "r"; scope = "session"; lifetime = "session";
	            hostname = "jb-%u"; tmp_size = "16M"; $limits };
	  warm  = { rootfs = "r"; scope = "user"; lifetime = "session"; network = "b";
	            hostname = "jb-%u"; tmp_size = "16M"; $limits };
	};
	match = (
	  { name = "full";  users = [ "$UFULL" ];  profile = "full"; },
	  { name = "nonet"; users = [ "$UNONET" ]; profile = "nonet"; },
	  { name = "warm";  users = [ "$UWARM" ];  profile = "warm"; }
	);
	EOF
	chmod 0644 "$JB_DIR/etc/jaula.conf"
	# A network's first login creates its bridge and writes the firewall:
	# a one-time cost per bridge, not part of any login measured here.
	if ! o=$("$JB_JAILSH" --user "$UFULL" -c true 2>&1 </dev/null); then
		LOGIN_NOTES+=("the root-driven bridge set-up login failed: \`$(printf '%s' "$o" | tr '\n|`' '   ' | head -c 300)\`")
	fi
	"$HELPERS/bench_runas" "$(id -u "$UWARM")" "$(id -g "$UWARM")" "$JB_JAILSH" -c 'exec sleep 100000' \
		</dev/null >/dev/null 2>"$BENCH_OUT/warm-session-$l.err" &
	pid=$!
	on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	for i in $(seq 100); do
		ls "$STATE"/jails/*/state >/dev/null 2>&1 && break
		sleep 0.05
	done
}

# The trap: kill the holders recorded in our state dir (their monitors
# then remove state, cgroups and leases).
_bench_sweep_jails() {
	local f p
	for f in "$STATE"/jails/*/state; do
		[ -e "$f" ] || continue
		p=$(sed -n 's/^holder_pid=//p' "$f")
		[ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = jaula-holder ] && kill -KILL "$p"
	done
	for _ in $(seq 50); do
		ls "$STATE"/jails/*/state >/dev/null 2>&1 || break
		sleep 0.1
	done
	return 0
}

_bench_cg_sweep() {
	local d
	for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

# ---- kernel memory ----------------------------------------------------------
bench_meminfo() {
	awk '/^(Slab|KernelStack|PageTables|Percpu):/ { v[$1] = $2 }
		END { print v["Slab:"] + 0, v["KernelStack:"] + 0, v["PageTables:"] + 0, v["Percpu:"] + 0 }' /proc/meminfo
}

# ---- output -----------------------------------------------------------------
ms() { awk -v x="$1" 'BEGIN { printf "%.1f", x * 1000 }'; }

bench_section() { echo "$BENCH_OUT/$1.md"; }

bench_machine_md() {
	local cpu mem cg
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	case "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" in
	cgroup2fs) cg="v2 (unified)" ;;
	tmpfs) if [ -d /sys/fs/cgroup/unified ]; then cg="v1 with a v2 unified mount (hybrid)"; else cg="v1"; fi ;;
	*) cg="unknown" ;;
	esac
	cat <<-EOF
	| | |
	|---|---|
	| date (UTC) | $(date -u '+%Y-%m-%d %H:%M') |
	| CPU | ${cpu:-unknown} |
	| cores | $(nproc) |
	| memory | $mem |
	| kernel | $(uname -r) |
	| Debian | $(cat /etc/debian_version 2>/dev/null) |
	| cgroup mode | $cg |
	| PID 1 | $(ps -p 1 -o comm= 2>/dev/null) |
	| git commit | $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)$(git -C "$TOP" diff --quiet 2>/dev/null || echo ' (plus uncommitted changes in the working tree)') |
	EOF
}
