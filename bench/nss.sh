#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/nss.sh — what the NSS lookups of pam_jaula cost on the login path
# when the users and groups come from an LDAP directory (root; never a
# test).
#
#   bench/nss.sh [REV]      REV: the module to compare with, default
#                           fc56af9 (before a rule's group was asked by
#                           name, user.c)
#
# The directory of t-85 (tests/integration/ldap.sh: a private slapd on
# 127.0.0.1, nslcd, a private mount namespace whose nsswitch.conf says
# "files ldap"), warm: the runs before the measured rounds bring slapd's
# entries into memory; nslcd itself keeps no cache and no nscd runs, so
# every lookup is a round trip to slapd.  The policy has one rule, jailing
# a directory group, which both users reach and are not members of, as
# most users of a directory host are: pam_jaula's thin module then asks
# NSS for the user and their groups (and, since this change, for the
# rule's group by name) and says "not jailed".
#
# Rows, in ONE interleaved run (bench/interleave.py, every row once per
# round, the order rotated): pamtester open_session+close_session for a
# local user and for a directory user, through a service without the
# pam_jaula line, with this tree's pam_jaula.so and with REV's (each with
# its own policy path and match table under /etc, written by its own
# `jaula check-config`); and `id USER` (getpwnam + getgrouplist + a name
# per gid), the bare NSS cost.
#
# Output: bench/out/nss.md and the interleave JSON beside it.
# Environment: BENCH_ROUNDS (default 200), BENCH_WARMUP (default 10).
source "$(dirname "$0")/lib.sh"
source "$TOP/tests/integration/ldap.sh"
[ "$(id -u)" = 0 ] || bench_die "benchmarks need root"
command -v pamtester > /dev/null || bench_die "pamtester is not installed"
why=$(ldap_missing) && bench_die "$why"
REV=${1:-fc56af9}
ROUNDS=${BENCH_ROUNDS:-200}
WARMUP=${BENCH_WARMUP:-10}
mkdir -p "$BENCH_OUT"
git -C "$TOP" rev-parse --verify -q "$REV^{commit}" > /dev/null || bench_die "not a revision: $REV"
[ -e "$TOP/pam_module/pam_jaula.so" ] && [ -x "$TOP/cli/jaula" ] || bench_die "build first (make)"

LDAP_NAME=bnss ldap_enter_ns "$0" "$@"
ldap_ns_setup || bench_die "cannot set up the private mount namespace"
ldap_names
short=$(git -C "$TOP" rev-parse --short "$REV")

_jb_dir || bench_die "no temp dir"
WT=$JB_DIR/rev
git -C "$TOP" worktree add -q --detach "$WT" "$REV" >&2 || bench_die "git worktree add failed"
on_exit "git -C '$TOP' worktree remove --force '$WT' 2>/dev/null; git -C '$TOP' worktree prune"
make -s -C "$WT" CI=true pam_module/pam_jaula.so pam_module/pam_jaula_full.so cli/jaula >&2 ||
	bench_die "cannot build $REV's pam_jaula.so and jaula"

JB_JAILSH=/bin/sh # the login shell in the directory: nobody logs in here
write_directory "$UA" || bench_die "slapadd failed: $(tail -3 "$L/slapadd.log")"
start_slapd || bench_die "cannot start slapd"
start_nslcd || bench_die "cannot start nslcd"
make_user "$UL" "jaula-lg$TAG" /bin/sh > /dev/null || bench_die "cannot create the local user"
bench_rootfs

# Two policies with the same rule, one per module build: the match table
# is named after the policy's path and stamped with its build.
mkdir -m 0755 "$JB_DIR/etc" "$JB_DIR/etc/cur" "$JB_DIR/etc/rev"
for v in cur rev; do
	cat > "$JB_DIR/etc/$v/jaula.conf" <<-EOF
	global = { state_dir = "$JB_DIR/state"; cgroup_path = "jaula-n$TAG"; };
	rootfs = { r = { path = "$ROOTFS"; }; };
	profiles = { jailed = { rootfs = "r"; }; };
	match = ( { name = "directory-group"; groups = [ "$DGROUP" ]; profile = "jailed"; } );
	EOF
	chmod 0644 "$JB_DIR/etc/$v/jaula.conf"
done
mount --bind "$JB_DIR/etc" "$ETCDIR" || bench_die "cannot bind the policies under /etc"
on_exit "umount '$ETCDIR'"
sleep 4 # the cache is not written for files younger than 3 s
"$TOP/cli/jaula" check-config --config "$ETCDIR/cur/jaula.conf" > /dev/null ||
	bench_die "check-config failed"
"$WT/cli/jaula" check-config --config "$ETCDIR/rev/jaula.conf" > /dev/null ||
	bench_die "$REV's check-config failed"

svc() { # NAME [MODULE ARGS]
	pam_service "jaula-$1-$TAG" <<-EOF
	auth     required  pam_permit.so
	account  required  pam_permit.so
	session  required  pam_permit.so
	${2:+session  requisite $2}
	EOF
}
svc bn0
svc bn1 "$TOP/pam_module/pam_jaula.so config=$ETCDIR/cur/jaula.conf"
svc bn2 "$WT/pam_module/pam_jaula.so config=$ETCDIR/rev/jaula.conf"
rows=()
for u in "$UL" "$UB"; do
	kind=local
	[ "$u" = "$UB" ] && kind=directory
	rows+=("no pam_jaula line, $kind user=$(command -v pamtester) jaula-bn0-$TAG $u open_session close_session")
	rows+=("pam_jaula (this tree), $kind user=$(command -v pamtester) jaula-bn1-$TAG $u open_session close_session")
	rows+=("pam_jaula ($short), $kind user=$(command -v pamtester) jaula-bn2-$TAG $u open_session close_session")
	rows+=("id, $kind user=$(command -v id) $u")
done
for r in "${rows[@]}"; do
	# shellcheck disable=SC2086
	${r#*=} > /dev/null 2>&1 || bench_die "${r%%=*} fails: $(${r#*=} 2>&1 | tail -1)"
done
# Round trips to nslcd (each one a request nslcd answers from slapd):
# counted once per row with strace, independent of the machine's load.
trips=$JB_DIR/trips
: > "$trips"
if command -v strace > /dev/null; then
	for r in "${rows[@]}"; do
		# shellcheck disable=SC2086
		strace -f -qq -e trace=connect -o "$JB_DIR/st" ${r#*=} > /dev/null 2>&1
		printf '%s\t%s\n' "${r%%=*}" "$(grep -c 'nslcd/socket.*= 0' "$JB_DIR/st")" >> "$trips"
	done
fi
# One lookup alone, in a loop inside one process (no exec, no PAM):
# getgrnam_r of the directory group (a round trip to nslcd and slapd) and
# of a local group (files answer, the directory is not asked).
cat > "$JB_DIR/lookup.c" <<-'EOF'
	#include <grp.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <time.h>
	static int cmp(const void *a, const void *b)
	{
	        double x = *(const double *) a, y = *(const double *) b;
	        return x < y ? -1 : x > y;
	}
	int main(int argc, char **argv)
	{
	        int n = atoi(argv[2]);
	        double *t = calloc(n, sizeof *t);
	        static char buf[1 << 16];
	        struct group gr, *res;
	        struct timespec a, b;
	        for (int i = 0; i < n; i++) {
	                clock_gettime(CLOCK_MONOTONIC, &a);
	                if (getgrnam_r(argv[1], &gr, buf, sizeof buf, &res) != 0 || !res)
	                        return 1;
	                clock_gettime(CLOCK_MONOTONIC, &b);
	                t[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	        }
	        qsort(t, n, sizeof *t, cmp);
	        printf("%.3f %.3f\n", t[n / 2], t[n * 9 / 10]);
	        return 0;
	}
EOF
cc -O2 -o "$JB_DIR/lookup" "$JB_DIR/lookup.c" || bench_die "cannot build the lookup loop"
one_dir=$("$JB_DIR/lookup" "$DGROUP" 1000) || bench_die "getgrnam_r $DGROUP fails"
one_local=$("$JB_DIR/lookup" "jaula-lg$TAG" 1000) || bench_die "getgrnam_r jaula-lg$TAG fails"

for f in cur rev; do
	[ -n "$(grep -lsF "$ETCDIR/$f/jaula.conf" /run/jaula-policy/*.match)" ] ||
		bench_die "no match table for the $f policy: the thin module would load the full one"
done

json=$BENCH_OUT/nss.json
load0=$(cut -d' ' -f1-3 /proc/loadavg)
python3 "$TOP/bench/interleave.py" "$json" "$ROUNDS" "$WARMUP" 0 "${rows[@]}" ||
	bench_die "the interleaved run failed"
sec=$(bench_section nss)
{
	echo "## NSS on the login path: a directory user (LDAP through nslcd) against a local user"
	echo
	echo "One interleaved run, $ROUNDS rounds after $WARMUP warm-up rounds, load average $load0 at the start;" \
		"slapd on 127.0.0.1, nslcd without nscd (every lookup asks slapd);" \
		"one policy rule naming a directory group that neither user is in."
	echo "One getgrnam_r, 1000 times in one process (median / 90th percentile, ms):" \
		"the directory group $one_dir, a local group $one_local."
	echo
	echo "Δ: median paired difference, same round, to the row named (wall time)." \
		"CPU: the command's own user+system time (rusage); nslcd's and slapd's work is not in it."
	echo
	python3 - "$json" "$trips" <<-'EOF'
	import json, statistics, sys
	res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
	trips = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip())
	def med(n):
	    return statistics.median(res[n]["times"]) * 1000
	def delta(a, b):
	    return statistics.median(x - y for x, y in zip(res[a]["times"], res[b]["times"])) * 1000
	print("| row | nslcd requests | median ms | mean ms | CPU median ms | failed | Δ to no line, ms | Δ local → directory, ms |")
	print("|---|---|---|---|---|---|---|---|")
	for n, r in res.items():
	    kind = n.rsplit(", ", 1)[1]
	    base = "no pam_jaula line, " + kind
	    d = f"{delta(n, base):+.2f}" if n != base and not n.startswith("id,") else ""
	    other = n.replace("local user", "directory user") if kind == "local user" else None
	    dl = f"{delta(other, n):+.2f}" if other in res else ""
	    cpu = statistics.median(r["cpu"]) * 1000
	    print(f"| {n} | {trips.get(n, '?')} | {med(n):.2f} | {statistics.mean(r['times'])*1000:.2f} | {cpu:.2f} | {r['failed']} | {d} | {dl} |")
	EOF
} > "$sec"
cat "$sec"
