#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/jailsh.sh — what a login costs: `jailsh -c true` cold (create the
# jail, run, tear it down) and warm (join a live scope-user jail), side by
# side in one hyperfine run with bwrap and unshare+chroot on the same
# rootfs and /bin/true as the floor.  Not a test: prints numbers.
#   bench/jailsh.sh [ROOTFS]   (default: the cached busybox test rootfs)
# Needs root; installs hyperfine and bubblewrap if missing.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
source tests/integration/rootfs.sh
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
for c in hyperfine bwrap; do
	command -v "$c" >/dev/null || apt-get install -y hyperfine bubblewrap >/dev/null
done
ROOT=${1:-$(busybox_rootfs)}
JAILSH=$TOP/shell/jailsh

T=$(mktemp -d /tmp/jaula-bench.XXXXXX)
chmod 0711 "$T"
U=jaula-bench$$
holder_js=
cleanup() {
	[ -n "$holder_js" ] && kill "$holder_js" 2>/dev/null && wait "$holder_js" 2>/dev/null
	userdel -f "$U" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
useradd -M -d "$T/home" -s /bin/sh "$U"
mkdir -p "$T/home"; chown "$U:" "$T/home"

conf() { # FILE SCOPE
	cat > "$1" <<EOC
global = { state_dir = "$T/state-$2"; include_dir = "$T/conf.d"; default_shell = "/bin/sh";
           cgroup_path = "jaula-bench-$2"; };
rootfs = { r = { path = "$ROOT"; }; };
profiles = { p = { rootfs = "r"; scope = "user"; lifetime = "session"; writable = "tmpfs"; }; };
match = ( { name = "b"; users = [ "$U" ]; profile = "p"; } );
EOC
	chmod 0644 "$1"
}
conf "$T/cold.conf" cold
conf "$T/warm.conf" warm

# Both jails belong to one user (same jail id): separate cgroup paths keep
# their cgroups apart.
# The warm jail: one long session keeps it alive.
"$JAILSH" --config "$T/warm.conf" --user "$U" -c 'sleep 100000' &
holder_js=$!
for i in $(seq 100); do ls "$T/state-warm/jails/"*/state >/dev/null 2>&1 && break; sleep 0.05; done

"$JAILSH" --config "$T/cold.conf" --user "$U" -c true || { echo "bench: jailsh cold fails" >&2; exit 1; }
"$JAILSH" --config "$T/warm.conf" --user "$U" -c true || { echo "bench: jailsh warm fails" >&2; exit 1; }
hyperfine -N --warmup 20 --runs "${RUNS:-200}" --export-markdown "$T/result.md" \
	-n "/bin/true" "/bin/true" \
	-n "jailsh cold" "$JAILSH --config $T/cold.conf --user $U -c true" \
	-n "jailsh warm (join)" "$JAILSH --config $T/warm.conf --user $U -c true" \
	-n "bwrap" "bwrap --unshare-all --bind $ROOT / --proc /proc --dev /dev true" \
	-n "unshare+chroot" "unshare -m -u -i -p -n -f --mount-proc chroot $ROOT true"
cat "$T/result.md"
