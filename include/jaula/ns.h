/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ns.h — namespaces: identity, joining through a pidfd, spawning the
 * holder with clone3.  Needs root (CAP_SYS_ADMIN) for everything but
 * jaula_ns_ino. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Every namespace a jail can have, and the subset the holder is cloned
 * with (the cgroup namespace is unshared later, once the holder sits in
 * the jail's cgroup, so that the namespace is rooted there). */
#define JAULA_NS_ALL                                                                              \
        (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* Inode of namespace `type` ("net", "uts", "mnt", …) of pid (0: the
 * caller).  Inode numbers identify a namespace for as long as it lives. */
int jaula_ns_ino(pid_t pid, const char *type, uint64_t *ret);

/* Join the namespaces in flags of the process behind pidfd (pid is used
 * only on kernels without setns(pidfd), < 5.8, where each namespace is
 * opened through /proc and the pidfd is re-checked afterwards). */
int jaula_ns_join(int pidfd, pid_t pid, unsigned long flags);

/* fork-like clone3 into new namespaces `flags`, with a pidfd for the
 * child in *ret_pidfd (parent side).  With cgroup_fd >= 0 (a cgroup v2
 * directory) the child is born in that cgroup (CLONE_INTO_CGROUP), so it
 * never runs, nor forks, outside it.  Without clone3 (-ENOSYS) it falls
 * back to clone(2), but only when cgroup_fd < 0: with a cgroup it returns
 * -ENOSYS, and the caller may start the child with cgroup_fd -1 and move
 * it.  Returns the child pid in the parent, 0 in the child, -errno on
 * failure. */
pid_t jaula_ns_clone(unsigned long flags, int cgroup_fd, int *ret_pidfd);

/* Start fn(arg) in a child that shares the caller's memory until it execs
 * or exits, on a stack of its own (CLONE_VM|CLONE_VFORK, the caller being
 * suspended meanwhile): a new process without a copy of the caller's page
 * tables, which is the dearest part of a fork.  fn must end in execve or
 * _exit; what it changes in memory stays in the caller's.  Returns the
 * child's pid or -errno. */
pid_t jaula_spawn_shared(int (*fn)(void *), void *arg, size_t stack_size);
