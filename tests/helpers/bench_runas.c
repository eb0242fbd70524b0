/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench_runas.c — the one runner every command of the cold-login benchmark
 * goes through (bench/cold.sh), so that its cost is the same for jailsh
 * and for the peers and cancels out.  Needs root.
 *
 *   bench_runas UID GID CMD [ARG…]
 *
 * Sets the supplementary groups to GID alone, then real/effective/saved
 * gid and uid, and execs CMD (an absolute path; no PATH search, no NSS, no
 * shell).  UID 0 GID 0 changes nothing but is the same work: the peers
 * that need root run through it too.  A setuid CMD (jailsh) keeps its
 * setuid behaviour because nothing here sets no_new_privs. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_id(const char *s, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v > 0xfffffffeUL)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

int main(int argc, char **argv)
{
        unsigned uid, gid;
        gid_t g;

        if (argc < 4 || parse_id(argv[1], &uid) < 0 || parse_id(argv[2], &gid) < 0 ||
            argv[3][0] != '/') {
                fprintf(stderr, "usage: bench_runas UID GID /PATH/CMD [ARG...]\n");
                return 2;
        }
        g = (gid_t) gid;
        if (setgroups(1, &g) < 0 || setresgid(g, g, g) < 0 ||
            setresuid((uid_t) uid, (uid_t) uid, (uid_t) uid) < 0) {
                fprintf(stderr, "bench_runas: cannot become %u:%u: %s\n", uid, gid, strerror(errno));
                return 2;
        }
        execv(argv[3], argv + 3);
        fprintf(stderr, "bench_runas: %s: %s\n", argv[3], strerror(errno));
        return 127;
}
