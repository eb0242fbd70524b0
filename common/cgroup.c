/* cgroup.c — cgroup v1/v2 backends.  Needs root.
 * PLACEHOLDER until the cgroup issue lands: no cgroup is made (handle NULL,
 * every call accepts NULL); a spec with limits is refused (fail closed). */
#include <errno.h>
#include <stdlib.h>

#include "jaula/cgroup.h"

static int has_limits(const struct jaula_limits *l)
{
        return l->memory_max >= 0 || l->swap_max >= 0 || l->cpu_quota_us >= 0 ||
               l->cpu_weight >= 0 || l->pids_max >= 0 || l->io_weight >= 0;
}

JAULA_EXPORT enum jaula_cgroup_mode jaula_cgroup_detect(const char *cgroup_root)
{
        return JAULA_CGROUP_NONE;
}

JAULA_EXPORT int jaula_cgroup_create(const struct jaula_spec *spec, const char *jail_id,
                                     struct jaula_cgroup **ret, struct jaula_err *err)
{
        *ret = NULL;
        if (has_limits(&spec->limits) || has_limits(&spec->group_limits))
                return jaula_err_set(err, -ENOSYS, "cgroup limits are not implemented yet");
        return 0;
}

JAULA_EXPORT int jaula_cgroup_open(const struct jaula_spec *spec, const char *jail_id,
                                   struct jaula_cgroup **ret, struct jaula_err *err)
{
        *ret = NULL;
        return 0;
}

JAULA_EXPORT int jaula_cgroup_attach(struct jaula_cgroup *cg, pid_t pid)
{
        return 0;
}

JAULA_EXPORT int jaula_cgroup_fd(struct jaula_cgroup *cg)
{
        return -1;
}

JAULA_EXPORT int jaula_cgroup_destroy(const struct jaula_spec *spec, const char *jail_id)
{
        return 0;
}

JAULA_EXPORT void jaula_cgroup_free(struct jaula_cgroup *cg)
{
}

JAULA_EXPORT int jaula_cgroup_usage(const struct jaula_spec *spec, const char *jail_id,
                                    struct jaula_cgroup_usage *ret)
{
        ret->memory_bytes = ret->pids = ret->cpu_usec = -1;
        return 0;
}
