/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pam_jaula_thin.c — pam_jaula.so, the module PAM stacks name: decides
 * "not jailed" with libc alone and hands every other session to the full
 * module, pam_jaula_full.so (pam_jaula.c), which it loads only then.  Runs
 * as root inside the PAM application, like the full module.
 *
 * Most sessions on a host are not jailed, and the full module costs each of
 * them its libraries (libconfig, libseccomp, libnl, libcap, …) and a walk
 * of every NSS group source before it can say so.  This module reads the
 * match table the library writes next to the policy cache (common/
 * matchtab.h) and runs the first-match-wins decision of match.c over it:
 * no matching rule, or an exempt one first, is PAM_IGNORE with nothing
 * loaded.  The user's groups are asked of NSS only when a rule naming
 * groups is reached undecided, exactly as user.c asks; a source that
 * fails is never taken for "not in the group" (the full module then
 * decides, and refuses: see user.c).
 *
 * Everything else goes to the full module, which then decides for itself:
 * a jailed user, an unknown user, a second pam_jaula line, options this
 * module does not know, a policy outside /etc (its table is not used), a
 * table that is missing, stale, not root's, open to others or malformed.
 * The full module lives in the same directory as this one; a failure to
 * load it refuses the session (fail closed). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "jaula/policy.h"
#include "jaula/util.h"
#include "matchtab.h"

#define FULL_MODULE "pam_jaula_full.so"
#define DATA_NAME "pam_jaula_session" /* the full module's session data */
#define USER_MESSAGE "jaula: your session could not be set up; contact the administrator"
#define NSS_BUF_MAX (1024 * 1024)
#define NSS_GROUP_BUF_MAX (16 * 1024 * 1024) /* a group entry names every member */

/* The Makefile passes the digest of libjaula's sources, as to the cache. */
#ifndef JAULA_SRC_STAMP
#error "JAULA_SRC_STAMP must name the build (see the Makefile)"
#endif
static const char build_stamp[] = "jaula " JAULA_SRC_STAMP;

typedef int (*pam_entry_fn)(pam_handle_t *, int, int, const char **);

struct options {
        const char *config;
        bool debug;
        bool known; /* every option is one this module understands */
};

static struct options parse_options(int argc, const char **argv)
{
        struct options o = { .config = JAULA_DEFAULT_CONFIG, .known = true };

        for (int i = 0; i < argc; i++) {
                if (strcmp(argv[i], "debug") == 0)
                        o.debug = true;
                else if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] == '/')
                        o.config = argv[i] + 7;
                else if (!(strncmp(argv[i], "jailsh=", 7) == 0 && argv[i][7] == '/'))
                        o.known = false;
        }
        return o;
}

/* The full module's entry point NAME, from the directory this module was
 * loaded from.  NULL after logging why: the caller refuses the session. */
static pam_entry_fn full_entry(pam_handle_t *pamh, const char *name)
{
        char path[4096];
        Dl_info info;
        struct stat self, st;
        const char *slash;
        void *h, *fn;

        if (!dladdr((void *) &full_entry, &info) || !info.dli_fname ||
            !(slash = strrchr(info.dli_fname, '/'))) {
                pam_syslog(pamh, LOG_ERR, "Cannot find the directory of pam_jaula.so");
                return NULL;
        }
        if (snprintf(path, sizeof path, "%.*s/%s", (int) (slash - info.dli_fname),
                     info.dli_fname, FULL_MODULE) >= (int) sizeof path) {
                pam_syslog(pamh, LOG_ERR, "Path of %s too long", FULL_MODULE);
                return NULL;
        }
        /* Whoever may write the full module could run code in every PAM
         * application: the same owner as this module (root, installed),
         * and writable by no one else. */
        if (stat(info.dli_fname, &self) < 0 || stat(path, &st) < 0) {
                pam_syslog(pamh, LOG_ERR, "Cannot load the full module '%s': %m", path);
                return NULL;
        }
        if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != self.st_uid) ||
            (st.st_mode & 0022)) {
                pam_syslog(pamh, LOG_ERR,
                           "Refusing to load the full module '%s': not a regular file owned "
                           "by root (or by the owner of pam_jaula.so) and closed to writes "
                           "by others",
                           path);
                return NULL;
        }
        /* Never closed: the session data it hands to PAM points at its
         * cleanup function, which pam_end calls. */
        h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                pam_syslog(pamh, LOG_ERR, "Cannot load the full module: %s", dlerror());
                return NULL;
        }
        fn = dlsym(h, name);
        if (!fn) {
                pam_syslog(pamh, LOG_ERR, "The full module '%s' lacks %s", path, name);
                return NULL;
        }
        return (pam_entry_fn) fn;
}

static int run_full(pam_handle_t *pamh, const char *name, int flags, int argc, const char **argv)
{
        pam_entry_fn fn = full_entry(pamh, name);

        if (!fn) {
                if (!(flags & PAM_SILENT))
                        pam_error(pamh, "%s", USER_MESSAGE);
                return PAM_SESSION_ERR;
        }
        return fn(pamh, flags, argc, argv);
}

/* The user's group names exactly as user.c computes them for match.c:
 * getgrouplist from the primary group, then the name of each gid (its
 * number when it has none). */
struct groups {
        const char *user;
        gid_t gid;
        gid_t *gids;
        size_t n_gids;
        char **names;
        size_t n;
};

static void groups_clear(struct groups *g)
{
        for (size_t i = 0; g->names && i < g->n; i++)
                free(g->names[i]);
        free(g->names);
        free(g->gids);
}

static int group_name(gid_t gid, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 1024;
        struct group gr, *res = NULL;
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
        /* Not 0: a source failed (its errno), which is no answer. */
        if (r != 0)
                return r == ENOMEM ? -ENOMEM : -EIO;
        if (res && res->gr_name && *res->gr_name) {
                *ret = strdup(res->gr_name);
        } else {
                snprintf(num, sizeof num, "%" PRIu32, (uint32_t) gid);
                *ret = strdup(num);
        }
        return *ret ? 0 : -ENOMEM;
}

static int groups_of(void *ud, const char *const **ret_names, size_t *ret_n)
{
        struct groups *g = ud;
        int n = 16, r;

        for (;;) {
                int got = n;
                gid_t *ng = realloc(g->gids, sizeof(gid_t) * (size_t) n);

                if (!ng)
                        return -ENOMEM;
                g->gids = ng;
                if (getgrouplist(g->user, g->gid, g->gids, &got) >= 0) {
                        n = got;
                        g->n_gids = (size_t) n;
                        break;
                }
                if (got <= n)
                        got = n * 2;
                if (got > 65536)
                        return -E2BIG;
                n = got;
        }
        g->names = calloc((size_t) n + 1, sizeof *g->names);
        if (!g->names)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                r = group_name(g->gids[i], &g->names[g->n]);
                if (r < 0)
                        return r;
                g->n++;
        }
        /* user.c also names the primary group when getgrouplist left it out. */
        r = group_name(g->gid, &g->names[g->n]);
        if (r < 0)
                return r;
        g->n++;
        *ret_names = (const char *const *) g->names;
        *ret_n = g->n;
        return 0;
}

/* user.c's jaula_user_in_group: GROUP by name, since getgrouplist leaves
 * out a source that failed. */
static int member_of(void *ud, const char *group)
{
        struct groups *g = ud;
        _cleanup_free_ char *buf = NULL;
        size_t size = 4096;
        struct group gr, *res = NULL;
        int r;

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
                return r == ENOMEM ? -ENOMEM : -EIO;
        if (!res)
                return 0;
        if (res->gr_gid == g->gid)
                return 1;
        for (size_t i = 0; i < g->n_gids; i++)
                if (g->gids[i] == res->gr_gid)
                        return 1;
        for (char **m = res->gr_mem; m && *m; m++)
                if (strcmp(*m, g->user) == 0)
                        return 1;
        return 0;
}

/* 0: not jailed (PAM_IGNORE).  1: the full module must decide, and
 * *ret_why says why when debugging. */
static int thin_decide(pam_handle_t *pamh, const struct options *o, const char *name,
                       const char **ret_why)
{
        _cleanup_free_ char *tbuf = NULL, *pwbuf = NULL;
        struct jaula_matchtab t;
        struct groups g = { 0 };
        struct passwd pw, *res = NULL;
        size_t size = 1024;
        long rule = -1;
        int r;

        /* The fast path trusts a table only for a policy under /etc/ (the
         * cache also serves other root-closed directories, but the thin
         * module does not re-check a whole path's directories). */
        if (strncmp(o->config, "/etc/", 5) != 0) {
                *ret_why = "the policy is not under /etc, so its match table is not used";
                return 1;
        }
        r = jaula_matchtab_load(JAULA_POLICY_CACHE_DIR, o->config, build_stamp, &t, &tbuf);
        if (r < 0) {
                *ret_why = r == -ENOENT ? "no match table" : "the match table is stale or unusable";
                return 1;
        }
        for (;;) {
                char *nb = realloc(pwbuf, size);

                if (!nb) {
                        r = -ENOMEM;
                        break;
                }
                pwbuf = nb;
                r = getpwnam_r(name, &pw, pwbuf, size, &res);
                if (r != ERANGE || size >= NSS_BUF_MAX)
                        break;
                size *= 2;
        }
        if (r != 0 || !res) {
                jaula_matchtab_clear(&t);
                *ret_why = r ? "the user could not be looked up" : "the user was not found";
                return 1;
        }
        g.user = res->pw_name;
        g.gid = res->pw_gid;
        r = jaula_matchtab_decide_checked(&t, res->pw_name, res->pw_uid, groups_of, member_of,
                                          &g, &rule);
        groups_clear(&g);
        if (r == JAULA_MATCHTAB_FREE) {
                if (o->debug)
                        pam_syslog(pamh, LOG_DEBUG, "User '%s' is not jailed (%s%s%s)", name,
                                   rule >= 0 ? "exempted by rule '" : "no rule matches",
                                   rule >= 0 ? t.rules[rule].name : "", rule >= 0 ? "'" : "");
                jaula_matchtab_clear(&t);
                return 0;
        }
        jaula_matchtab_clear(&t);
        *ret_why = r == JAULA_MATCHTAB_JAILED ? "a rule jails the user"
                                              : "the user's groups could not be looked up";
        return 1;
}

JAULA_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct options o = parse_options(argc, argv);
        const void *item = NULL;
        const char *why = "options this module leaves to it";

        if (o.known && pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS && item &&
            *(const char *) item) {
                /* A second pam_jaula line scrubs the environment again. */
                const void *data = NULL;

                if (pam_get_data(pamh, DATA_NAME, &data) == PAM_SUCCESS && data)
                        why = "the session is jailed already";
                else if (thin_decide(pamh, &o, item, &why) == 0)
                        return PAM_IGNORE;
        }
        if (o.debug)
                pam_syslog(pamh, LOG_DEBUG, "Loading the full module: %s", why);
        return run_full(pamh, "pam_sm_open_session", flags, argc, argv);
}

JAULA_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct options o = parse_options(argc, argv);
        const void *data = NULL;

        /* Only the full module sets the data, and only for a jailed session. */
        if (o.known && (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || !data))
                return PAM_IGNORE;
        return run_full(pamh, "pam_sm_close_session", flags, argc, argv);
}
