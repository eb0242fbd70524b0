#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/compare.sh — the login path next to its peer, its floor and the
# host, and next to another revision's, in ONE interleaved run (root;
# never a test).  The run issue #14's targets are read from.
#
#   bench/compare.sh [REV]      REV: a git revision to set beside the
#                               working tree (none: the working tree alone)
#
# Rows, every one started through the same runner (bench_runas UID GID CMD):
#   jailsh -c true, cold with everything   (the "full" user: all namespaces,
#                                           veth on a bridge, limits, seccomp)
#   jailsh -c true, cold, network off
#   jailsh -c true, warm join               (a background session keeps the
#                                           warm user's jail alive)
#     — each for the working tree's jailsh and, with REV, for REV's (built
#       with the Makefile's recipe from a temporary `git worktree`, reading
#       the same policy: bench_login_setup in lib.sh);
#   bwrap --unshare-all … true              (root, on the same rootfs)
#   bench/floor                             (root: the kernel work of a
#                                           cold login alone, see floor.c)
#   host /bin/sh -c true, /bin/true         (as the warm user)
# bench/interleave.py runs them round-robin, the order rotated each round,
# so the load of this shared machine falls on every row alike; the ratios
# the issue's targets use are computed from that one run.  bench/forkcost
# records the machine's fork+exit and fork+exec before and after.
#
# Output: bench/out/compare.md and compare.json beside it.
# Environment: BENCH_RUNS (rounds, default 60), BENCH_GAP (seconds of quiet
# before each command, default 0.05: real logins do not come back to back).
source "$(dirname "$0")/lib.sh"
bench_init compare
REV=${1:-}
RUNS=${BENCH_RUNS:-60}
GAP=${BENCH_GAP:-0.05}
for b in floor forkcost; do
	[ -x "$TOP/bench/$b" ] || bench_die "bench/$b is not built (make bench builds it)"
done
command -v bwrap >/dev/null || bench_die "bwrap is not installed (bench/run.sh installs it)"

bench_rootfs
bench_jailsh || bench_die "cannot build the setuid test jailsh of the working tree"
NEW=$JB_JAILSH
sides=("working tree:$NEW")
if [ -n "$REV" ]; then
	git -C "$TOP" rev-parse --verify -q "$REV^{commit}" >/dev/null || bench_die "not a revision: $REV"
	short=$(git -C "$TOP" rev-parse --short "$REV")
	# The other revision: a detached worktree, its library built by its
	# own Makefile, then its jailsh with our policy path.
	WT=$JB_DIR/rev
	git -C "$TOP" worktree add -q --detach "$WT" "$REV" >&2 || bench_die "git worktree add failed"
	on_exit "git -C '$TOP' worktree remove --force '$WT' 2>/dev/null; git -C '$TOP' worktree prune"
	nice make -s -C "$WT" -j2 CI=true common/libjaula.a >&2 || bench_die "cannot build $REV's library"
	nice make -s -C "$WT" CI=true -o common/libjaula.a JAILSH="$JB_DIR/jailsh-rev" \
		OPT="-O2 -g -DJAULA_DEFAULT_CONFIG='\"$JB_DIR/etc/jaula.conf\"'" "$JB_DIR/jailsh-rev" >&2 ||
		bench_die "cannot build $REV's jailsh"
	chown root:root "$JB_DIR/jailsh-rev" && chmod 4755 "$JB_DIR/jailsh-rev" || bench_die "chmod failed"
	sides=("$short:$JB_DIR/jailsh-rev" "${sides[@]}")
fi

# The jails' state directory on a tmpfs, as /run is on real hosts (this
# VM's /run and /tmp are ext4, where a cold login's dozen metadata changes
# can wait on the journal).  Mounted before any jail exists; the trap
# unmounts it after the jails are gone (traps run in reverse order).
mkdir -m 0700 "$JB_DIR/state" && mount -t tmpfs -o mode=0700,size=16m jaula-bstate "$JB_DIR/state" ||
	bench_die "cannot mount a tmpfs for the state directory"
on_exit "umount -l '$JB_DIR/state'"
STATE_FS=$(stat -f -c %T "$JB_DIR/state")
bench_login_setup k
as() { local u=$1; shift; echo "$HELPERS/bench_runas $(id -u "$u") $(id -g "$u") $*"; }

# The floor's cgroup nodes go under the jails' cgroup_path (removed by
# bench_login_setup's trap), in the five hierarchies a cold login uses.
for h in memory pids cpuacct freezer cpu; do
	mkdir -p "/sys/fs/cgroup/$h/$CGPATH/floor" || bench_die "cannot create the floor's cgroup in $h"
done
FLOOR="$TOP/bench/floor $ROOTFS $BR $CGPATH/floor $(id -u "$UFULL") $(id -g "$UFULL") $JB_DIR/home/$UFULL 10.251.255.254"

rows=()
add() { # NAME CMD — checked once before it is timed
	local o
	o=$($2 2>&1 </dev/null) || bench_die "$1 fails: $(printf '%s' "$o" | head -3)"
	rows+=("$1=$2")
}
for side in "${sides[@]}"; do
	add "cold, everything, ${side%%:*}" "$(as "$UFULL" "${side#*:}" -c true)"
	add "cold, network off, ${side%%:*}" "$(as "$UNONET" "${side#*:}" -c true)"
	add "warm join, ${side%%:*}" "$(as "$UWARM" "${side#*:}" -c true)"
done
add "bwrap --unshare-all" "$(as root "$(command -v bwrap)" --unshare-all --bind "$ROOTFS" / --proc /proc --dev /dev true)"
add "floor" "$(as root "$FLOOR")"
add "host sh -c true" "$(as "$UWARM" /bin/sh -c true)"
add "/bin/true" "$(as "$UWARM" /bin/true)"

fc0=$("$TOP/bench/forkcost" 300)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
json=$BENCH_OUT/compare.json
bench_note "compare: ${#rows[@]} commands, $RUNS interleaved rounds, ${GAP}s apart"
python3 "$TOP/bench/interleave.py" "$json" "$RUNS" 3 "$GAP" "${rows[@]}" || bench_die "the interleaved run failed"
load1=$(cut -d' ' -f1-3 /proc/loadavg)
fc1=$("$TOP/bench/forkcost" 300)
live=$(find "$STATE/jails" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
veths=$(ip -o link show master "$BR" 2>/dev/null | wc -l)

sec=$(bench_section compare)
{
	echo "## The login path in one interleaved run${REV:+: $short next to the working tree}"
	echo
	echo "\`bench/compare.sh${REV:+ $REV}\`: $RUNS rounds, each command once per round in a rotated" \
		"order, ${GAP} s of quiet before each; load average $load0 at the start, $load1 at the" \
		"end ($(nproc) cores).  Every row goes through \`bench_runas\`; jailsh as its user, bwrap and" \
		"the floor as root, the host shell as the warm user.  CPU: user + system of the command" \
		"and what it waited for.  Rootfs: $ROOTFS_KIND.  The jails' state directory: $STATE_FS" \
		"(a tmpfs mounted for the run, as /run is on real hosts)."
	echo
	echo "The machine (\`bench/forkcost\`, median/mean ms over 300): fork+exit $(echo "$fc0" | awk '/fork_exit/ { print $2 "/" $3 }')," \
		"fork+exec of /bin/true $(echo "$fc0" | awk '/fork_exec/ { print $2 "/" $3 }') before the run;" \
		"$(echo "$fc1" | awk '/fork_exit/ { print $2 "/" $3 }') and $(echo "$fc1" | awk '/fork_exec/ { print $2 "/" $3 }') after."
	echo
	python3 - "$json" "${sides[@]%%:*}" <<-'EOF'
	import json, statistics as st, sys
	res = json.load(open(sys.argv[1]))["results"]
	by = {r["command"]: r for r in res}
	def ms(x): return x * 1e3
	print("| command | mean ± σ (ms) | median | min | CPU (ms) | failed |")
	print("|---|---:|---:|---:|---:|---:|")
	for r in res:
	    t = r["times"]
	    print("| %s | %.2f ± %.2f | %.2f | %.2f | %.2f | %d |" % (
	        r["command"], ms(st.mean(t)), ms(st.stdev(t)), ms(st.median(t)), ms(min(t)),
	        ms(st.mean(r["cpu"])), r["failed"]))
	print()
	print("Ratios issue #14 sets targets for (mean, median):")
	print()
	sides = sys.argv[2:]
	print("| ratio | target | " + " | ".join(sides) + " |")
	print("|---|---:|" + "---:|" * len(sides))
	def ratio(a, b):
	    ta, tb = by[a]["times"], by[b]["times"]
	    return st.mean(ta) / st.mean(tb), st.median(ta) / st.median(tb)
	for label, a, b, target in (
	        ("cold, everything / bwrap --unshare-all", "cold, everything, %s", "bwrap --unshare-all", 0.9),
	        ("cold, everything / floor", "cold, everything, %s", "floor", 1.3),
	        ("warm join / host sh -c true", "warm join, %s", "host sh -c true", 1.4)):
	    cells = []
	    for s in sides:
	        m, md = ratio(a % s, b)
	        cells.append("%.2f× / %.2f× %s" % (m, md, "met" if m <= target else "**not met**"))
	    print("| %s | ≤ %.1f× | %s |" % (label, target, " | ".join(cells)))
	print()
	print("For scale: floor / bwrap %.2f×, bwrap / /bin/true %.2f×, host sh / /bin/true %.2f× (means)." % (
	    ratio("floor", "bwrap --unshare-all")[0], ratio("bwrap --unshare-all", "/bin/true")[0],
	    ratio("host sh -c true", "/bin/true")[0]))
	EOF
	echo
	echo "- after the run: $live jail(s) live (1 expected: the warm one), $veths veth(s) on the bridge (1 expected)"
	for n in "${LOGIN_NOTES[@]}"; do echo "- $n"; done
} > "$sec"
cat "$sec"
