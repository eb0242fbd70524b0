/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* net.h — per-group bridges, one veth per jail, address leases.
 * Host side needs CAP_NET_ADMIN; jaula_net_configure_inside runs in the
 * holder, inside the jail's network namespace, before pivot_root.
 *
 * What the host gets, on the first login into a network (and again when
 * the policy's description of it changes, or its bridge or the nftables
 * table went away): the bridge (created unless the admin made it), up,
 * the gateway address with the subnet's prefix on the first bridge and as
 * /32 plus link routes for its share of the pool on every other bridge,
 * the uplink enslaved to the first bridge, and table "inet jaula" (see
 * jaula_net_firewall_apply).  State: <state_dir>/net/<network>/ (ipam.h)
 * with ready.<n> (the recorded set-up of bridge n) and nft (the network's
 * table elements, to restore the table whole after a flush).
 *
 * What the admin does:
 *  - NAT (nat = true) and any routed traffic of the jails needs
 *    net.ipv4.ip_forward=1; jaula never changes it.  A host firewall whose
 *    forward policy drops must also accept the jails' subnets.
 *  - Services of the host are closed to jails except ping of the gateway,
 *    DNS (tcp/udp 53) to the network's nameservers when they are host
 *    addresses, and ports the admin adds:
 *        nft add element inet jaula host_tcp '{ 3128 }'
 *    (sets host_tcp / host_udp; they are open to every jaula bridge).
 *  - Jails get IPv4 only: no IPv6 address on eth0, IPv6 from jails to the
 *    host is dropped.
 *  - Size subnets with room: a bridge serves 1022 jails (1023 ports, one
 *    kept for the uplink); a network with more jails lists more bridges.
 *
 * A network with vxlan (one bridge, no uplink) also gets jb-vx<VNI>,
 * enslaved to its bridge and isolated when the jails' ports are, with one
 * flood entry per peer that is not this host; the device belongs to the
 * recorded set-up (remade when its part of it changes, deleted by
 * teardown).  Leases come from the network's pool, this host's slice.
 *
 * Limits: jails of one network on different bridges cannot reach each
 * other (different links of one subnet, no proxy ARP); the uplink joins
 * the first bridge only; with isolate = true and an uplink, a jail that
 * keeps CAP_NET_RAW could reach another jail through the host's routing
 * (ip_forward=1); nothing stops a jail that keeps CAP_NET_RAW from
 * spoofing addresses on its own bridge. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "jaula/log.h"
#include "jaula/spec.h"

struct jaula_lease {
        uint32_t addr;    /* host byte order */
        char bridge[16];  /* the bridge this jail's veth joins */
        char host_if[16]; /* host end of the veth ("jv…") */
        int bridge_ifindex;
        unsigned mtu; /* of both veth ends: spec mtu, else the bridge's */
};

/* Host side, under the jail's lock, before the holder exists: make sure
 * the bridge exists and is up with the gateway address (create it on first
 * use, enslave the uplink, set up NAT when asked), and take an address
 * lease for jail_id under spec->state_dir.  Nothing is left behind on
 * failure. */
int jaula_net_prepare(const struct jaula_spec *spec, const char *jail_id, struct jaula_lease *ret,
                      struct jaula_err *err);

/* Host side: one netlink request that creates the veth, its host end
 * enslaved to lease->bridge and up, its peer created directly inside the
 * network namespace of holder_pid as "eth0". */
int jaula_net_attach(const struct jaula_spec *spec, const struct jaula_lease *lease,
                     pid_t holder_pid, struct jaula_err *err);

/* Inside the jail's netns (holder): lo up; eth0 address/prefix, MTU, up;
 * default route via the gateway.  With lease == NULL only lo is brought up. */
int jaula_net_configure_inside(const struct jaula_spec *spec, const struct jaula_lease *lease,
                               struct jaula_err *err);

/* Give the lease of jail_id back (the veth dies with the netns). */
int jaula_net_release(const struct jaula_spec *spec, const char *jail_id);

/* Reclaim the leases whose jails no longer exist; jail_alive(id) says
 * whether a jail id is still live. */
int jaula_net_gc(const char *state_dir, int (*jail_alive)(const char *jail_id, void *ud), void *ud);

/* Text for the jail's /etc/resolv.conf (malloc'd), or NULL without DNS. */
char *jaula_net_resolv_conf(const struct jaula_spec *spec);

/* Host firewall (nftables table "inet jaula", shared by every network):
 * forwarding between different jaula bridges is dropped; traffic from a
 * jaula bridge to the host itself is dropped except replies, ping of the
 * bridge's own gateway, DNS to the network's nameservers and the admin's
 * sets host_tcp / host_udp (ports open to every jaula bridge); the
 * bridges in set nat_bridges are masqueraded when they leave through a
 * non-jaula interface.  Idempotent: the base chains are rebuilt in the same
 * transaction, the network's elements are added without duplicates.
 * jaula_net_prepare calls it on first use of a bridge, when the network's
 * description changed, and when the table has gone (`nft flush ruleset`). */
int jaula_net_firewall_apply(const struct jaula_net_spec *net, struct jaula_err *err);
/* The same, also re-adding the elements recorded for every other network
 * under state_dir (so a table lost to `nft flush ruleset` comes back whole)
 * and recording net's in <state_dir>/net/<name>/nft. */
int jaula_net_firewall_apply_state(const char *state_dir, const struct jaula_net_spec *net,
                                   struct jaula_err *err);
/* 1 when the table exists, 0 when not, or -errno (one netlink request). */
int jaula_net_firewall_present(void);
/* Stop masquerading net's subnet (no error when it was not). */
int jaula_net_nat_remove(const struct jaula_net_spec *net, struct jaula_err *err);
/* Remove net's elements from the table (its bridges, DNS, NAT). */
int jaula_net_firewall_remove(const struct jaula_net_spec *net, struct jaula_err *err);
/* Delete the whole table (uninstall); no error when it does not exist. */
int jaula_net_firewall_remove_all(struct jaula_err *err);

/* Take a network off the host (admin, tests; not the login path): refused
 * with -EBUSY while a jail is attached; else every bridge of the network
 * is deleted (its uplink released), its table elements removed and its
 * recorded set-up forgotten.  Leases and users' stable addresses stay. */
int jaula_net_teardown(const struct jaula_spec *spec, struct jaula_err *err);

/* The lease jail_id holds (for `jaula show`): -ENOENT when none. */
int jaula_net_lookup(const struct jaula_spec *spec, const char *jail_id, struct jaula_lease *ret,
                     struct jaula_err *err);
