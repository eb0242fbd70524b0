/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* holder.c — the processes that make a jail live.  Needs root.
 *
 *   caller (pam_jaula in sshd's monitor, or jailsh)
 *     └ intermediate (shares the caller's memory, jaula_spawn_shared):
 *       setsid, fork, exit                          (so sshd never reaps us)
 *         └ monitor  "jaula-monitor": host side, root creds, no inherited fd;
 *           on a systemd host in its jail's scope (jaula_cgroup_enter)
 *             └ clone3(NEWNS|NEWUTS|NEWIPC|NEWPID|NEWNET) → holder
 *                 "jaula-holder": PID 1 of the jail; joins the jail's cgroup
 *                 (born there on v2, moves itself on v1), unshares the cgroup
 *                 namespace, configures lo/eth0, builds the rootfs,
 *                 pivot_roots, then reaps zombies.
 *
 * The caller talks to the monitor over a SOCK_SEQPACKET pair: PIDS (so it
 * can attach the veth to the waiting holder), GO, READY/ERR, COMMIT (the
 * state file exists).  Until COMMIT, a caller that goes away (EOF) makes
 * the monitor kill the holder and release, under the jail's lock, what the
 * caller's intent record names (holder_ops.recover): nothing is left behind.  After
 * COMMIT the monitor owns the jail's life: it watches the holder (its
 * child), the session owners (pidfds), a linger timer, and for lifetime
 * "processes" asks the holder whether anything still runs in the jail.
 * When the holder dies — killed by a teardown, or otherwise — the monitor
 * releases cgroup, lease and state under the jail's lock and exits.
 *
 * The holder cannot see the host after pivot_root; its only line out is
 * its socket to the monitor, and PR_SET_PDEATHSIG ends it with the
 * monitor, so a killed monitor never leaves an unsupervised jail. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "holder.h"
#include "jaula/ns.h"
#include "jaula/rootfs.h"

#define REPLY_TIMEOUT_MS 30000
#define MAX_WATCH 64

enum {
        MSG_PIDS = 'P',   /* monitor → caller: holder and monitor pids */
        MSG_GO = 'G',     /* caller → monitor → holder */
        MSG_READY = 'R',  /* holder → monitor → caller */
        MSG_ERR = 'E',    /* anyone: failed, text says why */
        MSG_COMMIT = 'C', /* caller → monitor */
        MSG_EMPTY = 'e',  /* holder → monitor: the jail looks empty */
        MSG_SCAN = 'S',   /* monitor → holder: is it empty? */
        MSG_BUSY = 'B',   /* holder: processes left */
        MSG_YES = 'Y',    /* holder: nothing left */
};

struct msg {
        char type;
        int32_t holder, monitor;
        int32_t code;
        char text[400];
};

static int msg_send(int fd, char type, int32_t a, int32_t b, int code, const char *text)
{
        struct msg m = { .type = type, .holder = a, .monitor = b, .code = code };

        if (text)
                snprintf(m.text, sizeof m.text, "%s", text);
        return send(fd, &m, sizeof m, MSG_NOSIGNAL) == (ssize_t) sizeof m ? 0 : neg_errno();
}

/* Receive one message; -EPIPE on EOF, -ETIMEDOUT, or -ESRCH when
 * watch_pidfd (if >= 0) exits first. */
static int msg_recv(int fd, int watch_pidfd, int timeout_ms, struct msg *ret)
{
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = watch_pidfd, .events = POLLIN } };
        ssize_t n;
        int r;

        do
                r = poll(p, watch_pidfd >= 0 ? 2 : 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return -errno;
        if (r == 0)
                return -ETIMEDOUT;
        if (!(p[0].revents & (POLLIN | POLLHUP)) && (p[1].revents & POLLIN))
                return -ESRCH;
        n = recv(fd, ret, sizeof *ret, 0);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -EPIPE;
        if (n != (ssize_t) sizeof *ret)
                return -EBADMSG;
        ret->text[sizeof ret->text - 1] = 0;
        return 0;
}

/* stdio on /dev/null, every other fd closed but keep[] (moved to 3, 4, …).
 * The caller may be sshd: its client socket must not outlive it in us. */
static int sanitize_fds(int *keep, size_t n)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null < 0)
                return -errno;
        for (int i = 0; i < 3; i++)
                if (dup2(null, i) < 0)
                        return -errno;
        /* Move the keepers above everything first so dup2 cannot clobber
         * one with another. */
        for (size_t i = 0; i < n; i++) {
                int hi = fcntl(keep[i], F_DUPFD_CLOEXEC, 1000);
                if (hi < 0)
                        return -errno;
                keep[i] = hi;
        }
        for (size_t i = 0; i < n; i++) {
                if (dup3(keep[i], 3 + (int) i, O_CLOEXEC) < 0)
                        return -errno;
                keep[i] = 3 + (int) i;
        }
        if (syscall(SYS_close_range, 3 + (unsigned) n, ~0U, 0) < 0) {
                for (int fd = 3 + (int) n; fd < 65536; fd++)
                        close(fd);
        }
        return 0;
}

/* The caller's command line (jailsh's arguments, or sshd's) would
 * otherwise show in ps for as long as the jail lives, inside and out.
 * PR_SET_MM needs CAP_SYS_RESOURCE, which some hosts withhold even from
 * root; then the inherited argument area itself is overwritten (it is our
 * own copy, and nothing here reads argv again). */
static void set_cmdline(const char *name)
{
        static char buf[32];
        size_t n = (size_t) snprintf(buf, sizeof buf, "%s", name) + 1;
        char stat[1024], *p;
        unsigned long start = 0, end = 0;
        ssize_t len;
        int fd;

        prctl(PR_SET_NAME, name);
        /* Start first: the kernel wants start <= end at every step, and
         * buf lies below the old arguments (on the stack). */
        if (prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long) buf, 0, 0) == 0 &&
            prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long) buf + n, 0, 0) == 0)
                return;
        fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        len = read(fd, stat, sizeof stat - 1);
        close(fd);
        if (len <= 0)
                return;
        stat[len] = 0;
        /* arg_start and arg_end are fields 48 and 49; count from the end
         * of comm, which may hold spaces. */
        p = strrchr(stat, ')');
        for (int field = 2; p && field < 48; field++)
                p = strchr(p + 1, ' ');
        if (!p || sscanf(p + 1, "%lu %lu", &start, &end) != 2 || end <= start + 1)
                return;
        /* Only if that area holds our own argv[0]: under a loader or an
         * emulator that builds the program's arguments elsewhere (valgrind
         * does) it is memory we do not own. */
        if ((unsigned long) program_invocation_name < start ||
            (unsigned long) program_invocation_name >= end)
                return;
        memset((void *) start, 0, end - start);
        memcpy((void *) start, name, n < end - start ? n - 1 : end - start - 1);
}

/* The signals whose disposition is not SIG_DFL (ignored or caught, from
 * /proc/self/status), so that only those are reset: a call per signal is
 * some 60 system calls on the cold login's path, and usually none is
 * needed.  All of them when it cannot be read. */
static uint64_t signals_not_default(void)
{
        _cleanup_close_ int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        unsigned long long ign, cgt;
        char buf[4096];
        const char *p, *q;
        ssize_t n;

        if (fd < 0)
                return UINT64_MAX;
        n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
                return UINT64_MAX;
        buf[n] = 0;
        p = strstr(buf, "\nSigIgn:\t");
        q = strstr(buf, "\nSigCgt:\t");
        if (!p || !q || sscanf(p + 9, "%16llx", &ign) != 1 || sscanf(q + 9, "%16llx", &cgt) != 1)
                return UINT64_MAX;
        return ign | cgt;
}

static void reset_signals(void)
{
        sigset_t all;
        uint64_t set;

        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        set = signals_not_default();
        for (int s = 1; s < NSIG; s++)
                if (s != SIGKILL && s != SIGSTOP && (s > 64 || (set & (UINT64_C(1) << (s - 1)))))
                        signal(s, SIG_DFL);
}

/* The caller may be jailsh, whose real uid is the user: the jail's own
 * processes must not be signalable, or limited, by that user. */
static int become_root(void)
{
        static const int unlimited[] = { RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_AS,
                                         RLIMIT_CORE, RLIMIT_NPROC, RLIMIT_MEMLOCK,
                                         RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE };
        struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY }, nofile = { 1024, 4096 };

        if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(unlimited); i++)
                setrlimit(unlimited[i], &inf);
        setrlimit(RLIMIT_NOFILE, &nofile);
        setpriority(PRIO_PROCESS, 0, 0);
        umask(022);
        if (chdir("/") < 0)
                return -errno;
        return 0;
}

/* The lowest score the host allows: -1000 needs CAP_SYS_RESOURCE, which
 * a host may withhold even from root; then the value stays as it was,
 * which costs availability only, never confinement. */
static void oom_protect(void)
{
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return;
        if (write(fd, "-1000\n", 6) != 6) {
                /* ignored: see above */
        }
        close(fd);
}

/* Bounds of the jail's own IPC namespace, which starts with the kernel's
 * defaults: System V shared memory is unbounded there (shmall and shmmax
 * are near ULONG_MAX) and, like a tmpfs, outlives the processes that made
 * it.  Its total is held to shm_size, like /dev/shm; SysV message queues
 * to 256 (of at most msgmnb, 16K, each).  POSIX message queues keep their
 * per-namespace defaults (256 queues of 10 messages of 8K for a user, and
 * RLIMIT_MSGQUEUE per uid). */
static int bound_ipc(const struct jaula_spec *spec, struct jaula_err *err)
{
        uint64_t shm = spec->shm_size ? spec->shm_size : JAULA_DEFAULT_SHM_SIZE;
        long page = sysconf(_SC_PAGESIZE);
        char v[3][32];
        static const char *const keys[] = { "/proc/sys/kernel/shmmax", "/proc/sys/kernel/shmall",
                                            "/proc/sys/kernel/msgmni" };

        if (shm == JAULA_SIZE_UNBOUNDED)
                return 0;
        snprintf(v[0], sizeof v[0], "%" PRIu64 "\n", shm);
        snprintf(v[1], sizeof v[1], "%" PRIu64 "\n", shm / (uint64_t) (page > 0 ? page : 4096));
        snprintf(v[2], sizeof v[2], "256\n");
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                _cleanup_close_ int fd = open(keys[i], O_WRONLY | O_CLOEXEC);
                size_t len = strlen(v[i]);

                if (fd < 0 || write(fd, v[i], len) != (ssize_t) len)
                        return jaula_err_errno(err, neg_errno(), "Cannot write %s", keys[i]);
        }
        return 0;
}

/* ---- holder (PID 1 of the jail) ---- */

static bool jail_empty(void)
{
        DIR *d = opendir("/proc");
        struct dirent *de;
        bool empty = true;

        if (!d)
                return false;
        while ((de = readdir(d))) {
                if (de->d_name[0] < '0' || de->d_name[0] > '9' || !strcmp(de->d_name, "1"))
                        continue;
                empty = false;
                break;
        }
        closedir(d);
        return empty;
}

static _Noreturn void holder_main(const struct jaula_spec *spec, const struct jaula_lease *lease,
                                  int sock, unsigned long ns_flags, struct jaula_cgroup *cg)
{
        struct jaula_err err = { 0 };
        int keep[1] = { sock };
        _cleanup_free_ char *resolv = NULL;
        sigset_t chld;
        struct msg m;
        int sfd, r;

        /* Ends with the monitor; if the monitor is already gone, the
         * socket is at EOF and we exit below. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        set_cmdline("jaula-holder");
        /* Not born in the jail's cgroup (v1): we move ourselves, while we
         * still hold the monitor's cgroup fds.  A move of the calling
         * thread by pid 0 skips the kernel's global threadgroup lock that
         * the monitor's write of our pid would take, and with it an RCU
         * grace period (6–12 ms of a cold login here).  A failure is
         * reported at GO, before anything of the jail is built. */
        r = cg ? jaula_cgroup_attach(cg, 0) : 0;
        if (sanitize_fds(keep, 1) < 0)
                _exit(1);
        sock = keep[0];

        /* What needs no network is built before GO, while the caller puts
         * the veth into our network namespace: on a machine with more than
         * one core the two overlap.  Only this process runs in the jail
         * until READY, so nothing of the user's can see a half-built one.
         * A failure waits for GO and is reported then, as before. */
        if (r < 0)
                jaula_err_errno(&err, r, "Cannot move the holder into the jail's cgroup");
        else if ((ns_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
                r = jaula_err_errno(&err, -errno, "Cannot unshare the cgroup namespace");
        /* Only in an IPC namespace of the jail's own: in the host's, these
         * writes would change the host's limits. */
        else if ((ns_flags & CLONE_NEWIPC) && (r = bound_ipc(spec, &err)) < 0)
                ;
        else {
                resolv = jaula_net_resolv_conf(spec);
                r = jaula_rootfs_enter(spec, resolv, &err);
        }
        if (msg_recv(sock, -1, -1, &m) < 0 || m.type != MSG_GO)
                _exit(1);
        /* eth0 is here now (netlink only: the host's files are not needed
         * after pivot_root). */
        if (r >= 0)
                r = jaula_net_configure_inside(spec, spec->net ? lease : NULL, &err);
        if (r < 0) {
                msg_send(sock, MSG_ERR, 0, 0, r, err.msg[0] ? err.msg : strerror(-r));
                _exit(1);
        }
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                msg_send(sock, MSG_ERR, 0, 0, -errno, "signalfd failed");
                _exit(1);
        }
        msg_send(sock, MSG_READY, 0, 0, 0, NULL);

        for (;;) {
                struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
                                       { .fd = sock, .events = POLLIN } };
                struct signalfd_siginfo si;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        _exit(1);
                }
                if (p[0].revents & POLLIN) {
                        bool reaped = false;
                        while (read(sfd, &si, sizeof si) == (ssize_t) sizeof si)
                                ;
                        while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
                                reaped = true;
                        if (reaped && spec->lifetime == JAULA_LIFETIME_PROCESSES && jail_empty())
                                msg_send(sock, MSG_EMPTY, 0, 0, 0, NULL);
                }
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        if (msg_recv(sock, -1, 0, &m) < 0)
                                _exit(0); /* the monitor is gone: so is the jail */
                        if (m.type == MSG_SCAN)
                                msg_send(sock, jail_empty() ? MSG_YES : MSG_BUSY, 0, 0, 0, NULL);
                }
        }
}

/* ---- monitor (host side) ---- */

struct monitor {
        const struct jaula_spec *spec;
        struct holder_ops ops;
        char id[JAULA_ID_MAX];
        pid_t holder;
        uint64_t holder_start;
        int holder_pidfd, hsock, tfd, sigfd;
        bool armed;
        int watch[MAX_WATCH];
        size_t n_watch;
        bool stopping; /* SIGTERM: we end the jail on purpose */
};

/* The state still describes our holder (and not a newer jail that took
 * the same id after ours was torn down). */
static bool state_is_ours(const struct monitor *mon, const struct jaula_jail_state *st)
{
        return st->holder_pid == mon->holder && st->holder_start == mon->holder_start;
}

static _Noreturn void monitor_finish(struct monitor *mon)
{
        /* The holder is dead or dying: collect it, then clean up whatever
         * teardown has not (nothing if jail_close already did). */
        int sfd, lock;
        struct jaula_jail_state st;

        syscall(SYS_pidfd_send_signal, mon->holder_pidfd, SIGKILL, NULL, 0);
        while (waitpid(mon->holder, NULL, __WALL) < 0 && errno == EINTR)
                ;
        sfd = jaula_state_dir_open(mon->spec->state_dir, NULL);
        lock = sfd < 0 ? -EBADF : jaula_state_lock(sfd, mon->id, true);
        if (lock < 0) {
                /* The registry itself is gone (removed by hand): nobody
                 * else can clean up after this jail, so do it blind. */
                jaula_cgroup_destroy(mon->spec, mon->id);
                jaula_net_release(mon->spec, mon->id);
                _exit(1);
        }
        if (jaula_state_load(sfd, mon->id, &st) == 0) {
                /* Ended on purpose, like a logout's teardown: not a lost
                 * jail (metrics.h). */
                st.ending |= mon->stopping;
                if (state_is_ours(mon, &st))
                        mon->ops.teardown_locked(sfd, mon->spec, &st, lock);
                else
                        close_nointr(lock);
        } else
                jaula_state_unlock_remove(sfd, mon->id, lock);
        _exit(0);
}

static void watch_sessions(struct monitor *mon, int sfd)
{
        for (size_t i = 0; i < mon->n_watch; i++)
                close_nointr(mon->watch[i]);
        mon->n_watch = 0;
        {
                char path[JAULA_ID_MAX + 32];
                _cleanup_close_ int dfd = -1;
                struct dirent *de;
                DIR *d;

                snprintf(path, sizeof path, "jails/%s/sessions", mon->id);
                dfd = openat(sfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd < 0)
                        return;
                d = fdopendir(TAKE_FD(dfd));
                if (!d)
                        return;
                while ((de = readdir(d)) && mon->n_watch < MAX_WATCH) {
                        pid_t pid;
                        uint64_t start;
                        int fd;

                        if (jaula_session_id_parse(de->d_name, &pid, &start) < 0)
                                continue;
                        fd = jaula_pidfd_open_verified(pid, start);
                        if (fd >= 0)
                                mon->watch[mon->n_watch++] = fd;
                }
                closedir(d);
        }
}

static bool ask_holder_empty(struct monitor *mon)
{
        struct msg m;

        if (msg_send(mon->hsock, MSG_SCAN, 0, 0, 0, NULL) < 0)
                return true;
        for (;;) {
                int r = msg_recv(mon->hsock, mon->holder_pidfd, REPLY_TIMEOUT_MS, &m);
                if (r == -ETIMEDOUT)
                        return false;
                if (r < 0)
                        return true; /* holder gone */
                if (m.type == MSG_YES)
                        return true;
                if (m.type == MSG_BUSY)
                        return false;
                /* a stale MSG_EMPTY: read on */
        }
}

static void monitor_evaluate(struct monitor *mon, bool expired)
{
        struct jaula_jail_state st;
        int sfd, lock, n;
        enum jaula_verdict v;

        sfd = jaula_state_dir_open(mon->spec->state_dir, NULL);
        if (sfd < 0)
                monitor_finish(mon); /* a jail nobody can find or close again */
        lock = jaula_state_lock(sfd, mon->id, true);
        if (lock < 0) {
                close_nointr(sfd);
                monitor_finish(mon);
        }
        if (jaula_state_load(sfd, mon->id, &st) < 0 || !state_is_ours(mon, &st)) {
                /* Torn down behind our back (jail_close, jaula stop). */
                close_nointr(lock);
                close_nointr(sfd);
                monitor_finish(mon);
        }
        n = jaula_session_sweep(sfd, mon->id);
        if (n < 0)
                n = 0;
        watch_sessions(mon, sfd);
        v = jaula_state_verdict(mon->spec->lifetime, mon->spec->linger_sec, (size_t) n, expired);
        if (v == JAULA_SCAN_PROCESSES)
                v = ask_holder_empty(mon) ? JAULA_TEARDOWN : JAULA_KEEP;
        switch (v) {
        case JAULA_KEEP: {
                struct itimerspec off = { 0 };
                timerfd_settime(mon->tfd, 0, &off, NULL);
                mon->armed = false;
                break;
        }
        case JAULA_ARM_LINGER:
                if (!mon->armed) {
                        struct itimerspec t = { .it_value.tv_sec = mon->spec->linger_sec };
                        timerfd_settime(mon->tfd, 0, &t, NULL);
                        mon->armed = true;
                }
                break;
        case JAULA_TEARDOWN:
                mon->ops.teardown_locked(sfd, mon->spec, &st, lock);
                while (waitpid(mon->holder, NULL, __WALL) < 0 && errno == EINTR)
                        ;
                _exit(0);
        case JAULA_SCAN_PROCESSES:
                break;
        }
        close_nointr(lock);
        close_nointr(sfd);
}

static _Noreturn void monitor_loop(struct monitor *mon)
{
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGTERM);
        mon->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        mon->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (mon->sigfd < 0 || mon->tfd < 0)
                monitor_finish(mon);
        /* First look: picks up the sessions to watch. */
        monitor_evaluate(mon, false);
        for (;;) {
                struct pollfd p[4 + MAX_WATCH];
                size_t np = 0;
                bool reeval = false, expired = false;

                p[np++] = (struct pollfd){ .fd = mon->sigfd, .events = POLLIN };
                p[np++] = (struct pollfd){ .fd = mon->tfd, .events = POLLIN };
                p[np++] = (struct pollfd){ .fd = mon->hsock, .events = POLLIN };
                p[np++] = (struct pollfd){ .fd = mon->holder_pidfd, .events = POLLIN };
                for (size_t i = 0; i < mon->n_watch; i++)
                        p[np++] = (struct pollfd){ .fd = mon->watch[i], .events = POLLIN };
                if (poll(p, np, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        monitor_finish(mon);
                }
                if (p[3].revents & POLLIN)
                        monitor_finish(mon);
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(mon->sigfd, &si, sizeof si) == (ssize_t) sizeof si) {
                                if (si.ssi_signo == SIGTERM) {
                                        mon->stopping = true;
                                        monitor_finish(mon);
                                }
                                if (si.ssi_signo == SIGUSR1)
                                        reeval = true;
                        }
                        if (waitpid(mon->holder, NULL, WNOHANG | __WALL) == mon->holder)
                                monitor_finish(mon);
                }
                if (p[1].revents & POLLIN) {
                        uint64_t ticks;
                        if (read(mon->tfd, &ticks, sizeof ticks) > 0)
                                expired = reeval = true;
                        mon->armed = false;
                }
                if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
                        struct msg m;
                        if (msg_recv(mon->hsock, -1, 0, &m) < 0)
                                monitor_finish(mon);
                        if (m.type == MSG_EMPTY)
                                reeval = true;
                }
                for (size_t i = 4; i < np; i++)
                        if (p[i].revents & POLLIN)
                                reeval = true;
                if (reeval)
                        monitor_evaluate(mon, expired);
        }
}

/* Before COMMIT the caller owns the jail being made.  When it goes away
 * (killed: the user may SIGKILL their own jailsh) or reports a failure,
 * the holder dies here, and the rest of what was made for it is released
 * under the jail's lock, which a live caller holds until it has cleaned
 * up itself (holder_ops.recover). */
static _Noreturn void monitor_abandoned(struct monitor *mon)
{
        syscall(SYS_pidfd_send_signal, mon->holder_pidfd, SIGKILL, NULL, 0);
        while (waitpid(mon->holder, NULL, __WALL) < 0 && errno == EINTR)
                ;
        /* Before sanitize_fds we may still share the caller's open lock
         * (inherited through the fork): waiting for the lock would then
         * wait for ourselves.  And the caller must see EOF at once. */
        if (syscall(SYS_close_range, 3U, ~0U, 0) < 0)
                for (int fd = 3; fd < 65536; fd++)
                        close(fd);
        mon->ops.recover(mon->spec->state_dir, mon->id);
        _exit(1);
}

static _Noreturn void monitor_main(const struct jaula_spec *spec, const char *jail_id,
                                   unsigned long flags, struct jaula_cgroup *cg,
                                   const struct jaula_lease *lease, const struct holder_ops *ops,
                                   int csock)
{
        struct monitor mon = { .spec = spec, .ops = *ops, .holder_pidfd = -1, .hsock = -1,
                               .tfd = -1, .sigfd = -1 };
        unsigned long hflags = flags & ~(unsigned long) CLONE_NEWCGROUP;
        int hs[2], keep[3], cgfd, r;
        struct jaula_err err = { 0 };
        struct msg m;
        pid_t pid;

        snprintf(mon.id, sizeof mon.id, "%s", jail_id);
        set_cmdline("jaula-monitor");
        reset_signals();
        if (become_root() < 0) {
                msg_send(csock, MSG_ERR, 0, 0, -errno, "Cannot take root credentials");
                _exit(1);
        }
        /* Neither the monitor nor the holder (which inherits it) may be
         * the OOM killer's choice: either one gone ends the jail, and
         * every session in it, for a hog that is still running.  Both are
         * small and allocate nothing after set-up.  The user's processes
         * never inherit this (they descend from the caller, and
         * jaula_confine resets the value before the user's shell). */
        oom_protect();
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, hs) < 0) {
                msg_send(csock, MSG_ERR, 0, 0, -errno, "socketpair failed");
                _exit(1);
        }
        /* On a systemd host the monitor first moves itself into the
         * jail's own scope (a transient unit systemd starts for it), out of
         * the login's session scope: logind's view of the login then ends
         * with the login, and the jail follows only its own lifetime
         * (docs/design.md, "Jails on a systemd host").  Any failure refuses
         * the login; a scope left without its monitor is empty, and
         * systemd collects it. */
        r = jaula_cgroup_enter(cg, &err);
        if (r < 0) {
                msg_send(csock, MSG_ERR, 0, 0, r, err.msg);
                _exit(1);
        }
        /* cgroup v2 and systemd: born in the jail's cgroup; v1, or without
         * clone3: moved there below, before it is told to go (it does
         * nothing until then). */
        cgfd = jaula_cgroup_fd(cg);
        pid = jaula_ns_clone(hflags, cgfd, &mon.holder_pidfd);
        if (pid == -ENOSYS && cgfd >= 0) {
                cgfd = -1;
                pid = jaula_ns_clone(hflags, -1, &mon.holder_pidfd);
        }
        if (pid < 0) {
                jaula_err_errno(&err, pid, "Cannot create the jail's namespaces");
                msg_send(csock, MSG_ERR, 0, 0, pid, err.msg);
                _exit(1);
        }
        if (pid == 0) {
                close(hs[0]);
                close(csock);
                holder_main(spec, lease, hs[1], flags, cgfd >= 0 ? NULL : cg);
        }
        close(hs[1]);
        mon.holder = pid;
        mon.hsock = hs[0];
        keep[0] = csock;
        keep[1] = mon.hsock;
        keep[2] = mon.holder_pidfd;
        if (sanitize_fds(keep, 3) < 0)
                monitor_abandoned(&mon);
        csock = keep[0];
        mon.hsock = keep[1];
        mon.holder_pidfd = keep[2];
        if (jaula_proc_starttime(pid, &mon.holder_start) < 0 ||
            msg_send(csock, MSG_PIDS, pid, getpid(), 0, NULL) < 0)
                monitor_abandoned(&mon);

        /* GO from the caller, passed on; the holder's answer, passed back. */
        if (msg_recv(csock, -1, -1, &m) < 0 || m.type != MSG_GO)
                monitor_abandoned(&mon);
        if (msg_send(mon.hsock, MSG_GO, 0, 0, 0, NULL) < 0)
                monitor_abandoned(&mon);
        r = msg_recv(mon.hsock, mon.holder_pidfd, -1, &m);
        if (r < 0) {
                msg_send(csock, MSG_ERR, 0, 0, -EIO, "The holder died while setting up the jail");
                monitor_abandoned(&mon);
        }
        if (m.type != MSG_READY) {
                msg_send(csock, MSG_ERR, 0, 0, m.code, m.text);
                monitor_abandoned(&mon);
        }
        if (msg_send(csock, MSG_READY, 0, 0, 0, NULL) < 0)
                monitor_abandoned(&mon);
        if (msg_recv(csock, -1, -1, &m) < 0 || m.type != MSG_COMMIT)
                monitor_abandoned(&mon);
        close(csock);
        monitor_loop(&mon);
}

/* The monitor is detached from the caller by an intermediate process that
 * forks it and exits, so sshd never sees it as a child.  The intermediate
 * shares the caller's memory until it exits (jaula_spawn_shared), which
 * spares a copy and a teardown of the caller's address space: the
 * monitor's fork is then the only copy. */
struct monitor_args {
        const struct jaula_spec *spec;
        const char *jail_id;
        unsigned long ns_flags;
        struct jaula_cgroup *cg;
        const struct jaula_lease *lease;
        const struct holder_ops *ops;
        int caller_sock, monitor_sock;
};

#define INTERMEDIATE_STACK (256 * 1024)

static int intermediate_main(void *p)
{
        const struct monitor_args *ma = p;
        pid_t m;

        close(ma->caller_sock);
        setsid();
        m = fork();
        if (m == 0)
                monitor_main(ma->spec, ma->jail_id, ma->ns_flags, ma->cg, ma->lease, ma->ops,
                             ma->monitor_sock);
        _exit(m < 0 ? 1 : 0);
}

/* ---- caller side ---- */

int holder_spawn(const struct jaula_spec *spec, const char *jail_id, unsigned long ns_flags,
                 struct jaula_cgroup *cg, const struct jaula_lease *lease,
                 const struct holder_ops *ops, struct holder_proc *ret, struct jaula_err *err)
{
        int sp[2], status, r;
        struct msg m;
        pid_t mid;

        *ret = (struct holder_proc){ .holder_pidfd = -1, .sock = -1 };
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return jaula_err_errno(err, -errno, "socketpair failed");
        {
                struct monitor_args ma = { spec, jail_id, ns_flags, cg, lease, ops, sp[0], sp[1] };

                mid = jaula_spawn_shared(intermediate_main, &ma, INTERMEDIATE_STACK);
        }
        if (mid < 0) {
                close(sp[0]);
                close(sp[1]);
                return jaula_err_errno(err, mid, "Cannot start the jail's monitor");
        }
        close(sp[1]);
        ret->sock = sp[0];
        /* The caller (sshd) may reap children itself: ECHILD is fine. */
        while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
                ;
        r = msg_recv(ret->sock, -1, REPLY_TIMEOUT_MS, &m);
        if (r < 0 || m.type != MSG_PIDS) {
                if (r == 0 && m.type == MSG_ERR)
                        r = jaula_err_set(err, m.code < 0 ? m.code : -EIO, "%s", m.text);
                else
                        r = jaula_err_errno(err, r < 0 ? r : -EBADMSG, "The jail's monitor did not start");
                holder_abort(ret);
                return r;
        }
        ret->holder_pid = m.holder;
        ret->monitor_pid = m.monitor;
        if (jaula_proc_starttime(m.monitor, &ret->monitor_start) < 0 ||
            jaula_proc_starttime(m.holder, &ret->holder_start) < 0) {
                holder_abort(ret);
                return jaula_err_set(err, -ESRCH, "The jail's holder died at birth");
        }
        ret->holder_pidfd = jaula_pidfd_open_verified(m.holder, ret->holder_start);
        if (ret->holder_pidfd < 0) {
                holder_abort(ret);
                return jaula_err_set(err, -ESRCH, "The jail's holder died at birth");
        }
        return 0;
}

int holder_go(struct holder_proc *hp, struct jaula_err *err)
{
        struct msg m;
        int r;

        r = msg_send(hp->sock, MSG_GO, 0, 0, 0, NULL);
        if (r < 0)
                return jaula_err_errno(err, r, "The jail's monitor went away");
        r = msg_recv(hp->sock, -1, REPLY_TIMEOUT_MS, &m);
        if (r < 0)
                return jaula_err_errno(err, r, "The jail's holder did not answer");
        if (m.type == MSG_ERR)
                return jaula_err_set(err, m.code < 0 ? m.code : -EIO, "%s", m.text);
        if (m.type != MSG_READY)
                return jaula_err_set(err, -EBADMSG, "The jail's holder answered nonsense");
        return 0;
}

int holder_commit(struct holder_proc *hp)
{
        int r = msg_send(hp->sock, MSG_COMMIT, 0, 0, 0, NULL);

        close_nointr(hp->sock);
        hp->sock = -1;
        return r;
}

int holder_wait_pidfd(int pidfd, int timeout_ms)
{
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int r;

        do
                r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

void holder_abort(struct holder_proc *hp)
{
        if (hp->holder_pidfd >= 0) {
                syscall(SYS_pidfd_send_signal, hp->holder_pidfd, SIGKILL, NULL, 0);
                holder_wait_pidfd(hp->holder_pidfd, 5000);
        }
        /* EOF makes the monitor exit if it still runs. */
        close_nointr(hp->sock);
        close_nointr(hp->holder_pidfd);
        hp->sock = hp->holder_pidfd = -1;
}
