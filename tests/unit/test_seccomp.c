/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_seccomp.c — the seccomp profiles: effective deny lists, name
 * checks, and the generated filter (exported as libseccomp pseudo code).
 * Needs no privilege: nothing is loaded. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jaula/confine.h"

/* The exact default list, in order; strict is this plus STRICT_EXTRA. */
static const char *const DEFAULT_LIST[] = {
        "mount", "umount", "umount2", "move_mount", "open_tree", "open_tree_attr", "fsopen",
        "fsconfig", "fsmount", "fspick", "mount_setattr", "pivot_root", "chroot", "setns",
        "unshare", "clone[CLONE_NEW*]", "clone3[ENOSYS]", "init_module", "finit_module",
        "delete_module", "create_module", "query_module", "get_kernel_syms", "kexec_load",
        "kexec_file_load", "bpf", "perf_event_open", "lookup_dcookie", "syslog", "keyctl",
        "add_key", "request_key", "open_by_handle_at", "name_to_handle_at", "reboot", "swapon",
        "swapoff", "acct", "quotactl", "quotactl_fd", "nfsservctl", "vhangup", "uselib",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime", "userfaultfd",
        "iopl", "ioperm", "vm86", "vm86old", "ptrace", "process_vm_readv", "process_vm_writev",
        "ioctl[TIOCSTI]", "ioctl[TIOCLINUX]", NULL,
};
static const char *const STRICT_EXTRA[] = {
        "io_uring_setup", "io_uring_enter", "io_uring_register", "kcmp", "pidfd_getfd",
        "personality", "modify_ldt", "mbind", "migrate_pages", "move_pages", "fanotify_init",
        "sethostname", "setdomainname", "memfd_secret", "remap_file_pages", "_sysctl", "sysfs",
        "ustat", NULL,
};

static size_t count(const char *const *v)
{
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

static bool has(const char *const *v, const char *name)
{
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], name) == 0)
                        return true;
        return false;
}

/* A spec whose allow/deny point at NULL-terminated literal lists. */
static struct jaula_seccomp_spec spec(const char *profile, char **allow, char **deny)
{
        static char *empty[] = { NULL };
        struct jaula_seccomp_spec sc = {
                .profile = (char *) profile,
                .allow = allow ? allow : empty,
                .deny = deny ? deny : empty,
        };

        sc.n_allow = count((const char *const *) sc.allow);
        sc.n_deny = count((const char *const *) sc.deny);
        return sc;
}

static const char **denied(struct jaula_seccomp_spec sc)
{
        const char **v = NULL;

        assert_int_equal(jaula_seccomp_denied(&sc, &v), 0);
        assert_non_null(v);
        return v;
}

static void test_default_list_exact(void **state)
{
        _cleanup_free_ const char **v = denied(spec("default", NULL, NULL));

        assert_int_equal(count(v), count(DEFAULT_LIST));
        for (size_t i = 0; DEFAULT_LIST[i]; i++)
                assert_string_equal(v[i], DEFAULT_LIST[i]);
}

static void test_default_when_unset(void **state)
{
        _cleanup_free_ const char **a = denied(spec(NULL, NULL, NULL));
        _cleanup_free_ const char **b = denied(spec("", NULL, NULL));

        assert_int_equal(count(a), count(DEFAULT_LIST));
        assert_int_equal(count(b), count(DEFAULT_LIST));
}

static void test_strict_list_exact(void **state)
{
        _cleanup_free_ const char **v = denied(spec("strict", NULL, NULL));
        size_t nd = count(DEFAULT_LIST);

        assert_int_equal(count(v), nd + count(STRICT_EXTRA));
        for (size_t i = 0; DEFAULT_LIST[i]; i++)
                assert_string_equal(v[i], DEFAULT_LIST[i]);
        for (size_t i = 0; STRICT_EXTRA[i]; i++)
                assert_string_equal(v[nd + i], STRICT_EXTRA[i]);
}

static void test_none_is_empty(void **state)
{
        _cleanup_free_ const char **v = denied(spec("none", NULL, NULL));
        struct jaula_seccomp_spec sc = spec("none", NULL, NULL);

        assert_int_equal(count(v), 0);
        assert_true(jaula_seccomp_is_empty(&sc));
        sc = spec("default", NULL, NULL);
        assert_false(jaula_seccomp_is_empty(&sc));
}

static void test_none_with_deny(void **state)
{
        char *deny[] = { "ptrace", "ioctl[TIOCSTI]", NULL };
        struct jaula_seccomp_spec sc = spec("none", NULL, deny);
        _cleanup_free_ const char **v = denied(sc);

        assert_false(jaula_seccomp_is_empty(&sc));
        assert_int_equal(count(v), 2);
        assert_true(has(v, "ptrace"));
        assert_true(has(v, "ioctl[TIOCSTI]"));
}

static void test_allow_removes(void **state)
{
        char *allow[] = { "ptrace", "process_vm_readv", "process_vm_writev", NULL };
        _cleanup_free_ const char **v = denied(spec("default", allow, NULL));

        assert_int_equal(count(v), count(DEFAULT_LIST) - 3);
        assert_false(has(v, "ptrace"));
        assert_false(has(v, "process_vm_readv"));
        assert_true(has(v, "mount"));
}

static void test_allow_by_syscall_lifts_conditional_rules(void **state)
{
        char *allow[] = { "ioctl", "clone3", NULL };
        _cleanup_free_ const char **v = denied(spec("default", allow, NULL));

        assert_false(has(v, "ioctl[TIOCSTI]"));
        assert_false(has(v, "ioctl[TIOCLINUX]"));
        assert_false(has(v, "clone3[ENOSYS]"));
        assert_true(has(v, "clone[CLONE_NEW*]"));
}

static void test_allow_by_label(void **state)
{
        char *allow[] = { "ioctl[TIOCLINUX]", NULL };
        _cleanup_free_ const char **v = denied(spec("default", allow, NULL));

        assert_true(has(v, "ioctl[TIOCSTI]"));
        assert_false(has(v, "ioctl[TIOCLINUX]"));
}

static void test_allow_not_denied_is_noop(void **state)
{
        char *allow[] = { "read", NULL };
        _cleanup_free_ const char **v = denied(spec("default", allow, NULL));

        assert_int_equal(count(v), count(DEFAULT_LIST));
}

static void test_deny_adds(void **state)
{
        char *deny[] = { "io_uring_setup", "mount", "io_uring_setup", NULL };
        _cleanup_free_ const char **v = denied(spec("default", NULL, deny));

        /* duplicates of table entries and of each other count once */
        assert_int_equal(count(v), count(DEFAULT_LIST) + 1);
        assert_string_equal(v[count(v) - 1], "io_uring_setup");
}

static void test_deny_whole_syscall_replaces_conditional(void **state)
{
        char *deny[] = { "clone", NULL };
        _cleanup_free_ const char **v = denied(spec("default", NULL, deny));

        assert_false(has(v, "clone[CLONE_NEW*]"));
        assert_true(has(v, "clone"));
}

static void test_strict_allow(void **state)
{
        char *allow[] = { "io_uring_setup", "io_uring_enter", "io_uring_register", NULL };
        _cleanup_free_ const char **v = denied(spec("strict", allow, NULL));

        assert_false(has(v, "io_uring_enter"));
        assert_true(has(v, "kcmp"));
}

static void test_unknown_names(void **state)
{
        char *bad[] = { "mount", "no_such_syscall", NULL };
        struct jaula_seccomp_spec sc = spec("default", bad, NULL);
        struct jaula_err err = { 0 };
        jaula_scmp_ctx ctx = NULL;
        const char **v = NULL;

        assert_int_equal(jaula_seccomp_denied(&sc, &v), -EINVAL);
        assert_null(v);
        assert_int_equal(jaula_seccomp_build(&sc, &ctx, &err), -EINVAL);
        assert_null(ctx);
        assert_non_null(strstr(err.msg, "seccomp.allow: unknown system call 'no_such_syscall'"));

        sc = spec("default", NULL, bad);
        assert_int_equal(jaula_seccomp_build(&sc, &ctx, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "seccomp.deny: unknown system call 'no_such_syscall'"));

        sc = spec("paranoid", NULL, NULL);
        assert_int_equal(jaula_seccomp_denied(&sc, &v), -EINVAL);
        assert_int_equal(jaula_seccomp_build(&sc, &ctx, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "unknown profile 'paranoid'"));
}

static void test_known(void **state)
{
        assert_int_equal(jaula_seccomp_known("mount"), 1);
        assert_int_equal(jaula_seccomp_known("clone3"), 1);
        assert_int_equal(jaula_seccomp_known("no_such_syscall"), 0);
        assert_int_equal(jaula_seccomp_known(""), 0);
        assert_int_equal(jaula_seccomp_known(NULL), 0);
#if defined(__x86_64__)
        /* i386-only calls count, for allow_x86 jails */
        assert_int_equal(jaula_seccomp_known("vm86"), 1);
        assert_int_equal(jaula_seccomp_known("stime"), 1);
#endif
}

/* The filter as libseccomp pseudo code. */
static char *export_pfc(const struct jaula_seccomp_spec *sc)
{
        struct jaula_err err = { 0 };
        jaula_scmp_ctx ctx = NULL;
        int fd;
        off_t len;
        char *buf;

        assert_int_equal(jaula_seccomp_build(sc, &ctx, &err), 0);
        assert_non_null(ctx);
        fd = memfd_create("jaula-pfc", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(seccomp_export_pfc(ctx, fd), 0);
        jaula_seccomp_release(ctx);
        len = lseek(fd, 0, SEEK_END);
        assert_true(len > 0);
        buf = calloc(1, (size_t) len + 1);
        assert_non_null(buf);
        assert_int_equal(pread(fd, buf, (size_t) len, 0), len);
        close(fd);
        return buf;
}

static bool pfc_denies(const char *pfc, const char *syscall, const char *action)
{
        char needle[128];
        const char *p;

        snprintf(needle, sizeof needle, "# filter for syscall \"%s\"", syscall);
        p = strstr(pfc, needle);
        if (!p)
                return false;
        p = strstr(p, "action ");
        return p && strncmp(p + 7, action, strlen(action)) == 0;
}

static void test_build_default(void **state)
{
        struct jaula_seccomp_spec sc = spec("default", NULL, NULL);
        _cleanup_free_ char *pfc = export_pfc(&sc);

#if defined(__x86_64__)
        assert_non_null(strstr(pfc, "# filter for arch x86_64 "));
        assert_null(strstr(pfc, "# filter for arch x86 "));
        assert_null(strstr(pfc, "# filter for arch x32 "));
        /* open_tree_attr is newer than libseccomp: denied by number */
        assert_non_null(strstr(pfc, "if ($syscall == 467)"));
#endif
        assert_non_null(strstr(pfc, "# invalid architecture action\naction KILL_PROCESS;"));
        assert_non_null(strstr(pfc, "# default action\n  action ALLOW;"));
        assert_true(pfc_denies(pfc, "mount", "ERRNO(1)"));
        assert_true(pfc_denies(pfc, "unshare", "ERRNO(1)"));
        assert_true(pfc_denies(pfc, "setns", "ERRNO(1)"));
        assert_true(pfc_denies(pfc, "bpf", "ERRNO(1)"));
        assert_true(pfc_denies(pfc, "keyctl", "ERRNO(1)"));
        assert_true(pfc_denies(pfc, "ptrace", "ERRNO(1)"));
        assert_true(pfc_denies(pfc, "clone3", "ERRNO(38)"));
        assert_false(pfc_denies(pfc, "io_uring_setup", "ERRNO(1)"));
        /* clone: one masked compare per namespace bit */
        assert_non_null(strstr(pfc, "if ($a0.lo32 & 0x10000000 == 268435456)")); /* NEWUSER */
        assert_non_null(strstr(pfc, "if ($a0.lo32 & 0x00020000 == 131072)"));    /* NEWNS */
        assert_non_null(strstr(pfc, "if ($a0.lo32 & 0x40000000 == 1073741824)")); /* NEWNET */
        /* ioctl: the low 32 bits of the request only */
        assert_non_null(strstr(pfc, "if ($a1.lo32 & 0xffffffff == 21522)")); /* TIOCSTI */
        assert_non_null(strstr(pfc, "if ($a1.lo32 & 0xffffffff == 21532)")); /* TIOCLINUX */
}

static void test_build_strict(void **state)
{
        struct jaula_seccomp_spec sc = spec("strict", NULL, NULL);
        _cleanup_free_ char *pfc = export_pfc(&sc);

        assert_true(pfc_denies(pfc, "io_uring_setup", "ERRNO(1)"));
        assert_true(pfc_denies(pfc, "personality", "ERRNO(1)"));
        assert_true(pfc_denies(pfc, "mount", "ERRNO(1)"));
}

static void test_build_allow_deny(void **state)
{
        char *allow[] = { "ptrace", NULL }, *deny[] = { "io_uring_enter", NULL };
        struct jaula_seccomp_spec sc = spec("default", allow, deny);
        _cleanup_free_ char *pfc = export_pfc(&sc);

        assert_false(pfc_denies(pfc, "ptrace", "ERRNO(1)"));
        assert_true(pfc_denies(pfc, "io_uring_enter", "ERRNO(1)"));
}

static void test_build_none_with_deny(void **state)
{
        char *deny[] = { "ptrace", NULL };
        struct jaula_seccomp_spec sc = spec("none", NULL, deny);
        _cleanup_free_ char *pfc = export_pfc(&sc);

        assert_true(pfc_denies(pfc, "ptrace", "ERRNO(1)"));
        assert_false(pfc_denies(pfc, "mount", "ERRNO(1)"));
        assert_non_null(strstr(pfc, "action KILL_PROCESS;"));
}

static void test_build_none(void **state)
{
        struct jaula_seccomp_spec sc = spec("none", NULL, NULL);
        _cleanup_free_ char *pfc = export_pfc(&sc);

        /* builds (an allow-all filter), though jaula_confine loads none */
        assert_false(pfc_denies(pfc, "mount", "ERRNO(1)"));
}

static void test_build_x86(void **state)
{
#if defined(__x86_64__)
        struct jaula_seccomp_spec sc = spec("default", NULL, NULL);
        _cleanup_free_ char *pfc = NULL;
        const char *x86;

        sc.allow_x86 = true;
        pfc = export_pfc(&sc);
        assert_non_null(strstr(pfc, "# filter for arch x86_64 "));
        x86 = strstr(pfc, "# filter for arch x86 ");
        assert_non_null(x86);
        assert_null(strstr(pfc, "# filter for arch x32 "));
        /* the same rules, with i386 numbers */
        assert_true(pfc_denies(x86, "mount", "ERRNO(1)"));
        assert_true(pfc_denies(x86, "unshare", "ERRNO(1)"));
        assert_true(pfc_denies(x86, "clone3", "ERRNO(38)"));
        assert_true(pfc_denies(x86, "vm86", "ERRNO(1)"));
        assert_true(pfc_denies(x86, "stime", "ERRNO(1)"));
        assert_non_null(strstr(x86, "if ($syscall == 310)")); /* i386 unshare */
        assert_non_null(strstr(x86, "if ($a1 & 0xffffffff == 21522)"));
        assert_non_null(strstr(pfc, "action KILL_PROCESS;"));
#else
        skip();
#endif
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default_list_exact),
                cmocka_unit_test(test_default_when_unset),
                cmocka_unit_test(test_strict_list_exact),
                cmocka_unit_test(test_none_is_empty),
                cmocka_unit_test(test_none_with_deny),
                cmocka_unit_test(test_allow_removes),
                cmocka_unit_test(test_allow_by_syscall_lifts_conditional_rules),
                cmocka_unit_test(test_allow_by_label),
                cmocka_unit_test(test_allow_not_denied_is_noop),
                cmocka_unit_test(test_deny_adds),
                cmocka_unit_test(test_deny_whole_syscall_replaces_conditional),
                cmocka_unit_test(test_strict_allow),
                cmocka_unit_test(test_unknown_names),
                cmocka_unit_test(test_known),
                cmocka_unit_test(test_build_default),
                cmocka_unit_test(test_build_strict),
                cmocka_unit_test(test_build_allow_deny),
                cmocka_unit_test(test_build_none_with_deny),
                cmocka_unit_test(test_build_none),
                cmocka_unit_test(test_build_x86),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
