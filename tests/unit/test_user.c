/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for user.c: a name service source that fails (a directory
 * that is down) is an error, never "no such user" or "not in the group",
 * and a group rule reached with a failed group source refuses.
 *
 * The NSS calls user.c makes are defined here, so they replace libc's for
 * this program: a tiny scripted directory whose state the tests switch
 * between up and down, the way glibc reports it (a failed source: the *_r
 * call returns its errno — nss-ldapd's is ENOENT — and no result;
 * getgrouplist leaves the source out and says nothing). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"

/* The host: root and a local user "lena" (uid 1000, group "lena" 1000)
 * in files; the directory: user "dora" (uid 700001, primary "dirusers"
 * 700000) and group "jailed" (700002) with members dora and lena. */
static bool dir_down;
static int n_getgrnam; /* getgrnam_r calls, to see which rules asked */

static int fill_pw(struct passwd *pw, char *buf, size_t len, const char *name, uid_t uid,
                   gid_t gid)
{
        int n = snprintf(buf, len, "%s", name);

        if (n < 0 || (size_t) n + 1 > len)
                return ERANGE;
        *pw = (struct passwd){ .pw_name = buf, .pw_passwd = "*", .pw_uid = uid, .pw_gid = gid,
                               .pw_gecos = "", .pw_dir = "/home/x", .pw_shell = "/bin/sh" };
        return 0;
}

static int pw_by(const char *name, uid_t uid, bool by_name, struct passwd *pw, char *buf,
                 size_t len, struct passwd **res)
{
        static const struct {
                const char *name;
                uid_t uid;
                gid_t gid;
                bool dir;
        } users[] = { { "root", 0, 0, false },
                      { "lena", 1000, 1000, false },
                      { "dora", 700001, 700000, true } };
        int r;

        *res = NULL;
        for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
                if (by_name ? strcmp(users[i].name, name) != 0 : users[i].uid != uid)
                        continue;
                if (users[i].dir && dir_down)
                        break;
                r = fill_pw(pw, buf, len, users[i].name, users[i].uid, users[i].gid);
                if (r == 0)
                        *res = pw;
                return r;
        }
        /* Not in files: the directory is asked last. */
        return dir_down ? ENOENT : 0;
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
        return pw_by(name, 0, true, pw, buf, len, res);
}

int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
        return pw_by(NULL, uid, false, pw, buf, len, res);
}

static const struct {
        const char *name;
        gid_t gid;
        bool dir;
        const char *members[3];
} groups[] = {
        { "root", 0, false, { NULL } },
        { "lena", 1000, false, { NULL } },
        { "dirusers", 700000, true, { NULL } },
        { "jailed", 700002, true, { "dora", "lena", NULL } },
};

static int gr_fill(size_t i, struct group *gr, char *buf, size_t len, struct group **res)
{
        static char *mem[3];
        size_t k = 0;

        if (strlen(groups[i].name) + 1 > len)
                return ERANGE;
        strcpy(buf, groups[i].name);
        for (; groups[i].members[k]; k++)
                mem[k] = (char *) groups[i].members[k];
        mem[k] = NULL;
        *gr = (struct group){ .gr_name = buf, .gr_passwd = "*", .gr_gid = groups[i].gid,
                              .gr_mem = mem };
        *res = gr;
        return 0;
}

int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len, struct group **res)
{
        *res = NULL;
        for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
                if (groups[i].gid == gid && !(groups[i].dir && dir_down))
                        return gr_fill(i, gr, buf, len, res);
        return dir_down ? ENOENT : 0;
}

int getgrnam_r(const char *name, struct group *gr, char *buf, size_t len, struct group **res)
{
        n_getgrnam++;
        *res = NULL;
        for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
                if (strcmp(groups[i].name, name) == 0 && !(groups[i].dir && dir_down))
                        return gr_fill(i, gr, buf, len, res);
        return dir_down ? ENOENT : 0;
}

/* The primary group, then every group listing the user; a failed source
 * is silently left out, as glibc does. */
int getgrouplist(const char *user, gid_t group, gid_t *gids, int *ngroups)
{
        int n = 0;

        if (*ngroups > n)
                gids[n] = group;
        n++;
        for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
                if (groups[i].dir && dir_down)
                        continue;
                for (size_t k = 0; groups[i].members[k]; k++)
                        if (strcmp(groups[i].members[k], user) == 0 && groups[i].gid != group) {
                                if (*ngroups > n)
                                        gids[n] = groups[i].gid;
                                n++;
                        }
        }
        if (n > *ngroups) {
                *ngroups = n;
                return -1;
        }
        *ngroups = n;
        return n;
}

static struct jaula_policy *load(const char *text)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };

        if (jaula_policy_parse(text, "u.conf", &p, &d) < 0) {
                char line[600];

                for (size_t i = 0; i < d.n; i++) {
                        jaula_diag_format(&d.v[i], line, sizeof line);
                        fprintf(stderr, "%s\n", line);
                }
                jaula_diags_free(&d);
                fail_msg("policy does not parse");
        }
        return p;
}

/* Local accounts decided first, by uid; then the directory group. */
static const char policy_text[] =
        "rootfs = { deb = { path = \"/srv/deb\"; }; };\n"
        "profiles = { p = { rootfs = \"deb\"; }; };\n"
        "match = (\n"
        "  { name = \"local\"; uids = [\"0-59999\"]; exempt = true; },\n"
        "  { name = \"dir\"; groups = [\"jailed\"]; profile = \"p\"; }\n"
        ");\n";

/* The group rule first: every user reaches it. */
static const char policy_group_first[] =
        "rootfs = { deb = { path = \"/srv/deb\"; }; };\n"
        "profiles = { p = { rootfs = \"deb\"; }; };\n"
        "match = ( { name = \"dir\"; groups = [\"jailed\"]; profile = \"p\"; } );\n";

static int resolve_name(struct jaula_policy *p, const char *name, int *ret_lookup)
{
        struct jaula_user u = { 0 };
        struct jaula_spec *s = NULL;
        struct jaula_err err = { 0 };
        int r;

        *ret_lookup = jaula_user_lookup_name(name, &u);
        if (*ret_lookup < 0)
                return *ret_lookup;
        r = jaula_policy_resolve(p, &u, &s, NULL, &err);
        jaula_spec_free(s);
        jaula_user_clear(&u);
        return r;
}

static void test_unknown_user_vs_failed_source(void **state)
{
        struct jaula_user u = { 0 };

        dir_down = false;
        assert_int_equal(jaula_user_lookup_name("nobody-here", &u), -ENOENT);
        assert_int_equal(jaula_user_lookup_name("dora", &u), 0);
        assert_true(u.nss_groups);
        jaula_user_clear(&u);
        dir_down = true;
        /* The directory's errno is ENOENT: still an error, not "unknown". */
        assert_int_equal(jaula_user_lookup_name("dora", &u), -EIO);
        assert_int_equal(jaula_user_lookup_uid(700001, &u), -EIO);
        assert_int_equal(jaula_user_lookup_name("root", &u), 0);
        jaula_user_clear(&u);
}

/* A gid whose name cannot be looked up is an error, not its number
 * (which no group rule names, so the user would go unmatched). */
static void test_group_name_failure_is_an_error(void **state)
{
        struct jaula_user u = { 0 };
        const gid_t given[] = { 700002 };

        dir_down = true;
        assert_int_equal(jaula_user_lookup_uid_groups(1000, given, 1, &u), -EIO);
        dir_down = false;
        assert_int_equal(jaula_user_lookup_uid_groups(1000, given, 1, &u), 0);
        assert_false(u.nss_groups);
        assert_string_equal(u.gid_names[1], "jailed");
        jaula_user_clear(&u);
}

static void test_group_rule_with_directory_down(void **state)
{
        struct jaula_policy *p = load(policy_text);
        int lookup;

        /* Up: the directory user and the local member are jailed. */
        dir_down = false;
        assert_int_equal(resolve_name(p, "dora", &lookup), 1);
        assert_int_equal(resolve_name(p, "root", &lookup), 0);
        assert_int_equal(resolve_name(p, "lena", &lookup), 0); /* exempt by uid first */

        /* Down: root and the local user are decided before the group rule,
         * with no group lookup at all. */
        dir_down = true;
        n_getgrnam = 0;
        assert_int_equal(resolve_name(p, "root", &lookup), 0);
        assert_int_equal(resolve_name(p, "lena", &lookup), 0);
        assert_int_equal(n_getgrnam, 0);
        /* The directory user is unknown to NSS now: an error. */
        assert_int_equal(resolve_name(p, "dora", &lookup), -EIO);
        assert_int_equal(lookup, -EIO);
        jaula_policy_free(p);

        /* With the group rule first, the local member's groups come from
         * files alone (getgrouplist drops the directory): the rule's group
         * is asked by name, fails, and the decision is an error, never
         * "not jailed". */
        p = load(policy_group_first);
        dir_down = true;
        n_getgrnam = 0;
        assert_true(resolve_name(p, "lena", &lookup) < 0);
        assert_int_equal(lookup, 0);
        assert_int_equal(n_getgrnam, 1);
        /* Root is never jailed (creds.c refuses uid 0): a failed group
         * source leaves root unmatched instead of locking root out. */
        n_getgrnam = 0;
        assert_int_equal(resolve_name(p, "root", &lookup), 0);
        assert_int_equal(n_getgrnam, 0);
        /* Up again: lena is jailed through the directory group, root not. */
        dir_down = false;
        assert_int_equal(resolve_name(p, "lena", &lookup), 1);
        assert_int_equal(resolve_name(p, "root", &lookup), 0);
        jaula_policy_free(p);
}

static void test_in_group(void **state)
{
        struct jaula_user u = { 0 };

        dir_down = false;
        assert_int_equal(jaula_user_lookup_name("root", &u), 0);
        assert_int_equal(jaula_user_in_group(&u, "jailed"), 0);
        assert_int_equal(jaula_user_in_group(&u, "no-such-group"), 0);
        assert_int_equal(jaula_user_in_group(&u, "root"), 1);
        dir_down = true;
        assert_int_equal(jaula_user_in_group(&u, "jailed"), -EIO);
        assert_int_equal(jaula_user_in_group(&u, "root"), 1); /* files answer */
        jaula_user_clear(&u);
        /* By member name, even when the user's list lacks the gid. */
        dir_down = false;
        u = (struct jaula_user){ .name = "lena", .uid = 1000, .gid = 1000 };
        assert_int_equal(jaula_user_in_group(&u, "jailed"), 1);
        assert_int_equal(jaula_user_in_group(NULL, "jailed"), -EINVAL);
}

/* Groups given by the login program (jailsh) are not re-asked. */
static void test_given_groups_not_reasked(void **state)
{
        struct jaula_policy *p = load(policy_group_first);
        struct jaula_user u = { 0 };
        struct jaula_spec *s = NULL;
        const gid_t given[] = { 1000 };

        dir_down = false;
        assert_int_equal(jaula_user_lookup_uid_groups(1000, given, 1, &u), 0);
        n_getgrnam = 0;
        assert_int_equal(jaula_policy_resolve(p, &u, &s, NULL, NULL), 0);
        assert_int_equal(n_getgrnam, 0);
        jaula_user_clear(&u);
        jaula_policy_free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unknown_user_vs_failed_source),
                cmocka_unit_test(test_group_name_failure_is_an_error),
                cmocka_unit_test(test_group_rule_with_directory_down),
                cmocka_unit_test(test_in_group),
                cmocka_unit_test(test_given_groups_not_reasked),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
