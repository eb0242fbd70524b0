# SPDX-License-Identifier: LGPL-2.1-or-later
# jail-lib.sh — shared set-up for the jail/jailsh integration tests
# (t-10 … t-19; sourced after lib.sh).  Gives every test:
#   TDIR     a private root-only temp dir (removed in the trap)
#   STATE    the test's own state_dir (never /run/jaula)
#   ROOTFS   the cached busybox rootfs (tests/integration/rootfs.sh)
#   new_user NAME-SUFFIX   → echo a throwaway user jaula-tTAGx with a home
#   policy FILE USER [key = value; …]   write a policy jailing USER with one
#            profile "p" whose extra settings are the remaining arguments
#   jail USER CMD…        run CMD through jailsh as USER (root-driven, as
#            tests and admins do: --config, --user)
#   jails_left            number of jails recorded in STATE
#   wait_gone             wait (bounded) until STATE holds no jail and no
#            holder of ours runs; returns non-zero if something stayed
source "$(dirname "${BASH_SOURCE[0]}")/rootfs.sh"

need_root
[ -x "$JAILSH" ] || skip_all "jailsh is not built (run make)"

TDIR=$(mktemp -d /tmp/jaula-t1.XXXXXX)
chmod 0711 "$TDIR"
STATE=$TDIR/state
CONF=$TDIR/jaula.conf
on_exit "rm -rf '$TDIR'"
# Runs before the rm above (cleanups run in reverse): end every jail of
# ours by killing its holder; its monitor then removes state and cgroup.
on_exit "_stop_jails"
ROOTFS=$(busybox_rootfs) || skip_all "no busybox rootfs"
# A private copy: other engineers rebuild shell/jailsh in the shared tree
# while tests run, and a half-linked binary is not executable.
for _i in $(seq 50); do
	cp "$JAILSH" "$TDIR/.jailsh-under-test" 2>/dev/null && [ -x "$TDIR/.jailsh-under-test" ] &&
		"$TDIR/.jailsh-under-test" --config /dev/null -c true 2>&1 | grep -q '^jailsh:' && break
	sleep 0.2
done
JAILSH=$TDIR/.jailsh-under-test

_holders() {
	local f
	for f in "$STATE"/jails/*/state; do
		[ -e "$f" ] || continue
		sed -n 's/^holder_pid=//p' "$f"
	done
}

_stop_jails() {
	local p i
	for p in $(_holders); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = jaula-holder ] && kill -KILL "$p"
	done
	# The monitors release cgroups and state; wait for them (bounded).
	for i in $(seq 300); do [ -z "$(_holders)" ] && break; sleep 0.1; done
}

# Users are recorded in a file, not with on_exit: new_user runs in a
# command substitution (U=$(new_user a)), a subshell whose on_exit would
# be lost.  Cleanups run in reverse order: this one runs before the rm of
# TDIR, and ends the jails before it removes their users.
_users_file=$TDIR/.users
on_exit '_remove_users'
_remove_users() {
	local u
	[ -e "$_users_file" ] || return 0
	_stop_jails
	while read -r u; do userdel -f "$u"; done < "$_users_file"
}

_n_users=0
new_user() {
	local u="jaula-t${TAG}${1:-$_n_users}"
	_n_users=$((_n_users + 1))
	useradd -M -d "$TDIR/home-$u" -s /bin/sh "$u" || return 1
	echo "$u" >> "$_users_file"
	mkdir -p "$TDIR/home-$u"
	chown "$u:" "$TDIR/home-$u"
	chmod 0755 "$TDIR/home-$u"
	echo "$u"
}

policy() {
	local file=$1 user=$2
	shift 2
	cat > "$file" <<EOP
global = { state_dir = "$STATE"; persistent_dir = "$TDIR/persist";
           include_dir = "$TDIR/conf.d"; default_shell = "/bin/sh"; };
rootfs = { bb = { path = "${POLICY_ROOTFS:-$ROOTFS}"; type = "${POLICY_ROOTFS_TYPE:-directory}"; }; };
profiles = { p = { rootfs = "bb"; hostname = "jail-%U"; tmp_size = "8M";
                   $* }; };
match = ( { name = "t"; users = [ "$user" ]; profile = "p"; } );
EOP
	chmod 0644 "$file"
}

jail() {
	local u=$1
	shift
	"$JAILSH" --config "$CONF" --user "$u" -c "$*"
}

jails_left() {
	local n=0 d
	for d in "$STATE"/jails/*/; do [ -d "$d" ] && n=$((n + 1)); done
	echo "$n"
}

# Bounded wait: the assertion is about the end state, not the time taken.
wait_gone() {
	local i
	for i in $(seq 1200); do
		[ "$(jails_left)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# Host pids of live (non-zombie) processes named jaula-holder/monitor
# whose state directory is ours is not knowable from outside; instead the
# tests record holder pids from the state file while the jail lives.
holder_pid() { _holders | head -1; }
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# expect_line "description" LINE TEXT: TEXT has LINE as one whole line.
expect_line() {
	if printf '%s\n' "$3" | grep -qxF -- "$2"; then ok "$1"; else
		not_ok "$1"; printf 'expected a line: %s\ngot:\n%s\n' "$2" "$3" | diag
	fi
}
