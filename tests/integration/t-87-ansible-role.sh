#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# t-87 — the Ansible role (contrib/ansible) rolls jaula out on a real
# Debian 12 host: the systemd guest of tests/qemu/sdguest.sh (qemu TCG,
# stock sshd_config and /etc/pam.d), in an image variant that also holds
# Debian's ansible-core, python3-apt (the apt module) and rsync
# (SDGUEST_EXTRA_PACKAGES: its own cached image, the other guest tests'
# image is not touched).  Inside the guest, as root:
#   ansible-playbook -c local -i localhost, site.yml -e @vars.yml
# with the .deb built from HEAD (or JAULA_DEB) and a rootfs synced with
# rsync from the guest's read-only jail rootfs disk (the guest has no
# network for `jaula mkroot`).  Checked: the first run changes things and
# reloads sshd once; the second changes nothing (changed=0); a jailed
# user logs in over ssh into the jail, an unmatched one does not;
# check-config and check-host pass; the PAM line is last everywhere (also
# where it was not before the run); then a broken policy variable makes
# the play stop at check-config, before sshd is reloaded, with the
# policy files put back; a good run afterwards does the owed reload.
# Nothing runs on this host but ssh, scp and (if installed) a syntax check.
# Costs, measured on the 2-core development VM shared with other builds
# (load 4-8): with the image, jail rootfs and .deb cached, 26 minutes —
# boot 50 s, the first playbook run 10.5 minutes (dpkg -i, rsync of the
# 231 MB rootfs, ~45 tasks at 5-15 s each under emulation), the second
# 4.5, the failing one and the last about 3.5 each.  The image variant's
# first build took 15 minutes at load 20.  That is beyond tests/run.sh's
# default 900 s, hence the line below.
# test-timeout: 3000
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/qemu/sdguest.sh"
need_root
need_cmd ssh ssh-keygen scp tar
t_start=$(date +%s)
ROLE=$TOP/contrib/ansible

# The drift check: every setting of the shipped Match block is in the
# role's template, and no other.
conf_keys() { sed -n '/^Match /,$p' "$1" | grep -E '^[[:space:]]+[A-Z]' | awk '{print $1}' | sort; }
expect_eq "the role's sshd template has the settings of conf/sshd_config.d-jaula.conf" \
	"$(conf_keys "$TOP/conf/sshd_config.d-jaula.conf" | paste -sd' ')" \
	"$(conf_keys "$ROLE/roles/jaula/templates/sshd_config.d-jaula.conf.j2" | paste -sd' ')"
if command -v ansible-playbook >/dev/null; then
	out=$(cd "$ROLE" && ansible-playbook --syntax-check -i localhost, -e jaula_play_hosts=all site.yml 2>&1); rc=$?
	expect_eq "ansible-playbook --syntax-check site.yml (on this host)" 0 "$rc"
	[ $rc = 0 ] || printf '%s\n' "$out" | tail -5 | diag
else
	skip "syntax check on this host: ansible-playbook is not installed (scripts/install-deps.sh)"
fi

deb=$(sdguest_deb); rc=$?
[ $rc -eq "$SDGUEST_SKIP" ] && skip_all "no .deb to test (see above)"
[ $rc -eq 0 ] || { not_ok "the .deb is built (dpkg-buildpackage on git archive HEAD)"; finish; }
ok "the .deb to test: ${deb##*/}"

# python3-cffi-backend by name: debootstrap does not resolve the virtual
# packages python3-cryptography depends on.
export SDGUEST_EXTRA_PACKAGES="ansible-core python3-cffi-backend python3-apt rsync"
sdguest_boot; rc=$?
if [ $rc -eq "$SDGUEST_SKIP" ]; then skip_all "the systemd guest cannot run here (reason above)"; fi
[ $rc -eq 0 ] || { not_ok "the systemd guest boots to ssh"; finish; }
ok "the systemd guest (with ansible-core) boots to ssh in $SDGUEST_BOOT_SECS s"

g() { sdguest_ssh "$@" </dev/null; }
# fstab mounts the jail rootfs disk with nofail and a 20 s device
# timeout: a guest booted under heavy load may come up without it.
g 'mountpoint -q /var/lib/jaula/rootfs/bookworm || mount -o ro LABEL=jaula-jailroot /var/lib/jaula/rootfs/bookworm'
out=$(g 'cat /var/lib/jaula/rootfs/bookworm/etc/jaula-ssh-rootfs')
expect_eq "the jail rootfs disk (the rsync source) is mounted" "jaula ssh test rootfs" "$out"
[ "$out" = "jaula ssh test rootfs" ] || finish
expect_match "ansible-core is in the guest" "^ansible-playbook \[core 2\." "$(g 'ansible-playbook --version | head -1')"
expect_eq "jaula is not installed before the play" "" "$(g 'command -v jaula jailsh')"

# ------------------------------------------------------------ the inputs
kdir=$(mktemp -d /tmp/jaula-t87.XXXXXX)
on_exit "rm -rf '$kdir'"
W=/srv/jaula-t87
tar -C "$TOP/contrib" -cf - ansible | sdguest_ssh "mkdir -p $W && tar -C $W -xf -" || not_ok "copy contrib/ansible into the guest"
sdguest_copy_in "$deb" "$W/" || not_ok "copy the .deb into the guest"

JU=jvalice FU=jvbob
g "groupadd jvfleet && groupadd jvfleet2 && useradd -m -u 20001 -g jvfleet -s /bin/bash $JU &&
	useradd -m -u 2002 -U -s /bin/bash $FU" || not_ok "make the users"
for u in $JU $FU; do
	ssh-keygen -q -t ed25519 -N '' -f "$kdir/$u"
	sdguest_copy_in "$kdir/$u.pub" "/tmp/$u.pub"
	g "install -d -m 0700 -o $u -g \$(id -g $u) ~$u/.ssh &&
		install -m 0600 -o $u -g \$(id -g $u) /tmp/$u.pub ~$u/.ssh/authorized_keys && rm /tmp/$u.pub"
done
# A pam_jaula line in the wrong place: first in /etc/pam.d/login.
g "sed -i '1i session requisite pam_jaula.so' /etc/pam.d/login"

# The variables: one jailed group on a rootfs synced from the jail rootfs
# disk, its own network and limits.  bad.yml breaks the profile (a size
# check-config refuses) and adds a jailed group (so the sshd Match block
# changes and a reload would be due).
vars() { # MEMORY EXTRA_GROUP
	cat <<-EOF
	jaula_play_hosts: all
	jaula_deb: $W/${deb##*/}
	jaula_rootfs:
	  fleet:
	    path: /var/lib/jaula/rootfs/fleet
	    build: rsync
	    source: /var/lib/jaula/rootfs/bookworm/
	jaula_rsync_args: ["--exclude=/lost+found"]
	jaula_networks:
	  fleetnet:
	    bridges: [jb-fleet0]
	    subnet: 10.79.0.0/16
	jaula_profiles:
	  fleet:
	    rootfs: fleet
	    network: fleetnet
	    hostname: "fleet-%u"
	    limits:
	      memory: "$1"
	      pids: 128
	jaula_exempt_groups: [sudo]
	jaula_groups:
	  - group: jvfleet
	    profile: fleet
	$( [ -n "$2" ] && printf '  - group: %s\n    profile: fleet\n' "$2" )
	jaula_jailed_users: [$JU, jvnobody]
	EOF
}
vars 256M "" > "$kdir/good.yml"
vars lots jvfleet2 > "$kdir/bad.yml"
sdguest_copy_in "$kdir/good.yml" "$kdir/bad.yml" "$W/"

# play VARS: run the example playbook in the guest; its output in
# $kdir/play.out, the recap's numbers in RECAP_*.
play() {
	local t0=$(date +%s)
	sdguest_ssh "cd $W/ansible && LC_ALL=C.UTF-8 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
		ansible-playbook -c local -i localhost, site.yml -e @$W/$1" > "$kdir/play.out" 2>&1 </dev/null
	PLAY_RC=$?
	PLAY_SECS=$(( $(date +%s) - t0 ))
	RECAP=$(grep -E '^localhost +:' "$kdir/play.out" | tail -1)
	RECAP_CHANGED=$(sed -n 's/.* changed=\([0-9]*\).*/\1/p' <<<"$RECAP")
	RECAP_FAILED=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$RECAP")
}
# Times systemd reloaded sshd in this boot.
reloads() { g "journalctl -b -u ssh -o cat --no-pager | grep -c '^Reloaded '"; }

# ------------------------------------------------------------ first run
expect_eq "no sshd reload before the play" 0 "$(reloads)"
play good.yml
if [ "$PLAY_RC" = 0 ] && [ "${RECAP_FAILED:-x}" = 0 ] && [ "${RECAP_CHANGED:-0}" -gt 0 ]; then
	ok "first run: the play succeeds and changes things ($RECAP_CHANGED changed, $PLAY_SECS s)"
else
	not_ok "first run: the play succeeds and changes things (rc $PLAY_RC)"; tail -40 "$kdir/play.out" | diag
fi
sdguest_wait_ssh 60 || not_ok "sshd answers after the first run"
expect_eq "first run: sshd was reloaded once, after the checks" 1 "$(reloads)"
expect_match "first run: check-config, sshd -t and check-host ran before the reload" \
	"check-config.*sshd -t.*check-host.*RUNNING HANDLER \[jaula : Reload sshd\]" "$(tr '\n' ' ' < "$kdir/play.out")"
expect_eq "first run: jaula is installed from the .deb" "install ok installed" "$(g "dpkg-query -W -f='\${Status}' jaula")"
expect_eq "first run: the rootfs was synced" "jaula ssh test rootfs" "$(g 'cat /var/lib/jaula/rootfs/fleet/etc/jaula-ssh-rootfs')"
expect_eq "first run: the role's drop-ins" \
	"ansible-00-exempt.conf ansible-10-rootfs.conf ansible-20-networks.conf ansible-30-profiles.conf ansible-50-jvfleet.conf" \
	"$(g 'ls /etc/jaula/conf.d' | paste -sd' ')"
expect_match "first run: jaula.conf holds only the global settings" "^global = \{" \
	"$(g "grep -v '^#' /etc/jaula/jaula.conf | grep -v '^ ' | grep . | paste -sd' '")"
out=$(g 'for s in sshd login su-l systemd-user; do echo "$s: $(grep -c pam_jaula /etc/pam.d/$s) $(grep -v "^#" /etc/pam.d/$s | grep . | tail -1)"; done')
expect_eq "first run: one pam_jaula line, the last, in sshd, login (moved), su-l, systemd-user" \
	"sshd: 1 session requisite pam_jaula.so|login: 1 session requisite pam_jaula.so|su-l: 1 session requisite pam_jaula.so|systemd-user: 1 session requisite pam_jaula.so" \
	"$(paste -sd'|' <<<"$out")"
expect_eq "first run: sshd's Match block names the jailed group" "Match Group jvfleet" \
	"$(g 'grep ^Match /etc/ssh/sshd_config.d/jaula.conf')"
expect_eq "first run: $JU's login shell is jailsh" /usr/sbin/jailsh "$(g "getent passwd $JU | cut -d: -f7")"
expect_match "first run: a jailed user who does not exist is named, not fatal" "no user 'jvnobody'" "$(cat "$kdir/play.out")"

# ------------------------------------------------------------ second run
play good.yml
if [ "$PLAY_RC" = 0 ] && [ "$RECAP_CHANGED" = 0 ] && [ "$RECAP_FAILED" = 0 ]; then
	ok "second run: changed=0 ($PLAY_SECS s)"
else
	not_ok "second run: changed=0 (rc $PLAY_RC, $RECAP)"; grep -E -B3 '^changed:' "$kdir/play.out" | head -40 | diag
fi
expect_eq "second run: no sshd reload" 1 "$(reloads)"

# ------------------------------------------------------------ the result
out=$(g 'jaula check-config' 2>&1)
expect_eq "jaula check-config passes" "0 OK" "$? $(tail -1 <<<"$out")"
out=$(g 'jaula check-host' 2>&1); rc=$?
expect_eq "jaula check-host finds no way around the jail" 0 "$rc"
[ $rc = 0 ] || printf '%s\n' "$out" | grep -E 'error' | head -10 | diag

ssh_u() { # USER CMD
	local u=$1; shift
	ssh "${SDGUEST_SSH_OPTS[@]}" -i "$kdir/$u" -p "$SDGUEST_PORT" "$u@127.0.0.1" -- "$@" </dev/null 2>&1
}
jailed_login() { # WHEN
	local out L
	out=$(ssh_u "$JU" 'id -un; hostname; cat /etc/jaula-ssh-rootfs; cat /proc/1/comm; ip -4 -o addr show eth0')
	mapfile -t L <<<"$out"
	if [ "${L[0]:-}" = "$JU" ] && [ "${L[1]:-}" = "fleet-$JU" ] && [ "${L[2]:-}" = "jaula ssh test rootfs" ] &&
		[ -n "${L[3]:-}" ] && [ "${L[3]}" != systemd ] && [[ ${L[4]:-} == *" 10.79."* ]]; then
		ok "$1: ssh $JU lands in the jail (hostname ${L[1]}, the synced rootfs, PID 1 '${L[3]}', an address of 10.79.0.0/16)"
	else
		not_ok "$1: ssh $JU lands in the jail"; printf '%s\n' "$out" | diag
	fi
}
jailed_login "after the rollout"
expect_eq "an unmatched user is not jailed" jaula-guest "$(ssh_u "$FU" hostname)"

# ------------------------------------------------------------ a broken drop-in
before=$(reloads)
play bad.yml
if [ "$PLAY_RC" != 0 ] && [ "$RECAP_FAILED" = 1 ]; then
	ok "broken policy: the play fails ($PLAY_SECS s)"
else
	not_ok "broken policy: the play fails (rc $PLAY_RC, $RECAP)"; tail -30 "$kdir/play.out" | diag
fi
expect_match "broken policy: it stops at check-config with FILE:LINE" \
	"ansible-30-profiles.conf:[0-9]+: profiles.fleet.limits.memory: expected a size" "$(cat "$kdir/play.out")"
expect_match "broken policy: it says sshd was not reloaded" "failed; sshd was not reloaded" "$(cat "$kdir/play.out")"
if grep -q 'RUNNING HANDLER' "$kdir/play.out" || grep -q 'Check the host around the jail' "$kdir/play.out"; then
	not_ok "broken policy: neither check-host nor the reload handler ran"; grep -E 'TASK|HANDLER' "$kdir/play.out" | tail -8 | diag
else
	ok "broken policy: neither check-host nor the reload handler ran"
fi
expect_eq "broken policy: sshd was not reloaded" "$before" "$(reloads)"
expect_eq "broken policy: the new Match block is on disk, its reload owed" "Match Group jvfleet,jvfleet2|owed" \
	"$(g 'grep ^Match /etc/ssh/sshd_config.d/jaula.conf; test -e /run/jaula-ansible-sshd-reload && echo owed' | paste -sd'|')"
expect_eq "broken policy: the policy files were put back (no backups left)" "memory = \"256M\";" \
	"$(g "grep -ho 'memory = .*' /etc/jaula/conf.d/ansible-30-profiles.conf; ls /etc/jaula/conf.d/ansible-50-jvfleet2.conf /etc/jaula/conf.d/*~ 2>/dev/null" | paste -sd'|')"
out=$(g 'jaula check-config' 2>&1)
expect_eq "broken policy: check-config passes again" "0 OK" "$? $(tail -1 <<<"$out")"
jailed_login "after the failed play"

# ------------------------------------------------------------ fixed again
play good.yml
if [ "$PLAY_RC" = 0 ] && [ "$RECAP_FAILED" = 0 ]; then ok "good variables again: the play succeeds ($PLAY_SECS s)"
else not_ok "good variables again: the play succeeds (rc $PLAY_RC)"; tail -30 "$kdir/play.out" | diag; fi
sdguest_wait_ssh 60 || not_ok "sshd answers after the last run"
expect_eq "good variables again: the owed reload is done" "$((before + 1))|Match Group jvfleet|none owed" \
	"$(g 'journalctl -b -u ssh -o cat --no-pager | grep -c "^Reloaded "; grep ^Match /etc/ssh/sshd_config.d/jaula.conf
		test -e /run/jaula-ansible-sshd-reload && echo still owed || echo none owed' | paste -sd'|')"

ok "t-87 took $(( $(date +%s) - t_start )) s (boot $SDGUEST_BOOT_SECS s)"
finish
