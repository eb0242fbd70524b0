/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jailsh.c — the login shell of jailed users.  Setuid root.
 *
 *   -bash style argv0        interactive login shell in the jail
 *   jailsh -c CMD            the jail's shell -c CMD (ssh exec, sftp, scp, rsync)
 *   jailsh                   interactive, not a login shell
 * Only a caller whose real uid is 0 may pass more (tests, administrators):
 *   --config FILE   policy file instead of /etc/jaula/jaula.conf
 *   --user NAME     jail NAME instead of the caller (root only, since the
 *                   user otherwise always comes from the real uid)
 *   --login         behave as a login shell
 *
 * The steps, each fatal on failure (fail closed: a short line on stderr,
 * the detail in the system log, non-zero exit, never a host shell):
 *   0. every signal blocked, the caller's limits saved and those that
 *      could break the set-up lifted (setup_guard; the shell gets the
 *      caller's back before exec);
 *   1. undumpable; fds 0-2 open; environment saved through an allow-list
 *      and cleared before anything reads it;
 *   2. policy → user (real uid, with the groups the login gave us) → spec;
 *      an unmatched user is refused;
 *   3. the jail pam_jaula opened (found by our network namespace), or
 *      open/create one ourselves with this process as the session;
 *   4. join the jail's pid namespace, grab the login's terminal (a bind
 *      of it, taken while we still see the host's mounts), start a child
 *      (pid namespaces apply to children: born in the jail's cgroup on v2,
 *      sharing our memory until it execs on v1, see child_args); the
 *      child joins cgroup, mount and the rest, mounts the terminal in a
 *      mount namespace of the session's own, confines itself (caps,
 *      creds, no_new_privs, seccomp), reopens the terminal by its jail
 *      path and execs the jail's shell; the parent forwards signals,
 *      waits, closes our session and exits with the child's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "jaula/confine.h"
#include "jaula/env.h"
#include "jaula/jail.h"
#include "jaula/log.h"
#include "jaula/metrics.h"
#include "jaula/ns.h"
#include "jaula/policy.h"
#include "jaula/rootfs.h"

#define EXIT_REFUSED 1
/* At most this many variables pass from the caller (terminal, locale,
 * SSH); more are dropped, never a reason to refuse the login.  HOME,
 * USER, LOGNAME, SHELL, PATH and the profile's own always fit. */
#define ENV_CALLER_MAX 64
#define JAIL_PATH "/usr/local/bin:/usr/bin:/bin"
/* Descriptors the set-up may need at once, with room to clean up. */
#define SETUP_MIN_FILES 64

extern char **environ;

static bool caller_is_root;

/* The library logs through us: the system log always (syslog, or
 * JAULA_LOG_FILE on a host without a syslog daemon), stderr too for root. */
static void log_sink(int prio, const char *msg, void *userdata)
{
        jaula_log_system("jailsh", prio, msg);
        if (caller_is_root && prio <= LOG_WARNING)
                fprintf(stderr, "jailsh: %s\n", msg);
}

/* The user sees a short reason; the system log gets the detail. */
static int _printf_(3, 4) refuse(enum jaula_metrics_reason reason, const char *user_msg,
                                 const char *fmt, ...)
{
        char detail[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
        jaula_log_system("jailsh", LOG_ERR, detail);
        if (caller_is_root)
                fprintf(stderr, "jailsh: %s: %s\n", user_msg, detail);
        else
                fprintf(stderr, "jailsh: %s\n", user_msg);
        jaula_metrics_refused(JAULA_VIA_JAILSH, reason);
        return EXIT_REFUSED;
}

/* Nothing but stdio may pass from our caller into the jail: an fd that
 * su, a script or any other caller left open (a host directory, a log
 * file, a socket) would be a way out of the jail's mount namespace or
 * into host services.  Marked close-on-exec rather than closed, so that
 * nothing we open before the exec can be confused with them. */
static void cloexec_inherited(void)
{
        if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return;
        for (int fd = 3; fd < 65536; fd++)
                fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void ensure_stdio(void)
{
        for (int fd = 0; fd < 3; fd++) {
                if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
                        continue;
                /* Without this the first file we open could become our
                 * stdout and receive what was meant for the terminal. */
                if (open("/dev/null", O_RDWR) != fd)
                        _exit(EXIT_REFUSED);
        }
}

/* ---- the caller's limits and signals ----
 *
 * jailsh does privileged work (state files, cgroups, a lease, the veth,
 * the monitor) with limits and signal dispositions its caller chose.  A
 * small RLIMIT_FSIZE ends it with SIGXFSZ in the middle of a state write,
 * a tiny RLIMIT_STACK with SIGSEGV, a ^C or a hang-up with SIGINT or
 * SIGHUP: what was made so far stays behind.  So the first thing main does
 * is to save the caller's, block every signal and lift the limits that can
 * break the set-up; the jail's shell gets the caller's back just before
 * exec.  SIGKILL and SIGSTOP cannot be blocked, and the user may send them
 * (our real uid is theirs): the library makes every step recoverable
 * (docs/recovery.md). */
struct caller_state {
        sigset_t mask;
        bool ignored[NSIG];
        struct rlimit lim[RLIM_NLIMITS];
        bool have_lim[RLIM_NLIMITS];
        bool changed[RLIM_NLIMITS]; /* lifted by setup_guard: restored in the shell */
};

static struct caller_state caller;

/* Raised to at least these (soft and hard) for the set-up, never lowered:
 * a caller with more keeps it. */
static const struct {
        int resource;
        rlim_t min;
} setup_limits[] = {
        { RLIMIT_FSIZE, RLIM_INFINITY },      { RLIMIT_CPU, RLIM_INFINITY },
        { RLIMIT_DATA, RLIM_INFINITY },       { RLIMIT_AS, RLIM_INFINITY },
        { RLIMIT_NPROC, RLIM_INFINITY },      { RLIMIT_MEMLOCK, RLIM_INFINITY },
        { RLIMIT_SIGPENDING, RLIM_INFINITY }, { RLIMIT_MSGQUEUE, RLIM_INFINITY },
        { RLIMIT_LOCKS, RLIM_INFINITY },      { RLIMIT_RTTIME, RLIM_INFINITY },
        { RLIMIT_NOFILE, 1024 },              { RLIMIT_STACK, 8 << 20 },
};

/* The signals the caller ignores, from the kernel's SigIgn mask of this
 * process: one read instead of a sigaction per signal (each system call
 * costs microseconds on a virtual machine, and a login made ~150 of them
 * here).  After execve every disposition is SIG_IGN or SIG_DFL (handlers
 * do not survive it), so this mask is the caller's whole choice.  Without
 * a readable /proc, the sigaction per signal. */
static bool ignored_from_proc(bool *ignored)
{
        _cleanup_close_ int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char buf[4096], *p;
        unsigned long long mask;
        ssize_t n;

        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
                return false;
        buf[n] = 0;
        p = strstr(buf, "\nSigIgn:\t");
        if (!p || sscanf(p + 9, "%16llx", &mask) != 1)
                return false;
        for (int s = 1; s < NSIG && s <= 64; s++)
                ignored[s] = mask & (1ULL << (s - 1));
        return true;
}

static void setup_guard(void)
{
        struct rlimit core;
        sigset_t all;

        /* First: from here on nothing the caller or a terminal sends is
         * acted on.  A signal sent meanwhile stays pending; see
         * drop_setup_signals for what becomes of it. */
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &caller.mask);
        if (!ignored_from_proc(caller.ignored))
                for (int s = 1; s < NSIG; s++) {
                        struct sigaction sa;

                        caller.ignored[s] = sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
                }
        /* A caller that ignores SIGCHLD would have our shell reaped
         * without a signal, and wait_child wait for ever: the default
         * here, the caller's again in the shell (restore_caller). */
        if (caller.ignored[SIGCHLD])
                signal(SIGCHLD, SIG_DFL);
        /* Only the limits set-up changes are saved and given back. */
        for (size_t i = 0; i < ELEMENTSOF(setup_limits); i++) {
                int r = setup_limits[i].resource;

                caller.have_lim[r] = getrlimit(r, &caller.lim[r]) == 0;
        }
        caller.have_lim[RLIMIT_CORE] = getrlimit(RLIMIT_CORE, &caller.lim[RLIMIT_CORE]) == 0;
        /* As root with CAP_SYS_RESOURCE a hard limit the caller lowered is
         * raised again.  Where root lacks it (some containers), the soft
         * limit goes up to the hard one: past that, what would have been
         * a signal (blocked now) is an error, and the login is refused
         * with everything made so far released. */
        for (size_t i = 0; i < ELEMENTSOF(setup_limits); i++) {
                int r = setup_limits[i].resource;
                rlim_t min = setup_limits[i].min;
                struct rlimit l;

                if (!caller.have_lim[r])
                        continue;
                l = caller.lim[r];
                if (l.rlim_cur != RLIM_INFINITY && (min == RLIM_INFINITY || l.rlim_cur < min))
                        l.rlim_cur = min;
                if (l.rlim_max != RLIM_INFINITY &&
                    (l.rlim_cur == RLIM_INFINITY || l.rlim_max < l.rlim_cur))
                        l.rlim_max = l.rlim_cur;
                if (l.rlim_cur == caller.lim[r].rlim_cur && l.rlim_max == caller.lim[r].rlim_max)
                        continue;
                /* Marked before the attempt: a partial change is undone too. */
                caller.changed[r] = true;
                if (setrlimit(r, &l) == 0 || errno != EPERM)
                        continue;
                l.rlim_max = caller.lim[r].rlim_max;
                if (l.rlim_max != RLIM_INFINITY &&
                    (l.rlim_cur == RLIM_INFINITY || l.rlim_cur > l.rlim_max))
                        l.rlim_cur = l.rlim_max;
                /* The refused call changed nothing; neither would this. */
                if (l.rlim_cur == caller.lim[r].rlim_cur) {
                        caller.changed[r] = false;
                        continue;
                }
                setrlimit(r, &l);
        }
        /* No core of a process that held root (dumpable is off too); the
         * hard limit stays, so the shell can have the caller's back. */
        if (caller.have_lim[RLIMIT_CORE] && caller.lim[RLIMIT_CORE].rlim_cur != 0) {
                core = caller.lim[RLIMIT_CORE];
                core.rlim_cur = 0;
                caller.changed[RLIMIT_CORE] = true;
                setrlimit(RLIMIT_CORE, &core);
        }
}

/* What a terminal or a broken pipe sent while we set up, before there was
 * a shell to receive it: dropped (setting SIG_IGN discards a pending
 * signal), so that the set-up is not undone half way nor the new shell hit
 * by a key pressed before it existed.  What is sent on purpose (TERM,
 * USR1, USR2, ALRM, HUP after this point) stays pending and is passed on
 * to the shell by wait_child.  Dispositions go back to the default: the
 * parent only ever takes signals through sigwaitinfo. */
static void drop_setup_signals(void)
{
        static const int dropped[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
                                       SIGHUP, SIGPIPE, SIGXFSZ, SIGXCPU, SIGWINCH };
        sigset_t pending;
        bool all = sigpending(&pending) < 0;

        /* Only what is pending needs dropping (usually nothing). */
        for (size_t i = 0; i < ELEMENTSOF(dropped); i++) {
                if (!all && sigismember(&pending, dropped[i]) != 1)
                        continue;
                signal(dropped[i], SIG_IGN);
                signal(dropped[i], SIG_DFL);
        }
}

/* In the child, just before exec: the shell runs with the caller's limits
 * (pam_limits' among them: running with ours would lift them) and the
 * caller's ignored signals and mask, exactly as if jailsh were not there.
 * Lowering a limit needs no privilege; the core size's soft limit goes
 * back under a hard limit that was never changed. */
static int restore_caller(const bool *ignored_now)
{
        for (int r = 0; r < RLIM_NLIMITS; r++)
                if (caller.changed[r] && caller.have_lim[r] && setrlimit(r, &caller.lim[r]) < 0)
                        return -errno;
        /* A handler does not survive execve; only an ignored signal
         * would, or the caller's ignored one reset: those are set. */
        for (int s = 1; s < NSIG; s++)
                if (s != SIGKILL && s != SIGSTOP && caller.ignored[s] != ignored_now[s])
                        signal(s, caller.ignored[s] ? SIG_IGN : SIG_DFL);
        return 0;
}

/* ---- environment (the allow-list is common/env.c's) ---- */

struct env {
        char **v; /* NULL-terminated */
        size_t n, cap;
        size_t dropped; /* caller variables past ENV_CALLER_MAX */
};

static int env_set(struct env *e, const char *name, const char *value)
{
        size_t len = strlen(name);
        char *s;

        if (!jaula_env_name_ok(name, len) || !value)
                return -EINVAL;
        if (asprintf(&s, "%s=%s", name, value) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < e->n; i++)
                if (!strncmp(e->v[i], name, len) && e->v[i][len] == '=') {
                        free(e->v[i]);
                        e->v[i] = s;
                        return 0;
                }
        if (e->n + 1 >= e->cap) {
                size_t cap = e->cap ? e->cap * 2 : 32;
                char **nv = reallocarray(e->v, cap, sizeof(char *));

                if (!nv) {
                        free(s);
                        return -ENOMEM;
                }
                e->v = nv;
                e->cap = cap;
        }
        e->v[e->n++] = s;
        e->v[e->n] = NULL;
        return 0;
}

static void env_free(struct env *e)
{
        for (size_t i = 0; i < e->n; i++)
                free(e->v[i]);
        free(e->v);
        *e = (struct env){ 0 };
}

/* Keep the allowed variables of the caller, then clear the environment
 * before any library code (NSS, libconfig, syslog) can read it. */
static void env_capture(struct env *e)
{
        for (char **p = environ; p && *p; p++) {
                const char *eq = strchr(*p, '=');
                char name[128];

                if (!eq || (size_t) (eq - *p) >= sizeof name || !jaula_env_allowed(*p, (size_t) (eq - *p)) ||
                    !jaula_env_value_ok(eq + 1))
                        continue;
                if (e->n >= ENV_CALLER_MAX) {
                        e->dropped++;
                        continue;
                }
                snprintf(name, sizeof name, "%.*s", (int) (eq - *p), *p);
                env_set(e, name, eq + 1);
        }
        clearenv();
}

static bool env_has(const struct env *e, const char *name)
{
        size_t len = strlen(name);

        for (size_t i = 0; i < e->n; i++)
                if (!strncmp(e->v[i], name, len) && e->v[i][len] == '=')
                        return true;
        return false;
}

static int env_finish(struct env *e, const struct jaula_spec *spec)
{
        const char *home = spec->home ? spec->home : spec->user.home;
        int r = 0;

        if (e->dropped)
                jaula_log(LOG_NOTICE,
                          "User '%s': %zu environment variables past the first %d were not "
                          "passed into the jail",
                          spec->user.name, e->dropped, ENV_CALLER_MAX);

        r = r ?: env_set(e, "HOME", home);
        r = r ?: env_set(e, "USER", spec->user.name);
        r = r ?: env_set(e, "LOGNAME", spec->user.name);
        r = r ?: env_set(e, "SHELL", spec->shell);
        r = r ?: env_set(e, "PATH", JAIL_PATH);
        for (size_t i = 0; !r && i < spec->n_env; i++)
                r = env_set(e, spec->env[i].name, spec->env[i].value);
        return r;
}

/* ---- arguments ---- */

struct args {
        const char *config;
        const char *user;
        const char *command; /* -c */
        bool login;
};

static int parse_args(int argc, char **argv, struct args *a)
{
        int i = 1;

        a->config = JAULA_DEFAULT_CONFIG;
        a->login = argv[0] && argv[0][0] == '-';
        if (!caller_is_root) {
                /* Exactly what sshd, login and su hand a login shell. */
                if (argc == 1)
                        return 0;
                if (argc == 3 && !strcmp(argv[1], "-c")) {
                        a->command = argv[2];
                        return 0;
                }
                return -EINVAL;
        }
        for (; i < argc; i++) {
                if (!strcmp(argv[i], "--config") && i + 1 < argc)
                        a->config = argv[++i];
                else if (!strcmp(argv[i], "--user") && i + 1 < argc)
                        a->user = argv[++i];
                else if (!strcmp(argv[i], "--login"))
                        a->login = true;
                else if (!strcmp(argv[i], "-c") && i + 2 == argc) {
                        a->command = argv[++i];
                } else
                        return -EINVAL;
        }
        return 0;
}

/* ---- the user ---- */

/* The caller, with the groups its login program gave it (initgroups, or
 * pam_group's additions) rather than a fresh getgrouplist: the same set a
 * host shell would run with, and no NSS walk over every group source at
 * each login.  A user cannot add a group to their own process, so no
 * profile can be reached that the login did not grant; a user removed
 * from a group keeps it until their next login, as on the host. */
static int lookup_caller(struct jaula_user *ret)
{
        _cleanup_free_ gid_t *gids = NULL;
        int n = getgroups(0, NULL);

        if (n < 0)
                return -errno;
        gids = calloc((size_t) n + 1, sizeof(gid_t));
        if (!gids)
                return -ENOMEM;
        n = getgroups(n, gids);
        if (n < 0)
                return -errno;
        return jaula_user_lookup_uid_groups(getuid(), gids, (size_t) n, ret);
}

/* ---- the child: enter, confine, exec ---- */

struct child_report {
        int code;
        char msg[480];
};

static _Noreturn void child_fail(int fd, int code, const char *msg)
{
        struct child_report rep = { .code = code };

        snprintf(rep.msg, sizeof rep.msg, "%s", msg);
        if (write(fd, &rep, sizeof rep) < 0) {
                /* nothing more we can do: the exit status still says no */
        }
        _exit(126);
}

static _Noreturn void child_main(struct jaula_handle *h, const struct jaula_spec *spec,
                                  const struct args *a, struct env *env,
                                  const struct jaula_tty *tty, int report_fd,
                                  const sigset_t *oldmask, const bool *ignored_now,
                                  bool in_cgroup)
{
        struct jaula_err err = { 0 };
        const char *base = strrchr(spec->shell, '/');
        char argv0[256];
        char *argv[4];
        int r;

        /* Every signal stays blocked (inherited from setup_guard) until
         * restore_caller, just before exec, sets the caller's dispositions
         * and mask. */
        base = base ? base + 1 : spec->shell;
        /* Cgroup first (unless born there), then the namespaces; the
         * cgroup namespace is then rooted at the jail's node like the
         * holder's. */
        r = in_cgroup ? 0 : jaula_jail_join_cgroup(h, &err);
        if (r < 0)
                child_fail(report_fd, r, err.msg);
        r = jaula_jail_enter(h, jaula_handle_ns_flags(h) & ~(unsigned long) CLONE_NEWPID, &err);
        if (r < 0)
                child_fail(report_fd, r, err.msg);
        r = jaula_rootfs_tty_attach(tty, &err);
        if (r < 0)
                child_fail(report_fd, r, err.msg);
        r = jaula_confine(spec, &err);
        if (r < 0)
                child_fail(report_fd, r, err.msg[0] ? err.msg : "confinement failed");
        /* A terminal the user may not open (su -l from another user's pty)
         * keeps its inherited fds; ttyname() still finds its jail path. */
        r = jaula_rootfs_tty_adopt(tty);
        if (r < 0)
                jaula_log(LOG_NOTICE, "User '%s': terminal kept its host fds: %s", spec->user.name,
                          strerror(-r));
        /* As the user now, so the home's permissions apply to us. */
        if (chdir(spec->home ? spec->home : spec->user.home) < 0 && chdir("/") < 0)
                child_fail(report_fd, -errno, "Cannot chdir in the jail");
        snprintf(argv0, sizeof argv0, "%s%s", a->login ? "-" : "", base);
        argv[0] = argv0;
        if (a->command) {
                argv[1] = (char *) "-c";
                argv[2] = (char *) a->command;
                argv[3] = NULL;
        } else
                argv[1] = NULL;
        r = restore_caller(ignored_now);
        if (r < 0)
                child_fail(report_fd, r, "Cannot restore the caller's resource limits");
        sigprocmask(SIG_SETMASK, oldmask, NULL);
        execve(spec->shell, argv, env->v);
        r = -errno;
        {
                char msg[400];
                snprintf(msg, sizeof msg, "Cannot execute '%s' in the jail: %s", spec->shell,
                         strerror(-r));
                child_fail(report_fd, r, msg);
        }
}

/* Without a cgroup fd to be born in (cgroup v1), the child shares our
 * memory until it execs (jaula_spawn_shared): copying this process's page
 * tables for a child that only enters the jail and execs was the dearest
 * single step of joining a live jail (a fork and its teardown cost 1.4 ms on the
 * benchmark's VM).  We are suspended meanwhile, and single-threaded, so
 * the child may call anything: what it allocates is merely left in our
 * heap.  Its stack is its own; everything else it changes (credentials,
 * namespaces, cgroup, seccomp, capabilities, signal dispositions) is per
 * task.  The one per-mm setting, dumpable, is already 0 here. */
struct child_args {
        struct jaula_handle *h;
        const struct jaula_spec *spec;
        const struct args *a;
        struct env *env;
        const struct jaula_tty *tty;
        int report_fd, report_other;
        const sigset_t *oldmask;
        const bool *ignored_now;
};

#define CHILD_STACK (1024 * 1024)

static int child_trampoline(void *p)
{
        struct child_args *c = p;

        close(c->report_other);
        child_main(c->h, c->spec, c->a, c->env, c->tty, c->report_fd, c->oldmask, c->ignored_now,
                   false);
}

/* ---- the parent ---- */

static int wait_child(pid_t child, const sigset_t *set)
{
        for (;;) {
                siginfo_t si;
                int status, sig = sigwaitinfo(set, &si);

                if (sig < 0)
                        continue;
                if (sig == SIGCHLD) {
                        pid_t r = waitpid(child, &status, WNOHANG);
                        if (r == child) {
                                if (WIFEXITED(status))
                                        return WEXITSTATUS(status);
                                if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
                                        jaula_metrics_sigsys_kill();
                                if (WIFSIGNALED(status))
                                        return 128 + WTERMSIG(status);
                        }
                        continue;
                }
                /* A terminal's ^C or ^\ already reached the child's process
                 * group; only signals someone sent to us are passed on. */
                if ((sig == SIGINT || sig == SIGQUIT) && si.si_code == SI_KERNEL)
                        continue;
                kill(child, sig);
        }
}

static int run(int argc, char **argv)
{
        _cleanup_spec_ struct jaula_spec *spec = NULL;
        _cleanup_(jaula_seccomp_prog_free) struct jaula_seccomp_prog filter = { 0 };
        struct jaula_policy *policy = NULL;
        struct jaula_diags diags = { 0 };
        struct jaula_user user = { 0 };
        struct jaula_handle *h = NULL;
        struct jaula_err err = { 0 };
        _cleanup_(env_free) struct env env = { 0 };
        struct args a = { 0 };
        struct jaula_tty tty = { .tree = -1 };
        const char *rule = NULL;
        sigset_t set, oldmask;
        bool ignored_now[NSIG] = { false };
        struct rlimit nofile;
        int report[2], r, status, cgfd = -EOPNOTSUPP;
        bool own_session = false;
        pid_t child;

        env_capture(&env);
        if (geteuid() != 0)
                return refuse(JAULA_REFUSED_OTHER, "not installed setuid root; login refused",
                              "jailsh runs with euid %u", (unsigned) geteuid());
        if (parse_args(argc, argv, &a) < 0)
                return refuse(JAULA_REFUSED_OTHER, "usage: jailsh [-c COMMAND]",
                              "Refused arguments from uid %u", (unsigned) getuid());
        /* A hard limit setup_guard could not lift (root without
         * CAP_SYS_RESOURCE): refused before anything is made, rather than
         * failing half way with too few descriptors to clean up. */
        if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < SETUP_MIN_FILES)
                return refuse(JAULA_REFUSED_OTHER, "your open file limit is too low; login refused",
                              "RLIMIT_NOFILE of uid %u is %llu, below %d, and cannot be raised",
                              (unsigned) getuid(), (unsigned long long) nofile.rlim_cur,
                              SETUP_MIN_FILES);

        r = jaula_policy_load(a.config, &policy, &diags);
        jaula_metrics_use_policy(a.config, r < 0 ? NULL : policy);
        if (r < 0) {
                char line[600];
                for (size_t i = 0; i < diags.n; i++) {
                        jaula_diag_format(&diags.v[i], line, sizeof line);
                        log_sink(LOG_ERR, line, NULL);
                }
                jaula_diags_free(&diags);
                return refuse(JAULA_REFUSED_POLICY, "the jail policy is broken; login refused",
                              "Cannot load policy '%s': %s", a.config, strerror(-r));
        }
        jaula_diags_free(&diags);
        if (a.user)
                r = jaula_user_lookup_name(a.user, &user);
        else
                r = lookup_caller(&user);
        if (r < 0) {
                jaula_policy_free(policy);
                return refuse(JAULA_REFUSED_OTHER, "unknown user; login refused",
                              "Cannot look up uid %u: %s", (unsigned) getuid(), strerror(-r));
        }
        r = jaula_policy_resolve(policy, &user, &spec, &rule, &err);
        if (r == 0) {
                /* Never a host shell: jailsh is only for jailed users.
                 * (rule points into the policy: freed only after this.) */
                r = refuse(JAULA_REFUSED_NOT_JAILED, "you are not jailed here; login refused",
                           "User '%s' (uid %u) matches no jail rule%s%s", user.name,
                           (unsigned) user.uid, rule ? ": exempt by " : "", rule ? rule : "");
                jaula_policy_free(policy);
                jaula_user_clear(&user);
                return r;
        }
        jaula_policy_free(policy);
        if (r < 0) {
                jaula_user_clear(&user);
                return refuse(JAULA_REFUSED_POLICY,
                              "the jail policy cannot jail you; login refused", "%s", err.msg);
        }
        jaula_user_clear(&user);
        /* The seccomp filter, compiled or read from /run/jaula-policy here,
         * in the host's mount namespace: the child confines itself inside
         * the jail's, where /run belongs to the jail.  A filter that cannot
         * be built refuses the login before any jail is made. */
        if (!jaula_seccomp_is_empty(&spec->seccomp)) {
                r = jaula_seccomp_compile(&spec->seccomp, NULL, &filter, NULL, &err);
                if (r < 0)
                        return refuse(JAULA_REFUSED_POLICY,
                                      "the jail policy cannot jail you; login refused", "%s",
                                      err.msg);
                spec->seccomp.compiled = &filter;
        }
        r = env_finish(&env, spec);
        if (r < 0)
                return refuse(JAULA_REFUSED_POLICY,
                              "bad environment in the jail profile; login refused",
                              "Profile '%s' environment: %s", spec->profile_name, strerror(-r));

        /* pam_jaula already opened the jail and put us in its network
         * namespace; otherwise we are the session. */
        r = jaula_jail_find_current(spec, &h, &err);
        if (r < 0)
                return refuse(JAULA_REFUSED_SETUP, "cannot find your jail; login refused", "%s",
                              err.msg);
        if (r == 0) {
                r = jaula_jail_open(spec, getpid(), &h, &err);
                if (r == -EUSERS)
                        return refuse(JAULA_REFUSED_LIMIT,
                                      "you have too many jails or sessions open; login refused",
                                      "User '%s': %s", spec->user.name, err.msg);
                if (r < 0)
                        return refuse(JAULA_REFUSED_SETUP, "cannot set up your jail; login refused",
                                      "User '%s': %s", spec->user.name, err.msg);
                own_session = true;
        }
        jaula_log(LOG_INFO, "User '%s' enters jail '%s'%s", spec->user.name,
                  jaula_handle_jail_id(h), own_session ? "" : " (opened by PAM)");

        /* Every signal is blocked since setup_guard; these are the ones
         * wait_child takes and passes on. */
        sigemptyset(&set);
        for (int s = 0, sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2,
                                   SIGALRM, SIGCONT };
             s < (int) ELEMENTSOF(sigs); s++)
                sigaddset(&set, sigs[s]);
        oldmask = caller.mask;

        /* The terminal is bound from our (the host's) mounts; its name in
         * the jail replaces the host's in SSH_TTY.  Without a bind the
         * session still works, only unnamed: no reason to refuse it. */
        if (jaula_rootfs_tty_grab(&tty, &err) < 0)
                jaula_log(LOG_NOTICE, "User '%s': %s; the session's terminal has no name in the jail",
                          spec->user.name, err.msg);
        else if (tty.present && env_has(&env, "SSH_TTY") &&
                 env_set(&env, "SSH_TTY", "/dev/" JAULA_ROOTFS_TTY_NAME) < 0)
                jaula_log(LOG_NOTICE, "User '%s': SSH_TTY not updated", spec->user.name);
        err = (struct jaula_err){ 0 };

        r = jaula_jail_enter(h, CLONE_NEWPID, &err);
        if (r >= 0) {
                /* cgroup v2: the shell is born in the jail's cgroup. */
                cgfd = jaula_jail_cgroup_fd(h, &err);
                if (cgfd < 0 && cgfd != -EOPNOTSUPP)
                        r = cgfd;
        }
        if (r >= 0 && pipe2(report, O_CLOEXEC) < 0)
                r = jaula_err_errno(&err, -errno, "pipe failed");
        if (r < 0) {
                if (own_session)
                        jaula_jail_close(spec, jaula_handle_jail_id(h), jaula_handle_session_id(h),
                                         NULL);
                jaula_handle_free(h);
                jaula_rootfs_tty_clear(&tty);
                return refuse(JAULA_REFUSED_SETUP, "cannot enter your jail; login refused", "%s",
                              err.msg);
        }
        /* The dispositions the shell starts from are ours now: normally
         * the caller's (nothing here ignores or restores a signal before
         * the shell runs), checked so restore_caller sets only what
         * differs; unreadable, every signal is set. */
        if (!ignored_from_proc(ignored_now))
                for (int s = 1; s < NSIG; s++)
                        ignored_now[s] = !caller.ignored[s];
        child = -1;
        if (cgfd >= 0) {
                int pidfd = -1;

                child = jaula_ns_clone(0, cgfd, &pidfd);
                if (child > 0)
                        close(pidfd);
                if (child == 0) {
                        close(report[0]);
                        child_main(h, spec, &a, &env, &tty, report[1], &oldmask, ignored_now,
                                   true);
                }
                if (child < 0)
                        jaula_log(LOG_WARNING,
                                  "clone3 into the jail's cgroup: %s; the shell joins it "
                                  "after starting",
                                  strerror(-child));
        }
        if (child < 0) {
                struct child_args ca = { .h = h, .spec = spec, .a = &a, .env = &env,
                                         .tty = &tty, .report_fd = report[1],
                                         .report_other = report[0], .oldmask = &oldmask,
                                         .ignored_now = ignored_now };

                child = jaula_spawn_shared(child_trampoline, &ca, CHILD_STACK);
        }
        close(report[1]);
        jaula_rootfs_tty_clear(&tty);
        drop_setup_signals();
        if (child < 0) {
                status = refuse(JAULA_REFUSED_SETUP, "cannot start your shell; login refused",
                                "clone: %s", strerror(-child));
        } else {
                struct child_report rep;
                ssize_t n = read(report[0], &rep, sizeof rep);

                /* EOF: the child exec'd the shell (the pipe is O_CLOEXEC). */
                if (n == 0)
                        jaula_metrics_login(JAULA_VIA_JAILSH,
                                            own_session && jaula_handle_created(h)
                                                    ? JAULA_LOGIN_COLD
                                                    : JAULA_LOGIN_WARM,
                                            jaula_metrics_start_usec());
                status = wait_child(child, &set);
                if (n == (ssize_t) sizeof rep) {
                        rep.msg[sizeof rep.msg - 1] = 0;
                        status = refuse(JAULA_REFUSED_SETUP,
                                        "cannot start your shell in the jail; login refused",
                                        "User '%s': %s", spec->user.name, rep.msg);
                }
        }
        close(report[0]);
        if (own_session) {
                r = jaula_jail_close(spec, jaula_handle_jail_id(h), jaula_handle_session_id(h),
                                     &err);
                if (r < 0)
                        jaula_log(LOG_ERR, "Closing session of '%s': %s", spec->user.name, err.msg);
        }
        jaula_handle_free(h);
        return status;
}

int main(int argc, char **argv)
{
        setup_guard();
        /* No core dump or ptrace of a process holding root. */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        ensure_stdio();
        cloexec_inherited();
        caller_is_root = getuid() == 0;
        openlog("jailsh", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
        jaula_log_set_sink(log_sink, NULL);
        if (argc < 1 || !argv[0])
                return EXIT_REFUSED;
        return run(argc, argv);
}
