/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* host.c — `jaula check-host`: what on this host would let a jailed user
 * run something outside the jail or skip pam_jaula: the PAM session
 * stacks of the login services, sshd's effective settings for each jailed
 * user (`sshd -T -C`), hooks sshd or an MTA run on the host, and
 * capabilities the policy keeps that the host cannot grant; and how
 * systemd (PID 1, cgroup layout, machined, logind) gets along with jails.
 * Needs root for `sshd -T` (it reads the host keys); the rest reads files. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include "cli.h"
#include "jaula/hostcheck.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"

int cmd_check_host(int argc, char **argv);

#define DEFAULT_PAM_DIR "/etc/pam.d"
/* Linux-PAM (Debian 12 builds it with a vendor directory) reads a service
 * or an include from here when /etc/pam.d has no file of that name:
 * systemd ships /usr/lib/pam.d/systemd-user there. */
#define DEFAULT_PAM_VENDOR_DIR "/usr/lib/pam.d"
#define DEFAULT_SSHD "/usr/sbin/sshd"
#define DEFAULT_SSHD_CONFIG "/etc/ssh/sshd_config"
#define DEFAULT_SSHRC "/etc/ssh/sshrc"
#define MAX_SSHD_RUNS 64

static void policy_freep(struct jaula_policy **p)
{
        jaula_policy_free(*p);
}

/* ------------------------------------------------ kept capabilities */

int cli_check_kept_caps(const struct jaula_policy *p, struct jaula_diags *d)
{
        uint64_t grantable;
        char what[128];
        int r;

        r = jaula_caps_host_grantable(&grantable, what, sizeof what);
        if (r < 0)
                return r;
        return jaula_policy_check_caps_grantable(p, grantable, what, d);
}

/* ------------------------------------------------------------- PAM */

/* libpam finds a relative module name in its module directory. */
static bool module_exists(const char *module)
{
        static const char *const dirs[] = {"/lib/*/security", "/usr/lib/*/security",
                                           "/lib/security",   "/usr/lib/security",
                                           "/lib64/security", "/usr/lib64/security"};

        if (module[0] == '/')
                return access(module, R_OK) == 0;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *pat = NULL;
                glob_t g;
                bool hit;

                if (asprintf(&pat, "%s/%s", dirs[i], module) < 0)
                        return true; /* cannot tell: say nothing */
                if (glob(pat, GLOB_NOSORT, NULL, &g) != 0)
                        continue;
                hit = g.gl_pathc > 0;
                globfree(&g);
                if (hit)
                        return true;
        }
        return false;
}

struct pam_dirs {
        const char *dir;
        const char *vendor; /* NULL: none */
};

/* A PAM file as Linux-PAM finds it: DIR first, then the vendor directory. */
static int read_pam_file(void *ud, const char *name, char **ret_text, char **ret_path)
{
        const struct pam_dirs *d = ud;
        int r;

        r = jaula_read_in_dir((void *) d->dir, name, ret_text, ret_path);
        if (r == -ENOENT && d->vendor && name[0] != '/')
                r = jaula_read_in_dir((void *) d->vendor, name, ret_text, ret_path);
        return r;
}

/* Where sshd's session stack loads pam_systemd (for the systemd notes). */
struct pam_systemd_at {
        bool found;
        char *file;
        int line;
};

static int check_pam(const char *dir, const char *vendor, struct jaula_findings *f,
                     struct pam_systemd_at *sd)
{
        struct pam_dirs dirs = { dir, vendor };

        static const struct {
                const char *service;
                bool optional; /* absent on most hosts */
                const char *why;
        } services[] = {
                {"sshd", false, "ssh logins"},
                {"login", false, "console logins"},
                {"su-l", false, "su -l"},
                {"systemd-user", true,
                 "the user's systemd manager (units in the home run on the host)"},
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(services); i++) {
                struct jaula_pam_stack st = {0};
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, services[i].service) < 0)
                        return -ENOMEM;
                r = jaula_pam_stack_load(services[i].service, "session", read_pam_file, &dirs,
                                         &st, f);
                if (r == -ENOENT) {
                        if (services[i].optional)
                                continue;
                        r = jaula_findings_add(f, JAULA_SEV_WARNING, path, 0,
                                               "create it with pam_jaula as its last session line",
                                               "no such file: %s through PAM use the 'other' "
                                               "service, without pam_jaula",
                                               services[i].why);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r < 0) {
                        fprintf(stderr, "jaula check-host: reading %s: %s\n", path, strerror(-r));
                        return r;
                }
                for (size_t k = 0; !sd->found && strcmp(services[i].service, "sshd") == 0 &&
                                   k < st.n;
                     k++)
                        if (!st.v[k].substack && jaula_pam_line_is(&st.v[k], "pam_systemd.so")) {
                                sd->found = true;
                                sd->line = st.v[k].line;
                                sd->file = strdup(st.v[k].file);
                                if (!sd->file) {
                                        jaula_pam_stack_free(&st);
                                        return -ENOMEM;
                                }
                        }
                r = jaula_pam_judge_session(&st, module_exists, f);
                jaula_pam_stack_free(&st);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------ sshd */

static int glob_include(void *ud, const char *pattern, char ***ret)
{
        _cleanup_free_ char *abs = NULL;
        char **v;
        glob_t g;
        int r;

        /* sshd reads a relative Include under its own directory. */
        if (pattern[0] != '/' && asprintf(&abs, "/etc/ssh/%s", pattern) < 0)
                return -ENOMEM;
        r = glob(abs ? abs : pattern, 0, NULL, &g);
        if (r == GLOB_NOMATCH) {
                *ret = calloc(1, sizeof **ret);
                return *ret ? 0 : -ENOMEM;
        }
        if (r != 0)
                return -EIO;
        v = calloc(g.gl_pathc + 1, sizeof *v);
        for (size_t i = 0; v && i < g.gl_pathc; i++)
                if (!(v[i] = strdup(g.gl_pathv[i]))) {
                        strv_free(v);
                        v = NULL;
                }
        globfree(&g);
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

/* sshd -T prints a few kilobytes; a runaway child is cut off here. */
#define SSHD_OUTPUT_MAX (16u << 20)

/* Run `sshd -T -C user=…` and return its output; on failure, its stderr
 * in ret_err.  sshd refuses to start without its privilege separation
 * directory, which only exists while the host's sshd service runs: then
 * it runs in a private mount namespace where an empty /run holds one. */
static int sshd_test(const char *sshd, const char *config, const char *user, bool private_run,
                     char **ret_out, char **ret_err)
{
        _cleanup_free_ char *conn = NULL;
        _cleanup_close_ int errfd = -1;
        int pfd[2], status;
        pid_t pid;
        int r;

        if (asprintf(&conn, "user=%s,host=localhost,addr=127.0.0.1", user) < 0)
                return -ENOMEM;
        errfd = memfd_create("jaula-sshd-T", MFD_CLOEXEC);
        if (errfd < 0)
                return -errno;
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(pfd[0]);
                close(pfd[1]);
                return r;
        }
        if (pid == 0) {
                char *const args[] = {(char *) sshd, "-T", "-C", conn, "-f", (char *) config, NULL};
                int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

                if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pfd[1], 1) < 0 ||
                    dup2(errfd, 2) < 0)
                        _exit(127);
                if (private_run && (unshare(CLONE_NEWNS) < 0 ||
                                    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                                    mount("jaula-check-host", "/run", "tmpfs",
                                          MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") < 0 ||
                                    mkdir("/run/sshd", 0755) < 0)) {
                        dprintf(2, "cannot make a private /run/sshd: %s\n", strerror(errno));
                        _exit(127);
                }
                execv(sshd, args);
                dprintf(2, "cannot run %s: %s\n", sshd, strerror(errno));
                _exit(127);
        }
        close(pfd[1]);
        r = jaula_read_fd_text(pfd[0], SSHD_OUTPUT_MAX, ret_out);
        close(pfd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (r < 0)
                return r;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (lseek(errfd, 0, SEEK_SET) == 0 && jaula_read_fd_text(errfd, SSHD_OUTPUT_MAX, ret_err) == 0) {
                        char *e = *ret_err + strlen(*ret_err);

                        while (e > *ret_err && (e[-1] == '\n' || e[-1] == ' '))
                                *--e = '\0';
                }
                free(*ret_out);
                *ret_out = NULL;
                return -EPROTO;
        }
        return 0;
}

struct candidate {
        char *user;
        int rule;
};

struct candidates {
        struct candidate *v;
        size_t n;
};

static void candidates_free(struct candidates *c)
{
        for (size_t i = 0; i < c->n; i++)
                free(c->v[i].user);
        free(c->v);
}

static bool have(const struct candidates *c, const char *user)
{
        for (size_t i = 0; i < c->n; i++)
                if (strcmp(c->v[i].user, user) == 0)
                        return true;
        return false;
}

/* Add USER when the policy jails them by rule INDEX (an earlier rule may
 * take or exempt them).  1: added (or already tested), 0: not this rule's. */
static int try_user(const struct jaula_policy *p, int index, const char *name, struct candidates *c)
{
        struct jaula_user u = {0};
        struct candidate *nv;
        int r;

        if (have(c, name))
                return 1;
        r = jaula_user_lookup_name(name, &u);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        r = jaula_policy_match_index(p, &u);
        jaula_user_clear(&u);
        if (r != index)
                return 0;
        nv = realloc(c->v, sizeof *nv * (c->n + 1));
        if (!nv)
                return -ENOMEM;
        c->v = nv;
        c->v[c->n].user = strdup(name);
        c->v[c->n].rule = index;
        if (!c->v[c->n].user)
                return -ENOMEM;
        c->n++;
        return 1;
}

/* Users to ask sshd about, one per selector of every jailing rule: sshd's
 * Match Group needs a real user whose groups NSS knows. */
static int pick_users(const struct jaula_policy *p, struct candidates *c, struct jaula_findings *f)
{
        size_t n_rules = jaula_policy_n_rules(p);
        int r;

        for (size_t i = 0; i < n_rules; i++) {
                struct jaula_rule_info ri;
                int idx = (int) i;

                if (jaula_policy_rule_info(p, idx, &ri) < 0 || ri.exempt)
                        continue;
                for (size_t k = 0; k < ri.n_users; k++) {
                        if (strcmp(ri.users[k], "*") == 0)
                                continue;
                        r = try_user(p, idx, ri.users[k], c);
                        if (r < 0)
                                return r;
                        if (r == 0 && !getpwnam(ri.users[k]) &&
                            (r = jaula_findings_add(f, JAULA_SEV_WARNING, ri.file, ri.line, NULL,
                                                    "rule '%s': no user '%s' to test sshd's "
                                                    "settings with",
                                                    ri.name, ri.users[k])) < 0)
                                return r;
                }
                for (size_t k = 0; k < ri.n_groups; k++) {
                        _cleanup_strv_free_ char **members = NULL;
                        struct group *g = getgrnam(ri.groups[k]);
                        bool found = false, exists = g != NULL;
                        gid_t gid = g ? g->gr_gid : 0;
                        size_t n = 0;

                        /* getgrnam's buffer is not ours to keep across
                         * the lookups below. */
                        while (g && g->gr_mem && g->gr_mem[n])
                                n++;
                        if (!(members = calloc(n + 1, sizeof *members)))
                                return -ENOMEM;
                        for (size_t m = 0; m < n; m++)
                                if (!(members[m] = strdup(g->gr_mem[m])))
                                        return -ENOMEM;
                        for (char **m = members; *m && !found; m++) {
                                r = try_user(p, idx, *m, c);
                                if (r < 0)
                                        return r;
                                found = r > 0;
                        }
                        if (exists && !found) {
                                struct passwd *pw;

                                setpwent();
                                while (!found && (pw = getpwent()))
                                        if (pw->pw_gid == gid) {
                                                _cleanup_free_ char *name = strdup(pw->pw_name);

                                                if (!name)
                                                        return -ENOMEM;
                                                r = try_user(p, idx, name, c);
                                                if (r < 0) {
                                                        endpwent();
                                                        return r;
                                                }
                                                found = r > 0;
                                        }
                                endpwent();
                        }
                        if (!found &&
                            (r = jaula_findings_add(f, JAULA_SEV_WARNING, ri.file, ri.line,
                                                    "check sshd's settings again once it has one",
                                                    "rule '%s': group '%s' has no member this "
                                                    "rule jails, so sshd's settings for it "
                                                    "cannot be tested",
                                                    ri.name, ri.groups[k])) < 0)
                                return r;
                }
                if (ri.n_uid_ranges || ri.any_user) {
                        struct passwd *pw;
                        bool found = false;

                        setpwent();
                        while (!found && (pw = getpwent())) {
                                _cleanup_free_ char *name = NULL;

                                if (ri.any_user && pw->pw_uid == 0)
                                        continue;
                                name = strdup(pw->pw_name);
                                if (!name) {
                                        endpwent();
                                        return -ENOMEM;
                                }
                                r = try_user(p, idx, name, c);
                                if (r < 0) {
                                        endpwent();
                                        return r;
                                }
                                found = r > 0;
                        }
                        endpwent();
                        if (!found &&
                            (r = jaula_findings_add(f, JAULA_SEV_WARNING, ri.file, ri.line, NULL,
                                                    "rule '%s': no user this rule jails, so "
                                                    "sshd's settings for it cannot be tested",
                                                    ri.name)) < 0)
                                return r;
                }
        }
        return 0;
}

static int check_sshd(const struct jaula_policy *p, const char *sshd, const char *config,
                      struct jaula_findings *f, bool *ret_incomplete)
{
        struct jaula_sshd_config cfg = {0};
        struct candidates c = {0};
        _cleanup_free_ char *text = NULL, *shown = NULL;
        struct stat st;
        bool private_run = stat("/run/sshd", &st) < 0;
        int r;

        r = jaula_read_in_dir(NULL, config, &text, &shown);
        if (r < 0) {
                fprintf(stderr, "jaula check-host: cannot read %s: %s\n", config, strerror(-r));
                *ret_incomplete = true;
                return 0;
        }
        r = jaula_sshd_config_add(&cfg, config, text, glob_include, jaula_read_in_dir, NULL);
        if (r < 0)
                goto out;
        r = pick_users(p, &c, f);
        if (r < 0)
                goto out;
        if (private_run && c.n > 0)
                fprintf(stderr,
                        "jaula check-host: note: /run/sshd does not exist (sshd is not "
                        "running?); sshd -T runs in a private mount namespace with an empty "
                        "/run\n");
        for (size_t i = 0; i < c.n && i < MAX_SSHD_RUNS; i++) {
                _cleanup_free_ char *out = NULL, *err = NULL, *who = NULL;
                struct jaula_sshd_settings s = {0};
                struct jaula_user u = {0};
                struct jaula_rule_info ri;

                r = sshd_test(sshd, config, c.v[i].user, private_run, &out, &err);
                if (r == -EPROTO) {
                        fprintf(stderr, "jaula check-host: %s -T -C user=%s failed: %s\n", sshd,
                                c.v[i].user, err ? err : "(no message)");
                        *ret_incomplete = true;
                        r = 0;
                        break;
                }
                if (r < 0)
                        goto out;
                r = jaula_sshd_settings_parse(out, &s);
                if (r < 0)
                        goto out;
                r = jaula_user_lookup_name(c.v[i].user, &u);
                if (r < 0) {
                        jaula_sshd_settings_free(&s);
                        goto out;
                }
                jaula_policy_rule_info(p, c.v[i].rule, &ri);
                if (asprintf(&who, "jailed user '%s' (rule '%s')", c.v[i].user, ri.name) < 0) {
                        who = NULL;
                        r = -ENOMEM;
                } else {
                        struct jaula_sshd_conn conn = {
                                .user = u.name,
                                .groups = (const char *const *) u.gid_names,
                                .host = "localhost",
                                .addr = "127.0.0.1",
                        };

                        r = jaula_sshd_judge(&s, &cfg, config, &conn, who, f);
                }
                jaula_user_clear(&u);
                jaula_sshd_settings_free(&s);
                if (r < 0)
                        goto out;
        }
        if (c.n > MAX_SSHD_RUNS)
                fprintf(stderr,
                        "jaula check-host: note: tested sshd for the first %d of %zu users\n",
                        MAX_SSHD_RUNS, c.n);
out:
        candidates_free(&c);
        jaula_sshd_config_free(&cfg);
        return r;
}

/* ------------------------------------------------------ other hooks */

static int check_hooks(const char *sshrc, struct jaula_findings *f)
{
        static const struct {
                const char *path;
                const char *name;
                const char *fix;
        } mtas[] = {
                {"/usr/sbin/exim4", "exim4",
                 "forbid pipe and file deliveries from .forward (exim4: forward_pipe/"
                 "forward_file routers off; or no local delivery for jailed users)"},
                {"/usr/sbin/postfix", "postfix",
                 "set \"allow_mail_to_commands = alias\" and \"allow_mail_to_files = alias\" "
                 "in main.cf"},
        };
        struct stat st;
        int r;

        if (stat(sshrc, &st) == 0 &&
            (r = jaula_findings_add(f, JAULA_SEV_WARNING, sshrc, 0,
                                    "remove it, or keep it free of anything a user can steer",
                                    "sshd runs '/bin/sh %s' on the host, as the user and in "
                                    "their home, at every login of a jailed user without "
                                    "~/.ssh/rc",
                                    sshrc)) < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(mtas); i++)
                if (stat(mtas[i].path, &st) == 0 &&
                    (r = jaula_findings_add(f, JAULA_SEV_WARNING, mtas[i].path, 0, mtas[i].fix,
                                            "%s is installed: a jailed user's home is the "
                                            "host's, and a ~/.forward there can pipe mail to a "
                                            "command %s runs on the host as them",
                                            mtas[i].name, mtas[i].name)) < 0)
                        return r;
        return 0;
}

/* ---------------------------------------------------------- systemd */

#define DEFAULT_LOGIND_CONF "/etc/systemd/logind.conf"

static enum jaula_cgroup_mode cgroup_layout(void)
{
        struct statfs sfs;

        if (statfs("/sys/fs/cgroup", &sfs) < 0)
                return JAULA_CGROUP_NONE;
        if (sfs.f_type == CGROUP2_SUPER_MAGIC)
                return JAULA_CGROUP_V2;
        if (statfs("/sys/fs/cgroup/unified", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
                return JAULA_CGROUP_HYBRID;
        return sfs.f_type == TMPFS_MAGIC ? JAULA_CGROUP_V1 : JAULA_CGROUP_NONE;
}

static size_t count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

/* logind_conf NULL: the system's logind.conf and its drop-ins, as systemd
 * reads them; else that file and FILE.d alone. */
static int check_systemd(const struct jaula_policy *p, const char *logind_conf,
                         const struct pam_systemd_at *sd, struct jaula_findings *f)
{
        static const char *const dirs[] = {
                "/etc/systemd/logind.conf.d",       "/run/systemd/logind.conf.d",
                "/usr/local/lib/systemd/logind.conf.d", "/usr/lib/systemd/logind.conf.d",
                "/lib/systemd/logind.conf.d",
        };
        struct jaula_logind_conf lc = {0};
        struct jaula_systemd_facts s = {0};
        struct stat st;
        int r;

        s.pid1 = stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
        s.layout = cgroup_layout();
        s.machined = access("/lib/systemd/systemd-machined", X_OK) == 0 ||
                     access("/usr/lib/systemd/systemd-machined", X_OK) == 0;
        s.pam_systemd = sd->found;
        s.pam_systemd_file = sd->file;
        s.pam_systemd_line = sd->line;
        s.n_lingering = count_entries("/var/lib/systemd/linger");
        s.logind_judged = s.pid1 || logind_conf;
        if (logind_conf) {
                _cleanup_free_ char *dropins = NULL;
                const char *one[1];

                if (asprintf(&dropins, "%s.d", logind_conf) < 0)
                        return -ENOMEM;
                one[0] = dropins;
                r = jaula_logind_conf_load(logind_conf, one, 1, &lc);
        } else {
                r = jaula_logind_conf_load(DEFAULT_LOGIND_CONF, dirs, ELEMENTSOF(dirs), &lc);
        }
        if (r < 0) {
                if (r != -ENOMEM)
                        fprintf(stderr, "jaula check-host: reading logind.conf: %s\n",
                                strerror(-r));
                return r;
        }
        s.logind = &lc;
        r = jaula_systemd_judge(&s, p, f);
        jaula_logind_conf_free(&lc);
        return r;
}

/* ----------------------------------------------------------- output */

static void json_str(FILE *o, const char *s)
{
        fputc('"', o);
        for (; s && *s; s++) {
                unsigned char ch = (unsigned char) *s;

                if (ch == '"' || ch == '\\')
                        fprintf(o, "\\%c", ch);
                else if (ch < 0x20)
                        fprintf(o, "\\u%04x", ch);
                else
                        fputc(ch, o);
        }
        fputc('"', o);
}

static void print_findings(const struct jaula_findings *f, bool json)
{
        char line[4096];

        if (json) {
                fputs("[", stdout);
                for (size_t i = 0; i < f->n; i++) {
                        const struct jaula_finding *x = &f->v[i];

                        printf("%s\n  {\"severity\": \"%s\", \"file\": ", i ? "," : "",
                               x->severity == JAULA_SEV_ERROR     ? "error"
                               : x->severity == JAULA_SEV_WARNING ? "warning"
                                                                  : "note");
                        if (x->file)
                                json_str(stdout, x->file);
                        else
                                fputs("null", stdout);
                        printf(", \"line\": %d, \"message\": ", x->line);
                        json_str(stdout, x->msg);
                        fputs(", \"fix\": ", stdout);
                        if (x->fix)
                                json_str(stdout, x->fix);
                        else
                                fputs("null", stdout);
                        fputs("}", stdout);
                }
                fputs(f->n ? "\n]\n" : "]\n", stdout);
                return;
        }
        for (size_t i = 0; i < f->n; i++) {
                jaula_finding_format(&f->v[i], line, sizeof line);
                printf("%s\n", line);
        }
        printf("check-host: %zu error(s), %zu warning(s)\n",
               jaula_findings_count(f, JAULA_SEV_ERROR),
               jaula_findings_count(f, JAULA_SEV_WARNING));
}

static void usage(FILE *o)
{
        fprintf(o,
                "Usage: jaula check-host [--config FILE] [--pam-dir DIR] [--pam-vendor-dir DIR]\n"
                "                        [--sshd PATH] [--sshd-config FILE] [--sshrc FILE] [--no-sshd]\n"
                "                        [--logind-conf FILE] [--json]\n"
                "Reports what on this host lets a jailed user run something outside the jail\n"
                "or skip pam_jaula, as FILE:LINE: error|warning: message — how to fix, and\n"
                "how systemd, logind and machined get along with jails (note: lines).\n"
                "--logind-conf FILE: judge FILE and FILE.d/*.conf instead of the system's\n"
                "logind.conf and its drop-ins.\n"
                "Exit status 0 (warnings at most), 1 (errors), 2 (could not check).\n");
}

int cmd_check_host(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"pam-dir", required_argument, NULL, 'p'},
                {"pam-vendor-dir", required_argument, NULL, 'V'},
                {"sshd", required_argument, NULL, 's'},
                {"sshd-config", required_argument, NULL, 'S'},
                {"sshrc", required_argument, NULL, 'r'},
                {"no-sshd", no_argument, NULL, 'n'},
                {"logind-conf", required_argument, NULL, 'L'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(policy_freep) struct jaula_policy *p = NULL;
        struct jaula_findings f = {0};
        struct jaula_diags d = {0};
        const char *config = NULL, *pam_dir = DEFAULT_PAM_DIR, *sshd = DEFAULT_SSHD;
        const char *pam_vendor = DEFAULT_PAM_VENDOR_DIR;
        const char *sshd_config = DEFAULT_SSHD_CONFIG, *sshrc = DEFAULT_SSHRC;
        const char *logind_conf = NULL;
        struct pam_systemd_at sd = {0};
        bool json = false, no_sshd = false, sshd_given = false, incomplete = false;
        int c, r, rc;

        while ((c = getopt_long(argc, argv, "c:jh", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        config = optarg;
                        break;
                case 'p':
                        pam_dir = optarg;
                        break;
                case 'V':
                        pam_vendor = *optarg ? optarg : NULL;
                        break;
                case 's':
                        sshd = optarg;
                        sshd_given = true;
                        break;
                case 'S':
                        sshd_config = optarg;
                        break;
                case 'r':
                        sshrc = optarg;
                        break;
                case 'n':
                        no_sshd = true;
                        break;
                case 'L':
                        logind_conf = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        usage(stdout);
                        return JAULA_EXIT_OK;
                default:
                        return JAULA_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                usage(stderr);
                return JAULA_EXIT_USAGE;
        }

        /* Parsed afresh: the cache does not keep the lines findings point at. */
        r = cli_load_policy_flags(config, JAULA_POLICY_NO_CACHE_READ | JAULA_POLICY_NO_CACHE_WRITE,
                                  &p, stderr);
        if (r < 0) {
                fprintf(stderr, "jaula check-host: the policy does not load; fix it first "
                                "(jaula check-config)\n");
                return JAULA_EXIT_USAGE;
        }

        r = cli_check_kept_caps(p, &d);
        for (size_t i = 0; r >= 0 && i < d.n; i++)
                r = jaula_findings_add(&f, JAULA_SEV_ERROR, d.v[i].file, d.v[i].line, NULL, "%s",
                                       d.v[i].msg);
        jaula_diags_free(&d);
        if (r == -ENOMEM)
                goto oom;
        if (r < 0) {
                fprintf(stderr, "jaula check-host: cannot read the bounding sets: %s\n",
                        strerror(-r));
                incomplete = true;
        }

        r = check_pam(pam_dir, pam_vendor, &f, &sd);
        if (r == -ENOMEM)
                goto oom;
        if (r < 0)
                incomplete = true;

        r = check_systemd(p, logind_conf, &sd, &f);
        free(sd.file);
        if (r == -ENOMEM)
                goto oom;
        if (r < 0)
                incomplete = true;

        if (!no_sshd) {
                if (access(sshd, X_OK) < 0) {
                        fprintf(stderr, "jaula check-host: %s: %s; sshd not checked\n", sshd,
                                strerror(errno));
                        if (sshd_given)
                                incomplete = true;
                } else {
                        r = check_sshd(p, sshd, sshd_config, &f, &incomplete);
                        if (r == -ENOMEM)
                                goto oom;
                        if (r < 0) {
                                fprintf(stderr, "jaula check-host: sshd: %s\n", strerror(-r));
                                incomplete = true;
                        }
                }
        }

        r = check_hooks(sshrc, &f);
        if (r < 0)
                goto oom;

        print_findings(&f, json);
        rc = jaula_findings_count(&f, JAULA_SEV_ERROR) ? JAULA_EXIT_CONFIG : JAULA_EXIT_OK;
        if (incomplete) {
                fprintf(stderr, "jaula check-host: the check is incomplete (see above)\n");
                if (rc == JAULA_EXIT_OK)
                        rc = JAULA_EXIT_USAGE;
        }
        jaula_findings_free(&f);
        return rc;
oom:
        jaula_findings_free(&f);
        fprintf(stderr, "jaula check-host: out of memory\n");
        return JAULA_EXIT_FAILURE;
}
