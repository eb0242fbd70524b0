#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/first.sh — the first login after a policy edit, with and without
# `jaula check-config` in between (root; never a test).
#
#   bench/first.sh [ROUNDS]     default 8
#
# Each round rewrites the benchmark's policy (same text, a new file: what
# an editor's save does), waits until its time stamps are no longer
# "racy" for the policy cache (3 s, policy_cache.c), then times one cold
# login of the "full" user through bench_runas: once straight away (the
# login parses the policy and writes the cache), once after
# `jaula check-config` (the login reads the cache check-config wrote).
# The two variants alternate, starting with the other one each round.
# The policy has BENCH_FIRST_RULES (default 2000) extra match rules in a
# drop-in.  The seccomp filter is the same in both (its file is keyed by the profile,
# which does not change): this measures the policy cache alone.
#
# Output: bench/out/first.md.
source "$(dirname "$0")/lib.sh"
bench_init first
ROUNDS=${1:-8}
bench_rootfs
bench_jailsh || bench_die "cannot build the setuid test jailsh"
bench_login_setup f
CONF=$JB_DIR/etc/jaula.conf
# A policy of a realistic size: RULES more match rules in a drop-in, for
# users that do not exist (after the benchmark's own, so matching is
# unchanged; parsing and validating them is what the cache saves).
RULES=${BENCH_FIRST_RULES:-2000}
mkdir -m 0755 -p "$JB_DIR/etc/conf.d"
python3 -c 'import sys
n = int(sys.argv[1])
print("match = (")
print(",\n".join("  { name = \"r%d\"; users = [ \"jaula-none-%d\" ]; profile = \"nonet\"; }" % (i, i) for i in range(n)))
print(");")' "$RULES" > "$JB_DIR/etc/conf.d/rules.conf" || bench_die "cannot write the drop-in"
chmod 0644 "$JB_DIR/etc/conf.d/rules.conf"
run=("$HELPERS/bench_runas" "$(id -u "$UFULL")" "$(id -g "$UFULL")" "$JB_JAILSH" -c true)
"${run[@]}" </dev/null >/dev/null 2>&1 || bench_die "the cold login fails"
# One login, timed (ms).
timed() { python3 -c 'import os, sys, time
t = time.perf_counter(); pid = os.posix_spawn(sys.argv[1], sys.argv[1:], {})
_, st, _ = os.wait4(pid, 0); print("%.2f" % ((time.perf_counter() - t) * 1e3) if st == 0 else "fail")' "$@" </dev/null; }
plain=() pre=()
for ((i = 0; i < ROUNDS; i++)); do
	for v in $([ $((i % 2)) = 0 ] && echo "plain pre" || echo "pre plain"); do
		cp -p "$CONF" "$CONF.new" && mv -f "$CONF.new" "$CONF" && touch "$CONF" || bench_die "cannot rewrite the policy"
		sleep 3.5
		if [ "$v" = pre ]; then
			"$TOP/cli/jaula" check-config "$CONF" >/dev/null || bench_die "check-config fails"
			pre+=("$(timed "${run[@]}")")
		else
			plain+=("$(timed "${run[@]}")")
		fi
	done
done
sec=$(bench_section first)
{
	echo "## The first login after a policy edit, with and without check-config"
	echo
	echo "\`bench/first.sh $ROUNDS\`: cold login with everything, one per policy rewrite, the variants" \
		"alternating; the policy has $RULES extra match rules in a drop-in; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
	echo
	python3 - "${plain[*]}" "${pre[*]}" <<-'EOF'
	import statistics as st, sys
	a = [float(x) for x in sys.argv[1].split() if x != "fail"]
	b = [float(x) for x in sys.argv[2].split() if x != "fail"]
	print("| first login | n | mean (ms) | median | min |")
	print("|---|---:|---:|---:|---:|")
	for name, v in (("parses the policy, writes the cache", a), ("after check-config (cache read)", b)):
	    print("| %s | %d | %.2f | %.2f | %.2f |" % (name, len(v), st.mean(v), st.median(v), min(v)))
	EOF
	for n in "${LOGIN_NOTES[@]}"; do echo "- $n"; done
} > "$sec"
cat "$sec"
