/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-cache.h — the binary copy of a validated policy
 * (policy_cache.c).  Private to libjaula.  The cache writes the structs of
 * policy-types.h out and rebuilds them with the data layer
 * (policy-data.h); it never calls the parser.  Only policy.c, the loader,
 * calls it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "policy-types.h"

/* The identity of one source file or directory (policy_cache.c): what must
 * be unchanged for a cached policy to be used. */
struct jaula_file_id {
        uint32_t present; /* 0: the drop-in directory did not exist */
        uint64_t dev, ino, size;
        int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
        uint32_t mode, uid;
};

struct stat;
void jaula_file_id_set(struct jaula_file_id *id, const struct stat *st);

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
