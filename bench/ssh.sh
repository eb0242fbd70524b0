#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/ssh.sh — what pam_jaula + jailsh add to an ssh login (root; a
# benchmark, not a test: it reports, it asserts nothing).
#
# One private sshd (tests/integration/sshd.sh: Debian's real sshd on
# 127.0.0.1, its own PAM service ending with pam_jaula), one hyperfine run
# with, side by side:
#   unjailed          `ssh free-user true`: pam_jaula loads the policy and
#                     returns PAM_IGNORE; /bin/bash -c true
#   jailed, cold      `ssh jailed-user true`: a new jail per login (scope
#                     user, no other session: created and torn down each time)
#   jailed, warm      the same user while another login keeps the jail
#                     alive: join only
# Target: the jailed logins add ≤ 10 ms to the unjailed one.
# Environment: BENCH_SSH_RUNS (default 30), BENCH_OUT (bench/out).
source "$(dirname "$0")/../tests/lib.sh"
source "$TOP/tests/integration/sshd.sh"
set -u
[ "$(id -u)" = 0 ] || { echo "bench/ssh.sh: run as root" >&2; exit 1; }
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
	{ echo "bench/ssh.sh: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
RUNS=${BENCH_SSH_RUNS:-30}
OUTD=${BENCH_OUT:-$TOP/bench/out}
mkdir -p "$OUTD"

install_jailsh || { echo "bench/ssh.sh: cannot build the test jailsh" >&2; exit 1; }
ROOTFS=$(ssh_rootfs) || { echo "bench/ssh.sh: no rootfs" >&2; exit 1; }
POLICY_GROUP=jaula-g$TAG POLICY_ROOTFS=$ROOTFS write_policy || exit 1
JC=jaula-p${TAG}c   # cold: nobody else keeps its jail
JW=jaula-p${TAG}w   # warm: a background login keeps its jail alive
FU=jaula-p${TAG}f
for u in "$JC" "$JW"; do make_user "$u" "jaula-g$TAG" >/dev/null || exit 1; done
make_user "$FU" "jaula-h$TAG" /bin/bash >/dev/null || exit 1
JB_UIDS="$(id -u "$JC") $(id -u "$JW")"
SSHD_MARK=0 SSHD_PAM_ARGS="config=$JB_POLICY jailsh=$JB_JAILSH" SSHD_JAIL_GROUP=jaula-g$TAG \
	start_sshd PORT || { echo "bench/ssh.sh: cannot start sshd" >&2; exit 1; }
jail_core_ready "$JC" || { echo "bench/ssh.sh: jailed logins do not work: $JB_WHY" >&2; exit 1; }

for u in "$JC" "$JW" "$FU"; do
	cat > "$JB_DIR/ssh-$u" <<-EOF
	#!/bin/sh
	exec ssh -F none -i $JB_DIR/ukeys/$u -p $PORT -o BatchMode=yes -o IdentitiesOnly=yes \\
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \\
		$u@127.0.0.1 true
	EOF
	chmod 0755 "$JB_DIR/ssh-$u"
done
ssh_as "$JW" 'sleep 3600' >/dev/null 2>&1 &
keeper=$!
on_exit "kill \$(pgrep -P $keeper) $keeper"
for i in $(seq 1 100); do [ -n "$(jail_ids)" ] && break; sleep 0.1; done

json=$OUTD/ssh.json
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$json" --export-markdown "$OUTD/ssh-hyperfine.md" \
	-n "unjailed (pam_jaula: PAM_IGNORE)" "$JB_DIR/ssh-$FU" \
	-n "jailed, cold (jail created and torn down)" "$JB_DIR/ssh-$JC" \
	-n "jailed, warm (jail kept by another login)" "$JB_DIR/ssh-$JW" 2>&1 | grep -v '^ *$'

# mean, σ, min in ms (the minimum says more than the mean on a busy machine)
mean() { python3 -c "import json,sys; r=json.load(open('$json'))['results'][$1]; print('%.1f %.1f %.1f' % (r['mean']*1000, r['stddev']*1000, r['min']*1000))"; }
read -r m0 s0 n0 <<<"$(mean 0)"
read -r m1 s1 n1 <<<"$(mean 1)"
read -r m2 s2 n2 <<<"$(mean 2)"
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", a - b }'; }
{
	echo "### ssh user true through one sshd ($RUNS runs, load $(cut -d' ' -f1-3 /proc/loadavg))"
	echo
	echo "| login | mean ± σ (ms) | min (ms) | added: mean, min (ms) |"
	echo "|---|---|---|---|"
	echo "| unjailed | $m0 ± $s0 | $n0 | — |"
	echo "| jailed, cold | $m1 ± $s1 | $n1 | $(add "$m1" "$m0"), $(add "$n1" "$n0") |"
	echo "| jailed, warm | $m2 ± $s2 | $n2 | $(add "$m2" "$m0"), $(add "$n2" "$n0") |"
	echo
	echo "Target: ≤ 10 ms added."
} | tee "$OUTD/ssh.md"

# The PAM step alone (no ssh, no jailsh): pamtester open_session +
# close_session, with and without the pam_jaula line, for the same users.
# Less noisy than whole logins on a loaded machine.
if command -v pamtester >/dev/null; then
	# (Not in a pipeline: pam_service registers its cleanup in this shell.)
	base='auth required pam_permit.so
account required pam_permit.so
session required pam_permit.so'
	pam_service "jaula-bp0-$TAG" <<<"$base"
	pam_service "jaula-bp1-$TAG" <<<"$base
session requisite ${JAULA_PAM_SO:-$TOP/pam_module/pam_jaula.so} config=$JB_POLICY jailsh=$JB_JAILSH"
	pjson=$OUTD/ssh-pam.json
	hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$pjson" \
		-n "no pam_jaula" "pamtester jaula-bp0-$TAG $FU open_session close_session" \
		-n "unmatched (PAM_IGNORE)" "pamtester jaula-bp1-$TAG $FU open_session close_session" \
		-n "jailed, cold" "pamtester jaula-bp1-$TAG $JC open_session close_session" \
		-n "jailed, warm" "pamtester jaula-bp1-$TAG $JW open_session close_session" 2>&1 | grep -v '^ *$'
	pmean() { python3 -c "import json; r=json.load(open('$pjson'))['results'][$1]; print('%.2f %.2f %.2f' % (r['mean']*1000, r['stddev']*1000, r['min']*1000))"; }
	read -r p0 q0 r0 <<<"$(pmean 0)"
	{
		echo
		echo "### pam_open_session + pam_close_session alone (pamtester, $RUNS runs)"
		echo
		echo "| stack | mean ± σ (ms) | min (ms) | added by pam_jaula: mean, min (ms) |"
		echo "|---|---|---|---|"
		echo "| no pam_jaula | $p0 ± $q0 | $r0 | — |"
		for i in 1 2 3; do
			read -r p q r <<<"$(pmean $i)"
			name=$(python3 -c "import json; print(json.load(open('$pjson'))['results'][$i]['command'])")
			echo "| $name | $p ± $q | $r | $(add "$p" "$p0"), $(add "$r" "$r0") |"
		done
	} | tee -a "$OUTD/ssh.md"
fi
