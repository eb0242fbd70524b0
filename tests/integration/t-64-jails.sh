#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-64-jails — `jaula list`, `show`, `enter`, `stop`, `gc`, `bridges` against
# real jails started through jailsh (busybox rootfs, a private state_dir, a
# jb-… bridge): table, JSON and Prometheus output, entering as root and as
# the confined user, stopping, sweeping a jail whose holder died, exit codes.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
# The jail's network is on the real host: its bridge's elements leave
# jaula's nftables table with the test, and the table too when this test
# made it (scripts/nft-forget-bridges).
nft_drop=
nft list table inet jaula >/dev/null 2>&1 || nft_drop=--drop-empty-table
need_cmd python3
[ -x "$JAULA" ] || skip_all "build first: $JAULA is missing"
J() { "$JAULA" "$1" --state-dir "$STATE" "${@:2}"; }

# --- an empty registry ---------------------------------------------------
out=$(J list); rc=$?
expect_eq "list with no registry exits 0" 0 "$rc"
expect_match "… and says so" "\(no jails\)" "$out"
expect_eq "list --json with no registry" '{"state_dir":"'"$STATE"'","jails":[]}' "$(J list --json)"
expect_match "prometheus with no jail" "jaula_jails\\{host=\"[^\"]*\"\\} 0" "$(J list --format prometheus)"
J list --format yaml >/dev/null 2>&1; expect_eq "an unknown --format is a usage error" 2 "$?"
J show 'a/../b' >/dev/null 2>&1; expect_eq "show of a malformed id exits 2" 2 "$?"
J show u999999 >/dev/null 2>&1; expect_eq "show of a missing jail exits 6" 6 "$?"
J stop u999999 >/dev/null 2>&1; expect_eq "stop of a missing jail exits 6" 6 "$?"
J enter u999999 true >/dev/null 2>&1; expect_eq "enter of a missing jail exits 6" 6 "$?"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$JAULA" list --state-dir "$STATE" 2>&1); rc=$?
expect_eq "list as non-root exits 5" 5 "$rc"

# --- one live jail with a network ----------------------------------------
U=$(new_user a) || skip_all "cannot create a user"
UID_=$(id -u "$U")
BR="jb-t$TAG"
on_exit "ip link del '$BR'; '$TOP/scripts/nft-forget-bridges' $nft_drop '$BR'"
cat > "$CONF" <<EOP
global = { state_dir = "$STATE"; persistent_dir = "$TDIR/persist";
           include_dir = "$TDIR/conf.d"; default_shell = "/bin/sh"; };
rootfs = { bb = { path = "$ROOTFS"; }; };
networks = { n = { bridges = [ "$BR" ]; subnet = "10.251.$((0x$TAG % 200 + 20)).0/24"; }; };
profiles = { p = { rootfs = "bb"; hostname = "jail-%U"; writable = "none"; network = "n";
                   limits = { pids = 64; }; }; };
match = ( { name = "t"; users = [ "$U" ]; profile = "p"; } );
EOP
chmod 0644 "$CONF"
"$JAILSH" --config "$CONF" --user "$U" -c 'echo ready; exec sleep 120' > "$TDIR/s1.out" 2>&1 &
s1=$!
for _ in $(seq 100); do grep -q ready "$TDIR/s1.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$TDIR/s1.out" || { cat "$TDIR/s1.out" | diag; skip_all "a jail with a network does not start here"; }
ID="u$UID_"

table=$(J list)
row=$(grep "^$ID " <<<"$table")
expect_match "list shows the jail, its user and scope" "^$ID +$U +user +[0-9]+ +1 " "$row"
expect_match "list shows the address and the bridge" " 10\.251\.[0-9]+\.[0-9]+/24 +$BR " "$row"
expect_match "list shows memory, pids and CPU" " [0-9.]+[BKMG] +[0-9]+ +[0-9.]+s$" "$row"

expect_match "list --config reads the registry named by the policy's state_dir" \
	"(^|"$'\n'")$ID +$U " "$("$JAULA" list --config "$CONF" 2>&1)"
json=$(J list --json)
v=$(JSON=$json python3 - "$ID" "$U" "$UID_" "$BR" <<'PY' 2>&1
import json, os, sys
d = json.loads(os.environ["JSON"])
j = [x for x in d["jails"] if x["id"] == sys.argv[1]][0]
assert j["user"] == sys.argv[2] and j["uid"] == int(sys.argv[3]), j
assert j["holder_alive"] and j["sessions"] == 1, j
assert j["hostname"] == "jail-" + sys.argv[3], j
assert j["bridge"] == sys.argv[4] and j["address"].startswith("10.251."), j
assert j["interface"] == "eth0" and j["network"] == "n", j
assert j["pids"] >= 2 and j["memory_bytes"] > 0 and j["cpu_usec"] >= 0, j
print("good")
PY
)
expect_eq "list --json describes the jail" good "$v"

prom=$(J list --format prometheus)
bad=$(grep -vE '^# (HELP|TYPE) jaula_[a-z_]+ .+$|^jaula_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$' <<<"$prom")
expect_eq "prometheus output is well-formed textfile format" "" "$bad"
expect_match "prometheus: pids of the jail" "jaula_jail_pids\{host=\"[^\"]*\",jail=\"$ID\",user=\"$U\"\} [0-9]+" "$prom"
expect_match "prometheus: CPU is a counter in seconds" "# TYPE jaula_jail_cpu_seconds_total counter" "$prom"

out=$(J show "$ID"); rc=$?
expect_eq "show exits 0" 0 "$rc"
expect_match "show: hostname from inside" "hostname: +jail-$UID_" "$out"
expect_match "show: the veth's host end is on the bridge" "host end: +[a-z0-9-]+ on bridge $BR" "$out"
expect_match "show: the session and its owner" "sessions: +1 live" "$out"
J show --json "$ID" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["session_ids"])==1' 2>/dev/null
expect_eq "show --json lists the session" 0 "$?"

out=$(J enter "$ID" -- sh -c 'hostname; cat /proc/1/comm; id -u; cat /etc/jaula-test-rootfs; grep -c . /proc/self/cgroup >/dev/null; grep -E "^[0-9]+:pids:" /proc/self/cgroup')
expect_line "enter: the jail's hostname" "jail-$UID_" "$out"
expect_line "enter: PID 1 is the holder" "jaula-holder" "$out"
expect_line "enter: root by default" "0" "$out"
expect_line "enter: the jail's rootfs" "jaula busybox test rootfs" "$out"
expect_match "enter: in the jail's cgroup (its namespace root)" "[0-9]+:pids:/$" "$out"
J enter "$ID" sh -c 'exit 7'; expect_eq "enter: the command's exit status" 7 "$?"

out=$(J enter --config "$CONF" --user "$ID" -- sh -c 'id -u; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; pwd')
expect_line "enter --user: the jail's user" "$UID_" "$out"
expect_match "enter --user: no capabilities" "CapEff:[[:space:]]+0000000000000000" "$out"
expect_match "enter --user: no_new_privs" "NoNewPrivs:[[:space:]]+1" "$out"
expect_match "enter --user: seccomp" "Seccomp:[[:space:]]+2" "$out"
expect_line "enter --user: in the home" "$TDIR/home-$U" "$out"

out=$(J bridges); rc=$?
expect_eq "bridges exits 0" 0 "$rc"
expect_match "bridges: the jail's bridge, up, with one jail" "^$BR +up +10\.251\.[0-9.]+/24 +1 +1 +1 +1$" "$(grep "^$BR " <<<"$out")"
J bridges --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(b["name"]=="'"$BR"'" and b["jails"]==1 for b in d["bridges"])' 2>/dev/null
expect_eq "bridges --json" 0 "$?"

holder=$(J list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["jails"][0]["holder_pid"])')
out=$(J stop --json "$ID" u999998 2>/dev/null); rc=$?
expect_eq "stop of a live and a missing jail exits 6" 6 "$rc"
expect_eq "stop --json" '{"stopped":["'"$ID"'"],"missing":["u999998"],"failed":[]}' "$out"
alive "$holder" && not_ok "stop killed the holder" || ok "stop killed the holder"
expect_match "stop leaves no jail" "\(no jails\)" "$(J list)"
wait "$s1" 2>/dev/null
ok "the jailed session ended with the jail"

# --- gc sweeps a jail whose session owner, monitor and holder were killed --
"$JAILSH" --config "$CONF" --user "$U" -c 'echo ready; exec sleep 120' > "$TDIR/s2.out" 2>&1 &
s2=$!
disown "$s2" # killed below on purpose: no job notice
for _ in $(seq 100); do grep -q ready "$TDIR/s2.out" 2>/dev/null && break; sleep 0.1; done
st="$STATE/jails/$ID/state"
mon=$(sed -n 's/^monitor_pid=//p' "$st"); hol=$(sed -n 's/^holder_pid=//p' "$st")
# jailsh (the session owner) and the monitor first: nobody is left to clean up.
kill -KILL "$s2" "$mon"; kill -KILL "$hol"
for _ in $(seq 50); do alive "$hol" || break; sleep 0.1; done
expect_match "list marks a dead holder with !" "^$ID +$U +user +$hol! " "$(J list | grep "^$ID ")"
out=$(J gc); rc=$?
expect_eq "gc exits 0" 0 "$rc"
expect_eq "gc reports the sweep" "gc: 0 jails, 1 removed" "$out"
expect_eq "gc --json after the sweep" '{"jails_before":0,"jails_after":0,"removed":0,"orphan_cgroups_removed":0}' "$(J gc --json)"
finish
