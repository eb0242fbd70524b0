/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_precompile.c — jaula_policy_precompile compiles each profile's
 * filter into the cache under exactly the key a login computes from the
 * spec it resolves for a user (so the login finds it), counts the
 * profiles without a filter, and finds its own work on a second run.  The
 * cache is used only by root; as another user everything is "not cached"
 * and the read-back half is skipped (and says so). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jaula/confine.h"
#include "jaula/policy.h"
#include "jaula/precompile.h"
#include "jaula/spec.h"

static char cache_dir[64];

static const char text[] =
        "rootfs = { r = { path = \"/r\"; }; };\n"
        "profiles = {\n"
        "  a = { rootfs = \"r\"; };\n"
        "  b = { rootfs = \"r\"; seccomp = { profile = \"strict\"; deny = [ \"acct\" ]; }; };\n"
        "  c = { rootfs = \"r\"; seccomp = { profile = \"none\"; }; unsafe = [ \"seccomp-none\" ]; };\n"
        "};\n"
        "match = ( { users = [\"amy\"]; profile = \"b\"; } );\n";

static int setup(void **state)
{
        snprintf(cache_dir, sizeof cache_dir, "/tmp/jaula-unit-pc.XXXXXX");
        return mkdtemp(cache_dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache_dir);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_precompile(void **state)
{
        struct jaula_policy *p = NULL;
        struct jaula_precompiled n = { 0 };
        struct jaula_err err = { 0 };

        assert_int_equal(jaula_policy_parse(text, "t.conf", &p, NULL), 0);
        assert_int_equal(jaula_policy_precompile(p, cache_dir, &n, &err), 0);
        assert_int_equal(n.empty, 1);
        if (geteuid() != 0) {
                assert_int_equal(n.uncached, 2);
                assert_int_equal(n.written + n.already, 0);
                print_message("# not root: the cache is root's, read-back skipped\n");
                jaula_policy_free(p);
                return;
        }
        assert_int_equal(n.written, 2);
        assert_int_equal(n.already + n.uncached, 0);

        /* Again: everything is there. */
        n = (struct jaula_precompiled){ 0 };
        assert_int_equal(jaula_policy_precompile(p, cache_dir, &n, &err), 0);
        assert_int_equal(n.already, 2);
        assert_int_equal(n.written + n.uncached, 0);
        jaula_policy_free(p);
}

/* The spec a login resolves for amy (profile b) finds the precompiled
 * filter: the precompiled key is the login's key. */
static void test_login_finds_it(void **state)
{
        struct jaula_user u = { .name = (char *) "amy", .uid = 1000, .gid = 1000,
                                .group = (char *) "amy", .home = (char *) "/home/amy",
                                .shell = (char *) "/bin/sh" };
        struct jaula_policy *p = NULL;
        struct jaula_spec *s = NULL;
        struct jaula_precompiled n = { 0 };
        struct jaula_seccomp_prog prog = { 0 };
        struct jaula_err err = { 0 };
        const char *rule = NULL;
        bool cached = false;

        if (geteuid() != 0) {
                skip();
                return;
        }
        assert_int_equal(jaula_policy_parse(text, "t.conf", &p, NULL), 0);
        assert_int_equal(jaula_policy_precompile(p, cache_dir, &n, &err), 0);
        assert_int_equal(jaula_policy_resolve(p, &u, &s, &rule, &err), 1);
        assert_non_null(s);
        assert_string_equal(s->profile_name, "b");
        assert_int_equal(jaula_seccomp_compile(&s->seccomp, cache_dir, &prog, &cached, &err), 0);
        assert_true(cached);
        assert_true(prog.n > 0);
        jaula_seccomp_prog_free(&prog);
        jaula_spec_free(s);
        jaula_policy_free(p);
}

/* No profiles, no work, and the counts are reset. */
static void test_no_profiles(void **state)
{
        static const char empty[] = "rootfs = { r = { path = \"/r\"; }; };\n";
        struct jaula_policy *p = NULL;
        struct jaula_precompiled n = { 1, 1, 1, 1 };
        struct jaula_err err = { 0 };

        assert_int_equal(jaula_policy_parse(empty, "e.conf", &p, NULL), 0);
        assert_int_equal(jaula_policy_precompile(p, cache_dir, &n, &err), 0);
        assert_int_equal(n.written + n.already + n.uncached + n.empty, 0);
        jaula_policy_free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_precompile),
                cmocka_unit_test(test_login_finds_it),
                cmocka_unit_test(test_no_profiles),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
