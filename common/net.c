/* net.c — bridges, veths, addresses.  Needs CAP_NET_ADMIN.
 * PLACEHOLDER until the network issue lands: a spec without a network
 * works; one with a network is refused (fail closed). */
#include <errno.h>
#include <stdlib.h>

#include "jaula/net.h"

JAULA_EXPORT int jaula_net_prepare(const struct jaula_spec *spec, const char *jail_id,
                                   struct jaula_lease *ret, struct jaula_err *err)
{
        if (spec->net)
                return jaula_err_set(err, -ENOSYS, "networks are not implemented yet");
        return 0;
}

JAULA_EXPORT int jaula_net_attach(const struct jaula_spec *spec, const struct jaula_lease *lease,
                                  pid_t holder_pid, struct jaula_err *err)
{
        if (spec->net)
                return jaula_err_set(err, -ENOSYS, "networks are not implemented yet");
        return 0;
}

JAULA_EXPORT int jaula_net_configure_inside(const struct jaula_spec *spec,
                                            const struct jaula_lease *lease, struct jaula_err *err)
{
        return 0;
}

JAULA_EXPORT int jaula_net_release(const struct jaula_spec *spec, const char *jail_id)
{
        return 0;
}

JAULA_EXPORT int jaula_net_gc(const char *state_dir,
                              int (*jail_alive)(const char *jail_id, void *ud), void *ud)
{
        return 0;
}

JAULA_EXPORT char *jaula_net_resolv_conf(const struct jaula_spec *spec)
{
        return NULL;
}
