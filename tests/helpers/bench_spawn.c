/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench_spawn.c — create many per-user jails one after the other and time
 * each login (bench/scale.sh).  Needs root.
 *
 *   bench_spawn JAILSH FIRST_UID GID COUNT CMD
 *
 * For i = 0 … COUNT-1: fork; the child becomes uid FIRST_UID+i (groups:
 * GID alone), with stdin and stdout on /dev/null and stderr inherited,
 * and execs JAILSH -c CMD as that user's login would; the parent waits.
 * One line per login on stdout, written as soon as it ends:
 *   INDEX UID MILLISECONDS STATUS CPU_MILLISECONDS
 * (STATUS: the exit status, or 128+signal).  The clock runs from just
 * before fork to just after wait4, so a line is the whole login as its
 * caller sees it; CPU is the user + system time of jailsh and the
 * descendants it waited for (not the jail's monitor and holder, which
 * are detached), from wait4's rusage — steadier than the wall clock on a
 * loaded machine.  Stops after 10 failures in a row (exit 1). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int parse_u(const char *s, unsigned long max, unsigned long *ret)
{
        char *end;

        errno = 0;
        *ret = strtoul(s, &end, 10);
        return errno || end == s || *end || *ret > max ? -EINVAL : 0;
}

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
        unsigned long uid0, gid, count;
        int fails = 0;

        if (argc != 6 || argv[1][0] != '/' || parse_u(argv[2], 0xfffffffeUL, &uid0) < 0 ||
            parse_u(argv[3], 0xfffffffeUL, &gid) < 0 || parse_u(argv[4], 1000000, &count) < 0 ||
            uid0 + count > 0xfffffffeUL) {
                fprintf(stderr, "usage: bench_spawn /PATH/JAILSH FIRST_UID GID COUNT CMD\n");
                return 2;
        }
        for (unsigned long i = 0; i < count; i++) {
                uid_t uid = (uid_t) (uid0 + i);
                double t0 = now_ms(), t1;
                struct rusage ru;
                int status, code;
                pid_t pid = fork();

                if (pid < 0) {
                        perror("bench_spawn: fork");
                        return 1;
                }
                if (pid == 0) {
                        gid_t g = (gid_t) gid;
                        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
                        char *args[] = { (char *) "jailsh", (char *) "-c", argv[5], NULL };

                        if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || setgroups(1, &g) < 0 ||
                            setresgid(g, g, g) < 0 || setresuid(uid, uid, uid) < 0)
                                _exit(125);
                        execv(argv[1], args);
                        _exit(127);
                }
                while (wait4(pid, &status, 0, &ru) < 0)
                        if (errno != EINTR) {
                                perror("bench_spawn: wait4");
                                return 1;
                        }
                t1 = now_ms();
                code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                printf("%lu %u %.3f %d %.3f\n", i + 1, (unsigned) uid, t1 - t0, code,
                       (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                               (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
                fflush(stdout);
                fails = code ? fails + 1 : 0;
                if (fails >= 10) {
                        fprintf(stderr, "bench_spawn: 10 failed logins in a row, stopping\n");
                        return 1;
                }
        }
        return 0;
}
