/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_hostcheck_systemd.c — the systemd part of check-host: systemd's
 * boolean spellings, logind.conf read as systemd reads it (the [Login]
 * section, comments, continuations, the last assignment winning across
 * the main file and its drop-ins), the drop-in order (a name in /etc masks
 * the same name in /usr/lib; sorted by file name), and the judge: what a
 * missing piece disables and the notes on logind.  No I/O except one
 * scratch directory for the loader. */
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

#include "jaula/hostcheck.h"
#include "jaula/policy.h"
#include "jaula/util.h"

static void test_boolean(void **state)
{
        static const char *const yes[] = {"1", "yes", "Y", "TRUE", "t", "on"};
        static const char *const no[] = {"0", "no", "N", "false", "F", "OFF"};
        bool b;

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                b = false;
                assert_int_equal(jaula_parse_boolean(yes[i], &b), 0);
                assert_true(b);
        }
        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                b = true;
                assert_int_equal(jaula_parse_boolean(no[i], &b), 0);
                assert_false(b);
        }
        assert_int_equal(jaula_parse_boolean("yess", &b), -EINVAL);
        assert_int_equal(jaula_parse_boolean("", &b), -EINVAL);
}

static void test_logind_apply(void **state)
{
        struct jaula_logind_conf c = {0};

        /* Debian's stock file: everything commented out. */
        assert_int_equal(jaula_logind_conf_apply(&c, "/etc/systemd/logind.conf",
                                                 "[Login]\n#NAutoVTs=6\n#KillUserProcesses=no\n"
                                                 "#KillOnlyUsers=\n"),
                         0);
        assert_null(c.kill_user_processes.value);
        /* Another section's key of the same name does not count; ';' is a
         * comment too; blanks around '=' are trimmed. */
        assert_int_equal(jaula_logind_conf_apply(&c, "a.conf",
                                                 "[Other]\nKillUserProcesses=yes\n"
                                                 "; KillUserProcesses=yes\n"
                                                 "\n[Login]\n  KillUserProcesses =  no \n"),
                         0);
        assert_string_equal(c.kill_user_processes.value, "no");
        assert_string_equal(c.kill_user_processes.file, "a.conf");
        assert_int_equal(c.kill_user_processes.line, 6);
        /* A later file replaces it, at its own line. */
        assert_int_equal(jaula_logind_conf_apply(&c, "b.conf",
                                                 "# harden\n[Login]\nKillUserProcesses=yes\n"
                                                 "KillExcludeUsers=root \\\n  admin\n"),
                         0);
        assert_string_equal(c.kill_user_processes.value, "yes");
        assert_string_equal(c.kill_user_processes.file, "b.conf");
        assert_int_equal(c.kill_user_processes.line, 3);
        /* A continued line: joined with a space, at its first line. */
        assert_string_equal(c.kill_exclude_users.value, "root  admin");
        assert_int_equal(c.kill_exclude_users.line, 4);
        jaula_logind_conf_free(&c);
}

static void test_dropins_order(void **state)
{
        const char *dirs[] = {"/etc/systemd/logind.conf.d", "/run/systemd/logind.conf.d",
                              "/usr/lib/systemd/logind.conf.d"};
        char *etc[] = {"50-local.conf", "README", "10-kill.conf", NULL};
        char *usr[] = {"50-local.conf", "20-vendor.conf", "x.conf.bak", NULL};
        char **names[] = {etc, NULL, usr};
        _cleanup_strv_free_ char **order = NULL;

        assert_int_equal(jaula_dropins_order(dirs, names, 3, &order), 0);
        assert_string_equal(order[0], "/etc/systemd/logind.conf.d/10-kill.conf");
        assert_string_equal(order[1], "/usr/lib/systemd/logind.conf.d/20-vendor.conf");
        /* /etc masks /usr/lib's file of the same name. */
        assert_string_equal(order[2], "/etc/systemd/logind.conf.d/50-local.conf");
        assert_null(order[3]);
}

static void test_logind_load(void **state)
{
        char dir[] = "/tmp/jaula-test-logind.XXXXXX", path[512], d1[128], d2[128];
        struct jaula_logind_conf c = {0};
        const char *dirs[2];
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/logind.conf", dir);
        snprintf(d1, sizeof d1, "%s/etc.d", dir);
        snprintf(d2, sizeof d2, "%s/usr.d", dir);
        assert_int_equal(mkdir(d1, 0755), 0);
        assert_int_equal(mkdir(d2, 0755), 0);
        f = fopen(path, "w");
        fputs("[Login]\nKillUserProcesses=no\n", f);
        fclose(f);
        snprintf(path, sizeof path, "%s/90-vendor.conf", d2);
        f = fopen(path, "w");
        fputs("[Login]\nKillUserProcesses=yes\n", f);
        fclose(f);
        /* Masked by /etc's empty file of the same name: sets nothing. */
        snprintf(path, sizeof path, "%s/90-vendor.conf", d1);
        f = fopen(path, "w");
        fclose(f);
        dirs[0] = d1;
        dirs[1] = d2;
        snprintf(path, sizeof path, "%s/logind.conf", dir);
        assert_int_equal(jaula_logind_conf_load(path, dirs, 2, &c), 0);
        assert_string_equal(c.kill_user_processes.value, "no");
        jaula_logind_conf_free(&c);
        /* Unmasked, the vendor drop-in wins over the main file. */
        snprintf(path, sizeof path, "%s/90-vendor.conf", d1);
        unlink(path);
        snprintf(path, sizeof path, "%s/logind.conf", dir);
        assert_int_equal(jaula_logind_conf_load(path, dirs, 2, &c), 0);
        assert_string_equal(c.kill_user_processes.value, "yes");
        assert_int_equal(c.kill_user_processes.line, 2);
        jaula_logind_conf_free(&c);
        snprintf(path, sizeof path, "rm -rf '%s'", dir);
        assert_int_equal(system(path), 0);
}

static struct jaula_policy *parse(const char *text)
{
        struct jaula_diags d = {0};
        struct jaula_policy *p = NULL;

        assert_int_equal(jaula_policy_parse(text, "t.conf", &p, &d), 0);
        jaula_diags_free(&d);
        return p;
}

static char *judge(const struct jaula_systemd_facts *s, const char *policy)
{
        struct jaula_policy *p = parse(policy);
        struct jaula_findings f = {0};
        char *out = NULL, line[2048];
        size_t n = 0;
        FILE *o = open_memstream(&out, &n);

        assert_int_equal(jaula_systemd_judge(s, p, &f), 0);
        for (size_t i = 0; i < f.n; i++) {
                jaula_finding_format(&f.v[i], line, sizeof line);
                fprintf(o, "%s\n", line);
        }
        fclose(o);
        jaula_findings_free(&f);
        jaula_policy_free(p);
        return out;
}

#define POLICY_SESSION                                                                             \
        "rootfs = { r = { path = \"/srv/r\"; }; };\n"                                              \
        "profiles = { p = { rootfs = \"r\"; }; };\n"                                               \
        "match = ( { users = [\"*\"]; profile = \"p\"; } );\n"
#define POLICY_PROCESSES                                                                           \
        "rootfs = { r = { path = \"/srv/r\"; }; };\n"                                              \
        "profiles = { p = { rootfs = \"r\"; lifetime = \"processes\"; }; };\n"                     \
        "match = ( { users = [\"*\"]; profile = \"p\"; } );\n"

static void test_judge_no_systemd(void **state)
{
        struct jaula_systemd_facts s = {.layout = JAULA_CGROUP_V1};
        _cleanup_free_ char *out = judge(&s, POLICY_SESSION);

        assert_string_equal(out, "note: systemd is not PID 1 here: jails use the cgroup v1 "
                                 "backend directly under /sys/fs/cgroup\n");
}

static void test_judge_systemd_unified(void **state)
{
        struct jaula_logind_conf lc = {0};
        struct jaula_systemd_facts s = {
                .pid1 = true,
                .layout = JAULA_CGROUP_V2,
                .machined = true,
                .logind_judged = true,
                .logind = &lc,
                .pam_systemd = true,
                .pam_systemd_file = "/etc/pam.d/common-session",
                .pam_systemd_line = 25,
        };
        _cleanup_free_ char *out = judge(&s, POLICY_SESSION);

        assert_non_null(strstr(out, "note: systemd is PID 1 with a unified cgroup v2 hierarchy: "
                                    "each jail is a transient unit jaula-ID.scope under "
                                    "jaula.slice"));
        assert_non_null(strstr(out, "/etc/pam.d/common-session:25: note: pam_systemd registers"));
        assert_null(strstr(out, "warning"));
        assert_null(strstr(out, "KillUserProcesses"));
        assert_null(strstr(out, "outlive"));
        /* Without machined: what it disables, and the fix. */
        s.machined = false;
        free(out);
        out = judge(&s, POLICY_SESSION);
        assert_non_null(strstr(out, "warning: systemd-machined is not installed: jails are not "
                                    "registered as machines, so machinectl list/status/terminate "
                                    "do not know them — apt-get install systemd-container"));
}

static void test_judge_hybrid(void **state)
{
        struct jaula_systemd_facts s = {
                .pid1 = true, .layout = JAULA_CGROUP_HYBRID, .machined = true};
        _cleanup_free_ char *out = judge(&s, POLICY_SESSION);

        assert_non_null(strstr(out, "warning: systemd runs a hybrid cgroup layout, where it "
                                    "delegates no controllers: jails use the cgroup v1 backend"));
        assert_non_null(strstr(out, "not visible to systemctl"));
        assert_non_null(strstr(out, "systemd.unified_cgroup_hierarchy=1"));
}

static void test_judge_explicit_root(void **state)
{
        struct jaula_systemd_facts s = {.pid1 = true, .layout = JAULA_CGROUP_V2, .machined = true};
        _cleanup_free_ char *out =
                judge(&s, "global = { cgroup_root = \"/sys/fs/cgroup/mine\"; };\n" POLICY_SESSION);

        assert_non_null(strstr(out, "t.conf:1: note: cgroup_root is set: jails are cgroups under "
                                    "'/sys/fs/cgroup/mine' that the administrator manages, not "
                                    "systemd units"));
}

static void test_judge_logind(void **state)
{
        struct jaula_logind_conf lc = {0};
        struct jaula_systemd_facts s = {.pid1 = true,
                                        .layout = JAULA_CGROUP_V2,
                                        .machined = true,
                                        .logind_judged = true,
                                        .logind = &lc,
                                        .n_lingering = 2};
        _cleanup_free_ char *out = NULL;

        assert_int_equal(jaula_logind_conf_apply(&lc, "/etc/systemd/logind.conf.d/k.conf",
                                                 "[Login]\nKillUserProcesses=yes\n"),
                         0);
        out = judge(&s, POLICY_PROCESSES);
        assert_non_null(strstr(out, "/etc/systemd/logind.conf.d/k.conf:2: note: "
                                    "KillUserProcesses=yes: logout kills what runs in the login's "
                                    "session scope only; jails live in jaula.slice and follow "
                                    "their lifetime"));
        assert_non_null(strstr(out, "\"processes\": live on while a process runs"));
        assert_non_null(strstr(out,
                               "note: a profile lets jails outlive their login (linger, "
                               "lifetime \"processes\"): the logind session closes at logout"));
        assert_non_null(strstr(out, "/var/lib/systemd/linger: note: logind linger is on for 2 "
                                    "user(s)"));
        /* Not pam_systemd: logind tracks no ssh login. */
        assert_non_null(strstr(out, "note: pam_systemd is not in sshd's session stack"));
        jaula_logind_conf_free(&lc);
        assert_int_equal(
                jaula_logind_conf_apply(&lc, "x.conf", "[Login]\nKillUserProcesses=maybe\n"), 0);
        free(out);
        out = judge(&s, POLICY_SESSION);
        assert_non_null(strstr(out, "x.conf:2: warning: KillUserProcesses='maybe' is not a "
                                    "boolean"));
        jaula_logind_conf_free(&lc);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_boolean),
                cmocka_unit_test(test_logind_apply),
                cmocka_unit_test(test_dropins_order),
                cmocka_unit_test(test_logind_load),
                cmocka_unit_test(test_judge_no_systemd),
                cmocka_unit_test(test_judge_systemd_unified),
                cmocka_unit_test(test_judge_hybrid),
                cmocka_unit_test(test_judge_explicit_root),
                cmocka_unit_test(test_judge_logind),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
