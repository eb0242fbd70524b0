/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy_safety.c — what a policy may not give a jailed user: the host.
 * The judging pass works on the validated structs and needs nothing; the
 * file checks behind check-config read the rootfs and mount sources (read
 * access to them, no other privilege).
 *
 * A policy that parses can still hand the host over: a writable bind of
 * "/" or /etc, a home mounted over the jail's /etc, a seccomp allow that
 * lifts the mount or namespace rules, no net namespace (the host's
 * loopback services).  Such a policy is refused at load, so every login
 * under it is refused too (fail closed).  Where an administrator may
 * really want the risk, the profile names it in its `unsafe` list; then
 * the login accepts it silently and check-config reports it as a warning,
 * so the risks a host runs with are one grep away. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jaula/devices.h"
#include "jaula/policy.h"
#include "jaula/util.h"
#include "policy-data.h"
#include "policy-safety.h"

#define SAFETY_PATH 4096

/* Same order as the POL_UNSAFE_* bits. */
const char *const jaula_policy_unsafe_names[] = {
        "seccomp-none",
        "seccomp-kernel-surface",
        "host-network",
        "rw-host-mount",
        NULL,
};

unsigned jaula_policy_unsafe_bit(const char *name)
{
        for (unsigned i = 0; jaula_policy_unsafe_names[i]; i++)
                if (strcmp(name, jaula_policy_unsafe_names[i]) == 0)
                        return 1u << i;
        return 0;
}

/* ---------------------------------------------------------------- paths */

enum {
        R_IS = 1u << 0,
        R_INSIDE = 1u << 1,
        R_CONTAINS = 1u << 2,
        R_ALL = R_IS | R_INSIDE | R_CONTAINS,
};

/* Collapse runs of '/' and drop a trailing one ("/" stays "/"). */
static void normalize(const char *in, char *out, size_t size)
{
        size_t n = 0;

        for (const char *q = in; *q && n + 1 < size; q++)
                if (*q != '/' || n == 0 || out[n - 1] != '/')
                        out[n++] = *q;
        if (n > 1 && out[n - 1] == '/')
                n--;
        out[n] = '\0';
}

/* How clean absolute PATH stands to DIR: R_IS, R_INSIDE, R_CONTAINS or 0. */
static unsigned relate(const char *path, const char *dir)
{
        size_t lp = strlen(path), ld = strlen(dir);

        if (strcmp(path, dir) == 0)
                return R_IS;
        if (strcmp(dir, "/") == 0)
                return R_INSIDE;
        if (strcmp(path, "/") == 0)
                return R_CONTAINS;
        if (lp > ld && strncmp(path, dir, ld) == 0 && path[ld] == '/')
                return R_INSIDE;
        if (ld > lp && strncmp(dir, path, lp) == 0 && dir[lp] == '/')
                return R_CONTAINS;
        return 0;
}

static const char *rel_text(unsigned rel)
{
        return rel == R_IS ? "is" : rel == R_INSIDE ? "is inside" : "contains";
}

/* What a path template tells before expansion.  Returns false when it
 * says nothing (it starts with a variable, or its literal part is just
 * "/"); else fills buf with a directory and sets *exact when the template
 * has no variable (buf is then the path itself), or clears it when every
 * expansion lies strictly inside buf. */
static bool template_dir(const char *tmpl, char *buf, size_t size, bool *exact)
{
        const char *pct = strchr(tmpl, '%');
        char lit[SAFETY_PATH];
        char *slash;

        if (!pct) {
                normalize(tmpl, buf, size);
                *exact = true;
                return buf[0] == '/';
        }
        if (pct == tmpl || (size_t) (pct - tmpl) >= sizeof lit)
                return false;
        memcpy(lit, tmpl, (size_t) (pct - tmpl));
        lit[pct - tmpl] = '\0';
        slash = strrchr(lit, '/');
        if (!slash)
                return false;
        slash[1] = '\0';
        normalize(lit, buf, size);
        *exact = false;
        return strcmp(buf, "/") != 0;
}

/* One protected directory: what it is and which relations to it count. */
struct guard {
        char *dir; /* normalized */
        char *what;
        unsigned rels;
        unsigned risk; /* 0: refused outright; else the POL_UNSAFE_* bit that accepts it */
};

/* Host directories whose writable bind gives the host away: its
 * configuration and credentials, its programs and libraries, the kernel's
 * views of it, its runtime sockets and the jails' own state. */
static const struct {
        const char *dir;
        const char *what;
} host_dirs[] = {
        { "/etc", "its configuration and credentials" },
        { "/proc", "the host's processes and kernel settings" },
        { "/sys", "the host's kernel and devices" },
        { "/dev", "the host's devices" },
        { "/boot", "the host's kernels and boot loader" },
        { "/root", "root's home" },
        { "/usr", "the host's programs" },
        { "/bin", "the host's programs" },
        { "/sbin", "the host's programs" },
        { "/lib", "the host's libraries" },
        { "/lib32", "the host's libraries" },
        { "/lib64", "the host's libraries" },
        { "/libx32", "the host's libraries" },
        { "/run", "the host's runtime state and service sockets" },
        { "/var/run", "the host's runtime state and service sockets" },
        { "/var/lib/jaula", "jaula's rootfs and persistent layers" },
};

/* Host directories a writable bind may expose when the administrator
 * accepts "rw-host-mount". */
static const struct {
        const char *dir;
        const char *what;
        unsigned rels;
} host_dirs_optin[] = {
        { "/home", "every user's home", R_IS | R_CONTAINS },
        { "/var/lib", "the host services' data", R_ALL },
        { "/tmp", "the host's shared /tmp", R_IS },
        { "/var/tmp", "the host's shared /var/tmp", R_IS },
};

/* The directories of the jail itself that its user's home may not cover:
 * the holder, running as root, writes /etc and mounts /proc, /dev and
 * /run there, and every program of the jail trusts the rest. */
static const char *const jail_dirs[] = {
        "/etc", "/proc", "/sys",   "/dev",   "/usr",   "/bin", "/sbin",
        "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/run",
};

struct guards {
        struct guard *v;
        size_t n, cap;
};

static void guards_free(struct guards *g)
{
        for (size_t i = 0; i < g->n; i++) {
                free(g->v[i].dir);
                free(g->v[i].what);
        }
        free(g->v);
        *g = (struct guards){ 0 };
}

static int guard_add(struct guards *g, const char *dir, unsigned rels, unsigned risk,
                     const char *fmt, ...) _printf_(5, 6);

static int guard_add(struct guards *g, const char *dir, unsigned rels, unsigned risk,
                     const char *fmt, ...)
{
        char norm[SAFETY_PATH];
        struct guard *x;
        va_list ap;
        int r;

        if (!dir || dir[0] != '/')
                return 0;
        if (g->n == g->cap) {
                size_t cap = g->cap ? 2 * g->cap : 32;
                struct guard *nv = realloc(g->v, sizeof *nv * cap);

                if (!nv)
                        return -ENOMEM;
                g->v = nv;
                g->cap = cap;
        }
        x = &g->v[g->n];
        normalize(dir, norm, sizeof norm);
        x->dir = strdup(norm);
        va_start(ap, fmt);
        r = vasprintf(&x->what, fmt, ap);
        va_end(ap);
        if (!x->dir || r < 0) {
                free(x->dir);
                if (r >= 0)
                        free(x->what);
                return -ENOMEM;
        }
        x->rels = rels;
        x->risk = risk;
        g->n++;
        return 0;
}

/* The directory holding the main policy file, or "" when it was named
 * relatively (or parsed from memory). */
static void policy_dir(const struct jaula_policy *p, char *buf, size_t size)
{
        const char *slash = p->file ? strrchr(p->file, '/') : NULL;

        buf[0] = '\0';
        if (!p->file || p->file[0] != '/' || !slash)
                return;
        if (slash == p->file)
                snprintf(buf, size, "/");
        else
                snprintf(buf, size, "%.*s", (int) (slash - p->file), p->file);
}

/* Guards for a writable mount source (or the host side of a home). */
static int rw_guards(const struct jaula_policy *p, bool with_optin, struct guards *g)
{
        char dir[SAFETY_PATH], inc[SAFETY_PATH + 16];
        bool exact;
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(host_dirs) && r >= 0; i++)
                r = guard_add(g, host_dirs[i].dir, R_ALL, 0, "the host's %s, %s",
                              host_dirs[i].dir, host_dirs[i].what);
        if (r >= 0 && p->state_dir)
                r = guard_add(g, p->state_dir, R_ALL, 0, "the state directory %s", p->state_dir);
        if (r >= 0 && p->persistent_dir && template_dir(p->persistent_dir, dir, sizeof dir, &exact))
                r = guard_add(g, dir, R_ALL, 0, "the persistent directory %s", dir);
        policy_dir(p, dir, sizeof dir);
        /* Inside the policy's directory is only its drop-in directory,
         * guarded on its own; a sibling there is no policy file. */
        if (r >= 0 && dir[0])
                r = guard_add(g, dir, R_IS | R_CONTAINS, 0, "the policy directory %s", dir);
        if (p->include_dir)
                snprintf(inc, sizeof inc, "%s", p->include_dir);
        else if (dir[0])
                snprintf(inc, sizeof inc, "%s/conf.d", strcmp(dir, "/") == 0 ? "" : dir);
        else
                inc[0] = '\0';
        if (r >= 0 && inc[0])
                r = guard_add(g, inc, R_ALL, 0, "the policy's drop-in directory %s", inc);
        for (size_t i = 0; i < p->rootfs.n && r >= 0; i++) {
                const struct pol_rootfs *rf = POL_AT(p->rootfs, struct pol_rootfs, i);

                r = guard_add(g, rf->path, R_ALL, 0,
                              "rootfs '%s' (%s), which every jail of it runs", rf->name, rf->path);
        }
        for (size_t i = 0; with_optin && i < ELEMENTSOF(host_dirs_optin) && r >= 0; i++)
                r = guard_add(g, host_dirs_optin[i].dir, host_dirs_optin[i].rels,
                              POL_UNSAFE_RW_HOST_MOUNT, "the host's %s, %s",
                              host_dirs_optin[i].dir, host_dirs_optin[i].what);
        return r;
}

/* Guards for a read-only mount source: what even reading (or connecting
 * to a socket, which a read-only mount allows) gives away. */
static int ro_guards(const struct jaula_policy *p, struct guards *g)
{
        static const char *const dirs[] = { "/proc", "/sys", "/run", "/var/run" };
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(dirs) && r >= 0; i++)
                r = guard_add(g, dirs[i], R_ALL, 0, "the host's %s", dirs[i]);
        if (r >= 0 && p->state_dir)
                r = guard_add(g, p->state_dir, R_ALL, 0, "the state directory %s", p->state_dir);
        return r;
}

/* The first guard PATH runs into (a refusal before an opt-in), or NULL.
 * With exact false, PATH is a directory every real path lies inside.
 * Guards an `unsafe` entry could accept count only for the relations in
 * optin_rels. */
static const struct guard *first_hit(const struct guards *g, const char *path, bool exact,
                                     unsigned optin_rels, unsigned *ret_rel)
{
        const struct guard *hit = NULL;

        for (size_t i = 0; i < g->n; i++) {
                unsigned rel = relate(path, g->v[i].dir);

                if (!exact)
                        rel = (rel & (R_IS | R_INSIDE)) ? R_INSIDE : 0;
                if (!(rel & g->v[i].rels & (g->v[i].risk ? optin_rels : R_ALL)))
                        continue;
                if (!hit || (hit->risk && !g->v[i].risk)) {
                        hit = &g->v[i];
                        *ret_rel = rel;
                }
                if (!hit->risk)
                        break;
        }
        return hit;
}

static bool jail_dir_hit(const char *path, bool exact, char *why, size_t size)
{
        if (exact && strcmp(path, "/") == 0) {
                snprintf(why, size, "is the jail's root");
                return true;
        }
        for (size_t i = 0; i < ELEMENTSOF(jail_dirs); i++) {
                unsigned rel = relate(path, jail_dirs[i]);

                if (!exact)
                        rel = (rel & (R_IS | R_INSIDE)) ? R_INSIDE : 0;
                if (rel & (R_IS | R_INSIDE)) {
                        snprintf(why, size, "%s the jail's %s",
                                 exact ? rel_text(rel) : "is always inside", jail_dirs[i]);
                        return true;
                }
        }
        return false;
}

/* ------------------------------------------------------- resolve time */

bool jaula_policy_home_refused(const struct jaula_policy *p, const char *inside, const char *host,
                               char *why, size_t why_size)
{
        struct guards g = { 0 };
        const struct guard *hit;
        char norm[SAFETY_PATH], w[256];
        unsigned rel = 0;
        bool refused = false;

        if (inside && inside[0] == '/') {
                normalize(inside, norm, sizeof norm);
                if (jail_dir_hit(norm, true, w, sizeof w)) {
                        snprintf(why, why_size,
                                 "home '%s' %s: the user's own files would replace the jail's "
                                 "system files",
                                 inside, w);
                        return true;
                }
        }
        if (!host || host[0] != '/')
                return false;
        if (rw_guards(p, true, &g) < 0) {
                snprintf(why, why_size, "out of memory");
                return true;
        }
        normalize(host, norm, sizeof norm);
        /* A service user's home inside /var/lib is fine; /home itself
         * (every user's home) or /tmp is not. */
        hit = first_hit(&g, norm, true, R_IS | R_CONTAINS, &rel);
        if (hit) {
                snprintf(why, why_size,
                         "host home '%s' %s %s, and a home is bound writable into the jail", host,
                         rel_text(rel), hit->what);
                refused = true;
        }
        guards_free(&g);
        return refused;
}

bool jaula_policy_rw_source_refused(const struct jaula_policy *p, const char *source,
                                    bool from_template, char *why, size_t why_size)
{
        struct guards g = { 0 };
        const struct guard *hit;
        char norm[SAFETY_PATH];
        unsigned rel = 0;
        bool refused = false;

        if (!source || source[0] != '/')
                return false;
        if (rw_guards(p, from_template, &g) < 0) {
                snprintf(why, why_size, "out of memory");
                return true;
        }
        normalize(source, norm, sizeof norm);
        hit = first_hit(&g, norm, true, R_ALL, &rel);
        if (hit) {
                snprintf(why, why_size, "writable mount source '%s' %s %s", source, rel_text(rel),
                         hit->what);
                refused = true;
        }
        guards_free(&g);
        return refused;
}

static bool ro_source_refused(const struct jaula_policy *p, const char *source, char *why,
                              size_t why_size)
{
        struct guards g = { 0 };
        const struct guard *hit;
        char norm[SAFETY_PATH];
        unsigned rel = 0;
        bool refused = false;

        if (ro_guards(p, &g) < 0) {
                snprintf(why, why_size, "out of memory");
                return true;
        }
        normalize(source, norm, sizeof norm);
        hit = first_hit(&g, norm, true, R_ALL, &rel);
        if (hit) {
                snprintf(why, why_size, "mount source '%s' %s %s", source, rel_text(rel),
                         hit->what);
                refused = true;
        }
        guards_free(&g);
        return refused;
}

/* ------------------------------------------------------------ judging */

struct judge {
        jaula_policy_report_fn report;
        void *ctx;
        struct guards rw, ro;
};

static void say(struct judge *j, bool warning, const char *file, int line, const char *fmt, ...)
        _printf_(5, 6);

static void say(struct judge *j, bool warning, const char *file, int line, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        j->report(j->ctx, warning, file, line, buf);
}

static const char *risk_name(unsigned bit)
{
        for (unsigned i = 0; jaula_policy_unsafe_names[i]; i++)
                if (bit == 1u << i)
                        return jaula_policy_unsafe_names[i];
        return "?";
}

/* A risk the profile may accept: a warning when it did, else an error
 * that says how to accept it.  *used collects the risks really taken. */
static void risk(struct judge *j, const struct pol_profile *pr, unsigned bit, unsigned *used,
                 int line, const char *what)
{
        if (pr->unsafe & bit) {
                *used |= bit;
                say(j, true, pr->file, line, "%s (accepted: profiles.%s.unsafe lists \"%s\")", what,
                    pr->name, risk_name(bit));
        } else {
                say(j, false, pr->file, line,
                    "%s; refused unless profiles.%s.unsafe lists \"%s\" (see jaula.conf(5))", what,
                    pr->name, risk_name(bit));
        }
}

static void judge_namespaces(struct judge *j, const struct pol_profile *pr, unsigned *used)
{
        char what[512];

        /* mount and pid are required by the parser already. */
        if (pr->ns_flags & CLONE_NEWNET)
                return;
        snprintf(what, sizeof what,
                 "profiles.%s.namespaces: \"net\" is missing: the jail would share the host's "
                 "network, and with it every service listening on the host's loopback",
                 pr->name);
        risk(j, pr, POL_UNSAFE_HOST_NETWORK, used, pr->ns_line ? pr->ns_line : pr->line, what);
}

/* Allow entries (rule labels or syscall names, as seccomp.c matches them)
 * that lift a rule whose only use in a jail is leaving it or changing the
 * host's kernel. */
static const struct {
        const char *name;
        const char *why;
} sc_never[] = {
        { "mount", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "umount", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "umount2", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "move_mount", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "open_tree", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "open_tree_attr", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "fsopen", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "fsconfig", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "fsmount", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "fspick", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "mount_setattr", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "pivot_root", "rearranging mounts is how a process leaves a pivot_root jail" },
        { "chroot", "a chroot inside the jail is the classic way out of one" },
        { "setns", "it joins namespaces outside the jail through an inherited descriptor" },
        { "unshare", "a new user namespace gives back every capability over what it owns" },
        { "clone", "it lifts clone[CLONE_NEW*]: new (user) namespaces give back capabilities" },
        { "clone[CLONE_NEW*]", "new (user) namespaces give back capabilities" },
        { "clone3", "its flags cannot be filtered, so it creates namespaces unchecked" },
        { "clone3[ENOSYS]", "its flags cannot be filtered, so it creates namespaces unchecked" },
        { "init_module", "it loads code into the host's kernel" },
        { "finit_module", "it loads code into the host's kernel" },
        { "delete_module", "it changes the host's kernel" },
        { "create_module", "it loads code into the host's kernel" },
        { "kexec_load", "it replaces the host's kernel" },
        { "kexec_file_load", "it replaces the host's kernel" },
        { "open_by_handle_at", "file handles bypass the jail's root (the \"shocker\" escape)" },
        { "iopl", "port I/O reaches the host's hardware" },
        { "ioperm", "port I/O reaches the host's hardware" },
        { "ioctl", "it lifts ioctl[TIOCSTI]: typing into the host-side login terminal" },
        { "ioctl[TIOCSTI]", "it types into the host-side login terminal after logout" },
        { "ioctl[TIOCLINUX]", "it types into the host's virtual console" },
};

/* Large kernel surface that is not namespaced: allowed only as the
 * "seccomp-kernel-surface" risk. */
static const struct {
        const char *name;
        const char *why;
} sc_kernel[] = {
        { "bpf", "the eBPF verifier and maps are a steady source of kernel exploits" },
        { "perf_event_open", "perf events expose kernel addresses and have a long record of "
                             "exploits" },
        { "userfaultfd", "it stalls kernel threads at will, a staple of race exploits" },
        { "keyctl", "the kernel keyring is not namespaced" },
        { "add_key", "the kernel keyring is not namespaced" },
        { "request_key", "the kernel keyring is not namespaced" },
        { "name_to_handle_at", "file handles name files outside the jail's root" },
        { "lookup_dcookie", "it reveals host paths" },
        { "syslog", "it reads the host's kernel log" },
};

static void judge_seccomp(struct judge *j, const struct pol_profile *pr, unsigned *used)
{
        char what[512];

        if (strcmp(pr->seccomp_profile, "none") == 0) {
                snprintf(what, sizeof what,
                         "profiles.%s.seccomp.profile: \"none\" loads no filter: the jail reaches "
                         "the mount and namespace calls, bpf, keyctl and the rest of the surface "
                         "the default profile denies",
                         pr->name);
                risk(j, pr, POL_UNSAFE_SECCOMP_NONE, used,
                     pr->seccomp_line ? pr->seccomp_line : pr->line, what);
        }
        for (size_t i = 0; i < pr->n_sc_allow; i++) {
                const char *name = pr->sc_allow[i];
                int line = pr->sc_allow_line ? pr->sc_allow_line : pr->line;

                for (size_t k = 0; k < ELEMENTSOF(sc_never); k++)
                        if (strcmp(name, sc_never[k].name) == 0)
                                say(j, false, pr->file, line,
                                    "profiles.%s.seccomp.allow[%zu]: \"%s\" cannot be allowed: %s",
                                    pr->name, i, name, sc_never[k].why);
                for (size_t k = 0; k < ELEMENTSOF(sc_kernel); k++)
                        if (strcmp(name, sc_kernel[k].name) == 0) {
                                snprintf(what, sizeof what,
                                         "profiles.%s.seccomp.allow[%zu]: allowing \"%s\" opens "
                                         "kernel surface to the jail: %s",
                                         pr->name, i, name, sc_kernel[k].why);
                                risk(j, pr, POL_UNSAFE_SECCOMP_KERNEL, used, line, what);
                        }
        }
}

static void judge_home(struct judge *j, const struct pol_profile *pr)
{
        char dir[SAFETY_PATH], w[256];
        bool exact;

        if (!pr->home || !template_dir(pr->home, dir, sizeof dir, &exact))
                return;
        if (jail_dir_hit(dir, exact, w, sizeof w))
                say(j, false, pr->file, pr->home_line ? pr->home_line : pr->line,
                    "profiles.%s.home: \"%s\" %s: the user's own files would replace the jail's "
                    "system files; use a path like \"/home/%%u\"",
                    pr->name, pr->home, w);
}

static void judge_mounts(struct judge *j, const struct pol_profile *pr, unsigned *used)
{
        for (size_t i = 0; i < pr->n_mounts; i++) {
                const struct pol_mount *m = &pr->mounts[i];
                const struct guard *hit;
                char dir[SAFETY_PATH], what[2048];
                unsigned rel = 0;
                bool exact;
                int line = m->line ? m->line : pr->line;

                if (!m->source || !template_dir(m->source, dir, sizeof dir, &exact))
                        continue;
                hit = first_hit(m->writable ? &j->rw : &j->ro, dir, exact, R_ALL, &rel);
                if (!hit)
                        continue;
                snprintf(what, sizeof what, "profiles.%s.mounts[%zu].source: \"%s\" %s %s; %s",
                         pr->name, i, m->source, exact ? rel_text(rel) : "is always inside",
                         hit->what,
                         m->writable ? "a writable mount of it gives the jailed user the host"
                                     : "even read-only it hands the host's processes, sockets "
                                       "or jail state to the jail");
                if (hit->risk)
                        risk(j, pr, hit->risk, used, line, what);
                else
                        say(j, false, pr->file, line, "%s", what);
        }
}

void jaula_policy_judge(const struct jaula_policy *p, jaula_policy_report_fn report, void *ctx)
{
        struct judge j = { .report = report, .ctx = ctx };

        if (rw_guards(p, true, &j.rw) < 0 || ro_guards(p, &j.ro) < 0) {
                report(ctx, false, p->file, 0, "out of memory while judging the policy");
                goto out;
        }
        for (size_t i = 0; i < p->profiles.n; i++) {
                const struct pol_profile *pr = POL_AT(p->profiles, struct pol_profile, i);
                unsigned used = 0;

                judge_namespaces(&j, pr, &used);
                judge_seccomp(&j, pr, &used);
                judge_home(&j, pr);
                judge_mounts(&j, pr, &used);
                if (pr->writable == JAULA_WRITABLE_PERSISTENT && !pr->persistent_size)
                        say(&j, true, pr->file, pr->line,
                            "profiles.%s: writable = \"persistent\" without persistent_size: "
                            "each user's layer can grow until the disk of persistent_dir is "
                            "full (set persistent_size = \"2G\", for instance)",
                            pr->name);
                for (unsigned k = 0; jaula_policy_unsafe_names[k]; k++)
                        if ((pr->unsafe & ~used) & (1u << k))
                                say(&j, true, pr->file, pr->unsafe_line,
                                    "profiles.%s.unsafe: \"%s\" is accepted but nothing in the "
                                    "profile needs it",
                                    pr->name, jaula_policy_unsafe_names[k]);
        }
out:
        guards_free(&j.rw);
        guards_free(&j.ro);
}

/* ------------------------------------------------------- file checks */

#define TREE_FINDINGS_MAX 8   /* per rootfs: enough to act on, not a flood */
#define TREE_ENTRIES_MAX 4096 /* per directory sampled */

struct files {
        struct jaula_diags *d;
        bool error, oom;
};

static void note(struct files *f, bool warning, const char *file, int line, const char *fmt, ...)
        _printf_(5, 6);

static void note(struct files *f, bool warning, const char *file, int line, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (jaula_diags_push(f->d, warning, file, line, buf) < 0)
                f->oom = true;
        if (!warning)
                f->error = true;
}

/* Who other than root can change what st describes, or NULL.  A sticky
 * directory (like /tmp) lets nobody replace another's entries, so it only
 * counts when asked (the rootfs itself must not be one). */
static const char *changer(const struct stat *st, bool sticky_ok, char *buf, size_t size)
{
        if (S_ISLNK(st->st_mode))
                return NULL; /* a symlink's own mode means nothing */
        if (st->st_uid != 0) {
                snprintf(buf, size, "owned by uid %u", (unsigned) st->st_uid);
                return buf;
        }
        if (S_ISDIR(st->st_mode) && sticky_ok && (st->st_mode & S_ISVTX))
                return NULL;
        if (st->st_mode & S_IWOTH) {
                snprintf(buf, size, "writable by everyone");
                return buf;
        }
        if ((st->st_mode & S_IWGRP) && st->st_gid != 0) {
                snprintf(buf, size, "writable by group %u", (unsigned) st->st_gid);
                return buf;
        }
        return NULL;
}

/* Every directory above PATH (not PATH itself): whoever can change one of
 * them can put another tree in PATH's place. */
static void check_parents(struct files *f, const char *path, const char *file, int line,
                          const char *key, int *findings)
{
        char norm[SAFETY_PATH], pre[SAFETY_PATH], who[64];
        size_t len;

        normalize(path, norm, sizeof norm);
        len = strlen(norm);
        for (size_t i = 0; i < len && *findings < TREE_FINDINGS_MAX; i++) {
                struct stat st;
                const char *w;

                if (norm[i] != '/')
                        continue;
                memcpy(pre, norm, i ? i : 1);
                pre[i ? i : 1] = '\0';
                if (lstat(pre, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue; /* a symlink is followed by the resolved walk */
                w = changer(&st, true, who, sizeof who);
                if (!w)
                        continue;
                note(f, false, file, line,
                     "%s: \"%s\" lies in \"%s\", which is %s: that user can replace it (chown "
                     "root, chmod go-w)",
                     key, path, pre, w);
                (*findings)++;
        }
}

/* The entries of DIR (an fd) that someone other than root can change;
 * with into, also one level down for the directories named there. */
static void check_entries(struct files *f, int dfd, const char *shown, const char *const *into,
                          const char *file, int line, const char *key, int *findings)
{
        _cleanup_close_ int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        char who[64];
        size_t n = 0;

        if (!dir)
                return;
        fd = -1; /* the DIR owns it now */
        while ((de = readdir(dir)) && n++ < TREE_ENTRIES_MAX && *findings < TREE_FINDINGS_MAX) {
                struct stat st;
                const char *w;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                w = changer(&st, true, who, sizeof who);
                if (w) {
                        note(f, false, file, line,
                             "%s: \"%s/%s\" is %s: a user who can change the rootfs changes "
                             "what every jail of it runs (chown root, chmod go-w)",
                             key, shown, de->d_name, w);
                        (*findings)++;
                        continue;
                }
                for (size_t k = 0; into && into[k] && S_ISDIR(st.st_mode); k++)
                        if (strcmp(de->d_name, into[k]) == 0) {
                                _cleanup_close_ int sub = openat(dirfd(dir), de->d_name,
                                                                 O_RDONLY | O_DIRECTORY |
                                                                         O_NOFOLLOW | O_CLOEXEC);
                                char sub_shown[SAFETY_PATH + 256];

                                if (sub < 0)
                                        break;
                                snprintf(sub_shown, sizeof sub_shown, "%s/%s", shown, de->d_name);
                                check_entries(f, sub, sub_shown, NULL, file, line, key, findings);
                                break;
                        }
        }
        closedir(dir);
}

/* The architecture `jaula mkroot` built a directory rootfs for, from the
 * "arch=" line of its record (root's, like the rest of the rootfs), into
 * buf; false when there is no record or no such line. */
static bool recorded_arch(int rootfd, char *buf, size_t size)
{
        _cleanup_close_ int fd = openat(rootfd, ".jaula-rootfs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        char text[4096], *p;
        ssize_t n;

        if (fd < 0)
                return false;
        n = read(fd, text, sizeof text - 1);
        if (n <= 0)
                return false;
        text[n] = '\0';
        for (p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, "arch=", 5) == 0) {
                        snprintf(buf, size, "%.*s", (int) strcspn(p + 5, "\n"), p + 5);
                        return buf[0] != '\0';
                }
        return false;
}

/* A rootfs built for one architecture and declared another: with i386
 * programs under arch "amd64" every login dies at its first system call
 * (the filter kills the i386 ABI); other mismatches cannot run at all.
 * arch "i386" over an amd64 build is a multiarch rootfs with i386
 * libraries, which is allowed. */
static void check_recorded_arch(struct files *f, const struct pol_rootfs *rf, int rootfd)
{
        char built[32];

        if (!recorded_arch(rootfd, built, sizeof built) || strcmp(built, rf->arch) == 0)
                return;
        if (strcmp(built, "amd64") == 0 && strcmp(rf->arch, "i386") == 0)
                return;
        note(f, false, rf->file, rf->line,
             "rootfs.%s.arch: \"%s\", but jaula mkroot built \"%s\" for %s (its .jaula-rootfs); "
             "set arch = \"%s\"",
             rf->name, rf->arch, rf->path, built, built);
}

static void check_rootfs(struct files *f, const struct pol_rootfs *rf)
{
        /* Below the top level, the directories whose contents every
         * program of a jail trusts. */
        static const char *const into[] = { "usr", "etc", NULL };
        char key[128], who[64], *real = NULL;
        _cleanup_close_ int fd = -1;
        bool dir = rf->type == JAULA_ROOTFS_DIRECTORY;
        int findings = 0;
        struct stat st;
        const char *w;

        snprintf(key, sizeof key, "rootfs.%s.path", rf->name);
        if (stat(rf->path, &st) < 0) {
                note(f, false, rf->file, rf->line, "%s: \"%s\": %s", key, rf->path,
                     strerror(errno));
                return;
        }
        if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
                note(f, false, rf->file, rf->line, "%s: \"%s\" is not a %s", key, rf->path,
                     dir ? "directory (type \"directory\")" : "regular file (an image)");
                return;
        }
        check_parents(f, rf->path, rf->file, rf->line, key, &findings);
        real = realpath(rf->path, NULL);
        if (real && strcmp(real, rf->path) != 0)
                check_parents(f, real, rf->file, rf->line, key, &findings);
        w = changer(&st, false, who, sizeof who);
        if (w) {
                note(f, false, rf->file, rf->line,
                     "%s: \"%s\" is %s: a user who can change the rootfs changes what every "
                     "jail of it runs (chown root, chmod go-w)",
                     key, rf->path, w);
                findings++;
        }
        free(real);
        if (!dir)
                return;
        fd = open(rf->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        check_recorded_arch(f, rf, fd);
        check_entries(f, fd, rf->path, into, rf->file, rf->line, key, &findings);
}

static int openat2_in_root(int rootfd, const char *path)
{
        struct open_how how = {
                .flags = O_PATH | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof how);

        return fd < 0 ? -errno : (int) fd;
}

/* The x86 architecture of the ELF program at PATH inside the rootfs:
 * "i386", "amd64", or NULL (another machine, a script, unreadable). */
static const char *elf_x86_arch(int rootfd, const char *path)
{
        struct open_how how = {
                .flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_close_ int fd = (int) syscall(SYS_openat2, rootfd, path, &how, sizeof how);
        unsigned char h[20];

        /* e_ident (16 bytes), e_type (2), e_machine (2, little endian) */
        if (fd < 0 || pread(fd, h, sizeof h, 0) != (ssize_t) sizeof h)
                return NULL;
        if (memcmp(h, "\177ELF", 4) != 0 || h[5] != 1 /* ELFDATA2LSB */)
                return NULL;
        if (h[4] == 1 /* ELFCLASS32 */ && h[18] == 3 && h[19] == 0 /* EM_386 */)
                return "i386";
        if (h[4] == 2 /* ELFCLASS64 */ && h[18] == 62 && h[19] == 0 /* EM_X86_64 */)
                return "amd64";
        return NULL;
}

/* The shell a profile's jails execute: resolved inside the rootfs the way
 * the jail will see it (an absolute symlink is taken relative to the
 * rootfs, ".." stops at its root). */
static void check_shell(struct files *f, const struct jaula_policy *p,
                        const struct pol_profile *pr)
{
        const struct pol_rootfs *rf = pr->rootfs;
        const char *shell = pr->shell ? pr->shell : p->default_shell;
        const char *file = pr->shell ? pr->file : p->file;
        int line = pr->shell ? pr->shell_line : p->default_shell_line;
        _cleanup_close_ int root = -1, fd = -1;
        char key[160], who[64];
        struct stat st;
        const char *w, *elf;

        if (!rf || rf->type != JAULA_ROOTFS_DIRECTORY || !shell)
                return;
        if (pr->shell)
                snprintf(key, sizeof key, "profiles.%s.shell", pr->name);
        else
                snprintf(key, sizeof key, "global.default_shell (the shell of profile '%s')",
                         pr->name);
        if (!pr->shell && line == 0) {
                file = pr->file;
                line = pr->line;
        }
        root = open(rf->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return; /* check_rootfs reported it */
        fd = openat2_in_root(root, shell);
        if (fd == -ENOSYS || fd == -EPERM) {
                note(f, true, file, line, "%s: cannot look inside rootfs '%s' here (openat2: %s)",
                     key, rf->name, strerror(-fd));
                return;
        }
        if (fd < 0) {
                note(f, false, file, line, "%s: \"%s\" in rootfs '%s' (%s): %s", key, shell,
                     rf->name, rf->path, strerror(-fd));
                return;
        }
        if (fstat(fd, &st) < 0)
                return;
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
                note(f, false, file, line,
                     "%s: \"%s\" in rootfs '%s' (%s) is not an executable file", key, shell,
                     rf->name, rf->path);
                return;
        }
        w = changer(&st, false, who, sizeof who);
        if (w)
                note(f, false, file, line,
                     "%s: \"%s\" in rootfs '%s' (%s) is %s: that user's code would run in "
                     "every login",
                     key, shell, rf->name, rf->path, w);
        /* An i386 shell under a filter without the i386 ABI is killed at
         * its first system call: every login would fail. */
        if (strcmp(rf->arch, "i386") != 0 && (elf = elf_x86_arch(root, shell)) &&
            strcmp(elf, "i386") == 0)
                note(f, false, file, line,
                     "%s: \"%s\" in rootfs '%s' (%s) is an i386 program, but the rootfs has "
                     "arch = \"%s\": the jail's filter would kill it (set arch = \"i386\" in "
                     "rootfs.%s)",
                     key, shell, rf->name, rf->path, rf->arch, rf->name);
}

static void check_sources(struct files *f, const struct jaula_policy *p,
                          const struct pol_profile *pr)
{
        for (size_t i = 0; i < pr->n_mounts; i++) {
                const struct pol_mount *m = &pr->mounts[i];
                int line = m->line ? m->line : pr->line;
                char why[1024];
                struct stat st;
                char *real;

                if (!m->source || strchr(m->source, '%'))
                        continue; /* depends on the user: checked at login */
                if (stat(m->source, &st) < 0) {
                        if (errno == ENOENT && m->optional)
                                continue;
                        note(f, false, pr->file, line,
                             "profiles.%s.mounts[%zu].source: \"%s\": %s%s", pr->name, i,
                             m->source, strerror(errno),
                             errno == ENOENT ? " (set optional = true if it may be missing)" : "");
                        continue;
                }
                /* The bind follows symlinks: judge where it really lands. */
                real = realpath(m->source, NULL);
                if (real && strcmp(real, m->source) != 0 &&
                    (m->writable ? jaula_policy_rw_source_refused(p, real, true, why, sizeof why)
                                 : ro_source_refused(p, real, why, sizeof why)))
                        note(f, false, pr->file, line,
                             "profiles.%s.mounts[%zu].source: \"%s\" resolves to \"%s\": %s",
                             pr->name, i, m->source, real, why);
                free(real);
                if (m->writable && st.st_uid != 0)
                        note(f, true, pr->file, line,
                             "profiles.%s.mounts[%zu].source: \"%s\" is writable in the jail and "
                             "owned by uid %u, who decides what every jail of this profile "
                             "finds there",
                             pr->name, i, m->source, (unsigned) st.st_uid);
        }
}

/* The host's nodes for each `devices` entry, by the code a login runs
 * (devices.c): what it would refuse is an error here, at its line. */
static void check_devices(struct files *f, const struct pol_profile *pr)
{
        _cleanup_close_ int dev = -1;

        if (!pr->n_devices)
                return;
        dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        for (size_t i = 0; i < pr->n_devices; i++) {
                int line = pr->device_lines && pr->device_lines[i] ? pr->device_lines[i] : pr->line;
                char *one[] = { (char *) pr->devices[i], NULL };
                struct jaula_device *v = NULL;
                struct jaula_err e = { 0 };
                size_t n = 0;

                if (dev < 0) {
                        note(f, false, pr->file, line, "profiles.%s.devices: cannot open /dev: %s",
                             pr->name, strerror(errno));
                        return;
                }
                if (jaula_devices_resolve(dev, one, 1, false, &v, &n, &e) < 0)
                        note(f, false, pr->file, line, "profiles.%s.devices[%zu]: %s", pr->name, i,
                             e.msg);
                else if (n == 0)
                        note(f, true, pr->file, line,
                             "profiles.%s.devices[%zu]: \"%s\" matches no device on this host",
                             pr->name, i, pr->devices[i]);
                jaula_devices_free(v, n);
        }
}

JAULA_EXPORT int jaula_policy_check_files(const struct jaula_policy *p, struct jaula_diags *diags)
{
        struct files f = { .d = diags };

        if (!p || !diags)
                return -EINVAL;
        for (size_t i = 0; i < p->rootfs.n && !f.oom; i++)
                check_rootfs(&f, POL_AT(p->rootfs, struct pol_rootfs, i));
        for (size_t i = 0; i < p->profiles.n && !f.oom; i++) {
                const struct pol_profile *pr = POL_AT(p->profiles, struct pol_profile, i);

                check_shell(&f, p, pr);
                check_sources(&f, p, pr);
                check_devices(&f, pr);
        }
        if (f.oom)
                return -ENOMEM;
        return f.error ? -EINVAL : 0;
}
