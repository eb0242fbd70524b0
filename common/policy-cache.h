/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-cache.h — the binary copy of a validated policy
 * (policy_cache.c).  Private to libjaula.  The cache writes the structs of
 * policy-types.h out and rebuilds them with the data layer
 * (policy-data.h); it never calls the parser.  Only policy.c, the loader,
 * calls it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cachefile.h"
#include "policy-types.h"


/* 0 and a policy when the cache for PATH is valid for the open main file
 * (and the drop-ins it recorded); a negative errno otherwise. */
int jaula_policy_cache_read(const char *cache_dir, const char *path, int main_fd,
                            struct jaula_policy **ret);
/* Best effort: write the cache for a policy that loaded without errors.
 * ids[0] is the main file, ids[1] the drop-in directory (named by its
 * path), the rest the drop-ins (named relative to it). */
void jaula_policy_cache_write(const char *cache_dir, const char *path,
                              const struct jaula_policy *p, const struct jaula_file_id *ids,
                              const char *const *id_names, size_t n_ids);
