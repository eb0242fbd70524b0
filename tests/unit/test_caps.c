/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_caps.c — capability names, bitmasks and the keep check.  Needs no
 * privilege (nothing here changes the process's sets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <sys/capability.h>

#include "jaula/confine.h"

#define BIT(c) (UINT64_C(1) << (c))

static void test_from_name(void **state)
{
        assert_int_equal(jaula_caps_from_name("CAP_NET_BIND_SERVICE"), CAP_NET_BIND_SERVICE);
        assert_int_equal(jaula_caps_from_name("cap_net_bind_service"), CAP_NET_BIND_SERVICE);
        assert_int_equal(jaula_caps_from_name("net_bind_service"), CAP_NET_BIND_SERVICE);
        assert_int_equal(jaula_caps_from_name("Net_Raw"), CAP_NET_RAW);
        assert_int_equal(jaula_caps_from_name("cap_chown"), CAP_CHOWN);
        assert_int_equal(jaula_caps_from_name("checkpoint_restore"), CAP_CHECKPOINT_RESTORE);
}

static void test_from_name_rejects(void **state)
{
        assert_int_equal(jaula_caps_from_name(NULL), -EINVAL);
        assert_int_equal(jaula_caps_from_name(""), -EINVAL);
        assert_int_equal(jaula_caps_from_name("cap_"), -EINVAL);
        assert_int_equal(jaula_caps_from_name("no_such_cap"), -EINVAL);
        assert_int_equal(jaula_caps_from_name("10"), -EINVAL); /* numbers are not names */
        assert_int_equal(jaula_caps_from_name("net_bind_service,net_raw"), -EINVAL);
        assert_int_equal(jaula_caps_from_name("cap_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                         -EINVAL);
}

static void test_to_string(void **state)
{
        _cleanup_free_ char *none = NULL, *one = NULL, *two = NULL;

        assert_int_equal(jaula_caps_to_string(0, &none), 0);
        assert_string_equal(none, "");
        assert_int_equal(jaula_caps_to_string(BIT(CAP_NET_BIND_SERVICE), &one), 0);
        assert_string_equal(one, "cap_net_bind_service");
        assert_int_equal(jaula_caps_to_string(BIT(CAP_NET_RAW) | BIT(CAP_CHOWN), &two), 0);
        assert_string_equal(two, "cap_chown,cap_net_raw");
}

static void test_round_trip(void **state)
{
        for (int c = 0; c <= CAP_LAST_CAP; c++) {
                _cleanup_free_ char *s = NULL;

                assert_int_equal(jaula_caps_to_string(BIT(c), &s), 0);
                assert_int_equal(jaula_caps_from_name(s), c);
        }
}

static void test_last(void **state)
{
        /* The kernel knows at least what libcap's headers name. */
        assert_true(jaula_caps_last() >= CAP_CHECKPOINT_RESTORE);
        assert_true(jaula_caps_last() < 64);
}

static void test_check_keep(void **state)
{
        struct jaula_err err = { 0 };

        assert_int_equal(jaula_caps_check_keep(0, &err), 0);
        assert_int_equal(jaula_caps_check_keep(BIT(CAP_NET_BIND_SERVICE), &err), 0);
        assert_int_equal(jaula_caps_check_keep(BIT(CAP_NET_RAW) | BIT(CAP_NET_ADMIN) |
                                                       BIT(CAP_SYS_NICE) | BIT(CAP_KILL),
                                               &err),
                         0);
}

static void test_check_keep_refuses_unsafe(void **state)
{
        static const int unsafe[] = {
                CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID, CAP_SETPCAP, CAP_DAC_OVERRIDE,
                CAP_DAC_READ_SEARCH, CAP_SYS_MODULE, CAP_SYS_PTRACE, CAP_SYS_RAWIO,
                CAP_SYS_CHROOT, CAP_MKNOD, CAP_CHOWN, CAP_FOWNER, CAP_BPF, CAP_SETFCAP,
        };
        struct jaula_err err = { 0 };

        for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++)
                assert_int_equal(jaula_caps_check_keep(BIT(unsafe[i]), &err), -EPERM);
        assert_int_equal(jaula_caps_check_keep(BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_ADMIN), &err),
                         -EPERM);
        assert_non_null(strstr(err.msg, "'cap_sys_admin'"));
        assert_null(strstr(err.msg, "net_bind_service"));
}

static void test_check_keep_unknown(void **state)
{
        struct jaula_err err = { 0 };

        if (jaula_caps_last() >= 63)
                skip();
        assert_int_equal(jaula_caps_check_keep(BIT(63), &err), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_from_name),
                cmocka_unit_test(test_from_name_rejects),
                cmocka_unit_test(test_to_string),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_last),
                cmocka_unit_test(test_check_keep),
                cmocka_unit_test(test_check_keep_refuses_unsafe),
                cmocka_unit_test(test_check_keep_unknown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
