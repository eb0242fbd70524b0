#!/usr/bin/env bash
# bench/cold.sh — what one login costs, next to the peers (root; never a
# test: nothing here asserts a time).
#
#   bench/cold.sh [local|ssh|all]      (default all)
#
# local: ONE hyperfine run (-N, no shell in between) on one rootfs, of
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
# built from the same sources with its policy path pointed at our policy
# (tests/integration/sshd.sh: install_jailsh), as a non-root caller cannot
# choose a policy.
#
# ssh: one real sshd on 127.0.0.1 (tests/integration/sshd.sh), ssh USER
#   true for an unjailed user (login shell bash) and a jailed one
#   (pam_jaula + jailsh; cold: the jail is created per connection; warm:
#   another session of the user is open), in one hyperfine run.
#
# Output: bench/out/cold.md and bench/out/ssh.md (sections of RESULTS.md),
# raw hyperfine JSON/markdown beside them.
# Environment: BENCH_RUNS (hyperfine runs per command, default 40),
# BENCH_SSH_RUNS (default 30).
source "$(dirname "$0")/lib.sh"
mode=${1:-all}
bench_init "cold-$mode"
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed (bench/run.sh installs it)"
RUNS=${BENCH_RUNS:-40}
SSH_RUNS=${BENCH_SSH_RUNS:-30}

# hyperfine's JSON → our table: name, mean ± σ, median, min, max, user,
# system, and the difference to the row named "/bin/true".
hf_table() {
	python3 - "$1" <<-'EOF'
	import json, sys
	res = json.load(open(sys.argv[1]))["results"]
	base = next((r["mean"] for r in res if r["command"] == "/bin/true"), None)
	print("| command | mean ± σ (ms) | median | min | max | user | system | − /bin/true |")
	print("|---|---:|---:|---:|---:|---:|---:|---:|")
	for r in res:
	    d = "" if base is None else "%+.2f" % ((r["mean"] - base) * 1e3)
	    print("| %s | %.2f ± %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |" % (
	        r["command"], r["mean"] * 1e3, r["stddev"] * 1e3, r["median"] * 1e3,
	        r["min"] * 1e3, r["max"] * 1e3, r["user"] * 1e3, r["system"] * 1e3, d))
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
	local RUNAS=$HELPERS/bench_runas grp ufull unonet uwarm u id warm_pid i o
	bench_rootfs
	install_jailsh || bench_die "cannot build the setuid test jailsh"
	STATE=$JB_DIR/state
	CGPATH=jaula-b$TAG
	BR=jb-c$TAG

	grp=jaula-b$TAG
	_retry groupadd "$grp" || bench_die "groupadd failed"
	on_exit "_retry groupdel '$grp'"
	mkdir -m 0755 -p "$JB_DIR/home"
	for u in full nonet warm; do
		id=jaula-b$TAG$u
		_retry useradd -M -d "$JB_DIR/home/$id" -g "$grp" -s "$JB_JAILSH" "$id" || bench_die "useradd failed"
		on_exit "_retry userdel -f '$id'"
		mkdir -m 0755 "$JB_DIR/home/$id" && chown "$id:$grp" "$JB_DIR/home/$id"
	done
	ufull=jaula-b${TAG}full unonet=jaula-b${TAG}nonet uwarm=jaula-b${TAG}warm
	# Cleanups run in reverse order: jails, then cgroups, then the bridge,
	# then the users and their group, then JB_DIR.
	bench_net_begin
	on_exit "bench_net_end '$BR'"
	on_exit "_bench_cg_sweep '$CGPATH'"
	on_exit "_bench_sweep_jails"
	local limits='limits = { memory = "512M"; pids = 256; cpu = "100%"; };'
	mkdir -m 0755 -p "$JB_DIR/etc"
	cat > "$JB_DIR/etc/jaula.conf" <<-EOF
	global = { state_dir = "$STATE"; cgroup_path = "$CGPATH"; default_shell = "/bin/sh";
	           include_dir = "$JB_DIR/etc/conf.d"; };
	rootfs = { r = { path = "$ROOTFS"; }; };
	networks = { b = { bridges = [ "$BR" ]; subnet = "10.251.0.0/16"; }; };
	profiles = {
	  full  = { rootfs = "r"; scope = "session"; lifetime = "session"; network = "b";
	            hostname = "jb-%u"; tmp_size = "16M"; $limits };
	  nonet = { rootfs = "r"; scope = "session"; lifetime = "session";
	            hostname = "jb-%u"; tmp_size = "16M"; $limits };
	  warm  = { rootfs = "r"; scope = "user"; lifetime = "session"; network = "b";
	            hostname = "jb-%u"; tmp_size = "16M"; $limits };
	};
	match = (
	  { name = "full";  users = [ "$ufull" ];  profile = "full"; },
	  { name = "nonet"; users = [ "$unonet" ]; profile = "nonet"; },
	  { name = "warm";  users = [ "$uwarm" ];  profile = "warm"; }
	);
	EOF
	chmod 0644 "$JB_DIR/etc/jaula.conf"

	as() { local u=$1; shift; echo "$RUNAS $(id -u "$u") $(id -g "$u") $*"; }

	# Each row is checked once before it is timed; a row that fails is
	# left out with the reason.
	add_row() { # NAME CMD
		local o
		local rc
		o=$($2 2>&1 </dev/null)
		rc=$?
		if [ $rc = 0 ]; then
			names+=("$1"); cmds+=("$2")
		else
			notes+=("**$1** could not run here (exit $rc): \`$(printf '%s' "$o" | tr '\n|`' '   ' | head -c 300)\`")
		fi
	}
	# A network's first login sets its bridge up, and that step runs
	# nftables (libnftables → libxtables' xtables_init(), which _exit(111)s
	# when getuid() != geteuid(), i.e. in a setuid jailsh run by a user).
	# So the bridge is set up by one login driven by root first; see
	# RESULTS.md.  Measured logins then find it ready.
	if ! o=$("$JB_JAILSH" --user "$ufull" -c true 2>&1 </dev/null); then
		notes+=("the root-driven bridge set-up login failed: \`$(printf '%s' "$o" | tr '\n|`' '   ' | head -c 300)\`")
	fi
	add_row "jailsh, cold: all ns + veth + cgroup limits + seccomp" "$(as "$ufull" "$JB_JAILSH" -c true)"
	add_row "jailsh, cold, network off" "$(as "$unonet" "$JB_JAILSH" -c true)"

	# Warm: one session of the user stays open in the background.
	"$RUNAS" "$(id -u "$uwarm")" "$(id -g "$uwarm")" "$JB_JAILSH" -c 'exec sleep 100000' \
		</dev/null >/dev/null 2>"$BENCH_OUT/warm-session.err" &
	warm_pid=$!
	on_exit "kill $warm_pid 2>/dev/null; wait $warm_pid 2>/dev/null"
	for i in $(seq 100); do
		ls "$STATE"/jails/*/state >/dev/null 2>&1 && break
		sleep 0.05
	done
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
	hyperfine -N --style basic --warmup 5 --runs "$RUNS" --export-json "$json" \
		--export-markdown "$BENCH_OUT/cold-hyperfine.md" "${hfargs[@]}" >&2 ||
		bench_die "hyperfine failed"

	local full warm tru bw nonet
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
		echo "hyperfine's own table:"
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
		[ -n "$nonet" ] && [ -n "$full" ] && echo "- the network (veth, lease, address, route) costs $(awk -v a="$full" -v b="$nonet" 'BEGIN { printf "%.2f", a - b }') ms of the cold login"
	} > "$sec"
	cat "$sec"
}

# ======================================================================
run_ssh() {
	local sec=$BENCH_OUT/ssh.md json=$BENCH_OUT/ssh.json
	local BR=jb-s$TAG warm_pid ju jw o
	bench_net_begin
	on_exit "bench_net_end '$BR'"
	POLICY_PROFILE_EXTRA="network = \"b\"; limits = { memory = \"512M\"; pids = 256; cpu = \"100%\"; };"
	POLICY_EXTRA="networks = { b = { bridges = [ \"$BR\" ]; subnet = \"10.252.0.0/16\"; }; };"
	# jailed_sshd_setup calls skip_all (exit 0) when it cannot run: leave a
	# section that says so.
	{
		echo "## SSH: ssh USER true through one real sshd"
		echo
		echo "**Not measured**: the jailed sshd set-up (tests/integration/sshd.sh: jailed_sshd_setup) did not complete; see the log of \`bench/cold.sh ssh\`."
	} > "$sec"
	jailed_sshd_setup 2 >&2
	ju=${JUS[0]} jw=${JUS[1]}
	local base=(-F none -p "$SSHD_PORT" -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=15)
	sshcmd() { echo "$(command -v ssh) ${base[*]} -i $JB_DIR/ukeys/$1 $1@127.0.0.1 true"; }
	o=$(ssh_as "$ju" 'cat /etc/jaula-ssh-rootfs; ls /sys/class/net 2>/dev/null | tr "\n" " "; grep -c . /proc/net/route' 2>&1)
	bench_note "jailed login sees: $o"
	# Warm: a background session of the second jailed user.
	ssh_as "$jw" 'exec sleep 100000' </dev/null >/dev/null 2>&1 &
	warm_pid=$!
	on_exit "kill $warm_pid 2>/dev/null; wait $warm_pid 2>/dev/null"
	for i in $(seq 100); do [ -n "$(jail_ids)" ] && break; sleep 0.05; done
	bench_note "ssh: hyperfine, $SSH_RUNS runs each"
	hyperfine -N --style basic --warmup 3 --runs "$SSH_RUNS" --export-json "$json" \
		--export-markdown "$BENCH_OUT/ssh-hyperfine.md" \
		-n "ssh, unjailed user (bash)" "$(sshcmd "$FU")" \
		-n "ssh, jailed user, cold (jail created per connection)" "$(sshcmd "$ju")" \
		-n "ssh, jailed user, warm (another session open)" "$(sshcmd "$jw")" >&2 ||
		bench_die "hyperfine (ssh) failed"
	local un cold warm
	un=$(hf_mean "$json" "ssh, unjailed user (bash)")
	cold=$(hf_mean "$json" "ssh, jailed user, cold (jail created per connection)")
	warm=$(hf_mean "$json" "ssh, jailed user, warm (another session open)")
	{
		echo "## SSH: ssh USER true through one real sshd"
		echo
		echo "Debian's sshd on 127.0.0.1 with its own config and PAM service (tests/integration/sshd.sh),"
		echo "ed25519 keys, \`session requisite pam_jaula.so\`; the jailed users' login shell is the test"
		echo "jailsh; rootfs: the debootstrap minbase + openssh-sftp-server, rsync (ssh_rootfs); profile scope"
		echo "user, lifetime session, veth on a bridge, limits memory 512M, pids 256, cpu 100%."
		echo "\`hyperfine -N --warmup 3 --runs $SSH_RUNS\`; the ssh client's own cost is in every row."
		echo
		hf_table "$json"
		echo
		cat "$BENCH_OUT/ssh-hyperfine.md"
		echo
		echo "Targets:"
		echo "- ssh overhead ≤ 10 ms (jailed cold − unjailed): $(awk -v a="$cold" -v b="$un" 'BEGIN { d = a - b; printf "%.1f ms — %s", d, (d <= 10) ? "**met**" : "**missed**" }')"
		echo "- jailed warm − unjailed: $(awk -v a="$warm" -v b="$un" 'BEGIN { printf "%.1f ms", a - b }')"
	} > "$sec"
	cat "$sec"
}

# The trap: kill the holders recorded in our state dir (their monitors
# then remove state, cgroups and leases).
_bench_sweep_jails() {
	local f p
	for f in "$STATE"/jails/*/state; do
		[ -e "$f" ] || continue
		p=$(sed -n 's/^holder_pid=//p' "$f")
		[ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = jaula-holder ] && kill -KILL "$p"
	done
	for _ in $(seq 50); do
		ls "$STATE"/jails/*/state >/dev/null 2>&1 || break
		sleep 0.1
	done
	return 0
}

_bench_cg_sweep() {
	local d
	for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

case $mode in
local) run_local ;;
ssh) run_ssh ;;
all)
	bash "$0" local || exit 1
	bash "$0" ssh
	;;
*) bench_die "usage: bench/cold.sh [local|ssh|all]" ;;
esac
