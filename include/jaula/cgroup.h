/* cgroup.h — cgroup v2 and v1 behind one interface.  Needs root.
 * Hierarchy: <mount>/<cgroup_path>/<group>/<jail>; aggregate limits on the
 * group node, per-jail limits on the jail node. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "jaula/log.h"
#include "jaula/spec.h"

enum jaula_cgroup_mode {
        JAULA_CGROUP_NONE,    /* no usable cgroup mount */
        JAULA_CGROUP_V1,      /* one hierarchy per controller */
        JAULA_CGROUP_V2,      /* unified */
        JAULA_CGROUP_HYBRID,  /* v1 controllers + a controller-less v2 */
};

enum jaula_cgroup_mode jaula_cgroup_detect(const char *cgroup_root);

struct jaula_cgroup; /* the jail's node in every hierarchy in use */

/* Create (or reuse) the group node with spec->group_limits and create the
 * jail node with spec->limits.  Nothing is left behind on failure. */
int jaula_cgroup_create(const struct jaula_spec *spec, const char *jail_id,
                        struct jaula_cgroup **ret, struct jaula_err *err);
/* Open the existing jail node. */
int jaula_cgroup_open(const struct jaula_spec *spec, const char *jail_id,
                      struct jaula_cgroup **ret, struct jaula_err *err);
/* Move pid (0: the caller) into the jail node of every hierarchy. */
int jaula_cgroup_attach(struct jaula_cgroup *cg, pid_t pid);
/* v2: directory fd of the jail node for clone3(CLONE_INTO_CGROUP); -1 on v1. */
int jaula_cgroup_fd(struct jaula_cgroup *cg);
/* Kill everything left in the jail node and remove it (and the group node
 * when it is empty).  Works from the spec alone so gc can call it. */
int jaula_cgroup_destroy(const struct jaula_spec *spec, const char *jail_id);
void jaula_cgroup_free(struct jaula_cgroup *cg);

struct jaula_cgroup_usage {
        int64_t memory_bytes; /* -1: unknown */
        int64_t pids;
        int64_t cpu_usec;
};
int jaula_cgroup_usage(const struct jaula_spec *spec, const char *jail_id,
                       struct jaula_cgroup_usage *ret);
