/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hostcheck.c — the findings of `jaula check-host`, and the policy judged
 * against what the running host can grant (kept capabilities).  Reading
 * /proc needs no privilege. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
        const char *sev = x->severity == JAULA_SEV_ERROR     ? "error"
                          : x->severity == JAULA_SEV_WARNING ? "warning"
                                                             : "note";
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

/* -------------------------------------------------------------- systemd */

JAULA_EXPORT int jaula_parse_boolean(const char *v, bool *ret)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(v, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(v, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

static void logind_value_clear(struct jaula_logind_value *v)
{
        free(v->value);
        free(v->file);
        *v = (struct jaula_logind_value){ 0 };
}

JAULA_EXPORT void jaula_logind_conf_free(struct jaula_logind_conf *c)
{
        logind_value_clear(&c->kill_user_processes);
        logind_value_clear(&c->kill_only_users);
        logind_value_clear(&c->kill_exclude_users);
}

static int logind_set(struct jaula_logind_value *v, const char *file, int line, const char *value)
{
        char *nv = strdup(value), *nf = strdup(file);

        if (!nv || !nf) {
                free(nv);
                free(nf);
                return -ENOMEM;
        }
        logind_value_clear(v);
        *v = (struct jaula_logind_value){ .value = nv, .file = nf, .line = line };
        return 0;
}

static char *trim(char *s)
{
        char *e;

        s += strspn(s, " \t");
        e = s + strlen(s);
        while (e > s && strchr(" \t\r\n", e[-1]))
                *--e = 0;
        return s;
}

JAULA_EXPORT int jaula_logind_conf_apply(struct jaula_logind_conf *c, const char *file,
                                         const char *text)
{
        _cleanup_free_ char *copy = strdup(text), *joined = NULL;
        bool in_login = false;
        char *save = NULL, *ln;
        int lineno = 0;

        if (!copy)
                return -ENOMEM;
        /* strtok_r would skip empty lines and lose the count: split by hand. */
        for (ln = copy; ln; ln = save) {
                char *nl = strchr(ln, '\n'), *l, *eq, *key, *val;
                int start;
                int r;

                save = nl ? nl + 1 : NULL;
                if (nl)
                        *nl = 0;
                lineno++;
                start = lineno;
                l = trim(ln);
                if (*l == '#' || *l == ';')
                        continue;
                /* A trailing backslash joins the next line (with a space). */
                free(joined);
                joined = strdup(l);
                if (!joined)
                        return -ENOMEM;
                while (*joined && joined[strlen(joined) - 1] == '\\' && save) {
                        char *nl2 = strchr(save, '\n'), *more;

                        joined[strlen(joined) - 1] = ' ';
                        if (nl2)
                                *nl2 = 0;
                        lineno++;
                        if (asprintf(&more, "%s%s", joined, trim(save)) < 0)
                                return -ENOMEM;
                        free(joined);
                        joined = more;
                        save = nl2 ? nl2 + 1 : NULL;
                }
                l = trim(joined);
                if (!*l)
                        continue;
                if (*l == '[') {
                        in_login = strcmp(l, "[Login]") == 0;
                        continue;
                }
                eq = strchr(l, '=');
                if (!in_login || !eq)
                        continue;
                *eq = 0;
                key = trim(l);
                val = trim(eq + 1);
                if (strcmp(key, "KillUserProcesses") == 0)
                        r = logind_set(&c->kill_user_processes, file, start, val);
                else if (strcmp(key, "KillOnlyUsers") == 0)
                        r = logind_set(&c->kill_only_users, file, start, val);
                else if (strcmp(key, "KillExcludeUsers") == 0)
                        r = logind_set(&c->kill_exclude_users, file, start, val);
                else
                        r = 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

static int name_cmp(const void *a, const void *b)
{
        const char *x = *(char *const *) a, *y = *(char *const *) b;

        return strcmp(strrchr(x, '/') + 1, strrchr(y, '/') + 1);
}

JAULA_EXPORT int jaula_dropins_order(const char *const *dirs, char **const *names, size_t n_dirs,
                                     char ***ret)
{
        _cleanup_strv_free_ char **out = NULL;
        size_t n = 0;

        out = calloc(1, sizeof *out);
        if (!out)
                return -ENOMEM;
        for (size_t d = 0; d < n_dirs; d++) {
                for (size_t i = 0; names[d] && names[d][i]; i++) {
                        const char *name = names[d][i];
                        bool masked = false;
                        char **nv;

                        if (strlen(name) < 6 || strcmp(name + strlen(name) - 5, ".conf") != 0 ||
                            strchr(name, '/'))
                                continue;
                        for (size_t k = 0; k < n && !masked; k++)
                                masked = strcmp(strrchr(out[k], '/') + 1, name) == 0;
                        if (masked)
                                continue;
                        nv = realloc(out, sizeof *out * (n + 2));
                        if (!nv)
                                return -ENOMEM;
                        out = nv;
                        if (asprintf(&out[n], "%s/%s", dirs[d], name) < 0) {
                                out[n] = NULL;
                                return -ENOMEM;
                        }
                        out[++n] = NULL;
                }
        }
        qsort(out, n, sizeof *out, name_cmp);
        *ret = TAKE_PTR(out);
        return 0;
}

static int list_dir(const char *dir, char ***ret)
{
        _cleanup_strv_free_ char **v = calloc(1, sizeof *v);
        DIR *d;
        struct dirent *de;
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        d = opendir(dir);
        if (!d) {
                *ret = TAKE_PTR(v);
                return 0;
        }
        while ((de = readdir(d))) {
                char **nv;

                if (de->d_name[0] == '.')
                        continue;
                nv = realloc(v, sizeof *v * (n + 2));
                if (!nv || !(nv[n] = strdup(de->d_name))) {
                        if (nv)
                                v = nv;
                        closedir(d);
                        return -ENOMEM;
                }
                v = nv;
                v[++n] = NULL;
        }
        closedir(d);
        *ret = TAKE_PTR(v);
        return 0;
}

static int apply_file(struct jaula_logind_conf *c, const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *text = NULL;
        int r;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        r = jaula_read_fd_text(fd, 1024 * 1024, &text);
        if (r < 0)
                return r;
        return jaula_logind_conf_apply(c, path, text);
}

JAULA_EXPORT int jaula_logind_conf_load(const char *main_file, const char *const *dirs,
                                        size_t n_dirs, struct jaula_logind_conf *ret)
{
        struct jaula_logind_conf c = { 0 };
        char ***names = calloc(n_dirs + 1, sizeof *names);
        _cleanup_strv_free_ char **order = NULL;
        int r = 0;

        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < n_dirs && r >= 0; i++)
                r = list_dir(dirs[i], &names[i]);
        if (r >= 0)
                r = jaula_dropins_order(dirs, names, n_dirs, &order);
        for (size_t i = 0; i < n_dirs; i++)
                strv_free(names[i]);
        free(names);
        if (r >= 0 && main_file)
                r = apply_file(&c, main_file);
        for (size_t i = 0; r >= 0 && order && order[i]; i++)
                r = apply_file(&c, order[i]);
        if (r < 0) {
                jaula_logind_conf_free(&c);
                return r;
        }
        *ret = c;
        return 0;
}

/* Whether any profile lets a jail outlive the login that opened it. */
static bool outlives_login(const struct jaula_policy *p, bool *ret_processes)
{
        bool any = false;

        *ret_processes = false;
        for (size_t i = 0; p && i < p->profiles.n; i++) {
                const struct pol_profile *pr = POL_AT(p->profiles, struct pol_profile, i);

                if (pr->lifetime == JAULA_LIFETIME_PROCESSES)
                        *ret_processes = any = true;
                else if (pr->linger > 0)
                        any = true;
        }
        return any;
}

JAULA_EXPORT int jaula_systemd_judge(const struct jaula_systemd_facts *s,
                                     const struct jaula_policy *p, struct jaula_findings *f)
{
        const bool explicit_root = p && p->cgroup_root && p->cgroup_root[0];
        bool processes = false, outlive = outlives_login(p, &processes);
        int r = 0;

        if (!s->pid1) {
                r = jaula_findings_add(f, JAULA_SEV_NOTE, NULL, 0, NULL,
                                       "systemd is not PID 1 here: jails use the cgroup %s "
                                       "backend directly under %s",
                                       s->layout == JAULA_CGROUP_V2 ? "v2" : "v1",
                                       explicit_root ? p->cgroup_root : "/sys/fs/cgroup");
        } else if (explicit_root) {
                r = jaula_findings_add(f, JAULA_SEV_NOTE, p->file, p->cgroup_root_line, NULL,
                                       "cgroup_root is set: jails are cgroups under '%s' that "
                                       "the administrator manages, not systemd units "
                                       "(systemctl and machinectl do not show them)",
                                       p->cgroup_root);
        } else if (s->layout == JAULA_CGROUP_V2) {
                r = jaula_findings_add(f, JAULA_SEV_NOTE, NULL, 0, NULL,
                                       "systemd is PID 1 with a unified cgroup v2 hierarchy: "
                                       "each jail is a transient unit jaula-ID.scope under "
                                       "jaula.slice, its limits unit properties "
                                       "(systemctl status / set-property)");
        } else {
                r = jaula_findings_add(f, JAULA_SEV_WARNING, NULL, 0,
                                       "boot with systemd.unified_cgroup_hierarchy=1 (the "
                                       "default since Debian 11)",
                                       "systemd runs a %s cgroup layout, where it delegates no "
                                       "controllers: jails use the cgroup v1 backend, are not "
                                       "units, and their limits are not visible to systemctl",
                                       s->layout == JAULA_CGROUP_HYBRID ? "hybrid" : "legacy (v1)");
        }
        if (r < 0 || !s->pid1)
                goto logind;
        if (!s->machined)
                r = jaula_findings_add(f, JAULA_SEV_WARNING, NULL, 0,
                                       "apt-get install systemd-container",
                                       "systemd-machined is not installed: jails are not "
                                       "registered as machines, so machinectl list/status/"
                                       "terminate do not know them");
        if (r >= 0 && s->pam_systemd)
                r = jaula_findings_add(f, JAULA_SEV_NOTE, s->pam_systemd_file,
                                       s->pam_systemd_line, NULL,
                                       "pam_systemd registers each ssh login with logind "
                                       "(session-N.scope); the jail's processes live outside it, "
                                       "in jaula.slice");
        else if (r >= 0)
                r = jaula_findings_add(f, JAULA_SEV_NOTE, NULL, 0, NULL,
                                       "pam_systemd is not in sshd's session stack: logind does "
                                       "not track ssh logins (loginctl lists none); jails work "
                                       "the same");
logind:
        if (r < 0 || !s->logind_judged || !s->logind)
                return r < 0 ? r : 0;
        {
                const struct jaula_logind_value *k = &s->logind->kill_user_processes;
                bool kill = false;

                if (k->value && jaula_parse_boolean(k->value, &kill) < 0)
                        r = jaula_findings_add(f, JAULA_SEV_WARNING, k->file, k->line, NULL,
                                               "KillUserProcesses='%s' is not a boolean; logind "
                                               "ignores it",
                                               k->value);
                else if (kill)
                        r = jaula_findings_add(
                                f, JAULA_SEV_NOTE, k->file, k->line, NULL,
                                "KillUserProcesses=yes: logout kills what runs in the login's "
                                "session scope only; jails live in jaula.slice and follow their "
                                "lifetime (\"session\": end at logout, or after linger%s)",
                                processes ? "; \"processes\": live on while a process runs" : "");
        }
        if (r >= 0 && outlive)
                r = jaula_findings_add(f, JAULA_SEV_NOTE, NULL, 0, NULL,
                                       "a profile lets jails outlive their login (linger%s): "
                                       "the logind session closes at logout and the jail lives "
                                       "on in its own scope; `systemctl stop jaula-ID.scope` or "
                                       "`jaula stop` ends it",
                                       processes ? ", lifetime \"processes\"" : "");
        if (r >= 0 && s->n_lingering > 0)
                r = jaula_findings_add(f, JAULA_SEV_NOTE, "/var/lib/systemd/linger", 0, NULL,
                                       "logind linger is on for %zu user(s): their user@UID.service "
                                       "starts at boot through the systemd-user PAM stack, which "
                                       "must refuse jailed users (see its pam_jaula check)",
                                       s->n_lingering);
        return r < 0 ? r : 0;
}
