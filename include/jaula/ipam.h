/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ipam.h — address pools and leases of jail networks.
 *
 * The pure part (pool arithmetic, stable addresses, bridge choice, names)
 * needs no privilege and is unit tested; the lease store works on files
 * under <state_dir>/net/<network>/ and needs write access there (root).
 *
 * Pool: the host addresses of the subnet except the network address, the
 * broadcast address and the gateway, numbered 0..size-1 in address order;
 * with the policy's pool (net->pool_first..pool_last), only that slice of
 * them: hosts sharing one subnet over VXLAN each lease from their own.
 * Bridge b of a network serves pool indexes [b*1022, (b+1)*1022): a bridge
 * holds at most 1023 ports and one is kept for the uplink.  Indexes beyond
 * n_bridges*1022 are never handed out, so the port limit is enforced by the
 * pool itself, in O(1), without counting ports. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jaula/log.h"
#include "jaula/spec.h"

#define JAULA_NET_PORTS_PER_BRIDGE 1022u
#define JAULA_IFNAMSIZ 16 /* IFNAMSIZ: 15 bytes and the NUL */

struct jaula_pool {
        uint32_t subnet; /* network address, host byte order */
        unsigned prefix;
        uint32_t gateway;
        uint32_t lo, hi; /* offsets of this host's slice (pool): 1..broadcast-1 without one */
        uint32_t hosts;  /* usable addresses in the slice (gateway excluded) */
        uint32_t size;  /* addresses handed out: min(hosts, n_bridges * 1022) */
        size_t n_bridges;
};

/* Check net (prefix, gateway inside the subnet, bridge names) and describe
 * its pool. */
int jaula_ipam_pool_init(const struct jaula_net_spec *net, struct jaula_pool *ret,
                         struct jaula_err *err);

/* Pool index (< size) to address, and back (-ERANGE outside the pool). */
uint32_t jaula_ipam_addr(const struct jaula_pool *pool, uint32_t index);
int64_t jaula_ipam_index(const struct jaula_pool *pool, uint32_t addr);

/* The bridge (index into net->bridges) that serves a pool index. */
size_t jaula_ipam_bridge_of(const struct jaula_pool *pool, uint32_t index);
/* First and last address served by bridge b; -ENOENT when b serves none. */
int jaula_ipam_bridge_range(const struct jaula_pool *pool, size_t b, uint32_t *ret_first,
                            uint32_t *ret_last);

/* Home slot of uid in the pool: a hash of uid and the network name, so
 * that users are spread evenly and each network shuffles differently. */
uint32_t jaula_ipam_stable_index(const struct jaula_pool *pool, const char *network, uid_t uid);

/* Split [first, last] into the fewest CIDR blocks; calls fn for each and
 * stops at its first negative return. */
int jaula_ipam_cidrs(uint32_t first, uint32_t last,
                     int (*fn)(uint32_t addr, unsigned prefix, void *ud), void *ud);

/* Host end of a jail's veth: "jv" + the jail id when it fits in 15 bytes
 * and uses interface-safe characters, else "jv" + a 32-bit hash in hex. */
void jaula_ipam_host_ifname(const char *jail_id, char ret[JAULA_IFNAMSIZ]);

/* The VXLAN device of a network: "jb-vx" + the VNI in decimal (at most
 * 13 bytes), so that one VNI has one name on every host. */
void jaula_ipam_vxlan_ifname(uint32_t vni, char ret[JAULA_IFNAMSIZ]);

/* Names used as file names in the state directory: [A-Za-z0-9_.@-],
 * no leading dot, at most 64 bytes. */
bool jaula_ipam_name_valid(const char *name);
/* An interface name jaula accepts: 1..15 bytes of [A-Za-z0-9_.@+-], no
 * leading dot. */
bool jaula_ipam_ifname_valid(const char *name);

void jaula_ipam_format(uint32_t addr, char ret[16]);

/* Lease store.  <state_dir>/net/<network>/
 *   a/<address>   symlink -> jail id   the claim, made with symlinkat(),
 *                                      which fails with EEXIST like O_EXCL
 *   j/<jail id>   symlink -> "address,uid"   the reverse record, for release
 *   u/<uid>       symlink -> address   last stable address of a user
 *   cursor        next pool index to try for dynamic leases (a hint) */

/* Claim an address for jail_id (returns the existing lease when jail_id
 * already holds one).  Stable mode tries the user's last address, then its
 * home slot, then probes onward; dynamic mode probes from the cursor. */
int jaula_ipam_claim(const char *state_dir, const struct jaula_net_spec *net,
                     const struct jaula_pool *pool, const char *jail_id, uid_t uid,
                     uint32_t *ret_addr, struct jaula_err *err);
/* The address jail_id holds in network (-ENOENT when none). */
int jaula_ipam_lookup(const char *state_dir, const char *network, const char *jail_id,
                      uint32_t *ret_addr);
/* Drop the lease of jail_id in network; 0 also when there was none. */
int jaula_ipam_release(const char *state_dir, const char *network, const char *jail_id);
/* The same, and every claim naming jail_id whose record was never written
 * (its creator was killed between the two): O(leases), for recovery. */
int jaula_ipam_release_claims(const char *state_dir, const char *network, const char *jail_id);
/* Drop the leases of dead jails in every network; returns how many. */
int jaula_ipam_gc(const char *state_dir, int (*jail_alive)(const char *jail_id, void *ud),
                  void *ud);
/* Number of leases held in network (O(N): for tests and the CLI). */
int jaula_ipam_count(const char *state_dir, const char *network);
