/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pty_fill — open pty masters until the kernel refuses one (t-24).
 *
 *   pty_fill [PTMX [HOLD_SECONDS]]
 *
 * Opens PTMX (default /dev/ptmx) again and again, at most 65536 times,
 * and prints "opened N: REASON" (REASON is the errno text of the refusal,
 * or "limit" when it never came).  With HOLD_SECONDS it then prints
 * "holding", keeps them all open for that long and prints "released".
 * Raises its soft fd limit to the hard one first, so the count is the
 * pty limit's and not RLIMIT_NOFILE's where the hard limit allows. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        const char *ptmx = argc > 1 ? argv[1] : "/dev/ptmx";
        unsigned hold = argc > 2 ? (unsigned) strtoul(argv[2], NULL, 10) : 0;
        const char *why = "limit";
        struct rlimit rl;
        int n = 0;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        for (; n < 65536; n++) {
                int fd = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);

                if (fd < 0) {
                        why = strerror(errno);
                        break;
                }
        }
        printf("opened %d: %s\n", n, why);
        if (hold) {
                printf("holding\n");
                fflush(stdout);
                sleep(hold);
                printf("released\n");
        }
        return 0;
}
