/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* precompile.c — what `jaula check-config` builds ahead of the logins: the
 * compiled seccomp filter of every profile, written where jailsh reads it
 * (seccomp_cache.c).  Writing the cache needs root; anyone else gets the
 * filters compiled (so they are known to build) and nothing written.
 *
 * A login that finds its filter here reads 1–2 KiB instead of running
 * libseccomp (~0.7 ms here); the first login after a policy change no
 * longer pays for it either, since check-config is what an administrator
 * runs after editing the policy.  The filter depends only on the profile
 * (and the rootfs's ABI), never on the user, so a profile's filter is the
 * one every user of that profile gets. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/confine.h"
#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/precompile.h"
#include "jaula/spec.h"
#include "jaula/util.h"
#include "policy-types.h"

/* A NULL-terminated view of a policy string list (the strings are not
 * copied: the spec only borrows them for the compile). */
static char **borrow_strv(const char *const *v, size_t n)
{
        char **r = calloc(n + 1, sizeof *r);

        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++)
                r[i] = (char *) v[i];
        return r;
}

JAULA_EXPORT int jaula_policy_precompile(const struct jaula_policy *p, const char *cache_dir,
                                         struct jaula_precompiled *ret, struct jaula_err *err)
{
        struct jaula_precompiled n = { 0 };

        for (size_t i = 0; i < p->profiles.n; i++) {
                const struct pol_profile *pr = POL_AT(p->profiles, struct pol_profile, i);
                _cleanup_free_ char **allow = borrow_strv(pr->sc_allow, pr->n_sc_allow);
                _cleanup_free_ char **deny = borrow_strv(pr->sc_deny, pr->n_sc_deny);
                struct jaula_seccomp_spec sc = {
                        .profile = (char *) pr->seccomp_profile,
                        .allow = allow,
                        .n_allow = pr->n_sc_allow,
                        .deny = deny,
                        .n_deny = pr->n_sc_deny,
                        .allow_x86 = pr->rootfs && pr->rootfs->arch &&
                                     strcmp(pr->rootfs->arch, "i386") == 0,
                };
                struct jaula_seccomp_prog prog = { 0 };
                struct jaula_err e = { 0 };
                bool cached = false;
                int r;

                if (!allow || !deny)
                        return jaula_err_set(err, -ENOMEM, "Out of memory");
                /* jailsh compiles nothing for these either. */
                if (jaula_seccomp_is_empty(&sc)) {
                        n.empty++;
                        continue;
                }
                r = jaula_seccomp_compile(&sc, cache_dir, &prog, &cached, &e);
                jaula_seccomp_prog_free(&prog);
                if (r < 0)
                        return jaula_err_errno(err, r, "Profile '%s': %s", pr->name, e.msg);
                if (cached) {
                        n.already++;
                        continue;
                }
                /* Read back the way a login reads it: what counts is that
                 * the next login finds it, not that a write was tried. */
                r = jaula_seccomp_compile(&sc, cache_dir, &prog, &cached, &e);
                jaula_seccomp_prog_free(&prog);
                if (r < 0)
                        return jaula_err_errno(err, r, "Profile '%s': %s", pr->name, e.msg);
                if (cached)
                        n.written++;
                else
                        n.uncached++;
        }
        *ret = n;
        return 0;
}
