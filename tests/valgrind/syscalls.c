/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscalls.c — LD_PRELOAD library for t-76 (tests only, never installed):
 * the system calls that jaula needs and valgrind 3.19 (Debian 12) does not
 * implement, made natively, with the checks valgrind's own wrappers make.
 *
 * Valgrind answers ENOSYS (and prints "unhandled amd64-linux syscall") for
 * pidfd_open, pidfd_send_signal, openat2, seccomp and the whole fd-based
 * mount API (open_tree, move_mount, fsopen, fsconfig, fsmount,
 * mount_setattr), as a kernel older than 5.3 (5.12 for mount_setattr)
 * would.  jaula rightly refuses to make a jail without them: a holder is
 * trusted and signalled only through a pidfd, and every mount of a jail is
 * made through fds so that no path in the rootfs can be swapped for a
 * symlink (`jaula check-kernel` lists them as required).  Falling back to
 * pid- or path-based calls would weaken jaula, so the test brings the calls
 * to valgrind instead.
 *
 * Under valgrind, each of these calls is made on the real CPU (a client
 * request runs a function there) with the caller's arguments, after the
 * memory it reads has been checked as valgrind's wrappers would (an
 * unaddressable or uninitialised byte is a memcheck error, counted like any
 * other); the one call that writes into the caller's memory (seccomp's
 * SECCOMP_GET_NOTIF_SIZES query) has that memory marked defined after it.
 * mount(2) is also passed through when its type is NULL: valgrind 3.19
 * checks the type as a string even for MS_PRIVATE, MS_BIND or MS_REMOUNT,
 * where the kernel ignores it.  Every other call, and every call outside
 * valgrind, goes to libc unchanged.  The fds these calls return are
 * unknown to valgrind's --track-fds (t-76 counts the PAM application's fds
 * itself).
 *
 * x86_64 only (the native call is inline assembly). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/mount.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#if !defined(__x86_64__)
#error "syscalls.c: x86_64 only"
#endif

struct native_call {
        long nr, a[6];
};

/* Runs on the real CPU, outside the simulation: no libc (no errno, no
 * TLS), the system call and nothing else. */
static long native_syscall(long tid, struct native_call *c)
{
        register long r10 __asm__("r10") = c->a[3];
        register long r8 __asm__("r8") = c->a[4];
        register long r9 __asm__("r9") = c->a[5];
        long ret;

        (void) tid;
        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(c->nr), "D"(c->a[0]), "S"(c->a[1]), "d"(c->a[2]), "r"(r10),
                           "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
        return ret;
}

static long native(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
        struct native_call c = { nr, { a0, a1, a2, a3, a4, a5 } };
        long r = (long) VALGRIND_NON_SIMD_CALL1(native_syscall, &c);

        if (r < 0 && r > -4096) {
                errno = (int) -r;
                return -1;
        }
        return r;
}

/* What valgrind's PRE_MEM_RASCIIZ and PRE_MEM_READ do. */
static void check_str(const char *s)
{
        if (s)
                VALGRIND_CHECK_MEM_IS_DEFINED(s, strlen(s) + 1);
}

static void check_mem(const void *p, size_t n)
{
        if (p && n)
                VALGRIND_CHECK_MEM_IS_DEFINED(p, n);
}

static void *next(const char *name)
{
        return dlsym(RTLD_NEXT, name);
}

/* ---- libc's syscall(): pidfd_open, pidfd_send_signal, openat2, seccomp */

static int syscall_passes(long nr, const long *a)
{
        switch (nr) {
        case SYS_pidfd_open:
                return 1;
        case SYS_pidfd_send_signal:
                check_mem((const void *) a[2], 128); /* siginfo_t */
                return 1;
        case SYS_openat2:
                check_str((const char *) a[1]);
                check_mem((const void *) a[2], (size_t) a[3]);
                return 1;
        case SYS_seccomp:
                /* libseccomp probes the kernel (SECCOMP_SET_MODE_STRICT with
                 * bad flags, the query operations) before it loads a
                 * filter; with valgrind's ENOSYS it would refuse the
                 * actions jaula asks for. */
                if (a[0] == SECCOMP_SET_MODE_FILTER && a[2]) {
                        const struct sock_fprog *prog = (const struct sock_fprog *) a[2];

                        check_mem(prog, sizeof *prog);
                        check_mem(prog->filter, prog->len * sizeof *prog->filter);
                } else if (a[0] == SECCOMP_GET_ACTION_AVAIL) {
                        check_mem((const void *) a[2], sizeof(uint32_t));
                }
                /* SECCOMP_GET_NOTIF_SIZES writes: marked defined below. */
                return 1;
        default:
                return 0;
        }
}

long syscall(long nr, ...)
{
        long (*real)(long, ...) = next("syscall");
        long a[6];
        va_list ap;

        va_start(ap, nr);
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);
        if (RUNNING_ON_VALGRIND && syscall_passes(nr, a)) {
                long r = native(nr, a[0], a[1], a[2], a[3], a[4], a[5]);

                if (r == 0 && nr == SYS_seccomp && a[0] == SECCOMP_GET_NOTIF_SIZES)
                        VALGRIND_MAKE_MEM_DEFINED((void *) a[2],
                                                  sizeof(struct seccomp_notif_sizes));
                return r;
        }
        if (!real) {
                errno = ENOSYS;
                return -1;
        }
        return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- glibc's wrappers of the fd-based mount API ---- */

int open_tree(int dfd, const char *path, unsigned flags)
{
        int (*real)(int, const char *, unsigned) = next("open_tree");

        if (!RUNNING_ON_VALGRIND && real)
                return real(dfd, path, flags);
        check_str(path);
        return (int) native(SYS_open_tree, dfd, (long) path, flags, 0, 0, 0);
}

int move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags)
{
        int (*real)(int, const char *, int, const char *, unsigned) = next("move_mount");

        if (!RUNNING_ON_VALGRIND && real)
                return real(from_dfd, from, to_dfd, to, flags);
        check_str(from);
        check_str(to);
        return (int) native(SYS_move_mount, from_dfd, (long) from, to_dfd, (long) to, flags, 0);
}

int fsopen(const char *fs, unsigned flags)
{
        int (*real)(const char *, unsigned) = next("fsopen");

        if (!RUNNING_ON_VALGRIND && real)
                return real(fs, flags);
        check_str(fs);
        return (int) native(SYS_fsopen, (long) fs, flags, 0, 0, 0, 0);
}

int fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
        int (*real)(int, unsigned, const char *, const void *, int) = next("fsconfig");

        if (!RUNNING_ON_VALGRIND && real)
                return real(fd, cmd, key, value, aux);
        switch (cmd) {
        case FSCONFIG_SET_STRING:
        case FSCONFIG_SET_PATH:
        case FSCONFIG_SET_PATH_EMPTY:
                check_str(value);
                /* fall through */
        case FSCONFIG_SET_FLAG:
        case FSCONFIG_SET_FD:
                check_str(key);
                break;
        case FSCONFIG_SET_BINARY:
                check_str(key);
                check_mem(value, aux > 0 ? (size_t) aux : 0);
                break;
        default:
                break;
        }
        return (int) native(SYS_fsconfig, fd, cmd, (long) key, (long) value, aux, 0);
}

int fsmount(int fd, unsigned flags, unsigned attrs)
{
        int (*real)(int, unsigned, unsigned) = next("fsmount");

        if (!RUNNING_ON_VALGRIND && real)
                return real(fd, flags, attrs);
        return (int) native(SYS_fsmount, fd, flags, attrs, 0, 0, 0);
}

int mount_setattr(int dfd, const char *path, unsigned flags, struct mount_attr *attr, size_t size)
{
        int (*real)(int, const char *, unsigned, struct mount_attr *, size_t) =
                next("mount_setattr");

        if (!RUNNING_ON_VALGRIND && real)
                return real(dfd, path, flags, attr, size);
        check_str(path);
        check_mem(attr, size);
        return (int) native(SYS_mount_setattr, dfd, (long) path, flags, (long) attr, (long) size,
                            0);
}

/* ---- mount(2) with a NULL type ---- */

int mount(const char *source, const char *target, const char *type, unsigned long flags,
          const void *data)
{
        int (*real)(const char *, const char *, const char *, unsigned long, const void *) =
                next("mount");

        if ((!RUNNING_ON_VALGRIND || type) && real)
                return real(source, target, type, flags, data);
        check_str(source);
        check_str(target);
        check_str(data);
        return (int) native(SYS_mount, (long) source, (long) target, 0, (long) flags, (long) data,
                            0);
}
