/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cachefile.h — what the caches under /run/jaula-policy share
 * (cachefile.c): the root-only directory, files written whole or not at
 * all, the pruning of old files, the identities of the policy's source
 * files, and the bounded reading and growing writing of their binary
 * formats.  Private to jaula.
 *
 * libc only: the thin pam_jaula.so links cachefile.c beside
 * matchtab_read.c (see the Makefile), so nothing here may call the rest
 * of libjaula or any other library. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stat;

/* ------------------------------------------------------------ directory */

/* The cache directory DIR as an fd, created (0700) if missing and CREATE.
 * It is opened without following a symlink and trusted only when the
 * opened directory is root's and closed to group and others; when it is
 * not, UNTRUSTED (a negative errno) is returned.  -errno otherwise. */
int jaula_cf_open_dir(const char *dir, bool create, int untrusted);

/* Read LEN bytes from offset 0 of FD: 0, -EIO on a short file, -errno. */
int jaula_cf_read_all(int fd, void *buf, size_t len);

/* Write LEN bytes of BUF as DFD/NAME in one step: a temporary file
 * ".NAME.PID.tmp" renamed over it, so a reader sees the old file or the
 * new one, never part of one.  Nothing is written past RLIMIT_FSIZE.
 * 0 or a negative errno; no temporary file is left behind. */
int jaula_cf_write_atomic(int dfd, const char *name, const void *buf, size_t len);

/* Which files of the directory one cache owns, and how many it keeps. */
struct jaula_cf_prune {
        const char *prefix, *suffix; /* the file names: PREFIX…SUFFIX */
        size_t max_name;             /* a name this long or longer is not one */
        size_t keep;                 /* files kept, the one just written included */
        const char *companion;       /* NULL, or a suffix for SUFFIX: that file goes too */
        bool sweep_tmp;              /* also remove any ".*.tmp" a writer left (> 60 s old) */
};

/* Remove the oldest (by mtime) files of HOW beyond HOW->keep, never KEEP
 * (the one just written).  Best effort. */
void jaula_cf_prune(int dfd, const char *keep, const struct jaula_cf_prune *how);

/* ---------------------------------------------------------- identities */

/* The identity of one source file or directory of a policy: what must be
 * unchanged for anything cached from it to be used. */
struct jaula_file_id {
        uint32_t present; /* 0: the drop-in directory did not exist */
        uint64_t dev, ino, size;
        int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
        uint32_t mode, uid;
};

void jaula_file_id_set(struct jaula_file_id *id, const struct stat *st);
bool jaula_file_id_equal(const struct jaula_file_id *a, const struct jaula_file_id *b);
/* ID was recorded (present) and ST has it. */
bool jaula_file_id_matches(const struct jaula_file_id *id, const struct stat *st);

/* ------------------------------------------------------ binary formats */

/* A growing buffer; OOM sticks, so a writer checks once at the end. */
struct jaula_cf_wbuf {
        char *p;
        size_t n, cap;
        size_t first_cap; /* the first allocation; 0: 4096 */
        bool oom;
};

void jaula_cf_put(struct jaula_cf_wbuf *w, const void *data, size_t len);
void jaula_cf_put_u32(struct jaula_cf_wbuf *w, uint32_t v);
void jaula_cf_put_u64(struct jaula_cf_wbuf *w, uint64_t v);
/* u32 length, the bytes, NUL; NULL as the length UINT32_MAX alone. */
void jaula_cf_put_str(struct jaula_cf_wbuf *w, const char *s);
/* u32 count, then the strings. */
void jaula_cf_put_strv(struct jaula_cf_wbuf *w, const char *const *v, size_t n);
void jaula_cf_put_id(struct jaula_cf_wbuf *w, const struct jaula_file_id *id);

/* A bounded reader: any read past the end, or malformed, sets BAD, and
 * everything read after that is 0 or NULL. */
struct jaula_cf_rbuf {
        const char *d;
        size_t n, off;
        bool bad;
};

bool jaula_cf_need(struct jaula_cf_rbuf *r, size_t len);
uint32_t jaula_cf_get_u32(struct jaula_cf_rbuf *r);
uint64_t jaula_cf_get_u64(struct jaula_cf_rbuf *r);
/* A string pointing into the buffer.  The length UINT32_MAX is NULL when
 * NULL_OK, and malformed otherwise. */
const char *jaula_cf_get_str(struct jaula_cf_rbuf *r, bool null_ok);
/* A count no larger than MAX of items of at least MIN_SIZE bytes that
 * must fit in what is left, so a damaged count cannot make the reader
 * allocate much. */
size_t jaula_cf_get_count(struct jaula_cf_rbuf *r, size_t max, size_t min_size);
void jaula_cf_get_id(struct jaula_cf_rbuf *r, struct jaula_file_id *id);
