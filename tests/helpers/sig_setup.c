/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sig_setup.c — test helper (t-77): send a signal to a program while it
 * sets up, and say whether the signal ended it.  No privilege needed.
 *
 *   sig_setup SIGNAL DELAY_US PROG [ARGS...]
 *
 * Starts PROG, waits until its signal mask is no longer empty (jailsh
 * blocks every signal first thing in main; at most 50 ms, for a program
 * that never does), then DELAY_US more, sends SIGNAL, and 300 ms later
 * SIGCONT (a SIGTSTP may have stopped it).  Prints one line:
 *   exited N      PROG exited by itself with status N
 *   signaled N    PROG was killed by signal N
 * and exits 0, or 2 on a usage or system error. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* Whether pid's SigBlk line shows a non-empty mask. */
static int masked(pid_t pid)
{
        char path[64], line[256];
        int found = 0;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (!strncmp(line, "SigBlk:", 7)) {
                        found = strspn(line + 7, " \t0\n") != strlen(line + 7);
                        break;
                }
        fclose(f);
        return found;
}

int main(int argc, char **argv)
{
        int sig, status;
        long delay, start;
        pid_t pid;

        if (argc < 4 || (sig = atoi(argv[1])) <= 0 || (delay = atol(argv[2])) < 0) {
                fprintf(stderr, "usage: sig_setup SIGNAL DELAY_US PROG [ARGS...]\n");
                return 2;
        }
        pid = fork();
        if (pid < 0)
                return 2;
        if (pid == 0) {
                execvp(argv[3], argv + 3);
                _exit(127);
        }
        start = now_us();
        while (masked(pid) == 0 && now_us() - start < 50000)
                ;
        if (delay)
                usleep((useconds_t) delay);
        kill(pid, sig);
        usleep(300000);
        kill(pid, SIGCONT);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 2;
        if (WIFSIGNALED(status))
                printf("signaled %d\n", WTERMSIG(status));
        else
                printf("exited %d\n", WEXITSTATUS(status));
        return 0;
}
