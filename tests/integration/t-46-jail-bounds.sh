#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-46: no host-wide denial of service from one jail.  Every tmpfs of the
# jail (/dev/shm, the tmpfs writable layer, /tmp) stops at its size, and
# the jail's System V shm at shm_size; persistent_size puts the persistent
# layer in a fixed-size image that stops writes at its size; the holder and
# monitor are out of the OOM killer's reach while the user's processes get
# a score they cannot lower (even from a caller at -1000), so a hog dies
# and the jail with its other session lives on; max_jails_per_user and
# max_sessions_per_user refuse the login past the cap, and the refusal
# leaves nothing behind.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
source "$(dirname "$0")/adversary-lib.sh"

U=$(new_user a) || skip_all "cannot create a user"
V=$(new_user b) || skip_all "cannot create a user"
ADV_UIDS="$(id -u "$U") $(id -u "$V")"
ADV_MATCH="users = [ \"$U\", \"$V\" ];"
H=$TDIR/home-$U

# bytes FILE: size of FILE inside the jail output ("size=N")
written() { sed -n 's/^size=//p' <<<"$1" | head -1; }
# A fill that stops by itself at 2 x the bound even where nothing bounds it
# (the build before this change): a test must never fill the host.
fill() { # PATH MiB
	echo "dd if=/dev/zero of=$1 bs=64k count=$(($2 * 16)) 2>&1 | grep -o 'No space left on device' | head -1; echo size=\$(stat -c %s $1)"
}

# --- the tmpfs mounts ----------------------------------------------------
adv_policy "$CONF" 'shm_size = "4M"; writable_size = "6M";'
out=$(jail "$U" 'df -k /dev/shm | tail -1; df -i /dev/shm | tail -1 | awk "{print \"inodes=\" \$2}"')
expect_match "/dev/shm is a tmpfs of shm_size (4M)" "^[^ ]+ +4096 " "$out"
expect_line "/dev/shm has an inode bound (one per page, at least 1024)" "inodes=1024" "$out"
out=$(jail "$U" "$(fill /dev/shm/f 8)")
expect_match "a write to /dev/shm stops with ENOSPC" "No space left on device" "$out"
b=$(written "$out")
if [ -n "$b" ] && [ "$b" -le $((4 << 20)) ] && [ "$b" -ge $((3 << 20)) ]; then ok "at shm_size: $b bytes"; else not_ok "at shm_size: ${b:-?} bytes"; echo "$out" | diag; fi

out=$(jail "$U" "$(fill /var/tmp/f 12)")
expect_match "a write to the tmpfs writable layer stops with ENOSPC" "No space left on device" "$out"
b=$(written "$out")
if [ -n "$b" ] && [ "$b" -le $((6 << 20)) ] && [ "$b" -ge $((4 << 20)) ]; then ok "at writable_size: $b bytes"; else not_ok "at writable_size: ${b:-?} bytes"; echo "$out" | diag; fi

out=$(jail "$U" 'cat /proc/sys/kernel/shmmax /proc/sys/kernel/shmall /proc/sys/kernel/msgmni')
expect_eq "System V shm of the jail's IPC namespace is held to shm_size" \
	"4194304 1024 256" "$(echo $out)"
if [ "$(cat /proc/sys/kernel/shmall)" != 1024 ]; then ok "and the host's limits are untouched"; else not_ok "and the host's limits are untouched"; fi

# Defaults: a profile that sets no size still gets bounded mounts.
adv_policy "$CONF" ''
sed -i 's/tmp_size = "8M";//' "$CONF"
out=$(jail "$U" 'for m in /tmp /dev/shm /; do df -k $m | tail -1 | awk -v m=$m "{print m, \$2}"; done')
expect_line "/tmp defaults to 256M" "/tmp 262144" "$out"
expect_line "/dev/shm defaults to 64M" "/dev/shm 65536" "$out"
expect_line "the tmpfs writable layer defaults to 512M" "/ 524288" "$out"

# --- the persistent layer in an image --------------------------------------
adv_policy "$CONF" 'writable = "persistent";'
out=$("$JAULA" check-config "$CONF" 2>&1)
expect_match "check-config warns of a persistent layer without persistent_size" \
	"warning: profiles.p: writable = \"persistent\" without persistent_size" "$out"
expect_match "(and still accepts it)" "^OK$" "$(tail -1 <<<"$out")"
adv_policy "$CONF" 'writable = "persistent"; persistent_size = "32M";'
out=$("$JAULA" check-config "$CONF" 2>&1)
expect_eq "no warning with persistent_size" OK "$out"
out=$("$JAULA" explain --config "$CONF" "$U" 2>&1)
expect_match "explain shows the image size" "writable_size +32M \(an ext4 image\)" "$out"

img=$TDIR/persist/p/$U/image
adv_policy "$CONF" 'writable = "persistent"; persistent_size = "32M";'
t0=$(date +%s%N)
out=$(jail "$U" 'echo first > /var/tmp/keep && echo ok')
t1=$(date +%s%N)
expect_eq "persistent_size: the first login (image made) works" ok "$out"
out=$(jail "$U" 'cat /var/tmp/keep')
t2=$(date +%s%N)
expect_eq "persistent_size: the next login sees the data" first "$out"
diag "login with the image: first $(((t1 - t0) / 1000000)) ms (mkfs), next $(((t2 - t1) / 1000000)) ms"
expect_eq "the image is root's, 0600, of persistent_size" "0:0 600 33554432" "$(stat -c '%u:%g %a %s' "$img" 2>&1)"
if [ -e "$TDIR/persist/p/$U/upper" ]; then not_ok "no upper directory on the host"; else ok "no upper directory on the host"; fi
avail0=$(df -k --output=avail "$TDIR" | tail -1)
out=$(jail "$U" "$(fill /var/tmp/big 64)")
avail1=$(df -k --output=avail "$TDIR" | tail -1)
expect_match "a write to the persistent layer stops with ENOSPC" "No space left on device" "$out"
b=$(written "$out")
if [ -n "$b" ] && [ "$b" -le $((32 << 20)) ] && [ "$b" -ge $((16 << 20)) ]; then ok "within persistent_size: $b bytes"; else not_ok "within persistent_size: ${b:-?} bytes"; echo "$out" | diag; fi
expect_eq "the image did not grow" 33554432 "$(stat -c %s "$img")"
used=$(( $(du -k "$TDIR/persist" | tail -1 | cut -f1) ))
if [ "$used" -le $((33 * 1024)) ]; then ok "the host holds at most persistent_size for it (${used}K)"; else not_ok "the host holds at most persistent_size for it (${used}K)"; fi
# (other helpers write to this disk meanwhile: a loose check that the
# 64M attempted did not land on it beyond the image's own 32M)
if [ $((avail0 - avail1)) -lt $((48 * 1024)) ]; then ok "the host's free space did not drop by the attempt"; else not_ok "the host's free space dropped by $((avail0 - avail1))K"; fi
out=$(jail "$U" 'cat /var/tmp/keep; rm -f /var/tmp/big; echo rm-ok')
expect_eq "the data survives a full image" "first"$'\n'"rm-ok" "$out"

# Two jails may not mount one image at once (ext4 twice = corruption).
adv_policy "$CONF" 'scope = "session"; writable = "persistent"; persistent_size = "32M";'
"$JAILSH" --config "$CONF" --user "$U" -c 'touch ~/p-up; exec sleep 100' > /dev/null 2>&1 &
pj=$!
for i in $(seq 100); do [ -e "$H/p-up" ] && break; sleep 0.05; done
out=$(jail "$U" 'echo inside' 2>&1)
if [[ "$out" == *"in use by another jail"* && "$out" != *inside* ]]; then ok "a second jail on the same image is refused"; else not_ok "a second jail on the same image is refused"; echo "$out" | diag; fi
kill "$pj"; wait "$pj" 2>/dev/null
wait_gone
out=$(jail "$U" 'cat /var/tmp/keep' 2>&1)
expect_eq "and once the first is gone, the image serves again" first "$out"

# Two first logins at once (no image yet) make one image, not two halves.
vimg=$TDIR/persist/p/$V/image
for n in 1 2 3; do
	jail "$V" "echo $n >> /var/tmp/n; sleep 0.3; echo in-$n" > "$TDIR/first.$n" 2>&1 &
done
wait
out=$(cat "$TDIR"/first.*)
expect_eq "three simultaneous first logins all get in, one after the other" \
	"in-1 in-2 in-3" "$(echo $(grep -o 'in-[0-9]' <<<"$out" | sort))"
[ "$(grep -c in- <<<"$out")" = 3 ] || echo "$out" | diag
wait_gone
out=$(e2fsck -fn "$vimg" 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "and the image they made is a clean ext4"; else not_ok "and the image they made is a clean ext4"; echo "$out" | tail -5 | diag; fi
expect_eq "holding all three writes" "1 2 3" "$(echo $(jail "$V" 'sort /var/tmp/n'))"
expect_eq "and no half-made image is left" "image" "$(ls "$TDIR/persist/p/$V")"
rm -rf "$TDIR/persist/p/$V"

# An image that cannot be made refuses the login and leaves no trace.
adv_policy "$CONF" 'writable = "persistent"; persistent_size = "64T";'
out=$(jail "$V" 'echo inside' 2>&1)
if [[ "$out" != *inside* ]]; then ok "an image that cannot be allocated refuses the login"; else not_ok "an image that cannot be allocated refuses the login"; fi
expect_eq "and leaves no image behind" "" "$(ls -A "$TDIR/persist/p/$V" 2>&1)"
wait_gone
leak_audit "after the refused image"

# --- OOM -------------------------------------------------------------------
adv_policy "$CONF" 'scope = "user"; limits = { memory = "48M"; swap = "0"; };'
# The survivor's caller runs at -1000 (as a privileged daemon may): its
# shell in the jail must still get 0 and be unable to go back to -1000.
# Going below 0 needs CAP_SYS_RESOURCE, which some hosts withhold even
# from root; there neither the caller nor the holder can have -1000.
can_lower=no
(echo -1000 > /proc/self/oom_score_adj) 2>/dev/null && can_lower=yes
(
	[ $can_lower = yes ] && echo -1000 > /proc/self/oom_score_adj
	exec "$JAILSH" --config "$CONF" --user "$U" -c \
		'cat /proc/self/oom_score_adj > ~/adj; (echo -1000 > /proc/self/oom_score_adj) 2> ~/lower; cat /proc/self/oom_score_adj >> ~/adj; touch ~/up1; exec sleep 1000'
) > /dev/null 2>&1 &
s1=$!
for i in $(seq 100); do [ -e "$H/up1" ] && break; sleep 0.05; done
hp=$(holder_pid)
mp=$(sed -n 's/^monitor_pid=//p' "$STATE"/jails/*/state | head -1)
adv_remember
if [ $can_lower = yes ]; then
	expect_eq "the holder has oom_score_adj -1000" -1000 "$(cat /proc/"$hp"/oom_score_adj 2>&1)"
	expect_eq "the monitor has oom_score_adj -1000" -1000 "$(cat /proc/"$mp"/oom_score_adj 2>&1)"
	expect_eq "a user process in the jail has 0 (caller at -1000), and cannot lower it" "0 0" "$(echo $(cat "$H/adj" 2>&1))"
else
	skip "holder and monitor at -1000, user process reset from a -1000 caller: root lacks CAP_SYS_RESOURCE here ($(grep CapBnd /proc/self/status | tr -d '\t')); t-47 checks them in a VM"
	expect_eq "a user process in the jail has 0, and cannot lower it" "0 0" "$(echo $(cat "$H/adj" 2>&1))"
fi
expect_match "(the write of -1000 was refused)" "denied|not permitted" "$(cat "$H/lower" 2>&1)"
out=$(jail "$U" 'dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo rc=$?; cat /proc/self/oom_score_adj')
expect_match "the hog was OOM-killed (48M limit)" "^rc=137" "$out"
if alive "$hp"; then ok "the holder survived the hog"; else not_ok "the holder survived the hog"; fi
if alive "$mp"; then ok "the monitor survived the hog"; else not_ok "the monitor survived the hog"; fi
if kill -0 "$s1" 2>/dev/null; then ok "the user's other session survived"; else not_ok "the user's other session survived"; fi
out=$(jail "$U" 'echo still-here')
expect_eq "and the jail takes new logins" still-here "$out"
kill "$s1"; wait "$s1" 2>/dev/null
wait_gone
leak_audit "after the OOM test"

# --- per-user caps ------------------------------------------------------------
BR=jb-a$TAG
ADV_NETWORKS="networks = { lab = { bridges = [ \"$BR\" ]; subnet = \"10.46.0.0/29\"; gateway = \"10.46.0.1\";
	addresses = \"dynamic\"; }; };"
adv_policy "$CONF" 'scope = "session"; network = "lab"; max_jails_per_user = 2;'
out=$(jail "$U" 'ip -o -4 addr show dev eth0' 2>&1)
[[ "$out" == *"inet 10.46.0."* ]] || diag "jails get no network here: $(head -c 150 <<<"$out")"
holders=()
for n in 1 2; do
	"$JAILSH" --config "$CONF" --user "$U" -c "touch ~/c$n; exec sleep 1000" > /dev/null 2>&1 &
	holders+=($!)
	for i in $(seq 100); do [ -e "$H/c$n" ] && break; sleep 0.05; done
done
expect_eq "two session jails of one user" 2 "$(jails_left)"
adv_remember
snap() { # what a refused login must not change
	ls "$STATE/jails" | sort
	find "$STATE/net" -type f 2>/dev/null | sort
	ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep '^jv' | sort
	find /sys/fs/cgroup/*/"$ADV_CGPATH" -mindepth 1 -type d 2>/dev/null | sort
}
before=$(snap)
out=$(jail "$U" 'echo inside' 2>&1)
rc=$?
if [ $rc -ne 0 ] && [[ "$out" != *inside* ]]; then ok "the third session jail of the user is refused"; else not_ok "the third session jail of the user is refused"; echo "$out" | diag; fi
expect_match "the user is told why" "too many jails or sessions" "$out"
expect_match "the log has the reason" "already has 2 jails \(max_jails_per_user = 2" "$out"
expect_eq "the refusal left no lease, veth, cgroup, state or lock" "$before" "$(snap)"
out=$(jail "$V" 'echo inside-v' 2>&1)
expect_eq "another user still gets in" inside-v "$out"
kill "${holders[@]}"; wait "${holders[@]}" 2>/dev/null
wait_gone
out=$(jail "$U" 'echo again' 2>&1)
expect_eq "once the user's jails are gone, the user gets in again" again "$out"

adv_policy "$CONF" 'scope = "user"; max_sessions_per_user = 2;'
holders=()
for n in 1 2; do
	"$JAILSH" --config "$CONF" --user "$U" -c "touch ~/d$n; exec sleep 1000" > /dev/null 2>&1 &
	holders+=($!)
	for i in $(seq 100); do [ -e "$H/d$n" ] && break; sleep 0.05; done
done
out=$(jail "$U" 'echo inside' 2>&1)
if [[ "$out" != *inside* && "$out" == *"max_sessions_per_user = 2"* ]]; then ok "the third session of the user's jail is refused"; else not_ok "the third session of the user's jail is refused"; echo "$out" | diag; fi
expect_eq "and the jail keeps its two sessions" 2 "$(ls "$STATE"/jails/*/sessions | wc -l)"
kill "${holders[@]}"; wait "${holders[@]}" 2>/dev/null
wait_gone
leak_audit "after the caps"
finish
