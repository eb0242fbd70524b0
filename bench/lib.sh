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
	local br
	for br in "$@"; do
		ip link del "$br" 2>/dev/null
		nft delete element inet jaula bridges "{ \"$br\" }" 2>/dev/null
	done
	# Only a table we created, and only once nobody else has elements in it.
	if [ "$_bench_nft_had_table" = 0 ] && nft list table inet jaula >/dev/null 2>&1 &&
		! nft list table inet jaula | grep -q 'elements ='; then
		nft delete table inet jaula 2>/dev/null
	fi
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
	| git commit | $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)$(git -C "$TOP" diff --quiet 2>/dev/null || echo ' (working tree has uncommitted changes of other engineers)') |
	EOF
}
