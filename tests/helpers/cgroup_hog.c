/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup_hog.c — workloads for the cgroup tests.  No privilege needed.
 *
 *   cgroup_hog mem MB           allocate and touch MB MiB, 1 MiB at a time,
 *                               then print "allocated=MB"
 *   cgroup_hog spin SECS        burn one CPU for SECS seconds of wall time
 *   cgroup_hog hold N SECS      fork N children that sleep, print "forked=K"
 *                               (K < N when fork fails), keep them SECS
 *                               seconds, then kill them and exit
 *   cgroup_hog write FILE TEXT  write TEXT to FILE; print "FILE: OK" or
 *                               "FILE: ERRNO-NAME" (the escape test) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int mem(long mb)
{
        long i;

        for (i = 0; i < mb; i++) {
                char *p = malloc(1 << 20);

                if (!p)
                        break;
                memset(p, (int) i | 1, 1 << 20);
        }
        printf("allocated=%ld\n", i);
        return i == mb ? 0 : 1;
}

static int spin(double secs)
{
        double end = now() + secs;
        volatile unsigned long x = 0;

        while (now() < end)
                for (int i = 0; i < 100000; i++)
                        x++;
        return 0;
}

static int hold(int n, double secs)
{
        pid_t *kids = calloc(n > 0 ? n : 1, sizeof *kids);
        int k = 0;

        for (int i = 0; i < n; i++) {
                pid_t pid = fork();

                if (pid < 0)
                        break;
                if (pid == 0) {
                        for (;;)
                                pause();
                }
                kids[k++] = pid;
        }
        printf("forked=%d\n", k);
        fflush(stdout);
        if (secs > 0)
                usleep((useconds_t) (secs * 1e6));
        for (int i = 0; i < k; i++) {
                kill(kids[i], SIGKILL);
                waitpid(kids[i], NULL, 0);
        }
        return 0;
}

static int write_file(const char *file, const char *text)
{
        int fd = open(file, O_WRONLY | O_CLOEXEC);
        ssize_t n = -1;

        if (fd >= 0) {
                n = write(fd, text, strlen(text));
                if (n < 0)
                        n = -errno;
                close(fd);
        } else {
                n = -errno;
        }
        printf("%s: %s\n", file, n >= 0 ? "OK" : strerrorname_np((int) -n));
        return n < 0;
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc == 3 && strcmp(argv[1], "mem") == 0)
                return mem(atol(argv[2]));
        if (argc == 3 && strcmp(argv[1], "spin") == 0)
                return spin(atof(argv[2]));
        if (argc == 4 && strcmp(argv[1], "hold") == 0)
                return hold(atoi(argv[2]), atof(argv[3]));
        if (argc == 4 && strcmp(argv[1], "write") == 0)
                return write_file(argv[2], argv[3]);
        fprintf(stderr, "usage: cgroup_hog mem MB | spin SECS | hold N SECS | write FILE TEXT\n");
        return 2;
}
