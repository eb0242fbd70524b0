# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the t-3* network tests (sourced after tests/lib.sh, bash).
#
# Every test runs in its own network namespace, the "test host": bridges,
# veths, the nftables table and sysctls such as ip_forward all live there,
# so the real host's interfaces, routes, forwarding and ruleset are never
# touched, and whatever a failed test leaves dies with that namespace.
# Jails are net_probe "holders": children in their own network namespace,
# attached and configured by libjaula exactly as jail.c does.
NP=$TOP/tests/helpers/net_probe

net_enter_test_host() {
	need_root
	need_cmd unshare nsenter busybox ip nft timeout
	[ -x "$NP" ] || skip_all "tests/helpers/net_probe is not built (run 'make check')"
	if [ -z "${JAULA_NET_INNER:-}" ]; then
		unshare -n true 2>/dev/null || skip_all "cannot create network namespaces here"
		JAULA_NET_INNER=1 exec unshare -n -- bash "$0" "$@"
	fi
	ip link set lo up
	STATE=$(mktemp -d /tmp/jaula-net-test.XXXXXX)
	on_exit "rm -rf '$STATE'"
}

# jail_up VAR [net_probe options]: a jail; sets VAR_pid VAR_addr VAR_br VAR_if.
jail_up() {
	local v=$1 out pid addr br hif
	shift
	out=$("$NP" up --state "$STATE" "$@") || return 1
	read -r pid addr br hif <<<"$out"
	on_exit "kill -9 $pid"
	printf -v "${v}_pid" %s "$pid"
	printf -v "${v}_addr" %s "$addr"
	printf -v "${v}_br" %s "$br"
	printf -v "${v}_if" %s "$hif"
}

# jail_down VAR [net_probe options]: end the jail the way jail.c does:
# kill the holder (the veth dies with its namespace), release the lease.
jail_down() {
	local v=$1 pid
	shift
	pid=${v}_pid
	kill -9 "${!pid}" 2>/dev/null
	"$NP" release --state "$STATE" "$@"
}

in_jail() { local pid=$1; shift; nsenter -t "$pid" -n -- "$@"; }
ping_ok() { in_jail "$1" busybox ping -c 1 -w 2 "$2" >/dev/null 2>&1; }
tcp_ok() { in_jail "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }
# the test host's own view
host_tcp_ok() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

count_links() { ip -o link show | grep -c "^[0-9]*: $1" || true; }
count_files() { find "$1" -mindepth 1 2>/dev/null | wc -l; }

# wait_for N CMD...: retry CMD for up to N tenths of a second.
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# refute "description" command...: ok when the command fails.
refute() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then not_ok "$what"; else ok "$what"; fi
}
