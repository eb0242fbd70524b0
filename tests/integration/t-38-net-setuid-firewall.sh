#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-38: a user's own setuid jailsh (no PAM: real uid = the user) sets up a
# network whose firewall is not there yet.  libnftables initialises
# libxtables, which _exit(111)s when the real and effective uids differ;
# jaula must run nftables with root's real uid, so the first login on a new
# bridge works, and so does a login after the table was removed.  Runs in a
# private test-host network namespace (bridge and table are made there).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/net_lib.sh"
net_enter_test_host "$@"
. "$TOP/tests/integration/jail-lib.sh"
. "$TOP/tests/integration/adversary-lib.sh"

U=$(new_user s) || skip_all "cannot create a user"
ADV_UIDS=$(id -u "$U")
adv_setuid_jailsh || skip_all "cannot build a setuid jailsh here (see $TDIR/jailsh-build.log)"
BR=jb-a${TAG}s
ADV_NETWORKS="networks = { lab = { bridges = [ \"$BR\" ]; subnet = \"10.38.0.0/24\";
  gateway = \"10.38.0.1\"; addresses = \"stable\"; isolate = false; }; };"
adv_policy "$ADV_SYSCONF" 'network = "lab";'

nft delete table inet jaula 2>/dev/null
out=$(cd / && as_user "$U" "$ADV_JAILSH" -c 'ip -o -4 addr show dev eth0' 2>&1)
rc=$?
expect_eq "the user's first login on a new bridge succeeds (no exit 111)" 0 "$rc"
expect_match "... with an address of the network" "inet 10\.38\.0\.[0-9]+/24" "$out"
check "... and the firewall table exists" nft list table inet jaula

check "no jail is left after that session" wait_gone
nft delete table inet jaula
out=$(cd / && as_user "$U" "$ADV_JAILSH" -c 'echo in-jail; id -u' 2>&1)
rc=$?
expect_eq "a login after the table was removed succeeds" 0 "$rc"
expect_match "... runs as the user inside the jail" "in-jail"$'\n'"$ADV_UIDS" "$out"
check "... and restores the table" nft list table inet jaula
adv_remember
leak_audit "nothing is left (jails, cgroups, links, leases)" 10
finish
