/* policy.c — loading and validating the libconfig policy.  Loading reads
 * root-owned files (no privilege beyond read access); parsing and
 * validation work from memory and need nothing, so they can be unit-tested
 * and fuzzed.
 *
 * The policy is read in two passes.  The first walks each file's libconfig
 * tree against the schema below and copies what it finds into plain structs
 * (policy-internal.h), reporting every problem with its file and line; the
 * second, once the main file and every drop-in are in, checks what only the
 * whole policy can tell: duplicate names across files, references between
 * sections, overlapping subnets.  After that the libconfig trees are gone
 * and resolving a login touches only the structs. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "jaula/confine.h"
#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/util.h"
#include "policy-internal.h"

#define POLICY_FILE_MAX (16 * 1024 * 1024)
#define NAME_MAX_LEN 64
#define IFNAME_MAX_LEN 15
#define PATH_BUF 512

/* ---------------------------------------------------------------- arena */

struct jaula_arena_chunk {
        struct jaula_arena_chunk *next;
        size_t used, size;
        max_align_t data[];
};

#define ARENA_CHUNK (16 * 1024)

void *jaula_arena_alloc(struct jaula_policy *p, size_t size)
{
        void *ret = jaula_arena_alloc_raw(p, size);

        if (ret)
                memset(ret, 0, size);
        return ret;
}

void *jaula_arena_alloc_raw(struct jaula_policy *p, size_t size)
{
        struct jaula_arena_chunk *c = p->arena;
        size_t align = sizeof(max_align_t);

        size = (size + align - 1) & ~(align - 1);
        if (size == 0)
                size = align;
        if (!c || c->size - c->used < size) {
                size_t csize = size > ARENA_CHUNK ? size : ARENA_CHUNK;

                c = malloc(sizeof *c + csize);
                if (!c)
                        return NULL;
                c->used = 0;
                c->size = csize;
                /* A big one-off allocation goes behind the current chunk so
                 * the current chunk keeps serving small ones. */
                if (p->arena && csize == size) {
                        c->next = p->arena->next;
                        p->arena->next = c;
                } else {
                        c->next = p->arena;
                        p->arena = c;
                }
        }
        void *ret = (char *) c->data + c->used;
        c->used += size;
        return ret;
}

char *jaula_arena_strdup(struct jaula_policy *p, const char *s)
{
        size_t n = strlen(s) + 1;
        char *d = jaula_arena_alloc(p, n);

        if (d)
                memcpy(d, s, n);
        return d;
}

static void arena_free(struct jaula_arena_chunk *c)
{
        while (c) {
                struct jaula_arena_chunk *n = c->next;

                free(c);
                c = n;
        }
}

/* ---------------------------------------------------------- diagnostics */

JAULA_EXPORT void jaula_diags_free(struct jaula_diags *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                free(d->v[i].file);
                free(d->v[i].msg);
        }
        free(d->v);
        d->v = NULL;
        d->n = 0;
}

JAULA_EXPORT void jaula_diag_format(const struct jaula_diag *d, char *buf, size_t size)
{
        const char *kind = d->warning ? "warning: " : "";

        if (d->line > 0)
                snprintf(buf, size, "%s:%d: %s%s", d->file ? d->file : "?", d->line, kind,
                         d->msg ? d->msg : "");
        else
                snprintf(buf, size, "%s: %s%s", d->file ? d->file : "?", kind,
                         d->msg ? d->msg : "");
}

int jaula_diags_push(struct jaula_diags *d, bool warning, const char *file, int line,
                     const char *msg)
{
        struct jaula_diag *nv = realloc(d->v, sizeof *nv * (d->n + 1));

        if (!nv)
                return -ENOMEM;
        d->v = nv;
        nv[d->n] = (struct jaula_diag){
                .file = strdup(file ? file : "?"),
                .msg = strdup(msg),
                .line = line,
                .warning = warning,
        };
        if (!nv[d->n].file || !nv[d->n].msg) {
                free(nv[d->n].file);
                free(nv[d->n].msg);
                return -ENOMEM;
        }
        d->n++;
        return 0;
}

struct ctx {
        struct jaula_policy *p;
        struct jaula_diags *d;
        const char *file; /* arena copy of the current file's name */
        bool main;        /* the main file: the only one allowed `global` */
        int seq;          /* order of definition, for duplicate reports */
        bool oom;
        bool warnings; /* JAULA_POLICY_WARNINGS: keep the safety pass's warnings */
        uint64_t caps_checked; /* capabilities already judged by caps.c */
        int caps_verdict[64];
};

static void diag_add(struct ctx *c, const char *file, int line, const char *fmt, ...)
        _printf_(4, 5);

static void diag_add(struct ctx *c, const char *file, int line, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (jaula_diags_push(c->d, false, file, line, buf) < 0)
                c->oom = true;
}

/* The safety pass's findings: errors always, warnings when asked for. */
static void safety_report(void *ctx, bool warning, const char *file, int line, const char *msg)
{
        struct ctx *c = ctx;

        if (warning && !c->warnings)
                return;
        if (jaula_diags_push(c->d, warning, file, line, msg) < 0)
                c->oom = true;
}

#define DIAG(c, s, ...) diag_add((c), (c)->file, line_of(s), __VA_ARGS__)

/* parent + "." + the formatted suffix; key paths are for messages, so a
 * path too long for the buffer is cut, never overflowed. */
static void subpath(char *buf, size_t size, const char *parent, const char *fmt, ...)
        _printf_(4, 5);

static void subpath(char *buf, size_t size, const char *parent, const char *fmt, ...)
{
        char suffix[128];
        size_t n;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(suffix, sizeof suffix, fmt, ap);
        va_end(ap);
        n = strnlen(parent, size - 1);
        memcpy(buf, parent, n);
        if (n + 1 < size)
                buf[n++] = '.';
        buf[n] = '\0';
        strncat(buf, suffix, size - n - 1);
}

static int line_of(const config_setting_t *s)
{
        return s ? (int) config_setting_source_line(s) : 0;
}

static void *ctx_alloc(struct ctx *c, size_t size)
{
        void *r = jaula_arena_alloc(c->p, size);

        if (!r)
                c->oom = true;
        return r;
}

static const char *ctx_strdup(struct ctx *c, const char *s)
{
        char *r = jaula_arena_strdup(c->p, s);

        if (!r)
                c->oom = true;
        return r;
}

static void *vec_push(struct ctx *c, struct pol_vec *v, size_t item)
{
        if (v->n == v->cap) {
                size_t cap = v->cap ? v->cap * 2 : 8;
                void *nv = realloc(v->v, cap * item);

                if (!nv) {
                        c->oom = true;
                        return NULL;
                }
                v->v = nv;
                v->cap = cap;
        }
        void *r = (char *) v->v + v->n * item;
        memset(r, 0, item);
        v->n++;
        return r;
}

/* ------------------------------------------------------------ the schema */

static const char *const top_keys[] = { "global", "rootfs", "networks", "profiles",
                                        "groups", "match",  NULL };
static const char *const global_keys[] = { "state_dir",      "cgroup_root",   "cgroup_path",
                                           "persistent_dir", "default_shell", "include_dir",
                                           NULL };
static const char *const rootfs_keys[] = { "path", "type", "arch", NULL };
static const char *const net_keys[] = { "bridges", "bridge", "subnet",    "gateway",
                                        "dns",     "search", "addresses", "isolate",
                                        "nat",     "uplink", "mtu",       NULL };
static const char *const profile_keys[] = {
        "rootfs",      "scope",       "lifetime",        "linger",  "hostname",
        "namespaces",  "writable",    "persistent_path", "home",    "tmp_size",
        "shm_size",    "writable_size", "persistent_size", "max_jails_per_user",
        "max_sessions_per_user", "pty_max",
        "mounts",      "network",     "limits",          "seccomp", "capabilities",
        "environment", "shell",       "dev_log",         "unsafe",  NULL,
};
static const char *const limit_keys[] = { "memory", "swap",      "cpu", "cpu_weight",
                                          "pids",   "io_weight", NULL };
static const char *const mount_keys[] = { "source", "target", "mode", "optional", NULL };
static const char *const seccomp_keys[] = { "profile", "allow", "deny", NULL };
static const char *const group_keys[] = { "limits", NULL };
static const char *const rule_keys[] = { "name",   "users",   "groups", "uids",
                                         "exempt", "profile", "group",  NULL };

static const struct {
        const char *name;
        unsigned long flag;
} namespace_names[] = {
        { "mount", CLONE_NEWNS }, { "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC },
        { "pid", CLONE_NEWPID },  { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
};

#define NS_ALL                                                                                     \
        (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* Debian architecture names a debootstrapped rootfs can have. */
static const char *const arch_names[] = { "amd64",   "i386",    "arm64", "armhf",
                                          "armel",   "ppc64el", "s390x", "riscv64",
                                          "mips64el", NULL };

/* Edit distance, for "did you mean" hints. */
static size_t edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b), prev[NAME_MAX_LEN + 1], cur[NAME_MAX_LEN + 1];

        if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t sub = prev[j - 1] + (tolower((unsigned char) a[i - 1]) !=
                                                    tolower((unsigned char) b[j - 1]));
                        size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

                        cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
                }
                memcpy(prev, cur, sizeof(size_t) * (lb + 1));
        }
        return prev[lb];
}

static const char *closest(const char *word, const char *const *choices)
{
        const char *best = NULL;
        size_t best_d = SIZE_MAX, limit = strlen(word) <= 4 ? 1 : strlen(word) <= 8 ? 2 : 3;

        for (size_t i = 0; choices[i]; i++) {
                size_t d = edit_distance(word, choices[i]);

                if (d < best_d) {
                        best_d = d;
                        best = choices[i];
                }
        }
        return best_d <= limit ? best : NULL;
}

static void list_choices(const char *const *choices, char *buf, size_t size)
{
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; choices[i] && n < size; i++)
                n += (size_t) snprintf(buf + n, size - n, "%s%s", i ? ", " : "", choices[i]);
}

static bool is_known(const char *word, const char *const *choices)
{
        for (size_t i = 0; choices[i]; i++)
                if (strcmp(word, choices[i]) == 0)
                        return true;
        return false;
}

static void check_keys(struct ctx *c, const config_setting_t *grp, const char *path,
                       const char *const *keys)
{
        int n = config_setting_length(grp);

        for (int i = 0; i < n; i++) {
                const config_setting_t *s = config_setting_get_elem(grp, (unsigned) i);
                const char *name = config_setting_name(s), *hint;
                char all[512];

                if (!name || is_known(name, keys))
                        continue;
                hint = closest(name, keys);
                if (hint) {
                        DIAG(c, s, "%s%s%s: unknown key; did you mean '%s'?", path, *path ? "." : "",
                             name, hint);
                } else {
                        list_choices(keys, all, sizeof all);
                        DIAG(c, s, "%s%s%s: unknown key; expected one of: %s", path,
                             *path ? "." : "", name, all);
                }
        }
}

static const char *type_name(const config_setting_t *s)
{
        switch (config_setting_type(s)) {
        case CONFIG_TYPE_GROUP:
                return "a group { … }";
        case CONFIG_TYPE_INT:
        case CONFIG_TYPE_INT64:
                return "an integer";
        case CONFIG_TYPE_FLOAT:
                return "a floating point number";
        case CONFIG_TYPE_STRING:
                return "a string";
        case CONFIG_TYPE_BOOL:
                return "a boolean";
        case CONFIG_TYPE_ARRAY:
                return "an array [ … ]";
        case CONFIG_TYPE_LIST:
                return "a list ( … )";
        default:
                return "something else";
        }
}

static bool has_control(const char *s)
{
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

/* Names of rootfs, networks, profiles, groups: they become directory names
 * (cgroup nodes, persistent uppers, state), so only a safe alphabet. */
static bool check_item_name(struct ctx *c, const config_setting_t *s, const char *section,
                            const char *name)
{
        size_t len = strlen(name);

        if (len == 0 || len > NAME_MAX_LEN) {
                DIAG(c, s, "%s.%s: names have 1 to %d characters", section, name, NAME_MAX_LEN);
                return false;
        }
        for (const char *q = name; *q; q++)
                if (!isalnum((unsigned char) *q) && *q != '-' && *q != '_') {
                        DIAG(c, s, "%s.%s: '%c' is not allowed in a name (only A-Z, a-z, 0-9, "
                                   "'-' and '_')",
                             section, name, *q);
                        return false;
                }
        return true;
}

/* Returns the member, or NULL when absent.  A plain scan: libconfig's own
 * lookup parses KEY as a path first, which showed in profiles. */
static const config_setting_t *member(const config_setting_t *grp, const char *key)
{
        int n = config_setting_length(grp);

        for (int i = 0; i < n; i++) {
                const config_setting_t *s = config_setting_get_elem(grp, (unsigned) i);
                const char *name = config_setting_name(s);

                if (name && strcmp(name, key) == 0)
                        return s;
        }
        return NULL;
}

static bool want_group(struct ctx *c, const config_setting_t *s, const char *path)
{
        if (config_setting_is_group(s))
                return true;
        DIAG(c, s, "%s: expected a group { … }, got %s", path, type_name(s));
        return false;
}

/* 1: set, 0: absent, -1: wrong (reported). */
static int get_string(struct ctx *c, const config_setting_t *grp, const char *path,
                      const char *key, const char **ret)
{
        const config_setting_t *s = member(grp, key);
        const char *v;

        if (!s)
                return 0;
        if (config_setting_type(s) != CONFIG_TYPE_STRING) {
                DIAG(c, s, "%s.%s: expected a string, got %s", path, key, type_name(s));
                return -1;
        }
        v = config_setting_get_string(s);
        if (has_control(v)) {
                DIAG(c, s, "%s.%s: control characters are not allowed", path, key);
                return -1;
        }
        *ret = ctx_strdup(c, v);
        return *ret ? 1 : -1;
}

static int get_bool(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                    bool *ret)
{
        const config_setting_t *s = member(grp, key);

        if (!s)
                return 0;
        if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
                DIAG(c, s, "%s.%s: expected true or false, got %s", path, key, type_name(s));
                return -1;
        }
        *ret = config_setting_get_bool(s);
        return 1;
}

static int get_int(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                   long long lo, long long hi, long long *ret)
{
        const config_setting_t *s = member(grp, key);
        long long v;

        if (!s)
                return 0;
        if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
                DIAG(c, s, "%s.%s: expected an integer, got %s", path, key, type_name(s));
                return -1;
        }
        v = config_setting_get_int64(s);
        if (v < lo || v > hi) {
                DIAG(c, s, "%s.%s: expected an integer from %lld to %lld, got %lld", path, key, lo,
                     hi, v);
                return -1;
        }
        *ret = v;
        return 1;
}

/* An array or list of strings into a NULL-terminated arena vector. */
static int get_strv(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                    const char ***ret, size_t *ret_n, const config_setting_t **ret_s)
{
        const config_setting_t *s = member(grp, key);
        const char **v;
        int n;

        if (!s)
                return 0;
        if (ret_s)
                *ret_s = s;
        if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
                DIAG(c, s, "%s.%s: expected a list of strings like [\"a\", \"b\"], got %s", path,
                     key, type_name(s));
                return -1;
        }
        n = config_setting_length(s);
        v = ctx_alloc(c, sizeof(char *) * ((size_t) n + 1));
        if (!v)
                return -1;
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned) i);

                if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                        DIAG(c, e, "%s.%s[%d]: expected a string, got %s", path, key, i,
                             type_name(e));
                        return -1;
                }
                if (has_control(config_setting_get_string(e))) {
                        DIAG(c, e, "%s.%s[%d]: control characters are not allowed", path, key, i);
                        return -1;
                }
                v[i] = ctx_strdup(c, config_setting_get_string(e));
                if (!v[i])
                        return -1;
        }
        *ret = v;
        *ret_n = (size_t) n;
        return 1;
}

/* One of a fixed set of words. */
static int get_enum(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                    const char *const *words, int *ret)
{
        const char *v = NULL;
        char all[256];
        int r = get_string(c, grp, path, key, &v);

        if (r <= 0)
                return r;
        for (int i = 0; words[i]; i++)
                if (strcmp(v, words[i]) == 0) {
                        *ret = i;
                        return 1;
                }
        list_choices(words, all, sizeof all);
        DIAG(c, member(grp, key), "%s.%s: expected one of %s, got \"%s\"", path, key, all, v);
        return -1;
}

static bool path_is_clean(const char *s)
{
        if (s[0] != '/')
                return false;
        while (*s) {
                size_t len;

                while (*s == '/')
                        s++;
                len = strcspn(s, "/");
                if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
                        return false;
                s += len;
        }
        return true;
}

/* An absolute path without "." or ".." components. */
static int get_abs_path(struct ctx *c, const config_setting_t *grp, const char *path,
                        const char *key, const char **ret)
{
        const char *v = NULL;
        int r = get_string(c, grp, path, key, &v);

        if (r <= 0)
                return r;
        if (v[0] != '/') {
                DIAG(c, member(grp, key), "%s.%s: expected an absolute path, got \"%s\"", path, key,
                     v);
                return -1;
        }
        if (!path_is_clean(v)) {
                DIAG(c, member(grp, key),
                     "%s.%s: '.' and '..' components are not allowed, got \"%s\"", path, key, v);
                return -1;
        }
        *ret = v;
        return 1;
}

static int get_template(struct ctx *c, const config_setting_t *grp, const char *path,
                        const char *key, enum jaula_template_kind kind, const char **ret)
{
        const char *v = NULL;
        char why[256];
        int r = get_string(c, grp, path, key, &v);

        if (r <= 0)
                return r;
        if (jaula_template_check(v, kind, why, sizeof why) < 0) {
                DIAG(c, member(grp, key), "%s.%s: %s, got \"%s\"", path, key, why, v);
                return -1;
        }
        *ret = v;
        return 1;
}

/* "512M", "1G", "4096", "0"; binary multiples. */
static int parse_size(const char *s, uint64_t *ret)
{
        uint64_t v = 0, mult = 1;
        const char *q = s;

        if (!isdigit((unsigned char) *q))
                return -EINVAL;
        for (; isdigit((unsigned char) *q); q++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*q - '0');
        }
        switch (*q) {
        case '\0':
                break;
        case 'k':
        case 'K':
                mult = UINT64_C(1) << 10;
                break;
        case 'm':
        case 'M':
                mult = UINT64_C(1) << 20;
                break;
        case 'g':
        case 'G':
                mult = UINT64_C(1) << 30;
                break;
        case 't':
        case 'T':
                mult = UINT64_C(1) << 40;
                break;
        default:
                return -EINVAL;
        }
        if (*q && q[1])
                return -EINVAL;
        if (v > INT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

/* A size as a string ("512M") or an integer number of bytes.  With
 * allow_max, "max" means no limit (JAULA_LIMIT_UNSET). */
static int get_size(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                    bool allow_max, int64_t *ret)
{
        const config_setting_t *s = member(grp, key);
        uint64_t v;

        if (!s)
                return 0;
        if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64) {
                long long n = config_setting_get_int64(s);

                if (n < 0) {
                        DIAG(c, s, "%s.%s: expected a size like \"512M\", got %lld", path, key, n);
                        return -1;
                }
                *ret = n;
                return 1;
        }
        if (config_setting_type(s) != CONFIG_TYPE_STRING) {
                DIAG(c, s, "%s.%s: expected a size like \"512M\", got %s", path, key, type_name(s));
                return -1;
        }
        const char *str = config_setting_get_string(s);
        if (allow_max && strcmp(str, "max") == 0) {
                *ret = JAULA_LIMIT_UNSET;
                return 1;
        }
        int r = parse_size(str, &v);
        if (r == -ERANGE) {
                DIAG(c, s, "%s.%s: size \"%s\" is too large", path, key, str);
                return -1;
        }
        if (r < 0) {
                DIAG(c, s,
                     "%s.%s: expected a size like \"512M\" (a number of bytes with an optional "
                     "K, M, G or T suffix%s), got \"%s\"",
                     path, key, allow_max ? ", or \"max\"" : "", str);
                return -1;
        }
        *ret = (int64_t) v;
        return 1;
}

/* The size of one of the jail's tmpfs mounts: 0 when unset (the built-in
 * default applies), JAULA_SIZE_UNBOUNDED for "max". */
static uint64_t get_tmpfs_size(struct ctx *c, const config_setting_t *grp, const char *path,
                               const char *key)
{
        int64_t v = 0;

        if (get_size(c, grp, path, key, true, &v) <= 0)
                return 0;
        if (v == JAULA_LIMIT_UNSET)
                return JAULA_SIZE_UNBOUNDED;
        /* 0 meant "the kernel's default" once; it now means the default
         * (bounded) size, so that old policies stay valid. */
        if (v > 0 && v < 4096) {
                DIAG(c, member(grp, key), "%s.%s: at least \"4K\", got %lld bytes", path, key,
                     (long long) v);
                return 0;
        }
        return (uint64_t) v;
}

/* ----------------------------------------------------------- networking */

static bool parse_ipv4(const char *s, uint32_t *ret)
{
        struct in_addr a;

        if (inet_pton(AF_INET, s, &a) != 1)
                return false;
        *ret = ntohl(a.s_addr);
        return true;
}

static void format_ipv4(uint32_t a, char *buf, size_t size)
{
        struct in_addr in = { .s_addr = htonl(a) };

        if (!inet_ntop(AF_INET, &in, buf, (socklen_t) size))
                snprintf(buf, size, "?");
}

static uint32_t prefix_mask(unsigned prefix)
{
        return prefix == 0 ? 0 : ~UINT32_C(0) << (32 - prefix);
}

/* Linux interface names: at most 15 bytes, no '/', ':' or whitespace; this
 * allows the portable subset. */
static bool check_ifname(struct ctx *c, const config_setting_t *s, const char *path,
                         const char *what, const char *name)
{
        size_t len = strlen(name);

        if (len == 0 || len > IFNAME_MAX_LEN) {
                DIAG(c, s,
                     "%s: %s name \"%s\" has %zu bytes; Linux interface names have 1 to %d", path,
                     what, name, len, IFNAME_MAX_LEN);
                return false;
        }
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                DIAG(c, s, "%s: \"%s\" is not a valid %s name", path, name, what);
                return false;
        }
        for (const char *q = name; *q; q++)
                if (!isalnum((unsigned char) *q) && *q != '-' && *q != '_' && *q != '.') {
                        DIAG(c, s,
                             "%s: %s name \"%s\" contains '%c'; use only A-Z, a-z, 0-9, '-', '_' "
                             "and '.'",
                             path, what, name, *q);
                        return false;
                }
        return true;
}

static void parse_network(struct ctx *c, const char *name, const config_setting_t *s)
{
        char path[PATH_BUF], tmp[PATH_BUF], buf[INET_ADDRSTRLEN];
        const char *subnet = NULL, *gw = NULL, *bridge = NULL;
        const config_setting_t *bs = NULL;
        struct pol_net *n;
        long long mtu = 0;
        int mode = 0, r;

        snprintf(path, sizeof path, "networks.%s", name);
        if (!want_group(c, s, path))
                return;
        if (!check_item_name(c, s, "networks", name))
                return;
        check_keys(c, s, path, net_keys);
        n = vec_push(c, &c->p->nets, sizeof *n);
        if (!n)
                return;
        n->name = ctx_strdup(c, name);
        n->seq = c->seq++;
        n->file = c->file;
        n->line = line_of(s);
        n->isolate = true;

        r = get_strv(c, s, path, "bridges", &n->bridges, &n->n_bridges, &bs);
        if (get_string(c, s, path, "bridge", &bridge) > 0) {
                if (r > 0) {
                        DIAG(c, member(s, "bridge"),
                             "%s: set either bridge or bridges, not both", path);
                } else if (r == 0) {
                        n->bridges = ctx_alloc(c, sizeof(char *) * 2);
                        if (n->bridges) {
                                n->bridges[0] = bridge;
                                n->n_bridges = 1;
                        }
                        bs = member(s, "bridge");
                        r = 1;
                }
        } else if (r == 0) {
                DIAG(c, s, "%s: no bridge; expected bridge = \"jb-%s\" or bridges = [ … ]", path,
                     name);
        }
        if (r > 0 && n->n_bridges == 0)
                DIAG(c, bs, "%s.bridges: expected at least one bridge name", path);
        for (size_t i = 0; r > 0 && i < n->n_bridges; i++) {
                subpath(tmp, sizeof tmp, path, "bridges[%zu]", i);
                if (!check_ifname(c, bs, tmp, "bridge", n->bridges[i]))
                        continue;
                for (size_t j = 0; j < i; j++)
                        if (strcmp(n->bridges[i], n->bridges[j]) == 0)
                                DIAG(c, bs, "%s: bridge \"%s\" is listed twice", tmp,
                                     n->bridges[i]);
        }

        r = get_string(c, s, path, "subnet", &subnet);
        if (r == 0) {
                DIAG(c, s, "%s: no subnet; expected subnet = \"10.77.0.0/16\" or similar", path);
        } else if (r > 0) {
                const char *slash = strchr(subnet, '/');
                char addr[INET_ADDRSTRLEN + 1];
                char *end;
                unsigned long pfx;
                size_t alen = slash ? (size_t) (slash - subnet) : 0;

                if (!slash || alen >= sizeof addr || !isdigit((unsigned char) slash[1])) {
                        DIAG(c, member(s, "subnet"),
                             "%s.subnet: expected an IPv4 network like \"10.77.0.0/16\", got \"%s\"",
                             path, subnet);
                } else {
                        memcpy(addr, subnet, alen);
                        addr[alen] = '\0';
                        errno = 0;
                        pfx = strtoul(slash + 1, &end, 10);
                        if (!parse_ipv4(addr, &n->subnet) || *end || errno) {
                                DIAG(c, member(s, "subnet"),
                                     "%s.subnet: expected an IPv4 network like \"10.77.0.0/16\", "
                                     "got \"%s\"",
                                     path, subnet);
                        } else if (pfx < 8 || pfx > 30) {
                                DIAG(c, member(s, "subnet"),
                                     "%s.subnet: prefix /%lu is outside /8../30", path, pfx);
                        } else {
                                n->prefix = (unsigned) pfx;
                                if (n->subnet & ~prefix_mask(n->prefix)) {
                                        format_ipv4(n->subnet & prefix_mask(n->prefix), buf,
                                                    sizeof buf);
                                        DIAG(c, member(s, "subnet"),
                                             "%s.subnet: \"%s\" has host bits set; did you mean "
                                             "\"%s/%u\"?",
                                             path, subnet, buf, n->prefix);
                                        n->prefix = 0;
                                }
                        }
                }
        }

        r = get_string(c, s, path, "gateway", &gw);
        if (r > 0) {
                if (!parse_ipv4(gw, &n->gateway)) {
                        DIAG(c, member(s, "gateway"),
                             "%s.gateway: expected an IPv4 address like \"10.77.0.1\", got \"%s\"",
                             path, gw);
                } else if (n->prefix) {
                        uint32_t mask = prefix_mask(n->prefix);

                        if ((n->gateway & mask) != n->subnet)
                                DIAG(c, member(s, "gateway"),
                                     "%s.gateway: %s is outside the subnet %s", path, gw, subnet);
                        else if (n->gateway == n->subnet || n->gateway == (n->subnet | ~mask))
                                DIAG(c, member(s, "gateway"),
                                     "%s.gateway: %s is the %s address of %s; use a host address",
                                     path, gw, n->gateway == n->subnet ? "network" : "broadcast",
                                     subnet);
                }
        } else if (r == 0 && n->prefix) {
                n->gateway = n->subnet + 1;
        }

        const config_setting_t *ds = NULL;
        if (get_strv(c, s, path, "dns", &n->dns, &n->n_dns, &ds) > 0)
                for (size_t i = 0; i < n->n_dns; i++) {
                        unsigned char a[16];

                        if (inet_pton(AF_INET, n->dns[i], a) != 1 &&
                            inet_pton(AF_INET6, n->dns[i], a) != 1)
                                DIAG(c, ds,
                                     "%s.dns[%zu]: expected an IP address like \"10.77.0.1\", got "
                                     "\"%s\"",
                                     path, i, n->dns[i]);
                }
        if (get_strv(c, s, path, "search", &n->search, &n->n_search, &ds) > 0)
                for (size_t i = 0; i < n->n_search; i++) {
                        const char *q = n->search[i];
                        size_t len = strlen(q);
                        bool ok = len > 0 && len <= 253 && q[0] != '.' && q[0] != '-';

                        for (; ok && *q; q++)
                                ok = isalnum((unsigned char) *q) || *q == '-' || *q == '.';
                        if (!ok)
                                DIAG(c, ds,
                                     "%s.search[%zu]: expected a domain name like "
                                     "\"lab.example.org\", got \"%s\"",
                                     path, i, n->search[i]);
                }
        static const char *const modes[] = { "stable", "dynamic", NULL };
        if (get_enum(c, s, path, "addresses", modes, &mode) > 0)
                n->mode = mode == 0 ? JAULA_ADDR_STABLE : JAULA_ADDR_DYNAMIC;
        get_bool(c, s, path, "isolate", &n->isolate);
        get_bool(c, s, path, "nat", &n->nat);
        if (get_string(c, s, path, "uplink", &n->uplink) > 0) {
                subpath(tmp, sizeof tmp, path, "uplink");
                check_ifname(c, member(s, "uplink"), tmp, "interface", n->uplink);
        }
        if (get_int(c, s, path, "mtu", 0, 65535, &mtu) > 0) {
                if (mtu != 0 && mtu < 68)
                        DIAG(c, member(s, "mtu"),
                             "%s.mtu: expected 0 (the bridge's) or 68 to 65535, got %lld", path,
                             mtu);
                else
                        n->mtu = (unsigned) mtu;
        }
}

/* --------------------------------------------------------------- limits */

static void limits_init(struct jaula_limits *l)
{
        l->memory_max = l->swap_max = l->cpu_quota_us = l->cpu_period_us = JAULA_LIMIT_UNSET;
        l->cpu_weight = l->pids_max = l->io_weight = JAULA_LIMIT_UNSET;
}

static void parse_limits(struct ctx *c, const config_setting_t *grp, const char *parent,
                         struct jaula_limits *l)
{
        const config_setting_t *s = member(grp, "limits");
        char path[PATH_BUF];
        const char *cpu = NULL;
        long long v;

        limits_init(l);
        if (!s)
                return;
        subpath(path, sizeof path, parent, "limits");
        if (!want_group(c, s, path))
                return;
        check_keys(c, s, path, limit_keys);
        get_size(c, s, path, "memory", true, &l->memory_max);
        get_size(c, s, path, "swap", true, &l->swap_max);
        if (l->swap_max != JAULA_LIMIT_UNSET && l->memory_max == JAULA_LIMIT_UNSET)
                DIAG(c, member(s, "swap"),
                     "%s.swap: a swap limit needs a memory limit (cgroup v1 limits memory and "
                     "swap together)",
                     path);

        const config_setting_t *cs = member(s, "cpu");
        if (cs && config_setting_type(cs) != CONFIG_TYPE_STRING) {
                DIAG(c, cs, "%s.cpu: expected a percentage of one CPU like \"50%%\", got %s", path,
                     type_name(cs));
        } else if (get_string(c, s, path, "cpu", &cpu) > 0 && strcmp(cpu, "max") != 0) {
                unsigned long pct = 0;
                char *end = NULL;

                errno = 0;
                if (isdigit((unsigned char) cpu[0]))
                        pct = strtoul(cpu, &end, 10);
                if (!end || end[0] != '%' || end[1] || errno) {
                        DIAG(c, cs,
                             "%s.cpu: expected a percentage of one CPU like \"50%%\" (\"200%%\" "
                             "= two CPUs), got \"%s\"",
                             path, cpu);
                } else if (pct < 1 || pct > 100000) {
                        DIAG(c, cs, "%s.cpu: expected 1%% to 100000%%, got \"%s\"", path, cpu);
                } else {
                        l->cpu_period_us = 100000;
                        l->cpu_quota_us = (int64_t) pct * 1000;
                }
        }
        if (get_int(c, s, path, "cpu_weight", 1, 10000, &v) > 0)
                l->cpu_weight = v;
        if (get_int(c, s, path, "io_weight", 1, 10000, &v) > 0)
                l->io_weight = v;
        const config_setting_t *ps = member(s, "pids");
        if (ps && config_setting_type(ps) == CONFIG_TYPE_STRING &&
            strcmp(config_setting_get_string(ps), "max") == 0)
                ;
        else if (get_int(c, s, path, "pids", 1, INT32_MAX, &v) > 0)
                l->pids_max = v;
}

/* ------------------------------------------------------------- sections */

static void parse_global(struct ctx *c, const config_setting_t *s)
{
        const char *v = NULL;
        char why[256];

        if (!want_group(c, s, "global"))
                return;
        if (!c->main) {
                DIAG(c, s, "global: only the main policy file may set global settings");
                return;
        }
        check_keys(c, s, "global", global_keys);
        get_abs_path(c, s, "global", "state_dir", &c->p->state_dir);
        if (get_string(c, s, "global", "cgroup_root", &v) > 0) {
                if (*v && (v[0] != '/' || !path_is_clean(v)))
                        DIAG(c, member(s, "cgroup_root"),
                             "global.cgroup_root: expected \"\" (auto-detect) or an absolute "
                             "path, got \"%s\"",
                             v);
                else
                        c->p->cgroup_root = v;
        }
        if (get_string(c, s, "global", "cgroup_path", &v) > 0) {
                bool ok = *v && v[0] != '/';
                char probe[PATH_BUF];

                snprintf(probe, sizeof probe, "/%s", v);
                ok = ok && path_is_clean(probe);
                for (const char *q = v; ok && *q; q++)
                        ok = isalnum((unsigned char) *q) || strchr("-_./", *q);
                if (!ok)
                        DIAG(c, member(s, "cgroup_path"),
                             "global.cgroup_path: expected a relative path like \"jaula\" (A-Z, "
                             "a-z, 0-9, '-', '_', '.', '/'; no '..'), got \"%s\"",
                             v);
                else
                        c->p->cgroup_path = v;
        }
        if (get_string(c, s, "global", "persistent_dir", &v) > 0) {
                if (jaula_template_check(v, JAULA_TEMPLATE_PATH, why, sizeof why) < 0)
                        DIAG(c, member(s, "persistent_dir"), "global.persistent_dir: %s, got \"%s\"",
                             why, v);
                else
                        c->p->persistent_dir = v;
        }
        c->p->default_shell_line = line_of(member(s, "default_shell"));
        get_abs_path(c, s, "global", "default_shell", &c->p->default_shell);
        get_abs_path(c, s, "global", "include_dir", &c->p->include_dir);
}

static void parse_rootfs(struct ctx *c, const char *name, const config_setting_t *s)
{
        static const char *const types[] = { "directory", "squashfs", "iso", NULL };
        char path[PATH_BUF];
        struct pol_rootfs *rf;
        int type = 0;

        snprintf(path, sizeof path, "rootfs.%s", name);
        if (!want_group(c, s, path) || !check_item_name(c, s, "rootfs", name))
                return;
        check_keys(c, s, path, rootfs_keys);
        rf = vec_push(c, &c->p->rootfs, sizeof *rf);
        if (!rf)
                return;
        rf->name = ctx_strdup(c, name);
        rf->seq = c->seq++;
        rf->file = c->file;
        rf->line = line_of(s);
        rf->arch = "amd64";
        if (get_abs_path(c, s, path, "path", &rf->path) == 0)
                DIAG(c, s, "%s: no path; expected path = \"/var/lib/jaula/rootfs/%s\" or similar",
                     path, name);
        if (get_enum(c, s, path, "type", types, &type) > 0)
                rf->type = type == 0 ? JAULA_ROOTFS_DIRECTORY
                         : type == 1 ? JAULA_ROOTFS_SQUASHFS
                                     : JAULA_ROOTFS_ISO;
        if (get_enum(c, s, path, "arch", arch_names, &type) > 0)
                rf->arch = arch_names[type];
}

static void parse_mounts(struct ctx *c, const config_setting_t *grp, const char *parent,
                         struct pol_profile *pr)
{
        static const char *const modes[] = { "ro", "rw", NULL };
        const config_setting_t *s = member(grp, "mounts");
        char path[PATH_BUF];
        int n;

        if (!s)
                return;
        if (!config_setting_is_list(s)) {
                DIAG(c, s,
                     "%s.mounts: expected a list of groups like ( { source = \"/srv\"; target = "
                     "\"/srv\"; } ), got %s",
                     parent, type_name(s));
                return;
        }
        n = config_setting_length(s);
        pr->mounts = ctx_alloc(c, sizeof *pr->mounts * (size_t) (n ? n : 1));
        if (!pr->mounts)
                return;
        for (int i = 0; i < n; i++) {
                const config_setting_t *m = config_setting_get_elem(s, (unsigned) i);
                struct pol_mount *pm = &pr->mounts[pr->n_mounts];
                int mode = 0;

                subpath(path, sizeof path, parent, "mounts[%d]", i);
                if (!want_group(c, m, path))
                        continue;
                pm->line = line_of(m);
                check_keys(c, m, path, mount_keys);
                if (get_template(c, m, path, "source", JAULA_TEMPLATE_PATH, &pm->source) == 0)
                        DIAG(c, m, "%s: no source; expected source = \"/srv/shared\" or similar",
                             path);
                if (get_abs_path(c, m, path, "target", &pm->target) == 0)
                        DIAG(c, m, "%s: no target; expected target = \"/shared\" or similar", path);
                if (pm->target && strspn(pm->target, "/") == strlen(pm->target)) {
                        DIAG(c, member(m, "target"), "%s.target: cannot mount over the jail's root",
                             path);
                        pm->target = NULL;
                }
                if (get_enum(c, m, path, "mode", modes, &mode) > 0)
                        pm->writable = mode == 1;
                get_bool(c, m, path, "optional", &pm->optional);
                if (!pm->source || !pm->target)
                        continue;
                for (size_t j = 0; j < pr->n_mounts; j++)
                        if (strcmp(pr->mounts[j].target, pm->target) == 0)
                                DIAG(c, member(m, "target"),
                                     "%s.target: \"%s\" is already the target of mounts[%zu]", path,
                                     pm->target, j);
                pr->n_mounts++;
        }
}

/* What seccomp.c will accept: a system call known on the native arch (or
 * the i386 ABI an i386 rootfs adds), or the label of one of its
 * conditional rules such as "ioctl[TIOCSTI]".  Asking seccomp.c itself
 * keeps the checker and the filter builder from ever disagreeing. */
static bool syscall_name_ok(const char *name)
{
        char *one[2] = { (char *) name, NULL };
        struct jaula_seccomp_spec sc = { .profile = (char *) "default", .allow = one, .n_allow = 1 };
        const char **denied = NULL;

        if (jaula_seccomp_known(name))
                return true;
        if (jaula_seccomp_denied(&sc, &denied) < 0)
                return false;
        free(denied);
        return true;
}

static void parse_seccomp(struct ctx *c, const config_setting_t *grp, const char *parent,
                          struct pol_profile *pr)
{
        static const char *const profiles[] = { "default", "strict", "none", NULL };
        const config_setting_t *s = member(grp, "seccomp"), *ls = NULL;
        char path[PATH_BUF];
        int prof = 0;

        pr->seccomp_profile = "default";
        if (!s)
                return;
        subpath(path, sizeof path, parent, "seccomp");
        if (!want_group(c, s, path))
                return;
        check_keys(c, s, path, seccomp_keys);
        pr->seccomp_line = line_of(member(s, "profile"));
        if (get_enum(c, s, path, "profile", profiles, &prof) > 0)
                pr->seccomp_profile = profiles[prof];
        pr->sc_allow_line = line_of(member(s, "allow"));
        if (get_strv(c, s, path, "allow", &pr->sc_allow, &pr->n_sc_allow, &ls) > 0) {
                if (prof == 2 && pr->n_sc_allow > 0)
                        DIAG(c, ls,
                             "%s.allow: profile \"none\" denies nothing, so there is nothing to "
                             "allow",
                             path);
                for (size_t i = 0; i < pr->n_sc_allow; i++)
                        if (!syscall_name_ok(pr->sc_allow[i]))
                                DIAG(c, ls, "%s.allow[%zu]: unknown system call \"%s\"", path, i,
                                     pr->sc_allow[i]);
        }
        if (get_strv(c, s, path, "deny", &pr->sc_deny, &pr->n_sc_deny, &ls) > 0)
                for (size_t i = 0; i < pr->n_sc_deny; i++) {
                        if (!syscall_name_ok(pr->sc_deny[i]))
                                DIAG(c, ls, "%s.deny[%zu]: unknown system call \"%s\"", path, i,
                                     pr->sc_deny[i]);
                        for (size_t j = 0; j < pr->n_sc_allow; j++)
                                if (strcmp(pr->sc_deny[i], pr->sc_allow[j]) == 0)
                                        DIAG(c, ls,
                                             "%s.deny[%zu]: \"%s\" is both allowed and denied",
                                             path, i, pr->sc_deny[i]);
                }
}

/* Names and the list of capabilities no jail may keep come from caps.c, the
 * code that drops them, so the two can never disagree. */
static void parse_caps(struct ctx *c, const config_setting_t *grp, const char *parent,
                       struct pol_profile *pr)
{
        const config_setting_t *ls = NULL;
        const char **v = NULL;
        size_t n = 0;

        if (get_strv(c, grp, parent, "capabilities", &v, &n, &ls) <= 0)
                return;
        for (size_t i = 0; i < n; i++) {
                struct jaula_err e = { 0 };
                int cap = jaula_caps_from_name(v[i]), r;

                if (cap < 0 || cap > 63) {
                        DIAG(c, ls,
                             "%s.capabilities[%zu]: unknown capability \"%s\"; expected a name "
                             "like \"CAP_NET_BIND_SERVICE\"",
                             parent, i, v[i]);
                        continue;
                }
                /* Asking caps.c probes the kernel (dozens of prctl calls):
                 * once per distinct capability per load is enough. */
                if (c->caps_checked & (UINT64_C(1) << cap))
                        r = c->caps_verdict[cap];
                else
                        r = c->caps_verdict[cap] = jaula_caps_check_keep(UINT64_C(1) << cap, &e);
                c->caps_checked |= UINT64_C(1) << cap;
                if (r == -EPERM) {
                        DIAG(c, ls,
                             "%s.capabilities[%zu]: \"%s\" would let the jail escape or control "
                             "the host; it cannot be kept",
                             parent, i, v[i]);
                        continue;
                }
                if (r < 0) {
                        DIAG(c, ls, "%s.capabilities[%zu]: \"%s\" is unknown to the running kernel",
                             parent, i, v[i]);
                        continue;
                }
                pr->caps_keep |= UINT64_C(1) << cap;
        }
}

static void parse_env(struct ctx *c, const config_setting_t *grp, const char *parent,
                      struct pol_profile *pr)
{
        const config_setting_t *s = member(grp, "environment");
        char path[PATH_BUF];
        int n;

        if (!s)
                return;
        subpath(path, sizeof path, parent, "environment");
        if (!want_group(c, s, path))
                return;
        n = config_setting_length(s);
        pr->env = ctx_alloc(c, sizeof *pr->env * (size_t) (n ? n : 1));
        if (!pr->env)
                return;
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned) i);
                const char *name = config_setting_name(e), *q;
                bool ok = name && (isalpha((unsigned char) name[0]) || name[0] == '_');

                for (q = name; ok && *q; q++)
                        ok = isalnum((unsigned char) *q) || *q == '_';
                if (!ok) {
                        DIAG(c, e,
                             "%s.%s: invalid variable name; use A-Z, a-z, 0-9 and '_', not "
                             "starting with a digit",
                             path, name ? name : "?");
                        continue;
                }
                if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                        DIAG(c, e, "%s.%s: expected a string, got %s", path, name, type_name(e));
                        continue;
                }
                if (has_control(config_setting_get_string(e))) {
                        DIAG(c, e, "%s.%s: control characters are not allowed", path, name);
                        continue;
                }
                pr->env[pr->n_env].name = ctx_strdup(c, name);
                pr->env[pr->n_env].value = ctx_strdup(c, config_setting_get_string(e));
                pr->n_env++;
        }
}

static void parse_namespaces(struct ctx *c, const config_setting_t *grp, const char *parent,
                             struct pol_profile *pr)
{
        const config_setting_t *ls = NULL;
        const char **v = NULL;
        size_t n = 0;

        pr->ns_flags = NS_ALL;
        pr->ns_line = line_of(member(grp, "namespaces"));
        if (get_strv(c, grp, parent, "namespaces", &v, &n, &ls) <= 0)
                return;
        pr->ns_flags = 0;
        for (size_t i = 0; i < n; i++) {
                size_t k;

                for (k = 0; k < ELEMENTSOF(namespace_names); k++)
                        if (strcmp(v[i], namespace_names[k].name) == 0)
                                break;
                if (k == ELEMENTSOF(namespace_names)) {
                        DIAG(c, ls,
                             "%s.namespaces[%zu]: unknown namespace \"%s\"; expected mount, uts, "
                             "ipc, pid, net or cgroup",
                             parent, i, v[i]);
                        continue;
                }
                if (pr->ns_flags & namespace_names[k].flag)
                        DIAG(c, ls, "%s.namespaces[%zu]: \"%s\" is listed twice", parent, i, v[i]);
                pr->ns_flags |= namespace_names[k].flag;
        }
        if (!(pr->ns_flags & CLONE_NEWNS))
                DIAG(c, ls,
                     "%s.namespaces: \"mount\" is missing; a jail without its own mount namespace "
                     "is not a jail",
                     parent);
        if (!(pr->ns_flags & CLONE_NEWPID))
                DIAG(c, ls,
                     "%s.namespaces: \"pid\" is missing; a jail without its own pid namespace is "
                     "not a jail",
                     parent);
}

/* The risks the administrator accepts for this profile, by name: one list
 * is easier to audit (grep unsafe) than a boolean per risk. */
static void parse_unsafe(struct ctx *c, const config_setting_t *grp, const char *parent,
                         struct pol_profile *pr)
{
        const config_setting_t *ls = NULL;
        const char **v = NULL;
        size_t n = 0;
        char all[256];

        pr->unsafe_line = line_of(member(grp, "unsafe"));
        if (get_strv(c, grp, parent, "unsafe", &v, &n, &ls) <= 0)
                return;
        for (size_t i = 0; i < n; i++) {
                unsigned bit = jaula_policy_unsafe_bit(v[i]);

                if (!bit) {
                        list_choices(jaula_policy_unsafe_names, all, sizeof all);
                        DIAG(c, ls, "%s.unsafe[%zu]: unknown risk \"%s\"; expected one of: %s",
                             parent, i, v[i], all);
                        continue;
                }
                if (pr->unsafe & bit)
                        DIAG(c, ls, "%s.unsafe[%zu]: \"%s\" is listed twice", parent, i, v[i]);
                pr->unsafe |= bit;
        }
}

static void parse_profile(struct ctx *c, const char *name, const config_setting_t *s)
{
        static const char *const scopes[] = { "user", "session", NULL };
        static const char *const lifetimes[] = { "session", "processes", NULL };
        static const char *const writables[] = { "tmpfs", "persistent", "none", NULL };
        char path[PATH_BUF];
        struct pol_profile *pr;
        long long v;
        int e;

        snprintf(path, sizeof path, "profiles.%s", name);
        if (!want_group(c, s, path) || !check_item_name(c, s, "profiles", name))
                return;
        check_keys(c, s, path, profile_keys);
        pr = vec_push(c, &c->p->profiles, sizeof *pr);
        if (!pr)
                return;
        pr->name = ctx_strdup(c, name);
        pr->seq = c->seq++;
        pr->file = c->file;
        pr->line = line_of(s);
        pr->hostname = "jaula";
        pr->home = "%h";

        pr->rootfs_line = line_of(member(s, "rootfs"));
        pr->network_line = line_of(member(s, "network"));
        pr->caps_line = line_of(member(s, "capabilities"));
        if (get_string(c, s, path, "rootfs", &pr->rootfs_name) == 0)
                DIAG(c, s, "%s: no rootfs; expected rootfs = \"NAME\" naming an entry of rootfs",
                     path);
        if (get_enum(c, s, path, "scope", scopes, &e) > 0)
                pr->scope = e == 0 ? JAULA_SCOPE_USER : JAULA_SCOPE_SESSION;
        if (get_enum(c, s, path, "lifetime", lifetimes, &e) > 0)
                pr->lifetime = e == 0 ? JAULA_LIFETIME_SESSION : JAULA_LIFETIME_PROCESSES;
        if (get_int(c, s, path, "linger", 0, 7 * 24 * 3600, &v) > 0) {
                pr->linger = (unsigned) v;
                if (v > 0 && pr->lifetime == JAULA_LIFETIME_PROCESSES)
                        DIAG(c, member(s, "linger"),
                             "%s.linger: only applies to lifetime = \"session\"", path);
        }
        parse_namespaces(c, s, path, pr);
        if (get_template(c, s, path, "hostname", JAULA_TEMPLATE_HOSTNAME, &pr->hostname) > 0 &&
            !(pr->ns_flags & CLONE_NEWUTS))
                DIAG(c, member(s, "hostname"),
                     "%s.hostname: a hostname needs the \"uts\" namespace in namespaces (without "
                     "it the jail shares the host's hostname)",
                     path);
        if (get_enum(c, s, path, "writable", writables, &e) > 0)
                pr->writable = e == 0 ? JAULA_WRITABLE_TMPFS
                             : e == 1 ? JAULA_WRITABLE_PERSISTENT
                                      : JAULA_WRITABLE_NONE;
        if (get_template(c, s, path, "persistent_path", JAULA_TEMPLATE_PATH,
                         &pr->persistent_path) > 0 &&
            pr->writable != JAULA_WRITABLE_PERSISTENT)
                DIAG(c, member(s, "persistent_path"),
                     "%s.persistent_path: only used with writable = \"persistent\"", path);
        pr->home_line = line_of(member(s, "home"));
        get_template(c, s, path, "home", JAULA_TEMPLATE_PATH, &pr->home);
        pr->tmp_size = get_tmpfs_size(c, s, path, "tmp_size");
        pr->shm_size = get_tmpfs_size(c, s, path, "shm_size");
        pr->writable_size = get_tmpfs_size(c, s, path, "writable_size");
        if (member(s, "writable_size") && pr->writable == JAULA_WRITABLE_PERSISTENT)
                DIAG(c, member(s, "writable_size"),
                     "%s.writable_size: sizes the tmpfs writable layer; with writable = "
                     "\"persistent\" use persistent_size",
                     path);
        int64_t psize = 0;
        if (get_size(c, s, path, "persistent_size", false, &psize) > 0) {
                if (pr->writable != JAULA_WRITABLE_PERSISTENT)
                        DIAG(c, member(s, "persistent_size"),
                             "%s.persistent_size: only used with writable = \"persistent\"", path);
                else if ((uint64_t) psize < JAULA_MIN_PERSISTENT_SIZE)
                        DIAG(c, member(s, "persistent_size"),
                             "%s.persistent_size: at least \"16M\" (the image holds an ext4 "
                             "journal), got %lld bytes",
                             path, (long long) psize);
                else
                        pr->persistent_size = (uint64_t) psize;
        }
        if (get_int(c, s, path, "max_jails_per_user", 0, 100000, &v) > 0)
                pr->max_jails_per_user = (unsigned) v;
        if (get_int(c, s, path, "max_sessions_per_user", 0, 100000, &v) > 0)
                pr->max_sessions_per_user = (unsigned) v;
        pr->pty_max = JAULA_PTY_MAX_DEFAULT;
        if (get_int(c, s, path, "pty_max", 0, JAULA_PTY_MAX_LIMIT, &v) > 0)
                pr->pty_max = (unsigned) v;
        parse_mounts(c, s, path, pr);
        if (get_string(c, s, path, "network", &pr->network_name) > 0 &&
            !(pr->ns_flags & CLONE_NEWNET))
                DIAG(c, member(s, "network"),
                     "%s.network: a network needs the \"net\" namespace in namespaces", path);
        parse_limits(c, s, path, &pr->limits);
        parse_seccomp(c, s, path, pr);
        parse_caps(c, s, path, pr);
        parse_env(c, s, path, pr);
        pr->shell_line = line_of(member(s, "shell"));
        get_abs_path(c, s, path, "shell", &pr->shell);
        get_bool(c, s, path, "dev_log", &pr->dev_log);
        parse_unsafe(c, s, path, pr);
}

static void parse_group(struct ctx *c, const char *name, const config_setting_t *s)
{
        char path[PATH_BUF];
        struct pol_group *g;

        snprintf(path, sizeof path, "groups.%s", name);
        if (!want_group(c, s, path) || !check_item_name(c, s, "groups", name))
                return;
        check_keys(c, s, path, group_keys);
        g = vec_push(c, &c->p->groups, sizeof *g);
        if (!g)
                return;
        g->name = ctx_strdup(c, name);
        g->seq = c->seq++;
        g->file = c->file;
        g->line = line_of(s);
        parse_limits(c, s, path, &g->limits);
}

/* "10000-19999", "1000", or an integer. */
static bool parse_uid(const char *s, const char **end, uid_t *ret)
{
        unsigned long long v = 0;
        const char *q = s;

        if (!isdigit((unsigned char) *q))
                return false;
        for (; isdigit((unsigned char) *q); q++) {
                v = v * 10 + (unsigned) (*q - '0');
                if (v >= UINT32_MAX) /* (uid_t) -1 is never a user */
                        return false;
        }
        *end = q;
        *ret = (uid_t) v;
        return true;
}

/* false when something was wrong (and reported). */
static bool parse_uids(struct ctx *c, const config_setting_t *grp, const char *parent,
                       struct pol_rule *ru)
{
        const config_setting_t *s = member(grp, "uids");
        int n;

        if (!s)
                return true;
        if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
                DIAG(c, s, "%s.uids: expected a list of uid ranges like [\"10000-19999\"], got %s",
                     parent, type_name(s));
                return false;
        }
        n = config_setting_length(s);
        ru->uids = ctx_alloc(c, sizeof *ru->uids * (size_t) (n ? n : 1));
        if (!ru->uids)
                return false;
        bool ok = true;
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned) i);
                struct pol_uid_range *rg = &ru->uids[ru->n_uids];
                const char *str, *end;

                if (config_setting_type(e) == CONFIG_TYPE_INT ||
                    config_setting_type(e) == CONFIG_TYPE_INT64) {
                        long long v = config_setting_get_int64(e);

                        if (v < 0 || v >= UINT32_MAX) {
                                DIAG(c, e, "%s.uids[%d]: %lld is not a valid uid", parent, i, v);
                                ok = false;
                                continue;
                        }
                        rg->lo = rg->hi = (uid_t) v;
                        ru->n_uids++;
                        continue;
                }
                if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                        DIAG(c, e, "%s.uids[%d]: expected a uid range like \"10000-19999\", got %s",
                             parent, i, type_name(e));
                        ok = false;
                        continue;
                }
                str = config_setting_get_string(e);
                if (!parse_uid(str, &end, &rg->lo) ||
                    (*end == '-' ? !parse_uid(end + 1, &end, &rg->hi) || *end
                                 : (rg->hi = rg->lo, *end != '\0'))) {
                        DIAG(c, e,
                             "%s.uids[%d]: expected a uid or a range like \"10000-19999\", got "
                             "\"%s\"",
                             parent, i, str);
                        ok = false;
                        continue;
                }
                if (rg->lo > rg->hi) {
                        DIAG(c, e, "%s.uids[%d]: range \"%s\" ends before it starts", parent, i,
                             str);
                        ok = false;
                        continue;
                }
                ru->n_uids++;
        }
        return ok;
}

static void parse_rule(struct ctx *c, int idx, const config_setting_t *s)
{
        const config_setting_t *ls;
        char path[PATH_BUF];
        struct pol_rule *ru;
        int r_users = 0, r_groups = 0;

        snprintf(path, sizeof path, "match[%d]", idx);
        if (!want_group(c, s, path))
                return;
        check_keys(c, s, path, rule_keys);
        ru = vec_push(c, &c->p->rules, sizeof *ru);
        if (!ru)
                return;
        ru->file = c->file;
        ru->line = line_of(s);
        ru->local_idx = idx;
        ru->name_line = line_of(member(s, "name"));
        ru->profile_line = line_of(member(s, "profile"));
        ru->group_line = line_of(member(s, "group"));
        if (get_string(c, s, path, "name", &ru->name) > 0 &&
            (!*ru->name || strncmp(ru->name, "match[", 6) == 0)) {
                DIAG(c, member(s, "name"),
                     "%s.name: expected a non-empty name not starting with \"match[\" (unnamed "
                     "rules are called that)",
                     path);
                ru->name = NULL;
        }
        r_users = get_strv(c, s, path, "users", &ru->users, &ru->n_users, &ls);
        for (size_t i = 0; r_users > 0 && i < ru->n_users; i++) {
                if (strcmp(ru->users[i], "*") == 0)
                        ru->any_user = true;
                else if (!*ru->users[i] || strchr(ru->users[i], ':') || strchr(ru->users[i], '/'))
                        DIAG(c, ls, "%s.users[%zu]: \"%s\" is not a valid user name", path, i,
                             ru->users[i]);
        }
        r_groups = get_strv(c, s, path, "groups", &ru->groups, &ru->n_groups, &ls);
        for (size_t i = 0; r_groups > 0 && i < ru->n_groups; i++) {
                const char *g = ru->groups[i];

                if (!*g || strchr(g, ':') || strchr(g, '/'))
                        DIAG(c, ls, "%s.groups[%zu]: \"%s\" is not a valid group name", path, i, g);
                else if (strspn(g, "0123456789") == strlen(g))
                        DIAG(c, ls,
                             "%s.groups[%zu]: \"%s\" looks like a gid; groups are matched by name",
                             path, i, g);
        }
        bool uids_ok = parse_uids(c, s, path, ru);
        if (r_users >= 0 && r_groups >= 0 && uids_ok &&
            ru->n_users + ru->n_groups + ru->n_uids == 0) {
                if (!member(s, "users") && !member(s, "groups") && !member(s, "uids"))
                        DIAG(c, s,
                             "%s: no selector; expected users = [ … ], groups = [ … ] or uids = "
                             "[ … ] (users = [\"*\"] matches everyone)",
                             path);
                else
                        DIAG(c, s, "%s: the selectors are empty lists, so the rule matches nobody",
                             path);
        }
        get_bool(c, s, path, "exempt", &ru->exempt);
        int rp = get_string(c, s, path, "profile", &ru->profile_name);
        int rg = get_string(c, s, path, "group", &ru->group_name);
        if (ru->exempt && rp > 0)
                DIAG(c, member(s, "profile"),
                     "%s.profile: an exempt rule jails nobody; remove profile or exempt", path);
        else if (ru->exempt && rg > 0)
                DIAG(c, member(s, "group"),
                     "%s.group: an exempt rule jails nobody; remove group or exempt", path);
        else if (!ru->exempt && rp == 0)
                DIAG(c, s, "%s: no profile; expected profile = \"NAME\" (or exempt = true)", path);
}

/* A named section whose children are items (rootfs, networks, …). */
static void parse_named(struct ctx *c, const config_setting_t *root, const char *section,
                        void (*fn)(struct ctx *, const char *, const config_setting_t *))
{
        const config_setting_t *s = member(root, section);
        int n;

        if (!s)
                return;
        if (!want_group(c, s, section))
                return;
        n = config_setting_length(s);
        for (int i = 0; i < n && !c->oom; i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned) i);

                fn(c, config_setting_name(e), e);
        }
}

/* libconfig would open an @include itself, bypassing the ownership check
 * on every file the policy reads.  Its scanner only honours @include at
 * the start of a line, so that is where we look. */
static bool refuse_includes(struct ctx *c, const char *text)
{
        bool found = false;
        int line = 1;

        for (const char *q = text; *q; line++) {
                const char *t = q + strspn(q, " \t");

                if (strncmp(t, "@include", 8) == 0) {
                        diag_add(c, c->file, line,
                                 "@include is not supported: put additional policy files into "
                                 "the drop-in directory (conf.d beside the main file, or "
                                 "global.include_dir)");
                        found = true;
                }
                q = strchr(q, '\n');
                if (!q)
                        break;
                q++;
        }
        return found;
}

static void parse_text(struct ctx *c, const char *text)
{
        config_t cf;
        const config_setting_t *root;

        _cleanup_free_ char *compact = NULL;
        char msg[256];
        int line = 0, r;

        if (refuse_includes(c, text))
                return;
        r = jaula_policy_syntax_check(text, &line, msg, sizeof msg, &compact);
        if (r == -ENOMEM) {
                c->oom = true;
                return;
        }
        if (r < 0) {
                diag_add(c, c->file, line, "%s", msg);
                return;
        }
        config_init(&cf);
        /* No include directory: with it unset libconfig would resolve
         * relative includes against the cwd; refuse_includes() already
         * made sure there are none. */
        if (config_read_string(&cf, compact) != CONFIG_TRUE) {
                diag_add(c, c->file, config_error_line(&cf), "syntax error: %s",
                         config_error_text(&cf) ? config_error_text(&cf) : "unknown");
                config_destroy(&cf);
                return;
        }
        root = config_root_setting(&cf);
        check_keys(c, root, "", top_keys);
        if (member(root, "global"))
                parse_global(c, member(root, "global"));
        parse_named(c, root, "rootfs", parse_rootfs);
        parse_named(c, root, "networks", parse_network);
        parse_named(c, root, "profiles", parse_profile);
        parse_named(c, root, "groups", parse_group);

        const config_setting_t *m = member(root, "match");
        if (m && !config_setting_is_list(m)) {
                DIAG(c, m, "match: expected a list of rules like ( { users = [\"*\"]; … } ), got %s",
                     type_name(m));
        } else if (m) {
                int n = config_setting_length(m);

                for (int i = 0; i < n && !c->oom; i++)
                        parse_rule(c, i, config_setting_get_elem(m, (unsigned) i));
        }
        config_destroy(&cf);
}

/* -------------------------------------------------------- whole policy */

/* Sort a vector of named items by name so lookups are bsearch and
 * duplicates (only possible across files: libconfig refuses them within
 * one) sit side by side.  Items are compared by (name, file order, line) so
 * the first definition stays first. */
static int cmp_name_only(const void *key, const void *item)
{
        return strcmp((const char *) key, *(const char *const *) item);
}

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
                                diag_add(c, *(const char **) (cur + off_file),
                                         *(int *) (cur + off_line),
                                         "%s.%s: defined twice; first in %s:%d", section,
                                         *(const char **) cur, *(const char **) (prev + off_file),
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

static const void *find_named(const struct pol_vec *v, size_t item, const char *name)
{
        if (!name || v->n == 0)
                return NULL;
        return bsearch(name, v->v, v->n, item, cmp_name_only);
}

const struct pol_rootfs *jaula_policy_find_rootfs(const struct jaula_policy *p, const char *name)
{
        return find_named(&p->rootfs, sizeof(struct pol_rootfs), name);
}

const struct pol_net *jaula_policy_find_net(const struct jaula_policy *p, const char *name)
{
        return find_named(&p->nets, sizeof(struct pol_net), name);
}

const struct pol_profile *jaula_policy_find_profile(const struct jaula_policy *p, const char *name)
{
        return find_named(&p->profiles, sizeof(struct pol_profile), name);
}

const struct pol_group *jaula_policy_find_group(const struct jaula_policy *p, const char *name)
{
        return find_named(&p->groups, sizeof(struct pol_group), name);
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
                diag_add(c, ru->file, ru->name_line,
                         "match[%d].name: \"%s\" is already the name of the rule at %s:%d",
                         ru->local_idx, ru->name, first->file, first->line);
        }
}

static void finalize(struct ctx *c)
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

                                if ((x->subnet & prefix_mask(pfx)) == (y->subnet & prefix_mask(pfx))) {
                                        format_ipv4(x->subnet, a, sizeof a);
                                        format_ipv4(y->subnet, b, sizeof b);
                                        diag_add(c, y->file, y->line,
                                                 "networks.%s.subnet: %s/%u overlaps %s/%u of "
                                                 "network '%s' (%s:%d)",
                                                 y->name, b, y->prefix, a, x->prefix, x->name,
                                                 x->file, x->line);
                                }
                        }
                        for (size_t k = 0; k < x->n_bridges; k++)
                                for (size_t l = 0; l < y->n_bridges; l++)
                                        if (strcmp(x->bridges[k], y->bridges[l]) == 0)
                                                diag_add(c, y->file, y->line,
                                                         "networks.%s: bridge \"%s\" already "
                                                         "belongs to network '%s' (%s:%d)",
                                                         y->name, y->bridges[l], x->name, x->file,
                                                         x->line);
                }
        }

        for (size_t i = 0; i < p->profiles.n; i++) {
                struct pol_profile *pr = POL_AT(p->profiles, struct pol_profile, i);

                if (pr->rootfs_name) {
                        pr->rootfs = jaula_policy_find_rootfs(p, pr->rootfs_name);
                        if (!pr->rootfs)
                                diag_add(c, pr->file, pr->rootfs_line,
                                         "profiles.%s.rootfs: no rootfs named \"%s\" is defined",
                                         pr->name, pr->rootfs_name);
                }
                if (pr->network_name) {
                        pr->net = jaula_policy_find_net(p, pr->network_name);
                        if (!pr->net)
                                diag_add(c, pr->file, pr->network_line,
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
                                diag_add(c, ru->file, ru->profile_line,
                                         "match[%d].profile: no profile named \"%s\" is defined",
                                         ru->local_idx, ru->profile_name);
                }
                if (ru->group_name) {
                        ru->group = jaula_policy_find_group(p, ru->group_name);
                        if (!ru->group)
                                diag_add(c, ru->file, ru->group_line,
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
                        ru->name = ctx_strdup(c, nm);
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

JAULA_EXPORT void jaula_policy_free(struct jaula_policy *p)
{
        if (!p)
                return;
        free(p->rootfs.v);
        free(p->nets.v);
        free(p->profiles.v);
        free(p->groups.v);
        free(p->rules.v);
        arena_free(p->arena);
        free(p);
}

static void policy_freep(struct jaula_policy **p)
{
        jaula_policy_free(*p);
}

static int finish(struct ctx *c, struct jaula_policy **ret)
{
        if (!c->oom)
                finalize(c);
        if (c->oom)
                return -ENOMEM;
        for (size_t i = 0; i < c->d->n; i++)
                if (!c->d->v[i].warning)
                        return -EINVAL;
        *ret = c->p;
        c->p = NULL;
        return 0;
}

JAULA_EXPORT int jaula_policy_parse(const char *text, const char *name, struct jaula_policy **ret,
                                    struct jaula_diags *diags)
{
        return jaula_policy_parse_ex(text, name, 0, ret, diags);
}

int jaula_policy_parse_ex(const char *text, const char *name, unsigned flags,
                          struct jaula_policy **ret, struct jaula_diags *diags)
{
        _cleanup_(policy_freep) struct jaula_policy *p = calloc(1, sizeof *p);
        struct jaula_diags local = { 0 };
        struct ctx c = { .d = diags ? diags : &local,
                         .main = true,
                         .warnings = flags & JAULA_POLICY_WARNINGS };
        int r;

        if (!p)
                return -ENOMEM;
        c.p = p;
        p->file = c.file = jaula_arena_strdup(p, name ? name : "<policy>");
        if (!c.file)
                return -ENOMEM;
        parse_text(&c, text ? text : "");
        r = finish(&c, ret);
        if (r == 0)
                p = NULL;
        jaula_diags_free(&local);
        return r;
}

/* ---------------------------------------------------------------- load */

/* The policy decides who gets a root shell on the host and who does not:
 * only root may be able to change it. */
static int check_owner(struct ctx *c, int fd, const char *name, bool dir, struct stat *ret_st)
{
        struct stat st;

        if (fstat(fd, &st) < 0) {
                diag_add(c, name, 0, "cannot stat: %s", strerror(errno));
                return neg_errno();
        }
        if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
                diag_add(c, name, 0, "not a %s", dir ? "directory" : "regular file");
                return -EINVAL;
        }
        if (st.st_uid != 0) {
                diag_add(c, name, 0, "owned by uid %u; it must be owned by root (chown root %s)",
                         (unsigned) st.st_uid, name);
                return -EPERM;
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                diag_add(c, name, 0,
                         "writable by %s; it must be writable by root only (chmod go-w %s)",
                         (st.st_mode & S_IWOTH) ? "everyone" : "its group", name);
                return -EPERM;
        }
        if (!dir && st.st_size > POLICY_FILE_MAX) {
                diag_add(c, name, 0, "larger than %d bytes", POLICY_FILE_MAX);
                return -EFBIG;
        }
        if (ret_st)
                *ret_st = st;
        return 0;
}

static int read_fd(struct ctx *c, int fd, const char *name, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, cap = 0;

        for (;;) {
                ssize_t k;

                if (cap - n < 4096) {
                        char *nb;

                        cap = cap ? cap * 2 : 16384;
                        if (cap > POLICY_FILE_MAX + 1) {
                                diag_add(c, name, 0, "larger than %d bytes", POLICY_FILE_MAX);
                                return -EFBIG;
                        }
                        nb = realloc(buf, cap);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                k = read(fd, buf + n, cap - n - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        diag_add(c, name, 0, "cannot read: %s", strerror(errno));
                        return neg_errno();
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = '\0';
        if (strlen(buf) != n) {
                diag_add(c, name, 0, "contains a NUL byte; not a text file");
                return -EINVAL;
        }
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Open one policy file and check its owner and mode on the open fd. */
static int open_checked(struct ctx *c, int dirfd, const char *rel, const char *name,
                        struct stat *ret_st)
{
        _cleanup_close_ int fd = -1;
        int r;

        /* O_NONBLOCK: a FIFO planted in conf.d must not hang every login;
         * check_owner() refuses anything but a regular file anyway. */
        fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = neg_errno();
                diag_add(c, name, 0, "cannot open: %s", strerror(-r));
                return r;
        }
        r = check_owner(c, fd, name, false, ret_st);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

static int parse_fd(struct ctx *c, int fd, const char *name)
{
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_fd(c, fd, name, &text);
        if (r < 0)
                return r;
        c->file = ctx_strdup(c, name);
        if (!c->file)
                return -ENOMEM;
        parse_text(c, text);
        return 0;
}

/* What the cache records about the sources of a policy. */
struct source_ids {
        struct jaula_file_id *v;
        char **names;
        size_t n;
        bool oom;
};

static void ids_add(struct source_ids *ids, const char *name, const struct stat *st)
{
        struct jaula_file_id *nv;
        char **nn;

        if (ids->oom)
                return;
        nv = realloc(ids->v, sizeof *nv * (ids->n + 1));
        if (nv)
                ids->v = nv;
        nn = realloc(ids->names, sizeof *nn * (ids->n + 1));
        if (nn)
                ids->names = nn;
        if (!nv || !nn || !(ids->names[ids->n] = strdup(name))) {
                ids->oom = true;
                return;
        }
        if (st)
                jaula_file_id_set(&ids->v[ids->n], st);
        else
                ids->v[ids->n] = (struct jaula_file_id){ 0 };
        ids->n++;
}

static void ids_clear(struct source_ids *ids)
{
        for (size_t i = 0; i < ids->n; i++)
                free(ids->names[i]);
        free(ids->names);
        free(ids->v);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* The *.conf names in the drop-in directory, sorted. */
static int list_dropins(int dfd, char ***ret, size_t *ret_n)
{
        _cleanup_(closedirp) DIR *dir = NULL;
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        int dup_fd;

        dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0)
                return neg_errno();
        dir = fdopendir(dup_fd);
        if (!dir) {
                close_nointr(dup_fd);
                return neg_errno();
        }
        while ((de = readdir(dir))) {
                size_t len = strlen(de->d_name);
                char **nn;

                if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
                        continue;
                nn = realloc(names, sizeof *names * (n + 1));
                if (!nn)
                        goto oom;
                names = nn;
                names[n] = strdup(de->d_name);
                if (!names[n])
                        goto oom;
                n++;
        }
        if (n)
                qsort(names, n, sizeof *names, cmp_str);
        *ret = names;
        *ret_n = n;
        return 0;
oom:
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return -ENOMEM;
}

JAULA_EXPORT int jaula_policy_load_ex(const char *path, const char *cache_dir, unsigned flags,
                                      struct jaula_policy **ret, struct jaula_diags *diags)
{
        _cleanup_(policy_freep) struct jaula_policy *p = calloc(1, sizeof *p);
        _cleanup_free_ char *dirbuf = NULL;
        _cleanup_close_ int fd = -1, dfd = -1;
        struct jaula_diags local = { 0 };
        struct ctx c = { .d = diags ? diags : &local,
                         .main = true,
                         .warnings = flags & JAULA_POLICY_WARNINGS };
        struct source_ids ids = { 0 };
        char **names = NULL;
        size_t n_names = 0;
        const char *incdir;
        struct stat st;
        dev_t main_dev;
        ino_t main_ino;
        int r;

        if (!p)
                return -ENOMEM;
        c.p = p;
        if (!path)
                path = JAULA_DEFAULT_CONFIG;
        /* The default cache is for administrators' files (cachedir.c). */
        if (!cache_dir)
                cache_dir = jaula_policy_cache_dir_for(path);
        p->file = jaula_arena_strdup(p, path);
        if (!p->file)
                return -ENOMEM;

        fd = open_checked(&c, AT_FDCWD, path, path, &st);
        if (fd < 0) {
                r = fd;
                goto out;
        }
        /* A cached policy was judged already and carries no warnings. */
        if (*cache_dir && !(flags & (JAULA_POLICY_NO_CACHE_READ | JAULA_POLICY_WARNINGS)) &&
            jaula_policy_cache_read(cache_dir, path, fd, ret) == 0) {
                r = 0;
                goto out;
        }
        ids_add(&ids, path, &st);
        main_dev = st.st_dev;
        main_ino = st.st_ino;
        r = parse_fd(&c, fd, path);
        if (r < 0)
                goto out;

        incdir = p->include_dir;
        if (!incdir) {
                const char *slash = strrchr(path, '/');

                if (slash)
                        r = asprintf(&dirbuf, "%.*s/conf.d", (int) (slash - path), path);
                else
                        r = asprintf(&dirbuf, "conf.d");
                if (r < 0) {
                        dirbuf = NULL;
                        r = -ENOMEM;
                        goto out;
                }
                incdir = dirbuf;
        }

        dfd = open(incdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 && errno != ENOENT) {
                r = neg_errno();
                diag_add(&c, incdir, 0, "cannot open the drop-in directory: %s", strerror(-r));
                goto out;
        }
        if (dfd < 0) {
                ids_add(&ids, incdir, NULL);
        } else {
                r = check_owner(&c, dfd, incdir, true, &st);
                if (r < 0)
                        goto out;
                ids_add(&ids, incdir, &st);
                r = list_dropins(dfd, &names, &n_names);
                if (r < 0)
                        goto out;
                c.main = false;
                for (size_t i = 0; i < n_names; i++) {
                        _cleanup_free_ char *full = NULL;
                        _cleanup_close_ int dropin = -1;

                        if (asprintf(&full, "%s/%s", incdir, names[i]) < 0) {
                                full = NULL;
                                r = -ENOMEM;
                                goto out;
                        }
                        /* A drop-in that cannot be read is reported and the
                         * others are still checked, so one run shows
                         * everything to fix. */
                        dropin = open_checked(&c, dfd, names[i], full, &st);
                        if (dropin == -ENOMEM) {
                                r = -ENOMEM;
                                goto out;
                        }
                        if (dropin < 0)
                                continue;
                        /* include_dir may be the main file's own directory. */
                        if (st.st_dev == main_dev && st.st_ino == main_ino)
                                continue;
                        ids_add(&ids, names[i], &st);
                        r = parse_fd(&c, dropin, full);
                        if (r == -ENOMEM)
                                goto out;
                }
        }
        r = finish(&c, ret);
        if (r == 0) {
                p = NULL;
                if (*cache_dir && !(flags & JAULA_POLICY_NO_CACHE_WRITE) && !ids.oom)
                        jaula_policy_cache_write(cache_dir, path, *ret, ids.v,
                                                 (const char *const *) ids.names, ids.n);
        }
out:
        for (size_t i = 0; i < n_names; i++)
                free(names[i]);
        free(names);
        ids_clear(&ids);
        jaula_diags_free(&local);
        return r;
}

JAULA_EXPORT int jaula_policy_load(const char *path, struct jaula_policy **ret,
                                   struct jaula_diags *diags)
{
        return jaula_policy_load_ex(path, NULL, 0, ret, diags);
}

JAULA_EXPORT int jaula_policy_from_cache(const struct jaula_policy *p)
{
        return p && p->from_cache;
}
