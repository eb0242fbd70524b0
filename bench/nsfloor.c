/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/nsfloor.c — the kernel memory floor of a jail's namespaces on this
 * kernel, without jaula: N sleeping processes, each cloned into the given
 * new namespaces (and optionally given K tmpfs mounts of its own and its
 * own memory cgroup), all in one metering memory cgroup.  Root; cgroup v1
 * memory controller; never installed.
 *
 *   nsfloor CGDIR N FLAGS [K [MEMCG]]
 *
 * CGDIR: a memory cgroup this program creates (and removes), e.g.
 * /sys/fs/cgroup/memory/jaula-nf1.  FLAGS: any of n (net), p (pid),
 * m (mount), i (ipc), u (uts), c (cgroup), or "-" for none.  K: tmpfs
 * superblocks each child mounts (needs m; stacked on /mnt in its private
 * mount namespace).  MEMCG: 1 gives each child a memory cgroup of its own
 * under CGDIR (a jail has one).
 *
 * Prints, per child, in KiB: the growth of CGDIR's memory.kmem.usage_in_bytes
 * (hierarchical: every allocation charged to the children and their cgroups),
 * the growth of /proc/meminfo Slab+KernelStack+PageTables+Percpu (system-wide:
 * it also sees what no memcg is charged for, and other processes), and the
 * slab caches that grew most (/proc/slabinfo, num_objs × objsize). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SLABS 1024

struct slab {
        char name[64];
        long long bytes;
};

static void die(const char *what)
{
        fprintf(stderr, "nsfloor: %s: %s\n", what, strerror(errno));
        exit(1);
}

static int put(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -1;
        n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t) strlen(text) ? 0 : -1;
}

static long long kmem(const char *cg)
{
        char path[512];
        long long v = -1;
        FILE *f;

        snprintf(path, sizeof path, "%s/memory.kmem.usage_in_bytes", cg);
        f = fopen(path, "re");
        if (!f || fscanf(f, "%lld", &v) != 1)
                v = -1;
        if (f)
                fclose(f);
        return v;
}

static long long meminfo_kib(void)
{
        static const char *const keys[] = { "Slab:", "KernelStack:", "PageTables:", "Percpu:" };
        char line[256];
        long long sum = 0;
        FILE *f = fopen("/proc/meminfo", "re");

        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
                        if (!strncmp(line, keys[i], strlen(keys[i])))
                                sum += atoll(line + strlen(keys[i]));
        fclose(f);
        return sum;
}

static size_t slabs(struct slab *v)
{
        char line[512];
        size_t n = 0;
        FILE *f = fopen("/proc/slabinfo", "re");

        if (!f)
                return 0;
        while (fgets(line, sizeof line, f) && n < MAX_SLABS) {
                long long active, num, size;

                if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
                        continue;
                if (sscanf(line, "%63s %lld %lld %lld", v[n].name, &active, &num, &size) == 4) {
                        v[n].bytes = num * size;
                        n++;
                }
        }
        fclose(f);
        return n;
}

static int by_growth(const void *a, const void *b)
{
        long long x = ((const struct slab *) a)->bytes, y = ((const struct slab *) b)->bytes;

        return (y > x) - (y < x);
}

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
        (void) sig;
        stop = 1;
}

/* The worker: joins CGDIR, then makes the n children on "go". */
static void worker(const char *cg, int n, unsigned long flags, int k, int memcg, int go, int ready)
{
        pid_t *kids = calloc((size_t) n, sizeof *kids);
        char path[600], pid[32], c;
        int p[2];

        if (!kids || pipe2(p, O_CLOEXEC) < 0)
                die("worker");
        snprintf(path, sizeof path, "%s/cgroup.procs", cg);
        snprintf(pid, sizeof pid, "%d", (int) getpid());
        if (put(path, pid) < 0)
                die("join the metering cgroup");
        signal(SIGTERM, on_term);
        if (write(ready, "w", 1) != 1 || read(go, &c, 1) != 1)
                die("handshake");
        for (int i = 0; i < n; i++) {
                if (memcg) {
                        snprintf(path, sizeof path, "%s/c%d", cg, i);
                        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                                die("mkdir child cgroup");
                        snprintf(path, sizeof path, "%s/c%d/cgroup.procs", cg, i);
                        if (put(path, pid) < 0)
                                die("join child cgroup");
                }
                kids[i] = (pid_t) syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
                if (kids[i] < 0)
                        die("clone");
                if (kids[i] == 0) {
                        close(p[0]);
                        if (flags & CLONE_NEWNS) {
                                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                                        _exit(2);
                                for (int j = 0; j < k; j++)
                                        if (mount("jaula-nf", "/mnt", "tmpfs", MS_NOSUID,
                                                  "size=64k,nr_inodes=64") < 0)
                                                _exit(3);
                        }
                        if (write(p[1], "k", 1) != 1)
                                _exit(4);
                        for (;;)
                                pause();
                }
        }
        if (memcg) {
                snprintf(path, sizeof path, "%s/cgroup.procs", cg);
                put(path, pid);
        }
        close(p[1]);
        for (int i = 0; i < n; i++)
                if (read(p[0], &c, 1) != 1)
                        die("a child failed");
        if (write(ready, "d", 1) != 1)
                die("handshake");
        while (!stop)
                pause();
        for (int i = 0; i < n; i++)
                kill(kids[i], SIGKILL);
        for (int i = 0; i < n; i++)
                waitpid(kids[i], NULL, 0);
        if (memcg)
                for (int i = 0; i < n; i++) {
                        snprintf(path, sizeof path, "%s/c%d", cg, i);
                        for (int t = 0; t < 100 && rmdir(path) < 0 && errno == EBUSY; t++)
                                usleep(20000);
                }
        _exit(0);
}

int main(int argc, char **argv)
{
        static struct slab s0[MAX_SLABS], s1[MAX_SLABS];
        unsigned long flags = 0;
        int n, k, memcg, go[2], ready[2];
        long long m0, m1, i0, i1;
        size_t n0, n1;
        pid_t w;
        char c;

        if (argc < 4)
                return fprintf(stderr, "usage: nsfloor CGDIR N FLAGS [K [MEMCG]]\n"), 2;
        n = atoi(argv[2]);
        k = argc > 4 ? atoi(argv[4]) : 0;
        memcg = argc > 5 ? atoi(argv[5]) : 0;
        for (const char *f = argv[3]; *f; f++)
                switch (*f) {
                case 'n': flags |= CLONE_NEWNET; break;
                case 'p': flags |= CLONE_NEWPID; break;
                case 'm': flags |= CLONE_NEWNS; break;
                case 'i': flags |= CLONE_NEWIPC; break;
                case 'u': flags |= CLONE_NEWUTS; break;
                case 'c': flags |= CLONE_NEWCGROUP; break;
                case '-': break;
                default: return fprintf(stderr, "nsfloor: unknown flag '%c'\n", *f), 2;
                }
        if (n < 1 || (k > 0 && !(flags & CLONE_NEWNS)))
                return fprintf(stderr, "nsfloor: N ≥ 1; K needs m\n"), 2;
        if (mkdir(argv[1], 0755) < 0)
                die(argv[1]);
        if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
                die("pipe");
        w = fork();
        if (w < 0)
                die("fork");
        if (w == 0)
                worker(argv[1], n, flags, k, memcg, go[0], ready[1]);
        close(ready[1]);
        if (read(ready[0], &c, 1) != 1)
                die("worker failed");
        usleep(300000);
        m0 = kmem(argv[1]);
        i0 = meminfo_kib();
        n0 = slabs(s0);
        if (write(go[1], "g", 1) != 1 || read(ready[0], &c, 1) != 1) {
                kill(w, SIGTERM);
                waitpid(w, NULL, 0);
                rmdir(argv[1]);
                return fprintf(stderr, "nsfloor: the worker failed\n"), 1;
        }
        usleep(500000);
        m1 = kmem(argv[1]);
        i1 = meminfo_kib();
        n1 = slabs(s1);
        kill(w, SIGTERM);
        waitpid(w, NULL, 0);
        for (int t = 0; t < 200 && rmdir(argv[1]) < 0 && errno == EBUSY; t++)
                usleep(50000);

        printf("flags=%s tmpfs=%d memcg=%d n=%d memcg_kmem_kib=%.1f meminfo_kib=%.1f\n", argv[3], k,
               memcg, n, (double) (m1 - m0) / 1024.0 / n, (double) (i1 - i0) / n);
        for (size_t i = 0; i < n1; i++) {
                long long before = 0;

                for (size_t j = 0; j < n0; j++)
                        if (!strcmp(s0[j].name, s1[i].name)) {
                                before = s0[j].bytes;
                                break;
                        }
                s1[i].bytes -= before;
        }
        qsort(s1, n1, sizeof *s1, by_growth);
        printf("  slab growth per child (bytes):");
        for (size_t i = 0; i < n1 && i < 14 && s1[i].bytes > 0; i++)
                printf(" %s=%lld", s1[i].name, s1[i].bytes / n);
        printf("\n");
        return 0;
}
