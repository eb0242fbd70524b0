/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* match.c — deciding who is jailed and how: the ordered match rules, then
 * the resolved struct jaula_spec.  No privilege needed and no I/O: the
 * identity comes in already looked up (user.c), so matching costs no NSS
 * call however many rules name groups. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "jaula/hostcheck.h"
#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"
#include "policy-safety.h"
#include "policy-types.h"

/* 1 when the rule matches, 0 when not, -errno when the user's groups
 * could not be known. */
static int rule_matches(const struct pol_rule *ru, const struct jaula_user *u)
{
        if (ru->any_user)
                return 1;
        for (size_t i = 0; i < ru->n_users; i++)
                if (u->name && strcmp(ru->users[i], u->name) == 0)
                        return 1;
        for (size_t i = 0; i < ru->n_uids; i++)
                if (u->uid >= ru->uids[i].lo && u->uid <= ru->uids[i].hi)
                        return 1;
        for (size_t i = 0; i < ru->n_groups; i++) {
                /* gid_names includes the primary group; u->group covers a
                 * caller that filled only the primary group. */
                if (u->group && strcmp(ru->groups[i], u->group) == 0)
                        return 1;
                for (size_t j = 0; j < u->n_gids; j++)
                        if (u->gid_names && u->gid_names[j] &&
                            strcmp(ru->groups[i], u->gid_names[j]) == 0)
                                return 1;
        }
        /* getgrouplist leaves out a group source that failed: before "not a
         * member", ask each group of the rule itself (user.c).  Not for
         * root: uid 0 is never jailed (creds.c refuses it), so a matching
         * group rule could only refuse root's login, and a directory that
         * is down must not lock root out of the host. */
        for (size_t i = 0; u->nss_groups && u->uid != 0 && i < ru->n_groups; i++) {
                int r = jaula_user_in_group(u, ru->groups[i]);

                if (r != 0)
                        return r;
        }
        return 0;
}

/* Copies that remember running out of memory, so spec building reads as
 * a list of fields and checks once at the end. */
struct copier {
        bool oom;
};

static char *cp_str(struct copier *cp, const char *s)
{
        char *r;

        if (!s)
                return NULL;
        r = strdup(s);
        if (!r)
                cp->oom = true;
        return r;
}

static char **cp_strv(struct copier *cp, const char *const *v, size_t n)
{
        char **r = calloc(n + 1, sizeof *r);

        if (!r) {
                cp->oom = true;
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                r[i] = cp_str(cp, v[i]);
        return r;
}

static int copy_user(struct copier *cp, const struct jaula_user *u, struct jaula_user *d)
{
        d->name = cp_str(cp, u->name);
        d->uid = u->uid;
        d->gid = u->gid;
        d->group = cp_str(cp, u->group);
        d->home = cp_str(cp, u->home);
        d->shell = cp_str(cp, u->shell);
        d->gecos = cp_str(cp, u->gecos);
        if (u->n_gids) {
                d->gids = calloc(u->n_gids, sizeof *d->gids);
                d->gid_names = calloc(u->n_gids, sizeof *d->gid_names);
                if (!d->gids || !d->gid_names) {
                        cp->oom = true;
                        return -ENOMEM;
                }
                d->n_gids = u->n_gids;
                memcpy(d->gids, u->gids, sizeof *d->gids * u->n_gids);
                for (size_t i = 0; i < u->n_gids; i++)
                        d->gid_names[i] = cp_str(cp, u->gid_names ? u->gid_names[i] : NULL);
        }
        return cp->oom ? -ENOMEM : 0;
}

static struct jaula_net_spec *copy_net(struct copier *cp, const struct pol_net *n)
{
        struct jaula_net_spec *d = calloc(1, sizeof *d);

        if (!d) {
                cp->oom = true;
                return NULL;
        }
        d->name = cp_str(cp, n->name);
        d->bridges = cp_strv(cp, n->bridges, n->n_bridges);
        d->n_bridges = n->n_bridges;
        d->subnet = n->subnet;
        d->prefix = n->prefix;
        d->gateway = n->gateway;
        d->dns = cp_strv(cp, n->dns, n->n_dns);
        d->n_dns = n->n_dns;
        d->search = cp_strv(cp, n->search, n->n_search);
        d->mode = n->mode;
        d->isolate = n->isolate;
        d->nat = n->nat;
        d->uplink = cp_str(cp, n->uplink);
        d->mtu = n->mtu;
        d->pool_first = n->pool_first;
        d->pool_last = n->pool_last;
        d->vxlan_vni = n->vxlan_vni;
        d->vxlan_peers = n->vxlan_peers ? cp_strv(cp, n->vxlan_peers, n->n_vxlan_peers) : NULL;
        d->n_vxlan_peers = n->n_vxlan_peers;
        d->vxlan_group = n->vxlan_group;
        d->vxlan_local = n->vxlan_local;
        d->vxlan_dev = cp_str(cp, n->vxlan_dev);
        d->vxlan_port = n->vxlan_port;
        return d;
}

static int build_spec(const struct jaula_policy *p, const struct pol_rule *ru, int index,
                      const struct jaula_user *u, struct jaula_spec **ret, struct jaula_err *err)
{
        _cleanup_spec_ struct jaula_spec *s = calloc(1, sizeof *s);
        const struct pol_profile *pr = ru->profile;
        struct copier cp = { 0 };
        int r;

        if (!s)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        if (!pr || !pr->rootfs)
                return jaula_err_set(err, -EINVAL, "Match rule '%s' has no usable profile",
                                     ru->name);

        copy_user(&cp, u, &s->user);
        s->policy_file = cp_str(&cp, p->file);
        s->rule_name = cp_str(&cp, ru->name);
        s->rule_index = index;
        s->profile_name = cp_str(&cp, pr->name);
        s->group_name = cp_str(&cp, ru->group_name ? ru->group_name : pr->name);

        s->state_dir = cp_str(&cp, p->state_dir);
        s->cgroup_root = cp_str(&cp, p->cgroup_root);
        s->cgroup_path = cp_str(&cp, p->cgroup_path);
        s->persistent_dir = cp_str(&cp, p->persistent_dir);

        s->scope = pr->scope;
        s->lifetime = pr->lifetime;
        s->linger_sec = pr->linger;
        s->ns_flags = pr->ns_flags;

        s->rootfs_name = cp_str(&cp, pr->rootfs->name);
        s->rootfs_path = cp_str(&cp, pr->rootfs->path);
        s->rootfs_type = pr->rootfs->type;
        s->rootfs_arch = cp_str(&cp, pr->rootfs->arch);

        s->writable = pr->writable;
        s->tmp_size = pr->tmp_size ? pr->tmp_size : JAULA_DEFAULT_TMP_SIZE;
        s->shm_size = pr->shm_size ? pr->shm_size : JAULA_DEFAULT_SHM_SIZE;
        s->writable_size = pr->writable_size ? pr->writable_size : JAULA_DEFAULT_WRITABLE_SIZE;
        s->persistent_size = pr->writable == JAULA_WRITABLE_PERSISTENT ? pr->persistent_size : 0;
        s->max_jails_per_user = pr->max_jails_per_user;
        s->max_sessions_per_user = pr->max_sessions_per_user;
        s->pty_max = pr->pty_max;
        s->dev_log = pr->dev_log;

        if (pr->n_mounts) {
                s->mounts = calloc(pr->n_mounts, sizeof *s->mounts);
                if (!s->mounts)
                        return jaula_err_set(err, -ENOMEM, "Out of memory");
        }

        if (pr->net)
                s->net = copy_net(&cp, pr->net);

        s->limits = pr->limits;
        if (ru->group)
                s->group_limits = ru->group->limits;
        else
                s->group_limits = (struct jaula_limits){
                        JAULA_LIMIT_UNSET, JAULA_LIMIT_UNSET, JAULA_LIMIT_UNSET, JAULA_LIMIT_UNSET,
                        JAULA_LIMIT_UNSET, JAULA_LIMIT_UNSET, JAULA_LIMIT_UNSET,
                };

        s->devices = cp_strv(&cp, pr->devices, pr->n_devices);
        s->n_devices = pr->n_devices;

        s->seccomp.profile = cp_str(&cp, pr->seccomp_profile);
        s->seccomp.allow = cp_strv(&cp, pr->sc_allow, pr->n_sc_allow);
        s->seccomp.n_allow = pr->n_sc_allow;
        s->seccomp.deny = cp_strv(&cp, pr->sc_deny, pr->n_sc_deny);
        s->seccomp.n_deny = pr->n_sc_deny;
        s->seccomp.allow_x86 = strcmp(pr->rootfs->arch, "i386") == 0;
        s->caps_keep = pr->caps_keep;

        if (pr->n_env) {
                s->env = calloc(pr->n_env, sizeof *s->env);
                if (!s->env)
                        return jaula_err_set(err, -ENOMEM, "Out of memory");
                s->n_env = pr->n_env;
                for (size_t i = 0; i < pr->n_env; i++) {
                        s->env[i].name = cp_str(&cp, pr->env[i].name);
                        s->env[i].value = cp_str(&cp, pr->env[i].value);
                }
        }
        s->shell = cp_str(&cp, pr->shell ? pr->shell : p->default_shell);
        if (cp.oom)
                return jaula_err_set(err, -ENOMEM, "Out of memory");

        /* Templates last: their errors name the user and are the ones an
         * administrator will see for an otherwise good policy. */
        /* Without its own UTS namespace the jail shares the host's name:
         * no hostname, so nothing ever calls sethostname() on the host. */
        if (pr->ns_flags & CLONE_NEWUTS) {
                r = jaula_template_expand(pr->hostname, JAULA_TEMPLATE_HOSTNAME, u, pr->name,
                                          &s->hostname, err);
                if (r < 0)
                        return r;
        }
        r = jaula_template_expand(pr->home, JAULA_TEMPLATE_PATH, u, pr->name, &s->home, err);
        if (r < 0)
                return r;
        /* The load-time judgement saw only templates; a passwd home of "/"
         * or a user name that completes "/%u" to "/etc" shows only here. */
        char why[600];
        if (jaula_policy_home_refused(p, s->home, u->home, why, sizeof why))
                return jaula_err_set(err, -EPERM, "Cannot jail '%s': %s", u->name, why);
        if (pr->writable == JAULA_WRITABLE_PERSISTENT) {
                _cleanup_free_ char *tmpl = NULL;

                if (pr->persistent_path)
                        tmpl = strdup(pr->persistent_path);
                else if (asprintf(&tmpl, "%s/%%p/%%u", p->persistent_dir) < 0)
                        tmpl = NULL;
                if (!tmpl)
                        return jaula_err_set(err, -ENOMEM, "Out of memory");
                r = jaula_template_expand(tmpl, JAULA_TEMPLATE_PATH, u, pr->name,
                                          &s->persistent_upper, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < pr->n_mounts; i++) {
                r = jaula_template_expand(pr->mounts[i].source, JAULA_TEMPLATE_PATH, u, pr->name,
                                          &s->mounts[i].source, err);
                if (r < 0)
                        return r;
                s->n_mounts = i + 1;
                if (pr->mounts[i].writable &&
                    jaula_policy_rw_source_refused(p, s->mounts[i].source,
                                                   strchr(pr->mounts[i].source, '%') != NULL, why,
                                                   sizeof why))
                        return jaula_err_set(err, -EPERM, "Cannot jail '%s': %s", u->name, why);
                s->mounts[i].target = cp_str(&cp, pr->mounts[i].target);
                s->mounts[i].writable = pr->mounts[i].writable;
                s->mounts[i].optional = pr->mounts[i].optional;
        }
        if (cp.oom)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        *ret = TAKE_PTR(s);
        return 0;
}

JAULA_EXPORT int jaula_policy_resolve(const struct jaula_policy *p, const struct jaula_user *user,
                                      struct jaula_spec **ret, const char **ret_rule,
                                      struct jaula_err *err)
{
        if (!p || !user || !ret || !user->name)
                return jaula_err_set(err, -EINVAL, "Invalid arguments");
        for (size_t i = 0; i < p->rules.n; i++) {
                const struct pol_rule *ru = POL_AT(p->rules, struct pol_rule, i);
                int r = rule_matches(ru, user);

                if (r < 0)
                        return jaula_err_set(err, r,
                                             "Cannot tell whether user '%s' is in the groups "
                                             "of rule '%s': a group lookup failed: %s",
                                             user->name, ru->name, strerror(-r));
                if (r == 0)
                        continue;
                if (ru->exempt) {
                        *ret = NULL;
                        if (ret_rule)
                                *ret_rule = ru->name;
                        return 0;
                }
                r = build_spec(p, ru, (int) i, user, ret, err);
                if (r < 0)
                        return r;
                if (ret_rule)
                        *ret_rule = ru->name;
                return 1;
        }
        *ret = NULL;
        if (ret_rule)
                *ret_rule = NULL;
        return 0;
}

JAULA_EXPORT int jaula_policy_match_index(const struct jaula_policy *p,
                                          const struct jaula_user *user)
{
        for (size_t i = 0; p && user && i < p->rules.n; i++) {
                int r = rule_matches(POL_AT(p->rules, struct pol_rule, i), user);

                if (r != 0)
                        return r < 0 ? r : (int) i;
        }
        return -ENOENT;
}

JAULA_EXPORT int jaula_policy_rule_source(const struct jaula_policy *p, int index,
                                          const char **ret_file, int *ret_line)
{
        const struct pol_rule *ru;

        if (!p || index < 0 || (size_t) index >= p->rules.n)
                return -ENOENT;
        ru = POL_AT(p->rules, struct pol_rule, (size_t) index);
        if (ret_file)
                *ret_file = ru->file;
        if (ret_line)
                *ret_line = ru->line;
        return 0;
}

JAULA_EXPORT size_t jaula_policy_n_rules(const struct jaula_policy *p)
{
        return p ? p->rules.n : 0;
}

JAULA_EXPORT size_t jaula_policy_n_profiles(const struct jaula_policy *p)
{
        return p ? p->profiles.n : 0;
}

JAULA_EXPORT const char *jaula_policy_state_dir(const struct jaula_policy *p)
{
        return p ? p->state_dir : NULL;
}

JAULA_EXPORT const char *jaula_policy_cgroup_root(const struct jaula_policy *p)
{
        return p ? p->cgroup_root : NULL;
}

JAULA_EXPORT const char *jaula_policy_cgroup_path(const struct jaula_policy *p)
{
        return p ? p->cgroup_path : NULL;
}

JAULA_EXPORT int jaula_policy_rule_index(const struct jaula_policy *p, const char *name)
{
        if (!p || !name)
                return -ENOENT;
        for (size_t i = 0; i < p->rules.n; i++) {
                const struct pol_rule *ru = POL_AT(p->rules, struct pol_rule, i);

                if (ru->name == name || strcmp(ru->name, name) == 0)
                        return (int) i;
        }
        return -ENOENT;
}
