#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the unit tests (cmocka, as TAP) and, as root, the integration tests
# (tests/integration/t-*.sh), then prints one closing line:
#   check: N passed, N failed, N skipped
# Usage: tests/run.sh [unit|integration] [NAME-FILTER]
set -u
cd "$(dirname "$0")/.."
what=${1:-all}
filter=${2:-}
pass=0 fail=0 skip=0
failed_names=()

count() {          # reads TAP-like lines on stdin, echoes them, counts them
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"not ok"*"# SKIP"* | "ok"*"# SKIP"* | "skip "*) skip=$((skip + 1)) ;;
		"not ok"*) fail=$((fail + 1)); failed_names+=("$line") ;;
		"ok"*) pass=$((pass + 1)) ;;
		esac
	done
}

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in tests/unit/test_*; do
		case "$t" in *.c) continue ;; esac
		[ -x "$t" ] || continue
		[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
		echo "# unit: $t"
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
		rc=$?
		count < <(printf '%s\n' "$out" | grep -E '^(ok|not ok)|^# ' | sed "s|^\(ok\|not ok\) \([0-9]*\) - |\1 \2 - ${t##*/}: |")
		if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok'; then
			printf '%s\n' "$out" | tail -20
			count <<<"not ok - ${t##*/}: exited with status $rc"
		fi
	done
fi

if [ "$what" = all ] || [ "$what" = integration ]; then
	if [ "$(id -u)" != 0 ]; then
		count <<<"skip - integration tests: they need root (run 'sudo make check')"
	else
		for t in tests/integration/t-*.sh; do
			[ -e "$t" ] || continue
			[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
			echo "# integration: $t"
			start=$(date +%s)
			# Each script prints its own ok / not ok / skip lines; a script
			# that dies without printing a result counts as one failure.
			out_file=$(mktemp /tmp/jaula-test-out.XXXXXX)
			# A script may ask for more than the default with a line
			# "# test-timeout: SECONDS" (the long qemu guest tests);
			# JAULA_TEST_TIMEOUT overrides both.
			limit=$(sed -n 's/^# test-timeout: \([0-9][0-9]*\)$/\1/p' "$t" | head -1)
			timeout --kill-after=10 "${JAULA_TEST_TIMEOUT:-${limit:-900}}" bash "$t" > "$out_file" 2>&1 </dev/null
			rc=$?
			count < "$out_file"
			if [ $rc -ne 0 ] && ! grep -q '^not ok' "$out_file"; then
				count <<<"not ok - ${t##*/}: exited with status $rc"
			fi
			if ! grep -qE '^(ok|not ok|skip )' "$out_file"; then
				count <<<"not ok - ${t##*/}: printed no result"
			fi
			rm -f "$out_file"
			echo "# ${t##*/}: $(( $(date +%s) - start )) s"
		done
	fi
fi

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "# failures:"
	printf '#   %s\n' "${failed_names[@]}"
fi
echo "check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
