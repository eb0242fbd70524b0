#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/run.sh — `make bench` (root).  Installs the peers, runs every
# benchmark, writes bench/RESULTS.md and prints its tables.  Benchmarks
# only report: none of them fails on a time, and none is part of
# `make check`.
#
# Environment:
#   BENCH_SCALE_N   the N of bench/scale.sh (default "1 100 500 1000")
#   BENCH_SCALE_BUDGET  seconds the scale logins may take (default 420); a
#                   larger N is cut to fit at the measured pace, and
#                   RESULTS.md says so
#   BENCH_RUNS      hyperfine runs per cold-login command (default 40)
#   BENCH_SSH_RUNS  hyperfine runs per ssh command (default 30)
#   BENCH_ONLY      a subset of "compare cold ssh scale others" (default
#                   "compare cold ssh scale"; "others" adds the other
#                   authors' bench/*.sh, which would take the run past 15
#                   minutes here)
#   BENCH_COMPARE_REV  a revision bench/compare.sh sets beside the working
#                   tree (default: none, the working tree alone)
#   BENCH_NO_APT=1  do not apt-get install the peers
#
# RESULTS.md is rewritten from the top down to the line
#   <!-- analysis: everything below is kept by bench/run.sh -->
# and the hand-written analysis below that line is carried over.
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
OUT=$TOP/bench/out
RESULTS=$TOP/bench/RESULTS.md
MARK='<!-- analysis: everything below is kept by bench/run.sh -->'
ONLY=${BENCH_ONLY:-compare cold ssh scale}
want() { [[ " $ONLY " == *" $1 "* ]]; }

[ "$(id -u)" = 0 ] || { echo "bench: run as root (sudo make bench)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.md "$OUT"/*.json "$OUT"/*.txt "$OUT"/*.err
start=$(date +%s)

# ---- peers -----------------------------------------------------------------
peer_notes=()
if [ "${BENCH_NO_APT:-0}" != 1 ]; then
	missing=()
	for p in hyperfine bubblewrap firejail systemd-container; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		# --no-install-recommends: systemd-container recommends
		# libnss-mymachines, which would edit the host's nsswitch.conf.
		echo "# bench: apt-get install ${missing[*]}" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
			> "$OUT/apt.log" 2>&1 || echo "# bench: apt-get failed, see bench/out/apt.log" >&2
	fi
fi
for p in hyperfine:hyperfine bubblewrap:bwrap firejail:firejail systemd-container:systemd-nspawn; do
	command -v "${p#*:}" >/dev/null || peer_notes+=("${p%%:*} could not be installed: its row is missing")
done

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load0=$(loadavg)

run_part() { # NAME TIMEOUT CMD…
	local name=$1 to=$2 t0 rc
	shift 2
	t0=$(date +%s)
	echo "# bench: $name" >&2
	timeout --kill-after=30 "$to" "$@" > "$OUT/$name.log" 2>&1
	rc=$?
	echo "# bench: $name: exit $rc in $(($(date +%s) - t0)) s (log: bench/out/$name.log)" >&2
	[ $rc = 0 ] || echo "- \`$name\` ended with status $rc after $(($(date +%s) - t0)) s (log: bench/out/$name.log): $(tail -2 "$OUT/$name.log" | tr '\n|`' '   ')" >> "$OUT/problems.txt"
	return 0
}

want compare && run_part compare 900 bash bench/compare.sh ${BENCH_COMPARE_REV:-}
want cold && run_part cold 900 bash bench/cold.sh local
# SSH: bench/ssh.sh (its author's) is the ssh comparison this asks for;
# it writes bench/out/ssh.md.
want ssh && [ -f bench/ssh.sh ] && run_part ssh 600 env BENCH_OUT="$OUT" bash bench/ssh.sh
want scale && run_part scale 1500 env BENCH_SCALE_BUDGET="${BENCH_SCALE_BUDGET:-420}" bash bench/scale.sh
if want others; then
	# The other engineers' benchmarks, when present, run as they are.
	for b in bench/jailsh.sh bench/net.sh bench/cgroup.sh bench/policy/run.sh; do
		[ -f "$b" ] || continue
		n=other-$(echo "${b#bench/}" | tr '/' '-' | sed 's/\.sh$//')
		run_part "$n" "${BENCH_OTHERS_TIMEOUT:-180}" bash "$b"
		{
			echo "### \`$b\`"
			echo
			echo '```'
			tail -60 "$OUT/$n.log"
			echo '```'
			echo
		} >> "$OUT/others.md"
	done
fi
load1=$(loadavg)

# ---- RESULTS.md ---------------------------------------------------------------
source "$TOP/tests/lib.sh" >/dev/null 2>&1
source "$TOP/bench/lib.sh"
analysis=
# A plain string match: the marker has '/' and '.' in it.
[ -f "$RESULTS" ] && analysis=$(awk -v m="$MARK" 'f { print } $0 == m { f = 1 }' "$RESULTS")
{
	echo "# jaula benchmarks"
	echo
	echo "Written by \`make bench\` (bench/run.sh) on this machine; the tables below are from its last run"
	echo "($(( ($(date +%s) - start) / 60 )) min).  Nothing here is a test: \`make check\` never times anything."
	echo
	echo "## Machine"
	echo
	bench_machine_md
	echo "| load average (1/5/15 min) at start, at end | $load0; $load1 |"
	echo
	if [ -s "$OUT/problems.txt" ] || [ ${#peer_notes[@]} -gt 0 ]; then
		echo "Problems in this run:"
		echo
		for x in "${peer_notes[@]}"; do echo "- $x"; done
		[ -s "$OUT/problems.txt" ] && cat "$OUT/problems.txt"
		echo
	fi
	for s in compare cold ssh scale; do
		if [ "$s" = ssh ] && want ssh; then
			echo "## SSH: ssh USER true through one real sshd (bench/ssh.sh)"
			echo
			echo "Debian's sshd on 127.0.0.1 with a private config and PAM service ending in"
			echo "\`session requisite pam_jaula.so\` (tests/integration/sshd.sh); the jailed users' login shell"
			echo "is a setuid test jailsh; the unjailed user's is bash.  Output of bench/ssh.sh as it prints it:"
			echo
		fi
		if [ -s "$OUT/$s.md" ]; then cat "$OUT/$s.md"; echo
		elif want "$s"; then
			[ "$s" = ssh ] || { echo "## $s"; echo; }
			echo "**Not measured in this run** (see the problems above)."; echo
		fi
	done
	if [ -s "$OUT/others.md" ]; then
		echo "## Other benchmarks in bench/ (their authors' scripts, output as printed)"
		echo
		cat "$OUT/others.md"
	fi
	echo "$MARK"
	if [ -n "$analysis" ]; then printf '%s\n' "$analysis"; fi
} > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
awk -v m="$MARK" '$0 == m { exit } { print }' "$RESULTS"
echo "# bench: wrote bench/RESULTS.md in $(( $(date +%s) - start )) s" >&2
