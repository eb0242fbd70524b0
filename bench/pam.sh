#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/pam.sh — what pam_jaula costs a session it does not jail (root;
# never a test).
#
#   bench/pam.sh [REV]      REV: the revision to compare with, default main
#
# pamtester open_session+close_session for a user no rule matches, through
# a service without the pam_jaula line, with the working tree's thin
# pam_jaula.so, and with REV's pam_jaula.so; each module under two
# policies in /etc/jaula-bp*-TAG (so both use the policy cache, and the
# thin module its match table): one whose rule names users only, one whose
# rule names a group (README's usual set-up: the thin module must then ask
# NSS for the user's groups, as the full module always does).  First one
# hyperfine run of all the commands, then BENCH_ROUNDS interleaved rounds,
# each running every variant once in a random order; the table gives each
# variant's median and its median paired difference to "no line" of the
# same round.  Also counts the shared objects each variant initialises
# (LD_DEBUG=libs).
#
# Output: bench/out/pam.md and the hyperfine JSON beside it.
# Environment: BENCH_RUNS (hyperfine runs per command, default 100),
# BENCH_ROUNDS (interleaved rounds, default 200).
source "$(dirname "$0")/lib.sh"
bench_init pam
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed (bench/run.sh installs it)"
command -v pamtester >/dev/null || bench_die "pamtester is not installed"
REV=${1:-main}
RUNS=${BENCH_RUNS:-100}
ROUNDS=${BENCH_ROUNDS:-200}
git -C "$TOP" rev-parse --verify -q "$REV^{commit}" >/dev/null || bench_die "not a revision: $REV"
short=$(git -C "$TOP" rev-parse --short "$REV")
THIN=$TOP/pam_module/pam_jaula.so
[ -e "$THIN" ] && [ -e "$TOP/pam_module/pam_jaula_full.so" ] || bench_die "build first (make)"

_jb_dir || bench_die "no temp dir"
WT=$JB_DIR/rev
git -C "$TOP" worktree add -q --detach "$WT" "$REV" >&2 || bench_die "git worktree add failed"
on_exit "git -C '$TOP' worktree remove --force '$WT' 2>/dev/null; git -C '$TOP' worktree prune"
make -s -C "$WT" CI=true pam_module/pam_jaula.so >&2 || bench_die "cannot build $REV's pam_jaula.so"
OLD=$WT/pam_module/pam_jaula.so

bench_rootfs
GROUP=jaula-bg$TAG
FU=jaula-bp$TAG
make_user "$FU" "jaula-bh$TAG" /bin/sh >/dev/null || bench_die "cannot create the test user"
_retry groupadd "$GROUP" || bench_die "cannot create $GROUP"
on_exit "_retry groupdel '$GROUP'"

# policy KIND SELECTOR: /etc/jaula-bpKIND-TAG/jaula.conf, one jailing rule,
# its path in POL (not echoed: on_exit must run in this shell).
policy() {
	local d=/etc/jaula-bp$1-$TAG
	mkdir -m 0755 "$d" || bench_die "cannot create $d"
	on_exit "rm -rf '$d'; grep -lsF '$d/' /run/jaula-policy/*.cache /run/jaula-policy/*.match | xargs -r rm -f"
	cat > "$d/jaula.conf" <<-EOF
	global = { state_dir = "$JB_DIR/state"; cgroup_path = "jaula-b$TAG"; };
	rootfs = { r = { path = "$ROOTFS"; }; };
	profiles = { jailed = { rootfs = "r"; }; };
	match = ( { name = "jail"; $2 profile = "jailed"; } );
	EOF
	chmod 0644 "$d/jaula.conf"
	POL=$d/jaula.conf
}
policy u "users = [ \"jaula-nobody$TAG\" ];"
PU=$POL
policy g "groups = [ \"$GROUP\" ];"
PG=$POL
svc() { # NAME [MODULE ARGS]
	pam_service "jaula-$1-$TAG" <<-EOF
	auth     required  pam_permit.so
	account  required  pam_permit.so
	session  required  pam_permit.so
	${2:+session  requisite $2}
	EOF
}
svc bp0
svc bp1 "$THIN config=$PU"
svc bp2 "$OLD config=$PU"
svc bp3 "$THIN config=$PG"
svc bp4 "$OLD config=$PG"
sleep 4 # the cache is not written for files younger than 3 s
rows=$JB_DIR/rows
: > "$rows"
names=("no pam_jaula line" "thin, users rule" "$short, users rule" "thin, group rule" "$short, group rule")
for i in 0 1 2 3 4; do
	cmd="pamtester jaula-bp$i-$TAG $FU open_session close_session"
	$cmd >/dev/null 2>&1 || bench_die "${names[$i]}: the session fails: $($cmd 2>&1 | tail -1)"
	$cmd >/dev/null 2>&1
	libs[i]=$(LD_DEBUG=libs $cmd 2>&1 >/dev/null | grep -c 'calling init:')
	printf '%s\t%s\n' "${names[$i]}" "$cmd" >> "$rows"
done
[ -n "$(grep -lsF "$PG" /run/jaula-policy/*.match)" ] || bench_die "no match table was written for $PG"

args=()
while IFS=$'\t' read -r n c; do args+=(-n "$n" "$c"); done < "$rows"
json=$BENCH_OUT/pam.json
load0=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine -N --style basic --warmup 10 --runs "$RUNS" --export-json "$json" "${args[@]}" >&2 ||
	bench_die "hyperfine failed"
sec=$(bench_section pam)
{
	echo "## pam_jaula for a user no rule matches: working tree (thin) and $short"
	echo
	echo "pamtester open_session+close_session; hyperfine -N, $RUNS runs each, load average $load0 at the start."
	echo
	echo "| variant | mean ms | median ms | σ ms | shared objects initialised |"
	echo "|---|---|---|---|---|"
	python3 - "$json" "${libs[@]}" <<-'EOF'
	import json, sys
	res = json.load(open(sys.argv[1]))["results"]
	for r, libs in zip(res, sys.argv[2:]):
	    print(f"| {r['command']} | {r['mean']*1000:.2f} | {r['median']*1000:.2f} | {r['stddev']*1000:.2f} | {libs} |")
	EOF
	echo
	echo "Interleaved: $ROUNDS rounds, every variant once per round in a random order;" \
		"Δ is the median paired difference to \"no pam_jaula line\" in the same round."
	echo
	python3 - "$rows" "$ROUNDS" <<-'EOF'
	import random, statistics, subprocess, sys, time
	rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
	rounds = int(sys.argv[2])
	wall = [[] for _ in rows]
	for _ in range(rounds):
	    order = list(range(len(rows)))
	    random.shuffle(order)
	    for i in order:
	        t = time.perf_counter()
	        subprocess.run(rows[i][1].split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
	        wall[i].append(time.perf_counter() - t)
	base = wall[0]
	print("| variant | median ms | Δ to no line, ms | ratio to no line |")
	print("|---|---|---|---|")
	for (name, _), w in zip(rows, wall):
	    d = statistics.median(a - b for a, b in zip(w, base))
	    print(f"| {name} | {statistics.median(w)*1000:.2f} | {d*1000:+.2f} | {statistics.median(w)/statistics.median(base):.2f} |")
	EOF
} > "$sec"
cat "$sec"
