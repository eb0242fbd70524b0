#!/usr/bin/env bash
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
# abort it, and the user's own limits do not break it.
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

# A signal sent while jailsh sets up must not end the set-up half way.
# What a terminal or a broken pipe sends (INT, QUIT, TSTP, TTIN, TTOU,
# HUP, PIPE, XFSZ) is dropped until the shell runs: the login completes
# (the command's output arrives).  TERM, USR1, USR2 and ALRM are passed on
# to the shell once it runs, as during the session: the command may die of
# it, but jailsh finishes its work.  Sent at several points of a cold set-up.
n_sig=0 n_done=0
for sig in INT QUIT TSTP TTIN TTOU HUP PIPE XFSZ TERM USR1 USR2 ALRM; do
	for d in 0.002 0.01 0.03; do
		rm -f "$H/sig.out"
		as_user "$U" bash -c "'$J' -c 'echo DONE' > '$H/sig.out' 2>&1 & p=\$!; sleep $d; kill -$sig \$p 2>/dev/null; sleep 0.3; kill -CONT \$p 2>/dev/null; wait \$p"
		case $sig in TERM | USR1 | USR2 | ALRM) continue ;; esac
		n_sig=$((n_sig + 1))
		grep -q '^DONE$' "$H/sig.out" && n_done=$((n_done + 1))
	done
done
expect_eq "logins that got SIGINT/QUIT/TSTP/TTIN/TTOU/HUP/PIPE/XFSZ during set-up still complete" "$n_sig" "$n_done"
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
finish
