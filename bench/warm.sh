#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/warm.sh — the warm join against the host's own `sh -c true`, and
# where a warm join's system calls go (root; never a test).
#
#   bench/warm.sh [REV]     REV: a revision to set beside the working tree
#
# One hyperfine run, everything through the same runner (bench_runas as the
# warm user): the working tree's warm join, REV's warm join when REV is
# given (its jailsh built as compare.sh builds it, same policy), the host's
# `/bin/sh -c true` and `/bin/true`.  The ratio warm join / host sh is the
# figure issue #14 sets a target for (≤ 1.4).  A second run spaces the
# commands 100 ms apart (hyperfine --prepare 'sleep 0.1'), as real logins
# are: back to back, a login can ride on the RCU grace period its
# predecessor already waited for (a v1 cgroup.procs write waits for one).
# Then `strace -f -c` of one warm join of each jailsh: calls per syscall,
# the ten most frequent.
#
# Output: bench/out/warm.md and the hyperfine JSON beside it.
# Environment: BENCH_RUNS (hyperfine runs per command, default 100),
# BENCH_SPACED_RUNS (the spaced run, default 30; 0 skips it).
source "$(dirname "$0")/lib.sh"
bench_init warm
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed (bench/run.sh installs it)"
REV=${1:-}
RUNS=${BENCH_RUNS:-100}
SPACED=${BENCH_SPACED_RUNS:-30}

bench_rootfs
bench_jailsh || bench_die "cannot build the setuid test jailsh of the working tree"
NEW=$JB_JAILSH
OLD=
if [ -n "$REV" ]; then
	git -C "$TOP" rev-parse --verify -q "$REV^{commit}" >/dev/null || bench_die "not a revision: $REV"
	short=$(git -C "$TOP" rev-parse --short "$REV")
	WT=$JB_DIR/rev
	git -C "$TOP" worktree add -q --detach "$WT" "$REV" >&2 || bench_die "git worktree add failed"
	on_exit "git -C '$TOP' worktree remove --force '$WT' 2>/dev/null; git -C '$TOP' worktree prune"
	make -s -C "$WT" CI=true common/libjaula.a >&2 || bench_die "cannot build $REV's library"
	make -s -C "$WT" CI=true -o common/libjaula.a JAILSH="$JB_DIR/jailsh-rev" \
		OPT="-O2 -g -DJAULA_DEFAULT_CONFIG='\"$JB_DIR/etc/jaula.conf\"'" "$JB_DIR/jailsh-rev" >&2 ||
		bench_die "cannot build $REV's jailsh"
	chown root:root "$JB_DIR/jailsh-rev" && chmod 4755 "$JB_DIR/jailsh-rev" || bench_die "chmod failed"
	OLD=$JB_DIR/jailsh-rev
fi

bench_login_setup w
run() { echo "$HELPERS/bench_runas $(id -u "$UWARM") $(id -g "$UWARM") $*"; }
args=()
sides=("working tree:$NEW")
[ -n "$OLD" ] && sides=("$short:$OLD" "${sides[@]}")
for side in "${sides[@]}"; do
	cmd=$(run "${side#*:}" -c true)
	$cmd </dev/null >/dev/null 2>&1 || bench_die "warm join with ${side%%:*}'s jailsh fails: $($cmd 2>&1 </dev/null | head -1)"
	args+=(-n "warm join, ${side%%:*}" "$cmd")
done
args+=(-n "host sh -c true" "$(run /bin/sh -c true)" -n "/bin/true" "$(run /bin/true)")
load0=$(cut -d' ' -f1-3 /proc/loadavg)
json=$BENCH_OUT/warm.json
hyperfine -N --style basic --warmup 10 --runs "$RUNS" --export-json "$json" "${args[@]}" >&2 ||
	bench_die "hyperfine failed"
if [ "$SPACED" -gt 0 ]; then
	hyperfine -N --style basic --warmup 3 --runs "$SPACED" --prepare 'sleep 0.1' \
		--export-json "$BENCH_OUT/warm-spaced.json" "${args[@]}" >&2 || bench_die "hyperfine failed"
fi
table() {
	python3 - "$1" <<-'EOF'
	import json, sys
	res = json.load(open(sys.argv[1]))["results"]
	host = [r for r in res if r["command"] == "host sh -c true"][0]
	print("| command | mean ± σ (ms) | median | min | CPU (ms) | mean / host | median / host |")
	print("|---|---:|---:|---:|---:|---:|---:|")
	for r in res:
	    print("| %s | %.2f ± %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
	        r["command"], r["mean"] * 1e3, r["stddev"] * 1e3, r["median"] * 1e3,
	        r["min"] * 1e3, (r["user"] + r["system"]) * 1e3, r["mean"] / host["mean"],
	        r["median"] / host["median"]))
	EOF
}
sec=$(bench_section warm)
{
	echo "## Warm join against the host's sh -c true"
	echo
	echo "One hyperfine run, $RUNS runs each, load average $load0 at the start and" \
		"$(cut -d' ' -f1-3 /proc/loadavg) at the end ($(nproc) cores).  Every row runs" \
		"through bench_runas as the warm user; the ratios are the row's mean and" \
		"median over host sh -c true's (the median resists this shared machine's" \
		"outliers)."
	echo
	table "$json"
	if [ "$SPACED" -gt 0 ]; then
		echo
		echo "Spaced: $SPACED runs each, 100 ms apart (not measured), same commands:"
		echo
		table "$BENCH_OUT/warm-spaced.json"
	fi
	if command -v strace >/dev/null; then
		for side in "${sides[@]}"; do
			echo
			echo "System calls of one warm join, ${side%%:*} (\`strace -f -c\`, jailsh and its children):"
			echo
			echo '```'
			strace -f -c -o "$JB_DIR/strace.txt" $(run "${side#*:}" -c true) </dev/null >/dev/null 2>&1
			awk 'NR <= 2 || /^-/ { next } /total/ { t = $0; next } { print $4, $NF }' "$JB_DIR/strace.txt" |
				sort -rn | head -10
			awk '/total/ { print "total:", $4, "calls" }' "$JB_DIR/strace.txt"
			echo '```'
		done
	fi
	for n in "${LOGIN_NOTES[@]}"; do echo "- $n"; done
} > "$sec"
cat "$sec"
