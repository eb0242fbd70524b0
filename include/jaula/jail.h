/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jail.h — the jail lifecycle: find or create, join, leave, destroy, gc.
 * Needs root.  jail.c alone knows the order of the steps (docs/design.md,
 * "A jail and its life"); the front ends call only these functions. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "jaula/log.h"
#include "jaula/spec.h"

/* A live jail with one registered session of the caller. */
struct jaula_handle;

/* Sweep dead sessions and jails that should no longer live, then find the
 * jail of spec (scope user: the user's jail; scope session: a new one) or
 * create it, and register a session owned by session_pid (identified by
 * pid + start time).  Runs under the jail's exclusive lock, so concurrent
 * logins of one user end in one jail.  Nothing is left behind on failure. */
int jaula_jail_open(const struct jaula_spec *spec, pid_t session_pid, struct jaula_handle **ret,
                    struct jaula_err *err);

/* Find the live jail of spec whose network namespace is the caller's own
 * (how jailsh finds the jail that pam_jaula already opened and joined).
 * Returns 1 and a handle (with no session of its own), or 0 when the
 * caller is in no jail of this user. */
int jaula_jail_find_current(const struct jaula_spec *spec, struct jaula_handle **ret,
                            struct jaula_err *err);

/* setns() the caller into the holder's namespaces in nsflags (CLONE_NEW*),
 * verifying the holder through its pidfd first.  PAM joins
 * CLONE_NEWNET|CLONE_NEWUTS|CLONE_NEWIPC only. */
int jaula_jail_enter(struct jaula_handle *h, unsigned long nsflags, struct jaula_err *err);

const char *jaula_handle_jail_id(const struct jaula_handle *h);
const char *jaula_handle_session_id(const struct jaula_handle *h); /* NULL without session */
pid_t jaula_handle_holder_pid(const struct jaula_handle *h);
/* Whether jaula_jail_open made the jail rather than joining a live one. */
bool jaula_handle_created(const struct jaula_handle *h);
void jaula_handle_free(struct jaula_handle *h);

/* End session_id of jail_id; tear the jail down when its lifetime says so
 * (last session gone and no linger, or lifetime processes with nothing
 * left running). */
int jaula_jail_close(const struct jaula_spec *spec, const char *jail_id, const char *session_id,
                     struct jaula_err *err);

/* Stop a jail now: kill everything, release lease and cgroup, remove state. */
int jaula_jail_destroy(const char *state_dir, const char *jail_id, struct jaula_err *err);

/* The sweep: sessions whose owner died, jails whose holder died, jails
 * past their lifetime, leases of jails that are gone. */
int jaula_jail_gc(const char *state_dir, struct jaula_err *err);
/* Jail nodes under cgroup_path (in every hierarchy under cgroup_root) that
 * no state names, no creator is making, and no process uses: left by a
 * jail whose state was lost.  Returns the number removed, or -errno. */
int jaula_jail_gc_cgroups(const char *state_dir, const char *cgroup_root, const char *cgroup_path,
                          struct jaula_err *err);

/* Extensions for jailsh. */

/* The namespaces the jail has (CLONE_NEW*): join only those. */
unsigned long jaula_handle_ns_flags(const struct jaula_handle *h);
/* Move the caller into the jail's cgroup (before joining its cgroup
 * namespace, so the namespace root is the jail's node).  Not needed by a
 * process cloned into it through jaula_jail_cgroup_fd. */
int jaula_jail_join_cgroup(struct jaula_handle *h, struct jaula_err *err);
/* Open the jail's cgroup before forking the shell.  On cgroup v2 returns a
 * directory fd (owned by the handle) for clone3(CLONE_INTO_CGROUP), which
 * spares the child a migration; -EOPNOTSUPP when the child must join with
 * jaula_jail_join_cgroup (v1, or no cgroup); another -errno on failure. */
int jaula_jail_cgroup_fd(struct jaula_handle *h, struct jaula_err *err);
