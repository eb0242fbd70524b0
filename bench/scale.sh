#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/scale.sh — many simultaneous per-user jails (root; never a test).
#
#   bench/scale.sh [N…]          default: $BENCH_SCALE_N or "1 100 500 1000"
#
# One pass: up to max(N) throwaway users (one batch, see
# tests/helpers/bench_users.c) log in one after the other through the
# setuid jailsh (tests/helpers/bench_spawn: each login runs as its user,
# jailsh -c 'sleep … &'), each into its own jail — scope user, lifetime
# processes, so the background sleeper keeps the jail alive after the
# login ends — with all namespaces, a veth on one of the network's two
# bridges (jaula puts at most 1022 jails on a bridge), cgroup limits and seccomp.
# Measured:
#   - the time of each login, shown for the 1st, 100th, 500th, 1000th
#     (and the median of the 20 logins up to it, which is steadier), and
#     at each N (checkpoint) the memory and a syscall-count probe;
#   - kernel memory per jail: the growth of Slab, KernelStack, PageTables
#     and Percpu in /proc/meminfo from before the first login to after the
#     N-th, divided by N (holder, monitor and sleeper processes included);
#   - teardown at the end: every holder SIGKILLed at once (what
#     `jaula stop` does to one), until no jail, veth, cgroup, lease or
#     state file is left;
#   - proof that nothing is left: links on our bridges, network
#     namespaces (system-wide count against the count before), cgroups,
#     mounts, leases, state files.
#   - the slab caches that grew most per jail (/proc/slabinfo, num_objs ×
#     objsize, before the first login against the last checkpoint) and the
#     file systems (superblocks) one jail mounts.
# BENCH_SCALE_NET=0: the same profile without `network` (loopback only, the
# jail keeps its network namespace); the output files get a "-nonet"
# suffix (bench/out/scale-nonet.md).
# Output: bench/out/scale.md (a section of RESULTS.md), every login in
# bench/out/scale-logins.txt (INDEX UID MS STATUS CPU_MS).
source "$(dirname "$0")/lib.sh"
bench_init scale
NET=${BENCH_SCALE_NET:-1}
SFX=
[ "$NET" = 0 ] && SFX=-nonet
read -r -a NS <<<"${*:-${BENCH_SCALE_N:-1 100 500 1000}}"
MAXN=0
for n in "${NS[@]}"; do
	[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || bench_die "N must be a positive number: '$n'"
	[ "$n" -gt "$MAXN" ] && MAXN=$n
done
[ "$MAXN" -le 2044 ] || bench_die "N ≤ 2044 (two bridges of 1022 jails)"

bench_rootfs
# BENCH_SCALE_TREE: build the jailsh under test from another checkout (its
# common/libjaula.a built) — bench/scale-ab.sh sets a revision beside the
# working tree this way, measured by this very script.
if [ -n "${BENCH_SCALE_TREE:-}" ]; then
	_jb_dir || bench_die "no temp dir"
	(TOP=$BENCH_SCALE_TREE; bench_jailsh) || bench_die "cannot build the setuid test jailsh from $BENCH_SCALE_TREE"
	JB_JAILSH=$JB_DIR/jailsh
	SRC_TREE=$BENCH_SCALE_TREE
else
	bench_jailsh || bench_die "cannot build the setuid test jailsh"
	SRC_TREE=$TOP
fi
STATE=$JB_DIR/state
CGPATH=jaula-s$TAG
BR0=jb-s${TAG}0 BR1=jb-s${TAG}1
GROUP=jaula-s$TAG
PREFIX=jaula-s${TAG}u
BENCH_UID0=$(bench_free_uids $((MAXN + 1)) 42000)
[ -n "$BENCH_UID0" ] || bench_die "no free block of $MAXN uids"

bench_note "scale: creating $((MAXN + 1)) users from uid $BENCH_UID0"
t0=$(date +%s.%N)
# One more than the largest N: the probe login below.
bench_users "$PREFIX" $((MAXN + 1)) "$GROUP" "$JB_DIR/home" || bench_die "cannot create the users"
users_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
GID=$(getent group "$GROUP" | cut -d: -f3)

# Cleanups run in reverse: jails, cgroups, bridges, the state tmpfs, then users, JB_DIR.
# The state directory on a tmpfs of its own, as /run is on a Debian host
# (here / and /run are one ext4: state files there would add ext4 inodes
# and journal buffers that no installed host has).
mkdir -p "$STATE"
if [ "$(stat -fc %T "$STATE")" != tmpfs ]; then
	mount -t tmpfs -o mode=0700,size=64m,nr_inodes=65536 jaula-state "$STATE" ||
		bench_die "cannot mount a tmpfs on $STATE"
	on_exit "umount -l '$STATE' 2>/dev/null"
fi
bench_net_begin
on_exit "bench_net_end '$BR0' '$BR1'"
on_exit "_scale_cg_sweep"
on_exit "_scale_kill_all"

mkdir -m 0755 -p "$JB_DIR/etc"
NETKEY='network = "s";'
[ "$NET" = 0 ] && NETKEY=
cat > "$JB_DIR/etc/jaula.conf" <<EOF
global = { state_dir = "$STATE"; cgroup_path = "$CGPATH"; default_shell = "/bin/sh";
           include_dir = "$JB_DIR/etc/conf.d"; };
rootfs = { r = { path = "$ROOTFS"; }; };
networks = { s = { bridges = [ "$BR0", "$BR1" ]; subnet = "10.253.0.0/16"; }; };
profiles = { p = { rootfs = "r"; scope = "user"; lifetime = "processes"; $NETKEY
                   hostname = "jb-%U"; tmp_size = "16M";
                   limits = { memory = "256M"; pids = 64; cpu = "50%"; }; }; };
match = ( { name = "scale"; groups = [ "$GROUP" ]; profile = "p"; } );
EOF
chmod 0644 "$JB_DIR/etc/jaula.conf"

holders() {
	local f
	for f in "$STATE"/jails/*/state; do
		[ -e "$f" ] && sed -n 's/^holder_pid=//p' "$f"
	done
}
_scale_kill_all() {
	local p
	for p in $(holders); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = jaula-holder ] && kill -KILL "$p" 2>/dev/null
	done
	for _ in $(seq 100); do [ -z "$(holders)" ] && break; sleep 0.1; done
	return 0
}
_scale_cg_sweep() {
	local d
	# The metering cgroup goes when the last monitor in it has exited.
	if [ -n "${METER:-}" ] && [ -d "$METER" ]; then
		for _ in $(seq 100); do rmdir "$METER" 2>/dev/null && break; sleep 0.1; done
	fi
	for d in /sys/fs/cgroup/*/"$CGPATH" /sys/fs/cgroup/"$CGPATH"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

# Kernel memory charged to the jails' processes, from the memory cgroup:
# bench_spawn (and with it jailsh, the intermediate and every monitor it
# forks) runs in a metering memory cgroup of ours, and the holders and
# everything in the jails are charged to the jail cgroups under
# CGPATH.  The sum of both is kernel memory allocated on behalf of our
# jails (slab, kernel stacks, page tables, accounted percpu), untouched
# by other processes on this shared machine — unlike /proc/meminfo.
METER=
if [ -d /sys/fs/cgroup/memory ] && [ -e /sys/fs/cgroup/memory/memory.kmem.usage_in_bytes ]; then
	METER=/sys/fs/cgroup/memory/jaula-s${TAG}m
	kmem_of() { cat "$1/memory.kmem.usage_in_bytes" 2>/dev/null || echo 0; }
elif [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	METER=/sys/fs/cgroup/jaula-s${TAG}m
	kmem_of() { awk '$1 == "kernel" { print $2; f = 1 } END { if (!f) print 0 }' "$1/memory.stat" 2>/dev/null || echo 0; }
fi
if [ -n "$METER" ]; then
	mkdir "$METER" || METER=
fi
tree_kmem() { # bytes: meter + the jail tree of the memory hierarchy
	local t=0
	[ -n "$METER" ] || { echo 0; return; }
	if [ -d /sys/fs/cgroup/memory ]; then t=$(kmem_of "/sys/fs/cgroup/memory/$CGPATH")
	else t=$(kmem_of "/sys/fs/cgroup/$CGPATH"); fi
	echo $(( $(kmem_of "$METER") + ${t:-0} ))
}

n_jails() { find "$STATE/jails" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l; }
n_links() { # veths on our bridges
	local n=0 b
	for b in "$BR0" "$BR1"; do
		ip link show "$b" >/dev/null 2>&1 && n=$((n + $(ip -o link show master "$b" 2>/dev/null | wc -l)))
	done
	echo "$n"
}
n_netns() { lsns -n -t net -o NS 2>/dev/null | wc -l; }
n_cgroups() { # jail and group nodes under our cgroup_path, every hierarchy
	local n=0 d
	for d in /sys/fs/cgroup/*/"$CGPATH" /sys/fs/cgroup/"$CGPATH"; do
		[ -d "$d" ] && n=$((n + $(find "$d" -mindepth 1 -type d | wc -l)))
	done
	echo "$n"
}
n_mounts() { grep -e "$JB_DIR" -e " $ROOTFS" /proc/self/mountinfo | grep -vc " $STATE "; }
n_leases() { find "$STATE/net" -mindepth 3 -maxdepth 3 -type l -path '*/j/*' 2>/dev/null | wc -l; }
n_state() { # anything of a jail: its dir, lock, state, index entries
	find "$STATE/jails" "$STATE/netns" -mindepth 1 2>/dev/null | wc -l
}

# The first login on a new bridge creates the bridge and writes the
# firewall: a one-time cost per bridge, so each bridge is set up by a
# root-driven login (jailsh --user: the admin path) before anything is
# measured.  (Until 2026-11-27 this was also a workaround: libxtables
# _exit(111)ed in a setuid jailsh run by a user; nft.c now runs nftables
# with a real uid of 0, and t-38 checks it.)
bootstrap_bridges() {
	local i=1
	while { ! ip link show "$BR0" >/dev/null 2>&1 || ! ip link show "$BR1" >/dev/null 2>&1; } && [ $i -le "$MAXN" ] && [ $i -le 64 ]; do
		"$JB_JAILSH" --user "$PREFIX$i" -c true </dev/null >/dev/null 2>"$BENCH_OUT/scale-bootstrap.err" ||
			{ bench_note "bootstrap login $i failed: $(cat "$BENCH_OUT/scale-bootstrap.err")"; }
		i=$((i + 1))
	done
	for _ in $(seq 50); do [ "$(n_jails)" = 0 ] && break; sleep 0.1; done
}

# median of column COL (default 3: wall ms; 5: CPU ms) of lines FROM..TO
med() { sed -n "$2,$3p" "$1" | awk -v c="${4:-3}" '{print $c}' | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The O(N) detector that the load on this machine cannot blur: the
# system calls of one extra login (root-driven, so that strace may follow
# the setuid jailsh and its monitor and holder), counted with 0 jails and
# with N jails alive.  Work that grows with N shows up as calls that grow.
PROBE_USER=$PREFIX$((MAXN + 1))
probe() { # FILE
	timeout -k 5 60 strace -f -c -o "$1" "$JB_JAILSH" --user "$PROBE_USER" -c true </dev/null >/dev/null 2>&1
	for _ in $(seq 50); do [ "$(n_jails)" -le "${2:-0}" ] && break; sleep 0.1; done
}
probe_total() { awk '$NF == "total" { print $4 }' "$1" | head -1; }
probe_calls() { # FILE → "name calls" lines
	awk 'NR > 2 && $1 !~ /^-/ && $NF != "total" { if (NF == 6) print $6, $4; else if (NF == 5) print $5, $4 }' "$1"
}
# /proc/slabinfo as "cache bytes" (num_objs × objsize)
slabs() { awk 'NR > 2 { print $1, $3 * $4 }' /proc/slabinfo; }
slab_growth() { # BEFORE AFTER N → the 12 caches that grew most, KiB per jail
	join <(sort "$1") <(sort "$2") | awk -v n="$3" '{ d = ($3 - $2) / 1024 / (n < 1 ? 1 : n); if (d >= 0.5) print d, $1 }' |
		sort -rn | head -12 | awk '{ printf "%s%s %.1f", (NR > 1 ? ", " : ""), $2, $1 }'
}
# The file systems of one live jail: its holder's mounts, by superblock
# (st_dev), those the host does not have, with their type.
superblocks() {
	local h
	h=$(holders | head -1)
	[ -n "$h" ] && [ -r "/proc/$h/mountinfo" ] || return 0
	awk 'NR == FNR { host[$3] = 1; next } !($3 in host) && !seen[$3]++ { for (i = 7; $i != "-"; i++); printf "%s%s", (c++ ? ", " : ""), $(i + 1) } END { printf " (%d)", c }' \
		/proc/self/mountinfo "/proc/$h/mountinfo"
}
at() { awk -v k="$2" 'NR == k { printf "%.1f", $3 }' "$1"; }

[ "$NET" = 0 ] || bootstrap_bridges
probe "$BENCH_OUT/scale$SFX-probe-0.txt"
IFS=$'\n' read -r -d '' -a CPS < <(printf '%s\n' "${NS[@]}" | sort -n -u; printf '\0')
out=$BENCH_OUT/scale$SFX-logins.txt
: > "$out"
memrows=() proberows=() notes=() strows=() raterows=() sbrow='' slabrow=''
BUDGET=${BENCH_SCALE_BUDGET:-480}
sleep 2
netns0=$(n_netns)
read -r s0 k0 p0 c0 < <(bench_meminfo)
m0=$(tree_kmem)
slabs > "$JB_DIR/slab0"
t_start=$(date +%s.%N)
done_n=0 failed=0
for N in "${CPS[@]}"; do
	# Keep `make bench` within its time: at the pace measured so far, a
	# checkpoint that would end after BUDGET seconds is cut to fit.
	# The pace is the logins' own time (checkpoints and probes excluded).
	if [ "$done_n" -gt 0 ]; then
		el=$(awk '{ s += $3 } END { printf "%.3f", s / 1000 }' "$out")
		fit=$(awk -v e="$el" -v d="$done_n" -v b="$BUDGET" 'BEGIN { printf "%d", d + (b - e) * d / e }')
		if [ "$fit" -lt "$N" ]; then
			notes+=("N=$N was cut to $fit: at the pace measured so far ($(awk -v e="$el" -v d="$done_n" 'BEGIN { printf "%.0f", e * 1000 / d }') ms a login) the logins would not fit in BENCH_SCALE_BUDGET=$BUDGET s (load average: $(cut -d' ' -f1-3 /proc/loadavg))")
			N=$fit
			[ "$N" -le "$done_n" ] && break
		fi
	fi
	bench_note "scale: logins $((done_n + 1))…$N"
	(
		[ -n "$METER" ] && echo "$BASHPID" > "$METER/cgroup.procs"
		exec "$HELPERS/bench_spawn" "$JB_JAILSH" $((BENCH_UID0 + done_n)) "$GID" $((N - done_n)) \
			'sleep 100000 </dev/null >/dev/null 2>&1 &'
	) 2>>"$BENCH_OUT/scale$SFX-logins.err" | awk -v off="$done_n" '{ $1 += off; print; fflush() }' >> "$out"
	done_n=$(wc -l < "$out")
	failed=$(awk '$4 != 0' "$out" | wc -l)
	[ "$done_n" -ge "$N" ] || notes+=("bench_spawn stopped at login $done_n: $(tail -2 "$BENCH_OUT/scale$SFX-logins.err" | tr '\n|' '  ')")
	sleep 2
	read -r s1 k1 p1 c1 < <(bench_meminfo)
	m1=$(tree_kmem)
	live=$(n_jails) links=$(n_links) cgs=$(n_cgroups)
	kpj=$(awk -v a="$m0" -v b="$m1" -v n="$live" 'BEGIN { if (n < 1) n = 1; printf "%.0f", (b - a) / 1024 / n }')
	per=$(awk -v n="$live" -v s=$((s1 - s0)) -v k=$((k1 - k0)) -v p=$((p1 - p0)) -v c=$((c1 - c0)) \
		'BEGIN { if (n < 1) n = 1; printf "%.0f | %.0f | %.0f | %.0f | **%.0f**", s / n, k / n, p / n, c / n, (s + k + p + c) / n }')
	stent=$(find "$STATE" -mindepth 1 2>/dev/null | wc -l)
	strows+=("| $done_n | $live | $stent | $(awk -v a="$stent" -v n="$live" 'BEGIN { printf "%.1f", a / (n < 1 ? 1 : n) }') |")
	last_kpj=$kpj last_mi=$(awk -v n="$live" -v s=$((s1 - s0)) -v k=$((k1 - k0)) -v p=$((p1 - p0)) -v c=$((c1 - c0)) 'BEGIN { if (n < 1) n = 1; printf "%.0f", (s + k + p + c) / n }')
	memrows+=("| $done_n | $live | $links | $cgs | **$kpj** | $per | $(cut -d' ' -f1-3 /proc/loadavg) |")
	slabs > "$JB_DIR/slab1"
	slabrow=$(slab_growth "$JB_DIR/slab0" "$JB_DIR/slab1" "$live")
	[ -n "$sbrow" ] || sbrow=$(superblocks)
	probe "$BENCH_OUT/scale$SFX-probe-$done_n.txt" "$live"
	grow=$(join <(probe_calls "$BENCH_OUT/scale$SFX-probe-0.txt" | sort) <(probe_calls "$BENCH_OUT/scale$SFX-probe-$done_n.txt" | sort) |
		awk '$3 > $2 * 1.1 + 2 { printf "%s %d→%d, ", $1, $2, $3 }' | sed 's/, $//')
	proberows+=("| $done_n | $(probe_total "$BENCH_OUT/scale$SFX-probe-0.txt") | $(probe_total "$BENCH_OUT/scale$SFX-probe-$done_n.txt") | ${grow:-none} |")
	[ "$done_n" -ge "$N" ] || break
done
create_s=$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')

# The login-time sweep (jail.c maybe_sweep_all, bounded since 87bef6f):
# one login with the sweep due (gc.stamp aged, as t-12 does) against one
# without, both with all jails alive; wall and CPU from bench_spawn.
sweep_row=
if [ -e "$STATE/gc.stamp" ]; then
	touch "$STATE/gc.stamp"
	plain=$("$HELPERS/bench_spawn" "$JB_JAILSH" $((BENCH_UID0 + MAXN)) "$GID" 1 true 2>/dev/null)
	touch -d '-2 minutes' "$STATE/gc.stamp"
	swept=$("$HELPERS/bench_spawn" "$JB_JAILSH" $((BENCH_UID0 + MAXN)) "$GID" 1 true 2>/dev/null)
	sweep_row="| $(n_jails) | $(echo "$plain" | awk '{ printf "%.1f ms (CPU %.1f ms)", $3, $5 }') | $(echo "$swept" | awk '{ printf "%.1f ms (CPU %.1f ms)", $3, $5 }') |"
fi

# Teardown: every holder at once; done when nothing of any jail is left.
hp=$(holders | tr '\n' ' ')
nlive=$(n_jails)
t0=$(date +%s.%N)
# shellcheck disable=SC2086
[ -n "$hp" ] && kill -KILL $hp 2>/dev/null
for _ in $(seq 3000); do
	[ "$(n_jails)" = 0 ] && [ "$(n_links)" = 0 ] && [ "$(n_cgroups)" = 0 ] && [ "$(n_leases)" = 0 ] && break
	sleep 0.05
done
down_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# Login rate: P callers at once (P = 1, 2, 4), each logging in its own
# block of users one after the other, every login cold (`true`: the jail
# is made, runs the command and is torn down by its monitor once the
# login has returned).  The clock runs until the last of those jails is
# gone, so the teardowns are in the rate: a host that takes R logins a
# second for long must also tear down R jails a second.
# CPU of our logins alone, immune to the rest of this shared machine: the
# callers run in a cpuacct cgroup of ours (so do jailsh and the monitors
# it forks), the jails in theirs under CGPATH; cpuacct charges every
# ancestor as it goes, so CGPATH keeps what its removed jails used.  Not
# seen: kernel threads (the network namespace's cleanup runs in a
# kworker).  From it, the rate two idle cores could sustain.  jaula
# removes the cgroup_path node with its last jail (and with it what it
# counted), so an empty directory of ours under it keeps it for the phase.
RATE_K=${BENCH_SCALE_RATE:-200}
ACCT=
KEEP=/sys/fs/cgroup/cpuacct/$CGPATH/jaula-keep
if [ "$RATE_K" -gt 0 ] && [ -e /sys/fs/cgroup/cpuacct/cpuacct.usage ] && mkdir -p "$KEEP"; then
	on_exit "rmdir '$KEEP' '/sys/fs/cgroup/cpuacct/$CGPATH'"
	ACCT=/sys/fs/cgroup/cpuacct/jaula-s${TAG}a
	mkdir "$ACCT" && on_exit "for _ in {1..50}; do rmdir '$ACCT' && break; sleep 0.1; done" || ACCT=
fi
acct_ns() { # ns of CPU: our callers' cgroup + the jail tree
	[ -n "$ACCT" ] || { echo 0; return; }
	echo $(( $(cat "$ACCT/cpuacct.usage") + $(cat "/sys/fs/cgroup/cpuacct/$CGPATH/cpuacct.usage" 2>/dev/null || echo 0) ))
}
if [ "$RATE_K" -gt 0 ]; then
	for P in 1 2 4; do
		per=$((RATE_K / P))
		[ $((per * P)) -le "$MAXN" ] || per=$((MAXN / P))
		[ "$per" -ge 1 ] || continue
		for _ in $(seq 100); do [ "$(n_jails)" = 0 ] && break; sleep 0.1; done
		bench_note "scale: login rate, $P callers × $per logins"
		read -r _ u0 n0 sy0 _ < /proc/stat
		a0=$(acct_ns)
		t0=$(date +%s.%N)
		for i in $(seq 0 $((P - 1))); do
			(
				[ -n "$ACCT" ] && echo "$BASHPID" > "$ACCT/cgroup.procs"
				exec "$HELPERS/bench_spawn" "$JB_JAILSH" $((BENCH_UID0 + i * per)) "$GID" "$per" true
			) > "$JB_DIR/rate.$P.$i" 2>>"$BENCH_OUT/scale$SFX-logins.err" &
		done
		wait
		for _ in $(seq 600); do [ "$(n_jails)" = 0 ] && break; sleep 0.05; done
		t1=$(date +%s.%N)
		read -r _ u1 n1 sy1 _ < /proc/stat
		a1=$(acct_ns)
		cat "$JB_DIR"/rate."$P".* > "$JB_DIR/rate.$P"
		rok=$(awk '$4 == 0' "$JB_DIR/rate.$P" | wc -l)
		raterows+=("| $P | $((per * P)) | $rok | $(awk -v a="$t0" -v b="$t1" -v k="$rok" 'BEGIN { printf "%.1f | **%.1f**", b - a, k / (b - a) }') | $(awk '$4 == 0' "$JB_DIR/rate.$P" | sort -k3 -n | awk '{ v[NR] = $3 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)] }') | $(awk -v u=$((u1 - u0 + n1 - n0)) -v s=$((sy1 - sy0)) -v k="$rok" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (k) printf "%.1f", (u + s) * 1000 / hz / k }') | $(awk -v a="$a0" -v b="$a1" -v k="$rok" -v c="$(nproc)" 'BEGIN { if (k && b > a) printf "%.1f | %.0f", (b - a) / 1e6 / k, c * 1000 / ((b - a) / 1e6 / k); else printf "— | —" }') | $(cut -d' ' -f1-3 /proc/loadavg) |")
	done
fi

[ -d "$KEEP" ] && rmdir "$KEEP" "/sys/fs/cgroup/cpuacct/$CGPATH" 2>/dev/null
sleep 1
leftrow="| $nlive | $(n_links) | $(( $(n_netns) - netns0 )) | $(n_cgroups) | $(n_mounts) | $(n_leases) | $(n_state) | $(holders | wc -l) |"

# Per-login table: the k-th login, the median of the 20 up to it, CPU —
# over the logins that succeeded (a failed login is quick and says
# nothing about the cost of a jail); failures are counted apart.
all=$out
out=$BENCH_OUT/scale$SFX-logins-ok.txt
awk '$4 == 0' "$all" > "$out"
fail111=$(awk '$4 == 111' "$all" | wc -l)
[ "$failed" = 0 ] || notes+=("$failed of $done_n logins failed ($fail111 of them with exit status 111); the timings are over the $((done_n - failed)) that succeeded, numbered in order of success")
cols=""
nok=$(wc -l < "$out")
for k in 1 100 500 1000; do
	if [ "$k" -le "$nok" ]; then
		lo=$((k > 20 ? k - 19 : 1))
		cols+=" $(at "$out" "$k") ($(med "$out" "$lo" "$k")) |"
	else
		cols+=" — |"
	fi
done
firstmed=$(med "$out" 1 $((nok < 20 ? nok : 20)))
lastmed=$(med "$out" $((nok > 20 ? nok - 19 : 1)) "$nok")
ratio=$(awk -v a="$lastmed" -v b="$firstmed" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }')
cpu_first=$(med "$out" 1 $((nok < 20 ? nok : 20)) 5)
cpu_last=$(med "$out" $((nok > 20 ? nok - 19 : 1)) "$nok" 5)
cratio=$(awk -v a="$cpu_last" -v b="$cpu_first" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }')
mean=$(awk '{ s += $3 } END { if (NR) printf "%.1f", s / NR }' "$out")
# The per-100 means show a trend the single logins hide.
trend=$(awk '{ b = int((NR - 1) / 100); s[b] += $3; c[b] += $5; n[b]++ } END { for (i = 0; i in n; i++) printf "%s%d–%d: %.0f (%.1f)", (i ? ", " : ""), i * 100 + 1, i * 100 + n[i], s[i] / n[i], c[i] / n[i] }' "$out")

# One line for scripts (bench/scale-ab.sh).
echo "commit=$(git -C "$SRC_TREE" rev-parse --short HEAD) ok=$((done_n - failed)) failed=$failed first_med=$firstmed last_med=$lastmed ratio=$ratio cpu_first=$cpu_first cpu_last=$cpu_last cpu_ratio=$cratio memcg_kib=${last_kpj:-} meminfo_kib=${last_mi:-} rates=$(printf '%s\n' "${raterows[@]}" | awk -F'|' '{ gsub(/[ *]/, "", $6); gsub(/ /, "", $10); printf "%s%s~%s", (NR > 1 ? "/" : ""), $6, $10 }') load=$(cut -d' ' -f1 /proc/loadavg)" > "$BENCH_OUT/scale$SFX-summary.txt"
sec=$BENCH_OUT/scale$SFX.md
{
	if [ "$NET" = 0 ]; then echo "## Scale without a network: up to N simultaneous per-user jails, loopback only"
	else echo "## Scale: up to N simultaneous per-user jails"; fi
	echo
	echo "$done_n users (created in ${users_s} s in one batch) log in one after the other as themselves through the"
	echo "setuid jailsh, \`jailsh -c 'sleep 100000 &'\`, each into its own jail — scope user, lifetime processes, all"
	if [ "$NET" = 0 ]; then
		echo "namespaces, no \`network\` (the jail's own network namespace with loopback only, no veth), limits"
		echo "memory 256M / pids 64 / cpu 50%, default seccomp; rootfs: $ROOTFS_KIND."
	else
		echo "namespaces, veth on one of 2 bridges of one network (10.253.0.0/16, stable addresses; one bridge takes at"
		echo "most 1022 jails), limits memory 256M / pids 64 / cpu 50%, default seccomp; rootfs: $ROOTFS_KIND."
	fi
	echo "Commit: $(git -C "$SRC_TREE" rev-parse --short HEAD)$(git -C "$SRC_TREE" diff --quiet HEAD -- common shell || echo ' with uncommitted changes')."
	echo "Every jail stays alive (its sleeper) until the teardown at the end; the checkpoints are taken on the way."
	echo "Load average at the end of the logins: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; it counts everything running then, the benchmark's own jails included)."
	echo
	echo "Login time in ms (wall clock, as the caller sees it): the k-th login alone, in parentheses the median of"
	echo "the 20 logins up to it.  last/first: median of the last 20 logins ÷ median of the first 20.  CPU: user +"
	echo "system ms of jailsh and what it waits for (wait4 rusage), median of the first 20 → the last 20."
	echo
	echo "| logins | 1st | 100th | 500th | 1000th | mean | last/first | CPU first → last | all created (s) | teardown of all (s) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	echo "| $((done_n - failed)) ok, $failed failed |$cols $mean | $ratio | $cpu_first → $cpu_last ($cratio) | $create_s | $down_s |"
	echo
	echo "Mean wall ms (CPU ms) per 100 logins: $trend."
	echo
	echo "System calls of one extra login (strace -f -c, root-driven so strace may follow the setuid jailsh, its"
	echo "monitor and holder) with no jail alive and with N jails alive; work that grows with N shows here:"
	echo
	echo "| N | calls with 0 jails | calls with N jails | calls that grew by more than 10 % |"
	echo "|---:|---:|---:|---|"
	printf '%s\n' "${proberows[@]}"
	echo
	if [ -n "$sweep_row" ]; then
		echo "The login-time sweep (jail.c: maybe_sweep_all; since 87bef6f at most every 10 s and over at most 8"
		echo "jails picked at random), with all jails alive — a login with the sweep due (gc.stamp aged) and one without:"
		echo
		echo "| jails alive | a login without the sweep | the login that sweeps |"
		echo "|---:|---:|---:|"
		echo "$sweep_row"
		echo
	fi
	echo "Kernel memory per jail, KiB, two ways, at each checkpoint.  *memcg*: kernel memory charged to our"
	echo "processes (jailsh, monitors, holders, all in the jails: bench_spawn runs in a metering memory cgroup, the"
	echo "jails in theirs), growth ÷ live jails — immune to other processes, but it does not see the cgroup"
	echo "structures or what kernel threads allocate.  *meminfo*: growth of /proc/meminfo Slab, KernelStack,"
	echo "PageTables, Percpu ÷ live jails — system-wide, so other test runs on this shared machine move it."
	echo "Both include each jail's sleeper process (a bare \`sleep\` is ~92 KiB of memcg kmem here)."
	echo
	echo "| N | live jails | veths on our bridges | cgroup dirs | memcg kmem | meminfo Slab | KernelStack | PageTables | Percpu | meminfo total | load |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	printf '%s\n' "${memrows[@]}"
	echo
	echo "Slab caches that grew most, KiB per live jail, from before the first login to the last checkpoint"
	echo "(/proc/slabinfo num_objs × objsize; system-wide): ${slabrow:-—}."
	echo
	echo "File systems of one jail (superblocks the host does not have, from its holder's mountinfo): ${sbrow:-—}."
	echo
	echo "Entries in the state directory (files, directories, symlinks: jails/, netns/, net/, locks), at each"
	echo "checkpoint:"
	echo
	echo "| N | live jails | entries | per jail |"
	echo "|---:|---:|---:|---:|"
	printf '%s\n' "${strows[@]}"
	echo
	if [ "${#raterows[@]}" -gt 0 ]; then
		echo "Login rate (after the teardown above): P callers at once, each logging in its own block of users one"
		echo "after the other, every login cold (\`true\`: the jail is made, runs the command, and its monitor tears"
		echo "it down after the login returns); the time runs until the last of those jails is gone, so the"
		echo "teardowns are in the rate.  CPU per login: all CPUs' user+system time (/proc/stat) over the phase ÷"
		echo "logins — everything else running on this shared machine included."
		echo
		echo "*ours*: CPU of our callers, jailsh, monitors, holders and jails alone (cpuacct: the callers' cgroup and"
		echo "the jails' tree), not kernel threads; *idle-host rate*: $(nproc) cores ÷ that CPU per login."
		echo
		echo "| callers | logins | ok | seconds | logins/s | median login (ms) | CPU per login (ms, system-wide) | CPU per login (ms, ours) | idle-host rate (logins/s) | load |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
		printf '%s\n' "${raterows[@]}"
		echo
	fi
	echo "Left after the teardown and the login-rate phase (all must be 0; netns Δ is the change of the system-wide count, which other"
	echo "processes move — a jail's netns that survived would keep its veth on our bridges, counted first):"
	echo
	echo "| jails torn down | veths | netns Δ | cgroup dirs | mounts | leases | state files | holders |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
	echo "$leftrow"
	echo
	for x in "${notes[@]}"; do echo "- $x"; done
	echo "- Each bridge is first set up by one root-driven login (creating a bridge and its firewall is a"
	echo "  one-time cost per bridge, not part of a login)."
} > "$sec"
cat "$sec"
