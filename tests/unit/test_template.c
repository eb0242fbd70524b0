/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_template.c — %-templates: what they expand to, and every value and
 * template they refuse.  No privilege needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"

static struct jaula_user user(const char *name, const char *group, const char *home)
{
        return (struct jaula_user){
                .name = (char *) name, .uid = 10042, .gid = 300, .group = (char *) group,
                .home = (char *) home,
        };
}

/* Expand and compare; or expect -EINVAL and a message containing why. */
static void expect(const char *tmpl, enum jaula_template_kind kind, struct jaula_user u,
                   const char *want, const char *why)
{
        struct jaula_err err = { 0 };
        char *out = NULL;
        int r = jaula_template_expand(tmpl, kind, &u, "lab", &out, &err);

        if (want) {
                if (r != 0)
                        fail_msg("'%s' failed: %s", tmpl, err.msg);
                assert_string_equal(out, want);
                free(out);
                return;
        }
        assert_int_equal(r, -EINVAL);
        assert_null(out);
        if (!strstr(err.msg, why))
                fail_msg("'%s': expected an error containing\n  %s\ngot\n  %s", tmpl, why, err.msg);
}

#define PATH JAULA_TEMPLATE_PATH
#define HOST JAULA_TEMPLATE_HOSTNAME

static void test_expand_each_variable(void **state)
{
        struct jaula_user u = user("ana", "students", "/home/ana");

        expect("/p/%u", PATH, u, "/p/ana", NULL);
        expect("/p/%U", PATH, u, "/p/10042", NULL);
        expect("/p/%g", PATH, u, "/p/students", NULL);
        expect("%h/x", PATH, u, "/home/ana/x", NULL);
        expect("/p/%p/%u", PATH, u, "/p/lab/ana", NULL);
        expect("/p/100%%", PATH, u, "/p/100%", NULL);
        expect("/p/%u-%U-%g-%%-%u", PATH, u, "/p/ana-10042-students-%-ana", NULL);
        expect("/plain", PATH, u, "/plain", NULL);
        expect("lab-%u", HOST, u, "lab-ana", NULL);
        expect("%p-%U", HOST, u, "lab-10042", NULL);
        expect("%g", HOST, u, "students", NULL);
}

static void test_root_home(void **state)
{
        /* "/" + "/x" must not become "//x". */
        expect("%h/x", PATH, user("r", "g", "/"), "/x", NULL);
        expect("%h", PATH, user("r", "g", "/"), "/", NULL);
}

static void test_refuse_slash(void **state)
{
        expect("/p/%u", PATH, user("a/b", "g", "/h"), NULL,
               "Path template '/p/%u' for user 'a/b': user name 'a/b' contains '/'");
        expect("/p/%g", PATH, user("a", "x/y", "/h"), NULL, "group name 'x/y' contains '/'");
}

static void test_refuse_dotdot(void **state)
{
        expect("/p/%u", PATH, user("..", "g", "/h"), NULL, "user name '..' contains '..'");
        expect("/p/%u/x", PATH, user("a..b", "g", "/h"), NULL, "contains '..'");
        expect("/p/%u", PATH, user(".", "g", "/h"), NULL, "user name is '.'");
        expect("%h/x", PATH, user("a", "g", "/home/../etc"), NULL,
               "home directory '/home/../etc' contains a '.' or '..' component");
        expect("%h", PATH, user("a", "g", "home/a"), NULL,
               "home directory 'home/a' is not an absolute path");
}

static void test_refuse_control(void **state)
{
        expect("/p/%u", PATH, user("a\nb", "g", "/h"), NULL, "user name contains a control character");
        expect("/p/%g", PATH, user("a", "g\tx", "/h"), NULL, "group name contains a control character");
        expect("%h", PATH, user("a", "g", "/h\n"), NULL, "home directory contains a control character");
        expect("h-%u", HOST, user("a\x7f", "g", "/h"), NULL, "contains a control character");
}

static void test_refuse_empty(void **state)
{
        expect("/p/%u", PATH, user("", "g", "/h"), NULL, "user name is empty");
        expect("/p/%g", PATH, user("a", NULL, "/h"), NULL, "group name is empty");
}

static void test_refuse_hostname(void **state)
{
        expect("h-%u", HOST, user("a.b", "g", "/h"), NULL,
               "user name 'a.b' contains '.', which is not allowed in a hostname");
        expect("h-%u", HOST, user("a_b", "g", "/h"), NULL, "contains '_'");
        expect("%g", HOST, user("a", "Domain Users", "/h"), NULL, "contains ' '");
        /* 3 + 61 = 64 bytes: one too many. */
        expect("lab%u", HOST,
               user("a234567890b234567890c234567890d234567890e234567890f234567890x", "g", "/h"),
               NULL, "expands to 64 bytes; a hostname has 1 to 63");
        /* 63 exactly is fine. */
        expect("la%u", HOST,
               user("a234567890b234567890c234567890d234567890e234567890f234567890x", "g", "/h"),
               "laa234567890b234567890c234567890d234567890e234567890f234567890x", NULL);
}

static void check_fails(const char *tmpl, enum jaula_template_kind kind, const char *why)
{
        char buf[256];

        assert_int_equal(jaula_template_check(tmpl, kind, buf, sizeof buf), -EINVAL);
        if (strcmp(buf, why) != 0)
                fail_msg("'%s': expected\n  %s\ngot\n  %s", tmpl, why, buf);
}

static void test_check_at_load(void **state)
{
        char buf[256];

        assert_int_equal(jaula_template_check("/srv/%u/%U/%g/%p/%%", PATH, buf, sizeof buf), 0);
        assert_int_equal(jaula_template_check("%h/sub", PATH, buf, sizeof buf), 0);
        assert_int_equal(jaula_template_check("lab-%u-%U", HOST, buf, sizeof buf), 0);
        check_fails("/srv/%x", PATH,
                    "unknown template variable '%x'; expected %u (user), %U (uid), %g (group), %h "
                    "(home), %p (profile) or %%");
        check_fails("/srv/%", PATH, "template ends with a lone '%'; write '%%' for a literal '%'");
        check_fails("srv/%u", PATH, "expected an absolute path (starting with '/' or %h)");
        check_fails("/srv/../%u", PATH, "'.' and '..' components are not allowed");
        check_fails("/srv/./%u", PATH, "'.' and '..' components are not allowed");
        check_fails("", PATH, "expected a non-empty template");
        check_fails("/a\nb", PATH, "control characters are not allowed");
        check_fails("lab_%u", HOST, "'_' is not allowed in a hostname (only A-Z, a-z, 0-9 and '-')");
        check_fails("h-%h", HOST, "'%h' (a path) cannot be used in a hostname; use %u, %U, %g or %p");
        check_fails("h%%", HOST, "'%' is not allowed in a hostname");
        check_fails("a234567890b234567890c234567890d234567890e234567890f234567890g234%u", HOST,
                    "a hostname has at most 63 bytes");
        /* The same check guards expansion: a template that was never
         * checked is refused there too. */
        expect("/srv/%q", PATH, user("a", "g", "/h"), NULL, "unknown template variable '%q'");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_expand_each_variable),
                cmocka_unit_test(test_root_home),
                cmocka_unit_test(test_refuse_slash),
                cmocka_unit_test(test_refuse_dotdot),
                cmocka_unit_test(test_refuse_control),
                cmocka_unit_test(test_refuse_empty),
                cmocka_unit_test(test_refuse_hostname),
                cmocka_unit_test(test_check_at_load),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
