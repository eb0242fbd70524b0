#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/pty.sh — what the login's terminal costs (root; never a test).
#
#   bench/pty.sh [REV]      REV: the revision before per-jail devpts, default e653618
#
# Three setuid test jailsh, all reading the same policy (bench_login_setup,
# as compare.sh): REV's (the jail binds the host's /dev/pts), the working
# tree's (own devpts; the login's pty bound in as /dev/console in a mount
# namespace of the session's), and the working tree with
# bench/pty-relay.patch (own devpts; jailsh relays between the login's pty
# and a pty of the jail's instead: the design docs/pty.md rejects).  Each
# login runs on a fresh pty of the host's, owned by the user, as under
# sshd (tests/helpers/bench_pty, as the user: no timers of its own, which
# util-linux script has): warm join and cold login (no network) of
# `-c true`, and a warm login that writes ~2 MB to its terminal
# (`seq 300000`).  The `/bin/true` row is the runner's own cost.
#
# On a loaded machine a hyperfine run (all runs of one command, then the
# next) drifts with the load; so the same logins are also timed
# interleaved: BENCH_ROUNDS rounds, each running every variant once in a
# random order, and the table gives each variant's median and its median
# paired difference to REV's login of the same round.
#
# Output: bench/out/pty.md and the hyperfine JSON beside it.
# Environment: BENCH_RUNS (hyperfine runs per command, default 40),
# BENCH_ROUNDS (interleaved rounds, default 150).
source "$(dirname "$0")/lib.sh"
bench_init pty
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed (scripts/install-deps.sh installs it)"
[ -x "$HELPERS/bench_pty" ] || bench_die "tests/helpers/bench_pty is not built (make tests/helpers/bench_pty)"
REV=${1:-e653618}
RUNS=${BENCH_RUNS:-40}
ROUNDS=${BENCH_ROUNDS:-150}
git -C "$TOP" rev-parse --verify -q "$REV^{commit}" >/dev/null || bench_die "not a revision: $REV"
short=$(git -C "$TOP" rev-parse --short "$REV")

bench_rootfs
bench_jailsh || bench_die "cannot build the setuid test jailsh of the working tree"
BIND=$JB_JAILSH

# build_rev NAME REV [PATCH]: a setuid jailsh of REV (+ PATCH) at JB_DIR/jailsh-NAME.
build_rev() {
	local name=$1 rev=$2 patch=${3:-} wt=$JB_DIR/wt-$1
	git -C "$TOP" worktree add -q --detach "$wt" "$rev" >&2 || bench_die "git worktree add failed"
	on_exit "git -C '$TOP' worktree remove --force '$wt' 2>/dev/null; git -C '$TOP' worktree prune"
	if [ -n "$patch" ]; then
		git -C "$wt" apply "$patch" >&2 || bench_die "$patch does not apply to $rev"
	fi
	make -s -C "$wt" CI=true common/libjaula.a >&2 || bench_die "cannot build $name's library"
	make -s -C "$wt" -o common/libjaula.a JAILSH="$JB_DIR/jailsh-$name" \
		OPT="-O2 -g -DJAULA_DEFAULT_CONFIG='\"$JB_DIR/etc/jaula.conf\"'" "$JB_DIR/jailsh-$name" >&2 ||
		bench_die "cannot build $name's jailsh"
	chown root:root "$JB_DIR/jailsh-$name" && chmod 4755 "$JB_DIR/jailsh-$name" || bench_die "chmod failed"
}
build_rev old "$REV"
# The relay is built on the committed tree the patch was made against.
build_rev relay HEAD "$TOP/bench/pty-relay.patch"
OLD=$JB_DIR/jailsh-old RELAY=$JB_DIR/jailsh-relay

bench_login_setup t
as() { local u=$1; shift; echo "$HELPERS/bench_runas $(id -u "$u") $(id -g "$u") $*"; }
args=()
rows=$BENCH_OUT/pty.rows
: > "$rows"
for row in "warm join:$UWARM:true" "cold, no network:$UNONET:true" "warm, 2 MB of output:$UWARM:seq 300000"; do
	IFS=: read -r what u cmd <<<"$row"
	for side in "$short (host devpts):$OLD" "bind (this tree):$BIND" "relay (patch):$RELAY"; do
		c=$(as "$u" "$HELPERS/bench_pty" "${side#*:}" -c "\"$cmd\"")
		bash -c "$c" </dev/null >/dev/null 2>&1 || bench_die "$what with ${side%%:*} fails"
		args+=(-n "$what, ${side%%:*}" "$c")
		printf '%s\t%s\t%s\n' "$what" "${side%%:*}" "$c" >> "$rows"
	done
done
args+=(-n "/bin/true on a pty" "$(as "$UWARM" "$HELPERS/bench_pty" /bin/true)")
load0=$(cut -d' ' -f1-3 /proc/loadavg)
json=$BENCH_OUT/pty.json
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$json" "${args[@]}" </dev/null >&2 ||
	bench_die "hyperfine failed"
sec=$(bench_section pty)
{
	echo "## The login's terminal: $short, bind, relay"
	echo
	echo "One hyperfine run, $RUNS runs each, load average $load0 at the start and" \
		"$(cut -d' ' -f1-3 /proc/loadavg) at the end.  Every login runs on a pty of the" \
		"host's owned by the user, as under sshd; CPU: user + system of the runner, jailsh" \
		"and its children."
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
	echo
	echo "Interleaved: $ROUNDS rounds, every login of a round in a random order;" \
		"load average $(cut -d' ' -f1-3 /proc/loadavg) at the start.  Δ: median of the" \
		"paired difference to $short's login of the same kind in the same round."
	echo
	python3 - "$rows" "$ROUNDS" "$short" <<-'EOF'
	import random, resource, statistics, subprocess, sys, time
	rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
	rounds, base = int(sys.argv[2]), sys.argv[3]
	wall = {i: [] for i in range(len(rows))}
	cpu = {i: [] for i in range(len(rows))}
	def usage():
	    r = resource.getrusage(resource.RUSAGE_CHILDREN)
	    return r.ru_utime + r.ru_stime
	for _ in range(rounds):
	    order = list(range(len(rows)))
	    random.shuffle(order)
	    for i in order:
	        c0, t0 = usage(), time.perf_counter()
	        subprocess.run(["bash", "-c", "exec " + rows[i][2]], stdin=subprocess.DEVNULL,
	                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	        wall[i].append((time.perf_counter() - t0) * 1e3)
	        cpu[i].append((usage() - c0) * 1e3)
	print("| login | median (ms) | Δ wall (ms) | CPU median (ms) | Δ CPU (ms) |")
	print("|---|---:|---:|---:|---:|")
	for i, (what, side, _) in enumerate(rows):
	    ref = next(j for j, r in enumerate(rows) if r[0] == what and r[1].startswith(base))
	    dw = statistics.median(a - b for a, b in zip(wall[i], wall[ref]))
	    dc = statistics.median(a - b for a, b in zip(cpu[i], cpu[ref]))
	    print("| %s, %s | %.2f | %+.2f | %.2f | %+.2f |" % (
	        what, side, statistics.median(wall[i]), dw, statistics.median(cpu[i]), dc))
	EOF
	for n in "${LOGIN_NOTES[@]}"; do echo "- $n"; done
} > "$sec"
cat "$sec"
