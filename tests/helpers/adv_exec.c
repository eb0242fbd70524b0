/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* adv_exec.c — test helper: exec a program the way a hostile caller of a
 * setuid binary might (t-71).  No privilege needed.
 *
 *   adv_exec [--argc0] [--argv0 S] [--rlimit NAME=N]... [--close FD]...
 *            PROG [ARGS...]
 *
 * --argc0     execve with an empty argv (the kernel then supplies "")
 * --argv0 S   argv[0] is S instead of PROG
 * --rlimit    set a resource limit first: nofile, nproc, fsize, as, cpu,
 *             core, stack (soft and hard)
 * --close FD  close FD first (0, 1, 2 …) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

extern char **environ;

static int rlimit_by_name(const char *n)
{
        static const struct {
                const char *name;
                int res;
        } t[] = { { "nofile", RLIMIT_NOFILE }, { "nproc", RLIMIT_NPROC }, { "fsize", RLIMIT_FSIZE },
                  { "as", RLIMIT_AS },         { "cpu", RLIMIT_CPU },     { "core", RLIMIT_CORE },
                  { "stack", RLIMIT_STACK } };

        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
                if (!strcmp(n, t[i].name))
                        return t[i].res;
        return -1;
}

int main(int argc, char **argv)
{
        const char *argv0 = NULL;
        bool argc0 = false;
        int i = 1;

        for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
                if (!strcmp(argv[i], "--argc0"))
                        argc0 = true;
                else if (!strcmp(argv[i], "--argv0") && i + 1 < argc)
                        argv0 = argv[++i];
                else if (!strcmp(argv[i], "--close") && i + 1 < argc)
                        close(atoi(argv[++i]));
                else if (!strcmp(argv[i], "--rlimit") && i + 1 < argc) {
                        char name[32];
                        const char *eq = strchr(argv[++i], '=');
                        struct rlimit rl;
                        int res;

                        if (!eq || (size_t) (eq - argv[i]) >= sizeof name)
                                return 2;
                        snprintf(name, sizeof name, "%.*s", (int) (eq - argv[i]), argv[i]);
                        res = rlimit_by_name(name);
                        if (res < 0)
                                return 2;
                        rl.rlim_cur = rl.rlim_max = strtoull(eq + 1, NULL, 10);
                        if (setrlimit(res, &rl) < 0) {
                                perror("setrlimit");
                                return 2;
                        }
                } else
                        return 2;
        }
        if (i >= argc) {
                fprintf(stderr, "usage: adv_exec [--argc0] [--argv0 S] [--rlimit N=V] [--close FD] PROG [ARGS]\n");
                return 2;
        }
        {
                const char *prog = argv[i];
                char *none[] = { NULL };

                if (argc0)
                        execve(prog, none, environ);
                if (argv0)
                        argv[i] = (char *) argv0;
                execve(prog, argv + i, environ);
                perror("execve");
        }
        return 127;
}
