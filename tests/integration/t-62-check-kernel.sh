#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-62-check-kernel — `jaula check-kernel`: every probe reports, the text
# and JSON forms agree, the exit status follows the required checks, and a
# non-root run reports what it could not try instead of guessing.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
[ -x "$JAULA" ] || skip_all "build first: $JAULA is missing"

start=$(date +%s%N)
text=$("$JAULA" check-kernel 2>&1); rc_text=$?
json=$("$JAULA" check-kernel --json 2>&1); rc_json=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))

expect_eq "text and --json exit alike" "$rc_text" "$rc_json"
case $rc_text in 0 | 1) ok "exit status is 0 or 1 ($rc_text)" ;; *) not_ok "exit status $rc_text"; printf '%s\n' "$text" | diag ;; esac

for name in "mnt namespace" "uts namespace" "ipc namespace" "pid namespace" "net namespace" \
	"cgroup namespace" "user namespace" "cgroup hierarchy" "memory controller" "pids controller" \
	"cpu controller" veth bridge "nftables NAT" overlayfs squashfs "loop devices" "seccomp filter" \
	pidfd_open "setns(pidfd)" openat2 clone3 CLONE_INTO_CGROUP; do
	if grep -qE "^$(printf '%s' "$name" | sed 's/[()]/\\&/g') +(OK|MISSING|UNKNOWN) " <<<"$text"; then
		ok "text reports '$name'"
	else
		not_ok "text reports '$name'"
	fi
done

verdict=$(JSON=$json python3 - "$rc_json" <<'PY' 2>&1
import json, os, sys
d = json.loads(os.environ["JSON"])
rc = int(sys.argv[1])
checks = d["checks"]
assert all(c["status"] in ("ok", "missing", "unknown") for c in checks), "bad status"
assert all(c["detail"] and c["disables"] for c in checks), "empty detail or disables"
req_ok = all(c["status"] == "ok" for c in checks if c["required"])
assert d["ok"] == req_ok, "ok flag disagrees with the required checks"
assert (rc == 0) == req_ok, "exit status disagrees with the required checks"
print("consistent", len(checks))
PY
)
expect_match "JSON is valid and consistent with the exit status" "^consistent [0-9]+$" "$verdict"

# As root on this machine the namespaces must be really tried.
expect_match "as root, unshare is really tried" "mnt namespace +OK +unshare\\(CLONE_NEWNS\\) works" "$text"
if [ "$ms" -lt 10000 ]; then ok "both runs took ${ms} ms"; else not_ok "both runs took ${ms} ms (> 10 s)"; fi

# A user without privileges gets UNKNOWN for what needs root, never OK by guess.
if id nobody >/dev/null 2>&1; then
	user_out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$JAULA" check-kernel 2>&1); rc=$?
	expect_eq "non-root run exits 1 (required probes need root)" 1 "$rc"
	expect_match "non-root run says why" "mnt namespace +UNKNOWN .*needs privilege" "$user_out"
else
	skip "non-root run: no 'nobody' user"
fi

"$JAULA" check-kernel --bogus >/dev/null 2>&1
expect_eq "unknown option exits 2" 2 "$?"
finish
