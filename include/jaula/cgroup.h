/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup.h — cgroup v2 and v1 behind one interface.  Needs root.
 * Hierarchy: <mount>/<cgroup_path>/<group>/<jail>; aggregate limits on the
 * group node, per-jail limits on the jail node.  docs/cgroups.md describes
 * the layout on a systemd host and the v1 degradations. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "jaula/log.h"
#include "jaula/spec.h"

enum jaula_cgroup_mode {
        JAULA_CGROUP_NONE,    /* no usable cgroup mount */
        JAULA_CGROUP_V1,      /* one hierarchy per controller */
        JAULA_CGROUP_V2,      /* unified */
        JAULA_CGROUP_HYBRID,  /* v1 controllers + a controller-less v2: the v1 backend */
        JAULA_CGROUP_SYSTEMD, /* systemd PID 1 + unified: transient scopes under jaula.slice */
};

/* cgroup_root NULL or "": the mounts in /proc/self/mountinfo — SYSTEMD when
 * PID 1 is systemd (/run/systemd/system) and /sys/fs/cgroup is cgroup2;
 * otherwise a v2 directory (holding cgroup.controllers) or a directory of
 * v1 hierarchies (like /sys/fs/cgroup on a v1 host), which the
 * administrator manages. */
enum jaula_cgroup_mode jaula_cgroup_detect(const char *cgroup_root);
const char *jaula_cgroup_mode_name(enum jaula_cgroup_mode mode); /* "v1", "v2", … */

struct jaula_cgroup; /* the jail's node in every hierarchy in use */

/* Create (or reuse) the group node with spec->group_limits and create the
 * jail node with spec->limits.  Nothing is left behind on failure.  On a
 * host without any cgroup mount and a spec without limits, *ret is NULL and
 * every call below accepts NULL. */
int jaula_cgroup_create(const struct jaula_spec *spec, const char *jail_id,
                        struct jaula_cgroup **ret, struct jaula_err *err);
/* Open the existing jail node, in every hierarchy where it exists (so a
 * process joining lands where the holder is even if the policy changed
 * since).  Call it before joining the jail's mount namespace: the paths
 * are the host's; the handle's fds stay valid after setns. */
int jaula_cgroup_open(const struct jaula_spec *spec, const char *jail_id,
                      struct jaula_cgroup **ret, struct jaula_err *err);
/* SYSTEMD: make the jail's scope, <cgroup_path>-<jail_id>.scope, with the
 * caller (the jail's monitor) as its one process, and its payload/ child
 * that jaula_cgroup_fd() then returns (docs/design.md, "Jails on a systemd
 * host").  Talks to systemd over D-Bus; a no-op on every other backend
 * and for cg NULL. */
int jaula_cgroup_enter(struct jaula_cgroup *cg, struct jaula_err *err);
/* SYSTEMD: register the jail with systemd-machined (machinectl), leader
 * the holder.  -EHOSTDOWN when machined is not installed or not reachable;
 * 0 and nothing done on every other backend.  Visibility only: the caller
 * goes on whatever it returns. */
int jaula_cgroup_register_machine(const struct jaula_spec *spec, const char *jail_id,
                                  pid_t leader, const char *host_if, struct jaula_err *err);
/* SYSTEMD: the top slice's unit name for cgroup_path ("jaula.slice"). */
int jaula_cgroup_top_slice(const char *cgroup_path, char *buf, size_t size);
/* Move pid (0: the caller) into the jail node of every hierarchy.  On v1
 * a caller of one thread moves itself through the tasks files (no wait
 * for the kernel's global threadgroup lock). */
int jaula_cgroup_attach(struct jaula_cgroup *cg, pid_t pid);
/* v2 and SYSTEMD (the scope's payload/): directory fd of the jail node for clone3(CLONE_INTO_CGROUP), owned by
 * cg (do not close it); -1 on v1 and hybrid. */
int jaula_cgroup_fd(struct jaula_cgroup *cg);
/* Kill everything left in the jail node and remove it (and the group node
 * and the last component of cgroup_path when they are empty).  Works from
 * the spec alone so gc can call it; a jail node that does not exist is not
 * an error.  -EBUSY when processes survive 10 s of SIGKILL. */
int jaula_cgroup_destroy(const struct jaula_spec *spec, const char *jail_id);
/* Remove every jail node <cgroup_path>/<group>/<id>, in each hierarchy
 * under cgroup_root, for which orphan(id) says no jail owns it and that no
 * process uses; then the group and cgroup_path nodes left empty.  Returns
 * the number of jail nodes removed, or -errno. */
int jaula_cgroup_gc(const char *cgroup_root, const char *cgroup_path,
                    bool (*orphan)(const char *jail_id, void *ud), void *ud);
void jaula_cgroup_free(struct jaula_cgroup *cg);

/* Limits that could not be applied and were, by design, not an error
 * (docs/cgroups.md): the front end may warn. */
#define JAULA_CGROUP_SKIPPED_IO_WEIGHT (1u << 0) /* no io.weight / blkio(.bfq).weight file */
#define JAULA_CGROUP_SKIPPED_SWAP (1u << 1)      /* swap 0 without swap accounting, no swap on */
unsigned jaula_cgroup_skipped(const struct jaula_cgroup *cg);

struct jaula_cgroup_usage {
        int64_t memory_bytes; /* -1: unknown */
        int64_t pids;
        int64_t cpu_usec;
};
int jaula_cgroup_usage(const struct jaula_spec *spec, const char *jail_id,
                       struct jaula_cgroup_usage *ret);

static inline void jaula_cgroup_freep(struct jaula_cgroup **cg)
{
        jaula_cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(jaula_cgroup_freep)))
