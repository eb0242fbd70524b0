#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-77: a user killing or starving their own jail set-up leaves nothing.
# As the jailed user, through a real setuid jailsh, in a private test-host
# network namespace (net_lib.sh) with a network profile (lease + veth on a
# bridge of this test): a cold `jailsh -c true` is started hundreds of
# times and SIGKILLed after a random delay spanning the whole set-up
# (uniform in 0..1.2x a measured cold login), some rounds under the user's
# own RLIMIT_FSIZE of 0 or 1 KiB or a tiny RLIMIT_NOFILE, others with
# SIGINT, SIGTSTP or SIGHUP sent during the set-up before the SIGKILL.
# Scope "user" (the next login of the same user finds the wreck) and scope
# "session" (a new id each time: only the monitor and the sweeps can find
# it).  Then a login and `jaula gc` sweep, and the leak audit must find no
# state, lease, lock, cgroup node, veth, mount or process; the user's next
# login works.  Also: signals from the terminal during the set-up do not
# abort it, and the user's own limits do not break it; a creator killed
# after its monitor started is cleaned up by the monitor alone; jaula gc
# removes cgroup nodes, claims and index entries that no record names.
# JAULA_T77_ROUNDS changes the number of rounds (default 300).
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"
source "$TOP/tests/integration/jail-lib.sh"
source "$TOP/tests/integration/adversary-lib.sh"

need_cmd setpriv
U=$(new_user a) || skip_all "cannot create a user"
V=$(new_user b) || skip_all "cannot create a user"
UID_=$(id -u "$U")
H=$TDIR/home-$U
ADV_UIDS="$UID_ $(id -u "$V")"
ADV_MATCH="users = [ \"$U\", \"$V\" ];"
BR=jb-a$TAG
ADV_NETWORKS="networks = { lab = { bridges = [ \"$BR\" ]; subnet = \"10.77.0.0/24\"; gateway = \"10.77.0.1\";
	addresses = \"dynamic\"; isolate = true; }; };"
pol() { adv_policy "$ADV_SYSCONF" "network = \"lab\"; scope = \"$1\"; limits = { pids = 200; };"; }
pol user
adv_setuid_jailsh || skip_all "cannot install a setuid jailsh here: $(tail -2 "$TDIR/jailsh-build.log" 2>/dev/null)"
J=$ADV_JAILSH
chmod 0755 "$TDIR"
out=$(as_user "$U" "$J" -c 'cat /proc/1/comm; ip -o -4 addr show dev eth0' 2>&1)
[[ "$out" == jaula-holder*"inet 10.77.0."* ]] || skip_all "the user's setuid jailsh gives no networked jail here: $(head -c 200 <<<"$out")"
ok "baseline: the user's jailsh -c lands in a networked jail"

now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }

# --- the user's own limits and signals do not break a set-up -----------
# (the kernel sends SIGXFSZ for a write past RLIMIT_FSIZE; a terminal's ^C,
# ^Z and hang-up arrive as SIGINT, SIGTSTP, SIGHUP)
# Soft limits: jailsh raises them to their hard limits for the set-up, so
# these logins must work, and the jail's shell gets the caller's back.
for lim in "ulimit -S -f 0" "ulimit -S -f 1" "ulimit -S -n 6" "ulimit -S -s 64" "ulimit -t 1" "ulimit -S -v 20000"; do
	out=$(as_user "$U" bash -c "$lim; exec '$J' -c 'cat /proc/1/comm; ulimit -a'" 2>&1)
	if [[ "$out" == jaula-holder* ]]; then ok "a cold login under the user's '$lim' works"; else not_ok "a cold login under the user's '$lim' works"; head -3 <<<"$out" | diag; fi
	case $lim in
	"ulimit -S -f 0") expect_match "and the jail's shell runs with the caller's limit ($lim)" "file size[^"$'\n'"]*\) 0"$'\n' "$out" ;;
	"ulimit -S -n 6") expect_match "and the jail's shell runs with the caller's limit ($lim)" "open files[^"$'\n'"]*\) 6"$'\n' "$out" ;;
	esac
done
# Hard limits: root raises them again where it has CAP_SYS_RESOURCE (then
# the login works); without it (some containers) the set-up meets EFBIG or
# EMFILE instead of a signal, and the login is refused cleanly — never
# jailsh killed half way (status 153 = SIGXFSZ).
cap_res=0
bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
[ -n "$bnd" ] && (((0x$bnd >> 24) & 1)) && cap_res=1
for lim in "ulimit -f 0" "ulimit -n 6"; do
	out=$(as_user "$U" bash -c "$lim; exec '$J' -c 'cat /proc/1/comm'" 2>&1); rc=$?
	if [[ "$out" == jaula-holder* ]]; then
		ok "a cold login under the user's hard '$lim' works"
	elif [ $cap_res = 0 ] && [ $rc = 1 ] && [[ "$out" == jailsh:* ]]; then
		ok "a cold login under the user's hard '$lim' is refused cleanly (root lacks CAP_SYS_RESOURCE here): $out"
	else
		not_ok "a cold login under the user's hard '$lim' works or is refused cleanly (rc $rc)"; head -3 <<<"$out" | diag
	fi
done
leak_audit "after logins under the user's limits" 10

# A signal sent while jailsh sets up must not end it half way: what a
# terminal or a broken pipe sends (INT, QUIT, TSTP, TTIN, TTOU, HUP, PIPE,
# XFSZ) is dropped until the shell runs; TERM, USR1, USR2 and ALRM are
# passed on to the shell once it runs, as during the session.  Either way
# jailsh itself must exit, never die of the signal.  tests/helpers/
# sig_setup sends it once jailsh's main has run (its signal mask is no
# longer empty: before main nothing is made, and no program can guard
# that), plus 0, 3 or 10 ms.
SIGS=$TOP/tests/helpers/sig_setup
if [ ! -x "$SIGS" ]; then
	skip "signals during set-up: tests/helpers/sig_setup is not built (make check builds it)"
else
	n_sig=0 n_ok=0 n_done=0 bad=
	for sig in INT QUIT TSTP TTIN TTOU HUP PIPE XFSZ TERM USR1 USR2 ALRM; do
		num=$(kill -l "$sig")
		for d in 0 3000 10000; do
			rm -f "$H/sig.out"
			res=$(as_user "$U" "$SIGS" "$num" "$d" "$J" -c "echo DONE > '$H/sig.out'" 2>/dev/null)
			n_sig=$((n_sig + 1))
			if [[ "$res" == exited* ]]; then n_ok=$((n_ok + 1)); else bad+=" $sig+${d}us:$res"; fi
			grep -q '^DONE$' "$H/sig.out" 2>/dev/null && n_done=$((n_done + 1))
		done
	done
	echo "# $n_done of $n_sig commands ran to the end (a passed-on signal may end the shell first)"
	expect_eq "jailsh is never killed by a signal sent during its set-up (12 signals x 3 points)" "$n_sig" "$n_ok"
	[ -z "$bad" ] || echo "# killed:$bad" | diag
fi
leak_audit "after signals during set-up" 10

# --- calibrate: a cold login's duration ----------------------------------
best=
for i in 1 2 3 4 5; do
	t0=$(now_ms)
	as_user "$U" "$J" -c true >/dev/null 2>&1
	t=$(($(now_ms) - t0))
	[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
done
# setpriv's own start-up is in there too; a floor keeps the spread useful.
[ "$best" -ge 5 ] || best=5
MAXD=$((best * 12 / 10))
echo "# a cold login takes ~${best} ms; kill delays uniform in 0..${MAXD} ms"

# --- the rounds ------------------------------------------------------------
# One driver as the user: fork/exec of setpriv per round would blur the
# timing.  Variants: 0 plain, 1 RLIMIT_FSIZE 0, 2 RLIMIT_FSIZE 1 KiB,
# 3 RLIMIT_NOFILE 6, 4 SIGINT, 5 SIGTSTP, 6 SIGHUP first (then SIGKILL).
cat > "$TDIR/rounds.sh" <<'EOF'
J=$1 N=$2 MAXD=$3
ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
for ((i = 0; i < N; i++)); do
	d=$((RANDOM * (MAXD + 1) / 32768))
	v=$((i % 7))
	case $v in
	1) (ulimit -f 0; exec "$J" -c true) >/dev/null 2>&1 & ;;
	2) (ulimit -f 1; exec "$J" -c true) >/dev/null 2>&1 & ;;
	3) (ulimit -n 6; exec "$J" -c true) >/dev/null 2>&1 & ;;
	*) "$J" -c true >/dev/null 2>&1 & ;;
	esac
	p=$!
	if [ $v -ge 4 ]; then
		h=$((RANDOM * (d + 1) / 32768))
		sleep "$(ms $h)"
		case $v in 4) kill -INT $p ;; 5) kill -TSTP $p ;; 6) kill -HUP $p ;; esac 2>/dev/null
		d=$((d - h))
	fi
	sleep "$(ms $d)"
	kill -KILL $p 2>/dev/null
	wait $p 2>/dev/null
done
EOF
chmod 0755 "$TDIR/rounds.sh"
ROUNDS=${JAULA_T77_ROUNDS:-300}
leftovers() { # what the rounds left before any sweep
	local j l c
	j=$(find "$STATE/jails" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
	l=$(find "$STATE/net" -path '*/a/*' 2>/dev/null | wc -l)
	c=$(find /sys/fs/cgroup/*/"$ADV_CGPATH" -mindepth 2 -maxdepth 2 -type d 2>/dev/null | wc -l)
	echo "$j jail dirs, $l leases, $c cgroup nodes"
}
sweep_and_audit() { # SCOPE
	local out
	# The monitors of killed set-ups clean up on their own; give them a moment.
	sleep 1
	echo "# before any sweep ($1): $(leftovers)"
	n=$(grep -l '^creating=1' "$STATE"/jails/*/state 2>/dev/null | wc -l)
	if [ "$n" -gt 0 ]; then
		expect_eq "jaula list shows the $n intents of killed creators as 'creating'" "$n" \
			"$("$JAULA" list --config "$ADV_SYSCONF" 2>/dev/null | awk '$4 == "creating"' | wc -l)"
	fi
	# The login-path sweep samples at most every few seconds: make it due.
	touch -d '-2 minutes' "$STATE/gc.stamp" 2>/dev/null
	out=$(as_user "$V" "$J" -c 'cat /proc/1/comm' 2>&1)
	expect_eq "another user's login works after the $1-scope rounds" jaula-holder "$out"
	echo "# after a login's sweep ($1): $(leftovers)"
	"$JAULA" gc --config "$ADV_SYSCONF" > "$TDIR/gc.out" 2>&1 || { not_ok "jaula gc"; diag < "$TDIR/gc.out"; }
	echo "# after jaula gc ($1): $(leftovers)"
	out=$(as_user "$U" "$J" -c 'cat /proc/1/comm; ip -o -4 addr show dev eth0' 2>&1)
	expect_match "the user's next login works ($1 scope)" "^jaula-holder"$'\n'".*inet 10\.77\.0\." "$out"
	adv_remember
	leak_audit "after $ROUNDS killed $1-scope set-ups, a login and jaula gc" 15
}

t0=$SECONDS
as_user "$U" bash "$TDIR/rounds.sh" "$J" $((ROUNDS / 3)) "$MAXD" 2>>"$TDIR/rounds.err"
echo "# $((ROUNDS / 3)) scope-user rounds in $((SECONDS - t0)) s"
sweep_and_audit user

pol session
t0=$SECONDS
as_user "$U" bash "$TDIR/rounds.sh" "$J" $((ROUNDS - ROUNDS / 3)) "$MAXD" 2>>"$TDIR/rounds.err"
echo "# $((ROUNDS - ROUNDS / 3)) scope-session rounds in $((SECONDS - t0)) s"
sweep_and_audit session

# --- the monitor cleans up at once ----------------------------------------
# Stop jailsh (SIGSTOP) while its intent is recorded and its monitor and
# holder already run, then SIGKILL it: with no login and no sweep (the
# sweep stamp is fresh), the monitor alone must release everything.
# The jail's node in one hierarchy: once its cgroup.procs lists the holder,
# the monitor runs (it moves the holder there before it reports).
if [ -d /sys/fs/cgroup/pids ]; then cgbase=/sys/fs/cgroup/pids/$ADV_CGPATH/p; else cgbase=/sys/fs/cgroup/$ADV_CGPATH/p; fi
cat > "$TDIR/catch.sh" <<'EOF'
# As root (the state directory is root's), jailsh as the user; builtins
# only while polling: the window is a few milliseconds.
J=$1 STATE=$2 CG=$3 U=$4
setpriv --reuid="$U" --regid="$(id -g "$U")" --init-groups -- "$J" -c true >/dev/null 2>&1 &
p=$!
t0=${EPOCHREALTIME/./}
while [ $((${EPOCHREALTIME/./} - t0)) -lt 2000000 ]; do
	for f in "$STATE"/jails/*/state; do
		[ -e "$f" ] || continue
		txt=
		IFS= read -r -d '' txt < "$f"
		[[ "$txt" == *creating=1* ]] || continue
		id=${f%/state}; id=${id##*/}
		procs=
		IFS= read -r -d '' procs < "$CG/$id/cgroup.procs" 2>/dev/null
		[ -n "$procs" ] || continue
		kill -STOP $p
		IFS= read -r -d '' txt < "$f"
		if [[ "$txt" == *creating=1* ]]; then kill -KILL $p; wait $p; echo caught; exit 0; fi
		kill -CONT $p; wait $p; exit 1
	done
	[ -d /proc/$p ] || break
done
kill -CONT $p 2>/dev/null; wait $p; exit 1
EOF
chmod 0644 "$TDIR/catch.sh"
caught=0
for attempt in $(seq 40); do
	touch "$STATE/gc.stamp"
	if [ "$(bash "$TDIR/catch.sh" "$J" "$STATE" "$cgbase" "$U" 2>/dev/null)" = caught ]; then
		caught=1
		break
	fi
done
if [ $caught = 0 ]; then
	skip "the monitor's own clean-up: could not stop jailsh between its monitor's start and its final state in 40 tries"
else
	left=
	for i in $(seq 30); do
		left=$(leftovers)
		[ "$left" = "0 jail dirs, 0 leases, 0 cgroup nodes" ] && break
		sleep 0.1
	done
	expect_eq "a creator killed after its monitor started: the monitor alone releases everything (attempt $attempt)" "0 jail dirs, 0 leases, 0 cgroup nodes" "$left"
	adv_remember
	leak_audit "after a creator killed under its monitor" 5
fi

# --- jaula gc: what no record names ---------------------------------------
# A jail cgroup node without state (as after a wiped state directory), one
# still in use, an address claim without its record, a stale index entry
# and a temporary index link: gc removes all but the node in use.
cgdirs=
for h in pids memory; do [ -d "/sys/fs/cgroup/$h" ] && cgdirs+=" /sys/fs/cgroup/$h/$ADV_CGPATH"; done
[ -z "$cgdirs" ] && [ -f /sys/fs/cgroup/cgroup.controllers ] && cgdirs=/sys/fs/cgroup/$ADV_CGPATH
[ -n "$cgdirs" ] || skip_all "no pids or memory cgroup hierarchy here"
orphan=s${UID_}-0rphan00
busy=s${UID_}-b0sy0000
for d in $cgdirs; do mkdir -p "$d/p/$orphan" "$d/p/$busy"; done
sleep 1000 &
bpid=$!
on_exit "kill $bpid"
for d in $cgdirs; do echo $bpid > "$d/p/$busy/cgroup.procs"; done
mkdir -p "$STATE/net/lab/a"
ln -s s${UID_}-gone0000 "$STATE/net/lab/a/10.77.0.250"
ln -s s${UID_}-gone0001 "$STATE/netns/4026999999"
ln -s s${UID_}-gone0002 "$STATE/netns/.4026999998.s${UID_}-gone0002"
touch -d '-1 minute' "$STATE/netns/.4026999998.s${UID_}-gone0002" -h
out=$("$JAULA" gc --config "$ADV_SYSCONF" 2>&1)
echo "# $out"
n=0; for d in $cgdirs; do [ -d "$d/p/$orphan" ] && n=$((n + 1)); done
expect_eq "jaula gc removes a jail cgroup node no state names (in $(wc -w <<<"$cgdirs") hierarchies)" 0 $n
expect_match "and says so" "$(wc -w <<<"$cgdirs") orphan cgroup node" "$out"
n=0; for d in $cgdirs; do [ -d "$d/p/$busy" ] && n=$((n + 1)); done
expect_eq "and leaves one a process still uses" "$(wc -w <<<"$cgdirs")" $n
expect_eq "jaula gc removes an address claim without a jail" "" "$(ls "$STATE/net/lab/a")"
expect_eq "jaula gc removes index entries without a jail" "" "$(ls -A "$STATE/netns")"
kill $bpid; wait $bpid 2>/dev/null
for d in $cgdirs; do rmdir "$d/p/$busy" 2>/dev/null; done
"$JAULA" gc --config "$ADV_SYSCONF" >/dev/null 2>&1
leak_audit "after jaula gc" 5
finish
