/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holder.h — the interface of holder.c.  Private to libjaula.
 *
 * One direction only: jail.c (the orchestrator) includes this and calls
 * holder.c; holder.c includes nothing of jail.c.  What the monitor must do
 * with a jail's record when the jail ends is jail.c's business, so it comes
 * in as callbacks (struct holder_ops), and the namespaces to make come in
 * as flags.  holder.c itself sits on state.c, cgroup.c, net.c, ns.c and
 * rootfs.c. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "jaula/cgroup.h"
#include "jaula/log.h"
#include "jaula/net.h"
#include "jaula/spec.h"
#include "jaula/state.h"

/* What the monitor calls back into its creator's layer.  Both run in the
 * monitor (a fork of the caller), so plain function pointers. */
struct holder_ops {
        /* Under the jail's lock: kill the holder (if still alive), release
         * the cgroup and the lease, remove the state, then release and
         * unlink the lock. */
        void (*teardown_locked)(int state_fd, const struct jaula_spec *spec,
                                const struct jaula_jail_state *st, int lock_fd);
        /* The caller went away before COMMIT: release, under the jail's
         * lock, what its intent record names. */
        void (*recover)(const char *state_dir, const char *id);
};

/* The processes of a jail being born. */
struct holder_proc {
        pid_t holder_pid, monitor_pid;
        uint64_t holder_start, monitor_start;
        int holder_pidfd; /* owned */
        int sock;         /* owned: the line to the monitor until commit */
};

/* Spawn the monitor (host side, detached: double fork, setsid, root
 * credentials, every inherited fd closed) and the holder it clones into
 * the namespaces NS_FLAGS (CLONE_NEW*).  The holder waits; on return the
 * caller can attach the veth to holder_pid.  OPS must outlive the call
 * only (the monitor has its own copy of the caller's memory). */
int holder_spawn(const struct jaula_spec *spec, const char *jail_id, unsigned long ns_flags,
                 struct jaula_cgroup *cg, const struct jaula_lease *lease,
                 const struct holder_ops *ops, struct holder_proc *ret, struct jaula_err *err);
/* Let the holder build its rootfs and pivot; waits for its answer. */
int holder_go(struct holder_proc *hp, struct jaula_err *err);
/* The state is stored: the monitor takes over the jail's life. */
int holder_commit(struct holder_proc *hp);
/* Failure before commit: kill the holder, the monitor follows. */
void holder_abort(struct holder_proc *hp);
/* Wait up to timeout_ms for the process behind pidfd to exit. */
int holder_wait_pidfd(int pidfd, int timeout_ms);
