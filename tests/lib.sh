# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers for integration tests (sourced, bash).  Each test prints
#   ok - what            a check that held
#   not ok - what        a check that failed (with detail lines starting '#')
#   skip - what: why     a check that could not run here, with the reason
# and registers what it creates with `on_exit` so the trap removes it on
# success and on failure.  Names of anything a test creates on the host
# start with jaula, jb- or jv.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAILSH=${JAILSH:-$TOP/shell/jailsh}
JAULA=${JAULA:-$TOP/cli/jaula}
_cleanups=()
_failed=0

on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
}
trap '_run_cleanups' EXIT
trap 'exit 130' INT TERM
# jailsh appends its refusals to /var/log/jaula.log on a host without a
# syslog listener: a test that makes it refuse must not leave that file.
if [ "$(id -u)" = 0 ] && [ ! -e /var/log/jaula.log ] && [ ! -S /dev/log ]; then
	on_exit "rm -f /var/log/jaula.log"
fi
# Logins fill the policy and filter cache (/run/jaula-policy) for the
# test's policies: a test that made the directory removes it.
if [ "$(id -u)" = 0 ] && [ ! -e /run/jaula-policy ]; then
	on_exit "rm -rf /run/jaula-policy"
fi

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; _failed=1; }
skip() { echo "skip - $*"; }
diag() { sed 's/^/#   /'; }

# check "description" command...   → ok/not ok from the command's status
check() {
	local what=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$what"; else not_ok "$what"; printf '%s\n' "$out" | tail -15 | diag; fi
}

# expect_eq "description" expected actual
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf 'expected: %s\ngot:      %s\n' "$2" "$3" | diag; fi
}

# expect_match "description" regex actual
expect_match() {
	if [[ "$3" =~ $2 ]]; then ok "$1"; else not_ok "$1"; printf 'expected to match: %s\ngot: %s\n' "$2" "$3" | diag; fi
}

# skip_all "reason": the whole script cannot run here.
skip_all() { skip "${0##*/}: $*"; exit 0; }

need_root() { [ "$(id -u)" = 0 ] || skip_all "needs root"; }
need_cmd() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip_all "'$c' is not installed"; done; }

# A unique short tag for names this test run creates.
TAG=$(printf '%04x' $(( ($$ ^ RANDOM) & 0xffff )))

finish() { exit "$_failed"; }
