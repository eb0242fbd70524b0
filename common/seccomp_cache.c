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
#include <sys/stat.h>
#include <unistd.h>

#include "jaula/confine.h"
#include "jaula/policy.h"
#include "cachefile.h"

#ifndef JAULA_SRC_STAMP
#error "JAULA_SRC_STAMP must name the build (see the Makefile)"
#endif

#define SF_MAGIC "JAULASF1"
#define SF_HEADER 16     /* magic, key length, instruction count */
#define SF_KEY_MAX 65536 /* a spec naming every syscall twice fits */

/* The key: NUL-separated items in the caches' growing buffer. */
static void key_add(struct jaula_cf_wbuf *k, const char *s)
{
        jaula_cf_put(k, s, strlen(s) + 1); /* the NUL separates items */
}

static void key_list(struct jaula_cf_wbuf *k, const char *what, char *const *v, size_t n)
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
static int make_key(const struct jaula_seccomp_spec *sc, struct jaula_cf_wbuf *k)
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
static void file_name(const struct jaula_cf_wbuf *k, char *buf, size_t size)
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

/* The cached program for key K in DFD/NAME, or -ESTALE/-errno. */
static int cache_read(int dfd, const char *name, const struct jaula_cf_wbuf *k,
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
        r = jaula_cf_read_all(fd, buf, size);
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

/* A host whose policy changes often (or a test suite) would otherwise
 * fill /run with filters nobody loads any more: the 64 newest stay.  The
 * policy cache's pruning sweeps the temporary files of the directory. */
static const struct jaula_cf_prune filter_files = {
        .prefix = "sf-",
        .suffix = ".bpf",
        .max_name = 40,
        .keep = 64,
};

/* Best effort: a login whose cache cannot be written still gets its
 * filter, compiled.  True when the file is in place. */
static bool cache_write(int dfd, const char *name, const struct jaula_cf_wbuf *k,
                        const struct jaula_seccomp_prog *prog)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = SF_HEADER + pad8(k->n) + prog->n * sizeof *prog->insns;
        uint32_t key_len = (uint32_t) k->n, n = (uint32_t) prog->n;

        buf = calloc(1, size);
        if (!buf)
                return false;
        memcpy(buf, SF_MAGIC, 8);
        memcpy(buf + 8, &key_len, 4);
        memcpy(buf + 12, &n, 4);
        memcpy(buf + SF_HEADER, k->p, k->n);
        memcpy(buf + SF_HEADER + pad8(k->n), prog->insns, prog->n * sizeof *prog->insns);

        /* A reader sees the old file or the new one, never half of one. */
        if (jaula_cf_write_atomic(dfd, name, buf, size) < 0)
                return false;
        jaula_cf_prune(dfd, name, &filter_files);
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
        r = jaula_cf_read_all(fd, insns, n * sizeof *insns);
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
        struct jaula_cf_wbuf k = { .first_cap = 512 };
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
                dfd = jaula_cf_open_dir(cache_dir, true, -EPERM);
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
