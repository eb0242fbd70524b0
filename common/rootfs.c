/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rootfs.c — the jail's mounts and pivot_root.  Runs as root in the
 * holder, inside its fresh (private) mount namespace; nothing it mounts
 * is ever visible on the host.
 *
 * Every mount is made with the fd-based API (fsopen/fsmount, open_tree,
 * mount_setattr, move_mount): targets inside the new root are opened with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) so a symlink in the rootfs
 * (or in a user-writable persistent layer) can never redirect a mount onto
 * the host, and the user's home is opened with RESOLVE_NO_SYMLINKS on the
 * host side so a home that is (or passes through) a symlink is refused. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <linux/loop.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jaula/devices.h"
#include "jaula/rootfs.h"

/* ---- pure text generators ---- */

static bool field_ok(const char *s)
{
        return s && !strpbrk(s, ":\n");
}

/* A growing string; on allocation failure everything is dropped and the
 * final check reports -ENOMEM. */
struct buf {
        char *p;
        size_t len, cap;
        bool oom;
};

static void _printf_(2, 3) buf_add(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (b->oom)
                return;
        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->oom = true;
                        return;
                }
                if (b->p && b->len + (size_t) n < b->cap) {
                        b->len += (size_t) n;
                        return;
                }
                size_t cap = (b->cap + (size_t) n + 1) * 2;
                char *q = realloc(b->p, cap);
                if (!q) {
                        b->oom = true;
                        return;
                }
                b->p = q;
                b->cap = cap;
        }
}

static int buf_finish(struct buf *b, char **ret)
{
        if (b->oom) {
                free(b->p);
                return -ENOMEM;
        }
        if (!b->p) {
                b->p = strdup("");
                if (!b->p)
                        return -ENOMEM;
        }
        *ret = b->p;
        return 0;
}

JAULA_EXPORT int jaula_rootfs_passwd(const struct jaula_spec *spec, char **ret)
{
        const struct jaula_user *u = &spec->user;
        const char *shell = spec->shell ? spec->shell : "/bin/sh";
        const char *home = spec->home ? spec->home : u->home;
        struct buf b = { 0 };

        /* gecos is free text from NSS: a ':' in it would shift the fields. */
        if (!field_ok(u->name) || !field_ok(home) || !field_ok(shell) ||
            (u->gecos && strchr(u->gecos, '\n')))
                return -EINVAL;
        buf_add(&b, "root:x:0:0:root:/root:/usr/sbin/nologin\n");
        if (u->uid != 0) {
                buf_add(&b, "%s:x:%u:%u:", u->name, (unsigned) u->uid, (unsigned) u->gid);
                for (const char *g = u->gecos ? u->gecos : ""; *g; g++)
                        buf_add(&b, "%c", *g == ':' ? ' ' : *g);
                buf_add(&b, ":%s:%s\n", home, shell);
        }
        buf_add(&b, "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        return buf_finish(&b, ret);
}

JAULA_EXPORT int jaula_rootfs_group(const struct jaula_spec *spec, char **ret)
{
        const struct jaula_user *u = &spec->user;
        struct buf b = { 0 };
        bool primary_done = false;

        if (!field_ok(u->name) || (u->group && !field_ok(u->group)))
                return -EINVAL;
        buf_add(&b, "root:x:0:\n");
        for (size_t i = 0; i < u->n_gids; i++) {
                const char *name = u->gid_names ? u->gid_names[i] : NULL;

                if (u->gids[i] == 0 || u->gids[i] == 65534)
                        continue;
                /* The same gid twice would make getgrgid() ambiguous. */
                bool dup = false;
                for (size_t j = 0; j < i; j++)
                        dup = dup || u->gids[j] == u->gids[i];
                if (dup)
                        continue;
                if (!name || !field_ok(name) || !*name)
                        continue; /* a gid without a name shows as a number */
                if (u->gids[i] == u->gid)
                        primary_done = true;
                buf_add(&b, "%s:x:%u:%s\n", name, (unsigned) u->gids[i],
                        u->gids[i] == u->gid ? "" : u->name);
        }
        if (!primary_done && u->gid != 0 && u->gid != 65534 && u->group && *u->group)
                buf_add(&b, "%s:x:%u:\n", u->group, (unsigned) u->gid);
        buf_add(&b, "nogroup:x:65534:\n");
        return buf_finish(&b, ret);
}

JAULA_EXPORT int jaula_rootfs_hosts(const struct jaula_spec *spec, char **ret)
{
        struct buf b = { 0 };

        if (spec->hostname && strpbrk(spec->hostname, " \t\n#"))
                return -EINVAL;
        buf_add(&b, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        if (spec->hostname && *spec->hostname)
                buf_add(&b, "127.0.1.1\t%s\n", spec->hostname);
        return buf_finish(&b, ret);
}

JAULA_EXPORT int jaula_rootfs_path_ok(const char *path)
{
        const char *p;

        if (!path || path[0] != '/' || strlen(path) >= 4096)
                return 0;
        if (strpbrk(path, ",:\\\n"))
                return 0;
        if (!strcmp(path, "/"))
                return 1;
        for (p = path; *p; p++) {
                if (*p != '/')
                        continue;
                /* each component: non-empty, not "." or ".." */
                const char *c = p + 1;
                size_t n = strcspn(c, "/");
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return 0;
        }
        return 1;
}

/* ---- mounting by fd ---- */

static int xopenat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .mode = (flags & O_CREAT) ? mode : 0,
                .resolve = resolve,
        };
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);

        return fd < 0 ? -errno : (int) fd;
}

#define BENEATH (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* Create the directories of path (relative to rootfd) as needed and
 * return an O_PATH fd on the last one, never following a symlink. */
static int mkdir_beneath(int rootfd, const char *path, mode_t mode)
{
        char rel[4096];
        _cleanup_close_ int cur = -1;
        char *p, *save = NULL;

        if (snprintf(rel, sizeof rel, "%s", path[0] == '/' ? path + 1 : path) >= (int) sizeof rel)
                return -ENAMETOOLONG;
        cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return -errno;
        for (p = strtok_r(rel, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
                int next;

                if (mkdirat(cur, p, mode) < 0 && errno != EEXIST && errno != EROFS)
                        return -errno;
                next = xopenat2(cur, p, O_PATH | O_DIRECTORY, 0, BENEATH);
                if (next < 0)
                        return next;
                close_nointr(cur);
                cur = next;
        }
        return TAKE_FD(cur);
}

/* An O_PATH fd on a mount point for a file (created empty if missing). */
static int mkfile_beneath(int rootfd, const char *path)
{
        char dir[4096];
        const char *base;
        _cleanup_close_ int dfd = -1, fd = -1;
        int r;

        if (snprintf(dir, sizeof dir, "%s", path) >= (int) sizeof dir)
                return -ENAMETOOLONG;
        base = strrchr(path, '/');
        if (base && !base[1])
                return -EINVAL;
        if (base) {
                dir[base - path] = 0;
                base++;
        } else {
                dir[0] = 0;
                base = path;
        }
        dfd = mkdir_beneath(rootfd, dir[0] ? dir : ".", 0755);
        if (dfd < 0)
                return dfd;
        r = xopenat2(dfd, base, O_PATH, 0, BENEATH);
        if (r >= 0)
                return r;
        if (r != -ENOENT)
                return r;
        /* O_PATH fds cannot create: reopen the directory for real. */
        {
                _cleanup_close_ int wd = xopenat2(dfd, ".", O_RDONLY | O_DIRECTORY, 0, BENEATH);
                if (wd < 0)
                        return wd;
                fd = openat(wd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0 && errno != EEXIST)
                        return -errno;
                return xopenat2(wd, base, O_PATH, 0, BENEATH);
        }
}

/* Attach a detached mount (tree fd) onto the target fd. */
static int attach(int tree, int target)
{
        if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

static int set_attr(int tree, uint64_t set)
{
        struct mount_attr a = { .attr_set = set };

        if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
                return -errno;
        return 0;
}

/* A detached bind of host path (or of an fd with an empty path). */
static int bind_tree(int dirfd, const char *path, uint64_t attrs)
{
        _cleanup_close_ int tree = open_tree(dirfd, path,
                                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                                     (path[0] ? 0 : AT_EMPTY_PATH));
        int r;

        if (tree < 0)
                return -errno;
        if (attrs) {
                r = set_attr(tree, attrs);
                if (r < 0)
                        return r;
        }
        return TAKE_FD(tree);
}

/* Append what the filesystem said about a failed fsconfig to err. */
static int fs_error(int fsfd, struct jaula_err *err, int code, const char *fstype)
{
        char msg[256] = "";
        ssize_t n = fsfd >= 0 ? read(fsfd, msg, sizeof msg - 1) : -1;

        if (n > 0) {
                msg[n] = 0;
                msg[strcspn(msg, "\n")] = 0;
                return jaula_err_set(err, code, "Cannot mount %s: %s (%s)", fstype,
                                     strerror(-code), msg);
        }
        return jaula_err_errno(err, code, "Cannot mount %s", fstype);
}

/* A detached new filesystem; opts is a NULL-terminated list of
 * "key=value" or "flag" strings. */
static int fs_new(const char *fstype, const char *source, const char *const *opts, uint64_t attrs,
                  struct jaula_err *err)
{
        _cleanup_close_ int fsfd = fsopen(fstype, FSOPEN_CLOEXEC);
        int m;

        if (fsfd < 0)
                return jaula_err_errno(err, -errno, "Cannot mount %s", fstype);
        if (source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
                return fs_error(fsfd, err, -errno, fstype);
        for (; opts && *opts; opts++) {
                char key[64];
                const char *eq = strchr(*opts, '=');
                int r;

                if (eq) {
                        snprintf(key, sizeof key, "%.*s", (int) (eq - *opts), *opts);
                        r = fsconfig(fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0);
                } else
                        r = fsconfig(fsfd, FSCONFIG_SET_FLAG, *opts, NULL, 0);
                if (r < 0)
                        return fs_error(fsfd, err, -errno, fstype);
        }
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return fs_error(fsfd, err, -errno, fstype);
        m = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned) attrs);
        if (m < 0)
                return fs_error(fsfd, err, -errno, fstype);
        return m;
}

/* fs_new + attach at path (relative to rootfd, created if missing). */
static int mount_fs_at(int rootfd, const char *path, const char *fstype, const char *const *opts,
                       uint64_t attrs, struct jaula_err *err)
{
        _cleanup_close_ int target = mkdir_beneath(rootfd, path, 0755), m = -1;
        int r;

        if (target < 0)
                return jaula_err_errno(err, target, "Cannot create mount point '%s'", path);
        m = fs_new(fstype, fstype, opts, attrs, err);
        if (m < 0)
                return m;
        r = attach(m, target);
        return r < 0 ? jaula_err_errno(err, r, "Cannot mount %s on '%s'", fstype, path) : 0;
}

/* Bind tree (consumed) onto path inside the root, as a directory or file. */
static int attach_at(int rootfd, const char *path, int tree, bool is_dir, struct jaula_err *err)
{
        _cleanup_close_ int t = tree;
        _cleanup_close_ int target = is_dir ? mkdir_beneath(rootfd, path, 0755)
                                            : mkfile_beneath(rootfd, path);
        int r;

        if (target < 0)
                return jaula_err_errno(err, target, "Cannot create mount point '%s' in the jail",
                                       path);
        r = attach(t, target);
        return r < 0 ? jaula_err_errno(err, r, "Cannot bind-mount onto '%s'", path) : 0;
}

/* ---- the steps ---- */

/* Attach the open image img to a free loop device and return an open fd
 * on it; the device detaches itself when its last user is gone
 * (LO_FLAGS_AUTOCLEAR), i.e. with the jail's mount namespace.  The fd must
 * stay open until the mount holds the device, or autoclear fires at its
 * close.  The device holds img's open file (and so any flock on it) for
 * as long as it stays attached. */
static int loop_attach_fd(int img, const char *name, bool rw, char *ret_dev, size_t size,
                          struct jaula_err *err)
{
        _cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);

        if (ctl < 0)
                return jaula_err_errno(err, -errno, "Cannot open /dev/loop-control");
        for (int tries = 0; tries < 16; tries++) {
                struct loop_config cfg = { 0 };
                _cleanup_close_ int lfd = -1;
                int n = ioctl(ctl, LOOP_CTL_GET_FREE);

                if (n < 0)
                        return jaula_err_errno(err, -errno, "No free loop device");
                snprintf(ret_dev, size, "/dev/loop%d", n);
                lfd = open(ret_dev, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
                if (lfd < 0)
                        return jaula_err_errno(err, -errno, "Cannot open '%s'", ret_dev);
                cfg.fd = (uint32_t) img;
                cfg.info.lo_flags = (rw ? 0 : LO_FLAGS_READ_ONLY) | LO_FLAGS_AUTOCLEAR;
                snprintf((char *) cfg.info.lo_file_name, sizeof cfg.info.lo_file_name, "%s",
                         name);
                if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
                        return TAKE_FD(lfd);
                /* Another process took this device between GET_FREE and
                 * CONFIGURE: ask again. */
                if (errno != EBUSY)
                        return jaula_err_errno(err, -errno, "Cannot configure '%s'", ret_dev);
        }
        return jaula_err_set(err, -EBUSY, "No free loop device");
}

static int loop_attach(const char *image, char *ret_dev, size_t size, struct jaula_err *err)
{
        _cleanup_close_ int img = open(image, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;

        if (img < 0)
                return jaula_err_errno(err, -errno, "Cannot open rootfs image '%s'", image);
        if (fstat(img, &st) < 0 || !S_ISREG(st.st_mode))
                return jaula_err_set(err, -EINVAL, "Rootfs image '%s' is not a regular file", image);
        return loop_attach_fd(img, image, false, ret_dev, size, err);
}

/* The read-only base.  Returns the lowerdir for the overlay in lower: the
 * rootfs directory itself when its path can go into an overlayfs option
 * (overlayfs never writes to a lower layer, and does not cross mounts below
 * it, so no read-only bind is needed), else a bind or the loop-mounted
 * image at stage/base. */
static int mount_base(const struct jaula_spec *spec, const char *stage, char *lower, size_t size,
                      struct jaula_err *err)
{
        char target[4200];
        const uint64_t ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;

        snprintf(target, sizeof target, "%s/base", stage);
        if (spec->rootfs_type == JAULA_ROOTFS_DIRECTORY) {
                _cleanup_close_ int tree = -1;
                struct stat st;

                if (stat(spec->rootfs_path, &st) < 0)
                        return jaula_err_errno(err, -errno, "Rootfs '%s' is unusable",
                                               spec->rootfs_path);
                if (!S_ISDIR(st.st_mode))
                        return jaula_err_set(err, -ENOTDIR, "Rootfs '%s' is not a directory",
                                             spec->rootfs_path);
                if (jaula_rootfs_path_ok(spec->rootfs_path)) {
                        snprintf(lower, size, "%s", spec->rootfs_path);
                        return 0;
                }
                if (mkdir(target, 0755) < 0)
                        return jaula_err_errno(err, -errno, "Cannot create '%s'", target);
                tree = bind_tree(AT_FDCWD, spec->rootfs_path, ro);
                if (tree < 0)
                        return jaula_err_errno(err, tree, "Cannot bind rootfs '%s'",
                                               spec->rootfs_path);
                if (move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return jaula_err_errno(err, -errno, "Cannot attach rootfs");
        } else {
                const char *type = spec->rootfs_type == JAULA_ROOTFS_SQUASHFS ? "squashfs"
                                                                              : "iso9660";
                char dev[32];
                const char *const opts[] = { "ro", NULL };
                _cleanup_close_ int m = -1;
                _cleanup_close_ int lfd = loop_attach(spec->rootfs_path, dev, sizeof dev, err);

                if (lfd < 0)
                        return lfd;
                if (mkdir(target, 0755) < 0)
                        return jaula_err_errno(err, -errno, "Cannot create '%s'", target);
                m = fs_new(type, dev, opts, ro, err);
                if (m < 0)
                        return m;
                if (move_mount(m, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return jaula_err_errno(err, -errno, "Cannot attach rootfs image");
        }
        snprintf(lower, size, "%s", target);
        return 0;
}

static int check_dir_owned(int fd, const char *what, struct jaula_err *err)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return jaula_err_errno(err, -errno, "Cannot stat '%s'", what);
        if (!S_ISDIR(st.st_mode))
                return jaula_err_set(err, -ENOTDIR, "'%s' is not a directory", what);
        /* Root-owned all the way, or world-writable only with the sticky
         * bit, so no user can swap a component under us. */
        if (st.st_uid != 0 || ((st.st_mode & 0022) && !(st.st_mode & S_ISVTX)))
                return jaula_err_set(err, -EPERM, "'%s' must be owned by root and not writable "
                                     "by others", what);
        return 0;
}

/* Open (creating as needed) the per-user persistent directory, every
 * component root-owned and never a symlink. */
static int persistent_dir_open(const char *path, struct jaula_err *err)
{
        char rel[4096], *p, *save = NULL;
        _cleanup_close_ int cur = -1;
        int r;

        if (!jaula_rootfs_path_ok(path))
                return jaula_err_set(err, -EINVAL, "Persistent upper '%s' is not a clean path",
                                     path ? path : "(null)");
        snprintf(rel, sizeof rel, "%s", path + 1);
        cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return jaula_err_errno(err, -errno, "Cannot open '/'");
        for (p = strtok_r(rel, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
                int next = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                if (next < 0 && errno == ENOENT) {
                        _cleanup_close_ int wd = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (wd < 0 || (mkdirat(wd, p, 0755) < 0 && errno != EEXIST))
                                return jaula_err_errno(err, -errno, "Cannot create '%s'", path);
                        next = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (next < 0)
                        return jaula_err_errno(err, -errno, "Cannot open '%s' (a symlink?)", path);
                close_nointr(cur);
                cur = next;
                r = check_dir_owned(cur, path, err);
                if (r < 0)
                        return r;
        }
        r = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (r < 0)
                return jaula_err_errno(err, -errno, "Cannot open '%s'", path);
        return r;
}

/* The overlay's "upper" and "work" directories in dirfd, root-owned. */
static int make_upper_work(int dirfd, const char *what, struct jaula_err *err)
{
        static const char *const sub[] = { "upper", "work" };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(sub); i++) {
                _cleanup_close_ int fd = -1;
                if (mkdirat(dirfd, sub[i], i == 0 ? 0755 : 0700) < 0 && errno != EEXIST)
                        return jaula_err_errno(err, -errno, "Cannot create '%s/%s'", what, sub[i]);
                fd = openat(dirfd, sub[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return jaula_err_errno(err, -errno, "Cannot open '%s/%s'", what, sub[i]);
                r = check_dir_owned(fd, what, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

JAULA_EXPORT int jaula_rootfs_prepare_persistent(const char *path, struct jaula_err *err)
{
        _cleanup_close_ int dfd = persistent_dir_open(path, err);

        if (dfd < 0)
                return dfd;
        return make_upper_work(dfd, path, err);
}

#ifndef JAULA_MKFS_EXT4
#define JAULA_MKFS_EXT4 "/sbin/mkfs.ext4"
#endif
#define IMAGE_NAME "image"
#define IMAGE_NEW "image.new"
/* How long a login waits for the image to be released by a jail of the
 * same user that is being torn down (its loop device detaches after the
 * last mount of it is gone, a moment after the holder dies). */
#define IMAGE_LOCK_WAIT_MS 5000

/* mkfs.ext4 on the open file fd, as a child with a clean environment and
 * the image as its fd 3: the path it opens is our own fd, never a name
 * in a directory someone could swap. */
static int mkfs_ext4(int fd, struct jaula_err *err)
{
        char *const argv[] = { (char *) "mkfs.ext4", (char *) "-q", (char *) "-F",
                               (char *) "-m", (char *) "0", (char *) "-L", (char *) "jaula",
                               (char *) "-E",
                               (char *) "root_owner=0:0,nodiscard,lazy_itable_init=1,"
                                        "lazy_journal_init=1",
                               (char *) "/proc/self/fd/3", NULL };
        char *const envp[] = { (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", (char *) "LC_ALL=C",
                               NULL };
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return jaula_err_errno(err, -errno, "Cannot start mkfs.ext4");
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
                    dup2(fd, 3) < 0)
                        _exit(127);
                syscall(SYS_close_range, 4U, ~0U, 0);
                execve(JAULA_MKFS_EXT4, argv, envp);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return jaula_err_errno(err, -errno, "Cannot wait for mkfs.ext4");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return jaula_err_set(err, -EIO, "%s failed (status %d)", JAULA_MKFS_EXT4,
                                     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}

/* Create dir/image: allocated to its full size (so the host's disk cannot
 * be overcommitted by many sparse images) and formatted, under a
 * temporary name renamed into place only when complete; a failure leaves
 * nothing. */
static int image_create(int dfd, const char *path, uint64_t size, struct jaula_err *err)
{
        _cleanup_close_ int fd = -1;
        int r;

        /* A left-over from a creation that died half-way: ours to remove
         * (the directory is root-only). */
        if (unlinkat(dfd, IMAGE_NEW, 0) < 0 && errno != ENOENT)
                return jaula_err_errno(err, -errno, "Cannot remove '%s/" IMAGE_NEW "'", path);
        fd = openat(dfd, IMAGE_NEW, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                    0600);
        if (fd < 0)
                return jaula_err_errno(err, -errno, "Cannot create '%s/" IMAGE_NEW "'", path);
        if (fallocate(fd, 0, 0, (off_t) size) < 0) {
                r = -errno;
                if (r != -EOPNOTSUPP) {
                        jaula_err_errno(err, r, "Cannot allocate %" PRIu64 " bytes for '%s/" IMAGE_NAME "'",
                                        size, path);
                        goto fail;
                }
                /* A filesystem without fallocate: a sparse image. */
                if (ftruncate(fd, (off_t) size) < 0) {
                        r = jaula_err_errno(err, -errno, "Cannot size '%s/" IMAGE_NAME "'", path);
                        goto fail;
                }
        }
        r = mkfs_ext4(fd, err);
        if (r < 0)
                goto fail;
        if (fsync(fd) < 0) {
                r = jaula_err_errno(err, -errno, "Cannot sync '%s/" IMAGE_NEW "'", path);
                goto fail;
        }
        if (renameat2(dfd, IMAGE_NEW, dfd, IMAGE_NAME, RENAME_NOREPLACE) < 0) {
                r = jaula_err_errno(err, -errno, "Cannot rename '%s/" IMAGE_NEW "'", path);
                goto fail;
        }
        fsync(dfd);
        return 0;
fail:
        unlinkat(dfd, IMAGE_NEW, 0);
        return r;
}

/* The per-user image, open read-write and locked: one jail at a time may
 * mount it (two ext4 mounts of one image would corrupt it). */
static int image_open(const struct jaula_spec *spec, struct jaula_err *err)
{
        const char *path = spec->persistent_upper;
        _cleanup_close_ int dfd = persistent_dir_open(path, err), fd = -1;
        struct stat st;
        int r;

        if (dfd < 0)
                return dfd;
        fd = openat(dfd, IMAGE_NAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno == ENOENT) {
                /* Two first logins at once (scope "session") must not
                 * both make image.new: the directory's lock serialises
                 * them, and the second finds the first one's image. */
                if (flock(dfd, LOCK_EX) < 0)
                        return jaula_err_errno(err, -errno, "Cannot lock '%s'", path);
                fd = openat(dfd, IMAGE_NAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (fd < 0 && errno == ENOENT) {
                        r = image_create(dfd, path, spec->persistent_size, err);
                        if (r < 0)
                                return r;
                        fd = openat(dfd, IMAGE_NAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                }
                flock(dfd, LOCK_UN);
        }
        if (fd < 0)
                return jaula_err_errno(err, -errno, "Cannot open '%s/" IMAGE_NAME "'%s", path,
                                       errno == ELOOP ? " (a symlink)" : "");
        if (fstat(fd, &st) < 0)
                return jaula_err_errno(err, -errno, "Cannot stat '%s/" IMAGE_NAME "'", path);
        /* Only a file we made: root's, private, with no other name. */
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) || st.st_nlink != 1)
                return jaula_err_set(err, -EPERM,
                                     "'%s/" IMAGE_NAME "' must be a regular file owned by root, "
                                     "mode 0600, with one link",
                                     path);
        for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 50) {
                if (errno != EWOULDBLOCK)
                        return jaula_err_errno(err, -errno, "Cannot lock '%s/" IMAGE_NAME "'", path);
                if (waited >= IMAGE_LOCK_WAIT_MS)
                        return jaula_err_set(err, -EBUSY,
                                             "The persistent image '%s/" IMAGE_NAME "' is in use "
                                             "by another jail",
                                             path);
                usleep(50 * 1000);
        }
        return TAKE_FD(fd);
}

/* Loop-mount the user's image at stage/persist and make the overlay's
 * upper and work directories at its root. */
static int mount_image(const struct jaula_spec *spec, const char *stage, char *ret_dir, size_t size,
                       struct jaula_err *err)
{
        _cleanup_close_ int img = image_open(spec, err), lfd = -1, m = -1, dfd = -1;
        const char *const opts[] = { "errors=remount-ro", NULL };
        char dev[32];

        if (img < 0)
                return img;
        lfd = loop_attach_fd(img, spec->persistent_upper, true, dev, sizeof dev, err);
        if (lfd < 0)
                return lfd;
        snprintf(ret_dir, size, "%s/persist", stage);
        if (mkdir(ret_dir, 0700) < 0)
                return jaula_err_errno(err, -errno, "Cannot create '%s'", ret_dir);
        m = fs_new("ext4", dev, opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
        if (m < 0)
                return m;
        if (move_mount(m, "", AT_FDCWD, ret_dir, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return jaula_err_errno(err, -errno, "Cannot attach the persistent image");
        dfd = open(ret_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return jaula_err_errno(err, -errno, "Cannot open '%s'", ret_dir);
        return make_upper_work(dfd, spec->persistent_upper, err);
}

static int mount_writable(const struct jaula_spec *spec, const char *stage, const char *lowerdir,
                          struct jaula_err *err)
{
        char lower[4300], upper[4200], work[4200], target[4200];
        const char *o[4];
        _cleanup_close_ int m = -1;
        int r;

        snprintf(lower, sizeof lower, "lowerdir=%s", lowerdir);
        snprintf(target, sizeof target, "%s/root", stage);
        if (spec->writable == JAULA_WRITABLE_PERSISTENT && spec->persistent_size) {
                char dir[4096];

                r = mount_image(spec, stage, dir, sizeof dir, err);
                if (r < 0)
                        return r;
                snprintf(upper, sizeof upper, "upperdir=%s/upper", dir);
                snprintf(work, sizeof work, "workdir=%s/work", dir);
        } else if (spec->writable == JAULA_WRITABLE_PERSISTENT) {
                r = jaula_rootfs_prepare_persistent(spec->persistent_upper, err);
                if (r < 0)
                        return r;
                snprintf(upper, sizeof upper, "upperdir=%s/upper", spec->persistent_upper);
                snprintf(work, sizeof work, "workdir=%s/work", spec->persistent_upper);
        } else {
                /* tmpfs, and also `none`: the staging tmpfs is the upper
                 * layer; for `none` it only receives the mount points, and
                 * the root is made read-only once they exist. */
                snprintf(upper, sizeof upper, "%s/upper", stage);
                snprintf(work, sizeof work, "%s/work", stage);
                if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0)
                        return jaula_err_errno(err, -errno, "Cannot create the writable layer");
                snprintf(upper, sizeof upper, "upperdir=%s/upper", stage);
                snprintf(work, sizeof work, "workdir=%s/work", stage);
        }
        o[0] = lower;
        o[1] = upper;
        o[2] = work;
        o[3] = NULL;
        m = fs_new("overlay", "jaula", o, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
        if (m < 0)
                return m;
        if (move_mount(m, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return jaula_err_errno(err, -errno, "Cannot attach the root overlay");
        return 0;
}

/* size= and nr_inodes= for one of the jail's tmpfs mounts.  Pages of a
 * tmpfs are charged to the memory cgroup of the process that touches
 * them, but a profile may set no memory limit: the size is what bounds
 * the host's RAM then.  Inodes are not counted in size= (each costs
 * kernel memory of its own, empty files included), so they get a bound
 * too: one per page of the size, which no real use of a tmpfs exceeds,
 * and never fewer than 1024. */
struct tmpfs_bound {
        char size[48], inodes[48];
};

static void tmpfs_bound(uint64_t size, uint64_t dflt, struct tmpfs_bound *ret)
{
        uint64_t v = size ? size : dflt, n;

        if (v == JAULA_SIZE_UNBOUNDED) {
                /* "max": the admin's explicit choice, the kernel's defaults. */
                snprintf(ret->size, sizeof ret->size, "size=50%%");
                snprintf(ret->inodes, sizeof ret->inodes, "nr_inodes=0");
                return;
        }
        n = v / 4096 < 1024 ? 1024 : v / 4096;
        snprintf(ret->size, sizeof ret->size, "size=%" PRIu64, v);
        snprintf(ret->inodes, sizeof ret->inodes, "nr_inodes=%" PRIu64, n);
}

/* The jail's /dev: a directory of the staging tmpfs, bound (a mount of its
 * own, nosuid, noexec, devices allowed, sealed read-only below), not a
 * tmpfs of its own: every superblock registers a memcg-aware shrinker, and
 * the kernel keeps, in every memory cgroup, room for every shrinker there
 * is — with a cgroup and a few superblocks per jail that grows as the
 * square of the jails on a host (docs/scale.md).  Nothing but the device
 * nodes made here is ever written there, and the jail cannot reach the
 * rest of the staging tmpfs through the bind. */
static int mount_dev(const struct jaula_spec *spec, const char *stage, int rootfd,
                     struct jaula_err *err)
{
        /* Device nodes are made, not bound: a bind is three syscalls and a
         * mount-table entry each, a node one syscall (the devices cgroup
         * applies at open either way). */
        static const struct {
                const char *name;
                unsigned major, minor;
        } nodes[] = {
                { "null", 1, 3 },   { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 },
                { "urandom", 1, 9 }, { "tty", 5, 0 },
                /* ptmx opens the devpts instance mounted as "pts" beside
                 * the node's dentry: the jail's own one below. */
                { "ptmx", 5, 2 },
        };
        static const char *const links[][2] = {
                { "fd", "/proc/self/fd" },
                { "stdin", "/proc/self/fd/0" },
                { "stdout", "/proc/self/fd/1" },
                { "stderr", "/proc/self/fd/2" },
        };
        struct mount_attr devattr = {
                .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
                .attr_clr = MOUNT_ATTR_NODEV,
        };
        char path[4200];
        struct tmpfs_bound shm;
        char ptsmax[32];
        /* No gid=: a pty's group is then its opener's, the one group the
         * jail's /etc/group names for it, and mode 0620 is what an old
         * glibc's grantpt() wants, so it never tries to chown. */
        const char *const ptsopts[] = { "ptmxmode=0666", "mode=0620", ptsmax, NULL };
        _cleanup_close_ int dev = -1, wdev = -1, tty = -1;
        int r;

        tmpfs_bound(spec->shm_size, JAULA_DEFAULT_SHM_SIZE, &shm);
        const char *const shmopts[] = { "mode=1777", shm.size, shm.inodes, NULL };

        snprintf(path, sizeof path, "%s/dev", stage);
        if (mkdir(path, 0755) < 0 || chmod(path, 0755) < 0)
                return jaula_err_errno(err, -errno, "Cannot create '%s'", path);
        {
                int tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

                if (tree < 0)
                        return jaula_err_errno(err, -errno, "Cannot bind the jail's /dev");
                if (mount_setattr(tree, "", AT_EMPTY_PATH, &devattr, sizeof devattr) < 0) {
                        r = -errno;
                        close_nointr(tree);
                        return jaula_err_errno(err, r, "Cannot set the jail's /dev flags");
                }
                r = attach_at(rootfd, "dev", tree, true, err);
                if (r < 0)
                        return r;
        }
        dev = xopenat2(rootfd, "dev", O_PATH | O_DIRECTORY, 0, BENEATH);
        if (dev < 0)
                return jaula_err_errno(err, dev, "Cannot open the jail's /dev");
        wdev = xopenat2(dev, ".", O_RDONLY | O_DIRECTORY, 0, BENEATH);
        if (wdev < 0)
                return jaula_err_errno(err, wdev, "Cannot open the jail's /dev");
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                if (!spec->pty_max && !strcmp(nodes[i].name, "ptmx"))
                        continue;
                if (mknodat(wdev, nodes[i].name, S_IFCHR | 0666,
                            makedev(nodes[i].major, nodes[i].minor)) < 0 ||
                    fchmodat(wdev, nodes[i].name, 0666, 0) < 0)
                        return jaula_err_errno(err, -errno, "Cannot create the jail's /dev/%s",
                                               nodes[i].name);
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i][1], wdev, links[i][0]) < 0)
                        return jaula_err_errno(err, -errno, "Cannot create /dev/%s", links[i][0]);
        /* The mount point of each session's terminal (jaula_rootfs_tty_*):
         * an empty file nobody may open until a session binds over it in
         * its own copy of this namespace. */
        tty = openat(wdev, JAULA_ROOTFS_TTY_NAME, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
        if (tty < 0)
                return jaula_err_errno(err, -errno, "Cannot create /dev/" JAULA_ROOTFS_TTY_NAME);
        close_nointr(TAKE_FD(tty)); /* a file open for writing keeps /dev from sealing */
        /* ptys: the jail's own devpts instance (every devpts mount is a new
         * instance since Linux 4.7), so the jail neither sees the host's
         * ptys nor can take them all: it stops at max, and the ptys of
         * instances mounted outside the initial mount namespace stop at
         * kernel.pty.max minus kernel.pty.reserve altogether, which keeps
         * the reserve for the host's own. */
        snprintf(ptsmax, sizeof ptsmax, "max=%u", spec->pty_max);
        if (!spec->pty_max) {
                /* devpts reads max=0 as no limit at all: pty_max = 0 gets
                 * no devpts and no ptmx, so there is nothing to open. */
                if (mkdirat(wdev, "pts", 0755) < 0)
                        return jaula_err_errno(err, -errno, "Cannot create the jail's /dev/pts");
        } else {
                r = mount_fs_at(dev, "pts", "devpts", ptsopts,
                                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
                if (r < 0)
                        return r;
        }
        r = mount_fs_at(dev, "shm", "tmpfs", shmopts,
                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
        if (r < 0)
                return r;
        if (spec->dev_log && access("/dev/log", F_OK) == 0) {
                r = bind_tree(AT_FDCWD, "/dev/log", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
                if (r < 0)
                        return jaula_err_errno(err, r, "Cannot bind /dev/log");
                r = attach_at(dev, "log", r, false, err);
                if (r < 0)
                        return r;
        }
        r = jaula_devices_bind(spec, wdev, err); /* the profile's `devices` */
        if (r < 0)
                return r;
        /* Nothing else may appear in /dev. */
        return set_attr(dev, MOUNT_ATTR_RDONLY) < 0 ? jaula_err_errno(err, -errno,
                                                                       "Cannot seal /dev")
                                                    : 0;
}

static int mount_home(const struct jaula_spec *spec, int rootfd, struct jaula_err *err)
{
        const char *host = spec->user.home, *inside = spec->home ? spec->home : spec->user.home;
        _cleanup_close_ int fd = -1;
        struct stat st;
        int tree;

        if (!host || host[0] != '/' || !inside || !jaula_rootfs_path_ok(inside))
                return jaula_err_set(err, -EINVAL, "Home directory of '%s' is not a clean path",
                                     spec->user.name);
        /* No symlink anywhere in the host path: the user controls their
         * home's contents, and an admin-made symlink is refused too rather
         * than guessed about. */
        fd = xopenat2(AT_FDCWD, host, O_PATH | O_DIRECTORY, 0,
                      RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (fd < 0)
                return jaula_err_errno(err, fd, "Home '%s' of '%s' is unusable%s", host,
                                       spec->user.name,
                                       fd == -ELOOP ? " (it is or passes through a symlink)" : "");
        if (fstat(fd, &st) < 0)
                return jaula_err_errno(err, -errno, "Cannot stat home '%s'", host);
        if (st.st_uid != spec->user.uid && st.st_uid != 0)
                return jaula_err_set(err, -EPERM, "Home '%s' is owned by uid %u, not by '%s'", host,
                                     (unsigned) st.st_uid, spec->user.name);
        tree = bind_tree(fd, "", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (tree < 0)
                return jaula_err_errno(err, tree, "Cannot bind home '%s'", host);
        return attach_at(rootfd, inside, tree, true, err);
}

static int mount_extra(const struct jaula_spec *spec, int rootfd, struct jaula_err *err)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct jaula_mount_spec *m = &spec->mounts[i];
                uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                 (m->writable ? 0 : MOUNT_ATTR_RDONLY);
                _cleanup_close_ int src = -1;
                struct stat st;
                int tree, r;

                if (!jaula_rootfs_path_ok(m->target))
                        return jaula_err_set(err, -EINVAL, "Mount target '%s' is not a clean path",
                                             m->target);
                /* Sources are the administrator's paths: symlinks allowed. */
                src = open(m->source, O_PATH | O_CLOEXEC);
                if (src < 0) {
                        if (errno == ENOENT && m->optional)
                                continue;
                        return jaula_err_errno(err, -errno, "Mount source '%s' is unusable",
                                               m->source);
                }
                if (fstat(src, &st) < 0)
                        return jaula_err_errno(err, -errno, "Cannot stat '%s'", m->source);
                tree = bind_tree(src, "", attrs);
                if (tree < 0)
                        return jaula_err_errno(err, tree, "Cannot bind '%s'", m->source);
                r = attach_at(rootfd, m->target, tree, S_ISDIR(st.st_mode), err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Write text as the jail's /etc/name, root-owned 0644, into the writable
 * layer (before a `none` root is sealed): no mount needed.  A symlink in
 * its place is removed (the overlay records a whiteout), never followed. */
static int etc_file(int etcfd, const char *name, const char *text, struct jaula_err *err)
{
        _cleanup_close_ int fd = -1;
        size_t len = strlen(text);

        fd = xopenat2(etcfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644, BENEATH);
        if (fd == -ELOOP && unlinkat(etcfd, name, 0) == 0)
                fd = xopenat2(etcfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644, BENEATH);
        if (fd < 0)
                return jaula_err_errno(err, fd, "Cannot write the jail's /etc/%s", name);
        if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t) len)
                return jaula_err_errno(err, neg_errno(), "Cannot write the jail's /etc/%s", name);
        return 0;
}

static int write_etc(const struct jaula_spec *spec, int rootfd, const char *resolv_conf,
                     struct jaula_err *err)
{
        _cleanup_free_ char *passwd = NULL, *group = NULL, *hosts = NULL, *hostname = NULL;
        _cleanup_close_ int etc = -1, wetc = -1;
        int r;

        if (jaula_rootfs_passwd(spec, &passwd) < 0 || jaula_rootfs_group(spec, &group) < 0 ||
            jaula_rootfs_hosts(spec, &hosts) < 0)
                return jaula_err_set(err, -EINVAL,
                                     "User '%s' has a name, home or group that cannot be "
                                     "written to /etc/passwd",
                                     spec->user.name);
        if (asprintf(&hostname, "%s\n", spec->hostname ? spec->hostname : "jail") < 0)
                return jaula_err_set(err, -ENOMEM, "Out of memory");
        etc = mkdir_beneath(rootfd, "etc", 0755);
        if (etc >= 0)
                wetc = xopenat2(etc, ".", O_RDONLY | O_DIRECTORY, 0, BENEATH);
        if (wetc < 0)
                return jaula_err_errno(err, etc < 0 ? etc : wetc, "Cannot open the jail's /etc");
        r = etc_file(wetc, "passwd", passwd, err);
        if (r >= 0)
                r = etc_file(wetc, "group", group, err);
        if (r >= 0)
                r = etc_file(wetc, "hosts", hosts, err);
        if (r >= 0)
                r = etc_file(wetc, "hostname", hostname, err);
        if (r >= 0 && resolv_conf)
                r = etc_file(wetc, "resolv.conf", resolv_conf, err);
        return r;
}

JAULA_EXPORT int jaula_rootfs_enter(const struct jaula_spec *spec, const char *resolv_conf,
                                    struct jaula_err *err)
{
        const char *stage = spec->state_dir;
        char path[4200];
        _cleanup_close_ int rootfd = -1;
        char lower[4200];
        struct tmpfs_bound sb, tb;
        int r;

        /* The staging tmpfs is the writable layer for "tmpfs" (and holds
         * only mount points for the others). */
        if (spec->writable == JAULA_WRITABLE_TMPFS)
                tmpfs_bound(spec->writable_size, JAULA_DEFAULT_WRITABLE_SIZE, &sb);
        else
                tmpfs_bound(1 << 20, 0, &sb);
        tmpfs_bound(spec->tmp_size, JAULA_DEFAULT_TMP_SIZE, &tb);
        const char *const stageopts[] = { "mode=0700", sb.size, sb.inodes, NULL };
        const char *const tmpopts[] = { "mode=1777", tb.size, tb.inodes, NULL };

        if (!jaula_rootfs_path_ok(stage))
                return jaula_err_set(err, -EINVAL, "State directory '%s' is not a clean path",
                                     stage ? stage : "(null)");
        if (!spec->rootfs_path)
                return jaula_err_set(err, -EINVAL, "No rootfs");
        /* Nothing mounted below may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return jaula_err_errno(err, -errno, "Cannot make mounts private");
        /* The staging area (which also holds the tmpfs writable layer)
         * hides the state directory, in this namespace only; the state
         * directory is root-only, so nothing else there is needed by a
         * jail. */
        {
                _cleanup_close_ int t = fs_new("tmpfs", "jaula-stage", stageopts,
                                               MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
                if (t < 0)
                        return t;
                if (move_mount(t, "", AT_FDCWD, stage, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return jaula_err_errno(err, -errno, "Cannot mount the staging area");
        }
        snprintf(path, sizeof path, "%s/root", stage);
        if (mkdir(path, 0755) < 0)
                return jaula_err_errno(err, -errno, "Cannot create '%s'", path);
        r = mount_base(spec, stage, lower, sizeof lower, err);
        if (r < 0)
                return r;
        r = mount_writable(spec, stage, lower, err);
        if (r < 0)
                return r;
        snprintf(path, sizeof path, "%s/root", stage);
        rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return jaula_err_errno(err, -errno, "Cannot open the jail's root");

        r = mount_fs_at(rootfd, "proc", "proc", NULL,
                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
        if (r < 0)
                return r;
        r = mount_dev(spec, stage, rootfd, err);
        if (r < 0)
                return r;
        r = mount_fs_at(rootfd, "tmp", "tmpfs", tmpopts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
        if (r < 0)
                return r;
        r = mount_home(spec, rootfd, err);
        if (r < 0)
                return r;
        r = mount_extra(spec, rootfd, err);
        if (r < 0)
                return r;
        r = write_etc(spec, rootfd, resolv_conf, err);
        if (r < 0)
                return r;
        if (spec->writable == JAULA_WRITABLE_NONE && set_attr(rootfd, MOUNT_ATTR_RDONLY) < 0)
                return jaula_err_errno(err, -errno, "Cannot make the root read-only");
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return jaula_err_errno(err, -errno, "Cannot set hostname '%s'", spec->hostname);

        /* pivot_root(".", ".") stacks the old root on top of the new one;
         * detaching "." then drops the whole host tree from this namespace. */
        if (fchdir(rootfd) < 0)
                return jaula_err_errno(err, -errno, "Cannot enter the jail's root");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return jaula_err_errno(err, -errno, "pivot_root failed");
        if (umount2(".", MNT_DETACH) < 0)
                return jaula_err_errno(err, -errno, "Cannot detach the host's root");
        if (chdir("/") < 0)
                return jaula_err_errno(err, -errno, "Cannot chdir to the jail's root");
        return 0;
}

/* ---- the session's terminal ---- */

JAULA_EXPORT int jaula_rootfs_tty_grab(struct jaula_tty *ret, struct jaula_err *err)
{
        struct stat st;

        *ret = (struct jaula_tty){ .tree = -1 };
        for (int fd = 0; fd < 3; fd++) {
                int tree;

                if (!isatty(fd) || fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))
                        continue;
                /* Never a pty master (ptmx is 5:2, BSD masters are major 2):
                 * bound into the jail it would open new ptys of the host's
                 * instance; nor /dev/tty or /dev/console (major 5), which
                 * name no terminal of their own. */
                if (major(st.st_rdev) == 5 || major(st.st_rdev) == 2)
                        continue;
                /* A bind of the very dentry, not a node with its number: a
                 * pty slave is found through its devpts dentry, so the bind
                 * can never reach another pty that reuses the number, and
                 * opening it still checks the node's owner and mode. */
                tree = bind_tree(fd, "", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
                if (tree < 0)
                        return jaula_err_errno(err, tree, "Cannot bind the terminal on fd %d", fd);
                *ret = (struct jaula_tty){
                        .tree = tree, .present = true, .dev = st.st_dev, .ino = st.st_ino
                };
                return 1;
        }
        return 0;
}

JAULA_EXPORT int jaula_rootfs_tty_attach(const struct jaula_tty *tty, struct jaula_err *err)
{
        _cleanup_close_ int root = -1, target = -1;
        int r;

        if (tty->tree < 0)
                return 0;
        /* A jail made before jails had a devpts of their own has no mount
         * point, and needs none: it shows the host's /dev/pts. */
        if (faccessat(AT_FDCWD, "/dev/" JAULA_ROOTFS_TTY_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
            errno == ENOENT)
                return 0;
        /* A copy of the jail's mounts for this session alone: sessions of
         * one jail each find their own terminal under the same name, and
         * the bind goes away with the session's last process. */
        if (unshare(CLONE_NEWNS) < 0)
                return jaula_err_errno(err, -errno, "Cannot give the session its own mounts");
        root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return jaula_err_errno(err, -errno, "Cannot open the jail's root");
        target = xopenat2(root, "dev/" JAULA_ROOTFS_TTY_NAME, O_PATH, 0, BENEATH);
        if (target < 0)
                return jaula_err_errno(err, target, "Cannot open the jail's /dev/" JAULA_ROOTFS_TTY_NAME);
        r = attach(tty->tree, target);
        return r < 0 ? jaula_err_errno(err, r, "Cannot bind the terminal into the jail") : 0;
}

JAULA_EXPORT int jaula_rootfs_tty_adopt(const struct jaula_tty *tty)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (!tty->present)
                return 0;
        /* As the user by now: the open checks the node as any open would. */
        fd = open("/dev/" JAULA_ROOTFS_TTY_NAME, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_dev != tty->dev || st.st_ino != tty->ino)
                return -ENOTTY;
        /* The shell's stdio then names the terminal by its path in the jail
         * (/proc/self/fd, ttyname); without this the host's /dev/pts/N
         * shows, which in the jail is the jail's own pty of that number. */
        for (int i = 0; i < 3; i++)
                if (fstat(i, &st) == 0 && st.st_dev == tty->dev && st.st_ino == tty->ino &&
                    dup2(fd, i) < 0)
                        return -errno;
        return 0;
}

JAULA_EXPORT void jaula_rootfs_tty_clear(struct jaula_tty *tty)
{
        close_nointr(tty->tree);
        tty->tree = -1;
}
