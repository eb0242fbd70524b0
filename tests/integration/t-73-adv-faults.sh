#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-73: faults — the holder SIGKILLed mid-session; the session owner
# (standalone jailsh) and the monitor SIGKILLed together, swept by another
# user's login; the state directory wiped under a live jail (as after a
# reboot with processes surviving: what happens is documented below); the
# rootfs gone; cgroup_root pointing at a directory that is no cgroup; the
# state directory's file system full (a tiny tmpfs in a private mount
# namespace of this test).  Each ends in a clear error or a recovery,
# never an unjailed shell, and the leak audit finds nothing afterwards.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
source "$(dirname "$0")/adversary-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
V=$(new_user b) || skip_all "cannot create a user"
UID_=$(id -u "$U")
ADV_UIDS="$UID_ $(id -u "$V")"
H=$TDIR/home-$U
ADV_MATCH="users = [ \"$U\", \"$V\" ];"
adv_policy "$CONF" 'limits = { pids = 100; };'
[ "$(jail "$U" hostname 2>&1)" = "jail-$UID_" ] || skip_all "jailsh does not jail the user here"

# jailed CMD-OUTPUT: it ran in a jail (PID 1 is a holder), never on the host.
in_jail() { [[ "$1" == *"pid1=jaula-holder"* ]]; }
probe='echo "pid1=$(cat /proc/1/comm) host=$(hostname)"'
start_session() { # USER: a session that stays; sets JS (jailsh pid)
	rm -f "$TDIR/home-$1/up"
	"$JAILSH" --config "$CONF" --user "$1" -c 'touch ~/up; exec sleep 1000' > /dev/null 2>&1 &
	JS=$!
	for i in $(seq 100); do [ -e "$TDIR/home-$1/up" ] && return 0; sleep 0.05; done
	return 1
}
field() { sed -n "s/^$2=//p" "$STATE/jails/$1/state" 2>/dev/null; }

# --- the holder dies mid-session --------------------------------------
start_session "$U" || skip_all "a session did not start"
adv_remember
h=$(field "u$UID_" holder_pid)
kill -KILL "$h"
for i in $(seq 100); do _adv_live "$JS" || break; sleep 0.05; done
if _adv_live "$JS"; then not_ok "a killed holder ends the session"; kill "$JS"; else ok "a killed holder ends the session"; fi
wait "$JS" 2>/dev/null
if pgrep -u "$UID_" >/dev/null; then not_ok "and every process of the user"; else ok "and every process of the user"; fi
out=$(jail "$U" "$probe" 2>&1)
if in_jail "$out" && [ "$(field "u$UID_" holder_pid)" != "$h" ]; then ok "the next login gets a fresh jail"; else not_ok "the next login gets a fresh jail"; echo "$out" | diag; fi
leak_audit "after a killed holder" 5

# --- session owner and monitor SIGKILLed at once -----------------------
adv_policy "$CONF" 'limits = { pids = 100; }; linger = 600;'
start_session "$U" || skip_all "a session did not start"
adv_remember
m=$(field "u$UID_" monitor_pid); h=$(field "u$UID_" holder_pid)
kill -KILL "$JS" "$m"
wait "$JS" 2>/dev/null
for i in $(seq 100); do _adv_live "$h" || break; sleep 0.05; done
if _adv_live "$h"; then not_ok "the holder follows its killed monitor"; else ok "the holder follows its killed monitor"; fi
expect_eq "the dead jail's state is still recorded" 1 "$(jails_left)"
# Another user's login sweeps it (the sweep runs at most every few
# seconds: make the stamp old).
touch -d '-2 minutes' "$STATE/gc.stamp"
out=$(jail "$V" "$probe" 2>&1)
if in_jail "$out"; then ok "another user's login works meanwhile"; else not_ok "another user's login works meanwhile"; echo "$out" | diag; fi
for i in $(seq 50); do [ -e "$STATE/jails/u$UID_" ] || break; sleep 0.1; done
if [ -e "$STATE/jails/u$UID_" ]; then
	"$JAULA" gc --config "$CONF" > /dev/null 2>&1
	if [ -e "$STATE/jails/u$UID_" ]; then not_ok "the stale jail is swept (login-time sweep, or jaula gc)"; else ok "the stale jail is swept by jaula gc (the login-time sweep samples)"; fi
else
	ok "the stale jail is swept by the next login"
fi
adv_policy "$CONF" 'limits = { pids = 100; };'
_stop_jails # the other user's jail lingers (linger = 600)
leak_audit "after killed session owner and monitor" 5

# --- the state directory wiped under a live jail -----------------------
# What happens (documented in SECURITY.md): the live jail is orphaned.
# The first login of its user finds no state but the jail's cgroup in use
# and is refused (fail closed); the orphaned jail ends at the latest when
# its session ends; a later login works and, once it ends, nothing is left.
start_session "$U" || skip_all "a session did not start"
adv_remember
rm -rf "${STATE:?}"
out=$(jail "$U" "$probe" 2>&1); rc=$?
if in_jail "$out" || { [ $rc -ne 0 ] && [[ "$out" == jailsh:* ]]; }; then
	ok "after a wipe the first login is jailed or refused, never unjailed (rc $rc)"
else
	not_ok "after a wipe the first login is jailed or refused, never unjailed"; echo "$out" | diag
fi
kill "$JS" 2>/dev/null; wait "$JS" 2>/dev/null
for i in $(seq 50); do pgrep -u "$UID_" >/dev/null || break; sleep 0.1; done
out=$(jail "$U" "$probe" 2>&1)
if in_jail "$out"; then ok "once the orphaned session ends, a login works"; else not_ok "once the orphaned session ends, a login works"; echo "$out" | diag; fi
adv_remember
leak_audit "after a wiped state directory" 10

# --- the rootfs disappears --------------------------------------------
adv_rootfs || skip_all "cannot copy the rootfs"
adv_policy "$CONF" 'limits = { pids = 100; };'
start_session "$U" || skip_all "a session did not start"
adv_remember
mv "$ADV_ROOTFS" "$ADV_ROOTFS.gone"
out=$(jail "$U" "$probe; cat /etc/jaula-test-rootfs" 2>&1)
if in_jail "$out" && [[ "$out" == *"jaula busybox test rootfs"* ]]; then ok "a live jail keeps its rootfs when the directory goes away"; else not_ok "a live jail keeps its rootfs when the directory goes away"; echo "$out" | diag; fi
kill "$JS"; wait "$JS" 2>/dev/null
for i in $(seq 50); do [ "$(jails_left)" = 0 ] && break; sleep 0.1; done
out=$(jail "$U" "$probe" 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"cannot set up your jail"* ]] && [[ "$out" == *rootfs* ]]; then ok "a new jail without its rootfs is refused, naming it"; else not_ok "a new jail without its rootfs is refused, naming it"; echo "$out" | diag; fi
leak_audit "after a refused login without rootfs" 5
mv "$ADV_ROOTFS.gone" "$ADV_ROOTFS"
out=$(jail "$U" "$probe" 2>&1)
if in_jail "$out"; then ok "with the rootfs back, logins work"; else not_ok "with the rootfs back, logins work"; fi

# --- cgroup_root is not a cgroup file system ---------------------------
mkdir -p "$TDIR/notcg/pids" "$TDIR/notcg/memory"
ADV_GLOBAL="cgroup_root = \"$TDIR/notcg\";" adv_policy "$CONF" 'limits = { pids = 100; memory = "64M"; };'
out=$(jail "$U" "$probe" 2>&1); rc=$?
if [ $rc -ne 0 ] && [[ "$out" == jailsh:* ]] && ! in_jail "$out" && [[ "$out" == *cgroup* ]]; then
	ok "cgroup_root on a plain directory: refused, saying why"
elif in_jail "$out"; then
	not_ok "cgroup_root on a plain directory: a jail without its limits"; echo "$out" | diag
else
	not_ok "cgroup_root on a plain directory: refused, saying why"; echo "$out" | diag
fi
expect_eq "and nothing was created in that directory" "memory pids" "$(ls "$TDIR/notcg" | tr '\n' ' ' | sed 's/ $//')"
adv_policy "$CONF" 'limits = { pids = 100; };'
leak_audit "after a wrong cgroup_root" 5

# --- the state directory's file system is full --------------------------
# A tiny tmpfs as the state directory's parent, in a private mount
# namespace of this test only (unshare -m); jailsh runs inside it.
FS=$TDIR/fullfs
mkdir -p "$FS"
ADV_GLOBAL="" STATE_SAVE=$STATE
cat > "$TDIR/full.sh" <<EOF
set -u
mount --make-rprivate / && mount -t tmpfs -o size=64k,mode=0755 jaula-full "$FS" || exit 99
mkdir -m 0700 "$FS/state"
dd if=/dev/zero of="$FS/fill" bs=4k 2>/dev/null
out=\$("$JAILSH" --config "$TDIR/full.conf" --user "$U" -c '$probe' 2>&1); rc=\$?
echo "rc=\$rc"; echo "out=\$out" | head -2
echo "state=\$(find "$FS/state" -mindepth 1 \( -type f -o -type l \) ! -name gc.stamp ! -name '*.lock' ! -path '*/counters/*' | wc -l)"
rm -f "$FS/fill"
out=\$("$JAILSH" --config "$TDIR/full.conf" --user "$U" -c '$probe' 2>&1); rc=\$?
echo "rc2=\$rc"; echo "out2=\$out" | head -2
echo "state2=\$(find "$FS/state" -mindepth 1 \( -type f -o -type l \) ! -name gc.stamp ! -path '*/counters/*' | wc -l)"
EOF
STATE=$FS/state adv_policy "$TDIR/full.conf" 'limits = { pids = 100; };'
res=$(unshare -m bash "$TDIR/full.sh" 2>&1)
kv "$res"
if [ "${KV[rc]:-}" = 99 ]; then
	skip "full state directory: cannot mount a tmpfs in a private mount namespace"
else
	if [ "${KV[rc]:-}" != 0 ] && [[ "${KV[out]:-}" == jailsh:* ]] && [[ "${KV[out]}" != *pid1=* ]]; then ok "a full state directory refuses the login clearly: ${KV[out]:0:90}"; else not_ok "a full state directory refuses the login clearly"; echo "$res" | diag; fi
	expect_eq "and leaves no state behind" 0 "${KV[state]:-x}"
	if in_jail "${KV[out2]:-}"; then ok "with space again, the login works"; else not_ok "with space again, the login works"; echo "$res" | diag; fi
	expect_eq "and leaves nothing behind" 0 "${KV[state2]:-x}"
fi
grep -q "$FS" /proc/self/mountinfo && not_ok "the tmpfs stayed in the test's namespace" || ok "the tmpfs stayed in the test's namespace"
adv_remember
leak_audit "after all the faults" 10
finish
