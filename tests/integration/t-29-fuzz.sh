#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-29: the policy parser survives ~60 s of libFuzzer with ASan and UBSan
# (no crash, no leak, no timeout, no undefined behaviour).  Builds the
# target with `make fuzz` (clang, build/fuzz/), starting from the seed
# corpus tests/fuzz/corpus, which it leaves untouched.  Runs as root only
# because it sits among the integration tests; it needs no privilege.
# JAULA_FUZZ_SECONDS overrides the duration.
. "$(dirname "$0")/../lib.sh"
need_cmd clang make
secs=${JAULA_FUZZ_SECONDS:-60}

# libFuzzer ships with clang's compiler-rt (libclang-rt-*-dev on Debian).
probe=$(mktemp -d /tmp/jaula-fuzzprobe.XXXXXX)
on_exit rm -rf "$probe"
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' > "$probe/p.c"
clang -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" >"$probe/log" 2>&1 ||
	skip_all "clang cannot link libFuzzer here: $(head -1 "$probe/log")"

if ! out=$(make -s -C "$TOP" fuzz 2>&1); then
	not_ok "make fuzz builds the policy fuzzer"
	printf '%s\n' "$out" | tail -15 | diag
	finish
fi
ok "make fuzz builds the policy fuzzer"

work=$(mktemp -d /tmp/jaula-fuzz.XXXXXX)
on_exit rm -rf "$work"
mkdir "$work/corpus" "$work/art"
LSAN_OPTIONS=print_suppressions=0 "$TOP/build/fuzz/fuzz_policy" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=16384 -print_final_stats=1 -artifact_prefix="$work/art/" \
	"$work/corpus" "$TOP/tests/fuzz/corpus" >"$work/log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
arts=$(ls "$work/art" | wc -l)
if [ $rc -eq 0 ] && [ "$arts" -eq 0 ] && [ -n "$runs" ]; then
	ok "fuzz_policy: $runs executions in ${secs} s, no crash, leak or timeout"
else
	not_ok "fuzz_policy: status $rc, $arts artifact(s) after ${runs:-?} executions"
	grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$work/log" | head -20 | diag
	for a in "$work/art"/*; do
		[ -e "$a" ] || continue
		echo "artifact ${a##*/} (base64): $(head -c 2048 "$a" | base64 -w0)" | diag
	done
fi
finish
