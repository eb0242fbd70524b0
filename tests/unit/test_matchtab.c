/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_matchtab.c — the match table of the thin pam_jaula.so: the thin
 * matcher (matchtab_read.c) decides exactly as match.c for every case of a
 * policy that exercises each selector and first-match-wins, through a
 * table built and parsed in memory; and the parser refuses damaged
 * tables.  No privilege needed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaula/policy.h"
#include "jaula/spec.h"
#include "matchtab.h"
#include "policy-cache.h"
#include "policy-types.h"

static const char *const policies[] = {
        /* every selector, exempt rules between jailing ones, a catch-all */
        "rootfs = { deb = { path = \"/srv/deb\"; }; };\n"
        "profiles = { p = { rootfs = \"deb\"; }; q = { rootfs = \"deb\"; }; };\n"
        "match = (\n"
        "  { name = \"root\"; users = [\"root\"]; exempt = true; },\n"
        "  { name = \"by-user\"; users = [\"zed\", \"amy\"]; profile = \"p\"; },\n"
        "  { name = \"by-group\"; groups = [\"teachers\"]; profile = \"q\"; },\n"
        "  { name = \"exempt-admins\"; groups = [\"wheel\", \"adm\"]; exempt = true; },\n"
        "  { name = \"by-uid\"; uids = [\"10000-19999\", \"31337\"]; profile = \"p\"; },\n"
        "  { name = \"exempt-uid\"; uids = [\"20000-20010\"]; exempt = true; },\n"
        "  { name = \"mixed\"; users = [\"bob\"]; groups = [\"legacy\"]; uids = [\"40000\"]; profile = \"q\"; },\n"
        "  { name = \"catch-all\"; users = [\"*\"]; profile = \"p\"; }\n"
        ");\n",
        /* no catch-all: most users match nothing; groups only after uids */
        "rootfs = { deb = { path = \"/srv/deb\"; }; };\n"
        "profiles = { p = { rootfs = \"deb\"; }; };\n"
        "match = (\n"
        "  { uids = [\"0-999\"]; exempt = true; },\n"
        "  { groups = [\"wheel\"]; exempt = true; },\n"
        "  { groups = [\"jailed\", \"teachers\"]; profile = \"p\"; },\n"
        "  { users = [\"amy\"]; uids = [\"65534\"]; profile = \"p\"; }\n"
        ");\n",
        /* exempt everyone first: nothing is ever jailed */
        "rootfs = { deb = { path = \"/srv/deb\"; }; };\n"
        "profiles = { p = { rootfs = \"deb\"; }; };\n"
        "match = ( { users = [\"*\"]; exempt = true; }, { users = [\"amy\"]; profile = \"p\"; } );\n",
        /* no rules at all */
        "rootfs = { deb = { path = \"/srv/deb\"; }; };\n"
        "profiles = { p = { rootfs = \"deb\"; }; };\n",
};

static const char *const names[] = { "root", "zed", "amy", "bob", "carl", "wheel", "nobody" };
static const uid_t uids[] = { 0, 1, 999, 1000, 10000, 15000, 19999, 20000, 20005, 20011, 31337,
                              40000, 65534, 4294967294u };
static const char *const group_sets[][4] = {
        { "users", NULL },           { "teachers", NULL },         { "wheel", NULL },
        { "adm", "teachers", NULL }, { "legacy", NULL },           { "jailed", NULL },
        { "wheel", "jailed", NULL }, { "users", "staff", "adm", NULL },
};

struct fake_groups {
        const char *const *v;
        size_t n;
        int calls;
};

static int fake_groups(void *ud, const char *const **ret, size_t *ret_n)
{
        struct fake_groups *g = ud;

        g->calls++;
        *ret = g->v;
        *ret_n = g->n;
        return 0;
}

static int failing_groups(void *ud, const char *const **ret, size_t *ret_n)
{
        return -EIO;
}

static struct jaula_policy *load(const char *text)
{
        struct jaula_policy *p = NULL;

        assert_int_equal(jaula_policy_parse(text, "/etc/jaula/jaula.conf", &p, NULL), 0);
        return p;
}

/* A table for P as the cache writer builds it, parsed back. */
static char *table_for(const struct jaula_policy *p, struct jaula_matchtab *t, size_t *ret_len)
{
        struct jaula_file_id ids[3] = { { .present = 1, .ino = 7, .mode = 0100644 },
                                        { .present = 1, .ino = 8, .mode = 040755 },
                                        { .present = 1, .ino = 9, .mode = 0100644 } };
        const char *id_names[3] = { "/etc/jaula/jaula.conf", "/etc/jaula/conf.d", "a.conf" };
        char *buf = NULL;
        size_t len = 0;

        assert_int_equal(jaula_matchtab_build(p, "/etc/jaula/jaula.conf", "stamp", ids, id_names,
                                              3, &buf, &len),
                         0);
        assert_int_equal(jaula_matchtab_parse(buf, len, t), 0);
        if (ret_len)
                *ret_len = len;
        return buf;
}

static void test_agrees_with_match_c(void **state)
{
        size_t cases = 0;

        for (size_t pi = 0; pi < sizeof policies / sizeof *policies; pi++) {
                struct jaula_policy *p = load(policies[pi]);
                struct jaula_matchtab t;
                char *buf = table_for(p, &t, NULL);

                assert_int_equal(t.n_rules, jaula_policy_n_rules(p));
                for (size_t ni = 0; ni < sizeof names / sizeof *names; ni++)
                        for (size_t ui = 0; ui < sizeof uids / sizeof *uids; ui++)
                                for (size_t gi = 0; gi < sizeof group_sets / sizeof *group_sets;
                                     gi++) {
                                        const char *const *gs = group_sets[gi];
                                        size_t ng = 0;
                                        gid_t gids[4] = { 100, 2000, 2001, 2002 };
                                        struct jaula_user u = {
                                                .name = (char *) names[ni],
                                                .uid = uids[ui],
                                                .gid = 100,
                                                .group = (char *) gs[0],
                                                .home = "/home/x",
                                                .shell = "/bin/sh",
                                                .gecos = "",
                                                .gids = gids,
                                                .gid_names = (char **) gs,
                                        };
                                        struct fake_groups fg = { .v = gs };
                                        struct jaula_spec *s = NULL;
                                        const char *rule = NULL;
                                        long thin_rule = -2;
                                        int full, thin, idx;

                                        while (gs[ng])
                                                ng++;
                                        u.n_gids = ng;
                                        fg.n = ng;
                                        full = jaula_policy_resolve(p, &u, &s, &rule, NULL);
                                        jaula_spec_free(s);
                                        assert_true(full == 0 || full == 1);
                                        idx = rule ? jaula_policy_rule_index(p, rule) : -1;
                                        thin = jaula_matchtab_decide(&t, u.name, u.uid,
                                                                     fake_groups, &fg, &thin_rule);
                                        if (thin != full || thin_rule != idx)
                                                fail_msg("policy %zu, user %s uid %u groups %s…: "
                                                         "match.c %d rule %d, table %d rule %ld",
                                                         pi, u.name, (unsigned) u.uid, gs[0],
                                                         full, idx, thin, thin_rule);
                                        /* groups asked for at most once */
                                        assert_true(fg.calls <= 1);
                                        cases++;
                                }
                jaula_matchtab_clear(&t);
                free(buf);
                jaula_policy_free(p);
        }
        assert_true(cases > 1000);
}

/* Groups are looked up only when a rule naming groups is reached
 * undecided; a lookup error is returned, never taken for "no group". */
static void test_groups_only_when_needed(void **state)
{
        struct jaula_policy *p = load(policies[0]);
        const char *const gs[] = { "teachers", NULL };
        struct fake_groups fg = { .v = gs, .n = 1 };
        struct jaula_matchtab t;
        char *buf = table_for(p, &t, NULL);
        long rule;

        assert_int_equal(jaula_matchtab_decide(&t, "root", 0, fake_groups, &fg, &rule),
                         JAULA_MATCHTAB_FREE);
        assert_int_equal(rule, 0);
        assert_int_equal(jaula_matchtab_decide(&t, "amy", 5000, fake_groups, &fg, &rule),
                         JAULA_MATCHTAB_JAILED);
        assert_int_equal(fg.calls, 0);
        assert_int_equal(jaula_matchtab_decide(&t, "carl", 5000, fake_groups, &fg, &rule),
                         JAULA_MATCHTAB_JAILED);
        assert_int_equal(rule, 2);
        assert_int_equal(fg.calls, 1);
        assert_int_equal(jaula_matchtab_decide(&t, "carl", 5000, failing_groups, NULL, &rule),
                         -EIO);
        jaula_matchtab_clear(&t);
        free(buf);
        jaula_policy_free(p);
}

/* member() answers for one group: "teachers" is down (-EIO), "wheel"
 * lists the user, any other group does not. */
static int scripted_member(void *ud, const char *group)
{
        int *calls = ud;

        (*calls)++;
        if (strcmp(group, "teachers") == 0)
                return -EIO;
        return strcmp(group, "wheel") == 0;
}

static int no_groups(void *ud, const char *const **ret, size_t *ret_n)
{
        static const char *const none[] = { NULL };

        *ret = none;
        *ret_n = 0;
        return 0;
}

/* A rule naming groups the user's list lacks asks member() about each of
 * them before passing over the rule: a failed lookup is returned (the
 * caller refuses), a membership member() finds decides as a match would. */
static void test_member_checked(void **state)
{
        struct jaula_policy *p = load(policies[1]);
        struct jaula_matchtab t;
        char *buf = table_for(p, &t, NULL);
        int calls = 0;
        long rule;

        /* Decided by uid before any group rule: member() never asked. */
        assert_int_equal(jaula_matchtab_decide_checked(&t, "root", 0, no_groups,
                                                       scripted_member, &calls, &rule),
                         JAULA_MATCHTAB_FREE);
        assert_int_equal(calls, 0);
        /* "wheel" (exempt) lists the user although getgrouplist did not. */
        assert_int_equal(jaula_matchtab_decide_checked(&t, "carl", 5000, no_groups,
                                                       scripted_member, &calls, &rule),
                         JAULA_MATCHTAB_FREE);
        assert_int_equal(rule, 1);
        assert_int_equal(calls, 1);
        /* Without member(), the same call would have passed every rule. */
        assert_int_equal(jaula_matchtab_decide(&t, "carl", 5000, no_groups, NULL, &rule),
                         JAULA_MATCHTAB_FREE);
        jaula_matchtab_clear(&t);
        free(buf);
        jaula_policy_free(p);

        /* policies[0]: "by-group" names teachers, whose lookup fails. */
        p = load(policies[0]);
        buf = table_for(p, &t, NULL);
        calls = 0;
        assert_int_equal(jaula_matchtab_decide_checked(&t, "carl", 5000, no_groups,
                                                       scripted_member, &calls, &rule),
                         -EIO);
        assert_int_equal(calls, 1);
        /* Root (uid 0 is never jailed) passes the same rule unasked. */
        calls = 0;
        assert_int_equal(jaula_matchtab_decide_checked(&t, "root", 0, no_groups,
                                                       scripted_member, &calls, &rule),
                         JAULA_MATCHTAB_FREE);
        assert_int_equal(calls, 0);
        jaula_matchtab_clear(&t);
        free(buf);
        jaula_policy_free(p);
}

/* Every truncation, and every single flipped byte that still parses,
 * either fails to parse or yields a table the matcher can walk. */
static void test_damaged_tables(void **state)
{
        struct jaula_policy *p = load(policies[0]);
        struct jaula_matchtab t, t2;
        size_t len;
        char *buf = table_for(p, &t, &len);
        long rule;

        jaula_matchtab_clear(&t);
        for (size_t cut = 0; cut < len; cut++)
                assert_int_equal(jaula_matchtab_parse(buf, cut, &t2), -EBADMSG);
        {
                char *longer = malloc(len + 1);

                memcpy(longer, buf, len);
                longer[len] = 0;
                assert_int_equal(jaula_matchtab_parse(longer, len + 1, &t2), -EBADMSG);
                free(longer);
        }
        for (size_t i = 0; i < len; i++)
                for (int bit = 0; bit < 8; bit++) {
                        buf[i] ^= (char) (1 << bit);
                        if (jaula_matchtab_parse(buf, len, &t2) == 0) {
                                const char *const gs[] = { "x", NULL };
                                struct fake_groups fg = { .v = gs, .n = 1 };

                                assert_true(jaula_matchtab_decide(&t2, "carl", 5, fake_groups, &fg,
                                                                  &rule) >= 0);
                                jaula_matchtab_clear(&t2);
                        }
                        buf[i] ^= (char) (1 << bit);
                }
        /* a count past the bound, with room to spare in the file */
        {
                char *big = calloc(1, len + 64);
                uint32_t huge = JAULA_MATCHTAB_MAX_IDS + 1;
                size_t off = 8 + 4 + strlen("stamp") + 1 + 4 + strlen("/etc/jaula/jaula.conf") + 1;

                memcpy(big, buf, len);
                memcpy(big + off, &huge, 4);
                assert_int_equal(jaula_matchtab_parse(big, len + 64, &t2), -EBADMSG);
                free(big);
        }
        free(buf);
        jaula_policy_free(p);
}

/* The table is keyed to the sources as the cache is: a recorded identity
 * that differs from the file's is stale. */
static void test_fresh(void **state)
{
        char dir[] = "/tmp/jaula-mt.XXXXXX", path[64], inc[64], drop[80];
        struct jaula_file_id ids[3];
        const char *id_names[3];
        struct jaula_policy *p = load(policies[1]);
        struct jaula_matchtab t;
        struct stat st;
        char *buf;
        size_t len;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/jaula.conf", dir);
        snprintf(inc, sizeof inc, "%s/conf.d", dir);
        snprintf(drop, sizeof drop, "%s/a.conf", inc);
        f = fopen(path, "w");
        fputs("x", f);
        fclose(f);
        mkdir(inc, 0755);
        f = fopen(drop, "w");
        fclose(f);
        stat(path, &st);
        jaula_file_id_set(&ids[0], &st);
        stat(inc, &st);
        jaula_file_id_set(&ids[1], &st);
        stat(drop, &st);
        jaula_file_id_set(&ids[2], &st);
        id_names[0] = path;
        id_names[1] = inc;
        id_names[2] = "a.conf";
        assert_int_equal(jaula_matchtab_build(p, path, "s", ids, id_names, 3, &buf, &len), 0);
        assert_int_equal(jaula_matchtab_parse(buf, len, &t), 0);
        assert_int_equal(jaula_matchtab_fresh(&t), 0);
        chmod(drop, 0600);
        assert_int_equal(jaula_matchtab_fresh(&t), -ESTALE);
        chmod(drop, 0644);
        unlink(drop);
        assert_int_equal(jaula_matchtab_fresh(&t), -ESTALE);
        jaula_matchtab_clear(&t);
        free(buf);
        rmdir(inc);
        unlink(path);
        rmdir(dir);
        jaula_policy_free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_agrees_with_match_c),
                cmocka_unit_test(test_groups_only_when_needed),
                cmocka_unit_test(test_member_checked),
                cmocka_unit_test(test_damaged_tables),
                cmocka_unit_test(test_fresh),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
