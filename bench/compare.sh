#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/compare.sh — the login path of another revision next to the
# working tree's, in one hyperfine run (root; never a test).
#
#   bench/compare.sh [REV]      REV: any git revision, default HEAD
#
# Builds the setuid test jailsh twice with the Makefile's recipe — once
# from REV (checked out with `git worktree` in a temp dir, removed by the
# trap), once from the working tree — both reading the same policy
# (bench_login_setup in lib.sh: the cold.sh set-up), and times, alternating
# nothing else: warm join, cold with everything, cold without network for
# each, and /bin/true, all through the same runner (bench_runas).  This is
# how a change to the login path is judged: same machine, same moment,
# same load.
#
# Output: bench/out/compare.md and the hyperfine JSON beside it.
# Environment: BENCH_RUNS (hyperfine runs per command, default 60).
source "$(dirname "$0")/lib.sh"
bench_init compare
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed (bench/run.sh installs it)"
REV=${1:-HEAD}
RUNS=${BENCH_RUNS:-60}
git -C "$TOP" rev-parse --verify -q "$REV^{commit}" >/dev/null || bench_die "not a revision: $REV"
short=$(git -C "$TOP" rev-parse --short "$REV")

bench_rootfs
bench_jailsh || bench_die "cannot build the setuid test jailsh of the working tree"
NEW=$JB_JAILSH

# The other revision: a detached worktree, its library built by its own
# Makefile, then its jailsh with our policy path.
WT=$JB_DIR/rev
git -C "$TOP" worktree add -q --detach "$WT" "$REV" >&2 || bench_die "git worktree add failed"
on_exit "git -C '$TOP' worktree remove --force '$WT' 2>/dev/null; git -C '$TOP' worktree prune"
make -s -C "$WT" CI=true common/libjaula.a >&2 || bench_die "cannot build $REV's library"
make -s -C "$WT" CI=true -o common/libjaula.a JAILSH="$JB_DIR/jailsh-rev" \
	OPT="-O2 -g -DJAULA_DEFAULT_CONFIG='\"$JB_DIR/etc/jaula.conf\"'" "$JB_DIR/jailsh-rev" >&2 ||
	bench_die "cannot build $REV's jailsh"
chown root:root "$JB_DIR/jailsh-rev" && chmod 4755 "$JB_DIR/jailsh-rev" || bench_die "chmod failed"
OLD=$JB_DIR/jailsh-rev

bench_login_setup k
as() { local u=$1; shift; echo "$HELPERS/bench_runas $(id -u "$u") $(id -g "$u") $*"; }
args=()
for row in "warm join:$UWARM" "cold, everything:$UFULL" "cold, network off:$UNONET"; do
	u=${row#*:}
	for side in "$short:$OLD" "working tree:$NEW"; do
		cmd=$(as "$u" "${side#*:}" -c true)
		$cmd </dev/null >/dev/null 2>&1 || bench_die "${row%%:*} with ${side%%:*}'s jailsh fails: $($cmd 2>&1 </dev/null | head -1)"
		args+=(-n "${row%%:*}, ${side%%:*}" "$cmd")
	done
done
args+=(-n "/bin/true" "$(as "$UWARM" /bin/true)")
load0=$(cut -d' ' -f1-3 /proc/loadavg)
json=$BENCH_OUT/compare.json
hyperfine -N --style basic --warmup 5 --runs "$RUNS" --export-json "$json" "${args[@]}" >&2 ||
	bench_die "hyperfine failed"
sec=$(bench_section compare)
{
	echo "## $short against the working tree"
	echo
	echo "One hyperfine run, $RUNS runs each, load average $load0 at the start and" \
		"$(cut -d' ' -f1-3 /proc/loadavg) at the end (2 cores).  CPU: user + system of" \
		"the runner, jailsh and its children."
	echo
	python3 - "$json" <<-'EOF'
	import json, sys
	res = json.load(open(sys.argv[1]))["results"]
	print("| login | mean ± σ (ms) | median | min | CPU (ms) |")
	print("|---|---:|---:|---:|---:|")
	for r in res:
	    print("| %s | %.2f ± %.2f | %.2f | %.2f | %.2f |" % (
	        r["command"], r["mean"] * 1e3, r["stddev"] * 1e3, r["median"] * 1e3,
	        r["min"] * 1e3, (r["user"] + r["system"]) * 1e3))
	EOF
	for n in "${LOGIN_NOTES[@]}"; do echo "- $n"; done
} > "$sec"
cat "$sec"
