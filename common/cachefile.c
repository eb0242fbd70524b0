/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cachefile.c — the file handling the policy cache, the match table and
 * the compiled seccomp filter share (see cachefile.h).  libc only: the
 * thin pam_jaula.so links this file. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jaula/util.h"
#include "cachefile.h"

int jaula_cf_open_dir(const char *dir, bool create, int untrusted)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (!dir || !*dir)
                return -ENOENT;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        return neg_errno();
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return neg_errno();
        /* Checked on the fd: what was opened, not what the path names now. */
        if (fstat(fd, &st) < 0)
                return neg_errno();
        if (st.st_uid != 0 || (st.st_mode & 0077))
                return untrusted;
        return TAKE_FD(fd);
}

int jaula_cf_read_all(int fd, void *buf, size_t len)
{
        /* pread: a caller may hand an fd it has just written (a memfd). */
        for (size_t off = 0; off < len;) {
                ssize_t k = pread(fd, (char *) buf + off, len - off, (off_t) off);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return neg_errno();
                if (k == 0)
                        return -EIO;
                off += (size_t) k;
        }
        return 0;
}

int jaula_cf_write_atomic(int dfd, const char *name, const void *buf, size_t len)
{
        _cleanup_close_ int fd = -1;
        struct rlimit rl;
        char tmp[96];
        int r;

        /* jailsh is setuid: its caller chooses RLIMIT_FSIZE, and a write
         * past it would kill the login with SIGXFSZ halfway through. */
        if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < (rlim_t) len)
                return -EFBIG;
        if ((size_t) snprintf(tmp, sizeof tmp, ".%s.%d.tmp", name, (int) getpid()) >= sizeof tmp)
                return -ENAMETOOLONG;
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return neg_errno();
        for (size_t off = 0; off < len;) {
                ssize_t k = write(fd, (const char *) buf + off, len - off);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        r = k < 0 ? neg_errno() : -EIO;
                        unlinkat(dfd, tmp, 0);
                        return r;
                }
                off += (size_t) k;
        }
        /* rename() is atomic: a reader sees the old file or the new one. */
        if (renameat(dfd, tmp, dfd, name) < 0) {
                r = neg_errno();
                unlinkat(dfd, tmp, 0);
                return r;
        }
        return 0;
}

struct entry {
        char name[64];
        struct timespec mtime;
};

static int cmp_newest_first(const void *a, const void *b)
{
        const struct entry *x = a, *y = b;

        if (x->mtime.tv_sec != y->mtime.tv_sec)
                return x->mtime.tv_sec > y->mtime.tv_sec ? -1 : 1;
        return x->mtime.tv_nsec > y->mtime.tv_nsec ? -1 : x->mtime.tv_nsec < y->mtime.tv_nsec;
}

static bool is_tmp(const char *name, size_t len)
{
        return name[0] == '.' && len > 4 && strcmp(name + len - 4, ".tmp") == 0;
}

static bool is_ours(const char *name, size_t len, const struct jaula_cf_prune *how)
{
        size_t lp = strlen(how->prefix), ls = strlen(how->suffix);

        return len > lp + ls && len < how->max_name && name[0] != '.' &&
               strncmp(name, how->prefix, lp) == 0 && strcmp(name + len - ls, how->suffix) == 0;
}

void jaula_cf_prune(int dfd, const char *keep, const struct jaula_cf_prune *how)
{
        struct entry *v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        DIR *dir;
        int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);

        if (fd < 0)
                return;
        dir = fdopendir(fd);
        if (!dir) {
                close_nointr(fd);
                return;
        }
        while ((de = readdir(dir))) {
                size_t len = strlen(de->d_name);
                struct stat st;

                /* A writer that died mid-way leaves its temporary file. */
                if (how->sweep_tmp && is_tmp(de->d_name, len)) {
                        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                            st.st_mtim.tv_sec < time(NULL) - 60)
                                unlinkat(dfd, de->d_name, 0);
                        continue;
                }
                if (len >= sizeof v->name || !is_ours(de->d_name, len, how) ||
                    strcmp(de->d_name, keep) == 0)
                        continue;
                if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (n == cap) {
                        struct entry *nv = realloc(v, sizeof *v * (cap ? cap * 2 : 64));

                        if (!nv)
                                break;
                        v = nv;
                        cap = cap ? cap * 2 : 64;
                }
                memcpy(v[n].name, de->d_name, len + 1);
                v[n].mtime = st.st_mtim;
                n++;
        }
        closedir(dir);
        if (how->keep > 0 && n >= how->keep) {
                size_t ls = strlen(how->suffix);

                qsort(v, n, sizeof *v, cmp_newest_first);
                for (size_t i = how->keep - 1; i < n; i++) {
                        unlinkat(dfd, v[i].name, 0);
                        /* the same stem with the companion's suffix */
                        if (how->companion && strlen(how->companion) == ls) {
                                memcpy(v[i].name + strlen(v[i].name) - ls, how->companion, ls);
                                unlinkat(dfd, v[i].name, 0);
                        }
                }
        }
        free(v);
}

void jaula_file_id_set(struct jaula_file_id *id, const struct stat *st)
{
        *id = (struct jaula_file_id){
                .present = 1,
                .dev = (uint64_t) st->st_dev,
                .ino = (uint64_t) st->st_ino,
                .size = (uint64_t) st->st_size,
                .mtime_s = (int64_t) st->st_mtim.tv_sec,
                .mtime_ns = (int64_t) st->st_mtim.tv_nsec,
                .ctime_s = (int64_t) st->st_ctim.tv_sec,
                .ctime_ns = (int64_t) st->st_ctim.tv_nsec,
                .mode = (uint32_t) st->st_mode,
                .uid = (uint32_t) st->st_uid,
        };
}

bool jaula_file_id_equal(const struct jaula_file_id *a, const struct jaula_file_id *b)
{
        return a->present == b->present && a->dev == b->dev && a->ino == b->ino &&
               a->size == b->size && a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
               a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns && a->mode == b->mode &&
               a->uid == b->uid;
}

bool jaula_file_id_matches(const struct jaula_file_id *id, const struct stat *st)
{
        struct jaula_file_id have;

        jaula_file_id_set(&have, st);
        return jaula_file_id_equal(id, &have);
}

void jaula_cf_put(struct jaula_cf_wbuf *w, const void *data, size_t len)
{
        if (w->oom)
                return;
        if (w->n + len > w->cap) {
                size_t cap = w->cap ? w->cap : w->first_cap ? w->first_cap : 4096;
                char *np;

                while (cap < w->n + len)
                        cap *= 2;
                np = realloc(w->p, cap);
                if (!np) {
                        w->oom = true;
                        return;
                }
                w->p = np;
                w->cap = cap;
        }
        memcpy(w->p + w->n, data, len);
        w->n += len;
}

void jaula_cf_put_u32(struct jaula_cf_wbuf *w, uint32_t v)
{
        jaula_cf_put(w, &v, sizeof v);
}

void jaula_cf_put_u64(struct jaula_cf_wbuf *w, uint64_t v)
{
        jaula_cf_put(w, &v, sizeof v);
}

void jaula_cf_put_str(struct jaula_cf_wbuf *w, const char *s)
{
        size_t len;

        if (!s) {
                jaula_cf_put_u32(w, UINT32_MAX);
                return;
        }
        len = strlen(s);
        jaula_cf_put_u32(w, (uint32_t) len);
        jaula_cf_put(w, s, len + 1);
}

void jaula_cf_put_strv(struct jaula_cf_wbuf *w, const char *const *v, size_t n)
{
        jaula_cf_put_u32(w, (uint32_t) n);
        for (size_t i = 0; i < n; i++)
                jaula_cf_put_str(w, v[i]);
}

void jaula_cf_put_id(struct jaula_cf_wbuf *w, const struct jaula_file_id *id)
{
        jaula_cf_put_u32(w, id->present);
        jaula_cf_put_u64(w, id->dev);
        jaula_cf_put_u64(w, id->ino);
        jaula_cf_put_u64(w, id->size);
        jaula_cf_put_u64(w, (uint64_t) id->mtime_s);
        jaula_cf_put_u64(w, (uint64_t) id->mtime_ns);
        jaula_cf_put_u64(w, (uint64_t) id->ctime_s);
        jaula_cf_put_u64(w, (uint64_t) id->ctime_ns);
        jaula_cf_put_u32(w, id->mode);
        jaula_cf_put_u32(w, id->uid);
}

bool jaula_cf_need(struct jaula_cf_rbuf *r, size_t len)
{
        if (r->bad || len > r->n - r->off) {
                r->bad = true;
                return false;
        }
        return true;
}

uint32_t jaula_cf_get_u32(struct jaula_cf_rbuf *r)
{
        uint32_t v = 0;

        if (jaula_cf_need(r, sizeof v)) {
                memcpy(&v, r->d + r->off, sizeof v);
                r->off += sizeof v;
        }
        return v;
}

uint64_t jaula_cf_get_u64(struct jaula_cf_rbuf *r)
{
        uint64_t v = 0;

        if (jaula_cf_need(r, sizeof v)) {
                memcpy(&v, r->d + r->off, sizeof v);
                r->off += sizeof v;
        }
        return v;
}

const char *jaula_cf_get_str(struct jaula_cf_rbuf *r, bool null_ok)
{
        uint32_t len = jaula_cf_get_u32(r);
        const char *s;

        if (r->bad || (len == UINT32_MAX && null_ok))
                return NULL;
        if (!jaula_cf_need(r, (size_t) len + 1) || r->d[r->off + len] != '\0' ||
            memchr(r->d + r->off, '\0', len)) {
                r->bad = true;
                return NULL;
        }
        s = r->d + r->off;
        r->off += (size_t) len + 1;
        return s;
}

size_t jaula_cf_get_count(struct jaula_cf_rbuf *r, size_t max, size_t min_size)
{
        uint32_t n = jaula_cf_get_u32(r);

        if (r->bad || (size_t) n > max || (size_t) n > (r->n - r->off) / min_size) {
                r->bad = true;
                return 0;
        }
        return n;
}

void jaula_cf_get_id(struct jaula_cf_rbuf *r, struct jaula_file_id *id)
{
        id->present = jaula_cf_get_u32(r);
        id->dev = jaula_cf_get_u64(r);
        id->ino = jaula_cf_get_u64(r);
        id->size = jaula_cf_get_u64(r);
        id->mtime_s = (int64_t) jaula_cf_get_u64(r);
        id->mtime_ns = (int64_t) jaula_cf_get_u64(r);
        id->ctime_s = (int64_t) jaula_cf_get_u64(r);
        id->ctime_ns = (int64_t) jaula_cf_get_u64(r);
        id->mode = jaula_cf_get_u32(r);
        id->uid = jaula_cf_get_u32(r);
}
