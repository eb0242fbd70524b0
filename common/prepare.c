/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* prepare.c — compile what logins read from /run/jaula-policy before the
 * first login: the validated policy, its match table and each profile's
 * seccomp filter (jaula-prepare.service runs it at boot, before sshd).
 * Needs root (the cache directory is root's). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/confine.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"
#include "policy-data.h"
#include "policy-types.h"

/* The filter spec a login of profile pr builds (match.c's copy, without
 * copying: the strings stay the policy's). */
static int profile_filter(const struct pol_profile *pr, struct jaula_seccomp_prog *ret,
                          struct jaula_err *err)
{
        _cleanup_free_ char **allow = calloc(pr->n_sc_allow + 1, sizeof *allow);
        _cleanup_free_ char **deny = calloc(pr->n_sc_deny + 1, sizeof *deny);
        struct jaula_seccomp_spec sc = {
                .profile = (char *) pr->seccomp_profile,
                .n_allow = pr->n_sc_allow,
                .n_deny = pr->n_sc_deny,
                .allow_x86 =
                        pr->rootfs && pr->rootfs->arch && strcmp(pr->rootfs->arch, "i386") == 0,
        };

        if (!allow || !deny)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        for (size_t i = 0; i < pr->n_sc_allow; i++)
                allow[i] = (char *) pr->sc_allow[i];
        for (size_t i = 0; i < pr->n_sc_deny; i++)
                deny[i] = (char *) pr->sc_deny[i];
        sc.allow = allow;
        sc.deny = deny;
        if (jaula_seccomp_is_empty(&sc))
                return 0;
        return jaula_seccomp_compile(&sc, NULL, ret, NULL, err) < 0 ? -EINVAL : 1;
}

JAULA_EXPORT int jaula_policy_prepare(const char *path, struct jaula_diags *diags,
                                      struct jaula_err *err)
{
        struct jaula_policy *p = NULL;
        int r, n = 0;

        /* The default cache directory, read-through: a current cache is
         * kept, a stale one rewritten with its match table. */
        r = jaula_policy_load_ex(path, NULL, 0, &p, diags);
        if (r < 0)
                return jaula_err_set(err, r, "The policy does not load");
        for (size_t i = 0; i < p->profiles.n; i++) {
                const struct pol_profile *pr = POL_AT(p->profiles, struct pol_profile, i);
                struct jaula_seccomp_prog prog = {0};

                r = profile_filter(pr, &prog, err);
                jaula_seccomp_prog_free(&prog);
                if (r < 0) {
                        jaula_policy_free(p);
                        return r;
                }
                n += r;
        }
        jaula_policy_free(p);
        return n;
}
