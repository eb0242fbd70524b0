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
 * application goes on living here and forks the setuid jailsh (DESIGN.md).
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

#include "jaula/jail.h"
#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/util.h"

#define DEFAULT_JAILSH "/usr/sbin/jailsh"
#define DATA_NAME "pam_jaula_session"
#define USER_MESSAGE "jaula: your session could not be set up; contact the administrator"
#define USER_MESSAGE_CAPPED "jaula: you have too many jails or sessions open; close one and retry"

/* The namespaces the PAM process joins; the rest is jailsh's job. */
#define PAM_NSFLAGS (CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC)

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
                pam_syslog(pamh, LOG_ERR, "Cannot look user '%s' up: %s", name, strerror(-r));
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

static int open_session(pam_handle_t *pamh, int flags, const struct options *opt)
{
        _cleanup_(policy_freep) struct jaula_policy *policy = NULL;
        _cleanup_(handle_freep) struct jaula_handle *h = NULL;
        struct jaula_spec *spec = NULL;
        struct session_data *d = NULL;
        struct jaula_err err = {};
        const void *item = NULL;
        const char *name;
        int r;

        if (pam_get_data(pamh, DATA_NAME, &item) == PAM_SUCCESS && item) {
                pam_syslog(pamh, LOG_WARNING, "Session already open in this handle");
                return PAM_SUCCESS;
        }
        r = pam_get_item(pamh, PAM_USER, &item);
        name = item;
        if (r != PAM_SUCCESS || !name || !*name) {
                pam_syslog(pamh, LOG_ERR, "No user name in the PAM handle");
                return PAM_SESSION_ERR;
        }

        r = load_policy(pamh, opt->config, &policy);
        if (r != PAM_SUCCESS)
                return r;
        r = resolve_user(pamh, policy, name, &spec);
        if (r == 0)
                return PAM_IGNORE;
        if (r < 0)
                return -r;

        r = check_shell(pamh, spec, opt->jailsh);
        if (r != PAM_SUCCESS)
                goto fail;

        r = jaula_jail_open(spec, getpid(), &h, &err);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Cannot open a jail for user '%s' (rule '%s'): %s", name,
                           spec->rule_name ? spec->rule_name : "?", err.msg);
                if (r == -EUSERS) {
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
        struct options opt;
        int r;

        r = parse_options(pamh, argc, argv, &opt);
        if (r != PAM_SUCCESS) {
                tell_user(pamh, flags);
                return r;
        }
        log_begin(pamh, &opt);
        r = open_session(pamh, flags, &opt);
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
