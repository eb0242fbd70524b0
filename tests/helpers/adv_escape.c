/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* adv_escape.c — test helper: escape attempts from inside a jail, run as
 * the jailed user (t-70 … t-79).  It is copied, statically linked, into a
 * test rootfs, so it uses libc only.  Each attempt prints one line
 * "name=RESULT" (RESULT: ok when the call succeeded, else the errno name;
 * some print a measured value instead).  The test decides what is right.
 *
 *   adv_escape syscalls        the kernel's escape and admin surface
 *   adv_escape chroot MARKER   chroot + saved fd + fchdir(..) escape; says
 *                              whether MARKER (a host path) became visible
 *   adv_escape ns              setns/open of the holder's namespaces, ptrace
 *                              and signals to PID 1
 *   adv_escape writes          /proc/sys, /proc/sysrq-trigger, /sys, mknod
 *   adv_escape net [IFACE]     raw sockets, address/MAC change, a forged ARP
 *   adv_escape tty             TIOCSTI, TIOCLINUX on fd 0
 *   adv_escape ids             real/effective/saved ids, caps, no_new_privs
 *   adv_escape fdlist          every open fd and what it points to
 *   adv_escape fill PATH       write PATH until it fails: bytes written
 *   adv_escape forkbomb        fork until it fails: count (children killed)
 *   adv_escape memhog MB       a child touches MB MiB: how it ended
 *   adv_escape nofile          open fds until it fails: count
 *   adv_escape killall         kill(-1, SIGKILL) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void say(const char *name, long r)
{
        if (r >= 0)
                printf("%s=ok\n", name);
        else
                printf("%s=%s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
        fflush(stdout);
}

/* Run fn in a child, so that a call that unexpectedly works (a new
 * namespace, a changed root) cannot change the probe itself. */
static void in_child(const char *name, long (*fn)(void))
{
        int p[2];
        pid_t pid;
        long r = -1;
        int e = 0;

        if (pipe(p) < 0) {
                say(name, -1);
                return;
        }
        pid = fork();
        if (pid == 0) {
                close(p[0]);
                errno = 0;
                r = fn();
                e = errno;
                if (write(p[1], &r, sizeof r) < 0 || write(p[1], &e, sizeof e) < 0)
                        _exit(1);
                _exit(0);
        }
        close(p[1]);
        if (pid < 0 || read(p[0], &r, sizeof r) != sizeof r || read(p[0], &e, sizeof e) != sizeof e) {
                r = -1;
                e = ECHILD;
        }
        close(p[0]);
        if (pid > 0)
                waitpid(pid, NULL, 0);
        errno = e;
        say(name, r);
}

static long s_unshare_user(void) { return unshare(CLONE_NEWUSER); }
static long s_unshare_user_mnt(void) { return unshare(CLONE_NEWUSER | CLONE_NEWNS); }
static long s_unshare_net(void) { return unshare(CLONE_NEWNET); }
static long s_clone_user(void)
{
        long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

        if (r == 0)
                _exit(0);
        if (r > 0)
                waitpid((pid_t) r, NULL, 0);
        return r;
}
static long s_clone3(void)
{
        /* struct clone_args with flags = CLONE_NEWUSER, exit_signal SIGCHLD */
        uint64_t args[11] = { 0 };
        long r;

        args[0] = CLONE_NEWUSER;
        args[4] = SIGCHLD;
        r = syscall(SYS_clone3, args, sizeof args);
        if (r == 0)
                _exit(0);
        if (r > 0)
                waitpid((pid_t) r, NULL, 0);
        return r;
}
static long s_mount(void) { return mount("none", "/tmp", "tmpfs", 0, NULL); }
static long s_remount(void) { return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL); }
static long s_umount_proc(void) { return umount2("/proc", MNT_DETACH); }
static long s_umount_root(void) { return umount2("/", MNT_DETACH); }
static long s_pivot(void) { return syscall(SYS_pivot_root, "/tmp", "/tmp"); }
static long s_fsopen(void) { return syscall(SYS_fsopen, "tmpfs", 0); }
static long s_open_tree(void) { return syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* CLONE */); }
static long s_move_mount(void) { return syscall(SYS_move_mount, AT_FDCWD, "/tmp", AT_FDCWD, "/mnt", 0); }
static long s_chroot(void) { return chroot("/tmp"); }
static long s_setns_self(void)
{
        int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

        return fd < 0 ? fd : setns(fd, 0);
}
static long s_keyctl(void) { return syscall(SYS_keyctl, 1 /* JOIN_SESSION_KEYRING */, "jaula-adv"); }
static long s_add_key(void) { return syscall(SYS_add_key, "user", "jaula-adv", "x", 1, -3 /* session */); }
static long s_request_key(void) { return syscall(SYS_request_key, "user", "jaula-adv", NULL, 0); }
static long s_bpf(void)
{
        char attr[128] = { 0 };

        return syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof attr);
}
static long s_perf(void)
{
        char attr[128] = { 0 };

        *(uint32_t *) (attr + 4) = 128; /* size */
        return syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
}
static long s_init_module(void) { return syscall(SYS_init_module, "", 0, ""); }
static long s_finit_module(void) { return syscall(SYS_finit_module, 0, "", 0); }
static long s_delete_module(void) { return syscall(SYS_delete_module, "loop", O_NONBLOCK); }
static long s_kexec_load(void) { return syscall(SYS_kexec_load, 0, 0, NULL, 0); }
static long s_kexec_file(void) { return syscall(SYS_kexec_file_load, -1, -1, 0, "", 0); }
static long s_open_by_handle(void)
{
        char h[64] = { 0 };

        *(unsigned *) h = 8;
        return syscall(SYS_open_by_handle_at, AT_FDCWD, h, O_RDONLY);
}
static long s_name_to_handle(void)
{
        char h[256] = { 0 };
        int mnt;

        *(unsigned *) h = 128;
        return syscall(SYS_name_to_handle_at, AT_FDCWD, "/", h, &mnt, 0);
}
static long s_userfaultfd(void) { return syscall(SYS_userfaultfd, 0); }
static long s_reboot(void) { return syscall(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc /* POWER_OFF */, NULL); }
static long s_settime(void)
{
        struct timespec t = { 0 };

        clock_gettime(CLOCK_REALTIME, &t);
        return clock_settime(CLOCK_REALTIME, &t);
}
static long s_swapon(void) { return syscall(SYS_swapon, "/tmp/nope", 0); }
static long s_iopl(void) { return syscall(SYS_iopl, 3); }
static long s_syslog(void)
{
        char b[64];

        return syscall(SYS_syslog, 3 /* READ_ALL */, b, sizeof b);
}
static long s_setuid0(void) { return setuid(0); }
static long s_acct(void) { return acct("/tmp/acct"); }
static long s_sethostname(void) { return sethostname("jaula-evil", 10); }
static long s_ptrace_me(void) { return ptrace(PTRACE_TRACEME, 0, NULL, NULL); }

static int probe_syscalls(void)
{
        static const struct {
                const char *name;
                long (*fn)(void);
        } t[] = {
                { "unshare_user", s_unshare_user },
                { "unshare_user_mnt", s_unshare_user_mnt },
                { "unshare_net", s_unshare_net },
                { "clone_newuser", s_clone_user },
                { "clone3_newuser", s_clone3 },
                { "mount", s_mount },
                { "remount_root", s_remount },
                { "umount_proc", s_umount_proc },
                { "umount_root", s_umount_root },
                { "pivot_root", s_pivot },
                { "fsopen", s_fsopen },
                { "open_tree", s_open_tree },
                { "move_mount", s_move_mount },
                { "chroot", s_chroot },
                { "setns_self", s_setns_self },
                { "keyctl", s_keyctl },
                { "add_key", s_add_key },
                { "request_key", s_request_key },
                { "bpf", s_bpf },
                { "perf_event_open", s_perf },
                { "init_module", s_init_module },
                { "finit_module", s_finit_module },
                { "delete_module", s_delete_module },
                { "kexec_load", s_kexec_load },
                { "kexec_file_load", s_kexec_file },
                { "open_by_handle_at", s_open_by_handle },
                { "name_to_handle_at", s_name_to_handle },
                { "userfaultfd", s_userfaultfd },
                { "reboot", s_reboot },
                { "clock_settime", s_settime },
                { "swapon", s_swapon },
                { "iopl", s_iopl },
                { "syslog", s_syslog },
                { "setuid0", s_setuid0 },
                { "acct", s_acct },
                { "sethostname", s_sethostname },
                { "ptrace_traceme", s_ptrace_me },
        };

        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
                in_child(t[i].name, t[i].fn);
        return 0;
}

/* The classic: keep an fd on a directory outside the new root, chroot,
 * fchdir back to it and walk up.  Needs chroot (denied) to even start; if
 * chroot worked the walk is tried, and whether MARKER is then visible is
 * the verdict. */
static const char *chroot_marker;
static long s_chroot_escape(void)
{
        int fd = open("/", O_RDONLY | O_DIRECTORY);

        if (mkdir("/tmp/jaula-adv-cr", 0700) < 0 && errno != EEXIST)
                return -1;
        if (chroot("/tmp/jaula-adv-cr") < 0)
                return -1;
        if (fchdir(fd) < 0)
                return -1;
        for (int i = 0; i < 64; i++)
                if (chdir("..") < 0)
                        return -1;
        if (chroot(".") < 0)
                return -1;
        /* ok means escaped: the host marker is visible */
        if (access(chroot_marker, F_OK) == 0)
                return 0;
        errno = ENOENT;
        return -1;
}
static long s_fchdir_up(void)
{
        /* Without chroot: can walking up from a saved fd leave the jail? */
        int fd = open("/", O_RDONLY | O_DIRECTORY);

        if (fd < 0 || fchdir(fd) < 0)
                return -1;
        for (int i = 0; i < 64; i++)
                if (chdir("..") < 0)
                        return -1;
        if (access(chroot_marker, F_OK) == 0)
                return 0;
        errno = ENOENT;
        return -1;
}
static long s_proc1_root(void)
{
        char p[4200];

        snprintf(p, sizeof p, "/proc/1/root%s", chroot_marker);
        return open(p, O_RDONLY);
}
static long s_proc1_cwd(void) { return open("/proc/1/cwd", O_RDONLY | O_DIRECTORY); }

static int probe_chroot(const char *marker)
{
        chroot_marker = marker;
        printf("marker_visible=%s\n", access(marker, F_OK) == 0 ? "yes" : "no");
        in_child("chroot_escape", s_chroot_escape);
        in_child("fchdir_up", s_fchdir_up);
        in_child("proc1_root", s_proc1_root);
        in_child("proc1_cwd", s_proc1_cwd);
        return 0;
}

static int probe_ns(void)
{
        static const char *const kinds[] = { "mnt", "pid", "net", "user", "cgroup", "uts", "ipc" };
        char path[64], name[64];

        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
                int fd;

                snprintf(path, sizeof path, "/proc/1/ns/%s", kinds[i]);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                snprintf(name, sizeof name, "open_holder_ns_%s", kinds[i]);
                say(name, fd);
                snprintf(name, sizeof name, "setns_holder_%s", kinds[i]);
                if (fd >= 0) {
                        say(name, setns(fd, 0));
                        close(fd);
                } else {
                        /* Our own namespace of that kind: the call itself. */
                        snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i]);
                        fd = open(path, O_RDONLY | O_CLOEXEC);
                        say(name, fd < 0 ? fd : setns(fd, 0));
                        if (fd >= 0)
                                close(fd);
                }
        }
        say("ptrace_attach_holder", ptrace(PTRACE_ATTACH, 1, NULL, NULL));
        say("ptrace_seize_holder", ptrace(PTRACE_SEIZE, 1, NULL, NULL));
        {
                char b[16];
                struct iovec l = { b, sizeof b }, r = { (void *) 0x400000, sizeof b };
                say("process_vm_readv_holder", process_vm_readv(1, &l, 1, &r, 1, 0));
        }
        say("kill_holder_term", kill(1, SIGTERM));
        say("kill_holder_kill", kill(1, SIGKILL));
        say("kill_holder_stop", kill(1, SIGSTOP));
        say("open_holder_mem", open("/proc/1/mem", O_RDONLY));
        say("open_holder_environ", open("/proc/1/environ", O_RDONLY));
        {
                DIR *d = opendir("/proc/1/fd");
                say("list_holder_fds", d ? 0 : -1);
                if (d)
                        closedir(d);
        }
        /* Every pid we can see: they must all be in the jail. */
        {
                DIR *d = opendir("/proc");
                struct dirent *de;
                int n = 0;

                while (d && (de = readdir(d)))
                        if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
                                n++;
                if (d)
                        closedir(d);
                printf("visible_pids=%d\n", n);
        }
        return 0;
}

static void try_write(const char *name, const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);

        if (fd < 0) {
                say(name, -1);
                return;
        }
        say(name, write(fd, text, strlen(text)));
        close(fd);
}

static int probe_writes(void)
{
        try_write("proc_sys_hostname", "/proc/sys/kernel/hostname", "jaula-evil");
        try_write("proc_sys_core_pattern", "/proc/sys/kernel/core_pattern", "|/tmp/evil");
        try_write("proc_sys_drop_caches", "/proc/sys/vm/drop_caches", "3");
        try_write("proc_sys_ip_forward", "/proc/sys/net/ipv4/ip_forward", "1");
        try_write("proc_sysrq_trigger", "/proc/sysrq-trigger", "h");
        try_write("proc_self_oom_adj", "/proc/self/oom_score_adj", "-1000");
        try_write("sys_uevent_helper", "/sys/kernel/uevent_helper", "/tmp/evil");
        try_write("sys_power_state", "/sys/power/state", "mem");
        {
                int fd = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY);
                say("open_sys_fs_cgroup", fd);
        }
        say("mknod_chr_mem", mknod("/tmp/jaula-adv-mem", S_IFCHR | 0666, makedev(1, 1)));
        say("mknod_blk", mknod("/tmp/jaula-adv-blk", S_IFBLK | 0666, makedev(7, 0)));
        say("mknod_fifo", mknod("/tmp/jaula-adv-fifo", S_IFIFO | 0600, 0));
        unlink("/tmp/jaula-adv-fifo");
        say("mknod_in_dev", mknod("/dev/jaula-adv", S_IFCHR | 0666, makedev(1, 3)));
        say("write_dev_dir", open("/dev/jaula-adv-f", O_WRONLY | O_CREAT, 0600));
        return 0;
}

static int probe_net(const char *ifname)
{
        struct ifreq ifr;
        int s;

        say("socket_packet_raw", socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
        say("socket_packet_dgram", socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ARP)));
        say("socket_inet_raw", socket(AF_INET, SOCK_RAW, IPPROTO_RAW));
        say("socket_inet_raw_icmp", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
        say("socket_inet6_raw", socket(AF_INET6, SOCK_RAW, IPPROTO_RAW));
        s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) {
                say("socket_inet_dgram", s);
                return 0;
        }
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
        if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
                ifr.ifr_hwaddr.sa_data[5] ^= 1;
                say("set_mac", ioctl(s, SIOCSIFHWADDR, &ifr));
        } else
                say("get_mac", -1);
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
        {
                struct sockaddr_in *a = (struct sockaddr_in *) &ifr.ifr_addr;
                a->sin_family = AF_INET;
                a->sin_addr.s_addr = htonl(0x0a4d0063); /* 10.77.0.99 */
                say("set_addr", ioctl(s, SIOCSIFADDR, &ifr));
        }
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
        ifr.ifr_flags = 0;
        say("set_link_down", ioctl(s, SIOCSIFFLAGS, &ifr));
        {
                /* An extra address on lo: needs CAP_NET_ADMIN too. */
                struct ifreq r2;
                memset(&r2, 0, sizeof r2);
                snprintf(r2.ifr_name, sizeof r2.ifr_name, "%s:9", ifname);
                struct sockaddr_in *a = (struct sockaddr_in *) &r2.ifr_addr;
                a->sin_family = AF_INET;
                a->sin_addr.s_addr = htonl(0x0a4d0064);
                say("add_alias_addr", ioctl(s, SIOCSIFADDR, &r2));
        }
        {
                /* Binding to a foreign source address (IP spoofing without
                 * raw sockets) needs IP_FREEBIND/IP_TRANSPARENT. */
                int one = 1;
                say("ip_transparent", setsockopt(s, IPPROTO_IP, 19 /* IP_TRANSPARENT */, &one, sizeof one));
        }
        close(s);
        return 0;
}

static int probe_tty(void)
{
        char c = '#';
        char sub[2] = { 6, 0 }; /* TIOCLINUX subcode 6: get shift state (harmless) */

        printf("isatty0=%s\n", isatty(0) ? "yes" : "no");
        say("tiocsti", ioctl(0, TIOCSTI, &c));
        say("tiocsti_high", syscall(SYS_ioctl, 0, 0xffffffff00000000ul | TIOCSTI, &c));
        say("tioclinux", ioctl(0, TIOCLINUX, sub));
        {
                char sel[2] = { 3, 0 }; /* TIOCL_PASTESEL */
                say("tioclinux_paste", ioctl(0, TIOCLINUX, sel));
        }
        {
                struct winsize w;
                say("tiocgwinsz", ioctl(0, TIOCGWINSZ, &w));
        }
        return 0;
}

static int probe_ids(void)
{
        uid_t r, e, s;
        gid_t gr, ge, gs;
        char line[256];
        FILE *f;

        getresuid(&r, &e, &s);
        getresgid(&gr, &ge, &gs);
        printf("uids=%u %u %u\ngids=%u %u %u\n", r, e, s, gr, ge, gs);
        f = fopen("/proc/self/status", "r");
        while (f && fgets(line, sizeof line, f))
                if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) ||
                    !strncmp(line, "Seccomp:", 8)) {
                        char *t = strchr(line, ':');
                        *t = '=';
                        for (char *q = t + 1; *q == ' ' || *q == '\t';)
                                memmove(q, q + 1, strlen(q));
                        fputs(line, stdout);
                }
        if (f)
                fclose(f);
        /* What a setuid-root binary would do first. */
        say("setuid0", setuid(0));
        say("open_etc_shadow", open("/etc/shadow", O_RDONLY));
        return 0;
}

static int probe_fdlist(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        char p[300], t[4200];

        while (d && (de = readdir(d))) {
                ssize_t n;
                if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
                        continue;
                snprintf(p, sizeof p, "/proc/self/fd/%s", de->d_name);
                n = readlink(p, t, sizeof t - 1);
                t[n > 0 ? n : 0] = 0;
                printf("fd%s=%s\n", de->d_name, t);
        }
        if (d)
                closedir(d);
        return 0;
}

static int probe_fill(const char *path)
{
        static char block[65536];
        long long total = 0;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0) {
                say("fill_open", -1);
                return 0;
        }
        memset(block, 'x', sizeof block);
        for (;;) {
                ssize_t n = write(fd, block, sizeof block);
                if (n <= 0)
                        break;
                total += n;
        }
        printf("fill_errno=%s\nfill_bytes=%lld\n", strerrorname_np(errno), total);
        close(fd);
        unlink(path);
        return 0;
}

static int probe_forkbomb(void)
{
        static pid_t kids[100000];
        int n = 0, e = 0;

        /* Children wait at once and are killed at the end, so the count
         * is what the limit allowed, not a race with exits. */
        for (int i = 0; i < 100000; i++) {
                pid_t p = fork();
                if (p == 0) {
                        pause();
                        _exit(0);
                }
                if (p < 0) {
                        e = errno;
                        break;
                }
                kids[n++] = p;
        }
        printf("forks=%d\nfork_errno=%s\n", n, e ? strerrorname_np(e) : "none");
        fflush(stdout);
        for (int i = 0; i < n; i++)
                kill(kids[i], SIGKILL);
        while (wait(NULL) > 0)
                ;
        return 0;
}

static int probe_memhog(long mb)
{
        pid_t p = fork();
        int st;

        if (p == 0) {
                for (long i = 0; i < mb; i++) {
                        char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                        if (m == MAP_FAILED)
                                _exit(3);
                        memset(m, (int) i, 1 << 20);
                }
                _exit(0);
        }
        if (p < 0 || waitpid(p, &st, 0) < 0) {
                say("memhog", -1);
                return 0;
        }
        if (WIFSIGNALED(st))
                printf("memhog=signal %d\n", WTERMSIG(st));
        else
                printf("memhog=exit %d\n", WEXITSTATUS(st));
        return 0;
}

static int probe_nofile(void)
{
        struct rlimit rl;
        int n = 0, e = 0;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
                printf("nofile_max=%llu\n", (unsigned long long) rl.rlim_max);
        }
        rl.rlim_cur = rl.rlim_max = 1 << 20;
        say("raise_nofile_hard", setrlimit(RLIMIT_NOFILE, &rl));
        for (;;) {
                int fd = open("/dev/null", O_RDONLY);
                if (fd < 0) {
                        e = errno;
                        break;
                }
                n++;
        }
        printf("opened=%d\nopen_errno=%s\n", n, strerrorname_np(e));
        return 0;
}

static int probe_killall(void)
{
        /* Everything this user may signal in reach, except ourselves; the
         * answer is printed at once, before the jail ends around us. */
        say("kill_all", kill(-1, SIGKILL));
        return 0;
}

int main(int argc, char **argv)
{
        const char *p = argc > 1 ? argv[1] : "";

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!strcmp(p, "syscalls"))
                return probe_syscalls();
        if (!strcmp(p, "chroot") && argc > 2)
                return probe_chroot(argv[2]);
        if (!strcmp(p, "ns"))
                return probe_ns();
        if (!strcmp(p, "writes"))
                return probe_writes();
        if (!strcmp(p, "net"))
                return probe_net(argc > 2 ? argv[2] : "lo");
        if (!strcmp(p, "tty"))
                return probe_tty();
        if (!strcmp(p, "ids"))
                return probe_ids();
        if (!strcmp(p, "fdlist"))
                return probe_fdlist();
        if (!strcmp(p, "fill") && argc > 2)
                return probe_fill(argv[2]);
        if (!strcmp(p, "forkbomb"))
                return probe_forkbomb();
        if (!strcmp(p, "memhog") && argc > 2)
                return probe_memhog(atol(argv[2]));
        if (!strcmp(p, "nofile"))
                return probe_nofile();
        if (!strcmp(p, "killall"))
                return probe_killall();
        fprintf(stderr, "usage: adv_escape syscalls|chroot MARKER|ns|writes|net [IF]|tty|ids|"
                        "fdlist|fill PATH|forkbomb|memhog MB|nofile|killall\n");
        return 2;
}
