/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench_pty.c — run a command on a fresh pty, as sshd runs a login shell
 * (bench/pty.sh).  Needs nothing special.
 *
 *   bench_pty CMD [ARG…]
 *
 * Opens a pty pair on the host's devpts; the child starts a session,
 * makes the slave its controlling terminal and stdio, and execs CMD; the
 * parent reads (and drops) everything from the master until the slave is
 * closed by every process, then reaps the child and exits with its
 * status.  Unlike script(1) it has no timers of its own, so a login's
 * cost shows as it is. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        char buf[65536];
        int master, slave, status;
        pid_t pid;

        if (argc < 2) {
                fprintf(stderr, "usage: bench_pty CMD [ARG...]\n");
                return 2;
        }
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
                perror("bench_pty: pty");
                return 1;
        }
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0) {
                perror("bench_pty: TIOCGPTPEER");
                return 1;
        }
        pid = fork();
        if (pid < 0) {
                perror("bench_pty: fork");
                return 1;
        }
        if (pid == 0) {
                if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 ||
                    dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
                        _exit(127);
                if (slave > 2)
                        close(slave);
                execvp(argv[1], argv + 1);
                _exit(127);
        }
        close(slave);
        /* EIO on the master: no process holds the slave any more. */
        for (;;) {
                ssize_t n = read(master, buf, sizeof buf);

                if (n > 0)
                        continue;
                if (n < 0 && errno == EINTR)
                        continue;
                break;
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
