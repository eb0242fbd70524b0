/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* confine_probe.c — test helper: sets itself up the way jailsh would
 * (root, about to exec the jail's shell), calls jaula_confine with a spec
 * built from its options, then runs one probe and prints what happened,
 * one "name=RESULT" line per attempt (RESULT: ok or an errno name).
 * Needs root.  Used by tests/integration/t-2*.sh.
 *
 * confine_probe --uid U --gid G [--groups G1,G2] [--profile P]
 *               [--allow NAME]... [--deny NAME]... [--keep CAP]...
 *               [--x86] [--netns] [--ctty] [--seccomp-cache DIR] [--in-confine]
 *               PROBE [ARGS]
 * Like jailsh, it compiles the seccomp filter first (or reads it from
 * DIR, default /run/jaula-policy; "" for no cache) and hands it to
 * jaula_confine; --in-confine leaves the compiling to jaula_confine (with
 * DIR only when given).  The library's debug lines go to stdout as
 * "log=MESSAGE" (where the filter came from: compiled or the cache).
 * PROBE: status | syscalls | bind80 | int80 | int80-unshare | x32 |
 *        tiocsti | exec PROG ARGS... */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "jaula/confine.h"

#define MAX_NAMES 32

static void report(const char *name, long r)
{
        if (r >= 0)
                printf("%s=ok\n", name);
        else
                printf("%s=%s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
        fflush(stdout);
}

/* Runs FN in a child so a call that succeeds (a new namespace, say) does
 * not change the probe itself. */
static long try_clone_newuser(void)
{
        long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

        if (r == 0)
                _exit(0);
        if (r > 0)
                waitpid((pid_t) r, NULL, 0);
        return r;
}

static long try_clone3(void)
{
        struct clone_args args = { .exit_signal = SIGCHLD };
        long r = syscall(SYS_clone3, &args, sizeof args);

        if (r == 0)
                _exit(0);
        if (r > 0)
                waitpid((pid_t) r, NULL, 0);
        return r;
}

static long try_fork(void)
{
        pid_t p = fork();

        if (p == 0)
                _exit(0);
        if (p > 0)
                waitpid(p, NULL, 0);
        return p;
}

static long try_unshare_user(void)
{
        /* In a child: a successful unshare must not leak into later probes. */
        pid_t p = fork();
        int st;

        if (p == 0)
                _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
        if (p < 0 || waitpid(p, &st, 0) < 0)
                return -1;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                return 0;
        errno = WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
        return -1;
}

static long try_setns(void)
{
        int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        long r;

        if (fd < 0)
                return -1;
        r = setns(fd, CLONE_NEWNET);
        close(fd);
        return r;
}

static int probe_syscalls(void)
{
        report("unshare_user", try_unshare_user());
        report("clone_newuser", try_clone_newuser());
        report("clone3", try_clone3());
        report("fork", try_fork());
        report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
        report("umount2", umount2("/proc", MNT_DETACH));
        report("setns", try_setns());
        report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
        report("add_key", syscall(SYS_add_key, "user", "jaula", "x", 1, -3));
        report("bpf", syscall(SYS_bpf, 0, NULL, 0));
        report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
        report("ptrace", syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0));
        report("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0));
        report("userfaultfd", syscall(SYS_userfaultfd, 0));
        report("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
        report("personality_query", syscall(SYS_personality, 0xffffffffUL));
        report("chroot", chroot("/"));
        report("setuid0", setuid(0));
        report("setgid0", setgid(0));
        report("getpid", getpid());
        return 0;
}

static int probe_status(void)
{
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];

        if (!f)
                return 1;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs:", 11) == 0 ||
                    strncmp(line, "Seccomp:", 8) == 0 || strncmp(line, "Uid:", 4) == 0 ||
                    strncmp(line, "Gid:", 4) == 0 || strncmp(line, "Groups:", 7) == 0)
                        fputs(line, stdout);
        fclose(f);
        printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        return 0;
}

static int probe_bind80(void)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0) {
                report("socket", -1);
                return 1;
        }
        report("bind80", bind(fd, (struct sockaddr *) &sa, sizeof sa));
        close(fd);
        return 0;
}

#if defined(__x86_64__)
/* An i386 system call through the legacy gate: the filter sees arch
 * AUDIT_ARCH_I386 and, unless allow_x86, kills the process. */
static long int80(long nr, long a1)
{
        long ret;

        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1) : "memory");
        return ret;
}
#endif

static int probe_int80(long nr, long a1, const char *name)
{
#if defined(__x86_64__)
        long r = int80(nr, a1);

        if (r < 0 && r > -4096) {
                errno = (int) -r;
                report(name, -1);
        } else
                report(name, 0);
        return 0;
#else
        printf("%s=unsupported\n", name);
        return 0;
#endif
}

static int probe_x32(void)
{
#if defined(__x86_64__)
        /* getpid through the x32 ABI: bit 30 set on an x86_64 number. */
        long r = syscall(0x40000000L | SYS_getpid);

        report("x32_getpid", r);
#else
        printf("x32_getpid=unsupported\n");
#endif
        return 0;
}

static int probe_tiocsti(void)
{
        char c = '#';
        int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

        if (fd < 0) {
                report("open_tty", -1);
                return 1;
        }
        report("tiocsti", ioctl(fd, TIOCSTI, &c));
        /* The kernel truncates the request to 32 bits: a high bit must not
         * get the call past the filter. */
        report("tiocsti_high", syscall(SYS_ioctl, fd, (unsigned long) TIOCSTI | (1UL << 32), &c));
        report("tiocgwinsz", ioctl(fd, TIOCGWINSZ, &(struct winsize){ 0 }));
        close(fd);
        return 0;
}

/* Make a fresh pty our controlling terminal, as a login would have it:
 * TIOCSTI is only allowed on one's own controlling terminal, so this is
 * what makes the seccomp rule the thing that refuses it. */
static int make_ctty(void)
{
        int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s;

        if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
                return -1;
        if (setsid() < 0)
                return -1;
        s = open(ptsname(m), O_RDWR | O_CLOEXEC);
        if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
                return -1;
        /* the master stays open (leaked on purpose) for the probe's life */
        return 0;
}

static void log_to_stdout(int prio, const char *msg, void *userdata)
{
        printf("log=%s\n", msg);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "uid", required_argument, NULL, 'u' },    { "gid", required_argument, NULL, 'g' },
                { "groups", required_argument, NULL, 'G' }, { "profile", required_argument, NULL, 'p' },
                { "allow", required_argument, NULL, 'a' },  { "deny", required_argument, NULL, 'd' },
                { "keep", required_argument, NULL, 'k' },   { "x86", no_argument, NULL, 'x' },
                { "netns", no_argument, NULL, 'n' },        { "ctty", no_argument, NULL, 't' },
                { "seccomp-cache", required_argument, NULL, 'C' },
                { "in-confine", no_argument, NULL, 'I' },
                {},
        };
        char *allow[MAX_NAMES + 1] = { 0 }, *deny[MAX_NAMES + 1] = { 0 };
        gid_t gids[MAX_NAMES];
        struct jaula_spec spec = { 0 };
        struct jaula_err err = { 0 };
        struct jaula_seccomp_prog prog = { 0 };
        bool netns = false, ctty = false, in_confine = false;
        const char *probe;
        int c, r;

        spec.user.name = "jaula-probe";
        spec.seccomp.profile = "default";
        spec.seccomp.allow = allow;
        spec.seccomp.deny = deny;
        spec.user.gids = gids;
        while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
                switch (c) {
                case 'u':
                        spec.user.uid = (uid_t) strtoul(optarg, NULL, 10);
                        break;
                case 'g':
                        spec.user.gid = (gid_t) strtoul(optarg, NULL, 10);
                        break;
                case 'G':
                        for (char *t = strtok(optarg, ","); t && spec.user.n_gids < MAX_NAMES;
                             t = strtok(NULL, ","))
                                gids[spec.user.n_gids++] = (gid_t) strtoul(t, NULL, 10);
                        break;
                case 'p':
                        spec.seccomp.profile = optarg;
                        break;
                case 'a':
                        if (spec.seccomp.n_allow < MAX_NAMES)
                                allow[spec.seccomp.n_allow++] = optarg;
                        break;
                case 'd':
                        if (spec.seccomp.n_deny < MAX_NAMES)
                                deny[spec.seccomp.n_deny++] = optarg;
                        break;
                case 'k':
                        r = jaula_caps_from_name(optarg);
                        if (r < 0) {
                                fprintf(stderr, "confine_probe: bad capability '%s'\n", optarg);
                                return 2;
                        }
                        spec.caps_keep |= UINT64_C(1) << r;
                        break;
                case 'x':
                        spec.seccomp.allow_x86 = true;
                        break;
                case 'C':
                        spec.seccomp.cache_dir = optarg;
                        break;
                case 'I':
                        in_confine = true;
                        break;
                case 'n':
                        netns = true;
                        break;
                case 't':
                        ctty = true;
                        break;
                default:
                        return 2;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "confine_probe: no probe given\n");
                return 2;
        }
        probe = argv[optind];

        /* What jailsh has done by now: undumpable while privileged, inside
         * the jail's namespaces. */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (netns && unshare(CLONE_NEWNET) < 0) {
                perror("confine_probe: unshare(CLONE_NEWNET)");
                return 2;
        }
        if (ctty && make_ctty() < 0) {
                perror("confine_probe: controlling tty");
                return 2;
        }

        jaula_log_set_sink(log_to_stdout, NULL);
        jaula_log_set_level(LOG_DEBUG);
        r = 0;
        if (!in_confine && !jaula_seccomp_is_empty(&spec.seccomp)) {
                r = jaula_seccomp_compile(&spec.seccomp, spec.seccomp.cache_dir, &prog, NULL, &err);
                spec.seccomp.compiled = &prog;
        }
        if (r == 0)
                r = jaula_confine(&spec, &err);
        printf("confine=%s\n", r < 0 ? strerrorname_np(-r) : "ok");
        if (r < 0) {
                printf("confine_error=%s\n", err.msg);
                return 1;
        }
        fflush(stdout);

        if (strcmp(probe, "status") == 0)
                return probe_status();
        if (strcmp(probe, "syscalls") == 0)
                return probe_syscalls();
        if (strcmp(probe, "bind80") == 0)
                return probe_bind80();
        if (strcmp(probe, "int80") == 0)
                return probe_int80(20 /* i386 getpid */, 0, "int80_getpid");
        if (strcmp(probe, "int80-unshare") == 0)
                return probe_int80(310 /* i386 unshare */, CLONE_NEWUSER, "int80_unshare");
        if (strcmp(probe, "x32") == 0)
                return probe_x32();
        if (strcmp(probe, "tiocsti") == 0)
                return probe_tiocsti();
        if (strcmp(probe, "exec") == 0 && optind + 1 < argc) {
                execv(argv[optind + 1], argv + optind + 1);
                perror("confine_probe: execv");
                return 127;
        }
        fprintf(stderr, "confine_probe: unknown probe '%s'\n", probe);
        return 2;
}
