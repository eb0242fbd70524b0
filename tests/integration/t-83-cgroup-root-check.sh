#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-83-cgroup-root-check.sh — an explicitly configured cgroup_root that
# cannot work is refused by `jaula check-config` (at the policy's line,
# with the fix) and by a login before anything is made; a good one passes.
# On this host's own layout (cgroup v1 here: a directory of hierarchies,
# one made in a private mount namespace without 'cpu'), then for cgroup v2
# in the minimal VM (tests/qemu/run-in-vm.sh, as t-49): a root that does
# not exist, holds processes of its own, or lacks a controller.  The bug
# this guards against: the old docs/cgroups.md recipe made every login
# fail while check-config said OK.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
need_cmd unshare mount

CG_PATH=jaula-test-$TAG-rc
# Whatever a login made under CG_PATH in any hierarchy (it should make
# nothing) goes in the trap.
sweep() {
	local d
	for d in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$CG_PATH" 2>/dev/null); do
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}
on_exit sweep
left() { find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$CG_PATH" 2>/dev/null | tr '\n' ' '; }

U=$(new_user a) || { not_ok "useradd"; finish; }

# policy ROOT LIMITS: the jail-lib policy with cgroup_root and cgroup_path.
cg_policy() {
	policy "$CONF" "$U" "limits = { $2 };"
	sed -i "s|^global = { |global = { cgroup_root = \"$1\"; cgroup_path = \"$CG_PATH\";\\n           |" "$CONF"
}
# The line of the policy holding KEY (for the FILE:LINE the check names).
line_of() { grep -n "$1" "$CONF" | head -1 | cut -d: -f1; }

# ---- a root that does not exist ------------------------------------------
cg_policy "$TDIR/no-such-cgroup" 'memory = "64M"; pids = 50;'
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
expect_eq "check-config refuses a cgroup_root that does not exist (exit 1)" 1 "$rc"
expect_match "... at the cgroup_root line, with the fix" \
	"$CONF:$(line_of cgroup_root): global.cgroup_root: '$TDIR/no-such-cgroup' does not exist — create that cgroup.*cgroup_root = \"\"" "$out"
out=$("$JAULA" check-kernel --config "$CONF" 2>&1); rc=$?
expect_match "check-kernel --config reports it as a missing required piece (exit 1)" \
	"configured cgroup_root +MISSING '$TDIR/no-such-cgroup' does not exist.*rc=1" "$(tr '\n' ' ' <<<"$out") rc=$rc"
out=$(jail "$U" 'echo inside' 2>&1); rc=$?
expect_eq "a login with that cgroup_root is refused" "1" "$([ $rc -ne 0 ] && ! grep -q inside <<<"$out" && echo 1)"
log=$(tail -5 /var/log/jaula.log 2>/dev/null; journalctl -n 5 2>/dev/null)
expect_match "... for that reason" "cgroup_root: '$TDIR/no-such-cgroup' does not exist" "$out
$log"
expect_eq "... leaving no jail" 0 "$(jails_left)"

# ---- a directory that is no cgroup ---------------------------------------
mkdir -p "$TDIR/plain/memory"
cg_policy "$TDIR/plain" 'memory = "64M";'
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
expect_eq "check-config refuses a cgroup_root that is no cgroup directory" 1 "$rc"
expect_match "... naming it" "global.cgroup_root: '$TDIR/plain' is not a cgroup directory" "$out"
out=$(jail "$U" 'echo inside' 2>&1); rc=$?
expect_eq "a login with it is refused before anything is made" "1:0:" "$([ $rc -ne 0 ] && echo 1):$(jails_left):$(left)"

# ---- this host's layout ---------------------------------------------------
mode=$("$TOP/tests/helpers/cgroup_run" -p "$CG_PATH" mode 2>/dev/null || echo unknown)
echo "# host cgroup mode: $mode"
if [ "$mode" = v1 ] || [ "$mode" = hybrid ]; then
	# /sys/fs/cgroup itself, explicitly: fine.
	cg_policy /sys/fs/cgroup 'memory = "64M"; pids = 50;'
	out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
	expect_eq "check-config accepts the v1 hierarchies at /sys/fs/cgroup" "0" "$rc"
	[ "$rc" = 0 ] || diag <<<"$out"
	expect_match "check-kernel --config accepts them too" "configured cgroup_root +OK +/sys/fs/cgroup: cgroup v1 hierarchies" \
		"$("$JAULA" check-kernel --config "$CONF" 2>&1)"
	# A directory of v1 hierarchies without 'cpu', made in a private
	# mount namespace (tmpfs with bind mounts of this host's memory,
	# pids, cpuacct and freezer hierarchies): a cpu limit cannot work.
	cat > "$TDIR/ns.sh" <<-EOF
	set -e
	mkdir -p "$TDIR/v1root"
	mount -t tmpfs jaula-t83 "$TDIR/v1root"
	for c in memory pids cpuacct freezer; do
		mkdir "$TDIR/v1root/\$c"
		mount --bind "/sys/fs/cgroup/\$c" "$TDIR/v1root/\$c"
	done
	set +e
	echo "== check-config cpu"
	"$JAULA" check-config "$CONF.cpu"; echo "rc=\$?"
	echo "== check-config pids"
	"$JAULA" check-config "$CONF.pids"; echo "rc=\$?"
	echo "== login cpu"
	"$JAILSH" --config "$CONF.cpu" --user "$U" -c 'echo inside'; echo "rc=\$?"
	echo "== login pids"
	"$JAILSH" --config "$CONF.pids" --user "$U" -c 'echo inside; sleep 4' & pid=\$!
	for i in \$(seq 40); do
		n=\$(find "/sys/fs/cgroup/pids/$CG_PATH" -mindepth 2 -maxdepth 2 -type d 2>/dev/null | wc -l)
		[ "\$n" -gt 0 ] && break
		sleep 0.1
	done
	echo "jail nodes under pids/$CG_PATH: \$n"
	wait \$pid; echo "rc=\$?"
	EOF
	cg_policy "$TDIR/v1root" 'memory = "64M"; cpu = "50%";'
	cp "$CONF" "$CONF.cpu"
	cpu_line=$(grep -n 'cpu = ' "$CONF" | head -1 | cut -d: -f1)
	cg_policy "$TDIR/v1root" 'memory = "64M"; pids = 50;'
	cp "$CONF" "$CONF.pids"
	out=$(unshare -m --propagation private bash "$TDIR/ns.sh" 2>&1)
	sect() { awk -v s="== $1" '$0 == s { on = 1; next } /^== / { on = 0 } on' <<<"$out"; }
	expect_match "check-config refuses a cpu limit under a v1 root without a cpu hierarchy" \
		"$CONF.cpu:$cpu_line: profiles.p.limits.cpu: cgroup_root '$TDIR/v1root' has no 'cpu' hierarchy.*rc=1" \
		"$(sect 'check-config cpu' | tr '\n' ' ')"
	expect_match "check-config accepts that root for memory and pids limits" \
		"OK rc=0" "$(sect 'check-config pids' | tr '\n' ' ')"
	expect_match "a login with the cpu limit is refused, naming the missing hierarchy" \
		"no 'cpu' hierarchy.*rc=[1-9]" "$(sect 'login cpu' | tr '\n' ' ')$(tail -3 /var/log/jaula.log 2>/dev/null | tr '\n' ' ')"
	expect_match "a login under the explicit v1 root works, in its own cgroup there" \
		"^(inside jail nodes under pids/$CG_PATH: 1|jail nodes under pids/$CG_PATH: 1 inside) rc=0 $" "$(sect 'login pids' | tr '\n' ' ')"
	wait_gone
	expect_eq "... and leaves nothing behind" "0:" "$(jails_left):$(left)"
elif [ "$mode" = v2 ]; then
	skip "the v1 cases: this host's cgroups are v2 (the VM part below covers v2)"
else
	skip "the host layout cases: no cgroup hierarchy here ($mode)"
fi

# ---- cgroup v2, in the VM -------------------------------------------------
bb=$(command -v busybox || true)
if [ -z "$bb" ]; then
	skip "cgroup v2 cases: busybox is not installed"
	finish
fi
guest=$TDIR/guest.sh
# docs/cgroups.md's recipe for a root of jails on a v2 host without
# systemd, verbatim (t-82 runs the document's other recipes).
doc_recipe=$(awk '$0 == "```sh recipe=explicit-root-v2" { on = 1; next } on && /^```$/ { exit } on' "$TOP/docs/cgroups.md")
[ -n "$doc_recipe" ] || not_ok "docs/cgroups.md has the recipe explicit-root-v2"
printf '%s\n' "$doc_recipe" > "$TDIR/recipe.sh"
{ echo "J='$JAULA' RECIPE='$TDIR/recipe.sh'"; cat <<'GUEST'; } > "$guest"
set -u
mkdir -p /run/jaula-r/bin /run/jaula-conf
cp /bin/busybox /run/jaula-r/bin/sh
chmod 0755 /run/jaula-r /run/jaula-r/bin
conf() {  # ROOT LIMITS → /run/jaula-conf/j.conf
	cat > /run/jaula-conf/j.conf <<EOF
global = { cgroup_root = "$1";
           default_shell = "/bin/sh"; };
rootfs = { r = { path = "/run/jaula-r"; }; };
profiles = { p = { rootfs = "r";
  limits = { $2 };
}; };
match = ( { users = [ "nobody" ]; profile = "p"; } );
EOF
	chmod 0644 /run/jaula-conf/j.conf
}
run() { echo "== $1"; "$J" check-config /run/jaula-conf/j.conf 2>&1; echo "rc=$?"; }
echo "== recipe"
sh -e "$RECIPE" 2>&1; echo "rc=$?"
conf /sys/fs/cgroup/jails 'memory = "64M"; pids = 50;
  cpu = "50%";'
run recipe-root
# From here the root offers its children memory and pids, not cpu.
echo "+memory +pids -cpu" > /sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/jaula-t83
conf /sys/fs/cgroup/jaula-t83 'memory = "64M"; pids = 50;'
run good
conf /sys/fs/cgroup/jaula-t83 'memory = "64M";
  cpu = "50%";'
run nocpu
conf /sys/fs/cgroup/jaula-gone 'memory = "64M";'
run gone
sleep 600 &
echo $! > /sys/fs/cgroup/jaula-t83/cgroup.procs
conf /sys/fs/cgroup/jaula-t83 'memory = "64M";'
run procs
conf /sys/fs/cgroup 'memory = "64M";'
run hierroot
GUEST
out=$("$TOP/tests/qemu/run-in-vm.sh" -t "${JAULA_VM_TIMEOUT:-300}" -b bash \
	-b "$JAULA" -f "$TDIR/recipe.sh" "$guest" 2>"$TDIR/vm.err"); rc=$?
if [ $rc -eq 125 ]; then
	skip "cgroup v2 cases: cannot run the VM: $(tail -1 "$TDIR/vm.err")"
	finish
fi
vsect() { awk -v s="== $1" '$0 == s { on = 1; next } /^== / { on = 0 } on' <<<"$out" | tr '\n' ' '; }
expect_match "v2: docs/cgroups.md's explicit-root-v2 recipe runs" "^rc=0 $" "$(vsect recipe)"
expect_match "v2: check-config accepts the recipe's root for memory, pids and cpu limits" \
	"OK rc=0" "$(vsect recipe-root)"
expect_match "v2: check-config accepts a cgroup offering memory and pids for those limits" \
	"OK rc=0" "$(vsect good)"
expect_match "v2: check-config refuses a cpu limit the root cannot offer, at its line" \
	"j.conf:6: profiles.p.limits.cpu: cgroup_root '/sys/fs/cgroup/jaula-t83' offers no 'cpu' controller \(its cgroup.controllers: 'memory pids'\).* rc=1" \
	"$(vsect nocpu)"
expect_match "v2: check-config refuses a root that does not exist" \
	"j.conf:1: global.cgroup_root: '/sys/fs/cgroup/jaula-gone' does not exist.* rc=1" "$(vsect gone)"
expect_match "v2: check-config refuses a root holding processes of its own" \
	"j.conf:1: global.cgroup_root: the cgroup '/sys/fs/cgroup/jaula-t83' holds processes of its own.* rc=1" \
	"$(vsect procs)"
expect_match "v2: the hierarchy's own root may hold processes" "OK rc=0" "$(vsect hierroot)"
if [ $rc -ne 0 ]; then
	not_ok "the VM run ended with status $rc"
	tail -20 "$TDIR/vm.err" | diag
fi
finish
