/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroot.c — can this host apply the policy's cgroup settings?  Probes
 * the cgroup_root an administrator configured (or the layout jaula
 * detects) and judges the policy's limits against it, for check-config
 * and, for an explicit root, for every login before it creates anything.
 * Reading cgroupfs needs no privilege. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "cgroup-internal.h"
#include "jaula/cgroot.h"
#include "jaula/util.h"
#include "policy-data.h"
#include "policy-types.h"

/* ---------------------------------------------------------------- probe */

static void closedirp_(DIR **d)
{
        if (*d)
                closedir(*d);
}

static unsigned from_cg_bits(unsigned cg)
{
        unsigned m = 0;

        if (cg & JAULA_CG_BIT(JAULA_CG_MEMORY))
                m |= JAULA_CGROOT_MEMORY;
        if (cg & JAULA_CG_BIT(JAULA_CG_CPU))
                m |= JAULA_CGROOT_CPU;
        if (cg & JAULA_CG_BIT(JAULA_CG_PIDS))
                m |= JAULA_CGROOT_PIDS;
        if (cg & JAULA_CG_BIT(JAULA_CG_IO))
                m |= JAULA_CGROOT_IO;
        return m;
}

static bool fs_is(const char *path, long magic)
{
        struct statfs sfs;

        return statfs(path, &sfs) == 0 && sfs.f_type == magic;
}

static bool has_file(const char *dir, const char *file)
{
        char path[512];

        return (size_t) snprintf(path, sizeof path, "%s/%s", dir, file) < sizeof path &&
               access(path, F_OK) == 0;
}

/* v2: memory.swap.* and io.weight exist only in non-root cgroups with the
 * controller enabled, so look at the root itself when it is not the
 * hierarchy's root, else at its children. */
static void v2_files(const char *root, bool hier_root, struct jaula_cgroot_facts *f)
{
        _cleanup_(closedirp_) DIR *d = NULL;
        struct dirent *de;
        char child[512];

        f->swap_accounting = JAULA_UNKNOWN;
        f->io_weight = (f->ctrls & JAULA_CGROOT_IO) ? JAULA_UNKNOWN : JAULA_NO;
        if (!hier_root) {
                if (has_file(root, "memory.current"))
                        f->swap_accounting =
                                has_file(root, "memory.swap.max") ? JAULA_YES : JAULA_NO;
                if (has_file(root, "io.stat"))
                        f->io_weight =
                                has_file(root, "io.weight") || has_file(root, "io.bfq.weight")
                                        ? JAULA_YES
                                        : JAULA_NO;
        }
        d = opendir(root);
        while (d && (de = readdir(d)) &&
               (f->swap_accounting == JAULA_UNKNOWN || f->io_weight == JAULA_UNKNOWN)) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR ||
                    (size_t) snprintf(child, sizeof child, "%s/%s", root, de->d_name) >=
                            sizeof child)
                        continue;
                if (f->swap_accounting == JAULA_UNKNOWN && has_file(child, "memory.current"))
                        f->swap_accounting =
                                has_file(child, "memory.swap.max") ? JAULA_YES : JAULA_NO;
                if (f->io_weight == JAULA_UNKNOWN && has_file(child, "io.stat"))
                        f->io_weight =
                                has_file(child, "io.weight") || has_file(child, "io.bfq.weight")
                                        ? JAULA_YES
                                        : JAULA_NO;
        }
}

static void probe_v2(const char *root, bool full, struct jaula_cgroot_facts *f)
{
        _cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char buf[4096];

        if (fd < 0)
                return;
        /* The hierarchy's root cgroup has no cgroup.type. */
        f->hier_root = faccessat(fd, "cgroup.type", F_OK, 0) < 0;
        if (jaula_cg_read(fd, "cgroup.controllers", f->ctrl_list, sizeof f->ctrl_list) >= 0)
                f->ctrl_list[strcspn(f->ctrl_list, "\n")] = 0;
        if (!f->hier_root && jaula_cg_read(fd, "cgroup.procs", buf, sizeof buf) >= 0)
                f->has_procs = buf[strspn(buf, " \n")] != 0;
        if (full)
                v2_files(root, f->hier_root, f);
}

static void probe_v1(const struct jaula_cg_layout *lay, struct jaula_cgroot_facts *f)
{
        f->swap_accounting = JAULA_UNKNOWN;
        f->io_weight = JAULA_NO;
        for (size_t i = 0; i < lay->n_hier; i++) {
                const struct jaula_cg_hier *h = &lay->hier[i];

                if (h->ctrls & JAULA_CG_BIT(JAULA_CG_MEMORY))
                        f->swap_accounting = has_file(h->mount, "memory.memsw.limit_in_bytes")
                                                     ? JAULA_YES
                                                     : JAULA_NO;
                if ((h->ctrls & JAULA_CG_BIT(JAULA_CG_IO)) &&
                    (has_file(h->mount, "blkio.weight") || has_file(h->mount, "blkio.bfq.weight")))
                        f->io_weight = JAULA_YES;
        }
}

/* full: also swap accounting and io weight (check-config); a login needs
 * only the root and its controllers. */
static int probe(const char *root, bool full, struct jaula_cgroot_facts *ret)
{
        struct jaula_cgroot_facts f = {.explicit_root = root && root[0]};
        struct jaula_cg_layout lay = {0};
        int r;

        f.swap_active = full && !jaula_cg_swap_off();
        f.swap_accounting = f.io_weight = JAULA_UNKNOWN;
        r = jaula_cg_layout_get(f.explicit_root ? root : NULL, &lay);
        if (r < 0) {
                if (r == -ENOMEM)
                        return r;
                f.open_err = f.explicit_root ? r : 0;
                f.mode = JAULA_CGROUP_NONE;
                *ret = f;
                return 0;
        }
        if (f.explicit_root) {
                struct jaula_cg_layout real = {.mode = lay.mode};

                /* A directory that merely holds files with cgroup names is
                 * not a cgroup: every hierarchy must be on cgroupfs. */
                for (size_t i = 0; i < lay.n_hier; i++) {
                        bool v2 = lay.mode == JAULA_CGROUP_V2 || lay.mode == JAULA_CGROUP_SYSTEMD;

                        if (fs_is(lay.hier[i].mount, v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC))
                                real.hier[real.n_hier++] = lay.hier[i];
                }
                if (real.n_hier == 0)
                        real.mode = JAULA_CGROUP_NONE;
                lay = real;
        }
        f.mode = lay.mode;
        for (size_t i = 0; i < lay.n_hier; i++)
                f.ctrls |= from_cg_bits(lay.hier[i].ctrls);
        if (lay.mode == JAULA_CGROUP_V2 || lay.mode == JAULA_CGROUP_SYSTEMD)
                probe_v2(lay.hier[0].mount, full, &f);
        else if (lay.mode != JAULA_CGROUP_NONE && full)
                probe_v1(&lay, &f);
        *ret = f;
        return 0;
}

JAULA_EXPORT int jaula_cgroot_probe(const char *root, struct jaula_cgroot_facts *ret)
{
        return probe(root, true, ret);
}

/* ---------------------------------------------------------------- judge */

JAULA_EXPORT unsigned jaula_cgroot_needed(const struct jaula_limits *l)
{
        unsigned m = 0;

        if (l->memory_max >= 0 || l->swap_max >= 0)
                m |= JAULA_CGROOT_MEMORY;
        if (l->cpu_quota_us >= 0 || l->cpu_weight >= 0)
                m |= JAULA_CGROOT_CPU;
        if (l->pids_max >= 0)
                m |= JAULA_CGROOT_PIDS;
        return m;
}

static bool is_v2(enum jaula_cgroup_mode m)
{
        return m == JAULA_CGROUP_V2 || m == JAULA_CGROUP_SYSTEMD;
}

JAULA_EXPORT int jaula_cgroot_judge_root(const char *root, const struct jaula_cgroot_facts *f,
                                         char *msg, size_t msg_size, char *fix, size_t fix_size)
{
        if (!f->explicit_root)
                return 0;
        if (f->open_err == -ENOENT) {
                snprintf(msg, msg_size, "'%s' does not exist", root);
                snprintf(fix, fix_size,
                         "create that cgroup (or the unit that delegates it) first, or set "
                         "cgroup_root = \"\" to let jaula place jails itself");
                return -ENOENT;
        }
        if (f->open_err < 0 || f->mode == JAULA_CGROUP_NONE) {
                snprintf(msg, msg_size,
                         "'%s' is not a cgroup directory (neither a cgroup2 directory nor a "
                         "directory of cgroup v1 hierarchies)%s%s",
                         root, f->open_err < 0 ? ": " : "",
                         f->open_err < 0 ? strerror(-f->open_err) : "");
                snprintf(fix, fix_size,
                         "point it at a cgroup under /sys/fs/cgroup, or set cgroup_root = \"\"");
                return -ENOTDIR;
        }
        if (is_v2(f->mode) && !f->hier_root && f->has_procs) {
                snprintf(msg, msg_size,
                         "the cgroup '%s' holds processes of its own, so jaula cannot enable "
                         "controllers below it (cgroup v2 lets only cgroups without processes "
                         "have children with controllers)",
                         root);
                snprintf(fix, fix_size,
                         "move those processes into a child cgroup (a delegated systemd unit: "
                         "DelegateSubgroup=), or on a systemd host set cgroup_root = \"\" and "
                         "let jaula make its own units");
                return -EBUSY;
        }
        return 0;
}

static const struct {
        unsigned bit;
        const char *name;
} ctrl_names[] = {
        {JAULA_CGROOT_MEMORY, "memory"},
        {JAULA_CGROOT_CPU, "cpu"},
        {JAULA_CGROOT_PIDS, "pids"},
        {JAULA_CGROOT_IO, "io"},
};

static const char *ctrl_name(unsigned bit)
{
        for (size_t i = 0; i < ELEMENTSOF(ctrl_names); i++)
                if (ctrl_names[i].bit & bit)
                        return ctrl_names[i].name;
        return "?";
}

/* Why a controller is missing and what to do, for the layout in f. */
static void missing_ctrl_text(const struct jaula_cgroot_facts *f, const char *root, unsigned bit,
                              char *buf, size_t size)
{
        const char *name = ctrl_name(bit);

        if (f->explicit_root && is_v2(f->mode))
                snprintf(buf, size,
                         "cgroup_root '%s' offers no '%s' controller (its cgroup.controllers: "
                         "'%s') — enable it in the parent's cgroup.subtree_control (a systemd "
                         "unit: Delegate=yes), or drop the limit",
                         root, name, f->ctrl_list);
        else if (f->explicit_root)
                snprintf(buf, size,
                         "cgroup_root '%s' has no '%s' hierarchy — mount one there, or drop the "
                         "limit",
                         root, bit == JAULA_CGROOT_IO ? "blkio" : name);
        else if (is_v2(f->mode))
                snprintf(buf, size,
                         "this host's cgroup2 root offers no '%s' controller (cgroup.controllers: "
                         "'%s') — boot a kernel with it (or without cgroup_disable=%s), or drop "
                         "the limit",
                         name, f->ctrl_list, name);
        else
                snprintf(buf, size,
                         "this host has no '%s' cgroup hierarchy mounted — mount it under "
                         "/sys/fs/cgroup, or drop the limit",
                         bit == JAULA_CGROOT_IO ? "blkio" : name);
}

struct judge {
        const struct jaula_cgroot_facts *f;
        const char *root;
        struct jaula_diags *d;
        int errors;
        bool oom;
};

_printf_(5, 6) static void add(struct judge *j, bool warning, const char *file, int line,
                               const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0) {
                msg = NULL;
                j->oom = true;
                return;
        }
        if (jaula_diags_push(j->d, warning, file, line, msg) < 0)
                j->oom = true;
        else if (!warning)
                j->errors++;
}

/* One level's limits (a profile's or a group's), at what: "profiles.p". */
static void judge_limits(struct judge *j, const char *what, const struct jaula_limits *l,
                         const char *file, int line, const int lines[POL_LIMIT_N_LINES])
{
        static const struct {
                int idx;
                const char *key;
                unsigned bit;
        } keys[] = {
                {POL_LIMIT_MEMORY, "memory", JAULA_CGROOT_MEMORY},
                {POL_LIMIT_SWAP, "swap", JAULA_CGROOT_MEMORY},
                {POL_LIMIT_CPU, "cpu", JAULA_CGROOT_CPU},
                {POL_LIMIT_CPU_WEIGHT, "cpu_weight", JAULA_CGROOT_CPU},
                {POL_LIMIT_PIDS, "pids", JAULA_CGROOT_PIDS},
        };
        const struct jaula_cgroot_facts *f = j->f;
        unsigned need = jaula_cgroot_needed(l);
        char text[768];

#define AT(i)                                                                                      \
        (lines[(i)] > 0 ? lines[(i)] : lines[POL_LIMIT_BLOCK] > 0 ? lines[POL_LIMIT_BLOCK] : line)
        if (f->mode == JAULA_CGROUP_NONE) {
                if (need || l->io_weight >= 0)
                        add(j, false, file, AT(POL_LIMIT_BLOCK),
                            "%s.limits: this host has no cgroup hierarchy%s, so every login with "
                            "these limits is refused — mount cgroup2 on /sys/fs/cgroup (or fix "
                            "cgroup_root), or drop the limits",
                            what, f->explicit_root ? " at cgroup_root" : " mounted");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                bool set;

                switch (keys[i].idx) {
                case POL_LIMIT_MEMORY:
                        set = l->memory_max >= 0;
                        break;
                case POL_LIMIT_SWAP:
                        set = l->swap_max >= 0;
                        break;
                case POL_LIMIT_CPU:
                        set = l->cpu_quota_us >= 0;
                        break;
                case POL_LIMIT_CPU_WEIGHT:
                        set = l->cpu_weight >= 0;
                        break;
                default:
                        set = l->pids_max >= 0;
                        break;
                }
                if (!set || (f->ctrls & keys[i].bit))
                        continue;
                missing_ctrl_text(f, j->root, keys[i].bit, text, sizeof text);
                add(j, false, file, AT(keys[i].idx), "%s.limits.%s: %s", what, keys[i].key, text);
        }
        if (l->swap_max >= 0 && (f->ctrls & JAULA_CGROOT_MEMORY) &&
            f->swap_accounting == JAULA_NO) {
                if (l->swap_max == 0 && !f->swap_active)
                        add(j, true, file, AT(POL_LIMIT_SWAP),
                            "%s.limits.swap: this host has no swap accounting, but no swap is "
                            "active either, so \"0\" holds by itself: logins skip it",
                            what);
                else
                        add(j, false, file, AT(POL_LIMIT_SWAP),
                            "%s.limits.swap: this host has no swap accounting (memory.swap.max / "
                            "memory.memsw.* are missing), so every login with this limit is "
                            "refused — boot with swapaccount=1, or drop the swap limit",
                            what);
        }
        if (l->io_weight >= 0 && (!(f->ctrls & JAULA_CGROOT_IO) || f->io_weight == JAULA_NO))
                add(j, true, file, AT(POL_LIMIT_IO_WEIGHT),
                    "%s.limits.io_weight: %s, so logins skip the weight (a hint for sharing a "
                    "disk, not a boundary)",
                    what,
                    !(f->ctrls & JAULA_CGROOT_IO)
                            ? "this host's cgroups offer no io controller"
                            : "no proportional io scheduler here (no io.weight, io.bfq.weight, "
                              "blkio.weight or blkio.bfq.weight)");
#undef AT
}

JAULA_EXPORT int jaula_policy_judge_cgroups(const struct jaula_policy *p,
                                            const struct jaula_cgroot_facts *f,
                                            struct jaula_diags *d)
{
        struct judge j = {.f = f, .d = d, .root = p->cgroup_root ? p->cgroup_root : ""};
        char msg[512], fix[512], what[256];

        if (jaula_cgroot_judge_root(j.root, f, msg, sizeof msg, fix, sizeof fix) < 0) {
                add(&j, false, p->file, p->cgroup_root_line, "global.cgroup_root: %s — %s", msg,
                    fix);
                /* Every limit would repeat the same cause. */
                return j.oom ? -ENOMEM : j.errors;
        }
        for (size_t i = 0; i < p->profiles.n; i++) {
                const struct pol_profile *pr = POL_AT(p->profiles, struct pol_profile, i);

                snprintf(what, sizeof what, "profiles.%s", pr->name);
                judge_limits(&j, what, &pr->limits, pr->file, pr->line, pr->limit_lines);
        }
        for (size_t i = 0; i < p->groups.n; i++) {
                const struct pol_group *g = POL_AT(p->groups, struct pol_group, i);

                snprintf(what, sizeof what, "groups.%s", g->name);
                judge_limits(&j, what, &g->limits, g->file, g->line, g->limit_lines);
        }
        return j.oom ? -ENOMEM : j.errors;
}

JAULA_EXPORT int jaula_policy_check_cgroups(const struct jaula_policy *p, struct jaula_diags *d)
{
        struct jaula_cgroot_facts f;
        int r;

        r = jaula_cgroot_probe(p->cgroup_root, &f);
        if (r < 0)
                return r;
        return jaula_policy_judge_cgroups(p, &f, d);
}

/* ---------------------------------------------------------------- login */

JAULA_EXPORT int jaula_cgroot_check(const struct jaula_spec *spec, struct jaula_err *err)
{
        struct jaula_cgroot_facts f;
        char msg[512], fix[512], text[768];
        unsigned missing;
        int r;

        if (!spec->cgroup_root || !spec->cgroup_root[0])
                return 0;
        r = probe(spec->cgroup_root, false, &f);
        if (r < 0)
                return jaula_err_errno(err, r, "Cannot probe cgroup_root '%s'", spec->cgroup_root);
        r = jaula_cgroot_judge_root(spec->cgroup_root, &f, msg, sizeof msg, fix, sizeof fix);
        if (r < 0)
                return jaula_err_set(err, r, "cgroup_root: %s (%s)", msg, fix);
        missing = (jaula_cgroot_needed(&spec->limits) | jaula_cgroot_needed(&spec->group_limits)) &
                  ~f.ctrls;
        if (missing) {
                missing_ctrl_text(&f, spec->cgroup_root, missing & -missing, text, sizeof text);
                return jaula_err_set(err, -EOPNOTSUPP, "The profile's limits cannot apply: %s",
                                     text);
        }
        return 0;
}
