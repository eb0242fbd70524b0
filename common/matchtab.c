/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* matchtab.c — writing the match table (see matchtab.h) next to the policy
 * cache, from a policy that was validated or read from a valid cache.
 * Needs root (the cache directory is root's, mode 0700).
 *
 * The table holds only what match.c's rule_matches looks at, in rule
 * order; the thin module trusts it to say "not jailed" and loads the full
 * module for anything else.  It is written with the policy cache's
 * identities of the sources, and only when a table there is not already
 * valid for them, so a cache hit costs a small read, not a write. */
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
#include "policy-cache.h"
#include "policy-types.h"

int jaula_matchtab_build(const struct jaula_policy *p, const char *path, const char *stamp,
                         const struct jaula_file_id *ids, const char *const *id_names,
                         size_t n_ids, char **ret_buf, size_t *ret_len)
{
        struct jaula_cf_wbuf w = { .first_cap = 4096 };

        if (n_ids < 2 || n_ids > JAULA_MATCHTAB_MAX_IDS || p->rules.n > JAULA_MATCHTAB_MAX_RULES)
                return -E2BIG;
        jaula_cf_put(&w, JAULA_MATCHTAB_MAGIC, 8);
        jaula_cf_put_str(&w, stamp);
        jaula_cf_put_str(&w, path);
        jaula_cf_put_u32(&w, (uint32_t) n_ids);
        for (size_t i = 0; i < n_ids; i++) {
                jaula_cf_put_str(&w, id_names[i]);
                jaula_cf_put_id(&w, &ids[i]);
        }
        jaula_cf_put_u32(&w, (uint32_t) p->rules.n);
        for (size_t i = 0; i < p->rules.n; i++) {
                const struct pol_rule *ru = POL_AT(p->rules, struct pol_rule, i);

                if (ru->n_users > JAULA_MATCHTAB_MAX_ITEMS || ru->n_uids > JAULA_MATCHTAB_MAX_ITEMS ||
                    ru->n_groups > JAULA_MATCHTAB_MAX_ITEMS) {
                        free(w.p);
                        return -E2BIG;
                }
                jaula_cf_put_str(&w, ru->name);
                jaula_cf_put_u32(&w, (ru->exempt ? JAULA_MATCHTAB_EXEMPT : 0) |
                                    (ru->any_user ? JAULA_MATCHTAB_ANY_USER : 0));
                jaula_cf_put_strv(&w, ru->users, ru->n_users);
                jaula_cf_put_u32(&w, (uint32_t) ru->n_uids);
                for (size_t k = 0; k < ru->n_uids; k++) {
                        jaula_cf_put_u32(&w, ru->uids[k].lo);
                        jaula_cf_put_u32(&w, ru->uids[k].hi);
                }
                jaula_cf_put_strv(&w, ru->groups, ru->n_groups);
        }
        jaula_cf_put(&w, "END", 4);
        if (w.oom) {
                free(w.p);
                return -ENOMEM;
        }
        if (w.n > JAULA_MATCHTAB_MAX) {
                free(w.p);
                return -E2BIG;
        }
        *ret_buf = w.p;
        *ret_len = w.n;
        return 0;
}

/* The table on disk already says the same: same bytes. */
static bool same_table(int dfd, const char *name, const char *buf, size_t len)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        _cleanup_free_ char *have = NULL;
        struct stat st;
        ssize_t k;

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
            (st.st_mode & 0077) || (size_t) st.st_size != len)
                return false;
        have = malloc(len + 1);
        if (!have)
                return false;
        k = read(fd, have, len + 1);
        return k == (ssize_t) len && memcmp(have, buf, len) == 0;
}

void jaula_matchtab_write(int dfd, const char *path, const char *stamp,
                          const struct jaula_policy *p, const struct jaula_file_id *ids,
                          const char *const *id_names, size_t n_ids)
{
        _cleanup_free_ char *buf = NULL;
        char name[64];
        size_t len;

        if (jaula_matchtab_build(p, path, stamp, ids, id_names, n_ids, &buf, &len) < 0)
                return;
        jaula_matchtab_name(path, name, sizeof name);
        if (same_table(dfd, name, buf, len))
                return;
        /* Atomic: the thin module sees the old table or the new one. */
        jaula_cf_write_atomic(dfd, name, buf, len);
}
