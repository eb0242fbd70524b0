/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* matchtab_read.c — reading the match table and deciding from it (see
 * matchtab.h).  libc only: the thin pam_jaula.so links this file and
 * cachefile.c alone, so it must call nothing else of libjaula.  Reading
 * the table needs root (the cache directory is root's, mode 0700).
 *
 * The table is trusted only as far as the policy cache is: the same
 * root-only directory, the same identities of every source file, and a
 * strict parser that bounds every count by what is left of the file.  A
 * table that fails any check is "stale" to the caller, which then loads
 * the full module; so a bad table can cost time, never a wrong answer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaula/util.h"
#include "cachefile.h"
#include "matchtab.h"

/* The policy cache's naming (policy_cache.c): FNV-1a of the path. */
void jaula_matchtab_name(const char *path, char *buf, size_t size)
{
        uint64_t h = UINT64_C(14695981039346656037);

        for (const unsigned char *q = (const unsigned char *) path; *q; q++) {
                h ^= *q;
                h *= UINT64_C(1099511628211);
        }
        snprintf(buf, size, "%016llx.match", (unsigned long long) h);
}

static const char **rd_strv(struct jaula_cf_rbuf *r, size_t *ret_n)
{
        size_t n = jaula_cf_get_count(r, JAULA_MATCHTAB_MAX_ITEMS, 5);
        const char **v;

        if (r->bad)
                return NULL;
        v = calloc(n ? n : 1, sizeof *v);
        if (!v) {
                r->bad = true;
                return NULL;
        }
        for (size_t i = 0; i < n && !r->bad; i++)
                v[i] = jaula_cf_get_str(r, false);
        *ret_n = n;
        return v;
}

void jaula_matchtab_clear(struct jaula_matchtab *t)
{
        for (size_t i = 0; t->rules && i < t->n_rules; i++) {
                free(t->rules[i].users);
                free(t->rules[i].uids);
                free(t->rules[i].groups);
        }
        free(t->rules);
        free(t->ids);
        *t = (struct jaula_matchtab){ 0 };
}

int jaula_matchtab_parse(const char *buf, size_t len, struct jaula_matchtab *ret)
{
        struct jaula_matchtab t = { 0 };
        struct jaula_cf_rbuf r = { .d = buf, .n = len };

        if (len < 8 || memcmp(buf, JAULA_MATCHTAB_MAGIC, 8) != 0)
                return -EBADMSG;
        r.off = 8;
        t.stamp = jaula_cf_get_str(&r, false);
        t.path = jaula_cf_get_str(&r, false);
        t.n_ids = jaula_cf_get_count(&r, JAULA_MATCHTAB_MAX_IDS, 5 + 4 + 7 * 8 + 8);
        if (r.bad || t.n_ids < 2)
                goto bad;
        t.ids = calloc(t.n_ids, sizeof *t.ids);
        if (!t.ids)
                return -ENOMEM;
        for (size_t i = 0; i < t.n_ids && !r.bad; i++) {
                struct jaula_matchtab_id *id = &t.ids[i];

                id->name = jaula_cf_get_str(&r, false);
                jaula_cf_get_id(&r, &id->id);
                /* Only the directory may be absent; drop-ins are plain
                 * names inside it. */
                if (id->id.present > 1 || (!id->id.present && i != 1) ||
                    (i >= 2 && (strchr(id->name ? id->name : "/", '/') || !id->name[0])))
                        r.bad = true;
        }
        t.n_rules = jaula_cf_get_count(&r, JAULA_MATCHTAB_MAX_RULES, 5 + 4 + 3 * 4);
        if (r.bad)
                goto bad;
        t.rules = calloc(t.n_rules ? t.n_rules : 1, sizeof *t.rules);
        if (!t.rules) {
                jaula_matchtab_clear(&t);
                return -ENOMEM;
        }
        for (size_t i = 0; i < t.n_rules && !r.bad; i++) {
                struct jaula_matchtab_rule *ru = &t.rules[i];

                ru->name = jaula_cf_get_str(&r, false);
                ru->flags = jaula_cf_get_u32(&r);
                if (ru->flags & ~(uint32_t) (JAULA_MATCHTAB_EXEMPT | JAULA_MATCHTAB_ANY_USER))
                        r.bad = true;
                ru->users = rd_strv(&r, &ru->n_users);
                ru->n_uids = jaula_cf_get_count(&r, JAULA_MATCHTAB_MAX_ITEMS, 8);
                if (r.bad)
                        break;
                ru->uids = calloc(ru->n_uids ? ru->n_uids : 1, sizeof *ru->uids);
                if (!ru->uids) {
                        r.bad = true;
                        break;
                }
                for (size_t k = 0; k < ru->n_uids; k++) {
                        ru->uids[k][0] = jaula_cf_get_u32(&r);
                        ru->uids[k][1] = jaula_cf_get_u32(&r);
                }
                ru->groups = rd_strv(&r, &ru->n_groups);
        }
        if (r.bad || !jaula_cf_need(&r, 4) || memcmp(buf + r.off, "END", 4) != 0 ||
            r.off + 4 != len)
                goto bad;
        *ret = t;
        return 0;
bad:
        jaula_matchtab_clear(&t);
        return -EBADMSG;
}

/* The same sources, looked at the same way as jaula_policy_cache_read
 * does: the main file through its path (the loader opens it following
 * symlinks), the drop-in directory by its recorded path, the drop-ins by
 * name inside it. */
int jaula_matchtab_fresh(const struct jaula_matchtab *t)
{
        _cleanup_close_ int incfd = -1;
        struct stat st;

        if (!t || t->n_ids < 2 || !t->path || strcmp(t->ids[0].name, t->path) != 0)
                return -ESTALE;
        if (stat(t->path, &st) < 0 || !jaula_file_id_matches(&t->ids[0].id, &st))
                return -ESTALE;
        incfd = open(t->ids[1].name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (incfd < 0) {
                if (errno != ENOENT || t->ids[1].id.present || t->n_ids != 2)
                        return -ESTALE;
        } else if (fstat(incfd, &st) < 0 || !jaula_file_id_matches(&t->ids[1].id, &st)) {
                return -ESTALE;
        }
        for (size_t i = 2; i < t->n_ids; i++)
                if (fstatat(incfd, t->ids[i].name, &st, 0) < 0 ||
                    !jaula_file_id_matches(&t->ids[i].id, &st))
                        return -ESTALE;
        return 0;
}

int jaula_matchtab_load(const char *dir, const char *path, const char *stamp,
                        struct jaula_matchtab *ret, char **ret_buf)
{
        _cleanup_close_ int dfd = -1, fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct jaula_matchtab t;
        char name[64];
        struct stat st;
        int r;

        /* Never created here; one not root's 0700 makes the table stale. */
        dfd = jaula_cf_open_dir(dir, false, -ESTALE);
        if (dfd < 0)
                return dfd;
        jaula_matchtab_name(path, name, sizeof name);
        /* O_NONBLOCK: a FIFO planted there must not hang a login. */
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return neg_errno();
        if (fstat(fd, &st) < 0)
                return neg_errno();
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0077) || st.st_size < 12 ||
            st.st_size > JAULA_MATCHTAB_MAX)
                return -ESTALE;
        buf = malloc((size_t) st.st_size);
        if (!buf)
                return -ENOMEM;
        if (jaula_cf_read_all(fd, buf, (size_t) st.st_size) < 0)
                return -ESTALE;
        r = jaula_matchtab_parse(buf, (size_t) st.st_size, &t);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return -ESTALE;
        if (strcmp(t.stamp, stamp) != 0 || strcmp(t.path, path) != 0 ||
            jaula_matchtab_fresh(&t) < 0) {
                jaula_matchtab_clear(&t);
                return -ESTALE;
        }
        *ret = t;
        *ret_buf = TAKE_PTR(buf);
        return 0;
}

/* match.c's rule_matches, with the group names fetched on first need. */
static int rule_matches(const struct jaula_matchtab_rule *ru, const char *name, uid_t uid,
                        jaula_matchtab_groups_fn groups, jaula_matchtab_member_fn member,
                        void *ud, const char *const **names, size_t *n_names, bool *have_names)
{
        int r;

        if (ru->flags & JAULA_MATCHTAB_ANY_USER)
                return 1;
        for (size_t i = 0; i < ru->n_users; i++)
                if (strcmp(ru->users[i], name) == 0)
                        return 1;
        for (size_t i = 0; i < ru->n_uids; i++)
                if ((uint32_t) uid >= ru->uids[i][0] && (uint32_t) uid <= ru->uids[i][1])
                        return 1;
        if (ru->n_groups == 0)
                return 0;
        if (!*have_names) {
                r = groups(ud, names, n_names);
                if (r < 0)
                        return r;
                *have_names = true;
        }
        for (size_t i = 0; i < ru->n_groups; i++)
                for (size_t j = 0; j < *n_names; j++)
                        if ((*names)[j] && strcmp(ru->groups[i], (*names)[j]) == 0)
                                return 1;
        /* Not for root, as in match.c: uid 0 is never jailed. */
        for (size_t i = 0; member && uid != 0 && i < ru->n_groups; i++) {
                r = member(ud, ru->groups[i]);
                if (r != 0)
                        return r;
        }
        return 0;
}

int jaula_matchtab_decide(const struct jaula_matchtab *t, const char *name, uid_t uid,
                          jaula_matchtab_groups_fn groups, void *ud, long *ret_rule)
{
        return jaula_matchtab_decide_checked(t, name, uid, groups, NULL, ud, ret_rule);
}

int jaula_matchtab_decide_checked(const struct jaula_matchtab *t, const char *name, uid_t uid,
                                  jaula_matchtab_groups_fn groups,
                                  jaula_matchtab_member_fn member, void *ud, long *ret_rule)
{
        const char *const *names = NULL;
        size_t n_names = 0;
        bool have_names = false;

        if (!t || !name || !groups || !ret_rule)
                return -EINVAL;
        for (size_t i = 0; i < t->n_rules; i++) {
                const struct jaula_matchtab_rule *ru = &t->rules[i];
                int r = rule_matches(ru, name, uid, groups, member, ud, &names, &n_names,
                                     &have_names);

                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                *ret_rule = (long) i;
                return ru->flags & JAULA_MATCHTAB_EXEMPT ? JAULA_MATCHTAB_FREE
                                                         : JAULA_MATCHTAB_JAILED;
        }
        *ret_rule = -1;
        return JAULA_MATCHTAB_FREE;
}
