/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* seccomp_cache.c — the jail's compiled system call filter, kept as a
 * ready classic-BPF program beside the policy cache so a login does not
 * compile it again, and loaded with prctl(PR_SET_SECCOMP) directly.
 * Compiling needs no privilege; reading and writing the cache need root
 * (the directory is root's, mode 0700); anyone else compiles every time.
 *
 * libseccomp needs ~0.7 ms per login to build, probe the kernel for and
 * generate the default filter: a large share of a warm join.  The program
 * depends only on the seccomp spec (profile, allow, deny, the i386 ABI),
 * on the native architecture, on this library's rules table and on the
 * libseccomp that generates it.  Those are written out in full as the
 * cache key — the spec item by item, the architecture tokens, libseccomp's
 * version and the build's JAULA_SRC_STAMP — and the file's name is a digest
 * of that key; the file holds the key again, and a reader uses the program
 * only when the stored key equals its own byte for byte, so a digest
 * collision is a cache miss, never the wrong filter.
 *
 * The file is trusted only when root's, a regular file not open to group
 * or others, opened without following a link, with a program of 1 to
 * BPF_MAXINSNS instructions whose length matches the header; anything else
 * is a miss, and the filter is compiled and the file written again.  The
 * kernel checks the program once more when it is loaded.  /run is a tmpfs:
 * a reboot starts without a cache. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jaula/confine.h"
#include "jaula/policy.h"

#ifndef JAULA_SRC_STAMP
#error "JAULA_SRC_STAMP must name the build (see the Makefile)"
#endif

#define SF_MAGIC "JAULASF1"
#define SF_HEADER 16     /* magic, key length, instruction count */
#define SF_KEY_MAX 65536 /* a spec naming every syscall twice fits */
#define SF_KEEP 64       /* compiled filters kept; the oldest go first */

struct keybuf {
        char *p;
        size_t n, cap;
        bool oom;
};

static void key_add(struct keybuf *k, const char *s)
{
        size_t len = strlen(s) + 1; /* the NUL separates items */

        if (k->oom)
                return;
        if (k->n + len > k->cap) {
                size_t cap = k->cap ? k->cap * 2 : 512;
                char *np;

                while (cap < k->n + len)
                        cap *= 2;
                np = realloc(k->p, cap);
                if (!np) {
                        k->oom = true;
                        return;
                }
                k->p = np;
                k->cap = cap;
        }
        memcpy(k->p + k->n, s, len);
        k->n += len;
}

static void key_list(struct keybuf *k, const char *what, char *const *v, size_t n)
{
        char buf[48];
        size_t count = 0;

        while (v && count < n && v[count])
                count++;
        snprintf(buf, sizeof buf, "%s %zu", what, count);
        key_add(k, buf);
        for (size_t i = 0; i < count; i++)
                key_add(k, v[i]);
}

/* Everything the generated program depends on, as NUL-separated items. */
static int make_key(const struct jaula_seccomp_spec *sc, struct keybuf *k)
{
        const struct scmp_version *v = seccomp_version();
        char buf[96];

        key_add(k, "jaula seccomp filter 1");
        key_add(k, JAULA_SRC_STAMP);
        snprintf(buf, sizeof buf, "libseccomp %u.%u.%u", v ? v->major : 0, v ? v->minor : 0,
                 v ? v->micro : 0);
        key_add(k, buf);
        snprintf(buf, sizeof buf, "arch %#x%s", (unsigned) seccomp_arch_native(),
                 sc->allow_x86 ? " x86" : "");
        key_add(k, buf);
        key_add(k, "profile");
        key_add(k, sc->profile ? sc->profile : "");
        key_list(k, "allow", sc->allow, sc->n_allow);
        key_list(k, "deny", sc->deny, sc->n_deny);
        if (k->oom)
                return -ENOMEM;
        if (k->n > SF_KEY_MAX)
                return -E2BIG;
        return 0;
}

/* FNV-1a of the key: only a file name (the key itself is compared). */
static void file_name(const struct keybuf *k, char *buf, size_t size)
{
        uint64_t h = UINT64_C(14695981039346656037);

        for (size_t i = 0; i < k->n; i++) {
                h ^= (unsigned char) k->p[i];
                h *= UINT64_C(1099511628211);
        }
        snprintf(buf, size, "sf-%016llx.bpf", (unsigned long long) h);
}

static size_t pad8(size_t n)
{
        return (n + 7) & ~(size_t) 7;
}

/* The directory the policy cache uses, under the same rule: created if
 * missing, trusted only when root's and closed to everyone else. */
static int open_dir(const char *dir, bool create)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        return neg_errno();
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return neg_errno();
        if (fstat(fd, &st) < 0)
                return neg_errno();
        if (st.st_uid != 0 || (st.st_mode & 0077))
                return -EPERM;
        return TAKE_FD(fd);
}

static int read_all(int fd, void *buf, size_t len)
{
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

static int write_all(int fd, const void *buf, size_t len)
{
        for (size_t off = 0; off < len;) {
                ssize_t k = write(fd, (const char *) buf + off, len - off);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? neg_errno() : -EIO;
                off += (size_t) k;
        }
        return 0;
}

/* The cached program for key K in DFD/NAME, or -ESTALE/-errno. */
static int cache_read(int dfd, const char *name, const struct keybuf *k,
                      struct jaula_seccomp_prog *ret)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct sock_filter *insns;
        uint32_t key_len, n;
        struct stat st;
        size_t size;
        int r;

        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return neg_errno();
        if (fstat(fd, &st) < 0)
                return neg_errno();
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0077) ||
            st.st_size < SF_HEADER || st.st_size % 8 != 0 ||
            (size_t) st.st_size > SF_HEADER + pad8(SF_KEY_MAX) + BPF_MAXINSNS * sizeof *insns)
                return -ESTALE;
        size = (size_t) st.st_size;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        r = read_all(fd, buf, size);
        if (r < 0)
                return r == -EIO ? -ESTALE : r;
        memcpy(&key_len, buf + 8, 4);
        memcpy(&n, buf + 12, 4);
        if (memcmp(buf, SF_MAGIC, 8) != 0 || key_len != k->n || n == 0 || n > BPF_MAXINSNS ||
            size != SF_HEADER + pad8(key_len) + (size_t) n * sizeof *insns ||
            memcmp(buf + SF_HEADER, k->p, k->n) != 0)
                return -ESTALE;
        insns = malloc((size_t) n * sizeof *insns);
        if (!insns)
                return -ENOMEM;
        memcpy(insns, buf + SF_HEADER + pad8(key_len), (size_t) n * sizeof *insns);
        *ret = (struct jaula_seccomp_prog){ .insns = insns, .n = n };
        return 0;
}

struct entry {
        char name[40];
        struct timespec mtime;
};

static int cmp_newest_first(const void *a, const void *b)
{
        const struct entry *x = a, *y = b;

        if (x->mtime.tv_sec != y->mtime.tv_sec)
                return x->mtime.tv_sec > y->mtime.tv_sec ? -1 : 1;
        return x->mtime.tv_nsec > y->mtime.tv_nsec ? -1 : x->mtime.tv_nsec < y->mtime.tv_nsec;
}

/* A host whose policy changes often (or a test suite) would otherwise
 * fill /run with filters nobody loads any more. */
static void prune(int dfd, const char *keep)
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

                if (strncmp(de->d_name, "sf-", 3) != 0 || len < 8 || len >= sizeof v->name ||
                    strcmp(de->d_name + len - 4, ".bpf") != 0 || strcmp(de->d_name, keep) == 0)
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
        if (n >= SF_KEEP) {
                qsort(v, n, sizeof *v, cmp_newest_first);
                for (size_t i = SF_KEEP - 1; i < n; i++)
                        unlinkat(dfd, v[i].name, 0);
        }
        free(v);
}

/* Best effort: a login whose cache cannot be written still gets its
 * filter, compiled.  True when the file is in place. */
static bool cache_write(int dfd, const char *name, const struct keybuf *k,
                        const struct jaula_seccomp_prog *prog)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t size = SF_HEADER + pad8(k->n) + prog->n * sizeof *prog->insns;
        uint32_t key_len = (uint32_t) k->n, n = (uint32_t) prog->n;
        struct rlimit rl;
        char tmp[64];

        /* jailsh is setuid: its caller chooses RLIMIT_FSIZE, and a write
         * past it would kill the login with SIGXFSZ. */
        if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < (rlim_t) size)
                return false;
        buf = calloc(1, size);
        if (!buf)
                return false;
        memcpy(buf, SF_MAGIC, 8);
        memcpy(buf + 8, &key_len, 4);
        memcpy(buf + 12, &n, 4);
        memcpy(buf + SF_HEADER, k->p, k->n);
        memcpy(buf + SF_HEADER + pad8(k->n), prog->insns, prog->n * sizeof *prog->insns);

        snprintf(tmp, sizeof tmp, ".%s.%d.tmp", name, (int) getpid());
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return false;
        /* A reader sees the old file or the new one, never half of one. */
        if (write_all(fd, buf, size) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
                unlinkat(dfd, tmp, 0);
                return false;
        }
        prune(dfd, name);
        return true;
}

JAULA_EXPORT int jaula_seccomp_export(jaula_scmp_ctx ctx, struct jaula_seccomp_prog *ret,
                                      struct jaula_err *err)
{
        _cleanup_close_ int fd = -1;
        struct sock_filter *insns;
        struct stat st;
        size_t n;
        int r;

        /* libseccomp 2.5 exports only to a file descriptor (the in-memory
         * export is 2.6). */
        fd = memfd_create("jaula-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return jaula_err_errno(err, neg_errno(), "seccomp: memfd_create");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return jaula_err_errno(err, r, "seccomp: cannot export the filter");
        if (fstat(fd, &st) < 0)
                return jaula_err_errno(err, neg_errno(), "seccomp: fstat of the exported filter");
        if (st.st_size <= 0 || st.st_size % sizeof *insns != 0 ||
            (size_t) st.st_size / sizeof *insns > BPF_MAXINSNS)
                return jaula_err_set(err, -EFBIG, "seccomp: the exported filter has %lld bytes",
                                     (long long) st.st_size);
        n = (size_t) st.st_size / sizeof *insns;
        insns = malloc(n * sizeof *insns);
        if (!insns)
                return jaula_err_set(err, -ENOMEM, "seccomp: out of memory");
        r = read_all(fd, insns, n * sizeof *insns);
        if (r < 0) {
                free(insns);
                return jaula_err_errno(err, r, "seccomp: cannot read the exported filter");
        }
        *ret = (struct jaula_seccomp_prog){ .insns = insns, .n = n };
        return 0;
}

JAULA_EXPORT int jaula_seccomp_compile(const struct jaula_seccomp_spec *sc, const char *cache_dir,
                                       struct jaula_seccomp_prog *ret, bool *ret_cached,
                                       struct jaula_err *err)
{
        _cleanup_close_ int dfd = -1;
        struct keybuf k = { 0 };
        struct jaula_seccomp_prog prog = { 0 };
        jaula_scmp_ctx ctx = NULL;
        char name[40] = "";
        bool cached = false, written = false;
        int r;

        if (!cache_dir)
                cache_dir = JAULA_POLICY_CACHE_DIR;
        /* Only root may trust (or write) the cache; a spec too large for a
         * key is simply compiled. */
        if (*cache_dir && geteuid() == 0 && make_key(sc, &k) == 0) {
                file_name(&k, name, sizeof name);
                dfd = open_dir(cache_dir, true);
                if (dfd >= 0 && cache_read(dfd, name, &k, &prog) == 0)
                        cached = true;
        }
        if (!cached) {
                r = jaula_seccomp_build(sc, &ctx, err);
                if (r < 0)
                        goto out;
                r = jaula_seccomp_export(ctx, &prog, err);
                jaula_seccomp_release(ctx);
                if (r < 0)
                        goto out;
                if (dfd >= 0)
                        written = cache_write(dfd, name, &k, &prog);
        }
        if (cached || written)
                jaula_debug("seccomp: filter of %zu instructions %s %s/%s", prog.n,
                            cached ? "from the cache" : "compiled and cached in", cache_dir, name);
        else
                jaula_debug("seccomp: filter of %zu instructions compiled, not cached", prog.n);
        *ret = prog;
        if (ret_cached)
                *ret_cached = cached;
        r = 0;
out:
        free(k.p);
        return r;
}

JAULA_EXPORT int jaula_seccomp_prog_load(const struct jaula_seccomp_prog *prog,
                                         struct jaula_err *err)
{
        struct sock_fprog fprog = { .len = (unsigned short) prog->n, .filter = prog->insns };

        if (!prog->insns || prog->n == 0 || prog->n > BPF_MAXINSNS)
                return jaula_err_set(err, -EINVAL, "seccomp: no filter to load");
        /* What seccomp_load does with libseccomp's default attributes
         * (no TSYNC, no logging flags); no_new_privs is already set. */
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0)
                return jaula_err_errno(err, neg_errno(), "seccomp: cannot load the filter");
        return 0;
}

JAULA_EXPORT void jaula_seccomp_prog_free(struct jaula_seccomp_prog *prog)
{
        free(prog->insns);
        *prog = (struct jaula_seccomp_prog){ 0 };
}
