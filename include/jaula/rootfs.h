/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rootfs.h — the jail's file system: read-only base (directory or loop-
 * mounted image), writable layer, /proc, /dev, /tmp, home, extra binds,
 * generated /etc files, pivot_root.  Runs in the holder, inside its new
 * mount namespace, as root. */
#pragma once

#include <stddef.h>

#include "jaula/log.h"
#include "jaula/spec.h"

/* Build the jail's tree and pivot_root into it.  resolv_conf (may be NULL)
 * becomes /etc/resolv.conf.  On return the caller's root and cwd are the
 * jail's "/", and nothing of the host tree is reachable. */
int jaula_rootfs_enter(const struct jaula_spec *spec, const char *resolv_conf,
                       struct jaula_err *err);

/* Pure: the text of the jail's /etc/passwd, /etc/group, /etc/hosts
 * (malloc'd into *ret).  -EINVAL when a field would break the format. */
int jaula_rootfs_passwd(const struct jaula_spec *spec, char **ret);
int jaula_rootfs_group(const struct jaula_spec *spec, char **ret);
int jaula_rootfs_hosts(const struct jaula_spec *spec, char **ret);

/* Pure: whether path is absolute, normalised ("/a/b", no "." / ".." /
 * "//" / trailing "/") and free of characters that overlayfs options or
 * the formats above cannot carry. */
int jaula_rootfs_path_ok(const char *path);

/* The login's terminal inside the jail.  The jail has its own devpts, so
 * the terminal sshd or login allocated in the host's is bound, alone, onto
 * /dev/JAULA_ROOTFS_TTY_NAME in a mount namespace of the session's own (a
 * copy of the jail's).  Three steps, in jailsh's child:
 *   grab    on the host side: a detached bind of the first of fds 0-2 that
 *           is a terminal; 0 (tree -1) when none is, 1 when grabbed;
 *   attach  root, in the jail's mount namespace: unshare it and mount the
 *           bind (a no-op without a terminal); the tree fd stays open
 *           (close-on-exec) for clear;
 *   adopt   as the user, after confinement: reopen it by its jail path
 *           onto the fds 0-2 that are that terminal. */
#define JAULA_ROOTFS_TTY_NAME "console"

struct jaula_tty {
        int tree;     /* detached mount, or -1 */
        bool present; /* a terminal was grabbed */
        dev_t dev;    /* and its file's identity */
        ino_t ino;
};

int jaula_rootfs_tty_grab(struct jaula_tty *ret, struct jaula_err *err);
int jaula_rootfs_tty_attach(const struct jaula_tty *tty, struct jaula_err *err);
int jaula_rootfs_tty_adopt(const struct jaula_tty *tty);
void jaula_rootfs_tty_clear(struct jaula_tty *tty);

/* Create spec->persistent_upper (and its "upper" and "work" children)
 * root-owned, refusing any symlink or foreign-owned directory on the way.
 * Runs on the host side. */
int jaula_rootfs_prepare_persistent(const char *path, struct jaula_err *err);
