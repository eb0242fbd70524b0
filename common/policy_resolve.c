/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy_resolve.c — the parser's second pass, once the main file and
 * every drop-in are in: what only the whole policy can tell.  Duplicate
 * names across files, references between sections (a profile's rootfs and
 * network, a rule's profile and group), overlapping subnets, the defaults
 * of global; then the safety pass (policy_safety.c).  No privilege needed.
 * (Resolving a login against a loaded policy is match.c's job.) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/ipam.h"
#include "jaula/policy.h"
#include "jaula/util.h"
#include "policy-data.h"
#include "policy-parse.h"
#include "policy-safety.h"

/* The safety pass's findings: errors always, warnings when asked for. */
static void safety_report(void *ctx, bool warning, const char *file, int line, const char *msg)
{
        struct ctx *c = ctx;

        if (warning && !c->warnings)
                return;
        if (jaula_diags_push(c->d, warning, file, line, msg) < 0)
                c->oom = true;
}

/* -------------------------------------------------------- whole policy */

/* Sort a vector of named items by name so lookups are bsearch and
 * duplicates (only possible across files: libconfig refuses them within
 * one) sit side by side.  Items are compared by (name, file order, line) so
 * the first definition stays first. */
static void sort_and_dedupe(struct ctx *c, struct pol_vec *v, size_t item, const char *section,
                            int (*cmp)(const void *, const void *),
                            size_t off_file, size_t off_line)
{
        size_t w = 0;

        if (v->n == 0)
                return;
        qsort(v->v, v->n, item, cmp);
        for (size_t i = 0; i < v->n; i++) {
                char *cur = (char *) v->v + i * item;

                if (w > 0) {
                        char *prev = (char *) v->v + (w - 1) * item;

                        if (strcmp(*(const char **) cur, *(const char **) prev) == 0) {
                                pol_diag_add(c, *(const char **) (cur + off_file),
                                             *(int *) (cur + off_line),
                                             "%s.%s: defined twice; first in %s:%d", section,
                                             *(const char **) cur,
                                             *(const char **) (prev + off_file),
                                             *(int *) (prev + off_line));
                                continue;
                        }
                }
                if (w != i)
                        memmove((char *) v->v + w * item, cur, item);
                w++;
        }
        v->n = w;
}

/* qsort is not stable: order equal names by the sequence in which they
 * were defined, so the first definition is the one kept. */
#define DEFINE_NAMED_CMP(type)                                                                     \
        static int cmp_##type(const void *a, const void *b)                                        \
        {                                                                                          \
                const struct type *x = a, *y = b;                                                  \
                int r = strcmp(x->name, y->name);                                                  \
                if (r)                                                                             \
                        return r;                                                                  \
                return x->seq < y->seq ? -1 : x->seq > y->seq;                                     \
        }
DEFINE_NAMED_CMP(pol_rootfs)
DEFINE_NAMED_CMP(pol_net)
DEFINE_NAMED_CMP(pol_profile)
DEFINE_NAMED_CMP(pol_group)

static int cmp_rule_ptr(const void *a, const void *b)
{
        const struct pol_rule *x = *(const struct pol_rule *const *) a;
        const struct pol_rule *y = *(const struct pol_rule *const *) b;
        int r = strcmp(x->name, y->name);

        if (r)
                return r;
        return x < y ? -1 : x > y; /* rules sit in one array in policy order */
}

/* Rule names are unique; sorted, so a policy with thousands of rules costs
 * n log n comparisons rather than n². */
static void check_rule_names(struct ctx *c)
{
        struct jaula_policy *p = c->p;
        _cleanup_free_ const struct pol_rule **v = NULL;
        size_t n = 0;

        if (p->rules.n < 2)
                return;
        v = calloc(p->rules.n, sizeof *v);
        if (!v) {
                c->oom = true;
                return;
        }
        for (size_t i = 0; i < p->rules.n; i++) {
                const struct pol_rule *ru = POL_AT(p->rules, struct pol_rule, i);

                if (!ru->generated_name)
                        v[n++] = ru;
        }
        qsort(v, n, sizeof *v, cmp_rule_ptr);
        for (size_t i = 1; i < n; i++) {
                const struct pol_rule *first = v[i - 1], *ru = v[i];

                if (strcmp(first->name, ru->name) != 0)
                        continue;
                /* Report every later one against the first definition. */
                for (size_t j = i - 1; j > 0 && strcmp(v[j - 1]->name, ru->name) == 0; j--)
                        first = v[j - 1];
                pol_diag_add(c, ru->file, ru->name_line,
                             "match[%d].name: \"%s\" is already the name of the rule at %s:%d",
                             ru->local_idx, ru->name, first->file, first->line);
        }
}

void pol_finalize(struct ctx *c)
{
        struct jaula_policy *p = c->p;
        char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

        sort_and_dedupe(c, &p->rootfs, sizeof(struct pol_rootfs), "rootfs", cmp_pol_rootfs,
                        offsetof(struct pol_rootfs, file), offsetof(struct pol_rootfs, line));
        sort_and_dedupe(c, &p->nets, sizeof(struct pol_net), "networks", cmp_pol_net,
                        offsetof(struct pol_net, file), offsetof(struct pol_net, line));
        sort_and_dedupe(c, &p->profiles, sizeof(struct pol_profile), "profiles", cmp_pol_profile,
                        offsetof(struct pol_profile, file), offsetof(struct pol_profile, line));
        sort_and_dedupe(c, &p->groups, sizeof(struct pol_group), "groups", cmp_pol_group,
                        offsetof(struct pol_group, file), offsetof(struct pol_group, line));

        /* Networks: no two share address space or a bridge. */
        for (size_t i = 0; i < p->nets.n; i++) {
                const struct pol_net *x = POL_AT(p->nets, struct pol_net, i);

                for (size_t j = i + 1; j < p->nets.n; j++) {
                        const struct pol_net *y = POL_AT(p->nets, struct pol_net, j);

                        if (x->prefix && y->prefix) {
                                unsigned pfx = x->prefix < y->prefix ? x->prefix : y->prefix;

                                if ((x->subnet & pol_prefix_mask(pfx)) ==
                                    (y->subnet & pol_prefix_mask(pfx))) {
                                        pol_format_ipv4(x->subnet, a, sizeof a);
                                        pol_format_ipv4(y->subnet, b, sizeof b);
                                        pol_diag_add(c, y->file, y->line,
                                                     "networks.%s.subnet: %s/%u overlaps %s/%u of "
                                                     "network '%s' (%s:%d)",
                                                     y->name, b, y->prefix, a, x->prefix, x->name,
                                                     x->file, x->line);
                                }
                        }
                        if (x->vxlan_vni && x->vxlan_vni == y->vxlan_vni &&
                            x->vxlan_port == y->vxlan_port)
                                pol_diag_add(c, y->file, y->vxlan_line,
                                             "networks.%s.vxlan.vni: %u is already the VNI of "
                                             "network '%s' (%s:%d)",
                                             y->name, y->vxlan_vni, x->name, x->file, x->line);
                        for (size_t k = 0; k < x->n_bridges; k++)
                                for (size_t l = 0; l < y->n_bridges; l++)
                                        if (strcmp(x->bridges[k], y->bridges[l]) == 0)
                                                pol_diag_add(c, y->file, y->line,
                                                             "networks.%s: bridge \"%s\" already "
                                                             "belongs to network '%s' (%s:%d)",
                                                             y->name, y->bridges[l], x->name,
                                                             x->file, x->line);
                }
        }

        /* A VXLAN device is named after its VNI: no bridge may carry the name. */
        for (size_t i = 0; i < p->nets.n; i++) {
                const struct pol_net *x = POL_AT(p->nets, struct pol_net, i);
                char vx[JAULA_IFNAMSIZ];

                if (!x->vxlan_vni)
                        continue;
                jaula_ipam_vxlan_ifname(x->vxlan_vni, vx);
                for (size_t j = 0; j < p->nets.n; j++) {
                        const struct pol_net *y = POL_AT(p->nets, struct pol_net, j);

                        for (size_t l = 0; l < y->n_bridges; l++)
                                if (strcmp(vx, y->bridges[l]) == 0)
                                        pol_diag_add(c, y->file, y->line,
                                                     "networks.%s: bridge \"%s\" is the name of "
                                                     "the VXLAN device of network '%s' (%s:%d)",
                                                     y->name, vx, x->name, x->file,
                                                     x->vxlan_line);
                }
        }

        for (size_t i = 0; i < p->profiles.n; i++) {
                struct pol_profile *pr = POL_AT(p->profiles, struct pol_profile, i);

                if (pr->rootfs_name) {
                        pr->rootfs = jaula_policy_find_rootfs(p, pr->rootfs_name);
                        if (!pr->rootfs)
                                pol_diag_add(
                                        c, pr->file, pr->rootfs_line,
                                        "profiles.%s.rootfs: no rootfs named \"%s\" is defined",
                                        pr->name, pr->rootfs_name);
                }
                if (pr->network_name) {
                        pr->net = jaula_policy_find_net(p, pr->network_name);
                        if (!pr->net)
                                pol_diag_add(c, pr->file, pr->network_line,
                                             "profiles.%s.network: no network named \"%s\" is "
                                             "defined",
                                             pr->name, pr->network_name);
                }
        }

        for (size_t i = 0; i < p->rules.n; i++) {
                struct pol_rule *ru = POL_AT(p->rules, struct pol_rule, i);

                if (ru->profile_name) {
                        ru->profile = jaula_policy_find_profile(p, ru->profile_name);
                        if (!ru->profile)
                                pol_diag_add(
                                        c, ru->file, ru->profile_line,
                                        "match[%d].profile: no profile named \"%s\" is defined",
                                        ru->local_idx, ru->profile_name);
                }
                if (ru->group_name) {
                        ru->group = jaula_policy_find_group(p, ru->group_name);
                        if (!ru->group)
                                pol_diag_add(c, ru->file, ru->group_line,
                                             "match[%d].group: no group named \"%s\" is defined in "
                                             "groups",
                                             ru->local_idx, ru->group_name);
                } else if (ru->profile) {
                        /* The jail group defaults to the profile's name;
                         * it needs no entry in groups unless it has limits. */
                        ru->group = jaula_policy_find_group(p, ru->profile->name);
                }
                if (!ru->name) {
                        char nm[32];

                        snprintf(nm, sizeof nm, "match[%zu]", i);
                        ru->name = pol_ctx_strdup(c, nm);
                        ru->generated_name = true;
                }
        }
        check_rule_names(c);
        if (!p->state_dir)
                p->state_dir = "/run/jaula";
        if (!p->cgroup_root)
                p->cgroup_root = "";
        if (!p->cgroup_path)
                p->cgroup_path = "jaula";
        if (!p->persistent_dir)
                p->persistent_dir = "/var/lib/jaula/persistent";
        if (!p->default_shell)
                p->default_shell = "/bin/bash";
        if (!c->oom)
                jaula_policy_judge(p, safety_report, c);
}
