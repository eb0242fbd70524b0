/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_rootfs.c — the text the jail's /etc/passwd, /etc/group and
 * /etc/hosts get, and the path check used before a path reaches an
 * overlayfs option.  Needs no privilege (no mount happens here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/rootfs.h"

static gid_t gids[] = { 1001, 27, 1001, 0, 2000 };
static char *gid_names[] = { "alice", "sudo", "alice", "root", NULL };

static struct jaula_spec make_spec(void)
{
        struct jaula_spec s = { 0 };

        s.user.name = "alice";
        s.user.uid = 1001;
        s.user.gid = 1001;
        s.user.group = "alice";
        s.user.home = "/home/alice";
        s.user.gecos = "Alice: the first,,,";
        s.user.gids = gids;
        s.user.gid_names = gid_names;
        s.user.n_gids = 5;
        s.home = "/home/alice";
        s.shell = "/bin/bash";
        s.hostname = "lab-alice";
        return s;
}

static void test_passwd(void **state)
{
        struct jaula_spec s = make_spec();
        char *t = NULL;

        assert_int_equal(jaula_rootfs_passwd(&s, &t), 0);
        /* the ':' in gecos must not shift the fields */
        assert_non_null(strstr(t, "\nalice:x:1001:1001:Alice  the first,,,:/home/alice:/bin/bash\n"));
        assert_true(!strncmp(t, "root:x:0:0:", 11));
        assert_non_null(strstr(t, "nobody:x:65534:65534:"));
        free(t);
}

static void test_passwd_refuses(void **state)
{
        struct jaula_spec s = make_spec();
        char *t = NULL;

        s.user.name = "ali:ce";
        assert_int_equal(jaula_rootfs_passwd(&s, &t), -EINVAL);
        s = make_spec();
        s.home = "/home/a\nroot::0:0::/:/bin/sh";
        assert_int_equal(jaula_rootfs_passwd(&s, &t), -EINVAL);
        s = make_spec();
        s.user.gecos = "x\ny";
        assert_int_equal(jaula_rootfs_passwd(&s, &t), -EINVAL);
        assert_null(t);
}

static void test_group(void **state)
{
        struct jaula_spec s = make_spec();
        char *t = NULL;

        assert_int_equal(jaula_rootfs_group(&s, &t), 0);
        assert_non_null(strstr(t, "\nalice:x:1001:\n"));
        assert_non_null(strstr(t, "\nsudo:x:27:alice\n"));
        /* duplicates, gid 0 again, and nameless gids are left out */
        assert_null(strstr(strstr(t, "alice:x:1001:") + 1, "alice:x:1001:"));
        assert_null(strstr(t, ":2000:"));
        assert_true(!strncmp(t, "root:x:0:\n", 10));
        assert_null(strstr(t + 1, "root:x:0:"));
        free(t);
}

static void test_group_primary_only_in_user(void **state)
{
        struct jaula_spec s = make_spec();
        char *t = NULL;

        s.user.n_gids = 0;
        assert_int_equal(jaula_rootfs_group(&s, &t), 0);
        assert_non_null(strstr(t, "\nalice:x:1001:\n"));
        free(t);
}

static void test_hosts(void **state)
{
        struct jaula_spec s = make_spec();
        char *t = NULL;

        assert_int_equal(jaula_rootfs_hosts(&s, &t), 0);
        assert_non_null(strstr(t, "127.0.0.1\tlocalhost\n"));
        assert_non_null(strstr(t, "127.0.1.1\tlab-alice\n"));
        free(t);
        s.hostname = "a b";
        assert_int_equal(jaula_rootfs_hosts(&s, &t), -EINVAL);
}

static void test_path_ok(void **state)
{
        assert_true(jaula_rootfs_path_ok("/"));
        assert_true(jaula_rootfs_path_ok("/var/lib/jaula/p/alice"));
        assert_true(jaula_rootfs_path_ok("/a/.hidden/b"));
        assert_false(jaula_rootfs_path_ok(NULL));
        assert_false(jaula_rootfs_path_ok(""));
        assert_false(jaula_rootfs_path_ok("relative"));
        assert_false(jaula_rootfs_path_ok("/a//b"));
        assert_false(jaula_rootfs_path_ok("/a/b/"));
        assert_false(jaula_rootfs_path_ok("/a/../b"));
        assert_false(jaula_rootfs_path_ok("/a/./b"));
        assert_false(jaula_rootfs_path_ok("/a/.."));
        /* overlayfs option separators */
        assert_false(jaula_rootfs_path_ok("/a,upperdir=/etc"));
        assert_false(jaula_rootfs_path_ok("/a:/b"));
        assert_false(jaula_rootfs_path_ok("/a\\b"));
        assert_false(jaula_rootfs_path_ok("/a\nb"));
}

static void test_persistent_refuses_bad_path(void **state)
{
        struct jaula_err err = { 0 };

        assert_int_equal(jaula_rootfs_prepare_persistent("/x/../etc", &err), -EINVAL);
        assert_non_null(strstr(err.msg, "not a clean path"));
        assert_int_equal(jaula_rootfs_prepare_persistent(NULL, &err), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_passwd),
                cmocka_unit_test(test_passwd_refuses),
                cmocka_unit_test(test_group),
                cmocka_unit_test(test_group_primary_only_in_user),
                cmocka_unit_test(test_hosts),
                cmocka_unit_test(test_path_ok),
                cmocka_unit_test(test_persistent_refuses_bad_path),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
