/* policy-parse.h — the parser's entry point for text already in memory.
 * Private to libjaula (and its unit tests).  Below it: the data layer,
 * the syntax pass and the safety pass; never the cache. */
#pragma once

#include "policy-types.h"

/* jaula_policy_parse with JAULA_POLICY_* flags (JAULA_POLICY_WARNINGS). */
int jaula_policy_parse_ex(const char *text, const char *name, unsigned flags,
                          struct jaula_policy **ret, struct jaula_diags *diags);
