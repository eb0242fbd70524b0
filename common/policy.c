/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy.c — the policy's entry points: jaula_policy_parse for text in
 * memory and jaula_policy_load for the files (the main file and its
 * drop-ins), with the binary cache (policy_cache.c) in front of the
 * parser.  Loading reads root-owned files (no privilege beyond read
 * access); parsing and validation work from memory and need nothing, so
 * they can be unit-tested and fuzzed.
 *
 * The policy is read in two passes.  The first (policy_validate.c, on the
 * schema of policy_schema.c) walks each file's libconfig tree and copies
 * what it finds into plain structs (policy-types.h), reporting every
 * problem with its file and line; the second (policy_resolve.c), once the
 * main file and every drop-in are in, checks what only the whole policy
 * can tell: duplicate names across files, references between sections,
 * overlapping subnets.  After that the libconfig trees are gone and
 * resolving a login touches only the structs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaula/policy.h"
#include "jaula/util.h"
#include "policy-cache.h"
#include "policy-data.h"
#include "policy-parse.h"

#define POLICY_FILE_MAX (16 * 1024 * 1024)

/* ------------------------------------------------------------- parse */

static void policy_freep(struct jaula_policy **p)
{
        jaula_policy_free(*p);
}

static int finish(struct ctx *c, struct jaula_policy **ret)
{
        if (!c->oom)
                pol_finalize(c);
        if (c->oom)
                return -ENOMEM;
        for (size_t i = 0; i < c->d->n; i++)
                if (!c->d->v[i].warning)
                        return -EINVAL;
        *ret = c->p;
        c->p = NULL;
        return 0;
}

JAULA_EXPORT int jaula_policy_parse(const char *text, const char *name, struct jaula_policy **ret,
                                    struct jaula_diags *diags)
{
        return jaula_policy_parse_ex(text, name, 0, ret, diags);
}

int jaula_policy_parse_ex(const char *text, const char *name, unsigned flags,
                          struct jaula_policy **ret, struct jaula_diags *diags)
{
        _cleanup_(policy_freep) struct jaula_policy *p = calloc(1, sizeof *p);
        struct jaula_diags local = { 0 };
        struct ctx c = { .d = diags ? diags : &local,
                         .main = true,
                         .warnings = flags & JAULA_POLICY_WARNINGS };
        int r;

        if (!p)
                return -ENOMEM;
        c.p = p;
        p->file = c.file = jaula_arena_strdup(p, name ? name : "<policy>");
        if (!c.file)
                return -ENOMEM;
        pol_parse_text(&c, text ? text : "");
        r = finish(&c, ret);
        if (r == 0)
                p = NULL;
        jaula_diags_free(&local);
        return r;
}

/* ---------------------------------------------------------------- load */

/* The policy decides who gets a root shell on the host and who does not:
 * only root may be able to change it. */
static int check_owner(struct ctx *c, int fd, const char *name, bool dir, struct stat *ret_st)
{
        struct stat st;

        if (fstat(fd, &st) < 0) {
                pol_diag_add(c, name, 0, "cannot stat: %s", strerror(errno));
                return neg_errno();
        }
        if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
                pol_diag_add(c, name, 0, "not a %s", dir ? "directory" : "regular file");
                return -EINVAL;
        }
        if (st.st_uid != 0) {
                pol_diag_add(c, name, 0,
                             "owned by uid %u; it must be owned by root (chown root %s)",
                             (unsigned) st.st_uid, name);
                return -EPERM;
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                pol_diag_add(c, name, 0,
                             "writable by %s; it must be writable by root only (chmod go-w %s)",
                             (st.st_mode & S_IWOTH) ? "everyone" : "its group", name);
                return -EPERM;
        }
        if (!dir && st.st_size > POLICY_FILE_MAX) {
                pol_diag_add(c, name, 0, "larger than %d bytes", POLICY_FILE_MAX);
                return -EFBIG;
        }
        if (ret_st)
                *ret_st = st;
        return 0;
}

static int read_fd(struct ctx *c, int fd, const char *name, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, cap = 0;

        for (;;) {
                ssize_t k;

                if (cap - n < 4096) {
                        char *nb;

                        cap = cap ? cap * 2 : 16384;
                        if (cap > POLICY_FILE_MAX + 1) {
                                pol_diag_add(c, name, 0, "larger than %d bytes", POLICY_FILE_MAX);
                                return -EFBIG;
                        }
                        nb = realloc(buf, cap);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                k = read(fd, buf + n, cap - n - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        pol_diag_add(c, name, 0, "cannot read: %s", strerror(errno));
                        return neg_errno();
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = '\0';
        if (strlen(buf) != n) {
                pol_diag_add(c, name, 0, "contains a NUL byte; not a text file");
                return -EINVAL;
        }
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Open one policy file and check its owner and mode on the open fd. */
static int open_checked(struct ctx *c, int dirfd, const char *rel, const char *name,
                        struct stat *ret_st)
{
        _cleanup_close_ int fd = -1;
        int r;

        /* O_NONBLOCK: a FIFO planted in conf.d must not hang every login;
         * check_owner() refuses anything but a regular file anyway. */
        fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = neg_errno();
                pol_diag_add(c, name, 0, "cannot open: %s", strerror(-r));
                return r;
        }
        r = check_owner(c, fd, name, false, ret_st);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

static int parse_fd(struct ctx *c, int fd, const char *name)
{
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_fd(c, fd, name, &text);
        if (r < 0)
                return r;
        c->file = pol_ctx_strdup(c, name);
        if (!c->file)
                return -ENOMEM;
        pol_parse_text(c, text);
        return 0;
}

/* What the cache records about the sources of a policy. */
struct source_ids {
        struct jaula_file_id *v;
        char **names;
        size_t n;
        bool oom;
};

static void ids_add(struct source_ids *ids, const char *name, const struct stat *st)
{
        struct jaula_file_id *nv;
        char **nn;

        if (ids->oom)
                return;
        nv = realloc(ids->v, sizeof *nv * (ids->n + 1));
        if (nv)
                ids->v = nv;
        nn = realloc(ids->names, sizeof *nn * (ids->n + 1));
        if (nn)
                ids->names = nn;
        if (!nv || !nn || !(ids->names[ids->n] = strdup(name))) {
                ids->oom = true;
                return;
        }
        if (st)
                jaula_file_id_set(&ids->v[ids->n], st);
        else
                ids->v[ids->n] = (struct jaula_file_id){ 0 };
        ids->n++;
}

static void ids_clear(struct source_ids *ids)
{
        for (size_t i = 0; i < ids->n; i++)
                free(ids->names[i]);
        free(ids->names);
        free(ids->v);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* The *.conf names in the drop-in directory, sorted. */
static int list_dropins(int dfd, char ***ret, size_t *ret_n)
{
        _cleanup_(closedirp) DIR *dir = NULL;
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        int dup_fd;

        dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0)
                return neg_errno();
        dir = fdopendir(dup_fd);
        if (!dir) {
                close_nointr(dup_fd);
                return neg_errno();
        }
        while ((de = readdir(dir))) {
                size_t len = strlen(de->d_name);
                char **nn;

                if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
                        continue;
                nn = realloc(names, sizeof *names * (n + 1));
                if (!nn)
                        goto oom;
                names = nn;
                names[n] = strdup(de->d_name);
                if (!names[n])
                        goto oom;
                n++;
        }
        if (n)
                qsort(names, n, sizeof *names, cmp_str);
        *ret = names;
        *ret_n = n;
        return 0;
oom:
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return -ENOMEM;
}

JAULA_EXPORT int jaula_policy_load_ex(const char *path, const char *cache_dir, unsigned flags,
                                      struct jaula_policy **ret, struct jaula_diags *diags)
{
        _cleanup_(policy_freep) struct jaula_policy *p = calloc(1, sizeof *p);
        _cleanup_free_ char *dirbuf = NULL;
        _cleanup_close_ int fd = -1, dfd = -1;
        struct jaula_diags local = { 0 };
        struct ctx c = { .d = diags ? diags : &local,
                         .main = true,
                         .warnings = flags & JAULA_POLICY_WARNINGS };
        struct source_ids ids = { 0 };
        char **names = NULL;
        size_t n_names = 0;
        const char *incdir;
        struct stat st;
        dev_t main_dev;
        ino_t main_ino;
        int r;

        if (!p)
                return -ENOMEM;
        c.p = p;
        if (!path)
                path = JAULA_DEFAULT_CONFIG;
        /* The default cache is for administrators' files (cachedir.c). */
        if (!cache_dir)
                cache_dir = jaula_policy_cache_dir_for(path);
        p->file = jaula_arena_strdup(p, path);
        if (!p->file)
                return -ENOMEM;

        fd = open_checked(&c, AT_FDCWD, path, path, &st);
        if (fd < 0) {
                r = fd;
                goto out;
        }
        /* A cached policy was judged already and carries no warnings. */
        if (*cache_dir && !(flags & (JAULA_POLICY_NO_CACHE_READ | JAULA_POLICY_WARNINGS)) &&
            jaula_policy_cache_read(cache_dir, path, fd, ret) == 0) {
                r = 0;
                goto out;
        }
        ids_add(&ids, path, &st);
        main_dev = st.st_dev;
        main_ino = st.st_ino;
        r = parse_fd(&c, fd, path);
        if (r < 0)
                goto out;

        incdir = p->include_dir;
        if (!incdir) {
                const char *slash = strrchr(path, '/');

                if (slash)
                        r = asprintf(&dirbuf, "%.*s/conf.d", (int) (slash - path), path);
                else
                        r = asprintf(&dirbuf, "conf.d");
                if (r < 0) {
                        dirbuf = NULL;
                        r = -ENOMEM;
                        goto out;
                }
                incdir = dirbuf;
        }

        dfd = open(incdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 && errno != ENOENT) {
                r = neg_errno();
                pol_diag_add(&c, incdir, 0, "cannot open the drop-in directory: %s", strerror(-r));
                goto out;
        }
        if (dfd < 0) {
                ids_add(&ids, incdir, NULL);
        } else {
                r = check_owner(&c, dfd, incdir, true, &st);
                if (r < 0)
                        goto out;
                ids_add(&ids, incdir, &st);
                r = list_dropins(dfd, &names, &n_names);
                if (r < 0)
                        goto out;
                c.main = false;
                for (size_t i = 0; i < n_names; i++) {
                        _cleanup_free_ char *full = NULL;
                        _cleanup_close_ int dropin = -1;

                        if (asprintf(&full, "%s/%s", incdir, names[i]) < 0) {
                                full = NULL;
                                r = -ENOMEM;
                                goto out;
                        }
                        /* A drop-in that cannot be read is reported and the
                         * others are still checked, so one run shows
                         * everything to fix. */
                        dropin = open_checked(&c, dfd, names[i], full, &st);
                        if (dropin == -ENOMEM) {
                                r = -ENOMEM;
                                goto out;
                        }
                        if (dropin < 0)
                                continue;
                        /* include_dir may be the main file's own directory. */
                        if (st.st_dev == main_dev && st.st_ino == main_ino)
                                continue;
                        ids_add(&ids, names[i], &st);
                        r = parse_fd(&c, dropin, full);
                        if (r == -ENOMEM)
                                goto out;
                }
        }
        r = finish(&c, ret);
        if (r == 0) {
                p = NULL;
                if (*cache_dir && !(flags & JAULA_POLICY_NO_CACHE_WRITE) && !ids.oom)
                        jaula_policy_cache_write(cache_dir, path, *ret, ids.v,
                                                 (const char *const *) ids.names, ids.n);
        }
out:
        for (size_t i = 0; i < n_names; i++)
                free(names[i]);
        free(names);
        ids_clear(&ids);
        jaula_diags_free(&local);
        return r;
}

JAULA_EXPORT int jaula_policy_load(const char *path, struct jaula_policy **ret,
                                   struct jaula_diags *diags)
{
        return jaula_policy_load_ex(path, NULL, 0, ret, diags);
}

JAULA_EXPORT int jaula_policy_from_cache(const struct jaula_policy *p)
{
        return p && p->from_cache;
}
