/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sshdconf.c — sshd's effective settings for a jailed user (the text of
 * `sshd -T -C …`), judged for everything that runs outside jailsh on the
 * host or skips pam_jaula, and placed at the sshd_config line to change.
 * No privilege needed; Include globbing and reading come through
 * callbacks.
 *
 * `sshd -T` tells the value but not where it came from, so sshd_config is
 * read again here only to point at a file and line: for one connection,
 * sshd takes the first value set in a Match block that holds, else the
 * first one outside any Match block. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaula/hostcheck.h"
#include "jaula/util.h"

/* ------------------------------------------------------------ sshd -T */

JAULA_EXPORT void jaula_sshd_settings_free(struct jaula_sshd_settings *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++) {
                free(s->keys[i]);
                free(s->values[i]);
        }
        free(s->keys);
        free(s->values);
        memset(s, 0, sizeof *s);
}

JAULA_EXPORT int jaula_sshd_settings_parse(const char *text, struct jaula_sshd_settings *ret)
{
        struct jaula_sshd_settings s = {0};

        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);
                size_t k = 0;
                char **nk, **nv;

                while (k < len && !isspace((unsigned char) p[k]))
                        k++;
                if (k > 0) {
                        size_t v = k;

                        while (v < len && isspace((unsigned char) p[v]))
                                v++;
                        nk = realloc(s.keys, sizeof *nk * (s.n + 1));
                        if (nk)
                                s.keys = nk;
                        nv = realloc(s.values, sizeof *nv * (s.n + 1));
                        if (nv)
                                s.values = nv;
                        if (!nk || !nv)
                                goto oom;
                        s.keys[s.n] = strndup(p, k);
                        s.values[s.n] = strndup(p + v, len - v);
                        s.n++;
                        if (!s.keys[s.n - 1] || !s.values[s.n - 1])
                                goto oom;
                        for (char *c = s.keys[s.n - 1]; *c; c++)
                                *c = (char) tolower((unsigned char) *c);
                }
                p = nl ? nl + 1 : p + len;
        }
        *ret = s;
        return 0;
oom:
        jaula_sshd_settings_free(&s);
        return -ENOMEM;
}

JAULA_EXPORT const char *jaula_sshd_get(const struct jaula_sshd_settings *s, const char *key)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->keys[i], key) == 0)
                        return s->values[i];
        return NULL;
}

/* ------------------------------------------------------- sshd_config */

JAULA_EXPORT void jaula_sshd_config_free(struct jaula_sshd_config *cfg)
{
        if (!cfg)
                return;
        for (size_t i = 0; i < cfg->n; i++) {
                free(cfg->v[i].file);
                free(cfg->v[i].keyword);
                free(cfg->v[i].args);
        }
        free(cfg->v);
        memset(cfg, 0, sizeof *cfg);
}

struct cfg_loader {
        struct jaula_sshd_config *cfg;
        jaula_glob_fn glob;
        jaula_read_fn rd;
        void *ud;
};

static int cfg_parse(struct cfg_loader *ld, const char *file, const char *text, int *match,
                     int depth);

static int cfg_include(struct cfg_loader *ld, const char *args, int *match, int depth)
{
        _cleanup_free_ char *copy = strdup(args);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *pat = strtok_r(copy, " \t", &save); pat; pat = strtok_r(NULL, " \t", &save)) {
                _cleanup_strv_free_ char **paths = NULL;
                int r;

                if (ld->glob(ld->ud, pat, &paths) < 0 || !paths)
                        continue;
                for (char **p = paths; *p; p++) {
                        _cleanup_free_ char *text = NULL, *shown = NULL;
                        int saved = *match;

                        if (ld->rd(ld->ud, *p, &text, &shown) < 0)
                                continue;
                        r = cfg_parse(ld, shown, text, match, depth + 1);
                        /* sshd restores the Match state it had at the
                         * Include once the included file ends. */
                        *match = saved;
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int cfg_parse(struct cfg_loader *ld, const char *file, const char *text, int *match,
                     int depth)
{
        struct jaula_sshd_config *cfg = ld->cfg;
        int lineno = 0;

        if (depth > 16)
                return 0;
        for (const char *p = text; *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);
                _cleanup_free_ char *line = strndup(p, len);
                char *s, *k, *e;
                struct jaula_sshd_directive *nv, *d;

                p = nl ? nl + 1 : p + len;
                lineno++;
                if (!line)
                        return -ENOMEM;
                s = line + strspn(line, " \t\r");
                if (!*s || *s == '#')
                        continue;
                e = s + strlen(s);
                while (e > s && isspace((unsigned char) e[-1]))
                        *--e = '\0';
                /* "Keyword value", "Keyword=value", "Keyword = value" */
                k = s;
                while (*s && !isspace((unsigned char) *s) && *s != '=')
                        s++;
                if (*s) {
                        *s++ = '\0';
                        s += strspn(s, " \t");
                        if (*s == '=')
                                s++;
                        s += strspn(s, " \t");
                }
                for (char *c = k; *c; c++)
                        *c = (char) tolower((unsigned char) *c);
                nv = realloc(cfg->v, sizeof *nv * (cfg->n + 1));
                if (!nv)
                        return -ENOMEM;
                cfg->v = nv;
                d = &nv[cfg->n];
                *d = (struct jaula_sshd_directive){
                        .file = strdup(file),
                        .line = lineno,
                        .keyword = strdup(k),
                        .args = strdup(s),
                        .match = *match,
                };
                cfg->n++;
                if (!d->file || !d->keyword || !d->args)
                        return -ENOMEM;
                if (strcmp(d->keyword, "match") == 0) {
                        *match = (int) cfg->n - 1;
                        continue;
                }
                if (strcmp(d->keyword, "include") == 0 && ld->glob && ld->rd) {
                        int r = cfg_include(ld, d->args, match, depth);

                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

JAULA_EXPORT int jaula_sshd_config_add(struct jaula_sshd_config *cfg, const char *file,
                                       const char *text, jaula_glob_fn glob, jaula_read_fn rd,
                                       void *ud)
{
        struct cfg_loader ld = {.cfg = cfg, .glob = glob, .rd = rd, .ud = ud};
        int match = -1;

        return cfg_parse(&ld, file, text, &match, 0);
}

/* sshd's pattern lists: comma-separated globs, "!" negates and a negated
 * hit wins. */
static bool pattern_list(const char *list, const char *s)
{
        _cleanup_free_ char *copy = strdup(list);
        char *save = NULL;
        bool hit = false;

        if (!copy || !s)
                return false;
        for (char *pat = strtok_r(copy, ",", &save); pat; pat = strtok_r(NULL, ",", &save)) {
                bool neg = pat[0] == '!';

                if (fnmatch(neg ? pat + 1 : pat, s, 0) == 0) {
                        if (neg)
                                return false;
                        hit = true;
                }
        }
        return hit;
}

static bool group_list(const char *list, const char *const *groups)
{
        /* Every group of the user is tried; a negated pattern that names
         * one of them fails the whole criterion, as in sshd. */
        bool hit = false;

        for (const char *const *g = groups; g && *g; g++) {
                _cleanup_free_ char *copy = strdup(list);
                char *save = NULL;

                if (!copy)
                        return false;
                for (char *pat = strtok_r(copy, ",", &save); pat;
                     pat = strtok_r(NULL, ",", &save)) {
                        bool neg = pat[0] == '!';

                        if (fnmatch(neg ? pat + 1 : pat, *g, 0) == 0) {
                                if (neg)
                                        return false;
                                hit = true;
                        }
                }
        }
        return hit;
}

JAULA_EXPORT bool jaula_sshd_match(const char *criteria, const struct jaula_sshd_conn *conn)
{
        _cleanup_free_ char *copy = strdup(criteria);
        char *save = NULL, *k;

        if (!copy)
                return true;
        for (k = strtok_r(copy, " \t", &save); k; k = strtok_r(NULL, " \t", &save)) {
                char *v;
                bool neg = false;

                if (k[0] == '!') {
                        neg = true;
                        k++;
                }
                if (strcasecmp(k, "all") == 0)
                        continue;
                v = strtok_r(NULL, " \t", &save);
                if (!v)
                        return false;
                bool hit;
                if (strcasecmp(k, "user") == 0)
                        hit = pattern_list(v, conn->user);
                else if (strcasecmp(k, "group") == 0)
                        hit = group_list(v, conn->groups);
                else if (strcasecmp(k, "host") == 0)
                        hit = pattern_list(v, conn->host);
                else if (strcasecmp(k, "address") == 0 && !strchr(v, '/'))
                        hit = pattern_list(v, conn->addr);
                else
                        hit = !neg; /* cannot tell here: as if it held */
                if (hit == neg)
                        return false;
        }
        return true;
}

static bool has_word(const char *args, const char *word)
{
        size_t n = strlen(word);

        for (const char *p = args; (p = strstr(p, word)); p += n) {
                bool start = p == args || isspace((unsigned char) p[-1]);
                bool end = !p[n] || isspace((unsigned char) p[n]);

                if (start && end)
                        return true;
        }
        return false;
}

JAULA_EXPORT const struct jaula_sshd_directive *
jaula_sshd_config_find(const struct jaula_sshd_config *cfg, const char *keyword,
                       const char *arg_word, const struct jaula_sshd_conn *conn)
{
        const struct jaula_sshd_directive *global = NULL;

        for (size_t i = 0; cfg && i < cfg->n; i++) {
                const struct jaula_sshd_directive *d = &cfg->v[i];

                if (strcmp(d->keyword, keyword) != 0 || (arg_word && !has_word(d->args, arg_word)))
                        continue;
                if (d->match < 0) {
                        if (!global)
                                global = d;
                        continue;
                }
                if (jaula_sshd_match(cfg->v[d->match].args, conn))
                        return d;
        }
        return global;
}

JAULA_EXPORT const struct jaula_sshd_directive *
jaula_sshd_config_first_match(const struct jaula_sshd_config *cfg,
                              const struct jaula_sshd_conn *conn)
{
        for (size_t i = 0; cfg && i < cfg->n; i++)
                if (strcmp(cfg->v[i].keyword, "match") == 0 &&
                    jaula_sshd_match(cfg->v[i].args, conn))
                        return &cfg->v[i];
        return NULL;
}

/* --------------------------------------------------------------- judge */

struct judge {
        const struct jaula_sshd_config *cfg;
        const char *main_file;
        const struct jaula_sshd_conn *conn;
        const char *who;
        struct jaula_findings *f;
};

/* Report KEYWORD (spelled as in sshd_config) at the line that sets it, or
 * as a default at the place it should be added: the jailed users' Match
 * block, or the main file for settings sshd takes only globally. */
static int report(struct judge *j, enum jaula_severity sev, const char *keyword, bool global_only,
                  const char *arg_word, const char *fix, const char *what)
{
        _cleanup_free_ char *lower = strdup(keyword);
        const struct jaula_sshd_directive *d, *m;
        char fixbuf[512];

        if (!lower)
                return -ENOMEM;
        for (char *c = lower; *c; c++)
                *c = (char) tolower((unsigned char) *c);
        d = jaula_sshd_config_find(j->cfg, lower, arg_word, j->conn);
        if (d)
                return jaula_findings_add(j->f, sev, d->file, d->line, fix, "%s for %s: %s",
                                          keyword, j->who, what);
        m = global_only ? NULL : jaula_sshd_config_first_match(j->cfg, j->conn);
        snprintf(fixbuf, sizeof fixbuf, "%s%s", fix,
                 m             ? " in this Match block"
                 : global_only ? " (globally, before any Match)"
                               : "");
        return jaula_findings_add(j->f, sev, m ? m->file : j->main_file, m ? m->line : 0, fixbuf,
                                  "%s for %s: %s (default)", keyword, j->who, what);
}

static bool is(const char *v, const char *want)
{
        return v && strcasecmp(v, want) == 0;
}

/* Variables that change what a shell, the dynamic linker or an
 * interpreter runs: sshd puts accepted ones into the environment of the
 * /bin/sh it runs on the host for /etc/ssh/sshrc and of xauth. */
static const char *const risky_env[] = {
        "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "BASH_ENV", "ENV",
        "SHELLOPTS",  "BASHOPTS",        "PS4",      "IFS",      "PATH",
        "PYTHONPATH", "PYTHONSTARTUP",   "PERL5LIB", "PERL5OPT", "NODE_OPTIONS",
        "GCONV_PATH", "HOSTALIASES",
};

JAULA_EXPORT int jaula_sshd_judge(const struct jaula_sshd_settings *s,
                                  const struct jaula_sshd_config *cfg, const char *main_file,
                                  const struct jaula_sshd_conn *conn, const char *who,
                                  struct jaula_findings *f)
{
        struct judge j = {.cfg = cfg, .main_file = main_file, .conn = conn, .who = who, .f = f};
        const char *v;
        bool fwd = !is(jaula_sshd_get(s, "disableforwarding"), "yes");
        int r = 0;

#define REPORT(...)                                                                                \
        do {                                                                                       \
                if ((r = report(&j, __VA_ARGS__)) < 0)                                             \
                        return r;                                                                  \
        } while (0)

        if (is(jaula_sshd_get(s, "usepam"), "no"))
                REPORT(JAULA_SEV_ERROR, "UsePAM", true, NULL, "set \"UsePAM yes\"",
                       "no: the PAM session stack, and pam_jaula with it, never runs");
        if (is(jaula_sshd_get(s, "permituserrc"), "yes"))
                REPORT(JAULA_SEV_ERROR, "PermitUserRC", false, NULL, "set \"PermitUserRC no\"",
                       "yes: at each login sshd runs the user's ~/.ssh/rc through /bin/sh -c "
                       "on the host before the login shell, in a second path besides jailsh");
        v = jaula_sshd_get(s, "forcecommand");
        if (v && strcmp(v, "none") != 0) {
                if (strncmp(v, "internal-sftp", 13) == 0 && (!v[13] || v[13] == ' '))
                        REPORT(JAULA_SEV_ERROR, "ForceCommand", false, "internal-sftp",
                               "set \"ForceCommand none\" and an external sftp-server Subsystem",
                               "internal-sftp: the SFTP server runs inside sshd's own process, "
                               "on the host file system, never through jailsh");
                else
                        REPORT(JAULA_SEV_WARNING, "ForceCommand", false, NULL,
                               "set \"ForceCommand none\" unless the command is meant to run "
                               "in the jail",
                               "a forced command replaces what the user asked for; it runs as "
                               "`jailsh -c COMMAND`, inside the jail, and skips ~/.ssh/rc");
        }
        for (size_t i = 0; i < s->n; i++) {
                char name[128];
                const char *cmd;

                if (strcmp(s->keys[i], "subsystem") != 0)
                        continue;
                cmd = s->values[i] + strcspn(s->values[i], " \t");
                cmd += strspn(cmd, " \t");
                snprintf(name, sizeof name, "%.*s", (int) strcspn(s->values[i], " \t"),
                         s->values[i]);
                if (strncmp(cmd, "internal-sftp", 13) == 0 && (!cmd[13] || cmd[13] == ' ')) {
                        char what[256];

                        snprintf(what, sizeof what,
                                 "'%s' is internal-sftp: it runs inside sshd's own process on "
                                 "the host file system, never through jailsh",
                                 name);
                        REPORT(JAULA_SEV_ERROR, "Subsystem", true, "internal-sftp",
                               "use \"Subsystem sftp /usr/lib/openssh/sftp-server\" (run as "
                               "`jailsh -c …` inside the jail)",
                               what);
                }
        }
        if (fwd && is(jaula_sshd_get(s, "x11forwarding"), "yes"))
                REPORT(JAULA_SEV_ERROR, "X11Forwarding", false, NULL, "set \"X11Forwarding no\"",
                       "yes: sshd makes the X11 socket on the host and runs xauth there as the "
                       "user");
        if (fwd && is(jaula_sshd_get(s, "allowagentforwarding"), "yes"))
                REPORT(JAULA_SEV_ERROR, "AllowAgentForwarding", false, NULL,
                       "set \"AllowAgentForwarding no\"",
                       "yes: sshd makes the agent socket in the host's /tmp as the user");
        v = jaula_sshd_get(s, "allowstreamlocalforwarding");
        if (fwd && v && !is(v, "no"))
                REPORT(JAULA_SEV_ERROR, "AllowStreamLocalForwarding", false, NULL,
                       "set \"AllowStreamLocalForwarding no\"",
                       "not no: sshd binds and connects Unix sockets on the host file system "
                       "as the user, outside the jail's mount namespace");
        v = jaula_sshd_get(s, "permittunnel");
        if (fwd && v && !is(v, "no"))
                REPORT(JAULA_SEV_ERROR, "PermitTunnel", false, NULL, "set \"PermitTunnel no\"",
                       "not no: tun/tap devices are made in sshd's network namespace");
        v = jaula_sshd_get(s, "permituserenvironment");
        if (v && !is(v, "no"))
                REPORT(JAULA_SEV_ERROR, "PermitUserEnvironment", true, NULL,
                       "set \"PermitUserEnvironment no\"",
                       "not no: ~/.ssh/environment and environment=\"\" set variables for the "
                       "processes sshd starts on the host before jailsh");
        v = jaula_sshd_get(s, "allowtcpforwarding");
        if (fwd && v && (is(v, "yes") || is(v, "all") || is(v, "remote")))
                REPORT(JAULA_SEV_WARNING, "AllowTcpForwarding", false, NULL,
                       "set \"AllowTcpForwarding local\" (or no)",
                       "remote forwarding lets the user listen on ports of the network "
                       "namespace sshd's session runs in");
        v = jaula_sshd_get(s, "chrootdirectory");
        if (v && strcmp(v, "none") != 0)
                REPORT(JAULA_SEV_WARNING, "ChrootDirectory", false, NULL,
                       "remove it: jaula gives the jail its own root",
                       "sshd changes root before jailsh starts, so jailsh, its policy and "
                       "rootfs must exist inside that directory");
        if (is(jaula_sshd_get(s, "exposeauthinfo"), "yes"))
                REPORT(JAULA_SEV_WARNING, "ExposeAuthInfo", false, NULL,
                       "set \"ExposeAuthInfo no\"",
                       "yes: sshd writes the authentication details to a file in the host's "
                       "/tmp, which the jail does not see");
        for (size_t i = 0; i < s->n; i++) {
                if (strcmp(s->keys[i], "acceptenv") != 0)
                        continue;
                _cleanup_free_ char *copy = strdup(s->values[i]);
                char *save = NULL;

                if (!copy)
                        return -ENOMEM;
                for (char *pat = strtok_r(copy, " \t", &save); pat;
                     pat = strtok_r(NULL, " \t", &save))
                        for (size_t k = 0; k < ELEMENTSOF(risky_env); k++) {
                                char what[256];

                                if (fnmatch(pat, risky_env[k], 0) != 0)
                                        continue;
                                snprintf(what, sizeof what,
                                         "'%s' lets the client set %s for what sshd runs on the "
                                         "host (/etc/ssh/sshrc, xauth)",
                                         pat, risky_env[k]);
                                REPORT(JAULA_SEV_WARNING, "AcceptEnv", false, pat,
                                       "accept only LANG and LC_*", what);
                                break;
                        }
        }
#undef REPORT
        return 0;
}
