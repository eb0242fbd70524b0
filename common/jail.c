/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jail.c — the jail lifecycle: open (find or create, register a session),
 * find the caller's jail, enter, close, destroy, gc.  Needs root.  This is
 * the one file that knows the order of the steps (docs/design.md, "A jail and
 * its life").
 *
 * Every change to a jail happens under its lock (state.c), so concurrent
 * logins of one user (scope user) meet at the lock and the second one
 * finds the jail the first one made.  A holder is trusted only through a
 * pidfd opened from the recorded pid and re-checked against the recorded
 * start time. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "holder.h"
#include "jaula/cgroot.h"
#include "jaula/ipam.h"
#include "jaula/jail.h"
#include "jaula/metrics.h"
#include "jaula/ns.h"

/* The monitors clean up after dead sessions and holders on their own, so
 * a sweep only catches what a killed monitor left behind: on the login
 * path it runs at most every GC_INTERVAL_SEC and looks at GC_LOGIN_BUDGET
 * jails (picked at random), so a login never pays for every jail;
 * jaula_jail_gc (`jaula gc`) sweeps them all. */
#define GC_INTERVAL_SEC 10
#define GC_LOGIN_BUDGET 8
#define TEARDOWN_WAIT_MS 10000

struct jaula_handle {
        const struct jaula_spec *spec;
        struct jaula_jail_state st;
        char sid[64];
        bool has_session;
        int holder_pidfd;
        unsigned long ns_flags;
        struct jaula_cgroup *cg; /* opened on demand */
        bool cg_open;
        bool created; /* jaula_jail_open made the jail (a cold login) */
};

/* Namespaces the jail of spec unshares (mount and pid always). */
static unsigned long jail_ns_flags(const struct jaula_spec *spec)
{
        unsigned long f = spec->ns_flags ? spec->ns_flags & JAULA_NS_ALL : JAULA_NS_ALL;

        /* pivot_root needs its own mount namespace and the holder must be
         * PID 1 for the jail to end with it. */
        return f | CLONE_NEWNS | CLONE_NEWPID;
}

/* The namespace type that identifies a jail from inside it ("net", or
 * "uts"/"ipc" for a jail without one of its own network). */
static const char *jail_key_ns(unsigned long ns_flags)
{
        /* Only a namespace the jail owns can identify it: a shared one is
         * the host's, where every process lives. */
        if (ns_flags & CLONE_NEWNET)
                return "net";
        if (ns_flags & CLONE_NEWUTS)
                return "uts";
        if (ns_flags & CLONE_NEWIPC)
                return "ipc";
        return NULL;
}

static int pidfd_signal(int pidfd, int sig)
{
        return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

/* A pidfd on the jail's holder, or -errno.  Pid and start time say the
 * recorded process still runs; they do not say it is a holder (a state
 * file that was forged, or survived a reboot on persistent storage, may
 * name any process).  Every holder has a mount namespace of its own
 * (jail_ns_flags), so a process sharing ours is never one: joining it
 * would give an unjailed shell, killing it would hit a host process. */
static int holder_pidfd_open(const struct jaula_jail_state *st)
{
        _cleanup_close_ int fd = -1;
        uint64_t theirs, ours;

        if (st->creating)
                return -ESRCH; /* an intent names no holder */
        fd = jaula_pidfd_open_verified(st->holder_pid, st->holder_start);
        if (fd < 0)
                return fd;
        if (jaula_ns_ino(st->holder_pid, "mnt", &theirs) < 0 || jaula_ns_ino(0, "mnt", &ours) < 0 ||
            theirs == ours)
                return -ESRCH;
        return TAKE_FD(fd);
}

/* Kill the holder and release what the jail held, keeping the lock. */
static void release_locked(int sfd, const char *state_dir, const struct jaula_jail_state *st)
{
        struct jaula_spec spec;
        struct jaula_net_spec net;
        _cleanup_close_ int pidfd = holder_pidfd_open(st);

        if (st->creating) {
                /* A creator that died: its holder, if it had one, dies
                 * with its monitor, which saw the creator go; what is in
                 * the cgroup is killed with it below. */
        } else if (pidfd >= 0 && pidfd_signal(pidfd, SIGKILL) == 0) {
                /* Once the pidfd polls readable, PID 1 has exited and the
                 * kernel has killed everything else in its pid namespace. */
                holder_wait_pidfd(pidfd, TEARDOWN_WAIT_MS);
        } else {
                /* A holder that jail_close already killed may still be
                 * exiting (waiting for the rest of its pid namespace): its
                 * namespaces are gone, so holder_pidfd_open no longer
                 * recognises it, but it keeps its cgroups busy until it
                 * has exited, and removing them now would fall back to
                 * freezing the jail.  Wait for it — only while it is past
                 * its namespaces, i.e. exiting — and never signal it, since
                 * nothing else proves that it is a holder. */
                _cleanup_close_ int dying = jaula_pidfd_open_verified(st->holder_pid,
                                                                      st->holder_start);
                uint64_t ino;

                if (dying >= 0 && jaula_ns_ino(st->holder_pid, "mnt", &ino) < 0)
                        holder_wait_pidfd(dying, TEARDOWN_WAIT_MS);
                /* Dead before anyone ended it: every teardown kills the
                 * holder itself (above) or marks the state ending first. */
                if (!st->ending)
                        jaula_metrics_jail_lost(state_dir);
        }
        jaula_state_spec(st, state_dir, &spec, &net);
        jaula_cgroup_destroy(&spec, st->id);
        if (st->creating && st->net[0])
                jaula_ipam_release_claims(state_dir, st->net, st->id);
        else
                jaula_net_release(&spec, st->id);
        jaula_state_remove(sfd, st);
}

/* Under the jail's lock: kill the holder (if still alive), release the
 * cgroup and the lease, remove the state, then release and unlink the
 * lock.  The cgroup and lease are found from st (what the jail was made
 * with), not from today's policy. */
static void jail_teardown_locked(int sfd, const struct jaula_spec *spec,
                                 const struct jaula_jail_state *st, int lock_fd)
{
        release_locked(sfd, spec->state_dir, st);
        jaula_state_unlock_remove(sfd, st->id, lock_fd);
}

/* Parent pid of pid (field 4 of /proc/PID/stat), or -errno. */
static pid_t proc_ppid(pid_t pid)
{
        char path[32], buf[1024], *p;
        _cleanup_close_ int fd = -1;
        ssize_t n;
        int ppid;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
                return -EIO;
        buf[n] = 0;
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
                return -EINVAL;
        return ppid;
}

/* A pidfd on the jail's monitor: the recorded process, and the parent of
 * a real holder, so that a forged state cannot have us signal (SIGUSR1's
 * default action kills) an arbitrary host process. */
static int monitor_pidfd_open_with(const struct jaula_jail_state *st, int holder_pidfd)
{
        _cleanup_close_ int fd = -1;

        if (holder_pidfd < 0)
                return holder_pidfd;
        fd = jaula_pidfd_open_verified(st->monitor_pid, st->monitor_start);
        if (fd < 0)
                return fd;
        if (proc_ppid(st->holder_pid) != st->monitor_pid)
                return -ESRCH;
        return TAKE_FD(fd);
}

static int monitor_pidfd_open(const struct jaula_jail_state *st)
{
        _cleanup_close_ int hfd = holder_pidfd_open(st);

        return monitor_pidfd_open_with(st, hfd);
}

/* holder_pidfd: one holder_pidfd_open just gave for st, or -1 to open it
 * here (the monitor is trusted only as a real holder's parent). */
static void notify_monitor(const struct jaula_jail_state *st, int holder_pidfd)
{
        _cleanup_close_ int hfd = holder_pidfd >= 0 ? -1 : holder_pidfd_open(st);
        _cleanup_close_ int fd = monitor_pidfd_open_with(st, holder_pidfd >= 0 ? holder_pidfd : hfd);

        if (fd >= 0)
                pidfd_signal(fd, SIGUSR1);
}

static int check_spec(const struct jaula_spec *spec, struct jaula_err *err)
{
        if (!spec->state_dir || spec->state_dir[0] != '/')
                return jaula_err_set(err, -EINVAL, "The policy names no absolute state directory");
        if (!spec->rootfs_path || spec->rootfs_path[0] != '/')
                return jaula_err_set(err, -EINVAL, "The profile names no absolute rootfs path");
        if (!spec->user.name || !spec->user.home || !spec->shell)
                return jaula_err_set(err, -EINVAL, "Incomplete jail description for uid %u",
                                     (unsigned) spec->user.uid);
        if (spec->writable == JAULA_WRITABLE_PERSISTENT && !spec->persistent_upper)
                return jaula_err_set(err, -EINVAL, "Writable layer 'persistent' without a path");
        return 0;
}

static int state_fill(struct jaula_jail_state *st, const struct jaula_spec *spec, const char *id)
{
        *st = (struct jaula_jail_state){ 0 };
        if (snprintf(st->id, sizeof st->id, "%s", id) >= (int) sizeof st->id ||
            snprintf(st->user, sizeof st->user, "%s", spec->user.name) >= (int) sizeof st->user ||
            snprintf(st->group, sizeof st->group, "%s", spec->group_name ? spec->group_name : "") >=
                    (int) sizeof st->group ||
            snprintf(st->cgroup_root, sizeof st->cgroup_root, "%s",
                     spec->cgroup_root ? spec->cgroup_root : "") >= (int) sizeof st->cgroup_root ||
            snprintf(st->cgroup_path, sizeof st->cgroup_path, "%s",
                     spec->cgroup_path ? spec->cgroup_path : "") >= (int) sizeof st->cgroup_path ||
            snprintf(st->net, sizeof st->net, "%s",
                     spec->net && spec->net->name ? spec->net->name : "") >= (int) sizeof st->net)
                return -ENAMETOOLONG;
        st->uid = spec->user.uid;
        st->scope = spec->scope;
        st->lifetime = spec->lifetime;
        st->linger_sec = spec->linger_sec;
        st->created = (int64_t) time(NULL);
        return 0;
}

/* systemd-machined's record of the jail (machinectl list/status/terminate):
 * visibility, not security, so a failure is one log line and the login
 * goes on.  Without machined (systemd-container not installed) the line is
 * informational; `jaula check-kernel` reports that too. */
static void register_machine(const struct jaula_spec *spec, const char *id, pid_t holder,
                             const struct jaula_lease *lease)
{
        struct jaula_err e = { 0 };
        int r = jaula_cgroup_register_machine(spec, id, holder, lease->host_if, &e);

        if (r == -EHOSTDOWN || r == -ENOSYS)
                jaula_log(LOG_INFO, "Jail '%s' is not in machinectl: %s", id, e.msg);
        else if (r < 0)
                jaula_log(LOG_WARNING, "Jail '%s' is not registered with systemd-machined: %s", id,
                          e.msg);
}

static int sweep_all(int sfd, const char *state_dir, size_t budget);
static void jail_recover(const char *state_dir, const char *id);

/* What the monitor of a jail does with its record when the jail ends. */
static const struct holder_ops jail_holder_ops = {
        .teardown_locked = jail_teardown_locked,
        .recover = jail_recover,
};

/* Under the lock of id: make the jail and register sid in it.
 *
 * The intent goes first: a state record marked "creating" that names the
 * creator and everything needed to release the cgroup and the lease.  A
 * creator killed at any instant after it (SIGKILL needs no privilege:
 * jailsh runs with the user's real uid) leaves that record under a lock
 * the kernel released; whoever takes the lock next — the orphaned monitor,
 * the next login of the jail, a sweep, `jaula gc` — releases the rest
 * (docs/recovery.md).  Nothing before it needs releasing: the lock is an
 * flock. */
static int create_locked(int sfd, const struct jaula_spec *spec, const char *id, const char *sid,
                         struct jaula_jail_state *ret_st, int *ret_pidfd, struct jaula_err *err)
{
        struct jaula_cgroup *cg = NULL;
        struct jaula_lease lease = { 0 };
        struct holder_proc hp = { .holder_pidfd = -1, .sock = -1 };
        struct jaula_jail_state st;
        const char *key = jail_key_ns(jail_ns_flags(spec));
        bool leased = false;
        int r;

        /* An explicit cgroup_root that cannot work (docs/cgroups.md)
         * refuses before anything is made, with check-config's reason;
         * only here, on the cold path: a warm join makes nothing. */
        r = jaula_cgroot_check(spec, err);
        if (r < 0)
                return r;
        r = state_fill(&st, spec, id);
        if (r < 0)
                return jaula_err_set(err, r, "Names in the jail description are too long");
        st.creating = true;
        st.creator_pid = getpid();
        r = jaula_proc_starttime(st.creator_pid, &st.creator_start);
        if (r >= 0)
                r = jaula_state_store(sfd, &st);
        if (r < 0) {
                jaula_state_remove(sfd, &st);
                return jaula_err_errno(err, r, "Cannot record the jail in '%s'", spec->state_dir);
        }
        r = jaula_cgroup_create(spec, id, &cg, err);
        if (r < 0)
                goto fail;
        r = jaula_net_prepare(spec, id, &lease, err);
        if (r == -ENOSPC) {
                /* The pool is full: leases of jails whose creators were
                 * killed before a monitor existed wait for a sweep, and the
                 * login-time one only samples.  Sweep them all, once (our
                 * own id is locked, hence skipped). */
                sweep_all(sfd, spec->state_dir, SIZE_MAX);
                r = jaula_net_prepare(spec, id, &lease, err);
        }
        if (r < 0)
                goto fail;
        leased = true;
        r = holder_spawn(spec, id, jail_ns_flags(spec), cg, &lease, &jail_holder_ops, &hp,
                         err);
        jaula_cgroup_free(TAKE_PTR(cg));
        if (r < 0)
                goto fail;
        /* The holder waits for GO: its network namespace exists, nothing in
         * it runs yet, so the veth can be put there now. */
        r = jaula_net_attach(spec, &lease, hp.holder_pid, err);
        if (r < 0)
                goto fail;
        r = holder_go(&hp, err);
        if (r < 0)
                goto fail;
        register_machine(spec, id, hp.holder_pid, &lease);
        st.creating = false;
        st.creator_pid = 0;
        st.creator_start = 0;
        st.holder_pid = hp.holder_pid;
        st.holder_start = hp.holder_start;
        st.monitor_pid = hp.monitor_pid;
        st.monitor_start = hp.monitor_start;
        if (key && (r = jaula_ns_ino(hp.holder_pid, key, &st.ns_ino)) < 0) {
                jaula_err_errno(err, r, "Cannot identify the jail's namespace");
                goto fail;
        }
        /* Replaces the intent atomically (rename). */
        r = jaula_state_store(sfd, &st);
        if (r >= 0 && key)
                r = jaula_state_index_set(sfd, st.ns_ino, id);
        if (r >= 0)
                r = jaula_session_add(sfd, id, sid);
        if (r < 0) {
                jaula_err_errno(err, r, "Cannot record the jail in '%s'", spec->state_dir);
                goto fail;
        }
        r = holder_commit(&hp);
        if (r < 0) {
                jaula_err_errno(err, r, "The jail's monitor went away");
                goto fail;
        }
        *ret_st = st;
        *ret_pidfd = TAKE_FD(hp.holder_pidfd);
        return 0;
fail:
        holder_abort(&hp);
        jaula_cgroup_free(cg);
        jaula_cgroup_destroy(spec, id);
        if (leased)
                jaula_net_release(spec, id);
        jaula_state_remove(sfd, &st);
        return r;
}

static void maybe_sweep_all(int sfd, const char *state_dir)
{
        struct stat s;
        _cleanup_close_ int fd = -1;

        if (fstatat(sfd, "gc.stamp", &s, AT_SYMLINK_NOFOLLOW) == 0 &&
            time(NULL) - s.st_mtime < GC_INTERVAL_SEC && s.st_mtime <= time(NULL))
                return;
        /* Touch first, so logins arriving together do not all sweep. */
        fd = openat(sfd, "gc.stamp", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 || futimens(fd, NULL) < 0)
                return;
        sweep_all(sfd, state_dir, GC_LOGIN_BUDGET);
}

static int make_handle(const struct jaula_spec *spec, const struct jaula_jail_state *st,
                       int pidfd, const char *sid, struct jaula_handle **ret)
{
        struct jaula_handle *h = calloc(1, sizeof *h);

        if (!h)
                return -ENOMEM;
        h->spec = spec;
        h->st = *st;
        h->holder_pidfd = pidfd;
        h->ns_flags = jail_ns_flags(spec);
        if (sid) {
                snprintf(h->sid, sizeof h->sid, "%s", sid);
                h->has_session = true;
        }
        *ret = h;
        return 0;
}

/* Live sessions in jails/<id>/sessions, read only (the jail's lock is not
 * ours to take here). */
static unsigned count_sessions(int jfd, const char *id)
{
        char path[300];
        _cleanup_close_ int dfd = -1;
        struct dirent *de;
        unsigned n = 0;
        DIR *d;

        snprintf(path, sizeof path, "%s/sessions", id);
        dfd = openat(jfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return 0;
        d = fdopendir(TAKE_FD(dfd));
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                pid_t pid;
                uint64_t start;

                if (jaula_session_id_parse(de->d_name, &pid, &start) == 0 &&
                    jaula_proc_alive(pid, start))
                        n++;
        }
        closedir(d);
        return n;
}

/* The live jails of uid (ids u<uid> and s<uid>-…, whatever their profile)
 * and their live sessions.  Runs under the user's lock, which every login
 * of a capped profile takes before it makes or joins a jail, so no other
 * login of this user can be half-way through creating one. */
/* The user's live jails and their sessions; a registry that cannot be read
 * is an error (the caps must not be skipped), one not made yet is none. */
static int count_user(int sfd, uid_t uid, unsigned *ret_jails, unsigned *ret_sessions)
{
        _cleanup_close_ int jfd = openat(sfd, "jails", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        char user_id[32], session_prefix[32];
        struct dirent *de;
        DIR *d;
        int dfd;

        *ret_jails = *ret_sessions = 0;
        snprintf(user_id, sizeof user_id, "u%u", (unsigned) uid);
        snprintf(session_prefix, sizeof session_prefix, "s%u-", (unsigned) uid);
        if (jfd < 0)
                return errno == ENOENT ? 0 : -errno;
        dfd = fcntl(jfd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return -errno;
        d = fdopendir(dfd);
        if (!d) {
                int r = -errno;

                close_nointr(dfd);
                return r;
        }
        while ((de = readdir(d))) {
                struct jaula_jail_state st;

                if (strcmp(de->d_name, user_id) &&
                    strncmp(de->d_name, session_prefix, strlen(session_prefix)))
                        continue;
                if (!jaula_state_id_valid(de->d_name) ||
                    jaula_state_load(sfd, de->d_name, &st) < 0 || st.uid != uid || st.ending ||
                    !jaula_proc_alive(st.holder_pid, st.holder_start))
                        continue;
                (*ret_jails)++;
                *ret_sessions += count_sessions(jfd, de->d_name);
        }
        closedir(d);
        return 0;
}

/* The profile's per-user caps, for a login that would create a jail
 * (creating) or join one; -EUSERS when over. */
static int check_caps(int sfd, const struct jaula_spec *spec, bool creating, struct jaula_err *err)
{
        unsigned jails, sessions;
        int r;

        if (!spec->max_jails_per_user && !spec->max_sessions_per_user)
                return 0;
        r = count_user(sfd, spec->user.uid, &jails, &sessions);
        if (r < 0)
                return jaula_err_errno(err, r,
                                       "Cannot count the jails of '%s' for the per-user caps of "
                                       "profile '%s' (state directory 'jails')",
                                       spec->user.name,
                                       spec->profile_name ? spec->profile_name : "?");
        if (creating && spec->max_jails_per_user && jails >= spec->max_jails_per_user)
                return jaula_err_set(err, -EUSERS,
                                     "User '%s' already has %u jails (max_jails_per_user = %u "
                                     "in profile '%s')",
                                     spec->user.name, jails, spec->max_jails_per_user,
                                     spec->profile_name ? spec->profile_name : "?");
        if (spec->max_sessions_per_user && sessions >= spec->max_sessions_per_user)
                return jaula_err_set(err, -EUSERS,
                                     "User '%s' already has %u sessions (max_sessions_per_user = "
                                     "%u in profile '%s')",
                                     spec->user.name, sessions, spec->max_sessions_per_user,
                                     spec->profile_name ? spec->profile_name : "?");
        return 0;
}

static int open_locked(const struct jaula_spec *spec, int sfd, const char *sid,
                       struct jaula_handle **ret, struct jaula_err *err);

JAULA_EXPORT int jaula_jail_open(const struct jaula_spec *spec, pid_t session_pid,
                                 struct jaula_handle **ret, struct jaula_err *err)
{
        _cleanup_close_ int sfd = -1;
        char sid[64], user_lock[JAULA_ID_MAX];
        uint64_t start;
        int r, ulock = -1;

        r = check_spec(spec, err);
        if (r < 0)
                return r;
        r = jaula_proc_starttime(session_pid, &start);
        if (r < 0)
                return jaula_err_errno(err, r, "Session process %d is gone", (int) session_pid);
        jaula_session_id_format(session_pid, start, sid, sizeof sid);
        sfd = jaula_state_dir_open(spec->state_dir, err);
        if (sfd < 0)
                return sfd;
        maybe_sweep_all(sfd, spec->state_dir);

        /* A capped profile serialises its user's logins on the lock
         * q<uid> (before any jail's lock, never after), so that counting
         * and creating are one step.  Its file goes with the unlock, or
         * with a sweep if we die holding it. */
        if (spec->max_jails_per_user || spec->max_sessions_per_user) {
                snprintf(user_lock, sizeof user_lock, "q%u", (unsigned) spec->user.uid);
                ulock = jaula_state_lock(sfd, user_lock, true);
                if (ulock < 0)
                        return jaula_err_errno(err, ulock, "Cannot lock the jails of uid %u",
                                               (unsigned) spec->user.uid);
        }
        r = open_locked(spec, sfd, sid, ret, err);
        if (ulock >= 0)
                jaula_state_unlock_remove(sfd, user_lock, ulock);
        return r;
}

static int open_locked(const struct jaula_spec *spec, int sfd, const char *sid,
                       struct jaula_handle **ret, struct jaula_err *err)
{
        _cleanup_close_ int lock = -1, pidfd = -1;
        struct jaula_jail_state st;
        char id[JAULA_ID_MAX];
        uint32_t rnd = 0;
        bool created;
        int r;

        if (spec->scope == JAULA_SCOPE_SESSION && getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
                return jaula_err_errno(err, neg_errno(), "getrandom failed");
        r = jaula_state_id_make(spec, rnd, id, sizeof id);
        if (r < 0)
                return jaula_err_set(err, r, "Cannot name the jail of uid %u",
                                     (unsigned) spec->user.uid);
        lock = jaula_state_lock(sfd, id, true);
        if (lock < 0)
                return jaula_err_errno(err, lock, "Cannot lock jail '%s'", id);

        r = jaula_state_load(sfd, id, &st);
        if (r == 0 && st.uid != spec->user.uid)
                return jaula_err_set(err, -EPERM, "Jail '%s' belongs to uid %u", id,
                                     (unsigned) st.uid);
        if (r == 0) {
                pidfd = st.ending ? -ESRCH : holder_pidfd_open(&st);
                if (pidfd < 0)
                        /* Its holder died (or is dying) and its monitor has
                         * not cleaned up yet, or its creator was killed
                         * half way: finish that here. */
                        release_locked(sfd, spec->state_dir, &st);
        } else if (r != -ENOENT) {
                struct jaula_jail_state junk = { 0 };
                snprintf(junk.id, sizeof junk.id, "%s", id);
                jaula_state_remove(sfd, &junk);
        }
        r = check_caps(sfd, spec, pidfd < 0, err);
        if (r < 0) {
                if (pidfd < 0)
                        jaula_state_unlock_remove(sfd, id, TAKE_FD(lock));
                return r;
        }
        created = pidfd < 0;
        if (pidfd >= 0) {
                jaula_session_sweep(sfd, id);
                r = jaula_session_add(sfd, id, sid);
                if (r < 0)
                        return jaula_err_errno(err, r, "Cannot register a session in jail '%s'", id);
                /* Cancels a linger timer and watches the new session. */
                notify_monitor(&st, pidfd);
        } else {
                r = create_locked(sfd, spec, id, sid, &st, &pidfd, err);
                if (r < 0) {
                        jaula_state_unlock_remove(sfd, id, TAKE_FD(lock));
                        return r;
                }
        }
        r = make_handle(spec, &st, pidfd, sid, ret);
        if (r < 0) {
                jaula_session_remove(sfd, id, sid);
                return jaula_err_set(err, r, "Out of memory");
        }
        (*ret)->created = created;
        TAKE_FD(pidfd);
        return 0;
}

JAULA_EXPORT int jaula_jail_find_current(const struct jaula_spec *spec, struct jaula_handle **ret,
                                         struct jaula_err *err)
{
        const char *key = jail_key_ns(jail_ns_flags(spec));
        _cleanup_close_ int sfd = -1, pidfd = -1;
        struct jaula_jail_state st;
        char id[JAULA_ID_MAX];
        uint64_t ino, holder_ino;
        int r;

        *ret = NULL;
        if (!key || !spec->state_dir)
                return 0;
        r = jaula_ns_ino(0, key, &ino);
        if (r < 0)
                return jaula_err_errno(err, r, "Cannot read the caller's %s namespace", key);
        sfd = jaula_state_dir_open(spec->state_dir, err);
        if (sfd < 0)
                return sfd;
        if (jaula_state_index_get(sfd, ino, id, sizeof id) < 0)
                return 0;
        if (jaula_state_load(sfd, id, &st) < 0 || st.ns_ino != ino)
                return 0;
        pidfd = holder_pidfd_open(&st);
        if (pidfd < 0)
                return 0;
        /* The index could be stale with a recycled inode number: the live
         * holder itself must be in our namespace. */
        if (jaula_ns_ino(st.holder_pid, key, &holder_ino) < 0 || holder_ino != ino ||
            pidfd_signal(pidfd, 0) < 0)
                return 0;
        /* We are inside a live jail: it must be this user's, and alive for
         * good.  Building a new jail from inside another would put its
         * host side in the wrong namespaces. */
        if (st.uid != spec->user.uid)
                return jaula_err_set(err, -EPERM, "Uid %u is inside jail '%s' of uid %u",
                                     (unsigned) spec->user.uid, id, (unsigned) st.uid);
        if (st.ending)
                return jaula_err_set(err, -ESRCH, "Jail '%s' is ending", id);
        r = make_handle(spec, &st, pidfd, NULL, ret);
        if (r < 0)
                return jaula_err_set(err, r, "Out of memory");
        TAKE_FD(pidfd);
        return 1;
}

JAULA_EXPORT int jaula_jail_enter(struct jaula_handle *h, unsigned long nsflags,
                                  struct jaula_err *err)
{
        int r;

        nsflags &= h->ns_flags;
        if (!nsflags)
                return 0;
        r = jaula_ns_join(h->holder_pidfd, h->st.holder_pid, nsflags);
        if (r == -ESRCH)
                return jaula_err_set(err, r, "Jail '%s' ended", h->st.id);
        if (r < 0)
                return jaula_err_errno(err, r, "Cannot enter jail '%s'", h->st.id);
        return 0;
}

static int handle_cgroup(struct jaula_handle *h, struct jaula_err *err)
{
        int r;

        if (h->cg_open)
                return 0;
        r = jaula_cgroup_open(h->spec, h->st.id, &h->cg, err);
        if (r < 0)
                return r;
        h->cg_open = true;
        return 0;
}

JAULA_EXPORT int jaula_jail_cgroup_fd(struct jaula_handle *h, struct jaula_err *err)
{
        int r = handle_cgroup(h, err), fd;

        if (r < 0)
                return r;
        fd = jaula_cgroup_fd(h->cg);
        return fd < 0 ? -EOPNOTSUPP : fd;
}

JAULA_EXPORT int jaula_jail_join_cgroup(struct jaula_handle *h, struct jaula_err *err)
{
        int r;

        r = handle_cgroup(h, err);
        if (r < 0)
                return r;
        r = jaula_cgroup_attach(h->cg, 0);
        return r < 0 ? jaula_err_errno(err, r, "Cannot join the cgroup of jail '%s'", h->st.id) : 0;
}

JAULA_EXPORT unsigned long jaula_handle_ns_flags(const struct jaula_handle *h)
{
        return h->ns_flags;
}

JAULA_EXPORT const char *jaula_handle_jail_id(const struct jaula_handle *h)
{
        return h->st.id;
}

JAULA_EXPORT const char *jaula_handle_session_id(const struct jaula_handle *h)
{
        return h->has_session ? h->sid : NULL;
}

JAULA_EXPORT pid_t jaula_handle_holder_pid(const struct jaula_handle *h)
{
        return h->st.holder_pid;
}

JAULA_EXPORT bool jaula_handle_created(const struct jaula_handle *h)
{
        return h->created;
}

JAULA_EXPORT void jaula_handle_free(struct jaula_handle *h)
{
        if (!h)
                return;
        close_nointr(h->holder_pidfd);
        jaula_cgroup_free(h->cg);
        free(h);
}

static bool session_is_caller(const char *session_id)
{
        pid_t pid;
        uint64_t start;

        return jaula_session_id_parse(session_id, &pid, &start) == 0 && pid == getpid();
}

JAULA_EXPORT int jaula_jail_close(const struct jaula_spec *spec, const char *jail_id,
                                  const char *session_id, struct jaula_err *err)
{
        _cleanup_close_ int sfd = -1;
        struct jaula_jail_state st;
        int lock, r, n;

        if (!jaula_state_id_valid(jail_id))
                return jaula_err_set(err, -EINVAL, "Invalid jail id");
        sfd = jaula_state_dir_open(spec->state_dir, err);
        if (sfd < 0)
                return sfd;
        lock = jaula_state_lock(sfd, jail_id, true);
        if (lock < 0)
                return jaula_err_errno(err, lock, "Cannot lock jail '%s'", jail_id);
        r = jaula_state_load(sfd, jail_id, &st);
        if (r < 0) {
                /* Already gone (its monitor or gc got there first). */
                jaula_state_unlock_remove(sfd, jail_id, lock);
                return 0;
        }
        if (st.creating) {
                /* Not ours: a creator of a later jail with this id died
                 * half way (we hold the lock, so it is gone). */
                jail_teardown_locked(sfd, spec, &st, lock);
                return 0;
        }
        if (session_id)
                jaula_session_remove(sfd, jail_id, session_id);
        n = jaula_session_sweep(sfd, jail_id);
        if (n >= 0 && jaula_state_verdict(st.lifetime, st.linger_sec, (size_t) n, false) ==
                              JAULA_TEARDOWN) {
                _cleanup_close_ int hfd = holder_pidfd_open(&st);
                _cleanup_close_ int mfd = monitor_pidfd_open(&st);

                /* Killing the holder ends every process of the jail and,
                 * with its last process, the mount namespace; the monitor
                 * sees its child die and releases cgroup, lease and state
                 * under this lock, so the logout does not wait for that.
                 * Without a live monitor we clean up here. */
                st.ending = true;
                if (hfd >= 0 && mfd >= 0 && jaula_state_store(sfd, &st) == 0 &&
                    pidfd_signal(hfd, SIGKILL) == 0) {
                        close_nointr(lock);
                        return 0;
                }
                jail_teardown_locked(sfd, spec, &st, lock);
                return 0;
        }
        /* Other sessions keep the jail (the verdict is JAULA_KEEP): the
         * monitor has nothing to change, and when the closer is the
         * session's own process, about to exit, the monitor's pidfd on it
         * wakes it anyway.  One wake per login, not two. */
        if (n > 0 && session_id && session_is_caller(session_id)) {
                close_nointr(lock);
                return 0;
        }
        notify_monitor(&st, -1);
        close_nointr(lock);
        return 0;
}

JAULA_EXPORT int jaula_jail_destroy(const char *state_dir, const char *jail_id,
                                    struct jaula_err *err)
{
        _cleanup_close_ int sfd = -1;
        struct jaula_jail_state st;
        int lock, r;

        if (!jaula_state_id_valid(jail_id))
                return jaula_err_set(err, -EINVAL, "Invalid jail id '%s'", jail_id);
        sfd = jaula_state_dir_open(state_dir, err);
        if (sfd < 0)
                return sfd;
        lock = jaula_state_lock(sfd, jail_id, true);
        if (lock < 0)
                return jaula_err_errno(err, lock, "Cannot lock jail '%s'", jail_id);
        r = jaula_state_load(sfd, jail_id, &st);
        if (r < 0) {
                jaula_state_unlock_remove(sfd, jail_id, lock);
                return jaula_err_errno(err, r, "No jail '%s'", jail_id);
        }
        release_locked(sfd, state_dir, &st);
        jaula_state_unlock_remove(sfd, jail_id, lock);
        return 0;
}

/* For the lease sweep (jaula_net_gc): a jail whose lock is busy is alive
 * (being created, changed or ended by whoever holds it).  Otherwise the
 * verdict is made under its lock, and a "dead" verdict keeps the lock until
 * the next question: the lease sweep drops the lease right after asking,
 * so a login that recreates the jail meanwhile cannot have its lease taken
 * away.  ctx_unlock releases it. */
struct alive_ctx {
        int sfd;
        int lock;
        char id[JAULA_ID_MAX];
};

/* Close a lock a sweep took, and remove its file when no jail of that id
 * exists (the lock is held, so no creator is half way through one). */
static void unlock_if_gone(int sfd, const char *id, int lock)
{
        char dir[JAULA_ID_MAX + 8];
        struct stat s;

        snprintf(dir, sizeof dir, "jails/%s", id);
        if (fstatat(sfd, dir, &s, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
                jaula_state_unlock_remove(sfd, id, lock);
        else
                close_nointr(lock);
}

static void ctx_unlock(struct alive_ctx *c)
{
        if (c->lock >= 0)
                unlock_if_gone(c->sfd, c->id, c->lock);
        c->lock = -1;
}

static int jail_alive(const char *id, void *ud)
{
        struct alive_ctx *c = ud;
        struct jaula_jail_state st;
        int lock;

        ctx_unlock(c);
        if (!jaula_state_id_valid(id))
                return 0;
        lock = jaula_state_lock(c->sfd, id, false);
        if (lock == -EWOULDBLOCK)
                return 1;
        if (lock < 0)
                return lock;
        if (jaula_state_load(c->sfd, id, &st) == 0 && !st.creating &&
            jaula_proc_alive(st.holder_pid, st.holder_start)) {
                close_nointr(lock);
                return 1;
        }
        c->lock = lock;
        snprintf(c->id, sizeof c->id, "%s", id);
        return 0;
}

/* One jail: drop dead sessions, end it if its lifetime is over.  Busy
 * jails (lock held) are skipped: whoever holds the lock is handling it. */
/* Under id's lock: a record nobody can read, an intent whose creator
 * was killed half way, or a jail whose holder (and so its monitor) is
 * dead is released here, with the lock and its file; true then.
 * Otherwise the lock stays the caller's and st is the live jail. */
static bool reclaim_dead_locked(int sfd, const char *state_dir, const char *id, int lock,
                                struct jaula_jail_state *st)
{
        if (jaula_state_load(sfd, id, st) < 0) {
                struct jaula_jail_state junk = { 0 };
                snprintf(junk.id, sizeof junk.id, "%s", id);
                jaula_state_remove(sfd, &junk);
        } else if (st->creating || !jaula_proc_alive(st->holder_pid, st->holder_start))
                release_locked(sfd, state_dir, st);
        else
                return false;
        jaula_state_unlock_remove(sfd, id, lock);
        return true;
}

static void sweep_one(int sfd, const char *state_dir, const char *id)
{
        struct jaula_jail_state st;
        int lock = jaula_state_lock(sfd, id, false), n;

        if (lock < 0 || reclaim_dead_locked(sfd, state_dir, id, lock, &st))
                return;
        n = jaula_session_sweep(sfd, id);
        if (n >= 0 && jaula_state_verdict(st.lifetime, st.linger_sec, (size_t) n, false) ==
                              JAULA_TEARDOWN) {
                release_locked(sfd, state_dir, &st);
                jaula_state_unlock_remove(sfd, id, lock);
                return;
        }
        if (n == 0)
                notify_monitor(&st, -1); /* linger or process scan: its job */
        close_nointr(lock);
}

/* One entry of jails/: a jail directory, or a lock whose jail is gone. */
static void sweep_entry(int sfd, const char *state_dir, const char *name)
{
        char id[JAULA_ID_MAX], dir[JAULA_ID_MAX + 8];
        size_t n = strlen(name);
        struct stat s;
        int lock;

        if (n <= 5 || strcmp(name + n - 5, ".lock")) {
                if (jaula_state_id_valid(name))
                        sweep_one(sfd, state_dir, name);
                return;
        }
        if (n - 5 >= sizeof id)
                return;
        snprintf(id, sizeof id, "%.*s", (int) (n - 5), name);
        snprintf(dir, sizeof dir, "jails/%s", id);
        if (!jaula_state_id_valid(id) || fstatat(sfd, dir, &s, AT_SYMLINK_NOFOLLOW) == 0)
                return;
        lock = jaula_state_lock(sfd, id, false);
        if (lock >= 0)
                unlock_if_gone(sfd, id, lock);
}

/* Entries of netns/ that name no jail: a temporary link of an index
 * update that was killed before its rename (renamed within microseconds
 * otherwise), or an index entry whose jail is gone or has another
 * namespace now.  Each id is checked under its lock; busy ones are left. */
static void sweep_index(int sfd)
{
        _cleanup_close_ int nfd = openat(sfd, "netns", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct dirent *de;
        DIR *d;

        if (nfd < 0)
                return;
        d = fdopendir(TAKE_FD(nfd));
        if (!d)
                return;
        while ((de = readdir(d))) {
                struct jaula_jail_state st;
                char id[JAULA_ID_MAX];
                uint64_t ino;
                struct stat s;
                char *end;
                int lock;

                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                if (de->d_name[0] == '.') {
                        if (fstatat(dirfd(d), de->d_name, &s, AT_SYMLINK_NOFOLLOW) == 0 &&
                            time(NULL) - s.st_mtime > GC_INTERVAL_SEC)
                                unlinkat(dirfd(d), de->d_name, 0);
                        continue;
                }
                errno = 0;
                ino = strtoull(de->d_name, &end, 10);
                if (errno || *end || jaula_state_index_get(sfd, ino, id, sizeof id) < 0)
                        continue;
                lock = jaula_state_lock(sfd, id, false);
                if (lock < 0)
                        continue;
                if (jaula_state_load(sfd, id, &st) < 0 || st.ns_ino != ino)
                        unlinkat(dirfd(d), de->d_name, 0);
                unlock_if_gone(sfd, id, lock);
        }
        closedir(d);
}

/* Sweep at most budget entries of jails/, starting at a random one (so
 * that bounded sweeps at login reach every jail over time); a full sweep
 * (budget SIZE_MAX) also reclaims the leases of vanished jails. */
static int sweep_all(int sfd, const char *state_dir, size_t budget)
{
        _cleanup_close_ int jfd = openat(sfd, "jails", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct alive_ctx ctx = { .sfd = sfd, .lock = -1 };
        _cleanup_strv_free_ char **names = NULL;
        size_t n = 0, cap = 0, first = 0;
        struct dirent *de;
        uint32_t rnd = 0;
        DIR *d;

        if (jfd < 0)
                return -errno;
        d = fdopendir(TAKE_FD(jfd));
        if (!d)
                return -errno;
        /* Names first (one getdents for hundreds of jails), work after. */
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (n + 1 >= cap) {
                        size_t c = cap ? cap * 2 : 64;
                        char **v = realloc(names, c * sizeof *v);
                        if (!v)
                                break;
                        names = v;
                        cap = c;
                }
                names[n] = strdup(de->d_name);
                if (!names[n])
                        break;
                names[++n] = NULL;
        }
        closedir(d);
        if (n > 0 && budget < n && getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) == sizeof rnd)
                first = rnd % n;
        for (size_t i = 0; i < n && i < budget; i++)
                sweep_entry(sfd, state_dir, names[(first + i) % n]);
        if (budget == SIZE_MAX) {
                jaula_net_gc(state_dir, jail_alive, &ctx);
                ctx_unlock(&ctx);
                sweep_index(sfd);
        }
        return 0;
}

JAULA_EXPORT int jaula_jail_gc(const char *state_dir, struct jaula_err *err)
{
        _cleanup_close_ int sfd = jaula_state_dir_open(state_dir, err);
        _cleanup_close_ int fd = -1;
        int r;

        if (sfd < 0)
                return sfd;
        fd = openat(sfd, "gc.stamp", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0)
                futimens(fd, NULL);
        r = sweep_all(sfd, state_dir, SIZE_MAX);
        return r < 0 ? jaula_err_errno(err, r, "Cannot sweep '%s'", state_dir) : 0;
}

/* The caller of a jail being created went away before COMMIT (killed, or
 * failed): wait for the jail's lock and, if the record under it is an
 * intent or a jail whose holder is dead, release what it names.  For the
 * orphaned monitor, which runs it after killing its holder. */
static void jail_recover(const char *state_dir, const char *id)
{
        _cleanup_close_ int sfd = jaula_state_dir_open(state_dir, NULL);
        struct jaula_jail_state st;
        int lock;

        if (sfd < 0)
                return;
        /* Waits for a creator that is still alive: it cleans up itself. */
        lock = jaula_state_lock(sfd, id, true);
        if (lock >= 0 && !reclaim_dead_locked(sfd, state_dir, id, lock, &st))
                close_nointr(lock); /* a live jail that took the id since */
}

/* Like alive_ctx: an "orphan" verdict keeps the id's lock until the next
 * question, so that the node is removed before a new creator can take the
 * id (it records its intent under that lock before making the node). */
struct orphan_ctx {
        int sfd;
        int lock;
        char id[JAULA_ID_MAX];
};

static void orphan_unlock(struct orphan_ctx *c)
{
        if (c->lock >= 0)
                jaula_state_unlock_remove(c->sfd, c->id, c->lock);
        c->lock = -1;
}

/* A jail node is an orphan when no state names its id and no creator
 * holds its lock (a creator records its intent before the first node). */
static bool cgroup_orphan(const char *id, void *ud)
{
        struct orphan_ctx *c = ud;
        char dir[JAULA_ID_MAX + 8];
        struct stat s;
        int lock;

        orphan_unlock(c);
        if (!jaula_state_id_valid(id))
                return false;
        lock = jaula_state_lock(c->sfd, id, false);
        if (lock < 0)
                return false;
        snprintf(dir, sizeof dir, "jails/%s", id);
        if (fstatat(c->sfd, dir, &s, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
                close_nointr(lock);
                return false;
        }
        c->lock = lock;
        snprintf(c->id, sizeof c->id, "%s", id);
        return true;
}

JAULA_EXPORT int jaula_jail_gc_cgroups(const char *state_dir, const char *cgroup_root,
                                       const char *cgroup_path, struct jaula_err *err)
{
        _cleanup_close_ int sfd = jaula_state_dir_open(state_dir, err);
        struct orphan_ctx ctx = { .sfd = sfd, .lock = -1 };
        int r;

        if (sfd < 0)
                return sfd;
        r = jaula_cgroup_gc(cgroup_root, cgroup_path, cgroup_orphan, &ctx);
        orphan_unlock(&ctx);
        return r < 0 ? jaula_err_errno(err, r, "Cannot sweep the cgroups under '%s'",
                                       cgroup_path && cgroup_path[0] ? cgroup_path : "jaula")
                     : r;
}
