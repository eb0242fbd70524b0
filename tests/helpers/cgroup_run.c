/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup_run.c — test driver for common/cgroup.c.  Needs root.
 *
 * Builds a struct jaula_spec by hand (no policy file), so the cgroup
 * facility is tested alone, before and apart from the jail core.
 *
 *   cgroup_run [OPTIONS] mode|create|open|destroy|usage|path CTRL
 *   cgroup_run [OPTIONS] run CMD [ARG...]
 *
 *   -p PATH    cgroup_path; must start with "jaula" (tests use jaula-test-*)
 *   -g GROUP   group name (default g)      -j JAIL  jail id (default j)
 *   -r ROOT    cgroup_root (default: auto-detect)
 *   -l K=V     per-jail limit; -G K=V group limit.  K: mem swap quota period
 *              weight pids io (sizes in bytes, K/M/G suffixes)
 *   -u UID     the child drops to UID:UID (no supplementary groups)
 *   -n         the child unshares its cgroup namespace after attaching
 *   -t SECS    run: destroy the jail (killing it) after SECS if still running
 *   -k         run: keep the cgroup (no destroy at the end)
 *   -o         run: open an existing jail node instead of creating it
 *   -c         run: the child is born in the jail with clone3(CLONE_INTO_CGROUP)
 *              on jaula_cgroup_fd() instead of attaching itself (v2 only:
 *              prints "clone_into=unsupported" and exits 3 on v1)
 *   -T         run: the child starts a second thread before attaching, and
 *              after attaching prints "task TID: LINE" for every line of
 *              every thread's /proc/self/task/TID/cgroup (then execs)
 *   -S         run: the same listing for a child of one thread
 *
 * run prints "exit=N" or "signal=N", then "usage mem=B pids=N cpu_usec=U"
 * measured after the child ended and before destroy, then "skipped=MASK".
 * The child is moved in by itself (jaula_cgroup_attach(cg, 0)) before exec,
 * as jailsh and the holder's parent do. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "jaula/cgroup.h"

static void unset(struct jaula_limits *l)
{
        l->memory_max = l->swap_max = l->cpu_quota_us = l->cpu_period_us = JAULA_LIMIT_UNSET;
        l->cpu_weight = l->pids_max = l->io_weight = JAULA_LIMIT_UNSET;
}

static int parse_limit(struct jaula_limits *l, const char *kv)
{
        const char *eq = strchr(kv, '=');
        char *end;
        long long v;

        if (!eq)
                return -1;
        errno = 0;
        v = strtoll(eq + 1, &end, 10);
        if (errno || end == eq + 1)
                return -1;
        switch (*end) {
        case 'G':
                v *= 1024;
                /* fallthrough */
        case 'M':
                v *= 1024;
                /* fallthrough */
        case 'K':
                v *= 1024;
                end++;
        }
        if (*end)
                return -1;
#define KEY(k) ((size_t) (eq - kv) == strlen(k) && strncmp(kv, k, strlen(k)) == 0)
        if (KEY("mem"))
                l->memory_max = v;
        else if (KEY("swap"))
                l->swap_max = v;
        else if (KEY("quota"))
                l->cpu_quota_us = v;
        else if (KEY("period"))
                l->cpu_period_us = v;
        else if (KEY("weight"))
                l->cpu_weight = v;
        else if (KEY("pids"))
                l->pids_max = v;
        else if (KEY("io"))
                l->io_weight = v;
        else
                return -1;
#undef KEY
        return 0;
}

static void usage_exit(void)
{
        fprintf(stderr, "usage: cgroup_run [-p PATH] [-g G] [-j J] [-r ROOT] [-l K=V] [-G K=V] "
                        "[-u UID] [-n] [-t SECS] [-k] [-o] mode|create|open|destroy|usage|path "
                        "CTRL|run CMD...\n");
        exit(2);
}

static void print_usage(const struct jaula_spec *spec, const char *jail)
{
        struct jaula_cgroup_usage u;
        int r = jaula_cgroup_usage(spec, jail, &u);

        if (r < 0)
                printf("usage error=%s\n", strerror(-r));
        else
                printf("usage mem=%" PRId64 " pids=%" PRId64 " cpu_usec=%" PRId64 "\n",
                       u.memory_bytes, u.pids, u.cpu_usec);
}

static void *idle_thread(void *arg)
{
        for (;;)
                pause();
        return arg;
}

/* Where every thread of the calling process is, one line per hierarchy. */
static void print_tasks(void)
{
        DIR *d = opendir("/proc/self/task");
        struct dirent *de;

        while (d && (de = readdir(d))) {
                char path[300], line[512];
                FILE *f;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof path, "/proc/self/task/%s/cgroup", de->d_name);
                f = fopen(path, "re");
                while (f && fgets(line, sizeof line, f))
                        printf("task %s: %s", de->d_name, line);
                if (f)
                        fclose(f);
        }
        if (d)
                closedir(d);
        fflush(stdout);
}

static int child(struct jaula_cgroup *cg, uid_t uid, bool newns, bool born_in, int tasks,
                 char **argv)
{
        pthread_t t;
        int r;

        if (tasks == 2 && pthread_create(&t, NULL, idle_thread, NULL) != 0) {
                fprintf(stderr, "cgroup_run: pthread_create failed\n");
                _exit(123);
        }
        r = born_in ? 0 : jaula_cgroup_attach(cg, 0);
        if (tasks)
                print_tasks();

        if (r < 0) {
                fprintf(stderr, "cgroup_run: attach: %s\n", strerror(-r));
                _exit(120);
        }
        if (newns && unshare(CLONE_NEWCGROUP) < 0) {
                perror("cgroup_run: unshare(CLONE_NEWCGROUP)");
                _exit(121);
        }
        if (uid != (uid_t) -1 &&
            (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)) {
                perror("cgroup_run: drop to uid");
                _exit(122);
        }
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        perror("cgroup_run: exec");
        _exit(127);
}

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
        struct jaula_spec spec = { 0 };
        struct jaula_err err = { 0 };
        struct jaula_cgroup *cg = NULL;
        const char *jail = "j", *cmd;
        uid_t uid = (uid_t) -1;
        bool newns = false, keep = false, reuse = false, born_in = false;
        double timeout = 0;
        int opt, r, status = 0, tasks = 0;
        pid_t pid;

        unset(&spec.limits);
        unset(&spec.group_limits);
        spec.group_name = "g";
        spec.state_dir = "/run/jaula-test";
        while ((opt = getopt(argc, argv, "+p:g:j:r:l:G:u:nt:kocTS")) != -1) {
                switch (opt) {
                case 'p':
                        spec.cgroup_path = optarg;
                        break;
                case 'g':
                        spec.group_name = optarg;
                        break;
                case 'j':
                        jail = optarg;
                        break;
                case 'r':
                        spec.cgroup_root = optarg;
                        break;
                case 'l':
                        if (parse_limit(&spec.limits, optarg) < 0)
                                usage_exit();
                        break;
                case 'G':
                        if (parse_limit(&spec.group_limits, optarg) < 0)
                                usage_exit();
                        break;
                case 'u':
                        uid = (uid_t) strtoul(optarg, NULL, 10);
                        break;
                case 'n':
                        newns = true;
                        break;
                case 't':
                        timeout = strtod(optarg, NULL);
                        break;
                case 'k':
                        keep = true;
                        break;
                case 'o':
                        reuse = true;
                        break;
                case 'c':
                        born_in = true;
                        break;
                case 'T':
                        tasks = 2;
                        break;
                case 'S':
                        tasks = 1;
                        break;
                default:
                        usage_exit();
                }
        }
        if (optind >= argc)
                usage_exit();
        cmd = argv[optind++];
        /* Never touch the host's own cgroups. */
        if (!spec.cgroup_path || strncmp(spec.cgroup_path, "jaula", 5) != 0) {
                fprintf(stderr, "cgroup_run: -p PATH starting with 'jaula' is required\n");
                return 2;
        }

        if (strcmp(cmd, "mode") == 0) {
                puts(jaula_cgroup_mode_name(jaula_cgroup_detect(spec.cgroup_root)));
                return 0;
        }
        if (strcmp(cmd, "path") == 0) {
                struct jaula_cg_layout lay;

                if (optind >= argc || jaula_cg_layout_get(spec.cgroup_root, &lay) < 0)
                        usage_exit();
                for (size_t i = 0; i < lay.n_hier; i++) {
                        bool hit = lay.mode == JAULA_CGROUP_V2;
                        const char *base = strrchr(lay.hier[i].mount, '/');

                        /* v1: the hierarchy whose directory names CTRL. */
                        for (const char *p = base ? base + 1 : ""; !hit && *p;) {
                                size_t len = strcspn(p, ",");

                                hit = len == strlen(argv[optind]) && !strncmp(p, argv[optind], len);
                                p += len + (p[len] == ',');
                        }
                        if (hit) {
                                printf("%s/%s/%s/%s\n", lay.hier[i].mount, spec.cgroup_path,
                                       spec.group_name, jail);
                                return 0;
                        }
                }
                return 1;
        }
        if (strcmp(cmd, "destroy") == 0) {
                r = jaula_cgroup_destroy(&spec, jail);
                if (r < 0)
                        fprintf(stderr, "cgroup_run: destroy: %s\n", strerror(-r));
                return r < 0;
        }
        if (strcmp(cmd, "usage") == 0) {
                print_usage(&spec, jail);
                return 0;
        }
        if (strcmp(cmd, "create") == 0 || strcmp(cmd, "open") == 0) {
                r = cmd[0] == 'c' ? jaula_cgroup_create(&spec, jail, &cg, &err)
                                  : jaula_cgroup_open(&spec, jail, &cg, &err);
                if (r < 0) {
                        fprintf(stderr, "cgroup_run: %s: %s\n", cmd, err.msg);
                        return 1;
                }
                printf("skipped=%u\n", jaula_cgroup_skipped(cg));
                jaula_cgroup_free(cg);
                return 0;
        }
        if (strcmp(cmd, "run") != 0 || optind >= argc)
                usage_exit();

        r = reuse ? jaula_cgroup_open(&spec, jail, &cg, &err)
                  : jaula_cgroup_create(&spec, jail, &cg, &err);
        if (r < 0) {
                fprintf(stderr, "cgroup_run: %s: %s\n", reuse ? "open" : "create", err.msg);
                return 1;
        }
        /* Orphans of the command (a fork bomb's) are reparented to us. */
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        fflush(stdout);
        if (born_in) {
                struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };

                if (jaula_cgroup_fd(cg) < 0) {
                        puts("clone_into=unsupported");
                        jaula_cgroup_free(cg);
                        jaula_cgroup_destroy(&spec, jail);
                        return 3;
                }
                ca.cgroup = (uint64_t) jaula_cgroup_fd(cg);
                pid = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
        } else {
                pid = fork();
        }
        if (pid < 0) {
                perror("cgroup_run: fork");
                jaula_cgroup_destroy(&spec, jail);
                return 1;
        }
        if (pid == 0)
                child(cg, uid, newns, born_in, tasks, argv + optind);

        if (timeout > 0) {
                double end = now() + timeout;

                while (waitpid(pid, &status, WNOHANG) == 0) {
                        if (now() >= end) {
                                print_usage(&spec, jail);
                                r = jaula_cgroup_destroy(&spec, jail);
                                printf("destroyed_after_timeout=%d\n", r);
                                waitpid(pid, &status, 0);
                                break;
                        }
                        usleep(10000);
                }
        } else {
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }
        if (WIFSIGNALED(status))
                printf("signal=%d\n", WTERMSIG(status));
        else
                printf("exit=%d\n", WEXITSTATUS(status));
        print_usage(&spec, jail);
        printf("skipped=%u\n", jaula_cgroup_skipped(cg));
        jaula_cgroup_free(cg);
        r = keep ? 0 : jaula_cgroup_destroy(&spec, jail);
        if (r < 0)
                printf("destroy error=%s\n", strerror(-r));
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        return r < 0;
}
