/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-data.h — the policy's data layer (policy_data.c): the arena its
 * strings live in, the diagnostics list, lookup by name.  Private to
 * libjaula.  It sits just above policy-types.h; the parser, the safety
 * pass and the cache all build on it, and it calls none of them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy-types.h"

/* Zeroed memory that lives as long as the policy (jaula_policy_free). */
void *jaula_arena_alloc(struct jaula_policy *p, size_t size);
/* The same, not zeroed: for what is overwritten at once. */
void *jaula_arena_alloc_raw(struct jaula_policy *p, size_t size);
char *jaula_arena_strdup(struct jaula_policy *p, const char *s);

/* Add one diagnostic; -ENOMEM when it could not be stored. */
int jaula_diags_push(struct jaula_diags *d, bool warning, const char *file, int line,
                     const char *msg);

/* Look a named item up (the vectors are sorted by name once the whole
 * policy is in); NULL when absent. */
const struct pol_rootfs *jaula_policy_find_rootfs(const struct jaula_policy *p, const char *name);
const struct pol_net *jaula_policy_find_net(const struct jaula_policy *p, const char *name);
const struct pol_profile *jaula_policy_find_profile(const struct jaula_policy *p, const char *name);
const struct pol_group *jaula_policy_find_group(const struct jaula_policy *p, const char *name);
