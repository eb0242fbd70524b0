/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* devices.c — device passthrough and the device-cgroup policy.
 *
 * Pattern checks, glob matching, the refusal table and the policy builders
 * (v1 text, v2 eBPF instructions) are pure.  Resolving needs only read
 * access to /dev; binding runs as root in the holder's mount namespace;
 * applying the policy as root on the jail's cgroup. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "jaula/devices.h"
#include "jaula/util.h"

/* ---- the list an administrator may write ---- */

/* First components under /dev that jaula fills itself (rootfs.c's
 * mount_dev): a listed device may not take their place. */
static const char *const own_names[] = {
        "null", "zero",  "full",   "random", "urandom", "tty", "ptmx", "fd",
        "stdin", "stdout", "stderr", "pts",  "shm",     "log", "console",
};

static bool own_name(const char *name, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(own_names); i++)
                if (strlen(own_names[i]) == len && !strncmp(name, own_names[i], len))
                        return true;
        return false;
}

JAULA_EXPORT const char *jaula_devices_pattern_error(const char *pattern)
{
        const char *p, *last;

        if (!pattern || strncmp(pattern, "/dev/", 5) != 0 || !pattern[5])
                return "must be an absolute path under /dev";
        if (strlen(pattern) >= 256)
                return "is too long";
        last = strrchr(pattern, '/') + 1;
        for (p = pattern + 5; *p;) {
                size_t n = strcspn(p, "/");

                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return "must be a clean path (no empty, '.' or '..' component, no "
                               "trailing '/')";
                p += n;
                if (*p == '/' && !p[1])
                        return "must be a clean path (no empty, '.' or '..' component, no "
                               "trailing '/')";
                p += *p == '/';
        }
        for (p = pattern; *p; p++) {
                if ((unsigned char) *p < 0x20 || *p == 0x7f || strchr("?[]\\,:", *p))
                        return "may hold no control character and none of ? [ ] \\ , : (the "
                               "only wildcard is '*')";
                if (*p == '*' && p < last)
                        return "may have '*' in its last component only";
        }
        if (!strcmp(last, "*") && last == pattern + 5)
                return "may not be all of /dev ('/dev/*')";
        if (own_name(pattern + 5, strcspn(pattern + 5, "/")))
                return "names a node jaula makes in every jail's /dev itself";
        return NULL;
}

JAULA_EXPORT bool jaula_devices_glob_match(const char *pattern, const char *name)
{
        const char *star_p = NULL, *star_n = NULL;

        if (name[0] == '.' && pattern[0] != '.')
                return false;
        while (*name) {
                if (*pattern == '*') {
                        star_p = ++pattern;
                        star_n = name;
                } else if (*pattern == *name) {
                        pattern++;
                        name++;
                } else if (star_p) {
                        pattern = star_p;
                        name = ++star_n;
                } else {
                        return false;
                }
        }
        while (*pattern == '*')
                pattern++;
        return !*pattern;
}

/* Char devices that hand over the host (or a piece of it no jail user
 * owns), by number.  Fixed numbers only (Documentation/admin-guide/
 * devices.txt): a driver with a dynamic major (hidraw, …) cannot be
 * listed here, see README's known limitations. */
static const struct {
        unsigned major, minor; /* minor UINT32_MAX: the whole major */
        const char *why;
} refused[] = {
        { 1, 1, "/dev/mem is the host's physical memory" },
        { 1, 2, "/dev/kmem is the host kernel's memory" },
        { 1, 4, "/dev/port is the host's I/O ports" },
        { 1, 11, "/dev/kmsg reads and writes the host kernel's log" },
        { 4, UINT32_MAX, "major 4 is the host's virtual consoles and serial ports (keystrokes, "
                         "screens, the console login)" },
        { 5, 1, "/dev/console is the host's system console" },
        { 5, 3, "/dev/ttyprintk writes into the host kernel's log" },
        { 7, UINT32_MAX, "major 7 (vcs) reads and writes the host's console screens" },
        { 10, 1, "/dev/psaux is the host's PS/2 mouse and keyboard port" },
        { 10, 130, "/dev/watchdog reboots the host when closed without the magic character" },
        { 10, 144, "/dev/nvram is the host's CMOS memory (its firmware settings)" },
        { 10, 184, "/dev/cpu/microcode loads microcode into the host's CPUs" },
        { 10, 223, "/dev/uinput makes input devices: it types into the host's sessions" },
        { 10, 231, "/dev/snapshot is a hibernation image: all of the host's memory" },
        { 10, 236, "/dev/mapper/control makes device-mapper devices over any host disk" },
        { 10, 237, "/dev/loop-control hands out loop devices, i.e. block devices" },
        { 10, 239, "/dev/uhid makes HID devices: it types into the host's sessions" },
        { 13, UINT32_MAX, "major 13 is the host's input devices (keyloggers, injected input)" },
        { 21, UINT32_MAX, "major 21 (sg) sends raw SCSI commands to the host's disks" },
        { 29, UINT32_MAX, "major 29 (fb) is the host's framebuffer: its screen" },
        { 189, UINT32_MAX, "major 189 is raw access to every USB device of the host (disks, "
                           "keyboards)" },
        { 202, UINT32_MAX, "major 202 (cpu/N/msr) writes the host CPUs' model-specific "
                           "registers" },
        { 203, UINT32_MAX, "major 203 (cpu/N/cpuid) is refused with msr, its companion" },
};

JAULA_EXPORT const char *jaula_devices_refused(char type, unsigned major, unsigned minor)
{
        if (type == 'b')
                return "a block device gives raw access to a disk of the host";
        if (type != 'c')
                return "not a character device";
        for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                if (refused[i].major == major &&
                    (refused[i].minor == UINT32_MAX || refused[i].minor == minor))
                        return refused[i].why;
        return NULL;
}

/* ---- resolving against the host's /dev ---- */

#define NOLINKS (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

static int openat2_(int dirfd, const char *path, int flags, uint64_t resolve)
{
        struct open_how how = { .flags = (uint64_t) (flags | O_CLOEXEC), .resolve = resolve };
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);

        return fd < 0 ? -errno : (int) fd;
}

JAULA_EXPORT void jaula_devices_free(struct jaula_device *v, size_t n)
{
        if (!v)
                return;
        for (size_t i = 0; i < n; i++) {
                free(v[i].rel);
                close_nointr(v[i].fd);
        }
        free(v);
}

struct devlist {
        struct jaula_device *v;
        size_t n;
};

/* Check the node at dirfd/name (rel for messages) and add it.  glob: a
 * non-device match (a directory, a symlink, a socket) is skipped. */
static int add_node(struct devlist *l, int dirfd, const char *name, const char *rel, bool glob,
                    bool keep_fd, struct jaula_err *err)
{
        _cleanup_close_ int fd = openat2_(dirfd, name, O_PATH, NOLINKS);
        struct stat st;
        const char *why;
        char type;

        if (fd == -ELOOP || fd == -EXDEV)
                return glob ? 0
                            : jaula_err_set(err, -ELOOP,
                                            "Device '/dev/%s' is a symlink: list the node it "
                                            "points to",
                                            rel);
        if (fd == -ENOENT && !glob)
                return jaula_err_set(err, -ENOENT, "Device '/dev/%s' does not exist on this host",
                                     rel);
        if (fd == -ENOENT)
                return 0; /* gone since readdir */
        if (fd < 0)
                return jaula_err_errno(err, fd, "Cannot open device '/dev/%s'", rel);
        if (fstat(fd, &st) < 0)
                return jaula_err_errno(err, neg_errno(), "Cannot stat device '/dev/%s'", rel);
        if (S_ISCHR(st.st_mode))
                type = 'c';
        else if (S_ISBLK(st.st_mode))
                type = 'b';
        else if (glob)
                return 0;
        else
                return jaula_err_set(err, -ENODEV, "Device '/dev/%s' is not a device node", rel);
        why = jaula_devices_refused(type, major(st.st_rdev), minor(st.st_rdev));
        if (why)
                return jaula_err_set(err, -EPERM, "Device '/dev/%s' (%c %u:%u) is refused: %s", rel,
                                     type, major(st.st_rdev), minor(st.st_rdev), why);
        for (size_t i = 0; i < l->n; i++)
                if (!strcmp(l->v[i].rel, rel))
                        return 0;
        if (l->n >= JAULA_DEVICES_MAX)
                return jaula_err_set(err, -E2BIG, "More than %d devices to pass through",
                                     JAULA_DEVICES_MAX);
        struct jaula_device *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
        if (!nv)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        l->v = nv;
        l->v[l->n] = (struct jaula_device){ .rel = strdup(rel), .rdev = st.st_rdev, .fd = -1 };
        if (!l->v[l->n].rel)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        if (keep_fd)
                l->v[l->n].fd = TAKE_FD(fd);
        l->n++;
        return 0;
}

static int cmp_name(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void closedir_p(DIR **d)
{
        if (*d)
                closedir(*d);
}

static int expand_glob(struct devlist *l, int devfd, const char *rel, bool keep_fds,
                       struct jaula_err *err)
{
        const char *slash = strrchr(rel, '/');
        const char *base = slash ? slash + 1 : rel;
        char dir[256];
        _cleanup_(closedir_p) DIR *d = NULL;
        _cleanup_free_ char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int dfd, r = 0;

        snprintf(dir, sizeof dir, "%.*s", slash ? (int) (slash - rel) : 1, slash ? rel : ".");
        dfd = openat2_(devfd, dir, O_RDONLY | O_DIRECTORY, NOLINKS);
        if (dfd == -ENOENT || dfd == -ENOTDIR)
                return 0; /* a glob matching nothing */
        if (dfd < 0)
                return jaula_err_errno(err, dfd, "Cannot open '/dev/%s'", dir);
        d = fdopendir(dfd);
        if (!d) {
                close_nointr(dfd);
                return jaula_err_errno(err, neg_errno(), "Cannot read '/dev/%s'", dir);
        }
        while ((de = readdir(d))) {
                /* A glob right under /dev skips jaula's own names
                 * ("/dev/fu*" gives fuse, not the host's full). */
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                    !jaula_devices_glob_match(base, de->d_name) ||
                    (!slash && own_name(de->d_name, strlen(de->d_name))))
                        continue;
                if (n == cap) {
                        char **nv = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *nv);
                        if (!nv) {
                                r = jaula_err_set(err, -ENOMEM, "Out of memory");
                                break;
                        }
                        names = nv;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = jaula_err_set(err, -ENOMEM, "Out of memory");
                        break;
                }
                n++;
        }
        if (n)
                qsort(names, n, sizeof *names, cmp_name);
        for (size_t i = 0; i < n; i++) {
                char path[512];

                if (r >= 0) {
                        snprintf(path, sizeof path, "%s%s%s", slash ? dir : "", slash ? "/" : "",
                                 names[i]);
                        r = add_node(l, dirfd(d), names[i], path, true, keep_fds, err);
                }
                free(names[i]);
        }
        return r;
}

JAULA_EXPORT int jaula_devices_resolve(int devfd, char *const *patterns, size_t n, bool keep_fds,
                                       struct jaula_device **ret, size_t *ret_n,
                                       struct jaula_err *err)
{
        struct devlist l = { 0 };
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *why = jaula_devices_pattern_error(patterns[i]);
                const char *rel = patterns[i] + 5;

                if (why)
                        r = jaula_err_set(err, -EINVAL, "Device '%s' %s", patterns[i], why);
                else if (strchr(rel, '*'))
                        r = expand_glob(&l, devfd, rel, keep_fds, err);
                else
                        r = add_node(&l, devfd, rel, rel, false, keep_fds, err);
        }
        if (r < 0) {
                jaula_devices_free(l.v, l.n);
                return r;
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}

/* ---- binding into the jail ---- */

/* An O_PATH fd on an empty file at rel under jail_dev, the directories
 * made on the way; never through a symlink. */
static int make_mount_point(int jail_dev, const char *rel)
{
        char buf[256], *p, *slash;
        _cleanup_close_ int cur = fcntl(jail_dev, F_DUPFD_CLOEXEC, 3);
        int fd;

        if (cur < 0)
                return -errno;
        if (snprintf(buf, sizeof buf, "%s", rel) >= (int) sizeof buf)
                return -ENAMETOOLONG;
        for (p = buf; (slash = strchr(p, '/')); p = slash + 1) {
                int next;

                *slash = 0;
                if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                next = openat2_(cur, p, O_RDONLY | O_DIRECTORY, NOLINKS);
                if (next < 0)
                        return next;
                close_nointr(cur);
                cur = next;
        }
        /* O_EXCL: a name already there (one of jaula's own nodes) is
         * never covered. */
        fd = openat(cur, p, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        close_nointr(fd); /* a file open for writing keeps /dev from sealing */
        return openat2_(cur, p, O_PATH, NOLINKS);
}

JAULA_EXPORT int jaula_devices_bind(const struct jaula_spec *spec, int jail_dev,
                                    struct jaula_err *err)
{
        struct jaula_device *devs = NULL;
        _cleanup_close_ int host = -1;
        size_t n = 0;
        int r;

        if (!spec->n_devices)
                return 0;
        host = openat2_(AT_FDCWD, "/dev", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
        if (host < 0)
                return jaula_err_errno(err, host, "Cannot open the host's /dev");
        r = jaula_devices_resolve(host, spec->devices, spec->n_devices, true, &devs, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && r >= 0; i++) {
                struct mount_attr a = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC };
                _cleanup_close_ int target = make_mount_point(jail_dev, devs[i].rel);
                _cleanup_close_ int tree = -1;

                if (target < 0) {
                        r = jaula_err_errno(err, target, "Cannot make '/dev/%s' in the jail",
                                            devs[i].rel);
                        break;
                }
                /* The very node checked above, by its fd. */
                tree = open_tree(devs[i].fd, "",
                                 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
                if (tree < 0 || mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof a) < 0 ||
                    move_mount(tree, "", target, "",
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        r = jaula_err_errno(err, neg_errno(), "Cannot bind device '/dev/%s'",
                                            devs[i].rel);
        }
        jaula_devices_free(devs, n);
        return r;
}

/* ---- the policy ---- */

JAULA_EXPORT int jaula_devices_rules(const struct jaula_device *devs, size_t n,
                                     struct jaula_dev_rule **ret, size_t *ret_n)
{
        const unsigned rw = JAULA_DEV_READ | JAULA_DEV_WRITE;
        /* What every jail's /dev holds (rootfs.c) and the terminals.  The
         * holder makes jaula's own nodes with mknod after it joined the
         * cgroup, so those seven allow mknod too (harmless devices, and a
         * jail has no CAP_MKNOD anyway); nothing else does.  A session's
         * terminal is a host pty (136-143) or, for a console login, a
         * virtual console (4:N) bound over /dev/console, and it changes
         * with each session joining the jail, so the terminal majors are
         * allowed whole. */
        const unsigned rwm = rw | JAULA_DEV_MKNOD;
        const struct jaula_dev_rule base[] = {
                { 'c', 1, 1, 3, rwm },   /* null */
                { 'c', 1, 1, 5, rwm },   /* zero */
                { 'c', 1, 1, 7, rwm },   /* full */
                { 'c', 1, 1, 8, rwm },   /* random */
                { 'c', 1, 1, 9, rwm },   /* urandom */
                { 'c', 5, 5, 0, rwm },   /* tty */
                { 'c', 5, 5, 2, rwm },   /* ptmx */
                { 'c', 136, 143, JAULA_DEV_ANY_MINOR, rw }, /* pts */
                { 'c', 4, 4, JAULA_DEV_ANY_MINOR, rw },     /* tty1…, ttyS… */
        };
        struct jaula_dev_rule *v = malloc((ELEMENTSOF(base) + n) * sizeof *v);

        if (!v)
                return -ENOMEM;
        memcpy(v, base, sizeof base);
        for (size_t i = 0; i < n; i++)
                v[ELEMENTSOF(base) + i] = (struct jaula_dev_rule){
                        'c', major(devs[i].rdev), major(devs[i].rdev), minor(devs[i].rdev), rw
                };
        *ret = v;
        *ret_n = ELEMENTSOF(base) + n;
        return 0;
}

JAULA_EXPORT int jaula_devices_v1_text(const struct jaula_dev_rule *rules, size_t n, char **ret)
{
        size_t cap = 64, len = 0;
        char *s = malloc(cap);

        if (!s)
                return -ENOMEM;
        s[0] = 0;
        for (size_t i = 0; i < n; i++)
                for (uint64_t maj = rules[i].major_lo; maj <= rules[i].major_hi; maj++) {
                        char line[64], minor[16];
                        int k;

                        if (rules[i].minor == JAULA_DEV_ANY_MINOR)
                                snprintf(minor, sizeof minor, "*");
                        else
                                snprintf(minor, sizeof minor, "%u", rules[i].minor);
                        k = snprintf(line, sizeof line, "%c %u:%s %s%s%s\n", rules[i].type,
                                     (unsigned) maj, minor,
                                     rules[i].access & JAULA_DEV_READ ? "r" : "",
                                     rules[i].access & JAULA_DEV_WRITE ? "w" : "",
                                     rules[i].access & JAULA_DEV_MKNOD ? "m" : "");
                        if (len + (size_t) k + 1 > cap) {
                                char *ns = realloc(s, cap = (len + (size_t) k + 1) * 2);
                                if (!ns) {
                                        free(s);
                                        return -ENOMEM;
                                }
                                s = ns;
                        }
                        memcpy(s + len, line, (size_t) k + 1);
                        len += (size_t) k;
                }
        *ret = s;
        return 0;
}

/* The program, for each rule in turn (r1: struct bpf_cgroup_dev_ctx):
 *
 *   r2 = ctx->access_type; r3 = r2 & 0xffff (type); r4 = r2 >> 16 (access)
 *   r5 = ctx->major; r6 = ctx->minor
 *   rule: if r3 != type goto next; if r5 < lo goto next; if r5 > hi goto
 *         next; [if r6 != minor goto next]; r7 = r4 & ~allowed;
 *         if r7 != 0 goto next; r0 = 1; exit
 *   after the last rule: r0 = 0; exit
 *
 * The kernel asks once per open or mknod with the accesses wanted, so a
 * rule allows only when all of them are in its set. */
#define INSN(c, d, s, o, i)                                                                        \
        ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_W | BPF_MEM, d, s, o, 0)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ALU_IMM(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define JMP_IMM(op, d, i, o) INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static size_t rule_len(const struct jaula_dev_rule *r)
{
        return 1 + (r->major_lo == r->major_hi ? 1 : 2) + (r->minor != JAULA_DEV_ANY_MINOR) + 3 +
               2;
}

JAULA_EXPORT int jaula_devices_bpf_build(const struct jaula_dev_rule *rules, size_t n,
                                         struct bpf_insn *out, size_t max)
{
        size_t pc = 0, total = 7 + 2;

        for (size_t i = 0; i < n; i++)
                total += rule_len(&rules[i]);
        if (total > max || total > INT16_MAX)
                return -E2BIG;
        out[pc++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        out[pc++] = MOV_REG(BPF_REG_3, BPF_REG_2);
        out[pc++] = ALU_IMM(BPF_AND, BPF_REG_3, 0xffff);
        out[pc++] = MOV_REG(BPF_REG_4, BPF_REG_2);
        out[pc++] = ALU_IMM(BPF_RSH, BPF_REG_4, 16);
        out[pc++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
        out[pc++] = LDX_W(BPF_REG_6, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
        for (size_t i = 0; i < n; i++) {
                const struct jaula_dev_rule *r = &rules[i];
                size_t next = pc + rule_len(r);
                unsigned access = 0;

                /* ctx->access_type holds BPF_DEVCG_ACC_* and _DEV_* bits */
                if (r->access & JAULA_DEV_MKNOD)
                        access |= BPF_DEVCG_ACC_MKNOD;
                if (r->access & JAULA_DEV_READ)
                        access |= BPF_DEVCG_ACC_READ;
                if (r->access & JAULA_DEV_WRITE)
                        access |= BPF_DEVCG_ACC_WRITE;
#define TO_NEXT ((int16_t) (next - (pc + 1)))
                out[pc] = JMP_IMM(BPF_JNE, BPF_REG_3,
                                  r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                                  TO_NEXT);
                pc++;
                if (r->major_lo == r->major_hi) {
                        out[pc] = JMP_IMM(BPF_JNE, BPF_REG_5, (int32_t) r->major_lo, TO_NEXT);
                        pc++;
                } else {
                        out[pc] = JMP_IMM(BPF_JLT, BPF_REG_5, (int32_t) r->major_lo, TO_NEXT);
                        pc++;
                        out[pc] = JMP_IMM(BPF_JGT, BPF_REG_5, (int32_t) r->major_hi, TO_NEXT);
                        pc++;
                }
                if (r->minor != JAULA_DEV_ANY_MINOR) {
                        out[pc] = JMP_IMM(BPF_JNE, BPF_REG_6, (int32_t) r->minor, TO_NEXT);
                        pc++;
                }
                out[pc++] = MOV_REG(BPF_REG_7, BPF_REG_4);
                out[pc++] = ALU_IMM(BPF_AND, BPF_REG_7, (int32_t) ~access);
                out[pc] = JMP_IMM(BPF_JNE, BPF_REG_7, 0, TO_NEXT);
                pc++;
#undef TO_NEXT
                out[pc++] = MOV_IMM(BPF_REG_0, 1);
                out[pc++] = EXIT();
        }
        out[pc++] = MOV_IMM(BPF_REG_0, 0);
        out[pc++] = EXIT();
        return (int) pc;
}

JAULA_EXPORT int jaula_devices_apply_v1(int cgfd, const struct jaula_dev_rule *rules, size_t n,
                                        struct jaula_err *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int deny = -1, allow = -1;
        int r = jaula_devices_v1_text(rules, n, &text);

        if (r < 0)
                return jaula_err_set(err, r, "Out of memory");
        deny = openat(cgfd, "devices.deny", O_WRONLY | O_CLOEXEC);
        allow = openat(cgfd, "devices.allow", O_WRONLY | O_CLOEXEC);
        if (deny < 0 || allow < 0)
                return jaula_err_errno(err, neg_errno(),
                                       "Cannot open the jail's devices.deny/devices.allow");
        if (write(deny, "a", 1) != 1)
                return jaula_err_errno(err, neg_errno(), "Cannot write 'a' to devices.deny");
        /* The kernel takes one rule per write. */
        for (char *line = text, *end; *line; line = end + 1) {
                end = strchr(line, '\n');
                if (write(allow, line, (size_t) (end - line)) != end - line)
                        return jaula_err_errno(err, neg_errno(),
                                               "Cannot write '%.*s' to devices.allow",
                                               (int) (end - line), line);
        }
        return 0;
}

JAULA_EXPORT int jaula_devices_apply_v2(int cgfd, const struct jaula_dev_rule *rules, size_t n,
                                        struct jaula_err *err)
{
        size_t max = 16 + n * 9;
        _cleanup_free_ struct bpf_insn *insns = calloc(max, sizeof *insns);
        _cleanup_close_ int prog = -1;
        union bpf_attr attr;
        int cnt;

        if (!insns)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        cnt = jaula_devices_bpf_build(rules, n, insns, max);
        if (cnt < 0)
                return jaula_err_set(err, cnt, "Device policy too large");
        memset(&attr, 0, sizeof attr);
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t) (uintptr_t) insns;
        attr.insn_cnt = (uint32_t) cnt;
        attr.license = (uint64_t) (uintptr_t) "GPL"; /* no helper is called: any string works */
        snprintf(attr.prog_name, sizeof attr.prog_name, "jaula_devices");
        prog = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
        if (prog < 0 && errno == EINVAL) {
                /* a kernel older than prog_name (4.15) */
                memset(attr.prog_name, 0, sizeof attr.prog_name);
                prog = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
        }
        if (prog < 0)
                return jaula_err_errno(err, neg_errno(),
                                       "Cannot load the jail's device policy (eBPF)");
        memset(&attr, 0, sizeof attr);
        attr.target_fd = (uint32_t) cgfd;
        attr.attach_bpf_fd = (uint32_t) prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        /* The cgroup holds the program from here on; it is detached and
         * freed when the cgroup goes. */
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0)
                return jaula_err_errno(err, neg_errno(),
                                       "Cannot attach the device policy to the jail's cgroup");
        return 0;
}
