/* nft.c — the host firewall of jail networks: one nftables table,
 * "inet jaula", through libnftables.  Needs CAP_NET_ADMIN.
 *
 * Every network shares three static base chains whose rules only look up
 * sets; a network adds itself by adding set elements.  So setting up one
 * network never rewrites another's state, re-running is harmless (the base
 * chains are flushed and refilled inside the same atomic transaction, and
 * "add element" of a present element is a no-op), and removal of an
 * element is written "add; delete" in one transaction so that it succeeds
 * whether or not the element was there.
 *
 * Matching is by interface (the bridge a packet came in on), not by source
 * address: a jail cannot choose its interface, and with br_netfilter loaded
 * bridged packets reach the inet forward hook with iif = oif = the bridge,
 * which set "same" lets through for non-isolated networks. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "jaula/ipam.h"
#include "jaula/net.h"

#define TABLE "inet jaula"

static void nft_ctx_freep(struct nft_ctx **ctx)
{
        if (*ctx)
                nft_ctx_free(*ctx);
}

static int run(const char *script, struct jaula_err *err, const char *what)
{
        _cleanup_(nft_ctx_freep) struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        const char *msg;
        size_t n;

        if (!ctx)
                return jaula_err_set(err, -ENOMEM, "Cannot create an nftables context");
        nft_ctx_buffer_output(ctx);
        nft_ctx_buffer_error(ctx);
        if (nft_run_cmd_from_buffer(ctx, script) == 0)
                return 0;
        msg = nft_ctx_get_error_buffer(ctx);
        n = msg ? strcspn(msg, "\n") : 0;
        return jaula_err_set(err, -EIO, "nftables refused to %s: %.*s", what, (int) n,
                             msg ? msg : "");
}

static void put_base(FILE *f)
{
        fputs("add table " TABLE "\n"
              "add set " TABLE " bridges { type ifname; }\n"
              "add set " TABLE " same { type ifname . ifname; }\n"
              "add set " TABLE " gw { type ifname . ipv4_addr; }\n"
              "add set " TABLE " dns { type ifname . ipv4_addr; }\n"
              "add set " TABLE " nat_nets { type ipv4_addr; flags interval; }\n"
              "add set " TABLE " host_tcp { type inet_service; }\n"
              "add set " TABLE " host_udp { type inet_service; }\n"
              "add chain " TABLE " forward { type filter hook forward priority filter - 5; "
              "policy accept; }\n"
              "add chain " TABLE " input { type filter hook input priority filter - 5; "
              "policy accept; }\n"
              "add chain " TABLE " postrouting { type nat hook postrouting priority srcnat + 5; "
              "policy accept; }\n"
              "flush chain " TABLE " forward\n"
              "flush chain " TABLE " input\n"
              "flush chain " TABLE " postrouting\n"
              /* Within one bridge (br_netfilter) unless isolated; between
               * jaula bridges (other networks, or the host routing around
               * port isolation) never. */
              "add rule " TABLE " forward iifname . oifname @same accept\n"
              "add rule " TABLE " forward iifname @bridges oifname @bridges drop\n"
              /* The host itself: only what the admin allows.  Host services
               * bound to 0.0.0.0 would otherwise answer on the gateway. */
              "add rule " TABLE " input iifname != @bridges accept\n"
              "add rule " TABLE " input ct state established,related accept\n"
              "add rule " TABLE " input iifname . ip daddr @gw icmp type echo-request accept\n"
              "add rule " TABLE " input iifname . ip daddr @dns meta l4proto { tcp, udp } "
              "th dport 53 accept\n"
              "add rule " TABLE " input tcp dport @host_tcp accept\n"
              "add rule " TABLE " input udp dport @host_udp accept\n"
              "add rule " TABLE " input drop\n"
              "add rule " TABLE " postrouting ip saddr @nat_nets oifname != @bridges masquerade\n",
              f);
}

/* "add element" and, when del, "delete element" of the same text. */
static void put_elem(FILE *f, const char *set, const char *elem, bool del)
{
        fprintf(f, "add element " TABLE " %s { %s }\n", set, elem);
        if (del)
                fprintf(f, "delete element " TABLE " %s { %s }\n", set, elem);
}

static void put_network(FILE *f, const struct jaula_net_spec *net, bool remove)
{
        char elem[128], sub[16], gw[16];
        /* A port-isolated network without uplink needs nothing through the
         * forward path inside its bridge; with an uplink the jails must
         * reach the uplink's side, which br_netfilter shows as iif = oif. */
        bool same_del = remove || (net->isolate && !net->uplink);

        jaula_ipam_format(net->gateway, gw);

        for (size_t i = 0; i < net->n_bridges; i++) {
                const char *br = net->bridges[i];

                snprintf(elem, sizeof elem, "\"%s\"", br);
                put_elem(f, "bridges", elem, remove);
                snprintf(elem, sizeof elem, "\"%s\" . \"%s\"", br, br);
                put_elem(f, "same", elem, same_del);
                snprintf(elem, sizeof elem, "\"%s\" . %s", br, gw);
                put_elem(f, "gw", elem, remove);
                for (size_t d = 0; d < net->n_dns; d++) {
                        snprintf(elem, sizeof elem, "\"%s\" . %s", br, net->dns[d]);
                        put_elem(f, "dns", elem, remove);
                }
        }
        jaula_ipam_format(net->subnet, sub);
        snprintf(elem, sizeof elem, "%s/%u", sub, net->prefix);
        put_elem(f, "nat_nets", elem, remove || !net->nat);
}

static int check_net(const struct jaula_net_spec *net, struct jaula_err *err)
{
        struct jaula_pool pool;

        /* Names and addresses end up in an nftables script: validate them
         * so that nothing in the policy can add a command. */
        for (size_t d = 0; d < net->n_dns; d++) {
                struct in_addr a;
                if (!net->dns[d] || inet_pton(AF_INET, net->dns[d], &a) != 1)
                        return jaula_err_set(err, -EINVAL,
                                             "Network '%s': nameserver '%s' is not an IPv4 "
                                             "address",
                                             net->name, net->dns[d] ? net->dns[d] : "");
        }
        return jaula_ipam_pool_init(net, &pool, err);
}

static int apply(const struct jaula_net_spec *net, bool remove, struct jaula_err *err,
                 const char *what)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *script = NULL;
        size_t size = 0;
        int r;

        r = check_net(net, err);
        if (r < 0)
                return r;
        f = open_memstream(&script, &size);
        if (!f)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        put_base(f);
        put_network(f, net, remove);
        if (fclose(TAKE_PTR(f)) != 0)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        return run(script, err, what);
}

JAULA_EXPORT int jaula_net_firewall_apply(const struct jaula_net_spec *net, struct jaula_err *err)
{
        return apply(net, false, err, "set up the jaula table");
}

JAULA_EXPORT int jaula_net_firewall_remove(const struct jaula_net_spec *net,
                                           struct jaula_err *err)
{
        return apply(net, true, err, "remove a network from the jaula table");
}

JAULA_EXPORT int jaula_net_nat_remove(const struct jaula_net_spec *net, struct jaula_err *err)
{
        _cleanup_free_ char *script = NULL;
        char sub[16];
        int r;

        r = check_net(net, err);
        if (r < 0)
                return r;
        jaula_ipam_format(net->subnet, sub);
        /* Only the element: the table and its set exist after this either way. */
        if (asprintf(&script,
                     "add table " TABLE "\n"
                     "add set " TABLE " nat_nets { type ipv4_addr; flags interval; }\n"
                     "add element " TABLE " nat_nets { %s/%u }\n"
                     "delete element " TABLE " nat_nets { %s/%u }\n",
                     sub, net->prefix, sub, net->prefix) < 0)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        return run(script, err, "remove NAT");
}

JAULA_EXPORT int jaula_net_firewall_remove_all(struct jaula_err *err)
{
        return run("add table " TABLE "\ndelete table " TABLE "\n", err, "delete the jaula table");
}
