/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* net_probe.c — drives the network facility without the jail core, for
 * the t-3* integration tests and bench/net.sh.  Needs root.
 *
 *   net_probe up OPTS          prepare, fork a "holder" into a new netns,
 *                              attach, configure inside; prints
 *                              "PID ADDR BRIDGE HOSTIF" and leaves the
 *                              holder running (kill PID to end the jail)
 *   net_probe release OPTS     jaula_net_release of --id
 *   net_probe lookup OPTS      prints the address --id holds
 *   net_probe gc --state D [--alive ID]...   prints how many were reclaimed
 *   net_probe count OPTS       leases held in the network
 *   net_probe fw-apply|nat-remove|fw-remove OPTS, net_probe fw-remove-all
 *   net_probe resolv OPTS      prints the resolv.conf text
 *   net_probe teardown OPTS    jaula_net_teardown
 *   net_probe bench N OPTS     times prepare, attach, configure per jail
 *                              against a bare netns (medians and minima, µs)
 *   net_probe prep OPTS        times prepare alone (256 prepare+release)
 *   net_probe churn N OPTS     N jails up and down (holders exit), then
 *                              checks nothing is left
 * OPTS: --state DIR --net NAME --subnet A.B.C.D/P --gw A.B.C.D
 *       --bridge NAME (repeat) [--uplink IF] [--isolate] [--nat]
 *       [--dynamic] [--mtu N] [--dns A] [--search S] [--uid N] [--id ID]
 *       [--pool FIRST-LAST] [--vxlan-vni N --vxlan-peer A (repeat) [--vxlan-dev IF]] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jaula/ipam.h"
#include "jaula/net.h"

static char *bridges[8], *dns[4], *search[4], *alive[64], *peers[8];
static size_t n_bridges, n_dns, n_search, n_alive, n_peers;
static struct jaula_net_spec net;
static struct jaula_spec spec;
static const char *jail_id = "probe";

static void die(const char *what, const struct jaula_err *err)
{
        fprintf(stderr, "net_probe: %s: %s\n", what, err ? err->msg : strerror(errno));
        exit(1);
}

static uint32_t parse_ip(const char *s)
{
        struct in_addr a;

        if (inet_pton(AF_INET, s, &a) != 1) {
                fprintf(stderr, "net_probe: bad address '%s'\n", s);
                exit(2);
        }
        return ntohl(a.s_addr);
}

static void parse_opts(int argc, char **argv)
{
        static const struct option opts[] = {
                {"state", 1, 0, 's'},   {"net", 1, 0, 'n'},    {"subnet", 1, 0, 'S'},
                {"gw", 1, 0, 'g'},      {"bridge", 1, 0, 'b'}, {"uplink", 1, 0, 'u'},
                {"isolate", 0, 0, 'i'}, {"nat", 0, 0, 'N'},    {"dynamic", 0, 0, 'd'},
                {"mtu", 1, 0, 'm'},     {"dns", 1, 0, 'D'},    {"search", 1, 0, 'e'},
                {"uid", 1, 0, 'U'},     {"id", 1, 0, 'I'},     {"alive", 1, 0, 'a'},
                {"pool", 1, 0, 'P'},    {"vxlan-vni", 1, 0, 'V'}, {"vxlan-peer", 1, 0, 'X'},
                {"vxlan-dev", 1, 0, 'Y'}, {0, 0, 0, 0},
        };
        int c;

        net.name = "jaulatest";
        net.mode = JAULA_ADDR_STABLE;
        spec.state_dir = "/nonexistent";
        spec.user.uid = 1000;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 's':
                        spec.state_dir = optarg;
                        break;
                case 'n':
                        net.name = optarg;
                        break;
                case 'S': {
                        char *slash = strchr(optarg, '/');
                        if (!slash)
                                exit(2);
                        *slash = '\0';
                        net.subnet = parse_ip(optarg);
                        net.prefix = (unsigned) strtoul(slash + 1, NULL, 10);
                        break;
                }
                case 'g':
                        net.gateway = parse_ip(optarg);
                        break;
                case 'b':
                        if (n_bridges < 7)
                                bridges[n_bridges++] = optarg;
                        break;
                case 'u':
                        net.uplink = optarg;
                        break;
                case 'i':
                        net.isolate = true;
                        break;
                case 'N':
                        net.nat = true;
                        break;
                case 'd':
                        net.mode = JAULA_ADDR_DYNAMIC;
                        break;
                case 'm':
                        net.mtu = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'D':
                        if (n_dns < 3)
                                dns[n_dns++] = optarg;
                        break;
                case 'e':
                        if (n_search < 3)
                                search[n_search++] = optarg;
                        break;
                case 'U':
                        spec.user.uid = (uid_t) strtoul(optarg, NULL, 10);
                        break;
                case 'I':
                        jail_id = optarg;
                        break;
                case 'a':
                        if (n_alive < 63)
                                alive[n_alive++] = optarg;
                        break;
                case 'P': {
                        char *dash = strchr(optarg, '-');
                        if (!dash)
                                exit(2);
                        *dash = '\0';
                        net.pool_first = parse_ip(optarg);
                        net.pool_last = parse_ip(dash + 1);
                        break;
                }
                case 'V':
                        net.vxlan_vni = (uint32_t) strtoul(optarg, NULL, 10);
                        net.vxlan_port = 4789;
                        break;
                case 'X':
                        if (n_peers < 7)
                                peers[n_peers++] = optarg;
                        break;
                case 'Y':
                        net.vxlan_dev = optarg;
                        break;
                default:
                        exit(2);
                }
        }
        net.bridges = bridges;
        net.n_bridges = n_bridges;
        net.dns = dns;
        net.n_dns = n_dns;
        net.search = search;
        net.vxlan_peers = n_peers ? peers : NULL;
        net.n_vxlan_peers = n_peers;
        spec.net = &net;
}

static int is_alive(const char *id, void *ud)
{
        for (size_t i = 0; i < n_alive; i++)
                if (strcmp(alive[i], id) == 0)
                        return 1;
        return 0;
}

/* JAULA_BENCH_CPU=1: CPU time of the calling thread (user + kernel work
 * done in its syscalls) instead of wall time: what a step costs, without
 * the waiting that a loaded machine adds. */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(bench_clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* The holder stand-in: a child in a new netns.  It waits for "go" on
 * go_fd, configures its side, reports (status, µs) on res_fd, then either
 * exits (linger = 0) or pauses until killed. */
struct holder {
        pid_t pid;
        int go_w, res_r;
};

static void holder_main(int ready_w, int go_r, int res_w, bool with_net, bool linger,
                        const struct jaula_lease *lease)
{
        struct jaula_err err = {0};
        int64_t res[2] = {0, 0};
        char c;

        if (unshare(CLONE_NEWNET) < 0)
                _exit(10);
        if (write(ready_w, "r", 1) != 1 || read(go_r, &c, 1) != 1)
                _exit(11);
        uint64_t t0 = now_ns();
        if (with_net) {
                res[0] = jaula_net_configure_inside(&spec, lease, &err);
                if (res[0] < 0)
                        fprintf(stderr, "net_probe: configure_inside: %s\n", err.msg);
        }
        res[1] = (int64_t) (now_ns() - t0);
        if (write(res_w, res, sizeof res) != sizeof res)
                _exit(12);
        if (!linger)
                _exit(res[0] < 0 ? 1 : 0);
        /* Leave the test's pipes and terminal alone while lingering. */
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
        setsid();
        for (;;)
                pause();
}

static int spawn_holder(struct holder *h, bool with_net, bool linger,
                        const struct jaula_lease *lease)
{
        int ready[2], go[2], res[2];
        char c;

        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
                return -errno;
        h->pid = fork();
        if (h->pid < 0)
                return -errno;
        if (h->pid == 0) {
                close(ready[0]), close(go[1]), close(res[0]);
                holder_main(ready[1], go[0], res[1], with_net, linger, lease);
        }
        close(ready[1]), close(go[0]), close(res[1]);
        if (read(ready[0], &c, 1) != 1)
                return -ECHILD;
        close(ready[0]);
        h->go_w = go[1];
        h->res_r = res[0];
        return 0;
}

/* Tell the holder to configure; returns its status and time inside. */
static int holder_go(struct holder *h, int64_t *ret_ns)
{
        int64_t res[2];

        if (write(h->go_w, "g", 1) != 1 || read(h->res_r, res, sizeof res) != sizeof res)
                return -ECHILD;
        close(h->go_w), close(h->res_r);
        *ret_ns = res[1];
        return (int) res[0];
}

static int cmd_up(void)
{
        struct jaula_err err = {0};
        struct jaula_lease lease;
        struct holder h;
        int64_t ns;
        char text[16];
        int r;

        r = jaula_net_prepare(&spec, jail_id, &lease, &err);
        if (r < 0)
                die("prepare", &err);
        if (spawn_holder(&h, true, true, &lease) < 0)
                die("fork", NULL);
        r = jaula_net_attach(&spec, &lease, h.pid, &err);
        if (r < 0) {
                kill(h.pid, SIGKILL);
                waitpid(h.pid, NULL, 0);
                jaula_net_release(&spec, jail_id);
                die("attach", &err);
        }
        r = holder_go(&h, &ns);
        if (r < 0) {
                kill(h.pid, SIGKILL);
                waitpid(h.pid, NULL, 0);
                jaula_net_release(&spec, jail_id);
                fprintf(stderr, "net_probe: configure_inside failed\n");
                return 1;
        }
        jaula_ipam_format(lease.addr, text);
        printf("%d %s %s %s\n", (int) h.pid, text, lease.bridge, lease.host_if);
        return 0;
}

/* One jail's network life; *ret_ns: prepare, attach, inside, release. */
static int one_jail(const char *id, bool with_net, bool linger, int64_t ret_ns[4])
{
        struct jaula_err err = {0};
        struct jaula_lease lease = {0};
        struct holder h;
        uint64_t t0, t1, t2, t3;
        int r = 0, status;

        t0 = now_ns();
        if (with_net && (r = jaula_net_prepare(&spec, id, &lease, &err)) < 0)
                die("prepare", &err);
        t1 = now_ns();
        if (spawn_holder(&h, with_net, linger, &lease) < 0)
                die("fork", NULL);
        t2 = now_ns();
        if (with_net && (r = jaula_net_attach(&spec, &lease, h.pid, &err)) < 0)
                die("attach", &err);
        t3 = now_ns();
        if ((r = holder_go(&h, &ret_ns[2])) < 0)
                die("configure_inside", NULL);
        if (!linger)
                waitpid(h.pid, &status, 0);
        uint64_t t4 = now_ns();
        if (with_net && !linger)
                jaula_net_release(&spec, id);
        ret_ns[0] = (int64_t) (t1 - t0);
        ret_ns[1] = (int64_t) (t3 - t2);
        ret_ns[3] = (int64_t) (now_ns() - t4);
        return linger ? h.pid : 0;
}

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
        return x < y ? -1 : x > y;
}

static double median_us(int64_t *v, int n)
{
        qsort(v, (size_t) n, sizeof *v, cmp_i64);
        return (double) v[n / 2] / 1000.0;
}

static void end_all(pid_t *pids, int n, bool with_net)
{
        char id[32];

        for (int i = 0; i < n; i++)
                kill(pids[i], SIGKILL);
        for (int i = 0; i < n; i++) {
                waitpid(pids[i], NULL, 0);
                snprintf(id, sizeof id, "b%d", i);
                if (with_net)
                        jaula_net_release(&spec, id);
        }
        /* Namespaces die asynchronously (under the rtnl lock): let the
         * kernel finish before the next pass is timed. */
        sleep(2);
}

/* Median µs per step over n jails that stay up while the others are made
 * (jail teardown runs asynchronously in the kernel and would otherwise be
 * timed as well), then the same without network: the difference is what
 * the network adds to a login. */
static int cmd_bench(int n)
{
        int64_t *s[4], *tot[2], ns[4];
        pid_t *pids = calloc((size_t) n, sizeof(pid_t));
        char id[32];

        for (int k = 0; k < 4; k++)
                s[k] = calloc((size_t) n, sizeof(int64_t));
        tot[0] = calloc((size_t) n, sizeof(int64_t));
        tot[1] = calloc((size_t) n, sizeof(int64_t));
        for (int pass = 0; pass < 2; pass++) {
                bool with_net = pass == 0;
                for (int i = 0; i < n; i++) {
                        uint64_t t0 = now_ns();
                        snprintf(id, sizeof id, "b%d", i);
                        pids[i] = one_jail(id, with_net, true, ns);
                        tot[pass][i] = (int64_t) (now_ns() - t0);
                        if (with_net)
                                for (int k = 0; k < 3; k++)
                                        s[k][i] = ns[k];
                }
                end_all(pids, n, with_net);
        }
        /* median_us sorts: the minimum is then v[0] (the unloaded cost) */
        double net_total = median_us(tot[0], n), bare = median_us(tot[1], n);
        double m0 = median_us(s[0], n), m1 = median_us(s[1], n), m2 = median_us(s[2], n);
        printf("median of %d: prepare %.0f + attach %.0f + inside %.0f = %.0f us; "
               "jail with network %.0f vs bare netns %.0f: added %.0f us\n",
               n, m0, m1, m2, m0 + m1 + m2, net_total, bare, net_total - bare);
        printf("minimum:      prepare %.0f + attach %.0f + inside %.0f = %.0f us; "
               "jail with network %.0f vs bare netns %.0f: added %.0f us\n",
               s[0][0] / 1e3, s[1][0] / 1e3, s[2][0] / 1e3, (s[0][0] + s[1][0] + s[2][0]) / 1e3,
               tot[0][0] / 1e3, tot[1][0] / 1e3, (tot[0][0] - tot[1][0]) / 1e3);
        return 0;
}

/* n jails up at once (holders linger), then all ended: holders killed,
 * leases released. */
static int cmd_churn(int n)
{
        pid_t *pids = calloc((size_t) n, sizeof(pid_t));
        int64_t ns[4];
        char id[32];

        for (int i = 0; i < n; i++) {
                snprintf(id, sizeof id, "c%d", i);
                pids[i] = one_jail(id, true, true, ns);
        }
        /* the bridge's ports, as the kernel sees them (a test helper may
         * ask ip; /sys/class/net shows the namespace sysfs was mounted in) */
        char cmd[96];
        int ports = -1;
        snprintf(cmd, sizeof cmd, "ip -o link show master %s | wc -l", net.bridges[0]);
        FILE *p = popen(cmd, "r");
        if (p && fscanf(p, "%d", &ports) != 1)
                ports = -1;
        if (p)
                pclose(p);
        printf("%d up, %d ports, %d leases\n", n, ports,
               jaula_ipam_count(spec.state_dir, net.name));
        fflush(stdout);
        for (int i = 0; i < n; i++)
                kill(pids[i], SIGKILL);
        for (int i = 0; i < n; i++) {
                waitpid(pids[i], NULL, 0);
                snprintf(id, sizeof id, "c%d", i);
                jaula_net_release(&spec, id);
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct jaula_err err = {0};
        const char *cmd;
        int n = 0, r;

        if (argc < 2)
                return 2;
        cmd = argv[1];
        if (getenv("JAULA_BENCH_CPU"))
                bench_clock = CLOCK_THREAD_CPUTIME_ID;
        if (strcmp(cmd, "bench") == 0 || strcmp(cmd, "churn") == 0) {
                if (argc < 3)
                        return 2;
                n = atoi(argv[2]);
                argv++, argc--;
        }
        argv++, argc--;
        parse_opts(argc, argv);

        if (strcmp(cmd, "up") == 0)
                return cmd_up();
        if (strcmp(cmd, "bench") == 0)
                return cmd_bench(n);
        if (strcmp(cmd, "churn") == 0)
                return cmd_churn(n);
        if (strcmp(cmd, "prep") == 0) { /* prepare + release only, n times */
                struct jaula_lease l;
                int64_t *v = calloc(256, sizeof *v);
                for (int i = 0; i < 256; i++) {
                        uint64_t t0 = now_ns();
                        if (jaula_net_prepare(&spec, jail_id, &l, &err) < 0)
                                die("prepare", &err);
                        v[i] = (int64_t) (now_ns() - t0);
                        jaula_net_release(&spec, jail_id);
                }
                double med = median_us(v, 256); /* sorts v */
                printf("prepare+release x256: median %.1f us, min %.1f us\n", med, v[0] / 1e3);
                return 0;
        }
        if (strcmp(cmd, "release") == 0)
                return jaula_net_release(&spec, jail_id) < 0;
        if (strcmp(cmd, "lookup") == 0) {
                struct jaula_lease l;
                char text[16];
                if (jaula_net_lookup(&spec, jail_id, &l, &err) < 0)
                        return 1;
                jaula_ipam_format(l.addr, text);
                printf("%s %s %s\n", text, l.bridge, l.host_if);
                return 0;
        }
        if (strcmp(cmd, "gc") == 0) {
                r = jaula_net_gc(spec.state_dir, is_alive, NULL);
                printf("%d\n", r);
                return r < 0;
        }
        if (strcmp(cmd, "count") == 0) {
                r = jaula_ipam_count(spec.state_dir, net.name);
                printf("%d\n", r);
                return r < 0;
        }
        if (strcmp(cmd, "resolv") == 0) {
                char *t = jaula_net_resolv_conf(&spec);
                fputs(t ? t : "", stdout);
                free(t);
                return 0;
        }
        if (strcmp(cmd, "fw-apply") == 0)
                r = jaula_net_firewall_apply(&net, &err);
        else if (strcmp(cmd, "nat-remove") == 0)
                r = jaula_net_nat_remove(&net, &err);
        else if (strcmp(cmd, "fw-remove") == 0)
                r = jaula_net_firewall_remove(&net, &err);
        else if (strcmp(cmd, "teardown") == 0)
                r = jaula_net_teardown(&spec, &err);
        else if (strcmp(cmd, "fw-remove-all") == 0)
                r = jaula_net_firewall_remove_all(&err);
        else
                return 2;
        if (r < 0)
                die(cmd, &err);
        return 0;
}
