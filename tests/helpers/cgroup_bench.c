/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup_bench.c — what cgroups add to one jail's life, timed per phase
 * (bench/cgroup.sh runs it).  Needs root.
 *
 *   cgroup_bench -p PATH [-n N] [-l K=V]... [-G K=V]... [-s]
 *
 * Each iteration: create (group reused: a sibling jail keeps the group node
 * alive, as on a busy host; -s: no sibling, the group node comes and goes),
 * fork a child that attaches itself and exits, wait, destroy.  The baseline
 * is the same fork/exit/wait without cgroups.  Prints the median and the
 * 90th percentile of each phase in microseconds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "jaula/cgroup.h"

enum { P_DETECT, P_CREATE, P_ATTACH, P_FORK_ATTACH, P_FORK, P_DESTROY, P_N };
static const char *phase_names[P_N] = { "detect (mountinfo, v1)",       "create + limits",
                                        "attach (in the child)",    "fork+attach+exit+wait",
                                        "fork+exit+wait (baseline)", "destroy" };
static double attach_us;

static double now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static int set_limit(struct jaula_limits *l, const char *kv)
{
        long long v = strtoll(strchr(kv, '=') ? strchr(kv, '=') + 1 : "x", NULL, 10);

        if (!strncmp(kv, "mem=", 4))
                l->memory_max = v << 20; /* MiB */
        else if (!strncmp(kv, "swap=", 5))
                l->swap_max = v << 20;
        else if (!strncmp(kv, "quota=", 6))
                l->cpu_quota_us = v, l->cpu_period_us = 100000;
        else if (!strncmp(kv, "weight=", 7))
                l->cpu_weight = v;
        else if (!strncmp(kv, "pids=", 5))
                l->pids_max = v;
        else if (!strncmp(kv, "io=", 3))
                l->io_weight = v;
        else
                return -1;
        return 0;
}

/* The child times its own attach and reports it through a pipe. */
static double fork_wait(struct jaula_cgroup *cg)
{
        double t = now_us(), a = 0;
        int fds[2];
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                double s = now_us();
                int r = cg ? jaula_cgroup_attach(cg, 0) : 0;

                s = now_us() - s;
                if (write(fds[1], &s, sizeof s) != sizeof s)
                        _exit(1);
                _exit(r < 0);
        }
        close(fds[1]);
        if (read(fds[0], &a, sizeof a) != sizeof a)
                a = -1;
        close(fds[0]);
        waitpid(pid, NULL, 0);
        attach_us = a;
        return now_us() - t;
}

int main(int argc, char **argv)
{
        struct jaula_spec spec = { 0 };
        struct jaula_err err = { 0 };
        struct jaula_limits none = { -1, -1, -1, -1, -1, -1, -1 };
        bool sibling = true;
        int n = 1000, opt;
        double *t[P_N];
        struct jaula_cgroup *keep = NULL;

        spec.limits = spec.group_limits = none;
        spec.group_name = "bench";
        while ((opt = getopt(argc, argv, "p:n:l:G:s")) != -1) {
                if (opt == 'p')
                        spec.cgroup_path = optarg;
                else if (opt == 'n')
                        n = atoi(optarg);
                else if (opt == 'l' && set_limit(&spec.limits, optarg) == 0)
                        ;
                else if (opt == 'G' && set_limit(&spec.group_limits, optarg) == 0)
                        ;
                else if (opt == 's')
                        sibling = false;
                else {
                        fprintf(stderr, "usage: cgroup_bench -p jaula-PATH [-n N] [-l K=V] [-G K=V] [-s]\n");
                        return 2;
                }
        }
        if (!spec.cgroup_path || strncmp(spec.cgroup_path, "jaula", 5) != 0 || n < 1) {
                fprintf(stderr, "cgroup_bench: -p PATH starting with 'jaula' is required\n");
                return 2;
        }
        for (int p = 0; p < P_N; p++)
                t[p] = calloc(n, sizeof(double));
        if (sibling && jaula_cgroup_create(&spec, "sibling", &keep, &err) < 0) {
                fprintf(stderr, "cgroup_bench: %s\n", err.msg);
                return 1;
        }
        for (int i = 0; i < n; i++) {
                struct jaula_cg_layout lay;
                struct jaula_cgroup *cg = NULL;
                double a;
                int r;

                /* Uncached, as the first call of a login process pays it. */
                a = now_us();
                {
                        FILE *f = fopen("/proc/self/mountinfo", "re");

                        if (f) {
                                jaula_cg_parse_mountinfo(f, &lay);
                                fclose(f);
                        }
                }
                t[P_DETECT][i] = now_us() - a;

                a = now_us();
                r = jaula_cgroup_create(&spec, "j", &cg, &err);
                t[P_CREATE][i] = now_us() - a;
                if (r < 0) {
                        fprintf(stderr, "cgroup_bench: %s\n", err.msg);
                        break;
                }
                t[P_FORK_ATTACH][i] = fork_wait(cg);
                t[P_ATTACH][i] = attach_us;
                t[P_FORK][i] = fork_wait(NULL);
                jaula_cgroup_free(cg);
                a = now_us();
                r = jaula_cgroup_destroy(&spec, "j");
                t[P_DESTROY][i] = now_us() - a;
                if (r < 0) {
                        fprintf(stderr, "cgroup_bench: destroy: %s\n", strerror(-r));
                        break;
                }
        }
        jaula_cgroup_free(keep);
        if (sibling)
                jaula_cgroup_destroy(&spec, "sibling");

        printf("mode %s, %d iterations, group node %s\n",
               jaula_cgroup_mode_name(jaula_cgroup_detect(NULL)), n,
               sibling ? "reused (a sibling jail keeps it)" : "created and removed each time");
        printf("%-28s %10s %10s\n", "phase", "median us", "p90 us");
        for (int p = 0; p < P_N; p++) {
                qsort(t[p], n, sizeof(double), cmp);
                printf("%-28s %10.1f %10.1f\n", phase_names[p], t[p][n / 2], t[p][n * 9 / 10]);
        }
        printf("%-28s %10.1f\n", "added on login (create+attach)",
               t[P_CREATE][n / 2] + t[P_FORK_ATTACH][n / 2] - t[P_FORK][n / 2]);
        printf("%-28s %10.1f\n", "added per jail (+ destroy)",
               t[P_CREATE][n / 2] + t[P_FORK_ATTACH][n / 2] - t[P_FORK][n / 2] +
                       t[P_DESTROY][n / 2]);
        return 0;
}
