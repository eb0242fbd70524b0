/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_cgroup_systemd.c — the systemd backend's pure parts: unit-name
 * escaping, the names of the slices and scopes of a jail and their cgroup
 * directories, a scope's name back to its jail id, and the unit
 * properties of limits and of a jail's scope.  Needs no privilege, no
 * systemd and no libsystemd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-internal.h"

static struct jaula_limits none(void)
{
        return (struct jaula_limits){ -1, -1, -1, -1, -1, -1, -1 };
}

static void test_escape(void **state)
{
        char buf[64];

        assert_int_equal(jaula_cg_sd_escape("students", false, buf, sizeof buf), 8);
        assert_string_equal(buf, "students");
        /* '-' would make a sub-slice: escaped in a slice's component. */
        assert_true(jaula_cg_sd_escape("cs-101", false, buf, sizeof buf) > 0);
        assert_string_equal(buf, "cs\\x2d101");
        assert_true(jaula_cg_sd_escape("s1001-ab12cd", true, buf, sizeof buf) > 0);
        assert_string_equal(buf, "s1001-ab12cd");
        /* systemd keeps [A-Za-z0-9:_.], a leading '.' escaped. */
        assert_true(jaula_cg_sd_escape(".a.b_C:9", false, buf, sizeof buf) > 0);
        assert_string_equal(buf, "\\x2ea.b_C:9");
        assert_true(jaula_cg_sd_escape("a b/\\é", false, buf, sizeof buf) > 0);
        assert_string_equal(buf, "a\\x20b\\x2f\\x5c\\xc3\\xa9");
        assert_int_equal(jaula_cg_sd_escape("", false, buf, sizeof buf), 0);
        assert_string_equal(buf, "");
        /* Room for the terminator is checked, escapes never cut. */
        assert_int_equal(jaula_cg_sd_escape("abcd", false, buf, 4), -ENAMETOOLONG);
        assert_int_equal(jaula_cg_sd_escape("ab-", false, buf, 6), -ENAMETOOLONG);
        assert_int_equal(jaula_cg_sd_escape("ab-", false, buf, 7), 6);
}

static void test_names_default(void **state)
{
        struct jaula_cg_sd_names nm;

        assert_int_equal(jaula_cg_sd_names(NULL, "students", "u1001", &nm), 0);
        assert_string_equal(nm.prefix, "jaula");
        assert_string_equal(nm.top, "jaula.slice");
        assert_string_equal(nm.group, "jaula-students.slice");
        assert_string_equal(nm.scope, "jaula-u1001.scope");
        assert_string_equal(nm.machine, "jaula-u1001");
        assert_string_equal(nm.top_rel, "jaula.slice");
        assert_string_equal(nm.group_rel, "jaula.slice/jaula-students.slice");
        assert_string_equal(nm.scope_rel, "jaula.slice/jaula-students.slice/jaula-u1001.scope");
        assert_int_equal(jaula_cg_sd_names("", "g", "s1001-ab12cd", &nm), 0);
        assert_string_equal(nm.scope, "jaula-s1001-ab12cd.scope");
        assert_string_equal(nm.machine, "jaula-s1001-ab12cd");
}

static void test_names_nested(void **state)
{
        struct jaula_cg_sd_names nm;

        /* Each component of cgroup_path is one level of slices. */
        assert_int_equal(jaula_cg_sd_names("lab/jaula", "cs-101", "u7", &nm), 0);
        assert_string_equal(nm.prefix, "lab-jaula");
        assert_string_equal(nm.top, "lab-jaula.slice");
        assert_string_equal(nm.top_rel, "lab.slice/lab-jaula.slice");
        assert_string_equal(nm.group, "lab-jaula-cs\\x2d101.slice");
        assert_string_equal(nm.group_rel, "lab.slice/lab-jaula.slice/lab-jaula-cs\\x2d101.slice");
        assert_string_equal(nm.scope, "lab-jaula-u7.scope");
        assert_string_equal(nm.scope_rel,
                            "lab.slice/lab-jaula.slice/lab-jaula-cs\\x2d101.slice/lab-jaula-u7.scope");
        /* A dash in a component does not make a level. */
        assert_int_equal(jaula_cg_sd_names("my-jails", NULL, NULL, &nm), 0);
        assert_string_equal(nm.top, "my\\x2djails.slice");
        assert_string_equal(nm.top_rel, "my\\x2djails.slice");
        assert_string_equal(nm.group, "");
        assert_string_equal(nm.scope, "");
}

static void test_names_bad(void **state)
{
        struct jaula_cg_sd_names nm;
        char longname[300];

        assert_int_equal(jaula_cg_sd_names("/abs", "g", "j", &nm), -EINVAL);
        assert_int_equal(jaula_cg_sd_names("a//b", "g", "j", &nm), -EINVAL);
        assert_int_equal(jaula_cg_sd_names("jaula", "", "j", &nm), -EINVAL);
        assert_int_equal(jaula_cg_sd_names("jaula", "g", "", &nm), -EINVAL);
        memset(longname, 'a', sizeof longname - 1);
        longname[sizeof longname - 1] = 0;
        assert_true(jaula_cg_sd_names("jaula", longname, "j", &nm) < 0);
}

static void test_scope_id(void **state)
{
        char id[64];

        assert_int_equal(jaula_cg_sd_scope_id("jaula", "jaula-u1001.scope", id, sizeof id), 0);
        assert_string_equal(id, "u1001");
        assert_int_equal(jaula_cg_sd_scope_id("jaula", "jaula-s1-ab.scope", id, sizeof id), 0);
        assert_string_equal(id, "s1-ab");
        assert_int_equal(jaula_cg_sd_scope_id("lab-jaula", "lab-jaula-u7.scope", id, sizeof id), 0);
        assert_string_equal(id, "u7");
        /* Not a jail's: another prefix, a slice, no id, an escape. */
        assert_int_equal(jaula_cg_sd_scope_id("jaula", "other-u1.scope", id, sizeof id), -EINVAL);
        assert_int_equal(jaula_cg_sd_scope_id("jaula", "jaula-u1.slice", id, sizeof id), -EINVAL);
        assert_int_equal(jaula_cg_sd_scope_id("jaula", "jaula-.scope", id, sizeof id), -EINVAL);
        assert_int_equal(jaula_cg_sd_scope_id("jaula", "jaulaX-u1.scope", id, sizeof id), -EINVAL);
        assert_int_equal(jaula_cg_sd_scope_id("jaula", "jaula-a\\x2db.scope", id, sizeof id),
                         -EINVAL);
        assert_int_equal(jaula_cg_sd_scope_id("jaula", "jaula-u1001.scope", id, 5), -EINVAL);
}

/* "Name=value …", t as a number or "inf", b as yes/no, PIDs as [pid]. */
static void render(const struct jaula_cg_sd_prop *p, size_t n, char *out, size_t size)
{
        out[0] = 0;
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(out);
                char v[64];

                switch (p[i].type) {
                case 's':
                        snprintf(v, sizeof v, "%s", p[i].s);
                        break;
                case 'b':
                        snprintf(v, sizeof v, "%s", p[i].u ? "yes" : "no");
                        break;
                case 't':
                        if (p[i].u == JAULA_CG_SD_INFINITY)
                                snprintf(v, sizeof v, "inf");
                        else
                                snprintf(v, sizeof v, "%llu", (unsigned long long) p[i].u);
                        break;
                case 'p':
                        snprintf(v, sizeof v, "[%llu]", (unsigned long long) p[i].u);
                        break;
                case 'a':
                        snprintf(v, sizeof v, "[]");
                        break;
                default:
                        fail();
                }
                snprintf(out + len, size - len, "%s%s=%s", i ? " " : "", p[i].name, v);
        }
}

static void test_limit_props(void **state)
{
        struct jaula_cg_sd_prop p[JAULA_CG_SD_MAX_PROPS];
        struct jaula_limits l = none();
        char out[1024];
        size_t n;

        /* Nothing set: TasksMax alone, infinity (not DefaultTasksMax). */
        n = jaula_cg_sd_limit_props(&l, false, p);
        render(p, n, out, sizeof out);
        assert_string_equal(out, "TasksMax=inf");
        /* reset: every limit, back to infinity or the default. */
        n = jaula_cg_sd_limit_props(&l, true, p);
        render(p, n, out, sizeof out);
        assert_string_equal(out, "MemoryMax=inf MemorySwapMax=inf TasksMax=inf CPUQuotaPerSecUSec=inf "
                                 "CPUQuotaPeriodUSec=inf CPUWeight=inf IOWeight=inf");
        assert_true(n <= JAULA_CG_SD_MAX_PROPS);

        l = (struct jaula_limits){ .memory_max = 512 << 20,
                                   .swap_max = 0,
                                   .cpu_quota_us = 50000,
                                   .cpu_period_us = 100000,
                                   .cpu_weight = 200,
                                   .pids_max = 256,
                                   .io_weight = 50 };
        n = jaula_cg_sd_limit_props(&l, false, p);
        render(p, n, out, sizeof out);
        assert_string_equal(out, "MemoryMax=536870912 MemorySwapMax=0 TasksMax=256 "
                                 "CPUQuotaPerSecUSec=500000 CPUQuotaPeriodUSec=100000 CPUWeight=200 "
                                 "IOWeight=50");
        /* 150% of a CPU over a 10 ms period: per second it is 1.5 s. */
        l = none();
        l.cpu_quota_us = 15000;
        l.cpu_period_us = 10000;
        l.pids_max = 10;
        n = jaula_cg_sd_limit_props(&l, true, p);
        render(p, n, out, sizeof out);
        assert_string_equal(out, "MemoryMax=inf MemorySwapMax=inf TasksMax=10 "
                                 "CPUQuotaPerSecUSec=1500000 CPUQuotaPeriodUSec=10000 CPUWeight=inf "
                                 "IOWeight=inf");
        /* No period given: the kernel's 100 ms. */
        l = none();
        l.cpu_quota_us = 200000;
        n = jaula_cg_sd_limit_props(&l, false, p);
        render(p, n, out, sizeof out);
        assert_string_equal(out, "TasksMax=inf CPUQuotaPerSecUSec=2000000 CPUQuotaPeriodUSec=100000");
}

static void test_scope_props(void **state)
{
        struct jaula_cg_sd_prop p[JAULA_CG_SD_MAX_PROPS];
        struct jaula_limits l = none();
        char out[1024];
        size_t n;

        n = jaula_cg_sd_scope_props(&l, "jaula jail u1: user a, profile p", "jaula-g.slice", 4242, p);
        render(p, n, out, sizeof out);
        assert_string_equal(out, "Description=jaula jail u1: user a, profile p Slice=jaula-g.slice "
                                 "Delegate=yes DelegateControllers=[] PIDs=[4242] CollectMode=inactive-or-failed "
                                 "TimeoutStopUSec=15000000 SendSIGHUP=no TasksMax=inf");
        l.memory_max = 1 << 30;
        l.pids_max = 64;
        n = jaula_cg_sd_scope_props(&l, "d", "s.slice", 1, p);
        assert_true(n <= JAULA_CG_SD_MAX_PROPS);
        render(p, n, out, sizeof out);
        assert_string_equal(out, "Description=d Slice=s.slice Delegate=yes DelegateControllers=[] PIDs=[1] "
                                 "CollectMode=inactive-or-failed TimeoutStopUSec=15000000 "
                                 "SendSIGHUP=no MemoryMax=1073741824 TasksMax=64");
}

static void test_top_slice(void **state)
{
        char buf[64];

        assert_int_equal(jaula_cgroup_top_slice(NULL, buf, sizeof buf), 0);
        assert_string_equal(buf, "jaula.slice");
        assert_int_equal(jaula_cgroup_top_slice("lab/j", buf, sizeof buf), 0);
        assert_string_equal(buf, "lab-j.slice");
        assert_int_equal(jaula_cgroup_top_slice("jaula", buf, 5), -ENAMETOOLONG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),     cmocka_unit_test(test_names_default),
                cmocka_unit_test(test_names_nested), cmocka_unit_test(test_names_bad),
                cmocka_unit_test(test_scope_id),   cmocka_unit_test(test_limit_props),
                cmocka_unit_test(test_scope_props), cmocka_unit_test(test_top_slice),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
