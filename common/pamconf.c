/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pamconf.c — the PAM stacks of the login services as libpam loads them,
 * and whether pam_jaula in the session stack really jails every login.
 * No privilege needed; files come through a reader callback.
 *
 * The semantics follow libpam's dispatcher: a control is an action per
 * return code; "include" and Debian's "@include" splice the file's lines
 * into the stack (their jumps may leave it), "substack" adds an entry that
 * does nothing itself, with the included lines one level deeper (jumps and
 * done/die stay inside it). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/hostcheck.h"
#include "jaula/util.h"

#define UNDEF 0
#define MAX_DEPTH 16 /* libpam's substack limit; include's is 32 */

static const char *const codes[JAULA_PAM_N_CODES] = {
        "success",
        "open_err",
        "symbol_err",
        "service_err",
        "system_err",
        "buf_err",
        "perm_denied",
        "auth_err",
        "cred_insufficient",
        "authinfo_unavail",
        "user_unknown",
        "maxtries",
        "new_authtok_reqd",
        "acct_expired",
        "session_err",
        "cred_unavail",
        "cred_expired",
        "cred_err",
        "no_module_data",
        "conv_err",
        "authtok_err",
        "authtok_recover_err",
        "authtok_lock_busy",
        "authtok_disable_aging",
        "try_again",
        "ignore",
        "abort",
        "authtok_expired",
        "module_unknown",
        "bad_item",
        "conv_again",
        "incomplete",
};

enum {
        C_SUCCESS = 0,
        C_SERVICE_ERR = 3,
        C_SYSTEM_ERR = 4,
        C_BUF_ERR = 5,
        C_NEW_AUTHTOK = 12,
        C_SESSION_ERR = 14,
        C_IGNORE = 25,
        C_MODULE_UNKNOWN = 28
};

JAULA_EXPORT int jaula_pam_code_index(const char *name)
{
        for (int i = 0; i < JAULA_PAM_N_CODES; i++)
                if (strcmp(codes[i], name) == 0)
                        return i;
        return -1;
}

static void set_default(int *a, int act)
{
        for (int i = 0; i < JAULA_PAM_N_CODES; i++)
                if (a[i] == UNDEF)
                        a[i] = act;
}

static int action_of(const char *s)
{
        static const struct {
                const char *name;
                int act;
        } acts[] = {
                {"ignore", JAULA_PAM_IGNORE}, {"ok", JAULA_PAM_OK},   {"done", JAULA_PAM_DONE},
                {"bad", JAULA_PAM_BAD},       {"die", JAULA_PAM_DIE}, {"reset", JAULA_PAM_RESET},
        };
        char *end;
        long v;

        for (size_t i = 0; i < ELEMENTSOF(acts); i++)
                if (strcmp(s, acts[i].name) == 0)
                        return acts[i].act;
        if (!isdigit((unsigned char) *s))
                return UNDEF;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || v <= 0 || v > 1000000)
                return UNDEF;
        return (int) v;
}

/* "required", "[success=1 default=ignore]", …  into a; -EINVAL when libpam
 * would not understand it (it then makes the line fail). */
static int parse_control(const char *control, int *a)
{
        for (int i = 0; i < JAULA_PAM_N_CODES; i++)
                a[i] = UNDEF;
        if (strcasecmp(control, "required") == 0) {
                a[C_SUCCESS] = a[C_NEW_AUTHTOK] = JAULA_PAM_OK;
                a[C_IGNORE] = JAULA_PAM_IGNORE;
                set_default(a, JAULA_PAM_BAD);
        } else if (strcasecmp(control, "requisite") == 0) {
                a[C_SUCCESS] = a[C_NEW_AUTHTOK] = JAULA_PAM_OK;
                a[C_IGNORE] = JAULA_PAM_IGNORE;
                set_default(a, JAULA_PAM_DIE);
        } else if (strcasecmp(control, "optional") == 0) {
                a[C_SUCCESS] = a[C_NEW_AUTHTOK] = JAULA_PAM_OK;
                set_default(a, JAULA_PAM_IGNORE);
        } else if (strcasecmp(control, "sufficient") == 0) {
                a[C_SUCCESS] = a[C_NEW_AUTHTOK] = JAULA_PAM_DONE;
                set_default(a, JAULA_PAM_IGNORE);
        } else if (control[0] == '[') {
                _cleanup_free_ char *copy = strdup(control + 1);
                char *save = NULL, *tok, *end;
                int def = UNDEF;

                if (!copy)
                        return -ENOMEM;
                end = strrchr(copy, ']');
                if (!end)
                        return -EINVAL;
                *end = '\0';
                for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                        char *eq = strchr(tok, '=');
                        int act, code;

                        if (!eq)
                                return -EINVAL;
                        *eq = '\0';
                        act = action_of(eq + 1);
                        if (act == UNDEF)
                                return -EINVAL;
                        if (strcmp(tok, "default") == 0) {
                                def = act;
                                continue;
                        }
                        code = jaula_pam_code_index(tok);
                        if (code < 0)
                                return -EINVAL;
                        a[code] = act;
                }
                set_default(a, def != UNDEF ? def : JAULA_PAM_BAD);
        } else {
                return -EINVAL;
        }
        return 0;
}

/* ------------------------------------------------------------- parsing */

struct loader {
        const char *type;
        jaula_read_fn rd;
        void *ud;
        struct jaula_pam_stack *st;
        struct jaula_findings *f;
};

static struct jaula_pam_line *push(struct loader *ld)
{
        struct jaula_pam_line *nv = realloc(ld->st->v, sizeof *nv * (ld->st->n + 1));

        if (!nv)
                return NULL;
        ld->st->v = nv;
        memset(&nv[ld->st->n], 0, sizeof nv[0]);
        return &nv[ld->st->n++];
}

/* Split one logical line into words; a word starting with '[' runs to the
 * matching ']' (controls and module arguments may hold spaces there). */
static char **split_words(const char *s, size_t *ret_n)
{
        char **v = NULL;
        size_t n = 0;

        for (;;) {
                const char *b;
                char **nv;

                while (*s == ' ' || *s == '\t')
                        s++;
                if (!*s)
                        break;
                b = s;
                if (*s == '[') {
                        while (*s && *s != ']')
                                s++;
                        if (*s)
                                s++;
                } else {
                        while (*s && *s != ' ' && *s != '\t')
                                s++;
                }
                nv = realloc(v, sizeof *v * (n + 2));
                if (!nv)
                        goto oom;
                v = nv;
                v[n] = strndup(b, (size_t) (s - b));
                if (!v[n])
                        goto oom;
                v[++n] = NULL;
        }
        if (!v && !(v = calloc(1, sizeof *v)))
                return NULL;
        *ret_n = n;
        return v;
oom:
        strv_free(v);
        return NULL;
}

static int load_file(struct loader *ld, const char *name, int level, int depth, const char *from,
                     int from_line);

static int add_line(struct loader *ld, const char *path, int lineno, char **w, size_t n, int level,
                    int depth)
{
        struct jaula_pam_line *l;
        const char *type = w[0];
        bool silent = false;
        int a[JAULA_PAM_N_CODES], r;

        if (strcmp(type, "@include") == 0) {
                if (n < 2)
                        return jaula_findings_add(ld->f, JAULA_SEV_WARNING, path, lineno,
                                                  "name the file to include, or remove the line",
                                                  "@include without a file name");
                return load_file(ld, w[1], level, depth + 1, path, lineno);
        }
        if (type[0] == '-') {
                silent = true;
                type++;
        }
        if (strcasecmp(type, ld->type) != 0)
                return 0;
        if (n < 3)
                return jaula_findings_add(
                        ld->f, JAULA_SEV_WARNING, path, lineno, "give a control and a module",
                        "%s line without a module: libpam fails this stack", ld->type);
        if (strcasecmp(w[1], "include") == 0)
                return load_file(ld, w[2], level, depth + 1, path, lineno);
        if (strcasecmp(w[1], "substack") == 0) {
                if (level + 1 >= MAX_DEPTH)
                        return jaula_findings_add(ld->f, JAULA_SEV_WARNING, path, lineno,
                                                  "flatten the substacks; this one was not read",
                                                  "substacks nested too deep");
                l = push(ld);
                if (!l)
                        return -ENOMEM;
                l->file = strdup(path);
                l->control = strdup(w[1]);
                l->module = strdup(w[2]);
                l->args = calloc(1, sizeof *l->args);
                l->line = lineno;
                l->level = level;
                l->substack = true;
                for (int i = 0; i < JAULA_PAM_N_CODES; i++)
                        l->actions[i] = JAULA_PAM_IGNORE;
                if (!l->file || !l->control || !l->module || !l->args)
                        return -ENOMEM;
                return load_file(ld, w[2], level + 1, depth + 1, path, lineno);
        }
        r = parse_control(w[1], a);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = jaula_findings_add(ld->f, JAULA_SEV_WARNING, path, lineno,
                                       "see pam.conf(5) for the control syntax",
                                       "control '%s' is not understood: libpam makes this line "
                                       "fail",
                                       w[1]);
                if (r < 0)
                        return r;
                for (int i = 0; i < JAULA_PAM_N_CODES; i++)
                        a[i] = JAULA_PAM_BAD;
        }
        l = push(ld);
        if (!l)
                return -ENOMEM;
        l->file = strdup(path);
        l->control = strdup(w[1]);
        l->module = strdup(w[2]);
        l->args = calloc(n - 2, sizeof *l->args);
        l->line = lineno;
        l->level = level;
        l->silent = silent;
        memcpy(l->actions, a, sizeof a);
        if (!l->file || !l->control || !l->module || !l->args)
                return -ENOMEM;
        for (size_t i = 3; i < n; i++)
                if (!(l->args[i - 3] = strdup(w[i])))
                        return -ENOMEM;
        return 0;
}

static int parse_text(struct loader *ld, const char *path, const char *text, int level, int depth)
{
        const char *p = text;
        int lineno = 0;

        while (*p) {
                _cleanup_free_ char *logical = NULL;
                size_t len = 0;
                int start = lineno + 1;

                /* One logical line: a backslash before the newline joins the
                 * next one. */
                for (;;) {
                        const char *nl = strchr(p, '\n');
                        size_t k = nl ? (size_t) (nl - p) : strlen(p);
                        bool cont = k > 0 && p[k - 1] == '\\';
                        char *nb = realloc(logical, len + k + 2);

                        if (!nb)
                                return -ENOMEM;
                        logical = nb;
                        memcpy(logical + len, p, cont ? k - 1 : k);
                        len += cont ? k - 1 : k;
                        logical[len++] = ' ';
                        logical[len] = '\0';
                        lineno++;
                        p = nl ? nl + 1 : p + k;
                        if (!cont || !nl)
                                break;
                }
                char *hash = strchr(logical, '#');
                if (hash)
                        *hash = '\0';

                _cleanup_strv_free_ char **w = NULL;
                size_t n = 0;
                int r;

                w = split_words(logical, &n);
                if (!w)
                        return -ENOMEM;
                if (n == 0)
                        continue;
                r = add_line(ld, path, start, w, n, level, depth);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_file(struct loader *ld, const char *name, int level, int depth, const char *from,
                     int from_line)
{
        _cleanup_free_ char *text = NULL, *path = NULL;
        int r;

        if (depth > 32)
                return jaula_findings_add(ld->f, JAULA_SEV_WARNING, from, from_line, NULL,
                                          "includes nested too deep (a loop?): libpam fails "
                                          "this stack");
        r = ld->rd(ld->ud, name, &text, &path);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (!from)
                        return r; /* the service itself: the caller decides */
                return jaula_findings_add(ld->f, JAULA_SEV_WARNING, from, from_line,
                                          "fix the file name",
                                          "cannot read included '%s' (%s): libpam fails every "
                                          "%s through this stack",
                                          name, strerror(-r), ld->type);
        }
        if (!ld->st->path && !(ld->st->path = strdup(path)))
                return -ENOMEM;
        return parse_text(ld, path, text, level, depth);
}

JAULA_EXPORT void jaula_pam_stack_free(struct jaula_pam_stack *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++) {
                free(s->v[i].file);
                free(s->v[i].control);
                free(s->v[i].module);
                strv_free(s->v[i].args);
        }
        free(s->v);
        free(s->service);
        free(s->path);
        memset(s, 0, sizeof *s);
}

JAULA_EXPORT int jaula_pam_stack_load(const char *service, const char *type, jaula_read_fn rd,
                                      void *ud, struct jaula_pam_stack *ret,
                                      struct jaula_findings *f)
{
        struct jaula_pam_stack st = {0};
        struct loader ld = {.type = type, .rd = rd, .ud = ud, .st = &st, .f = f};
        int r;

        st.service = strdup(service);
        if (!st.service)
                return -ENOMEM;
        r = load_file(&ld, service, 0, 0, NULL, 0);
        if (r < 0) {
                jaula_pam_stack_free(&st);
                return r;
        }
        *ret = st;
        return 0;
}

/* ------------------------------------------------------------- judging */

JAULA_EXPORT bool jaula_pam_line_is(const struct jaula_pam_line *l, const char *base)
{
        const char *slash;

        if (!l->module || l->substack)
                return false;
        slash = strrchr(l->module, '/');
        return strcmp(slash ? slash + 1 : l->module, base) == 0;
}

static bool has_arg(const struct jaula_pam_line *l, const char *arg)
{
        for (char **a = l->args; a && *a; a++)
                if (strcmp(*a, arg) == 0)
                        return true;
        return false;
}

static const char *action_name(int act, char *buf, size_t size)
{
        switch (act) {
        case JAULA_PAM_IGNORE:
                return "ignore";
        case JAULA_PAM_OK:
                return "ok";
        case JAULA_PAM_DONE:
                return "done";
        case JAULA_PAM_BAD:
                return "bad";
        case JAULA_PAM_DIE:
                return "die";
        case JAULA_PAM_RESET:
                return "reset";
        default:
                snprintf(buf, size, "jump %d", act);
                return buf;
        }
}

/* Where a jump of n from entry i lands, as libpam counts: an entry and the
 * deeper entries after it are one step; a jump never leaves its substack.
 * Returns the index of the first entry run next (s->n: past the end). */
static size_t jump_target(const struct jaula_pam_stack *s, size_t i, int n)
{
        int level = s->v[i].level;
        size_t h = i;

        while (h + 1 < s->n && s->v[h + 1].level >= level && n > 0) {
                do
                        h++;
                while (h + 1 < s->n && s->v[h + 1].level > level);
                n--;
        }
        return h + 1;
}

/* The first entry after i not in i's substack (where done/die at i
 * continue): s->n when i is at the top. */
static size_t frame_end(const struct jaula_pam_stack *s, size_t i)
{
        size_t h = i + 1;

        while (h < s->n && s->v[h].level >= s->v[i].level)
                h++;
        return h;
}

/* Return codes pam_jaula gives when it refuses a session, and the one
 * libpam gives when the module cannot be loaded. */
static const struct {
        int code;
        const char *why;
} refusals[] = {
        {C_SESSION_ERR, "session_err (the jail cannot be set up)"},
        {C_SERVICE_ERR, "service_err (the policy cannot be read)"},
        {C_BUF_ERR, "buf_err (out of memory)"},
        {C_SYSTEM_ERR, "system_err"},
        {C_MODULE_UNKNOWN, "module_unknown (the module cannot be loaded)"},
};

static int judge_control(const struct jaula_pam_line *l, const char *svc, struct jaula_findings *f)
{
        char buf[32];

        for (size_t i = 0; i < ELEMENTSOF(refusals); i++) {
                int act = l->actions[refusals[i].code];

                /* bad and die fail the stack; ok and done put the error in
                 * the stack's result, which no later success overrides. */
                if (act == JAULA_PAM_BAD || act == JAULA_PAM_DIE || act == JAULA_PAM_OK ||
                    act == JAULA_PAM_DONE)
                        continue;
                return jaula_findings_add(
                        f, JAULA_SEV_ERROR, l->file, l->line,
                        "use \"session requisite pam_jaula.so\"",
                        "%s: pam_jaula's control '%s' fails open: on %s the action is %s, so "
                        "the login goes on without a jail",
                        svc, l->control, refusals[i].why, action_name(act, buf, sizeof buf));
        }
        if (l->actions[C_IGNORE] == JAULA_PAM_BAD || l->actions[C_IGNORE] == JAULA_PAM_DIE)
                return jaula_findings_add(f, JAULA_SEV_WARNING, l->file, l->line,
                                          "use \"session requisite pam_jaula.so\"",
                                          "%s: pam_jaula's control '%s' refuses the users it "
                                          "does not jail (it answers them PAM_IGNORE)",
                                          svc, l->control);
        return 0;
}

/* Whether an error of the module fails the stack. */
static bool can_fail(const struct jaula_pam_line *l)
{
        for (int c = 0; c < JAULA_PAM_N_CODES; c++)
                if (c != C_SUCCESS && c != C_IGNORE &&
                    (l->actions[c] == JAULA_PAM_BAD || l->actions[c] == JAULA_PAM_DIE))
                        return true;
        return false;
}

JAULA_EXPORT int jaula_pam_judge_session(const struct jaula_pam_stack *s,
                                         bool (*module_exists)(const char *module),
                                         struct jaula_findings *f)
{
        const char *svc = s->service;
        size_t j = s->n, n_jaula = 0;
        char buf[32];
        int r;

        for (size_t i = 0; i < s->n; i++)
                if (jaula_pam_line_is(&s->v[i], "pam_jaula.so")) {
                        if (j == s->n)
                                j = i;
                        n_jaula++;
                }
        if (j == s->n)
                return jaula_findings_add(
                        f, JAULA_SEV_ERROR, s->path ? s->path : svc, 0,
                        "add \"session requisite pam_jaula.so\" as the last session line "
                        "(see /usr/share/doc/jaula/examples/pam.d-jaula)",
                        "%s: no pam_jaula in the session stack: users the policy jails log in "
                        "on the host",
                        svc);

        const struct jaula_pam_line *jl = &s->v[j];

        if (module_exists && !module_exists(jl->module)) {
                r = jaula_findings_add(f, JAULA_SEV_ERROR, jl->file, jl->line,
                                       "install pam_jaula.so or fix the path",
                                       "%s: module '%s' does not exist", svc, jl->module);
                if (r < 0)
                        return r;
        }
        r = judge_control(jl, svc, f);
        if (r < 0)
                return r;
        if (n_jaula > 1) {
                r = jaula_findings_add(f, JAULA_SEV_WARNING, jl->file, jl->line,
                                       "keep one pam_jaula line, the last",
                                       "%s: pam_jaula appears %zu times in the session stack", svc,
                                       n_jaula);
                if (r < 0)
                        return r;
        }

        /* Lines before pam_jaula that can jump over it or end the stack
         * with success before it runs. */
        for (size_t i = 0; i < j; i++) {
                const struct jaula_pam_line *l = &s->v[i];
                bool done = false;
                int jump = 0;

                if (l->substack)
                        continue;
                for (int c = 0; c < JAULA_PAM_N_CODES; c++) {
                        int act = l->actions[c];

                        if (act == JAULA_PAM_DONE && frame_end(s, i) > j)
                                done = true;
                        if (act > 0 && jump_target(s, i, act) > j && act > jump)
                                jump = act;
                }
                if (done) {
                        r = jaula_findings_add(
                                f, JAULA_SEV_ERROR, l->file, l->line,
                                "make it \"required\" (or move pam_jaula before it)",
                                "%s: '%s %s' can end the session stack with success before "
                                "pam_jaula runs (done)",
                                svc, l->control, l->module);
                        if (r < 0)
                                return r;
                }
                if (jump) {
                        r = jaula_findings_add(f, JAULA_SEV_ERROR, l->file, l->line,
                                               "make the jump shorter, or move pam_jaula",
                                               "%s: '%s %s' can jump over pam_jaula (%s)", svc,
                                               l->control, l->module,
                                               action_name(jump, buf, sizeof buf));
                        if (r < 0)
                                return r;
                }
                if (jaula_pam_line_is(l, "pam_env.so") && has_arg(l, "user_readenv=1")) {
                        r = jaula_findings_add(
                                f, JAULA_SEV_WARNING, l->file, l->line,
                                "drop user_readenv=1 unless needed",
                                "%s: pam_env reads the user's ~/.pam_environment "
                                "(user_readenv=1); neutralised by pam_jaula's environment "
                                "allow-list, as long as pam_jaula comes after it",
                                svc);
                        if (r < 0)
                                return r;
                }
        }

        /* Lines after pam_jaula: they run inside the jail's namespaces,
         * after the jail exists, and can undo what pam_jaula set. */
        for (size_t i = j + 1; i < s->n; i++) {
                const struct jaula_pam_line *l = &s->v[i];

                if (l->substack || jaula_pam_line_is(l, "pam_jaula.so"))
                        continue;
                if (jaula_pam_line_is(l, "pam_env.so") && has_arg(l, "user_readenv=1"))
                        r = jaula_findings_add(
                                f, JAULA_SEV_ERROR, l->file, l->line,
                                "move pam_jaula after this line (make it the last session line)",
                                "%s: pam_env with user_readenv=1 runs after pam_jaula: the "
                                "user's ~/.pam_environment sets the session environment past "
                                "pam_jaula's allow-list",
                                svc);
                else if (jaula_pam_line_is(l, "pam_env.so"))
                        r = jaula_findings_add(
                                f, can_fail(l) ? JAULA_SEV_ERROR : JAULA_SEV_WARNING, l->file,
                                l->line,
                                "move pam_jaula after this line (make it the last session line)",
                                "%s: pam_env runs after pam_jaula and sets variables past its "
                                "environment allow-list",
                                svc);
                else if (can_fail(l))
                        r = jaula_findings_add(
                                f, JAULA_SEV_ERROR, l->file, l->line,
                                "make pam_jaula the last session line",
                                "%s: '%s %s' runs after pam_jaula and can fail the session "
                                "after the jail was made: the application then never closes "
                                "the session and the jail outlives the refused login",
                                svc, l->control, l->module);
                else
                        r = jaula_findings_add(
                                f, JAULA_SEV_WARNING, l->file, l->line,
                                "make pam_jaula the last session line",
                                "%s: '%s' runs after pam_jaula, inside the jail's namespaces", svc,
                                l->module);
                if (r < 0)
                        return r;
        }
        return 0;
}
