#!/usr/bin/env bash
# bench/scale.sh — many simultaneous per-user jails (root; never a test).
#
#   bench/scale.sh [N…]          default: $BENCH_SCALE_N or "1 100 500 1000"
#
# For each N, on a fresh start: N throwaway users (one batch, see
# tests/helpers/bench_users.c) log in one after the other through the
# setuid jailsh (tests/helpers/bench_spawn: each login runs as its user,
# jailsh -c 'sleep … &'), each into its own jail — scope user, lifetime
# processes, so the background sleeper keeps the jail alive after the
# login ends — with all namespaces, a veth on one of the network's two
# bridges (one bridge takes at most 1023 ports), cgroup limits and seccomp.
# Measured:
#   - the time of each login, shown for the 1st, 100th, 500th, 1000th
#     (and the median of the 20 logins up to it, which is steadier);
#   - kernel memory per jail: the growth of Slab, KernelStack, PageTables
#     and Percpu in /proc/meminfo from before the first login to after the
#     N-th, divided by N (holder, monitor and sleeper processes included);
#   - teardown: every holder SIGKILLed at once (what `jaula stop` does to
#     one), until no jail, veth, cgroup, lease or state file is left;
#   - proof that nothing is left: links on our bridges, network
#     namespaces (system-wide count against the count before), cgroups,
#     mounts, leases, state files.
# Output: bench/out/scale.md (a section of RESULTS.md), raw per-login
# times in bench/out/scale-N.txt.
source "$(dirname "$0")/lib.sh"
bench_init scale
read -r -a NS <<<"${*:-${BENCH_SCALE_N:-1 100 500 1000}}"
MAXN=0
for n in "${NS[@]}"; do
	[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || bench_die "N must be a positive number: '$n'"
	[ "$n" -gt "$MAXN" ] && MAXN=$n
done
[ "$MAXN" -le 2046 ] || bench_die "N ≤ 2046 (two bridges of 1023 ports)"

bench_rootfs
bench_jailsh || bench_die "cannot build the setuid test jailsh"
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

# Cleanups run in reverse: jails, cgroups, bridges, then users, JB_DIR.
bench_net_begin
on_exit "bench_net_end '$BR0' '$BR1'"
on_exit "_scale_cg_sweep"
on_exit "_scale_kill_all"

mkdir -m 0755 -p "$JB_DIR/etc"
cat > "$JB_DIR/etc/jaula.conf" <<EOF
global = { state_dir = "$STATE"; cgroup_path = "$CGPATH"; default_shell = "/bin/sh";
           include_dir = "$JB_DIR/etc/conf.d"; };
rootfs = { r = { path = "$ROOTFS"; }; };
networks = { s = { bridges = [ "$BR0", "$BR1" ]; subnet = "10.253.0.0/16"; }; };
profiles = { p = { rootfs = "r"; scope = "user"; lifetime = "processes"; network = "s";
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
n_mounts() { grep -c -e "$JB_DIR" -e " $ROOTFS" /proc/self/mountinfo; }
n_leases() { find "$STATE/net" -mindepth 3 -maxdepth 3 -type l -path '*/j/*' 2>/dev/null | wc -l; }
n_state() { # anything of a jail: its dir, lock, state, index entries
	find "$STATE/jails" "$STATE/netns" -mindepth 1 2>/dev/null | wc -l
}

# The first login on a new bridge sets the bridge up, which runs
# nftables; libxtables (under libnftables) _exit(111)s when
# getuid() != geteuid(), i.e. in a setuid jailsh run by a user.  So each
# bridge is set up by a root-driven login (jailsh --user: the admin path)
# before anything is measured.  Reported in RESULTS.md.
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
	strace -f -c -o "$1" "$JB_JAILSH" --user "$PROBE_USER" -c true </dev/null >/dev/null 2>&1
	for _ in $(seq 50); do [ "$(n_jails)" -le "${2:-0}" ] && break; sleep 0.1; done
}
probe_total() { awk '$NF == "total" { print $4 }' "$1" | head -1; }
probe_calls() { # FILE → "name calls" lines
	awk 'NR > 2 && $1 !~ /^-/ && $NF != "total" { if (NF == 6) print $6, $4; else if (NF == 5) print $5, $4 }' "$1"
}
at() { awk -v k="$2" '$1 == k { printf "%.1f", $3 }' "$1"; }

bootstrap_bridges
probe "$BENCH_OUT/scale-probe-0.txt"
rows=() memrows=() leftrows=() notes=() proberows=()
BUDGET=${BENCH_SCALE_BUDGET:-480}
prev_mean=
for N in "${NS[@]}"; do
	# Keep `make bench` within its time: a large N whose logins would take
	# longer than BUDGET seconds at the last measured pace is cut to fit.
	if [ -n "$prev_mean" ]; then
		fit=$(awk -v m="$prev_mean" -v b="$BUDGET" 'BEGIN { printf "%d", b * 1000 / (m > 0 ? m : 1) }')
		if [ "$fit" -lt "$N" ]; then
			notes+=("N=$N was cut to $fit: at the measured $prev_mean ms a login it would not fit in BENCH_SCALE_BUDGET=$BUDGET s (machine load: $(cut -d' ' -f1-3 /proc/loadavg))")
			N=$fit
		fi
	fi
	out=$BENCH_OUT/scale-$N.txt
	sleep 2
	netns0=$(n_netns)
	read -r s0 k0 p0 c0 < <(bench_meminfo)
	bench_note "scale: N=$N logins"
	t0=$(date +%s.%N)
	m0=$(tree_kmem)
	(
		[ -n "$METER" ] && echo "$BASHPID" > "$METER/cgroup.procs"
		exec "$HELPERS/bench_spawn" "$JB_JAILSH" "$BENCH_UID0" "$GID" "$N" \
			'sleep 100000 </dev/null >/dev/null 2>&1 &'
	) > "$out" 2>"$BENCH_OUT/scale-$N.err"
	spawn_rc=$?
	create_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	failed=$(awk '$4 != 0' "$out" | wc -l)
	done_n=$(wc -l < "$out")
	sleep 2
	read -r s1 k1 p1 c1 < <(bench_meminfo)
	m1=$(tree_kmem)
	live=$(n_jails) links=$(n_links) cgs=$(n_cgroups)
	kpj=$(awk -v a="$m0" -v b="$m1" -v n="$live" 'BEGIN { if (n < 1) n = 1; printf "%.0f", (b - a) / 1024 / n }')
	per=$(awk -v n="$live" -v s=$((s1 - s0)) -v k=$((k1 - k0)) -v p=$((p1 - p0)) -v c=$((c1 - c0)) \
		'BEGIN { if (n < 1) n = 1; printf "%.0f | %.0f | %.0f | %.0f | **%.0f**", s / n, k / n, p / n, c / n, (s + k + p + c) / n }')
	first=$(at "$out" 1)
	cols=""
	for k in 1 100 500 1000; do
		if [ "$k" -le "$done_n" ]; then
			lo=$((k > 20 ? k - 19 : 1))
			cols+=" $(at "$out" "$k") ($(med "$out" "$lo" "$k")) |"
		else
			cols+=" — |"
		fi
	done
	last=$(at "$out" "$done_n")
	lastmed=$(med "$out" $((done_n > 20 ? done_n - 19 : 1)) "$done_n")
	firstmed=$(med "$out" 1 $((done_n < 20 ? done_n : 20)))
	ratio=$(awk -v a="$lastmed" -v b="$firstmed" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }')
	mean=$(awk '{ s += $3 } END { if (NR) printf "%.1f", s / NR }' "$out")
	prev_mean=$mean

	cpu_first=$(med "$out" 1 $((done_n < 20 ? done_n : 20)) 5)
	cpu_last=$(med "$out" $((done_n > 20 ? done_n - 19 : 1)) "$done_n" 5)
	cratio=$(awk -v a="$cpu_last" -v b="$cpu_first" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }')
	probe "$BENCH_OUT/scale-probe-$N.txt" "$live"
	grow=$(join <(probe_calls "$BENCH_OUT/scale-probe-0.txt" | sort) <(probe_calls "$BENCH_OUT/scale-probe-$N.txt" | sort) |
		awk '$3 > $2 * 1.1 + 2 { printf "%s %d→%d, ", $1, $2, $3 }' | sed 's/, $//')
	proberows+=("| $N | $(probe_total "$BENCH_OUT/scale-probe-0.txt") | $(probe_total "$BENCH_OUT/scale-probe-$N.txt") | ${grow:-none} |")

	# Teardown: every holder at once; done when nothing of any jail is left.
	hp=$(holders | tr '\n' ' ')
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	[ -n "$hp" ] && kill -KILL $hp 2>/dev/null
	for _ in $(seq 1200); do
		[ "$(n_jails)" = 0 ] && [ "$(n_links)" = 0 ] && [ "$(n_cgroups)" = 0 ] && [ "$(n_leases)" = 0 ] && break
		sleep 0.05
	done
	down_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	sleep 1
	netns1=$(n_netns)
	rows+=("| $N | $((done_n - failed)) ok, $failed failed |$cols $mean | $ratio | $cpu_first → $cpu_last ($cratio) | $create_s | $down_s |")
	memrows+=("| $N | $live | $links | $cgs | **$kpj** | $per |")
	leftrows+=("| $N | $(n_links) | $((netns1 - netns0)) | $(n_cgroups) | $(n_mounts) | $(n_leases) | $(n_state) | $(holders | wc -l) |")
	[ "$spawn_rc" = 0 ] || notes+=("N=$N: bench_spawn stopped early: $(tail -3 "$BENCH_OUT/scale-$N.err" | tr '\n|' '  ')")
	[ "$failed" = 0 ] || notes+=("N=$N: $failed logins failed; first error: $(grep -m1 jailsh "$BENCH_OUT/scale-$N.err" | tr '|' ' ')")
done

sec=$BENCH_OUT/scale.md
{
	echo "## Scale: N simultaneous per-user jails"
	echo
	echo "Each N starts from zero jails.  N users (created in ${users_s} s in one batch) log in one after the"
	echo "other as themselves through the setuid jailsh, \`jailsh -c 'sleep 100000 &'\` — scope user, lifetime"
	echo "processes, all namespaces, veth on one of 2 bridges of one network (10.253.0.0/16, stable addresses),"
	echo "limits memory 256M / pids 64 / cpu 50%, default seccomp; rootfs: $ROOTFS_KIND."
	echo "Login times in ms (wall clock, as the caller sees it): the k-th login alone, and in parentheses the"
	echo "median of the 20 logins up to it.  last/first: median of the last 20 logins ÷ median of the first 20."
	echo "CPU: user + system ms of jailsh and the processes it waits for (wait4 rusage), median of the first"
	echo "20 → of the last 20 (ratio) — steadier than the wall clock when the machine is loaded."
	echo
	echo "| N | logins | 1st | 100th | 500th | 1000th | mean | last/first | CPU first → last | all N created (s) | teardown of all (s) |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "System calls of one extra login (strace -f -c, root-driven; jailsh, monitor, holder, shell) with"
	echo "no jail alive and with N jails alive — work that grows with N would show here:"
	echo
	echo "| N | calls with 0 jails | calls with N jails | calls that grew by more than 10 % |"
	echo "|---:|---:|---:|---|"
	printf '%s\n' "${proberows[@]}"
	echo
	echo "Kernel memory per jail, KiB, two ways, with the live jails, veths and cgroup directories counted"
	echo "after the N-th login.  *memcg*: kernel memory charged to our processes (jailsh, monitors, holders,"
	echo "everything in the jails: bench_spawn runs in a metering memory cgroup, the jails in theirs),"
	echo "growth ÷ live jails — immune to other processes.  *meminfo*: growth of /proc/meminfo Slab,"
	echo "KernelStack, PageTables, Percpu ÷ live jails — system-wide, so other engineers' test runs on this"
	echo "shared machine move it (it can even go negative)."
	echo
	echo "| N | live jails | veths on our bridges | cgroup dirs | memcg kmem | meminfo Slab | KernelStack | PageTables | Percpu | meminfo total |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${memrows[@]}"
	echo
	echo "Left after teardown (all must be 0; netns is the change of the system-wide count, which other"
	echo "processes on the machine can move):"
	echo
	echo "| N | veths | netns Δ | cgroup dirs | mounts | leases | state files | holders |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${leftrows[@]}"
	echo
	for x in "${notes[@]}"; do echo "- $x"; done
	echo "- Each bridge is first set up by one root-driven login (see *Limits found*: a setuid jailsh run by"
	echo "  a user dies with status 111 inside libxtables when it has to set up a new bridge)."
} > "$sec"
cat "$sec"
