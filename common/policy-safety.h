/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-safety.h — the safety pass (policy_safety.c): what a policy may
 * not give a jailed user.  Private to libjaula (and its unit tests).  It
 * reads the structs and reports through a callback or the diagnostics
 * list (the data layer); the parser calls it once a policy is whole, and
 * match.c calls its refusals again once templates are expanded. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy-types.h"

/* Bit of the risk called NAME, or 0 for an unknown name; the names in
 * order for messages. */
unsigned jaula_policy_unsafe_bit(const char *name);
extern const char *const jaula_policy_unsafe_names[];

/* The safety pass (policy_safety.c), run once the whole policy is in and
 * its references resolved: refuses what would give a jailed user the host
 * and, for the risks a profile accepted in `unsafe`, reports a warning.
 * REPORT is called once per finding. */
typedef void (*jaula_policy_report_fn)(void *ctx, bool warning, const char *file, int line,
                                       const char *msg);
void jaula_policy_judge(const struct jaula_policy *p, jaula_policy_report_fn report, void *ctx);

/* At resolve time (match.c), once templates are expanded: false when the
 * user's home (INSIDE the jail, bound from HOST) or a writable mount
 * SOURCE is acceptable, else true with the reason in why.  A literal
 * source was judged whole at load, so only the outright refusals are
 * checked again; one FROM_TEMPLATE was not, and what `unsafe` could
 * accept (e.g. "/%u" becoming /home) is refused too: an administrator who
 * wants that writes it literally. */
bool jaula_policy_home_refused(const struct jaula_policy *p, const char *inside, const char *host,
                               char *why, size_t why_size);
bool jaula_policy_rw_source_refused(const struct jaula_policy *p, const char *source,
                                    bool from_template, char *why, size_t why_size);
