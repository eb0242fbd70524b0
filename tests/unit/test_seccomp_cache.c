/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_seccomp_cache.c — the compiled filter kept on disk is the program
 * libseccomp generates: for every profile shape, what jaula_seccomp_compile
 * returns, compiled and then read back from the cache, equals a fresh
 * seccomp_export_bpf of jaula_seccomp_build byte for byte.  Nothing is
 * loaded.  The cache is used only by root; as another user the read-back
 * half is skipped (and says so). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaula/confine.h"

static char cache_dir[64];

static int setup(void **state)
{
        snprintf(cache_dir, sizeof cache_dir, "/tmp/jaula-unit-sf.XXXXXX");
        return mkdtemp(cache_dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache_dir);
        return system(cmd) == 0 ? 0 : -1;
}

static size_t count(char *const *v)
{
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

static struct jaula_seccomp_spec spec(const char *profile, char **allow, char **deny, bool x86)
{
        static char *empty[] = { NULL };
        struct jaula_seccomp_spec sc = {
                .profile = (char *) profile,
                .allow = allow ? allow : empty,
                .deny = deny ? deny : empty,
                .allow_x86 = x86,
        };

        sc.n_allow = count(sc.allow);
        sc.n_deny = count(sc.deny);
        return sc;
}

static void fresh_export(const struct jaula_seccomp_spec *sc, struct jaula_seccomp_prog *ret)
{
        struct jaula_err err = { 0 };
        jaula_scmp_ctx ctx = NULL;

        assert_int_equal(jaula_seccomp_build(sc, &ctx, &err), 0);
        assert_int_equal(jaula_seccomp_export(ctx, ret, &err), 0);
        jaula_seccomp_release(ctx);
        assert_true(ret->n > 0);
}

static void assert_same(const struct jaula_seccomp_prog *a, const struct jaula_seccomp_prog *b)
{
        assert_int_equal(a->n, b->n);
        assert_memory_equal(a->insns, b->insns, a->n * sizeof *a->insns);
}

/* Compile (a miss: written), compile again (a hit when root), compare
 * both with a fresh export. */
static void check_spec(struct jaula_seccomp_spec sc)
{
        struct jaula_seccomp_prog want = { 0 }, first = { 0 }, second = { 0 };
        struct jaula_err err = { 0 };
        bool cached = true;

        fresh_export(&sc, &want);
        assert_int_equal(jaula_seccomp_compile(&sc, cache_dir, &first, &cached, &err), 0);
        assert_false(cached);
        assert_same(&want, &first);
        assert_int_equal(jaula_seccomp_compile(&sc, cache_dir, &second, &cached, &err), 0);
        assert_same(&want, &second);
        if (geteuid() == 0)
                assert_true(cached);
        /* No cache at all: the same program. */
        jaula_seccomp_prog_free(&second);
        assert_int_equal(jaula_seccomp_compile(&sc, "", &second, &cached, &err), 0);
        assert_false(cached);
        assert_same(&want, &second);
        jaula_seccomp_prog_free(&want);
        jaula_seccomp_prog_free(&first);
        jaula_seccomp_prog_free(&second);
}

static void test_default(void **state)
{
        check_spec(spec("default", NULL, NULL, false));
}

static void test_strict(void **state)
{
        check_spec(spec("strict", NULL, NULL, false));
}

static void test_allow_deny(void **state)
{
        char *allow[] = { "ptrace", "ioctl[TIOCSTI]", NULL };
        char *deny[] = { "io_uring_setup", "getpid", NULL };

        check_spec(spec("default", allow, deny, false));
}

static void test_none_with_deny(void **state)
{
        char *deny[] = { "ptrace", NULL };

        check_spec(spec("none", NULL, deny, false));
}

static void test_allow_x86(void **state)
{
        if (seccomp_arch_native() != SCMP_ARCH_X86_64)
                skip();
        check_spec(spec("default", NULL, NULL, true));
        check_spec(spec("strict", NULL, NULL, true));
}

/* Two specs that differ only in the order of deny do not share a file
 * by accident of a digest: each reads back its own program. */
static void test_specs_kept_apart(void **state)
{
        char *d1[] = { "getpid", NULL }, *d2[] = { "getppid", NULL };
        struct jaula_seccomp_spec a = spec("none", NULL, d1, false);
        struct jaula_seccomp_spec b = spec("none", NULL, d2, false);
        struct jaula_seccomp_prog pa = { 0 }, pb = { 0 }, wa = { 0 }, wb = { 0 };
        struct jaula_err err = { 0 };

        fresh_export(&a, &wa);
        fresh_export(&b, &wb);
        assert_false(wa.n == wb.n && memcmp(wa.insns, wb.insns, wa.n * sizeof *wa.insns) == 0);
        assert_int_equal(jaula_seccomp_compile(&a, cache_dir, &pa, NULL, &err), 0);
        assert_int_equal(jaula_seccomp_compile(&b, cache_dir, &pb, NULL, &err), 0);
        jaula_seccomp_prog_free(&pa);
        jaula_seccomp_prog_free(&pb);
        assert_int_equal(jaula_seccomp_compile(&a, cache_dir, &pa, NULL, &err), 0);
        assert_int_equal(jaula_seccomp_compile(&b, cache_dir, &pb, NULL, &err), 0);
        assert_same(&wa, &pa);
        assert_same(&wb, &pb);
        jaula_seccomp_prog_free(&pa);
        jaula_seccomp_prog_free(&pb);
        jaula_seccomp_prog_free(&wa);
        jaula_seccomp_prog_free(&wb);
}

static void test_unknown_name_refused(void **state)
{
        char *deny[] = { "no_such_syscall", NULL };
        struct jaula_seccomp_spec sc = spec("default", NULL, deny, false);
        struct jaula_seccomp_prog p = { 0 };
        struct jaula_err err = { 0 };

        assert_int_equal(jaula_seccomp_compile(&sc, cache_dir, &p, NULL, &err), -EINVAL);
        assert_null(p.insns);
        assert_non_null(strstr(err.msg, "no_such_syscall"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default),
                cmocka_unit_test(test_strict),
                cmocka_unit_test(test_allow_deny),
                cmocka_unit_test(test_none_with_deny),
                cmocka_unit_test(test_allow_x86),
                cmocka_unit_test(test_specs_kept_apart),
                cmocka_unit_test(test_unknown_name_refused),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
