/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_creds.c — the credential switch.  The refusals need no privilege;
 * the real switch runs in a forked child and only when the test runs as
 * root (it is skipped otherwise: an unprivileged process cannot change
 * its ids). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <grp.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jaula/confine.h"

static void test_refuses_root(void **state)
{
        struct jaula_user u = { .name = "root", .uid = 0, .gid = 0 };
        struct jaula_err err = { 0 };
        uid_t before = geteuid();

        assert_int_equal(jaula_creds_drop(&u, &err), -EPERM);
        assert_non_null(strstr(err.msg, "uid 0"));
        assert_int_equal(geteuid(), before);
}

static void test_refuses_group_zero(void **state)
{
        gid_t gids[] = { 100, 0 };
        struct jaula_user u = { .name = "eve", .uid = 4242, .gid = 4242, .gids = gids, .n_gids = 2 };
        struct jaula_user p = { .name = "mallory", .uid = 4242, .gid = 0 };
        struct jaula_err err = { 0 };

        assert_int_equal(jaula_creds_drop(&u, &err), -EPERM);
        assert_non_null(strstr(err.msg, "'eve' with group 0"));
        assert_int_equal(jaula_creds_drop(&p, &err), -EPERM);
        assert_non_null(strstr(err.msg, "'mallory' with group 0"));
}

static void test_unprivileged_fails_cleanly(void **state)
{
        struct jaula_user u = { .name = "x", .uid = 4242, .gid = 4242 };
        struct jaula_err err = { 0 };

        if (geteuid() == 0)
                skip();
        assert_true(jaula_creds_drop(&u, &err) < 0);
        assert_non_null(strstr(err.msg, "creds: "));
}

/* Child: drop, then report what went wrong as the exit status. */
static int child_drop(void)
{
        gid_t gids[] = { 4243, 4244, 4243 }; /* duplicates are fine */
        struct jaula_user u = { .name = "x", .uid = 4242, .gid = 4242, .gids = gids, .n_gids = 3 };
        struct jaula_err err = { 0 };
        gid_t have[8];
        uid_t r, e, s;
        int n;

        if (jaula_creds_drop(&u, &err) < 0)
                return 10;
        if (getresuid(&r, &e, &s) < 0 || r != 4242 || e != 4242 || s != 4242)
                return 11;
        n = getgroups(8, have);
        if (n != 3)
                return 12;
        if (setuid(0) == 0 || setgid(0) == 0)
                return 13;
        return 0;
}

static void test_drop_as_root(void **state)
{
        pid_t p;
        int st;

        if (geteuid() != 0)
                skip();
        p = fork();
        assert_true(p >= 0);
        if (p == 0)
                _exit(child_drop());
        assert_int_equal(waitpid(p, &st, 0), p);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_refuses_root),
                cmocka_unit_test(test_refuses_group_zero),
                cmocka_unit_test(test_unprivileged_fails_cleanly),
                cmocka_unit_test(test_drop_as_root),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
