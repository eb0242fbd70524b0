#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-39 — the thin pam_jaula.so through real Linux-PAM (pamtester): it is
# linked against libc and libpam only; for a user no rule jails it decides
# from the match table beside the policy cache and maps none of the full
# module's libraries into the PAM application (read from /proc/PID/maps by
# a pam_exec step after it); a jailed user still gets a jail through
# pam_jaula_full.so; a missing, stale, tampered or truncated table falls
# back to the full module and decides the same; a policy edit that jails a
# user who was free takes effect at the very next session.
#
# The policy lives in /etc/jaula-t48-TAG (the library caches, and so
# writes match tables for, policies under /etc only); the trap removes it
# and the cache and table files it produced in /run/jaula-policy.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/sshd.sh"
need_root
need_cmd pamtester readelf
SO=$TOP/pam_module/pam_jaula.so
FULL=$TOP/pam_module/pam_jaula_full.so
CACHE=/run/jaula-policy
[ -e "$SO" ] || skip_all "pam_module/pam_jaula.so is not built"

needed=$(readelf -d "$SO" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
expect_eq "pam_jaula.so needs libc and libpam only (readelf -d)" "libc.so.6 libpam.so.0 " "$needed"
[ -e "$FULL" ] || not_ok "pam_jaula_full.so is built beside pam_jaula.so"

install_jailsh || skip_all "cannot install a setuid copy of jailsh"
ROOTFS=$(ssh_rootfs 2>/dev/null) || ROOTFS=$(debootstrap_rootfs) || skip_all "no debootstrap rootfs"
GROUP=jaula-g$TAG
POLICY_GROUP=$GROUP POLICY_ROOTFS=$ROOTFS write_policy || skip_all "cannot write the test policy"
JU=jaula-t${TAG}j    # jailed through the group rule
FU=jaula-t${TAG}f    # free: no rule matches
make_user "$JU" "$GROUP" >/dev/null || skip_all "cannot create test users"
make_user "$FU" "jaula-h$TAG" /bin/sh >/dev/null || skip_all "cannot create test users"
JB_UIDS="$(id -u "$JU") $(id -u "$FU")"

ETC=/etc/jaula-t48-$TAG
POL=$ETC/jaula.conf
mkdir -m 0755 "$ETC" || skip_all "cannot create $ETC"
on_exit "rm -rf '$ETC'"
# Our cache and table files name our policy path inside.
on_exit "grep -lsF '$POL' $CACHE/*.cache $CACHE/*.match | xargs -r rm -f"
# set_policy FILE: install FILE as the policy, then wait out the cache's
# racy window (3 s of coarse timestamps) so the next load writes the
# cache and the table.
set_policy() {
	install -m 0644 "$1" "$POL.tmp" && mv "$POL.tmp" "$POL"
	sleep 4
}
table() { grep -lsF "$POL" $CACHE/*.match | head -1; }

# A pam_exec step after pam_jaula records what the PAM application
# (pamtester, its parent) has mapped, and the jails that exist.
cat > "$JB_DIR/probe.sh" <<EOF
#!/bin/sh
cp /proc/\$PPID/maps "$JB_DIR/maps.\$PAM_USER.\$PAM_TYPE"
ls "$JB_STATE/jails" 2>/dev/null | grep -v '\.lock\$' > "$JB_DIR/jails.\$PAM_USER.\$PAM_TYPE" || true
EOF
chmod 0755 "$JB_DIR/probe.sh"
svc=jaula-pt48-$TAG
pam_service "$svc" <<EOF
auth     required  pam_permit.so
account  required  pam_permit.so
session  required  pam_permit.so
session  requisite $SO config=$POL jailsh=$JB_JAILSH
session  optional  pam_exec.so quiet $JB_DIR/probe.sh
EOF
# session USER: one open+close; rc and pamtester's output in OUT.
session() {
	rm -f "$JB_DIR"/maps."$1".* "$JB_DIR"/jails."$1".*
	OUT=$(pamtester -v "$svc" "$1" open_session close_session 2>&1)
}
heavy='libconfig|libseccomp|libnl-|libnftables|libmnl|pam_jaula_full'
# free_alone DESC: the last session of FU opened, made no jail, and
# neither its open nor its close mapped a library of the full module.
free_alone() {
	local maps
	maps=$(cat "$JB_DIR/maps.$FU.open_session" "$JB_DIR/maps.$FU.close_session" 2>/dev/null)
	if [[ "$OUT" == *"successfully opened"* ]] && [ -n "$maps" ] && [ ! -s "$JB_DIR/jails.$FU.open_session" ] &&
		! grep -Eq "$heavy" <<<"$maps"; then
		ok "$1"
	else
		not_ok "$1"
		{ echo "$OUT"; grep -Eo "/[^ ]*($heavy)[^ ]*" <<<"$maps" | sort -u; } | diag
	fi
}
# free_via_full DESC: FU's session opened without a jail, decided by the
# full module (it is mapped).
free_via_full() {
	if [[ "$OUT" == *"successfully opened"* ]] && [ ! -s "$JB_DIR/jails.$FU.open_session" ] &&
		grep -q pam_jaula_full "$JB_DIR/maps.$FU.open_session" 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1"; echo "$OUT" | diag
	fi
}
# jailed DESC: JU's session opened inside a jail, which close removed.
jailed() {
	if [[ "$OUT" == *"successfully opened"* ]] && [ -s "$JB_DIR/jails.$JU.open_session" ] &&
		grep -q pam_jaula_full "$JB_DIR/maps.$JU.open_session"; then
		ok "$1"
	else
		not_ok "$1"; { echo "$OUT"; cat "$JB_DIR/jails.$JU.open_session" 2>/dev/null; } | diag
	fi
}

# --- (a) the unmatched user, once the table exists
set_policy "$JB_POLICY"
session "$FU"
if [ -n "$(table)" ]; then ok "loading the policy wrote a match table beside its cache"
else not_ok "loading the policy wrote a match table beside its cache"; ls -la $CACHE | diag; fi
session "$FU"
free_alone "an unmatched user: PAM_IGNORE from the table, no library of the full module mapped"
t=$(table)
expect_eq "the table is root's, mode 0600" "0 600" "$(stat -c '%u %a' "$t" 2>/dev/null)"

# --- (b) the jailed user still goes through the full module
session "$JU"
jailed "a matched user is jailed by the full module the thin one loads"
expect_jails_gone "closing the session removed the jail" 5

# --- (c) bad tables: the full module decides, and writes the table again
tamper() { # DESC CMD…: damage the table, then FU (via full) and JU (jailed)
	local what=$1 t
	shift
	t=$(table)
	[ -n "$t" ] || { not_ok "$what: a table to damage"; return; }
	"$@" "$t"
	session "$FU"
	free_via_full "$what: the full module decides for the unmatched user"
	session "$JU"
	jailed "$what: the matched user is still jailed"
	expect_jails_gone "$what: the jail is gone after close" 5
	session "$FU"
	free_alone "$what: the full module wrote a good table again"
}
tamper "a group-writable table" chmod 0620
tamper "a table not owned by root" chown nobody
tamper "a truncated table" truncate -s 40
tamper "a missing table" rm -f
flip() { printf '\377' | dd of="$1" bs=1 seek=70 conv=notrunc status=none; }
tamper "a table with a damaged byte" flip

# --- (d) a policy edit that jails the free user takes effect at once
cp "$JB_POLICY" "$JB_DIR/policy.jail-fu"
sed -i "s|groups = \\[ \"$GROUP\" \\];|groups = [ \"$GROUP\" ]; users = [ \"$FU\" ];|" "$JB_DIR/policy.jail-fu"
install -m 0644 "$JB_DIR/policy.jail-fu" "$POL.tmp" && mv "$POL.tmp" "$POL"
# FU's shell is /bin/sh, so once jailed the full module refuses it.
session "$FU"
if [[ "$OUT" == *"could not be set up"* ]] && [[ "$OUT" != *"successfully opened"* ]]; then
	ok "a policy edit that jails a free user applies to the next session (refused: its shell is not jailsh)"
else
	not_ok "a policy edit that jails a free user applies to the next session (refused: its shell is not jailsh)"
	{ echo "$OUT"; ls -la "$POL" "$(table)"; } | diag
fi
expect_jails_gone "that session's jail is gone after close" 5
# A drop-in counts too: one that exempts FU again, before the jailing rule.
mkdir -m 0755 "$ETC/conf.d"
printf 'match = ( { name = "free-%s"; users = [ "%s" ]; exempt = true; } );\n' "$FU" "$FU" > "$ETC/conf.d/00-free.conf"
chmod 0644 "$ETC/conf.d/00-free.conf"
sed -i 's|^match = (|match = (\n  { name = "first"; users = [ "'"$FU"'" ]; exempt = true; },|' "$JB_DIR/policy.jail-fu"
set_policy "$JB_DIR/policy.jail-fu"
session "$FU"
session "$FU"
free_alone "an exempt rule before the jailing one: free again, from the table"
printf 'match = ( { name = "jail-%s"; users = [ "%s" ]; profile = "jailed"; } );\n' "$FU" "$FU" > "$ETC/conf.d/01-x.conf"
chmod 0644 "$ETC/conf.d/01-x.conf"
session "$FU"
if grep -q pam_jaula_full "$JB_DIR/maps.$FU.open_session" 2>/dev/null; then
	ok "a new drop-in makes the table stale: the full module decides"
else
	not_ok "a new drop-in makes the table stale: the full module decides"; echo "$OUT" | diag
fi
expect_jails_gone "no jail is left" 5
finish
