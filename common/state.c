/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state.c — the state registry: lock files, atomic state files, sessions,
 * process identity by pid + start time.  Needs root (the directory is
 * root-only); the parsers are pure. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jaula/state.h"

#define STATE_VERSION 1

JAULA_EXPORT bool jaula_state_id_valid(const char *id)
{
        size_t n = strlen(id);

        if (n == 0 || n >= JAULA_ID_MAX || !(id[0] >= 'a' && id[0] <= 'z'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
                      id[i] == '-'))
                        return false;
        return true;
}

JAULA_EXPORT int jaula_state_id_make(const struct jaula_spec *spec, uint32_t random, char *buf,
                                     size_t size)
{
        int n;

        if (spec->scope == JAULA_SCOPE_USER)
                n = snprintf(buf, size, "u%u", (unsigned) spec->user.uid);
        else
                n = snprintf(buf, size, "s%u-%08" PRIx32, (unsigned) spec->user.uid, random);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

JAULA_EXPORT int jaula_session_id_format(pid_t pid, uint64_t start, char *buf, size_t size)
{
        int n = snprintf(buf, size, "p%d-%" PRIu64, (int) pid, start);

        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

/* Strict decimal: digits only, no sign, no overflow. */
static int parse_u64(const char *s, const char **end, uint64_t *ret)
{
        uint64_t v = 0;
        const char *p = s;

        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        if (end)
                *end = p;
        else if (*p)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_pid(const char *s, const char **end, pid_t *ret)
{
        uint64_t v;
        int r = parse_u64(s, end, &v);

        if (r < 0)
                return r;
        if (v == 0 || v > INT32_MAX)
                return -ERANGE;
        *ret = (pid_t) v;
        return 0;
}

JAULA_EXPORT int jaula_session_id_parse(const char *sid, pid_t *ret_pid, uint64_t *ret_start)
{
        const char *p;
        pid_t pid;
        uint64_t start;

        if (sid[0] != 'p' || parse_pid(sid + 1, &p, &pid) < 0 || *p != '-' ||
            parse_u64(p + 1, NULL, &start) < 0)
                return -EINVAL;
        *ret_pid = pid;
        *ret_start = start;
        return 0;
}

JAULA_EXPORT int jaula_parse_stat_starttime(const char *line, uint64_t *ret)
{
        /* comm (field 2) is whatever the process named itself: skip to the
         * last ')' and count fields from field 3. */
        const char *p = strrchr(line, ')');

        if (!p)
                return -EINVAL;
        p++;
        for (int field = 2; field < 22; field++) {
                while (*p == ' ')
                        p++;
                if (field == 21)
                        break;
                p = strchr(p, ' ');
                if (!p)
                        return -EINVAL;
        }
        return parse_u64(p, &p, ret) < 0 || (*p != ' ' && *p != '\n' && *p) ? -EINVAL : 0;
}

JAULA_EXPORT int jaula_proc_starttime(pid_t pid, uint64_t *ret)
{
        char path[32], buf[1024];
        _cleanup_close_ int fd = -1;
        ssize_t n;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        n = read(fd, buf, sizeof buf - 1);
        if (n < 0)
                return errno == ESRCH ? -ESRCH : -errno;
        buf[n] = 0;
        return jaula_parse_stat_starttime(buf, ret);
}

JAULA_EXPORT bool jaula_proc_alive(pid_t pid, uint64_t start)
{
        char path[32], buf[1024];
        _cleanup_close_ int fd = -1;
        uint64_t t;
        ssize_t n;
        char *p;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
                return false;
        buf[n] = 0;
        if (jaula_parse_stat_starttime(buf, &t) < 0 || t != start)
                return false;
        /* State (field 3): a zombie or dead task owns nothing any more. */
        p = strrchr(buf, ')');
        return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

JAULA_EXPORT int jaula_pidfd_open_verified(pid_t pid, uint64_t start)
{
        _cleanup_close_ int fd = (int) syscall(SYS_pidfd_open, pid, 0);

        if (fd < 0)
                return -errno;
        /* Checked after the fd exists: if pid was recycled before the open,
         * the start time differs; if it dies after, the fd stays bound to
         * the dead process and every signal fails with ESRCH. */
        if (!jaula_proc_alive(pid, start))
                return -ESRCH;
        return TAKE_FD(fd);
}

JAULA_EXPORT enum jaula_verdict jaula_state_verdict(enum jaula_lifetime lifetime,
                                                    unsigned linger_sec, size_t live_sessions,
                                                    bool linger_expired)
{
        if (live_sessions > 0)
                return JAULA_KEEP;
        if (lifetime == JAULA_LIFETIME_PROCESSES)
                return JAULA_SCAN_PROCESSES;
        if (linger_sec == 0 || linger_expired)
                return JAULA_TEARDOWN;
        return JAULA_ARM_LINGER;
}

/* ---- state file text ---- */

static bool value_ok(const char *s)
{
        return !strchr(s, '\n');
}

JAULA_EXPORT int jaula_state_format(const struct jaula_jail_state *st, char *buf, size_t size)
{
        char procs[160];
        int n;

        if (!jaula_state_id_valid(st->id) || !value_ok(st->user) || !value_ok(st->group) ||
            !value_ok(st->cgroup_root) || !value_ok(st->cgroup_path) || !value_ok(st->net))
                return -EINVAL;
        /* An intent names its creator and no holder or monitor: a reader
         * that does not know the key rejects it rather than trusting pids
         * that are not a jail's. */
        if (st->creating)
                n = snprintf(procs, sizeof procs,
                             "creating=1\ncreator_pid=%d\ncreator_start=%" PRIu64 "\n",
                             (int) st->creator_pid, st->creator_start);
        else
                n = snprintf(procs, sizeof procs,
                             "holder_pid=%d\nholder_start=%" PRIu64 "\nmonitor_pid=%d\n"
                             "monitor_start=%" PRIu64 "\n",
                             (int) st->holder_pid, st->holder_start, (int) st->monitor_pid,
                             st->monitor_start);
        if (n < 0 || (size_t) n >= sizeof procs)
                return -ENOBUFS;
        n = snprintf(buf, size,
                     "version=%d\nid=%s\nuid=%u\nuser=%s\nscope=%s\nlifetime=%s\nlinger=%u\n"
                     "%sns_ino=%" PRIu64 "\ngroup=%s\n"
                     "cgroup_root=%s\ncgroup_path=%s\nnet=%s\ncreated=%" PRId64 "\nending=%d\n",
                     STATE_VERSION, st->id, (unsigned) st->uid, st->user,
                     st->scope == JAULA_SCOPE_USER ? "user" : "session",
                     st->lifetime == JAULA_LIFETIME_SESSION ? "session" : "processes",
                     st->linger_sec, procs, st->ns_ino, st->group, st->cgroup_root,
                     st->cgroup_path, st->net, st->created, st->ending ? 1 : 0);
        return n < 0 || (size_t) n >= size ? -ENOBUFS : n;
}

static int copy_str(char *dst, size_t size, const char *v)
{
        size_t n = strlen(v);

        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(dst, v, n + 1);
        return 0;
}

static int parse_line(struct jaula_jail_state *st, const char *key, const char *v, unsigned *seen)
{
        uint64_t u;

        if (!strcmp(key, "version"))
                return parse_u64(v, NULL, &u) < 0 || u != STATE_VERSION ? -EINVAL : 0;
        if (!strcmp(key, "id")) {
                *seen |= 1;
                return jaula_state_id_valid(v) ? copy_str(st->id, sizeof st->id, v) : -EINVAL;
        }
        if (!strcmp(key, "uid")) {
                if (parse_u64(v, NULL, &u) < 0 || u >= UINT32_MAX)
                        return -EINVAL;
                st->uid = (uid_t) u;
                return 0;
        }
        if (!strcmp(key, "user"))
                return copy_str(st->user, sizeof st->user, v);
        if (!strcmp(key, "scope")) {
                if (!strcmp(v, "user"))
                        st->scope = JAULA_SCOPE_USER;
                else if (!strcmp(v, "session"))
                        st->scope = JAULA_SCOPE_SESSION;
                else
                        return -EINVAL;
                return 0;
        }
        if (!strcmp(key, "lifetime")) {
                if (!strcmp(v, "session"))
                        st->lifetime = JAULA_LIFETIME_SESSION;
                else if (!strcmp(v, "processes"))
                        st->lifetime = JAULA_LIFETIME_PROCESSES;
                else
                        return -EINVAL;
                return 0;
        }
        if (!strcmp(key, "linger")) {
                if (parse_u64(v, NULL, &u) < 0 || u > UINT32_MAX)
                        return -EINVAL;
                st->linger_sec = (unsigned) u;
                return 0;
        }
        if (!strcmp(key, "holder_pid")) {
                *seen |= 2;
                return parse_pid(v, NULL, &st->holder_pid);
        }
        if (!strcmp(key, "holder_start"))
                return parse_u64(v, NULL, &st->holder_start);
        if (!strcmp(key, "monitor_pid")) {
                *seen |= 4;
                return parse_pid(v, NULL, &st->monitor_pid);
        }
        if (!strcmp(key, "monitor_start"))
                return parse_u64(v, NULL, &st->monitor_start);
        if (!strcmp(key, "ns_ino"))
                return parse_u64(v, NULL, &st->ns_ino);
        if (!strcmp(key, "group"))
                return copy_str(st->group, sizeof st->group, v);
        if (!strcmp(key, "cgroup_root"))
                return copy_str(st->cgroup_root, sizeof st->cgroup_root, v);
        if (!strcmp(key, "cgroup_path"))
                return copy_str(st->cgroup_path, sizeof st->cgroup_path, v);
        if (!strcmp(key, "net"))
                return copy_str(st->net, sizeof st->net, v);
        if (!strcmp(key, "creating")) {
                if (strcmp(v, "0") && strcmp(v, "1"))
                        return -EINVAL;
                st->creating = v[0] == '1';
                return 0;
        }
        if (!strcmp(key, "creator_pid")) {
                *seen |= 8;
                return parse_pid(v, NULL, &st->creator_pid);
        }
        if (!strcmp(key, "creator_start"))
                return parse_u64(v, NULL, &st->creator_start);
        if (!strcmp(key, "ending")) {
                if (strcmp(v, "0") && strcmp(v, "1"))
                        return -EINVAL;
                st->ending = v[0] == '1';
                return 0;
        }
        if (!strcmp(key, "created")) {
                if (parse_u64(v, NULL, &u) < 0 || u > INT64_MAX)
                        return -EINVAL;
                st->created = (int64_t) u;
                return 0;
        }
        return 0; /* unknown keys: written by a newer version, ignored */
}

JAULA_EXPORT int jaula_state_parse(const char *text, struct jaula_jail_state *ret)
{
        struct jaula_jail_state st = { 0 };
        unsigned seen = 0;
        const char *p = text;

        while (*p) {
                const char *nl = strchr(p, '\n'), *eq;
                size_t len = nl ? (size_t) (nl - p) : strlen(p);
                char line[512];
                int r;

                if (len >= sizeof line)
                        return -EINVAL;
                memcpy(line, p, len);
                line[len] = 0;
                p += len + (nl ? 1 : 0);
                if (len == 0)
                        continue;
                eq = strchr(line, '=');
                if (!eq)
                        return -EINVAL;
                line[eq - line] = 0;
                r = parse_line(&st, line, eq + 1, &seen);
                if (r < 0)
                        return r;
        }
        /* A jail names its holder and monitor; an intent its creator. */
        if (!(seen & 1) || (st.creating ? !(seen & 8) : (seen & 6) != 6))
                return -EINVAL;
        *ret = st;
        return 0;
}

/* ---- the directory ---- */

static int ensure_dir_at(int dirfd, const char *name, struct jaula_err *err, const char *what)
{
        _cleanup_close_ int fd = -1;
        struct stat s;

        /* Every login passes here: open first, create only when missing. */
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
                        return jaula_err_errno(err, -errno, "Cannot create state directory '%s'",
                                               what);
                fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return jaula_err_errno(err, -errno, "Cannot open state directory '%s'", what);
        if (fstat(fd, &s) < 0)
                return jaula_err_errno(err, -errno, "Cannot stat state directory '%s'", what);
        /* Anything a user could write would let them forge a holder or a
         * session: refuse rather than repair. */
        if (s.st_uid != 0 || (s.st_mode & 077))
                return jaula_err_set(err, -EPERM,
                                     "State directory '%s' must be owned by root with mode 0700",
                                     what);
        return TAKE_FD(fd);
}

JAULA_EXPORT int jaula_state_dir_open(const char *state_dir, struct jaula_err *err)
{
        _cleanup_close_ int fd = -1, sub = -1;
        char parent[4096], *slash;

        if (!state_dir || state_dir[0] != '/')
                return jaula_err_set(err, -EINVAL, "State directory must be an absolute path");
        if (snprintf(parent, sizeof parent, "%s", state_dir) >= (int) sizeof parent)
                return jaula_err_set(err, -ENAMETOOLONG, "State directory path is too long");
        /* The parent (e.g. /run) must exist; only the last component is ours. */
        slash = strrchr(parent, '/');
        if (slash == parent)
                slash[1] = 0;
        else
                *slash = 0;
        {
                _cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                const char *base = state_dir + (strrchr(state_dir, '/') - state_dir) + 1;

                if (pfd < 0)
                        return jaula_err_errno(err, -errno, "Cannot open '%s'", parent);
                fd = ensure_dir_at(pfd, base, err, state_dir);
                if (fd < 0)
                        return fd;
        }
        sub = ensure_dir_at(fd, "jails", err, "jails");
        if (sub < 0)
                return sub;
        close_nointr(TAKE_FD(sub));
        sub = ensure_dir_at(fd, "netns", err, "netns");
        if (sub < 0)
                return sub;
        return TAKE_FD(fd);
}

JAULA_EXPORT int jaula_state_lock(int state_fd, const char *id, bool wait)
{
        char path[JAULA_ID_MAX + 16];

        if (!jaula_state_id_valid(id))
                return -EINVAL;
        snprintf(path, sizeof path, "jails/%s.lock", id);
        for (;;) {
                _cleanup_close_ int fd = openat(state_fd, path,
                                                O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                struct stat a, b;

                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0)
                        return -errno;
                /* The previous holder may have unlinked the file while we
                 * waited; then our lock is on an orphan inode: retry. */
                if (fstat(fd, &a) < 0)
                        return -errno;
                if (fstatat(state_fd, path, &b, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                return -errno;
                        continue;
                }
                if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
                        return TAKE_FD(fd);
        }
}

JAULA_EXPORT void jaula_state_unlock_remove(int state_fd, const char *id, int lock_fd)
{
        char path[JAULA_ID_MAX + 16];

        if (jaula_state_id_valid(id)) {
                snprintf(path, sizeof path, "jails/%s.lock", id);
                unlinkat(state_fd, path, 0);
        }
        close_nointr(lock_fd);
}

JAULA_EXPORT int jaula_state_write_file(int dirfd, const char *name, const char *data, size_t len)
{
        char tmp[256];
        _cleanup_close_ int fd = -1;
        size_t off = 0;

        if (snprintf(tmp, sizeof tmp, ".%s.%d.tmp", name, (int) getpid()) >= (int) sizeof tmp)
                return -ENAMETOOLONG;
        unlinkat(dirfd, tmp, 0);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        while (off < len) {
                ssize_t n = write(fd, data + off, len - off);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int r = -errno;
                        unlinkat(dirfd, tmp, 0);
                        return r;
                }
                off += (size_t) n;
        }
        /* The state directory is normally a tmpfs (/run): no fsync, a
         * crash empties it anyway. */
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                int r = -errno;
                unlinkat(dirfd, tmp, 0);
                return r;
        }
        return 0;
}

JAULA_EXPORT int jaula_state_load(int state_fd, const char *id, struct jaula_jail_state *ret)
{
        char path[JAULA_ID_MAX + 16], buf[4096];
        _cleanup_close_ int fd = -1;
        ssize_t n;
        int r;

        if (!jaula_state_id_valid(id))
                return -EINVAL;
        snprintf(path, sizeof path, "jails/%s/state", id);
        fd = openat(state_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof buf - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        r = jaula_state_parse(buf, ret);
        if (r < 0)
                return r;
        return strcmp(ret->id, id) ? -EINVAL : 0;
}

JAULA_EXPORT int jaula_state_store(int state_fd, const struct jaula_jail_state *st)
{
        char dir[JAULA_ID_MAX + 16], buf[4096];
        _cleanup_close_ int dfd = -1;
        int n;

        n = jaula_state_format(st, buf, sizeof buf);
        if (n < 0)
                return n;
        snprintf(dir, sizeof dir, "jails/%s", st->id);
        if (mkdirat(state_fd, dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        dfd = openat(state_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (mkdirat(dfd, "sessions", 0700) < 0 && errno != EEXIST)
                return -errno;
        return jaula_state_write_file(dfd, "state", buf, (size_t) n);
}

static int open_sessions(int state_fd, const char *id)
{
        char path[JAULA_ID_MAX + 32];

        if (!jaula_state_id_valid(id))
                return -EINVAL;
        snprintf(path, sizeof path, "jails/%s/sessions", id);
        return openat(state_fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

JAULA_EXPORT int jaula_session_add(int state_fd, const char *id, const char *sid)
{
        _cleanup_close_ int dfd = open_sessions(state_fd, id), fd = -1;
        pid_t pid;
        uint64_t start;

        if (dfd < 0)
                return dfd == -1 ? -errno : dfd;
        if (jaula_session_id_parse(sid, &pid, &start) < 0)
                return -EINVAL;
        /* The name is the record: creating it is atomic. */
        fd = openat(dfd, sid, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        return fd < 0 ? -errno : 0;
}

JAULA_EXPORT int jaula_session_remove(int state_fd, const char *id, const char *sid)
{
        _cleanup_close_ int dfd = open_sessions(state_fd, id);
        pid_t pid;
        uint64_t start;

        if (dfd < 0)
                return dfd == -1 ? -errno : dfd;
        if (jaula_session_id_parse(sid, &pid, &start) < 0)
                return -EINVAL;
        return unlinkat(dfd, sid, 0) < 0 ? -errno : 0;
}

JAULA_EXPORT int jaula_session_sweep(int state_fd, const char *id)
{
        int dfd = open_sessions(state_fd, id), alive = 0;
        struct dirent *de;
        DIR *d;

        if (dfd < 0)
                return dfd == -1 ? -errno : dfd;
        d = fdopendir(dfd);
        if (!d) {
                int r = -errno;
                close_nointr(dfd);
                return r;
        }
        while ((de = readdir(d))) {
                pid_t pid;
                uint64_t start;

                if (de->d_name[0] == '.')
                        continue;
                if (jaula_session_id_parse(de->d_name, &pid, &start) < 0 ||
                    !jaula_proc_alive(pid, start)) {
                        unlinkat(dirfd(d), de->d_name, 0);
                        continue;
                }
                alive++;
        }
        closedir(d);
        return alive;
}

static void remove_tree_at(int parent_fd, const char *name)
{
        int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct dirent *de;
        DIR *d;

        if (fd < 0) {
                unlinkat(parent_fd, name, 0);
                return;
        }
        d = fdopendir(fd);
        if (!d) {
                close_nointr(fd);
                return;
        }
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                if (de->d_type == DT_DIR)
                        remove_tree_at(dirfd(d), de->d_name);
                else
                        unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
        unlinkat(parent_fd, name, AT_REMOVEDIR);
}

JAULA_EXPORT int jaula_state_index_set(int state_fd, uint64_t ino, const char *id)
{
        char name[64], tmp[40 + JAULA_ID_MAX];

        snprintf(name, sizeof name, "netns/%" PRIu64, ino);
        /* Named after the jail, not the writer: a writer killed before the
         * rename leaves a name that the jail's removal knows. */
        if (!jaula_state_id_valid(id))
                return -EINVAL;
        snprintf(tmp, sizeof tmp, "netns/.%" PRIu64 ".%s", ino, id);
        unlinkat(state_fd, tmp, 0);
        if (symlinkat(id, state_fd, tmp) < 0)
                return -errno;
        if (renameat(state_fd, tmp, state_fd, name) < 0) {
                int r = -errno;
                unlinkat(state_fd, tmp, 0);
                return r;
        }
        return 0;
}

JAULA_EXPORT int jaula_state_index_get(int state_fd, uint64_t ino, char *ret_id, size_t size)
{
        char name[64], buf[JAULA_ID_MAX + 1];
        ssize_t n;

        snprintf(name, sizeof name, "netns/%" PRIu64, ino);
        n = readlinkat(state_fd, name, buf, sizeof buf - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        if (!jaula_state_id_valid(buf) || (size_t) n >= size)
                return -EINVAL;
        memcpy(ret_id, buf, (size_t) n + 1);
        return 0;
}

JAULA_EXPORT int jaula_state_remove(int state_fd, const struct jaula_jail_state *st)
{
        char dir[JAULA_ID_MAX + 16], id[JAULA_ID_MAX];

        if (!jaula_state_id_valid(st->id))
                return -EINVAL;
        /* Only drop the index entry if it still names this jail: the
         * inode number may already belong to a newer namespace. */
        if (st->ns_ino && jaula_state_index_get(state_fd, st->ns_ino, id, sizeof id) == 0 &&
            !strcmp(id, st->id)) {
                char name[64];
                snprintf(name, sizeof name, "netns/%" PRIu64, st->ns_ino);
                unlinkat(state_fd, name, 0);
        }
        if (st->ns_ino) {
                char tmp[40 + JAULA_ID_MAX];
                snprintf(tmp, sizeof tmp, "netns/.%" PRIu64 ".%s", st->ns_ino, st->id);
                unlinkat(state_fd, tmp, 0);
        }
        snprintf(dir, sizeof dir, "jails/%s", st->id);
        remove_tree_at(state_fd, dir);
        return 0;
}

JAULA_EXPORT void jaula_state_spec(const struct jaula_jail_state *st, const char *state_dir,
                            struct jaula_spec *spec, struct jaula_net_spec *net)
{
        *spec = (struct jaula_spec){ 0 };
        *net = (struct jaula_net_spec){ 0 };
        spec->user.uid = st->uid;
        spec->user.name = (char *) st->user;
        spec->state_dir = (char *) state_dir;
        spec->cgroup_root = (char *) st->cgroup_root;
        spec->cgroup_path = (char *) st->cgroup_path;
        spec->group_name = (char *) st->group;
        spec->scope = st->scope;
        spec->lifetime = st->lifetime;
        spec->linger_sec = st->linger_sec;
        if (st->net[0]) {
                net->name = (char *) st->net;
                spec->net = net;
        }
}
