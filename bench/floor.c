/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/floor.c — the floor of a cold jailed login: the kernel work of one,
 * with no policy, no state, no monitor and no holder.  Root (run it through
 * bench_runas 0 0); a benchmark program, never installed.
 *
 *   floor ROOTFS BRIDGE CGPATH UID GID HOME ADDR
 *
 * What it does is what a cold `jailsh -c true` asks of the kernel for the
 * benchmark's "full" profile, in the cheapest order a single program can:
 *   - a node CGPATH/f<pid> (CGPATH made by the caller) in each v1 hierarchy jailsh uses (memory,
 *     pids, cpuacct, freezer, and cpu for the cpu limit), with the limits
 *     (memory 512M, pids 256, cpu 100 %), the child moving itself in
 *     through `tasks`, and the nodes removed after the child is reaped;
 *   - a child in new mount, UTS, IPC, network and PID namespaces (one
 *     clone), a cgroup namespace unshared once it sits in its cgroups;
 *   - a veth pair in one RTM_NEWLINK: jv<pid> on BRIDGE, its peer created in
 *     the child's network namespace as eth0; the child brings up lo and
 *     eth0 with ADDR/16 and a default route via the network's first address;
 *   - mounts: everything private, a tmpfs staging area, an overlay of the
 *     read-only ROOTFS with a tmpfs upper layer, /proc, /dev as a tmpfs with
 *     the seven device nodes, devpts and /dev/shm then sealed read-only,
 *     /tmp, HOME bound at its own path; the hostname; pivot_root and the
 *     old root detached;
 *   - the user's credentials (no supplementary groups), and exec of
 *     /bin/true as PID 1 of the new PID namespace.
 * It does not build /etc files, seccomp, capabilities or no_new_privs:
 * those are policy.  Every failure exits non-zero with one line on stderr;
 * the veth dies with the child's network namespace, the cgroup nodes are
 * removed on every path after the child exists. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const hier[] = { "memory", "pids", "cpuacct", "freezer", "cpu" };
#define NHIER (sizeof hier / sizeof hier[0])

static char cgdir[NHIER][512];
static int tasks[NHIER];
static pid_t main_pid, child_pid;

static void cg_remove(void);

static void die(const char *fmt, ...)
{
        va_list ap;
        int e = errno;

        va_start(ap, fmt);
        fputs("floor: ", stderr);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ": %s\n", strerror(e));
        /* The parent takes its child down and removes the cgroup nodes
         * (a child that fails just exits: the parent then cleans up). */
        if (getpid() == main_pid) {
                if (child_pid > 0) {
                        kill(child_pid, SIGKILL);
                        waitpid(child_pid, NULL, 0);
                }
                cg_remove();
        }
        _exit(111);
}

static void put(const char *dir, const char *file, const char *val)
{
        char p[600];
        int fd;

        snprintf(p, sizeof p, "%s/%s", dir, file);
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t) strlen(val))
                die("write %s", p);
        close(fd);
}

static void cg_remove(void)
{
        for (size_t i = 0; i < NHIER; i++)
                if (cgdir[i][0])
                        rmdir(cgdir[i]);
}

/* ---- rtnetlink, by hand (libc only) ---- */

struct req {
        struct nlmsghdr h;
        char buf[1024];
};

static struct rtattr *attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
        struct rtattr *a = (struct rtattr *) ((char *) h + NLMSG_ALIGN(h->nlmsg_len));

        a->rta_type = type;
        a->rta_len = RTA_LENGTH(len);
        if (len)
                memcpy(RTA_DATA(a), data, len);
        h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
        return a;
}

static void nest_end(struct nlmsghdr *h, struct rtattr *a)
{
        a->rta_len = (unsigned short) ((char *) h + h->nlmsg_len - (char *) a);
}

static void talk(int fd, struct nlmsghdr *h, const char *what)
{
        char ack[512];
        ssize_t n;

        h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        if (send(fd, h, h->nlmsg_len, 0) != (ssize_t) h->nlmsg_len)
                die("%s: send", what);
        n = recv(fd, ack, sizeof ack, 0);
        if (n < (ssize_t) NLMSG_LENGTH(sizeof(struct nlmsgerr)))
                die("%s: recv", what);
        struct nlmsgerr *e = NLMSG_DATA((struct nlmsghdr *) ack);
        if (e->error) {
                errno = -e->error;
                die("%s", what);
        }
}

static int nl_open(void)
{
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

        if (fd < 0)
                die("netlink socket");
        return fd;
}

static void veth(int fd, const char *name, int master, pid_t peer_pid)
{
        struct req r = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
                                .nlmsg_type = RTM_NEWLINK,
                                .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
        struct ifinfomsg *ifi = NLMSG_DATA(&r.h);
        struct rtattr *li, *data, *peer;
        uint32_t ns = (uint32_t) peer_pid;

        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_flags = ifi->ifi_change = IFF_UP;
        attr(&r.h, IFLA_IFNAME, name, strlen(name) + 1);
        attr(&r.h, IFLA_MASTER, &master, sizeof master);
        li = attr(&r.h, IFLA_LINKINFO, NULL, 0);
        attr(&r.h, IFLA_INFO_KIND, "veth", 4);
        data = attr(&r.h, IFLA_INFO_DATA, NULL, 0);
        peer = attr(&r.h, VETH_INFO_PEER, NULL, 0);
        /* The peer's ifinfomsg, then its own attributes. */
        memset((char *) &r.h + r.h.nlmsg_len, 0, sizeof(struct ifinfomsg));
        r.h.nlmsg_len += NLMSG_ALIGN(sizeof(struct ifinfomsg));
        attr(&r.h, IFLA_IFNAME, "eth0", 5);
        attr(&r.h, IFLA_NET_NS_PID, &ns, sizeof ns);
        nest_end(&r.h, peer);
        nest_end(&r.h, data);
        nest_end(&r.h, li);
        talk(fd, &r.h, "veth");
}

static void link_up(int fd, int index)
{
        struct req r = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
                                .nlmsg_type = RTM_NEWLINK } };
        struct ifinfomsg *ifi = NLMSG_DATA(&r.h);

        ifi->ifi_index = index;
        ifi->ifi_flags = ifi->ifi_change = IFF_UP;
        talk(fd, &r.h, "link up");
}

static void addr_add(int fd, int index, struct in_addr a)
{
        struct req r = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                                .nlmsg_type = RTM_NEWADDR,
                                .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
        struct ifaddrmsg *ifa = NLMSG_DATA(&r.h);

        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = 16;
        ifa->ifa_index = (unsigned) index;
        attr(&r.h, IFA_LOCAL, &a, sizeof a);
        attr(&r.h, IFA_ADDRESS, &a, sizeof a);
        talk(fd, &r.h, "address");
}

static void route_default(int fd, int index, struct in_addr gw)
{
        struct req r = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
                                .nlmsg_type = RTM_NEWROUTE,
                                .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
        struct rtmsg *rt = NLMSG_DATA(&r.h);

        rt->rtm_family = AF_INET;
        rt->rtm_table = RT_TABLE_MAIN;
        rt->rtm_protocol = RTPROT_BOOT;
        rt->rtm_scope = RT_SCOPE_UNIVERSE;
        rt->rtm_type = RTN_UNICAST;
        attr(&r.h, RTA_GATEWAY, &gw, sizeof gw);
        attr(&r.h, RTA_OIF, &index, sizeof index);
        talk(fd, &r.h, "route");
}

/* ---- the child: PID 1 of the new namespaces ---- */

static void mnt(const char *src, const char *dst, const char *type, unsigned long fl,
                const char *opts)
{
        if (mount(src, dst, type, fl, opts) < 0)
                die("mount %s on %s", type ? type : src, dst);
}

static void child(int go, const char *rootfs, const char *home, uid_t uid, gid_t gid,
                  struct in_addr addr, struct in_addr gw)
{
        static const struct {
                const char *name;
                unsigned maj, min;
        } nodes[] = { { "null", 1, 3 },    { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 },
                      { "urandom", 1, 9 }, { "tty", 5, 0 },  { "ptmx", 5, 2 } };
        const char *stage = "/tmp";
        char opts[4400], p[4200];
        char c;
        int fd;

        /* "0" in v1's tasks file moves the calling thread (the whole of this
         * one-thread process) without the global threadgroup lock that a
         * pid, or cgroup.procs, takes: that lock waits for an RCU grace
         * period, milliseconds here. */
        for (size_t i = 0; i < NHIER; i++) {
                if (write(tasks[i], "0", 1) != 1)
                        die("join %s", cgdir[i]);
                close(tasks[i]);
        }
        if (read(go, &c, 1) != 1)
                _exit(112);
        close(go);
        if (unshare(CLONE_NEWCGROUP) < 0)
                die("unshare cgroup");

        fd = nl_open();
        link_up(fd, 1); /* lo is always index 1 in a new namespace */
        int eth0 = (int) if_nametoindex("eth0");
        if (!eth0)
                die("eth0");
        addr_add(fd, eth0, addr);
        link_up(fd, eth0);
        route_default(fd, eth0, gw);
        close(fd);

        mnt(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
        /* The home is taken before the staging tmpfs may hide it. */
        int home_tree = open_tree(AT_FDCWD, home, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (home_tree < 0)
                die("open_tree %s", home);
        mnt("floor", stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=64m,nr_inodes=16k");
        if (mkdir("/tmp/upper", 0755) < 0 || mkdir("/tmp/work", 0700) < 0 ||
            mkdir("/tmp/root", 0755) < 0)
                die("mkdir stage");
        snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=/tmp/upper,workdir=/tmp/work", rootfs);
        mnt("floor", "/tmp/root", "overlay", MS_NOSUID | MS_NODEV, opts);
        if (chdir("/tmp/root") < 0)
                die("chdir root");
        mnt("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        mnt("dev", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=64");
        for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
                snprintf(p, sizeof p, "dev/%s", nodes[i].name);
                if (mknod(p, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0 ||
                    chmod(p, 0666) < 0)
                        die("mknod %s", p);
        }
        if (mkdir("dev/pts", 0755) < 0 || mkdir("dev/shm", 0755) < 0)
                die("mkdir dev");
        mnt("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620,max=64");
        mnt("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "mode=1777,size=64m,nr_inodes=16k");
        mnt(NULL, "dev", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL);
        mnt("tmp", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=16m,nr_inodes=4k");
        snprintf(p, sizeof p, ".%s", home);
        for (char *q = p + 2; *q; q++) /* the home's path, made in the overlay */
                if (*q == '/') {
                        *q = 0;
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                die("mkdir %s", p);
                        *q = '/';
                }
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                die("mkdir %s", p);
        if (move_mount(home_tree, "", AT_FDCWD, p, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                die("bind %s", home);
        close(home_tree);
        if (sethostname("jb-floor", 8) < 0)
                die("sethostname");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                die("pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                die("umount old root");
        if (chdir("/") < 0)
                die("chdir /");

        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                die("credentials");
        if (chdir(home) < 0)
                die("chdir %s", home);
        execl("/bin/true", "true", (char *) NULL);
        die("exec /bin/true");
}

int main(int argc, char **argv)
{
        char name[IFNAMSIZ];
        struct in_addr addr, gw;
        int pipefd[2], master, fd, st;
        pid_t pid;

        if (argc != 8) {
                fprintf(stderr, "usage: floor ROOTFS BRIDGE CGPATH UID GID HOME ADDR\n");
                return 2;
        }
        main_pid = getpid();
        uid_t uid = (uid_t) strtoul(argv[4], NULL, 10);
        gid_t gid = (gid_t) strtoul(argv[5], NULL, 10);
        if (inet_pton(AF_INET, argv[7], &addr) != 1) {
                fprintf(stderr, "floor: bad address '%s'\n", argv[7]);
                return 2;
        }
        gw.s_addr = htonl((ntohl(addr.s_addr) & 0xffff0000u) | 1);
        master = (int) if_nametoindex(argv[2]);
        if (!master)
                die("bridge '%s'", argv[2]);

        for (size_t i = 0; i < NHIER; i++) {
                snprintf(cgdir[i], sizeof cgdir[i], "/sys/fs/cgroup/%s/%.400s/f%d", hier[i],
                         argv[3], (int) getpid());
                if (mkdir(cgdir[i], 0755) < 0) {
                        cgdir[i][0] = 0;
                        die("mkdir cgroup");
                }
        }
        put(cgdir[0], "memory.limit_in_bytes", "536870912");
        put(cgdir[1], "pids.max", "256");
        put(cgdir[4], "cpu.cfs_period_us", "100000");
        put(cgdir[4], "cpu.cfs_quota_us", "100000");

        for (size_t i = 0; i < NHIER; i++) {
                char p[600];

                snprintf(p, sizeof p, "%.512s/tasks", cgdir[i]);
                tasks[i] = open(p, O_WRONLY | O_CLOEXEC);
                if (tasks[i] < 0)
                        die("open %s", p);
        }
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                die("pipe");
        pid = (pid_t) syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                                                 CLONE_NEWPID | SIGCHLD,
                              NULL, NULL, NULL, NULL);
        if (pid < 0)
                die("clone");
        if (pid == 0) {
                close(pipefd[1]);
                child(pipefd[0], argv[1], argv[6], uid, gid, addr, gw);
        }
        child_pid = pid;
        close(pipefd[0]);
        for (size_t i = 0; i < NHIER; i++)
                close(tasks[i]);
        fd = nl_open();
        snprintf(name, sizeof name, "jv%d", (int) getpid());
        veth(fd, name, master, pid);
        close(fd);
        if (write(pipefd[1], "g", 1) != 1)
                die("go");
        close(pipefd[1]);
        if (waitpid(pid, &st, 0) < 0)
                die("waitpid");
        child_pid = 0;
        cg_remove();
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
