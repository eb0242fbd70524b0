/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_metrics.c — the login counters: bucket bounds, label names, the
 * counters file written and read back in a private temp directory (also
 * from concurrent processes), a file of another layout, and the
 * Prometheus text (cumulative buckets, _sum, _count, escaping).  Needs no
 * privilege. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jaula/metrics.h"

static char dir[64];

static int setup(void **state)
{
        snprintf(dir, sizeof dir, "/tmp/jaula-test-metrics-XXXXXX");
        assert_non_null(mkdtemp(dir));
        jaula_metrics_set_state_dir(dir);
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static off_t file_size(const char *name, blkcnt_t *ret_blocks)
{
        char path[160];
        struct stat st;

        snprintf(path, sizeof path, "%s/%s/%s", dir, JAULA_METRICS_DIR, name);
        if (lstat(path, &st) < 0)
                return -1;
        if (ret_blocks)
                *ret_blocks = st.st_blocks;
        return st.st_size;
}

static void test_buckets(void **state)
{
        assert_int_equal(jaula_metrics_bucket(0), 0);
        assert_int_equal(jaula_metrics_bucket(5000), 0); /* le is inclusive */
        assert_int_equal(jaula_metrics_bucket(5001), 1);
        assert_int_equal(jaula_metrics_bucket(30000), 3);
        assert_int_equal(jaula_metrics_bucket(10000000), JAULA_METRICS_BUCKETS - 2);
        assert_int_equal(jaula_metrics_bucket(10000001), JAULA_METRICS_BUCKETS - 1);
        assert_int_equal(jaula_metrics_bucket(UINT64_MAX), JAULA_METRICS_BUCKETS - 1);
        for (unsigned i = 1; i < JAULA_METRICS_BUCKETS - 1; i++)
                assert_true(jaula_metrics_le_usec[i] > jaula_metrics_le_usec[i - 1]);
}

static void test_names(void **state)
{
        /* Every enum value has a distinct name made of [a-z_]. */
        for (int i = 0; i < JAULA_REFUSED__MAX; i++) {
                const char *n = jaula_metrics_reason_name(i);
                assert_true(strspn(n, "abcdefghijklmnopqrstuvwxyz_") == strlen(n) && n[0]);
                for (int j = 0; j < i; j++)
                        assert_string_not_equal(n, jaula_metrics_reason_name(j));
        }
        assert_string_equal(jaula_metrics_reason_name(JAULA_REFUSED__MAX), "?");
        assert_string_equal(jaula_metrics_via_name(JAULA_VIA_PAM), "pam");
        assert_string_equal(jaula_metrics_via_name(JAULA_VIA_JAILSH), "jailsh");
        assert_string_equal(jaula_metrics_path_name(JAULA_LOGIN_COLD), "cold");
        assert_string_equal(jaula_metrics_path_name(JAULA_LOGIN_WARM), "warm");
}

static void test_read_missing(void **state)
{
        struct jaula_metrics m;

        assert_int_equal(jaula_metrics_read(dir, false, &m), -ENOENT);
        assert_true(m.refusals[0][0] == 0 && m.jails_lost == 0);
        /* Counting off until a front end names the directory. */
        jaula_metrics_set_state_dir(NULL);
        jaula_metrics_refused(JAULA_VIA_PAM, JAULA_REFUSED_LIMIT);
        assert_int_equal(jaula_metrics_read(dir, false, &m), -ENOENT);
}

static void test_count_and_read(void **state)
{
        struct jaula_metrics m;
        uint64_t now = jaula_metrics_now_usec();
        char path[160];
        struct stat st;

        jaula_metrics_refused(JAULA_VIA_JAILSH, JAULA_REFUSED_NOT_JAILED);
        jaula_metrics_refused(JAULA_VIA_JAILSH, JAULA_REFUSED_NOT_JAILED);
        jaula_metrics_refused(JAULA_VIA_PAM, JAULA_REFUSED_LIMIT);
        jaula_metrics_refused(JAULA_VIA_PAM, JAULA_REFUSED__MAX); /* ignored */
        jaula_metrics_login(JAULA_VIA_PAM, JAULA_LOGIN_COLD, now - 30000);
        /* A start after now (a clock step): 0, the first bucket. */
        jaula_metrics_login(JAULA_VIA_JAILSH, JAULA_LOGIN_WARM, now + 60000000);
        jaula_metrics_login(JAULA_VIA_JAILSH, JAULA_LOGIN_WARM, now + 60000000);
        jaula_metrics_sigsys_kill();
        jaula_metrics_jail_lost(dir);
        jaula_metrics_jail_lost(dir);

        assert_int_equal(jaula_metrics_read(dir, false, &m), 0);
        assert_int_equal(m.refusals[JAULA_VIA_JAILSH][JAULA_REFUSED_NOT_JAILED], 2);
        assert_int_equal(m.refusals[JAULA_VIA_PAM][JAULA_REFUSED_LIMIT], 1);
        assert_int_equal(m.refusals[JAULA_VIA_PAM][JAULA_REFUSED_POLICY], 0);
        /* ≥ 30 ms, and a loaded machine may take longer: bucket 3 or above. */
        uint64_t cold = 0;
        for (unsigned b = 0; b < JAULA_METRICS_BUCKETS; b++) {
                cold += m.login_bucket[JAULA_VIA_PAM][JAULA_LOGIN_COLD][b];
                if (b < 3)
                        assert_int_equal(m.login_bucket[JAULA_VIA_PAM][JAULA_LOGIN_COLD][b], 0);
        }
        assert_int_equal(cold, 1);
        /* In 100 µs steps: at least the 30 ms given, rounded. */
        assert_true(m.login_sum_usec[JAULA_VIA_PAM][JAULA_LOGIN_COLD] >= 30000);
        assert_int_equal(m.login_sum_usec[JAULA_VIA_PAM][JAULA_LOGIN_COLD] % 100, 0);
        assert_int_equal(m.login_bucket[JAULA_VIA_JAILSH][JAULA_LOGIN_WARM][0], 2);
        assert_int_equal(m.sigsys_kills, 1);
        assert_int_equal(m.jails_lost, 2);

        assert_int_equal(file_size("refused-jailsh-not_jailed", NULL), 2);
        snprintf(path, sizeof path, "%s/%s/refused-pam-limit", dir, JAULA_METRICS_DIR);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        snprintf(path, sizeof path, "%s/%s", dir, JAULA_METRICS_DIR);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
}

/* Concurrent writers lose nothing. */
static void test_concurrent(void **state)
{
        enum { PROCS = 4, EACH = 500 };
        struct jaula_metrics m;

        for (int p = 0; p < PROCS; p++) {
                pid_t pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        for (int i = 0; i < EACH; i++)
                                jaula_metrics_refused(JAULA_VIA_PAM, JAULA_REFUSED_SETUP);
                        _exit(0);
                }
        }
        for (int p = 0; p < PROCS; p++) {
                int status;
                assert_true(wait(&status) > 0);
                assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        assert_int_equal(jaula_metrics_read(dir, false, &m), 0);
        assert_int_equal(m.refusals[JAULA_VIA_PAM][JAULA_REFUSED_SETUP], PROCS * EACH);
}

/* The reader frees what was counted and keeps the count. */
static void test_compact(void **state)
{
        struct jaula_metrics m;
        blkcnt_t blocks = 0;

        for (int i = 0; i < 20000; i++)
                jaula_metrics_refused(JAULA_VIA_JAILSH, JAULA_REFUSED_LIMIT);
        assert_int_equal(file_size("refused-jailsh-limit", &blocks), 20000);
        assert_true(blocks * 512 >= 16384);
        assert_int_equal(jaula_metrics_read(dir, true, &m), 0);
        assert_int_equal(m.refusals[JAULA_VIA_JAILSH][JAULA_REFUSED_LIMIT], 20000);
        assert_int_equal(file_size("refused-jailsh-limit", &blocks), 20000);
        assert_true(blocks * 512 <= 8192);
        jaula_metrics_refused(JAULA_VIA_JAILSH, JAULA_REFUSED_LIMIT);
        assert_int_equal(jaula_metrics_read(dir, true, &m), 0);
        assert_int_equal(m.refusals[JAULA_VIA_JAILSH][JAULA_REFUSED_LIMIT], 20001);
}

/* A symlink in a counter's place is not followed (nor counted), and a
 * directory in the way is refused by the reader. */
static void test_planted(void **state)
{
        struct jaula_metrics m;
        char path[160], target[160];
        struct stat st;

        jaula_metrics_sigsys_kill(); /* makes the directory */
        snprintf(target, sizeof target, "%s/target", dir);
        assert_int_equal(close(open(target, O_WRONLY | O_CREAT, 0600)), 0);
        snprintf(path, sizeof path, "%s/%s/refused-pam-policy", dir, JAULA_METRICS_DIR);
        assert_int_equal(symlink(target, path), 0);
        jaula_metrics_refused(JAULA_VIA_PAM, JAULA_REFUSED_POLICY);
        assert_int_equal(stat(target, &st), 0);
        assert_int_equal(st.st_size, 0);
        assert_int_equal(jaula_metrics_read(dir, false, &m), -ELOOP);
        unlink(path);
        assert_int_equal(mkdir(path, 0700), 0);
        assert_int_equal(jaula_metrics_read(dir, false, &m), -EPERM);
        rmdir(path);
        assert_int_equal(jaula_metrics_read(dir, false, &m), 0);
        assert_int_equal(m.sigsys_kills, 1);
}

static void test_format(void **state)
{
        struct jaula_metrics m = {0};
        char *text = NULL;
        size_t len = 0;
        FILE *f;

        m.refusals[JAULA_VIA_JAILSH][JAULA_REFUSED_LIMIT] = 7;
        m.login_bucket[JAULA_VIA_PAM][JAULA_LOGIN_COLD][0] = 1; /* ≤ 5 ms */
        m.login_bucket[JAULA_VIA_PAM][JAULA_LOGIN_COLD][3] = 2; /* ≤ 50 ms */
        m.login_bucket[JAULA_VIA_PAM][JAULA_LOGIN_COLD][JAULA_METRICS_BUCKETS - 1] = 1;
        m.login_sum_usec[JAULA_VIA_PAM][JAULA_LOGIN_COLD] = 12345678;
        m.sigsys_kills = 3;
        f = open_memstream(&text, &len);
        assert_non_null(f);
        jaula_metrics_format(f, &m, "h\"1");
        fclose(f);

        assert_non_null(strstr(text, "# TYPE jaula_refusals_total counter\n"));
        assert_non_null(strstr(
                text, "jaula_refusals_total{host=\"h\\\"1\",via=\"jailsh\",reason=\"limit\"} 7\n"));
        assert_non_null(strstr(
                text, "jaula_refusals_total{host=\"h\\\"1\",via=\"pam\",reason=\"policy\"} 0\n"));
        assert_null(strstr(text, "via=\"pam\",reason=\"not_jailed\""));
        assert_null(strstr(text, "via=\"jailsh\",reason=\"shell\""));
        assert_non_null(strstr(text, "# TYPE jaula_login_duration_seconds histogram\n"));
        /* Cumulative, with the shortest decimal bounds. */
        assert_non_null(strstr(text,
                               "jaula_login_duration_seconds_bucket{host=\"h\\\"1\",via=\"pam\","
                               "path=\"cold\",le=\"0.005\"} 1\n"));
        assert_non_null(strstr(text,
                               "jaula_login_duration_seconds_bucket{host=\"h\\\"1\",via=\"pam\","
                               "path=\"cold\",le=\"0.025\"} 1\n"));
        assert_non_null(strstr(text,
                               "jaula_login_duration_seconds_bucket{host=\"h\\\"1\",via=\"pam\","
                               "path=\"cold\",le=\"0.05\"} 3\n"));
        assert_non_null(strstr(text,
                               "jaula_login_duration_seconds_bucket{host=\"h\\\"1\",via=\"pam\","
                               "path=\"cold\",le=\"10\"} 3\n"));
        assert_non_null(strstr(text,
                               "jaula_login_duration_seconds_bucket{host=\"h\\\"1\",via=\"pam\","
                               "path=\"cold\",le=\"+Inf\"} 4\n"));
        assert_non_null(strstr(text, "jaula_login_duration_seconds_sum{host=\"h\\\"1\",via=\"pam\","
                                     "path=\"cold\"} 12.345678\n"));
        assert_non_null(strstr(text,
                               "jaula_login_duration_seconds_count{host=\"h\\\"1\",via=\"pam\","
                               "path=\"cold\"} 4\n"));
        assert_non_null(strstr(text,
                               "jaula_login_duration_seconds_count{host=\"h\\\"1\",via=\"jailsh\","
                               "path=\"warm\"} 0\n"));
        assert_non_null(strstr(text, "jaula_sigsys_kills_total{host=\"h\\\"1\"} 3\n"));
        assert_non_null(strstr(text, "jaula_jails_lost_total{host=\"h\\\"1\"} 0\n"));
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_buckets),
                cmocka_unit_test(test_names),
                cmocka_unit_test_setup_teardown(test_read_missing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_count_and_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_compact, setup, teardown),
                cmocka_unit_test_setup_teardown(test_planted, setup, teardown),
                cmocka_unit_test(test_format),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
