/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_env.c — the environment allow-list of jailed logins: which names
 * pass, which values pass into the jail and which a host program may see.
 * No privilege needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "jaula/env.h"

static bool allowed(const char *name)
{
        return jaula_env_allowed(name, strlen(name));
}

static void test_names(void **state)
{
        const char *yes[] = {"TERM",   "COLORTERM", "LANG",           "LANGUAGE",   "TZ",
                             "LC_ALL", "LC_CTYPE",  "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"};
        const char *no[] = {"LD_PRELOAD",
                            "LD_LIBRARY_PATH",
                            "BASH_ENV",
                            "ENV",
                            "PATH",
                            "IFS",
                            "SSH_AUTH_SOCK",
                            "XAUTHORITY",
                            "DISPLAY",
                            "HOME",
                            "SHELL",
                            "LC_",
                            "LC_A-B",
                            "TERMX",
                            "TER",
                            "PYTHONPATH",
                            "GCONV_PATH",
                            "LOCPATH",
                            "XDG_RUNTIME_DIR",
                            ""};

        for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
                assert_true(allowed(yes[i]));
        for (size_t i = 0; i < sizeof no / sizeof *no; i++)
                assert_false(allowed(no[i]));
        /* Only len bytes count: "TERM" out of "TERMINAL". */
        assert_true(jaula_env_allowed("TERMINAL", 4));
        assert_false(jaula_env_allowed("TERM", 3));
}

static void test_name_syntax(void **state)
{
        assert_true(jaula_env_name_ok("_a1", 3));
        assert_false(jaula_env_name_ok("1a", 2));
        assert_false(jaula_env_name_ok("a=b", 3));
        assert_false(jaula_env_name_ok("", 0));
}

static void test_values(void **state)
{
        char big[JAULA_ENV_VALUE_MAX + 2];

        assert_true(jaula_env_value_ok("xterm-256color"));
        assert_true(jaula_env_value_ok(""));
        assert_false(jaula_env_value_ok("a\nb"));
        assert_false(jaula_env_value_ok("a\x7f"));
        memset(big, 'x', JAULA_ENV_VALUE_MAX);
        big[JAULA_ENV_VALUE_MAX] = '\0';
        assert_true(jaula_env_value_ok(big));
        big[JAULA_ENV_VALUE_MAX] = 'x';
        big[JAULA_ENV_VALUE_MAX + 1] = '\0';
        assert_false(jaula_env_value_ok(big));
}

static void test_host_safe(void **state)
{
        assert_true(jaula_env_value_host_safe("en_US.UTF-8"));
        assert_true(jaula_env_value_host_safe("Europe/Paris"));
        assert_true(jaula_env_value_host_safe(":Europe/Paris"));
        assert_true(jaula_env_value_host_safe("fr:en"));
        assert_false(jaula_env_value_host_safe("/home/u/locale"));
        assert_false(jaula_env_value_host_safe(":/home/u/tz"));
        assert_false(jaula_env_value_host_safe("../../home/u/tz"));
        assert_false(jaula_env_value_host_safe("Europe/../../../home/u/tz"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_name_syntax),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_host_safe),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
