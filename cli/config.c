/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.c — `jaula check-config` and `jaula explain`: the policy as the
 * administrator sees it.  No privilege needed beyond reading the policy
 * (and NSS for explain). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "jaula/cgroot.h"
#include "jaula/confine.h"
#include "jaula/devices.h"
#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/precompile.h"
#include "jaula/spec.h"
#include "jaula/util.h"

static void policy_freep(struct jaula_policy **p)
{
        jaula_policy_free(*p);
}

static void spec_freep(struct jaula_spec **s)
{
        jaula_spec_free(*s);
}

int cli_load_policy_flags(const char *path, unsigned flags, struct jaula_policy **ret, FILE *err)
{
        struct jaula_diags d = { 0 };
        char line[2048];
        int r;

        if (!path)
                path = JAULA_DEFAULT_CONFIG;
        r = jaula_policy_load_ex(path, NULL, flags, ret, &d);
        for (size_t i = 0; i < d.n; i++) {
                jaula_diag_format(&d.v[i], line, sizeof line);
                fprintf(err, "%s\n", line);
        }
        if (r < 0 && d.n == 0)
                fprintf(err, "%s: %s\n", path, strerror(-r));
        jaula_diags_free(&d);
        return r;
}

int cli_load_policy(const char *path, struct jaula_policy **ret, FILE *err)
{
        return cli_load_policy_flags(path, 0, ret, err);
}

/* ------------------------------------------------------------ check-config */

/* What a login would otherwise build at its first run after a change: the
 * policy cache with its match table (the path's cache directory, the
 * same rule as for logins: cachedir.c) and every profile's seccomp filter
 * (where jailsh reads them).  Each is read back as a login reads it, so
 * what is reported is what the next login finds.  Returns 0, or an exit
 * status when a filter cannot be built. */
static int precompile(const char *path, bool verbose)
{
        _cleanup_(policy_freep) struct jaula_policy *w = NULL, *p = NULL;
        const char *dir = jaula_policy_cache_dir_for(path);
        struct jaula_precompiled n = { 0 };
        struct jaula_err err = { 0 };
        int r;

        if (*dir) {
                /* Parsed again, cache written (unless a file changed in
                 * the last seconds: policy_cache.c refuses racy files). */
                if (cli_load_policy_flags(path, JAULA_POLICY_NO_CACHE_READ, &w, stderr) < 0)
                        return JAULA_EXIT_CONFIG;
        }
        if (cli_load_policy_flags(path, 0, &p, stderr) < 0)
                return JAULA_EXIT_CONFIG;
        if (verbose) {
                if (!*dir)
                        printf("policy cache: none for %s (a directory above it is not root's "
                               "alone): logins parse it\n", path);
                else if (jaula_policy_from_cache(p))
                        printf("policy cache: %s, with its match table\n", dir);
                else
                        printf("policy cache: not written (a policy file changed in the last "
                               "seconds, or %s is unusable): the first login writes it\n", dir);
        }
        r = jaula_policy_precompile(p, NULL, &n, &err);
        if (r == -ENOMEM) {
                fprintf(stderr, "jaula check-config: out of memory\n");
                return JAULA_EXIT_FAILURE;
        }
        if (r < 0) {
                printf("%s: %s\n", path, err.msg);
                return JAULA_EXIT_CONFIG;
        }
        if (verbose)
                printf("seccomp filters: %zu compiled into %s, %zu there already, %zu not "
                       "cached (logins compile them), %zu profiles without a filter\n",
                       n.written, JAULA_POLICY_CACHE_DIR, n.already, n.uncached, n.empty);
        return 0;
}

/* Print every diagnostic of d on stdout, one FILE:LINE line each, and
 * empty d. */
static void print_diags(struct jaula_diags *d)
{
        char line[2048];

        for (size_t i = 0; i < d->n; i++) {
                jaula_diag_format(&d->v[i], line, sizeof line);
                printf("%s\n", line);
        }
        jaula_diags_free(d);
}

int cmd_check_config(int argc, char **argv)
{
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "no-files", no_argument, NULL, 'n' },
                { "no-precompile", no_argument, NULL, 'P' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(policy_freep) struct jaula_policy *p = NULL;
        const char *path = NULL;
        bool files = true, build = true, verbose = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:nvh", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        path = optarg;
                        break;
                case 'n':
                        files = false;
                        break;
                case 'P':
                        build = false;
                        break;
                case 'v':
                        verbose = true;
                        break;
                case 'h':
                        printf("Usage: jaula check-config [--no-files] [--no-precompile] "
                               "[--verbose]\n"
                               "                          [--config FILE | FILE]\n"
                               "Checks the policy and its drop-ins, then the rootfs, shells and\n"
                               "mount sources it names (not with --no-files, for a policy\n"
                               "written for another machine); prints every error as\n"
                               "FILE:LINE: key.path: message and every accepted risk as\n"
                               "FILE:LINE: warning: message, then OK when there was no error.\n"
                               "A good policy checked by root is then precompiled for the\n"
                               "logins (policy cache, match table, every profile's seccomp\n"
                               "filter in " JAULA_POLICY_CACHE_DIR "), unless --no-files or\n"
                               "--no-precompile; --verbose says what was precompiled.\n"
                               "Exit status 0 (warnings only) or 1.\n");
                        return JAULA_EXIT_OK;
                default:
                        return JAULA_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                if (path || optind + 1 < argc) {
                        fprintf(stderr, "jaula check-config: expected at most one FILE\n");
                        return JAULA_EXIT_USAGE;
                }
                path = argv[optind];
        }
        /* A check validates the files themselves and leaves no trace. */
        r = cli_load_policy_flags(path,
                                  JAULA_POLICY_NO_CACHE_READ | JAULA_POLICY_NO_CACHE_WRITE |
                                          JAULA_POLICY_WARNINGS,
                                  &p, stdout);
        if (r == -ENOMEM) {
                fprintf(stderr, "jaula check-config: out of memory\n");
                return JAULA_EXIT_FAILURE;
        }
        if (r < 0)
                return JAULA_EXIT_CONFIG;
        /* What needs the file system but no jail: the rootfs, the shells
         * in it, the mount sources.  Then what the host cannot grant:
         * keeping such a capability fails every login. */
        struct jaula_diags d = { 0 };
        int rc = JAULA_EXIT_OK;

        r = files ? jaula_policy_check_files(p, &d) : 0;
        print_diags(&d);
        if (r == -ENOMEM) {
                fprintf(stderr, "jaula check-config: out of memory\n");
                return JAULA_EXIT_FAILURE;
        }
        if (r < 0)
                rc = JAULA_EXIT_CONFIG;

        r = cli_check_kept_caps(p, &d);
        print_diags(&d);
        if (r == -ENOMEM)
                return JAULA_EXIT_FAILURE;
        if (r > 0)
                rc = JAULA_EXIT_CONFIG;
        if (r < 0)
                fprintf(stderr, "jaula check-config: cannot read the bounding sets to judge kept "
                                "capabilities: %s\n", strerror(-r));
        /* The cgroup settings against this host's cgroups: an explicit
         * cgroup_root that cannot work, a limit no controller here can
         * apply.  Logins refuse the same (or skip what docs/cgroups.md
         * calls a degradation, which is a warning here). */
        if (files) {
                r = jaula_policy_check_cgroups(p, &d);
                print_diags(&d);
                if (r == -ENOMEM)
                        return JAULA_EXIT_FAILURE;
                if (r > 0)
                        rc = JAULA_EXIT_CONFIG;
        }
        if (rc != JAULA_EXIT_OK)
                return rc;
        if (build && files && geteuid() == 0) {
                rc = precompile(path ? path : JAULA_DEFAULT_CONFIG, verbose);
                if (rc != JAULA_EXIT_OK)
                        return rc;
        }
        printf("OK\n");
        return JAULA_EXIT_OK;
}

/* ----------------------------------------------------------------- output */

/* explain prints either aligned text or JSON; these helpers hide which. */
struct out {
        bool json;
        bool first; /* no member written yet in the current JSON object/array */
        int depth;
};

static void json_str(const char *s)
{
        putchar('"');
        for (; s && *s; s++) {
                unsigned char ch = (unsigned char) *s;

                if (ch == '"' || ch == '\\')
                        printf("\\%c", ch);
                else if (ch == '\n')
                        fputs("\\n", stdout);
                else if (ch == '\t')
                        fputs("\\t", stdout);
                else if (ch < 0x20 || ch == 0x7f)
                        printf("\\u%04x", ch);
                else
                        putchar(ch);
        }
        putchar('"');
}

static void json_key(struct out *o, const char *key)
{
        if (!o->first)
                putchar(',');
        printf("\n%*s", 2 * o->depth, "");
        if (key) {
                json_str(key);
                fputs(": ", stdout);
        }
        o->first = false;
}

static void j_open(struct out *o, const char *key, char bracket)
{
        json_key(o, key);
        putchar(bracket);
        o->depth++;
        o->first = true;
}

static void j_close(struct out *o, char bracket)
{
        o->depth--;
        if (!o->first)
                printf("\n%*s", 2 * o->depth, "");
        putchar(bracket);
        o->first = false;
}

static void j_str(struct out *o, const char *key, const char *v)
{
        json_key(o, key);
        if (v)
                json_str(v);
        else
                fputs("null", stdout);
}

static void j_int(struct out *o, const char *key, int64_t v)
{
        json_key(o, key);
        printf("%" PRId64, v);
}

static void j_limit(struct out *o, const char *key, int64_t v)
{
        json_key(o, key);
        if (v == JAULA_LIMIT_UNSET)
                fputs("null", stdout);
        else
                printf("%" PRId64, v);
}

static void j_bool(struct out *o, const char *key, bool v)
{
        json_key(o, key);
        fputs(v ? "true" : "false", stdout);
}

static void j_strv(struct out *o, const char *key, char *const *v, size_t n)
{
        j_open(o, key, '[');
        for (size_t i = 0; v && i < n && v[i]; i++)
                j_str(o, NULL, v[i]);
        j_close(o, ']');
}

static void t_line(const char *key, const char *fmt, ...) _printf_(2, 3);
static void t_line(const char *key, const char *fmt, ...)
{
        va_list ap;

        printf("%-14s ", key);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static void format_size(int64_t v, char *buf, size_t size)
{
        static const char units[] = "KMGT";
        int u = -1;

        if (v == JAULA_LIMIT_UNSET) {
                snprintf(buf, size, "unlimited");
                return;
        }
        while (u < 3 && v >= 1024 && v % 1024 == 0) {
                v /= 1024;
                u++;
        }
        if (u < 0)
                snprintf(buf, size, "%" PRId64, v);
        else
                snprintf(buf, size, "%" PRId64 "%c", v, units[u]);
}

static void format_limits(const struct jaula_limits *l, char *buf, size_t size)
{
        char a[32], b[32];
        size_t n = 0;

#define ADD(...)                                                                                   \
        do {                                                                                       \
                if (n < size)                                                                      \
                        n += (size_t) snprintf(buf + n, size - n, __VA_ARGS__);                    \
        } while (0)
        buf[0] = '\0';
        if (l->memory_max != JAULA_LIMIT_UNSET) {
                format_size(l->memory_max, a, sizeof a);
                ADD("memory %s", a);
        }
        if (l->swap_max != JAULA_LIMIT_UNSET) {
                format_size(l->swap_max, b, sizeof b);
                ADD("%sswap %s", n ? ", " : "", b);
        }
        if (l->cpu_quota_us != JAULA_LIMIT_UNSET && l->cpu_period_us > 0)
                ADD("%scpu %" PRId64 "%% (%" PRId64 "/%" PRId64 " us)", n ? ", " : "",
                    l->cpu_quota_us * 100 / l->cpu_period_us, l->cpu_quota_us, l->cpu_period_us);
        if (l->cpu_weight != JAULA_LIMIT_UNSET)
                ADD("%scpu_weight %" PRId64, n ? ", " : "", l->cpu_weight);
        if (l->pids_max != JAULA_LIMIT_UNSET)
                ADD("%spids %" PRId64, n ? ", " : "", l->pids_max);
        if (l->io_weight != JAULA_LIMIT_UNSET)
                ADD("%sio_weight %" PRId64, n ? ", " : "", l->io_weight);
        if (!n)
                ADD("none");
#undef ADD
}

static void j_limits(struct out *o, const char *key, const struct jaula_limits *l)
{
        j_open(o, key, '{');
        j_limit(o, "memory_max", l->memory_max);
        j_limit(o, "swap_max", l->swap_max);
        j_limit(o, "cpu_quota_us", l->cpu_quota_us);
        j_limit(o, "cpu_period_us", l->cpu_period_us);
        j_limit(o, "cpu_weight", l->cpu_weight);
        j_limit(o, "pids_max", l->pids_max);
        j_limit(o, "io_weight", l->io_weight);
        j_close(o, '}');
}

static const char *scope_name(enum jaula_scope s)
{
        return s == JAULA_SCOPE_SESSION ? "session" : "user";
}

static const char *lifetime_name(enum jaula_lifetime l)
{
        return l == JAULA_LIFETIME_PROCESSES ? "processes" : "session";
}

static const char *writable_name(enum jaula_writable w)
{
        return w == JAULA_WRITABLE_PERSISTENT ? "persistent"
             : w == JAULA_WRITABLE_NONE       ? "none"
                                              : "tmpfs";
}

static const char *rootfs_type_name(enum jaula_rootfs_type t)
{
        return t == JAULA_ROOTFS_SQUASHFS ? "squashfs" : t == JAULA_ROOTFS_ISO ? "iso" : "directory";
}

static const struct {
        const char *name;
        unsigned long flag;
} ns_names[] = {
        { "mount", CLONE_NEWNS }, { "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC },
        { "pid", CLONE_NEWPID },  { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
};

static void ipv4(uint32_t a, char *buf, size_t size)
{
        struct in_addr in = { .s_addr = htonl(a) };

        if (!inet_ntop(AF_INET, &in, buf, (socklen_t) size))
                snprintf(buf, size, "?");
}

/* Capability names in the kernel's spelling ("CAP_NET_BIND_SERVICE"). */
static char **cap_names(uint64_t keep, size_t *ret_n)
{
        char **v = calloc(65, sizeof *v);
        size_t n = 0;

        if (!v)
                return NULL;
        for (int i = 0; i < 64; i++) {
                char *name;

                if (!(keep & (UINT64_C(1) << i)))
                        continue;
                name = cap_to_name((cap_value_t) i);
                if (!name)
                        continue;
                v[n] = strdup(name);
                cap_free(name);
                if (!v[n])
                        continue;
                for (char *q = v[n]; *q; q++)
                        *q = (char) toupper((unsigned char) *q);
                n++;
        }
        *ret_n = n;
        return v;
}

/* Each `devices` entry and what it gives on this host now (a login
 * resolves it again, and refuses what is shown refused here). */
static void explain_devices(const struct jaula_spec *s)
{
        _cleanup_close_ int dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (!s->n_devices) {
                t_line("devices", "jaula's own nodes only (no device cgroup policy)");
                return;
        }
        for (size_t i = 0; i < s->n_devices; i++) {
                char *one[] = { s->devices[i], NULL };
                struct jaula_device *v = NULL;
                struct jaula_err e = { 0 };
                char now[512] = "";
                size_t n = 0, len = 0;

                if (dev < 0 || jaula_devices_resolve(dev, one, 1, false, &v, &n, &e) < 0) {
                        t_line(i ? "" : "devices", "%s: refused here: %s", s->devices[i],
                               dev < 0 ? "cannot open /dev" : e.msg);
                        continue;
                }
                for (size_t k = 0; k < n && len < sizeof now - 64; k++)
                        len += (size_t) snprintf(now + len, sizeof now - len, "%s/dev/%s (c %u:%u)",
                                                 k ? ", " : "", v[k].rel, major(v[k].rdev),
                                                 minor(v[k].rdev));
                t_line(i ? "" : "devices", "%s -> %s", s->devices[i], n ? now : "nothing here now");
                jaula_devices_free(v, n);
        }
        t_line("", "device cgroup: only these, jaula's own nodes and the terminals open");
}

static void explain_text(const struct jaula_spec *s, const char *file, int line,
                         const char *const *denied)
{
        const struct jaula_user *u = &s->user;
        char buf[1024], a[32], b[32];
        size_t n = 0;

        t_line("user", "%s (uid %u, gid %u)", u->name, (unsigned) u->uid, (unsigned) u->gid);
        buf[0] = '\0';
        for (size_t i = 0; i < u->n_gids && n < sizeof buf; i++)
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s(%u)", i ? " " : "",
                                       u->gid_names ? u->gid_names[i] : "?", (unsigned) u->gids[i]);
        t_line("groups", "%s", n ? buf : "-");
        t_line("jailed", "yes");
        t_line("rule", "%s (%s:%d)", s->rule_name, file ? file : "?", line);
        t_line("profile", "%s", s->profile_name);
        t_line("group", "%s", s->group_name);
        t_line("rootfs", "%s: %s (%s, %s)", s->rootfs_name, s->rootfs_path,
               rootfs_type_name(s->rootfs_type), s->rootfs_arch);
        t_line("scope", "%s", scope_name(s->scope));
        if (s->lifetime == JAULA_LIFETIME_SESSION && s->linger_sec)
                t_line("lifetime", "session, lingering %u s", s->linger_sec);
        else
                t_line("lifetime", "%s", lifetime_name(s->lifetime));
        t_line("hostname", "%s", s->hostname ? s->hostname : "the host's (no uts namespace)");
        n = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(ns_names); i++)
                if (s->ns_flags & ns_names[i].flag)
                        n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", n ? " " : "",
                                               ns_names[i].name);
        t_line("namespaces", "%s", buf);
        if (s->writable == JAULA_WRITABLE_PERSISTENT)
                t_line("writable", "persistent: %s", s->persistent_upper);
        else
                t_line("writable", "%s", writable_name(s->writable));
        t_line("home", "%s", s->home);
        /* (uint64_t) -1 is "max": format_size shows it as unlimited. */
        format_size((int64_t) s->tmp_size, a, sizeof a);
        t_line("tmp", "%s", a);
        format_size((int64_t) s->shm_size, a, sizeof a);
        t_line("shm", "%s", a);
        if (s->writable == JAULA_WRITABLE_PERSISTENT && !s->persistent_size)
                t_line("writable_size", "unbounded (a directory; see persistent_size)");
        else {
                format_size((int64_t) (s->writable == JAULA_WRITABLE_PERSISTENT ? s->persistent_size
                                                                                : s->writable_size),
                            a, sizeof a);
                t_line("writable_size", "%s%s", a,
                       s->writable == JAULA_WRITABLE_PERSISTENT ? " (an ext4 image)" : "");
        }
        if (s->max_jails_per_user)
                t_line("max_jails", "%u per user", s->max_jails_per_user);
        if (s->max_sessions_per_user)
                t_line("max_sessions", "%u per user", s->max_sessions_per_user);
        if (s->pty_max)
                t_line("ptys", "%u of its own devpts, besides the login's terminal", s->pty_max);
        else
                t_line("ptys", "none besides the login's terminal (no /dev/ptmx)");
        t_line("dev_log", "%s", s->dev_log ? "yes" : "no");
        if (!s->n_mounts)
                t_line("mounts", "-");
        for (size_t i = 0; i < s->n_mounts; i++)
                t_line(i ? "" : "mounts", "%s -> %s (%s%s)", s->mounts[i].source,
                       s->mounts[i].target, s->mounts[i].writable ? "rw" : "ro",
                       s->mounts[i].optional ? ", optional" : "");
        explain_devices(s);
        if (!s->net) {
                t_line("network", "none (loopback only)");
        } else {
                const struct jaula_net_spec *nt = s->net;

                ipv4(nt->subnet, a, sizeof a);
                ipv4(nt->gateway, b, sizeof b);
                t_line("network", "%s: subnet %s/%u, gateway %s, addresses %s", nt->name, a,
                       nt->prefix, b, nt->mode == JAULA_ADDR_DYNAMIC ? "dynamic" : "stable");
                n = 0;
                buf[0] = '\0';
                for (size_t i = 0; i < nt->n_bridges; i++)
                        n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "",
                                               nt->bridges[i]);
                if (nt->mtu)
                        snprintf(a, sizeof a, "%u", nt->mtu);
                t_line("", "bridges %s; isolate %s; nat %s; uplink %s; mtu %s", buf,
                       nt->isolate ? "yes" : "no", nt->nat ? "yes" : "no",
                       nt->uplink ? nt->uplink : "-", nt->mtu ? a : "the bridge's");
                n = 0;
                buf[0] = '\0';
                for (size_t i = 0; i < nt->n_dns; i++)
                        n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "",
                                               nt->dns[i]);
                t_line("", "dns %s", n ? buf : "-");
                n = 0;
                buf[0] = '\0';
                for (size_t i = 0; nt->search && nt->search[i]; i++)
                        n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "",
                                               nt->search[i]);
                t_line("", "search %s", n ? buf : "-");
                if (nt->pool_first || nt->pool_last) {
                        ipv4(nt->pool_first, a, sizeof a);
                        ipv4(nt->pool_last, b, sizeof b);
                        t_line("", "pool %s-%s (this host's slice)", a, b);
                }
                if (nt->vxlan_vni) {
                        n = 0;
                        buf[0] = '\0';
                        for (size_t i = 0; i < nt->n_vxlan_peers; i++)
                                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s",
                                                       i ? " " : "", nt->vxlan_peers[i]);
                        if (nt->vxlan_group)
                                ipv4(nt->vxlan_group, buf, sizeof buf);
                        ipv4(nt->vxlan_local, a, sizeof a);
                        t_line("", "vxlan vni %u, port %u, %s %s, dev %s, local %s",
                               nt->vxlan_vni, nt->vxlan_port,
                               nt->vxlan_group ? "group" : "peers", buf,
                               nt->vxlan_dev ? nt->vxlan_dev : "-",
                               nt->vxlan_local ? a : "-");
                }
        }
        format_limits(&s->limits, buf, sizeof buf);
        t_line("limits", "%s", buf);
        format_limits(&s->group_limits, buf, sizeof buf);
        t_line("group limits", "%s", buf);
        t_line("seccomp", "profile %s%s", s->seccomp.profile,
               s->seccomp.allow_x86 ? " (+ i386 ABI)" : "");
        n = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < s->seccomp.n_allow; i++)
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "",
                                       s->seccomp.allow[i]);
        t_line("", "allow %s", n ? buf : "-");
        n = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < s->seccomp.n_deny; i++)
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "",
                                       s->seccomp.deny[i]);
        t_line("", "deny %s", n ? buf : "-");
        if (denied) {
                size_t col = 0;

                printf("%-14s ", "denied calls");
                for (size_t i = 0; denied[i]; i++) {
                        size_t len = strlen(denied[i]);

                        if (col && col + len + 1 > 62) {
                                printf("\n%-14s ", "");
                                col = 0;
                        }
                        printf("%s%s", col ? " " : "", denied[i]);
                        col += len + (col ? 1 : 0);
                }
                putchar('\n');
        }
        size_t nc = 0;
        char **caps = cap_names(s->caps_keep, &nc);
        n = 0;
        buf[0] = '\0';
        for (size_t i = 0; caps && i < nc; i++)
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "", caps[i]);
        strv_free(caps);
        t_line("capabilities", "%s", n ? buf : "none");
        if (!s->n_env)
                t_line("environment", "-");
        for (size_t i = 0; i < s->n_env; i++)
                t_line(i ? "" : "environment", "%s=%s", s->env[i].name, s->env[i].value);
        t_line("shell", "%s", s->shell);
}

static void explain_json(const struct jaula_spec *s, const char *file, int line,
                         const char *const *denied)
{
        struct out o = { .json = true, .first = true };
        const struct jaula_user *u = &s->user;
        char a[INET_ADDRSTRLEN];

        j_open(&o, NULL, '{');
        j_str(&o, "user", u->name);
        j_int(&o, "uid", u->uid);
        j_int(&o, "gid", u->gid);
        j_strv(&o, "groups", u->gid_names, u->n_gids);
        j_bool(&o, "jailed", true);
        j_open(&o, "rule", '{');
        j_str(&o, "name", s->rule_name);
        j_int(&o, "index", s->rule_index);
        j_str(&o, "file", file);
        j_int(&o, "line", line);
        j_close(&o, '}');
        j_str(&o, "profile", s->profile_name);
        j_str(&o, "group", s->group_name);
        j_open(&o, "rootfs", '{');
        j_str(&o, "name", s->rootfs_name);
        j_str(&o, "path", s->rootfs_path);
        j_str(&o, "type", rootfs_type_name(s->rootfs_type));
        j_str(&o, "arch", s->rootfs_arch);
        j_close(&o, '}');
        j_str(&o, "scope", scope_name(s->scope));
        j_str(&o, "lifetime", lifetime_name(s->lifetime));
        j_int(&o, "linger", s->linger_sec);
        j_str(&o, "hostname", s->hostname);
        j_open(&o, "namespaces", '[');
        for (size_t i = 0; i < ELEMENTSOF(ns_names); i++)
                if (s->ns_flags & ns_names[i].flag)
                        j_str(&o, NULL, ns_names[i].name);
        j_close(&o, ']');
        j_str(&o, "writable", writable_name(s->writable));
        j_str(&o, "persistent_upper", s->persistent_upper);
        j_str(&o, "home", s->home);
        j_int(&o, "tmp_size", (int64_t) s->tmp_size);
        j_int(&o, "shm_size", (int64_t) s->shm_size);
        j_int(&o, "writable_size", (int64_t) s->writable_size);
        j_int(&o, "persistent_size", (int64_t) s->persistent_size);
        j_int(&o, "max_jails_per_user", s->max_jails_per_user);
        j_int(&o, "max_sessions_per_user", s->max_sessions_per_user);
        j_int(&o, "pty_max", (int64_t) s->pty_max);
        j_bool(&o, "dev_log", s->dev_log);
        j_open(&o, "mounts", '[');
        for (size_t i = 0; i < s->n_mounts; i++) {
                j_open(&o, NULL, '{');
                j_str(&o, "source", s->mounts[i].source);
                j_str(&o, "target", s->mounts[i].target);
                j_str(&o, "mode", s->mounts[i].writable ? "rw" : "ro");
                j_bool(&o, "optional", s->mounts[i].optional);
                j_close(&o, '}');
        }
        j_close(&o, ']');
        j_strv(&o, "devices", s->devices, s->n_devices);
        if (!s->net) {
                json_key(&o, "network");
                fputs("null", stdout);
        } else {
                j_open(&o, "network", '{');
                j_str(&o, "name", s->net->name);
                j_strv(&o, "bridges", s->net->bridges, s->net->n_bridges);
                ipv4(s->net->subnet, a, sizeof a);
                j_str(&o, "subnet", a);
                j_int(&o, "prefix", s->net->prefix);
                ipv4(s->net->gateway, a, sizeof a);
                j_str(&o, "gateway", a);
                j_strv(&o, "dns", s->net->dns, s->net->n_dns);
                j_strv(&o, "search", s->net->search, SIZE_MAX);
                j_str(&o, "addresses", s->net->mode == JAULA_ADDR_DYNAMIC ? "dynamic" : "stable");
                j_bool(&o, "isolate", s->net->isolate);
                j_bool(&o, "nat", s->net->nat);
                j_str(&o, "uplink", s->net->uplink);
                j_int(&o, "mtu", s->net->mtu);
                if (s->net->pool_first || s->net->pool_last) {
                        ipv4(s->net->pool_first, a, sizeof a);
                        j_str(&o, "pool_first", a);
                        ipv4(s->net->pool_last, a, sizeof a);
                        j_str(&o, "pool_last", a);
                }
                if (s->net->vxlan_vni) {
                        j_open(&o, "vxlan", '{');
                        j_int(&o, "vni", s->net->vxlan_vni);
                        j_int(&o, "port", s->net->vxlan_port);
                        j_strv(&o, "peers", s->net->vxlan_peers, s->net->n_vxlan_peers);
                        if (s->net->vxlan_group) {
                                ipv4(s->net->vxlan_group, a, sizeof a);
                                j_str(&o, "group", a);
                        }
                        if (s->net->vxlan_local) {
                                ipv4(s->net->vxlan_local, a, sizeof a);
                                j_str(&o, "local", a);
                        }
                        j_str(&o, "dev", s->net->vxlan_dev);
                        j_close(&o, '}');
                }
                j_close(&o, '}');
        }
        j_limits(&o, "limits", &s->limits);
        j_limits(&o, "group_limits", &s->group_limits);
        j_open(&o, "seccomp", '{');
        j_str(&o, "profile", s->seccomp.profile);
        j_strv(&o, "allow", s->seccomp.allow, s->seccomp.n_allow);
        j_strv(&o, "deny", s->seccomp.deny, s->seccomp.n_deny);
        j_bool(&o, "allow_x86", s->seccomp.allow_x86);
        if (denied)
                j_strv(&o, "denied", (char *const *) denied, SIZE_MAX);
        j_close(&o, '}');
        size_t nc = 0;
        char **caps = cap_names(s->caps_keep, &nc);
        j_strv(&o, "capabilities", caps, nc);
        strv_free(caps);
        j_open(&o, "environment", '{');
        for (size_t i = 0; i < s->n_env; i++)
                j_str(&o, s->env[i].name, s->env[i].value);
        j_close(&o, '}');
        j_str(&o, "shell", s->shell);
        j_close(&o, '}');
        putchar('\n');
}

static void explain_not_jailed(const char *user, const char *rule, const char *file, int line,
                               bool json)
{
        if (json) {
                struct out o = { .json = true, .first = true };

                j_open(&o, NULL, '{');
                j_str(&o, "user", user);
                j_bool(&o, "jailed", false);
                j_str(&o, "reason", rule ? "exempt" : "no rule");
                if (rule) {
                        j_open(&o, "rule", '{');
                        j_str(&o, "name", rule);
                        j_str(&o, "file", file);
                        j_int(&o, "line", line);
                        j_close(&o, '}');
                }
                j_close(&o, '}');
                putchar('\n');
        } else if (rule) {
                printf("%s is not jailed: exempt by rule '%s' (%s:%d)\n", user, rule,
                       file ? file : "?", line);
        } else {
                printf("%s is not jailed: no match rule matches\n", user);
        }
}

/* A user name, or a uid in digits when no user has that name. */
static int lookup_user(const char *arg, struct jaula_user *u)
{
        int r = jaula_user_lookup_name(arg, u);

        if (r == -ENOENT && *arg && strspn(arg, "0123456789") == strlen(arg)) {
                char *end;
                unsigned long v;

                errno = 0;
                v = strtoul(arg, &end, 10);
                if (!errno && !*end && v < UINT32_MAX)
                        r = jaula_user_lookup_uid((uid_t) v, u);
        }
        return r;
}

int cmd_explain(int argc, char **argv)
{
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "json", no_argument, NULL, 'j' },
                { "no-cache", no_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(policy_freep) struct jaula_policy *p = NULL;
        _cleanup_(spec_freep) struct jaula_spec *s = NULL;
        struct jaula_user u = { 0 };
        struct jaula_err err = { 0 };
        const char *path = NULL, *rule = NULL, *file = NULL;
        /* By default explain reads the policy the way a login does (from the
         * validated cache when it is current) but never writes the cache. */
        unsigned flags = JAULA_POLICY_NO_CACHE_WRITE;
        bool json = false;
        int c, r, line = 0;

        while ((c = getopt_long(argc, argv, "c:jnh", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        path = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'n':
                        flags |= JAULA_POLICY_NO_CACHE_READ;
                        break;
                case 'h':
                        printf("Usage: jaula explain [--config FILE] [--json] [--no-cache] USER\n"
                               "Shows the jail USER (a name or a uid) would get at login, or why\n"
                               "they are not jailed.  --no-cache parses the policy files even\n"
                               "when the validated cache a login would use is current.\n");
                        return JAULA_EXIT_OK;
                default:
                        return JAULA_EXIT_USAGE;
                }
        }
        if (optind + 1 != argc) {
                fprintf(stderr, "Usage: jaula explain [--config FILE] [--json] [--no-cache] USER\n");
                return JAULA_EXIT_USAGE;
        }
        r = cli_load_policy_flags(path, flags, &p, stderr);
        if (r == -ENOMEM)
                return JAULA_EXIT_FAILURE;
        if (r < 0)
                return JAULA_EXIT_CONFIG;

        r = lookup_user(argv[optind], &u);
        if (r == -ENOENT) {
                fprintf(stderr, "jaula explain: no user '%s'\n", argv[optind]);
                return JAULA_EXIT_NOUSER;
        }
        if (r < 0) {
                fprintf(stderr, "jaula explain: looking up '%s': %s\n", argv[optind],
                        strerror(-r));
                return JAULA_EXIT_FAILURE;
        }

        r = jaula_policy_resolve(p, &u, &s, &rule, &err);
        if (r < 0) {
                fprintf(stderr, "jaula explain: %s cannot be jailed, so their login would be "
                                "refused: %s\n",
                        u.name, err.msg);
                jaula_user_clear(&u);
                return r == -ENOMEM ? JAULA_EXIT_FAILURE : JAULA_EXIT_REFUSED;
        }
        if (r == 0) {
                if (rule)
                        jaula_policy_rule_source(p, jaula_policy_rule_index(p, rule), &file,
                                                 &line);
                explain_not_jailed(u.name, rule, file, line, json);
                jaula_user_clear(&u);
                return JAULA_EXIT_OK;
        }
        jaula_user_clear(&u);
        jaula_policy_rule_source(p, s->rule_index, &file, &line);

        _cleanup_free_ const char **denied = NULL;
        if (jaula_seccomp_denied(&s->seccomp, &denied) < 0)
                denied = NULL;
        if (json)
                explain_json(s, file, line, denied);
        else
                explain_text(s, file, line, denied);
        return JAULA_EXIT_OK;
}

/* ------------------------------------------------------------ user-manager */

/* The ExecCondition= of user@.service (systemd/user@.service.d/jaula.conf):
 * may systemd start a per-user service manager for UID?  It would run the
 * user's own ~/.config/systemd/user units on the host, outside any jail, so
 * a jailed user gets none.  Exit 0: yes (not jailed, or exempt).  Exit 1:
 * no — jailed, or the question cannot be answered (unknown uid, a policy
 * that does not load): systemd then skips the unit without marking it
 * failed (an exit of 1..254 from ExecCondition), where a refusal by
 * pam_jaula in the systemd-user stack, which stays as the second line,
 * would leave user@UID.service failed after every jailed login.  The
 * reason goes to stderr, i.e. the unit's journal. */
int cmd_user_manager(int argc, char **argv)
{
        _cleanup_(policy_freep) struct jaula_policy *p = NULL;
        _cleanup_(spec_freep) struct jaula_spec *s = NULL;
        struct jaula_user u = { 0 };
        struct jaula_err err = { 0 };
        const char *rule = NULL, *path = NULL;
        int r;

        if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                printf("Usage: jaula user-manager [--config FILE] UID\n"
                       "Exit 0 when systemd may start a service manager (user@UID.service)\n"
                       "for UID, 1 when the policy jails that user or cannot say.\n");
                return JAULA_EXIT_OK;
        }
        if (argc == 4 && !strcmp(argv[1], "--config")) {
                path = argv[2];
                argv += 2;
                argc -= 2;
        }
        if (argc != 2) {
                fprintf(stderr, "Usage: jaula user-manager [--config FILE] UID\n");
                return JAULA_EXIT_USAGE;
        }
        r = lookup_user(argv[1], &u);
        if (r < 0) {
                fprintf(stderr, "jaula: no service manager for '%s': cannot look the user up: %s\n",
                        argv[1], strerror(-r));
                return 1;
        }
        r = cli_load_policy_flags(path, JAULA_POLICY_NO_CACHE_WRITE, &p, stderr);
        if (r >= 0)
                r = jaula_policy_resolve(p, &u, &s, &rule, &err);
        if (r != 0)
                fprintf(stderr, "jaula: no service manager for %s (uid %u): %s\n", u.name,
                        (unsigned) u.uid,
                        r > 0 ? "the policy jails this user" : "the policy cannot be applied");
        jaula_user_clear(&u);
        return r == 0 ? JAULA_EXIT_OK : 1;
}
