/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel.c — `jaula check-kernel`: which kernel features jaula needs are
 * present, found by trying each one (in a throwaway child where trying
 * changes anything) and, where trying is impossible, by the kernel's own
 * lists (/proc/filesystems, /sys/module, the kernel config).  Complete
 * only as root: without CAP_SYS_ADMIN most probes report "unknown". */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/filter.h>
#include <linux/if_link.h>
#include <linux/loop.h>
#include <linux/openat2.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <nftables/libnftables.h>

/* registered in the command table of jaula.c */
int cmd_check_kernel(int argc, char **argv);
int cli_kernel_runs_i386(char *why, size_t size);
#include "cli.h"
#include "jaula/cgroot.h"
#include "jaula/cgroup.h"
#include "jaula/policy.h"
#include "jaula/util.h"

enum status { ST_OK, ST_MISSING, ST_UNKNOWN };

struct check {
        const char *group;
        const char *name;
        bool required;
        const char *disables; /* what a MISSING result takes away */
        enum status st;
        char detail[256];
};

#define MAX_CHECKS 48
static struct check checks[MAX_CHECKS];
static size_t n_checks;

static struct check *add(const char *group, const char *name, bool required, const char *disables)
{
        struct check *c;

        if (n_checks >= MAX_CHECKS)
                abort();
        c = &checks[n_checks++];
        *c = (struct check){ .group = group, .name = name, .required = required,
                             .disables = disables, .st = ST_UNKNOWN };
        return c;
}

_printf_(3, 4) static void set(struct check *c, enum status st, const char *fmt, ...)
{
        va_list ap;

        c->st = st;
        va_start(ap, fmt);
        vsnprintf(c->detail, sizeof c->detail, fmt, ap);
        va_end(ap);
}

/* ---- running a probe in a child -------------------------------------- */

/* The probe's result travels back over a pipe: its return value (0 or
 * -errno) and a short message. */
struct probe_result {
        int r;
        char msg[200];
};

typedef int (*probe_fn)(void *arg, char *msg, size_t size);

static struct probe_result in_child(probe_fn fn, void *arg)
{
        struct probe_result res = { .r = -EIO };
        int p[2];
        pid_t pid;

        fflush(NULL);
        if (pipe2(p, O_CLOEXEC) < 0) {
                res.r = -errno;
                return res;
        }
        pid = fork();
        if (pid < 0) {
                res.r = -errno;
                close(p[0]);
                close(p[1]);
                return res;
        }
        if (pid == 0) {
                close(p[0]);
                res.msg[0] = '\0';
                res.r = fn(arg, res.msg, sizeof res.msg);
                if (write(p[1], &res, sizeof res) != sizeof res)
                        _exit(2);
                _exit(0);
        }
        close(p[1]);
        if (read(p[0], &res, sizeof res) != sizeof res) {
                int status = 0;

                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
                close(p[0]);
                res.r = -ECHILD;
                if (WIFSIGNALED(status))
                        snprintf(res.msg, sizeof res.msg, "the probe was killed by signal %d",
                                 WTERMSIG(status));
                else
                        snprintf(res.msg, sizeof res.msg, "the probe exited with status %d",
                                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
                return res;
        }
        close(p[0]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return res;
}

/* ---- kernel config and modules (static evidence) ---------------------- */

static char *kconfig; /* the kernel config text, or NULL when not found */
static char kconfig_src[PATH_MAX];
static struct utsname uts;

static char *read_all_fd(int fd)
{
        size_t len = 0, cap = 0;
        char *buf = NULL;

        for (;;) {
                ssize_t n;

                if (cap - len < 4096) {
                        char *nb = realloc(buf, cap + 65536);
                        if (!nb) {
                                free(buf);
                                return NULL;
                        }
                        buf = nb;
                        cap += 65536;
                }
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        free(buf);
                        return NULL;
                }
                if (n == 0)
                        break;
                len += n;
        }
        buf[len] = '\0';
        return buf;
}

static char *read_file(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return NULL;
        return read_all_fd(fd);
}

/* /proc/config.gz through gzip (argv, no shell): no zlib dependency for a
 * file that is read once. */
static char *read_gzip(const char *path)
{
        int p[2];
        pid_t pid;
        char *text;
        int status;

        if (access(path, R_OK) < 0 || pipe2(p, O_CLOEXEC) < 0)
                return NULL;
        pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return NULL;
        }
        if (pid == 0) {
                char *const argv[] = { "gzip", "-dc", (char *) path, NULL };
                int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

                dup2(p[1], STDOUT_FILENO);
                if (devnull >= 0)
                        dup2(devnull, STDERR_FILENO);
                execvp("gzip", argv);
                _exit(127);
        }
        close(p[1]);
        text = read_all_fd(p[0]);
        close(p[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

static void load_kconfig(void)
{
        snprintf(kconfig_src, sizeof kconfig_src, "/boot/config-%s", uts.release);
        kconfig = read_file(kconfig_src);
        if (!kconfig) {
                snprintf(kconfig_src, sizeof kconfig_src, "/proc/config.gz");
                kconfig = read_gzip(kconfig_src);
        }
        if (!kconfig)
                kconfig_src[0] = '\0';
}

/* 'y', 'm', 'n' (not set), or 0 when there is no config to ask. */
static char kconfig_value(const char *option)
{
        char key[96];
        const char *p;
        size_t klen;

        if (!kconfig)
                return 0;
        klen = (size_t) snprintf(key, sizeof key, "CONFIG_%s=", option);
        for (p = kconfig; (p = strstr(p, key)); p += klen)
                if (p == kconfig || p[-1] == '\n')
                        return p[klen] == 'y' || p[klen] == 'm' ? p[klen] : 'n';
        return 'n';
}

/* Whether the module file for NAME is installed for the running kernel
 * (modules.dep lists "kernel/…/NAME.ko[.xz|.zst]:"), or it is built in. */
static bool module_available(const char *name, const char **how)
{
        char path[PATH_MAX], needle[80];
        _cleanup_free_ char *dep = NULL, *builtin = NULL;

        snprintf(path, sizeof path, "/sys/module/%s", name);
        if (access(path, F_OK) == 0) {
                *how = "loaded or built in";
                return true;
        }
        snprintf(needle, sizeof needle, "/%s.ko", name);
        snprintf(path, sizeof path, "/lib/modules/%s/modules.builtin", uts.release);
        builtin = read_file(path);
        if (builtin && strstr(builtin, needle)) {
                *how = "built in";
                return true;
        }
        snprintf(path, sizeof path, "/lib/modules/%s/modules.dep", uts.release);
        dep = read_file(path);
        if (dep && strstr(dep, needle)) {
                *how = "module available, loaded on first use";
                return true;
        }
        return false;
}

/* After a failed try: a module that exists but was not loaded points at
 * module loading (no modprobe, modules disabled) rather than the kernel. */
static const char *module_hint(const char *module)
{
        static char hint[160];
        char path[PATH_MAX];
        const char *how;

        snprintf(path, sizeof path, "/sys/module/%s", module);
        if (access(path, F_OK) != 0 && module_available(module, &how)) {
                snprintf(hint, sizeof hint, "; module %s is installed but was not loaded (modprobe %s)",
                         module, module);
                return hint;
        }
        return "";
}

/* Static evidence for a feature that could not be tried: the config
 * option, else the module. */
static void static_evidence(struct check *c, const char *option, const char *module,
                            const char *why_not_tried)
{
        char v = option ? kconfig_value(option) : 0;
        const char *how;

        if (v == 'y' || v == 'm') {
                set(c, ST_OK, "CONFIG_%s=%c in %s (%s)", option, v, kconfig_src, why_not_tried);
                return;
        }
        if (module && module_available(module, &how)) {
                set(c, ST_OK, "%s: %s (%s)", module, how, why_not_tried);
                return;
        }
        if (v == 'n') {
                set(c, ST_MISSING, "CONFIG_%s is not set in %s", option, kconfig_src);
                return;
        }
        set(c, ST_UNKNOWN, "%s; no kernel config found to tell", why_not_tried);
}

/* ---- namespaces -------------------------------------------------------- */

static int probe_unshare(void *arg, char *msg, size_t size)
{
        int flag = *(int *) arg;

        if (unshare(flag) < 0)
                return -errno;
        return 0;
}

static void check_namespaces(void)
{
        static const struct {
                const char *name, *ns, *flagname, *disables;
                int flag;
                bool required;
        } nss[] = {
                { "mnt namespace", "mnt", "CLONE_NEWNS", "the jail's own mounts and pivot_root (every jail)",
                  CLONE_NEWNS, true },
                { "uts namespace", "uts", "CLONE_NEWUTS", "the jail's own hostname (every jail)",
                  CLONE_NEWUTS, true },
                { "ipc namespace", "ipc", "CLONE_NEWIPC", "the jail's own SysV IPC and POSIX queues (every jail)",
                  CLONE_NEWIPC, true },
                { "pid namespace", "pid", "CLONE_NEWPID", "the holder as PID 1 and the jail's own process tree (every jail)",
                  CLONE_NEWPID, true },
                { "net namespace", "net", "CLONE_NEWNET", "the jail's own network stack (every jail)",
                  CLONE_NEWNET, true },
                { "cgroup namespace", "cgroup", "CLONE_NEWCGROUP", "hiding the host's cgroup tree from the jail (every jail)",
                  CLONE_NEWCGROUP, true },
                { "user namespace", "user", "CLONE_NEWUSER",
                  "nothing jaula does today (jails run without user namespaces)", CLONE_NEWUSER, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(nss); i++) {
                struct check *c = add("namespaces", nss[i].name, nss[i].required, nss[i].disables);
                char path[64];
                struct probe_result r;
                int flag = nss[i].flag;

                r = in_child(probe_unshare, &flag);
                if (r.r == 0) {
                        set(c, ST_OK, "unshare(%s) works", nss[i].flagname);
                        continue;
                }
                snprintf(path, sizeof path, "/proc/self/ns/%s", nss[i].ns);
                if (r.r == -EPERM && access(path, F_OK) == 0)
                        set(c, ST_UNKNOWN, "%s exists, but unshare needs privilege (run as root)", path);
                else if (r.r == -EINVAL || access(path, F_OK) < 0)
                        set(c, ST_MISSING, "unshare: %s", strerror(-r.r));
                else
                        set(c, ST_MISSING, "unshare: %s (%s exists; limited by sysctl?)",
                            strerror(-r.r), path);
        }
}

/* ---- cgroups ----------------------------------------------------------- */

struct cg_mount {
        char path[PATH_MAX];
        char opts[512];
        bool v2;
};

static struct cg_mount cg_mounts[32];
static size_t n_cg_mounts;
static const struct cg_mount *cg_unified;

/* mountinfo escapes blanks as \040 */
static void unescape(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] && r[3]) {
                        *w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

static void scan_cgroup_mounts(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (!f)
                return;
        while (getline(&line, &cap, f) > 0 && n_cg_mounts < ELEMENTSOF(cg_mounts)) {
                char *sep = strstr(line, " - "), *fields[5] = { 0 }, *save = NULL, *tok;
                char fstype[32], src[64], sopts[512];
                int i = 0;

                if (!sep)
                        continue;
                *sep = '\0';
                for (tok = strtok_r(line, " ", &save); tok && i < 5; tok = strtok_r(NULL, " ", &save))
                        fields[i++] = tok;
                if (i < 5 || sscanf(sep + 3, "%31s %63s %511s", fstype, src, sopts) != 3)
                        continue;
                if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2"))
                        continue;
                struct cg_mount *m = &cg_mounts[n_cg_mounts++];
                snprintf(m->path, sizeof m->path, "%s", fields[4]);
                unescape(m->path);
                snprintf(m->opts, sizeof m->opts, "%s", sopts);
                m->v2 = strcmp(fstype, "cgroup2") == 0;
                if (m->v2 && !cg_unified)
                        cg_unified = m;
        }
}

static bool has_word(const char *list, const char *word, const char *seps)
{
        size_t n = strlen(word);

        for (const char *p = list; (p = strstr(p, word)); p += n)
                if ((p == list || strchr(seps, p[-1])) && (p[n] == '\0' || strchr(seps, p[n])))
                        return true;
        return false;
}

/* The v1 mount that carries CONTROLLER, or NULL. */
static const struct cg_mount *v1_mount_of(const char *controller)
{
        for (size_t i = 0; i < n_cg_mounts; i++)
                if (!cg_mounts[i].v2 && has_word(cg_mounts[i].opts, controller, ","))
                        return &cg_mounts[i];
        return NULL;
}

/* Whether /proc/cgroups says the kernel has CONTROLLER enabled. */
static bool kernel_has_controller(const char *controller)
{
        _cleanup_free_ char *text = read_file("/proc/cgroups");
        char needle[40];

        if (!text)
                return false;
        snprintf(needle, sizeof needle, "\n%s\t", controller);
        return strstr(text, needle) != NULL;
}

/* A memory.swap.max file of a child of the v2 root: an existing child,
 * else a throwaway jaula-probe-PID cgroup (root only; removed at once). */
static bool v2_swap_file(char *ret, size_t size)
{
        char probe[PATH_MAX + 64];
        struct dirent *de;
        bool found = false;
        DIR *d = opendir(cg_unified->path);

        while (d && !found && (de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (snprintf(ret, size, "%s/%.255s/memory.swap.max", cg_unified->path, de->d_name) >=
                    (int) size)
                        continue;
                found = access(ret, F_OK) == 0;
        }
        if (d)
                closedir(d);
        if (found)
                return true;
        snprintf(probe, sizeof probe, "%s/jaula-probe-%d", cg_unified->path, (int) getpid());
        if (mkdir(probe, 0700) < 0)
                return false;
        found = snprintf(ret, size, "%s/memory.swap.max", probe) < (int) size && access(ret, F_OK) == 0;
        rmdir(probe);
        if (found)
                snprintf(ret, size, "memory.swap.max (in a throwaway child cgroup)");
        return found;
}

/* The backend jails get here (docs/design.md, "Jails on a systemd host"),
 * with the default cgroup_root: `jaula check-config` judges a configured
 * one.  On systemd, machined is what makes jails visible to machinectl. */
static void check_backend(void)
{
        enum jaula_cgroup_mode mode = jaula_cgroup_detect(NULL);
        char top[256] = "jaula.slice";
        struct check *c;

        jaula_cgroup_top_slice(NULL, top, sizeof top);
        c = add("cgroups", "cgroup backend", true, "every cgroup limit and the cleanup of a jail's processes");
        if (mode == JAULA_CGROUP_SYSTEMD)
                set(c, ST_OK, "systemd (%s, cgroup v2): each jail a transient scope", top);
        else if (mode == JAULA_CGROUP_HYBRID && access("/run/systemd/system", F_OK) == 0)
                set(c, ST_OK, "hybrid: the v1 backend (systemd delegates no v1 controller)");
        else if (mode != JAULA_CGROUP_NONE)
                set(c, ST_OK, "%s: jaula's own tree (PID 1 is not systemd)", jaula_cgroup_mode_name(mode));
        else
                set(c, ST_MISSING, "no usable cgroup hierarchy");

        c = add("cgroups", "systemd-machined", false, "jails in machinectl list/status/terminate");
        if (mode != JAULA_CGROUP_SYSTEMD)
                set(c, ST_MISSING, "not the systemd backend");
        else if (access("/usr/share/dbus-1/system-services/org.freedesktop.machine1.service", F_OK) == 0 ||
                 access("/lib/systemd/systemd-machined", X_OK) == 0)
                set(c, ST_OK, "org.freedesktop.machine1 is installed");
        else
                set(c, ST_MISSING, "not installed (package systemd-container)");
}

static void check_cgroups(void)
{
        static const struct {
                const char *v2, *v1, *disables;
                bool required;
        } ctl[] = {
                { "memory", "memory", "memory limits (memory_max, swap_max)", true },
                { "pids", "pids", "process count limits (pids_max)", true },
                { "cpu", "cpu", "CPU quota and weight (cpu_quota, cpu_weight)", true },
                { "io", "blkio", "I/O weight (io_weight)", false },
        };
        _cleanup_free_ char *v2ctl = NULL;
        struct check *c;
        size_t n_v1 = 0;

        scan_cgroup_mounts();
        for (size_t i = 0; i < n_cg_mounts; i++)
                n_v1 += !cg_mounts[i].v2;
        if (cg_unified) {
                char path[PATH_MAX + 32];
                snprintf(path, sizeof path, "%s/cgroup.controllers", cg_unified->path);
                v2ctl = read_file(path);
                if (v2ctl)
                        v2ctl[strcspn(v2ctl, "\n")] = '\0';
        }

        c = add("cgroups", "cgroup hierarchy", true, "every cgroup limit and the cleanup of a jail's processes");
        if (cg_unified && n_v1 == 0)
                set(c, ST_OK, "v2 (unified) at %s, controllers: %s", cg_unified->path,
                    v2ctl && *v2ctl ? v2ctl : "none");
        else if (cg_unified)
                set(c, ST_OK, "hybrid: %zu v1 hierarchies, v2 at %s with controllers: %s", n_v1,
                    cg_unified->path, v2ctl && *v2ctl ? v2ctl : "none");
        else if (n_v1)
                set(c, ST_OK, "v1: %zu hierarchies, no v2 mount", n_v1);
        else
                set(c, ST_MISSING, "no cgroup or cgroup2 file system is mounted");

        check_backend();

        for (size_t i = 0; i < ELEMENTSOF(ctl); i++) {
                char name[40];
                const struct cg_mount *m;

                snprintf(name, sizeof name, "%s controller", ctl[i].v2);
                c = add("cgroups", strdup(name), ctl[i].required, ctl[i].disables);
                if (v2ctl && has_word(v2ctl, ctl[i].v2, " "))
                        set(c, ST_OK, "v2 %s/cgroup.controllers", cg_unified->path);
                else if ((m = v1_mount_of(ctl[i].v1)))
                        set(c, ST_OK, "v1 %s", m->path);
                else if (kernel_has_controller(ctl[i].v1))
                        set(c, ST_MISSING, "the kernel has '%s' (/proc/cgroups) but no hierarchy "
                                           "is mounted with it", ctl[i].v1);
                else
                        set(c, ST_MISSING, "not in /proc/cgroups and not in any mounted hierarchy");
        }

        c = add("cgroups", "swap accounting", false, "swap limits (swap_max)");
        {
                const struct cg_mount *m = v1_mount_of("memory");
                char path[PATH_MAX + 40];
                bool v2mem = v2ctl && has_word(v2ctl, "memory", " ");

                if (v2mem) {
                        /* memory.swap.* exist in every non-root v2 cgroup
                         * with the memory controller: look for one. */
                        char v = kconfig_value("MEMCG_SWAP");
                        if (v2_swap_file(path, sizeof path))
                                set(c, ST_OK, "%s exists", path);
                        else if (v == 'y')
                                set(c, ST_OK, "CONFIG_MEMCG_SWAP=y in %s", kconfig_src);
                        else if (kconfig_value("SWAP") == 'y' && kconfig_value("MEMCG") == 'y')
                                set(c, ST_OK, "CONFIG_SWAP and CONFIG_MEMCG are set in %s", kconfig_src);
                        else
                                set(c, ST_UNKNOWN, "no memory.swap.max seen and no kernel config to tell");
                } else if (m) {
                        snprintf(path, sizeof path, "%s/memory.memsw.limit_in_bytes", m->path);
                        if (access(path, F_OK) == 0)
                                set(c, ST_OK, "%s exists", path);
                        else
                                set(c, ST_MISSING, "%s is absent (boot with swapaccount=1)", path);
                } else {
                        set(c, ST_MISSING, "no memory controller");
                }
        }
}

/* An explicit cgroup_root in the policy (none: no line): the same check a
 * login makes before it creates anything (cgroot.h).  A policy that does
 * not load is check-config's business, not this one's. */
static void check_cgroup_root(const char *config)
{
        struct jaula_policy *p = NULL;
        struct jaula_cgroot_facts f;
        char msg[512], fix[512];
        const char *root;
        struct check *c;
        FILE *devnull = fopen("/dev/null", "we");

        if (!devnull)
                return;
        if (cli_load_policy_flags(config, JAULA_POLICY_NO_CACHE_READ | JAULA_POLICY_NO_CACHE_WRITE,
                                  &p, devnull) < 0) {
                fclose(devnull);
                return;
        }
        fclose(devnull);
        root = jaula_policy_cgroup_root(p);
        if (root && root[0] && jaula_cgroot_probe(root, &f) >= 0) {
                c = add("cgroups", "configured cgroup_root", true,
                        "every login (the policy's cgroup_root cannot hold jails)");
                if (jaula_cgroot_judge_root(root, &f, msg, sizeof msg, fix, sizeof fix) < 0)
                        set(c, ST_MISSING, "%s — %s", msg, fix);
                else
                        set(c, ST_OK, "%s: %s", root,
                            f.mode == JAULA_CGROUP_V2 ? "a cgroup2 directory" : "cgroup v1 hierarchies");
        }
        jaula_policy_free(p);
}

/* ---- network ----------------------------------------------------------- */

/* In a child with a private network namespace: RTM_NEWLINK of KIND. */
static int probe_link(void *arg, char *msg, size_t size)
{
        const char *kind = arg;
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct mnl_socket *nl;
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifm;
        struct nlattr *li;
        unsigned portid, seq = 1;
        ssize_t n;
        int r;

        if (unshare(CLONE_NEWNET) < 0)
                return -errno;
        nl = mnl_socket_open(NETLINK_ROUTE);
        if (!nl)
                return -errno;
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
                return -errno;
        portid = mnl_socket_get_portid(nl);
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWLINK;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
        nlh->nlmsg_seq = seq;
        ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
        ifm->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, "jaula-probe0");
        li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
        mnl_attr_nest_end(nlh, li);
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        n = mnl_socket_recvfrom(nl, buf, sizeof buf);
        if (n < 0)
                return -errno;
        r = mnl_cb_run(buf, (size_t) n, seq, portid, NULL, NULL);
        return r < 0 ? -errno : 0;
}

static void check_link(const char *kind, const char *name, const char *module, const char *option,
                       const char *disables)
{
        struct check *c = add("network", name, true, disables);
        struct probe_result r = in_child(probe_link, (void *) kind);

        if (r.r == 0)
                set(c, ST_OK, "created a '%s' link in a private network namespace", kind);
        else if (r.r == -EPERM)
                static_evidence(c, option, module, "not tried: needs root");
        else
                set(c, ST_MISSING, "creating a '%s' link: %s%s", kind, strerror(-r.r), module_hint(module));
}

static int probe_nft(void *arg, char *msg, size_t size)
{
        static const char rules[] =
                "add table ip jaula_probe\n"
                "add chain ip jaula_probe post { type nat hook postrouting priority srcnat; }\n"
                "add rule ip jaula_probe post ip saddr 10.0.0.0/8 masquerade\n";
        struct nft_ctx *ctx;
        int r;

        if (unshare(CLONE_NEWNET) < 0)
                return -errno;
        /* libnftables prints to stderr, and exits when it cannot open its
         * netlink socket (no nf_tables in the kernel). */
        {
                int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (devnull >= 0)
                        dup2(devnull, STDERR_FILENO);
        }
        ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return -ENOMEM;
        nft_ctx_buffer_output(ctx);
        nft_ctx_buffer_error(ctx);
        r = nft_run_cmd_from_buffer(ctx, rules);
        if (r != 0) {
                const char *e = nft_ctx_get_error_buffer(ctx);
                snprintf(msg, size, "%s", e ? e : "");
                msg[strcspn(msg, "\n")] = '\0';
        }
        nft_ctx_free(ctx);
        return r ? -EOPNOTSUPP : 0;
}

static void check_network(void)
{
        struct check *c;
        struct probe_result r;

        check_link("veth", "veth", "veth", "VETH", "the jail's network interface (network = … in a profile)");
        check_link("bridge", "bridge", "bridge", "BRIDGE", "the per-group bridges (network = … in a profile)");

        c = add("network", "nftables NAT", false, "nat = true in a network (masquerading the jails' subnet)");
        r = in_child(probe_nft, NULL);
        if (r.r == 0)
                set(c, ST_OK, "nat table with masquerade loaded in a private network namespace");
        else if (r.r == -EPERM)
                static_evidence(c, "NF_TABLES", "nf_tables", "not tried: needs root");
        else if (r.r == -ECHILD)
                set(c, ST_MISSING, "libnftables cannot reach nf_tables (%s)%s", r.msg,
                    module_hint("nf_tables"));
        else
                set(c, ST_MISSING, "%s%s", r.msg[0] ? r.msg : strerror(-r.r), module_hint("nf_tables"));
}

/* ---- file systems and loop devices ------------------------------------- */

static bool in_proc_filesystems(const char *fs)
{
        _cleanup_free_ char *text = read_file("/proc/filesystems");
        char needle[40];

        snprintf(needle, sizeof needle, "\t%s\n", fs);
        return text && strstr(text, needle);
}

/* In a private mount namespace: mount a tmpfs on /tmp, then overlay on it. */
static int probe_overlay(void *arg, char *msg, size_t size)
{
        static const char *dirs[] = { "/tmp/l", "/tmp/u", "/tmp/w", "/tmp/m" };

        if (unshare(CLONE_NEWNS) < 0)
                return -errno;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        if (mount("jaula-probe", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdir(dirs[i], 0700) < 0)
                        return -errno;
        if (mount("overlay", "/tmp/m", "overlay", 0, "lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w") < 0)
                return -errno;
        return 0;
}

/* In a private mount namespace: mount(2) of FS with no device.  ENODEV means
 * the kernel does not know the type even after trying to load its module;
 * anything else (ENOTBLK, EINVAL, ENOENT) means it does. */
static int probe_fstype(void *arg, char *msg, size_t size)
{
        const char *fs = arg;

        if (unshare(CLONE_NEWNS) < 0)
                return -errno;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        if (mount("/jaula-no-such-device", "/tmp", fs, MS_RDONLY, NULL) == 0)
                return 0;
        return errno == ENODEV ? -ENODEV : 0;
}

static void check_filesystems(void)
{
        static const struct {
                const char *fs, *name, *option, *disables;
        } img[] = {
                { "squashfs", "squashfs", "SQUASHFS", "squashfs rootfs images (type = \"squashfs\", jaula mkroot --image)" },
                { "iso9660", "iso9660", "ISO9660_FS", "ISO rootfs images (type = \"iso\")" },
        };
        struct check *c;
        struct probe_result r;

        c = add("filesystems", "overlayfs", true,
                "a writable layer over the rootfs (writable = \"tmpfs\" or \"persistent\")");
        r = in_child(probe_overlay, NULL);
        if (r.r == 0)
                set(c, ST_OK, "mounted an overlay in a private mount namespace");
        else if (r.r == -EPERM)
                static_evidence(c, "OVERLAY_FS", "overlay", "not tried: needs root");
        else
                set(c, ST_MISSING, "mounting an overlay: %s%s", strerror(-r.r), module_hint("overlay"));

        for (size_t i = 0; i < ELEMENTSOF(img); i++) {
                c = add("filesystems", img[i].name, false, img[i].disables);
                if (in_proc_filesystems(img[i].fs)) {
                        set(c, ST_OK, "listed in /proc/filesystems");
                        continue;
                }
                r = in_child(probe_fstype, (void *) img[i].fs);
                if (r.r == 0)
                        set(c, ST_OK, "the kernel loaded it on a mount attempt");
                else if (r.r == -EPERM)
                        static_evidence(c, img[i].option, img[i].fs, "not tried: needs root");
                else
                        set(c, ST_MISSING, "not in /proc/filesystems and mount(2) says: %s",
                            strerror(-r.r));
        }

        c = add("filesystems", "loop devices", false, "rootfs images (squashfs, iso)");
        {
                _cleanup_close_ int fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
                if (fd >= 0) {
                        /* LOOP_CTL_GET_FREE finds (or adds) a free device
                         * without attaching anything to it. */
                        int n = ioctl(fd, LOOP_CTL_GET_FREE);
                        if (n >= 0)
                                set(c, ST_OK, "/dev/loop-control: loop%d is free", n);
                        else
                                set(c, ST_MISSING, "LOOP_CTL_GET_FREE: %s", strerror(errno));
                } else if (errno == EACCES || errno == EPERM) {
                        static_evidence(c, "BLK_DEV_LOOP", "loop", "/dev/loop-control needs root");
                } else {
                        static_evidence(c, "BLK_DEV_LOOP", "loop", "no /dev/loop-control");
                        if (c->st == ST_OK)
                                c->st = ST_UNKNOWN;
                }
        }
}

/* ---- seccomp ----------------------------------------------------------- */

static int probe_seccomp_filter(void *arg, char *msg, size_t size)
{
        struct sock_filter insn[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
        struct sock_fprog prog = { .len = 1, .filter = insn };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return -errno;
        return 0;
}

static void check_seccomp(void)
{
        static const struct {
                uint32_t action;
                const char *name;
        } acts[] = {
                { SECCOMP_RET_KILL_PROCESS, "KILL_PROCESS" },
                { SECCOMP_RET_ERRNO, "ERRNO" },
                { SECCOMP_RET_LOG, "LOG" },
        };
        struct check *c = add("confinement", "seccomp filter", true,
                              "the syscall filter of every jail (a jail with seccomp would refuse every login)");
        struct probe_result r;
        char avail[80] = "", missing[80] = "";

        if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
                set(c, ST_MISSING, "prctl(PR_GET_SECCOMP): %s (no CONFIG_SECCOMP)", strerror(errno));
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(acts); i++) {
                uint32_t a = acts[i].action;
                char *dst = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0 ? avail : missing;
                size_t n = strlen(dst);
                snprintf(dst + n, sizeof avail - n, "%s%s", n ? " " : "", acts[i].name);
        }
        r = in_child(probe_seccomp_filter, NULL);
        if (r.r != 0)
                set(c, ST_MISSING, "loading a filter: %s", strerror(-r.r));
        else if (missing[0])
                set(c, ST_MISSING, "filters load but actions are unavailable: %s", missing);
        else
                set(c, ST_OK, "a filter loads; actions %s", avail);
}

#ifdef __x86_64__
/* Run a 96-byte i386 ELF that calls exit(42) through int 0x80: the honest
 * test that the kernel loads and runs 32-bit programs.  Returns 1 when it
 * does, 0 with the reason in why when it does not. */
int cli_kernel_runs_i386(char *why, size_t size)
{
        static const unsigned char code[] = {
                0xb8, 0x01, 0x00, 0x00, 0x00, /* mov eax, 1 (exit) */
                0xbb, 0x2a, 0x00, 0x00, 0x00, /* mov ebx, 42 */
                0xcd, 0x80,                   /* int 0x80 */
        };
        struct {
                Elf32_Ehdr eh;
                Elf32_Phdr ph;
                unsigned char code[sizeof code];
        } __attribute__((packed)) elf = {
                .eh = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32, ELFDATA2LSB,
                                     EV_CURRENT, ELFOSABI_SYSV },
                        .e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
                        .e_entry = 0x08048000 + sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr),
                        .e_phoff = sizeof(Elf32_Ehdr), .e_ehsize = sizeof(Elf32_Ehdr),
                        .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = 1 },
                .ph = { .p_type = PT_LOAD, .p_vaddr = 0x08048000, .p_paddr = 0x08048000,
                        .p_filesz = sizeof elf, .p_memsz = sizeof elf, .p_flags = PF_R | PF_X,
                        .p_align = 0x1000 },
        };
        _cleanup_close_ int fd = -1;
        int status;
        pid_t pid;

        memcpy(elf.code, code, sizeof code);
        fd = memfd_create("jaula-probe-i386", MFD_CLOEXEC);
        if (fd < 0 || write(fd, &elf, sizeof elf) != sizeof elf) {
                snprintf(why, size, "memfd_create: %s", strerror(errno));
                return 0;
        }
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
                snprintf(why, size, "fork: %s", strerror(errno));
                return 0;
        }
        if (pid == 0) {
                char *const argv[] = { "jaula-probe-i386", NULL }, *const envp[] = { NULL };
                fexecve(fd, argv, envp);
                _exit(errno == ENOEXEC ? 126 : 127);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 42) {
                snprintf(why, size, "a 32-bit program ran and exited through int 0x80");
                return 1;
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
                snprintf(why, size, "the kernel refuses 32-bit programs (ENOEXEC): IA-32 emulation "
                                    "is not built in, or is off (ia32_emulation=0)");
        else if (WIFSIGNALED(status))
                snprintf(why, size, "a 32-bit program was killed by signal %d (%s): IA-32 emulation is off",
                         WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
                snprintf(why, size, "a 32-bit program exited with status %d instead of 42",
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return 0;
}

static void check_ia32(void)
{
        struct check *c = add("confinement", "i386 (IA-32) programs", false,
                              "rootfs with arch = \"i386\" (jaula mkroot --arch i386)");
        char why[200];

        c->st = cli_kernel_runs_i386(why, sizeof why) ? ST_OK : ST_MISSING;
        snprintf(c->detail, sizeof c->detail, "%s", why);
}
#else
int cli_kernel_runs_i386(char *why, size_t size)
{
        snprintf(why, size, "not an x86-64 host");
        return 0;
}
#endif

/* ---- process and file APIs --------------------------------------------- */

/* setns(pidfd, …) into the parent's uts, ipc and net namespaces (which are
 * the child's own: nothing changes, but the kernel must accept a pidfd). */
static int probe_setns_pidfd(void *arg, char *msg, size_t size)
{
        int fd = (int) syscall(SYS_pidfd_open, getppid(), 0);

        if (fd < 0)
                return -errno;
        if (setns(fd, CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0)
                return -errno;
        return 0;
}

static int cgroup_v2_dir(void)
{
        _cleanup_free_ char *self = read_file("/proc/self/cgroup");
        char path[PATH_MAX * 2];
        char *p;
        int fd;

        if (!cg_unified || !self)
                return -ENOENT;
        p = strstr(self, "0::");
        if (!p || (p != self && p[-1] != '\n'))
                return -ENOENT;
        p += 3;
        p[strcspn(p, "\n")] = '\0';
        snprintf(path, sizeof path, "%s%s", cg_unified->path, p);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* clone3 with the given args; the child exits at once. */
static int try_clone3(struct clone_args *args)
{
        long pid = syscall(SYS_clone3, args, sizeof *args);

        if (pid < 0)
                return -errno;
        if (pid == 0)
                syscall(SYS_exit, 0);
        while (waitpid((pid_t) pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return 0;
}

static void check_apis(void)
{
        struct check *c;
        struct probe_result r;
        int fd;

        c = add("process", "pidfd_open", true, "verifying a jail's holder before joining it (every login)");
        fd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (fd >= 0) {
                set(c, ST_OK, "pidfd_open(self) works");
                close(fd);
        } else {
                set(c, ST_MISSING, "pidfd_open: %s (Linux >= 5.3)", strerror(errno));
        }

        c = add("process", "setns(pidfd)", true,
                "joining a jail's namespaces atomically through its holder's pidfd (every login)");
        r = in_child(probe_setns_pidfd, NULL);
        if (r.r == 0)
                set(c, ST_OK, "setns(pidfd, CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) works");
        else if (r.r == -EPERM)
                set(c, ST_UNKNOWN, "setns needs privilege (run as root)");
        else
                set(c, ST_MISSING, "setns with a pidfd: %s (Linux >= 5.8)", strerror(-r.r));

        c = add("process", "openat2", true,
                "resolving home and bind-mount paths without following symlinks (every jail)");
        {
                struct open_how how = { .flags = O_PATH | O_CLOEXEC,
                                        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH };
                _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

                fd = (int) syscall(SYS_openat2, root, "proc", &how, sizeof how);
                if (fd >= 0) {
                        set(c, ST_OK, "openat2(/, \"proc\", RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH) works");
                        close(fd);
                } else {
                        set(c, ST_MISSING, "openat2: %s (Linux >= 5.6)", strerror(errno));
                }
        }

        c = add("process", "clone3", false, "starting the holder directly in its cgroup");
        {
                struct clone_args args = { .exit_signal = SIGCHLD };
                int e;

                fflush(NULL);
                e = try_clone3(&args);
                if (e == 0)
                        set(c, ST_OK, "clone3 works");
                else
                        set(c, ST_MISSING, "clone3: %s (Linux >= 5.3)", strerror(-e));
        }

        c = add("process", "CLONE_INTO_CGROUP", false,
                "starting the holder directly in its cgroup (it is moved there after fork instead)");
        fd = cgroup_v2_dir();
        if (fd < 0) {
                set(c, ST_MISSING, "no cgroup v2 directory of this process to clone into");
        } else {
                struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
                                           .cgroup = (uint64_t) fd };
                int e;

                fflush(NULL);
                e = try_clone3(&args);
                if (e == 0)
                        set(c, ST_OK, "clone3(CLONE_INTO_CGROUP) into this process's v2 cgroup works");
                else
                        set(c, ST_MISSING, "clone3(CLONE_INTO_CGROUP): %s (Linux >= 5.7)", strerror(-e));
                close(fd);
        }
}

/* ---- output ------------------------------------------------------------ */

static const char *st_word(enum status st)
{
        return st == ST_OK ? "OK" : st == ST_MISSING ? "MISSING" : "UNKNOWN";
}

static void json_str(FILE *f, const char *s)
{
        fputc('"', f);
        for (; *s; s++) {
                unsigned char ch = (unsigned char) *s;
                if (ch == '"' || ch == '\\')
                        fprintf(f, "\\%c", ch);
                else if (ch == '\n')
                        fputs("\\n", f);
                else if (ch < 0x20)
                        fprintf(f, "\\u%04x", ch);
                else
                        fputc(ch, f);
        }
        fputc('"', f);
}

static void print_text(bool ok)
{
        const char *group = NULL;
        bool color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

        printf("Kernel %s %s (%s)\n", uts.release, uts.machine,
               kconfig ? kconfig_src : "no kernel config found");
        for (size_t i = 0; i < n_checks; i++) {
                const struct check *c = &checks[i];
                const char *on = "", *off = "";

                if (!group || strcmp(group, c->group)) {
                        group = c->group;
                        printf("\n--- %s ---\n", group);
                }
                if (color) {
                        on = c->st == ST_OK ? "\033[32m" : c->required ? "\033[31m" : "\033[33m";
                        off = "\033[0m";
                }
                printf("%-24s %s%-7s%s %s%s\n", c->name, on, st_word(c->st), off,
                       c->required ? "" : "(optional) ", c->detail);
                if (c->st != ST_OK)
                        printf("%-24s         disables: %s\n", "", c->disables);
        }
        printf("\n%s\n", ok ? "Every required feature is present."
                            : "Required features are missing or could not be checked (see above).");
}

static void print_json(bool ok)
{
        printf("{\"kernel\":");
        json_str(stdout, uts.release);
        printf(",\"machine\":");
        json_str(stdout, uts.machine);
        printf(",\"config\":");
        if (kconfig)
                json_str(stdout, kconfig_src);
        else
                printf("null");
        printf(",\"ok\":%s,\"checks\":[", ok ? "true" : "false");
        for (size_t i = 0; i < n_checks; i++) {
                const struct check *c = &checks[i];

                printf("%s{\"group\":", i ? "," : "");
                json_str(stdout, c->group);
                printf(",\"name\":");
                json_str(stdout, c->name);
                printf(",\"status\":\"%s\",\"required\":%s,\"detail\":",
                       c->st == ST_OK ? "ok" : c->st == ST_MISSING ? "missing" : "unknown",
                       c->required ? "true" : "false");
                json_str(stdout, c->detail);
                printf(",\"disables\":");
                json_str(stdout, c->disables);
                printf("}");
        }
        printf("]}\n");
}

static void usage(FILE *f)
{
        fputs("Usage: jaula check-kernel [--json] [--config FILE]\n"
              "Probe the running kernel for every feature jaula uses, and the policy's\n"
              "explicit cgroup_root (if any) as a login would meet it.\n"
              "Exit status: 0 every required feature is present, 1 one is missing or\n"
              "could not be checked (run as root), 2 usage error.\n",
              f);
}

int cmd_check_kernel(int argc, char **argv)
{
        static const struct option opts[] = {
                { "json", no_argument, NULL, 'j' },
                { "config", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *config = NULL;
        bool json = false, ok = true;
        int ch;

        optind = 0;
        while ((ch = getopt_long(argc, argv, "+jc:h", opts, NULL)) != -1) {
                switch (ch) {
                case 'c':
                        config = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return JAULA_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "jaula check-kernel: unexpected argument '%s'\n", argv[optind]);
                usage(stderr);
                return JAULA_EXIT_USAGE;
        }

        uname(&uts);
        load_kconfig();
        check_namespaces();
        check_cgroups();
        check_cgroup_root(config);
        check_network();
        check_filesystems();
        check_seccomp();
#ifdef __x86_64__
        check_ia32();
#endif
        check_apis();

        for (size_t i = 0; i < n_checks; i++)
                if (checks[i].required && checks[i].st != ST_OK)
                        ok = false;
        if (json)
                print_json(ok);
        else
                print_text(ok);
        free(kconfig);
        return ok ? 0 : 1;
}
