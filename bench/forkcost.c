/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/forkcost.c — what this machine charges for a process: fork+exit
 * (and reap) of this small program, and fork+exec of /bin/true (and reap),
 * timed N times each, interleaved.  Printed beside the login benchmarks so
 * a reader can judge their absolute numbers.  Any user; never installed.
 *
 *   forkcost [N]      prints "fork_exit MEDIAN MEAN" and "fork_exec MEDIAN MEAN" in ms */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

static double one(int do_exec)
{
        double t0 = now();
        pid_t pid = fork();

        if (pid < 0) {
                perror("forkcost: fork");
                exit(1);
        }
        if (pid == 0) {
                if (do_exec)
                        execl("/bin/true", "true", (char *) NULL);
                _exit(0);
        }
        if (waitpid(pid, NULL, 0) < 0) {
                perror("forkcost: waitpid");
                exit(1);
        }
        return now() - t0;
}

static void report(const char *name, double *v, int n)
{
        double sum = 0;

        for (int i = 0; i < n; i++)
                sum += v[i];
        qsort(v, (size_t) n, sizeof *v, cmp);
        printf("%s %.3f %.3f\n", name, n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, sum / n);
}

int main(int argc, char **argv)
{
        int n = argc > 1 ? atoi(argv[1]) : 200;
        double *fe, *fx;

        if (n < 1 || n > 100000)
                n = 200;
        fe = calloc((size_t) n, sizeof *fe);
        fx = calloc((size_t) n, sizeof *fx);
        if (!fe || !fx)
                return 1;
        for (int i = 0; i < 5; i++)
                one(i & 1);
        for (int i = 0; i < n; i++) {
                fe[i] = one(0);
                fx[i] = one(1);
        }
        report("fork_exit", fe, n);
        report("fork_exec", fx, n);
        return 0;
}
