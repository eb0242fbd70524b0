/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench.c — time what every login pays for the policy: load (open, owner
 * checks, drop-in scan, parse, validate), NSS lookup of the user, resolve,
 * free.  Not a test: prints figures.
 * Usage: bench POLICY USER N CACHE_DIR
 * Runs N logins parsing the policy (no cache), then N logins with the
 * validated cache in CACHE_DIR, the way pam_jaula and jailsh load it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jaula/log.h"
#include "jaula/policy.h"
#include "jaula/spec.h"

static double now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

/* CPU time of this process: on a busy machine the wall clock measures the
 * neighbours as much as us. */
static double cpu_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
        double sum = 0;

        for (int i = 0; i < n; i++)
                sum += v[i];
        qsort(v, (size_t) n, sizeof *v, cmp_double);
        printf("%-28s mean %8.1f us   p50 %8.1f us   p99 %8.1f us   (n=%d)\n", what, sum / n,
               v[n / 2], v[(int) (n * 0.99)], n);
}

static int run(const char *label, const char *policy, const char *user, int n,
               const char *cache, unsigned flags, int want_cached);

int main(int argc, char **argv)
{
        int n = argc > 3 ? (int) strtol(argv[3], NULL, 10) : 0;
        struct jaula_policy *p;
        struct jaula_diags d = { 0 };

        if (argc != 5 || n <= 0) {
                fprintf(stderr, "Usage: bench POLICY USER N CACHE_DIR\n");
                return 2;
        }
        if (jaula_policy_load_ex(argv[1], "", 0, &p, &d) < 0) {
                fprintf(stderr, "bench: %s does not load (%zu errors)\n", argv[1], d.n);
                return 1;
        }
        printf("policy: %zu profiles, %zu match rules\n", jaula_policy_n_profiles(p),
               jaula_policy_n_rules(p));
        jaula_policy_free(p);
        if (run("without cache (parse)", argv[1], argv[2], n, argv[4],
                JAULA_POLICY_NO_CACHE_READ | JAULA_POLICY_NO_CACHE_WRITE, 0) < 0)
                return 1;
        /* One load to write the cache, then the measured ones read it. */
        if (jaula_policy_load_ex(argv[1], argv[4], 0, &p, NULL) < 0)
                return 1;
        jaula_policy_free(p);
        if (run("with the validated cache", argv[1], argv[2], n, argv[4], 0, 1) < 0)
                return 1;
        return 0;
}

static int run(const char *label, const char *policy, const char *user, int n,
               const char *cache, unsigned flags, int want_cached)
{
        double *t_load, *t_user, *t_resolve, *t_total;
        struct jaula_policy *p;

        t_load = calloc((size_t) n, sizeof(double));
        t_user = calloc((size_t) n, sizeof(double));
        t_resolve = calloc((size_t) n, sizeof(double));
        t_total = calloc((size_t) n, sizeof(double));
        double cpu0 = cpu_us();

        if (!t_load || !t_user || !t_resolve || !t_total)
                return -1;

        for (int i = 0; i < n; i++) {
                struct jaula_user u = { 0 };
                struct jaula_spec *s = NULL;
                struct jaula_err err = { 0 };
                double t0, t1, t2, t3;

                t0 = now_us();
                if (jaula_policy_load_ex(policy, cache, flags, &p, NULL) < 0)
                        return -1;
                t1 = now_us();
                if (jaula_policy_from_cache(p) != want_cached) {
                        fprintf(stderr, "bench: expected the policy %s the cache\n",
                                want_cached ? "from" : "not from");
                        return -1;
                }
                if (jaula_user_lookup_name(user, &u) < 0) {
                        fprintf(stderr, "bench: no user '%s'\n", user);
                        return -1;
                }
                t2 = now_us();
                if (jaula_policy_resolve(p, &u, &s, NULL, &err) != 1) {
                        fprintf(stderr, "bench: '%s' is not jailed by this policy: %s\n", user,
                                err.msg);
                        return -1;
                }
                jaula_spec_free(s);
                jaula_user_clear(&u);
                jaula_policy_free(p);
                t3 = now_us();
                t_load[i] = t1 - t0;
                t_user[i] = t2 - t1;
                t_resolve[i] = t3 - t2;
                t_total[i] = t3 - t0;
        }
        double cpu = (cpu_us() - cpu0) / n;

        printf("-- %s\n", label);
        printf("%-28s mean %8.1f us of CPU time (user + system)\n", "per login, CPU", cpu);
        report("load", t_load, n);
        report("NSS user lookup", t_user, n);
        report("resolve + free", t_resolve, n);
        report("per login, total", t_total, n);
        free(t_load);
        free(t_user);
        free(t_resolve);
        free(t_total);
        return 0;
}
