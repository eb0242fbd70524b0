/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* precompile.h — what `jaula check-config` builds ahead of the logins. */
#pragma once

#include <stddef.h>

#include "jaula/log.h"

struct jaula_policy;

struct jaula_precompiled {
        size_t written;  /* filters compiled and now read back from the cache */
        size_t already;  /* filters the cache held already */
        size_t uncached; /* compiled, but a login would not find them (not root, or the
                          * cache directory unusable): it compiles them itself */
        size_t empty;    /* profiles without a filter (seccomp "none", nothing denied) */
};

/* Compile every profile's seccomp filter into cache_dir (NULL: the one
 * jailsh reads, JAULA_POLICY_CACHE_DIR).  A filter that cannot be built is
 * an error naming its profile. */
int jaula_policy_precompile(const struct jaula_policy *p, const char *cache_dir,
                            struct jaula_precompiled *ret, struct jaula_err *err);
