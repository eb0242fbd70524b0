/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench_users.c — add and remove a batch of throwaway users for the scale
 * benchmark (bench/scale.sh).  Needs root.
 *
 *   bench_users add PREFIX FIRST_UID COUNT GID HOME_PARENT
 *   bench_users del PREFIX
 *
 * add appends PREFIX1 … PREFIXCOUNT (uids FIRST_UID…, primary group GID,
 * shell /bin/sh, no password: "*" in passwd, no shadow entry) to
 * /etc/passwd and creates each home HOME_PARENT/NAME owned by the user.
 * del removes every passwd and shadow line whose name is PREFIX followed
 * by digits.  PREFIX must start with "jaula".
 *
 * Why not newusers/userdel: measured here, newusers hashes every password
 * (yescrypt, ~200 ms a user: 200 s for 1000) and userdel costs ~360 ms a
 * user (fsyncs, nscd/sss_cache execs): 10 minutes for 1000 users, more than
 * the whole benchmark.  This does one rewrite per file instead, under
 * lckpwdf() — the lock shadow-utils (useradd, userdel, newusers, vipw)
 * take before touching these files — and replaces each file atomically
 * (temp file with the same owner and mode, fsync, rename). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <shadow.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t cap = 0, len = 0, n;

        if (!f)
                return NULL;
        for (;;) {
                if (cap - len < 65536) {
                        char *nb = realloc(buf, cap + 65536 + 1);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                return NULL;
                        }
                        buf = nb;
                        cap += 65536;
                }
                n = fread(buf + len, 1, cap - len, f);
                len += n;
                if (n == 0)
                        break;
        }
        fclose(f);
        buf[len] = 0;
        *ret_len = len;
        return buf;
}

/* Replace path by the given text, keeping its owner and mode. */
static int replace_file(const char *path, const char *text, size_t len)
{
        char tmp[256];
        struct stat st;
        int fd;

        if (stat(path, &st) < 0)
                return -errno;
        snprintf(tmp, sizeof tmp, "%s.jaula-bench.tmp", path);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (fchown(fd, st.st_uid, st.st_gid) < 0 || fchmod(fd, st.st_mode & 07777) < 0 ||
            write(fd, text, len) != (ssize_t) len || fsync(fd) < 0) {
                int r = -errno;
                close(fd);
                unlink(tmp);
                return r ? r : -EIO;
        }
        close(fd);
        if (rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

static bool is_ours(const char *line, const char *prefix)
{
        size_t pl = strlen(prefix);
        const char *p = line + pl;

        if (strncmp(line, prefix, pl) != 0 || *p < '0' || *p > '9')
                return false;
        while (*p >= '0' && *p <= '9')
                p++;
        return *p == ':';
}

/* Drop our lines from path (a missing file is fine). */
static int filter_file(const char *path, const char *prefix, unsigned *ret_removed)
{
        size_t len, out = 0;
        char *buf = slurp(path, &len), *res, *line, *next;
        int r;

        *ret_removed = 0;
        if (!buf)
                return errno == ENOENT ? 0 : -errno;
        res = malloc(len + 1);
        if (!res) {
                free(buf);
                return -ENOMEM;
        }
        for (line = buf; *line; line = next) {
                char *nl = strchr(line, '\n');
                size_t l = nl ? (size_t) (nl - line + 1) : strlen(line);

                next = line + l;
                if (is_ours(line, prefix)) {
                        (*ret_removed)++;
                        continue;
                }
                memcpy(res + out, line, l);
                out += l;
        }
        r = *ret_removed ? replace_file(path, res, out) : 0;
        free(buf);
        free(res);
        return r;
}

static int parse_ul(const char *s, unsigned long max, unsigned long *ret)
{
        char *end;

        errno = 0;
        *ret = strtoul(s, &end, 10);
        return errno || end == s || *end || *ret > max ? -EINVAL : 0;
}

static int do_add(const char *prefix, unsigned long uid0, unsigned long count, unsigned long gid,
                  const char *home_parent)
{
        size_t len, extra = count * (strlen(prefix) * 2 + strlen(home_parent) + 80), off;
        char *buf = slurp("/etc/passwd", &len), *res;
        int r;

        if (!buf)
                return -errno;
        /* Nothing of ours may exist yet: no name and no uid taken. */
        for (unsigned long i = 0; i < count; i++) {
                char name[128];
                snprintf(name, sizeof name, "%s%lu", prefix, i + 1);
                if (getpwnam(name) || getpwuid((uid_t) (uid0 + i))) {
                        fprintf(stderr, "bench_users: user %s or uid %lu exists\n", name, uid0 + i);
                        free(buf);
                        return -EEXIST;
                }
        }
        res = malloc(len + extra + 2);
        if (!res) {
                free(buf);
                return -ENOMEM;
        }
        memcpy(res, buf, len);
        off = len;
        if (off > 0 && res[off - 1] != '\n')
                res[off++] = '\n';
        for (unsigned long i = 0; i < count; i++)
                off += (size_t) sprintf(res + off, "%s%lu:*:%lu:%lu:jaula bench:%s/%s%lu:/bin/sh\n",
                                        prefix, i + 1, uid0 + i, gid, home_parent, prefix, i + 1);
        r = replace_file("/etc/passwd", res, off);
        free(buf);
        free(res);
        if (r < 0)
                return r;
        for (unsigned long i = 0; i < count; i++) {
                char home[512];
                snprintf(home, sizeof home, "%s/%s%lu", home_parent, prefix, i + 1);
                if ((mkdir(home, 0755) < 0 && errno != EEXIST) ||
                    chown(home, (uid_t) (uid0 + i), (gid_t) gid) < 0)
                        return -errno;
        }
        return 0;
}

int main(int argc, char **argv)
{
        unsigned long uid0, count, gid;
        unsigned removed;
        int r;

        if (argc >= 3 && strncmp(argv[2], "jaula", 5) != 0) {
                fprintf(stderr, "bench_users: PREFIX must start with 'jaula'\n");
                return 2;
        }
        if (argc == 7 && !strcmp(argv[1], "add")) {
                if (parse_ul(argv[3], 0xfffffffeUL, &uid0) < 0 || parse_ul(argv[4], 100000, &count) < 0 ||
                    parse_ul(argv[5], 0xfffffffeUL, &gid) < 0 || argv[6][0] != '/') {
                        fprintf(stderr, "bench_users: bad arguments\n");
                        return 2;
                }
                if (lckpwdf() < 0) {
                        perror("bench_users: lckpwdf");
                        return 1;
                }
                r = do_add(argv[2], uid0, count, gid, argv[6]);
                ulckpwdf();
                if (r < 0) {
                        fprintf(stderr, "bench_users add: %s\n", strerror(-r));
                        return 1;
                }
                return 0;
        }
        if (argc == 3 && !strcmp(argv[1], "del")) {
                unsigned n_sh = 0;

                if (lckpwdf() < 0) {
                        perror("bench_users: lckpwdf");
                        return 1;
                }
                r = filter_file("/etc/passwd", argv[2], &removed);
                if (r >= 0)
                        r = filter_file("/etc/shadow", argv[2], &n_sh);
                ulckpwdf();
                if (r < 0) {
                        fprintf(stderr, "bench_users del: %s\n", strerror(-r));
                        return 1;
                }
                printf("%u\n", removed);
                return 0;
        }
        fprintf(stderr, "usage: bench_users add PREFIX FIRST_UID COUNT GID HOME_PARENT\n"
                        "       bench_users del PREFIX\n");
        return 2;
}
