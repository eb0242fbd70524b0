/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spec.c — freeing the resolved jail description and user identities.
 * No privilege needed. */
#include <stdlib.h>

#include "jaula/spec.h"
#include "jaula/util.h"

JAULA_EXPORT void jaula_user_clear(struct jaula_user *user)
{
        if (!user)
                return;
        free(user->name);
        free(user->group);
        free(user->home);
        free(user->shell);
        free(user->gecos);
        free(user->gids);
        if (user->gid_names)
                for (size_t i = 0; i < user->n_gids; i++)
                        free(user->gid_names[i]);
        free(user->gid_names);
        *user = (struct jaula_user){ 0 };
}

static void net_free(struct jaula_net_spec *n)
{
        if (!n)
                return;
        free(n->name);
        strv_free(n->bridges);
        strv_free(n->dns);
        strv_free(n->search);
        free(n->uplink);
        strv_free(n->vxlan_peers);
        free(n->vxlan_dev);
        free(n);
}

JAULA_EXPORT void jaula_spec_free(struct jaula_spec *spec)
{
        if (!spec)
                return;
        jaula_user_clear(&spec->user);
        free(spec->policy_file);
        free(spec->rule_name);
        free(spec->profile_name);
        free(spec->group_name);
        free(spec->state_dir);
        free(spec->cgroup_root);
        free(spec->cgroup_path);
        free(spec->persistent_dir);
        free(spec->hostname);
        free(spec->rootfs_name);
        free(spec->rootfs_path);
        free(spec->rootfs_arch);
        free(spec->persistent_upper);
        free(spec->home);
        for (size_t i = 0; i < spec->n_mounts; i++) {
                free(spec->mounts[i].source);
                free(spec->mounts[i].target);
        }
        free(spec->mounts);
        strv_free(spec->devices);
        net_free(spec->net);
        free(spec->seccomp.profile);
        strv_free(spec->seccomp.allow);
        strv_free(spec->seccomp.deny);
        for (size_t i = 0; i < spec->n_env; i++) {
                free(spec->env[i].name);
                free(spec->env[i].value);
        }
        free(spec->env);
        free(spec->shell);
        free(spec);
}
