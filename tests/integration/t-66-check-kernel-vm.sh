#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-66-check-kernel-vm — `jaula check-kernel` on a second, different kernel:
# Debian's cloud kernel under qemu (tests/qemu/run-in-vm.sh) with a unified
# cgroup v2 hierarchy and IA-32 emulation, and with the modules jaula needs
# loaded.  There every required feature must be OK, cgroup v2 and its
# controllers recognised, the kernel config read from /boot, and 32-bit
# programs run.  Then once more without the modules: the network and
# overlay probes must say MISSING (the guest has no modprobe), not OK.
source "$(dirname "$0")/../lib.sh"
need_root
[ -x "$JAULA" ] || skip_all "build first: $JAULA is missing"
kernel=$(ls -1 /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || skip_all "no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)"
release=${kernel#/boot/vmlinuz-}

guest=$(mktemp /tmp/jaula-t66.XXXXXX)
on_exit "rm -f '$guest'"
cat > "$guest" <<GUEST
NO_COLOR=1 $JAULA check-kernel; echo "rc=\$?"
GUEST
files=()
[ -r "/boot/config-$release" ] && files=(-f "/boot/config-$release")
mods=(-M veth -M bridge -M overlay -M squashfs -M isofs -M loop -M nf_tables -M nft_chain_nat -M nft_masq)

out=$("$TOP/tests/qemu/run-in-vm.sh" -t 300 -b "$JAULA" "${files[@]}" "${mods[@]}" "$guest" 2>"$guest.err")
rc=$?
on_exit "rm -f '$guest.err'"
[ $rc -eq 125 ] && skip_all "cannot run the VM: $(tail -1 "$guest.err")"
expect_eq "the VM ran" 0 "$rc"
expect_match "guest: every required feature is present (exit 0)" "rc=0" "$out"
expect_match "guest: the kernel is $release" "^Kernel $release x86_64" "$out"
if [ ${#files[@]} -gt 0 ]; then
	expect_match "guest: the kernel config is read from /boot" "\(/boot/config-$release\)" "$out"
fi
expect_match "guest: cgroup v2 recognised" "cgroup hierarchy +OK +v2 \(unified\) at /sys/fs/cgroup, controllers: .*memory" "$out"
for c in memory pids cpu io; do
	expect_match "guest: $c controller on v2" "$c controller +OK +(\(optional\) )?v2 " "$out"
done
expect_match "guest: i386 programs run" "i386 \(IA-32\) programs +OK" "$out"
expect_match "guest: CLONE_INTO_CGROUP on v2" "CLONE_INTO_CGROUP +OK" "$out"
expect_match "guest: veth created" "veth +OK +created" "$out"
expect_match "guest: nftables NAT loaded" "nftables NAT +OK" "$out"
not_ok_lines=$(grep -E ' (MISSING|UNKNOWN) ' <<<"$out" | grep -v '(optional)')
expect_eq "guest: no required feature MISSING or UNKNOWN" "" "$not_ok_lines"

out=$("$TOP/tests/qemu/run-in-vm.sh" -t 300 -b "$JAULA" "$guest" 2>"$guest.err")
expect_match "guest without modules: exit 1" "rc=1" "$out"
expect_match "guest without modules: veth MISSING" "veth +MISSING +creating a 'veth' link" "$out"
expect_match "guest without modules: overlayfs MISSING" "overlayfs +MISSING" "$out"
expect_match "guest without modules: nftables MISSING, not a crash" "nftables NAT +MISSING \(optional\) libnftables cannot reach nf_tables" "$out"
finish
