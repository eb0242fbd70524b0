/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* creds.c — switching jailsh's credentials to the user's.  Needs euid 0
 * (CAP_SETUID, CAP_SETGID) on entry; none afterwards, and it checks so.
 *
 * Groups before gids before uids: setgroups and setresgid need the
 * privilege that setresuid gives up. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jaula/confine.h"

static int cmp_gid(const void *a, const void *b)
{
        gid_t x = *(const gid_t *) a, y = *(const gid_t *) b;

        return x < y ? -1 : x > y;
}

/* The user's groups, primary included, sorted and without duplicates (the
 * kernel keeps its copy sorted too, which makes the check a compare). */
static int wanted_groups(const struct jaula_user *user, gid_t **ret, size_t *ret_n)
{
        _cleanup_free_ gid_t *g = NULL;
        size_t n = 0, m = 0;

        g = calloc(user->n_gids + 1, sizeof *g);
        if (!g)
                return -ENOMEM;
        g[n++] = user->gid;
        for (size_t i = 0; i < user->n_gids; i++)
                g[n++] = user->gids[i];
        qsort(g, n, sizeof *g, cmp_gid);
        for (size_t i = 0; i < n; i++)
                if (m == 0 || g[m - 1] != g[i])
                        g[m++] = g[i];
        *ret = TAKE_PTR(g);
        *ret_n = m;
        return 0;
}

static int verify(const struct jaula_user *user, const gid_t *want, size_t n_want,
                  struct jaula_err *err)
{
        _cleanup_free_ gid_t *have = NULL;
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        int n;

        if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
                return jaula_err_errno(err, neg_errno(), "creds: cannot read the ids back");
        if (ru != user->uid || eu != user->uid || su != user->uid)
                return jaula_err_set(err, -EPERM, "creds: uids are %u/%u/%u, expected %u",
                                     (unsigned) ru, (unsigned) eu, (unsigned) su,
                                     (unsigned) user->uid);
        if (rg != user->gid || eg != user->gid || sg != user->gid)
                return jaula_err_set(err, -EPERM, "creds: gids are %u/%u/%u, expected %u",
                                     (unsigned) rg, (unsigned) eg, (unsigned) sg,
                                     (unsigned) user->gid);

        n = getgroups(0, NULL);
        if (n < 0)
                return jaula_err_errno(err, neg_errno(), "creds: cannot read the groups back");
        have = calloc((size_t) n + 1, sizeof *have);
        if (!have)
                return jaula_err_set(err, -ENOMEM, "creds: out of memory");
        n = getgroups(n, have);
        if (n < 0)
                return jaula_err_errno(err, neg_errno(), "creds: cannot read the groups back");
        qsort(have, (size_t) n, sizeof *have, cmp_gid);
        if ((size_t) n != n_want || memcmp(have, want, n_want * sizeof *want) != 0)
                return jaula_err_set(err, -EPERM,
                                     "creds: supplementary groups differ from the user's");

        /* The privilege is really gone only if taking it back fails. */
        if (setuid(0) == 0 || seteuid(0) == 0)
                return jaula_err_set(err, -EPERM, "creds: setuid(0) still works after the drop");
        if (setgid(0) == 0 || setegid(0) == 0)
                return jaula_err_set(err, -EPERM, "creds: setgid(0) still works after the drop");
        if (setgroups(0, NULL) == 0)
                return jaula_err_set(err, -EPERM, "creds: setgroups still works after the drop");
        return 0;
}

JAULA_EXPORT int jaula_creds_drop(const struct jaula_user *user, struct jaula_err *err)
{
        _cleanup_free_ gid_t *groups = NULL;
        size_t n = 0;
        int r;

        /* Jailing root would leave the jail one setuid away, and membership
         * in group 0 opens whatever root's group may touch on the host. */
        if (user->uid == 0)
                return jaula_err_set(err, -EPERM, "creds: refusing to jail uid 0");
        r = wanted_groups(user, &groups, &n);
        if (r < 0)
                return jaula_err_set(err, r, "creds: out of memory");
        for (size_t i = 0; i < n; i++)
                if (groups[i] == 0)
                        return jaula_err_set(err, -EPERM,
                                             "creds: refusing to jail '%s' with group 0",
                                             user->name ? user->name : "?");

        if (setgroups(n, groups) < 0)
                return jaula_err_errno(err, neg_errno(), "creds: setgroups");
        if (setresgid(user->gid, user->gid, user->gid) < 0)
                return jaula_err_errno(err, neg_errno(), "creds: setresgid(%u)", (unsigned) user->gid);
        if (setresuid(user->uid, user->uid, user->uid) < 0)
                return jaula_err_errno(err, neg_errno(), "creds: setresuid(%u)", (unsigned) user->uid);
        return verify(user, groups, n, err);
}
