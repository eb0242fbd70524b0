/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* user.c — the identity of the user being jailed, through NSS (files,
 * LDAP, SSSD alike).  No privilege needed.
 *
 * Groups are looked up once per login (getgrouplist + one getgrgid_r per
 * gid) so that matching the policy's rules never calls NSS again, however
 * many rules name groups.  A login shell already runs with the groups its
 * login program gave it (initgroups); jailsh passes those in
 * (jaula_user_lookup_uid_groups), which spares it getgrouplist: that walks
 * every NSS source, and with Debian's "group: files systemd" it loads
 * libnss_systemd and its libraries at every login.
 *
 * A source that fails (LDAP down, nslcd or sssd not answering) is an
 * error here, never "no such entry": glibc's *_r calls return 0 with no
 * result only when every source said NOTFOUND, and the errno of the
 * failing source otherwise (nss-ldapd's is ENOENT).  getgrouplist cannot
 * say that a source failed — it leaves it out — so a user whose groups
 * came from it carries nss_groups, and match.c asks the group a rule names
 * directly (jaula_user_in_group) before deciding that the user is not in
 * it. */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"

#define NSS_BUF_MAX (1024 * 1024)
/* A group entry holds every member's name. */
#define NSS_GROUP_BUF_MAX (16 * 1024 * 1024)

/* The -errno of a failed *_r lookup (r != 0).  ENOENT or ESRCH here is the
 * failing source's errno, not an answer: -EIO, so that no caller takes it
 * for an unknown name. */
static int nss_error(int r)
{
        if (r == ENOMEM || r == ERANGE)
                return -r;
        if (r == ENOENT || r == ESRCH)
                return -EIO;
        return -r;
}

/* Name of gid; a group without a name is given its number, which a rule
 * can never name by accident because the policy refuses numeric group
 * names (see policy_validate.c). */
static int group_name(gid_t gid, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 1024;
        struct group gr, *res;
        char num[24];
        int r;

        for (;;) {
                char *nb = realloc(buf, size);

                if (!nb)
                        return -ENOMEM;
                buf = nb;
                r = getgrgid_r(gid, &gr, buf, size, &res);
                if (r != ERANGE)
                        break;
                if (size >= NSS_BUF_MAX)
                        return -ERANGE;
                size *= 2;
        }
        if (r != 0)
                return nss_error(r);
        if (res && res->gr_name && *res->gr_name) {
                *ret = strdup(res->gr_name);
        } else {
                snprintf(num, sizeof num, "%" PRIu32, (uint32_t) gid);
                *ret = strdup(num);
        }
        return *ret ? 0 : -ENOMEM;
}

/* The groups getgrouplist reports for pw, primary included. */
static int nss_groups(const struct passwd *pw, struct jaula_user *u)
{
        int n = 16;

        for (;;) {
                int got = n;
                gid_t *ng = realloc(u->gids, sizeof(gid_t) * (size_t) n);

                if (!ng)
                        return -ENOMEM;
                u->gids = ng;
                if (getgrouplist(pw->pw_name, pw->pw_gid, u->gids, &got) >= 0) {
                        u->n_gids = (size_t) got;
                        return 0;
                }
                /* got holds the number needed; guard against a source that
                 * keeps growing or reports nonsense. */
                if (got <= n)
                        got = n * 2;
                if (got > 65536)
                        return -E2BIG;
                n = got;
        }
}

/* The given groups, the primary group first when they lack it. */
static int given_groups(const struct passwd *pw, const gid_t *gids, size_t n, struct jaula_user *u)
{
        bool has_primary = false;

        for (size_t i = 0; i < n; i++)
                has_primary = has_primary || gids[i] == pw->pw_gid;
        u->gids = calloc(n + 1, sizeof(gid_t));
        if (!u->gids)
                return -ENOMEM;
        if (!has_primary)
                u->gids[u->n_gids++] = pw->pw_gid;
        for (size_t i = 0; i < n; i++)
                u->gids[u->n_gids++] = gids[i];
        return 0;
}

/* gids NULL: ask NSS for the groups. */
static int fill_from_passwd(const struct passwd *pw, const gid_t *gids, size_t n_gids,
                            struct jaula_user *ret)
{
        struct jaula_user u = { 0 };
        int r;

        u.uid = pw->pw_uid;
        u.gid = pw->pw_gid;
        u.name = strdup(pw->pw_name);
        u.home = strdup(pw->pw_dir ? pw->pw_dir : "");
        u.shell = strdup(pw->pw_shell ? pw->pw_shell : "");
        u.gecos = strdup(pw->pw_gecos ? pw->pw_gecos : "");
        if (!u.name || !u.home || !u.shell || !u.gecos) {
                r = -ENOMEM;
                goto fail;
        }
        r = gids ? given_groups(pw, gids, n_gids, &u) : nss_groups(pw, &u);
        u.nss_groups = !gids;
        if (r < 0)
                goto fail;
        u.gid_names = calloc(u.n_gids ? u.n_gids : 1, sizeof(char *));
        if (!u.gid_names) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < u.n_gids; i++) {
                r = group_name(u.gids[i], &u.gid_names[i]);
                if (r < 0)
                        goto fail;
                if (u.gids[i] == u.gid && !u.group) {
                        u.group = strdup(u.gid_names[i]);
                        if (!u.group) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }
        }
        if (!u.group) {
                r = group_name(u.gid, &u.group);
                if (r < 0)
                        goto fail;
        }
        *ret = u;
        return 0;
fail:
        jaula_user_clear(&u);
        return r;
}

static int lookup(const char *name, uid_t uid, bool by_name, const gid_t *gids, size_t n_gids,
                  struct jaula_user *ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 1024;
        struct passwd pw, *res = NULL;
        int r;

        for (;;) {
                char *nb = realloc(buf, size);

                if (!nb)
                        return -ENOMEM;
                buf = nb;
                errno = 0;
                r = by_name ? getpwnam_r(name, &pw, buf, size, &res)
                            : getpwuid_r(uid, &pw, buf, size, &res);
                if (r != ERANGE)
                        break;
                if (size >= NSS_BUF_MAX)
                        return -ERANGE;
                size *= 2;
        }
        if (r != 0)
                return nss_error(r);
        if (!res)
                return -ENOENT;
        return fill_from_passwd(res, gids, n_gids, ret);
}

JAULA_EXPORT int jaula_user_lookup_name(const char *name, struct jaula_user *ret)
{
        if (!name || !*name)
                return -EINVAL;
        return lookup(name, 0, true, NULL, 0, ret);
}

JAULA_EXPORT int jaula_user_lookup_uid(uid_t uid, struct jaula_user *ret)
{
        return lookup(NULL, uid, false, NULL, 0, ret);
}

JAULA_EXPORT int jaula_user_lookup_uid_groups(uid_t uid, const gid_t *gids, size_t n_gids,
                                              struct jaula_user *ret)
{
        if (!gids && n_gids)
                return -EINVAL;
        return lookup(NULL, uid, false, gids ? gids : &(gid_t){ 0 }, n_gids, ret);
}

JAULA_EXPORT int jaula_user_in_group(const struct jaula_user *u, const char *group)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 4096;
        struct group gr, *res = NULL;
        int r;

        if (!u || !group)
                return -EINVAL;
        for (;;) {
                char *nb = realloc(buf, size);

                if (!nb)
                        return -ENOMEM;
                buf = nb;
                r = getgrnam_r(group, &gr, buf, size, &res);
                if (r != ERANGE)
                        break;
                if (size >= NSS_GROUP_BUF_MAX)
                        return -ERANGE;
                size *= 2;
        }
        if (r != 0)
                return nss_error(r);
        if (!res)
                return 0;
        if (res->gr_gid == u->gid)
                return 1;
        for (size_t i = 0; i < u->n_gids; i++)
                if (u->gids[i] == res->gr_gid)
                        return 1;
        for (char **m = res->gr_mem; u->name && m && *m; m++)
                if (strcmp(*m, u->name) == 0)
                        return 1;
        return 0;
}
