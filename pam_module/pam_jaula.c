/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pam_jaula.c — PAM session module: puts a matched user's session into
 * their jail.  Runs as root inside the PAM application (sshd's [priv]
 * monitor, login, su) during pam_open_session/pam_close_session.
 *
 * The module does only the host-side half of a jailed login: it creates or
 * finds the jail, registers a session owned by the calling process and
 * moves that process into the jail's net, uts and ipc namespaces, so that
 * port forwarding lands in the jail network while the application keeps
 * its mounts, logs, ptys and utmp on the host.  The user's login shell,
 * jailsh, does the rest.  This process must never join mnt, pid or cgroup,
 * chroot, or set no_new_privs, the bounding set or seccomp: the
 * application goes on living here and forks the setuid jailsh (docs/design.md).
 *
 * Options: config=PATH  policy file (default /etc/jaula/jaula.conf)
 *          jailsh=PATH  the login shell jailed users must have
 *                       (default /usr/sbin/jailsh)
 *          debug        forward the library's debug lines to syslog */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "jaula/env.h"
#include "jaula/jail.h"
#include "jaula/log.h"
#include "jaula/metrics.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"

#define DEFAULT_JAILSH "/usr/sbin/jailsh"
#define DATA_NAME "pam_jaula_session"
#define USER_MESSAGE "jaula: your session could not be set up; contact the administrator"
#define USER_MESSAGE_CAPPED "jaula: you have too many jails or sessions open; close one and retry"

/* The namespaces the PAM process joins; the rest is jailsh's job. */
#define PAM_NSFLAGS (CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC)

/* PAM services that start a host-side service manager for the user:
 * systemd's user@UID.service opens a "systemd-user" session, then runs
 * `systemd --user` on the host, which starts the units the user wrote in
 * ~/.config/systemd/user (their home is the host's, writable from inside
 * the jail).  No jail can hold that manager, so a jailed user gets none. */
static const char *const host_manager_services[] = {"systemd-user"};

struct options {
        const char *config;
        const char *jailsh;
        bool debug;
};

/* What pam_sm_close_session needs, kept with pam_set_data. */
struct session_data {
        struct jaula_spec *spec;
        char *jail_id;
        char *session_id;
};

static void session_data_free(struct session_data *d)
{
        if (!d)
                return;
        if (d->spec)
                jaula_spec_free(d->spec);
        free(d->jail_id);
        free(d->session_id);
        free(d);
}

/* pam_end() and pam_set_data() replacement call this.  It only frees
 * memory: ending the session is pam_sm_close_session's job, and a child
 * that inherited the handle (sshd forks after open_session) must never
 * tear the jail down from here. */
static void session_data_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
        session_data_free(data);
}

static void policy_freep(struct jaula_policy **p)
{
        if (*p)
                jaula_policy_free(*p);
}

static void handle_freep(struct jaula_handle **h)
{
        if (*h)
                jaula_handle_free(*h);
}

static void log_to_pam(int prio, const char *msg, void *userdata)
{
        pam_syslog(userdata, prio, "%s", msg);
}

/* The library's log lines go to pam_syslog while a PAM call runs, never to
 * stderr (which belongs to the application) nor through openlog. */
static void log_begin(pam_handle_t *pamh, const struct options *opt)
{
        jaula_log_set_sink(log_to_pam, pamh);
        jaula_log_set_level(opt->debug ? LOG_DEBUG : LOG_INFO);
}

static void log_end(void)
{
        jaula_log_set_sink(NULL, NULL);
}

static int parse_options(pam_handle_t *pamh, int argc, const char **argv, struct options *ret)
{
        struct options opt = {
                .config = JAULA_DEFAULT_CONFIG,
                .jailsh = DEFAULT_JAILSH,
        };

        for (int i = 0; i < argc; i++) {
                const char *a = argv[i];

                if (strcmp(a, "debug") == 0)
                        opt.debug = true;
                else if (strncmp(a, "config=", 7) == 0 && a[7] == '/')
                        opt.config = a + 7;
                else if (strncmp(a, "jailsh=", 7) == 0 && a[7] == '/')
                        opt.jailsh = a + 7;
                else {
                        pam_syslog(pamh, LOG_ERR,
                                   "Unknown or invalid option '%s' (expected config=/PATH, "
                                   "jailsh=/PATH or debug)",
                                   a);
                        return PAM_SERVICE_ERR;
                }
        }
        *ret = opt;
        return PAM_SUCCESS;
}

/* -errno from the library → PAM code.  Memory is the only failure that is
 * not the session's fault; every other one refuses the session. */
static int pam_code(int r)
{
        return r == -ENOMEM ? PAM_BUF_ERR : PAM_SESSION_ERR;
}

static void tell_user(pam_handle_t *pamh, int flags)
{
        if (!(flags & PAM_SILENT))
                pam_error(pamh, "%s", USER_MESSAGE);
}

/* A per-user cap of the profile refused the login: the one refusal the
 * user can do something about. */
static void tell_user_capped(pam_handle_t *pamh, int flags)
{
        if (!(flags & PAM_SILENT))
                pam_error(pamh, "%s", USER_MESSAGE_CAPPED);
}

/* A jailed user whose login shell is not jailsh would get a host shell in
 * the jail's network only: refuse.  The shell is compared by name or by
 * identity (a symlinked path), and jailsh itself must be a root-owned
 * setuid regular file, or every login would fail later with less detail. */
static int check_shell(pam_handle_t *pamh, const struct jaula_spec *spec, const char *jailsh)
{
        const char *shell = spec->user.shell ? spec->user.shell : "";
        struct stat js, us;

        if (stat(jailsh, &js) < 0) {
                pam_syslog(pamh, LOG_ERR, "Refusing user '%s': jailsh '%s' is unusable: %m",
                           spec->user.name, jailsh);
                return PAM_SESSION_ERR;
        }
        if (!S_ISREG(js.st_mode) || js.st_uid != 0 || !(js.st_mode & S_ISUID)) {
                pam_syslog(pamh, LOG_ERR,
                           "Refusing user '%s': jailsh '%s' is not a setuid-root regular file",
                           spec->user.name, jailsh);
                return PAM_SESSION_ERR;
        }
        if (strcmp(shell, jailsh) == 0)
                return PAM_SUCCESS;
        if (stat(shell, &us) == 0 && us.st_dev == js.st_dev && us.st_ino == js.st_ino)
                return PAM_SUCCESS;
        pam_syslog(pamh, LOG_ERR,
                   "Refusing user '%s' (rule '%s'): login shell is '%s', not jailsh '%s'; "
                   "the jail would be incomplete",
                   spec->user.name, spec->rule_name ? spec->rule_name : "?", shell, jailsh);
        return PAM_SESSION_ERR;
}

static int load_policy(pam_handle_t *pamh, const char *path, struct jaula_policy **ret)
{
        struct jaula_diags diags = {};
        char line[1024];
        int r;

        r = jaula_policy_load(path, ret, &diags);
        if (r >= 0)
                return PAM_SUCCESS;
        if (diags.n == 0)
                pam_syslog(pamh, LOG_ERR, "Cannot load policy '%s': %s", path, strerror(-r));
        for (size_t i = 0; i < diags.n; i++) {
                jaula_diag_format(&diags.v[i], line, sizeof line);
                pam_syslog(pamh, LOG_ERR, "%s", line);
        }
        if (diags.n > 0)
                pam_syslog(pamh, LOG_ERR, "Policy '%s' is invalid: refusing the session", path);
        jaula_diags_free(&diags);
        return pam_code(r);
}

static void free_envlist(char **env)
{
        for (char **p = env; p && *p; p++)
                free(*p);
        free(env);
}

/* jailsh's allow-list, less SSH_*: sshd sets those itself, and a copy in
 * the PAM environment could only override them with the user's values. */
static bool env_entry_kept(const char *entry)
{
        const char *eq = strchr(entry, '=');

        return eq && strncmp(entry, "SSH_", 4) != 0 &&
               jaula_env_allowed(entry, (size_t) (eq - entry)) && jaula_env_value_ok(eq + 1) &&
               jaula_env_value_host_safe(eq + 1);
}

/* Cut the PAM environment of a jailed session down to the allow-list
 * jailsh uses (common/env.c).  The application gives this environment to
 * host programs before jailsh can filter it: sshd copies it into its child,
 * which runs /etc/ssh/sshrc, ~/.ssh/rc and xauth with /bin/sh on the host.
 * Earlier modules fill it from files the user controls (pam_env's
 * ~/.pam_environment, with user_readenv=1 in Debian's /etc/pam.d/sshd), so
 * LD_PRELOAD, PATH or BASH_ENV there would run the user's code, unjailed.
 * Values must also be host-safe: a LANG or TZ naming a file of the user's
 * would make glibc in a host program parse it.  The list is read again
 * after the deletions: a variable that survives refuses the session. */
static int scrub_env(pam_handle_t *pamh, const char *name)
{
        size_t removed = 0;
        char **env;
        int r;

        env = pam_getenvlist(pamh);
        if (!env) {
                pam_syslog(pamh, LOG_CRIT, "Cannot read the PAM environment");
                return PAM_BUF_ERR;
        }
        for (char **p = env; *p; p++) {
                char *eq = strchr(*p, '=');

                if (env_entry_kept(*p))
                        continue;
                if (eq)
                        *eq = '\0';
                r = pam_putenv(pamh, *p);
                if (r != PAM_SUCCESS && r != PAM_BAD_ITEM) {
                        pam_syslog(pamh, LOG_ERR,
                                   "Cannot remove a variable from the PAM environment: %s",
                                   pam_strerror(pamh, r));
                        free_envlist(env);
                        return r == PAM_BUF_ERR ? PAM_BUF_ERR : PAM_SESSION_ERR;
                }
                if (jaula_env_name_ok(*p, strlen(*p)))
                        jaula_debug("Removed '%s' from the PAM environment of user '%s'", *p, name);
                removed++;
        }
        free_envlist(env);

        env = pam_getenvlist(pamh);
        if (!env) {
                pam_syslog(pamh, LOG_CRIT, "Cannot read the PAM environment");
                return PAM_BUF_ERR;
        }
        for (char **p = env; *p; p++)
                if (!env_entry_kept(*p)) {
                        free_envlist(env);
                        pam_syslog(pamh, LOG_ERR,
                                   "Refusing user '%s': the PAM environment keeps a variable "
                                   "off the allow-list after its removal",
                                   name);
                        return PAM_SESSION_ERR;
                }
        free_envlist(env);
        if (removed)
                pam_syslog(pamh, LOG_NOTICE,
                           "Removed %zu variables off the allow-list from the PAM environment "
                           "of jailed user '%s'",
                           removed, name);
        return PAM_SUCCESS;
}

/* A jailed user gets no session from a service that would run their own
 * code on the host, outside any jail (host_manager_services). */
static int check_service(pam_handle_t *pamh, const struct jaula_spec *spec)
{
        const void *item = NULL;
        const char *service;

        if (pam_get_item(pamh, PAM_SERVICE, &item) != PAM_SUCCESS || !item) {
                pam_syslog(pamh, LOG_ERR, "No service name in the PAM handle");
                return PAM_SESSION_ERR;
        }
        service = item;
        for (size_t i = 0; i < ELEMENTSOF(host_manager_services); i++)
                if (strcmp(service, host_manager_services[i]) == 0) {
                        pam_syslog(pamh, LOG_ERR,
                                   "Refusing user '%s' (rule '%s'): service '%s' starts a "
                                   "service manager on the host that runs the user's own units; "
                                   "jailed users get none",
                                   spec->user.name, spec->rule_name ? spec->rule_name : "?",
                                   service);
                        return PAM_SESSION_ERR;
                }
        return PAM_SUCCESS;
}

/* Resolve the user: 1 and *ret when jailed, 0 when not, or a PAM code
 * (negative of it, to keep the three cases apart). */
static int resolve_user(pam_handle_t *pamh, const struct jaula_policy *p, const char *name,
                        struct jaula_spec **ret)
{
        struct jaula_user user = {};
        struct jaula_err err = {};
        const char *rule = NULL;
        int r;

        r = jaula_user_lookup_name(name, &user);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Cannot look user '%s' up: %s", name,
                           r == -EIO ? "a name service source failed" : strerror(-r));
                return r == -ENOMEM                    ? -PAM_BUF_ERR
                       : (r == -ENOENT || r == -ESRCH) ? -PAM_USER_UNKNOWN
                                                       : -PAM_SESSION_ERR;
        }
        r = jaula_policy_resolve(p, &user, ret, &rule, &err);
        jaula_user_clear(&user);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Cannot jail user '%s': %s", name,
                           err.msg[0] ? err.msg : strerror(-r));
                return -pam_code(r);
        }
        if (r == 0)
                jaula_debug("User '%s' is not jailed (%s%s%s)", name,
                            rule ? "exempted by rule '" : "no rule matches", rule ? rule : "",
                            rule ? "'" : "");
        return r;
}

/* What open_session did, for the counters (metrics.h). */
struct outcome {
        enum jaula_metrics_reason reason; /* when refused */
        bool jailed;                      /* the session was put in a jail */
        bool created;                     /* … one this session made */
};

static int open_session(pam_handle_t *pamh, int flags, const struct options *opt,
                        struct outcome *out)
{
        _cleanup_(policy_freep) struct jaula_policy *policy = NULL;
        _cleanup_(handle_freep) struct jaula_handle *h = NULL;
        struct jaula_spec *spec = NULL;
        struct session_data *d = NULL;
        struct jaula_err err = {};
        const void *item = NULL;
        const char *name;
        int r;

        r = pam_get_item(pamh, PAM_USER, &item);
        name = item;
        if (r != PAM_SUCCESS || !name || !*name) {
                pam_syslog(pamh, LOG_ERR, "No user name in the PAM handle");
                return PAM_SESSION_ERR;
        }
        /* A second pam_jaula line in the same stack (the pam-auth-update
         * profile in common-session, and the line README asks for at the
         * end of /etc/pam.d/sshd) only scrubs again what the modules in
         * between added to the environment. */
        if (pam_get_data(pamh, DATA_NAME, &item) == PAM_SUCCESS && item)
                return scrub_env(pamh, name);

        r = load_policy(pamh, opt->config, &policy);
        jaula_metrics_use_policy(opt->config, policy);
        out->reason = JAULA_REFUSED_POLICY;
        if (r != PAM_SUCCESS)
                return r;
        r = resolve_user(pamh, policy, name, &spec);
        if (r == 0)
                return PAM_IGNORE;
        if (r < 0) {
                if (r == -PAM_USER_UNKNOWN || r == -PAM_BUF_ERR)
                        out->reason = JAULA_REFUSED_OTHER;
                return -r;
        }

        out->reason = JAULA_REFUSED_SERVICE;
        r = check_service(pamh, spec);
        if (r != PAM_SUCCESS)
                goto fail;
        out->reason = JAULA_REFUSED_SHELL;
        r = check_shell(pamh, spec, opt->jailsh);
        if (r != PAM_SUCCESS)
                goto fail;
        out->reason = JAULA_REFUSED_OTHER;
        r = scrub_env(pamh, name);
        if (r != PAM_SUCCESS)
                goto fail;

        out->reason = JAULA_REFUSED_SETUP;
        r = jaula_jail_open(spec, getpid(), &h, &err);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Cannot open a jail for user '%s' (rule '%s'): %s", name,
                           spec->rule_name ? spec->rule_name : "?", err.msg);
                if (r == -EUSERS) {
                        out->reason = JAULA_REFUSED_LIMIT;
                        tell_user_capped(pamh, flags);
                        r = PAM_MAXTRIES;
                } else
                        r = pam_code(r);
                goto fail;
        }

        d = calloc(1, sizeof *d);
        if (d) {
                d->jail_id = strdup(jaula_handle_jail_id(h));
                if (jaula_handle_session_id(h))
                        d->session_id = strdup(jaula_handle_session_id(h));
        }
        if (!d || !d->jail_id || (jaula_handle_session_id(h) && !d->session_id)) {
                pam_syslog(pamh, LOG_CRIT, "Out of memory");
                r = PAM_BUF_ERR;
                goto fail_close;
        }

        r = jaula_jail_enter(h, PAM_NSFLAGS, &err);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Cannot enter jail %s of user '%s': %s", d->jail_id, name,
                           err.msg);
                r = pam_code(r);
                goto fail_close;
        }

        d->spec = spec;
        r = pam_set_data(pamh, DATA_NAME, d, session_data_cleanup);
        if (r != PAM_SUCCESS) {
                d->spec = NULL;
                pam_syslog(pamh, LOG_ERR, "pam_set_data: %s", pam_strerror(pamh, r));
                goto fail_close;
        }
        pam_syslog(pamh, LOG_INFO, "User '%s' (rule '%s', profile '%s') jailed in %s, session %s",
                   name, spec->rule_name ? spec->rule_name : "?",
                   spec->profile_name ? spec->profile_name : "?", d->jail_id,
                   d->session_id ? d->session_id : "-");
        out->jailed = true;
        out->created = jaula_handle_created(h);
        return PAM_SUCCESS;

fail_close:
        if (d && d->jail_id && jaula_jail_close(spec, d->jail_id, d->session_id, &err) < 0)
                pam_syslog(pamh, LOG_ERR, "Cannot end the failed session of jail %s: %s",
                           d->jail_id, err.msg);
        session_data_free(d);
fail:
        jaula_spec_free(spec);
        return r;
}

JAULA_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        uint64_t start = jaula_metrics_now_usec();
        struct outcome out = { .reason = JAULA_REFUSED_OTHER };
        struct options opt;
        int r;

        r = parse_options(pamh, argc, argv, &opt);
        if (r != PAM_SUCCESS) {
                tell_user(pamh, flags);
                return r;
        }
        log_begin(pamh, &opt);
        jaula_metrics_set_state_dir(NULL); /* until the policy names one */
        r = open_session(pamh, flags, &opt, &out);
        if (out.jailed)
                jaula_metrics_login(JAULA_VIA_PAM,
                                    out.created ? JAULA_LOGIN_COLD : JAULA_LOGIN_WARM, start);
        else if (r != PAM_SUCCESS && r != PAM_IGNORE)
                jaula_metrics_refused(JAULA_VIA_PAM, out.reason);
        log_end();
        /* PAM_MAXTRIES: refused by a per-user cap, the user was told why. */
        if (r == PAM_MAXTRIES)
                return PAM_SESSION_ERR;
        if (r != PAM_SUCCESS && r != PAM_IGNORE)
                tell_user(pamh, flags);
        return r;
}

/* The application ignores or merely logs what close returns (sshd 9.2
 * ignores it); failures are logged here, never retried. */
JAULA_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct session_data *d;
        struct jaula_err err = {};
        const void *item = NULL;
        struct options opt;
        int r;

        r = parse_options(pamh, argc, argv, &opt);
        if (r != PAM_SUCCESS)
                return r;
        if (pam_get_data(pamh, DATA_NAME, &item) != PAM_SUCCESS || !item)
                return PAM_IGNORE; /* not jailed, or open_session failed */
        d = (struct session_data *) item;

        log_begin(pamh, &opt);
        r = jaula_jail_close(d->spec, d->jail_id, d->session_id, &err);
        log_end();
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Cannot end session %s of jail %s: %s",
                           d->session_id ? d->session_id : "-", d->jail_id, err.msg);
                r = PAM_SESSION_ERR;
        } else {
                pam_syslog(pamh, LOG_INFO, "Session %s of jail %s closed",
                           d->session_id ? d->session_id : "-", d->jail_id);
                r = PAM_SUCCESS;
        }
        /* Drop the data now (the cleanup frees it) so that a second close
         * cannot end the session twice. */
        pam_set_data(pamh, DATA_NAME, NULL, NULL);
        return r;
}
