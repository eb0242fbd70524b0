/* jail-internal.h — what jail.c and holder.c share.  Private to libjaula. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "jaula/cgroup.h"
#include "jaula/log.h"
#include "jaula/net.h"
#include "jaula/spec.h"
#include "jaula/state.h"

/* Namespaces the jail of spec unshares (mount and pid always). */
unsigned long jail_ns_flags(const struct jaula_spec *spec);
/* The namespace type that identifies a jail from inside it ("net", or
 * "uts"/"ipc" for a jail without one of its own network). */
const char *jail_key_ns(unsigned long ns_flags);

/* The processes of a jail being born. */
struct holder_proc {
        pid_t holder_pid, monitor_pid;
        uint64_t holder_start, monitor_start;
        int holder_pidfd; /* owned */
        int sock;         /* owned: the line to the monitor until commit */
};

/* Spawn the monitor (host side, detached: double fork, setsid, root
 * credentials, every inherited fd closed) and the holder it clones into
 * the jail's namespaces.  The holder waits; on return the caller can
 * attach the veth to holder_pid. */
int holder_spawn(const struct jaula_spec *spec, const char *jail_id, struct jaula_cgroup *cg,
                 const struct jaula_lease *lease, struct holder_proc *ret, struct jaula_err *err);
/* Let the holder build its rootfs and pivot; waits for its answer. */
int holder_go(struct holder_proc *hp, struct jaula_err *err);
/* The state is stored: the monitor takes over the jail's life. */
int holder_commit(struct holder_proc *hp);
/* Failure before commit: kill the holder, the monitor follows. */
void holder_abort(struct holder_proc *hp);

/* Under the jail's lock: kill the holder (if still alive), release the
 * cgroup and the lease, remove the state, then release and unlink the
 * lock.  The cgroup and lease are found from st (what the jail was made
 * with), not from today's policy. */
void jail_teardown_locked(int state_fd, const struct jaula_spec *spec,
                          const struct jaula_jail_state *st, int lock_fd);
/* Wait up to timeout_ms for the process behind pidfd to exit. */
int jail_wait_pidfd(int pidfd, int timeout_ms);
/* The caller of a jail being created went away before COMMIT (killed, or
 * failed): wait for the jail's lock and, if the record under it is an
 * intent or a jail whose holder is dead, release what it names.  For the
 * orphaned monitor, which runs it after killing its holder. */
void jail_recover(const char *state_dir, const char *id);
