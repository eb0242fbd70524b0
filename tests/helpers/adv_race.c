/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* adv_race.c — test helper: swap two paths back and forth with
 * renameat2(RENAME_EXCHANGE) for a while, as fast as possible (t-72: a
 * home directory that is a symlink for every other instant).  Runs as the
 * user who owns both; prints the number of swaps.
 *
 *   adv_race A B MILLISECONDS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static long long now_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
        long long end, n = 0;

        if (argc != 4) {
                fprintf(stderr, "usage: adv_race A B MILLISECONDS\n");
                return 2;
        }
        end = now_ms() + atoll(argv[3]);
        while (now_ms() < end) {
                for (int i = 0; i < 100; i++) {
                        if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2],
                                    RENAME_EXCHANGE) < 0) {
                                perror("renameat2");
                                return 1;
                        }
                        n++;
                }
        }
        /* An even count leaves both where they started. */
        if (n % 2)
                syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE);
        printf("%lld\n", n);
        return 0;
}
