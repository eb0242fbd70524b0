/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nft.c — the host firewall of jail networks: one nftables table,
 * "inet jaula", through libnftables (and one netlink request to see whether
 * it still exists).  Needs CAP_NET_ADMIN.
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
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "jaula/ipam.h"
#include "jaula/net.h"

#define TABLE_NAME "jaula"
#define TABLE "inet " TABLE_NAME
#define ADD_ELEM "add element " TABLE " "
#define DEL_ELEM "delete element " TABLE " "

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* libnftables, and the five libraries it pulls in, are loaded only when a
 * script runs: the first login of a network, or one after the table was
 * removed.  Linked normally, they were loaded at every exec of jailsh and
 * into every sshd session through pam_jaula.so, about 4 ms of CPU per
 * login (bench/RESULTS.md).  The handle is kept for the process's life. */
static struct {
        __typeof__(nft_ctx_new) *ctx_new;
        __typeof__(nft_ctx_free) *ctx_free;
        __typeof__(nft_ctx_buffer_output) *buffer_output;
        __typeof__(nft_ctx_buffer_error) *buffer_error;
        __typeof__(nft_run_cmd_from_buffer) *run_cmd;
        __typeof__(nft_ctx_get_error_buffer) *error_buffer;
} nft;

static int nft_load(struct jaula_err *err)
{
        void *h;

        if (nft.ctx_new)
                return 0;
        h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return jaula_err_set(err, -ENOENT, "Cannot load libnftables: %s", dlerror());
        nft.ctx_free = (__typeof__(nft.ctx_free)) dlsym(h, "nft_ctx_free");
        nft.buffer_output = (__typeof__(nft.buffer_output)) dlsym(h, "nft_ctx_buffer_output");
        nft.buffer_error = (__typeof__(nft.buffer_error)) dlsym(h, "nft_ctx_buffer_error");
        nft.run_cmd = (__typeof__(nft.run_cmd)) dlsym(h, "nft_run_cmd_from_buffer");
        nft.error_buffer = (__typeof__(nft.error_buffer)) dlsym(h, "nft_ctx_get_error_buffer");
        if (!nft.ctx_free || !nft.buffer_output || !nft.buffer_error || !nft.run_cmd ||
            !nft.error_buffer)
                return jaula_err_set(err, -ENOENT, "libnftables lacks a function jaula needs");
        /* Set last: it is what says the table above is complete. */
        nft.ctx_new = (__typeof__(nft.ctx_new)) dlsym(h, "nft_ctx_new");
        if (!nft.ctx_new)
                return jaula_err_set(err, -ENOENT, "libnftables lacks nft_ctx_new");
        return 0;
}

static void nft_ctx_freep(struct nft_ctx **ctx)
{
        if (*ctx)
                nft.ctx_free(*ctx);
}

static int run_script(const char *script, struct jaula_err *err, const char *what)
{
        _cleanup_(nft_ctx_freep) struct nft_ctx *ctx = NULL;
        const char *msg;
        size_t n;
        int r;

        r = nft_load(err);
        if (r < 0)
                return r;
        ctx = nft.ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return jaula_err_set(err, -ENOMEM, "Cannot create an nftables context");
        nft.buffer_output(ctx);
        nft.buffer_error(ctx);
        if (nft.run_cmd(ctx, script) == 0)
                return 0;
        msg = nft.error_buffer(ctx);
        n = msg ? strcspn(msg, "\n") : 0;
        return jaula_err_set(err, -EIO, "nftables refused to %s: %.*s", what, (int) n,
                             msg ? msg : "");
}

/* libnftables initialises libxtables, which _exit(111)s — skipping every
 * cleanup — when the real and effective uids differ, as they do in the
 * setuid jailsh.  So the real uid is root's while nftables runs, and the
 * caller's again afterwards (jailsh took the user's identity before). */
static int run(const char *script, struct jaula_err *err, const char *what)
{
        uid_t ruid = getuid();
        int r;

        if (ruid == geteuid())
                return run_script(script, err, what);
        if (geteuid() != 0)
                return jaula_err_set(err, -EPERM, "nftables needs root to %s", what);
        if (setresuid(0, -1, -1) < 0)
                return jaula_err_errno(err, neg_errno(), "Cannot take the real uid for nftables");
        r = run_script(script, err, what);
        if (setresuid(ruid, -1, -1) < 0)
                return jaula_err_errno(err, neg_errno(), "Cannot restore the real uid after nftables");
        return r;
}

static void put_base(FILE *f)
{
        fputs("add table " TABLE "\n"
              "add set " TABLE " bridges { type ifname; }\n"
              "add set " TABLE " same { type ifname . ifname; }\n"
              "add set " TABLE " gw { type ifname . ipv4_addr; }\n"
              "add set " TABLE " dns { type ifname . ipv4_addr; }\n"
              "add set " TABLE " nat_bridges { type ifname; }\n"
              "add set " TABLE " host_tcp { type inet_service; }\n"
              "add set " TABLE " host_udp { type inet_service; }\n"
              "add set " TABLE " vxlan_ports { type inet_service; }\n"
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
              /* A jail never speaks VXLAN to another host: through NAT it
               * would come from a peer's address and put any frame on a
               * segment (past the port isolation). */
              "add rule " TABLE " forward iifname @bridges oifname != @bridges "
              "udp dport @vxlan_ports drop\n"
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
              /* By bridge, like everything else (and no interval set:
               * nftables 1.0.6 refuses add-delete-add of an interval in
               * one transaction, which the withdrawal relies on). */
              "add rule " TABLE " postrouting iifname @nat_bridges oifname != @bridges "
              "masquerade\n",
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
        char elem[128], gw[16];
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
                        struct in_addr a;
                        /* jails have IPv4 only: an IPv6 nameserver is never
                         * reached through the host */
                        if (inet_pton(AF_INET, net->dns[d], &a) != 1)
                                continue;
                        snprintf(elem, sizeof elem, "\"%s\" . %s", br, net->dns[d]);
                        put_elem(f, "dns", elem, remove);
                }
                snprintf(elem, sizeof elem, "\"%s\"", br);
                put_elem(f, "nat_bridges", elem, remove || !net->nat);
        }
        /* Never withdrawn: another network may use the same port, and a
         * stale port only keeps jails from sending to it off the host. */
        if (net->vxlan_vni) {
                snprintf(elem, sizeof elem, "%u", net->vxlan_port);
                put_elem(f, "vxlan_ports", elem, false);
        }
}

static int check_net(const struct jaula_net_spec *net, struct jaula_err *err)
{
        struct jaula_pool pool;

        /* Names and addresses end up in an nftables script: validate them
         * so that nothing in the policy can add a command. */
        for (size_t d = 0; d < net->n_dns; d++) {
                struct in6_addr a;
                if (!net->dns[d] || (inet_pton(AF_INET, net->dns[d], &a) != 1 &&
                                     inet_pton(AF_INET6, net->dns[d], &a) != 1))
                        return jaula_err_set(err, -EINVAL,
                                             "Network '%s': nameserver '%s' is not an IP address",
                                             net->name, net->dns[d] ? net->dns[d] : "");
        }
        return jaula_ipam_pool_init(net, &pool, err);
}

/* The recorded elements of every network under state_dir, so that
 * restoring a flushed table restores all networks at once.  Those of net
 * itself are withdrawn instead ("add" then "delete"): its current elements
 * follow in the same transaction, so what a policy edit dropped (a
 * nameserver, a bridge) leaves the table.  These files are written only by
 * record_network(), in the root-only state directory; still, only element
 * lines of our own table are accepted. */
static void put_recorded(FILE *f, const char *state_dir, const char *self)
{
        _cleanup_(closedirp) DIR *d = NULL;
        char path[PATH_MAX], line[512];
        struct dirent *de;

        if (snprintf(path, sizeof path, "%s/net", state_dir) >= (int) sizeof path ||
            !(d = opendir(path)))
                return;
        while ((de = readdir(d))) {
                _cleanup_fclose_ FILE *in = NULL;
                bool own = strcmp(de->d_name, self) == 0;
                int fd, ffd;

                if (de->d_name[0] == '.')
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        continue;
                ffd = openat(fd, "nft", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                close_nointr(fd);
                if (ffd < 0 || !(in = fdopen(ffd, "r"))) {
                        close_nointr(ffd);
                        continue;
                }
                while (fgets(line, sizeof line, in)) {
                        bool add = strncmp(line, ADD_ELEM, sizeof ADD_ELEM - 1) == 0;
                        bool del = strncmp(line, DEL_ELEM, sizeof DEL_ELEM - 1) == 0;

                        if ((!add && !del) || strchr(line, ';') || line[strlen(line) - 1] != '\n')
                                continue;
                        if (!own || strstr(line, " vxlan_ports "))
                                fputs(line, f);
                        else if (add)
                                fprintf(f, "%sdelete %s", line, line + strlen("add "));
                }
        }
}

static void record_network(const char *state_dir, const char *name, const char *text)
{
        char path[PATH_MAX], tmp[PATH_MAX];
        _cleanup_close_ int fd = -1;
        size_t n = strlen(text);

        if (snprintf(path, sizeof path, "%s/net/%s/nft", state_dir, name) >= (int) sizeof path ||
            snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int) sizeof tmp)
                return;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return;
        if (write(fd, text, n) != (ssize_t) n || rename(tmp, path) < 0)
                unlink(tmp);
}

static int apply(const char *state_dir, const struct jaula_net_spec *net, bool remove,
                 struct jaula_err *err, const char *what)
{
        _cleanup_fclose_ FILE *f = NULL, *e = NULL;
        _cleanup_free_ char *script = NULL, *elems = NULL;
        size_t size = 0, esize = 0;
        int r;

        r = check_net(net, err);
        if (r < 0)
                return r;
        e = open_memstream(&elems, &esize);
        if (!e)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        put_network(e, net, remove);
        if (fclose(TAKE_PTR(e)) != 0)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        f = open_memstream(&script, &size);
        if (!f)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        put_base(f);
        if (state_dir)
                put_recorded(f, state_dir, net->name);
        fputs(elems, f);
        if (fclose(TAKE_PTR(f)) != 0)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        r = run(script, err, what);
        if (r >= 0 && state_dir)
                record_network(state_dir, net->name, elems);
        return r;
}

JAULA_EXPORT int jaula_net_firewall_apply(const struct jaula_net_spec *net, struct jaula_err *err)
{
        return apply(NULL, net, false, err, "set up the jaula table");
}

JAULA_EXPORT int jaula_net_firewall_apply_state(const char *state_dir,
                                                const struct jaula_net_spec *net,
                                                struct jaula_err *err)
{
        return apply(state_dir, net, false, err, "set up the jaula table");
}

JAULA_EXPORT int jaula_net_firewall_remove(const struct jaula_net_spec *net, struct jaula_err *err)
{
        return apply(NULL, net, true, err, "remove a network from the jaula table");
}

JAULA_EXPORT int jaula_net_nat_remove(const struct jaula_net_spec *net, struct jaula_err *err)
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
        /* Only the elements: the table and its set exist after this either way. */
        fputs("add table " TABLE "\nadd set " TABLE " nat_bridges { type ifname; }\n", f);
        for (size_t i = 0; i < net->n_bridges; i++) {
                char elem[32];
                snprintf(elem, sizeof elem, "\"%s\"", net->bridges[i]);
                put_elem(f, "nat_bridges", elem, true);
        }
        if (fclose(TAKE_PTR(f)) != 0)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        return run(script, err, "remove NAT");
}

JAULA_EXPORT int jaula_net_firewall_remove_all(struct jaula_err *err)
{
        return run("add table " TABLE "\ndelete table " TABLE "\n", err, "delete the jaula table");
}

/* One NFT_MSG_GETTABLE, on every login: libnftables would first fetch its
 * whole cache (milliseconds), and a `nft flush ruleset` (nftables.service
 * reload) must not silently drop the isolation of jails made afterwards.
 * libnftables has no call for it; the request is small enough to build by
 * hand, which keeps libmnl out of jailsh (one shared object less to load at
 * every exec, warm joins included). */
JAULA_EXPORT int jaula_net_firewall_present(void)
{
        struct {
                struct nlmsghdr nlh;
                struct nfgenmsg nfg;
                struct nlattr name_hdr;
                char name[NLMSG_ALIGN(sizeof TABLE_NAME)];
        } req = { 0 };
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        _cleanup_close_ int fd = -1;
        uint32_t seq = (uint32_t) time(NULL);
        union {
                char buf[8192];
                struct nlmsghdr align;
        } reply;
        ssize_t n;

        req.nlh.nlmsg_len = sizeof req;
        req.nlh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
        req.nlh.nlmsg_flags = NLM_F_REQUEST; /* the reply is the table or an error */
        req.nlh.nlmsg_seq = seq;
        req.nfg.nfgen_family = NFPROTO_INET;
        req.nfg.version = NFNETLINK_V0;
        req.name_hdr.nla_len = NLA_HDRLEN + sizeof TABLE_NAME;
        req.name_hdr.nla_type = NFTA_TABLE_NAME;
        memcpy(req.name, TABLE_NAME, sizeof TABLE_NAME);

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0)
                return neg_errno();
        if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0)
                return neg_errno();
        for (;;) {
                size_t len;

                n = recv(fd, reply.buf, sizeof reply.buf, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return neg_errno();
                if (n == 0)
                        return -EBADMSG;
                len = (size_t) n;
                for (struct nlmsghdr *h = &reply.align; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
                        if (h->nlmsg_seq != seq)
                                continue; /* not ours: read on */
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);

                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e))
                                        return -EBADMSG;
                                if (e->error == 0)
                                        return 1;
                                return e->error == -ENOENT ? 0 : e->error;
                        }
                        return 1; /* the table itself */
                }
        }
}
