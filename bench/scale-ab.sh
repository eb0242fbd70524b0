#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/scale-ab.sh — a revision and the working tree, N simultaneous jails
# each, alternated: one interleaved run of bench/scale.sh (root; never a test).
#
#   bench/scale-ab.sh REV [N [ROUNDS]]     default N 300, ROUNDS 2
#
# Each round runs bench/scale.sh N once for REV's jailsh (built in a
# temporary `git worktree`, by this tree's scale.sh: same users, policy,
# probes) and once for the working tree's, the order swapped every round,
# so that the load of this shared machine falls on both alike.
# BENCH_SCALE_NET=0 is passed through (the profile without a network).
# Output: bench/out/scale-ab.md: one row per run (scale.sh's summary line)
# and the mean of each side.
set -u
source "$(dirname "$0")/lib.sh"
bench_init scale-ab
REV=${1:?usage: bench/scale-ab.sh REV [N [ROUNDS]]}
N=${2:-300}
ROUNDS=${3:-2}
git -C "$TOP" rev-parse --verify -q "$REV^{commit}" >/dev/null || bench_die "not a revision: $REV"
short=$(git -C "$TOP" rev-parse --short "$REV")
WT=$(mktemp -d /tmp/jaula-ab.XXXXXX) && rmdir "$WT"
git -C "$TOP" worktree add -q --detach "$WT" "$REV" >&2 || bench_die "git worktree add failed"
on_exit "git -C '$TOP' worktree remove --force '$WT' 2>/dev/null; git -C '$TOP' worktree prune"
nice make -s -C "$WT" -j2 CI=true common/libjaula.a >&2 || bench_die "cannot build $REV's library"
SFX=
[ "${BENCH_SCALE_NET:-1}" = 0 ] && SFX=-nonet
rows=()
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then order="rev tree"; else order="tree rev"; fi
	for side in $order; do
		bench_note "scale-ab: round $r, $side"
		if [ "$side" = rev ]; then
			BENCH_SCALE_TREE=$WT bash "$TOP/bench/scale.sh" "$N" >/dev/null 2>>"$BENCH_OUT/scale-ab.err"
		else
			bash "$TOP/bench/scale.sh" "$N" >/dev/null 2>>"$BENCH_OUT/scale-ab.err"
		fi
		line=$(cat "$BENCH_OUT/scale$SFX-summary.txt" 2>/dev/null)
		rows+=("$side $r $line")
	done
done
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p"; }
sec=$BENCH_OUT/scale-ab$SFX.md
{
	echo "## $short and the working tree, $N simultaneous jails each, alternated ($ROUNDS rounds)"
	echo
	echo "\`bench/scale-ab.sh $REV $N $ROUNDS\`$([ -n "$SFX" ] && echo ", BENCH_SCALE_NET=0 (no network)"): each row is one bench/scale.sh $N run.  ratio:"
	echo "wall median of the last 20 logins ÷ the first 20; CPU: the same for user+system CPU of the login;"
	echo "memcg / meminfo: kernel memory per live jail (KiB) at N, as in the scale section."
	echo
	echo "| side | round | commit | ok | wall first → last (ms) | ratio | CPU first → last (ms) | CPU ratio | memcg KiB | meminfo KiB | load (1 min) |"
	echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for x in "${rows[@]}"; do
		read -r side r line <<<"$x"
		f() { echo "$line" | field "$1"; }
		echo "| $side | $r | $(f commit) | $(f ok) | $(f first_med) → $(f last_med) | $(f ratio) | $(f cpu_first) → $(f cpu_last) | $(f cpu_ratio) | $(f memcg_kib) | $(f meminfo_kib) | $(f load) |"
	done
	echo
	for side in rev tree; do
		printf '%s\n' "${rows[@]}" | awk -v s="$side" '$1 == s' | sed 's/^[a-z]* [0-9]* //' |
			awk -v s="$side" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } n++ }
				END { if (n) printf "- mean of %s (%d runs): ratio %.2f, CPU ratio %.2f, memcg %.0f KiB, meminfo %.0f KiB per jail\n",
					(s == "rev" ? "the revision" : "the working tree"), n, v["ratio"] / n, v["cpu_ratio"] / n, v["memcg_kib"] / n, v["meminfo_kib"] / n }'
	done
} > "$sec"
cat "$sec"
