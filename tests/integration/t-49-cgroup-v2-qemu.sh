#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The cgroup tests t-40..t-45 against the v2 backend for real: in a VM
# (tests/qemu/run-in-vm.sh: Debian's cloud kernel under qemu TCG) whose
# only cgroup hierarchy is a unified cgroup2.  Each guest result line comes
# back as one of ours, prefixed "v2: ".
. "$(dirname "$0")/../lib.sh"
need_root
for b in cgroup_run cgroup_hog; do
	[ -x "$TOP/tests/helpers/$b" ] || skip_all "tests/helpers/$b is not built (make check)"
done

# JAULA_V2_ONLY="43 45" runs only those (while working on one test).
only=${JAULA_V2_ONLY:-40 41 42 43 44 45}
tests=()
for n in $only; do tests+=("$TOP"/tests/integration/t-$n-*.sh); done

guest=$(mktemp /tmp/jaula-test-v2.XXXXXX)
on_exit "rm -f $guest"
cat > "$guest" <<GUEST
cd "$TOP" || exit 1
export JAULA_CG_RACE=5   # every exec is slow under emulation
for t in ${tests[*]#$TOP/}; do
	echo "# guest: \$t"
	timeout 400 bash "\$t" || echo "# guest: \$t exited with status \$?"
done
GUEST

files=(-f "$TOP/tests/lib.sh" -f "$TOP/tests/integration/cgroup-lib.sh")
for t in "${tests[@]}"; do files+=(-f "$t"); done
out_file=$(mktemp /tmp/jaula-test-v2out.XXXXXX)
on_exit "rm -f $out_file"
"$TOP/tests/qemu/run-in-vm.sh" -t "${JAULA_VM_TIMEOUT:-800}" -c 2 -m 768M \
	-b bash -b "$TOP/tests/helpers/cgroup_run" -b "$TOP/tests/helpers/cgroup_hog" \
	"${files[@]}" "$guest" > "$out_file" 2> "$out_file.err"
rc=$?
on_exit "rm -f $out_file.err"
if [ $rc -eq 125 ]; then
	skip_all "cannot run the VM: $(tail -1 "$out_file.err")"
fi
sed -e 's/^ok - /ok - v2: /' -e 's/^not ok - /not ok - v2: /' -e 's/^skip - /skip - v2: /' \
	-e 's/^exited with/# exited with/' "$out_file" | grep -E '^(ok|not ok|skip) |^#' || true
grep -q '^not ok' "$out_file" && _failed=1
modes=$(grep -c '^# cgroup mode: v2$' "$out_file")
expect_eq "the guest ran the cgroup tests ($only) on cgroup v2" ${#tests[@]} "$modes"
if [ $rc -ne 0 ]; then
	not_ok "the VM run ended with status $rc"
	tail -20 "$out_file.err" | diag
fi
finish
