#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-68: policies that would give a jailed user the host.  Each is refused
# by `jaula check-config` (exit 1, FILE:LINE and the reason) and by a login
# through jailsh (non-zero, no jail left); a risk the profile accepts in
# `unsafe` passes check-config with a warning and logs in silently.  Then
# the file checks: a rootfs another user can change, a shell missing from
# the rootfs (or reachable only through a symlink that leaves it), missing
# mount sources, a writable source owned by a user.  Throwaway users
# jaula-t*, a scratch copy of the busybox rootfs; all removed in the trap.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/jail-lib.sh"
[ -x "$JAULA" ] || skip_all "cli/jaula is not built"

U=$(new_user a) || skip_all "cannot create a user"
mkdir -p "$TDIR/conf.d" "$TDIR/srv"

# The profile's extra settings start on line 5 of the policy (jail-lib.sh).
L=5

# refused NAME EXTRAS REASON-REGEX: check-config and a login both refuse.
refused() {
	local name=$1 extras=$2 reason=$3 out rc
	policy "$CONF" "$U" "$extras"
	out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
	if [ $rc = 1 ] && grep -qE -- "^$CONF:$L: $reason" <<<"$out"; then
		ok "$name: check-config refuses it at $CONF:$L"
	else
		not_ok "$name: check-config refuses it at $CONF:$L (rc $rc)"; echo "$out" | diag
	fi
	out=$(jail "$U" 'echo jv-ran' 2>&1 </dev/null); rc=$?
	if [ $rc != 0 ] && [[ "$out" != *jv-ran* ]] && [ "$(jails_left)" = 0 ]; then
		ok "$name: the login is refused and leaves no jail"
	else
		not_ok "$name: the login is refused and leaves no jail (rc $rc, jails $(jails_left))"
		echo "$out" | diag
	fi
}

# risk NAME UNSAFE EXTRAS REASON-REGEX: refused without the entry; with
# it check-config warns (exit 0, OK) and the login works.
risk() {
	local name=$1 entry=$2 extras=$3 reason=$4 out rc
	refused "$name without unsafe" "$extras" "$reason.*; refused unless profiles\\.p\\.unsafe lists \"$entry\""
	policy "$CONF" "$U" "$extras unsafe = [ \"$entry\" ];"
	out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
	if [ $rc = 0 ] && grep -qE -- "^$CONF:$L: warning: $reason.* \\(accepted: profiles\\.p\\.unsafe lists \"$entry\"\\)$" <<<"$out" &&
		[ "$(tail -1 <<<"$out")" = OK ]; then
		ok "$name with unsafe = [\"$entry\"]: check-config warns at $CONF:$L and exits 0"
	else
		not_ok "$name with unsafe = [\"$entry\"]: check-config warns at $CONF:$L and exits 0 (rc $rc)"
		echo "$out" | diag
	fi
	out=$(jail "$U" 'echo jv-ran' 2>&1 </dev/null); rc=$?
	expect_eq "$name with unsafe: the login works, silently" "0 jv-ran" "$rc $out"
	_stop_jails
}

# --- refused outright ------------------------------------------------------
refused "rw mount of /" 'mounts = ( { source = "/"; target = "/host"; mode = "rw"; } );' \
	'profiles\.p\.mounts\[0\]\.source: "/" contains the host.s /etc'
refused "rw mount of /etc" 'mounts = ( { source = "/etc"; target = "/hostetc"; mode = "rw"; } );' \
	'profiles\.p\.mounts\[0\]\.source: "/etc" is the host.s /etc'
refused "rw mount inside /usr" 'mounts = ( { source = "/usr/local"; target = "/l"; mode = "rw"; } );' \
	'profiles\.p\.mounts\[0\]\.source: "/usr/local" is inside the host.s /usr'
refused "rw mount of the state directory" "mounts = ( { source = \"$STATE\"; target = \"/s\"; mode = \"rw\"; } );" \
	"profiles\\.p\\.mounts\\[0\\]\\.source: \"$STATE\" is the state directory $STATE"
refused "rw mount of the drop-in directory" "mounts = ( { source = \"$TDIR/conf.d\"; target = \"/c\"; mode = \"rw\"; } );" \
	"profiles\\.p\\.mounts\\[0\\]\\.source: \"$TDIR/conf.d\" is the policy's drop-in directory"
refused "rw mount of the persistent directory" "mounts = ( { source = \"$TDIR/persist/p\"; target = \"/c\"; mode = \"rw\"; } );" \
	"profiles\\.p\\.mounts\\[0\\]\\.source: \"$TDIR/persist/p\" is inside the persistent directory"
refused "rw mount of the rootfs" "mounts = ( { source = \"$ROOTFS/bin\"; target = \"/b\"; mode = \"rw\"; } );" \
	"profiles\\.p\\.mounts\\[0\\]\\.source: \"$ROOTFS/bin\" is inside rootfs 'bb'"
refused "ro mount of /run" 'mounts = ( { source = "/run"; target = "/hostrun"; } );' \
	'profiles\.p\.mounts\[0\]\.source: "/run" is the host.s /run; even read-only'
refused 'home = "/"' 'home = "/";' \
	'profiles\.p\.home: "/" is the jail.s root'
refused 'home = "/etc/%u"' 'home = "/etc/%u";' \
	'profiles\.p\.home: "/etc/%u" is always inside the jail.s /etc'
for call in mount setns unshare clone finit_module open_by_handle_at 'ioctl[TIOCSTI]'; do
	re=$(sed 's/[][]/\\&/g' <<<"$call")
	refused "seccomp allow $call" "seccomp = { allow = [ \"$call\" ]; };" \
		"profiles\\.p\\.seccomp\\.allow\\[0\\]: \"$re\" cannot be allowed"
done

# --- accepted only when named ----------------------------------------------
risk "seccomp none" seccomp-none 'seccomp = { profile = "none"; };' \
	'profiles\.p\.seccomp\.profile: "none" loads no filter'
risk "seccomp allow bpf" seccomp-kernel-surface 'seccomp = { allow = [ "bpf" ]; };' \
	'profiles\.p\.seccomp\.allow\[0\]: allowing "bpf" opens kernel surface to the jail: [^;]*'
risk "seccomp allow keyctl" seccomp-kernel-surface 'seccomp = { allow = [ "keyctl" ]; };' \
	'profiles\.p\.seccomp\.allow\[0\]: allowing "keyctl" opens kernel surface to the jail: [^;]*'
risk "no net namespace" host-network 'namespaces = [ "mount", "pid", "uts", "ipc", "cgroup" ];' \
	'profiles\.p\.namespaces: "net" is missing: the jail would share the host.s network[^;]*'
risk "rw mount of /home" rw-host-mount 'mounts = ( { source = "/home"; target = "/allhomes"; mode = "rw"; } );' \
	'profiles\.p\.mounts\[0\]\.source: "/home" is the host.s /home, every user.s home'

# --- resolve time: a passwd home of "/" --------------------------------------
U2=$(new_user b) || skip_all "cannot create a second user"
usermod -d / "$U2" 2>/dev/null
policy "$CONF" "$U2" ''
out=$(jail "$U2" 'echo jv-ran' 2>&1 </dev/null); rc=$?
if [ $rc != 0 ] && [[ "$out" == *"Cannot jail '$U2': home '/'"* ]] && [[ "$out" != *jv-ran* ]] && [ "$(jails_left)" = 0 ]; then
	ok "a user whose passwd home is / is refused at login, no jail left"
else
	not_ok "a user whose passwd home is / is refused at login, no jail left (rc $rc)"; echo "$out" | diag
fi
# The same user with the home placed elsewhere in the jail: the host side
# (the whole host, bound writable) is refused.
policy "$CONF" "$U2" 'home = "/home/%u";'
out=$(jail "$U2" 'echo jv-ran' 2>&1 </dev/null); rc=$?
if [ $rc != 0 ] && [[ "$out" == *"Cannot jail '$U2': host home '/' contains the host's /etc"* ]] && [[ "$out" != *jv-ran* ]] && [ "$(jails_left)" = 0 ]; then
	ok "... also when home puts it elsewhere in the jail"
else
	not_ok "... also when home puts it elsewhere in the jail (rc $rc)"; echo "$out" | diag
fi

# --- the file checks -----------------------------------------------------------
# A scratch copy of the rootfs, root-owned in a root-only directory.
RF=$TDIR/rootfs
cp -a "$ROOTFS" "$RF" || skip_all "cannot copy the rootfs"
chmod 0755 "$RF"
POLICY_ROOTFS=$RF policy "$CONF" "$U" ''
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
expect_eq "the scratch rootfs passes check-config" "0 OK" "$rc $out"

chmod o+w "$RF/bin"
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 1 ] && grep -qF "$CONF:3: rootfs.bb.path: \"$RF/bin\" is writable by everyone" <<<"$out"; then
	ok "a rootfs directory writable by everyone is refused"
else
	not_ok "a rootfs directory writable by everyone is refused (rc $rc)"; echo "$out" | diag
fi
chmod o-w "$RF/bin"

chown "$U" "$RF/etc"
uid=$(id -u "$U")
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 1 ] && grep -qF "$CONF:3: rootfs.bb.path: \"$RF/etc\" is owned by uid $uid" <<<"$out"; then
	ok "a rootfs directory owned by a user is refused"
else
	not_ok "a rootfs directory owned by a user is refused (rc $rc)"; echo "$out" | diag
fi
chown root "$RF/etc"

chown "$U" "$RF"
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 1 ] && grep -qF "$CONF:3: rootfs.bb.path: \"$RF\" is owned by uid $uid" <<<"$out"; then
	ok "a rootfs owned by a user is refused"
else
	not_ok "a rootfs owned by a user is refused (rc $rc)"; echo "$out" | diag
fi
chown root "$RF"

mkdir -m 0777 "$TDIR/open"
mv "$RF" "$TDIR/open/rootfs"
POLICY_ROOTFS=$TDIR/open/rootfs policy "$CONF" "$U" ''
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 1 ] && grep -qF "$CONF:3: rootfs.bb.path: \"$TDIR/open/rootfs\" lies in \"$TDIR/open\", which is writable by everyone" <<<"$out"; then
	ok "a rootfs in a directory writable by everyone is refused"
else
	not_ok "a rootfs in a directory writable by everyone is refused (rc $rc)"; echo "$out" | diag
fi
mv "$TDIR/open/rootfs" "$RF"

# Shells: resolved inside the rootfs.  An absolute symlink is taken
# relative to the rootfs, so /bin/hostenv -> /usr/bin/env is not the host's.
ln -s /usr/bin/env "$RF/bin/hostenv"
POLICY_ROOTFS=$RF policy "$CONF" "$U" 'shell = "/bin/bash";'
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 1 ] && grep -qF "$CONF:$L: profiles.p.shell: \"/bin/bash\" in rootfs 'bb' ($RF): No such file or directory" <<<"$out"; then
	ok "a shell missing from the rootfs is refused"
else
	not_ok "a shell missing from the rootfs is refused (rc $rc)"; echo "$out" | diag
fi
POLICY_ROOTFS=$RF policy "$CONF" "$U" 'shell = "/bin/hostenv";'
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 1 ] && grep -qF "profiles.p.shell: \"/bin/hostenv\" in rootfs 'bb' ($RF): No such file or directory" <<<"$out"; then
	ok "a shell symlink is resolved inside the rootfs, not on the host"
else
	not_ok "a shell symlink is resolved inside the rootfs, not on the host (rc $rc)"; echo "$out" | diag
fi
POLICY_ROOTFS=$RF policy "$CONF" "$U" ''
sed -i 's|default_shell = "/bin/sh"|default_shell = "/bin/zsh"|' "$CONF"
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 1 ] && grep -qF "$CONF:2: global.default_shell (the shell of profile 'p'): \"/bin/zsh\" in rootfs 'bb'" <<<"$out"; then
	ok "default_shell is checked in each profile's rootfs"
else
	not_ok "default_shell is checked in each profile's rootfs (rc $rc)"; echo "$out" | diag
fi

# Mount sources.
POLICY_ROOTFS=$RF policy "$CONF" "$U" "mounts = ( { source = \"$TDIR/nonexistent\"; target = \"/n\"; } );"
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 1 ] && grep -qF "$CONF:$L: profiles.p.mounts[0].source: \"$TDIR/nonexistent\": No such file or directory" <<<"$out"; then
	ok "a missing mount source is refused"
else
	not_ok "a missing mount source is refused (rc $rc)"; echo "$out" | diag
fi
POLICY_ROOTFS=$RF policy "$CONF" "$U" "mounts = ( { source = \"$TDIR/nonexistent\"; target = \"/n\"; optional = true; } );"
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
expect_eq "a missing optional mount source is fine" "0 OK" "$rc $out"
# The bind follows symlinks, so the check judges where a source lands.
ln -s /etc "$TDIR/srv/etc-link"
POLICY_ROOTFS=$RF policy "$CONF" "$U" "mounts = ( { source = \"$TDIR/srv/etc-link\"; target = \"/e\"; mode = \"rw\"; } );"
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 1 ] && grep -qF "$CONF:$L: profiles.p.mounts[0].source: \"$TDIR/srv/etc-link\" resolves to \"/etc\": writable mount source '/etc' is the host's /etc" <<<"$out"; then
	ok "a writable mount source that is a symlink to /etc is refused"
else
	not_ok "a writable mount source that is a symlink to /etc is refused (rc $rc)"; echo "$out" | diag
fi
mkdir "$TDIR/srv/theirs" && chown "$U" "$TDIR/srv/theirs"
POLICY_ROOTFS=$RF policy "$CONF" "$U" "mounts = ( { source = \"$TDIR/srv/theirs\"; target = \"/t\"; mode = \"rw\"; } );"
out=$("$JAULA" check-config "$CONF" 2>&1); rc=$?
if [ $rc = 0 ] && grep -qF "$CONF:$L: warning: profiles.p.mounts[0].source: \"$TDIR/srv/theirs\" is writable in the jail and owned by uid $uid" <<<"$out"; then
	ok "a writable mount source owned by a user is a warning"
else
	not_ok "a writable mount source owned by a user is a warning (rc $rc)"; echo "$out" | diag
fi
finish
