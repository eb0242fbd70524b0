/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup.c — cgroup limits for jails, v1 and v2 behind one ops table
 * (cgroup_v1.c, cgroup_v2.c), and the systemd backend, whose units and
 * D-Bus calls are in cgroup_systemd.c.  Needs root.
 *
 * This file knows the tree, <mount>/<cgroup_path>/<group>/<jail> in every
 * hierarchy in use, and the order of the steps; the backends know file
 * names, value formats and how to kill.  Creation sits on the login path,
 * so it costs a handful of syscalls per hierarchy: the group node is made
 * once and reused, and its limits are read back and rewritten only when the
 * policy changed them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "jaula/devices.h"

#define DEFAULT_CGROUP_PATH "jaula"
/* A concurrent destroy may remove the group node between our mkdir and
 * our use of it; start over a few times before giving up. */
#define CREATE_ATTEMPTS 8
#define DESTROY_TIMEOUT_NS (10LL * 1000 * 1000 * 1000)
/* How long a monitor waits for systemd to start its jail's scope. */
#define SD_START_TIMEOUT_USEC (10ULL * 1000 * 1000)

struct jaula_cgroup {
        const struct jaula_cg_ops *ops;
        struct jaula_cg_layout lay;
        int fd[JAULA_CG_N_CTRL]; /* jail node, per lay.hier[]; -1: not used */
        unsigned skipped;
        /* SYSTEMD: what jaula_cgroup_enter needs in the monitor (a fork of
         * the creator, so a copy of this); fd[0] is the scope's payload. */
        struct jaula_cg_sd_names sd;
        struct jaula_limits sd_limits;
        char sd_desc[256];
        /* The profile's device policy, applied to the jail node before
         * anything runs in it (SYSTEMD: to payload/, by enter); NULL when
         * the profile passes no device through. */
        struct jaula_dev_rule *dev_rules;
        size_t n_dev_rules;
};

/* ---- file helpers ------------------------------------------------------ */

int jaula_cg_read(int dirfd, const char *file, char *buf, size_t size)
{
        _cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        return (int) n;
}

int jaula_cg_write_str(int dirfd, const char *file, const char *text)
{
        _cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
        size_t len = strlen(text);

        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t) len)
                return neg_errno();
        return 0;
}

/* key NULL: the file holds one number; otherwise "key N" lines. */
int jaula_cg_read_i64(int dirfd, const char *file, const char *key, int64_t *ret)
{
        char buf[4096], *p = buf, *end;
        size_t klen = key ? strlen(key) : 0;
        long long v;
        int r;

        r = jaula_cg_read(dirfd, file, buf, sizeof buf);
        if (r < 0)
                return r;
        if (key) {
                for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                        if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
                                break;
                if (!p)
                        return -ENODATA;
                p += klen + 1;
        }
        if (strncmp(p, "max", 3) == 0) {
                *ret = -1;
                return 0;
        }
        errno = 0;
        v = strtoll(p, &end, 10);
        if (errno || end == p)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int jaula_cg_read_pids(int dirfd, pid_t **ret, size_t *n)
{
        _cleanup_close_ int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t len = 0, cap = 0, np = 0;

        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k;

                if (cap - len < 4096) {
                        char *nb = realloc(buf, cap + 16384);

                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap += 16384;
                }
                k = read(fd, buf + len, cap - len - 1);
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                len += k;
        }
        if (!buf) {
                *ret = NULL;
                *n = 0;
                return 0;
        }
        buf[len] = 0;
        pids = calloc(len / 2 + 1, sizeof *pids);
        if (!pids)
                return -ENOMEM;
        for (char *p = buf, *end; *p; p = end) {
                long v = strtol(p, &end, 10);

                if (end == p)
                        break;
                if (v > 0)
                        pids[np++] = (pid_t) v;
        }
        *ret = TAKE_PTR(pids);
        *n = np;
        return 0;
}

static int pidfd_open_(pid_t pid)
{
        return (int) syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_send_signal_(int pidfd, int sig)
{
        return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* A pid read from cgroup.procs may be reaped and reused before we signal
 * it.  Pin each one with a pidfd, then read the list again: a pid still
 * listed after its pidfd was opened names a process in this cgroup (the
 * original, or a newer one in the same cgroup — also ours to kill). */
int jaula_cg_kill_listed(int dirfd, int sig)
{
        _cleanup_free_ pid_t *first = NULL, *again = NULL;
        _cleanup_free_ int *pidfds = NULL;
        size_t n1 = 0, n2 = 0;
        int r, killed = 0;

        r = jaula_cg_read_pids(dirfd, &first, &n1);
        if (r < 0 || n1 == 0)
                return r;
        pidfds = calloc(n1, sizeof *pidfds);
        if (!pidfds)
                return -ENOMEM;
        for (size_t i = 0; i < n1; i++) {
                pidfds[i] = pidfd_open_(first[i]);
                if (pidfds[i] < 0 && errno == ENOSYS)
                        pidfds[i] = -2; /* kernel < 5.3: plain kill() below */
        }
        r = jaula_cg_read_pids(dirfd, &again, &n2);
        for (size_t i = 0; i < n1; i++) {
                bool listed = false;

                for (size_t j = 0; r >= 0 && j < n2 && !listed; j++)
                        listed = again[j] == first[i];
                if (listed && pidfds[i] >= 0 && pidfd_send_signal_(pidfds[i], sig) == 0)
                        killed++;
                else if (listed && pidfds[i] == -2 && kill(first[i], sig) == 0)
                        killed++;
                if (pidfds[i] >= 0)
                        close(pidfds[i]);
        }
        return r < 0 ? r : killed;
}

/* ---- pure logic ---------------------------------------------------------- */

JAULA_EXPORT const char *jaula_cgroup_mode_name(enum jaula_cgroup_mode mode)
{
        switch (mode) {
        case JAULA_CGROUP_V1:
                return "v1";
        case JAULA_CGROUP_V2:
                return "v2";
        case JAULA_CGROUP_HYBRID:
                return "hybrid";
        case JAULA_CGROUP_SYSTEMD:
                return "systemd";
        default:
                return "none";
        }
}

/* spec.h: v1 shares = weight * 1024 / 100, within the kernel's 2..262144. */
int64_t jaula_cg_weight_to_shares(int64_t weight)
{
        int64_t s = weight * 1024 / 100;

        return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

/* Piecewise linear so that the defaults meet (v2 100 = CFQ 500 = BFQ 100)
 * and both ends of the v2 range reach both ends of the v1 range. */
int64_t jaula_cg_weight_to_blkio(int64_t weight)
{
        if (weight <= 100)
                return 10 + (weight - 1) * 490 / 99;
        return 500 + (weight - 100) * 500 / 9900;
}

int64_t jaula_cg_weight_to_bfq(int64_t weight)
{
        if (weight <= 100)
                return weight;
        return 100 + (weight - 100) * 900 / 9900;
}

/* v1 rejects (EINVAL) a child CPU quota above its parent's; the effective
 * limit is the smaller anyway (it is what v2 enforces), so write that. */
int64_t jaula_cg_v1_clamp_quota(int64_t quota, int64_t period, int64_t parent_quota,
                                int64_t parent_period)
{
        int64_t cap;

        if (quota < 0 || parent_quota < 0 || parent_period <= 0)
                return quota;
        cap = parent_quota * period / parent_period;
        if (cap < 1000)
                cap = 1000; /* the kernel's minimum quota */
        return quota > cap ? cap : quota;
}

int jaula_cg_validate_limits(const struct jaula_limits *l, struct jaula_err *err)
{
        if (l->memory_max < -1 || l->swap_max < -1 || l->pids_max < -1)
                return jaula_err_set(err, -EINVAL, "Negative memory, swap or pids limit");
        if (l->cpu_quota_us >= 0) {
                int64_t period = l->cpu_period_us < 0 ? 100000 : l->cpu_period_us;

                if (l->cpu_quota_us < 1000)
                        return jaula_err_set(err, -EINVAL,
                                             "CPU quota %" PRId64 " us is below the minimum of 1000 us",
                                             l->cpu_quota_us);
                if (period < 1000 || period > 1000000)
                        return jaula_err_set(err, -EINVAL,
                                             "CPU period %" PRId64 " us is outside 1000..1000000 us",
                                             period);
        }
        if (l->cpu_weight != -1 && (l->cpu_weight < 1 || l->cpu_weight > 10000))
                return jaula_err_set(err, -EINVAL, "CPU weight %" PRId64 " is outside 1..10000",
                                     l->cpu_weight);
        if (l->io_weight != -1 && (l->io_weight < 1 || l->io_weight > 10000))
                return jaula_err_set(err, -EINVAL, "IO weight %" PRId64 " is outside 1..10000",
                                     l->io_weight);
        return 0;
}

int jaula_cg_format(const struct jaula_cg_write *w, bool alt, char *buf, size_t size)
{
        enum jaula_cg_kind kind = alt ? w->alt_kind : w->kind;
        int64_t v = alt ? w->alt_value : w->value;
        int n;

        switch (kind) {
        case JAULA_CG_KIND_NUM:
        case JAULA_CG_KIND_BYTES:
                n = v < 0 ? snprintf(buf, size, "max") : snprintf(buf, size, "%" PRId64, v);
                break;
        case JAULA_CG_KIND_NUM_V1:
        case JAULA_CG_KIND_BYTES_V1:
                n = snprintf(buf, size, "%" PRId64, v < 0 ? (int64_t) -1 : v);
                break;
        case JAULA_CG_KIND_CPU_MAX:
                n = v < 0 ? snprintf(buf, size, "max %" PRId64, w->value2)
                          : snprintf(buf, size, "%" PRId64 " %" PRId64, v, w->value2);
                break;
        case JAULA_CG_KIND_WEIGHT:
                n = snprintf(buf, size, "default %" PRId64, v);
                break;
        default:
                return -EINVAL;
        }
        return n < 0 || (size_t) n >= size ? -ENOBUFS : n;
}

/* "max", "-1" and v1's page-rounded LLONG_MAX all mean no limit. */
static bool parse_value(const char **p, int64_t *ret)
{
        char *end;
        long long v;

        while (**p == ' ')
                (*p)++;
        if (strncmp(*p, "default ", 8) == 0)
                *p += 8;
        if (strncmp(*p, "max", 3) == 0) {
                *p += 3;
                *ret = -1;
                return true;
        }
        errno = 0;
        v = strtoll(*p, &end, 10);
        if (errno || end == *p)
                return false;
        *p = end;
        *ret = v < 0 || v >= (INT64_C(1) << 62) ? -1 : v;
        return true;
}

bool jaula_cg_matches(const struct jaula_cg_write *w, bool alt, const char *text, long page_size)
{
        enum jaula_cg_kind kind = alt ? w->alt_kind : w->kind;
        int64_t want = alt ? w->alt_value : w->value, got, got2;
        const char *p = text;

        if (!parse_value(&p, &got))
                return false;
        if (want < 0)
                want = -1;
        if ((kind == JAULA_CG_KIND_BYTES || kind == JAULA_CG_KIND_BYTES_V1) && want > 0 &&
            page_size > 0)
                want -= want % page_size;
        if (kind == JAULA_CG_KIND_CPU_MAX)
                return got == want && parse_value(&p, &got2) && got2 == w->value2;
        return got == want;
}

static bool has_cpu(const struct jaula_limits *l)
{
        return l->cpu_quota_us >= 0 || l->cpu_weight >= 0;
}

static unsigned required(const struct jaula_limits *l)
{
        unsigned m = 0;

        if (l->memory_max >= 0 || l->swap_max >= 0)
                m |= JAULA_CG_BIT(JAULA_CG_MEMORY);
        if (has_cpu(l))
                m |= JAULA_CG_BIT(JAULA_CG_CPU);
        if (l->pids_max >= 0)
                m |= JAULA_CG_BIT(JAULA_CG_PIDS);
        return m;
}

static unsigned available(const struct jaula_cg_layout *lay)
{
        unsigned m = 0;

        for (size_t i = 0; i < lay->n_hier; i++)
                m |= lay->hier[i].ctrls;
        return m;
}

/* memory, pids and cpu accounting always (jaula show reports them, and
 * pids/freezer are how destroy finds every process); cpu and io only when
 * a level limits them, as each v1 hierarchy costs a mkdir per login. */
unsigned jaula_cg_needed(const struct jaula_cg_layout *lay, const struct jaula_limits *jail,
                         const struct jaula_limits *group)
{
        unsigned m = JAULA_CG_BIT(JAULA_CG_MEMORY) | JAULA_CG_BIT(JAULA_CG_PIDS) |
                     JAULA_CG_BIT(JAULA_CG_CPUACCT) | JAULA_CG_BIT(JAULA_CG_FREEZER);

        if (has_cpu(jail) || has_cpu(group))
                m |= JAULA_CG_BIT(JAULA_CG_CPU);
        if (jail->io_weight >= 0 || group->io_weight >= 0)
                m |= JAULA_CG_BIT(JAULA_CG_IO);
        return m & available(lay);
}

/* ---- detection ----------------------------------------------------------- */

static const struct {
        const char *name;
        enum jaula_cg_ctrl ctrl;
} ctrl_names[] = {
        { "memory", JAULA_CG_MEMORY }, { "cpu", JAULA_CG_CPU },     { "cpuacct", JAULA_CG_CPUACCT },
        { "pids", JAULA_CG_PIDS },     { "blkio", JAULA_CG_IO },    { "io", JAULA_CG_IO },
        { "freezer", JAULA_CG_FREEZER }, { "devices", JAULA_CG_DEVICES },
};

/* Controllers named in a comma (v1 options, directory names) or space
 * (v2 cgroup.controllers) separated list. */
static unsigned ctrls_of(const char *list, bool v2)
{
        unsigned m = 0;

        for (const char *p = list; *p;) {
                size_t len = strcspn(p, ", \n");

                for (size_t i = 0; i < ELEMENTSOF(ctrl_names); i++)
                        if (strlen(ctrl_names[i].name) == len &&
                            strncmp(p, ctrl_names[i].name, len) == 0 &&
                            (v2 ? ctrl_names[i].ctrl != JAULA_CG_CPUACCT &&
                                          ctrl_names[i].ctrl != JAULA_CG_FREEZER &&
                                          strcmp(ctrl_names[i].name, "blkio") != 0
                                : strcmp(ctrl_names[i].name, "io") != 0))
                                m |= JAULA_CG_BIT(ctrl_names[i].ctrl);
                p += len;
                p += strspn(p, ", \n");
        }
        /* v2 has cpu.stat and cgroup.freeze in every cgroup. */
        if (v2)
                m |= JAULA_CG_BIT(JAULA_CG_CPUACCT) | JAULA_CG_BIT(JAULA_CG_FREEZER);
        return m;
}

/* Add a v1 hierarchy unless another mount already gave us its controllers
 * (a hierarchy mounted twice, or a co-mount reached by its symlink). */
static void add_v1(struct jaula_cg_layout *lay, const char *mount, unsigned ctrls)
{
        unsigned seen = available(lay);

        if (!ctrls || (ctrls & seen) || lay->n_hier >= ELEMENTSOF(lay->hier))
                return;
        if (strlen(mount) >= sizeof lay->hier[0].mount)
                return;
        strcpy(lay->hier[lay->n_hier].mount, mount);
        lay->hier[lay->n_hier].ctrls = ctrls;
        lay->n_hier++;
}

static void finish_layout(struct jaula_cg_layout *lay, const char *v2_mount, unsigned v2_ctrls)
{
        if (lay->n_hier > 0) {
                lay->mode = v2_mount ? JAULA_CGROUP_HYBRID : JAULA_CGROUP_V1;
        } else if (v2_mount && strlen(v2_mount) < sizeof lay->hier[0].mount) {
                lay->mode = JAULA_CGROUP_V2;
                strcpy(lay->hier[0].mount, v2_mount);
                lay->hier[0].ctrls = v2_ctrls;
                lay->n_hier = 1;
        } else {
                lay->mode = JAULA_CGROUP_NONE;
        }
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
        char *d = s;

        for (; *s; s++, d++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *d = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else {
                        *d = *s;
                }
        }
        *d = 0;
}

/* The v2 controllers are not in mountinfo: the caller reads them from the
 * mount's cgroup.controllers; here every v2 controller counts as present. */
int jaula_cg_parse_mountinfo(FILE *f, struct jaula_cg_layout *ret)
{
        struct jaula_cg_layout lay = { 0 };
        char line[4096], v2[256] = "";

        while (fgets(line, sizeof line, f)) {
                char *fields[6], *save = NULL, *sep, *fstype, *opts, *p;
                size_t nf = 0;

                sep = strstr(line, " - ");
                if (!sep)
                        continue;
                *sep = 0;
                for (p = strtok_r(line, " ", &save); p && nf < ELEMENTSOF(fields);
                     p = strtok_r(NULL, " ", &save))
                        fields[nf++] = p;
                if (nf < 5)
                        continue;
                save = NULL;
                fstype = strtok_r(sep + 3, " ", &save);
                if (!fstype || !strtok_r(NULL, " ", &save))
                        continue;
                opts = strtok_r(NULL, " \n", &save);
                if (!opts)
                        continue;
                unescape(fields[4]);
                if (strcmp(fstype, "cgroup2") == 0 && !v2[0] && strlen(fields[4]) < sizeof v2)
                        strcpy(v2, fields[4]);
                else if (strcmp(fstype, "cgroup") == 0)
                        add_v1(&lay, fields[4], ctrls_of(opts, false));
        }
        if (ferror(f))
                return -EIO;
        finish_layout(&lay, v2[0] ? v2 : NULL, ctrls_of("memory cpu pids io", true));
        *ret = lay;
        return 0;
}

int jaula_cg_probe_root(const char *root, struct jaula_cg_layout *ret)
{
        struct jaula_cg_layout lay = { 0 };
        _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char buf[512], path[512], v2[256] = "";
        struct dirent *de;
        DIR *d;
        int r;

        if (rootfd < 0)
                return -errno;
        r = jaula_cg_read(rootfd, "cgroup.controllers", buf, sizeof buf);
        if (r >= 0) {
                if (strlen(root) >= sizeof v2)
                        return -ENAMETOOLONG;
                finish_layout(&lay, root, ctrls_of(buf, true));
                *ret = lay;
                return 0;
        }
        d = fdopendir(rootfd);
        if (!d)
                return -errno;
        rootfd = -1; /* owned by d */
        while ((de = readdir(d))) {
                struct stat st;

                if (de->d_name[0] == '.' ||
                    (size_t) snprintf(path, sizeof path, "%s/%s", root, de->d_name) >= sizeof path)
                        continue;
                /* Co-mounted hierarchies have symlinks named after each
                 * controller (cpu -> cpu,cpuacct): the directory names all. */
                if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (faccessat(dirfd(d), strcat(strcpy(buf, de->d_name), "/cgroup.controllers"),
                              F_OK, 0) == 0) {
                        if (!v2[0] && strlen(path) < sizeof v2)
                                strcpy(v2, path);
                        continue;
                }
                if (faccessat(dirfd(d), strcat(strcpy(buf, de->d_name), "/cgroup.procs"), F_OK,
                              0) == 0)
                        add_v1(&lay, path, ctrls_of(de->d_name, false));
        }
        closedir(d);
        finish_layout(&lay, v2[0] ? v2 : NULL, 0);
        *ret = lay;
        return 0;
}

/* sd_booted()'s test: systemd creates /run/systemd/system/ early at boot. */
static bool systemd_is_pid1(void)
{
        struct stat st;

        return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

static int layout_detect(struct jaula_cg_layout *ret)
{
        _cleanup_fclose_ FILE *f = NULL;
        struct statfs sfs;
        char buf[512];
        int r;

        /* The usual v2 host answers one statfs; only v1, hybrid and odd
         * mount points pay for reading mountinfo.  A unified systemd host
         * is the systemd backend's: systemd owns the tree there and
         * delegates to each jail's scope.  A hybrid one keeps the v1
         * backend, as systemd delegates no v1 controller. */
        if (statfs(JAULA_CG_SD_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
                *ret = (struct jaula_cg_layout){ .mode = systemd_is_pid1() ? JAULA_CGROUP_SYSTEMD
                                                                           : JAULA_CGROUP_V2,
                                                 .n_hier = 1 };
                strcpy(ret->hier[0].mount, JAULA_CG_SD_ROOT);
        } else {
                f = fopen("/proc/self/mountinfo", "re");
                if (!f)
                        return -errno;
                r = jaula_cg_parse_mountinfo(f, ret);
                if (r < 0 || ret->mode != JAULA_CGROUP_V2)
                        return r;
        }
        /* Controllers the v2 root offers (root or delegated: the same file). */
        {
                _cleanup_close_ int fd =
                        open(ret->hier[0].mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (fd < 0)
                        return -errno;
                r = jaula_cg_read(fd, "cgroup.controllers", buf, sizeof buf);
                if (r < 0)
                        return r;
                ret->hier[0].ctrls = ctrls_of(buf, true);
        }
        return 0;
}

/* Mounts do not move under a running login, and create, attach and destroy
 * in one process need the layout each time: detect once per process.  The
 * paths are the caller's mount namespace's: open the cgroup before joining
 * a jail's mount namespace. */
int jaula_cg_layout_get(const char *cgroup_root, struct jaula_cg_layout *ret)
{
        static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        static struct jaula_cg_layout cached;
        static bool have;
        int r = 0;

        if (cgroup_root && cgroup_root[0])
                return jaula_cg_probe_root(cgroup_root, ret);
        pthread_mutex_lock(&lock);
        if (!have) {
                r = layout_detect(&cached);
                have = r >= 0;
        }
        if (r >= 0)
                *ret = cached;
        pthread_mutex_unlock(&lock);
        return r;
}

JAULA_EXPORT enum jaula_cgroup_mode jaula_cgroup_detect(const char *cgroup_root)
{
        struct jaula_cg_layout lay;

        if (jaula_cg_layout_get(cgroup_root, &lay) < 0)
                return JAULA_CGROUP_NONE;
        return lay.mode;
}

/* ---- the tree ------------------------------------------------------------ */

static bool valid_component(const char *s, size_t len)
{
        if (len == 0 || len > 128 || (len == 1 && s[0] == '.') ||
            (len == 2 && s[0] == '.' && s[1] == '.'))
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] == '/' || s[i] == '\n' || s[i] == 0)
                        return false;
        return true;
}

static const char *cgroup_path_of(const struct jaula_spec *spec)
{
        return spec->cgroup_path && spec->cgroup_path[0] ? spec->cgroup_path : DEFAULT_CGROUP_PATH;
}

static int check_names(const struct jaula_spec *spec, const char *jail_id, struct jaula_err *err)
{
        const char *p = cgroup_path_of(spec);

        if (!spec->group_name || !valid_component(spec->group_name, strlen(spec->group_name)))
                return jaula_err_set(err, -EINVAL, "Invalid jail group name for a cgroup");
        if (!jail_id || !valid_component(jail_id, strlen(jail_id)))
                return jaula_err_set(err, -EINVAL, "Invalid jail id for a cgroup");
        if (p[0] == '/')
                return jaula_err_set(err, -EINVAL, "cgroup_path '%s' must be relative", p);
        for (const char *c = p; *c;) {
                size_t len = strcspn(c, "/");

                if (!valid_component(c, len))
                        return jaula_err_set(err, -EINVAL, "Invalid cgroup_path '%s'", p);
                c += len;
                c += *c == '/';
        }
        return 0;
}

/* mount-relative path of a level: 0 = last component of cgroup_path,
 * 1 = group, 2 = jail. */
static int rel_path(const struct jaula_spec *spec, const char *jail_id, int level, char *buf,
                    size_t size)
{
        int n;

        if (level == 0)
                n = snprintf(buf, size, "%s", cgroup_path_of(spec));
        else if (level == 1)
                n = snprintf(buf, size, "%s/%s", cgroup_path_of(spec), spec->group_name);
        else
                n = snprintf(buf, size, "%s/%s/%s", cgroup_path_of(spec), spec->group_name,
                             jail_id);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static long page_size(void)
{
        static long ps;

        if (!ps)
                ps = sysconf(_SC_PAGESIZE);
        return ps;
}

/* No swap device or file is active: a swap limit of 0 holds without
 * accounting. */
bool jaula_cg_swap_off(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/swaps", "re");
        char line[512];
        int n = 0;

        if (!f)
                return false;
        while (fgets(line, sizeof line, f))
                n++;
        return n <= 1;
}

static int write_one(int dirfd, const struct jaula_cg_write *w, bool alt, bool compare)
{
        const char *file = alt ? w->alt_file : w->file;
        char buf[64], cur[128];
        int r;

        if (compare) {
                r = jaula_cg_read(dirfd, file, cur, sizeof cur);
                if (r >= 0 && jaula_cg_matches(w, alt, cur, page_size()))
                        return 0;
                if (r == -ENOENT)
                        return r;
        }
        r = jaula_cg_format(w, alt, buf, sizeof buf);
        if (r < 0)
                return r;
        return jaula_cg_write_str(dirfd, file, buf);
}

static int write_with_alt(int dirfd, const struct jaula_cg_write *w, bool compare)
{
        int r = write_one(dirfd, w, false, compare);

        if (r == -ENOENT && w->alt_file)
                r = write_one(dirfd, w, true, compare);
        return r;
}

/* Apply the writes of the controllers this hierarchy carries.  compare:
 * read each file first and leave it alone when it already holds the value
 * (a reused group node: no rewrite, no reclaim, no bandwidth timer reset). */
static int apply_writes(int dirfd, const struct jaula_cg_write *w, size_t n, unsigned ctrls,
                        bool compare, unsigned *skipped, const char *where,
                        struct jaula_err *err)
{
        for (size_t i = 0; i < n; i++) {
                char buf[64];
                int r;

                if (!(ctrls & JAULA_CG_BIT(w[i].ctrl)))
                        continue;
                r = write_with_alt(dirfd, &w[i], compare);
                if (r == -EINVAL && (w[i].flags & JAULA_CG_W_PAIR_NEXT) && i + 1 < n) {
                        /* v1 memory.limit_in_bytes must stay <= memsw: raise memsw first. */
                        r = write_with_alt(dirfd, &w[i + 1], compare);
                        if (r >= 0)
                                r = write_with_alt(dirfd, &w[i], compare);
                        if (r >= 0) {
                                i++;
                                continue;
                        }
                }
                if (r == -ENOENT && (w[i].flags & JAULA_CG_W_RESET))
                        continue;
                if (r == -ENOENT && (w[i].flags & JAULA_CG_W_IO)) {
                        *skipped |= JAULA_CGROUP_SKIPPED_IO_WEIGHT;
                        continue;
                }
                if (r == -ENOENT && (w[i].flags & JAULA_CG_W_SWAP)) {
                        if (w[i].value2 == 0 && jaula_cg_swap_off()) {
                                *skipped |= JAULA_CGROUP_SKIPPED_SWAP;
                                continue;
                        }
                        return jaula_err_set(err, -EOPNOTSUPP,
                                             "A swap limit needs swap accounting, but '%s' has no "
                                             "'%s' (boot with swapaccount=1, or drop the swap limit)",
                                             where, w[i].file);
                }
                if (r == -ENOENT || r == -ENODEV)
                        return r; /* removed under us: the caller starts over */
                if (r < 0) {
                        jaula_cg_format(&w[i], false, buf, sizeof buf);
                        return jaula_err_errno(err, r, "Cannot write '%s' to '%s/%s'", buf, where,
                                               w[i].file);
                }
        }
        return 0;
}

/* mkdir + open; *created tells a new node from a reused one. */
static int node_make(int parentfd, const char *name, bool *created)
{
        int fd;

        *created = mkdirat(parentfd, name, 0755) == 0;
        if (!*created && errno != EEXIST)
                return -errno;
        fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* Remove a node and anything below it, bottom-up.  -EBUSY while populated. */
static int remove_tree(int parentfd, const char *name)
{
        struct dirent *de;
        DIR *d;
        int r = 0, fd;

        if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                return 0;
        if (errno != EBUSY && errno != ENOTEMPTY)
                return -errno;
        fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fd);
        if (!d) {
                close_nointr(fd);
                return -errno;
        }
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && de->d_name[0] != '.') {
                        int k = remove_tree(dirfd(d), de->d_name);

                        if (k < 0 && r == 0)
                                r = k;
                }
        closedir(d);
        if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                return 0;
        return r < 0 ? r : -errno;
}

/* Kill what is below a node too: the backends' kill covers the node. */
static void kill_children(int fd, const struct jaula_cg_ops *ops, const struct jaula_cg_layout *lay)
{
        _cleanup_close_ int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        struct dirent *de;
        DIR *d;

        if (dup_fd < 0)
                return;
        d = fdopendir(TAKE_FD(dup_fd));
        if (!d)
                return;
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && de->d_name[0] != '.') {
                        int c = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                        if (c >= 0) {
                                jaula_cg_kill_listed(c, SIGKILL);
                                kill_children(c, ops, lay);
                                close(c);
                        }
                }
        closedir(d);
}

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Remove the jail node of every hierarchy, killing what keeps it busy.
 * Logout normally finds it empty (the holder took every process with it):
 * then rmdir alone succeeds and nothing is frozen or signalled — the v1
 * freezer costs milliseconds even on an empty cgroup.  Otherwise the
 * backend's kill (cgroup.kill, or freeze/kill/thaw) runs once and later
 * rounds kill whatever is still listed until rmdir succeeds.  nodefds[]
 * (may hold -1s) are opened on demand and closed. */
static int kill_and_remove(const struct jaula_cg_ops *ops, const struct jaula_cg_layout *lay,
                           int mountfds[], int nodefds[], const char *rel)
{
        int64_t deadline = now_ns() + DESTROY_TIMEOUT_NS;
        bool done[JAULA_CG_N_CTRL] = { false }, killed = false;
        useconds_t delay = 50;
        int r;

        for (;;) {
                r = 0;
                for (size_t i = 0; i < lay->n_hier; i++) {
                        int k;

                        if (mountfds[i] < 0 || done[i])
                                continue;
                        k = remove_tree(mountfds[i], rel);
                        if (k == 0) {
                                done[i] = true;
                                if (nodefds[i] >= 0)
                                        close(nodefds[i]);
                                nodefds[i] = -1;
                        } else if (r == 0 || r == -EBUSY) {
                                r = k;
                        }
                }
                if (r != -EBUSY || now_ns() > deadline)
                        return r;
                for (size_t i = 0; i < lay->n_hier; i++)
                        if (!done[i] && mountfds[i] >= 0 && nodefds[i] < 0)
                                nodefds[i] = openat(mountfds[i], rel,
                                                    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (!killed) {
                        ops->kill(nodefds, lay->n_hier, lay);
                        killed = true;
                } else {
                        for (size_t i = 0; i < lay->n_hier; i++)
                                if (nodefds[i] >= 0) {
                                        jaula_cg_kill_listed(nodefds[i], SIGKILL);
                                        kill_children(nodefds[i], ops, lay);
                                }
                }
                usleep(delay);
                if (delay < 10000)
                        delay *= 2;
        }
}

/* rmdir of the group and cgroup_path nodes: EBUSY/ENOTEMPTY means another
 * jail (or a concurrent create) still uses them, which is fine. */
static void remove_if_unused(int mountfd, const char *rel)
{
        (void) unlinkat(mountfd, rel, AT_REMOVEDIR);
}

static int open_mount(const struct jaula_cg_hier *h)
{
        int fd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

struct create_ctx {
        const struct jaula_cg_ops *ops;
        const struct jaula_spec *spec;
        const char *jail_id;
        unsigned need;
        const struct jaula_cg_write *gw_fresh, *gw_reset, *jw;
        size_t n_gw_fresh, n_gw_reset, n_jw;
        unsigned skipped;
};

static int enable(const struct create_ctx *c, int fd, unsigned ctrls, const char *where,
                  struct jaula_err *err)
{
        int r;

        if (!c->ops->enable)
                return 0;
        r = c->ops->enable(fd, ctrls);
        if (r == -ENOENT || r == -ENODEV)
                return r;
        if (r < 0)
                return jaula_err_errno(err, r, "Cannot enable controllers in '%s/cgroup.subtree_control'",
                                       where);
        return 0;
}

/* The jail's limits into its node fd (where: the group node's path, for
 * messages).  Returns fd, or -errno with fd closed. */
static int jail_writes(struct create_ctx *c, const struct jaula_cg_hier *h, int fd, char *where,
                       size_t where_size, struct jaula_err *err)
{
        int r;

        snprintf(where + strlen(where), where_size - strlen(where), "/%s", c->jail_id);
        r = apply_writes(fd, c->jw, c->n_jw, h->ctrls, false, &c->skipped, where, err);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

/* The login path on a busy host: cgroup_path and the group node exist, so
 * one mkdir of the whole relative path succeeds.  Then only the group's
 * limits are read back (and rewritten if the policy changed) and the jail's
 * written.  Returns -EAGAIN when the slow path must run (a node is missing,
 * or a stale jail node is in the way). */
static int create_fast(struct create_ctx *c, const struct jaula_cg_hier *h, int mountfd,
                       bool *jail_created, struct jaula_err *err)
{
        _cleanup_close_ int group = -1;
        char rel[512], where[1024];
        int r, fd;

        *jail_created = false;
        r = rel_path(c->spec, c->jail_id, 2, rel, sizeof rel);
        if (r < 0)
                return jaula_err_set(err, r, "cgroup path too long");
        if (mkdirat(mountfd, rel, 0755) < 0)
                return errno == ENOENT || errno == EEXIST ? -EAGAIN : -errno;
        *jail_created = true;
        *strrchr(rel, '/') = 0;
        group = openat(mountfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (group < 0)
                return errno == ENOENT ? -ENOENT : -errno;
        snprintf(where, sizeof where, "%s/%s", h->mount, rel);
        /* v2: a group whose subtree_control lists our controllers implies
         * every ancestor does; enabling after the child exists is fine. */
        r = enable(c, group, h->ctrls & c->need, where, err);
        if (r < 0)
                return -EAGAIN; /* e.g. a controller not yet on above: the slow path */
        r = apply_writes(group, c->gw_reset, c->n_gw_reset, h->ctrls, true, &c->skipped, where,
                         err);
        if (r < 0)
                return r;
        fd = openat(group, c->jail_id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ENOENT : -errno;
        return jail_writes(c, h, fd, where, sizeof where, err);
}

/* One attempt at <mount>/<cgroup_path>/<group>/<jail> in one hierarchy.
 * -ENOENT/-ENODEV: a concurrent destroy removed a node; start over. */
static int create_attempt(struct create_ctx *c, const struct jaula_cg_hier *h, int mountfd,
                          bool *jail_created, struct jaula_err *err)
{
        _cleanup_close_ int cur = fcntl(mountfd, F_DUPFD_CLOEXEC, 3);
        _cleanup_close_ int group = -1;
        const char *p = cgroup_path_of(c->spec);
        unsigned ctrls = h->ctrls & c->need;
        char where[512], comp[130];
        bool created;
        int r, fd;

        *jail_created = false;
        if (cur < 0)
                return -errno;
        snprintf(where, sizeof where, "%s", h->mount);
        r = enable(c, cur, ctrls, where, err);
        if (r < 0)
                return r;
        while (*p) {
                size_t len = strcspn(p, "/");

                memcpy(comp, p, len);
                comp[len] = 0;
                p += len;
                p += *p == '/';
                fd = node_make(cur, comp, &created);
                if (fd < 0)
                        return fd == -ENOENT ? fd
                                             : jaula_err_errno(err, fd, "Cannot create cgroup '%s/%s'",
                                                               where, comp);
                close(cur);
                cur = fd;
                snprintf(where + strlen(where), sizeof where - strlen(where), "/%s", comp);
                r = enable(c, cur, ctrls, where, err);
                if (r < 0)
                        return r;
        }

        group = node_make(cur, c->spec->group_name, &created);
        if (group < 0)
                return group == -ENOENT ? group
                                        : jaula_err_errno(err, group, "Cannot create cgroup '%s/%s'",
                                                          where, c->spec->group_name);
        snprintf(where + strlen(where), sizeof where - strlen(where), "/%s", c->spec->group_name);
        if (created)
                r = apply_writes(group, c->gw_fresh, c->n_gw_fresh, h->ctrls, false, &c->skipped,
                                 where, err);
        else
                r = apply_writes(group, c->gw_reset, c->n_gw_reset, h->ctrls, true, &c->skipped,
                                 where, err);
        if (r < 0)
                return r;
        r = enable(c, group, ctrls, where, err);
        if (r < 0)
                return r;

        fd = node_make(group, c->jail_id, &created);
        if (fd < 0)
                return fd == -ENOENT ? fd
                                     : jaula_err_errno(err, fd, "Cannot create cgroup '%s/%s'", where,
                                                       c->jail_id);
        if (!created) {
                /* A leftover of a jail that died without destroy: remove it
                 * when empty and start afresh (no stale limits); never share
                 * it with live processes. */
                r = c->ops->is_empty(fd);
                close(fd);
                if (r <= 0)
                        return jaula_err_set(err, r < 0 ? r : -EEXIST,
                                             "cgroup '%s/%s' exists and is in use", where,
                                             c->jail_id);
                if (unlinkat(group, c->jail_id, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        return jaula_err_errno(err, neg_errno(), "Cannot remove stale cgroup '%s/%s'",
                                               where, c->jail_id);
                fd = node_make(group, c->jail_id, &created);
                if (fd < 0)
                        return fd == -ENOENT ? fd
                                             : jaula_err_errno(err, fd, "Cannot create cgroup '%s/%s'",
                                                               where, c->jail_id);
        }
        *jail_created = true;
        return jail_writes(c, h, fd, where, sizeof where, err);
}

static struct jaula_cgroup *cgroup_new(void)
{
        struct jaula_cgroup *cg = calloc(1, sizeof *cg);

        if (cg)
                for (size_t i = 0; i < ELEMENTSOF(cg->fd); i++)
                        cg->fd[i] = -1;
        return cg;
}

/* The systemd backend kills, checks and measures a scope's cgroups as v2
 * does. */
static const struct jaula_cg_ops *ops_of(enum jaula_cgroup_mode mode)
{
        return mode == JAULA_CGROUP_V2 || mode == JAULA_CGROUP_SYSTEMD ? &jaula_cg_v2_ops
                                                                         : &jaula_cg_v1_ops;
}

static bool has_limits(const struct jaula_limits *l)
{
        return l->memory_max >= 0 || l->swap_max >= 0 || l->cpu_quota_us >= 0 ||
               l->cpu_weight >= 0 || l->pids_max >= 0 || l->io_weight >= 0;
}

static const char *ctrl_name(unsigned bits)
{
        for (size_t i = 0; i < ELEMENTSOF(ctrl_names); i++)
                if (bits & JAULA_CG_BIT(ctrl_names[i].ctrl))
                        return ctrl_names[i].name;
        return "?";
}

/* Layout, backend and the jail's hierarchies, shared by create and open. */
static int prepare(const struct jaula_spec *spec, const char *jail_id, struct jaula_cgroup **ret,
                   unsigned *need, struct jaula_err *err)
{
        struct jaula_cgroup *cg;
        unsigned req;
        int r;

        *ret = NULL;
        r = check_names(spec, jail_id, err);
        if (r < 0)
                return r;
        cg = cgroup_new();
        if (!cg)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        r = jaula_cg_layout_get(spec->cgroup_root, &cg->lay);
        if (r < 0) {
                free(cg);
                return jaula_err_errno(err, r, "Cannot find the cgroup hierarchies%s%s",
                                       spec->cgroup_root && spec->cgroup_root[0] ? " under " : "",
                                       spec->cgroup_root ? spec->cgroup_root : "");
        }
        /* io weight is left out: without a proportional io scheduler it is
         * skipped, not refused (docs/cgroups.md). */
        req = required(&spec->limits) | required(&spec->group_limits);
        if (cg->lay.mode == JAULA_CGROUP_NONE) {
                free(cg);
                if (has_limits(&spec->limits) || has_limits(&spec->group_limits))
                        return jaula_err_set(err, -EOPNOTSUPP,
                                             "The policy sets limits but no cgroup hierarchy is mounted");
                if (spec->n_devices)
                        return jaula_err_set(err, -EOPNOTSUPP,
                                             "The profile passes devices through but no cgroup "
                                             "hierarchy is mounted to confine them");
                return 0;
        }
        /* v1: the device policy needs the devices hierarchy (v2: a BPF
         * program, no controller). */
        if (spec->n_devices &&
            (cg->lay.mode == JAULA_CGROUP_V1 || cg->lay.mode == JAULA_CGROUP_HYBRID))
                req |= JAULA_CG_BIT(JAULA_CG_DEVICES);
        if (req & ~available(&cg->lay)) {
                unsigned missing = req & ~available(&cg->lay);

                free(cg);
                if (missing & JAULA_CG_BIT(JAULA_CG_DEVICES))
                        return jaula_err_set(err, -EOPNOTSUPP,
                                             "The profile passes devices through but the cgroup "
                                             "v1 'devices' hierarchy is not mounted");
                return jaula_err_set(err, -EOPNOTSUPP,
                                     "The policy limits '%s' but that cgroup controller is not available",
                                     ctrl_name(missing));
        }
        cg->ops = ops_of(cg->lay.mode);
        *need = jaula_cg_needed(&cg->lay, &spec->limits, &spec->group_limits) |
                (req & JAULA_CG_BIT(JAULA_CG_DEVICES));
        *ret = cg;
        return 1;
}

static void destroy_partial(struct jaula_cgroup *cg, const struct jaula_spec *spec,
                            const char *jail_id, int mountfds[])
{
        char rel[512];

        if (rel_path(spec, jail_id, 2, rel, sizeof rel) < 0)
                return;
        /* Also the hierarchy that failed half way: its node has no fd yet. */
        for (size_t i = 0; i < cg->lay.n_hier; i++)
                if (mountfds[i] >= 0 && cg->fd[i] < 0)
                        cg->fd[i] = openat(mountfds[i], rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        kill_and_remove(cg->ops, &cg->lay, mountfds, cg->fd, rel);
        for (int level = 1; level >= 0; level--)
                if (rel_path(spec, jail_id, level, rel, sizeof rel) == 0)
                        for (size_t i = 0; i < cg->lay.n_hier; i++)
                                if (mountfds[i] >= 0)
                                        remove_if_unused(mountfds[i], rel);
}


/* ---- the device policy (devices.c builds it) ------------------------------ */

/* The profile's devices as they are on the host now: the holder binds
 * them after another look (a node that changed in between is bound but
 * not allowed, so it fails to open). */
static int device_rules(struct jaula_cgroup *cg, const struct jaula_spec *spec,
                        struct jaula_err *err)
{
        struct jaula_device *devs = NULL;
        _cleanup_close_ int host = -1;
        size_t n = 0;
        int r;

        if (!spec->n_devices)
                return 0;
        host = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (host < 0)
                return jaula_err_errno(err, neg_errno(), "Cannot open the host's /dev");
        r = jaula_devices_resolve(host, spec->devices, spec->n_devices, false, &devs, &n, err);
        if (r < 0)
                return r;
        r = jaula_devices_rules(devs, n, &cg->dev_rules, &cg->n_dev_rules);
        jaula_devices_free(devs, n);
        return r < 0 ? jaula_err_set(err, r, "Out of memory") : 0;
}

static int device_apply(struct jaula_cgroup *cg, struct jaula_err *err)
{
        if (!cg->dev_rules)
                return 0;
        if (cg->lay.mode == JAULA_CGROUP_V2 || cg->lay.mode == JAULA_CGROUP_SYSTEMD) {
                if (cg->fd[0] < 0)
                        return 0; /* SYSTEMD before enter: payload/ is not made yet */
                return jaula_devices_apply_v2(cg->fd[0], cg->dev_rules, cg->n_dev_rules, err);
        }
        for (size_t i = 0; i < cg->lay.n_hier; i++)
                if ((cg->lay.hier[i].ctrls & JAULA_CG_BIT(JAULA_CG_DEVICES)) && cg->fd[i] >= 0)
                        return jaula_devices_apply_v1(cg->fd[i], cg->dev_rules, cg->n_dev_rules,
                                                      err);
        return jaula_err_set(err, -EOPNOTSUPP, "No 'devices' cgroup for the jail's device policy");
}

/* ---- the systemd backend ---------------------------------------------------
 *
 * docs/design.md, "Jails on a systemd host".  Limits are unit properties
 * (systemd writes the cgroup files); jaula itself writes only inside a
 * jail's scope: payload/ (mkdir, rmdir), its cgroup.procs and cgroup.kill. */

static int sd_names_of(const struct jaula_spec *spec, const char *jail_id,
                       struct jaula_cg_sd_names *ret, struct jaula_err *err)
{
        int r = jaula_cg_sd_names(spec->cgroup_path, spec->group_name, jail_id, ret);

        return r < 0 ? jaula_err_errno(err, r, "Cannot name the systemd units of jail '%s'", jail_id)
                     : 0;
}

static int sd_open(const char *rel)
{
        _cleanup_close_ int root = open(JAULA_CG_SD_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd;

        if (root < 0)
                return -errno;
        fd = openat(root, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* Whether the group's slice already has the limits the policy gives it, as
 * its cgroup files show (the slice is active while any jail of the group
 * runs): then the login skips the D-Bus call. */
static bool sd_slice_current(const char *group_rel, const struct jaula_limits *l)
{
        _cleanup_close_ int fd = sd_open(group_rel);
        struct jaula_cg_write w[JAULA_CG_MAX_WRITES];
        size_t n = 0;

        if (fd < 0 || jaula_cg_v2_ops.map_limits(l, NULL, true, w, &n, NULL) < 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                char cur[128];
                bool alt = false;
                int r = jaula_cg_read(fd, w[i].file, cur, sizeof cur);

                if (r == -ENOENT && w[i].alt_file) {
                        alt = true;
                        r = jaula_cg_read(fd, w[i].alt_file, cur, sizeof cur);
                }
                /* No file: the controller is off there, which holds a
                 * default but not a limit. */
                if (r == -ENOENT && (w[i].flags & JAULA_CG_W_RESET))
                        continue;
                if (r < 0 || !jaula_cg_matches(&w[i], alt, cur, page_size()))
                        return false;
        }
        return true;
}

/* Whether the root's cgroup.subtree_control lists ctrl. */
static bool sd_root_enables(const char *ctrl)
{
        char buf[256];
        size_t len = strlen(ctrl);

        if (jaula_cg_read(AT_FDCWD, JAULA_CG_SD_ROOT "/cgroup.subtree_control", buf, sizeof buf) < 0)
                return false;
        for (const char *p = buf; *p;) {
                size_t k = strcspn(p, " \n");

                if (k == len && strncmp(p, ctrl, len) == 0)
                        return true;
                p += k;
                p += strspn(p, " \n");
        }
        return false;
}

static int sd_create(struct jaula_cgroup *cg, const struct jaula_spec *spec, const char *jail_id,
                     struct jaula_err *err)
{
        struct jaula_cg_sd_prop props[JAULA_CG_SD_MAX_PROPS];
        struct jaula_limits group = spec->group_limits;
        size_t n;
        int r;

        r = sd_names_of(spec, jail_id, &cg->sd, err);
        if (r < 0)
                return r;
        cg->sd_limits = spec->limits;
        /* An IOWeight would have systemd turn the io controller on from
         * the root down, for every unit of the host; a jail profile does
         * not get to decide that.  Where the host runs with it (an
         * IOAccounting= or IOWeight= of its own, DefaultIOAccounting=yes)
         * the weight applies; elsewhere it is skipped, as on a v2 host
         * without a proportional io scheduler. */
        if ((group.io_weight >= 0 || cg->sd_limits.io_weight >= 0) && !sd_root_enables("io")) {
                group.io_weight = cg->sd_limits.io_weight = -1;
                cg->skipped |= JAULA_CGROUP_SKIPPED_IO_WEIGHT;
        }
        /* Every limit, unset ones reset, so a changed policy applies; and
         * the call skipped when the slice's cgroup files already agree. */
        if (!sd_slice_current(cg->sd.group_rel, &group)) {
                n = jaula_cg_sd_limit_props(&group, true, props);
                r = jaula_cg_sd_set_properties(cg->sd.group, props, n, err);
                if (r < 0)
                        return r;
        }
        snprintf(cg->sd_desc, sizeof cg->sd_desc, "jaula jail %s: user %s, profile %s", jail_id,
                 spec->user.name ? spec->user.name : "?",
                 spec->profile_name ? spec->profile_name : "?");
        return 0;
}

JAULA_EXPORT int jaula_cgroup_enter(struct jaula_cgroup *cg, struct jaula_err *err)
{
        struct jaula_cg_sd_prop props[JAULA_CG_SD_MAX_PROPS];
        _cleanup_close_ int scope = -1;
        size_t n;
        int r;

        if (!cg || cg->lay.mode != JAULA_CGROUP_SYSTEMD)
                return 0;
        n = jaula_cg_sd_scope_props(&cg->sd_limits, cg->sd_desc, cg->sd.group, getpid(), props);
        r = jaula_cg_sd_start_scope(cg->sd.scope, props, n, SD_START_TIMEOUT_USEC, err);
        if (r < 0)
                return r;
        /* The scope is ours (Delegate=yes) and holds only us: its child
         * holds the jail, so that ending the jail (cgroup.kill of payload)
         * never kills the monitor that cleans up after it. */
        scope = sd_open(cg->sd.scope_rel);
        if (scope < 0)
                return jaula_err_errno(err, scope, "Cannot open the cgroup of '%s'", cg->sd.scope);
        if (mkdirat(scope, "payload", 0755) < 0 && errno != EEXIST)
                return jaula_err_errno(err, neg_errno(), "Cannot create '%s/%s/payload'",
                                       JAULA_CG_SD_ROOT, cg->sd.scope_rel);
        cg->fd[0] = openat(scope, "payload", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg->fd[0] < 0)
                return jaula_err_errno(err, neg_errno(), "Cannot open '%s/%s/payload'",
                                       JAULA_CG_SD_ROOT, cg->sd.scope_rel);
        /* The holder is born in payload/: the policy is there first. */
        return device_apply(cg, err);
}

static int sd_open_payload(struct jaula_cgroup *cg, const struct jaula_spec *spec,
                           const char *jail_id, struct jaula_err *err)
{
        char rel[sizeof cg->sd.scope_rel + 16];
        int r = sd_names_of(spec, jail_id, &cg->sd, err);

        if (r < 0)
                return r;
        snprintf(rel, sizeof rel, "%s/payload", cg->sd.scope_rel);
        cg->fd[0] = sd_open(rel);
        if (cg->fd[0] == -ENOENT)
                return jaula_err_set(err, -ENOENT, "Jail '%s' has no cgroup '%s/%s'", jail_id,
                                     JAULA_CG_SD_ROOT, rel);
        if (cg->fd[0] < 0)
                return jaula_err_errno(err, cg->fd[0], "Cannot open cgroup '%s/%s'", JAULA_CG_SD_ROOT,
                                       rel);
        return 0;
}

/* Whether this process is in the cgroup rel (a jail's monitor in its
 * scope). */
static bool sd_self_in(const char *rel)
{
        char buf[2048], *p;
        size_t len = strlen(rel);

        if (jaula_cg_read(AT_FDCWD, "/proc/self/cgroup", buf, sizeof buf) < 0)
                return false;
        for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, "0::/", 4) == 0 && strncmp(p + 4, rel, len) == 0 &&
                    (p[4 + len] == '\n' || p[4 + len] == '/' || p[4 + len] == 0))
                        return true;
        return false;
}

/* Kill and remove the scope's payload; a scope still holding processes
 * (its monitor, when we are not it) is stopped — its monitor takes the
 * SIGTERM as "end this jail now" — and systemd collects it empty. */
static int sd_end_scope(const struct jaula_cg_layout *lay, int scopefd, const char *scope,
                        const char *scope_rel)
{
        int mountfds[JAULA_CG_N_CTRL] = { scopefd }, nodefds[JAULA_CG_N_CTRL] = { -1 };
        struct jaula_cg_layout one = *lay;
        int r;

        one.n_hier = 1;
        r = kill_and_remove(&jaula_cg_v2_ops, &one, mountfds, nodefds, "payload");
        close_nointr(nodefds[0]);
        if (!sd_self_in(scope_rel) && jaula_cg_v2_ops.is_empty(scopefd) == 0)
                jaula_cg_sd_stop_unit(scope);
        return r;
}

static int sd_destroy(const struct jaula_spec *spec, const char *jail_id,
                      const struct jaula_cg_layout *lay)
{
        struct jaula_cg_sd_names nm;
        _cleanup_close_ int scope = -1;
        int r;

        r = jaula_cg_sd_names(spec->cgroup_path, spec->group_name, jail_id, &nm);
        if (r < 0)
                return r;
        scope = sd_open(nm.scope_rel);
        if (scope < 0)
                return scope == -ENOENT ? 0 : scope;
        return sd_end_scope(lay, scope, nm.scope, nm.scope_rel);
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static DIR *opendir_at(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d)
                close(fd);
        return d;
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Every <prefix>-<id>.scope in every group slice of the top slice whose id
 * orphan() disowns: no state names it, so no monitor will end it. */
static int sd_gc(const char *cgroup_path, const struct jaula_cg_layout *lay,
                 bool (*orphan)(const char *jail_id, void *ud), void *ud)
{
        struct jaula_cg_sd_names nm;
        _cleanup_close_ int top = -1;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r, n = 0;

        r = jaula_cg_sd_names(cgroup_path, NULL, NULL, &nm);
        if (r < 0)
                return r;
        top = sd_open(nm.top_rel);
        if (top < 0)
                return top == -ENOENT ? 0 : top;
        d = opendir_at(top, ".");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_(closedirp) DIR *g = NULL;
                struct dirent *se;

                if (de->d_type != DT_DIR || strncmp(de->d_name, nm.prefix, strlen(nm.prefix)) ||
                    !has_suffix(de->d_name, ".slice") || !(g = opendir_at(top, de->d_name)))
                        continue;
                while ((se = readdir(g))) {
                        char id[JAULA_CG_SD_NAME_MAX], rel[2048];
                        _cleanup_close_ int scope = -1;

                        if (se->d_type != DT_DIR ||
                            jaula_cg_sd_scope_id(nm.prefix, se->d_name, id, sizeof id) < 0 ||
                            !orphan(id, ud))
                                continue;
                        scope = openat(dirfd(g), se->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (scope < 0)
                                continue;
                        snprintf(rel, sizeof rel, "%s/%s/%s", nm.top_rel, de->d_name, se->d_name);
                        if (sd_end_scope(lay, scope, se->d_name, rel) == 0)
                                n++;
                }
        }
        return n;
}

JAULA_EXPORT int jaula_cgroup_create(const struct jaula_spec *spec, const char *jail_id,
                                     struct jaula_cgroup **ret, struct jaula_err *err)
{
        struct jaula_cgroup *cg = NULL;
        struct jaula_cg_write gw_fresh[JAULA_CG_MAX_WRITES], gw_reset[JAULA_CG_MAX_WRITES],
                jw[JAULA_CG_MAX_WRITES];
        struct create_ctx c = { .spec = spec, .jail_id = jail_id };
        int mountfds[JAULA_CG_N_CTRL];
        int r;

        *ret = NULL;
        r = prepare(spec, jail_id, &cg, &c.need, err);
        if (r <= 0)
                return r;
        c.ops = cg->ops;
        r = device_rules(cg, spec, err);
        if (r >= 0)
                r = jaula_cg_validate_limits(&spec->group_limits, err);
        if (r >= 0)
                r = jaula_cg_validate_limits(&spec->limits, err);
        if (r >= 0)
                r = cg->ops->map_limits(&spec->group_limits, NULL, false, gw_fresh, &c.n_gw_fresh,
                                        err);
        if (r >= 0)
                r = cg->ops->map_limits(&spec->group_limits, NULL, true, gw_reset, &c.n_gw_reset,
                                        err);
        if (r >= 0)
                r = cg->ops->map_limits(&spec->limits, &spec->group_limits, false, jw, &c.n_jw,
                                        err);
        if (r >= 0 && cg->lay.mode == JAULA_CGROUP_SYSTEMD) {
                r = sd_create(cg, spec, jail_id, err);
                if (r >= 0) {
                        *ret = cg;
                        return 0;
                }
        }
        if (r < 0) {
                free(cg);
                return r;
        }
        c.gw_fresh = gw_fresh;
        c.gw_reset = gw_reset;
        c.jw = jw;

        for (size_t i = 0; i < ELEMENTSOF(mountfds); i++)
                mountfds[i] = -1;
        for (size_t i = 0; i < cg->lay.n_hier; i++) {
                const struct jaula_cg_hier *h = &cg->lay.hier[i];
                bool jail_created = false;

                if (!(h->ctrls & c.need))
                        continue;
                mountfds[i] = open_mount(h);
                if (mountfds[i] < 0) {
                        r = jaula_err_errno(err, mountfds[i], "Cannot open cgroup hierarchy '%s'",
                                            h->mount);
                        break;
                }
                r = create_fast(&c, h, mountfds[i], &jail_created, err);
                for (int attempt = 0; attempt < CREATE_ATTEMPTS && r < 0 &&
                                      (r == -EAGAIN || r == -ENOENT || r == -ENODEV);
                     attempt++) {
                        /* A fast-path jail node stays: the slow path finds it
                         * empty and makes it afresh. */
                        r = create_attempt(&c, h, mountfds[i], &jail_created, err);
                }
                if (r == -ENOENT || r == -ENODEV)
                        r = jaula_err_errno(err, r, "Cannot create the jail cgroup under '%s'",
                                            h->mount);
                if (r < 0)
                        break;
                cg->fd[i] = r;
        }
        if (r >= 0)
                r = device_apply(cg, err);
        if (r < 0) {
                destroy_partial(cg, spec, jail_id, mountfds);
                for (size_t i = 0; i < ELEMENTSOF(mountfds); i++)
                        close_nointr(mountfds[i]);
                jaula_cgroup_free(cg);
                return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(mountfds); i++)
                close_nointr(mountfds[i]);
        cg->skipped = c.skipped;
        *ret = cg;
        return 0;
}

/* Every hierarchy where the jail has a node, whatever the policy says now:
 * a process joining the jail must land where its holder is, even when a
 * limit was added or dropped since the jail was made. */
JAULA_EXPORT int jaula_cgroup_open(const struct jaula_spec *spec, const char *jail_id,
                                   struct jaula_cgroup **ret, struct jaula_err *err)
{
        struct jaula_cgroup *cg = NULL;
        unsigned need = 0;
        bool found = false;
        char rel[512];
        int r;

        *ret = NULL;
        r = prepare(spec, jail_id, &cg, &need, err);
        if (r <= 0)
                return r;
        if (cg->lay.mode == JAULA_CGROUP_SYSTEMD) {
                r = sd_open_payload(cg, spec, jail_id, err);
                if (r < 0) {
                        jaula_cgroup_free(cg);
                        return r;
                }
                *ret = cg;
                return 0;
        }
        r = rel_path(spec, jail_id, 2, rel, sizeof rel);
        for (size_t i = 0; r >= 0 && i < cg->lay.n_hier; i++) {
                const struct jaula_cg_hier *h = &cg->lay.hier[i];
                _cleanup_close_ int m = open_mount(h);

                if (m < 0) {
                        r = jaula_err_errno(err, m, "Cannot open cgroup hierarchy '%s'", h->mount);
                        break;
                }
                cg->fd[i] = openat(m, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (cg->fd[i] >= 0)
                        found = true;
                else if (errno != ENOENT)
                        r = jaula_err_errno(err, neg_errno(), "Cannot open cgroup '%s/%s'",
                                            h->mount, rel);
        }
        if (r >= 0 && !found)
                r = jaula_err_set(err, -ENOENT, "Jail '%s' has no cgroup under '%s'", jail_id,
                                  cg->lay.hier[0].mount);
        if (r < 0) {
                jaula_cgroup_free(cg);
                return r;
        }
        *ret = cg;
        return 0;
}

/* Whether the calling process has one thread (field 20 of /proc/self/stat;
 * the name in field 2 may hold spaces, so count from its closing paren). */
static bool single_threaded(void)
{
        char buf[512], *p;
        int r = jaula_cg_read(AT_FDCWD, "/proc/self/stat", buf, sizeof buf);

        if (r < 0 || !(p = strrchr(buf, ')')))
                return false;
        for (int field = 2; field < 20 && p; field++)
                p = strchr(p + 1, ' ');
        return p && strtol(p + 1, NULL, 10) == 1;
}

JAULA_EXPORT int jaula_cgroup_attach(struct jaula_cgroup *cg, pid_t pid)
{
        const char *file = "cgroup.procs";
        char buf[24];

        if (!cg)
                return 0;
        /* A write to cgroup.procs takes the kernel's global threadgroup
         * lock for writing, which waits for an RCU grace period: 8–14 ms
         * here on an idle v1 host, most of a warm join.  Moving only the
         * calling thread (v1's tasks file, pid 0) skips that lock, and for
         * a process of one thread — jailsh's fresh child — it moves the
         * whole process.  Anything else goes through cgroup.procs. */
        if (pid == 0 && (cg->lay.mode == JAULA_CGROUP_V1 || cg->lay.mode == JAULA_CGROUP_HYBRID) &&
            single_threaded())
                file = "tasks";
        snprintf(buf, sizeof buf, "%d\n", (int) pid);
        for (size_t i = 0; i < cg->lay.n_hier; i++) {
                int r;

                if (cg->fd[i] < 0)
                        continue;
                r = jaula_cg_write_str(cg->fd[i], file, buf);
                if (r == -ENOENT && file[0] == 't')
                        r = jaula_cg_write_str(cg->fd[i], "cgroup.procs", buf);
                if (r < 0)
                        return r;
        }
        return 0;
}

JAULA_EXPORT int jaula_cgroup_fd(struct jaula_cgroup *cg)
{
        if (!cg || (cg->lay.mode != JAULA_CGROUP_V2 && cg->lay.mode != JAULA_CGROUP_SYSTEMD))
                return -1;
        return cg->fd[0];
}

JAULA_EXPORT unsigned jaula_cgroup_skipped(const struct jaula_cgroup *cg)
{
        return cg ? cg->skipped : 0;
}

JAULA_EXPORT void jaula_cgroup_free(struct jaula_cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < ELEMENTSOF(cg->fd); i++)
                close_nointr(cg->fd[i]);
        free(cg->dev_rules);
        free(cg);
}

/* Every hierarchy of the layout, not only those the spec needs now: the
 * policy may have changed since the jail was made. */
JAULA_EXPORT int jaula_cgroup_destroy(const struct jaula_spec *spec, const char *jail_id)
{
        struct jaula_cg_layout lay;
        const struct jaula_cg_ops *ops;
        int mountfds[JAULA_CG_N_CTRL], nodefds[JAULA_CG_N_CTRL];
        char rel[512];
        int r;

        r = check_names(spec, jail_id, NULL);
        if (r < 0)
                return r;
        r = jaula_cg_layout_get(spec->cgroup_root, &lay);
        if (r < 0)
                return r;
        if (lay.mode == JAULA_CGROUP_NONE)
                return 0;
        if (lay.mode == JAULA_CGROUP_SYSTEMD)
                return sd_destroy(spec, jail_id, &lay);
        ops = ops_of(lay.mode);
        r = rel_path(spec, jail_id, 2, rel, sizeof rel);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(mountfds); i++)
                mountfds[i] = nodefds[i] = -1;
        for (size_t i = 0; i < lay.n_hier; i++)
                mountfds[i] = open(lay.hier[i].mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = kill_and_remove(ops, &lay, mountfds, nodefds, rel);
        for (int level = 1; level >= 0; level--)
                if (rel_path(spec, jail_id, level, rel, sizeof rel) == 0)
                        for (size_t i = 0; i < lay.n_hier; i++)
                                if (mountfds[i] >= 0)
                                        remove_if_unused(mountfds[i], rel);
        for (size_t i = 0; i < ELEMENTSOF(mountfds); i++) {
                close_nointr(mountfds[i]);
                close_nointr(nodefds[i]);
        }
        return r;
}

/* One group node of one hierarchy: its orphan jail nodes. */
static int gc_group(const struct jaula_cg_ops *ops, int groupfd,
                    bool (*orphan)(const char *jail_id, void *ud), void *ud)
{
        _cleanup_(closedirp) DIR *d = NULL;
        int fd = fcntl(groupfd, F_DUPFD_CLOEXEC, 3), n = 0;
        struct dirent *de;

        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        while ((de = readdir(d))) {
                _cleanup_close_ int node = -1;

                if (de->d_type != DT_DIR || de->d_name[0] == '.' || !orphan(de->d_name, ud))
                        continue;
                node = openat(groupfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                /* In use: the jail of a lost state still runs; it is not
                 * ours to kill (SECURITY.md, the state directory wiped). */
                if (node < 0 || ops->is_empty(node) != 1)
                        continue;
                if (remove_tree(groupfd, de->d_name) == 0)
                        n++;
        }
        return n;
}

JAULA_EXPORT int jaula_cgroup_gc(const char *cgroup_root, const char *cgroup_path,
                                 bool (*orphan)(const char *jail_id, void *ud), void *ud)
{
        struct jaula_spec spec = { .cgroup_root = (char *) cgroup_root,
                                   .cgroup_path = (char *) cgroup_path,
                                   .group_name = (char *) "g" };
        const struct jaula_cg_ops *ops;
        struct jaula_cg_layout lay;
        const char *path;
        int r, n = 0;

        r = check_names(&spec, "j", NULL);
        if (r < 0)
                return r;
        path = cgroup_path_of(&spec);
        r = jaula_cg_layout_get(cgroup_root, &lay);
        if (r < 0)
                return r;
        if (lay.mode == JAULA_CGROUP_NONE)
                return 0;
        if (lay.mode == JAULA_CGROUP_SYSTEMD)
                return sd_gc(cgroup_path, &lay, orphan, ud);
        ops = ops_of(lay.mode);
        for (size_t i = 0; i < lay.n_hier; i++) {
                _cleanup_close_ int m = open_mount(&lay.hier[i]), top = -1;
                _cleanup_(closedirp) DIR *d = NULL;
                struct dirent *de;
                int fd;

                if (m < 0)
                        continue;
                top = openat(m, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (top < 0)
                        continue;
                fd = fcntl(top, F_DUPFD_CLOEXEC, 3);
                if (fd < 0 || !(d = fdopendir(fd))) {
                        close_nointr(fd);
                        continue;
                }
                while ((de = readdir(d))) {
                        _cleanup_close_ int g = -1;

                        if (de->d_type != DT_DIR || de->d_name[0] == '.')
                                continue;
                        g = openat(top, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (g < 0)
                                continue;
                        n += gc_group(ops, g, orphan, ud);
                        remove_if_unused(top, de->d_name);
                }
                remove_if_unused(m, path);
        }
        return n;
}

JAULA_EXPORT int jaula_cgroup_usage(const struct jaula_spec *spec, const char *jail_id,
                                    struct jaula_cgroup_usage *ret)
{
        struct jaula_cg_layout lay;
        const struct jaula_cg_ops *ops;
        int nodefds[JAULA_CG_N_CTRL];
        char rel[512];
        bool any = false;
        int r;

        ret->memory_bytes = ret->pids = ret->cpu_usec = -1;
        r = check_names(spec, jail_id, NULL);
        if (r < 0)
                return r;
        r = jaula_cg_layout_get(spec->cgroup_root, &lay);
        if (r < 0 || lay.mode == JAULA_CGROUP_NONE)
                return r;
        ops = ops_of(lay.mode);
        if (lay.mode == JAULA_CGROUP_SYSTEMD) {
                struct jaula_cg_sd_names nm;

                r = jaula_cg_sd_names(spec->cgroup_path, spec->group_name, jail_id, &nm);
                if (r < 0)
                        return r;
                /* The scope: the jail and its monitor, as systemd counts it. */
                nodefds[0] = sd_open(nm.scope_rel);
                if (nodefds[0] < 0)
                        return nodefds[0];
                r = ops->usage(nodefds, &lay, ret);
                close_nointr(nodefds[0]);
                return r;
        }
        r = rel_path(spec, jail_id, 2, rel, sizeof rel);
        if (r < 0)
                return r;
        for (size_t i = 0; i < lay.n_hier; i++) {
                _cleanup_close_ int m = open(lay.hier[i].mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                nodefds[i] = m < 0 ? -1 : openat(m, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                any |= nodefds[i] >= 0;
        }
        r = any ? ops->usage(nodefds, &lay, ret) : -ENOENT;
        for (size_t i = 0; i < lay.n_hier; i++)
                close_nointr(nodefds[i]);
        return r;
}

JAULA_EXPORT int jaula_cgroup_register_machine(const struct jaula_spec *spec, const char *jail_id,
                                               pid_t leader, const char *host_if,
                                               struct jaula_err *err)
{
        struct jaula_cg_layout lay;
        struct jaula_cg_sd_names nm;
        const char *root = spec->rootfs_path;
        struct stat st;
        int r;

        r = jaula_cg_layout_get(spec->cgroup_root, &lay);
        if (r < 0 || lay.mode != JAULA_CGROUP_SYSTEMD)
                return 0;
        r = sd_names_of(spec, jail_id, &nm, err);
        if (r < 0)
                return r;
        /* machined wants a directory; an image's is only inside the jail. */
        if (!root || stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
                root = "";
        return jaula_cg_sd_register_machine(nm.machine, root, leader,
                                            host_if && host_if[0] ? (int) if_nametoindex(host_if) : 0,
                                            err);
}

JAULA_EXPORT int jaula_cgroup_top_slice(const char *cgroup_path, char *buf, size_t size)
{
        struct jaula_cg_sd_names nm;
        int r = jaula_cg_sd_names(cgroup_path, NULL, NULL, &nm);

        if (r < 0)
                return r;
        if (strlen(nm.top) >= size)
                return -ENAMETOOLONG;
        strcpy(buf, nm.top);
        return 0;
}
