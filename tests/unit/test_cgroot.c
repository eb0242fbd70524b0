/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_cgroot.c — judging a policy's cgroup settings against made-up host
 * facts: an explicit cgroup_root that does not exist, is no cgroup, holds
 * processes of its own or lacks a controller; limits the layout cannot
 * apply (swap without accounting, io weight without a scheduler), each at
 * its file:line; and the probe on scratch directories that are no
 * cgroup.  No privilege needed. */
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

#include "jaula/cgroot.h"
#include "jaula/policy.h"
#include "jaula/util.h"

/* Line 1: global; line 2: rootfs; line 3..: the profile, one key a line. */
#define GLOBAL(root) "global = { cgroup_root = \"" root "\"; };\n"
#define ROOTFS "rootfs = { r = { path = \"/srv/r\"; }; };\n"
#define PROFILE_OPEN "profiles = { p = { rootfs = \"r\";\n  limits = {\n"
#define PROFILE_CLOSE "  };\n}; };\n"
#define RULE "match = ( { users = [\"*\"]; profile = \"p\"; } );\n"

static struct jaula_policy *parse(const char *text)
{
        struct jaula_diags d = {0};
        struct jaula_policy *p = NULL;
        int r = jaula_policy_parse(text, "t.conf", &p, &d);

        if (r < 0)
                for (size_t i = 0; i < d.n; i++)
                        fprintf(stderr, "%s:%d: %s\n", d.v[i].file, d.v[i].line, d.v[i].msg);
        assert_int_equal(r, 0);
        jaula_diags_free(&d);
        return p;
}

/* The diagnostic lines, "FILE:LINE: [warning: ]MSG", one string. */
static char *judge(const char *text, const struct jaula_cgroot_facts *f, int *ret_errors)
{
        struct jaula_policy *p = parse(text);
        struct jaula_diags d = {0};
        char *out = NULL, line[1200];
        size_t n = 0;
        FILE *o = open_memstream(&out, &n);

        *ret_errors = jaula_policy_judge_cgroups(p, f, &d);
        for (size_t i = 0; i < d.n; i++) {
                jaula_diag_format(&d.v[i], line, sizeof line);
                fprintf(o, "%s\n", line);
        }
        fclose(o);
        jaula_diags_free(&d);
        jaula_policy_free(p);
        return out;
}

static const struct jaula_cgroot_facts v2_ok = {
        .explicit_root = true,
        .mode = JAULA_CGROUP_V2,
        .ctrls = JAULA_CGROOT_MEMORY | JAULA_CGROOT_CPU | JAULA_CGROOT_PIDS | JAULA_CGROOT_IO,
        .swap_accounting = JAULA_YES,
        .io_weight = JAULA_YES,
        .ctrl_list = "cpu io memory pids",
};

static void test_root_fine(void **state)
{
        int errors;
        _cleanup_free_ char *out =
                judge(GLOBAL("/sys/fs/cgroup/j") ROOTFS PROFILE_OPEN
                      "    memory = \"1G\";\n    cpu = \"50%\";\n" PROFILE_CLOSE RULE,
                      &v2_ok, &errors);

        assert_int_equal(errors, 0);
        assert_string_equal(out, "");
}

static void test_root_missing(void **state)
{
        struct jaula_cgroot_facts f = {.explicit_root = true, .open_err = -ENOENT};
        int errors;
        _cleanup_free_ char *out = judge(GLOBAL("/sys/fs/cgroup/gone") ROOTFS PROFILE_OPEN
                                         "    memory = \"1G\";\n" PROFILE_CLOSE RULE,
                                         &f, &errors);

        assert_int_equal(errors, 1);
        /* One finding at the cgroup_root line, naming the fix; the limits
         * that would fail for the same reason are not repeated. */
        assert_non_null(strstr(out, "t.conf:1: global.cgroup_root: '/sys/fs/cgroup/gone' does not "
                                    "exist — create that cgroup"));
        assert_non_null(strstr(out, "cgroup_root = \"\""));
        assert_null(strstr(out, "limits"));
}

static void test_root_not_cgroup(void **state)
{
        struct jaula_cgroot_facts f = {.explicit_root = true, .mode = JAULA_CGROUP_NONE};
        int errors;
        _cleanup_free_ char *out =
                judge(GLOBAL("/srv") ROOTFS PROFILE_OPEN PROFILE_CLOSE RULE, &f, &errors);

        assert_int_equal(errors, 1);
        assert_non_null(
                strstr(out, "t.conf:1: global.cgroup_root: '/srv' is not a cgroup directory"));
}

static void test_root_has_processes(void **state)
{
        struct jaula_cgroot_facts f = v2_ok;
        char msg[512], fix[512];
        int errors;
        _cleanup_free_ char *out = NULL;

        f.has_procs = true;
        out = judge(GLOBAL("/sys/fs/cgroup/jaula.slice/jaula-cgroup.service")
                            ROOTFS PROFILE_OPEN PROFILE_CLOSE RULE,
                    &f, &errors);
        assert_int_equal(errors, 1);
        assert_non_null(strstr(out, "t.conf:1: global.cgroup_root: the cgroup "
                                    "'/sys/fs/cgroup/jaula.slice/jaula-cgroup.service' holds "
                                    "processes of its own"));
        assert_non_null(strstr(out, "DelegateSubgroup="));
        /* The hierarchy's own root may hold processes: v2 exempts it. */
        f.hier_root = true;
        assert_int_equal(
                jaula_cgroot_judge_root("/sys/fs/cgroup", &f, msg, sizeof msg, fix, sizeof fix), 0);
        /* v1 has no such rule. */
        f.hier_root = false;
        f.mode = JAULA_CGROUP_V1;
        assert_int_equal(jaula_cgroot_judge_root("/x", &f, msg, sizeof msg, fix, sizeof fix), 0);
        f.mode = JAULA_CGROUP_V2;
        assert_int_equal(jaula_cgroot_judge_root("/x", &f, msg, sizeof msg, fix, sizeof fix),
                         -EBUSY);
}

static void test_missing_controller(void **state)
{
        struct jaula_cgroot_facts f = v2_ok;
        int errors;
        _cleanup_free_ char *out = NULL;

        f.ctrls = JAULA_CGROOT_MEMORY | JAULA_CGROOT_PIDS;
        strcpy(f.ctrl_list, "memory pids");
        out = judge(GLOBAL("/sys/fs/cgroup/j") ROOTFS PROFILE_OPEN
                    "    memory = \"1G\";\n    cpu = \"50%\";\n    pids = 100;\n" PROFILE_CLOSE RULE
                    "groups = { g = { limits = { cpu_weight = 50; }; }; };\n",
                    &f, &errors);
        assert_int_equal(errors, 2);
        /* At the key's own line. */
        assert_non_null(strstr(out,
                               "t.conf:6: profiles.p.limits.cpu: cgroup_root '/sys/fs/cgroup/j' "
                               "offers no 'cpu' controller (its cgroup.controllers: "
                               "'memory pids')"));
        assert_non_null(strstr(out, "t.conf:11: groups.g.limits.cpu_weight: "));
        assert_null(strstr(out, "limits.memory"));
        assert_null(strstr(out, "limits.pids"));

        /* v1: the hierarchy is what is missing. */
        f.mode = JAULA_CGROUP_V1;
        free(out);
        out = judge(GLOBAL("/srv/cg") ROOTFS PROFILE_OPEN "    pids = 100;\n" PROFILE_CLOSE RULE,
                    &f, &errors);
        assert_int_equal(errors, 0);
        f.ctrls = JAULA_CGROOT_MEMORY;
        free(out);
        out = judge(GLOBAL("/srv/cg") ROOTFS PROFILE_OPEN "    pids = 100;\n" PROFILE_CLOSE RULE,
                    &f, &errors);
        assert_int_equal(errors, 1);
        assert_non_null(strstr(out, "t.conf:5: profiles.p.limits.pids: cgroup_root '/srv/cg' has "
                                    "no 'pids' hierarchy"));
}

static void test_no_cgroups_at_all(void **state)
{
        struct jaula_cgroot_facts f = {.mode = JAULA_CGROUP_NONE};
        int errors;
        _cleanup_free_ char *out = judge(
                GLOBAL("") ROOTFS PROFILE_OPEN "    pids = 100;\n" PROFILE_CLOSE RULE, &f, &errors);

        assert_int_equal(errors, 1);
        assert_non_null(strstr(out,
                               "t.conf:4: profiles.p.limits: this host has no cgroup hierarchy "
                               "mounted"));
}

static void test_swap_accounting(void **state)
{
        struct jaula_cgroot_facts f = v2_ok;
        int errors;
        _cleanup_free_ char *out = NULL;

        f.explicit_root = false;
        f.swap_accounting = JAULA_NO;
        f.swap_active = true;
        out = judge(GLOBAL("") ROOTFS PROFILE_OPEN
                    "    memory = \"1G\";\n    swap = \"0\";\n" PROFILE_CLOSE RULE,
                    &f, &errors);
        assert_int_equal(errors, 1);
        assert_non_null(strstr(out, "t.conf:6: profiles.p.limits.swap: this host has no swap "
                                    "accounting"));
        assert_non_null(strstr(out, "swapaccount=1"));
        /* swap = "0" without any active swap holds by itself: a warning
         * (the documented JAULA_CGROUP_SKIPPED_SWAP). */
        f.swap_active = false;
        free(out);
        out = judge(GLOBAL("") ROOTFS PROFILE_OPEN
                    "    memory = \"1G\";\n    swap = \"0\";\n" PROFILE_CLOSE RULE,
                    &f, &errors);
        assert_int_equal(errors, 0);
        assert_non_null(strstr(out, "t.conf:6: warning: profiles.p.limits.swap: "));
        /* A non-zero swap limit is refused all the same. */
        free(out);
        out = judge(GLOBAL("") ROOTFS PROFILE_OPEN
                    "    memory = \"1G\";\n    swap = \"1G\";\n" PROFILE_CLOSE RULE,
                    &f, &errors);
        assert_int_equal(errors, 1);
        /* Unknown (no cgroup with memory enabled to look at): silent. */
        f.swap_accounting = JAULA_UNKNOWN;
        free(out);
        out = judge(GLOBAL("") ROOTFS PROFILE_OPEN
                    "    memory = \"1G\";\n    swap = \"1G\";\n" PROFILE_CLOSE RULE,
                    &f, &errors);
        assert_int_equal(errors, 0);
        assert_string_equal(out, "");
}

static void test_io_weight_skipped(void **state)
{
        struct jaula_cgroot_facts f = v2_ok;
        int errors;
        _cleanup_free_ char *out = NULL;

        f.explicit_root = false;
        f.ctrls &= ~JAULA_CGROOT_IO;
        out = judge(GLOBAL("") ROOTFS PROFILE_OPEN "    io_weight = 500;\n" PROFILE_CLOSE RULE, &f,
                    &errors);
        assert_int_equal(errors, 0);
        assert_non_null(strstr(out, "t.conf:5: warning: profiles.p.limits.io_weight: this host's "
                                    "cgroups offer no io controller"));
        f.ctrls |= JAULA_CGROOT_IO;
        f.io_weight = JAULA_NO;
        free(out);
        out = judge(GLOBAL("") ROOTFS PROFILE_OPEN "    io_weight = 500;\n" PROFILE_CLOSE RULE, &f,
                    &errors);
        assert_int_equal(errors, 0);
        assert_non_null(strstr(out, "warning: profiles.p.limits.io_weight: no proportional io "
                                    "scheduler"));
}

static void test_needed(void **state)
{
        struct jaula_limits l = {-1, -1, -1, -1, -1, -1, -1};

        assert_int_equal(jaula_cgroot_needed(&l), 0);
        l.swap_max = 0;
        assert_int_equal(jaula_cgroot_needed(&l), JAULA_CGROOT_MEMORY);
        l.cpu_weight = 10;
        l.pids_max = 5;
        l.io_weight = 100; /* skipped, not refused: not needed */
        assert_int_equal(jaula_cgroot_needed(&l),
                         JAULA_CGROOT_MEMORY | JAULA_CGROOT_CPU | JAULA_CGROOT_PIDS);
}

/* The probe on directories that are no cgroups (the real cgroup cases run
 * as root in t-83, on this host and in a cgroup v2 VM). */
static void test_probe_scratch(void **state)
{
        char dir[] = "/tmp/jaula-test-cgroot.XXXXXX", path[128];
        struct jaula_cgroot_facts f;
        FILE *fp;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/missing", dir);
        assert_int_equal(jaula_cgroot_probe(path, &f), 0);
        assert_true(f.explicit_root);
        assert_int_equal(f.open_err, -ENOENT);
        /* A plain directory holding a file called cgroup.controllers is
         * still no cgroup. */
        snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fputs("cpu memory pids\n", fp);
        fclose(fp);
        assert_int_equal(jaula_cgroot_probe(dir, &f), 0);
        assert_int_equal(f.open_err, 0);
        assert_int_equal(f.mode, JAULA_CGROUP_NONE);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_root_fine),
                cmocka_unit_test(test_root_missing),
                cmocka_unit_test(test_root_not_cgroup),
                cmocka_unit_test(test_root_has_processes),
                cmocka_unit_test(test_missing_controller),
                cmocka_unit_test(test_no_cgroups_at_all),
                cmocka_unit_test(test_swap_accounting),
                cmocka_unit_test(test_io_weight_skipped),
                cmocka_unit_test(test_needed),
                cmocka_unit_test(test_probe_scratch),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
