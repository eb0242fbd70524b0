/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* template.c — %-templates in hostnames and paths of the policy.  No
 * privilege needed.
 *
 * The values substituted come from NSS, which on LDAP/SSSD hosts is data
 * that someone other than root may control.  A user called "../../etc"
 * must never turn a persistent-overlay path into a host path of their
 * choice, so every value is checked before it is spliced in, and the result
 * is checked again as a whole. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "jaula/log.h"
#include "jaula/policy.h"

#define HOSTNAME_MAX 63
#define TEMPLATE_MAX 4096

static bool hostname_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
}

static bool has_control(const char *s)
{
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

JAULA_EXPORT int jaula_template_check(const char *tmpl, enum jaula_template_kind kind, char *why,
                                      size_t why_size)
{
        const char *s;

        if (!tmpl || !*tmpl) {
                snprintf(why, why_size, "expected a non-empty template");
                return -EINVAL;
        }
        if (strlen(tmpl) > TEMPLATE_MAX) {
                snprintf(why, why_size, "template is longer than %d bytes", TEMPLATE_MAX);
                return -EINVAL;
        }
        if (has_control(tmpl)) {
                snprintf(why, why_size, "control characters are not allowed");
                return -EINVAL;
        }
        for (s = tmpl; *s; s++) {
                if (*s != '%') {
                        if (kind == JAULA_TEMPLATE_HOSTNAME && !hostname_char(*s)) {
                                snprintf(why, why_size,
                                         "'%c' is not allowed in a hostname (only A-Z, a-z, 0-9 "
                                         "and '-')",
                                         *s);
                                return -EINVAL;
                        }
                        continue;
                }
                s++;
                switch (*s) {
                case 'u':
                case 'U':
                case 'g':
                case 'p':
                case '%':
                        if (*s == '%' && kind == JAULA_TEMPLATE_HOSTNAME) {
                                snprintf(why, why_size, "'%%' is not allowed in a hostname");
                                return -EINVAL;
                        }
                        break;
                case 'h':
                        if (kind == JAULA_TEMPLATE_HOSTNAME) {
                                snprintf(why, why_size,
                                         "'%%h' (a path) cannot be used in a hostname; use %%u, "
                                         "%%U, %%g or %%p");
                                return -EINVAL;
                        }
                        break;
                case '\0':
                        snprintf(why, why_size,
                                 "template ends with a lone '%%'; write '%%%%' for a literal '%%'");
                        return -EINVAL;
                default:
                        snprintf(why, why_size,
                                 "unknown template variable '%%%c'; expected %%u (user), %%U (uid), "
                                 "%%g (group), %%h (home), %%p (profile) or %%%%",
                                 *s);
                        return -EINVAL;
                }
        }
        if (kind == JAULA_TEMPLATE_HOSTNAME) {
                size_t literal = 0;

                for (s = tmpl; *s; s++)
                        if (*s == '%')
                                s++;
                        else
                                literal++;
                if (literal > HOSTNAME_MAX) {
                        snprintf(why, why_size, "a hostname has at most %d bytes", HOSTNAME_MAX);
                        return -EINVAL;
                }
        }
        if (kind == JAULA_TEMPLATE_PATH && tmpl[0] != '/' && strncmp(tmpl, "%h", 2) != 0) {
                snprintf(why, why_size, "expected an absolute path (starting with '/' or %%h)");
                return -EINVAL;
        }
        if (kind == JAULA_TEMPLATE_PATH)
                for (s = tmpl; *s;) {
                        size_t len;

                        while (*s == '/')
                                s++;
                        len = strcspn(s, "/");
                        if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.')) {
                                snprintf(why, why_size, "'.' and '..' components are not allowed");
                                return -EINVAL;
                        }
                        s += len;
                }
        return 0;
}

/* A name spliced into a path component or a hostname. */
static int check_name_value(const char *var, const char *value, enum jaula_template_kind kind,
                            const char *tmpl, const struct jaula_user *user,
                            struct jaula_err *err)
{
        const char *s;

        if (!value || !*value)
                return jaula_err_set(err, -EINVAL,
                                     "Template '%s' for user '%s': %s is empty", tmpl,
                                     user->name ? user->name : "?", var);
        if (has_control(value))
                return jaula_err_set(err, -EINVAL,
                                     "Template '%s' for user '%s': %s contains a control "
                                     "character",
                                     tmpl, user->name ? user->name : "?", var);
        if (kind == JAULA_TEMPLATE_HOSTNAME) {
                for (s = value; *s; s++)
                        if (!hostname_char(*s))
                                return jaula_err_set(err, -EINVAL,
                                                     "Hostname template '%s' for user '%s': %s "
                                                     "'%s' contains '%c', which is not allowed "
                                                     "in a hostname (only A-Z, a-z, 0-9 and '-')",
                                                     tmpl, user->name, var, value, *s);
                return 0;
        }
        if (strchr(value, '/'))
                return jaula_err_set(err, -EINVAL,
                                     "Path template '%s' for user '%s': %s '%s' contains '/'",
                                     tmpl, user->name, var, value);
        if (strstr(value, ".."))
                return jaula_err_set(err, -EINVAL,
                                     "Path template '%s' for user '%s': %s '%s' contains '..'",
                                     tmpl, user->name, var, value);
        if (strcmp(value, ".") == 0)
                return jaula_err_set(err, -EINVAL,
                                     "Path template '%s' for user '%s': %s is '.'", tmpl,
                                     user->name, var);
        return 0;
}

/* The home directory is a path of its own: absolute, no "." or ".."
 * component, no control character. */
static int check_home_value(const char *value, const char *tmpl, const struct jaula_user *user,
                            struct jaula_err *err)
{
        const char *s;

        if (!value || value[0] != '/')
                return jaula_err_set(err, -EINVAL,
                                     "Path template '%s' for user '%s': home directory '%s' is "
                                     "not an absolute path",
                                     tmpl, user->name, value ? value : "");
        if (has_control(value))
                return jaula_err_set(err, -EINVAL,
                                     "Path template '%s' for user '%s': home directory contains "
                                     "a control character",
                                     tmpl, user->name);
        for (s = value; *s;) {
                size_t len;

                while (*s == '/')
                        s++;
                len = strcspn(s, "/");
                if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
                        return jaula_err_set(err, -EINVAL,
                                             "Path template '%s' for user '%s': home directory "
                                             "'%s' contains a '.' or '..' component",
                                             tmpl, user->name, value);
                s += len;
        }
        return 0;
}

struct sbuf {
        char *p;
        size_t n, cap;
        bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t len)
{
        if (b->oom)
                return;
        if (b->n + len + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 64;
                char *np;

                while (cap < b->n + len + 1)
                        cap *= 2;
                np = realloc(b->p, cap);
                if (!np) {
                        b->oom = true;
                        return;
                }
                b->p = np;
                b->cap = cap;
        }
        memcpy(b->p + b->n, s, len);
        b->n += len;
        b->p[b->n] = '\0';
}

JAULA_EXPORT int jaula_template_expand(const char *tmpl, enum jaula_template_kind kind,
                                       const struct jaula_user *user, const char *profile,
                                       char **ret, struct jaula_err *err)
{
        struct sbuf b = { 0 };
        char why[256];
        const char *s;
        int r;

        r = jaula_template_check(tmpl, kind, why, sizeof why);
        if (r < 0)
                return jaula_err_set(err, r, "Template '%s': %s", tmpl ? tmpl : "", why);

        for (s = tmpl; *s; s++) {
                const char *val = NULL, *var = NULL;
                char num[24];

                if (*s != '%') {
                        sb_add(&b, s, 1);
                        continue;
                }
                s++;
                switch (*s) {
                case '%':
                        sb_add(&b, "%", 1);
                        continue;
                case 'U':
                        snprintf(num, sizeof num, "%" PRIu32, (uint32_t) user->uid);
                        sb_add(&b, num, strlen(num));
                        continue;
                case 'u':
                        var = "user name", val = user->name;
                        break;
                case 'g':
                        var = "group name", val = user->group;
                        break;
                case 'p':
                        var = "profile name", val = profile;
                        break;
                case 'h':
                        r = check_home_value(user->home, tmpl, user, err);
                        if (r < 0)
                                goto fail;
                        /* "%h/x" with home "/" must not give "//x". */
                        val = user->home;
                        if (strcmp(val, "/") == 0 && s[1] == '/')
                                continue;
                        sb_add(&b, val, strlen(val));
                        continue;
                }
                r = check_name_value(var, val, kind, tmpl, user, err);
                if (r < 0)
                        goto fail;
                sb_add(&b, val, strlen(val));
        }
        if (b.oom) {
                r = jaula_err_set(err, -ENOMEM, "Out of memory expanding template '%s'", tmpl);
                goto fail;
        }
        if (!b.p)
                sb_add(&b, "", 0);
        if (kind == JAULA_TEMPLATE_HOSTNAME && (b.n == 0 || b.n > HOSTNAME_MAX)) {
                r = jaula_err_set(err, -EINVAL,
                                  "Hostname template '%s' for user '%s' expands to %zu bytes; a "
                                  "hostname has 1 to %d",
                                  tmpl, user->name, b.n, HOSTNAME_MAX);
                goto fail;
        }
        if (kind == JAULA_TEMPLATE_PATH && b.n >= 4096) {
                r = jaula_err_set(err, -ENAMETOOLONG,
                                  "Path template '%s' for user '%s' expands to a path longer "
                                  "than 4095 bytes",
                                  tmpl, user->name);
                goto fail;
        }
        *ret = b.p;
        return 0;
fail:
        free(b.p);
        return r;
}
