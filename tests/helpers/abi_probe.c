/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* abi_probe.c — which system calls the jail's filter lets through, asked
 * through one ABI.  Built twice by t-91 as static programs: with -m32 it
 * enters the kernel through int 0x80 (the i386 ABI, audit arch I386),
 * without it through `syscall` (x86_64).  The same source in both, so the
 * two reports can be compared line by line.  No privilege; no libjaula.
 *
 *   abi_probe abi     print "bits=32" or "bits=64"
 *   abi_probe deny    one line "NAME=RESULT" per probed call (RESULT: ok or
 *                     the errno name)
 *   abi_probe x32     (64-bit build) getpid through the x32 ABI (bit 30 of
 *                     the number): a filter kills it; without a filter a
 *                     kernel without x32 answers ENOSYS
 *
 * Every probe passes arguments that an unfiltered kernel rejects with
 * another error (EFAULT, EINVAL, EBADF, ENOTTY…) or that do nothing, so an
 * EPERM can only come from the filter and nothing is changed when a call
 * gets through.  A few calls check a capability before their arguments
 * (init_module, kexec_load, reboot, pivot_root…): for those EPERM is the
 * answer either way (settimeofday too: Linux 6.1 asks the security hook
 * even with no time given), and t-91 does not count them as proof. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Deliberately bad pointer: the kernel answers EFAULT when it reads it. */
#define BAD ((long) 1)

#if defined(__i386__)
/* The legacy gate itself rather than libc's syscall(), which may go
 * through the vDSO's sysenter: int 0x80 is the entry the i386 ABI names. */
static long sys5(long nr, long a, long b, long c, long d, long e)
{
        long ret;

        __asm__ volatile("int $0x80"
                         : "=a"(ret)
                         : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
                         : "memory");
        return ret;
}
#elif defined(__x86_64__)
static long sys5(long nr, long a, long b, long c, long d, long e)
{
        long ret;
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;

        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                         : "rcx", "r11", "memory");
        return ret;
}
#else
#error "abi_probe is for x86 (i386 and x86_64)"
#endif

static const char *result(long r)
{
        static char buf[32];

        if (r >= 0 || r < -4095)
                return "ok";
        switch (-r) {
        case EPERM: return "EPERM";
        case ENOSYS: return "ENOSYS";
        case EFAULT: return "EFAULT";
        case EINVAL: return "EINVAL";
        case EBADF: return "EBADF";
        case ENOTTY: return "ENOTTY";
        case ESRCH: return "ESRCH";
        case ENOENT: return "ENOENT";
        case EOPNOTSUPP: return "EOPNOTSUPP";
        case EACCES: return "EACCES";
        }
        snprintf(buf, sizeof buf, "errno%ld", -r);
        return buf;
}

#define P(name, nr, a, b, c, d, e) printf("%s=%s\n", name, result(sys5(nr, a, b, c, d, e)))

static int probe_deny(void)
{
        long me = sys5(SYS_getpid, 0, 0, 0, 0, 0);

        P("getpid", SYS_getpid, 0, 0, 0, 0, 0);
        /* mount family */
        P("mount", SYS_mount, BAD, BAD, BAD, 0, 0);
        P("umount2", SYS_umount2, (long) "/", 0x7ff0, 0, 0, 0);
        P("open_tree", SYS_open_tree, -1, 0, 0x7fff0000, 0, 0);
        P("fsconfig", SYS_fsconfig, -1, 9999, 0, 0, 0);
        P("mount_setattr", SYS_mount_setattr, -1, 0, 0x7fff0000, 0, 0);
        P("chroot", SYS_chroot, BAD, 0, 0, 0, 0);
        P("pivot_root", SYS_pivot_root, BAD, BAD, 0, 0, 0);
        /* namespaces */
        P("setns", SYS_setns, -1, 0, 0, 0, 0);
        P("unshare", SYS_unshare, CLONE_VFORK, 0, 0, 0, 0);
        /* CLONE_NEWUSER with CLONE_FS is always EINVAL: no child either way */
        P("clone_newuser", SYS_clone, CLONE_NEWUSER | CLONE_FS, 0, 0, 0, 0);
        P("clone3", SYS_clone3, 0, 0, 0, 0, 0);
        /* keyring */
        P("keyctl", SYS_keyctl, 9999, 0, 0, 0, 0);
        P("add_key", SYS_add_key, BAD, BAD, 0, 0, 0);
        P("request_key", SYS_request_key, BAD, BAD, 0, 0, 0);
        /* tracing */
        P("ptrace", SYS_ptrace, 0x7fff, 0, 0, 0, 0);
        P("process_vm_readv", SYS_process_vm_readv, me, 0, 0, 0, 0);
        /* kernel surface */
        P("perf_event_open", SYS_perf_event_open, BAD, 0, -1, -1, 0);
        P("bpf", SYS_bpf, 9999, 0, 0, 0, 0);
        P("name_to_handle_at", SYS_name_to_handle_at, -1, BAD, BAD, BAD, 0);
        P("init_module", SYS_init_module, 0, 0, BAD, 0, 0);
        P("kexec_load", SYS_kexec_load, 0, 0, 0, 0xffff0000, 0);
        P("reboot", SYS_reboot, 0, 0, 0, 0, 0);
        P("settimeofday", SYS_settimeofday, 0, 0, 0, 0, 0);
        P("ioctl_TIOCSTI", SYS_ioctl, -1, TIOCSTI, BAD, 0, 0);
        P("iopl", SYS_iopl, 3, 0, 0, 0, 0);
#if defined(__i386__)
        /* i386 only */
        P("stime", SYS_stime, BAD, 0, 0, 0, 0);
        P("vm86old", SYS_vm86old, BAD, 0, 0, 0, 0);
        P("umount", SYS_umount, BAD, 0, 0, 0, 0);
#endif
        return 0;
}

static int probe_x32(void)
{
#if defined(__x86_64__)
        long r = sys5(SYS_getpid | 0x40000000L, 0, 0, 0, 0, 0);

        printf("x32_getpid=%s\n", result(r));
        return 0;
#else
        fputs("abi_probe: x32 needs the 64-bit build\n", stderr);
        return 2;
#endif
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc == 2 && strcmp(argv[1], "abi") == 0) {
                printf("bits=%d\n", (int) (sizeof(long) * 8));
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "deny") == 0)
                return probe_deny();
        if (argc == 2 && strcmp(argv[1], "x32") == 0)
                return probe_x32();
        fputs("usage: abi_probe abi|deny|x32\n", stderr);
        return 2;
}
