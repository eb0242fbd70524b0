/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hostcheck.c — the findings of `jaula check-host`, and the policy judged
 * against what the running host can grant (kept capabilities).  Reading
 * /proc needs no privilege. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jaula/confine.h"
#include "jaula/hostcheck.h"
#include "jaula/util.h"
#include "policy-data.h"
#include "policy-types.h"

/* ------------------------------------------------------------- findings */

static bool str_eq(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

JAULA_EXPORT int jaula_findings_add(struct jaula_findings *f, enum jaula_severity sev,
                                    const char *file, int line, const char *fix, const char *fmt,
                                    ...)
{
        _cleanup_free_ char *msg = NULL, *fcopy = NULL, *xcopy = NULL;
        struct jaula_finding *nv;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0) {
                msg = NULL;
                return -ENOMEM;
        }
        /* The same setting seen through several users or services is one
         * thing to change. */
        for (size_t i = 0; i < f->n; i++)
                if (f->v[i].severity == sev && f->v[i].line == line && str_eq(f->v[i].file, file) &&
                    str_eq(f->v[i].msg, msg) && str_eq(f->v[i].fix, fix))
                        return 0;
        if ((file && !(fcopy = strdup(file))) || (fix && !(xcopy = strdup(fix))))
                return -ENOMEM;
        nv = realloc(f->v, sizeof *nv * (f->n + 1));
        if (!nv)
                return -ENOMEM;
        f->v = nv;
        nv[f->n++] = (struct jaula_finding){
                .severity = sev,
                .file = TAKE_PTR(fcopy),
                .line = line,
                .msg = TAKE_PTR(msg),
                .fix = TAKE_PTR(xcopy),
        };
        return 0;
}

JAULA_EXPORT void jaula_findings_free(struct jaula_findings *f)
{
        if (!f)
                return;
        for (size_t i = 0; i < f->n; i++) {
                free(f->v[i].file);
                free(f->v[i].msg);
                free(f->v[i].fix);
        }
        free(f->v);
        f->v = NULL;
        f->n = 0;
}

JAULA_EXPORT size_t jaula_findings_count(const struct jaula_findings *f, enum jaula_severity sev)
{
        size_t n = 0;

        for (size_t i = 0; i < f->n; i++)
                if (f->v[i].severity == sev)
                        n++;
        return n;
}

JAULA_EXPORT void jaula_finding_format(const struct jaula_finding *x, char *buf, size_t size)
{
        const char *sev = x->severity == JAULA_SEV_ERROR ? "error" : "warning";
        char where[1100];

        if (x->file && x->line > 0)
                snprintf(where, sizeof where, "%s:%d: ", x->file, x->line);
        else if (x->file)
                snprintf(where, sizeof where, "%s: ", x->file);
        else
                where[0] = '\0';
        snprintf(buf, size, "%s%s: %s%s%s", where, sev, x->msg, x->fix ? " — " : "",
                 x->fix ? x->fix : "");
}

/* ------------------------------------------------------- reading files */

#define TEXT_MAX (4 * 1024 * 1024)

JAULA_EXPORT int jaula_read_fd_text(int fd, size_t max, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                ssize_t k;

                if (len + 1 >= cap) {
                        char *nb;

                        cap = cap ? cap * 2 : 4096;
                        if (cap > max)
                                return -EFBIG;
                        nb = realloc(buf, cap);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                k = read(fd, buf + len, cap - len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return neg_errno();
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

static int read_text(const char *path, char **ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;

        if (fd < 0)
                return neg_errno();
        if (fstat(fd, &st) < 0)
                return neg_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        return jaula_read_fd_text(fd, TEXT_MAX, ret);
}

JAULA_EXPORT int jaula_read_in_dir(void *ud, const char *name, char **ret_text, char **ret_path)
{
        const char *dir = ud;
        _cleanup_free_ char *path = NULL;
        int r;

        if (name[0] == '/')
                path = strdup(name);
        else if (asprintf(&path, "%s/%s", dir ? dir : ".", name) < 0)
                path = NULL;
        if (!path)
                return -ENOMEM;
        r = read_text(path, ret_text);
        if (r < 0)
                return r;
        *ret_path = TAKE_PTR(path);
        return 0;
}

/* --------------------------------------------------------- capabilities */

JAULA_EXPORT int jaula_caps_parse_bounding(const char *text, uint64_t *ret)
{
        for (const char *l = text; l && *l;) {
                const char *nl = strchr(l, '\n');

                if (strncmp(l, "CapBnd:", 7) == 0) {
                        const char *p = l + 7;
                        char *end;
                        unsigned long long v;

                        p += strspn(p, " \t");
                        if (!*p || *p == '\n')
                                return -EINVAL;
                        errno = 0;
                        v = strtoull(p, &end, 16);
                        if (errno || end == p || (*end && *end != '\n' && *end != ' '))
                                return -EINVAL;
                        *ret = (uint64_t) v;
                        return 0;
                }
                l = nl ? nl + 1 : NULL;
        }
        return -EINVAL;
}

static int bounding_of(const char *status_path, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_text(status_path, &text);

        if (r < 0)
                return r;
        return jaula_caps_parse_bounding(text, ret);
}

static void append(char *buf, size_t size, const char *s)
{
        size_t n = strnlen(buf, size);

        if (n + 1 < size)
                snprintf(buf + n, size - n, "%s%s", n ? ", " : "", s);
}

JAULA_EXPORT int jaula_caps_host_grantable(uint64_t *ret, char *what, size_t what_size)
{
        int last = jaula_caps_last();
        uint64_t mask = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
        uint64_t b;
        int r;

        if (what && what_size)
                what[0] = '\0';
        r = bounding_of("/proc/self/status", &b);
        if (r < 0)
                return r;
        mask &= b;
        if (what)
                append(what, what_size, "this process");
        /* sshd, and so jailsh, descend from PID 1 (or its service manager's
         * narrower set): a capability it lacks no login can have. */
        if (bounding_of("/proc/1/status", &b) == 0) {
                mask &= b;
                if (what)
                        append(what, what_size, "PID 1");
        }
        {
                _cleanup_free_ char *pid = NULL;
                char path[64];
                char *end;
                long v;

                if (read_text("/run/sshd.pid", &pid) == 0) {
                        errno = 0;
                        v = strtol(pid, &end, 10);
                        if (!errno && end != pid && v > 1 && v < INT32_MAX) {
                                snprintf(path, sizeof path, "/proc/%ld/status", v);
                                if (bounding_of(path, &b) == 0) {
                                        mask &= b;
                                        if (what)
                                                append(what, what_size, "the running sshd");
                                }
                        }
                }
        }
        *ret = mask;
        return 0;
}

JAULA_EXPORT int jaula_policy_check_caps_grantable(const struct jaula_policy *p, uint64_t grantable,
                                                   const char *what, struct jaula_diags *d)
{
        int n = 0;

        for (size_t i = 0; p && i < p->profiles.n; i++) {
                const struct pol_profile *pr = POL_AT(p->profiles, struct pol_profile, i);
                uint64_t missing = pr->caps_keep & ~grantable;
                _cleanup_free_ char *names = NULL, *msg = NULL;

                if (!missing)
                        continue;
                if (jaula_caps_to_string(missing, &names) < 0)
                        return -ENOMEM;
                for (char *c = names; *c; c++)
                        *c = *c == ',' ? ' ' : (char) toupper((unsigned char) *c);
                if (asprintf(&msg,
                             "profiles.%s.capabilities: keeps %s, which this host cannot grant "
                             "(not in the bounding set of %s); every login with this profile "
                             "would fail: remove it from the list",
                             pr->name, names, what && *what ? what : "this host") < 0) {
                        msg = NULL;
                        return -ENOMEM;
                }
                if (jaula_diags_push(d, false, pr->file,
                                     pr->caps_line > 0 ? pr->caps_line : pr->line, msg) < 0)
                        return -ENOMEM;
                n++;
        }
        return n;
}

/* ------------------------------------------------------- policy rules */

JAULA_EXPORT int jaula_policy_rule_info(const struct jaula_policy *p, int index,
                                        struct jaula_rule_info *ret)
{
        const struct pol_rule *ru;

        if (!p || index < 0 || (size_t) index >= p->rules.n)
                return -ENOENT;
        ru = POL_AT(p->rules, struct pol_rule, (size_t) index);
        *ret = (struct jaula_rule_info){
                .name = ru->name,
                .file = ru->file,
                .line = ru->line,
                .exempt = ru->exempt,
                .any_user = ru->any_user,
                .users = (const char *const *) ru->users,
                .n_users = ru->n_users,
                .groups = (const char *const *) ru->groups,
                .n_groups = ru->n_groups,
                .n_uid_ranges = ru->n_uids,
        };
        return 0;
}

JAULA_EXPORT int jaula_policy_rule_uid_range(const struct jaula_policy *p, int index, size_t i,
                                             uid_t *ret_lo, uid_t *ret_hi)
{
        const struct pol_rule *ru;

        if (!p || index < 0 || (size_t) index >= p->rules.n)
                return -ENOENT;
        ru = POL_AT(p->rules, struct pol_rule, (size_t) index);
        if (i >= ru->n_uids)
                return -ENOENT;
        *ret_lo = ru->uids[i].lo;
        *ret_hi = ru->uids[i].hi;
        return 0;
}
