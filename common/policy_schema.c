/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy_schema.c — the schema of jaula.conf and the parser's context:
 * which keys each section has, the typed readers that check one value
 * against its kind (string, boolean, integer, size, path, template, list)
 * and report a problem with its file and line, and the "did you mean"
 * hints.  No privilege needed.  Part of the parser (policy-parse.h); below
 * it only the data layer (policy-data.h) and template.c. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/policy.h"
#include "jaula/util.h"
#include "policy-data.h"
#include "policy-parse.h"

#define NAME_MAX_LEN 64

/* -------------------------------------------------------------- context */

void pol_diag_add(struct ctx *c, const char *file, int line, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (jaula_diags_push(c->d, false, file, line, buf) < 0)
                c->oom = true;
}

/* parent + "." + the formatted suffix; key paths are for messages, so a
 * path too long for the buffer is cut, never overflowed. */
void pol_subpath(char *buf, size_t size, const char *parent, const char *fmt, ...)
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

int pol_line_of(const config_setting_t *s)
{
        return s ? (int) config_setting_source_line(s) : 0;
}

void *pol_ctx_alloc(struct ctx *c, size_t size)
{
        void *r = jaula_arena_alloc(c->p, size);

        if (!r)
                c->oom = true;
        return r;
}

const char *pol_ctx_strdup(struct ctx *c, const char *s)
{
        char *r = jaula_arena_strdup(c->p, s);

        if (!r)
                c->oom = true;
        return r;
}

void *pol_vec_push(struct ctx *c, struct pol_vec *v, size_t item)
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

const char *const pol_top_keys[] = { "global", "rootfs", "networks", "profiles",
                                     "groups", "match",  NULL };
const char *const pol_global_keys[] = { "state_dir",      "cgroup_root",   "cgroup_path",
                                        "persistent_dir", "default_shell", "include_dir",
                                        NULL };
const char *const pol_rootfs_keys[] = { "path", "type", "arch", NULL };
const char *const pol_net_keys[] = { "bridges", "bridge", "subnet",    "gateway",
                                     "dns",     "search", "addresses", "isolate",
                                     "nat",     "uplink", "mtu",       "pool",
                                     "vxlan",   NULL };
const char *const pol_vxlan_keys[] = { "vni", "peers", "group", "dev", "local", "port", NULL };
const char *const pol_profile_keys[] = {
        "rootfs",      "scope",       "lifetime",        "linger",  "hostname",
        "namespaces",  "writable",    "persistent_path", "home",    "tmp_size",
        "shm_size",    "writable_size", "persistent_size", "max_jails_per_user",
        "max_sessions_per_user", "pty_max",
        "mounts",      "network",     "limits",          "seccomp", "capabilities",
        "environment", "shell",       "dev_log",         "unsafe",  "devices", NULL,
};
const char *const pol_limit_keys[] = { "memory", "swap",      "cpu", "cpu_weight",
                                       "pids",   "io_weight", NULL };
const char *const pol_mount_keys[] = { "source", "target", "mode", "optional", NULL };
const char *const pol_seccomp_keys[] = { "profile", "allow", "deny", NULL };
const char *const pol_group_keys[] = { "limits", NULL };
const char *const pol_rule_keys[] = { "name",   "users",   "groups", "uids",
                                      "exempt", "profile", "group",  NULL };

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

void pol_list_choices(const char *const *choices, char *buf, size_t size)
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

void pol_check_keys(struct ctx *c, const config_setting_t *grp, const char *path,
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
                        pol_list_choices(keys, all, sizeof all);
                        DIAG(c, s, "%s%s%s: unknown key; expected one of: %s", path,
                             *path ? "." : "", name, all);
                }
        }
}

const char *pol_type_name(const config_setting_t *s)
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

bool pol_has_control(const char *s)
{
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

/* Names of rootfs, networks, profiles, groups: they become directory names
 * (cgroup nodes, persistent uppers, state), so only a safe alphabet. */
bool pol_check_item_name(struct ctx *c, const config_setting_t *s, const char *section,
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
const config_setting_t *pol_member(const config_setting_t *grp, const char *key)
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

bool pol_want_group(struct ctx *c, const config_setting_t *s, const char *path)
{
        if (config_setting_is_group(s))
                return true;
        DIAG(c, s, "%s: expected a group { … }, got %s", path, pol_type_name(s));
        return false;
}

/* 1: set, 0: absent, -1: wrong (reported). */
int pol_get_string(struct ctx *c, const config_setting_t *grp, const char *path,
                   const char *key, const char **ret)
{
        const config_setting_t *s = pol_member(grp, key);
        const char *v;

        if (!s)
                return 0;
        if (config_setting_type(s) != CONFIG_TYPE_STRING) {
                DIAG(c, s, "%s.%s: expected a string, got %s", path, key, pol_type_name(s));
                return -1;
        }
        v = config_setting_get_string(s);
        if (pol_has_control(v)) {
                DIAG(c, s, "%s.%s: control characters are not allowed", path, key);
                return -1;
        }
        *ret = pol_ctx_strdup(c, v);
        return *ret ? 1 : -1;
}

int pol_get_bool(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                 bool *ret)
{
        const config_setting_t *s = pol_member(grp, key);

        if (!s)
                return 0;
        if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
                DIAG(c, s, "%s.%s: expected true or false, got %s", path, key, pol_type_name(s));
                return -1;
        }
        *ret = config_setting_get_bool(s);
        return 1;
}

int pol_get_int(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                long long lo, long long hi, long long *ret)
{
        const config_setting_t *s = pol_member(grp, key);
        long long v;

        if (!s)
                return 0;
        if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
                DIAG(c, s, "%s.%s: expected an integer, got %s", path, key, pol_type_name(s));
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
int pol_get_strv(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                 const char ***ret, size_t *ret_n, const config_setting_t **ret_s)
{
        const config_setting_t *s = pol_member(grp, key);
        const char **v;
        int n;

        if (!s)
                return 0;
        if (ret_s)
                *ret_s = s;
        if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
                DIAG(c, s, "%s.%s: expected a list of strings like [\"a\", \"b\"], got %s", path,
                     key, pol_type_name(s));
                return -1;
        }
        n = config_setting_length(s);
        v = pol_ctx_alloc(c, sizeof(char *) * ((size_t) n + 1));
        if (!v)
                return -1;
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned) i);

                if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                        DIAG(c, e, "%s.%s[%d]: expected a string, got %s", path, key, i,
                             pol_type_name(e));
                        return -1;
                }
                if (pol_has_control(config_setting_get_string(e))) {
                        DIAG(c, e, "%s.%s[%d]: control characters are not allowed", path, key, i);
                        return -1;
                }
                v[i] = pol_ctx_strdup(c, config_setting_get_string(e));
                if (!v[i])
                        return -1;
        }
        *ret = v;
        *ret_n = (size_t) n;
        return 1;
}

/* One of a fixed set of words. */
int pol_get_enum(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                 const char *const *words, int *ret)
{
        const char *v = NULL;
        char all[256];
        int r = pol_get_string(c, grp, path, key, &v);

        if (r <= 0)
                return r;
        for (int i = 0; words[i]; i++)
                if (strcmp(v, words[i]) == 0) {
                        *ret = i;
                        return 1;
                }
        pol_list_choices(words, all, sizeof all);
        DIAG(c, pol_member(grp, key), "%s.%s: expected one of %s, got \"%s\"", path, key, all, v);
        return -1;
}

bool pol_path_is_clean(const char *s)
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
int pol_get_abs_path(struct ctx *c, const config_setting_t *grp, const char *path,
                     const char *key, const char **ret)
{
        const char *v = NULL;
        int r = pol_get_string(c, grp, path, key, &v);

        if (r <= 0)
                return r;
        if (v[0] != '/') {
                DIAG(c, pol_member(grp, key), "%s.%s: expected an absolute path, got \"%s\"", path,
                     key, v);
                return -1;
        }
        if (!pol_path_is_clean(v)) {
                DIAG(c, pol_member(grp, key),
                     "%s.%s: '.' and '..' components are not allowed, got \"%s\"", path, key, v);
                return -1;
        }
        *ret = v;
        return 1;
}

int pol_get_template(struct ctx *c, const config_setting_t *grp, const char *path,
                     const char *key, enum jaula_template_kind kind, const char **ret)
{
        const char *v = NULL;
        char why[256];
        int r = pol_get_string(c, grp, path, key, &v);

        if (r <= 0)
                return r;
        if (jaula_template_check(v, kind, why, sizeof why) < 0) {
                DIAG(c, pol_member(grp, key), "%s.%s: %s, got \"%s\"", path, key, why, v);
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
int pol_get_size(struct ctx *c, const config_setting_t *grp, const char *path, const char *key,
                 bool allow_max, int64_t *ret)
{
        const config_setting_t *s = pol_member(grp, key);
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
                DIAG(c, s, "%s.%s: expected a size like \"512M\", got %s", path, key,
                     pol_type_name(s));
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
uint64_t pol_get_tmpfs_size(struct ctx *c, const config_setting_t *grp, const char *path,
                            const char *key)
{
        int64_t v = 0;

        if (pol_get_size(c, grp, path, key, true, &v) <= 0)
                return 0;
        if (v == JAULA_LIMIT_UNSET)
                return JAULA_SIZE_UNBOUNDED;
        /* 0 meant "the kernel's default" once; it now means the default
         * (bounded) size, so that old policies stay valid. */
        if (v > 0 && v < 4096) {
                DIAG(c, pol_member(grp, key), "%s.%s: at least \"4K\", got %lld bytes", path, key,
                     (long long) v);
                return 0;
        }
        return (uint64_t) v;
}
