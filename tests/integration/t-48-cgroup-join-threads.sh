#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-48: joining a jail's cgroups moves the whole process, in every
# hierarchy where the jail has a node.  On v1 a process of one thread (as
# jailsh's child is) moves itself through the tasks files, which spares it
# the kernel's global threadgroup lock; a process with a second thread
# still goes through cgroup.procs, and its other thread lands in the jail
# too.  v2 always uses cgroup.procs (or is born in the cgroup).  Needs root.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/cgroup-lib.sh"
cg_init join
need_cmd strace

# The hierarchies where the jail has its node (kept with -k until destroy).
nodes() { find /sys/fs/cgroup -mindepth 1 -maxdepth 5 -type d -path "*/$P/g/j" 2>/dev/null | wc -l; }
# Per task, how many of its hierarchies put it in the jail.
per_task() { sed -n "s|^task \([0-9]*\): .*:/$P/g/j\$|\1|p" | sort | uniq -c | awk '{ print $1 }' | tr '\n' ' '; }

for kind in S T; do
	what=$([ $kind = S ] && echo "one thread" || echo "two threads")
	out=$(strace -f -qq -e trace=openat -o "/tmp/jaula-t48-$TAG.st" "$H" -p "$P" -l pids=50 -k -$kind run true 2>&1)
	on_exit rm -f "/tmp/jaula-t48-$TAG.st"
	n=$(nodes)
	expect_match "[$what] the child ran" 'exit=0' "$out"
	expect_match "[$what] the jail has nodes" '^[1-9][0-9]*$' "$n"
	tasks=$([ $kind = S ] && echo 1 || echo 2)
	expect_eq "[$what] every thread is in the jail in all $n hierarchies" \
		"$(printf "$n %.0s" $(seq $tasks))" "$(printf '%s\n' "$out" | per_task)"
	used=$(grep -o '"\(tasks\|cgroup.procs\)", O_WRONLY' "/tmp/jaula-t48-$TAG.st" | sort -u | cut -d'"' -f2 | tr '\n' ' ')
	if [ "$MODE" = v2 ]; then
		expect_eq "[$what] v2: moved through cgroup.procs" "cgroup.procs " "$used"
	elif [ $kind = S ]; then
		expect_eq "[$what] v1: moved itself through tasks" "tasks " "$used"
	else
		expect_eq "[$what] v1: moved through cgroup.procs" "cgroup.procs " "$used"
	fi
	check "[$what] destroy" "$H" -p "$P" destroy
done
cg_expect_clean "nothing of the jail is left"
finish
