/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy_cache.c — the validated policy kept in binary form under
 * /run/jaula-policy so a login does not parse it again.  Reading and
 * writing need root (the directory is root's, mode 0700); anyone else
 * simply parses.
 *
 * libconfig needs ~14 ms to parse a policy of 200 profiles and 1000 rules
 * on the machines this runs on, and every login loads the policy.  The
 * cache holds the policy exactly as policy.c built it after validation,
 * together with the identity (device, inode, size, mtime, ctime, mode,
 * owner) of every file and directory it was read from.  A cache is used
 * only when every one of those still matches, so any edit, chmod, chown,
 * added or removed drop-in invalidates it; and it is never written while a
 * source file is younger than a few seconds, because file timestamps tick
 * with the kernel's coarse clock and an edit within the same tick would
 * otherwise go unnoticed (git's "racy index" problem).  /run is a tmpfs,
 * so a reboot — and with it a new kernel — starts without a cache.
 *
 * The format is private to one build: the header carries a stamp of the
 * library build, and a cache from any other build is ignored.  The reader
 * checks every length against the file size, so a damaged file is just a
 * cache miss. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "jaula/util.h"
#include "cachefile.h"
#include "matchtab.h"
#include "policy-cache.h"
#include "policy-data.h"

#define CACHE_MAGIC "JAULAPC3"
#define CACHE_MAX (64 * 1024 * 1024)
#define RACY_SECONDS 3

/* The Makefile passes a digest of the library's sources. */
#ifndef JAULA_SRC_STAMP
#error "JAULA_SRC_STAMP must name the build (see the Makefile)"
#endif
static const char build_stamp[] = "jaula " JAULA_SRC_STAMP;

/* FNV-1a of the policy path: one cache file per policy file name. */
static void cache_name(const char *path, char *buf, size_t size)
{
        uint64_t h = UINT64_C(14695981039346656037);

        for (const unsigned char *q = (const unsigned char *) path; *q; q++) {
                h ^= *q;
                h *= UINT64_C(1099511628211);
        }
        snprintf(buf, size, "%016llx.cache", (unsigned long long) h);
}

/* The cache directory, created if missing, and trusted only when root's
 * and closed to everyone else. */
static int open_cache_dir(const char *dir, bool create)
{
        return jaula_cf_open_dir(dir, create, -EPERM);
}

/* ---------------------------------------------------------------- writer */

/* The caches' growing buffer and encoding (cachefile.h), under short names:
 * w_policy calls them a hundred times.  Strings are length + bytes + NUL,
 * so the reader can point into the buffer; UINT32_MAX stands for NULL. */
#define wbuf jaula_cf_wbuf
#define w_raw jaula_cf_put
#define w_u32 jaula_cf_put_u32
#define w_u64 jaula_cf_put_u64
#define w_str jaula_cf_put_str
#define w_strv jaula_cf_put_strv
#define w_id jaula_cf_put_id

static void w_limits(struct wbuf *w, const struct jaula_limits *l)
{
        w_u64(w, (uint64_t) l->memory_max);
        w_u64(w, (uint64_t) l->swap_max);
        w_u64(w, (uint64_t) l->cpu_quota_us);
        w_u64(w, (uint64_t) l->cpu_period_us);
        w_u64(w, (uint64_t) l->cpu_weight);
        w_u64(w, (uint64_t) l->pids_max);
        w_u64(w, (uint64_t) l->io_weight);
}

static void w_policy(struct wbuf *w, const struct jaula_policy *p)
{
        w_str(w, p->state_dir);
        w_str(w, p->cgroup_root);
        w_str(w, p->cgroup_path);
        w_str(w, p->persistent_dir);
        w_str(w, p->default_shell);
        w_str(w, p->include_dir);

        w_u32(w, (uint32_t) p->rootfs.n);
        for (size_t i = 0; i < p->rootfs.n; i++) {
                const struct pol_rootfs *x = POL_AT(p->rootfs, struct pol_rootfs, i);

                w_str(w, x->name);
                w_str(w, x->path);
                w_u32(w, x->type);
                w_str(w, x->arch);
                w_str(w, x->file);
                w_u32(w, (uint32_t) x->line);
        }
        w_u32(w, (uint32_t) p->nets.n);
        for (size_t i = 0; i < p->nets.n; i++) {
                const struct pol_net *x = POL_AT(p->nets, struct pol_net, i);

                w_str(w, x->name);
                w_strv(w, x->bridges, x->n_bridges);
                w_u32(w, x->subnet);
                w_u32(w, x->prefix);
                w_u32(w, x->gateway);
                w_strv(w, x->dns, x->n_dns);
                w_strv(w, x->search, x->n_search);
                w_u32(w, x->mode);
                w_u32(w, x->isolate);
                w_u32(w, x->nat);
                w_str(w, x->uplink);
                w_u32(w, x->mtu);
                w_u32(w, x->pool_first);
                w_u32(w, x->pool_last);
                w_u32(w, x->vxlan_vni);
                w_strv(w, x->vxlan_peers, x->n_vxlan_peers);
                w_u32(w, x->vxlan_group);
                w_u32(w, x->vxlan_local);
                w_str(w, x->vxlan_dev);
                w_u32(w, x->vxlan_port);
                w_str(w, x->file);
                w_u32(w, (uint32_t) x->line);
        }
        w_u32(w, (uint32_t) p->profiles.n);
        for (size_t i = 0; i < p->profiles.n; i++) {
                const struct pol_profile *x = POL_AT(p->profiles, struct pol_profile, i);

                w_str(w, x->name);
                w_str(w, x->rootfs_name);
                w_u32(w, x->scope);
                w_u32(w, x->lifetime);
                w_u32(w, x->linger);
                w_str(w, x->hostname);
                w_u64(w, x->ns_flags);
                w_u32(w, x->writable);
                w_str(w, x->persistent_path);
                w_str(w, x->home);
                w_u64(w, x->tmp_size);
                w_u64(w, x->shm_size);
                w_u64(w, x->writable_size);
                w_u64(w, x->persistent_size);
                w_u32(w, x->max_jails_per_user);
                w_u32(w, x->max_sessions_per_user);
                w_u32(w, x->pty_max);
                w_u32(w, (uint32_t) x->n_mounts);
                for (size_t k = 0; k < x->n_mounts; k++) {
                        w_str(w, x->mounts[k].source);
                        w_str(w, x->mounts[k].target);
                        w_u32(w, x->mounts[k].writable);
                        w_u32(w, x->mounts[k].optional);
                }
                w_str(w, x->network_name);
                w_strv(w, x->devices, x->n_devices);
                w_limits(w, &x->limits);
                w_str(w, x->seccomp_profile);
                w_strv(w, x->sc_allow, x->n_sc_allow);
                w_strv(w, x->sc_deny, x->n_sc_deny);
                w_u64(w, x->caps_keep);
                w_u32(w, (uint32_t) x->n_env);
                for (size_t k = 0; k < x->n_env; k++) {
                        w_str(w, x->env[k].name);
                        w_str(w, x->env[k].value);
                }
                w_str(w, x->shell);
                w_u32(w, x->dev_log);
                w_str(w, x->file);
                w_u32(w, (uint32_t) x->line);
        }
        w_u32(w, (uint32_t) p->groups.n);
        for (size_t i = 0; i < p->groups.n; i++) {
                const struct pol_group *x = POL_AT(p->groups, struct pol_group, i);

                w_str(w, x->name);
                w_limits(w, &x->limits);
                w_str(w, x->file);
                w_u32(w, (uint32_t) x->line);
        }
        w_u32(w, (uint32_t) p->rules.n);
        for (size_t i = 0; i < p->rules.n; i++) {
                const struct pol_rule *x = POL_AT(p->rules, struct pol_rule, i);

                w_str(w, x->name);
                w_u32(w, x->generated_name);
                w_strv(w, x->users, x->n_users);
                w_u32(w, x->any_user);
                w_strv(w, x->groups, x->n_groups);
                w_u32(w, (uint32_t) x->n_uids);
                for (size_t k = 0; k < x->n_uids; k++) {
                        w_u32(w, x->uids[k].lo);
                        w_u32(w, x->uids[k].hi);
                }
                w_u32(w, x->exempt);
                w_str(w, x->profile_name);
                w_str(w, x->group_name);
                w_str(w, x->file);
                w_u32(w, (uint32_t) x->line);
                w_u32(w, (uint32_t) x->local_idx);
        }
}

static bool racy(const struct jaula_file_id *id, time_t now)
{
        return id->present && (id->mtime_s >= now - RACY_SECONDS || id->ctime_s >= now - RACY_SECONDS);
}

/* One cache per policy path: a host that loads policies from many paths
 * (test suites with temporary files) would otherwise fill /run.  Keep the
 * 32 most recently written, and never the one just written.  A cache's
 * match table ("X.cache" → "X.match") goes with it, and so do temporary
 * files a writer that died mid-way left (of any cache in the directory). */
static const struct jaula_cf_prune cache_files = {
        .prefix = "",
        .suffix = ".cache",
        .max_name = 64,
        .keep = 32,
        .companion = ".match",
        .sweep_tmp = true,
};

void jaula_policy_cache_write(const char *cache_dir, const char *path,
                              const struct jaula_policy *p, const struct jaula_file_id *ids,
                              const char *const *id_names, size_t n_ids)
{
        _cleanup_close_ int dfd = -1;
        struct wbuf w = { .first_cap = 65536 };
        char name[64];
        time_t now = time(NULL);

        for (size_t i = 0; i < n_ids; i++)
                if (racy(&ids[i], now))
                        return;
        dfd = open_cache_dir(cache_dir, true);
        if (dfd < 0)
                return;

        w_raw(&w, CACHE_MAGIC, 8);
        w_str(&w, build_stamp);
        w_str(&w, path);
        w_u32(&w, (uint32_t) n_ids);
        for (size_t i = 0; i < n_ids; i++) {
                w_str(&w, id_names[i]);
                w_id(&w, &ids[i]);
        }
        w_policy(&w, p);
        w_raw(&w, "END", 4);
        if (w.oom)
                goto out;

        cache_name(path, name, sizeof name);
        if (jaula_cf_write_atomic(dfd, name, w.p, w.n) == 0) {
                jaula_cf_prune(dfd, name, &cache_files);
                jaula_matchtab_write(dfd, path, build_stamp, p, ids, id_names, n_ids);
        }
out:
        free(w.p);
}

/* ---------------------------------------------------------------- reader */

/* The shared bounded reader, and the policy whose arena gets the arrays. */
struct rbuf {
        struct jaula_cf_rbuf b;
        struct jaula_policy *p;
};

static uint32_t r_u32(struct rbuf *r)
{
        return jaula_cf_get_u32(&r->b);
}

static uint64_t r_u64(struct rbuf *r)
{
        return jaula_cf_get_u64(&r->b);
}

/* Strings may be absent (NULL) in the cache. */
static const char *r_str(struct rbuf *r)
{
        return jaula_cf_get_str(&r->b, true);
}

static size_t r_count(struct rbuf *r, size_t min_size)
{
        return jaula_cf_get_count(&r->b, SIZE_MAX, min_size);
}

static void *r_alloc(struct rbuf *r, size_t size)
{
        void *v;

        if (r->b.bad)
                return NULL;
        v = jaula_arena_alloc(r->p, size ? size : 1);
        if (!v)
                r->b.bad = true;
        return v;
}

static const char **r_strv(struct rbuf *r, size_t *ret_n)
{
        size_t n = r_count(r, 4);
        const char **v = r_alloc(r, sizeof(char *) * (n + 1));

        if (!v)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                v[i] = r_str(r);
                if (!v[i])
                        r->b.bad = true;
        }
        *ret_n = n;
        return v;
}

static void r_limits(struct rbuf *r, struct jaula_limits *l)
{
        l->memory_max = (int64_t) r_u64(r);
        l->swap_max = (int64_t) r_u64(r);
        l->cpu_quota_us = (int64_t) r_u64(r);
        l->cpu_period_us = (int64_t) r_u64(r);
        l->cpu_weight = (int64_t) r_u64(r);
        l->pids_max = (int64_t) r_u64(r);
        l->io_weight = (int64_t) r_u64(r);
}

/* min: the fewest bytes one serialized item can take. */
static void *r_vec(struct rbuf *r, struct pol_vec *v, size_t item, size_t min)
{
        size_t n = r_count(r, min);

        if (r->b.bad)
                return NULL;
        v->v = calloc(n ? n : 1, item);
        if (!v->v) {
                r->b.bad = true;
                return NULL;
        }
        v->n = v->cap = n;
        return v->v;
}

static void r_policy(struct rbuf *r)
{
        struct jaula_policy *p = r->p;

        p->state_dir = r_str(r);
        p->cgroup_root = r_str(r);
        p->cgroup_path = r_str(r);
        p->persistent_dir = r_str(r);
        p->default_shell = r_str(r);
        p->include_dir = r_str(r);

        if (!r_vec(r, &p->rootfs, sizeof(struct pol_rootfs), 28))
                return;
        for (size_t i = 0; i < p->rootfs.n && !r->b.bad; i++) {
                struct pol_rootfs *x = POL_AT(p->rootfs, struct pol_rootfs, i);

                x->name = r_str(r);
                x->path = r_str(r);
                x->type = r_u32(r);
                x->arch = r_str(r);
                x->file = r_str(r);
                x->line = (int) r_u32(r);
                x->seq = (int) i;
        }
        if (!r_vec(r, &p->nets, sizeof(struct pol_net), 64))
                return;
        for (size_t i = 0; i < p->nets.n && !r->b.bad; i++) {
                struct pol_net *x = POL_AT(p->nets, struct pol_net, i);

                x->name = r_str(r);
                x->bridges = r_strv(r, &x->n_bridges);
                x->subnet = r_u32(r);
                x->prefix = r_u32(r);
                x->gateway = r_u32(r);
                x->dns = r_strv(r, &x->n_dns);
                x->search = r_strv(r, &x->n_search);
                x->mode = r_u32(r);
                x->isolate = r_u32(r);
                x->nat = r_u32(r);
                x->uplink = r_str(r);
                x->mtu = r_u32(r);
                x->pool_first = r_u32(r);
                x->pool_last = r_u32(r);
                x->vxlan_vni = r_u32(r);
                x->vxlan_peers = r_strv(r, &x->n_vxlan_peers);
                x->vxlan_group = r_u32(r);
                x->vxlan_local = r_u32(r);
                x->vxlan_dev = r_str(r);
                x->vxlan_port = r_u32(r);
                x->file = r_str(r);
                x->line = (int) r_u32(r);
                x->seq = (int) i;
        }
        if (!r_vec(r, &p->profiles, sizeof(struct pol_profile), 160))
                return;
        for (size_t i = 0; i < p->profiles.n && !r->b.bad; i++) {
                struct pol_profile *x = POL_AT(p->profiles, struct pol_profile, i);

                x->name = r_str(r);
                x->rootfs_name = r_str(r);
                x->scope = r_u32(r);
                x->lifetime = r_u32(r);
                x->linger = r_u32(r);
                x->hostname = r_str(r);
                x->ns_flags = (unsigned long) r_u64(r);
                x->writable = r_u32(r);
                x->persistent_path = r_str(r);
                x->home = r_str(r);
                x->tmp_size = r_u64(r);
                x->shm_size = r_u64(r);
                x->writable_size = r_u64(r);
                x->persistent_size = r_u64(r);
                x->max_jails_per_user = r_u32(r);
                x->max_sessions_per_user = r_u32(r);
                x->pty_max = r_u32(r);
                x->n_mounts = r_count(r, 16);
                x->mounts = r_alloc(r, sizeof *x->mounts * x->n_mounts);
                for (size_t k = 0; k < x->n_mounts && !r->b.bad; k++) {
                        x->mounts[k].source = r_str(r);
                        x->mounts[k].target = r_str(r);
                        x->mounts[k].writable = r_u32(r);
                        x->mounts[k].optional = r_u32(r);
                }
                x->network_name = r_str(r);
                x->devices = r_strv(r, &x->n_devices);
                r_limits(r, &x->limits);
                x->seccomp_profile = r_str(r);
                x->sc_allow = r_strv(r, &x->n_sc_allow);
                x->sc_deny = r_strv(r, &x->n_sc_deny);
                x->caps_keep = r_u64(r);
                x->n_env = r_count(r, 8);
                x->env = r_alloc(r, sizeof *x->env * x->n_env);
                for (size_t k = 0; k < x->n_env && !r->b.bad; k++) {
                        x->env[k].name = r_str(r);
                        x->env[k].value = r_str(r);
                }
                x->shell = r_str(r);
                x->dev_log = r_u32(r);
                x->file = r_str(r);
                x->line = (int) r_u32(r);
                x->seq = (int) i;
        }
        if (!r_vec(r, &p->groups, sizeof(struct pol_group), 68))
                return;
        for (size_t i = 0; i < p->groups.n && !r->b.bad; i++) {
                struct pol_group *x = POL_AT(p->groups, struct pol_group, i);

                x->name = r_str(r);
                r_limits(r, &x->limits);
                x->file = r_str(r);
                x->line = (int) r_u32(r);
                x->seq = (int) i;
        }
        if (!r_vec(r, &p->rules, sizeof(struct pol_rule), 52))
                return;
        for (size_t i = 0; i < p->rules.n && !r->b.bad; i++) {
                struct pol_rule *x = POL_AT(p->rules, struct pol_rule, i);

                x->name = r_str(r);
                x->generated_name = r_u32(r);
                x->users = r_strv(r, &x->n_users);
                x->any_user = r_u32(r);
                x->groups = r_strv(r, &x->n_groups);
                x->n_uids = r_count(r, 8);
                x->uids = r_alloc(r, sizeof *x->uids * x->n_uids);
                for (size_t k = 0; k < x->n_uids && !r->b.bad; k++) {
                        x->uids[k].lo = r_u32(r);
                        x->uids[k].hi = r_u32(r);
                }
                x->exempt = r_u32(r);
                x->profile_name = r_str(r);
                x->group_name = r_str(r);
                x->file = r_str(r);
                x->line = (int) r_u32(r);
                x->local_idx = (int) r_u32(r);
        }
}

/* The pointers between sections, as finalize() set them. */
static bool relink(struct jaula_policy *p)
{
        if (!p->state_dir || !p->cgroup_root || !p->cgroup_path || !p->persistent_dir ||
            !p->default_shell)
                return false;
        for (size_t i = 0; i < p->profiles.n; i++) {
                struct pol_profile *x = POL_AT(p->profiles, struct pol_profile, i);

                if (!x->name || !x->hostname || !x->home || !x->seccomp_profile)
                        return false;
                x->rootfs = jaula_policy_find_rootfs(p, x->rootfs_name);
                if (!x->rootfs || !x->rootfs->arch || !x->rootfs->path)
                        return false;
                if (x->network_name) {
                        x->net = jaula_policy_find_net(p, x->network_name);
                        if (!x->net)
                                return false;
                }
                for (size_t k = 0; k < x->n_mounts; k++)
                        if (!x->mounts[k].source || !x->mounts[k].target)
                                return false;
        }
        for (size_t i = 0; i < p->rules.n; i++) {
                struct pol_rule *x = POL_AT(p->rules, struct pol_rule, i);

                if (!x->name || !x->file)
                        return false;
                if (x->profile_name) {
                        x->profile = jaula_policy_find_profile(p, x->profile_name);
                        if (!x->profile)
                                return false;
                }
                if (x->group_name) {
                        x->group = jaula_policy_find_group(p, x->group_name);
                        if (!x->group)
                                return false;
                } else if (x->profile) {
                        x->group = jaula_policy_find_group(p, x->profile->name);
                }
                if (!x->exempt && !x->profile)
                        return false;
        }
        return true;
}

int jaula_policy_cache_read(const char *cache_dir, const char *path, int main_fd,
                            struct jaula_policy **ret)
{
        struct jaula_policy *p = NULL;
        _cleanup_close_ int dfd = -1, fd = -1, incfd = -1;
        _cleanup_free_ struct jaula_file_id *ids = NULL;
        _cleanup_free_ const char **id_names = NULL;
        struct rbuf r = { 0 };
        struct stat st;
        char name[64];
        char *buf;
        size_t n_ids;
        int res = -ESTALE;

        dfd = open_cache_dir(cache_dir, false);
        if (dfd < 0)
                return dfd;
        cache_name(path, name, sizeof name);
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return neg_errno();
        if (fstat(fd, &st) < 0)
                return neg_errno();
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0077) ||
            st.st_size < 12 || st.st_size > CACHE_MAX)
                return -ESTALE;

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        buf = jaula_arena_alloc_raw(p, (size_t) st.st_size);
        if (!buf) {
                res = -ENOMEM;
                goto fail;
        }
        if (jaula_cf_read_all(fd, buf, (size_t) st.st_size) < 0)
                goto fail;
        r = (struct rbuf){ .b = { .d = buf, .n = (size_t) st.st_size }, .p = p };
        if (memcmp(buf, CACHE_MAGIC, 8) != 0)
                goto fail;
        r.b.off = 8;
        const char *stamp = r_str(&r), *cpath = r_str(&r);
        if (!stamp || strcmp(stamp, build_stamp) != 0 || !cpath || strcmp(cpath, path) != 0)
                goto fail;

        /* The sources: [0] the main file, [1] the drop-in directory, then
         * every drop-in it held. */
        n_ids = r_count(&r, 64);
        if (r.b.bad || n_ids < 2)
                goto fail;
        ids = calloc(n_ids, sizeof *ids);
        id_names = calloc(n_ids, sizeof *id_names);
        if (!ids || !id_names) {
                res = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < n_ids; i++) {
                const char *id_name = r_str(&r);
                struct jaula_file_id want, have = { 0 };

                jaula_cf_get_id(&r.b, &want);
                if (r.b.bad || !id_name)
                        goto fail;
                if (i == 0) {
                        if (fstat(main_fd, &st) < 0)
                                goto fail;
                        jaula_file_id_set(&have, &st);
                } else if (i == 1) {
                        incfd = open(id_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (incfd < 0 && errno != ENOENT)
                                goto fail;
                        if (incfd >= 0) {
                                if (fstat(incfd, &st) < 0)
                                        goto fail;
                                jaula_file_id_set(&have, &st);
                        }
                } else {
                        if (incfd < 0 || strchr(id_name, '/') ||
                            fstatat(incfd, id_name, &st, 0) < 0)
                                goto fail;
                        jaula_file_id_set(&have, &st);
                }
                if (!jaula_file_id_equal(&want, &have))
                        goto fail;
                ids[i] = want;
                id_names[i] = id_name;
        }
        p->file = cpath;
        r_policy(&r);
        if (r.b.bad || !jaula_cf_need(&r.b, 4) || memcmp(buf + r.b.off, "END", 4) != 0 ||
            !relink(p))
                goto fail;
        p->from_cache = true;
        /* The thin pam_jaula.so reads the match table: write it again if
         * it went missing or bad while this cache stayed valid. */
        jaula_matchtab_write(dfd, path, build_stamp, p, ids, id_names, n_ids);
        *ret = p;
        return 0;
fail:
        jaula_policy_free(p);
        return res;
}
