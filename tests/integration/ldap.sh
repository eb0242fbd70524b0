# SPDX-License-Identifier: LGPL-2.1-or-later
# ldap.sh — a private LDAP directory that the host resolves through NSS,
# for t-85 and bench/nss.sh (sourced, bash, after tests/lib.sh and
# sshd.sh; root).  A slapd on 127.0.0.1 (a free port) with posixAccount
# users and posixGroups, and nslcd (libnss-ldapd) answering NSS from it,
# both started here and killed by PID in the trap.
#
#   ldap_enter_ns "$0" "$@"   re-execute the calling script in a private
#                             mount namespace (returns only in there);
#                             makes ETCDIR (/etc/jaula-NAME-TAG, removed
#                             outside), where a policy can be bound so that
#                             pam_jaula's thin module trusts its match table
#   ldap_ns_setup             in the namespace: L (temp dir), a private
#                             /run (nslcd's socket, sshd's /run/sshd, the
#                             policy cache), /etc/nsswitch.conf with
#                             "passwd/group: files ldap", shadow local
#   ldap_names                UA UB (directory users), UM (local user whose
#                             jailing group is in the directory), UL (local
#                             user), DGROUP (the jailed directory group),
#                             DPRIMARY, BASEID (7xxxxx), UM_UID (6xxxxx)
#   write_directory MEMBER…   the directory: UA and UB (primary DPRIMARY,
#                             login shell JB_JAILSH, homes under HOMES) and
#                             DGROUP with the given members (slapadd)
#   start_slapd / stop_slapd, start_nslcd / stop_nslcd, ldap_modify (LDIF
#                             on stdin, as the directory admin)
#   ldap_missing              what this host lacks for all this, if anything
#
# nslcd rather than SSSD: it keeps no cache of its own, so "directory
# down" means lookups really fail (SSSD answers from its cache while
# offline, expired or not) and a change shows at the next lookup.  The
# host's NSS, PAM and daemons are never touched: nsswitch.conf,
# nslcd.conf and /run are bind mounts inside the namespace only.

ldap_enter_ns() {
	local script=$1 rc
	shift
	[ "${JAULA_LDAP_INNER:-}" = 1 ] && { ETCDIR=$JAULA_LDAP_ETC; return 0; }
	ETCDIR=/etc/jaula-${LDAP_NAME:-ldap}-$TAG
	mkdir -m 0755 "$ETCDIR" || skip_all "cannot create $ETCDIR"
	on_exit "rmdir '$ETCDIR'"
	JAULA_LDAP_INNER=1 JAULA_LDAP_ETC=$ETCDIR \
		unshare -m --propagation private bash "$script" "$@"
	rc=$?
	exit "$rc"
}

ldap_ns_setup() {
	L=$(mktemp -d /tmp/jaula-ldap.XXXXXX) || return 1
	chmod 0711 "$L"
	on_exit "rm -rf '$L'"
	# A private /run: nslcd's socket directory, sshd's privilege
	# separation directory and the policy cache live there.
	mkdir -p "$L/run/nslcd" "$L/run/sshd" "$L/run/lock"
	chown nslcd:nslcd "$L/run/nslcd"
	mount --bind "$L/run" /run || return 1
	# NSS: files first, then the directory; shadow stays local.
	sed -e 's/^\(passwd\|group\):.*/\1: files ldap/' -e 's/^shadow:.*/shadow: files/' \
		-e 's/^gshadow:.*/gshadow: files/' /etc/nsswitch.conf > "$L/nsswitch.conf"
	grep -q '^passwd: files ldap$' "$L/nsswitch.conf" || echo 'passwd: files ldap' >> "$L/nsswitch.conf"
	grep -q '^group: files ldap$' "$L/nsswitch.conf" || echo 'group: files ldap' >> "$L/nsswitch.conf"
	mount --bind "$L/nsswitch.conf" /etc/nsswitch.conf || return 1
	HOMES=$L/home
	mkdir -m 0755 "$HOMES"
	BASE="dc=jaula-ldap,dc=test"
	LPORT=$(_free_port) || return 1
	mkdir -m 0700 "$L/db"
	cat > "$L/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $L/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw jaula-ldap-secret
directory $L/db
index objectClass eq
index uid,memberUid,cn,uidNumber,gidNumber eq
EOF
}

# ldap_modify: ldapmodify as the directory's admin, LDIF on stdin.
ldap_modify() {
	ldapmodify -x -H "ldap://127.0.0.1:$LPORT/" -D "cn=admin,$BASE" -w jaula-ldap-secret
}

ldap_names() {
	# Directory ids: 7xxxxx, far from the host's (useradd stops at
	# 60000); UM's local uid 6xxxxx.
	BASEID=$((700000 + 0x$TAG % 9000 * 10))
	UM_UID=$((BASEID - 100000 + 5))
	UA=jaula-d${TAG}a      # directory user in the jailed group
	UB=jaula-d${TAG}b      # directory user (removed from the group by t-85)
	UM=jaula-m${TAG}       # local passwd entry, jailing group in the directory
	UL=jaula-l${TAG}       # local user
	DGROUP=jaula-dg$TAG    # the directory group the policy jails
	DPRIMARY=jaula-dp$TAG  # directory users' primary group (not jailed)
}

_ldif_user() { # NAME UID
	cat <<EOF
dn: uid=$1,ou=people,$BASE
objectClass: inetOrgPerson
objectClass: posixAccount
uid: $1
cn: $1
sn: jaula
uidNumber: $2
gidNumber: $((BASEID + 1))
homeDirectory: $HOMES/$1
loginShell: $JB_JAILSH

EOF
}

write_directory() {
	local m
	{
		cat <<-EOF
		dn: $BASE
		objectClass: dcObject
		objectClass: organization
		o: jaula test directory
		dc: jaula-ldap

		dn: ou=people,$BASE
		objectClass: organizationalUnit
		ou: people

		dn: ou=groups,$BASE
		objectClass: organizationalUnit
		ou: groups

		dn: cn=$DPRIMARY,ou=groups,$BASE
		objectClass: posixGroup
		cn: $DPRIMARY
		gidNumber: $((BASEID + 1))

		dn: cn=$DGROUP,ou=groups,$BASE
		objectClass: posixGroup
		cn: $DGROUP
		gidNumber: $((BASEID + 2))
		EOF
		for m in "$@"; do echo "memberUid: $m"; done
		echo
		_ldif_user "$UA" $((BASEID + 3))
		_ldif_user "$UB" $((BASEID + 4))
	} > "$L/data.ldif"
	slapadd -q -f "$L/slapd.conf" -l "$L/data.ldif" > "$L/slapadd.log" 2>&1
}

SLAPD_PID=
NSLCD_PID=
start_slapd() {
	slapd -f "$L/slapd.conf" -h "ldap://127.0.0.1:$LPORT/" -d 0 > "$L/slapd.log" 2>&1 &
	SLAPD_PID=$!
	on_exit stop_slapd
	for _ in $(seq 100); do
		ldapsearch -x -H "ldap://127.0.0.1:$LPORT/" -b "$BASE" -s base '(objectClass=*)' dn \
			> /dev/null 2>&1 && return 0
		kill -0 "$SLAPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# slapd did not start:" >&2; tail -5 "$L/slapd.log" >&2
	return 1
}
stop_slapd() {
	[ -n "$SLAPD_PID" ] || return 0
	kill "$SLAPD_PID" 2>/dev/null; wait "$SLAPD_PID" 2>/dev/null
	SLAPD_PID=
}

# nslcd reads /etc/nslcd.conf only: a bind mount of the test's.
# reconnect_retrytime 1: once slapd is gone, nslcd stops retrying after a
# second, so lookups fail at once instead of after ~10 s.
start_nslcd() {
	cat > "$L/nslcd.conf" <<-EOF
	uid nslcd
	gid nslcd
	uri ldap://127.0.0.1:$LPORT/
	base $BASE
	reconnect_sleeptime 1
	reconnect_retrytime 1
	EOF
	chmod 0600 "$L/nslcd.conf"
	mount --bind "$L/nslcd.conf" /etc/nslcd.conf || return 1
	nslcd -d > "$L/nslcd.log" 2>&1 &
	NSLCD_PID=$!
	on_exit stop_nslcd
	for _ in $(seq 100); do
		[ -S /run/nslcd/socket ] && getent passwd "$UA" > /dev/null && return 0
		kill -0 "$NSLCD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# nslcd did not start or does not resolve $UA:" >&2; tail -5 "$L/nslcd.log" >&2
	return 1
}
stop_nslcd() {
	[ -n "$NSLCD_PID" ] || return 0
	kill "$NSLCD_PID" 2>/dev/null; wait "$NSLCD_PID" 2>/dev/null
	NSLCD_PID=
}

# ldap_missing: prints what this host lacks and succeeds, or fails when
# nothing is missing.
ldap_missing() {
	local c
	for c in unshare slapd slapadd ldapmodify ldapsearch nslcd; do
		command -v "$c" > /dev/null 2>&1 || { echo "'$c' is not installed (scripts/install-deps.sh)"; return 0; }
	done
	ls /lib/*/libnss_ldap.so.2 /usr/lib/*/libnss_ldap.so.2 > /dev/null 2>&1 ||
		{ echo "libnss-ldapd is not installed (scripts/install-deps.sh)"; return 0; }
	return 1
}
