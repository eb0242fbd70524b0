/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroot.h — whether this host can apply the policy's cgroup settings: an
 * explicitly configured cgroup_root (exists, is a cgroup directory, holds
 * no processes of its own on v2, offers the controllers the limits use)
 * and the limits the detected layout cannot apply (swap without swap
 * accounting, io weight without an io controller).  check-config judges
 * the whole policy; a login runs the same root check before it creates
 * anything, so it is refused whole instead of failing half-way.
 *
 * Probing reads cgroupfs (no privilege needed); judging is pure and
 * unit-tested on made-up facts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "jaula/cgroup.h"
#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/spec.h"

/* Controllers a limit needs (bits). */
enum {
        JAULA_CGROOT_MEMORY = 1u << 0,
        JAULA_CGROOT_CPU = 1u << 1,
        JAULA_CGROOT_PIDS = 1u << 2,
        JAULA_CGROOT_IO = 1u << 3,
};

/* Yes, no, or cannot tell from here. */
enum jaula_tristate {
        JAULA_UNKNOWN = -1,
        JAULA_NO = 0,
        JAULA_YES = 1,
};

/* What the probe found.  For cgroup_root "" the layout jaula detects;
 * for an explicit root that directory. */
struct jaula_cgroot_facts {
        bool explicit_root;
        int open_err;                /* -errno opening the root (explicit only), else 0 */
        enum jaula_cgroup_mode mode; /* V2 (a cgroup2 directory), V1 or HYBRID (v1
                                      * hierarchies), NONE (no cgroup at all) */
        bool hier_root;              /* v2: the hierarchy's own root, exempt from the
                                      * no-internal-process rule */
        bool has_procs;              /* v2: the root holds processes of its own */
        unsigned ctrls; /* JAULA_CGROOT_* offered (v2 cgroup.controllers; v1 hierarchies) */
        enum jaula_tristate swap_accounting;
        enum jaula_tristate io_weight; /* io.weight / io.bfq.weight / blkio(.bfq).weight */
        bool swap_active;              /* /proc/swaps lists a device */
        char ctrl_list[256];           /* v2: cgroup.controllers as read, for messages */
};

/* Probe root (NULL or "": the detected layout).  Returns 0 (facts filled,
 * including a root that does not exist: open_err) or -ENOMEM. */
int jaula_cgroot_probe(const char *root, struct jaula_cgroot_facts *ret);

/* Controllers a level's limits need (io excluded: a missing io weight is
 * skipped, not refused, docs/cgroups.md). */
unsigned jaula_cgroot_needed(const struct jaula_limits *l);

/* The root itself: 0 when usable, else -ENOENT, -ENOTDIR (not a cgroup
 * directory), -EBUSY (v2: processes of its own) with the problem in msg
 * and the way out in fix.  Pure. */
int jaula_cgroot_judge_root(const char *root, const struct jaula_cgroot_facts *f, char *msg,
                            size_t msg_size, char *fix, size_t fix_size);

/* check-config: every finding about the policy's cgroup settings on a
 * host with facts f, as diagnostics at the policy's lines (the
 * cgroup_root line; each limit key of each profile and group).  Errors
 * for what refuses logins, warnings for what a login skips.  Returns the
 * number of errors, or -ENOMEM.  Pure. */
int jaula_policy_judge_cgroups(const struct jaula_policy *p, const struct jaula_cgroot_facts *f,
                               struct jaula_diags *d);
/* The same on this host (probes p's cgroup_root). */
int jaula_policy_check_cgroups(const struct jaula_policy *p, struct jaula_diags *d);

/* When a jail is created (jail.c, the cold path only), before anything
 * is made: refuse a spec whose explicit
 * cgroup_root cannot work (the root check above, and the controllers its
 * limits need).  A no-op for cgroup_root "".  0 or -errno with err
 * filled. */
int jaula_cgroot_check(const struct jaula_spec *spec, struct jaula_err *err);
