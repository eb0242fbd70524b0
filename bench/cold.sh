#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/cold.sh — what one login costs, next to the peers (root; never a
# test: nothing here asserts a time).
#
#   bench/cold.sh
#
# ONE hyperfine run (-N, no shell in between) on one rootfs, of
#   jailsh -c true    cold, everything: all namespaces, veth on a bridge,
#                     cgroup limits, seccomp; scope session, lifetime
#                     session: the jail is created and torn down each time
#   jailsh -c true    the same with network off (no veth; own netns)
#   jailsh -c true    warm: joins a live scope-user jail that a background
#                     session of the same user keeps open
#   bwrap, firejail, systemd-nspawn, unshare+chroot, /bin/true
# Every command runs through the same runner, tests/helpers/bench_runas
# UID GID CMD (setgroups, setresgid, setresuid, execv), so its cost is in
# every row alike: jailsh as its (non-root) user, the peers as root
# (uid 0 → 0), because unshare/chroot and systemd-nspawn need root and
# bwrap/firejail are not setuid here.  The jailsh is a setuid-root copy
# built with the Makefile's jailsh recipe, its policy path pointed at our
# policy (bench/lib.sh: bench_jailsh), as a non-root caller cannot choose
# a policy.
#
# The ssh comparison is bench/ssh.sh (its author's), run by bench/run.sh.
#
# Output: bench/out/cold.md (a section of RESULTS.md), the raw hyperfine
# JSON and markdown beside it.
# Environment: BENCH_RUNS (hyperfine runs per command, default 40),
# BENCH_PACED_RUNS (runs of the paced repeat, default 20).
source "$(dirname "$0")/lib.sh"
bench_init cold
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed (bench/run.sh installs it)"
RUNS=${BENCH_RUNS:-40}
PACED_RUNS=${BENCH_PACED_RUNS:-20}

# hyperfine's JSON → our table: name, mean ± σ, median, min, max, user,
# system, and the difference to the row named "/bin/true".
hf_table() {
	python3 - "$1" <<-'EOF'
	import json, sys
	res = json.load(open(sys.argv[1]))["results"]
	base = next((r["mean"] for r in res if r["command"] == "/bin/true"), None)
	print("| command | mean ± σ (ms) | median | min | max | user | system | − /bin/true | failed runs |")
	print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for r in res:
	    d = "" if base is None else "%+.2f" % ((r["mean"] - base) * 1e3)
	    codes = r.get("exit_codes") or []
	    bad = sum(1 for c in codes if c)
	    print("| %s | %.2f ± %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |" % (
	        r["command"], r["mean"] * 1e3, r["stddev"] * 1e3, r["median"] * 1e3,
	        r["min"] * 1e3, r["max"] * 1e3, r["user"] * 1e3, r["system"] * 1e3, d,
	        "%d of %d" % (bad, len(codes)) if bad else "0"))
	EOF
}

hf_mean() { # JSON NAME → mean in ms, or empty
	python3 - "$1" "$2" <<-'EOF'
	import json, sys
	for r in json.load(open(sys.argv[1]))["results"]:
	    if r["command"] == sys.argv[2]:
	        print("%.2f" % (r["mean"] * 1e3))
	EOF
}

# ======================================================================
run_local() {
	local sec=$BENCH_OUT/cold.md json=$BENCH_OUT/cold.json notes=() names=() cmds=()
	local RUNAS=$HELPERS/bench_runas i o
	bench_rootfs
	bench_jailsh || bench_die "cannot build the setuid test jailsh"
	bench_login_setup b
	notes+=("${LOGIN_NOTES[@]}")
	local ufull=$UFULL unonet=$UNONET uwarm=$UWARM
	as() { local u=$1; shift; echo "$RUNAS $(id -u "$u") $(id -g "$u") $*"; }

	# Each row is checked once before it is timed; a row that fails is
	# left out with the reason.
	add_row() { # NAME CMD
		local o
		local rc try
		for try in 1 2 3; do
			o=$($2 2>&1 </dev/null)
			rc=$?
			[ $rc = 0 ] && break
		done
		if [ $rc = 0 ]; then
			names+=("$1"); cmds+=("$2")
		else
			notes+=("**$1** could not run here (exit $rc): \`$(printf '%s' "$o" | tr '\n|`' '   ' | head -c 300)\`")
		fi
	}
	add_row "jailsh, cold: all ns + veth + cgroup limits + seccomp" "$(as "$ufull" "$JB_JAILSH" -c true)"
	add_row "jailsh, cold, network off" "$(as "$unonet" "$JB_JAILSH" -c true)"

	# Warm: the background session of bench_login_setup keeps the jail.
	add_row "jailsh, warm join of a live user jail" "$(as "$uwarm" "$JB_JAILSH" -c true)"

	if command -v bwrap >/dev/null; then
		add_row "bwrap --unshare-all" "$(as root "$(command -v bwrap)" --unshare-all --bind "$ROOTFS" / --proc /proc --dev /dev true)"
	else notes+=("**bwrap**: not installed"); fi
	if command -v firejail >/dev/null; then
		add_row "firejail --noprofile --net=none" "$(as root "$(command -v firejail)" --quiet --noprofile --net=none true)"
	else notes+=("**firejail**: not installed"); fi
	if command -v systemd-nspawn >/dev/null; then
		# --read-only and --link-journal=no: otherwise nspawn writes into
		# the shared cached rootfs (it creates /var/log/journal).
		add_row "systemd-nspawn --register=no --keep-unit" "$(as root "$(command -v systemd-nspawn)" -q -D "$ROOTFS" --read-only --link-journal=no --register=no --keep-unit /bin/true)"
	else notes+=("**systemd-nspawn**: not installed"); fi
	add_row "unshare -m -u -i -p -n -f --mount-proc chroot" "$(as root "$(command -v unshare)" -m -u -i -p -n -f --mount-proc chroot "$ROOTFS" /bin/true)"
	add_row "/bin/true" "$(as root /bin/true)"

	local hfargs=()
	for i in "${!names[@]}"; do hfargs+=(-n "${names[$i]}" "${cmds[$i]}"); done
	bench_note "cold: hyperfine over ${#names[@]} commands, $RUNS runs each"
	# -i: a failed run does not end the whole comparison; the table counts
	# failed runs per command.
	hyperfine -N -i --style basic --warmup 5 --runs "$RUNS" --export-json "$json" \
		--export-markdown "$BENCH_OUT/cold-hyperfine.md" "${hfargs[@]}" >&2 ||
		bench_die "hyperfine failed"

	local full warm tru bw nonet live veths load
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	sleep 1
	# The same logins paced: 0.3 s of quiet before each run, as between
	# real logins.  Back to back, each run also competes with the teardown
	# of the run before it (the jail's monitor and holder exiting, its
	# cgroups and network namespace going), which the paced run keeps out.
	local pjson=$BENCH_OUT/cold-paced.json pargs=()
	for i in "${!names[@]}"; do
		case ${names[$i]} in
		"jailsh, cold: all ns"* | "jailsh, warm"* | bwrap* | /bin/true) pargs+=(-n "${names[$i]}" "${cmds[$i]}") ;;
		esac
	done
	hyperfine -N -i --style basic --warmup 2 --runs "$PACED_RUNS" --prepare 'sleep 0.3' \
		--export-json "$pjson" "${pargs[@]}" >&2 || bench_die "hyperfine (paced) failed"
	live=$(find "$STATE/jails" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
	veths=$(ip -o link show master "$BR" 2>/dev/null | wc -l)
	full=$(hf_mean "$json" "jailsh, cold: all ns + veth + cgroup limits + seccomp")
	nonet=$(hf_mean "$json" "jailsh, cold, network off")
	warm=$(hf_mean "$json" "jailsh, warm join of a live user jail")
	tru=$(hf_mean "$json" "/bin/true")
	bw=$(hf_mean "$json" "bwrap --unshare-all")
	{
		echo "## Cold and warm login, next to the peers"
		echo
		echo "One hyperfine run (\`hyperfine -N --warmup 5 --runs $RUNS\`), all on the same rootfs: $ROOTFS_KIND"
		echo "(firejail runs on the host's own file system: it has no rootfs option of this kind)."
		echo "Every command goes through the same runner \`tests/helpers/bench_runas UID GID CMD\`"
		echo "(setgroups + setresgid + setresuid + execv), jailsh as its non-root user, the peers as root;"
		echo "the runner's cost is in every row, so the \`/bin/true\` row is the runner plus an exec."
		echo "jailsh runs the jail's shell (dash) with \`-c true\`; the peers exec \`true\` directly."
		echo "Policy: debootstrap rootfs read-only + tmpfs overlay, /tmp 16M, home bind, limits memory 512M,"
		echo "pids 256, cpu 100%, default seccomp profile, no capabilities, veth on one bridge (jailsh, cold)."
		echo
		hf_table "$json"
		echo
		echo "The same, paced (\`--prepare 'sleep 0.3'\`, $PACED_RUNS runs): each login starts on a quiet machine"
		echo "instead of competing with the teardown of the one before (monitor and holder exiting, cgroups"
		echo "and network namespace going away), as real logins do:"
		echo
		hf_table "$pjson"
		echo
		echo "hyperfine's own table (back to back):"
		echo
		cat "$BENCH_OUT/cold-hyperfine.md"
		echo
		for i in "${notes[@]}"; do echo "- $i"; done
		echo
		echo "Targets:"
		if [ -n "$full" ] && [ -n "$bw" ]; then
			echo "- cold with everything ≤ bwrap's mean: $full ms vs $bw ms — $(awk -v a="$full" -v b="$bw" 'BEGIN { print (a <= b) ? "**met**" : "**missed** (" sprintf("%+.1f", a - b) " ms)" }')"
		else
			echo "- cold with everything ≤ bwrap's mean: not measurable (a row is missing)"
		fi
		if [ -n "$warm" ] && [ -n "$tru" ]; then
			echo "- warm join ≤ 1.5 ms above /bin/true: $warm − $tru = $(awk -v a="$warm" -v b="$tru" 'BEGIN { d = a - b; printf "%.2f ms — %s", d, (d <= 1.5) ? "**met**" : "**missed**" }')"
		else
			echo "- warm join ≤ 1.5 ms above /bin/true: not measurable (a row is missing)"
		fi
		local pfull pbw pwarm ptru
		pfull=$(hf_mean "$pjson" "jailsh, cold: all ns + veth + cgroup limits + seccomp")
		pbw=$(hf_mean "$pjson" "bwrap --unshare-all")
		pwarm=$(hf_mean "$pjson" "jailsh, warm join of a live user jail")
		ptru=$(hf_mean "$pjson" "/bin/true")
		[ -n "$pfull" ] && [ -n "$pbw" ] && echo "- paced: cold with everything $pfull ms vs bwrap $pbw ms ($(awk -v a="$pfull" -v b="$pbw" 'BEGIN { printf "%+.1f", a - b }') ms)"
		[ -n "$pwarm" ] && [ -n "$ptru" ] && echo "- paced: warm join $pwarm − $ptru = $(awk -v a="$pwarm" -v b="$ptru" 'BEGIN { printf "%.2f", a - b }') ms above /bin/true"
		echo "- after $((RUNS + 5)) cold logins each: $live jail(s) live (1 expected: the warm one), $veths veth(s) on the bridge (1 expected)"
		echo "- load average (1/5/15 min) at the end of the run: $load"
		[ -n "$nonet" ] && [ -n "$full" ] && echo "- the network (veth, lease, address, route) costs $(awk -v a="$full" -v b="$nonet" 'BEGIN { printf "%.2f", a - b }') ms of the cold login"
	} > "$sec"
	cat "$sec"
}

run_local
