/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pam_login.c — a login-style PAM driver for the integration tests.  Root.
 *
 *   pam_login [-v] -C CONFDIR [-s SERVICE] USER [-c CMD]
 *
 * Like login(1) after authentication: pam_start_confdir (the test's own
 * PAM configuration directory, never /etc/pam.d), pam_acct_mgmt,
 * pam_setcred, pam_open_session; then a child drops to the user and runs
 * their login shell (as "-shell", or "shell -c CMD") with the PAM
 * environment; the parent waits, closes the session and exits with the
 * child's status.  -v prints the parent's namespaces before and after
 * pam_open_session on stderr ("ns net before=… after=…").
 * Exit status: the shell's, or 90 when PAM refuses the session, 91 on
 * other errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <security/pam_misc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const ns_names[] = {"net", "uts", "ipc", "mnt", "pid", "cgroup"};

static void read_ns(char out[][64])
{
        for (size_t i = 0; i < sizeof ns_names / sizeof ns_names[0]; i++) {
                char path[64];
                ssize_t n;

                snprintf(path, sizeof path, "/proc/self/ns/%s", ns_names[i]);
                n = readlink(path, out[i], 63);
                out[i][n < 0 ? 0 : n] = '\0';
        }
}

static char **build_env(pam_handle_t *pamh, const struct passwd *pw)
{
        char **penv = pam_getenvlist(pamh);
        size_t n = 0;
        char **env;

        while (penv && penv[n])
                n++;
        env = calloc(n + 6, sizeof *env);
        if (!env)
                return NULL;
        for (size_t i = 0; i < n; i++)
                env[i] = penv[i];
        free(penv);
        if (asprintf(&env[n++], "HOME=%s", pw->pw_dir) < 0 ||
            asprintf(&env[n++], "USER=%s", pw->pw_name) < 0 ||
            asprintf(&env[n++], "LOGNAME=%s", pw->pw_name) < 0 ||
            asprintf(&env[n++], "SHELL=%s", pw->pw_shell) < 0 ||
            asprintf(&env[n++], "PATH=/usr/local/bin:/usr/bin:/bin") < 0)
                return NULL;
        return env;
}

static void child(pam_handle_t *pamh, const struct passwd *pw, const char *cmd)
{
        const char *base = strrchr(pw->pw_shell, '/');
        char *argv0 = NULL;
        char **env;

        base = base ? base + 1 : pw->pw_shell;
        env = build_env(pamh, pw);
        if (!env || initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
            setuid(pw->pw_uid) < 0) {
                perror("pam_login: dropping to the user");
                _exit(91);
        }
        if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
                _exit(91);
        if (cmd) {
                execle(pw->pw_shell, base, "-c", cmd, (char *) NULL, env);
        } else if (asprintf(&argv0, "-%s", base) >= 0) {
                execle(pw->pw_shell, argv0, (char *) NULL, env);
        }
        fprintf(stderr, "pam_login: exec %s: %s\n", pw->pw_shell, strerror(errno));
        _exit(91);
}

int main(int argc, char **argv)
{
        const char *confdir = NULL, *service = "jaula-login", *cmd = NULL, *user;
        struct pam_conv conv = {misc_conv, NULL};
        char before[6][64], after[6][64];
        pam_handle_t *pamh = NULL;
        struct passwd *pw;
        bool verbose = false;
        int r, opt, status = 0;
        pid_t pid;

        while ((opt = getopt(argc, argv, "+vC:s:")) != -1) {
                switch (opt) {
                case 'v':
                        verbose = true;
                        break;
                case 'C':
                        confdir = optarg;
                        break;
                case 's':
                        service = optarg;
                        break;
                default:
                        goto usage;
                }
        }
        if (!confdir || optind >= argc)
                goto usage;
        user = argv[optind++];
        if (optind < argc) {
                if (optind + 2 != argc || strcmp(argv[optind], "-c") != 0)
                        goto usage;
                cmd = argv[optind + 1];
        }
        pw = getpwnam(user);
        if (!pw) {
                fprintf(stderr, "pam_login: no user '%s'\n", user);
                return 91;
        }

        r = pam_start_confdir(service, user, &conv, confdir, &pamh);
        if (r != PAM_SUCCESS) {
                fprintf(stderr, "pam_login: pam_start_confdir: %s\n", pam_strerror(pamh, r));
                return 91;
        }
        r = pam_acct_mgmt(pamh, 0);
        if (r == PAM_SUCCESS)
                r = pam_setcred(pamh, PAM_ESTABLISH_CRED);
        if (r != PAM_SUCCESS) {
                fprintf(stderr, "pam_login: account: %s\n", pam_strerror(pamh, r));
                pam_end(pamh, r);
                return 91;
        }
        read_ns(before);
        r = pam_open_session(pamh, 0);
        if (r != PAM_SUCCESS) {
                fprintf(stderr, "pam_login: pam_open_session: %s\n", pam_strerror(pamh, r));
                pam_setcred(pamh, PAM_DELETE_CRED);
                pam_end(pamh, r);
                return 90;
        }
        if (verbose) {
                read_ns(after);
                for (size_t i = 0; i < 6; i++)
                        fprintf(stderr, "ns %s before=%s after=%s\n", ns_names[i], before[i],
                                after[i]);
        }

        fflush(NULL);
        pid = fork();
        if (pid < 0) {
                perror("pam_login: fork");
                status = 91 << 8;
        } else if (pid == 0) {
                child(pamh, pw, cmd);
        } else {
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }

        r = pam_close_session(pamh, 0);
        if (r != PAM_SUCCESS)
                fprintf(stderr, "pam_login: pam_close_session: %s\n", pam_strerror(pamh, r));
        pam_setcred(pamh, PAM_DELETE_CRED);
        pam_end(pamh, r);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);

usage:
        fprintf(stderr, "usage: pam_login [-v] -C CONFDIR [-s SERVICE] USER [-c CMD]\n");
        return 91;
}
