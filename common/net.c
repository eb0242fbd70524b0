/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* net.c — per-group bridges, one veth per jail, the jail's own interfaces.
 * Host side needs CAP_NET_ADMIN; jaula_net_configure_inside needs it in
 * the jail's network namespace (the holder has it until it drops caps).
 *
 * Cost per login: prepare claims the address (two symlinkat) and checks
 * the bridge by ioctl against its recorded set-up (state file "ready.<n>")
 * and the nftables table with one request; attach creates the veth pair
 * with one RTM_NEWLINK (plus one for port isolation); the holder brings up
 * lo and eth0 and adds the address and the default route, on one socket.
 * The bridge set-up (gateway, routes, uplink, nftables) runs only when the
 * bridge is new, its recorded set-up no longer matches, or the table is
 * gone.  The veth is never deleted here: it dies with the jail's network
 * namespace (RTM_DELLINK would cost 12-40 ms on the login path). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <linux/neighbour.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jaula/ipam.h"
#include "jaula/net.h"

/* libnl reports its own error codes; the library speaks negative errno. */
static int nl_errno(int nle)
{
        switch (nle < 0 ? -nle : nle) {
        case 0:
                return 0;
        case NLE_EXIST:
                return -EEXIST;
        case NLE_OBJ_NOTFOUND:
        case NLE_NODEV:
                return -ENODEV;
        case NLE_PERM:
                return -EPERM;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_BUSY:
                return -EBUSY;
        case NLE_RANGE:
                return -ERANGE;
        case NLE_INVAL:
                return -EINVAL;
        case NLE_NOADDR:
                return -EADDRNOTAVAIL;
        case NLE_OPNOTSUPP:
                return -EOPNOTSUPP;
        case NLE_AGAIN:
                return -EAGAIN;
        case NLE_MSGSIZE:
                return -EMSGSIZE;
        default:
                return -EIO;
        }
}

static int nl_fail(struct jaula_err *err, int nle, const char *what, const char *name)
{
        return jaula_err_set(err, nl_errno(nle), "%s '%s': %s", what, name, nl_geterror(nle));
}

static void nl_socket_freep(struct nl_sock **sk)
{
        if (*sk)
                nl_socket_free(*sk);
}
static void rtnl_link_putp(struct rtnl_link **l)
{
        if (*l)
                rtnl_link_put(*l);
}
static void rtnl_addr_putp(struct rtnl_addr **a)
{
        if (*a)
                rtnl_addr_put(*a);
}
static void rtnl_route_putp(struct rtnl_route **r)
{
        if (*r)
                rtnl_route_put(*r);
}
static void nl_addr_putp(struct nl_addr **a)
{
        if (*a)
                nl_addr_put(*a);
}
#define _cleanup_nl_sock_ _cleanup_(nl_socket_freep)
#define _cleanup_link_ _cleanup_(rtnl_link_putp)
#define _cleanup_addr_ _cleanup_(rtnl_addr_putp)
#define _cleanup_route_ _cleanup_(rtnl_route_putp)
#define _cleanup_nl_addr_ _cleanup_(nl_addr_putp)

static int rtnl_open(struct nl_sock **ret, struct jaula_err *err)
{
        _cleanup_nl_sock_ struct nl_sock *sk = nl_socket_alloc();
        int r;

        if (!sk)
                return jaula_err_set(err, -ENOMEM, "Cannot allocate a netlink socket");
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0)
                return jaula_err_set(err, nl_errno(r), "Cannot open a netlink socket: %s",
                                     nl_geterror(r));
        *ret = TAKE_PTR(sk);
        return 0;
}

static struct nl_addr *ip4(uint32_t addr, unsigned prefix)
{
        uint32_t be = htonl(addr);
        struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof be);

        if (a)
                nl_addr_set_prefixlen(a, (int) prefix);
        return a;
}

static uint32_t broadcast_of(uint32_t subnet, unsigned prefix)
{
        return subnet | (prefix == 0 ? UINT32_MAX : ~(UINT32_MAX << (32 - prefix)));
}

/* RTM_NEWADDR with NLM_F_REPLACE: idempotent. */
static int add_addr(struct nl_sock *sk, int ifindex, uint32_t addr, unsigned prefix, uint32_t bcast,
                    struct jaula_err *err, const char *ifname)
{
        _cleanup_addr_ struct rtnl_addr *a = rtnl_addr_alloc();
        _cleanup_nl_addr_ struct nl_addr *local = ip4(addr, prefix), *brd = NULL;
        int r;

        if (!a || !local)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        rtnl_addr_set_ifindex(a, ifindex);
        rtnl_addr_set_family(a, AF_INET);
        r = rtnl_addr_set_local(a, local);
        if (r >= 0 && prefix < 31) {
                brd = ip4(bcast, 32);
                r = brd ? rtnl_addr_set_broadcast(a, brd) : -NLE_NOMEM;
        }
        if (r >= 0)
                r = rtnl_addr_add(sk, a, NLM_F_REPLACE);
        if (r < 0)
                return nl_fail(err, r, "Cannot add an address to", ifname);
        return 0;
}

struct route_ctx {
        struct nl_sock *sk;
        int ifindex;
        uint32_t src;
        const char *ifname;
        struct jaula_err *err;
};

/* A link route for one block of a secondary bridge's range: more specific
 * than the subnet's own route on the first bridge, so replies find the
 * bridge that holds the jail. */
static int add_link_route(uint32_t dst, unsigned prefix, void *ud)
{
        struct route_ctx *c = ud;
        _cleanup_route_ struct rtnl_route *rt = rtnl_route_alloc();
        _cleanup_nl_addr_ struct nl_addr *d = ip4(dst, prefix), *s = ip4(c->src, 32);
        struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
        int r;

        if (!rt || !d || !s || !nh) {
                if (nh)
                        rtnl_route_nh_free(nh);
                return jaula_err_set(c->err, -ENOMEM, "Out of memory");
        }
        rtnl_route_set_family(rt, AF_INET);
        rtnl_route_set_table(rt, RT_TABLE_MAIN);
        rtnl_route_set_scope(rt, RT_SCOPE_LINK);
        rtnl_route_set_protocol(rt, RTPROT_STATIC);
        rtnl_route_nh_set_ifindex(nh, c->ifindex);
        rtnl_route_add_nexthop(rt, nh);
        r = rtnl_route_set_dst(rt, d);
        if (r >= 0)
                r = rtnl_route_set_pref_src(rt, s);
        if (r >= 0)
                r = rtnl_route_add(c->sk, rt, NLM_F_REPLACE);
        if (r < 0)
                return nl_fail(c->err, r, "Cannot add a route to", c->ifname);
        return 0;
}

static int link_up(struct nl_sock *sk, struct rtnl_link *orig, int master, struct jaula_err *err)
{
        _cleanup_link_ struct rtnl_link *chg = rtnl_link_alloc();
        int r;

        if (!chg)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        rtnl_link_set_flags(chg, IFF_UP);
        if (master > 0)
                rtnl_link_set_master(chg, master);
        r = rtnl_link_change(sk, orig, chg, 0);
        if (r < 0)
                return nl_fail(err, r, "Cannot bring up", rtnl_link_get_name(orig));
        return 0;
}

/* The description of a bridge's set-up; when it differs from the one
 * recorded in ready.<b>, the set-up runs again. */
#define FP_MAX 4096

/* The VXLAN part of a set-up, one token: when it changes, the device is
 * made again rather than patched (a peer dropped from the policy must
 * leave the forwarding table). */
static int vxlan_token(const struct jaula_net_spec *net, char *buf, size_t size)
{
        FILE *f = fmemopen(buf, size, "w");
        char g[16], l[16];

        if (!f)
                return -errno;
        jaula_ipam_format(net->vxlan_group, g);
        jaula_ipam_format(net->vxlan_local, l);
        fprintf(f, "vx=%u:%u:%s:%s:%s:%u", net->vxlan_vni, net->vxlan_port, g, l,
                net->vxlan_dev ? net->vxlan_dev : "-", net->mtu);
        for (size_t i = 0; i < net->n_vxlan_peers; i++)
                fprintf(f, "%c%s", i ? ',' : ':', net->vxlan_peers[i]);
        fputc(0, f);
        if (ferror(f) || ftell(f) >= (long) size) {
                fclose(f);
                return -ENAMETOOLONG;
        }
        fclose(f);
        return 0;
}

static int setup_fingerprint(const struct jaula_net_spec *net, size_t b, int ifindex,
                             int vx_ifindex, char *buf, size_t size)
{
        FILE *f = fmemopen(buf, size, "w");
        char vx[FP_MAX / 2];

        if (!f)
                return -errno;
        fprintf(f, "v1 %s %x/%u %x if=%d", net->bridges[b], net->subnet, net->prefix, net->gateway,
                ifindex);
        if (net->pool_first || net->pool_last)
                fprintf(f, " pool=%x-%x", net->pool_first, net->pool_last);
        if (net->vxlan_vni) {
                if (vxlan_token(net, vx, sizeof vx) < 0) {
                        fclose(f);
                        return -ENAMETOOLONG;
                }
                fprintf(f, " %s vxif=%d", vx, vx_ifindex);
        }
        for (size_t i = 0; i < net->n_bridges; i++)
                fprintf(f, " br=%s", net->bridges[i]);
        fprintf(f, " up=%s nat=%d iso=%d mtu=%u", net->uplink ? net->uplink : "-", net->nat,
                net->isolate, net->mtu);
        for (size_t i = 0; i < net->n_dns; i++)
                fprintf(f, " dns=%s", net->dns[i]);
        fputc('\n', f);
        if (ferror(f) || ftell(f) >= (long) size - 1) {
                fclose(f);
                return -ENAMETOOLONG;
        }
        fclose(f);
        return 0;
}

static int ready_path(const char *state_dir, const struct jaula_net_spec *net, size_t b, char *path)
{
        if (snprintf(path, PATH_MAX, "%s/net/%s/ready.%zu", state_dir, net->name, b) >= PATH_MAX)
                return -ENAMETOOLONG;
        return 0;
}

/* The recorded set-up of a bridge, "" when none. */
static void read_setup(const char *path, char have[FP_MAX])
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t n = fd >= 0 ? read(fd, have, FP_MAX - 1) : -1;

        have[n > 0 ? n : 0] = '\0';
}

static bool setup_is_current(const char *path, const char *want)
{
        char have[FP_MAX];

        read_setup(path, have);
        return strcmp(have, want) == 0;
}

static void record_setup(const char *path, const char *text)
{
        _cleanup_close_ int fd =
                open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        size_t n = strlen(text);

        if (fd >= 0 && write(fd, text, n) != (ssize_t) n)
                unlink(path); /* a torn record only means one more set-up */
}

static int set_port_isolated(struct nl_sock *sk, const char *ifname, bool on,
                             struct jaula_err *err);
static int delete_link(struct nl_sock *sk, const char *name);

/* Whether addr is one of this host's own (by its interfaces, not by a
 * bind, which ip_nonlocal_bind would let through): a peer list may name
 * every host of the segment, and each skips itself (a flood entry towards
 * its own address would send the segment's broadcasts back into it). */
static bool is_local_address(const struct ifaddrs *ifa, uint32_t addr)
{
        for (; ifa; ifa = ifa->ifa_next)
                if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_INET &&
                    ((const struct sockaddr_in *) ifa->ifa_addr)->sin_addr.s_addr == htonl(addr))
                        return true;
        return false;
}

/* `bridge fdb append 00:00:00:00:00:00 dev VX dst PEER`: the head-end
 * replication entry, so broadcasts and unknown unicast reach the peer.
 * Built by hand like set_port_isolated's request: an AF_BRIDGE neighbour
 * with exactly the attributes the bridge tool sends. */
static int add_flood_entry(struct nl_sock *sk, int ifindex, uint32_t peer, const char *name,
                           struct jaula_err *err)
{
        struct ndmsg ndm = {.ndm_family = AF_BRIDGE,
                            .ndm_ifindex = ifindex,
                            .ndm_state = NUD_PERMANENT | NUD_NOARP,
                            .ndm_flags = NTF_SELF};
        struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK |
                                                                      NLM_F_CREATE | NLM_F_APPEND);
        static const uint8_t zero_mac[6];
        uint32_t be = htonl(peer);
        int r;

        if (!msg)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        if (nlmsg_append(msg, &ndm, sizeof ndm, NLMSG_ALIGNTO) < 0 ||
            nla_put(msg, NDA_LLADDR, sizeof zero_mac, zero_mac) < 0 ||
            nla_put(msg, NDA_DST, sizeof be, &be) < 0) {
                nlmsg_free(msg);
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        }
        r = nl_send_sync(sk, msg); /* frees msg */
        if (r < 0 && r != -NLE_EXIST)
                return nl_fail(err, r, "Cannot add a VXLAN peer to", name);
        return 0;
}

static int create_vxlan(struct nl_sock *sk, const struct jaula_net_spec *net, const char *name,
                        struct jaula_err *err)
{
        _cleanup_link_ struct rtnl_link *vx = rtnl_link_vxlan_alloc();
        _cleanup_nl_addr_ struct nl_addr *group = NULL, *local = NULL;
        int r;

        if (!vx)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        rtnl_link_set_name(vx, name);
        r = rtnl_link_vxlan_set_id(vx, net->vxlan_vni);
        if (r >= 0)
                r = rtnl_link_vxlan_set_port(vx, net->vxlan_port);
        if (r >= 0 && net->vxlan_dev) {
                int dev = (int) if_nametoindex(net->vxlan_dev);

                if (dev <= 0)
                        return jaula_err_set(err, -ENODEV,
                                             "Network '%s': VXLAN underlay interface '%s' does "
                                             "not exist",
                                             net->name, net->vxlan_dev);
                r = rtnl_link_vxlan_set_link(vx, (uint32_t) dev);
        }
        if (r >= 0 && net->vxlan_group) {
                group = ip4(net->vxlan_group, 32);
                r = group ? rtnl_link_vxlan_set_group(vx, group) : -NLE_NOMEM;
        }
        if (r >= 0 && net->vxlan_local) {
                local = ip4(net->vxlan_local, 32);
                r = local ? rtnl_link_vxlan_set_local(vx, local) : -NLE_NOMEM;
        }
        /* Learning stays on: replies go to the one peer behind a MAC
         * instead of being copied to all of them. */
        if (r >= 0 && net->mtu)
                rtnl_link_set_mtu(vx, net->mtu);
        if (r >= 0)
                r = rtnl_link_add(sk, vx, NLM_F_CREATE | NLM_F_EXCL);
        if (r < 0)
                return nl_fail(err, r, "Cannot create VXLAN device", name);
        return 0;
}

/* The network's VXLAN port on bridge br: made (again, when fresh: its
 * set-up changed or was never recorded), its peers' flood entries,
 * enslaved, up, and isolated exactly when the jails' ports are, so that
 * isolate = true keeps jails apart across hosts as on one bridge. */
static int setup_vxlan(struct nl_sock *sk, const struct jaula_net_spec *net, int br_ifindex,
                       bool fresh, struct jaula_err *err)
{
        _cleanup_link_ struct rtnl_link *vx = NULL;
        struct ifaddrs *ifa = NULL;
        char name[JAULA_IFNAMSIZ];
        uint32_t id = 0, port = 0;
        bool made = false;
        int r;

        jaula_ipam_vxlan_ifname(net->vxlan_vni, name);
        r = rtnl_link_get_kernel(sk, 0, name, &vx);
        if (r >= 0) {
                const char *type = rtnl_link_get_type(vx);

                if (!type || strcmp(type, "vxlan") != 0)
                        return jaula_err_set(err, -ENOTTY,
                                             "Network '%s': interface '%s' exists but is not a "
                                             "VXLAN device",
                                             net->name, name);
                if (fresh || rtnl_link_vxlan_get_id(vx, &id) < 0 || id != net->vxlan_vni ||
                    rtnl_link_vxlan_get_port(vx, &port) < 0 || port != net->vxlan_port) {
                        r = delete_link(sk, name);
                        if (r < 0 && r != -ENODEV)
                                return jaula_err_errno(err, r, "Cannot replace VXLAN device '%s'",
                                                       name);
                        rtnl_link_put(TAKE_PTR(vx));
                }
        } else if (r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV) {
                return nl_fail(err, r, "Cannot look up VXLAN device", name);
        }
        if (!vx) {
                r = create_vxlan(sk, net, name, err);
                if (r < 0)
                        return r;
                made = true;
                r = rtnl_link_get_kernel(sk, 0, name, &vx);
                if (r < 0)
                        r = nl_fail(err, r, "Cannot find VXLAN device", name);
        }
        if (r >= 0 && net->n_vxlan_peers && getifaddrs(&ifa) < 0)
                r = jaula_err_errno(err, neg_errno(), "Cannot list this host's addresses");
        for (size_t i = 0; r >= 0 && i < net->n_vxlan_peers; i++) {
                struct in_addr a;

                if (inet_pton(AF_INET, net->vxlan_peers[i], &a) != 1)
                        r = jaula_err_set(err, -EINVAL, "Network '%s': bad VXLAN peer '%s'",
                                          net->name, net->vxlan_peers[i]);
                else if (!is_local_address(ifa, ntohl(a.s_addr)))
                        r = add_flood_entry(sk, rtnl_link_get_ifindex(vx), ntohl(a.s_addr),
                                            name, err);
        }
        if (ifa)
                freeifaddrs(ifa);
        if (r >= 0)
                r = link_up(sk, vx, br_ifindex, err);
        if (r >= 0)
                r = set_port_isolated(sk, name, net->isolate, err);
        if (r < 0 && made)
                delete_link(sk, name); /* half made: the next login starts over */
        return r;
}

/* Gateway address, routes, uplink, up, firewall: everything idempotent. */
static int setup_bridge(struct nl_sock *sk, const char *state_dir, const struct jaula_net_spec *net,
                        const struct jaula_pool *pool, size_t b, struct rtnl_link *br,
                        struct rtnl_link *uplink, bool vx_fresh, struct jaula_err *err)
{
        int ifindex = rtnl_link_get_ifindex(br), r;
        const char *name = net->bridges[b];

        r = link_up(sk, br, 0, err);
        if (r < 0)
                return r;
        if (b == 0) {
                r = add_addr(sk, ifindex, net->gateway, net->prefix,
                             broadcast_of(net->subnet, net->prefix), err, name);
        } else {
                /* The gateway answers on every bridge; the subnet route stays
                 * on the first one and each other bridge routes its range. */
                struct route_ctx c = {sk, ifindex, net->gateway, name, err};
                uint32_t first, last;

                r = add_addr(sk, ifindex, net->gateway, 32, 0, err, name);
                if (r >= 0 && jaula_ipam_bridge_range(pool, b, &first, &last) == 0)
                        r = jaula_ipam_cidrs(first, last, add_link_route, &c);
        }
        if (r < 0)
                return r;
        if (uplink && b == 0) {
                int m = rtnl_link_get_master(uplink);

                if (m > 0 && m != ifindex)
                        return jaula_err_set(err, -EBUSY,
                                             "Uplink '%s' of network '%s' already belongs to "
                                             "another bridge",
                                             net->uplink, net->name);
                r = link_up(sk, uplink, ifindex, err);
                if (r < 0)
                        return r;
        }
        /* The table first: the segment opens only once the jails' way to
         * the VXLAN port of another host is closed. */
        r = jaula_net_firewall_apply_state(state_dir, net, err);
        if (r >= 0 && net->vxlan_vni && b == 0)
                r = setup_vxlan(sk, net, ifindex, vx_fresh, err);
        return r;
}

static int delete_link(struct nl_sock *sk, const char *name)
{
        _cleanup_link_ struct rtnl_link *l = rtnl_link_alloc();

        if (!l)
                return -ENOMEM;
        rtnl_link_set_name(l, name);
        return nl_errno(rtnl_link_delete(sk, l));
}

/* Find bridge b, or create it.  *ret_created tells whether this call made it. */
static int get_bridge(struct nl_sock *sk, const struct jaula_net_spec *net, size_t b,
                      struct rtnl_link **ret, bool *ret_created, struct jaula_err *err)
{
        const char *name = net->bridges[b];
        struct rtnl_link *br = NULL;
        bool created = false;
        int r;

        r = rtnl_link_get_kernel(sk, 0, name, &br);
        if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) {
                _cleanup_link_ struct rtnl_link *nb = rtnl_link_alloc();

                if (!nb)
                        return jaula_err_set(err, -ENOMEM, "Out of memory");
                rtnl_link_set_name(nb, name);
                r = rtnl_link_set_type(nb, "bridge");
                if (r >= 0 && net->mtu)
                        rtnl_link_set_mtu(nb, net->mtu);
                if (r >= 0)
                        r = rtnl_link_add(sk, nb, NLM_F_CREATE | NLM_F_EXCL);
                /* EEXIST: another login made it first. */
                created = r >= 0;
                if (r < 0 && r != -NLE_EXIST)
                        return nl_fail(err, r, "Cannot create bridge", name);
                r = rtnl_link_get_kernel(sk, 0, name, &br);
        }
        if (r < 0)
                return nl_fail(err, r, "Cannot find bridge", name);
        if (!rtnl_link_get_type(br) || strcmp(rtnl_link_get_type(br), "bridge") != 0) {
                rtnl_link_put(br);
                return jaula_err_set(err, -ENOTTY,
                                     "Network '%s': interface '%s' exists but is not a bridge",
                                     net->name, name);
        }
        *ret = br;
        *ret_created = created;
        return 0;
}

static int check_ids(const struct jaula_spec *spec, const char *jail_id, struct jaula_err *err)
{
        if (!spec->state_dir || spec->state_dir[0] != '/')
                return jaula_err_set(err, -EINVAL, "The state directory must be an absolute path");
        if (!jaula_ipam_name_valid(jail_id))
                return jaula_err_set(err, -EINVAL, "Invalid jail id '%s'", jail_id ? jail_id : "");
        return 0;
}

static void fill_lease(const struct jaula_net_spec *net, const struct jaula_pool *pool,
                       const char *jail_id, uint32_t addr, struct jaula_lease *ret)
{
        int64_t index = jaula_ipam_index(pool, addr);
        size_t b = index >= 0 ? jaula_ipam_bridge_of(pool, (uint32_t) index) : 0;

        memset(ret, 0, sizeof *ret);
        ret->addr = addr;
        snprintf(ret->bridge, sizeof ret->bridge, "%s", net->bridges[b]);
        jaula_ipam_host_ifname(jail_id, ret->host_if);
        ret->mtu = net->mtu;
}

/* Index and MTU of an interface by name: two ioctls, no netlink dump. */
static int link_index_mtu(const char *name, int *ret_ifindex, unsigned *ret_mtu)
{
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {0};

        if (fd < 0)
                return -errno;
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
                return -errno;
        *ret_ifindex = ifr.ifr_ifindex;
        if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
                return -errno;
        *ret_mtu = (unsigned) ifr.ifr_mtu;
        return 0;
}

/* The common case of a login: the bridge exists with the index it had
 * when this set-up was recorded (indexes are not reused while the
 * namespace lives, so it is the bridge that was checked then) and the
 * table is in place.  No rtnetlink socket at all. */
static bool bridge_ready(const struct jaula_spec *spec, size_t b, struct jaula_lease *lease)
{
        char path[PATH_MAX], fp[FP_MAX], vx[JAULA_IFNAMSIZ];
        unsigned mtu = 0, vx_mtu = 0;
        int ifindex = 0, vx_ifindex = 0;

        if (spec->net->vxlan_vni && b == 0) {
                jaula_ipam_vxlan_ifname(spec->net->vxlan_vni, vx);
                if (link_index_mtu(vx, &vx_ifindex, &vx_mtu) < 0)
                        return false;
        }
        if (link_index_mtu(spec->net->bridges[b], &ifindex, &mtu) < 0 ||
            setup_fingerprint(spec->net, b, ifindex, vx_ifindex, fp, sizeof fp) < 0 ||
            ready_path(spec->state_dir, spec->net, b, path) < 0 || !setup_is_current(path, fp) ||
            jaula_net_firewall_present() <= 0)
                return false;
        lease->bridge_ifindex = ifindex;
        if (!lease->mtu)
                lease->mtu = mtu;
        return true;
}

/* First use of a bridge, or a set-up that changed or got lost: find or
 * create the bridge and (re)do gateway, routes, uplink and firewall. */
static int make_bridge_ready(const struct jaula_spec *spec, const struct jaula_pool *pool, size_t b,
                             struct jaula_lease *lease, struct jaula_err *err)
{
        const struct jaula_net_spec *net = spec->net;
        _cleanup_nl_sock_ struct nl_sock *sk = NULL;
        _cleanup_link_ struct rtnl_link *uplink = NULL, *br = NULL;
        char path[PATH_MAX], fp[FP_MAX], old[FP_MAX], vx[FP_MAX / 2], vxname[JAULA_IFNAMSIZ];
        bool created = false, vx_fresh = true;
        unsigned mtu = 0;
        int vx_ifindex = 0, r;

        if ((r = rtnl_open(&sk, err)) < 0)
                return r;
        /* Refused before anything is made. */
        if (net->uplink) {
                r = rtnl_link_get_kernel(sk, 0, net->uplink, &uplink);
                if (r < 0)
                        return jaula_err_set(err, nl_errno(r),
                                             "Uplink '%s' of network '%s' does not exist",
                                             net->uplink, net->name);
        }
        r = get_bridge(sk, net, b, &br, &created, err);
        if (r < 0)
                return r;
        lease->bridge_ifindex = rtnl_link_get_ifindex(br);
        r = ready_path(spec->state_dir, net, b, path);
        if (r >= 0 && net->vxlan_vni && b == 0) {
                /* Keep the device unless its part of the recorded set-up
                 * differs (a peer gone, another port…) or nothing was
                 * recorded (then what it holds is unknown). */
                size_t n;
                const char *at;

                r = vxlan_token(net, vx, sizeof vx);
                read_setup(path, old);
                n = strlen(vx);
                at = strstr(old, vx);
                vx_fresh = !(at && at > old && at[-1] == ' ' && at[n] == ' ');
        }
        if (r < 0)
                r = jaula_err_errno(err, r, "Network '%s': description too long", net->name);
        else
                r = setup_bridge(sk, spec->state_dir, net, pool, b, br, uplink, vx_fresh, err);
        /* The bridge's MTU after its ports joined (a VXLAN port lowers it
         * to what the tunnel carries), and the set-up as it now is. */
        if (r >= 0 && net->vxlan_vni && b == 0) {
                jaula_ipam_vxlan_ifname(net->vxlan_vni, vxname);
                r = link_index_mtu(vxname, &vx_ifindex, &mtu);
                if (r < 0)
                        r = jaula_err_errno(err, r, "Cannot find VXLAN device '%s'", vxname);
        }
        if (r >= 0)
                r = link_index_mtu(net->bridges[b], &lease->bridge_ifindex, &mtu);
        if (r >= 0 && !lease->mtu)
                lease->mtu = mtu;
        if (r >= 0 && setup_fingerprint(net, b, lease->bridge_ifindex, vx_ifindex, fp, sizeof fp) < 0)
                r = jaula_err_set(err, -ENAMETOOLONG, "Network '%s': description too long",
                                  net->name);
        if (r < 0) {
                if (created)
                        delete_link(sk, net->bridges[b]); /* ours and empty: nothing used it */
                return r;
        }
        record_setup(path, fp);
        return 0;
}

JAULA_EXPORT int jaula_net_prepare(const struct jaula_spec *spec, const char *jail_id,
                                   struct jaula_lease *ret, struct jaula_err *err)
{
        const struct jaula_net_spec *net = spec->net;
        struct jaula_lease lease;
        struct jaula_pool pool;
        uint32_t addr;
        int64_t index;
        size_t b;
        int r;

        if (!net)
                return 0;
        if ((r = check_ids(spec, jail_id, err)) < 0 ||
            (r = jaula_ipam_pool_init(net, &pool, err)) < 0)
                return r;
        r = jaula_ipam_claim(spec->state_dir, net, &pool, jail_id, spec->user.uid, &addr, err);
        if (r < 0)
                return r;
        index = jaula_ipam_index(&pool, addr);
        if (index < 0) {
                /* A lease from before the pool changed (policy edit). */
                jaula_ipam_release(spec->state_dir, net->name, jail_id);
                return jaula_err_set(err, -ERANGE, "Jail '%s' holds a lease outside network '%s'",
                                     jail_id, net->name);
        }
        b = jaula_ipam_bridge_of(&pool, (uint32_t) index);
        fill_lease(net, &pool, jail_id, addr, &lease);

        /* A flushed ruleset takes the isolation with it: the table is
         * checked on every login (one request) and restored at once. */
        if (!bridge_ready(spec, b, &lease)) {
                r = make_bridge_ready(spec, &pool, b, &lease, err);
                if (r < 0) {
                        jaula_ipam_release(spec->state_dir, net->name, jail_id);
                        return r;
                }
        }
        *ret = lease;
        return 0;
}

/* IFLA_BRPORT_ISOLATED through the bridge-slave data of RTM_NEWLINK on the
 * existing port (what `ip link set X type bridge_slave isolated on` sends):
 * libnl 3.7 has no setter for it. */
static int set_port_isolated(struct nl_sock *sk, const char *ifname, bool on,
                             struct jaula_err *err)
{
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
        struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        struct nlattr *info, *data;
        int r = -NLE_NOMEM;

        if (!msg)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        if (nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 ||
            nla_put_string(msg, IFLA_IFNAME, ifname) < 0 ||
            !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
            nla_put_string(msg, IFLA_INFO_SLAVE_KIND, "bridge") < 0 ||
            !(data = nla_nest_start(msg, IFLA_INFO_SLAVE_DATA)) ||
            nla_put_u8(msg, IFLA_BRPORT_ISOLATED, on) < 0) {
                nlmsg_free(msg);
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        }
        nla_nest_end(msg, data);
        nla_nest_end(msg, info);
        r = nl_send_sync(sk, msg); /* frees msg */
        if (r < 0)
                return nl_fail(err, r, "Cannot isolate bridge port", ifname);
        return 0;
}

static int add_veth(struct nl_sock *sk, const struct jaula_lease *lease, pid_t holder_pid)
{
        struct rtnl_link *veth = rtnl_link_veth_alloc(), *peer;
        int r;

        if (!veth)
                return -NLE_NOMEM;
        rtnl_link_set_name(veth, lease->host_if);
        rtnl_link_set_master(veth, lease->bridge_ifindex);
        rtnl_link_set_flags(veth, IFF_UP);
        if (lease->mtu)
                rtnl_link_set_mtu(veth, lease->mtu);

        peer = rtnl_link_veth_get_peer(veth);
        rtnl_link_set_name(peer, "eth0");
        rtnl_link_set_ns_pid(peer, holder_pid);
        /* Not IFF_UP: the kernel opens the peer before the pair is linked
         * (veth_open fails with ENOTCONN); the holder brings it up. */
        if (lease->mtu)
                rtnl_link_set_mtu(peer, lease->mtu);
        rtnl_link_put(peer);

        r = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
        rtnl_link_veth_release(veth);
        return r;
}

JAULA_EXPORT int jaula_net_attach(const struct jaula_spec *spec, const struct jaula_lease *lease,
                                  pid_t holder_pid, struct jaula_err *err)
{
        _cleanup_nl_sock_ struct nl_sock *sk = NULL;
        int r;

        if (!spec->net)
                return 0;
        if (!lease || holder_pid <= 0 || !jaula_ipam_ifname_valid(lease->host_if) ||
            lease->bridge_ifindex <= 0)
                return jaula_err_set(err, -EINVAL, "Invalid lease for network '%s'",
                                     spec->net->name);
        if ((r = rtnl_open(&sk, err)) < 0)
                return r;

        /* EEXIST: the veth of an earlier jail with this id is still being
         * destroyed with its namespace (asynchronous, milliseconds); wait
         * for it rather than delete anything. */
        for (int tries = 0;; tries++) {
                r = add_veth(sk, lease, holder_pid);
                if (r != -NLE_EXIST || tries >= 400)
                        break;
                nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
        }
        if (r < 0)
                return jaula_err_set(err, nl_errno(r),
                                     "Cannot create veth '%s' on bridge '%s' for process %d: %s",
                                     lease->host_if, lease->bridge, (int) holder_pid,
                                     nl_geterror(r));
        if (spec->net->isolate)
                return set_port_isolated(sk, lease->host_if, true, err);
        return 0;
}

/* eth0 up without IPv6 link-local: a jail has addresses from its subnet
 * only, and no DAD or MLD runs for it.  The kernel accepts the address
 * generation mode neither in the creation request (IFLA_AF_SPEC/inet6 needs
 * an existing device) nor usefully with the up (it would apply after the
 * link-local address was made), hence a request of its own, first. */
static int eth0_up(struct nl_sock *sk, int ifindex, struct jaula_err *err)
{
        _cleanup_link_ struct rtnl_link *eth0 = rtnl_link_alloc(), *chg = rtnl_link_alloc();
        int r;

        if (!eth0 || !chg)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        rtnl_link_set_ifindex(eth0, ifindex);
        rtnl_link_set_name(eth0, "eth0");
        r = rtnl_link_inet6_set_addr_gen_mode(chg, IN6_ADDR_GEN_MODE_NONE);
        if (r >= 0)
                r = rtnl_link_change(sk, eth0, chg, 0);
        if (r < 0)
                return nl_fail(err, r, "Cannot configure", "eth0");
        return link_up(sk, eth0, 0, err);
}

JAULA_EXPORT int jaula_net_configure_inside(const struct jaula_spec *spec,
                                            const struct jaula_lease *lease, struct jaula_err *err)
{
        const struct jaula_net_spec *net = spec->net;
        _cleanup_nl_sock_ struct nl_sock *sk = NULL;
        _cleanup_link_ struct rtnl_link *lo = rtnl_link_alloc();
        _cleanup_route_ struct rtnl_route *rt = NULL;
        _cleanup_nl_addr_ struct nl_addr *dst = NULL, *gw = NULL;
        struct rtnl_nexthop *nh;
        int eth0, r;

        if (!lo)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        if ((r = rtnl_open(&sk, err)) < 0)
                return r;
        /* lo is ifindex 1 in every network namespace. */
        rtnl_link_set_ifindex(lo, 1);
        rtnl_link_set_name(lo, "lo");
        r = link_up(sk, lo, 0, err);
        if (r < 0 || !net || !lease)
                return r;

        /* eth0 arrived with its MTU (set in the creation request); it needs
         * to come up, its address and the default route, in this order:
         * a route through a down device is refused. */
        eth0 = (int) if_nametoindex("eth0");
        if (eth0 <= 0)
                return jaula_err_errno(err, neg_errno(), "The jail has no eth0");
        r = eth0_up(sk, eth0, err);
        if (r < 0)
                return r;
        r = add_addr(sk, eth0, lease->addr, net->prefix, broadcast_of(net->subnet, net->prefix),
                     err, "eth0");
        if (r < 0)
                return r;

        rt = rtnl_route_alloc();
        nh = rtnl_route_nh_alloc();
        dst = ip4(0, 0);
        gw = ip4(net->gateway, 32);
        if (!rt || !nh || !dst || !gw) {
                if (nh)
                        rtnl_route_nh_free(nh);
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        }
        rtnl_route_set_family(rt, AF_INET);
        rtnl_route_set_table(rt, RT_TABLE_MAIN);
        rtnl_route_set_protocol(rt, RTPROT_STATIC);
        rtnl_route_nh_set_ifindex(nh, eth0);
        rtnl_route_nh_set_gateway(nh, gw);
        rtnl_route_add_nexthop(rt, nh);
        r = rtnl_route_set_dst(rt, dst);
        if (r >= 0)
                r = rtnl_route_add(sk, rt, NLM_F_REPLACE);
        if (r < 0)
                return nl_fail(err, r, "Cannot add the default route on", "eth0");
        return 0;
}

JAULA_EXPORT int jaula_net_release(const struct jaula_spec *spec, const char *jail_id)
{
        if (!spec->net)
                return 0;
        if (!spec->state_dir)
                return -EINVAL;
        return jaula_ipam_release(spec->state_dir, spec->net->name, jail_id);
}

JAULA_EXPORT int jaula_net_gc(const char *state_dir,
                              int (*jail_alive)(const char *jail_id, void *ud), void *ud)
{
        return jaula_ipam_gc(state_dir, jail_alive, ud);
}

JAULA_EXPORT int jaula_net_lookup(const struct jaula_spec *spec, const char *jail_id,
                                  struct jaula_lease *ret, struct jaula_err *err)
{
        struct jaula_pool pool;
        uint32_t addr;
        int r;

        if (!spec->net)
                return -ENOENT;
        if ((r = check_ids(spec, jail_id, err)) < 0 ||
            (r = jaula_ipam_pool_init(spec->net, &pool, err)) < 0)
                return r;
        r = jaula_ipam_lookup(spec->state_dir, spec->net->name, jail_id, &addr);
        if (r < 0)
                return r;
        fill_lease(spec->net, &pool, jail_id, addr, ret);
        ret->bridge_ifindex = (int) if_nametoindex(ret->bridge);
        return 0;
}

/* One token of resolv.conf: anything with white space or a '#' would
 * change the file's meaning, so such entries are left out. */
static bool resolv_token(const char *s)
{
        if (!s || !*s)
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= ' ' || *s == '#' || *s == ';' || *s == 0x7f)
                        return false;
        return true;
}

JAULA_EXPORT char *jaula_net_resolv_conf(const struct jaula_spec *spec)
{
        const struct jaula_net_spec *net = spec->net;
        _cleanup_free_ char *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t size = 0, n_search = 0;
        bool any = false;

        if (!net)
                return NULL;
        f = open_memstream(&text, &size);
        if (!f)
                return NULL;
        fprintf(f, "# Generated by jaula for network '%s'\n", net->name ? net->name : "");
        for (size_t i = 0; net->dns && i < net->n_dns && net->dns[i]; i++)
                if (resolv_token(net->dns[i])) {
                        fprintf(f, "nameserver %s\n", net->dns[i]);
                        any = true;
                }
        for (size_t i = 0; net->search && net->search[i]; i++)
                if (resolv_token(net->search[i])) {
                        fputs(n_search++ ? " " : "search ", f);
                        fputs(net->search[i], f);
                }
        if (n_search)
                fputc('\n', f);
        if (fclose(TAKE_PTR(f)) != 0)
                return NULL;
        if (!any && !n_search)
                return NULL;
        return TAKE_PTR(text);
}

struct port_count {
        int master;
        const char *uplink, *vxlan;
        int n;
};

static void count_port(struct nl_object *obj, void *ud)
{
        struct rtnl_link *l = (struct rtnl_link *) obj;
        struct port_count *pc = ud;
        const char *name = rtnl_link_get_name(l);

        if (rtnl_link_get_master(l) == pc->master &&
            !(pc->uplink && name && strcmp(name, pc->uplink) == 0) &&
            !(pc->vxlan && name && strcmp(name, pc->vxlan) == 0))
                pc->n++;
}

static void nl_cache_freep(struct nl_cache **c)
{
        if (*c)
                nl_cache_free(*c);
}

JAULA_EXPORT int jaula_net_teardown(const struct jaula_spec *spec, struct jaula_err *err)
{
        const struct jaula_net_spec *net = spec->net;
        _cleanup_nl_sock_ struct nl_sock *sk = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *links = NULL;
        struct jaula_pool pool;
        char path[PATH_MAX], vx[JAULA_IFNAMSIZ] = "";
        int r;

        if (!net)
                return 0;
        if (net->vxlan_vni)
                jaula_ipam_vxlan_ifname(net->vxlan_vni, vx);
        if ((r = jaula_ipam_pool_init(net, &pool, err)) < 0 || (r = rtnl_open(&sk, err)) < 0)
                return r;
        r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
        if (r < 0)
                return jaula_err_set(err, nl_errno(r), "Cannot list interfaces: %s",
                                     nl_geterror(r));
        /* All or nothing: first make sure no jail is attached anywhere. */
        for (size_t b = 0; b < net->n_bridges; b++) {
                struct port_count pc = {0, net->uplink, vx[0] ? vx : NULL, 0};

                pc.master = rtnl_link_name2i(links, net->bridges[b]);
                if (pc.master <= 0)
                        continue;
                nl_cache_foreach(links, count_port, &pc);
                if (pc.n > 0)
                        return jaula_err_set(err, -EBUSY,
                                             "Bridge '%s' of network '%s' still has %d jail "
                                             "port(s)",
                                             net->bridges[b], net->name, pc.n);
        }
        /* Deleting a bridge releases its uplink; the synchronous delete is
         * fine here, off the login path.  The VXLAN device is jaula's own. */
        if (vx[0]) {
                r = delete_link(sk, vx);
                if (r < 0 && r != -ENODEV)
                        return jaula_err_errno(err, r, "Cannot delete VXLAN device '%s'", vx);
        }
        for (size_t b = 0; b < net->n_bridges; b++) {
                r = delete_link(sk, net->bridges[b]);
                if (r < 0 && r != -ENODEV)
                        return jaula_err_errno(err, r, "Cannot delete bridge '%s'",
                                               net->bridges[b]);
                if (spec->state_dir && ready_path(spec->state_dir, net, b, path) == 0)
                        unlink(path);
        }
        if (spec->state_dir && snprintf(path, sizeof path, "%s/net/%s/nft", spec->state_dir,
                                        net->name) < (int) sizeof path)
                unlink(path);
        return jaula_net_firewall_remove(net, err);
}
