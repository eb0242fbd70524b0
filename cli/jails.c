/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jails.c — `jaula list`, `show`, `enter`, `stop`, `gc` and `bridges`: live
 * jails as the state registry (state.h) and the kernel see them.  Needs
 * root.  Nothing here trusts a pid from a state file: holders are reached
 * through a pidfd checked against their recorded start time, and what a
 * jail looks like from inside (address, hostname) is asked of the kernel
 * from a child that joined the holder's namespaces. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "cli.h"
#include "jaula/cgroup.h"
#include "jaula/confine.h"
#include "jaula/jail.h"
#include "jaula/metrics.h"
#include "jaula/ns.h"
#include "jaula/policy.h"
#include "jaula/spec.h"
#include "jaula/state.h"
#include "jaula/util.h"

/* registered in the command table of jaula.c */
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_enter(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_bridges(int argc, char **argv);

#define DEFAULT_STATE_DIR "/run/jaula"
#define EXIT_NOJAIL 6 /* no live jail of that id */

/* ---- what we know of one jail ---------------------------------------- */

struct jail_info {
        struct jaula_jail_state st;
        bool holder_alive;
        int sessions; /* live ones */
        /* from inside the jail (its net and uts namespaces) */
        char hostname[65];
        char ifname[IF_NAMESIZE];
        char address[INET_ADDRSTRLEN + 4]; /* "a.b.c.d/nn" or "" */
        char bridge[IF_NAMESIZE];          /* master of the host end, or "" */
        char host_if[IF_NAMESIZE];
        struct jaula_cgroup_usage usage;
        bool has_usage;
};

struct common_opts {
        const char *config;
        const char *state_dir;
        bool json;
};

static const char *scope_name(enum jaula_scope s)
{
        return s == JAULA_SCOPE_SESSION ? "session" : "user";
}

static const char *lifetime_name(enum jaula_lifetime l)
{
        return l == JAULA_LIFETIME_PROCESSES ? "processes" : "session";
}

/* The registry: --state-dir, else the policy's global.state_dir (--config
 * or the default policy), else the built-in default when the policy cannot
 * be read (a broken policy must not hide the jails that exist). */
static const char *state_dir_of(struct common_opts *o)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        const char *path = o->config ? o->config : JAULA_DEFAULT_CONFIG;
        int r;

        if (o->state_dir)
                return o->state_dir;
        r = jaula_policy_load(path, &p, &d);
        jaula_diags_free(&d);
        if (r >= 0 && jaula_policy_state_dir(p))
                o->state_dir = strdup(jaula_policy_state_dir(p));
        else if (o->config || r != -ENOENT)
                fprintf(stderr, "jaula: cannot read the policy '%s' (%s); using %s\n", path,
                        r == -EINVAL ? "it has errors: see 'jaula check-config'" : strerror(-r),
                        DEFAULT_STATE_DIR);
        jaula_policy_free(p);
        if (!o->state_dir)
                o->state_dir = DEFAULT_STATE_DIR;
        return o->state_dir;
}

static int open_state(struct common_opts *o, const char *cmd)
{
        struct jaula_err err = { 0 };
        struct stat s;
        int fd;

        /* Never create the registry just to list it. */
        if (stat(state_dir_of(o), &s) < 0 && errno == ENOENT)
                return -ENOENT;
        fd = jaula_state_dir_open(state_dir_of(o), &err);
        if (fd < 0)
                fprintf(stderr, "jaula %s: %s\n", cmd, err.msg[0] ? err.msg : strerror(-fd));
        return fd;
}

/* Live sessions: each file in jails/<id>/sessions names its owner. */
static int count_sessions(int sfd, const char *id, FILE *list_to)
{
        char path[JAULA_ID_MAX + 32];
        struct dirent *de;
        int fd, n = 0;
        DIR *d;

        snprintf(path, sizeof path, "jails/%s/sessions", id);
        fd = openat(sfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        while ((de = readdir(d))) {
                pid_t pid;
                uint64_t start;
                bool alive;

                if (de->d_name[0] == '.' || jaula_session_id_parse(de->d_name, &pid, &start) < 0)
                        continue;
                alive = jaula_proc_alive(pid, start);
                n += alive;
                if (list_to)
                        fprintf(list_to, "%s %d %s\n", de->d_name, (int) pid, alive ? "alive" : "dead");
        }
        closedir(d);
        return n;
}

/* ---- looking inside: a child joins net and uts, asks netlink -------- */

struct inside {
        int r;
        char hostname[65];
        char ifname[IF_NAMESIZE];
        char address[INET_ADDRSTRLEN + 4];
        int peer_ifindex; /* IFLA_LINK of the veth: the host end's index */
};

struct dump_ctx {
        struct inside *in;
        int ifindex; /* the first interface that is not loopback */
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
        struct dump_ctx *c = data;
        struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
        struct nlattr *a;
        const char *name = NULL;
        int link = 0;

        if (ifm->ifi_flags & IFF_LOOPBACK || c->ifindex)
                return MNL_CB_OK;
        mnl_attr_for_each(a, nlh, sizeof *ifm) {
                if (mnl_attr_get_type(a) == IFLA_IFNAME)
                        name = mnl_attr_get_str(a);
                else if (mnl_attr_get_type(a) == IFLA_LINK)
                        link = (int) mnl_attr_get_u32(a);
        }
        if (!name)
                return MNL_CB_OK;
        c->ifindex = ifm->ifi_index;
        snprintf(c->in->ifname, sizeof c->in->ifname, "%s", name);
        c->in->peer_ifindex = link;
        return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
        struct dump_ctx *c = data;
        struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        struct nlattr *a;

        if (ifa->ifa_family != AF_INET || (int) ifa->ifa_index != c->ifindex || c->in->address[0])
                return MNL_CB_OK;
        mnl_attr_for_each(a, nlh, sizeof *ifa) {
                if (mnl_attr_get_type(a) == IFA_LOCAL || mnl_attr_get_type(a) == IFA_ADDRESS) {
                        char buf[INET_ADDRSTRLEN];
                        inet_ntop(AF_INET, mnl_attr_get_payload(a), buf, sizeof buf);
                        snprintf(c->in->address, sizeof c->in->address, "%s/%u", buf,
                                 (unsigned) ifa->ifa_prefixlen);
                        break;
                }
        }
        return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, int type, size_t hdrlen, mnl_cb_t cb, void *data)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        unsigned seq = (unsigned) type, portid = mnl_socket_get_portid(nl);
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        ssize_t n;
        int r;

        nlh->nlmsg_type = (uint16_t) type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        nlh->nlmsg_seq = seq;
        /* ifinfomsg and ifaddrmsg both start with the family byte */
        memset(mnl_nlmsg_put_extra_header(nlh, hdrlen), 0, hdrlen);
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        while ((n = mnl_socket_recvfrom(nl, buf, sizeof buf)) > 0) {
                r = mnl_cb_run(buf, (size_t) n, seq, portid, cb, data);
                if (r <= MNL_CB_STOP)
                        return r < 0 ? -errno : 0;
        }
        return n < 0 ? -errno : 0;
}

static void look_inside_child(int pidfd, pid_t pid, unsigned long flags, int out)
{
        struct inside in = { 0 };
        struct dump_ctx c = { .in = &in };
        struct mnl_socket *nl;

        in.r = jaula_ns_join(pidfd, pid, flags);
        if (in.r == 0 && gethostname(in.hostname, sizeof in.hostname - 1) < 0)
                in.hostname[0] = '\0';
        if (in.r == 0 && (flags & CLONE_NEWNET) && (nl = mnl_socket_open(NETLINK_ROUTE))) {
                if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0 &&
                    dump(nl, RTM_GETLINK, sizeof(struct ifinfomsg), link_cb, &c) == 0 && c.ifindex)
                        dump(nl, RTM_GETADDR, sizeof(struct ifaddrmsg), addr_cb, &c);
                mnl_socket_close(nl);
        }
        if (write(out, &in, sizeof in) != sizeof in)
                _exit(1);
        _exit(0);
}

/* The namespaces the holder does not share with us. */
static unsigned long own_namespaces(pid_t holder)
{
        static const struct {
                unsigned long flag;
                const char *name;
        } nss[] = {
                { CLONE_NEWNS, "mnt" },  { CLONE_NEWUTS, "uts" },    { CLONE_NEWIPC, "ipc" },
                { CLONE_NEWNET, "net" }, { CLONE_NEWPID, "pid" },    { CLONE_NEWCGROUP, "cgroup" },
        };
        unsigned long flags = 0;

        for (size_t i = 0; i < ELEMENTSOF(nss); i++) {
                uint64_t a, b;
                if (jaula_ns_ino(holder, nss[i].name, &a) == 0 && jaula_ns_ino(0, nss[i].name, &b) == 0 &&
                    a != b)
                        flags |= nss[i].flag;
        }
        return flags;
}

static void look_inside(struct jail_info *ji)
{
        _cleanup_close_ int pidfd = jaula_pidfd_open_verified(ji->st.holder_pid, ji->st.holder_start);
        unsigned long flags;
        struct inside in = { .r = -EIO };
        int p[2];
        pid_t pid;

        if (pidfd < 0)
                return;
        flags = own_namespaces(ji->st.holder_pid) & (CLONE_NEWNET | CLONE_NEWUTS);
        if (!flags || pipe2(p, O_CLOEXEC) < 0)
                return;
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
                close(p[0]);
                look_inside_child(pidfd, ji->st.holder_pid, flags, p[1]);
        }
        close(p[1]);
        if (pid > 0) {
                if (read(p[0], &in, sizeof in) != sizeof in)
                        in.r = -EIO;
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        close(p[0]);
        if (in.r < 0)
                return;
        snprintf(ji->hostname, sizeof ji->hostname, "%s", in.hostname);
        snprintf(ji->ifname, sizeof ji->ifname, "%s", in.ifname);
        snprintf(ji->address, sizeof ji->address, "%s", in.address);
        /* The host end of the veth, and the bridge it is enslaved to. */
        if (in.peer_ifindex > 0 && if_indextoname((unsigned) in.peer_ifindex, ji->host_if)) {
                char path[64 + IF_NAMESIZE], target[PATH_MAX];
                ssize_t n;

                snprintf(path, sizeof path, "/sys/class/net/%s/master", ji->host_if);
                n = readlink(path, target, sizeof target - 1);
                if (n > 0) {
                        const char *base;

                        target[n] = '\0';
                        base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
                        if (strlen(base) < sizeof ji->bridge)
                                memcpy(ji->bridge, base, strlen(base) + 1);
                }
        }
}

static int load_info(int sfd, const char *state_dir, const char *id, struct jail_info *ji)
{
        struct jaula_spec spec;
        struct jaula_net_spec net;
        int r;

        *ji = (struct jail_info){ 0 };
        r = jaula_state_load(sfd, id, &ji->st);
        if (r < 0)
                return r;
        ji->holder_alive = jaula_proc_alive(ji->st.holder_pid, ji->st.holder_start);
        ji->sessions = count_sessions(sfd, id, NULL);
        jaula_state_spec(&ji->st, state_dir, &spec, &net);
        ji->has_usage = jaula_cgroup_usage(&spec, id, &ji->usage) >= 0;
        if (!ji->has_usage)
                ji->usage.memory_bytes = ji->usage.pids = ji->usage.cpu_usec = -1;
        if (ji->holder_alive)
                look_inside(ji);
        return 0;
}

static int id_cmp(const void *a, const void *b)
{
        return strcmp(((const struct jail_info *) a)->st.id, ((const struct jail_info *) b)->st.id);
}

/* Every jail in the registry, sorted by id.  Returns the count or -errno. */
static int load_all(int sfd, const char *state_dir, struct jail_info **ret)
{
        _cleanup_free_ struct jail_info *v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int fd;
        DIR *d;

        *ret = NULL;
        fd = openat(sfd, "jails", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                if (!jaula_state_id_valid(de->d_name))
                        continue;
                if (n == cap) {
                        struct jail_info *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
                        if (!nv) {
                                closedir(d);
                                return -ENOMEM;
                        }
                        v = nv;
                }
                if (load_info(sfd, state_dir, de->d_name, &v[n]) == 0)
                        n++;
        }
        closedir(d);
        if (n)
                qsort(v, n, sizeof *v, id_cmp);
        *ret = TAKE_PTR(v);
        return (int) n;
}

/* ---- formatting ------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
        fputc('"', f);
        for (; s && *s; s++) {
                unsigned char ch = (unsigned char) *s;
                if (ch == '"' || ch == '\\')
                        fprintf(f, "\\%c", ch);
                else if (ch < 0x20)
                        fprintf(f, "\\u%04x", ch);
                else
                        fputc(ch, f);
        }
        fputc('"', f);
}

static void json_str_or_null(FILE *f, const char *s)
{
        if (s && *s)
                json_str(f, s);
        else
                fputs("null", f);
}

static void json_i64(FILE *f, int64_t v)
{
        if (v < 0)
                fputs("null", f);
        else
                fprintf(f, "%" PRId64, v);
}

static void human_bytes(int64_t b, char *buf, size_t size)
{
        static const char units[] = "KMGT";

        if (b < 0) {
                snprintf(buf, size, "-");
                return;
        }
        if (b < 1024) {
                snprintf(buf, size, "%" PRId64 "B", b);
                return;
        }
        double v = (double) b / 1024;
        size_t u = 0;
        while (v >= 1024 && u + 1 < sizeof units - 1) {
                v /= 1024;
                u++;
        }
        snprintf(buf, size, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void human_duration(int64_t s, char *buf, size_t size)
{
        if (s < 0)
                snprintf(buf, size, "-");
        else if (s < 120)
                snprintf(buf, size, "%" PRId64 "s", s);
        else if (s < 7200)
                snprintf(buf, size, "%" PRId64 "m", s / 60);
        else if (s < 172800)
                snprintf(buf, size, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
        else
                snprintf(buf, size, "%" PRId64 "d", s / 86400);
}

static int64_t uptime_of(const struct jail_info *ji)
{
        return ji->st.created > 0 ? (int64_t) time(NULL) - ji->st.created : -1;
}

static void json_jail(FILE *f, const struct jail_info *ji)
{
        fprintf(f, "{\"id\":");
        json_str(f, ji->st.id);
        fprintf(f, ",\"user\":");
        json_str(f, ji->st.user);
        fprintf(f, ",\"uid\":%u,\"scope\":\"%s\",\"lifetime\":\"%s\",\"linger\":%u",
                (unsigned) ji->st.uid, scope_name(ji->st.scope), lifetime_name(ji->st.lifetime),
                ji->st.linger_sec);
        fprintf(f, ",\"holder_pid\":%d,\"holder_alive\":%s,\"monitor_pid\":%d,\"sessions\":%d",
                (int) ji->st.holder_pid, ji->holder_alive ? "true" : "false", (int) ji->st.monitor_pid,
                ji->sessions);
        /* An intent: being made, or left by a creator killed half way
         * (docs/recovery.md); no holder or monitor yet. */
        fprintf(f, ",\"creating\":%s,\"creator_pid\":%d", ji->st.creating ? "true" : "false",
                (int) ji->st.creator_pid);
        fprintf(f, ",\"hostname\":");
        json_str_or_null(f, ji->hostname);
        fprintf(f, ",\"interface\":");
        json_str_or_null(f, ji->ifname);
        fprintf(f, ",\"address\":");
        json_str_or_null(f, ji->address);
        fprintf(f, ",\"host_interface\":");
        json_str_or_null(f, ji->host_if);
        fprintf(f, ",\"bridge\":");
        json_str_or_null(f, ji->bridge);
        fprintf(f, ",\"network\":");
        json_str_or_null(f, ji->st.net);
        fprintf(f, ",\"group\":");
        json_str_or_null(f, ji->st.group);
        fprintf(f, ",\"created\":%" PRId64 ",\"uptime\":", ji->st.created);
        json_i64(f, uptime_of(ji));
        fprintf(f, ",\"memory_bytes\":");
        json_i64(f, ji->usage.memory_bytes);
        fprintf(f, ",\"pids\":");
        json_i64(f, ji->usage.pids);
        fprintf(f, ",\"cpu_usec\":");
        json_i64(f, ji->usage.cpu_usec);
        fputc('}', f);
}

/* ---- Prometheus (node_exporter textfile; man jaula(8) lists the metrics) */

/* Every sample names the host: textfiles of many hosts gathered in one
 * place (a shared collector, a pushgateway, federation with
 * honor_labels) stay apart, and alert rules need no join on instance. */
static char prom_host[65];

static void prom_head(const char *name, const char *type, const char *help)
{
        printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_start(const char *name)
{
        printf("%s{", name);
        jaula_metrics_label(stdout, "host", prom_host, true);
}

static void prom_metric(const char *name, const char *type, const char *help,
                        const struct jail_info *v, int n, int64_t (*get)(const struct jail_info *),
                        double scale)
{
        prom_head(name, type, help);
        for (int i = 0; i < n; i++) {
                int64_t x = get(&v[i]);
                if (x < 0)
                        continue;
                prom_start(name);
                jaula_metrics_label(stdout, "jail", v[i].st.id, false);
                jaula_metrics_label(stdout, "user", v[i].st.user, false);
                fputs("} ", stdout);
                if (scale == 1)
                        printf("%" PRId64 "\n", x);
                else
                        printf("%.6f\n", (double) x * scale);
        }
}

static int64_t get_sessions(const struct jail_info *j) { return j->sessions; }
static int64_t get_mem(const struct jail_info *j) { return j->usage.memory_bytes; }
static int64_t get_pids(const struct jail_info *j) { return j->usage.pids; }
static int64_t get_cpu(const struct jail_info *j) { return j->usage.cpu_usec; }
static int64_t get_created(const struct jail_info *j) { return j->st.created; }
static int64_t get_alive(const struct jail_info *j) { return j->holder_alive; }
static int64_t get_creating(const struct jail_info *j) { return j->st.creating; }
static int64_t get_one(const struct jail_info *j) { return 1; }

/* Per group (the policy group whose cgroup node the jails share): the sum
 * of get over its jails, unknown values left out.  v is sorted by id, so
 * the groups are found by a scan of the ones already printed. */
static void prom_group_sum(const char *name, const char *help, const struct jail_info *v, int n,
                           int64_t (*get)(const struct jail_info *))
{
        prom_head(name, "gauge", help);
        for (int i = 0; i < n; i++) {
                int64_t sum = 0;
                bool seen = false;

                for (int k = 0; k < i && !seen; k++)
                        seen = strcmp(v[k].st.group, v[i].st.group) == 0;
                if (seen)
                        continue;
                for (int k = i; k < n; k++)
                        if (strcmp(v[k].st.group, v[i].st.group) == 0 && get(&v[k]) > 0)
                                sum += get(&v[k]);
                prom_start(name);
                jaula_metrics_label(stdout, "group", v[i].st.group, false);
                printf("} %" PRId64 "\n", sum);
        }
}

/* The limits today's policy gives each jail's user and group: what a
 * jail made before an edit was given is not recorded anywhere else. */
struct prom_limits {
        struct jaula_limits jail, group;
        bool known;
};

static struct prom_limits *policy_limits(const struct jail_info *v, int n, const char *config)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        struct prom_limits *l;

        l = calloc(n > 0 ? n : 1, sizeof *l);
        if (!l)
                return NULL;
        if (jaula_policy_load(config ? config : JAULA_DEFAULT_CONFIG, &p, &d) < 0) {
                jaula_diags_free(&d);
                return l;
        }
        jaula_diags_free(&d);
        for (int i = 0; i < n; i++) {
                _cleanup_spec_ struct jaula_spec *spec = NULL;
                struct jaula_user user = { 0 };
                struct jaula_err err = { 0 };
                const char *rule = NULL;

                if (jaula_user_lookup_name(v[i].st.user, &user) < 0)
                        continue;
                if (user.uid == v[i].st.uid &&
                    jaula_policy_resolve(p, &user, &spec, &rule, &err) > 0 && spec->group_name &&
                    strcmp(spec->group_name, v[i].st.group) == 0) {
                        l[i].jail = spec->limits;
                        l[i].group = spec->group_limits;
                        l[i].known = true;
                }
                jaula_user_clear(&user);
        }
        jaula_policy_free(p);
        return l;
}

static void prom_limit(const char *name, const char *help, const struct jail_info *v, int n,
                       const struct prom_limits *l, bool group, bool pids)
{
        prom_head(name, "gauge", help);
        for (int i = 0; l && i < n; i++) {
                const struct jaula_limits *x = group ? &l[i].group : &l[i].jail;
                int64_t val = pids ? x->pids_max : x->memory_max;
                bool seen = false;

                if (!l[i].known || val <= 0)
                        continue;
                for (int k = 0; group && k < i && !seen; k++)
                        seen = l[k].known && strcmp(v[k].st.group, v[i].st.group) == 0;
                if (seen)
                        continue;
                prom_start(name);
                if (group)
                        jaula_metrics_label(stdout, "group", v[i].st.group, false);
                else {
                        jaula_metrics_label(stdout, "jail", v[i].st.id, false);
                        jaula_metrics_label(stdout, "user", v[i].st.user, false);
                }
                printf("} %" PRId64 "\n", val);
        }
}

static void print_prometheus(const struct jail_info *v, int n, const char *state_dir,
                             const char *config)
{
        _cleanup_free_ struct prom_limits *lim = policy_limits(v, n, config);
        struct jaula_metrics m;
        struct utsname u;
        int64_t sessions = 0;
        int r;

        snprintf(prom_host, sizeof prom_host, "%s", uname(&u) == 0 ? u.nodename : "");
        prom_head("jaula_build_info", "gauge", "The jaula that wrote this (value 1).");
        prom_start("jaula_build_info");
        jaula_metrics_label(stdout, "version", JAULA_VERSION, false);
        jaula_metrics_label(stdout, "build", JAULA_SRC_STAMP, false);
        jaula_metrics_label(stdout, "state_dir", state_dir, false);
        printf("} 1\n");

        prom_head("jaula_jails", "gauge", "Jails in the state registry.");
        prom_start("jaula_jails");
        printf("} %d\n", n);
        for (int i = 0; i < n; i++)
                sessions += v[i].sessions;
        prom_head("jaula_sessions", "gauge", "Live login sessions in all jails.");
        prom_start("jaula_sessions");
        printf("} %" PRId64 "\n", sessions);
        prom_group_sum("jaula_group_jails", "Jails of each group.", v, n, get_one);
        prom_group_sum("jaula_group_sessions", "Live login sessions in the jails of each group.", v,
                       n, get_sessions);
        prom_group_sum("jaula_group_memory_bytes",
                       "Memory charged to the cgroups of the jails of each group.", v, n, get_mem);
        prom_group_sum("jaula_group_pids",
                       "Processes and threads in the cgroups of the jails of each group.", v, n,
                       get_pids);
        prom_limit("jaula_group_memory_limit_bytes",
                   "The group's memory limit (group_limits) as the policy sets it today.", v, n, lim,
                   true, false);
        prom_limit("jaula_group_pids_limit",
                   "The group's pids limit (group_limits) as the policy sets it today.", v, n, lim,
                   true, true);

        prom_head("jaula_jail_info", "gauge", "Static facts about a jail (value 1).");
        for (int i = 0; i < n; i++) {
                char uid[16];
                snprintf(uid, sizeof uid, "%u", (unsigned) v[i].st.uid);
                prom_start("jaula_jail_info");
                jaula_metrics_label(stdout, "jail", v[i].st.id, false);
                jaula_metrics_label(stdout, "user", v[i].st.user, false);
                jaula_metrics_label(stdout, "uid", uid, false);
                jaula_metrics_label(stdout, "scope", scope_name(v[i].st.scope), false);
                jaula_metrics_label(stdout, "group", v[i].st.group, false);
                jaula_metrics_label(stdout, "network", v[i].st.net, false);
                jaula_metrics_label(stdout, "bridge", v[i].bridge, false);
                jaula_metrics_label(stdout, "address", v[i].address, false);
                printf("} 1\n");
        }
        prom_metric("jaula_jail_up", "gauge", "Whether the jail's holder process is alive.", v, n,
                    get_alive, 1);
        prom_metric("jaula_jail_creating", "gauge",
                    "Whether the jail is still being made, or its maker died half way.", v, n,
                    get_creating, 1);
        prom_metric("jaula_jail_sessions", "gauge", "Live login sessions in the jail.", v, n,
                    get_sessions, 1);
        prom_metric("jaula_jail_start_time_seconds", "gauge",
                    "When the jail was created (unix time).", v, n, get_created, 1);
        prom_metric("jaula_jail_memory_bytes", "gauge", "Memory charged to the jail's cgroup.", v,
                    n, get_mem, 1);
        prom_metric("jaula_jail_pids", "gauge", "Processes and threads in the jail's cgroup.", v, n,
                    get_pids, 1);
        prom_limit("jaula_jail_memory_limit_bytes",
                   "The jail's memory limit as the policy sets it today for its user.", v, n, lim,
                   false, false);
        prom_limit("jaula_jail_pids_limit",
                   "The jail's pids limit as the policy sets it today for its user.", v, n, lim, false,
                   true);
        prom_metric("jaula_jail_cpu_seconds_total", "counter",
                    "CPU time used by the jail's cgroup.", v, n, get_cpu, 1e-6);

        /* The login path's counters: zero until the first event since
         * boot, so that every series exists from the start. */
        r = jaula_metrics_read(state_dir, true, &m);
        if (r < 0 && r != -ENOENT)
                fprintf(stderr, "jaula list: cannot read the counters in '%s/" JAULA_METRICS_DIR
                                "': %s\n",
                        state_dir, strerror(-r));
        else
                jaula_metrics_format(stdout, &m, prom_host);
}

static void print_table(const struct jail_info *v, int n)
{
        printf("%-20s %-16s %-7s %-8s %4s %-18s %-15s %7s %7s %5s %8s\n", "ID", "USER", "SCOPE", "HOLDER",
               "SESS", "ADDRESS", "BRIDGE", "UPTIME", "MEMORY", "PIDS", "CPU");
        for (int i = 0; i < n; i++) {
                const struct jail_info *j = &v[i];
                char holder[16], up[24], mem[16], pids[24], cpu[32];

                if (j->st.creating)
                        snprintf(holder, sizeof holder, "creating");
                else
                        snprintf(holder, sizeof holder, "%d%s", (int) j->st.holder_pid,
                                 j->holder_alive ? "" : "!");
                human_duration(uptime_of(j), up, sizeof up);
                human_bytes(j->usage.memory_bytes, mem, sizeof mem);
                if (j->usage.pids >= 0)
                        snprintf(pids, sizeof pids, "%" PRId64, j->usage.pids);
                else
                        snprintf(pids, sizeof pids, "-");
                if (j->usage.cpu_usec >= 0)
                        snprintf(cpu, sizeof cpu, "%.2fs", (double) j->usage.cpu_usec / 1e6);
                else
                        snprintf(cpu, sizeof cpu, "-");
                printf("%-20s %-16s %-7s %-8s %4d %-18s %-15s %7s %7s %5s %8s\n", j->st.id, j->st.user,
                       scope_name(j->st.scope), holder, j->sessions, j->address[0] ? j->address : "-",
                       j->bridge[0] ? j->bridge : "-", up, mem, pids, cpu);
        }
        if (n == 0)
                printf("(no jails)\n");
}

/* ---- option parsing shared by the commands --------------------------- */

enum { O_CONFIG = 1000, O_STATE_DIR, O_JSON, O_FORMAT, O_USER };

static int parse_common(int argc, char **argv, const char *shortopts, const struct option *extra,
                        struct common_opts *o, int (*on_extra)(int ch, const char *arg, void *ud), void *ud,
                        void (*usage)(FILE *))
{
        struct option opts[16] = {
                { "config", required_argument, NULL, O_CONFIG },
                { "state-dir", required_argument, NULL, O_STATE_DIR },
                { "json", no_argument, NULL, O_JSON },
                { "help", no_argument, NULL, 'h' },
        };
        size_t n = 4;
        int ch;

        for (; extra && extra->name && n < ELEMENTSOF(opts) - 1; extra++)
                opts[n++] = *extra;
        optind = 0;
        while ((ch = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
                switch (ch) {
                case O_CONFIG:
                        o->config = optarg;
                        break;
                case O_STATE_DIR:
                        if (optarg[0] != '/') {
                                fprintf(stderr, "jaula %s: --state-dir takes an absolute path\n", argv[0]);
                                return JAULA_EXIT_USAGE;
                        }
                        o->state_dir = optarg;
                        break;
                case O_JSON:
                        o->json = true;
                        break;
                case 'h':
                        usage(stdout);
                        return -1;
                default:
                        if (on_extra && on_extra(ch, optarg, ud) == 0)
                                break;
                        usage(stderr);
                        return JAULA_EXIT_USAGE;
                }
        }
        return 0;
}

static bool need_root(const char *cmd)
{
        if (geteuid() == 0)
                return true;
        fprintf(stderr, "jaula %s: must be run as root\n", cmd);
        return false;
}

#define COMMON_HELP                                                                               \
        "  --config FILE    the policy whose global.state_dir to use (default " JAULA_DEFAULT_CONFIG ")\n" \
        "  --state-dir DIR  the state registry (default: the policy's, else " DEFAULT_STATE_DIR ")\n" \
        "  --json           one JSON document\n"

/* ---- list ------------------------------------------------------------- */

static int list_extra(int ch, const char *arg, void *ud)
{
        const char **format = ud;

        if (ch != O_FORMAT)
                return -1;
        *format = arg;
        return 0;
}

static void list_usage(FILE *f)
{
        fputs("Usage: jaula list [--config FILE] [--state-dir DIR] [--json | --format table|json|prometheus]\n"
              "List live jails: id, user, scope, holder pid (! = dead), live sessions,\n"
              "address and bridge, uptime, memory, pids and CPU time of its cgroup.\n" COMMON_HELP
              "  --format prometheus  node_exporter textfile collector format\n"
              "Exit status: 0 listed (also when there is none), 2 usage error, 5 failure.\n",
              f);
}

int cmd_list(int argc, char **argv)
{
        static const struct option extra[] = { { "format", required_argument, NULL, O_FORMAT }, {} };
        struct common_opts o = { 0 };
        _cleanup_free_ struct jail_info *v = NULL;
        _cleanup_close_ int sfd = -1;
        const char *format = NULL;
        int r, n;

        r = parse_common(argc, argv, "+h", extra, &o, list_extra, &format, list_usage);
        if (r)
                return r < 0 ? JAULA_EXIT_OK : r;
        if (optind < argc) {
                list_usage(stderr);
                return JAULA_EXIT_USAGE;
        }
        if (!format)
                format = o.json ? "json" : "table";
        if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "prometheus")) {
                fprintf(stderr, "jaula list: --format '%s': expected table, json or prometheus\n", format);
                return JAULA_EXIT_USAGE;
        }
        if (!need_root("list"))
                return JAULA_EXIT_FAILURE;
        sfd = open_state(&o, "list");
        if (sfd == -ENOENT) {
                n = 0;
        } else if (sfd < 0) {
                return JAULA_EXIT_FAILURE;
        } else {
                n = load_all(sfd, state_dir_of(&o), &v);
                if (n < 0) {
                        fprintf(stderr, "jaula list: reading '%s': %s\n", state_dir_of(&o), strerror(-n));
                        return JAULA_EXIT_FAILURE;
                }
        }
        if (!strcmp(format, "json")) {
                printf("{\"state_dir\":");
                json_str(stdout, state_dir_of(&o));
                printf(",\"jails\":[");
                for (int i = 0; i < n; i++) {
                        if (i)
                                putchar(',');
                        json_jail(stdout, &v[i]);
                }
                printf("]}\n");
        } else if (!strcmp(format, "prometheus")) {
                print_prometheus(v, n, state_dir_of(&o), o.config);
        } else {
                print_table(v, n);
        }
        return JAULA_EXIT_OK;
}

/* ---- show ------------------------------------------------------------- */

static void show_usage(FILE *f)
{
        fputs("Usage: jaula show [--config FILE] [--state-dir DIR] [--json] JAIL\n"
              "Everything known about one jail.\n" COMMON_HELP
              "Exit status: 0 shown, 2 usage error, 5 failure, 6 no such jail.\n",
              f);
}

/* Load one jail named on the command line; prints why not. */
static int one_jail(struct common_opts *o, const char *cmd, const char *id, int *ret_sfd,
                    struct jail_info *ji)
{
        int sfd, r;

        if (!jaula_state_id_valid(id)) {
                fprintf(stderr, "jaula %s: '%s' is not a jail id (see 'jaula list')\n", cmd, id);
                return JAULA_EXIT_USAGE;
        }
        sfd = open_state(o, cmd);
        if (sfd == -ENOENT) {
                fprintf(stderr, "jaula %s: no jail '%s'\n", cmd, id);
                return EXIT_NOJAIL;
        }
        if (sfd < 0)
                return JAULA_EXIT_FAILURE;
        r = load_info(sfd, state_dir_of(o), id, ji);
        if (r < 0) {
                close(sfd);
                fprintf(stderr, "jaula %s: no jail '%s'%s%s\n", cmd, id, r == -ENOENT ? "" : ": ",
                        r == -ENOENT ? "" : strerror(-r));
                return r == -ENOENT ? EXIT_NOJAIL : JAULA_EXIT_FAILURE;
        }
        *ret_sfd = sfd;
        return 0;
}

int cmd_show(int argc, char **argv)
{
        struct common_opts o = { 0 };
        struct jail_info ji;
        _cleanup_close_ int sfd = -1;
        _cleanup_free_ char *sessions = NULL;
        size_t slen = 0;
        FILE *mem;
        int r;

        r = parse_common(argc, argv, "+h", NULL, &o, NULL, NULL, show_usage);
        if (r)
                return r < 0 ? JAULA_EXIT_OK : r;
        if (argc - optind != 1) {
                show_usage(stderr);
                return JAULA_EXIT_USAGE;
        }
        if (!need_root("show"))
                return JAULA_EXIT_FAILURE;
        r = one_jail(&o, "show", argv[optind], &sfd, &ji);
        if (r)
                return r;
        mem = open_memstream(&sessions, &slen);
        if (mem) {
                count_sessions(sfd, ji.st.id, mem);
                fclose(mem);
        }

        if (o.json) {
                /* the list entry, plus the sessions */
                printf("{\"jail\":");
                json_jail(stdout, &ji);
                printf(",\"session_ids\":[");
                bool first = true;
                for (char *save = NULL, *l = strtok_r(sessions, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        char sid[64], state[8];
                        int pid;
                        if (sscanf(l, "%63s %d %7s", sid, &pid, state) != 3)
                                continue;
                        printf("%s{\"id\":", first ? "" : ",");
                        json_str(stdout, sid);
                        printf(",\"pid\":%d,\"alive\":%s}", pid, strcmp(state, "alive") ? "false" : "true");
                        first = false;
                }
                printf("]}\n");
                return JAULA_EXIT_OK;
        }

        char up[24], mem_s[16], created[32];
        time_t c = (time_t) ji.st.created;
        struct tm tm;

        human_duration(uptime_of(&ji), up, sizeof up);
        human_bytes(ji.usage.memory_bytes, mem_s, sizeof mem_s);
        if (c > 0 && localtime_r(&c, &tm))
                strftime(created, sizeof created, "%Y-%m-%d %H:%M:%S %z", &tm);
        else
                snprintf(created, sizeof created, "-");
        printf("jail:        %s\n", ji.st.id);
        printf("user:        %s (uid %u)\n", ji.st.user, (unsigned) ji.st.uid);
        printf("scope:       %s\n", scope_name(ji.st.scope));
        printf("lifetime:    %s%s", lifetime_name(ji.st.lifetime), ji.st.linger_sec ? "" : "\n");
        if (ji.st.linger_sec)
                printf(" (linger %us)\n", ji.st.linger_sec);
        if (ji.st.creating)
                printf("creating:    by pid %d, %s\n", (int) ji.st.creator_pid,
                       jaula_proc_alive(ji.st.creator_pid, ji.st.creator_start)
                               ? "alive"
                               : "DEAD (jaula gc releases what it made)");
        printf("holder:      pid %d, %s\n", (int) ji.st.holder_pid, ji.holder_alive ? "alive" : "DEAD");
        printf("monitor:     pid %d, %s\n", (int) ji.st.monitor_pid,
               jaula_proc_alive(ji.st.monitor_pid, ji.st.monitor_start) ? "alive" : "DEAD");
        printf("created:     %s (up %s)\n", created, up);
        printf("hostname:    %s\n", ji.hostname[0] ? ji.hostname : "-");
        printf("network:     %s\n", ji.st.net[0] ? ji.st.net : "(none: loopback only)");
        printf("address:     %s%s%s\n", ji.address[0] ? ji.address : "-", ji.ifname[0] ? " on " : "",
               ji.ifname);
        printf("host end:    %s%s%s\n", ji.host_if[0] ? ji.host_if : "-", ji.bridge[0] ? " on bridge " : "",
               ji.bridge);
        printf("cgroup:      %s%s%s/%s in %s\n", ji.st.cgroup_path, ji.st.cgroup_path[0] ? "/" : "",
               ji.st.group, ji.st.id, ji.st.cgroup_root[0] ? ji.st.cgroup_root : "every mounted hierarchy");
        printf("memory:      %s\n", mem_s);
        if (ji.usage.pids >= 0)
                printf("pids:        %" PRId64 "\n", ji.usage.pids);
        else
                printf("pids:        -\n");
        if (ji.usage.cpu_usec >= 0)
                printf("cpu:         %.2fs\n", (double) ji.usage.cpu_usec / 1e6);
        else
                printf("cpu:         -\n");
        printf("sessions:    %d live\n", ji.sessions);
        for (char *save = NULL, *l = strtok_r(sessions, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                printf("  %s\n", l);
        return JAULA_EXIT_OK;
}

/* ---- stop, gc --------------------------------------------------------- */

static void stop_usage(FILE *f)
{
        fputs("Usage: jaula stop [--config FILE] [--state-dir DIR] [--json] JAIL...\n"
              "Stop jails now: kill every process in them, release the cgroup and the\n"
              "address, remove the state.  Their users' sessions end.\n" COMMON_HELP
              "Exit status: 0 stopped, 2 usage error, 5 failure, 6 no such jail.\n",
              f);
}

static void json_list(const char *key, char **ids, size_t n, bool first)
{
        printf("%s\"%s\":[", first ? "" : ",", key);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        putchar(',');
                json_str(stdout, ids[i]);
        }
        putchar(']');
}

int cmd_stop(int argc, char **argv)
{
        struct common_opts o = { 0 };
        int r, status = JAULA_EXIT_OK;
        _cleanup_free_ char **stopped = NULL, **missing = NULL, **failed = NULL;
        size_t n_stopped = 0, n_missing = 0, n_failed = 0;

        r = parse_common(argc, argv, "+h", NULL, &o, NULL, NULL, stop_usage);
        if (r)
                return r < 0 ? JAULA_EXIT_OK : r;
        if (optind >= argc) {
                stop_usage(stderr);
                return JAULA_EXIT_USAGE;
        }
        if (!need_root("stop"))
                return JAULA_EXIT_FAILURE;
        stopped = calloc((size_t) argc, sizeof *stopped);
        missing = calloc((size_t) argc, sizeof *missing);
        failed = calloc((size_t) argc, sizeof *failed);
        if (!stopped || !missing || !failed)
                return JAULA_EXIT_FAILURE;
        for (int i = optind; i < argc; i++) {
                struct jaula_err err = { 0 };
                struct jaula_jail_state st;
                _cleanup_close_ int sfd = -1;

                if (!jaula_state_id_valid(argv[i])) {
                        fprintf(stderr, "jaula stop: '%s' is not a jail id\n", argv[i]);
                        status = JAULA_EXIT_USAGE;
                        failed[n_failed++] = argv[i];
                        continue;
                }
                sfd = open_state(&o, "stop");
                if (sfd == -ENOENT || (sfd >= 0 && jaula_state_load(sfd, argv[i], &st) < 0)) {
                        fprintf(stderr, "jaula stop: no jail '%s'\n", argv[i]);
                        if (status == JAULA_EXIT_OK)
                                status = EXIT_NOJAIL;
                        missing[n_missing++] = argv[i];
                        continue;
                }
                if (sfd < 0)
                        return JAULA_EXIT_FAILURE;
                r = jaula_jail_destroy(state_dir_of(&o), argv[i], &err);
                if (r < 0) {
                        fprintf(stderr, "jaula stop: %s\n", err.msg[0] ? err.msg : strerror(-r));
                        status = JAULA_EXIT_FAILURE;
                        failed[n_failed++] = argv[i];
                        continue;
                }
                stopped[n_stopped++] = argv[i];
                if (!o.json)
                        printf("stopped %s (user %s)\n", argv[i], st.user);
        }
        if (o.json) {
                putchar('{');
                json_list("stopped", stopped, n_stopped, true);
                json_list("missing", missing, n_missing, false);
                json_list("failed", failed, n_failed, false);
                puts("}");
        }
        return status;
}

static void gc_usage(FILE *f)
{
        fputs("Usage: jaula gc [--config FILE] [--state-dir DIR] [--json]\n"
              "Sweep sessions whose owner died, jails whose holder died or whose\n"
              "lifetime is over, jails whose creator was killed half way, leases,\n"
              "locks and index entries of jails that are gone, and jail cgroups under\n"
              "the policy's cgroup_path that no jail owns and no process uses (each\n"
              "login sweeps a few jails at most every 10 seconds).\n" COMMON_HELP
              "Exit status: 0 swept, 2 usage error, 5 failure.\n",
              f);
}

static int count_jails(struct common_opts *o)
{
        _cleanup_close_ int sfd = open_state(o, "gc");
        _cleanup_close_ int fd = -1;
        struct dirent *de;
        int n = 0;
        DIR *d;

        if (sfd < 0)
                return 0;
        fd = openat(sfd, "jails", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || !(d = fdopendir(fd)))
                return 0;
        TAKE_FD(fd);
        while ((de = readdir(d)))
                n += jaula_state_id_valid(de->d_name);
        closedir(d);
        return n;
}

/* Jail cgroups whose state is gone: looked for where the policy puts
 * jails (global cgroup_root and cgroup_path).  -ENOENT without a policy. */
static int gc_cgroups(struct common_opts *o, struct jaula_err *err)
{
        struct jaula_policy *p = NULL;
        struct jaula_diags d = { 0 };
        int r;

        r = jaula_policy_load(o->config ? o->config : JAULA_DEFAULT_CONFIG, &p, &d);
        jaula_diags_free(&d);
        if (r < 0)
                return r;
        r = jaula_jail_gc_cgroups(state_dir_of(o), jaula_policy_cgroup_root(p),
                                  jaula_policy_cgroup_path(p), err);
        jaula_policy_free(p);
        return r;
}

int cmd_gc(int argc, char **argv)
{
        struct common_opts o = { 0 };
        struct jaula_err err = { 0 };
        struct stat s;
        int r, before, after, cgroups = 0;

        r = parse_common(argc, argv, "+h", NULL, &o, NULL, NULL, gc_usage);
        if (r)
                return r < 0 ? JAULA_EXIT_OK : r;
        if (optind < argc) {
                gc_usage(stderr);
                return JAULA_EXIT_USAGE;
        }
        if (!need_root("gc"))
                return JAULA_EXIT_FAILURE;
        if (stat(state_dir_of(&o), &s) < 0 && errno == ENOENT) {
                before = after = 0;
        } else {
                before = count_jails(&o);
                r = jaula_jail_gc(state_dir_of(&o), &err);
                if (r < 0) {
                        fprintf(stderr, "jaula gc: %s\n", err.msg[0] ? err.msg : strerror(-r));
                        return JAULA_EXIT_FAILURE;
                }
                after = count_jails(&o);
                /* After the jails: their own cgroups went with them. */
                cgroups = gc_cgroups(&o, &err);
                if (cgroups < 0 && cgroups != -ENOENT)
                        fprintf(stderr, "jaula gc: orphan cgroups not swept: %s\n",
                                err.msg[0] ? err.msg : strerror(-cgroups));
                if (cgroups < 0)
                        cgroups = 0;
        }
        if (o.json)
                printf("{\"jails_before\":%d,\"jails_after\":%d,\"removed\":%d,"
                       "\"orphan_cgroups_removed\":%d}\n",
                       before, after, before - after, cgroups);
        else if (cgroups)
                printf("gc: %d jail%s, %d removed, %d orphan cgroup node%s removed\n", after,
                       after == 1 ? "" : "s", before - after, cgroups, cgroups == 1 ? "" : "s");
        else
                printf("gc: %d jail%s, %d removed\n", after, after == 1 ? "" : "s", before - after);
        return JAULA_EXIT_OK;
}

/* ---- enter ------------------------------------------------------------ */

struct enter_opts {
        bool as_user;
};

static int enter_extra(int ch, const char *arg, void *ud)
{
        struct enter_opts *e = ud;

        if (ch != O_USER)
                return -1;
        e->as_user = true;
        return 0;
}

static void enter_usage(FILE *f)
{
        fputs("Usage: jaula enter [--state-dir DIR] [--config FILE] [--user] JAIL [--] [COMMAND [ARG]...]\n"
              "Run COMMAND (default: a shell) inside a live jail: its cgroup and every\n"
              "namespace of its holder.  As root with all capabilities by default; with\n"
              "--user as the jail's user, confined as jailsh confines a login (policy\n"
              "from --config, default " JAULA_DEFAULT_CONFIG ").  No session is registered:\n"
              "the jail may end while COMMAND runs.\n"
              "Exit status: COMMAND's, or 2 usage error, 5 failure, 6 no such jail.\n",
              f);
}

/* Move the caller into every cgroup the holder is in, in each hierarchy
 * (the jail's limits apply to what we run).  /proc/PID/cgroup names them
 * relative to our own cgroup namespace root, which is the host's. */
static int mount_of_hierarchy(const char *controllers, char *ret, size_t size)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        char first[64];

        snprintf(first, sizeof first, "%.*s", (int) strcspn(controllers, ","), controllers);
        if (!f)
                return -errno;
        while (getline(&line, &cap, f) > 0) {
                char *sep = strstr(line, " - "), *save = NULL, *mp = NULL, *tok, fstype[16], src[64], opts[512];

                if (!sep)
                        continue;
                *sep = '\0';
                tok = strtok_r(line, " ", &save);
                for (int i = 0; tok && i < 4; i++)
                        mp = tok = strtok_r(NULL, " ", &save);
                if (!mp || sscanf(sep + 3, "%15s %63s %511s", fstype, src, opts) != 3)
                        continue;
                if (first[0] == '\0' ? strcmp(fstype, "cgroup2") != 0 : strcmp(fstype, "cgroup") != 0)
                        continue;
                if (first[0]) {
                        bool found = false;
                        char *osave = NULL;
                        for (char *o = strtok_r(opts, ",", &osave); o && !found; o = strtok_r(NULL, ",", &osave))
                                found = !strcmp(o, first);
                        if (!found)
                                continue;
                }
                if ((size_t) snprintf(ret, size, "%s", mp) >= size)
                        return -ENAMETOOLONG;
                return 0;
        }
        return -ENOENT;
}

static int join_cgroups_of(pid_t holder)
{
        char path[64];
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        int joined = 0;

        snprintf(path, sizeof path, "/proc/%d/cgroup", (int) holder);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (getline(&line, &cap, f) > 0) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, mnt[PATH_MAX];
                char procs[PATH_MAX * 2];
                int fd, r;

                if (!c2)
                        continue;
                *c2 = '\0';
                c2[1 + strcspn(c2 + 1, "\n")] = '\0';
                if (!strcmp(c2 + 1, "/"))
                        continue; /* the root: nothing of the jail's */
                r = mount_of_hierarchy(c1 + 1, mnt, sizeof mnt);
                if (r == -ENOENT)
                        continue; /* a hierarchy mounted nowhere here */
                if (r < 0)
                        return r;
                snprintf(procs, sizeof procs, "%s%s/cgroup.procs", mnt, c2 + 1);
                fd = open(procs, O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                r = write(fd, "0\n", 2) == 2 ? 0 : neg_errno();
                close(fd);
                if (r < 0)
                        return r;
                joined++;
        }
        return joined;
}

/* What the child needs after it joined: the spec of --user, or NULL. */
static _Noreturn void enter_child(const struct jail_info *ji, int pidfd, unsigned long flags,
                                  const char *state_dir, const struct jaula_spec *user_spec,
                                  char **cmd)
{
        struct jaula_err err = { 0 };
        char *envp[40];
        size_t n = 0;
        int r;

        (void) state_dir;
        r = join_cgroups_of(ji->st.holder_pid);
        if (r < 0) {
                fprintf(stderr, "jaula enter: joining the cgroups of jail '%s': %s\n", ji->st.id, strerror(-r));
                _exit(JAULA_EXIT_FAILURE);
        }
        /* Into the mount namespace last (jaula_ns_join orders it): that
         * sets our root and cwd to the jail's, after the holder's
         * pivot_root. */
        r = jaula_ns_join(pidfd, ji->st.holder_pid, flags & ~(unsigned long) CLONE_NEWPID);
        if (r < 0) {
                fprintf(stderr, "jaula enter: joining jail '%s': %s\n", ji->st.id, strerror(-r));
                _exit(JAULA_EXIT_FAILURE);
        }
        close(pidfd);

        const char *term = getenv("TERM");
        static char e_term[256], e_home[PATH_MAX + 8], e_user[80], e_logname[80], e_shell[PATH_MAX + 8];
        if (term && strlen(term) < 200) {
                snprintf(e_term, sizeof e_term, "TERM=%s", term);
                envp[n++] = e_term;
        }
        if (user_spec) {
                const char *home = user_spec->home ? user_spec->home : user_spec->user.home;

                r = jaula_confine(user_spec, &err);
                if (r < 0) {
                        fprintf(stderr, "jaula enter: confining: %s\n", err.msg[0] ? err.msg : strerror(-r));
                        _exit(JAULA_EXIT_FAILURE);
                }
                if (!home || chdir(home) < 0)
                        if (chdir("/") < 0)
                                _exit(JAULA_EXIT_FAILURE);
                snprintf(e_home, sizeof e_home, "HOME=%s", home ? home : "/");
                snprintf(e_user, sizeof e_user, "USER=%s", user_spec->user.name);
                snprintf(e_logname, sizeof e_logname, "LOGNAME=%s", user_spec->user.name);
                snprintf(e_shell, sizeof e_shell, "SHELL=%s", user_spec->shell);
                envp[n++] = e_home;
                envp[n++] = e_user;
                envp[n++] = e_logname;
                envp[n++] = e_shell;
                envp[n++] = (char *) "PATH=/usr/local/bin:/usr/bin:/bin";
                for (size_t i = 0; i < user_spec->n_env && n < ELEMENTSOF(envp) - 1; i++) {
                        char *kv;
                        if (asprintf(&kv, "%s=%s", user_spec->env[i].name, user_spec->env[i].value) >= 0)
                                envp[n++] = kv;
                }
        } else {
                if (chdir("/root") < 0 && chdir("/") < 0)
                        _exit(JAULA_EXIT_FAILURE);
                envp[n++] = (char *) "HOME=/root";
                envp[n++] = (char *) "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        }
        envp[n] = NULL;
        environ = envp;

        if (cmd && cmd[0]) {
                execvp(cmd[0], cmd);
                fprintf(stderr, "jaula enter: cannot run '%s' in the jail: %s\n", cmd[0], strerror(errno));
                _exit(127);
        }
        const char *shell = user_spec ? user_spec->shell : "/bin/sh";
        char *const sh[] = { (char *) (user_spec ? "-sh" : "sh"), NULL };
        execve(shell, sh, envp);
        fprintf(stderr, "jaula enter: cannot run '%s' in the jail: %s\n", shell, strerror(errno));
        _exit(127);
}

/* The jail's user as the policy jails them today (for --user). */
static int user_spec_of(const struct jail_info *ji, const char *config, struct jaula_spec **ret)
{
        struct jaula_policy *p = NULL;
        struct jaula_user u = { 0 };
        struct jaula_err err = { 0 };
        int r;

        r = cli_load_policy(config, &p, stderr);
        if (r < 0)
                return r;
        r = jaula_user_lookup_uid(ji->st.uid, &u);
        if (r < 0) {
                jaula_policy_free(p);
                fprintf(stderr, "jaula enter: looking up uid %u: %s\n", (unsigned) ji->st.uid, strerror(-r));
                return r;
        }
        r = jaula_policy_resolve(p, &u, ret, NULL, &err);
        jaula_policy_free(p);
        jaula_user_clear(&u);
        if (r == 0) {
                fprintf(stderr, "jaula enter: the policy no longer jails '%s'; refusing --user\n", ji->st.user);
                return -EPERM;
        }
        if (r < 0)
                fprintf(stderr, "jaula enter: %s\n", err.msg);
        return r < 0 ? r : 0;
}

int cmd_enter(int argc, char **argv)
{
        static const struct option extra[] = { { "user", no_argument, NULL, O_USER }, {} };
        struct common_opts o = { 0 };
        struct enter_opts e = { 0 };
        _cleanup_spec_ struct jaula_spec *uspec = NULL;
        _cleanup_close_ int sfd = -1, pidfd = -1;
        struct jail_info ji;
        unsigned long flags;
        sigset_t block, old;
        int r, status;
        pid_t child;

        r = parse_common(argc, argv, "+h", extra, &o, enter_extra, &e, enter_usage);
        if (r)
                return r < 0 ? JAULA_EXIT_OK : r;
        if (optind >= argc) {
                enter_usage(stderr);
                return JAULA_EXIT_USAGE;
        }
        if (!need_root("enter"))
                return JAULA_EXIT_FAILURE;
        r = one_jail(&o, "enter", argv[optind], &sfd, &ji);
        if (r)
                return r;
        if (!ji.holder_alive) {
                fprintf(stderr, "jaula enter: jail '%s' has no live holder (try 'jaula gc')\n", ji.st.id);
                return EXIT_NOJAIL;
        }
        if (e.as_user && user_spec_of(&ji, o.config, &uspec) < 0)
                return JAULA_EXIT_FAILURE;

        pidfd = jaula_pidfd_open_verified(ji.st.holder_pid, ji.st.holder_start);
        if (pidfd < 0) {
                fprintf(stderr, "jaula enter: jail '%s' ended\n", ji.st.id);
                return EXIT_NOJAIL;
        }
        flags = own_namespaces(ji.st.holder_pid);
        /* A pid namespace applies to children: join it, then fork. */
        if (flags & CLONE_NEWPID) {
                r = jaula_ns_join(pidfd, ji.st.holder_pid, CLONE_NEWPID);
                if (r < 0) {
                        fprintf(stderr, "jaula enter: joining the pid namespace of '%s': %s\n", ji.st.id,
                                strerror(-r));
                        return JAULA_EXIT_FAILURE;
                }
        }
        /* Terminal signals reach the child (same process group); we only
         * wait for it. */
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGQUIT);
        sigprocmask(SIG_BLOCK, &block, &old);
        fflush(NULL);
        child = fork();
        if (child < 0) {
                fprintf(stderr, "jaula enter: fork: %s\n", strerror(errno));
                return JAULA_EXIT_FAILURE;
        }
        if (child == 0) {
                sigprocmask(SIG_SETMASK, &old, NULL);
                close(sfd);
                char **cmd = argv + optind + 1;

                if (cmd[0] && !strcmp(cmd[0], "--"))
                        cmd++;
                enter_child(&ji, pidfd, flags, state_dir_of(&o), uspec, cmd);
        }
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return JAULA_EXIT_FAILURE;
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

/* ---- bridges ---------------------------------------------------------- */

struct bridge_info {
        char name[IF_NAMESIZE];
        char oper[16];
        char addrs[256];
        int ports, jail_ports, isolated;
        int jails; /* registered jails whose veth is on it */
};

static void read_small(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        buf[0] = '\0';
        if (fd < 0)
                return;
        n = read(fd, buf, size - 1);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
}

static void bridge_fill(struct bridge_info *b, struct ifaddrs *ifa)
{
        char path[600], val[16];
        struct dirent *de;
        DIR *d;

        snprintf(path, sizeof path, "/sys/class/net/%.15s/operstate", b->name);
        read_small(path, b->oper, sizeof b->oper);
        snprintf(path, sizeof path, "/sys/class/net/%.15s/brif", b->name);
        d = opendir(path);
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                b->ports++;
                /* jaula's host ends are named jv… (ipam.h) */
                b->jail_ports += !strncmp(de->d_name, "jv", 2);
                snprintf(path, sizeof path, "/sys/class/net/%.15s/brif/%.255s/isolated", b->name, de->d_name);
                read_small(path, val, sizeof val);
                b->isolated += !strcmp(val, "1");
        }
        if (d)
                closedir(d);
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                char a[INET_ADDRSTRLEN];
                unsigned prefix = 0;
                size_t n = strlen(b->addrs);

                if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, b->name))
                        continue;
                inet_ntop(AF_INET, &((struct sockaddr_in *) i->ifa_addr)->sin_addr, a, sizeof a);
                if (i->ifa_netmask)
                        prefix = (unsigned) __builtin_popcount(((struct sockaddr_in *) i->ifa_netmask)->sin_addr.s_addr);
                snprintf(b->addrs + n, sizeof b->addrs - n, "%s%s/%u", n ? "," : "", a, prefix);
        }
}

static void bridges_usage(FILE *f)
{
        fputs("Usage: jaula bridges [--config FILE] [--state-dir DIR] [--json]\n"
              "The bridges that live jails are attached to, and every bridge with a\n"
              "jaula veth (jv…) port: state, addresses, ports, jail ports, isolated ports.\n" COMMON_HELP
              "Exit status: 0, 2 usage error, 5 failure.\n",
              f);
}

int cmd_bridges(int argc, char **argv)
{
        struct common_opts o = { 0 };
        _cleanup_free_ struct jail_info *v = NULL;
        struct bridge_info b[64];
        struct ifaddrs *ifa = NULL;
        _cleanup_close_ int sfd = -1;
        struct dirent *de;
        size_t nb = 0;
        int r, n = 0;
        DIR *d;

        r = parse_common(argc, argv, "+h", NULL, &o, NULL, NULL, bridges_usage);
        if (r)
                return r < 0 ? JAULA_EXIT_OK : r;
        if (optind < argc) {
                bridges_usage(stderr);
                return JAULA_EXIT_USAGE;
        }
        if (!need_root("bridges"))
                return JAULA_EXIT_FAILURE;
        sfd = open_state(&o, "bridges");
        if (sfd >= 0)
                n = load_all(sfd, state_dir_of(&o), &v);
        if (n < 0)
                n = 0;

        /* Every host bridge with a jaula port or a registered jail on it. */
        d = opendir("/sys/class/net");
        while (d && (de = readdir(d)) && nb < ELEMENTSOF(b)) {
                char path[300];
                struct stat s;
                bool ours = false;

                if (de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE)
                        continue;
                snprintf(path, sizeof path, "/sys/class/net/%s/bridge", de->d_name);
                if (stat(path, &s) < 0)
                        continue;
                for (int i = 0; i < n && !ours; i++)
                        ours = !strcmp(v[i].bridge, de->d_name);
                b[nb] = (struct bridge_info){ 0 };
                snprintf(b[nb].name, sizeof b[nb].name, "%s", de->d_name);
                if (!ours) {
                        /* a jv… port is enough */
                        DIR *p;
                        struct dirent *pe;
                        snprintf(path, sizeof path, "/sys/class/net/%s/brif", de->d_name);
                        p = opendir(path);
                        while (p && (pe = readdir(p)) && !ours)
                                ours = !strncmp(pe->d_name, "jv", 2);
                        if (p)
                                closedir(p);
                }
                if (ours)
                        nb++;
        }
        if (d)
                closedir(d);
        getifaddrs(&ifa);
        for (size_t i = 0; i < nb; i++) {
                bridge_fill(&b[i], ifa);
                for (int j = 0; j < n; j++)
                        b[i].jails += !strcmp(v[j].bridge, b[i].name);
        }
        if (ifa)
                freeifaddrs(ifa);

        if (o.json) {
                printf("{\"bridges\":[");
                for (size_t i = 0; i < nb; i++) {
                        printf("%s{\"name\":", i ? "," : "");
                        json_str(stdout, b[i].name);
                        printf(",\"state\":");
                        json_str(stdout, b[i].oper);
                        printf(",\"addresses\":[");
                        char tmp[256];
                        snprintf(tmp, sizeof tmp, "%s", b[i].addrs);
                        bool first = true;
                        for (char *save = NULL, *a = strtok_r(tmp, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
                                printf("%s", first ? "" : ",");
                                json_str(stdout, a);
                                first = false;
                        }
                        printf("],\"ports\":%d,\"jail_ports\":%d,\"isolated_ports\":%d,\"jails\":%d}",
                               b[i].ports, b[i].jail_ports, b[i].isolated, b[i].jails);
                }
                printf("]}\n");
                return JAULA_EXIT_OK;
        }
        printf("%-15s %-8s %-20s %5s %10s %8s %5s\n", "BRIDGE", "STATE", "ADDRESS", "PORTS", "JAIL-PORTS",
               "ISOLATED", "JAILS");
        for (size_t i = 0; i < nb; i++)
                printf("%-15s %-8s %-20s %5d %10d %8d %5d\n", b[i].name, b[i].oper,
                       b[i].addrs[0] ? b[i].addrs : "-", b[i].ports, b[i].jail_ports, b[i].isolated,
                       b[i].jails);
        if (nb == 0)
                printf("(no bridge with jails)\n");
        return JAULA_EXIT_OK;
}
