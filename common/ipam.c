/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ipam.c — address pools and leases of jail networks.
 * The pool arithmetic needs no privilege; the lease store writes under
 * <state_dir>/net/ (root only, like the rest of the state directory).
 *
 * A claim is one symlinkat(): it either creates a/<address> or fails with
 * EEXIST, atomically and without a lock, so concurrent logins of different
 * jails never get one address twice.  The symlink's target is the jail id,
 * readable with one readlinkat() and never opened or followed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaula/ipam.h"

static uint32_t prefix_mask(unsigned prefix)
{
        return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

static uint32_t fnv1a(const char *s)
{
        uint32_t h = 2166136261u;

        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 16777619u;
        }
        return h;
}

/* murmur3's finaliser: every input bit affects every output bit, so
 * consecutive uids land far apart in the pool. */
static uint32_t fmix32(uint32_t h)
{
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h *= 0xc2b2ae35u;
        h ^= h >> 16;
        return h;
}

JAULA_EXPORT bool jaula_ipam_name_valid(const char *name)
{
        size_t n = 0;

        if (!name || !*name || name[0] == '.')
                return false;
        for (const char *p = name; *p; p++, n++) {
                char c = *p;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.' || c == '@'))
                        return false;
        }
        return n <= 64;
}

JAULA_EXPORT bool jaula_ipam_ifname_valid(const char *name)
{
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n == 0 || n >= JAULA_IFNAMSIZ || name[0] == '.')
                return false;
        /* Stricter than the kernel: bridge names are written into nftables
         * scripts, so nothing that could quote, escape or end a token. */
        for (const char *p = name; *p; p++) {
                char c = *p;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.' || c == '@' || c == '+'))
                        return false;
        }
        return true;
}

JAULA_EXPORT void jaula_ipam_format(uint32_t addr, char ret[16])
{
        snprintf(ret, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
                 addr & 0xff);
}

static int parse_addr(const char *s, uint32_t *ret)
{
        struct in_addr a;

        if (inet_pton(AF_INET, s, &a) != 1)
                return -EINVAL;
        *ret = ntohl(a.s_addr);
        return 0;
}

JAULA_EXPORT int jaula_ipam_pool_init(const struct jaula_net_spec *net, struct jaula_pool *ret,
                                      struct jaula_err *err)
{
        uint32_t mask, bcast_off, gw_off;
        char sub[16], gw[16];
        uint64_t cap;

        if (!jaula_ipam_name_valid(net->name))
                return jaula_err_set(err, -EINVAL, "Invalid network name '%s'",
                                     net->name ? net->name : "");
        if (net->prefix < 8 || net->prefix > 30)
                return jaula_err_set(err, -EINVAL, "Network '%s': prefix /%u is outside 8..30",
                                     net->name, net->prefix);
        mask = prefix_mask(net->prefix);
        jaula_ipam_format(net->subnet, sub);
        jaula_ipam_format(net->gateway, gw);
        if (net->subnet & ~mask)
                return jaula_err_set(err, -EINVAL, "Network '%s': '%s/%u' is not a network address",
                                     net->name, sub, net->prefix);
        bcast_off = ~mask;
        gw_off = net->gateway - net->subnet;
        if ((net->gateway & mask) != net->subnet || gw_off == 0 || gw_off == bcast_off)
                return jaula_err_set(err, -EINVAL,
                                     "Network '%s': gateway '%s' is not a host address of %s/%u",
                                     net->name, gw, sub, net->prefix);
        if (!net->bridges || net->n_bridges == 0)
                return jaula_err_set(err, -EINVAL, "Network '%s' has no bridge", net->name);
        for (size_t i = 0; i < net->n_bridges; i++)
                if (!jaula_ipam_ifname_valid(net->bridges[i]))
                        return jaula_err_set(err, -EINVAL,
                                             "Network '%s': invalid bridge name '%s' (1 to "
                                             "15 bytes of A-Z a-z 0-9 _ . @ + -)",
                                             net->name, net->bridges[i] ? net->bridges[i] : "");
        if (net->uplink && !jaula_ipam_ifname_valid(net->uplink))
                return jaula_err_set(err, -EINVAL, "Network '%s': invalid uplink name '%s'",
                                     net->name, net->uplink);

        ret->lo = 1;
        ret->hi = bcast_off - 1;
        if (net->pool_first || net->pool_last) {
                char a[16], b[16];

                jaula_ipam_format(net->pool_first, a);
                jaula_ipam_format(net->pool_last, b);
                if ((net->pool_first & mask) != net->subnet ||
                    (net->pool_last & mask) != net->subnet || net->pool_first > net->pool_last ||
                    net->pool_first == net->subnet || net->pool_last - net->subnet >= bcast_off)
                        return jaula_err_set(err, -EINVAL,
                                             "Network '%s': pool %s-%s is not a range of host "
                                             "addresses of %s/%u",
                                             net->name, a, b, sub, net->prefix);
                ret->lo = net->pool_first - net->subnet;
                ret->hi = net->pool_last - net->subnet;
        }
        ret->subnet = net->subnet;
        ret->prefix = net->prefix;
        ret->gateway = net->gateway;
        /* the slice's offsets, minus the gateway when it lies inside */
        ret->hosts = ret->hi - ret->lo + 1 - (gw_off >= ret->lo && gw_off <= ret->hi ? 1 : 0);
        if (ret->hosts == 0)
                return jaula_err_set(err, -EINVAL, "Network '%s': the pool holds no address",
                                     net->name);
        cap = (uint64_t) net->n_bridges * JAULA_NET_PORTS_PER_BRIDGE;
        ret->size = cap < ret->hosts ? (uint32_t) cap : ret->hosts;
        ret->n_bridges = net->n_bridges;
        return 0;
}

static bool gw_in_slice(const struct jaula_pool *pool, uint32_t gw_off)
{
        return gw_off >= pool->lo && gw_off <= pool->hi;
}

JAULA_EXPORT uint32_t jaula_ipam_addr(const struct jaula_pool *pool, uint32_t index)
{
        uint32_t off = pool->lo + index, gw_off = pool->gateway - pool->subnet;

        if (gw_in_slice(pool, gw_off) && off >= gw_off)
                off++;
        return pool->subnet + off;
}

JAULA_EXPORT int64_t jaula_ipam_index(const struct jaula_pool *pool, uint32_t addr)
{
        uint32_t mask = prefix_mask(pool->prefix), off, gw_off = pool->gateway - pool->subnet;
        uint32_t index;

        if ((addr & mask) != pool->subnet)
                return -ERANGE;
        off = addr - pool->subnet;
        if (off < pool->lo || off > pool->hi || off == gw_off)
                return -ERANGE;
        index = off - pool->lo - (gw_in_slice(pool, gw_off) && off > gw_off ? 1 : 0);
        if (index >= pool->size)
                return -ERANGE;
        return index;
}

JAULA_EXPORT size_t jaula_ipam_bridge_of(const struct jaula_pool *pool, uint32_t index)
{
        return index / JAULA_NET_PORTS_PER_BRIDGE;
}

JAULA_EXPORT int jaula_ipam_bridge_range(const struct jaula_pool *pool, size_t b,
                                         uint32_t *ret_first, uint32_t *ret_last)
{
        uint64_t first = (uint64_t) b * JAULA_NET_PORTS_PER_BRIDGE, last;

        if (b >= pool->n_bridges || first >= pool->size)
                return -ENOENT;
        last = first + JAULA_NET_PORTS_PER_BRIDGE - 1;
        if (last >= pool->size)
                last = pool->size - 1;
        *ret_first = jaula_ipam_addr(pool, (uint32_t) first);
        *ret_last = jaula_ipam_addr(pool, (uint32_t) last);
        return 0;
}

JAULA_EXPORT uint32_t jaula_ipam_stable_index(const struct jaula_pool *pool, const char *network,
                                              uid_t uid)
{
        return fmix32(fnv1a(network) ^ ((uint32_t) uid * 0x9e3779b1u)) % pool->size;
}

JAULA_EXPORT int jaula_ipam_cidrs(uint32_t first, uint32_t last,
                                  int (*fn)(uint32_t addr, unsigned prefix, void *ud), void *ud)
{
        uint64_t cur = first, end = (uint64_t) last + 1;

        while (cur < end) {
                /* the largest aligned block that starts at cur and fits */
                unsigned bits = cur == 0 ? 32 : (unsigned) __builtin_ctz((uint32_t) cur);
                int r;

                while (bits > 0 && cur + (UINT64_C(1) << bits) > end)
                        bits--;
                r = fn((uint32_t) cur, 32 - bits, ud);
                if (r < 0)
                        return r;
                cur += UINT64_C(1) << bits;
        }
        return 0;
}

JAULA_EXPORT void jaula_ipam_vxlan_ifname(uint32_t vni, char ret[JAULA_IFNAMSIZ])
{
        snprintf(ret, JAULA_IFNAMSIZ, "jb-vx%" PRIu32, vni & 0xffffffu);
}

JAULA_EXPORT void jaula_ipam_host_ifname(const char *jail_id, char ret[JAULA_IFNAMSIZ])
{
        size_t n = strlen(jail_id);
        bool plain = n > 0 && n <= JAULA_IFNAMSIZ - 1 - 2;

        for (const char *p = jail_id; plain && *p; p++)
                plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                        (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.';
        if (plain)
                snprintf(ret, JAULA_IFNAMSIZ, "jv%s", jail_id);
        else
                snprintf(ret, JAULA_IFNAMSIZ, "jv%08" PRIx32, fnv1a(jail_id));
}

/* ---- the lease store ------------------------------------------------- */

static int mkdir_ok(int dirfd, const char *name)
{
        if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static void rmdir_netdir(int nfd, const char *name)
{
        _cleanup_close_ int fd = openat(nfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

        if (fd >= 0) {
                unlinkat(fd, "a", AT_REMOVEDIR);
                unlinkat(fd, "j", AT_REMOVEDIR);
                unlinkat(fd, "u", AT_REMOVEDIR);
        }
        unlinkat(nfd, name, AT_REMOVEDIR);
}

/* Create net/<network> complete or not at all: the claim writes into a/
 * and j/ without a lock, so a concurrent first login that found the
 * directory before its creator had made a/ or j/ failed with ENOENT (two
 * users' first logins on a fresh host, issue #18).  Built under a dot
 * name (never a network name, skipped by every walker) and renamed into
 * place; the loser of a race removes its copy and uses the winner's. */
static int make_netdir(int nfd, const char *network)
{
        char tmp[NAME_MAX + 1];
        _cleanup_close_ int fd = -1;
        int r;

        if (snprintf(tmp, sizeof tmp, ".new.%d.%s", (int) getpid(), network) >= (int) sizeof tmp)
                return -ENAMETOOLONG;
        rmdir_netdir(nfd, tmp); /* a killed login of an earlier process with our pid */
        if (mkdirat(nfd, tmp, 0700) < 0)
                return -errno;
        fd = openat(nfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || mkdirat(fd, "a", 0700) < 0 || mkdirat(fd, "j", 0700) < 0 ||
            mkdirat(fd, "u", 0700) < 0) {
                r = -errno;
                rmdir_netdir(nfd, tmp);
                return r;
        }
        r = renameat2(nfd, tmp, nfd, network, RENAME_NOREPLACE) < 0 ? -errno : 0;
        if (r < 0)
                rmdir_netdir(nfd, tmp);
        return r == -EEXIST ? 0 : r;
}

/* Open <state_dir>/net/<network>, creating it (with a/, j/, u/) on first
 * use only: the common case costs one openat(). */
static int open_netdir(const char *state_dir, const char *network, bool create)
{
        _cleanup_close_ int sfd = -1, nfd = -1;
        char path[PATH_MAX];
        int fd, r;

        if (snprintf(path, sizeof path, "%s/net/%s", state_dir, network) >= (int) sizeof path)
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 || errno != ENOENT || !create)
                return fd >= 0 ? fd : -errno;

        if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        sfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0)
                return -errno;
        if ((r = mkdir_ok(sfd, "net")) < 0)
                return r;
        nfd = openat(sfd, "net", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (nfd < 0)
                return -errno;
        if ((r = make_netdir(nfd, network)) < 0)
                return r;
        fd = openat(nfd, network, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return fd >= 0 ? fd : -errno;
}

/* readlinkat() into a NUL-terminated buffer. */
static int read_link(int dirfd, const char *name, char *buf, size_t size)
{
        ssize_t n = readlinkat(dirfd, name, buf, size - 1);

        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

/* 1: claimed; 0: taken by someone else; < 0: error. */
static int try_claim(int fd, const struct jaula_pool *pool, uint32_t index, const char *jail_id)
{
        char name[2 + 16];

        memcpy(name, "a/", 2);
        jaula_ipam_format(jaula_ipam_addr(pool, index), name + 2);
        if (symlinkat(jail_id, fd, name) == 0)
                return 1;
        return errno == EEXIST ? 0 : -errno;
}

/* j/<jail id> -> "<address>,<uid>": the address for release, the uid so
 * that a user displaced only by their own other jail is not re-homed. */
static int read_record(int fd, const char *jail_id, char addr_text[16], uid_t *ret_uid)
{
        char jname[2 + 80], target[48], *comma;
        int r;

        snprintf(jname, sizeof jname, "j/%s", jail_id);
        r = read_link(fd, jname, target, sizeof target);
        if (r < 0)
                return r;
        comma = strchr(target, ',');
        if (comma)
                *comma = '\0';
        if (strlen(target) >= 16)
                return -EINVAL;
        strcpy(addr_text, target);
        if (ret_uid)
                *ret_uid = comma ? (uid_t) strtoul(comma + 1, NULL, 10) : (uid_t) -1;
        return 0;
}

/* The lease jail_id already holds, if its claim still points back. */
static int existing_lease(int fd, const char *jail_id, uint32_t *ret_addr)
{
        char jname[2 + 80], aname[2 + 16], target[80];
        uint32_t addr;
        int r;

        snprintf(jname, sizeof jname, "j/%s", jail_id);
        r = read_record(fd, jail_id, aname + 2, NULL);
        if (r == -ENOENT)
                return r;
        memcpy(aname, "a/", 2);
        if (r < 0 || parse_addr(aname + 2, &addr) < 0 ||
            read_link(fd, aname, target, sizeof target) < 0 || strcmp(target, jail_id) != 0) {
                unlinkat(fd, jname, 0); /* a stale record: the claim is gone */
                return -ENOENT;
        }
        *ret_addr = addr;
        return 0;
}

/* Whether the jail holding pool slot index belongs to uid. */
static bool held_by_uid(int fd, const struct jaula_pool *pool, uint32_t index, uid_t uid)
{
        char aname[2 + 16], id[80], text[16];
        uid_t holder;

        memcpy(aname, "a/", 2);
        jaula_ipam_format(jaula_ipam_addr(pool, index), aname + 2);
        return read_link(fd, aname, id, sizeof id) == 0 &&
               read_record(fd, id, text, &holder) == 0 && holder == uid;
}

static void remember_user(int fd, uid_t uid, uint32_t addr)
{
        char uname[2 + 16], text[16];

        snprintf(uname, sizeof uname, "u/%u", (unsigned) uid);
        jaula_ipam_format(addr, text);
        /* A hint only: a lost race leaves one of two valid addresses. */
        unlinkat(fd, uname, 0);
        (void) !symlinkat(text, fd, uname);
}

static uint32_t read_cursor(int cfd)
{
        char buf[16];
        ssize_t n = cfd >= 0 ? pread(cfd, buf, sizeof buf - 1, 0) : -1;
        unsigned long v;
        char *end;

        if (n <= 0)
                return 0;
        buf[n] = '\0';
        errno = 0;
        v = strtoul(buf, &end, 10);
        if (errno || end == buf || v > UINT32_MAX)
                return 0;
        return (uint32_t) v;
}

static void write_cursor(int cfd, uint32_t v)
{
        char buf[16];
        int n = snprintf(buf, sizeof buf, "%-10u\n", v); /* fixed width: no truncate needed */

        if (cfd >= 0)
                (void) !pwrite(cfd, buf, n, 0);
}

JAULA_EXPORT int jaula_ipam_claim(const char *state_dir, const struct jaula_net_spec *net,
                                  const struct jaula_pool *pool, const char *jail_id, uid_t uid,
                                  uint32_t *ret_addr, struct jaula_err *err)
{
        _cleanup_close_ int fd = -1, cfd = -1;
        char jname[2 + 80], aname[2 + 16], record[32];
        uint32_t start, index = 0, addr;
        int64_t hint = -1;
        bool found = false;
        int r;

        if (!jaula_ipam_name_valid(jail_id))
                return jaula_err_set(err, -EINVAL, "Invalid jail id '%s'", jail_id);
        fd = open_netdir(state_dir, net->name, true);
        if (fd < 0)
                return jaula_err_errno(err, fd,
                                       "Cannot open the lease directory of network '%s' "
                                       "under '%s'",
                                       net->name, state_dir);
        if (existing_lease(fd, jail_id, &addr) == 0) {
                *ret_addr = addr;
                return 0;
        }

        if (net->mode == JAULA_ADDR_STABLE) {
                char uname[2 + 16], text[16];

                snprintf(uname, sizeof uname, "u/%u", (unsigned) uid);
                if (read_link(fd, uname, text, sizeof text) == 0 && parse_addr(text, &addr) == 0)
                        hint = jaula_ipam_index(pool, addr);
                if (hint >= 0) {
                        r = try_claim(fd, pool, (uint32_t) hint, jail_id);
                        if (r < 0)
                                return jaula_err_errno(err, r, "Cannot record a lease of '%s'",
                                                       net->name);
                        found = r > 0;
                        index = (uint32_t) hint;
                }
                start = jaula_ipam_stable_index(pool, net->name, uid);
        } else {
                cfd = openat(fd, "cursor", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                start = read_cursor(cfd) % pool->size;
        }

        /* Linear probing from the start slot: O(1) expected while the pool
         * is not nearly full; a full pool costs one failed symlinkat() per
         * address and then refuses. */
        for (uint32_t k = 0; !found && k < pool->size; k++) {
                index = (uint32_t) (((uint64_t) start + k) % pool->size);
                r = try_claim(fd, pool, index, jail_id);
                if (r < 0)
                        return jaula_err_errno(err, r, "Cannot record a lease of '%s'", net->name);
                found = r > 0;
        }
        if (!found)
                return jaula_err_set(err, -ENOSPC,
                                     "Network '%s' has no free address: all %u addresses of its "
                                     "%zu bridge(s) are leased",
                                     net->name, pool->size, pool->n_bridges);

        addr = jaula_ipam_addr(pool, index);
        memcpy(aname, "a/", 2);
        jaula_ipam_format(addr, aname + 2);
        snprintf(jname, sizeof jname, "j/%s", jail_id);
        snprintf(record, sizeof record, "%s,%u", aname + 2, (unsigned) uid);
        if (symlinkat(record, fd, jname) < 0) {
                r = -errno;
                unlinkat(fd, aname, 0);
                return jaula_err_errno(err, r, "Cannot record the lease of jail '%s'", jail_id);
        }

        if (net->mode == JAULA_ADDR_STABLE) {
                uint32_t preferred = hint >= 0 ? (uint32_t) hint : start;
                /* Displaced by another user: keep this address next time,
                 * so the user's address changes at most once. */
                if (index != preferred && !held_by_uid(fd, pool, preferred, uid))
                        remember_user(fd, uid, addr);
        } else
                write_cursor(cfd, index + 1);
        *ret_addr = addr;
        return 0;
}

JAULA_EXPORT int jaula_ipam_lookup(const char *state_dir, const char *network, const char *jail_id,
                                   uint32_t *ret_addr)
{
        _cleanup_close_ int fd = -1;

        if (!jaula_ipam_name_valid(network) || !jaula_ipam_name_valid(jail_id))
                return -EINVAL;
        fd = open_netdir(state_dir, network, false);
        if (fd < 0)
                return fd;
        return existing_lease(fd, jail_id, ret_addr);
}

/* Remove the claim a/<addr> and the record j/<id> when they belong together. */
static void drop_pair(int fd, const char *jail_id, const char *addr_text)
{
        char jname[2 + 80], aname[2 + 16], target[80], text[16];

        snprintf(aname, sizeof aname, "a/%s", addr_text);
        snprintf(jname, sizeof jname, "j/%s", jail_id);
        if (read_link(fd, aname, target, sizeof target) == 0 && strcmp(target, jail_id) == 0)
                unlinkat(fd, aname, 0);
        if (read_record(fd, jail_id, text, NULL) == 0 && strcmp(text, addr_text) == 0)
                unlinkat(fd, jname, 0);
}

JAULA_EXPORT int jaula_ipam_release(const char *state_dir, const char *network, const char *jail_id)
{
        _cleanup_close_ int fd = -1;
        char text[16];

        if (!jaula_ipam_name_valid(network) || !jaula_ipam_name_valid(jail_id))
                return -EINVAL;
        fd = open_netdir(state_dir, network, false);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        if (read_record(fd, jail_id, text, NULL) < 0)
                return 0;
        drop_pair(fd, jail_id, text);
        return 0;
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

JAULA_EXPORT int jaula_ipam_release_claims(const char *state_dir, const char *network,
                                           const char *jail_id)
{
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_close_ int fd = -1;
        struct dirent *de;
        int afd, r;

        r = jaula_ipam_release(state_dir, network, jail_id);
        if (r < 0)
                return r;
        fd = open_netdir(state_dir, network, false);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        afd = openat(fd, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (afd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(afd);
        if (!d) {
                close_nointr(afd);
                return -errno;
        }
        while ((de = readdir(d))) {
                char id[80];

                if (de->d_name[0] != '.' && read_link(afd, de->d_name, id, sizeof id) == 0 &&
                    !strcmp(id, jail_id))
                        unlinkat(afd, de->d_name, 0);
        }
        return 0;
}

static int gc_network(int fd, int (*jail_alive)(const char *, void *), void *ud)
{
        _cleanup_(closedirp) DIR *ad = NULL, *jd = NULL;
        struct dirent *de;
        int afd, jfd, n = 0;

        afd = openat(fd, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (afd >= 0 && !(ad = fdopendir(afd)))
                close_nointr(afd);
        while (ad && (de = readdir(ad))) {
                char aname[2 + 256], id[80];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(aname, sizeof aname, "a/%s", de->d_name);
                if (read_link(fd, aname, id, sizeof id) < 0)
                        continue;
                /* An error from jail_alive counts as alive: never free an
                 * address that may still be in use. */
                if (jail_alive(id, ud) != 0)
                        continue;
                drop_pair(fd, id, de->d_name);
                unlinkat(fd, aname, 0); /* even when j/<id> was never written */
                n++;
        }

        /* Records whose claim is gone (a crash between the two steps of a
         * release) are dropped too. */
        jfd = openat(fd, "j", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (jfd >= 0 && !(jd = fdopendir(jfd)))
                close_nointr(jfd);
        while (jd && (de = readdir(jd))) {
                char jname[2 + 256];
                uint32_t addr;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(jname, sizeof jname, "j/%s", de->d_name);
                if (existing_lease(fd, de->d_name, &addr) < 0)
                        unlinkat(fd, jname, 0);
        }
        return n;
}

JAULA_EXPORT int jaula_ipam_gc(const char *state_dir,
                               int (*jail_alive)(const char *jail_id, void *ud), void *ud)
{
        _cleanup_(closedirp) DIR *d = NULL;
        char path[PATH_MAX];
        struct dirent *de;
        int total = 0;

        if (snprintf(path, sizeof path, "%s/net", state_dir) >= (int) sizeof path)
                return -ENAMETOOLONG;
        d = opendir(path);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_close_ int fd = -1;

                if (de->d_name[0] == '.')
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        continue;
                total += gc_network(fd, jail_alive, ud);
        }
        return total;
}

JAULA_EXPORT int jaula_ipam_count(const char *state_dir, const char *network)
{
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_close_ int fd = -1;
        struct dirent *de;
        int afd, n = 0;

        if (!jaula_ipam_name_valid(network))
                return -EINVAL;
        fd = open_netdir(state_dir, network, false);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        afd = openat(fd, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (afd < 0)
                return -errno;
        d = fdopendir(afd);
        if (!d) {
                close_nointr(afd);
                return -errno;
        }
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        return n;
}
