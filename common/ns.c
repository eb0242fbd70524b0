/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ns.c — namespace identity, joining, cloning.  Needs root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jaula/ns.h"
#include "jaula/util.h"

JAULA_EXPORT int jaula_ns_ino(pid_t pid, const char *type, uint64_t *ret)
{
        char path[64];
        struct stat st;

        if (pid)
                snprintf(path, sizeof path, "/proc/%d/ns/%s", (int) pid, type);
        else
                snprintf(path, sizeof path, "/proc/self/ns/%s", type);
        if (stat(path, &st) < 0)
                return -errno;
        *ret = (uint64_t) st.st_ino;
        return 0;
}

JAULA_EXPORT int jaula_ns_join(int pidfd, pid_t pid, unsigned long flags)
{
        /* The order of the fallback matters: the mount namespace last, since
         * after it /proc/PID may no longer be reachable. */
        static const struct {
                unsigned long flag;
                const char *name;
        } order[] = {
                { CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWIPC, "ipc" }, { CLONE_NEWUTS, "uts" },
                { CLONE_NEWNET, "net" },       { CLONE_NEWPID, "pid" }, { CLONE_NEWNS, "mnt" },
        };
        int fds[ELEMENTSOF(order)];
        int r = 0;

        if (setns(pidfd, (int) flags) == 0)
                return 0;
        if (errno != EINVAL || pid <= 0)
                return -errno;
        /* setns(pidfd) is 5.8+; older kernels answer EINVAL. */
        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                char path[64];

                fds[i] = -1;
                if (!(flags & order[i].flag))
                        continue;
                snprintf(path, sizeof path, "/proc/%d/ns/%s", (int) pid, order[i].name);
                fds[i] = open(path, O_RDONLY | O_CLOEXEC);
                if (fds[i] < 0 && r == 0)
                        r = -errno;
        }
        /* The fds were opened by pid: make sure pid still is our process. */
        if (r == 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                r = -ESRCH;
        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                if (r == 0 && fds[i] >= 0 && setns(fds[i], (int) order[i].flag) < 0)
                        r = -errno;
                close_nointr(fds[i]);
        }
        return r;
}

/* clone(2) as fork with extra flags: no stack (the child runs on a copy of
 * ours), CLONE_PIDFD puts the pidfd where the parent-tid pointer goes.
 * Only s390 passes the stack before the flags. */
static long clone_fork(unsigned long flags, int *pidfd)
{
#if defined(__s390__) || defined(__s390x__)
        return syscall(SYS_clone, 0UL, flags, pidfd, NULL, 0UL);
#else
        return syscall(SYS_clone, flags, 0UL, pidfd, NULL, 0UL);
#endif
}

JAULA_EXPORT pid_t jaula_ns_clone(unsigned long flags, int cgroup_fd, int *ret_pidfd)
{
        struct clone_args args = { 0 };
        int pidfd = -1;
        long pid;

        args.flags = flags | CLONE_PIDFD;
        args.pidfd = (uint64_t) (uintptr_t) &pidfd;
        args.exit_signal = SIGCHLD;
        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t) cgroup_fd;
        }
        /* No stack: clone3 then returns twice like fork(). */
        pid = syscall(SYS_clone3, &args, sizeof args);
        /* Without clone3 (Linux < 5.3, a container's seccomp profile that
         * answers ENOSYS so that libc falls back to clone, or valgrind)
         * clone(2) does the same but for the cgroup: the caller must then
         * start the child outside and move it (-ENOSYS tells it so). */
        if (pid < 0 && errno == ENOSYS && cgroup_fd < 0) {
                pidfd = -1;
                pid = clone_fork(flags | CLONE_PIDFD | SIGCHLD, &pidfd);
        }
        if (pid < 0)
                return -errno;
        if (pid > 0) {
                /* clone(2) of Linux < 5.2 ignores CLONE_PIDFD: without a
                 * pidfd the child is no use to the caller. */
                if (pidfd < 0) {
                        kill((pid_t) pid, SIGKILL);
                        while (waitpid((pid_t) pid, NULL, __WALL) < 0 && errno == EINTR)
                                ;
                        return -EOPNOTSUPP;
                }
                *ret_pidfd = pidfd;
        }
        return (pid_t) pid;
}

JAULA_EXPORT pid_t jaula_spawn_shared(int (*fn)(void *), void *arg, size_t stack_size)
{
        void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
        pid_t pid;

        if (stack == MAP_FAILED)
                return neg_errno();
        pid = clone(fn, (char *) stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
        if (pid < 0)
                pid = neg_errno();
        /* CLONE_VFORK: the child has exec'd or exited by now. */
        munmap(stack, stack_size);
        return pid;
}
