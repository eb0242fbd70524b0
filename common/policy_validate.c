/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy_validate.c — the parser's first pass: each section of one
 * file's libconfig tree (global, rootfs, networks, profiles, groups,
 * match) checked against the schema (policy_schema.c) and copied into the
 * structs of policy-types.h, every problem reported with its file and
 * line.  No privilege needed.  Calls the syntax pass before libconfig, and
 * caps.c, seccomp.c and template.c for the values they own. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jaula/confine.h"
#include "jaula/devices.h"
#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/util.h"
#include "policy-parse.h"
#include "policy-safety.h"
#include "policy-syntax.h"

#define IFNAME_MAX_LEN 15
#define PATH_BUF 512

static const struct {
        const char *name;
        unsigned long flag;
} namespace_names[] = {
        { "mount", CLONE_NEWNS }, { "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC },
        { "pid", CLONE_NEWPID },  { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
};

#define NS_ALL                                                                                     \
        (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* Debian architecture names a debootstrapped rootfs can have. */
static const char *const arch_names[] = { "amd64",   "i386",    "arm64", "armhf",
                                          "armel",   "ppc64el", "s390x", "riscv64",
                                          "mips64el", NULL };

/* ----------------------------------------------------------- networking */

static bool parse_ipv4(const char *s, uint32_t *ret)
{
        struct in_addr a;

        if (inet_pton(AF_INET, s, &a) != 1)
                return false;
        *ret = ntohl(a.s_addr);
        return true;
}

void pol_format_ipv4(uint32_t a, char *buf, size_t size)
{
        struct in_addr in = { .s_addr = htonl(a) };

        if (!inet_ntop(AF_INET, &in, buf, (socklen_t) size))
                snprintf(buf, size, "?");
}

uint32_t pol_prefix_mask(unsigned prefix)
{
        return prefix == 0 ? 0 : ~UINT32_C(0) << (32 - prefix);
}

/* Linux interface names: at most 15 bytes, no '/', ':' or whitespace; this
 * allows the portable subset. */
static bool check_ifname(struct ctx *c, const config_setting_t *s, const char *path,
                         const char *what, const char *name)
{
        size_t len = strlen(name);

        if (len == 0 || len > IFNAME_MAX_LEN) {
                DIAG(c, s,
                     "%s: %s name \"%s\" has %zu bytes; Linux interface names have 1 to %d", path,
                     what, name, len, IFNAME_MAX_LEN);
                return false;
        }
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                DIAG(c, s, "%s: \"%s\" is not a valid %s name", path, name, what);
                return false;
        }
        for (const char *q = name; *q; q++)
                if (!isalnum((unsigned char) *q) && *q != '-' && *q != '_' && *q != '.') {
                        DIAG(c, s,
                             "%s: %s name \"%s\" contains '%c'; use only A-Z, a-z, 0-9, '-', '_' "
                             "and '.'",
                             path, what, name, *q);
                        return false;
                }
        return true;
}

static void parse_pool(struct ctx *c, const config_setting_t *s, const char *path,
                       struct pol_net *n);
static void parse_vxlan(struct ctx *c, const config_setting_t *s, const char *path,
                        struct pol_net *n, bool gateway_set);

static void parse_network(struct ctx *c, const char *name, const config_setting_t *s)
{
        char path[PATH_BUF], tmp[PATH_BUF], buf[INET_ADDRSTRLEN];
        const char *subnet = NULL, *gw = NULL, *bridge = NULL;
        const config_setting_t *bs = NULL;
        struct pol_net *n;
        long long mtu = 0;
        int mode = 0, r;

        snprintf(path, sizeof path, "networks.%s", name);
        if (!pol_want_group(c, s, path))
                return;
        if (!pol_check_item_name(c, s, "networks", name))
                return;
        pol_check_keys(c, s, path, pol_net_keys);
        n = pol_vec_push(c, &c->p->nets, sizeof *n);
        if (!n)
                return;
        n->name = pol_ctx_strdup(c, name);
        n->seq = c->seq++;
        n->file = c->file;
        n->line = pol_line_of(s);
        n->isolate = true;

        r = pol_get_strv(c, s, path, "bridges", &n->bridges, &n->n_bridges, &bs);
        if (pol_get_string(c, s, path, "bridge", &bridge) > 0) {
                if (r > 0) {
                        DIAG(c, pol_member(s, "bridge"),
                             "%s: set either bridge or bridges, not both", path);
                } else if (r == 0) {
                        n->bridges = pol_ctx_alloc(c, sizeof(char *) * 2);
                        if (n->bridges) {
                                n->bridges[0] = bridge;
                                n->n_bridges = 1;
                        }
                        bs = pol_member(s, "bridge");
                        r = 1;
                }
        } else if (r == 0) {
                DIAG(c, s, "%s: no bridge; expected bridge = \"jb-%s\" or bridges = [ … ]", path,
                     name);
        }
        if (r > 0 && n->n_bridges == 0)
                DIAG(c, bs, "%s.bridges: expected at least one bridge name", path);
        for (size_t i = 0; r > 0 && i < n->n_bridges; i++) {
                pol_subpath(tmp, sizeof tmp, path, "bridges[%zu]", i);
                if (!check_ifname(c, bs, tmp, "bridge", n->bridges[i]))
                        continue;
                for (size_t j = 0; j < i; j++)
                        if (strcmp(n->bridges[i], n->bridges[j]) == 0)
                                DIAG(c, bs, "%s: bridge \"%s\" is listed twice", tmp,
                                     n->bridges[i]);
        }

        r = pol_get_string(c, s, path, "subnet", &subnet);
        if (r == 0) {
                DIAG(c, s, "%s: no subnet; expected subnet = \"10.77.0.0/16\" or similar", path);
        } else if (r > 0) {
                const char *slash = strchr(subnet, '/');
                char addr[INET_ADDRSTRLEN + 1];
                char *end;
                unsigned long pfx;
                size_t alen = slash ? (size_t) (slash - subnet) : 0;

                if (!slash || alen >= sizeof addr || !isdigit((unsigned char) slash[1])) {
                        DIAG(c, pol_member(s, "subnet"),
                             "%s.subnet: expected an IPv4 network like \"10.77.0.0/16\", got \"%s\"",
                             path, subnet);
                } else {
                        memcpy(addr, subnet, alen);
                        addr[alen] = '\0';
                        errno = 0;
                        pfx = strtoul(slash + 1, &end, 10);
                        if (!parse_ipv4(addr, &n->subnet) || *end || errno) {
                                DIAG(c, pol_member(s, "subnet"),
                                     "%s.subnet: expected an IPv4 network like \"10.77.0.0/16\", "
                                     "got \"%s\"",
                                     path, subnet);
                        } else if (pfx < 8 || pfx > 30) {
                                DIAG(c, pol_member(s, "subnet"),
                                     "%s.subnet: prefix /%lu is outside /8../30", path, pfx);
                        } else {
                                n->prefix = (unsigned) pfx;
                                if (n->subnet & ~pol_prefix_mask(n->prefix)) {
                                        pol_format_ipv4(n->subnet & pol_prefix_mask(n->prefix), buf,
                                                        sizeof buf);
                                        DIAG(c, pol_member(s, "subnet"),
                                             "%s.subnet: \"%s\" has host bits set; did you mean "
                                             "\"%s/%u\"?",
                                             path, subnet, buf, n->prefix);
                                        n->prefix = 0;
                                }
                        }
                }
        }

        r = pol_get_string(c, s, path, "gateway", &gw);
        if (r > 0) {
                if (!parse_ipv4(gw, &n->gateway)) {
                        DIAG(c, pol_member(s, "gateway"),
                             "%s.gateway: expected an IPv4 address like \"10.77.0.1\", got \"%s\"",
                             path, gw);
                } else if (n->prefix) {
                        uint32_t mask = pol_prefix_mask(n->prefix);

                        if ((n->gateway & mask) != n->subnet)
                                DIAG(c, pol_member(s, "gateway"),
                                     "%s.gateway: %s is outside the subnet %s", path, gw, subnet);
                        else if (n->gateway == n->subnet || n->gateway == (n->subnet | ~mask))
                                DIAG(c, pol_member(s, "gateway"),
                                     "%s.gateway: %s is the %s address of %s; use a host address",
                                     path, gw, n->gateway == n->subnet ? "network" : "broadcast",
                                     subnet);
                }
        } else if (r == 0 && n->prefix) {
                n->gateway = n->subnet + 1;
        }

        const config_setting_t *ds = NULL;
        if (pol_get_strv(c, s, path, "dns", &n->dns, &n->n_dns, &ds) > 0)
                for (size_t i = 0; i < n->n_dns; i++) {
                        unsigned char a[16];

                        if (inet_pton(AF_INET, n->dns[i], a) != 1 &&
                            inet_pton(AF_INET6, n->dns[i], a) != 1)
                                DIAG(c, ds,
                                     "%s.dns[%zu]: expected an IP address like \"10.77.0.1\", got "
                                     "\"%s\"",
                                     path, i, n->dns[i]);
                }
        if (pol_get_strv(c, s, path, "search", &n->search, &n->n_search, &ds) > 0)
                for (size_t i = 0; i < n->n_search; i++) {
                        const char *q = n->search[i];
                        size_t len = strlen(q);
                        bool ok = len > 0 && len <= 253 && q[0] != '.' && q[0] != '-';

                        for (; ok && *q; q++)
                                ok = isalnum((unsigned char) *q) || *q == '-' || *q == '.';
                        if (!ok)
                                DIAG(c, ds,
                                     "%s.search[%zu]: expected a domain name like "
                                     "\"lab.example.org\", got \"%s\"",
                                     path, i, n->search[i]);
                }
        static const char *const modes[] = { "stable", "dynamic", NULL };
        if (pol_get_enum(c, s, path, "addresses", modes, &mode) > 0)
                n->mode = mode == 0 ? JAULA_ADDR_STABLE : JAULA_ADDR_DYNAMIC;
        pol_get_bool(c, s, path, "isolate", &n->isolate);
        pol_get_bool(c, s, path, "nat", &n->nat);
        if (pol_get_string(c, s, path, "uplink", &n->uplink) > 0) {
                pol_subpath(tmp, sizeof tmp, path, "uplink");
                check_ifname(c, pol_member(s, "uplink"), tmp, "interface", n->uplink);
        }
        if (pol_get_int(c, s, path, "mtu", 0, 65535, &mtu) > 0) {
                if (mtu != 0 && mtu < 68)
                        DIAG(c, pol_member(s, "mtu"),
                             "%s.mtu: expected 0 (the bridge's) or 68 to 65535, got %lld", path,
                             mtu);
                else
                        n->mtu = (unsigned) mtu;
        }
        parse_pool(c, s, path, n);
        parse_vxlan(c, s, path, n, gw != NULL);
}

/* pool = "A.B.C.D/P" or "A.B.C.D-E.F.G.H": this host's slice of the
 * subnet.  A block is clipped to the subnet's host addresses (so the
 * subnet itself is a valid pool); a range must name host addresses. */
static void parse_pool(struct ctx *c, const config_setting_t *s, const char *path,
                       struct pol_net *n)
{
        const config_setting_t *ps = pol_member(s, "pool");
        const char *text = NULL, *sep;
        char a[INET_ADDRSTRLEN + 1], b[INET_ADDRSTRLEN + 1], sub[INET_ADDRSTRLEN];
        uint32_t first, last, mask, bcast;
        bool ok = false;

        if (pol_get_string(c, s, path, "pool", &text) <= 0)
                return;
        n->pool_line = pol_line_of(ps);
        if ((sep = strchr(text, '/'))) {
                size_t alen = (size_t) (sep - text);
                unsigned long pfx;
                char *end;

                if (alen < sizeof a && isdigit((unsigned char) sep[1])) {
                        memcpy(a, text, alen);
                        a[alen] = '\0';
                        errno = 0;
                        pfx = strtoul(sep + 1, &end, 10);
                        if (parse_ipv4(a, &first) && !*end && !errno && pfx <= 32) {
                                uint32_t m = pol_prefix_mask((unsigned) pfx);

                                if (first & ~m) {
                                        pol_format_ipv4(first & m, b, sizeof b);
                                        DIAG(c, ps,
                                             "%s.pool: \"%s\" has host bits set; did you mean "
                                             "\"%s/%lu\"?",
                                             path, text, b, pfx);
                                        return;
                                }
                                last = first | ~m;
                                ok = true;
                        }
                }
        } else if ((sep = strchr(text, '-'))) {
                size_t alen = (size_t) (sep - text);

                if (alen < sizeof a && strlen(sep + 1) < sizeof b) {
                        memcpy(a, text, alen);
                        a[alen] = '\0';
                        strcpy(b, sep + 1);
                        ok = parse_ipv4(a, &first) && parse_ipv4(b, &last);
                        if (ok && first > last) {
                                DIAG(c, ps, "%s.pool: the range \"%s\" ends before it starts",
                                     path, text);
                                return;
                        }
                }
        }
        if (!ok) {
                DIAG(c, ps,
                     "%s.pool: expected a block like \"10.77.1.0/24\" or a range like "
                     "\"10.77.1.10-10.77.1.250\" inside the subnet, got \"%s\"",
                     path, text);
                return;
        }
        if (!n->prefix)
                return; /* the subnet itself is wrong, and reported */
        mask = pol_prefix_mask(n->prefix);
        bcast = n->subnet | ~mask;
        pol_format_ipv4(n->subnet, sub, sizeof sub);
        if ((first & mask) != n->subnet || (last & mask) != n->subnet) {
                DIAG(c, ps, "%s.pool: \"%s\" is not inside the subnet %s/%u", path, text, sub,
                     n->prefix);
                return;
        }
        if (sep && *sep == '/') {
                if (first == n->subnet)
                        first++;
                if (last == bcast)
                        last--;
        } else if (first == n->subnet || last == bcast) {
                DIAG(c, ps, "%s.pool: \"%s\" includes the %s address of %s/%u", path, text,
                     first == n->subnet ? "network" : "broadcast", sub, n->prefix);
                return;
        }
        if (first > last) {
                DIAG(c, ps, "%s.pool: \"%s\" holds no host address of %s/%u", path, text, sub,
                     n->prefix);
                return;
        }
        if (n->gateway >= first && n->gateway <= last) {
                pol_format_ipv4(n->gateway, a, sizeof a);
                DIAG(c, ps,
                     "%s.pool: \"%s\" contains the gateway %s; the gateway must lie outside "
                     "every host's pool",
                     path, text, a);
                return;
        }
        for (size_t i = 0; i < n->n_dns; i++) {
                uint32_t d;

                if (parse_ipv4(n->dns[i], &d) && d >= first && d <= last) {
                        DIAG(c, ps, "%s.pool: \"%s\" contains the nameserver %s (dns[%zu])",
                             path, text, n->dns[i], i);
                        return;
                }
        }
        n->pool_first = first;
        n->pool_last = last;
}

static bool in_subnet(const struct pol_net *n, uint32_t a)
{
        return n->prefix && (a & pol_prefix_mask(n->prefix)) == n->subnet;
}

/* An underlay address: unicast, and not of the overlay's own subnet (the
 * tunnel would be routed into itself). */
static bool check_underlay(struct ctx *c, const config_setting_t *s, const char *path,
                           const struct pol_net *n, const char *text, uint32_t *ret)
{
        if (!parse_ipv4(text, ret)) {
                DIAG(c, s, "%s: expected an IPv4 address like \"192.0.2.10\", got \"%s\"", path,
                     text);
                return false;
        }
        if (*ret == 0 || (*ret >> 28) >= 0xe || (*ret >> 24) == 127) {
                DIAG(c, s, "%s: %s is not a unicast address of another host", path, text);
                return false;
        }
        if (in_subnet(n, *ret)) {
                DIAG(c, s,
                     "%s: %s lies inside the network's own subnet; VXLAN runs over the hosts' "
                     "underlay addresses",
                     path, text);
                return false;
        }
        return true;
}

static void parse_vxlan(struct ctx *c, const config_setting_t *s, const char *path,
                        struct pol_net *n, bool gateway_set)
{
        const config_setting_t *vs = pol_member(s, "vxlan"), *ps = NULL;
        char vpath[PATH_BUF], tmp[PATH_BUF];
        const char *group = NULL, *local = NULL;
        long long v;

        if (!vs)
                return;
        pol_subpath(vpath, sizeof vpath, path, "vxlan");
        if (!pol_want_group(c, vs, vpath))
                return;
        n->vxlan_line = pol_line_of(vs);
        pol_check_keys(c, vs, vpath, pol_vxlan_keys);
        if (pol_get_int(c, vs, vpath, "vni", 1, 16777215, &v) > 0)
                n->vxlan_vni = (uint32_t) v;
        else if (!pol_member(vs, "vni"))
                DIAG(c, vs, "%s: no vni; expected vni = 4242 (1 to 16777215, the same on every host)",
                     vpath);
        n->vxlan_port = 4789;
        if (pol_get_int(c, vs, vpath, "port", 1, 65535, &v) > 0)
                n->vxlan_port = (unsigned) v;
        if (pol_get_string(c, vs, vpath, "dev", &n->vxlan_dev) > 0) {
                pol_subpath(tmp, sizeof tmp, vpath, "dev");
                check_ifname(c, pol_member(vs, "dev"), tmp, "interface", n->vxlan_dev);
        }
        if (pol_get_string(c, vs, vpath, "local", &local) > 0) {
                pol_subpath(tmp, sizeof tmp, vpath, "local");
                check_underlay(c, pol_member(vs, "local"), tmp, n, local, &n->vxlan_local);
        }
        if (pol_get_strv(c, vs, vpath, "peers", &n->vxlan_peers, &n->n_vxlan_peers, &ps) > 0) {
                if (n->n_vxlan_peers == 0)
                        DIAG(c, ps, "%s.peers: expected at least one peer address", vpath);
                for (size_t i = 0; i < n->n_vxlan_peers; i++) {
                        uint32_t a;

                        pol_subpath(tmp, sizeof tmp, vpath, "peers[%zu]", i);
                        if (!check_underlay(c, ps, tmp, n, n->vxlan_peers[i], &a))
                                continue;
                        for (size_t j = 0; j < i; j++)
                                if (strcmp(n->vxlan_peers[i], n->vxlan_peers[j]) == 0)
                                        DIAG(c, ps, "%s: peer %s is listed twice", tmp,
                                             n->vxlan_peers[i]);
                }
        }
        if (pol_get_string(c, vs, vpath, "group", &group) > 0) {
                if (!parse_ipv4(group, &n->vxlan_group) || (n->vxlan_group >> 28) != 0xe)
                        DIAG(c, pol_member(vs, "group"),
                             "%s.group: expected an IPv4 multicast address like \"239.1.1.1\", "
                             "got \"%s\"",
                             vpath, group);
                if (n->vxlan_peers)
                        DIAG(c, pol_member(vs, "group"),
                             "%s: set either peers (unicast) or group (multicast), not both",
                             vpath);
                else if (!n->vxlan_dev)
                        DIAG(c, pol_member(vs, "group"),
                             "%s.group: a multicast group needs dev, the underlay interface",
                             vpath);
        } else if (!n->vxlan_peers) {
                DIAG(c, vs,
                     "%s: no peers; expected peers = [ \"192.0.2.10\", … ] (the other hosts) or "
                     "group = \"239.1.1.1\" with dev",
                     vpath);
        }

        /* What the segment needs of the rest of the network. */
        if (n->n_bridges > 1)
                DIAG(c, vs, "%s: a VXLAN network has exactly one bridge, got %zu", vpath,
                     n->n_bridges);
        if (n->uplink)
                DIAG(c, vs, "%s: set either uplink or vxlan, not both (the bridge would join "
                            "two segments)",
                     vpath);
        if (!n->pool_line)
                DIAG(c, vs,
                     "%s: a VXLAN network needs pool, this host's slice of the subnet (e.g. "
                     "pool = \"10.77.1.0/24\"), different on every host",
                     vpath);
        if (!gateway_set)
                DIAG(c, vs,
                     "%s: a VXLAN network needs an explicit gateway, this host's own address on "
                     "the segment, different on every host",
                     vpath);
}

/* --------------------------------------------------------------- limits */

static void limits_init(struct jaula_limits *l)
{
        l->memory_max = l->swap_max = l->cpu_quota_us = l->cpu_period_us = JAULA_LIMIT_UNSET;
        l->cpu_weight = l->pids_max = l->io_weight = JAULA_LIMIT_UNSET;
}

static void parse_limits(struct ctx *c, const config_setting_t *grp, const char *parent,
                         struct jaula_limits *l, int lines[POL_LIMIT_N_LINES])
{
        const config_setting_t *s = pol_member(grp, "limits");
        char path[PATH_BUF];
        const char *cpu = NULL;
        long long v;

        limits_init(l);
        if (!s)
                return;
        lines[POL_LIMIT_BLOCK] = pol_line_of(s);
        for (size_t i = 0; pol_limit_keys[i] && i + 1 < POL_LIMIT_N_LINES; i++)
                lines[i + 1] = pol_line_of(pol_member(s, pol_limit_keys[i]));
        pol_subpath(path, sizeof path, parent, "limits");
        if (!pol_want_group(c, s, path))
                return;
        pol_check_keys(c, s, path, pol_limit_keys);
        pol_get_size(c, s, path, "memory", true, &l->memory_max);
        pol_get_size(c, s, path, "swap", true, &l->swap_max);
        if (l->swap_max != JAULA_LIMIT_UNSET && l->memory_max == JAULA_LIMIT_UNSET)
                DIAG(c, pol_member(s, "swap"),
                     "%s.swap: a swap limit needs a memory limit (cgroup v1 limits memory and "
                     "swap together)",
                     path);

        const config_setting_t *cs = pol_member(s, "cpu");
        if (cs && config_setting_type(cs) != CONFIG_TYPE_STRING) {
                DIAG(c, cs, "%s.cpu: expected a percentage of one CPU like \"50%%\", got %s", path,
                     pol_type_name(cs));
        } else if (pol_get_string(c, s, path, "cpu", &cpu) > 0 && strcmp(cpu, "max") != 0) {
                unsigned long pct = 0;
                char *end = NULL;

                errno = 0;
                if (isdigit((unsigned char) cpu[0]))
                        pct = strtoul(cpu, &end, 10);
                if (!end || end[0] != '%' || end[1] || errno) {
                        DIAG(c, cs,
                             "%s.cpu: expected a percentage of one CPU like \"50%%\" (\"200%%\" "
                             "= two CPUs), got \"%s\"",
                             path, cpu);
                } else if (pct < 1 || pct > 100000) {
                        DIAG(c, cs, "%s.cpu: expected 1%% to 100000%%, got \"%s\"", path, cpu);
                } else {
                        l->cpu_period_us = 100000;
                        l->cpu_quota_us = (int64_t) pct * 1000;
                }
        }
        if (pol_get_int(c, s, path, "cpu_weight", 1, 10000, &v) > 0)
                l->cpu_weight = v;
        if (pol_get_int(c, s, path, "io_weight", 1, 10000, &v) > 0)
                l->io_weight = v;
        const config_setting_t *ps = pol_member(s, "pids");
        if (ps && config_setting_type(ps) == CONFIG_TYPE_STRING &&
            strcmp(config_setting_get_string(ps), "max") == 0)
                ;
        else if (pol_get_int(c, s, path, "pids", 1, INT32_MAX, &v) > 0)
                l->pids_max = v;
}

/* ------------------------------------------------------------- sections */

static void parse_global(struct ctx *c, const config_setting_t *s)
{
        const char *v = NULL;
        char why[256];

        if (!pol_want_group(c, s, "global"))
                return;
        if (!c->main) {
                DIAG(c, s, "global: only the main policy file may set global settings");
                return;
        }
        pol_check_keys(c, s, "global", pol_global_keys);
        pol_get_abs_path(c, s, "global", "state_dir", &c->p->state_dir);
        c->p->cgroup_root_line = pol_line_of(pol_member(s, "cgroup_root"));
        if (pol_get_string(c, s, "global", "cgroup_root", &v) > 0) {
                if (*v && (v[0] != '/' || !pol_path_is_clean(v)))
                        DIAG(c, pol_member(s, "cgroup_root"),
                             "global.cgroup_root: expected \"\" (auto-detect) or an absolute "
                             "path, got \"%s\"",
                             v);
                else
                        c->p->cgroup_root = v;
        }
        if (pol_get_string(c, s, "global", "cgroup_path", &v) > 0) {
                bool ok = *v && v[0] != '/';
                char probe[PATH_BUF];

                snprintf(probe, sizeof probe, "/%s", v);
                ok = ok && pol_path_is_clean(probe);
                for (const char *q = v; ok && *q; q++)
                        ok = isalnum((unsigned char) *q) || strchr("-_./", *q);
                if (!ok)
                        DIAG(c, pol_member(s, "cgroup_path"),
                             "global.cgroup_path: expected a relative path like \"jaula\" (A-Z, "
                             "a-z, 0-9, '-', '_', '.', '/'; no '..'), got \"%s\"",
                             v);
                else
                        c->p->cgroup_path = v;
        }
        if (pol_get_string(c, s, "global", "persistent_dir", &v) > 0) {
                if (jaula_template_check(v, JAULA_TEMPLATE_PATH, why, sizeof why) < 0)
                        DIAG(c, pol_member(s, "persistent_dir"),
                             "global.persistent_dir: %s, got \"%s\"", why, v);
                else
                        c->p->persistent_dir = v;
        }
        c->p->default_shell_line = pol_line_of(pol_member(s, "default_shell"));
        pol_get_abs_path(c, s, "global", "default_shell", &c->p->default_shell);
        pol_get_abs_path(c, s, "global", "include_dir", &c->p->include_dir);
}

static void parse_rootfs(struct ctx *c, const char *name, const config_setting_t *s)
{
        static const char *const types[] = { "directory", "squashfs", "iso", NULL };
        char path[PATH_BUF];
        struct pol_rootfs *rf;
        int type = 0;

        snprintf(path, sizeof path, "rootfs.%s", name);
        if (!pol_want_group(c, s, path) || !pol_check_item_name(c, s, "rootfs", name))
                return;
        pol_check_keys(c, s, path, pol_rootfs_keys);
        rf = pol_vec_push(c, &c->p->rootfs, sizeof *rf);
        if (!rf)
                return;
        rf->name = pol_ctx_strdup(c, name);
        rf->seq = c->seq++;
        rf->file = c->file;
        rf->line = pol_line_of(s);
        rf->arch = "amd64";
        if (pol_get_abs_path(c, s, path, "path", &rf->path) == 0)
                DIAG(c, s, "%s: no path; expected path = \"/var/lib/jaula/rootfs/%s\" or similar",
                     path, name);
        if (pol_get_enum(c, s, path, "type", types, &type) > 0)
                rf->type = type == 0 ? JAULA_ROOTFS_DIRECTORY
                         : type == 1 ? JAULA_ROOTFS_SQUASHFS
                                     : JAULA_ROOTFS_ISO;
        if (pol_get_enum(c, s, path, "arch", arch_names, &type) > 0)
                rf->arch = arch_names[type];
}

static void parse_mounts(struct ctx *c, const config_setting_t *grp, const char *parent,
                         struct pol_profile *pr)
{
        static const char *const modes[] = { "ro", "rw", NULL };
        const config_setting_t *s = pol_member(grp, "mounts");
        char path[PATH_BUF];
        int n;

        if (!s)
                return;
        if (!config_setting_is_list(s)) {
                DIAG(c, s,
                     "%s.mounts: expected a list of groups like ( { source = \"/srv\"; target = "
                     "\"/srv\"; } ), got %s",
                     parent, pol_type_name(s));
                return;
        }
        n = config_setting_length(s);
        pr->mounts = pol_ctx_alloc(c, sizeof *pr->mounts * (size_t) (n ? n : 1));
        if (!pr->mounts)
                return;
        for (int i = 0; i < n; i++) {
                const config_setting_t *m = config_setting_get_elem(s, (unsigned) i);
                struct pol_mount *pm = &pr->mounts[pr->n_mounts];
                int mode = 0;

                pol_subpath(path, sizeof path, parent, "mounts[%d]", i);
                if (!pol_want_group(c, m, path))
                        continue;
                pm->line = pol_line_of(m);
                pol_check_keys(c, m, path, pol_mount_keys);
                if (pol_get_template(c, m, path, "source", JAULA_TEMPLATE_PATH, &pm->source) == 0)
                        DIAG(c, m, "%s: no source; expected source = \"/srv/shared\" or similar",
                             path);
                if (pol_get_abs_path(c, m, path, "target", &pm->target) == 0)
                        DIAG(c, m, "%s: no target; expected target = \"/shared\" or similar", path);
                if (pm->target && strspn(pm->target, "/") == strlen(pm->target)) {
                        DIAG(c, pol_member(m, "target"),
                             "%s.target: cannot mount over the jail's root", path);
                        pm->target = NULL;
                }
                if (pol_get_enum(c, m, path, "mode", modes, &mode) > 0)
                        pm->writable = mode == 1;
                pol_get_bool(c, m, path, "optional", &pm->optional);
                if (!pm->source || !pm->target)
                        continue;
                for (size_t j = 0; j < pr->n_mounts; j++)
                        if (strcmp(pr->mounts[j].target, pm->target) == 0)
                                DIAG(c, pol_member(m, "target"),
                                     "%s.target: \"%s\" is already the target of mounts[%zu]", path,
                                     pm->target, j);
                pr->n_mounts++;
        }
}

/* The syntax alone: what the host's /dev holds is judged by check-config
 * (policy_safety.c) and at every jail creation, never here, so a device
 * that appears or goes later cannot break the whole policy. */
static void parse_devices(struct ctx *c, const config_setting_t *grp, const char *parent,
                          struct pol_profile *pr)
{
        const config_setting_t *ls = NULL;

        if (pol_get_strv(c, grp, parent, "devices", &pr->devices, &pr->n_devices, &ls) <= 0)
                return;
        if (pr->n_devices > JAULA_DEVICES_MAX)
                DIAG(c, ls, "%s.devices: at most %d entries, got %zu", parent, JAULA_DEVICES_MAX,
                     pr->n_devices);
        pr->device_lines = pol_ctx_alloc(c, sizeof(int) * (pr->n_devices + 1));
        for (size_t i = 0; i < pr->n_devices; i++) {
                const config_setting_t *e = config_setting_get_elem(ls, (unsigned) i);
                const char *why = jaula_devices_pattern_error(pr->devices[i]);

                if (pr->device_lines)
                        pr->device_lines[i] = pol_line_of(e) ? pol_line_of(e) : pol_line_of(ls);
                if (why)
                        DIAG(c, e, "%s.devices[%zu]: \"%s\" %s", parent, i, pr->devices[i], why);
                for (size_t j = 0; j < i; j++)
                        if (!strcmp(pr->devices[i], pr->devices[j]))
                                DIAG(c, e, "%s.devices[%zu]: \"%s\" is already devices[%zu]",
                                     parent, i, pr->devices[i], j);
        }
}

/* What seccomp.c will accept: a system call known on the native arch (or
 * the i386 ABI an i386 rootfs adds), or the label of one of its
 * conditional rules such as "ioctl[TIOCSTI]".  Asking seccomp.c itself
 * keeps the checker and the filter builder from ever disagreeing. */
static bool syscall_name_ok(const char *name)
{
        char *one[2] = { (char *) name, NULL };
        struct jaula_seccomp_spec sc = { .profile = (char *) "default", .allow = one, .n_allow = 1 };
        const char **denied = NULL;

        if (jaula_seccomp_known(name))
                return true;
        if (jaula_seccomp_denied(&sc, &denied) < 0)
                return false;
        free(denied);
        return true;
}

static void parse_seccomp(struct ctx *c, const config_setting_t *grp, const char *parent,
                          struct pol_profile *pr)
{
        static const char *const profiles[] = { "default", "strict", "none", NULL };
        const config_setting_t *s = pol_member(grp, "seccomp"), *ls = NULL;
        char path[PATH_BUF];
        int prof = 0;

        pr->seccomp_profile = "default";
        if (!s)
                return;
        pol_subpath(path, sizeof path, parent, "seccomp");
        if (!pol_want_group(c, s, path))
                return;
        pol_check_keys(c, s, path, pol_seccomp_keys);
        pr->seccomp_line = pol_line_of(pol_member(s, "profile"));
        if (pol_get_enum(c, s, path, "profile", profiles, &prof) > 0)
                pr->seccomp_profile = profiles[prof];
        pr->sc_allow_line = pol_line_of(pol_member(s, "allow"));
        if (pol_get_strv(c, s, path, "allow", &pr->sc_allow, &pr->n_sc_allow, &ls) > 0) {
                if (prof == 2 && pr->n_sc_allow > 0)
                        DIAG(c, ls,
                             "%s.allow: profile \"none\" denies nothing, so there is nothing to "
                             "allow",
                             path);
                for (size_t i = 0; i < pr->n_sc_allow; i++)
                        if (!syscall_name_ok(pr->sc_allow[i]))
                                DIAG(c, ls, "%s.allow[%zu]: unknown system call \"%s\"", path, i,
                                     pr->sc_allow[i]);
        }
        if (pol_get_strv(c, s, path, "deny", &pr->sc_deny, &pr->n_sc_deny, &ls) > 0)
                for (size_t i = 0; i < pr->n_sc_deny; i++) {
                        if (!syscall_name_ok(pr->sc_deny[i]))
                                DIAG(c, ls, "%s.deny[%zu]: unknown system call \"%s\"", path, i,
                                     pr->sc_deny[i]);
                        for (size_t j = 0; j < pr->n_sc_allow; j++)
                                if (strcmp(pr->sc_deny[i], pr->sc_allow[j]) == 0)
                                        DIAG(c, ls,
                                             "%s.deny[%zu]: \"%s\" is both allowed and denied",
                                             path, i, pr->sc_deny[i]);
                }
}

/* Names and the list of capabilities no jail may keep come from caps.c, the
 * code that drops them, so the two can never disagree. */
static void parse_caps(struct ctx *c, const config_setting_t *grp, const char *parent,
                       struct pol_profile *pr)
{
        const config_setting_t *ls = NULL;
        const char **v = NULL;
        size_t n = 0;

        if (pol_get_strv(c, grp, parent, "capabilities", &v, &n, &ls) <= 0)
                return;
        for (size_t i = 0; i < n; i++) {
                struct jaula_err e = { 0 };
                int cap = jaula_caps_from_name(v[i]), r;

                if (cap < 0 || cap > 63) {
                        DIAG(c, ls,
                             "%s.capabilities[%zu]: unknown capability \"%s\"; expected a name "
                             "like \"CAP_NET_BIND_SERVICE\"",
                             parent, i, v[i]);
                        continue;
                }
                /* Asking caps.c probes the kernel (dozens of prctl calls):
                 * once per distinct capability per load is enough. */
                if (c->caps_checked & (UINT64_C(1) << cap))
                        r = c->caps_verdict[cap];
                else
                        r = c->caps_verdict[cap] = jaula_caps_check_keep(UINT64_C(1) << cap, &e);
                c->caps_checked |= UINT64_C(1) << cap;
                if (r == -EPERM) {
                        DIAG(c, ls,
                             "%s.capabilities[%zu]: \"%s\" would let the jail escape or control "
                             "the host; it cannot be kept",
                             parent, i, v[i]);
                        continue;
                }
                if (r < 0) {
                        DIAG(c, ls, "%s.capabilities[%zu]: \"%s\" is unknown to the running kernel",
                             parent, i, v[i]);
                        continue;
                }
                pr->caps_keep |= UINT64_C(1) << cap;
        }
}

static void parse_env(struct ctx *c, const config_setting_t *grp, const char *parent,
                      struct pol_profile *pr)
{
        const config_setting_t *s = pol_member(grp, "environment");
        char path[PATH_BUF];
        int n;

        if (!s)
                return;
        pol_subpath(path, sizeof path, parent, "environment");
        if (!pol_want_group(c, s, path))
                return;
        n = config_setting_length(s);
        pr->env = pol_ctx_alloc(c, sizeof *pr->env * (size_t) (n ? n : 1));
        if (!pr->env)
                return;
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned) i);
                const char *name = config_setting_name(e), *q;
                bool ok = name && (isalpha((unsigned char) name[0]) || name[0] == '_');

                for (q = name; ok && *q; q++)
                        ok = isalnum((unsigned char) *q) || *q == '_';
                if (!ok) {
                        DIAG(c, e,
                             "%s.%s: invalid variable name; use A-Z, a-z, 0-9 and '_', not "
                             "starting with a digit",
                             path, name ? name : "?");
                        continue;
                }
                if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                        DIAG(c, e, "%s.%s: expected a string, got %s", path, name,
                             pol_type_name(e));
                        continue;
                }
                if (pol_has_control(config_setting_get_string(e))) {
                        DIAG(c, e, "%s.%s: control characters are not allowed", path, name);
                        continue;
                }
                pr->env[pr->n_env].name = pol_ctx_strdup(c, name);
                pr->env[pr->n_env].value = pol_ctx_strdup(c, config_setting_get_string(e));
                pr->n_env++;
        }
}

static void parse_namespaces(struct ctx *c, const config_setting_t *grp, const char *parent,
                             struct pol_profile *pr)
{
        const config_setting_t *ls = NULL;
        const char **v = NULL;
        size_t n = 0;

        pr->ns_flags = NS_ALL;
        pr->ns_line = pol_line_of(pol_member(grp, "namespaces"));
        if (pol_get_strv(c, grp, parent, "namespaces", &v, &n, &ls) <= 0)
                return;
        pr->ns_flags = 0;
        for (size_t i = 0; i < n; i++) {
                size_t k;

                for (k = 0; k < ELEMENTSOF(namespace_names); k++)
                        if (strcmp(v[i], namespace_names[k].name) == 0)
                                break;
                if (k == ELEMENTSOF(namespace_names)) {
                        DIAG(c, ls,
                             "%s.namespaces[%zu]: unknown namespace \"%s\"; expected mount, uts, "
                             "ipc, pid, net or cgroup",
                             parent, i, v[i]);
                        continue;
                }
                if (pr->ns_flags & namespace_names[k].flag)
                        DIAG(c, ls, "%s.namespaces[%zu]: \"%s\" is listed twice", parent, i, v[i]);
                pr->ns_flags |= namespace_names[k].flag;
        }
        if (!(pr->ns_flags & CLONE_NEWNS))
                DIAG(c, ls,
                     "%s.namespaces: \"mount\" is missing; a jail without its own mount namespace "
                     "is not a jail",
                     parent);
        if (!(pr->ns_flags & CLONE_NEWPID))
                DIAG(c, ls,
                     "%s.namespaces: \"pid\" is missing; a jail without its own pid namespace is "
                     "not a jail",
                     parent);
}

/* The risks the administrator accepts for this profile, by name: one list
 * is easier to audit (grep unsafe) than a boolean per risk. */
static void parse_unsafe(struct ctx *c, const config_setting_t *grp, const char *parent,
                         struct pol_profile *pr)
{
        const config_setting_t *ls = NULL;
        const char **v = NULL;
        size_t n = 0;
        char all[256];

        pr->unsafe_line = pol_line_of(pol_member(grp, "unsafe"));
        if (pol_get_strv(c, grp, parent, "unsafe", &v, &n, &ls) <= 0)
                return;
        for (size_t i = 0; i < n; i++) {
                unsigned bit = jaula_policy_unsafe_bit(v[i]);

                if (!bit) {
                        pol_list_choices(jaula_policy_unsafe_names, all, sizeof all);
                        DIAG(c, ls, "%s.unsafe[%zu]: unknown risk \"%s\"; expected one of: %s",
                             parent, i, v[i], all);
                        continue;
                }
                if (pr->unsafe & bit)
                        DIAG(c, ls, "%s.unsafe[%zu]: \"%s\" is listed twice", parent, i, v[i]);
                pr->unsafe |= bit;
        }
}

static void parse_profile(struct ctx *c, const char *name, const config_setting_t *s)
{
        static const char *const scopes[] = { "user", "session", NULL };
        static const char *const lifetimes[] = { "session", "processes", NULL };
        static const char *const writables[] = { "tmpfs", "persistent", "none", NULL };
        char path[PATH_BUF];
        struct pol_profile *pr;
        long long v;
        int e;

        snprintf(path, sizeof path, "profiles.%s", name);
        if (!pol_want_group(c, s, path) || !pol_check_item_name(c, s, "profiles", name))
                return;
        pol_check_keys(c, s, path, pol_profile_keys);
        pr = pol_vec_push(c, &c->p->profiles, sizeof *pr);
        if (!pr)
                return;
        pr->name = pol_ctx_strdup(c, name);
        pr->seq = c->seq++;
        pr->file = c->file;
        pr->line = pol_line_of(s);
        pr->hostname = "jaula";
        pr->home = "%h";

        pr->rootfs_line = pol_line_of(pol_member(s, "rootfs"));
        pr->network_line = pol_line_of(pol_member(s, "network"));
        pr->caps_line = pol_line_of(pol_member(s, "capabilities"));
        if (pol_get_string(c, s, path, "rootfs", &pr->rootfs_name) == 0)
                DIAG(c, s, "%s: no rootfs; expected rootfs = \"NAME\" naming an entry of rootfs",
                     path);
        if (pol_get_enum(c, s, path, "scope", scopes, &e) > 0)
                pr->scope = e == 0 ? JAULA_SCOPE_USER : JAULA_SCOPE_SESSION;
        if (pol_get_enum(c, s, path, "lifetime", lifetimes, &e) > 0)
                pr->lifetime = e == 0 ? JAULA_LIFETIME_SESSION : JAULA_LIFETIME_PROCESSES;
        if (pol_get_int(c, s, path, "linger", 0, 7 * 24 * 3600, &v) > 0) {
                pr->linger = (unsigned) v;
                if (v > 0 && pr->lifetime == JAULA_LIFETIME_PROCESSES)
                        DIAG(c, pol_member(s, "linger"),
                             "%s.linger: only applies to lifetime = \"session\"", path);
        }
        parse_namespaces(c, s, path, pr);
        if (pol_get_template(c, s, path, "hostname", JAULA_TEMPLATE_HOSTNAME, &pr->hostname) > 0 &&
            !(pr->ns_flags & CLONE_NEWUTS))
                DIAG(c, pol_member(s, "hostname"),
                     "%s.hostname: a hostname needs the \"uts\" namespace in namespaces (without "
                     "it the jail shares the host's hostname)",
                     path);
        if (pol_get_enum(c, s, path, "writable", writables, &e) > 0)
                pr->writable = e == 0 ? JAULA_WRITABLE_TMPFS
                             : e == 1 ? JAULA_WRITABLE_PERSISTENT
                                      : JAULA_WRITABLE_NONE;
        if (pol_get_template(c, s, path, "persistent_path", JAULA_TEMPLATE_PATH,
                             &pr->persistent_path) > 0 &&
            pr->writable != JAULA_WRITABLE_PERSISTENT)
                DIAG(c, pol_member(s, "persistent_path"),
                     "%s.persistent_path: only used with writable = \"persistent\"", path);
        pr->home_line = pol_line_of(pol_member(s, "home"));
        pol_get_template(c, s, path, "home", JAULA_TEMPLATE_PATH, &pr->home);
        pr->tmp_size = pol_get_tmpfs_size(c, s, path, "tmp_size");
        pr->shm_size = pol_get_tmpfs_size(c, s, path, "shm_size");
        pr->writable_size = pol_get_tmpfs_size(c, s, path, "writable_size");
        if (pol_member(s, "writable_size") && pr->writable == JAULA_WRITABLE_PERSISTENT)
                DIAG(c, pol_member(s, "writable_size"),
                     "%s.writable_size: sizes the tmpfs writable layer; with writable = "
                     "\"persistent\" use persistent_size",
                     path);
        int64_t psize = 0;
        if (pol_get_size(c, s, path, "persistent_size", false, &psize) > 0) {
                if (pr->writable != JAULA_WRITABLE_PERSISTENT)
                        DIAG(c, pol_member(s, "persistent_size"),
                             "%s.persistent_size: only used with writable = \"persistent\"", path);
                else if ((uint64_t) psize < JAULA_MIN_PERSISTENT_SIZE)
                        DIAG(c, pol_member(s, "persistent_size"),
                             "%s.persistent_size: at least \"16M\" (the image holds an ext4 "
                             "journal), got %lld bytes",
                             path, (long long) psize);
                else
                        pr->persistent_size = (uint64_t) psize;
        }
        if (pol_get_int(c, s, path, "max_jails_per_user", 0, 100000, &v) > 0)
                pr->max_jails_per_user = (unsigned) v;
        if (pol_get_int(c, s, path, "max_sessions_per_user", 0, 100000, &v) > 0)
                pr->max_sessions_per_user = (unsigned) v;
        pr->pty_max = JAULA_PTY_MAX_DEFAULT;
        if (pol_get_int(c, s, path, "pty_max", 0, JAULA_PTY_MAX_LIMIT, &v) > 0)
                pr->pty_max = (unsigned) v;
        parse_mounts(c, s, path, pr);
        parse_devices(c, s, path, pr);
        if (pol_get_string(c, s, path, "network", &pr->network_name) > 0 &&
            !(pr->ns_flags & CLONE_NEWNET))
                DIAG(c, pol_member(s, "network"),
                     "%s.network: a network needs the \"net\" namespace in namespaces", path);
        parse_limits(c, s, path, &pr->limits, pr->limit_lines);
        parse_seccomp(c, s, path, pr);
        parse_caps(c, s, path, pr);
        parse_env(c, s, path, pr);
        pr->shell_line = pol_line_of(pol_member(s, "shell"));
        pol_get_abs_path(c, s, path, "shell", &pr->shell);
        pol_get_bool(c, s, path, "dev_log", &pr->dev_log);
        parse_unsafe(c, s, path, pr);
}

static void parse_group(struct ctx *c, const char *name, const config_setting_t *s)
{
        char path[PATH_BUF];
        struct pol_group *g;

        snprintf(path, sizeof path, "groups.%s", name);
        if (!pol_want_group(c, s, path) || !pol_check_item_name(c, s, "groups", name))
                return;
        pol_check_keys(c, s, path, pol_group_keys);
        g = pol_vec_push(c, &c->p->groups, sizeof *g);
        if (!g)
                return;
        g->name = pol_ctx_strdup(c, name);
        g->seq = c->seq++;
        g->file = c->file;
        g->line = pol_line_of(s);
        parse_limits(c, s, path, &g->limits, g->limit_lines);
}

/* "10000-19999", "1000", or an integer. */
static bool parse_uid(const char *s, const char **end, uid_t *ret)
{
        unsigned long long v = 0;
        const char *q = s;

        if (!isdigit((unsigned char) *q))
                return false;
        for (; isdigit((unsigned char) *q); q++) {
                v = v * 10 + (unsigned) (*q - '0');
                if (v >= UINT32_MAX) /* (uid_t) -1 is never a user */
                        return false;
        }
        *end = q;
        *ret = (uid_t) v;
        return true;
}

/* false when something was wrong (and reported). */
static bool parse_uids(struct ctx *c, const config_setting_t *grp, const char *parent,
                       struct pol_rule *ru)
{
        const config_setting_t *s = pol_member(grp, "uids");
        int n;

        if (!s)
                return true;
        if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
                DIAG(c, s, "%s.uids: expected a list of uid ranges like [\"10000-19999\"], got %s",
                     parent, pol_type_name(s));
                return false;
        }
        n = config_setting_length(s);
        ru->uids = pol_ctx_alloc(c, sizeof *ru->uids * (size_t) (n ? n : 1));
        if (!ru->uids)
                return false;
        bool ok = true;
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned) i);
                struct pol_uid_range *rg = &ru->uids[ru->n_uids];
                const char *str, *end;

                if (config_setting_type(e) == CONFIG_TYPE_INT ||
                    config_setting_type(e) == CONFIG_TYPE_INT64) {
                        long long v = config_setting_get_int64(e);

                        if (v < 0 || v >= UINT32_MAX) {
                                DIAG(c, e, "%s.uids[%d]: %lld is not a valid uid", parent, i, v);
                                ok = false;
                                continue;
                        }
                        rg->lo = rg->hi = (uid_t) v;
                        ru->n_uids++;
                        continue;
                }
                if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                        DIAG(c, e, "%s.uids[%d]: expected a uid range like \"10000-19999\", got %s",
                             parent, i, pol_type_name(e));
                        ok = false;
                        continue;
                }
                str = config_setting_get_string(e);
                if (!parse_uid(str, &end, &rg->lo) ||
                    (*end == '-' ? !parse_uid(end + 1, &end, &rg->hi) || *end
                                 : (rg->hi = rg->lo, *end != '\0'))) {
                        DIAG(c, e,
                             "%s.uids[%d]: expected a uid or a range like \"10000-19999\", got "
                             "\"%s\"",
                             parent, i, str);
                        ok = false;
                        continue;
                }
                if (rg->lo > rg->hi) {
                        DIAG(c, e, "%s.uids[%d]: range \"%s\" ends before it starts", parent, i,
                             str);
                        ok = false;
                        continue;
                }
                ru->n_uids++;
        }
        return ok;
}

static void parse_rule(struct ctx *c, int idx, const config_setting_t *s)
{
        const config_setting_t *ls;
        char path[PATH_BUF];
        struct pol_rule *ru;
        int r_users = 0, r_groups = 0;

        snprintf(path, sizeof path, "match[%d]", idx);
        if (!pol_want_group(c, s, path))
                return;
        pol_check_keys(c, s, path, pol_rule_keys);
        ru = pol_vec_push(c, &c->p->rules, sizeof *ru);
        if (!ru)
                return;
        ru->file = c->file;
        ru->line = pol_line_of(s);
        ru->local_idx = idx;
        ru->name_line = pol_line_of(pol_member(s, "name"));
        ru->profile_line = pol_line_of(pol_member(s, "profile"));
        ru->group_line = pol_line_of(pol_member(s, "group"));
        if (pol_get_string(c, s, path, "name", &ru->name) > 0 &&
            (!*ru->name || strncmp(ru->name, "match[", 6) == 0)) {
                DIAG(c, pol_member(s, "name"),
                     "%s.name: expected a non-empty name not starting with \"match[\" (unnamed "
                     "rules are called that)",
                     path);
                ru->name = NULL;
        }
        r_users = pol_get_strv(c, s, path, "users", &ru->users, &ru->n_users, &ls);
        for (size_t i = 0; r_users > 0 && i < ru->n_users; i++) {
                if (strcmp(ru->users[i], "*") == 0)
                        ru->any_user = true;
                else if (!*ru->users[i] || strchr(ru->users[i], ':') || strchr(ru->users[i], '/'))
                        DIAG(c, ls, "%s.users[%zu]: \"%s\" is not a valid user name", path, i,
                             ru->users[i]);
        }
        r_groups = pol_get_strv(c, s, path, "groups", &ru->groups, &ru->n_groups, &ls);
        for (size_t i = 0; r_groups > 0 && i < ru->n_groups; i++) {
                const char *g = ru->groups[i];

                if (!*g || strchr(g, ':') || strchr(g, '/'))
                        DIAG(c, ls, "%s.groups[%zu]: \"%s\" is not a valid group name", path, i, g);
                else if (strspn(g, "0123456789") == strlen(g))
                        DIAG(c, ls,
                             "%s.groups[%zu]: \"%s\" looks like a gid; groups are matched by name",
                             path, i, g);
        }
        bool uids_ok = parse_uids(c, s, path, ru);
        if (r_users >= 0 && r_groups >= 0 && uids_ok &&
            ru->n_users + ru->n_groups + ru->n_uids == 0) {
                if (!pol_member(s, "users") && !pol_member(s, "groups") && !pol_member(s, "uids"))
                        DIAG(c, s,
                             "%s: no selector; expected users = [ … ], groups = [ … ] or uids = "
                             "[ … ] (users = [\"*\"] matches everyone)",
                             path);
                else
                        DIAG(c, s, "%s: the selectors are empty lists, so the rule matches nobody",
                             path);
        }
        pol_get_bool(c, s, path, "exempt", &ru->exempt);
        int rp = pol_get_string(c, s, path, "profile", &ru->profile_name);
        int rg = pol_get_string(c, s, path, "group", &ru->group_name);
        if (ru->exempt && rp > 0)
                DIAG(c, pol_member(s, "profile"),
                     "%s.profile: an exempt rule jails nobody; remove profile or exempt", path);
        else if (ru->exempt && rg > 0)
                DIAG(c, pol_member(s, "group"),
                     "%s.group: an exempt rule jails nobody; remove group or exempt", path);
        else if (!ru->exempt && rp == 0)
                DIAG(c, s, "%s: no profile; expected profile = \"NAME\" (or exempt = true)", path);
}

/* A named section whose children are items (rootfs, networks, …). */
static void parse_named(struct ctx *c, const config_setting_t *root, const char *section,
                        void (*fn)(struct ctx *, const char *, const config_setting_t *))
{
        const config_setting_t *s = pol_member(root, section);
        int n;

        if (!s)
                return;
        if (!pol_want_group(c, s, section))
                return;
        n = config_setting_length(s);
        for (int i = 0; i < n && !c->oom; i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned) i);

                fn(c, config_setting_name(e), e);
        }
}

/* libconfig would open an @include itself, bypassing the ownership check
 * on every file the policy reads.  Its scanner only honours @include at
 * the start of a line, so that is where we look. */
static bool refuse_includes(struct ctx *c, const char *text)
{
        bool found = false;
        int line = 1;

        for (const char *q = text; *q; line++) {
                const char *t = q + strspn(q, " \t");

                if (strncmp(t, "@include", 8) == 0) {
                        pol_diag_add(c, c->file, line,
                                     "@include is not supported: put additional policy files into "
                                     "the drop-in directory (conf.d beside the main file, or "
                                     "global.include_dir)");
                        found = true;
                }
                q = strchr(q, '\n');
                if (!q)
                        break;
                q++;
        }
        return found;
}

void pol_parse_text(struct ctx *c, const char *text)
{
        config_t cf;
        const config_setting_t *root;

        _cleanup_free_ char *compact = NULL;
        char msg[256];
        int line = 0, r;

        if (refuse_includes(c, text))
                return;
        r = jaula_policy_syntax_check(text, &line, msg, sizeof msg, &compact);
        if (r == -ENOMEM) {
                c->oom = true;
                return;
        }
        if (r < 0) {
                pol_diag_add(c, c->file, line, "%s", msg);
                return;
        }
        config_init(&cf);
        /* No include directory: with it unset libconfig would resolve
         * relative includes against the cwd; refuse_includes() already
         * made sure there are none. */
        if (config_read_string(&cf, compact) != CONFIG_TRUE) {
                pol_diag_add(c, c->file, config_error_line(&cf), "syntax error: %s",
                             config_error_text(&cf) ? config_error_text(&cf) : "unknown");
                config_destroy(&cf);
                return;
        }
        root = config_root_setting(&cf);
        pol_check_keys(c, root, "", pol_top_keys);
        if (pol_member(root, "global"))
                parse_global(c, pol_member(root, "global"));
        parse_named(c, root, "rootfs", parse_rootfs);
        parse_named(c, root, "networks", parse_network);
        parse_named(c, root, "profiles", parse_profile);
        parse_named(c, root, "groups", parse_group);

        const config_setting_t *m = pol_member(root, "match");
        if (m && !config_setting_is_list(m)) {
                DIAG(c, m, "match: expected a list of rules like ( { users = [\"*\"]; … } ), got %s",
                     pol_type_name(m));
        } else if (m) {
                int n = config_setting_length(m);

                for (int i = 0; i < n && !c->oom; i++)
                        parse_rule(c, i, config_setting_get_elem(m, (unsigned) i));
        }
        config_destroy(&cf);
}
